/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * steer ABI: everything shared between the BPF programs and userspace.
 *
 * Map keys and values, limits, reason codes and pin names. Fixed-width
 * types only, explicit padding, and a _Static_assert on every size, so
 * that BPF (clang -target bpf) and userspace (gcc, x86_64) agree byte
 * for byte. Addresses and ports are kept in network byte order; IPv4
 * addresses sit in the first 4 bytes of a 16-byte address, the rest zero.
 */
#ifndef STEER_ABI_H
#define STEER_ABI_H

#ifndef __bpf__
#include <linux/types.h>
#include <linux/bpf.h> /* struct bpf_spin_lock */
#endif

/* ---- limits ------------------------------------------------------------ */

#define STEER_MAX_SERVICES	1024
#define STEER_MAX_TENANTS	4096	/* tenant ids 0..4095; 0 is the default tenant */
#define STEER_MAX_TASKS		16	/* task ids 0..15 */
#define STEER_MAX_BACKENDS	8192	/* backend ids 1..8191; 0 means "no backend" */
#define STEER_MAX_CLASSES	32768	/* class ids: stats index of a (tenant, task, family) */
#define STEER_MAX_TABLES	32768	/* Maglev table ids (shared between classes) */
#define STEER_MAX_PREFIXES	65536	/* per address family */
#define STEER_CT_ENTRIES	262144	/* forward and reverse conntrack, each (default) */
#define STEER_CT_SYN_ENTRIES	65536	/* half-open flows, forward and reverse (default) */
#define STEER_FRAG_ENTRIES	8192	/* fragmented datagrams in flight, each way */
/*
 * ct_hint: 64-bit words, 32 slots of 2 bits each, a power of two sized at
 * load for at least STEER_CT_HINT_SLOTS_PER_KEY slots per conntrack entry
 * (ct + ct_syn: steer_ct_hint_words_for). The default tables' 327,680
 * keys get 65,536 words (512 KiB, 2,097,152 slots), ~14.5 % of them set
 * when full, so as many new SYNs look up (46 % with the fixed 16,384
 * words before 2026-12).
 */
#define STEER_CT_HINT_WORDS_MIN	4096	/* 32 KiB: the smallest tables' */
#define STEER_CT_HINT_WORDS_MAX	(1u << 22) /* 32 MiB: the largest tables' (2 x 16M) */
#define STEER_CT_HINT_SLOTS_PER_KEY 4
#define STEER_CT_HINT_SEED	0x5eedc7u /* its flow hash seed: fixed, not the policy's */
#define STEER_MAGLEV_DEFAULT	16381	/* default prime table size */
#define STEER_MAGLEV_MAX	131071	/* largest table the loader accepts */
#define STEER_IPV6_EXT_MAX	4	/* IPv6 extension headers skipped before giving up */
#define STEER_VLAN_MAX		2	/* stacked 802.1Q/802.1ad tags parsed */
#define STEER_REASON_SLOTS	64	/* reasons maps' size: room for new codes */
#define STEER_SET_MAX		32	/* backends of a table the bounded load weighs */
#define STEER_BOUND_STEPS	16	/* further choices the bounded load tries */

#define STEER_DEFAULT_TENANT	0
#define STEER_NO_BACKEND	0

/* ---- pin names (relative to the pin root) ----------------------------- */

