// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Live signals: health with rise/fall counts, model-server load with a
 * staleness bound (an old signal is unknown, not zero load), probe latency
 * and the kernel's per-backend flow counters.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

#include "metrics/metrics.h"
#include "util/util.h"
#include "steerd/steerd.h"

/* New track[] for d->pol, carrying over what old[] knew by backend name. */
int steerd_track_init(struct steerd *d, const struct steerd_track *old,
		      const struct policy *old_pol)
{
	size_t n = d->pol.n_backends, i, j;
	struct steerd_track *t = calloc(n + 1, sizeof(*t));
	struct engine_live *l = calloc(n + 1, sizeof(*l));

	if (!t || !l) {
		free(t);
		free(l);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		snprintf(t[i].name, sizeof(t[i].name), "%s", d->pol.backends[i].name);
		t[i].latency_ms = -1;
		/* new in a running steerd (reload, steerctl): it waits for its
		 * first health verdict; at start the first publish waits for
		 * the first round instead, and kept backends keep theirs */
		t[i].awaiting_health = old && d->pol.backends[i].health_url[0];
		for (j = 0; old && old_pol && j < old_pol->n_backends; j++)
			if (!strcmp(old[j].name, t[i].name))
				t[i] = old[j];
	}
	free(d->track);
	free(d->live);
	d->track = t;
	d->live = l;
	return 0;
}

/* Up after health_rise successes, down after health_fall failures; the
 * very first success counts as up, so a fresh start doesn't wait. */
static void track_health(const struct policy *p, struct steerd_track *t,
			 const struct probe_result *r)
{
	if (!r->health_checked)
		return;
	if (r->healthy) {
		t->ok_streak++;
		t->fail_streak = 0;
		if (!t->health_known || (!t->healthy && t->ok_streak >= p->health_rise)) {
			if (t->health_known)
				log_info("backend %s is up", t->name);
			t->health_known = true;
			t->healthy = true;
		}
	} else {
		t->fail_streak++;
		t->ok_streak = 0;
		if (t->fail_streak >= p->health_fall && (!t->health_known || t->healthy)) {
			log_warn("backend %s fails health: %s; no new flows, its TCP flows stay "
				 "for down_grace_ms (%u ms)",
				 t->name, r->error, p->down_grace_ms);
			t->health_known = true;
			t->healthy = false;
			t->failed_at_ms = util_now_ms();
			t->down_logged = false;
		}
	}
}

bool steerd_track_grace_over(const struct steerd *d, size_t i, uint64_t now_ms)
{
	const struct steerd_track *t = &d->track[i];

	return t->health_known && !t->healthy && now_ms - t->failed_at_ms >= d->pol.down_grace_ms;
}

void steerd_track_adopt(struct steerd *d)
{
	struct steer_backend *pinned = calloc(STEER_MAX_BACKENDS, sizeof(*pinned));
	uint64_t now = util_now_ms();
	size_t i;

	if (!pinned || dp_backends_read_all(d->dp, pinned)) {
		free(pinned);
		return; /* nothing pinned readable: health unknown, as on a first start */
	}
	for (i = 0; i < d->pol.n_backends; i++) {
		const struct policy_backend *b = &d->pol.backends[i];
		const struct steer_backend *pb = &pinned[b->id];
		struct steerd_track *t = &d->track[i];

		if (b->state == STEER_BACKEND_DOWN || pb->family != b->family ||
		    pb->port != htons(b->port) || memcmp(pb->addr, b->addr, 16) ||
		    (pb->state != STEER_BACKEND_FAILING && pb->state != STEER_BACKEND_DOWN))
			continue;
		t->health_known = true;
		t->healthy = false;
		t->fail_streak = d->pol.health_fall;
		/* failing: the grace starts again (flows stay a little longer, never
		 * shorter); down: it is over */
		t->failed_at_ms = now;
		if (pb->state == STEER_BACKEND_DOWN)
			t->failed_at_ms = now > d->pol.down_grace_ms ? now - d->pol.down_grace_ms : 0;
		t->down_logged = pb->state == STEER_BACKEND_DOWN;
		log_info("backend %s: %s in the data plane, kept so until it passes %u health "
			 "probes",
			 t->name, util_backend_state_name(pb->state), d->pol.health_rise);
	}
	free(pinned);
}

