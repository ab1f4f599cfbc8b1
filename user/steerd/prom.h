/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * steerd's Prometheus endpoint: GET /metrics in the text exposition format
 * (0.0.4), served by libmicrohttpd from its own thread.
 *
 * The main loop renders (steerd_prom_update, at most once per probe round,
 * publish or reload) into immutable, reference-counted text segments and
 * swaps them in under a mutex; the HTTP thread only takes references to
 * the current segments and streams them, it never touches steerd state.
 * Expensive sections are cached and re-rendered only when their inputs
 * moved: per-class series when a publish wrote something or the policy
 * changed, per-tenant counters when the raw counters differ, per-class
 * counters when their tenant's counters moved (the data plane never counts
 * for a class without counting for its tenant).
 */
#ifndef STEERD_PROM_H
#define STEERD_PROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "engine/engine.h"
#include "dp/dp.h"

struct steerd;
struct steerd_prom;

#define STEERD_METRICS_DEFAULT "127.0.0.1:9464"

/*
 * "ADDR:PORT" or "[IPV6]:PORT" (numeric only) into *ss / *len. Returns 0
 * or -EINVAL. "off" is the caller's business.
 */
int steerd_prom_parse_addr(const char *s, struct sockaddr_storage *ss, socklen_t *len);

/* Listen on addr (see above) and serve /metrics. 0 or a negative errno. */
int steerd_prom_start(const char *addr, struct steerd_prom **out);
/* Stop the server (waits for the HTTP thread) and free; NULL is fine. */
void steerd_prom_stop(struct steerd_prom *p);

/* Main loop: re-render if a round, publish or reload happened since the
 * last render. No-op with p NULL. */
void steerd_prom_update(struct steerd_prom *p, struct steerd *d);
/* A publish wrote something (classes, tables, backends, ...). */
void steerd_prom_published(struct steerd_prom *p, const struct engine_pub_stats *st);
/* A policy reload was accepted (ok) or rejected. */
void steerd_prom_reloaded(struct steerd_prom *p, bool ok);

/* ---- renderer (prom_render.c), separate from the server for tests ---- */

/*
 * Where the renderer reads counters and published state. The default
 * source (steerd_prom_src_default) reads d->dp and d->pub; tests fake it.
 * The bulk readers fill out[0..n) for ids 0..n-1 and return 0 or a
 * negative errno (nothing is rendered from a failed read).
 */
struct steerd_prom_src {
	void *ctx;
	int (*backend_stats)(void *ctx, uint32_t id, struct steer_backend_stats *out);
	/* optional bulk forms (one syscall); the per-id forms are the fallback */
	int (*backend_stats_all)(void *ctx, uint32_t n, struct steer_backend_stats *out);
	int (*reasons_all)(void *ctx, enum dp_hook hook, uint32_t n,
			   struct steer_reason_stats *out);
	int (*tenant_stats)(void *ctx, uint32_t n, struct steer_tenant_stats *out);
	int (*class_stats)(void *ctx, uint32_t n, struct steer_class_stats *out);
	int (*class_stat)(void *ctx, uint32_t id, struct steer_class_stats *out);
	int (*reason)(void *ctx, enum dp_hook hook, uint32_t reason,
		      struct steer_reason_stats *out);
	int (*class_lookup)(void *ctx, uint32_t tenant, uint32_t task, uint8_t family,
			    uint32_t *class_id, uint32_t *table_id);
	uint32_t (*class_weight)(void *ctx, uint32_t tenant, uint32_t task, uint8_t family,
				 uint32_t backend_id);
};

/* Source reading d->dp and d->pub (ctx is d). */
void steerd_prom_src_default(struct steerd *d, struct steerd_prom_src *src);

/* Growing text buffer. */
struct prom_buf {
	char *p;
	size_t len, cap;
	bool oom;	/* an append failed: the text is incomplete */
};

void prom_buf_free(struct prom_buf *b);
/* Append a label value (or HELP text when help) with Prometheus escaping. */
void prom_buf_escape(struct prom_buf *b, const char *s, bool help);

/* Sections, in output order. */
enum prom_section {
	PROM_SEC_STEERD = 0,	/* steerd_*, process_* */
	PROM_SEC_BACKENDS,	/* steer_backend_* except weights */
	PROM_SEC_REASONS,	/* steer_dp_* */
	PROM_SEC_TENANTS,	/* steer_tenant_* */
	PROM_SEC_CLASSES,	/* steer_class_* ids, tables, generation, steer_backend_weight */
	PROM_SEC_CLASS_COUNTERS, /* steer_class_*_total */
	PROM_SEC__MAX,
};

/* Renderer state kept between renders (caches, change detection). */
struct prom_render_state {
	struct prom_buf sec[PROM_SEC__MAX];
	bool fresh[PROM_SEC__MAX];	/* out: re-rendered by the last call */
	bool valid[PROM_SEC__MAX];	/* sec[] holds a rendering */
	unsigned long class_gen_seen;	/* pub_changes at the last class render */
	unsigned long policy_seen;
	/* per class id: hash of the published decision, generation */
	uint64_t *class_hash;
	uint32_t *class_gen;
	uint32_t n_class_ids;		/* max class id + 1 seen at the last class render */
	/* classes rendered: for the counters section */
	struct prom_class_row *rows;
	size_t n_rows;
	void *tenant_raw;		/* last raw tenant counters, by tenant id */
	size_t tenant_raw_len;
	uint8_t *tenant_moved;		/* by tenant id: counters moved in this render */
	uint32_t n_tenant_moved;	/* how many */
	struct steer_class_stats *class_cs; /* last class counters, by class id */
	uint32_t n_class_cs;
	double render_ms;		/* last render's duration */
};

/* What the renderer knows of steerd beyond struct steerd. */
struct prom_ctx {
	uint64_t start_ms;		/* CLOCK_MONOTONIC at start */
	double start_time;		/* CLOCK_REALTIME seconds at start */
	unsigned long pub_changes;	/* publishes that wrote something */
	unsigned long reload_ok, reload_fail;
	unsigned long scrapes;
};

/*
 * Render what changed into st->sec[] (st->fresh[] says which). Returns 0 or
 * -ENOMEM (sections that could not be rendered keep their last text).
 */
int prom_render(struct prom_render_state *st, const struct steerd *d,
		const struct steerd_prom_src *src, const struct prom_ctx *cx);
void prom_render_state_free(struct prom_render_state *st);

#endif /* STEERD_PROM_H */
