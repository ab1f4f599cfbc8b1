/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Data plane loader and typed map access.
 *
 * dp_open() loads both BPF objects with every map pinned under a pin
 * root (re-using the pins that exist, so a restart keeps conntrack, tables
 * and counters); dp_attach_*() attach through bpf_links pinned under
 * <pin root>/links, updating a pinned link in place when one exists so that
 * no packet meets a detached interface. The typed helpers write one map
 * entry each; all functions return 0 or a negative errno and log nothing
 * (the caller decides what to say).
 */
#ifndef STEER_DP_H
#define STEER_DP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "steer_abi.h"

struct dp;

struct dp_opts {
	const char *pin_root;	/* NULL: STEER_PIN_ROOT_DEFAULT */
	uint32_t maglev_size;	/* 0: STEER_MAGLEV_DEFAULT; used for new tables */
	/* conntrack sizes (0: STEER_CT_ENTRIES, STEER_CT_SYN_ENTRIES); pinned
	 * maps keep the size they have (dp_ct_sizes says which is in use) */
	uint32_t ct_entries, ct_syn_entries;
};

/* What the last failing call of this thread said (file, reason). */
const char *dp_errmsg(void);

/* Load (or re-adopt) the data plane. Creates pin_root if missing. */
int dp_open(const struct dp_opts *opts, struct dp **out);
/* The conntrack sizes in use: ct/rct, ct_syn. */
void dp_ct_sizes(const struct dp *dp, uint32_t *ct, uint32_t *ct_syn);
/* ct_syn's size for a setting: a per-CPU LRU's, a multiple of the possible
 * CPUs (each holds an equal share and evicts only its own) */
uint32_t dp_ct_syn_entries_for(uint32_t asked);
/* Close fds; pinned maps and links stay, so the data plane keeps steering. */
void dp_close(struct dp *dp);
const char *dp_pin_root(const struct dp *dp);

/* Program fds (for BPF_PROG_TEST_RUN in tests and `steerctl explain`). */
int dp_xdp_prog_fd(const struct dp *dp);
int dp_tc_prog_fd(const struct dp *dp);

/* ---- the maps, by name ---- */

/* Every map of the data plane (pinned as STEER_MAP_* under the pin root). */
enum dp_map {
	DP_MAP_CONFIG = 0,
	DP_MAP_SERVICES,
	DP_MAP_TENANTS_V4,
	DP_MAP_TENANTS_V6,
	DP_MAP_TENANT_CFG,
	DP_MAP_TENANT_STATE,
	DP_MAP_CLASSES,
	DP_MAP_TABLES,
	DP_MAP_BACKENDS,
	DP_MAP_CT,
	DP_MAP_RCT,
	DP_MAP_XDP_REASONS,
	DP_MAP_TC_REASONS,
	DP_MAP_BACKEND_STATS,
	DP_MAP_TENANT_STATS,
	DP_MAP_CLASS_STATS,
	DP_MAP_NEXTHOPS,
	DP_MAP_SERVICE_PORTS,
	DP_MAP_SERVICE_LIST,
	DP_MAP_CT_SYN,
	DP_MAP_BACKEND_LOAD,
	DP_MAP_TABLE_SETS,
	DP_MAP_FRAGS,		/* fragmented datagrams, client to VIP */
	DP_MAP_FRAGS_REV,	/* and backend to client */
	DP_MAP_CT_HINT,		/* TCP keys that may be in ct or ct_syn (steer_ct_hint.h) */
	DP_MAP_CT_HINT_CTL,	/* whether, and which generation of it, XDP trusts */
	DP_MAP__COUNT
};

/* Its pin name (STEER_MAP_*), "?" out of range. */
const char *dp_map_name(enum dp_map m);
/* fd of a map, or -EINVAL out of range. */
int dp_map_fd(const struct dp *dp, enum dp_map m);

/*
 * Whole-map reads and writes: one batch syscall per call where the kernel
 * has batch ops, key by key where it has not (the fallback is the same
 * result, slower). Keys and values are packed arrays of the map's own key
 * and value sizes (per-CPU maps: see dp_percpu_read_all).
 *
 * dp_map_read: every entry, up to *n (in: room, out: entries read; more
 * entries than room is -ENOSPC with the first *n read).
 * dp_map_write / dp_map_delete: n entries (delete: a missing key is fine).
 */
int dp_map_read(struct dp *dp, enum dp_map m, void *keys, void *vals, size_t *n);