/*
 * The server's own limit (Chitu's max_concurrent_requests): the capacity
 * of a backend whose policy gives none; against a policy's capacity, the
 * policy wins and a disagreement is logged once per reported value.
 */
static void track_limit(struct policy_backend *b, struct steerd_track *t)
{
	bool news;
	uint32_t lim;

	if (!t->has_limit || t->limit < 1)
		return;
	lim = t->limit > 1000000 ? 1000000 : (uint32_t)t->limit;
	news = t->limit != t->limit_logged;
	t->limit_logged = t->limit;
	if (!b->capacity_given) {
		if (news && b->capacity != lim)
			log_info("backend %s: capacity %u from the server's limit", t->name, lim);
		b->capacity = lim;
	} else if (news && lim != b->capacity) {
		log_warn("backend %s: the server's limit is %u requests, the policy's capacity "
			 "%u (the policy's is used; the server refuses past its limit)",
			 t->name, lim, b->capacity);
	}
}

/*
 * The server's own time to first token, from its cumulative histograms:
 * the mean of the requests observed since the last probe ((sum - sum') /
 * (count - count')), less the mean queue wait over the same interval when
 * the backend names a queue histogram (SGLang), smoothed over probes (half
 * each). Queue wait is load, which the bound and the weights already
 * answer; what stays is the engine's speed. An interval with a first token
 * but no queue sample keeps its base, so the next probe covers both. A
 * count that goes down is a restarted server: a new base, no sample. With
 * no new request the last mean stands until ttft_memory_ms has passed
 * (steerd_live_build), which also ends a standby it caused.
 */
static void track_ttft(struct steerd_track *t, const struct probe_result *r, bool want_queue,
		       uint64_t now_ms)
{
	double n, s, qn = 0, qs = 0, mean;

	if (!r->has_ttft || (want_queue && !r->has_queue)) {
		t->ttft_base = false;
		return;
	}
	n = r->ttft_count - t->ttft_count;
	s = r->ttft_sum - t->ttft_sum;
	if (want_queue) {
		qn = r->queue_count - t->queue_count;
		qs = r->queue_sum - t->queue_sum;
	}
	if (t->ttft_base && n >= 0 && s >= 0 && qn >= 0 && qs >= 0) {
		if (n < 1 || (want_queue && qn < 1))
			return;	/* nothing to average yet: the base stays */
		mean = (s / n - (want_queue ? qs / qn : 0)) * 1000;
		if (mean < 0)
			mean = 0;
		t->ttft_ms = t->has_ttft ? (t->ttft_ms + mean) / 2 : mean;
		t->has_ttft = true;
		t->ttft_at_ms = now_ms;
	}
	t->ttft_base = true;
	t->ttft_sum = r->ttft_sum;
	t->ttft_count = r->ttft_count;
	t->queue_sum = want_queue ? r->queue_sum : 0;
	t->queue_count = want_queue ? r->queue_count : 0;
}

void steerd_track_round(struct steerd *d, const struct probe_result *r, size_t n)
{
	size_t i;

	for (i = 0; i < n && i < d->pol.n_backends; i++) {
		struct steerd_track *t = &d->track[i];

		track_health(&d->pol, t, &r[i]);
		if (!t->down_logged && steerd_track_grace_over(d, i, util_now_ms())) {
			log_warn("backend %s is down: failed health for down_grace_ms (%u ms); its "
				 "flows re-steer",
				 t->name, d->pol.down_grace_ms);
			t->down_logged = true;
		}
		if (r[i].metrics_ok) {
			t->has_waiting = r[i].has_waiting;
			t->has_running = r[i].has_running;
			t->has_kv = r[i].has_kv;
			t->waiting = r[i].waiting;
			t->running = r[i].running;
			t->kv_usage = r[i].kv_usage;
			t->has_limit = r[i].has_limit;
			t->limit = r[i].limit;
			t->metrics_at_ms = r[i].done_ms;
			track_limit(&d->pol.backends[i], t);
			track_ttft(t, &r[i], d->pol.backends[i].metrics.queue[0] != '\0',
				   r[i].done_ms);
		}
		if (r[i].health_checked && r[i].healthy)
			t->latency_ms = r[i].health_ms;
		else if (r[i].metrics_ok)
			t->latency_ms = r[i].metrics_ms;
		if (strcmp(t->last_error, r[i].error)) {
			if (r[i].error[0])
				log_debug("backend %s: %s", t->name, r[i].error);
			snprintf(t->last_error, sizeof(t->last_error), "%s", r[i].error);
		}
	}
}

