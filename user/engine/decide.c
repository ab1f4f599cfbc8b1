// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Decision engine (docs/design.md): candidates by hard constraints
 * (candidates.c), model routing with a spill-over margin, service routing by spare
 * capacity, cost and latency, priority shedding, the no-candidate action.
 * Everything iterates in index order and rounds the same way, so equal
 * inputs give equal outputs.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "engine/internal.h"
#include "util/util.h"

#define MAX_CHAIN 4 /* fallback hops followed before giving up */


const char *engine_why_name(enum engine_dec_why w)
{
	switch (w) {
	case ENGINE_WHY_CHOSEN:
		return "chosen";
	case ENGINE_WHY_FALLBACK:
		return "fallback";
	case ENGINE_WHY_NO_CANDIDATE:
		return "no_candidate";
	case ENGINE_WHY_SHED:
		return "shed";
	case ENGINE_WHY_SATURATED:
		return "saturated";
	}
	return "unknown";
}


/* Per-model aggregate over a class's candidates. */
struct model_agg {
	double cap, spare_cap, score, factor;
	double slow_above, fast_room;	/* set_aside_slow's: TTFT limit, free slots under it */
	bool present;
};

/* Capacity as a weight: a backend declared with 0 counts as 1. */
static double cap_of(const struct policy_backend *b)
{
	return b->capacity ? b->capacity : 1;
}

struct scratch {
	struct model_agg *models;	/* n_models */
	double *raw;			/* n_backends: raw weight, < 0 not candidate */
	double *spare;			/* n_backends */
	struct engine_weighted *set;	/* n_backends: the set being built */
	const uint32_t *prio;		/* when shedding: max priority per backend */
	uint32_t own;			/* ... and the shed tenant's priority */
	bool spread;			/* out: every candidate saturated, spread by capacity */
};

#define RAW_SATURATED (-2.0)		/* raw[i]: a candidate but for its load */
#define RAW_SLOW (-3.0)			/* raw[i]: a candidate, slow while others have room */

bool engine_model_kept(const struct engine_decision *d, uint32_t m)
{
	size_t k;

	for (k = 0; k < d->n_models; k++)
		if (d->models[k] == m)
			return true;
	return false;
}

/*
 * Every candidate is saturated: rather than go dark on load alone, the
 * class spreads new flows by capacity, and the backends queue them (as an
 * L7 balancer's queue would). Returns the largest raw weight.
 */
static double spread_by_capacity(const struct policy *p, struct scratch *s,
				 struct engine_decision *d)
{
	double raw_max = 0;
	size_t i;

	d->n_models = 0;
	for (i = 0; i < p->n_backends; i++) {
		const struct policy_backend *b = &p->backends[i];

		if (s->raw[i] != RAW_SATURATED) {
			s->raw[i] = -1;
			continue;
		}
		s->raw[i] = cap_of(b);
		if (s->raw[i] > raw_max)
			raw_max = s->raw[i];
		if (!engine_model_kept(d, b->model) && d->n_models < 8)
			d->models[d->n_models++] = b->model;
	}
	/* a backend whose model did not fit in models[] takes no flows */
	for (i = 0; i < p->n_backends; i++)
		if (s->raw[i] > 0 && !engine_model_kept(d, p->backends[i].model))
			s->raw[i] = -1;
	d->utilisation = 1;
	s->spread = true;
	return raw_max;
}

/*
 * Backends that only their load keeps out (the last probe saw them full;
 * they queue, they don't refuse), of a kept model: members of the set with
 * weight 0. They get no Maglev slots, but the kernel's bounded load knows
 * them (docs/datapath.md, "Bounded load"): probes are a few hundred
 * milliseconds old, and when every backend of the table holds its
 * capacity by the kernel's own count, a new flow goes to the standby with
 * the most room instead of queueing (route.sh: a table of be1 alone, from
 * a probe that saw be2 full, queued a 5th flow on be1 while be2 had freed
 * 3 of its 4 slots).
 */