/* A walk through a map one page at a time (zero it to start). */
struct dp_map_cursor {
	bool started, done;	/* done: the last page was read */
	bool by_key;		/* no batch ops: get_next_key from last_key */
	uint64_t token;		/* the kernel's batch position */
	uint8_t last_key[64];
};

/* Up to *n entries after the cursor (*n: in room, out entries read; 0 with
 * c->done at the end). Entries added or deleted meanwhile may or may not be
 * seen (key by key, a walk whose last key was deleted starts over). For a
 * hash map give room for a few dozen entries at least: a batch takes whole
 * buckets (-ENOSPC if one does not fit). */
int dp_map_page(struct dp *dp, enum dp_map m, struct dp_map_cursor *c, void *keys, void *vals,
		size_t *n);
int dp_map_write(struct dp *dp, enum dp_map m, const void *keys, const void *vals, size_t n);
int dp_map_delete(struct dp *dp, enum dp_map m, const void *keys, size_t n);

enum dp_xdp_mode {
	DP_XDP_NATIVE = 0,
	DP_XDP_GENERIC = 1, /* slower; only when asked */
};

enum dp_tc_mode {
	DP_TC_AUTO = 0,		/* tcx, or clsact where the kernel has no tcx (< 6.6) */
	DP_TC_TCX = 1,		/* tcx bpf_link (kernel >= 6.6) */
	DP_TC_CLSACT = 2,	/* cls_bpf filter on the clsact qdisc (any kernel) */
};

const char *dp_tc_mode_name(enum dp_tc_mode m);
/* Attach steer_xdp to ifname (pinned link "links/xdp-<ifname>"). A hook
 * held by another program is refused with its name and id. */
int dp_attach_xdp(struct dp *dp, const char *ifname, enum dp_xdp_mode mode);
/* Attach steer_tc at ingress of ifname: a tcx link "links/tc-<ifname>" or
 * a clsact filter marked by the program pinned at "links/tcc-<ifname>"
 * (attach.c); *used (may be NULL): the mode attached. dp_attach_tc: AUTO. */
int dp_attach_tc_mode(struct dp *dp, const char *ifname, enum dp_tc_mode mode,
		      enum dp_tc_mode *used);
int dp_attach_tc(struct dp *dp, const char *ifname);
/* Remove the pinned link(s) of ifname; -ENOENT if none. */
int dp_detach_xdp(struct dp *dp, const char *ifname);
int dp_detach_tc(struct dp *dp, const char *ifname);
/* Is there a pinned link for ifname? */
bool dp_xdp_attached(const struct dp *dp, const char *ifname);
bool dp_tc_attached(const struct dp *dp, const char *ifname);

/* ---- typed writes ---- */

int dp_config_set(struct dp *dp, const struct steer_config *cfg);
int dp_config_get(struct dp *dp, struct steer_config *cfg);

int dp_service_set(struct dp *dp, const struct steer_service_key *key,
			 const struct steer_service *svc);
int dp_service_del(struct dp *dp, const struct steer_service_key *key);
/* Bring service_ports (the program's per-port pre-filter) in line with
 * the services map; the two calls above do it themselves. _put writes a
 * service without it (batches: put all, then sync once). */
int dp_service_put(struct dp *dp, const struct steer_service_key *key,
			 const struct steer_service *svc);
int dp_service_ports_sync(struct dp *dp);

/* family: STEER_AF_INET or STEER_AF_INET6; addr in network order. */
int dp_tenant_prefix_set(struct dp *dp, uint8_t family, const void *addr,
			       uint32_t prefixlen, uint32_t tenant);
int dp_tenant_prefix_del(struct dp *dp, uint8_t family, const void *addr,
			       uint32_t prefixlen);
/* Limits; also resets the token bucket to full when reset_bucket. */
int dp_tenant_cfg_set(struct dp *dp, uint32_t tenant,
			    const struct steer_tenant_cfg *cfg, bool reset_bucket);

int dp_backend_set(struct dp *dp, uint32_t id, const struct steer_backend *be);
int dp_backend_get(struct dp *dp, uint32_t id, struct steer_backend *be);
int dp_backend_state_set(struct dp *dp, uint32_t id, uint8_t state);
/* The whole backends array into out[STEER_MAX_BACKENDS], by id (one batch). */
int dp_backends_read_all(struct dp *dp, struct steer_backend *out);