#define STEER_PIN_ROOT_DEFAULT	"/sys/fs/bpf/steer"
#define STEER_MAP_CONFIG	"steer_cfg"
#define STEER_MAP_SERVICES	"services"
#define STEER_MAP_TENANTS_V4	"tenants_v4"
#define STEER_MAP_TENANTS_V6	"tenants_v6"
#define STEER_MAP_TENANT_CFG	"tenant_cfg"
#define STEER_MAP_TENANT_STATE	"tenant_state"
#define STEER_MAP_CLASSES	"classes"
#define STEER_MAP_TABLES	"tables"
#define STEER_MAP_BACKENDS	"backends"
#define STEER_MAP_CT		"ct"
#define STEER_MAP_RCT		"rct"
#define STEER_MAP_XDP_REASONS	"xdp_reasons"
#define STEER_MAP_TC_REASONS	"tc_reasons"
#define STEER_MAP_BACKEND_STATS	"backend_stats"
#define STEER_MAP_TENANT_STATS	"tenant_stats"
#define STEER_MAP_CLASS_STATS	"class_stats"
#define STEER_MAP_NEXTHOPS	"nexthops"
#define STEER_MAP_SERVICE_PORTS	"service_ports"
#define STEER_MAP_SERVICE_LIST	"service_list"
#define STEER_MAP_CT_SYN	"ct_syn"
#define STEER_MAP_BACKEND_LOAD	"backend_load"
#define STEER_MAP_TABLE_SETS	"table_sets"
#define STEER_MAP_FRAGS		"frags"
#define STEER_MAP_FRAGS_REV	"frags_rev"
#define STEER_MAP_CT_HINT	"ct_hint"
#define STEER_MAP_CT_HINT_CTL	"ct_hint_ctl"
/*
 * Links are pinned as "<pin root>/links/xdp-<ifname>" and "tc-<ifname>"
 * ('.' and '%' in ifname escaped as %2e, %25: bpffs refuses dots).
 */
#define STEER_PIN_LINKS_DIR	"links"

/* ---- enums (stored in __u8/__u32 fields) ------------------------------ */

enum steer_family {
	STEER_AF_INET = 4,
	STEER_AF_INET6 = 6,
};

enum steer_proto {
	STEER_PROTO_TCP = 6,
	STEER_PROTO_UDP = 17,
};

enum steer_backend_state {
	STEER_BACKEND_UNUSED = 0, /* slot empty: flows pinned to it re-steer */
	STEER_BACKEND_ACTIVE = 1,
	STEER_BACKEND_DRAINING = 2, /* keeps its flows, gets no new ones */
	STEER_BACKEND_DOWN = 3, /* its flows re-steer on their next packet */
	STEER_BACKEND_FAILING = 4, /* failed health, within the grace: no new flows;
				    * TCP flows stay (re-steering can't save a TCP
				    * connection), UDP flows re-steer */
};

enum steer_class_action {
	STEER_ACTION_TABLE = 0, /* pick a backend from tables[table_id] */
	STEER_ACTION_REJECT = 1, /* drop new flows, counted as REJECT_POLICY */
};

/* conntrack entry flags */
#define STEER_CT_F_FIN_CLIENT	(1u << 0) /* FIN seen from the client */
#define STEER_CT_F_FIN_BACKEND	(1u << 1) /* FIN seen from the backend */
#define STEER_CT_F_RST		(1u << 2) /* RST seen either way */
#define STEER_CT_F_CLOSED	(1u << 3) /* closed: a new SYN re-steers */
#define STEER_CT_F_COUNTED	(1u << 4) /* holds a tenant concurrency slot */
#define STEER_CT_F_NONSYN	(1u << 5) /* created by a non-SYN (table) miss */
#define STEER_CT_F_SYNACK	(1u << 6) /* TC saw the backend's SYN+ACK */
#define STEER_CT_F_EMBRYONIC	(1u << 8) /* lives in ct_syn until the handshake ends */
#define STEER_CT_F_RST_CLIENT	(1u << 9) /* RST from the client: closing; its slot is held
					   * until the closing timeout or a new SYN (a
					   * bogus RST frees nothing) */
#define STEER_CT_F_ESTABLISHED	(1u << 7) /* handshake done (the client's ACK after the
					   * SYN+ACK), or made mid-stream, or UDP */

