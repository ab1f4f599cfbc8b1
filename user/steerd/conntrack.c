// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The conntrack sweep, driven from the loop: one bounded batch per probe
 * round (dp_ct_sweep: expired entries go with their reverse entries), a
 * pass starting at most every conntrack_sweep_interval_ms, and
 * after each whole pass the truth replaces the running counts:
 * - a backend's load is its established flows (live.c), so half-open SYNs
 *   never make a backend look busy;
 * - a tenant's admission count (tenant_state.active) is lowered to the
 *   open, slot-holding flows the pass found plus the flows the tenant
 *   opened while the pass ran (those the pass may have missed). It is never
 *   raised: the sweep returns leaked slots (expired, evicted, never-closed
 *   flows) and never admits more than the data plane itself would.
 * - a backend's open-flow count for the bounded load (backend_load) is
 *   lowered to at most the flows the pass found open plus those opened on
 *   the backend while it ran (expired and evicted flows never close). It is
 *   not raised (a count under the truth only makes the bound looser), but a
 *   negative one (flows open before the count existed, closing) goes to 0.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/metrics.h"
#include "steerd/steerd.h"
#include "util/util.h"

#define NEW_FLOWS_AT offsetof(struct steer_tenant_stats, new_flows) / sizeof(uint64_t)
#define TENANT_U64S (sizeof(struct steer_tenant_stats) / sizeof(uint64_t))

/*
 * The new_flows counters (summed over CPUs) of the policy's ids only
 * (metrics_*_ids: the highest + 1), into out[id], 0 beyond: read whole,
 * the per-CPU arrays (4,096 tenants, 8,192 backends) cost most of
 * steerd's steady CPU. An id the policy gained during a pass reads 0 at
 * its start, which only makes its correction looser (never raised).
 */
static int tenants_new_flows(struct steerd *d, uint64_t *out)
{
	uint32_t n = metrics_tenant_ids(&d->pol);
	uint64_t *all = calloc((size_t)(n ? n : 1) * TENANT_U64S, sizeof(*all));
	size_t i;
	int err = -ENOMEM;

	if (n > STEER_MAX_TENANTS)
		n = STEER_MAX_TENANTS;
	if (all) {
		err = dp_percpu_read_all(d->dp, DP_MAP_TENANT_STATS, n, TENANT_U64S, all);
		for (i = 0; !err && i < STEER_MAX_TENANTS; i++)
			out[i] = i < n ? all[i * TENANT_U64S + NEW_FLOWS_AT] : 0;
	}
	free(all);
	return err;
}

static int backends_new_flows(struct steerd *d, uint64_t *opened)
{
	uint32_t n = metrics_backend_ids(&d->pol);
	struct steer_backend_stats *bs = calloc(n ? n : 1, sizeof(*bs));
	size_t i;
	int err = -ENOMEM;

	if (n > STEER_MAX_BACKENDS)
		n = STEER_MAX_BACKENDS;
	if (bs)
		err = dp_backend_stats_read_all(d->dp, n, bs);
	for (i = 0; !err && i < STEER_MAX_BACKENDS; i++)
		opened[i] = i < n ? bs[i].new_flows : 0;
	free(bs);
	return err;
}

static void correct_backend_loads(struct steerd *d)
{
	uint64_t *opened = calloc(STEER_MAX_BACKENDS, sizeof(*opened));
	int64_t *cur = calloc(STEER_MAX_BACKENDS, sizeof(*cur));
	size_t i;

	/* the counts first, then new_flows: a flow opened between the two
	 * reads is in both, never in the count alone */
	if (!opened || !cur || dp_backend_load_read_all(d->dp, cur) ||
	    backends_new_flows(d, opened))
		goto out;
	for (i = 1; i < STEER_MAX_BACKENDS; i++) {
		int64_t seen = d->ct.last->open_by_backend[i];
		int64_t hi = seen + (int64_t)(opened[i] - d->ct_be_new_at_start[i]);
		int64_t want = cur[i] > hi ? hi : cur[i];

		if (want < 0)
			want = 0;
		if (want == cur[i])
			continue;
		if (!dp_backend_load_set(d->dp, (uint32_t)i, want)) {
			d->ct_load_corrected++;
			log_debug("backend %zu: %lld open flows counted, %lld after the sweep", i,
				  (long long)cur[i], (long long)want);
		}
	}
out:
	free(opened);
	free(cur);
}