static void add_standby(const struct policy *p, const struct engine_live *live,
			const struct scratch *s, struct engine_decision *d)
{
	size_t i;

	for (i = 0; i < p->n_backends; i++) {
		if (s->raw[i] != RAW_SATURATED || engine_at_server_limit(&live[i]) ||
		    !engine_model_kept(d, p->backends[i].model))
			continue;
		d->set[d->n_set].backend = (uint32_t)i;
		d->set[d->n_set].weight = 0;
		d->n_set++;
	}
}

/*
 * Slow backends (settings.slow_ttft_factor, ENGINE_EXCL_SLOW): a
 * candidate whose time to first token, as its server reports it, is more
 * than the factor times the best of its model's candidates gets no new flows while the faster ones of
 * that model have a free slot among them. Unlike a load standby it is not
 * in the bound's set: there its capacity would count in the fast ones'
 * share, and the kernel would walk flows to it while they still had room
 * (route.sh: every 11th request, with be1 at 2 of 4). Spreading by
 * spare capacity alone, it would take its share of requests and every one
 * of them would wait its own long TTFT: route.sh's backend 4x slower kept
 * p99 at its own 200 ms. Compared within a model only (a larger model is
 * slower by nature, and quality is the model score's business), and only
 * with a request's worth of room left. The TTFT is the server's own, queue
 * wait taken out (steerd live.c track_ttft): a backend that drew more of a
 * burst is busy, not slow, and the bound already answers that. Best times
 * under SLOW_TTFT_FLOOR_MS count as that floor: a few ms of timer and
 * scheduling jitter between fast servers is a large ratio of nothing. The
 * model's capacity still counts it.
 */
#define SLOW_TTFT_FLOOR_MS 10.0

static void set_aside_slow(const struct policy *p, const struct engine_live *live,
			   struct scratch *s)
{
	double f = p->slow_ttft_factor;
	size_t i;

	if (f <= 0)
		return;
	/* two passes over the backends, not one per candidate: per model, its
	 * best TTFT, f times it (the limit), then the free slots of the
	 * candidates within the limit */
	for (i = 0; i < p->n_models; i++) {
		s->models[i].slow_above = INFINITY;
		s->models[i].fast_room = 0;
	}
	for (i = 0; i < p->n_backends; i++) {
		struct model_agg *m = &s->models[p->backends[i].model];

		if (s->raw[i] == 0 && live[i].has_ttft && live[i].ttft_ms < m->slow_above)
			m->slow_above = live[i].ttft_ms;
	}
	for (i = 0; i < p->n_models; i++)
		s->models[i].slow_above = f * fmax(s->models[i].slow_above, SLOW_TTFT_FLOOR_MS);
	for (i = 0; i < p->n_backends; i++) {
		struct model_agg *m = &s->models[p->backends[i].model];

		if (s->raw[i] == 0 && (!live[i].has_ttft || live[i].ttft_ms <= m->slow_above))
			m->fast_room += cap_of(&p->backends[i]) * s->spare[i];
	}
	/* a slow one is never its model's best (f > 1), so the best of the
	 * others is the model's best */
	for (i = 0; i < p->n_backends; i++) {
		const struct model_agg *m = &s->models[p->backends[i].model];

		if (s->raw[i] == 0 && live[i].has_ttft && isfinite(m->slow_above) &&
		    live[i].ttft_ms > m->slow_above && m->fast_room >= 1)
			s->raw[i] = RAW_SLOW;
	}
}

/*
 * The weighted set for task/family under the constraints of every tenant
 * in chain[] (a class's own tenant, plus the tenants it fell back through).
 * Returns the number of backends in the set (written to d->set).
 */
static int weigh_class(const struct policy *p, const struct engine_live *live,
		       const uint32_t *chain, size_t n_chain, uint32_t task, uint8_t family,
		       struct scratch *s, struct engine_decision *d)
{
	const struct policy_objective *o = &p->objective;
	double cost_max = 0, best = -INFINITY, raw_max = 0, cap_all = 0, spare_all = 0;
	int best_model = -1;
	size_t i, c, n_saturated = 0;
	bool known;