/*
 * Reason codes, defined once: STEER_REASONS(X) calls X(id, number, name,
 * kind) per code, in number order. Everything else is generated from it:
 * enum steer_reason (STEER_R_<id>), the data plane's "is this a drop" mask
 * (STEER_REASON_DROP_MASK), userspace's names and kinds (user/dp/reasons.c)
 * and, checked by tests/unit/test_reasons.c, the table in docs/datapath.md.
 *
 * Every verdict that is not "steered to a backend" is counted under exactly
 * one code, per CPU, in xdp_reasons (XDP) or tc_reasons (TC); EVENT codes
 * count notable events on the steered path, the packet itself being
 * forwarded. The kinds are in enum steer_reason_kind.
 *
 * The numbers and names are ABI: counters are indexed by the numbers
 * (bpftool dumps show them), the names are metric labels. A new code takes
 * the next number, at the end. A code is never renumbered or removed: a
 * retired one stays as a placeholder, X(RETIRED_<n>, n, "retired_<n>",
 * RETIRED), as Cilium keeps its unused drop reasons, so that the numbers
 * after it stay where they are. The numbers are consecutive (checked below).
 */
#define STEER_REASONS(X)                                                                           \
	X(NONE, 0, "none", NONE)                                                                   \
	X(PASS_NOT_IP, 1, "pass_not_ip", PASS)                 /* neither IPv4 nor IPv6 */         \
	X(PASS_NOT_L4, 2, "pass_not_l4", PASS)                 /* not TCP or UDP (ICMP, ...) */    \
	X(PASS_NOT_SERVICE, 3, "pass_not_service", PASS)       /* no service at dst addr:port */   \
	X(PASS_FRAGMENT, 4, "pass_fragment", PASS)             /* IPv4/IPv6 fragment */            \
	X(PASS_EXT_DEPTH, 5, "pass_ext_depth", PASS)           /* IPv6 ext chain too long, ESP */  \
	X(PASS_NO_NEIGH, 6, "pass_no_neigh", PASS)             /* NATed, neighbour unresolved */   \
	X(PASS_VLAN, 7, "pass_vlan", PASS)                     /* NATed, tagged: stack routes */   \
	X(PASS_NO_RCT, 8, "pass_no_rct", PASS)                 /* TC: not a steered reply */       \
	X(PASS_MALFORMED, 9, "pass_malformed", PASS)           /* TC: unparseable */               \
	X(DROP_TRUNC_ETH, 10, "drop_trunc_eth", DROP)          /* short Ethernet/VLAN header */    \
	X(DROP_TRUNC_IP, 11, "drop_trunc_ip", DROP)            /* short IP header */               \
	X(DROP_BAD_IP, 12, "drop_bad_ip", DROP)                /* bad version/IHL/length */        \
	X(DROP_TRUNC_L4, 13, "drop_trunc_l4", DROP)            /* short TCP/UDP header */          \
	X(DROP_BAD_L4, 14, "drop_bad_l4", DROP)                /* TCP doff, IPv6 UDP csum 0 */     \
	X(DROP_NO_CLASS, 15, "drop_no_class", DROP)            /* no class (tenant, task) */       \
	X(DROP_REJECT_POLICY, 16, "drop_reject_policy", DROP)  /* class action is reject */        \
	X(DROP_NO_BACKEND, 17, "drop_no_backend", DROP)        /* no table or usable slot */       \
	X(DROP_ADMIT_RATE, 18, "drop_admit_rate", DROP)        /* tenant rate exceeded */          \
	X(DROP_ADMIT_CONC, 19, "drop_admit_conc", DROP)        /* tenant connections at cap */     \
	X(DROP_FIB, 20, "drop_fib", DROP)                      /* FIB lookup failed */             \
	X(DROP_NO_CONFIG, 21, "drop_no_config", DROP)          /* config map not filled yet */     \
	X(EV_NONSYN_MISS, 22, "ev_nonsyn_miss", EVENT)         /* non-SYN miss: table only */      \
	X(EV_RESTEER_DOWN, 23, "ev_resteer_down", EVENT)       /* backend down: re-steered */      \
	X(EV_UDP_EXPIRED, 24, "ev_udp_expired", EVENT)         /* idle UDP entry replaced */       \
	X(EV_CT_REUSE, 25, "ev_ct_reuse", EVENT)               /* SYN on closed entry */        \
	X(DROP_TCP_FLAGS, 26, "drop_tcp_flags", DROP)          /* invalid flag combination */    \
	X(DROP_STRAY_SYNACK, 27, "drop_stray_synack", DROP)    /* SYN+ACK sent to a VIP */        \
	X(EV_RST_NO_ENTRY, 28, "ev_rst_no_entry", EVENT)       /* RST, no entry: table, no entry */ \
	X(DROP_NONSYN_BUDGET, 29, "drop_nonsyn_budget", DROP)  /* non-SYN misses over budget */ \
	X(EV_BOUND_DIVERT, 30, "ev_bound_divert", EVENT)       /* first choice over its bound */ \
	X(EV_BOUND_FULL, 31, "ev_bound_full", EVENT)           /* every choice over: first kept */ \
	X(DROP_BAD_IP_CSUM, 32, "drop_bad_ip_csum", DROP)      /* IPv4 header checksum wrong */ \
	X(DROP_TTL_EXCEEDED, 33, "drop_ttl_exceeded", DROP)    /* TTL <= 1: ICMP time exceeded */ \
	X(PASS_TTL_EXCEEDED, 34, "pass_ttl_exceeded", PASS)    /* TC: TTL <= 1, stack answers */ \
	X(DROP_FRAG_NEEDED, 35, "drop_frag_needed", DROP)      /* too big: ICMP frag needed/PTB */ \
	X(PASS_FRAGMENTING, 36, "pass_fragmenting", PASS)      /* too big, IPv4 no DF: stack */ \
	X(PASS_ICMP_NO_FLOW, 37, "pass_icmp_no_flow", PASS)    /* ICMP error, no steered flow */ \
	X(PASS_ICMP_NATTED, 38, "pass_icmp_natted", PASS)      /* TC: ICMP error translated */ \
	X(EV_ICMP_NATTED, 39, "ev_icmp_natted", EVENT)         /* XDP: error sent to the backend */ \
	X(EV_MSS_CLAMPED, 40, "ev_mss_clamped", EVENT)         /* SYN's MSS lowered to the clamp */ \
	X(EV_FRAG_FIRST, 41, "ev_frag_first", EVENT)           /* first fragment steered: noted */ \
	X(EV_FRAG_FOLLOW, 42, "ev_frag_follow", EVENT)         /* later fragment: first's backend */ \
	X(PASS_FRAG_NO_FIRST, 43, "pass_frag_no_first", PASS)  /* later fragment, first unseen */ \
	X(DROP_FRAG_BAD, 44, "drop_frag_bad", DROP)            /* tiny / header-overlapping frag */