static void correct_tenants(struct steerd *d)
{
	uint64_t *now = calloc(STEER_MAX_TENANTS, sizeof(*now));
	size_t i;

	if (!now || tenants_new_flows(d, now)) {
		free(now);
		return;
	}
	for (i = 0; i < d->pol.n_tenants; i++) {
		uint32_t id = d->pol.tenants[i].id;
		uint64_t opened = now[id] - d->ct_new_at_start[id];
		int64_t truth = (int64_t)(d->ct.last->open[id] + opened), cur;

		cur = dp_tenant_active_get(d->dp, id);
		if (cur <= truth)
			continue;
		if (dp_tenant_active_set(d->dp, id, truth) > 0) {
			d->ct_corrected++;
			log_info("tenant %s: %lld open flows counted, %lld in conntrack: "
				 "slots of expired or lost flows returned",
				 d->pol.tenants[i].name, (long long)cur, (long long)truth);
		}
	}
	free(now);
}

void steerd_ct_round(struct steerd *d)
{
	const struct policy *p = &d->pol;
	struct dp_ct_timeouts t = {
		.handshake_ns = (uint64_t)p->tcp_handshake_ms * 1000000,
		.established_ns = (uint64_t)p->tcp_idle_ms * 1000000,
		.closing_ns = (uint64_t)p->tcp_closing_ms * 1000000,
		.udp_ns = (uint64_t)p->udp_idle_ms * 1000000,
	};
	bool starting = !d->ct.in_pass;
	uint64_t now_ms = util_now_ms();
	int r;

	if (!d->dp)
		return;
	/* passes are paced: a small table would otherwise be walked every
	 * round (a pass walks every hash bucket, used or not) */
	if (starting && d->ct.passes && now_ms - d->ct_pass_start_ms < p->ct_sweep_interval_ms)
		return;
	if (starting) {
		d->ct_pass_start_ms = now_ms;
		if (!d->ct_new_at_start)
			d->ct_new_at_start = calloc(STEER_MAX_TENANTS, sizeof(uint64_t));
		if (!d->ct_new_at_start || tenants_new_flows(d, d->ct_new_at_start))
			return;
		if (!d->ct_be_new_at_start)
			d->ct_be_new_at_start = calloc(STEER_MAX_BACKENDS, sizeof(uint64_t));
		if (!d->ct_be_new_at_start || backends_new_flows(d, d->ct_be_new_at_start))
			return;
	}
	r = dp_ct_sweep(d->dp, &d->ct, &t, util_now_ns(), p->ct_sweep_entries);
	if (r < 0) {
		log_warn("conntrack sweep: %s", dp_errmsg());
		return;
	}
	if (r == 1) {
		log_debug("conntrack pass %llu: %llu entries, %llu expired, %.1f ms",
			  (unsigned long long)d->ct.passes,
			  (unsigned long long)d->ct.last->entries,
			  (unsigned long long)d->ct.last->expired, d->ct.last_pass_ms);
		correct_tenants(d);
		correct_backend_loads(d);
		d->dirty = true; /* backend loads are the truth now */
	}
}

void steerd_ct_free(struct steerd *d)
{
	dp_ct_sweep_free(&d->ct);
	free(d->ct_new_at_start);
	d->ct_new_at_start = NULL;
	free(d->ct_be_new_at_start);
	d->ct_be_new_at_start = NULL;
}