/* The class of (tenant, task) for one address family's flows. */
int dp_class_set_family(struct dp *dp, uint32_t tenant, uint32_t task,
			      uint8_t family, const struct steer_class *cls);
int dp_class_del_family(struct dp *dp, uint32_t tenant, uint32_t task,
			      uint8_t family);
/* Both families at once (same decision for IPv4 and IPv6 flows). */
int dp_class_set(struct dp *dp, uint32_t tenant, uint32_t task,
		       const struct steer_class *cls);
/* Both families; 0 if at least one existed. */
int dp_class_del(struct dp *dp, uint32_t tenant, uint32_t task);

/*
 * Publish a Maglev table: a new inner map of n entries (n must equal the
 * config's maglev_size) is created, filled, then swapped into tables[table_id]
 * with one update, so a packet sees the old table or the new one, never a mix.
 */
int dp_table_publish(struct dp *dp, uint32_t table_id, const uint32_t *entries,
			   uint32_t n);
int dp_table_del(struct dp *dp, uint32_t table_id);
/* The two halves of a publish, for many tables at once: build a filled
 * table nobody sees yet (caller closes *fd_out), then swap a set of them
 * in with one batch update (one RCU grace period instead of one each). */
int dp_table_build(struct dp *dp, uint32_t table_id, const uint32_t *entries,
			 uint32_t n, int *fd_out);
int dp_tables_swap(struct dp *dp, const uint32_t *ids, const int *fds, uint32_t n);
int dp_tables_del(struct dp *dp, const uint32_t *ids, uint32_t n);
/* The backends and weights (slots held) of a table's entries, for the
 * bounded load; table_sets[table_id] := that (dp_table_publish and
 * dp_apply write it with the table, before the swap). cap_by_id (indexed by
 * backend id, STEER_MAX_BACKENDS; NULL: the slots) replaces the weights
 * by the backends' capacities: dp_apply's bound weighs what a backend can
 * hold, not the load-aware share its slots follow (see tables.c). */
void dp_table_set_of(const uint32_t *entries, uint32_t n, struct steer_table_set *set);
void dp_table_set_weigh(struct steer_table_set *set, const uint32_t *cap_by_id);
int dp_table_set_write(struct dp *dp, uint32_t table_id, const uint32_t *entries, uint32_t n,
		       const uint32_t *standby, uint32_t n_standby, const uint32_t *cap_by_id);
/* Read tables[table_id] into entries[n]; -ENOENT if no table. */
int dp_table_read(struct dp *dp, uint32_t table_id, uint32_t *entries, uint32_t n);

/* ---- a plan: what the maps should hold ---- */

struct dp_plan_backend {
	uint32_t id;
	struct steer_backend be;
	uint32_t capacity;	/* the bounded load's weight (dp_table_set_weigh); 0: 1 */
};

struct dp_plan_tenant {
	uint32_t id;
	struct steer_tenant_cfg cfg;
};

struct dp_plan_prefix {
	uint8_t family;		/* STEER_AF_* */
	uint8_t addr[16];	/* network order */
	uint32_t len;
	uint32_t tenant;
};

struct dp_plan_service {
	struct steer_service_key key;
	struct steer_service val;
};

struct dp_plan_table {
	uint32_t id;
	const uint32_t *entries; /* config.maglev_size slots; NULL: keeps what it holds */
	/* members without slots (weight 0: full at the last probe), in the
	 * bounded load's set all the same (dp_table_set_write) */
	const uint32_t *standby;
	uint32_t n_standby;
};

struct dp_plan_class {
	struct steer_class_key key;
	struct steer_class val;
};

/*
 * The desired contents of the maps, as data (engine/plan.c builds it).
 * Every list is the whole truth for its map: what the maps hold beyond it
 * is removed. Tenants, prefixes and services are left alone unless
 * policy_maps is set (they change only with the policy).
 */
struct dp_plan {
	struct steer_config config;
	struct dp_plan_backend *backends;	/* every backend the policy names */
	size_t n_backends;
	bool policy_maps;
	struct dp_plan_tenant *tenants;
	size_t n_tenants;
	struct dp_plan_prefix *prefixes;
	size_t n_prefixes;
	struct dp_plan_service *services;
	size_t n_services;
	struct dp_plan_table *tables;		/* every table a class uses */
	size_t n_tables;
	struct dp_plan_class *classes;		/* every class */
	size_t n_classes;
	/* tables no class uses any more (the engine knows them: reading a
	 * 32k-slot map-in-map back on every publish would cost more than
	 * the publish) */
	uint32_t *retired_tables;
	size_t n_retired_tables;
};