	memset(s->models, 0, sizeof(*s->models) * p->n_models);
	for (i = 0; i < p->n_backends; i++) {
		const struct policy_backend *b = &p->backends[i];
		enum engine_excl e = ENGINE_EXCL_NONE;

		s->raw[i] = -1;
		/* every tenant of the chain: saturation (state, the same for all)
		 * must not hide another tenant's constraint */
		for (c = 0; c < n_chain && (!e || e == ENGINE_EXCL_SATURATED); c++) {
			enum engine_excl x = engine_exclusion(p, live, chain[c], task, family,
							      (uint32_t)i);

			if (x)
				e = x;
		}
		if (e == ENGINE_EXCL_SATURATED) {
			s->raw[i] = RAW_SATURATED; /* only its load keeps it out */
			n_saturated++;
			continue;
		}
		/* a shed tenant keeps off backends a higher priority needs */
		if (!e && s->prio && s->prio[i] > s->own)
			e = ENGINE_EXCL_SATURATED;
		if (e)
			continue;
		s->spare[i] = engine_backend_spare(b, &live[i], &known);
		s->raw[i] = 0;
		s->models[b->model].present = true;
		s->models[b->model].cap += cap_of(b);
		s->models[b->model].spare_cap += cap_of(b) * s->spare[i];
		cap_all += cap_of(b);
		spare_all += cap_of(b) * s->spare[i];
		if (p->models[b->model].cost > cost_max)
			cost_max = p->models[b->model].cost;
	}
	d->utilisation = cap_all > 0 ? engine_clamp01(1 - spare_all / cap_all) : 1;
	if (cost_max <= 0)
		cost_max = 1;
	s->spread = false;
	if (cap_all <= 0 && n_saturated && !s->prio) {
		raw_max = spread_by_capacity(p, s, d);
		goto weights;
	}

	set_aside_slow(p, live, s);

	/* model routing: score, keep the best and those within the margin */
	for (i = 0; i < p->n_models; i++) {
		struct model_agg *m = &s->models[i];

		if (!m->present)
			continue;
		m->score = o->quality * p->models[i].quality[task] -
			   o->cost * p->models[i].cost / cost_max +
			   o->load * (m->cap > 0 ? m->spare_cap / m->cap : 0);
		if (m->score > best) {
			best = m->score;
			best_model = (int)i;
		}
	}
	if (best_model < 0)
		return 0;
	d->n_models = 0;
	d->models[d->n_models++] = (uint32_t)best_model;
	for (i = 0; i < p->n_models; i++) {
		struct model_agg *m = &s->models[i];
		double gap = best - m->score;
		double best_spare = s->models[best_model].spare_cap / s->models[best_model].cap;

		if (!m->present)
			continue;
		if ((int)i == best_model) {
			m->factor = 1;
		} else if (o->margin > 0 && gap <= o->margin) {
			/* spill-over: others share in as the best one fills up */
			m->factor = (1 - best_spare) * (1 - gap / o->margin);
			if (m->factor > 0 && d->n_models < 8)
				d->models[d->n_models++] = (uint32_t)i;
		} else {
			m->factor = 0;
		}
	}

	/* service routing: spare capacity, cost and latency */
	for (i = 0; i < p->n_backends; i++) {
		const struct policy_backend *b = &p->backends[i];
		double w, lat = live[i].latency_ms;

		if (s->raw[i] < 0)
			continue;
		w = s->models[b->model].factor * cap_of(b) * s->spare[i];
		w /= 1 + o->cost * p->models[b->model].cost / cost_max;
		if (lat > 0)
			w /= 1 + o->latency * lat / 100.0;
		s->raw[i] = w;
		if (w > raw_max)
			raw_max = w;
	}
weights:
	d->n_set = 0;
	if (raw_max <= 0)
		return 0;
	for (i = 0; i < p->n_backends; i++) {
		double w;

		if (s->raw[i] <= 0)
			continue;
		w = floor(s->raw[i] / raw_max * ENGINE_WEIGHT_SCALE + 0.5);
		d->set[d->n_set].backend = (uint32_t)i;
		d->set[d->n_set].weight = w < 1 ? 1 : (uint32_t)w;
		d->n_set++;
	}
	if (!s->spread)
		add_standby(p, live, s, d);
	return (int)d->n_set;
}

