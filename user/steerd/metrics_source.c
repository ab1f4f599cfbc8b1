// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * What /metrics is rendered from: steerd fills the metrics snapshot here,
 * the only place that reads the data plane and the publisher for /metrics
 * (counters in bulk, backend states, and the class counters and published
 * classes when the caches ask, see struct metrics_lazy).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/metrics.h"
#include "util/util.h"
#include "steerd/steerd.h"

/* Keys 0..n-1 of a per-CPU stats map, summed, in batches (the loader's). */
#define BULK(d, map, n, out) \
	dp_percpu_read_all((d)->dp, map, n, sizeof(*(out)) / sizeof(uint64_t), (uint64_t *)(out))

static int lazy_lookup(void *ctx, uint32_t tenant, uint32_t task, uint8_t family,
		       uint32_t *class_id, uint32_t *table_id)
{
	struct steerd *d = ctx;

	return d->planner ? engine_planner_class_lookup(d->planner, tenant, task, family, class_id, table_id)
		      : -ENOENT;
}

static uint32_t lazy_weight(void *ctx, uint32_t tenant, uint32_t task, uint8_t family,
			    uint32_t backend_id)
{
	struct steerd *d = ctx;

	return d->planner ? engine_planner_class_weight(d->planner, tenant, task, family, backend_id) : 0;
}

static int lazy_class_stats(void *ctx, const uint32_t *ids, uint32_t n,
			    struct steer_class_stats *out)
{
	struct steerd *d = ctx;
	uint32_t i;
	int err = 0;

	if (!d->dp)
		return -ENOENT;
	if (!ids)
		return BULK(d, DP_MAP_CLASS_STATS, n, out);
	for (i = 0; i < n && !err; i++)
		err = dp_class_stats_read(d->dp, ids[i], &out[i]);
	return err;
}

/* Counters in bulk into s (left NULL when a read fails). */
static void read_counters(struct steerd *d, struct metrics_snapshot *s,
			  struct steer_backend_stats *bs, struct steer_tenant_stats *ts,
			  struct steer_reason_stats rs[2][STEER_R_MAX])
{
	int h;

	if (!d->dp)
		return;
	if (bs && !BULK(d, DP_MAP_BACKEND_STATS, s->n_backend_stats, bs))
		s->backend_stats = bs;
	if (ts && !BULK(d, DP_MAP_TENANT_STATS, s->n_tenant_stats, ts))
		s->tenant_stats = ts;
	for (h = 0; h < 2; h++)
		if (!BULK(d, h == DP_HOOK_TC ? DP_MAP_TC_REASONS : DP_MAP_XDP_REASONS,
			  STEER_R_MAX, rs[h]))
			s->reasons[h] = rs[h];
}

_Static_assert(DP_CT__STATES == 4, "metrics_snapshot.ct.by_state");

void steerd_metrics_update(struct steerd *d)
{
	const struct policy *p = &d->pol;
	struct steer_reason_stats rs[2][STEER_R_MAX];
	struct metrics_snapshot s = {
		.now_ms = util_now_ms(),
		.pol = p,
		.rounds = d->rounds,
		.publishes = d->publishes,
		.publish_failures = d->publish_failures,
		.last_decide_ms = d->last_decide_ms,
		.last_publish_ms = d->last_publish_ms,
		.n_backend_stats = metrics_backend_ids(p),
		.n_tenant_stats = metrics_tenant_ids(p),
		.lazy = { d, lazy_lookup, lazy_weight, lazy_class_stats },
	};
	struct steer_backend_stats *bs;
	struct steer_tenant_stats *ts;
	struct metrics_signals *sig;
	size_t i;

	s.ct.known = d->ct.have_last;
	for (i = 0; d->ct.have_last && i < 4; i++)
		s.ct.by_state[i] = d->ct.last->by_state[i];
	for (i = 0; d->ct.have_last && i < 2; i++)
		s.ct.entries[i] = d->ct.last->table_entries[i];
	if (d->dp) {
		uint32_t ct, syn;

		dp_ct_sizes(d->dp, &ct, &syn);
		s.ct.capacity[0] = ct;
		s.ct.capacity[1] = syn;
	}
	s.ct.passes = d->ct.passes;
	s.ct.swept = d->ct.swept_total;
	s.ct.expired = d->ct.expired_total;
	s.ct.corrected = d->ct_corrected;
	s.ct.last_pass_ms = d->ct.last_pass_ms;
	if (d->ct.have_last)
		s.ct.hint_fill = dp_ct_hint_fill(d->ct.last);
	if (!metrics_due(d->metrics, d->rounds, d->publishes))
		return;
	bs = calloc(s.n_backend_stats + 1, sizeof(*bs));
	ts = calloc(s.n_tenant_stats + 1, sizeof(*ts));
	sig = calloc(p->n_backends + 1, sizeof(*sig));
	if (!sig) {
		log_warn("metrics: render incomplete: %s", strerror(ENOMEM));
		goto out;
	}
	for (i = 0; i < p->n_backends; i++) {
		const struct steerd_track *t = &d->track[i];

		sig[i] = (struct metrics_signals){
			.state = engine_backend_state(&d->live[i]),
			.health_known = t->health_known,
			.healthy = t->healthy,
			.has_running = t->has_running,
			.has_waiting = t->has_waiting,
			.has_kv = t->has_kv,
			.running = t->running,
			.waiting = t->waiting,
			.kv_usage = t->kv_usage,
			.latency_ms = t->latency_ms,
			.has_ttft = d->live[i].has_ttft,
			.ttft_ms = d->live[i].ttft_ms,
			.metrics_at_ms = t->metrics_at_ms,
		};
	}
	s.sig = sig;
	read_counters(d, &s, bs, ts, rs);
	metrics_update(d->metrics, &s);
out:
	free(bs);
	free(ts);
	free(sig);
}