/* What dp_apply wrote. */
struct dp_apply_stats {
	unsigned int tables_written, tables_deleted;
	unsigned int classes_written, classes_deleted;
	unsigned int backends_written, tenants_written, services_written;
};

/*
 * Make the maps hold what plan says, writing only the difference, map kind
 * by map kind in the order that keeps every packet consistent: config;
 * backends (before the tables that name them); tenants' limits and
 * prefixes; services; new tables (built whole, swapped in with one batch)
 * before the classes that point at them; classes; then what nothing uses
 * any more: stale classes, their tables, and backends the policy dropped
 * (marked unused last, so no table names them). On error the maps hold a
 * consistent mix: every class points at a complete table.
 */
int dp_apply(struct dp *dp, const struct dp_plan *plan, struct dp_apply_stats *st);

/* ---- conntrack: state, expiry, the sweep (conntrack.c) ---- */

enum dp_ct_state {
	DP_CT_HANDSHAKE = 0,	/* SYN seen, handshake not complete */
	DP_CT_ESTABLISHED,	/* the client ACKed the backend's SYN+ACK; mid-stream; UDP */
	DP_CT_CLOSING,		/* FIN or RST seen, not closed yet */
	DP_CT_CLOSED,		/* both FINs, or a RST: a new SYN is a new flow */
	DP_CT__STATES
};

struct dp_ct_timeouts {
	uint64_t handshake_ns, established_ns, closing_ns, udp_ns; /* idle, by state */
};

/* What the table holds, counted from the table itself. */
struct dp_ct_counts {
	uint64_t entries, expired;
	uint64_t table_entries[2];		/* live (kept) entries: ct, ct_syn */
	uint64_t by_state[DP_CT__STATES];
	uint32_t established[STEER_MAX_BACKENDS]; /* by backend id: its load */
	uint32_t open_by_backend[STEER_MAX_BACKENDS]; /* not closed: what backend_load counts */
	uint32_t open[STEER_MAX_TENANTS];	 /* by tenant: slot-holding, not closed */
	uint64_t hint_set;	/* ct_hint slots set in the generation the pass rebuilt */
	uint64_t hint_slots;	/* of ct_hint's slots */
};

/* ct_hint's words as mapped: w[0..words), words a power of two. */
struct dp_ct_hint {
	uint64_t *w;
	uint32_t words;
};

/* A sweep in progress and what the last whole pass found (zero it to start). */
struct dp_ct_sweep {
	struct dp_map_cursor cur;
	int phase;			/* 0: ct_syn, 1: ct, 2: the pass is over */
	bool in_pass, have_last;
	struct steer_backend *backends;	/* at the pass's start: for reverse keys */
	struct dp_ct_counts *part;	/* this pass so far */
	struct dp_ct_counts *last;	/* the last whole pass */
	uint64_t pass_start_ns, passes, swept_total, expired_total;
	double sweep_ms, last_pass_ms;	/* time spent in this pass, the last one */
	const struct dp_ct_hint *hint;	/* the dp's ct_hint, NULL: not rebuilt */
	uint32_t hint_gen;		/* the generation this pass rebuilds */
};

/*
 * ct_hint (include/steer_ct_hint.h), which a pass of dp_ct_sweep rebuilds:
 * its words (mapped once per dp, until dp_close; NULL if they can't be),
 * its control word, a generation's
 * bits cleared, a key's bits set (gens: bit 0 and/or 1), and whether a
 * generation may hold a key. Every word change is atomic: XDP sets bits
 * in the same words.
 */
const struct dp_ct_hint *dp_ct_hint_get(struct dp *dp);
int dp_ct_hint_ctl_get(struct dp *dp, struct steer_ct_hint_ctl *c);
int dp_ct_hint_ctl_set(struct dp *dp, const struct steer_ct_hint_ctl *c);
void dp_ct_hint_clear_gen(const struct dp_ct_hint *h, uint32_t gen);
void dp_ct_hint_mark(const struct dp_ct_hint *h, const struct steer_flow_key *k, uint32_t gens);
bool dp_ct_hint_maybe(const struct dp_ct_hint *h, const struct steer_flow_key *k, uint32_t gen);
/* Slots whose bit of generation gen is set (of words * 32). */
uint64_t dp_ct_hint_count(const struct dp_ct_hint *h, uint32_t gen);
/* A pass's slots set as a share of the slots (0..1). */
double dp_ct_hint_fill(const struct dp_ct_counts *c);