static int cmp_set(const void *a, const void *b, void *arg)
{
	const struct policy *p = arg;
	const struct engine_weighted *x = a, *y = b;
	uint32_t ix = p->backends[x->backend].id, iy = p->backends[y->backend].id;

	return ix < iy ? -1 : ix > iy;
}

/* Own decision of a class, then its fallback chain if it has no set. */
static void decide_class(const struct policy *p, const struct engine_live *live,
			 uint32_t tenant, uint32_t task, uint8_t family, bool shed,
			 struct scratch *s, struct engine_decision *d)
{
	uint32_t chain[MAX_CHAIN + 1];
	size_t n_chain = 1;
	uint32_t t = tenant, k = task;

	d->tenant = tenant;
	d->task = task;
	d->family = family;
	d->via_tenant = tenant;
	d->via_task = task;
	d->n_models = 0;
	d->set = s->set;
	s->own = p->tenants[tenant].priority;
	chain[0] = tenant;
	if (p->tenants[tenant].implicit) {
		d->kind = ENGINE_DEC_REJECT; /* no default tenant in the policy */
		d->why = ENGINE_WHY_NO_CANDIDATE;
		d->n_set = 0;
		d->utilisation = 0;
		return;
	}
	if (!shed && weigh_class(p, live, chain, 1, task, family, s, d) > 0) {
		d->kind = ENGINE_DEC_TABLE;
		d->why = s->spread ? ENGINE_WHY_SATURATED : ENGINE_WHY_CHOSEN;
		goto done;
	}
	d->why = shed ? ENGINE_WHY_SHED : ENGINE_WHY_NO_CANDIDATE;
	/* fallback: the other class's candidates, under every constraint met so far */
	while (p->tenants[t].action == POLICY_FALLBACK && n_chain <= MAX_CHAIN) {
		double util = d->utilisation;

		k = p->tenants[t].fallback_task;
		t = p->tenants[t].fallback_tenant;
		if (p->tenants[t].implicit)
			break; /* the implicit default refuses everything */
		chain[n_chain++] = t;
		if (weigh_class(p, live, chain, n_chain, k, family, s, d) > 0) {
			d->kind = ENGINE_DEC_TABLE;
			d->why = ENGINE_WHY_FALLBACK;
			d->via_tenant = t;
			d->via_task = k;
			d->utilisation = shed ? util : d->utilisation;
			goto done;
		}
	}
	d->kind = ENGINE_DEC_REJECT;
	d->n_set = 0;
	d->n_models = 0;
done:
	qsort_r(d->set, d->n_set, sizeof(*d->set), cmp_set, (void *)p);
}

/* decide_class into the scratch set, then keep a copy of exactly n_set. */
static int decide_copy(const struct policy *p, const struct engine_live *live,
		       uint32_t tenant, uint32_t task, uint8_t family, bool shed,
		       struct scratch *s, struct engine_decision *d, struct engine_decisions *out)
{
	if (d->set_lent) { /* twins still use it: free it with the rest */
		void **o = realloc(out->orphans, (out->n_orphans + 1) * sizeof(*o));

		if (!o)
			return -ENOMEM;
		out->orphans = o;
		out->orphans[out->n_orphans++] = d->set;
		d->set_lent = false;
	} else if (!d->set_shared) {
		free(d->set);
	}
	d->set = NULL;
	d->set_shared = false;
	decide_class(p, live, tenant, task, family, shed, s, d);
	d->set = calloc(d->n_set + 1, sizeof(*d->set));
	if (!d->set)
		return -ENOMEM;
	memcpy(d->set, s->set, d->n_set * sizeof(*d->set));
	return 0;
}

/* Everything of a tenant that its decisions depend on, hashed. */
static uint64_t tenant_sig(const struct policy_tenant *t)
{
	uint64_t h;
	size_t i;
	struct {
		uint32_t min_safety, priority, action, fb_tenant, fb_task, n_regions;
		double max_cost, min_quality;
	} k;

	memset(&k, 0, sizeof(k));
	k.min_safety = t->min_safety_tier;
	k.priority = t->priority;
	k.action = t->action;
	k.fb_tenant = t->fallback_tenant;
	k.fb_task = t->fallback_task;
	k.n_regions = (uint32_t)t->n_regions;
	k.max_cost = t->max_cost;
	k.min_quality = t->min_quality;
	k.action |= t->implicit ? 0x100 : 0;
	h = util_fnv(UTIL_FNV_INIT, &k, sizeof(k));
	for (i = 0; i < t->n_regions; i++)
		h = util_fnv(h, t->regions[i], strlen(t->regions[i]));
	return h;
}

