/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The Prometheus endpoint: GET /metrics in the text exposition format
 * (0.0.4), served by libmicrohttpd from its own thread.
 *
 * The caller (steerd's main loop) fills a snapshot (what it read for this
 * render: counters read in bulk, published state, policy, live signals,
 * the time) and calls metrics_update at most once per probe round, publish
 * or reload. The renderer turns the snapshot into immutable,
 * reference-counted text segments swapped in under a mutex; the HTTP
 * thread only takes references to the current segments and streams them.
 * Expensive sections are cached and re-rendered only when their inputs
 * moved: per-class series when a publish wrote something or the policy
 * changed, per-tenant counters when the raw counters differ, per-class
 * counters when their tenant's counters moved (the data plane never counts
 * for a class without counting for its tenant).
 */
#ifndef METRICS_H
#define METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "engine/engine.h"
#include "policy/policy.h"
#include "dp/dp.h"

#define METRICS_DEFAULT_ADDR "127.0.0.1:9464"

/* ---- the snapshot: what the caller read for one render ---- */

/* Load signals the caller keeps of a backend (index as in policy.backends). */
struct metrics_signals {
	uint8_t state;		/* published to the data plane: STEER_BACKEND_* */
	bool health_known, healthy;
	bool has_running, has_waiting, has_kv;
	double running, waiting, kv_usage;
	double latency_ms;	/* last successful probe; < 0: unknown */
	bool has_ttft;		/* the server's recent time to first token is known */
	double ttft_ms;
	uint64_t metrics_at_ms;	/* when the signals were read; 0: never */
};

/*
 * What the caches read only when they need it, which is why these three
 * stay functions and not snapshot fields: at 16k classes x 4k backends a
 * full read costs seconds. The published classes are looked up after a
 * publish wrote something or a reload; the class counters are read in
 * bulk (ids NULL: ids 0..n into out[0..n)) when many tenants moved, else
 * one by one (ids[0..n) into out[0..n)) for the tenants whose counters
 * moved. Each returns 0 or a negative errno; NULL means "not available".
 */
struct metrics_lazy {
	void *ctx;
	int (*class_lookup)(void *ctx, uint32_t tenant, uint32_t task, uint8_t family,
			    uint32_t *class_id, uint32_t *table_id);
	uint32_t (*class_weight)(void *ctx, uint32_t tenant, uint32_t task, uint8_t family,
				 uint32_t backend_id);
	int (*class_stats)(void *ctx, const uint32_t *ids, uint32_t n,
			   struct steer_class_stats *out);
};

/* What the server counts itself (metrics_update fills it). */
struct metrics_counts {
	uint64_t start_ms;		/* CLOCK_MONOTONIC ms at start */
	double start_time;		/* CLOCK_REALTIME seconds at start */
	unsigned long pub_changes;	/* publishes that wrote something */
	unsigned long reload_ok, reload_fail;
	unsigned long scrapes;
};

struct metrics_snapshot {
	uint64_t now_ms;			/* CLOCK_MONOTONIC ms, as util_now_ms() */
	const struct policy *pol;
	const struct metrics_signals *sig;	/* pol->n_backends */
	unsigned long rounds, publishes;
	unsigned long publish_failures;		/* publishes that failed (retried) */
	double last_decide_ms, last_publish_ms;
	/*
	 * Kernel counters read in bulk, by id (see metrics_backend_ids,
	 * metrics_tenant_ids for how many); NULL: not read (no data plane, a
	 * failed read), nothing is rendered from them.
	 */
	const struct steer_backend_stats *backend_stats;
	uint32_t n_backend_stats;
	const struct steer_reason_stats *reasons[2];	/* [enum dp_hook][STEER_R_MAX] */
	const struct steer_tenant_stats *tenant_stats;
	uint32_t n_tenant_stats;
	struct metrics_lazy lazy;
	struct metrics_counts counts;
	/* the conntrack sweep: the last whole pass, and its running totals */
	struct {
		bool known;			/* a pass has completed */
		uint64_t by_state[4];		/* handshake, established, closing, closed */
		uint64_t entries[2], capacity[2]; /* ct, ct_syn: live entries, max_entries */
		uint64_t passes, swept, expired, corrected;
		double hint_fill;		/* share of ct_hint's slots set (last pass) */
		double last_pass_ms;
	} ct;
};