enum steer_reason_kind {
	STEER_RK_NONE = 0,	/* code 0: steered */
	STEER_RK_PASS = 1,	/* left to the kernel stack */
	STEER_RK_DROP = 2,	/* dropped */
	STEER_RK_EVENT = 3,	/* counted on the steered path, packet forwarded */
	STEER_RK_RETIRED = 4,	/* placeholder of a code no longer counted */
};

#define STEER_REASON_ENUM_(id, num, name, kind) STEER_R_##id = (num),
enum steer_reason {
	STEER_REASONS(STEER_REASON_ENUM_)
	STEER_R_MAX,		/* one past the last code */
};
#undef STEER_REASON_ENUM_

/* Consecutive numbers: each code's number is its position in the list. */
#define STEER_REASON_POS_(id, num, name, kind) STEER_R_POS_##id,
enum steer_reason_pos {
	STEER_REASONS(STEER_REASON_POS_)
};
#undef STEER_REASON_POS_
#define STEER_REASON_CHECK_(id, num, name, kind)                                                   \
	_Static_assert((int)STEER_R_##id == (int)STEER_R_POS_##id, "reason " #id ": not in place");
STEER_REASONS(STEER_REASON_CHECK_)
#undef STEER_REASON_CHECK_

/*
 * Bit n set: code n is a DROP. The data plane's drop test is one shift and
 * one AND (STEER_REASON_SLOTS <= 64 is asserted below), whatever the codes.
 */
#define STEER_REASON_DROP_BIT_(id, num, name, kind)                                                \
	| (STEER_RK_##kind == STEER_RK_DROP ? 1ULL << (num) : 0ULL)
#define STEER_REASON_DROP_MASK (0ULL STEER_REASONS(STEER_REASON_DROP_BIT_))

/* ---- map values -------------------------------------------------------- */

/* steer_cfg[0]: global settings, written by steerd before any table. */
struct steer_config {
	__u32 maglev_size;	/* M of every table (prime) */
	__u32 hash_seed;	/* flow hash seed, same on every gateway */
	__u64 udp_idle_ns;	/* UDP entries idle longer than this expire */
	__u64 tcp_idle_ns;	/* informational: steerd's conntrack GC bound */
	__u32 flags;		/* reserved, 0 */
	__u32 nonsyn_rate;	/* entries a tenant's non-SYN misses may make per second
				 * (burst: one second's worth); 0: unlimited */
};

/*
 * ct_hint_ctl[0]: may a SYN trust ct_hint (steer_ct_hint.h)? on: steerd
 * has completed a rebuild; gen: the generation (bit 0 or 1 of each slot)
 * that rebuild made. Both 0 until then: every SYN looks ct and ct_syn up.
 */
struct steer_ct_hint_ctl {
	__u32 on;
	__u32 gen;
};

/* services: (VIP, port, proto) -> service. */
struct steer_service_key {
	__u8 addr[16];		/* network order; IPv4 in addr[0..3] */
	__u16 port;		/* network order */
	__u8 proto;		/* enum steer_proto */
	__u8 family;		/* enum steer_family */
};

struct steer_service {
	__u32 service_id;
	__u32 default_task;
	__u32 flags;
	__u16 balance_pct;	/* bounded load: c x 100 (125 = 1.25x share); 0 = off */
	__u16 mss_clamp;	/* clamp the SYN's MSS option to this; 0 = off */
};

/*
 * table_sets[table_id]: the backends a table's slots name and their weight
 * (slots held), for the bounded load (steer_bound.h). Written by the
 * loader with the table, from the table itself. n 0: the bound is off for
 * the table (more than STEER_SET_MAX backends).
 */
struct steer_table_set {
	__u32 n;		/* ids[0..n-1] */
	__u32 total_weight;	/* sum of weight[] (= the table's used slots) */
	__u32 ids[STEER_SET_MAX];
	__u32 weight[STEER_SET_MAX];
};

/*
 * backend_load[backend id]: open flows (atomic, shared by every CPU): +1
 * when a flow gets an entry to the backend, -1 when it closes; steerd's
 * sweep replaces it with what conntrack holds after each pass (expired and
 * evicted flows never close).
 */
struct steer_backend_load {
	__s64 open;
};

/* tenants_v4 / tenants_v6: LPM tries, source prefix -> tenant id. */
struct steer_lpm_v4_key {
	__u32 prefixlen;
	__u8 addr[4];
};

struct steer_lpm_v6_key {
	__u32 prefixlen;
	__u8 addr[16];
};

/* tenant_cfg[tenant]: admission limits; 0 means unlimited. */
struct steer_tenant_cfg {
	__u32 rate;		/* new connections per second */
	__u32 burst;		/* bucket depth, connections */
	__u32 max_conns;	/* concurrent connections */
	__u32 priority;		/* higher is shed later (steerd) */
};

/* tenant_state[tenant]: admission state, shared by all CPUs. */
struct steer_tenant_state {
	struct bpf_spin_lock lock;
	__u32 pad;
	__u64 tokens_nano;	/* tokens * 1e9 */
	__u64 last_ns;		/* last refill */
	__s64 active;		/* admitted, not yet closed (atomic) */
};

/*
 * classes: (tenant, task, family) -> decision. The family is part of the
 * class because a flow is NATed within its address family: an IPv4 flow
 * needs an IPv4 backend, so each family gets its own table.
 */
struct steer_class_key {
	__u32 tenant;
	__u16 task;
	__u8 family;		/* enum steer_family */
	__u8 pad;
};

struct steer_class {
	__u32 class_id;		/* index into class_stats */
	__u32 table_id;		/* index into tables */
	__u32 action;		/* enum steer_class_action */
	__u32 pad;
};

/* backends[id]: where a backend is and whether it takes flows. */
struct steer_backend {
	__u8 addr[16];		/* network order; IPv4 in addr[0..3] */
	__u16 port;		/* network order */
	__u8 family;		/* enum steer_family */
	__u8 state;		/* enum steer_backend_state */
	__u32 flags;
};

/*
 * Flow key, used for ct (client -> VIP, as the client sent it) and rct
 * (backend -> client, as the backend replies).
 */
struct steer_flow_key {
	__u8 src[16];
	__u8 dst[16];
	__u16 sport;
	__u16 dport;
	__u8 proto;
	__u8 family;
	__u16 pad;
};

/* ct: forward entry. */
struct steer_ct {
	__u32 backend_id;
	__u32 tenant;
	__u32 class_id;
	__u32 flags;		/* STEER_CT_F_* */
	__u64 created_ns;
	__u64 last_ns;		/* refreshed at most once a second */
};

/* rct: reverse entry, how to undo the NAT on replies. */
struct steer_rct {
	__u8 vip[16];
	__u16 vport;
	__u16 pad;
	__u32 backend_id;
	__u32 tenant;
	__u32 flags;		/* STEER_CT_F_* mirrored from the backend side */
};

/*
 * frags: a fragmented datagram to a service, noted at its first fragment
 * (offset 0, which holds the ports) so that the later ones, which carry no
 * L4 header, follow it: (src, dst, IP identification, proto) as received.
 * IPv4 uses the 16-bit id, IPv6 the Fragment header's 32-bit one.
 */
struct steer_frag_key {
	__u8 src[16];
	__u8 dst[16];
	__u32 id;		/* network order */
	__u8 proto;
	__u8 family;
	__u16 pad;
};

struct steer_frag {
	__u32 backend_id;
	__u32 tenant;
	__u32 class_id;
	__u32 pad;
};

/* ---- statistics (per-CPU arrays; userspace sums the CPUs) -------------- */

struct steer_reason_stats {
	__u64 packets;
	__u64 bytes;
};

struct steer_backend_stats {
	__u64 packets;		/* client -> backend */
	__u64 bytes;
	__u64 reply_packets;	/* backend -> client (TC) */
	__u64 reply_bytes;
	__u64 new_flows;
	__u64 closed_flows;	/* active = new_flows - closed_flows (summed) */
};

struct steer_tenant_stats {
	__u64 packets;
	__u64 bytes;
	__u64 reply_packets;
	__u64 reply_bytes;
	__u64 new_flows;
	__u64 closed_flows;
	__u64 rejected;		/* policy or no backend */
	__u64 admit_rate_drops;
	__u64 admit_conc_drops;
};

struct steer_class_stats {
	__u64 packets;
	__u64 bytes;
	__u64 new_flows;
	__u64 rejected;
};

/*
 * nexthops[backend] (per CPU): the last FIB answer towards a backend, so
 * that most packets skip bpf_fib_lookup. Refreshed when older than
 * STEER_NEXTHOP_TTL_NS or when the packet came in on another interface.
 */
struct steer_nexthop {
	__u64 stamp_ns;		/* bpf_ktime_get_coarse_ns() of the lookup; 0 never */
	__u32 ingress;		/* ingress ifindex the lookup was made for */
	__u32 ifindex;		/* egress */
	__u8 smac[6];
	__u8 dmac[6];
	__u32 mtu;		/* the FIB's MTU of the path (mtu_result); 0 unknown */
};
#define STEER_NEXTHOP_TTL_NS	250000000ULL	/* 250 ms */

/*
 * explain[0]: what a dry run of steer_xdp (a second instance loaded with
 * steer_dry_run = 1, used by `steerctl explain`) decided for one packet.
 * A dry run reads the live maps and writes nothing else.
 */
struct steer_explain {
	__u32 verdict;		/* XDP action */
	__u32 reason;		/* reason counted (0: steered) */
	__u32 service_id;
	__u32 task;
	__u32 tenant;
	__u32 class_id;
	__u32 table_id;
	__u32 backend_id;
	__u32 slot;		/* Maglev slot of the flow hash */
	__u32 admit;		/* 0 admitted, else the admission reason */
	__u32 ct_hit;		/* 1: an existing conntrack entry decided */
	__u32 stage;		/* bit per stage reached (STEER_EXPLAIN_*) */
	/* bounded load (STEER_EXPLAIN_BOUND): the table's first choice, its
	 * open flows and bound; backend_id is the backend taken */
	__u32 first_id;
	__u32 first_load;
	__u32 bound;		/* flows it may hold before the walk (0: off) */
	__u32 bound_steps;	/* choices tried after the first; STEER_BOUND_STEPS + 1: the
				 * last resort took it (bpf/steer_bound.h) */
};
#define STEER_EXPLAIN_SERVICE	(1u << 0)
#define STEER_EXPLAIN_CLASS	(1u << 1)
#define STEER_EXPLAIN_PICKED	(1u << 2)
#define STEER_EXPLAIN_ADMIT	(1u << 3)
#define STEER_EXPLAIN_NAT	(1u << 4)
#define STEER_EXPLAIN_BOUND	(1u << 5)	/* the bounded load was applied */

/* ---- size guards --------------------------------------------------------- */

_Static_assert(sizeof(struct steer_config) == 32, "steer_config size");
_Static_assert(sizeof(struct steer_ct_hint_ctl) == 8, "steer_ct_hint_ctl size");
_Static_assert(sizeof(struct steer_service_key) == 20, "steer_service_key size");
_Static_assert(sizeof(struct steer_service) == 16, "steer_service size");
_Static_assert(sizeof(struct steer_lpm_v4_key) == 8, "steer_lpm_v4_key size");
_Static_assert(sizeof(struct steer_lpm_v6_key) == 20, "steer_lpm_v6_key size");
_Static_assert(sizeof(struct steer_tenant_cfg) == 16, "steer_tenant_cfg size");
_Static_assert(sizeof(struct steer_tenant_state) == 32, "steer_tenant_state size");
_Static_assert(sizeof(struct steer_class_key) == 8, "steer_class_key size");
_Static_assert(sizeof(struct steer_class) == 16, "steer_class size");
_Static_assert(sizeof(struct steer_backend) == 24, "steer_backend size");
_Static_assert(sizeof(struct steer_flow_key) == 40, "steer_flow_key size");
_Static_assert(sizeof(struct steer_ct) == 32, "steer_ct size");
_Static_assert(sizeof(struct steer_frag_key) == 40, "steer_frag_key size");
_Static_assert(sizeof(struct steer_frag) == 16, "steer_frag size");
_Static_assert(sizeof(struct steer_rct) == 32, "steer_rct size");
_Static_assert(sizeof(struct steer_reason_stats) == 16, "steer_reason_stats size");
_Static_assert(sizeof(struct steer_backend_stats) == 48, "steer_backend_stats size");
_Static_assert(sizeof(struct steer_tenant_stats) == 72, "steer_tenant_stats size");
_Static_assert(sizeof(struct steer_class_stats) == 32, "steer_class_stats size");
_Static_assert(sizeof(struct steer_explain) == 64, "steer_explain size");
_Static_assert(sizeof(struct steer_table_set) == 8 + 8 * STEER_SET_MAX, "steer_table_set size");
_Static_assert(sizeof(struct steer_backend_load) == 8, "steer_backend_load size");
_Static_assert(sizeof(struct steer_nexthop) == 32, "steer_nexthop size");
_Static_assert(STEER_R_MAX <= STEER_REASON_SLOTS, "reasons map size");
_Static_assert(STEER_REASON_SLOTS <= 64, "STEER_REASON_DROP_MASK has 64 bits");
/* the numbers as they were before the list (ABI: they never change) */
_Static_assert(STEER_R_PASS_NOT_SERVICE == 3 && STEER_R_PASS_MALFORMED == 9 &&
		       STEER_R_DROP_TRUNC_ETH == 10 && STEER_R_DROP_NO_CONFIG == 21 &&
		       STEER_R_EV_NONSYN_MISS == 22 && STEER_R_EV_CT_REUSE == 25,
	       "reason numbers are ABI");

#endif /* STEER_ABI_H */