static bool tenant_twins(const struct policy_tenant *a, const struct policy_tenant *b)
{
	size_t i;

	if (a->min_safety_tier != b->min_safety_tier || a->priority != b->priority ||
	    a->action != b->action || a->implicit != b->implicit ||
	    a->fallback_tenant != b->fallback_tenant ||
	    a->fallback_task != b->fallback_task || a->n_regions != b->n_regions ||
	    a->max_cost != b->max_cost || a->min_quality != b->min_quality)
		return false;
	for (i = 0; i < a->n_regions; i++)
		if (strcmp(a->regions[i], b->regions[i]))
			return false;
	return true;
}

/*
 * For each position in order[], the earlier position of a tenant whose
 * decisions are necessarily the same (same constraints, priority and
 * action), or itself. Tenants come in a few profiles: decide each once.
 */
static int find_twins(const struct policy *p, const uint32_t *order, size_t *twin)
{
	size_t slots = 1, i, k;
	size_t *table;
	uint64_t *sig;

	while (slots < 2 * p->n_tenants + 2)
		slots <<= 1;
	table = calloc(slots, sizeof(*table)); /* position + 1; 0 empty */
	sig = calloc(p->n_tenants + 1, sizeof(*sig));
	if (!table || !sig) {
		free(table);
		free(sig);
		return -ENOMEM;
	}
	for (i = 0; i < p->n_tenants; i++) {
		const struct policy_tenant *t = &p->tenants[order[i]];

		sig[i] = tenant_sig(t);
		twin[i] = i;
		for (k = sig[i] & (slots - 1); table[k]; k = (k + 1) & (slots - 1)) {
			size_t o = table[k] - 1;

			if (sig[o] == sig[i] && tenant_twins(&p->tenants[order[o]], t)) {
				twin[i] = o;
				break;
			}
		}
		if (twin[i] == i)
			table[k] = i + 1;
	}
	free(table);
	free(sig);
	return 0;
}

/* d = the decision of twin tenant's class, for tenant. */
static int decision_copy(struct engine_decision *d, struct engine_decision *from, uint32_t tenant)
{
	from->set_lent = true;
	*d = *from;
	d->set_shared = true; /* the twin's set: one copy per profile */
	d->set_lent = false;
	if (from->via_tenant == from->tenant)
		d->via_tenant = tenant;
	d->tenant = tenant;
	return 0;
}

static int cmp_tenant_id(const void *a, const void *b, void *arg)
{
	const struct policy *p = arg;
	uint32_t x = p->tenants[*(const uint32_t *)a].id, y = p->tenants[*(const uint32_t *)b].id;

	return x < y ? -1 : x > y;
}

/* (task, family) pairs the services need, sorted. Returns the count. */
static size_t needed_pairs(const struct policy *p, uint32_t *tasks, uint8_t *fams)
{
	size_t n = 0, i, j;
	uint32_t task;

	for (task = 0; task < STEER_MAX_TASKS; task++)
		for (j = 0; j < 2; j++) {
			uint8_t fam = j ? STEER_AF_INET6 : STEER_AF_INET;

			for (i = 0; i < p->n_services; i++)
				if (p->services[i].task == task && p->services[i].family == fam) {
					tasks[n] = task;
					fams[n++] = fam;
					break;
				}
		}
	return n;
}

/*
 * Priority shedding: a class whose candidates are at least ENGINE_SHED_UTIL
 * busy gives way when one of its backends also serves a tenant of higher
 * priority. Returns the max priority per backend in prio[].
 */