enum dp_ct_state dp_ct_state_of(const struct steer_ct *e);
const char *dp_ct_state_name(enum dp_ct_state s);
/* Idle past its state's timeout at now (CLOCK_MONOTONIC ns)? */
bool dp_ct_expired(const struct steer_ct *e, uint8_t proto, uint64_t now_ns,
		   const struct dp_ct_timeouts *t);
/* Add one live entry to c. */
void dp_ct_count(struct dp_ct_counts *c, const struct steer_ct *e, uint8_t proto);
/*
 * Sweep up to budget entries of ct, then of ct_syn (half-open flows):
 * expired ones are deleted with their reverse entries, the others counted. 1 when a whole pass ended (s->last
 * holds its counts), 0 when the pass goes on next call, or a negative errno.
 */
int dp_ct_sweep(struct dp *dp, struct dp_ct_sweep *s, const struct dp_ct_timeouts *t,
		uint64_t now_ns, size_t budget);
void dp_ct_sweep_free(struct dp_ct_sweep *s);
/* backend_load (the bounded load's open flows), every backend: out[STEER_MAX_BACKENDS] */
int dp_backend_load_read_all(struct dp *dp, int64_t *out);
/* backend_load[id] := open (written plainly: a flow opening or closing in
 * this instant may be miscounted by one until the next pass) */
int dp_backend_load_set(struct dp *dp, uint32_t id, int64_t open);
/* tenant_state[tenant].active (0 if unreadable) */
int64_t dp_tenant_active_get(struct dp *dp, uint32_t tenant);
/* tenant_state[tenant].active := active. 1 if it changed, 0 if not, or -errno. */
int dp_tenant_active_set(struct dp *dp, uint32_t tenant, int64_t active);

/* ---- explain ---- */

struct dp_explain_req {
	uint8_t family;		/* STEER_AF_INET / STEER_AF_INET6 */
	uint8_t proto;		/* STEER_PROTO_TCP / STEER_PROTO_UDP */
	uint8_t src[16], dst[16]; /* network order */
	uint16_t sport, dport;	/* host order */
	uint32_t ifindex;	/* ingress interface for the FIB lookup; 0: none */
};

/*
 * Run steer_xdp in dry-run mode (a second instance, loaded on first use)
 * on a SYN (or UDP packet) against the live maps; nothing is written but
 * the instance's own explain map. out->verdict is the XDP action.
 */
int dp_explain(struct dp *dp, const struct dp_explain_req *req,
		     struct steer_explain *out);

/* ---- counters (summed over CPUs) ---- */

enum dp_hook {
	DP_HOOK_XDP = 0,
	DP_HOOK_TC = 1,
};
int dp_reason_read(struct dp *dp, enum dp_hook hook, uint32_t reason,
			 struct steer_reason_stats *out);
int dp_backend_stats_read(struct dp *dp, uint32_t id, struct steer_backend_stats *out);
/*
 * Keys 0..n-1 of a per-CPU array of n_u64 u64 counters (a STEER_MAP_*
 * stats or reasons map), summed over CPUs, in batches (one syscall for
 * thousands of keys; key by key where the kernel has no batch ops).
 */
int dp_percpu_read_all(struct dp *dp, enum dp_map map, uint32_t n, size_t n_u64, uint64_t *out);
/* The counters of backend ids 0..n-1 (at most STEER_MAX_BACKENDS) in one
 * batch into out[n]: a caller reads the ids it uses (a per-CPU array of
 * 8,192 read whole each probe round was most of steerd's steady CPU). */
int dp_backend_stats_read_all(struct dp *dp, uint32_t n, struct steer_backend_stats *out);
int dp_tenant_stats_read(struct dp *dp, uint32_t tenant, struct steer_tenant_stats *out);
int dp_class_stats_read(struct dp *dp, uint32_t class_id, struct steer_class_stats *out);

/* Name of a reason code ("pass_not_service", ...), "unknown" if out of range. */
const char *dp_reason_name(uint32_t reason);
/* Code of a reason name, or -1. */
int dp_reason_from_name(const char *name);
/* Kind of a reason code (enum steer_reason_kind), or -1 if out of range. */
int dp_reason_kind(uint32_t reason);
/* Name of a kind ("none", "pass", "drop", "event", "retired"), else "unknown". */
const char *dp_reason_kind_name(int kind);

#endif /* STEER_DP_H */