/* live[] for the decision engine, from track[] and the kernel counters. */
void steerd_live_build(struct steerd *d)
{
	static struct steer_backend_stats all[STEER_MAX_BACKENDS];
	uint64_t now = util_now_ms();
	bool have_all;
	size_t i;

	/* the policy's ids only (metrics_backend_ids: the highest + 1) */
	have_all = d->dp && !dp_backend_stats_read_all(d->dp, metrics_backend_ids(&d->pol), all);
	for (i = 0; i < d->pol.n_backends; i++) {
		const struct steerd_track *t = &d->track[i];
		struct engine_live *l = &d->live[i];
		const struct steer_backend_stats *bs = &all[d->pol.backends[i].id];
		bool fresh = t->metrics_at_ms && now - t->metrics_at_ms <= d->pol.staleness_ms;

		memset(l, 0, sizeof(*l));
		l->admin_state = d->pol.backends[i].state;
		l->health_known = t->health_known;
		l->healthy = t->healthy;
		l->awaiting_health = t->awaiting_health && !t->health_known;
		l->down_grace_over = steerd_track_grace_over(d, i, now);
		l->has_waiting = fresh && t->has_waiting;
		l->has_running = fresh && t->has_running;
		l->has_kv = fresh && t->has_kv;
		l->waiting = t->waiting;
		l->running = t->running;
		l->kv_usage = t->kv_usage;
		l->has_limit = fresh && t->has_limit;
		l->limit = t->limit;
		l->latency_ms = t->latency_ms;
		l->has_ttft = t->has_ttft && now - t->ttft_at_ms <= d->pol.ttft_memory_ms;
		l->ttft_ms = t->ttft_ms;
		if (d->ct.have_last) {
			/* the truth of the table (conntrack.c): established flows
			 * only, so a flood of half-open SYNs is no load */
			l->has_flows = true;
			l->active_flows = d->ct.last->established[d->pol.backends[i].id];
		} else if (have_all) {
			/* until the first sweep pass: what the counters say */
			l->has_flows = true;
			l->active_flows = bs->new_flows > bs->closed_flows
						  ? (double)(bs->new_flows - bs->closed_flows)
						  : 0;
		}
	}
}
/*
 * Signature of what the decisions depend on in live[], quantised below what
 * could move a weight by the hysteresis (spare capacity and the latency
 * factor in 1 % steps): an idle or steady gateway skips the work.
 */
uint64_t steerd_live_sig(const struct steerd *d)
{
	uint64_t h = UTIL_FNV_INIT;
	size_t i;

	for (i = 0; i < d->pol.n_backends; i++) {
		const struct engine_live *l = &d->live[i];
		bool known;
		int32_t v[7];

		v[0] = l->admin_state | l->health_known << 4 | l->healthy << 5 |
		       l->down_grace_over << 6;
		v[1] = (int32_t)(engine_backend_spare(&d->pol.backends[i], l, &known) * 100 + 0.5);
		v[2] = known;
		/* the latency factor of a weight, in 1 % steps: sub-millisecond
		 * jitter on an idle backend must not count as a change */
		v[3] = l->latency_ms > 0
			       ? (int32_t)(100.0 / (1 + d->pol.objective.latency * l->latency_ms /
							 100.0))
			       : -1;
		v[4] = l->has_waiting << 2 | l->has_running << 1 | l->has_kv;
		v[5] = l->has_flows;
		/* in 10 % steps: what the slow standby compares */
		v[6] = l->has_ttft && l->ttft_ms > 0 ? (int32_t)floor(log(l->ttft_ms) / log(1.1)) : -1;
		h = util_fnv(h, v, sizeof(v));
	}
	return h;
}