static void max_priorities(const struct policy *p, const struct engine_decisions *out,
			   uint32_t *prio)
{
	size_t i, j;

	memset(prio, 0, sizeof(*prio) * p->n_backends);
	for (i = 0; i < out->n; i++) {
		const struct engine_decision *d = &out->d[i];
		uint32_t pr = p->tenants[d->tenant].priority;

		if (d->kind != ENGINE_DEC_TABLE || d->why != ENGINE_WHY_CHOSEN)
			continue;
		for (j = 0; j < d->n_set; j++)
			if (prio[d->set[j].backend] < pr)
				prio[d->set[j].backend] = pr;
	}
}

static bool should_shed(const struct policy *p, const struct engine_decision *d,
			const uint32_t *prio)
{
	uint32_t own = p->tenants[d->tenant].priority;
	size_t j;

	if (d->kind != ENGINE_DEC_TABLE || d->why != ENGINE_WHY_CHOSEN ||
	    d->utilisation < ENGINE_SHED_UTIL)
		return false;
	for (j = 0; j < d->n_set; j++)
		if (prio[d->set[j].backend] > own)
			return true;
	return false;
}

void engine_decisions_free(struct engine_decisions *d)
{
	size_t i;

	if (!d->d)
		return;
	for (i = 0; i < d->n; i++)
		if (!d->d[i].set_shared)
			free(d->d[i].set);
	for (i = 0; i < d->n_orphans; i++)
		free(d->orphans[i]);
	free(d->orphans);
	d->orphans = NULL;
	d->n_orphans = 0;
	free(d->d);
	d->d = NULL;
	d->n = 0;
}

int engine_decide(const struct policy *p, const struct engine_live *live,
		 struct engine_decisions *out)
{
	uint32_t tasks[STEER_MAX_TASKS * 2];
	uint8_t fams[STEER_MAX_TASKS * 2];
	struct scratch s = { 0 };
	uint32_t *order = NULL, *prio = NULL;
	size_t n_pairs, i, j, n = 0, *twin = NULL;
	int err = -ENOMEM;

	memset(out, 0, sizeof(*out));
	n_pairs = needed_pairs(p, tasks, fams);
	s.models = calloc(p->n_models + 1, sizeof(*s.models));
	s.raw = calloc(p->n_backends + 1, sizeof(*s.raw));
	s.spare = calloc(p->n_backends + 1, sizeof(*s.spare));
	s.set = calloc(p->n_backends + 1, sizeof(*s.set));
	order = calloc(p->n_tenants + 1, sizeof(*order));
	prio = calloc(p->n_backends + 1, sizeof(*prio));
	twin = calloc(p->n_tenants + 1, sizeof(*twin));
	out->d = calloc(p->n_tenants * n_pairs + 1, sizeof(*out->d));
	if (!s.models || !s.raw || !s.spare || !s.set || !order || !prio || !twin || !out->d)
		goto fail;
	for (i = 0; i < p->n_tenants; i++)
		order[i] = (uint32_t)i;
	qsort_r(order, p->n_tenants, sizeof(*order), cmp_tenant_id, (void *)p);
	if (find_twins(p, order, twin))
		goto fail;

	for (i = 0; i < p->n_tenants; i++)
		for (j = 0; j < n_pairs; j++) {
			struct engine_decision *d = &out->d[n];

			out->n = ++n;
			if (twin[i] != i) {
				if (decision_copy(d, &out->d[twin[i] * n_pairs + j], order[i]))
					goto fail;
			} else if (decide_copy(p, live, order[i], tasks[j], fams[j], false, &s,
					       d, out)) {
				goto fail;
			}
		}

	max_priorities(p, out, prio);
	for (i = 0; i < out->n; i++) {
		struct engine_decision *d = &out->d[i];

		if (!should_shed(p, d, prio))
			continue;
		s.prio = prio;
		err = decide_copy(p, live, d->tenant, d->task, d->family, true, &s, d, out);
		s.prio = NULL;
		if (err)
			goto fail;
		err = -ENOMEM;
	}
	err = 0;
fail:
	if (err)
		engine_decisions_free(out);
	free(s.models);
	free(s.raw);
	free(s.spare);
	free(s.set);
	free(order);
	free(prio);
	free(twin);
	return err;
}