/* How many ids the bulk reads cover: the largest backend / tenant id + 1. */
uint32_t metrics_backend_ids(const struct policy *p);
uint32_t metrics_tenant_ids(const struct policy *p);

/* ---- the text writer ---- */

/* Growing text buffer. */
struct metrics_buf {
	char *p;
	size_t len, cap;
	bool oom;	/* an append failed: the text is incomplete */
};

void metrics_buf_free(struct metrics_buf *b);
void metrics_buf_put(struct metrics_buf *b, const char *s, size_t n);
/* Append a label value (or HELP text when help) with Prometheus escaping. */
void metrics_buf_escape(struct metrics_buf *b, const char *s, bool help);

/* ---- the renderer and its caches ---- */

/* Sections, in output order. */
enum metrics_section {
	METRICS_SEC_STEERD = 0,		/* steerd_*, process_* */
	METRICS_SEC_BACKENDS,		/* steer_backend_* except weights */
	METRICS_SEC_REASONS,		/* steer_dp_* */
	METRICS_SEC_TENANTS,		/* steer_tenant_* */
	METRICS_SEC_CLASSES,		/* steer_class_* ids, tables, generation, weights */
	METRICS_SEC_CLASS_COUNTERS,	/* steer_class_*_total */
	METRICS_SEC__MAX,
};

struct metrics_class;

/* Renderer state kept between renders (caches, change detection). */
struct metrics_cache {
	struct metrics_buf sec[METRICS_SEC__MAX];
	bool fresh[METRICS_SEC__MAX];	/* out: re-rendered by the last call */
	bool valid[METRICS_SEC__MAX];	/* sec[] holds a rendering */
	unsigned long class_gen_seen;	/* pub_changes at the last class render */
	unsigned long policy_seen;
	/* per class id: hash of the published decision, generation */
	uint64_t *class_hash;
	uint32_t *class_gen;
	uint32_t n_class_ids;		/* max class id + 1 seen at the last class render */
	/* classes rendered: for the counters section */
	struct metrics_class *rows;
	size_t n_rows;
	void *tenant_raw;		/* last raw tenant counters, by tenant id */
	size_t tenant_raw_len;
	uint8_t *tenant_moved;		/* by tenant id: counters moved in this render */
	uint32_t n_tenant_moved;	/* how many */
	struct steer_class_stats *class_cs; /* last class counters, by class id */
	uint32_t n_class_cs;
	double render_ms;		/* last render's duration (the caller measures it) */
};

/*
 * Render what changed into c->sec[] (c->fresh[] says which). Returns 0 or
 * -ENOMEM (sections that could not be rendered keep their last text).
 * Reads no clock: the time is in the snapshot.
 */
int metrics_render(struct metrics_cache *c, const struct metrics_snapshot *s);
void metrics_cache_free(struct metrics_cache *c);

/* ---- the server ---- */

struct metrics_server;

/*
 * "ADDR:PORT" or "[IPV6]:PORT" (numeric only) into *ss / *len. Returns 0
 * or -EINVAL. "off" is the caller's business.
 */
int metrics_parse_addr(const char *s, struct sockaddr_storage *ss, socklen_t *len);

/* Listen on addr (see above) and serve /metrics. 0 or a negative errno. */
int metrics_start(const char *addr, struct metrics_server **out);
/* Stop the server (waits for the HTTP thread) and free; NULL is fine. */
void metrics_stop(struct metrics_server *m);

/* Did a round, publish or reload happen since the last render? false with m NULL. */
bool metrics_due(const struct metrics_server *m, unsigned long rounds, unsigned long publishes);
/* Render s (its counts come from the server) and swap the text in. No-op with m NULL. */
void metrics_update(struct metrics_server *m, const struct metrics_snapshot *s);
/* A publish wrote something (classes, tables, backends, ...). */
void metrics_published(struct metrics_server *m, const struct engine_pub_stats *st);
/* A policy reload was accepted (ok) or rejected. */
void metrics_reloaded(struct metrics_server *m, bool ok);

#endif /* METRICS_H */
