// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Unit tests of the decision engine (decide.c, DESIGN.md "Decisions"):
 * properties over randomised policies (hard constraints are never broken,
 * weights and sets are well formed, every needed class has one decision),
 * determinism, weights from spare capacity, model routing and spill-over,
 * cost, priority shedding, the no-candidate action and fallback chains,
 * health and drain, and the time of a large decision round.
 *
 * Policies are built in C directly: the constraint checks here are an
 * oracle written from DESIGN.md, not calls into the engine.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "util/util.h"
#include "engine/engine.h"
#include "policy/policy.h"
#include "steer_abi.h"

#define N_SEEDS		200
#define FAM4		STEER_AF_INET
#define FAM6		STEER_AF_INET6
#define SCALE		ENGINE_WEIGHT_SCALE

/* ---- building policies ------------------------------------------------ */

static void *xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz);

	assert_non_null(p);
	return p;
}

/*
 * A policy with n_tasks tasks (ids 0..n-1), models of cost 1 serving
 * nothing, backends (id i + 1, IPv4, model 0, region "eu", tier 1,
 * capacity 100, active), tenants (index 0 "default" id 0, others id i, no
 * constraints, priority 0, reject) and IPv4 TCP services of task 0.
 */
static struct policy *fixture_policy_new(size_t n_tasks, size_t n_models, size_t n_backends,
				    size_t n_tenants, size_t n_services)
{
	struct policy *p = xcalloc(1, sizeof(*p));
	size_t i;

	p->tasks = xcalloc(n_tasks, sizeof(*p->tasks));
	p->models = xcalloc(n_models, sizeof(*p->models));
	p->backends = xcalloc(n_backends, sizeof(*p->backends));
	p->tenants = xcalloc(n_tenants, sizeof(*p->tenants));
	p->services = xcalloc(n_services, sizeof(*p->services));
	p->n_tasks = n_tasks;
	p->n_models = n_models;
	p->n_backends = n_backends;
	p->n_tenants = n_tenants;
	p->n_services = n_services;
	for (i = 0; i < n_tasks; i++) {
		snprintf(p->tasks[i].name, sizeof(p->tasks[i].name), "task%zu", i);
		p->tasks[i].id = (uint32_t)i;
	}
	for (i = 0; i < n_models; i++) {
		snprintf(p->models[i].name, sizeof(p->models[i].name), "model%zu", i);
		p->models[i].cost = 1;
	}
	for (i = 0; i < n_backends; i++) {
		struct policy_backend *b = &p->backends[i];

		snprintf(b->name, sizeof(b->name), "be%zu", i);
		b->id = (uint32_t)i + 1;
		b->addr[0] = 198;
		b->addr[1] = 18;
		b->addr[2] = (uint8_t)(i >> 8);
		b->addr[3] = (uint8_t)i;
		b->family = FAM4;
		b->port = 8000;
		strcpy(b->provider, "self");
		strcpy(b->region, "eu");
		b->safety_tier = 1;
		b->capacity = 100;
		b->state = STEER_BACKEND_ACTIVE;
	}
	for (i = 0; i < n_tenants; i++) {
		struct policy_tenant *t = &p->tenants[i];

		if (i)
			snprintf(t->name, sizeof(t->name), "tenant%zu", i);
		else
			strcpy(t->name, "default");
		t->id = (uint32_t)i;
		t->max_cost = -1;
		t->action = POLICY_REJECT;
	}
	for (i = 0; i < n_services; i++) {
		struct policy_service *s = &p->services[i];

		snprintf(s->name, sizeof(s->name), "svc%zu", i);
		s->addr[0] = 198;
		s->addr[1] = 19;
		s->addr[3] = (uint8_t)(i + 1);
		s->family = FAM4;
		s->proto = STEER_PROTO_TCP;
		s->port = (uint16_t)(9000 + i);
		s->id = (uint32_t)i;
	}
	p->objective.quality = 1.0;
	p->objective.cost = 0.5;
	p->objective.load = 0.2;
	p->objective.margin = 0.1;
	p->objective.latency = 0.1;
	p->probe_interval_ms = 500;
	p->probe_timeout_ms = 200;
	p->staleness_ms = 2000;
	p->health_rise = 2;
	p->health_fall = 3;
	p->hysteresis = 0.05;
	p->maglev_size = STEER_MAGLEV_DEFAULT;
	p->hash_seed = 0x5eed;
	p->udp_idle_ms = 30000;
	return p;
}

static void fixture_policy_free(struct policy *p)
{
	size_t i;

	for (i = 0; i < p->n_tenants; i++)
		free(p->tenants[i].prefixes);
	free(p->tasks);
	free(p->models);
	free(p->backends);
	free(p->tenants);
	free(p->services);
	free(p);
}

static void model_serves(struct policy *p, uint32_t model, uint32_t task, double quality)
{
	p->models[model].serves[task] = true;
	p->models[model].quality[task] = quality;
}

static void tenant_region(struct policy_tenant *t, const char *region)
{
	snprintf(t->regions[t->n_regions++], POLICY_NAME_MAX, "%s", region);
}

/* Live view: active, healthy, idle (known: running 0, waiting 0). */
static struct engine_live *live_new(size_t n)
{
	struct engine_live *l = xcalloc(n, sizeof(*l));
	size_t i;

	for (i = 0; i < n; i++) {
		l[i].admin_state = STEER_BACKEND_ACTIVE;
		l[i].health_known = true;
		l[i].healthy = true;
		l[i].has_running = true;
		l[i].has_waiting = true;
		l[i].latency_ms = -1;
	}
	return l;
}

static void live_busy(struct engine_live *l, double running, double waiting)
{
	l->has_running = true;
	l->has_waiting = true;
	l->has_kv = false;
	l->running = running;
	l->waiting = waiting;
}

static void decide_ok(const struct policy *p, const struct engine_live *live,
		      struct engine_decisions *ds)
{
	assert_int_equal(engine_decide(p, live, ds), 0);
}

static const struct engine_decision *find_dec(const struct engine_decisions *ds, uint32_t tenant,
					     uint32_t task, uint8_t family)
{
	size_t i;

	for (i = 0; i < ds->n; i++)
		if (ds->d[i].tenant == tenant && ds->d[i].task == task &&
		    ds->d[i].family == family)
			return &ds->d[i];
	fail_msg("no decision for tenant %u task %u family %u", tenant, task, family);
	return NULL;
}

/* Weight of backend index b in d's set, 0 if absent. */
static uint32_t weight_of(const struct engine_decision *d, uint32_t b)
{
	size_t i;

	for (i = 0; i < d->n_set; i++)
		if (d->set[i].backend == b)
			return d->set[i].weight;
	return 0;
}

static uint32_t weight_sum(const struct engine_decision *d)
{
	uint32_t s = 0;
	size_t i;

	for (i = 0; i < d->n_set; i++)
		s += d->set[i].weight;
	return s;
}

/* ---- oracle (from DESIGN.md, independent of decide.c) ----------------- */

static bool oracle_constraints_ok(const struct policy *p, uint32_t tenant, uint32_t task,
				  const struct policy_backend *b)
{
	const struct policy_tenant *t = &p->tenants[tenant];
	const struct policy_model *m = &p->models[b->model];
	bool region_ok = t->n_regions == 0;
	size_t i;

	for (i = 0; i < t->n_regions; i++)
		if (!strcmp(t->regions[i], b->region))
			region_ok = true;
	return task < STEER_MAX_TASKS && m->serves[task] && b->safety_tier >= t->min_safety_tier &&
	       region_ok && (t->max_cost < 0 || m->cost <= t->max_cost) &&
	       m->quality[task] >= t->min_quality;
}

/* Load as a fraction of capacity; < 0 when no signal is known. */
static double oracle_util(const struct policy_backend *b, const struct engine_live *l)
{
	double cap = b->capacity ? b->capacity : 1, u = -1;

	if (l->has_running)
		u = (l->running + (l->has_waiting ? l->waiting : 0)) / cap;
	else if (l->has_waiting && l->waiting > 0)
		u = 1;
	if (l->has_kv && l->kv_usage > u)
		u = l->kv_usage;
	if (u < 0 && l->has_flows)
		u = l->active_flows / cap;
	return u;
}

static bool oracle_state_ok(const struct policy_backend *b, const struct engine_live *l)
{
	if (l->admin_state != STEER_BACKEND_ACTIVE)
		return false;
	if (l->health_known && !l->healthy)
		return false;
	return oracle_util(b, l) < 1; /* unknown (< 0) is not saturated */
}

static bool oracle_candidate(const struct policy *p, const struct engine_live *live,
			     uint32_t tenant, uint32_t task, uint8_t family, uint32_t bi)
{
	const struct policy_backend *b = &p->backends[bi];

	return b->family == family && oracle_constraints_ok(p, tenant, task, b) &&
	       oracle_state_ok(b, &live[bi]);
}

static bool oracle_has_candidate(const struct policy *p, const struct engine_live *live,
				 uint32_t tenant, uint32_t task, uint8_t family)
{
	uint32_t i;

	for (i = 0; i < p->n_backends; i++)
		if (oracle_candidate(p, live, tenant, task, family, i))
			return true;
	return false;
}

/* Is (via_tenant, via_task) reachable through tenant's fallback actions? */
static bool on_fallback_chain(const struct policy *p, uint32_t tenant, uint32_t via_tenant,
			      uint32_t via_task)
{
	uint32_t t = tenant, k;
	int hop;

	for (hop = 0; hop < 16; hop++) {
		if (p->tenants[t].action != POLICY_FALLBACK)
			return false;
		k = p->tenants[t].fallback_task;
		t = p->tenants[t].fallback_tenant;
		if (t == via_tenant && k == via_task)
			return true;
	}
	return false;
}

/* ---- random policies -------------------------------------------------- */

static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in lo..hi (inclusive). */
static uint32_t rnd(uint64_t *s, uint32_t lo, uint32_t hi)
{
	return lo + (uint32_t)(rng_next(s) % (hi - lo + 1));
}

/* Uniform in [0, 1). */
static double rndf(uint64_t *s)
{
	return (double)(rng_next(s) >> 11) / 9007199254740992.0;
}

static bool chance(uint64_t *s, double p)
{
	return rndf(s) < p;
}

static const char *const regions[] = { "eu", "us", "ap", "sa" };

struct world {
	struct policy *p;
	struct engine_live *live;
	uint32_t task_ids[8];
	size_t n_task_ids;
};

static void random_world(uint64_t seed, struct world *w)
{
	uint64_t s = seed * 0x2545f4914f6cdd1dULL + 1;
	size_t n_tasks = rnd(&s, 1, 8), n_models = rnd(&s, 1, 6), n_backends = rnd(&s, 1, 64);
	size_t n_tenants = rnd(&s, 1, 20), n_services = rnd(&s, 1, 6), i, j;
	bool used_ids[STEER_MAX_TASKS] = { 0 }, used_tenant_ids[64] = { 0 };
	struct policy *p;

	p = fixture_policy_new(n_tasks, n_models, n_backends, n_tenants, n_services);
	w->p = p;
	/* task ids: distinct, anywhere in 0..15 */
	w->n_task_ids = n_tasks;
	for (i = 0; i < n_tasks; i++) {
		uint32_t id;

		do
			id = rnd(&s, 0, STEER_MAX_TASKS - 1);
		while (used_ids[id]);
		used_ids[id] = true;
		p->tasks[i].id = id;
		w->task_ids[i] = id;
	}
	for (i = 0; i < n_models; i++) {
		p->models[i].cost = chance(&s, 0.15) ? 0 : rndf(&s) * 20;
		for (j = 0; j < n_tasks; j++)
			if (chance(&s, 0.7))
				model_serves(p, (uint32_t)i, w->task_ids[j], rndf(&s));
	}
	for (i = 0; i < n_backends; i++) {
		struct policy_backend *b = &p->backends[i];
		uint32_t st = rnd(&s, 0, 99);

		b->model = rnd(&s, 0, (uint32_t)n_models - 1);
		b->family = chance(&s, 0.6) ? FAM4 : FAM6;
		strcpy(b->region, regions[rnd(&s, 0, 3)]);
		b->safety_tier = rnd(&s, 0, 3);
		b->capacity = rnd(&s, 1, 64);
		b->state = st < 80 ? STEER_BACKEND_ACTIVE :
			   st < 88 ? STEER_BACKEND_DRAINING :
			   st < 96 ? STEER_BACKEND_DOWN :
				     STEER_BACKEND_UNUSED;
	}
	/* tenant 0 is "default" id 0; the others get distinct ids 1..63 */
	used_tenant_ids[0] = true;
	for (i = 0; i < n_tenants; i++) {
		struct policy_tenant *t = &p->tenants[i];

		if (i) {
			uint32_t id;

			do
				id = rnd(&s, 1, 63);
			while (used_tenant_ids[id]);
			used_tenant_ids[id] = true;
			t->id = id;
		}
		t->min_safety_tier = chance(&s, 0.5) ? 0 : rnd(&s, 1, 3);
		if (chance(&s, 0.5)) {
			for (j = 0; j < 4; j++)
				if (chance(&s, 0.5))
					tenant_region(t, regions[j]);
		}
		t->max_cost = chance(&s, 0.5) ? -1 : rndf(&s) * 20;
		t->min_quality = chance(&s, 0.5) ? 0 : rndf(&s) * 0.9;
		t->priority = rnd(&s, 0, 10);
		if (chance(&s, 0.5)) {
			t->action = POLICY_FALLBACK;
			t->fallback_tenant = rnd(&s, 0, (uint32_t)n_tenants - 1);
			t->fallback_task = w->task_ids[rnd(&s, 0, (uint32_t)n_tasks - 1)];
		}
	}
	for (i = 0; i < n_services; i++) {
		p->services[i].task = w->task_ids[rnd(&s, 0, (uint32_t)n_tasks - 1)];
		p->services[i].family = chance(&s, 0.6) ? FAM4 : FAM6;
	}
	p->objective.quality = 0.5 + rndf(&s);
	p->objective.cost = rndf(&s);
	p->objective.load = rndf(&s);
	p->objective.margin = chance(&s, 0.2) ? 0 : rndf(&s) * 0.5;
	p->objective.latency = rndf(&s);

	w->live = live_new(n_backends);
	for (i = 0; i < n_backends; i++) {
		struct engine_live *l = &w->live[i];
		double cap = p->backends[i].capacity;
		uint32_t h = rnd(&s, 0, 99);

		l->admin_state = p->backends[i].state;
		l->health_known = h >= 10;
		l->healthy = h >= 20;
		/* each signal absent or stale (has_* false) with some chance */
		l->has_running = chance(&s, 0.6);
		l->running = rndf(&s) * 1.3 * cap;
		l->has_waiting = chance(&s, 0.6);
		l->waiting = chance(&s, 0.7) ? 0 : rndf(&s) * cap;
		l->has_kv = chance(&s, 0.4);
		l->kv_usage = chance(&s, 0.1) ? 1 : rndf(&s);
		l->has_flows = chance(&s, 0.5);
		l->active_flows = floor(rndf(&s) * 1.2 * cap);
		l->latency_ms = chance(&s, 0.3) ? -1 : 1 + rndf(&s) * 500;
		if (chance(&s, 0.1)) /* nothing known at all */
			l->has_running = l->has_waiting = l->has_kv = l->has_flows = false;
	}
}

static void world_free(struct world *w)
{
	fixture_policy_free(w->p);
	free(w->live);
}

/* ---- 1. properties over random policies ------------------------------- */

static void check_set_wellformed(const struct policy *p, const struct engine_decision *d)
{
	uint32_t max = 0;
	size_t i, j;

	if (d->kind == ENGINE_DEC_REJECT) {
		assert_int_equal(d->n_set, 0);
		assert_true(d->why == ENGINE_WHY_NO_CANDIDATE || d->why == ENGINE_WHY_SHED);
		return;
	}
	assert_int_equal(d->kind, ENGINE_DEC_TABLE);
	assert_true(d->why == ENGINE_WHY_CHOSEN || d->why == ENGINE_WHY_FALLBACK);
	assert_true(d->n_set > 0);
	assert_true(d->n_models >= 1 && d->n_models <= 8);
	for (i = 0; i < d->n_models; i++) {
		assert_true(d->models[i] < p->n_models);
		for (j = 0; j < i; j++)
			assert_int_not_equal(d->models[i], d->models[j]);
	}
	for (i = 0; i < d->n_set; i++) {
		const struct engine_weighted *e = &d->set[i];
		bool model_kept = false;

		assert_true(e->backend < p->n_backends);
		assert_in_range(e->weight, 1, SCALE);
		if (e->weight > max)
			max = e->weight;
		if (i)
			assert_true(p->backends[d->set[i - 1].backend].id <
				    p->backends[e->backend].id);
		for (j = 0; j < d->n_models; j++)
			model_kept |= p->backends[e->backend].model == d->models[j];
		assert_true(model_kept);
	}
	assert_int_equal(max, SCALE);
}

static void check_decision(const struct policy *p, const struct engine_live *live,
			   const struct engine_decision *d)
{
	bool own = oracle_has_candidate(p, live, d->tenant, d->task, d->family);
	size_t i;

	check_set_wellformed(p, d);
	assert_true(d->utilisation >= 0 && d->utilisation <= 1);
	if (d->why == ENGINE_WHY_CHOSEN) {
		assert_int_equal(d->via_tenant, d->tenant);
		assert_int_equal(d->via_task, d->task);
	}
	if (d->why == ENGINE_WHY_FALLBACK)
		assert_true(on_fallback_chain(p, d->tenant, d->via_tenant, d->via_task));
	/* the tenant's own candidates are used unless it was shed */
	if (own) {
		assert_int_not_equal(d->why, ENGINE_WHY_NO_CANDIDATE);
		if (d->why != ENGINE_WHY_CHOSEN)
			assert_true(d->utilisation >= ENGINE_SHED_UTIL);
	} else {
		assert_int_not_equal(d->why, ENGINE_WHY_CHOSEN);
		if (d->kind == ENGINE_DEC_REJECT && p->tenants[d->tenant].action == POLICY_REJECT)
			assert_int_equal(d->why, ENGINE_WHY_NO_CANDIDATE);
	}
	if (d->why == ENGINE_WHY_SHED)
		assert_true(d->utilisation >= ENGINE_SHED_UTIL);

	for (i = 0; i < d->n_set; i++) {
		uint32_t bi = d->set[i].backend;
		const struct policy_backend *b = &p->backends[bi];

		/* state and family: no new flows to a down, unhealthy, draining, full one */
		assert_int_equal(b->family, d->family);
		assert_true(oracle_state_ok(b, &live[bi]));
		/* serves the task decided, under the class tenant's constraints ... */
		assert_true(oracle_constraints_ok(p, d->tenant, d->via_task, b));
		/* ... and under those of the class it fell back to */
		assert_true(oracle_constraints_ok(p, d->via_tenant, d->via_task, b));
	}
	/* the best model's candidates are all in a chosen set */
	if (d->why == ENGINE_WHY_CHOSEN)
		for (i = 0; i < p->n_backends; i++)
			if (p->backends[i].model == d->models[0] &&
			    oracle_candidate(p, live, d->tenant, d->task, d->family, (uint32_t)i))
				assert_true(weight_of(d, (uint32_t)i) > 0);
}

/* Every (tenant, task, family) a service needs, once, sorted by (id, task, family). */
static void check_complete(const struct policy *p, const struct engine_decisions *ds)
{
	uint32_t prev_id = 0, prev_task = 0, id;
	uint8_t prev_fam = 0;
	size_t i, j, n_pairs = 0, n_found = 0;
	uint32_t task;

	for (task = 0; task < STEER_MAX_TASKS; task++)
		for (j = 0; j < 2; j++) {
			uint8_t fam = j ? FAM6 : FAM4;

			for (i = 0; i < p->n_services; i++)
				if (p->services[i].task == task && p->services[i].family == fam) {
					n_pairs++;
					break;
				}
		}
	assert_int_equal(ds->n, n_pairs * p->n_tenants);
	for (i = 0; i < ds->n; i++) {
		const struct engine_decision *d = &ds->d[i];
		bool needed = false;

		assert_true(d->tenant < p->n_tenants);
		for (j = 0; j < p->n_services; j++)
			needed |= p->services[j].task == d->task &&
				  p->services[j].family == d->family;
		assert_true(needed);
		id = p->tenants[d->tenant].id;
		if (i)
			assert_true(id > prev_id ||
				    (id == prev_id &&
				     (d->task > prev_task ||
				      (d->task == prev_task && d->family > prev_fam))));
		prev_id = id;
		prev_task = d->task;
		prev_fam = d->family;
		n_found++;
	}
	assert_int_equal(n_found, n_pairs * p->n_tenants);
}

static void test_random_properties(void **state)
{
	size_t n_table = 0, n_reject = 0, n_fallback = 0, n_shed = 0, i;
	uint64_t seed;

	(void)state;
	for (seed = 1; seed <= N_SEEDS; seed++) {
		struct engine_decisions ds;
		struct world w;

		random_world(seed, &w);
		decide_ok(w.p, w.live, &ds);
		check_complete(w.p, &ds);
		for (i = 0; i < ds.n; i++) {
			check_decision(w.p, w.live, &ds.d[i]);
			n_table += ds.d[i].kind == ENGINE_DEC_TABLE;
			n_reject += ds.d[i].kind == ENGINE_DEC_REJECT;
			n_fallback += ds.d[i].why == ENGINE_WHY_FALLBACK;
			n_shed += ds.d[i].why == ENGINE_WHY_SHED;
		}
		engine_decisions_free(&ds);
		world_free(&w);
	}
	/* the generator reaches every kind of decision */
	assert_true(n_table > 100);
	assert_true(n_reject > 100);
	assert_true(n_fallback > 10);
	assert_true(n_shed > 0);
}

/* ---- 2. determinism --------------------------------------------------- */

static void assert_same(const struct engine_decisions *a, const struct engine_decisions *b)
{
	size_t i;

	assert_int_equal(a->n, b->n);
	for (i = 0; i < a->n; i++) {
		const struct engine_decision *x = &a->d[i], *y = &b->d[i];

		assert_int_equal(x->tenant, y->tenant);
		assert_int_equal(x->task, y->task);
		assert_int_equal(x->family, y->family);
		assert_int_equal(x->kind, y->kind);
		assert_int_equal(x->why, y->why);
		assert_int_equal(x->via_tenant, y->via_tenant);
		assert_int_equal(x->via_task, y->via_task);
		assert_int_equal(x->n_set, y->n_set);
		assert_memory_equal(x->set, y->set, x->n_set * sizeof(*x->set));
		assert_int_equal(x->n_models, y->n_models);
		assert_memory_equal(x->models, y->models, x->n_models * sizeof(x->models[0]));
		assert_memory_equal(&x->utilisation, &y->utilisation, sizeof(x->utilisation));
	}
}

static void test_determinism(void **state)
{
	uint64_t seed;

	(void)state;
	for (seed = 1; seed <= 50; seed++) {
		struct engine_decisions a, b, other, c;
		struct world w, w2;

		random_world(seed, &w);
		random_world(seed + 1000, &w2);
		decide_ok(w.p, w.live, &a);
		decide_ok(w.p, w.live, &b);
		assert_same(&a, &b);
		/* another policy in between leaves nothing behind */
		decide_ok(w2.p, w2.live, &other);
		decide_ok(w.p, w.live, &c);
		assert_same(&a, &c);
		engine_decisions_free(&a);
		engine_decisions_free(&b);
		engine_decisions_free(&c);
		engine_decisions_free(&other);
		world_free(&w);
		world_free(&w2);
	}
}

/* ---- 3. weights follow spare capacity ---------------------------------- */

/* One task, one model, n backends of capacity 100, one tenant, one service. */
static struct policy *policy_simple(size_t n_backends)
{
	struct policy *p = fixture_policy_new(1, 1, n_backends, 1, 1);

	model_serves(p, 0, 0, 0.8);
	p->objective.latency = 0;
	return p;
}

static void test_weights_spare(void **state)
{
	struct policy *p = policy_simple(3);
	struct engine_live *l = live_new(3);
	const struct engine_decision *d;
	struct engine_decisions ds;
	double ratio;
	bool known;

	(void)state;
	/* 25 % vs 75 % busy: spare 0.75 vs 0.25, ratio 3:1 */
	live_busy(&l[0], 25, 0);
	live_busy(&l[1], 75, 0);
	l[2].admin_state = STEER_BACKEND_DOWN;
	decide_ok(p, l, &ds);
	d = find_dec(&ds, 0, 0, FAM4);
	assert_int_equal(d->kind, ENGINE_DEC_TABLE);
	assert_int_equal(d->n_set, 2);
	assert_int_equal(weight_of(d, 0), SCALE);
	ratio = (double)weight_of(d, 0) / weight_of(d, 1);
	assert_true(ratio > 2.9 && ratio < 3.1);
	engine_decisions_free(&ds);

	/* queueing at full capacity: saturated, no weight at all */
	live_busy(&l[1], 100, 3);
	assert_true(engine_backend_spare(&p->backends[1], &l[1], &known) <= 0);
	assert_true(known);
	assert_int_equal(engine_exclusion(p, l, 0, 0, FAM4, 1), ENGINE_EXCL_SATURATED);
	decide_ok(p, l, &ds);
	d = find_dec(&ds, 0, 0, FAM4);
	assert_int_equal(d->n_set, 1);
	assert_int_equal(weight_of(d, 1), 0);
	assert_int_equal(weight_of(d, 0), SCALE);
	engine_decisions_free(&ds);

	/* KV cache nearly full lowers the weight */
	l[0].has_running = l[0].has_waiting = false;
	l[1].has_running = l[1].has_waiting = false;
	l[0].has_kv = l[1].has_kv = true;
	l[0].kv_usage = 0.1;
	l[1].kv_usage = 0.99;
	decide_ok(p, l, &ds);
	d = find_dec(&ds, 0, 0, FAM4);
	assert_int_equal(weight_of(d, 0), SCALE);
	assert_true(weight_of(d, 1) >= 1 && weight_of(d, 1) < SCALE / 20);
	engine_decisions_free(&ds);

	/* unknown load is 0.5: below an idle known backend, above a 90 % busy one */
	l[2].admin_state = STEER_BACKEND_ACTIVE;
	live_busy(&l[0], 0, 0);
	memset(&l[1], 0, sizeof(l[1]));
	l[1].admin_state = STEER_BACKEND_ACTIVE;
	l[1].latency_ms = -1;
	live_busy(&l[2], 90, 0);
	assert_true(fabs(engine_backend_spare(&p->backends[1], &l[1], &known) - 0.5) < 1e-9);
	assert_false(known);
	decide_ok(p, l, &ds);
	d = find_dec(&ds, 0, 0, FAM4);
	assert_int_equal(d->n_set, 3);
	assert_true(weight_of(d, 0) > weight_of(d, 1));
	assert_true(weight_of(d, 1) > weight_of(d, 2));
	assert_in_range(weight_of(d, 1), SCALE / 2 - 5, SCALE / 2 + 5);
	engine_decisions_free(&ds);

	/* kernel flows when there is no model-server signal */
	l[0].has_running = l[0].has_waiting = l[0].has_kv = false;
	l[1].has_running = l[1].has_waiting = l[1].has_kv = false;
	l[0].has_flows = l[1].has_flows = true;
	l[0].active_flows = 20;
	l[1].active_flows = 80;
	l[2].admin_state = STEER_BACKEND_DRAINING;
	assert_true(fabs(engine_backend_spare(&p->backends[1], &l[1], &known) - 0.2) < 1e-9);
	assert_true(known);
	decide_ok(p, l, &ds);
	d = find_dec(&ds, 0, 0, FAM4);
	assert_int_equal(d->n_set, 2);
	ratio = (double)weight_of(d, 0) / weight_of(d, 1);
	assert_true(ratio > 3.9 && ratio < 4.1);
	engine_decisions_free(&ds);

	/* flows at capacity: saturated */
	l[1].active_flows = 100;
	assert_int_equal(engine_exclusion(p, l, 0, 0, FAM4, 1), ENGINE_EXCL_SATURATED);

	/* a slower backend (observed latency) gets less */
	live_busy(&l[0], 0, 0);
	live_busy(&l[1], 0, 0);
	l[0].has_flows = l[1].has_flows = false;
	l[1].latency_ms = 200;
	p->objective.latency = 0.5;
	decide_ok(p, l, &ds);
	d = find_dec(&ds, 0, 0, FAM4);
	assert_int_equal(weight_of(d, 0), SCALE);
	assert_true(weight_of(d, 1) < SCALE * 0.6);
	engine_decisions_free(&ds);

	free(l);
	fixture_policy_free(p);
}

/* ---- 4. model routing and spill-over ------------------------------------ */

/* Model A (0.9) on backends 0, 1; model B (0.6) on backends 2, 3. */
static struct policy *policy_two_models(double qa, double ca, double qb, double cb)
{
	struct policy *p = fixture_policy_new(1, 2, 4, 1, 1);

	model_serves(p, 0, 0, qa);
	model_serves(p, 1, 0, qb);
	p->models[0].cost = ca;
	p->models[1].cost = cb;
	p->backends[2].model = p->backends[3].model = 1;
	p->objective.quality = 1;
	p->objective.cost = 0;
	p->objective.load = 0.2;
	p->objective.margin = 0.5;
	p->objective.latency = 0;
	return p;
}

static void test_model_spillover(void **state)
{
	struct policy *p = policy_two_models(0.9, 1, 0.6, 1);
	struct engine_live *l = live_new(4);
	const struct engine_decision *d;
	struct engine_decisions ds;
	uint32_t wb;

	(void)state;
	/* A idle: B is within the margin but gets (almost) nothing */
	decide_ok(p, l, &ds);
	d = find_dec(&ds, 0, 0, FAM4);
	assert_int_equal(d->kind, ENGINE_DEC_TABLE);
	assert_int_equal(d->models[0], 0);
	assert_int_equal(weight_of(d, 0), SCALE);
	assert_int_equal(weight_of(d, 1), SCALE);
	wb = weight_of(d, 2) + weight_of(d, 3);
	assert_true(wb * 100 <= weight_sum(d));
	engine_decisions_free(&ds);

	/* A 90 % busy: B takes a real share */
	live_busy(&l[0], 90, 0);
	live_busy(&l[1], 90, 0);
	decide_ok(p, l, &ds);
	d = find_dec(&ds, 0, 0, FAM4);
	assert_int_equal(d->models[0], 0);
	assert_int_equal(d->n_models, 2);
	assert_int_equal(d->models[1], 1);
	assert_int_equal(d->n_set, 4);
	wb = weight_of(d, 2) + weight_of(d, 3);
	assert_true(wb * 5 >= weight_sum(d)); /* at least 20 % */
	assert_true(weight_of(d, 0) > 0 && weight_of(d, 1) > 0);
	engine_decisions_free(&ds);

	/* A saturated: B gets everything */
	live_busy(&l[0], 100, 2);
	live_busy(&l[1], 120, 0);
	decide_ok(p, l, &ds);
	d = find_dec(&ds, 0, 0, FAM4);
	assert_int_equal(d->kind, ENGINE_DEC_TABLE);
	assert_int_equal(d->models[0], 1);
	assert_int_equal(d->n_set, 2);
	assert_int_equal(weight_of(d, 2), SCALE);
	assert_int_equal(weight_of(d, 3), SCALE);
	engine_decisions_free(&ds);

	/* margin 0: only the best model, even when it is busy */
	live_busy(&l[0], 90, 0);
	live_busy(&l[1], 90, 0);
	p->objective.margin = 0;
	decide_ok(p, l, &ds);
	d = find_dec(&ds, 0, 0, FAM4);
	assert_int_equal(d->n_models, 1);
	assert_int_equal(d->models[0], 0);
	assert_int_equal(d->n_set, 2);
	assert_int_equal(weight_of(d, 2) + weight_of(d, 3), 0);
	engine_decisions_free(&ds);

	/* a model outside the margin never gets flows */
	p->objective.margin = 0.2;
	p->models[1].quality[0] = 0.3; /* gap 0.92 - (0.3 + 0.2) = 0.42 > 0.2 */
	decide_ok(p, l, &ds);
	d = find_dec(&ds, 0, 0, FAM4);
	assert_int_equal(d->n_models, 1);
	assert_int_equal(weight_of(d, 2) + weight_of(d, 3), 0);
	engine_decisions_free(&ds);

	free(l);
	fixture_policy_free(p);
}

/* ---- 5. cost ------------------------------------------------------------ */

static void test_cost(void **state)
{
	/* equal quality; model 0 costs 10, model 1 costs 2 */
	struct policy *p = policy_two_models(0.8, 10, 0.8, 2);
	struct engine_live *l = live_new(4);
	const struct engine_decision *d;
	struct engine_decisions ds;
	uint32_t w_dear;

	(void)state;
	p->objective.cost = 0.5;
	p->objective.margin = 1;
	decide_ok(p, l, &ds);
	d = find_dec(&ds, 0, 0, FAM4);
	assert_int_equal(d->models[0], 1);
	assert_int_equal(weight_of(d, 2), SCALE);
	assert_true(weight_of(d, 2) > weight_of(d, 0));
	engine_decisions_free(&ds);

	/* same load everywhere: the cheaper one still gets more per backend */
	live_busy(&l[0], 50, 0);
	live_busy(&l[1], 50, 0);
	live_busy(&l[2], 50, 0);
	live_busy(&l[3], 50, 0);
	decide_ok(p, l, &ds);
	d = find_dec(&ds, 0, 0, FAM4);
	assert_int_equal(d->models[0], 1);
	assert_int_equal(d->n_set, 4);
	assert_true(weight_of(d, 2) > weight_of(d, 0));
	assert_true(weight_of(d, 3) > weight_of(d, 1));
	engine_decisions_free(&ds);

	/* cost not weighed: the tie goes to neither by cost, weights are equal */
	p->objective.cost = 0;
	decide_ok(p, l, &ds);
	d = find_dec(&ds, 0, 0, FAM4);
	assert_int_equal(weight_of(d, d->models[0] == 0 ? 0 : 2), SCALE);
	engine_decisions_free(&ds);

	/*
	 * Same model scores, only B cheaper: B's backends get more weight.
	 * A (0.9, cost 1) is 90 % busy so that B (within the margin) has a
	 * share; B first costs 1 with quality 0.6, then 0.4 with quality 0.3:
	 * 0.6 - 0.5 * 1 = 0.3 - 0.5 * 0.4, so only the cost term moves.
	 */
	free(l);
	fixture_policy_free(p);
	p = policy_two_models(0.9, 1, 0.6, 1);
	l = live_new(4);
	p->objective.cost = 0.5;
	live_busy(&l[0], 90, 0);
	live_busy(&l[1], 90, 0);
	decide_ok(p, l, &ds);
	d = find_dec(&ds, 0, 0, FAM4);
	assert_int_equal(d->models[0], 0);
	assert_int_equal(weight_of(d, 2), SCALE);
	w_dear = weight_of(d, 0);
	engine_decisions_free(&ds);
	p->models[1].cost = 0.4;
	p->models[1].quality[0] = 0.3;
	decide_ok(p, l, &ds);
	d = find_dec(&ds, 0, 0, FAM4);
	assert_int_equal(d->models[0], 0);
	assert_int_equal(weight_of(d, 2), SCALE);
	/* relative to B, A now weighs less: B's cost penalty is smaller */
	assert_true(weight_of(d, 0) < w_dear);
	engine_decisions_free(&ds);
	p->models[0].cost = 10;
	p->models[1].cost = 2;
	p->models[1].quality[0] = 0.8;
	p->models[0].quality[0] = 0.8;

	/* over the tenant's max cost: excluded whatever the load */
	p->objective.cost = 0.5;
	p->tenants[0].max_cost = 5;
	live_busy(&l[2], 99, 0);
	live_busy(&l[3], 99, 0);
	assert_int_equal(engine_exclusion(p, l, 0, 0, FAM4, 0), ENGINE_EXCL_COST);
	decide_ok(p, l, &ds);
	d = find_dec(&ds, 0, 0, FAM4);
	assert_int_equal(d->kind, ENGINE_DEC_TABLE);
	assert_int_equal(d->n_set, 2);
	assert_int_equal(weight_of(d, 0) + weight_of(d, 1), 0);
	engine_decisions_free(&ds);

	free(l);
	fixture_policy_free(p);
}

/* ---- 6. shedding -------------------------------------------------------- */

/*
 * Tenants: 0 default (no candidates: tier 9 required), 1 low (priority 1),
 * 2 high (priority 10); task 0 on backends 0, 1; task 1 (served by model 1,
 * not needed by a service) on backend 2.
 */
static struct policy *policy_shed(void)
{
	struct policy *p = fixture_policy_new(2, 2, 3, 3, 1);

	model_serves(p, 0, 0, 0.8);
	model_serves(p, 1, 1, 0.5);
	p->backends[2].model = 1;
	p->tenants[0].min_safety_tier = 9;
	p->tenants[1].priority = 1;
	p->tenants[2].priority = 10;
	return p;
}

static void test_shedding(void **state)
{
	struct policy *p = policy_shed();
	struct engine_live *l = live_new(3);
	const struct engine_decision *lo, *hi;
	struct engine_decisions ds;

	(void)state;
	/* 95 % busy: the low-priority tenant is shed, the high one keeps its set */
	live_busy(&l[0], 95, 0);
	live_busy(&l[1], 95, 0);
	decide_ok(p, l, &ds);
	lo = find_dec(&ds, 1, 0, FAM4);
	hi = find_dec(&ds, 2, 0, FAM4);
	assert_int_equal(lo->kind, ENGINE_DEC_REJECT);
	assert_int_equal(lo->why, ENGINE_WHY_SHED);
	assert_int_equal(lo->n_set, 0);
	assert_int_equal(hi->kind, ENGINE_DEC_TABLE);
	assert_int_equal(hi->why, ENGINE_WHY_CHOSEN);
	assert_int_equal(hi->n_set, 2);
	assert_true(hi->utilisation >= ENGINE_SHED_UTIL);
	assert_int_equal(find_dec(&ds, 0, 0, FAM4)->why, ENGINE_WHY_NO_CANDIDATE);
	engine_decisions_free(&ds);

	/* shed with a fallback: the fallback class (elsewhere) instead */
	p->tenants[1].action = POLICY_FALLBACK;
	p->tenants[1].fallback_tenant = 1;
	p->tenants[1].fallback_task = 1;
	decide_ok(p, l, &ds);
	lo = find_dec(&ds, 1, 0, FAM4);
	assert_int_equal(lo->kind, ENGINE_DEC_TABLE);
	assert_int_equal(lo->why, ENGINE_WHY_FALLBACK);
	assert_int_equal(lo->via_tenant, 1);
	assert_int_equal(lo->via_task, 1);
	assert_int_equal(lo->n_set, 1);
	assert_int_equal(lo->set[0].backend, 2);
	assert_int_equal(find_dec(&ds, 2, 0, FAM4)->n_set, 2);
	engine_decisions_free(&ds);
	p->tenants[1].action = POLICY_REJECT;

	/* below the threshold nobody is shed */
	live_busy(&l[0], 85, 0);
	live_busy(&l[1], 85, 0);
	decide_ok(p, l, &ds);
	lo = find_dec(&ds, 1, 0, FAM4);
	hi = find_dec(&ds, 2, 0, FAM4);
	assert_true(lo->utilisation < ENGINE_SHED_UTIL);
	assert_int_equal(lo->why, ENGINE_WHY_CHOSEN);
	assert_int_equal(lo->n_set, 2);
	assert_int_equal(hi->why, ENGINE_WHY_CHOSEN);
	assert_int_equal(hi->n_set, 2);
	engine_decisions_free(&ds);

	/* equal priorities: nobody is shed, even when busy */
	live_busy(&l[0], 95, 0);
	live_busy(&l[1], 95, 0);
	p->tenants[1].priority = 10;
	decide_ok(p, l, &ds);
	assert_int_equal(find_dec(&ds, 1, 0, FAM4)->why, ENGINE_WHY_CHOSEN);
	assert_int_equal(find_dec(&ds, 2, 0, FAM4)->why, ENGINE_WHY_CHOSEN);
	engine_decisions_free(&ds);

	/* tenants on disjoint backends don't shed each other */
	p->tenants[1].priority = 1;
	strcpy(p->backends[1].region, "us");
	tenant_region(&p->tenants[1], "us");
	tenant_region(&p->tenants[2], "eu");
	decide_ok(p, l, &ds);
	assert_int_equal(find_dec(&ds, 1, 0, FAM4)->why, ENGINE_WHY_CHOSEN);
	assert_int_equal(find_dec(&ds, 2, 0, FAM4)->why, ENGINE_WHY_CHOSEN);
	engine_decisions_free(&ds);

	free(l);
	fixture_policy_free(p);
}

/*
 * A shed tenant whose fallback class lands on the very backends it was
 * shed from is not shed at all. DESIGN.md: "Under saturation,
 * lower-priority tenants are shed first." Here the low-priority tenant
 * falls back to the default tenant's class of the same task (a common
 * configuration); the shared backends are 95 % busy and serve the
 * high-priority tenant: the low tenant must not keep sending them flows.
 */
static void test_shed_fallback_keeps_off_shed_backends(void **state)
{
	struct policy *p = policy_shed();
	struct engine_live *l = live_new(3);
	const struct engine_decision *lo, *hi;
	struct engine_decisions ds;
	char msg[256] = "";
	size_t i;

	(void)state;
	p->tenants[0].min_safety_tier = 0; /* default: candidates, priority 0 */
	p->tenants[1].action = POLICY_FALLBACK;
	p->tenants[1].fallback_tenant = 0;
	p->tenants[1].fallback_task = 0;
	live_busy(&l[0], 95, 0);
	live_busy(&l[1], 95, 0);
	decide_ok(p, l, &ds);
	hi = find_dec(&ds, 2, 0, FAM4);
	lo = find_dec(&ds, 1, 0, FAM4);
	assert_int_equal(hi->why, ENGINE_WHY_CHOSEN);
	assert_int_equal(hi->n_set, 2);
	assert_int_not_equal(lo->why, ENGINE_WHY_CHOSEN);
	for (i = 0; i < lo->n_set && !msg[0]; i++)
		if (weight_of(hi, lo->set[i].backend))
			snprintf(msg, sizeof(msg),
				 "shed tenant 1 still steers to backend %u (why %s via %u/%u), "
				 "shared with priority-10 tenant at utilisation %.2f",
				 lo->set[i].backend, engine_why_name(lo->why), lo->via_tenant,
				 lo->via_task, hi->utilisation);
	engine_decisions_free(&ds);
	free(l);
	fixture_policy_free(p);
	if (msg[0])
		fail_msg("%s", msg);
}

/* ---- 7. no candidate: reject, fallback, cycles --------------------------- */

/*
 * Tasks 0 and 1; model 0 serves task 0 (only on backend 0, region "us"),
 * model 1 serves task 1 on backends 1 (eu, tier 3), 2 (us, tier 3), 3 (eu,
 * tier 1). Tenant 1 (eu only, tier >= 2); tenant 2 unconstrained.
 * Services need task 0 and task 1 (IPv4).
 */
static struct policy *policy_fallback(void)
{
	struct policy *p = fixture_policy_new(2, 2, 4, 3, 2);

	model_serves(p, 0, 0, 0.9);
	model_serves(p, 1, 1, 0.7);
	strcpy(p->backends[0].region, "us");
	p->backends[1].model = p->backends[2].model = p->backends[3].model = 1;
	strcpy(p->backends[2].region, "us");
	p->backends[1].safety_tier = p->backends[2].safety_tier = 3;
	p->backends[3].safety_tier = 1;
	tenant_region(&p->tenants[1], "eu");
	p->tenants[1].min_safety_tier = 2;
	p->services[1].task = 1;
	return p;
}

static void test_no_candidate(void **state)
{
	struct policy *p = policy_fallback();
	struct engine_live *l = live_new(4);
	const struct engine_decision *d;
	struct engine_decisions ds;

	(void)state;
	/* reject */
	decide_ok(p, l, &ds);
	d = find_dec(&ds, 1, 0, FAM4);
	assert_int_equal(d->kind, ENGINE_DEC_REJECT);
	assert_int_equal(d->why, ENGINE_WHY_NO_CANDIDATE);
	assert_int_equal(d->n_set, 0);
	assert_int_equal(d->via_tenant, 1);
	assert_int_equal(d->via_task, 0);
	d = find_dec(&ds, 2, 1, FAM4);
	assert_int_equal(d->why, ENGINE_WHY_CHOSEN);
	assert_int_equal(d->n_set, 3);
	engine_decisions_free(&ds);

	/* fallback to (tenant 2, task 1), under tenant 1's own constraints */
	p->tenants[1].action = POLICY_FALLBACK;
	p->tenants[1].fallback_tenant = 2;
	p->tenants[1].fallback_task = 1;
	decide_ok(p, l, &ds);
	d = find_dec(&ds, 1, 0, FAM4);
	assert_int_equal(d->kind, ENGINE_DEC_TABLE);
	assert_int_equal(d->why, ENGINE_WHY_FALLBACK);
	assert_int_equal(d->via_tenant, 2);
	assert_int_equal(d->via_task, 1);
	assert_int_equal(d->n_set, 1);
	assert_int_equal(d->set[0].backend, 1); /* not 2 (region) nor 3 (tier) */
	assert_int_equal(d->set[0].weight, SCALE);
	engine_decisions_free(&ds);

	/* the fallback class's constraints apply too */
	p->tenants[2].max_cost = 0.5; /* model 1 costs 1 */
	decide_ok(p, l, &ds);
	d = find_dec(&ds, 1, 0, FAM4);
	assert_int_equal(d->kind, ENGINE_DEC_REJECT);
	assert_int_equal(d->n_set, 0);
	engine_decisions_free(&ds);
	p->tenants[2].max_cost = -1;

	/* fallback whose class has nothing under the original's constraints */
	p->backends[1].safety_tier = 1;
	decide_ok(p, l, &ds);
	d = find_dec(&ds, 1, 0, FAM4);
	assert_int_equal(d->kind, ENGINE_DEC_REJECT);
	assert_int_equal(d->why, ENGINE_WHY_NO_CANDIDATE);
	assert_int_equal(d->n_set, 0);
	engine_decisions_free(&ds);
	p->backends[1].safety_tier = 3;

	/* a fallback cycle 1 -> 2 -> 1 with no candidates anywhere terminates */
	p->tenants[1].fallback_task = 0;
	p->tenants[2].action = POLICY_FALLBACK;
	p->tenants[2].fallback_tenant = 1;
	p->tenants[2].fallback_task = 0;
	p->tenants[2].min_safety_tier = 9;
	decide_ok(p, l, &ds);
	assert_int_equal(find_dec(&ds, 1, 0, FAM4)->kind, ENGINE_DEC_REJECT);
	assert_int_equal(find_dec(&ds, 2, 0, FAM4)->kind, ENGINE_DEC_REJECT);
	assert_int_equal(find_dec(&ds, 1, 0, FAM4)->why, ENGINE_WHY_NO_CANDIDATE);
	engine_decisions_free(&ds);

	/* a self-loop too */
	p->tenants[1].fallback_tenant = 1;
	decide_ok(p, l, &ds);
	assert_int_equal(find_dec(&ds, 1, 0, FAM4)->kind, ENGINE_DEC_REJECT);
	engine_decisions_free(&ds);

	/* a chain of two hops: 1 -> 0 (nothing) -> 2 (task 1) */
	p->tenants[2].action = POLICY_REJECT;
	p->tenants[2].min_safety_tier = 0;
	p->tenants[1].fallback_tenant = 0;
	p->tenants[1].fallback_task = 0;
	p->tenants[0].action = POLICY_FALLBACK;
	p->tenants[0].fallback_tenant = 2;
	p->tenants[0].fallback_task = 1;
	decide_ok(p, l, &ds);
	d = find_dec(&ds, 1, 0, FAM4);
	assert_int_equal(d->why, ENGINE_WHY_FALLBACK);
	assert_int_equal(d->via_tenant, 2);
	assert_int_equal(d->via_task, 1);
	assert_int_equal(d->n_set, 1);
	assert_int_equal(d->set[0].backend, 1);
	engine_decisions_free(&ds);

	free(l);
	fixture_policy_free(p);
}

/* ---- 8. health, drain, exclusion reasons, names ------------------------- */

static void test_health(void **state)
{
	struct policy *p = policy_simple(4);
	struct engine_live *l = live_new(4);
	const struct engine_decision *d;
	struct engine_decisions ds;
	int e;

	(void)state;
	assert_int_equal(engine_exclusion(p, l, 0, 0, FAM4, 0), ENGINE_EXCL_NONE);
	l[0].admin_state = STEER_BACKEND_DOWN;
	l[1].healthy = false; /* health_known: failing */
	l[2].admin_state = STEER_BACKEND_DRAINING;
	l[3].health_known = false; /* no verdict yet: still a candidate */
	l[3].healthy = false;
	assert_int_equal(engine_exclusion(p, l, 0, 0, FAM4, 0), ENGINE_EXCL_DOWN);
	assert_int_equal(engine_exclusion(p, l, 0, 0, FAM4, 1), ENGINE_EXCL_DOWN);
	assert_int_equal(engine_exclusion(p, l, 0, 0, FAM4, 2), ENGINE_EXCL_DRAINING);
	assert_int_equal(engine_exclusion(p, l, 0, 0, FAM4, 3), ENGINE_EXCL_NONE);
	decide_ok(p, l, &ds);
	d = find_dec(&ds, 0, 0, FAM4);
	assert_int_equal(d->n_set, 1);
	assert_int_equal(d->set[0].backend, 3);
	engine_decisions_free(&ds);

	/* all out: nothing qualifies */
	l[3].health_known = true;
	decide_ok(p, l, &ds);
	d = find_dec(&ds, 0, 0, FAM4);
	assert_int_equal(d->kind, ENGINE_DEC_REJECT);
	assert_int_equal(d->why, ENGINE_WHY_NO_CANDIDATE);
	engine_decisions_free(&ds);

	/* recovered */
	l[0].admin_state = STEER_BACKEND_ACTIVE;
	l[1].healthy = true;
	decide_ok(p, l, &ds);
	assert_int_equal(find_dec(&ds, 0, 0, FAM4)->n_set, 2);
	engine_decisions_free(&ds);

	/* hard constraints, each with its reason */
	l[0].admin_state = STEER_BACKEND_UNUSED;
	assert_int_equal(engine_exclusion(p, l, 0, 0, FAM4, 0), ENGINE_EXCL_DOWN);
	assert_int_equal(engine_exclusion(p, l, 0, 0, FAM6, 1), ENGINE_EXCL_FAMILY);
	p->tenants[0].min_safety_tier = 2;
	assert_int_equal(engine_exclusion(p, l, 0, 0, FAM4, 1), ENGINE_EXCL_SAFETY);
	p->tenants[0].min_safety_tier = 1;
	tenant_region(&p->tenants[0], "us");
	assert_int_equal(engine_exclusion(p, l, 0, 0, FAM4, 1), ENGINE_EXCL_REGION);
	tenant_region(&p->tenants[0], "eu");
	assert_int_equal(engine_exclusion(p, l, 0, 0, FAM4, 1), ENGINE_EXCL_NONE);
	p->tenants[0].max_cost = 0.5;
	assert_int_equal(engine_exclusion(p, l, 0, 0, FAM4, 1), ENGINE_EXCL_COST);
	p->tenants[0].max_cost = 1; /* equal to the cost: allowed */
	assert_int_equal(engine_exclusion(p, l, 0, 0, FAM4, 1), ENGINE_EXCL_NONE);
	p->tenants[0].min_quality = 0.85;
	assert_int_equal(engine_exclusion(p, l, 0, 0, FAM4, 1), ENGINE_EXCL_QUALITY);
	p->tenants[0].min_quality = 0;
	p->models[0].serves[0] = false;
	assert_int_equal(engine_exclusion(p, l, 0, 0, FAM4, 1), ENGINE_EXCL_TASK);
	assert_int_equal(engine_exclusion(p, l, 0, 5, FAM4, 1), ENGINE_EXCL_TASK);
	/* a constraint is never traded for load: an idle excluded backend stays out */
	p->models[0].serves[0] = true;
	p->tenants[0].min_safety_tier = 2;
	p->backends[2].safety_tier = 2;
	l[2].admin_state = STEER_BACKEND_ACTIVE;
	live_busy(&l[1], 99, 0);
	live_busy(&l[3], 99, 0);
	decide_ok(p, l, &ds);
	d = find_dec(&ds, 0, 0, FAM4);
	assert_int_equal(d->n_set, 1);
	assert_int_equal(d->set[0].backend, 2);
	engine_decisions_free(&ds);

	/* names */
	assert_string_equal(engine_excl_name(ENGINE_EXCL_NONE), "candidate");
	assert_string_equal(engine_excl_name(ENGINE_EXCL_TASK), "task");
	assert_string_equal(engine_excl_name(ENGINE_EXCL_FAMILY), "family");
	assert_string_equal(engine_excl_name(ENGINE_EXCL_SAFETY), "safety");
	assert_string_equal(engine_excl_name(ENGINE_EXCL_REGION), "region");
	assert_string_equal(engine_excl_name(ENGINE_EXCL_COST), "cost");
	assert_string_equal(engine_excl_name(ENGINE_EXCL_QUALITY), "quality");
	assert_string_equal(engine_excl_name(ENGINE_EXCL_DOWN), "down");
	assert_string_equal(engine_excl_name(ENGINE_EXCL_DRAINING), "draining");
	assert_string_equal(engine_excl_name(ENGINE_EXCL_SATURATED), "saturated");
	assert_string_equal(engine_excl_name(ENGINE_EXCL_MODEL), "model");
	assert_string_equal(engine_excl_name(ENGINE_EXCL__MAX), "unknown");
	assert_string_equal(engine_excl_name((enum engine_excl)1000), "unknown");
	for (e = 0; e < ENGINE_EXCL__MAX; e++)
		assert_non_null(engine_excl_name((enum engine_excl)e));
	assert_string_equal(engine_why_name(ENGINE_WHY_CHOSEN), "chosen");
	assert_string_equal(engine_why_name(ENGINE_WHY_FALLBACK), "fallback");
	assert_string_equal(engine_why_name(ENGINE_WHY_NO_CANDIDATE), "no_candidate");
	assert_string_equal(engine_why_name(ENGINE_WHY_SHED), "shed");
	assert_string_equal(engine_why_name((enum engine_dec_why)99), "unknown");

	free(l);
	fixture_policy_free(p);
}

/* Families are decided apart: an IPv6 service gets IPv6 backends only. */
static void test_families(void **state)
{
	struct policy *p = policy_simple(4);
	struct engine_live *l = live_new(4);
	const struct engine_decision *d4, *d6;
	struct engine_decisions ds;

	(void)state;
	p->backends[1].family = p->backends[3].family = FAM6;
	p->n_services = 1;
	free(p->services);
	p->services = xcalloc(2, sizeof(*p->services));
	p->n_services = 2;
	p->services[0].family = FAM4;
	p->services[1].family = FAM6;
	p->services[1].port = 1;
	decide_ok(p, l, &ds);
	assert_int_equal(ds.n, 2);
	d4 = &ds.d[0];
	d6 = &ds.d[1];
	assert_int_equal(d4->family, FAM4);
	assert_int_equal(d6->family, FAM6);
	assert_int_equal(d4->n_set, 2);
	assert_int_equal(d6->n_set, 2);
	assert_int_equal(d4->set[0].backend, 0);
	assert_int_equal(d4->set[1].backend, 2);
	assert_int_equal(d6->set[0].backend, 1);
	assert_int_equal(d6->set[1].backend, 3);
	engine_decisions_free(&ds);

	/* no service: no decision */
	p->n_services = 0;
	decide_ok(p, l, &ds);
	assert_int_equal(ds.n, 0);
	engine_decisions_free(&ds);

	free(l);
	fixture_policy_free(p);
}

/* Sets are sorted by backend id, whatever the order of policy.backends. */
static void test_set_order(void **state)
{
	struct policy *p = policy_simple(5);
	struct engine_live *l = live_new(5);
	const struct engine_decision *d;
	struct engine_decisions ds;
	size_t i;

	(void)state;
	for (i = 0; i < 5; i++)
		p->backends[i].id = (uint32_t)(50 - 10 * i); /* 50, 40, ..., 10 */
	live_busy(&l[3], 50, 0);
	decide_ok(p, l, &ds);
	d = find_dec(&ds, 0, 0, FAM4);
	assert_int_equal(d->n_set, 5);
	for (i = 0; i < 5; i++)
		assert_int_equal(d->set[i].backend, 4 - i);
	assert_int_equal(weight_of(d, 3), SCALE / 2);
	engine_decisions_free(&ds);
	free(l);
	fixture_policy_free(p);
}

/*
 * The implicit default tenant (the file has none) refuses everything, even
 * though it has no constraints; a tenant falling back to it rejects too.
 * The same tenant written in the file is served.
 */
static void test_implicit_default_rejects(void **state)
{
	struct policy *p = policy_simple(3);
	struct engine_live *l = live_new(3);
	const struct engine_decision *d;
	struct engine_decisions ds;

	(void)state;
	p->tenants[0].implicit = true;
	decide_ok(p, l, &ds);
	d = find_dec(&ds, 0, 0, FAM4);
	assert_int_equal(d->kind, ENGINE_DEC_REJECT);
	assert_int_equal(d->n_set, 0);
	engine_decisions_free(&ds);
	p->tenants[0].implicit = false;
	decide_ok(p, l, &ds);
	d = find_dec(&ds, 0, 0, FAM4);
	assert_int_equal(d->kind, ENGINE_DEC_TABLE);
	assert_int_equal(d->n_set, 3);
	engine_decisions_free(&ds);
	free(l);
	fixture_policy_free(p);
}

/*
 * A backend of capacity 0 (engine_backend_spare treats it as 1, so the
 * engine expects it) must not take the rest of its class down: backend 2
 * (capacity 10, healthy, meets every constraint) qualifies, so the class
 * has a table (DESIGN.md "Decisions" 1 and 4: the action is for when
 * nothing qualifies). Model 0, on capacity-0 backends only, scores best.
 */
static void test_zero_capacity(void **state)
{
	struct policy *p = policy_two_models(0.95, 1, 0.8, 1);
	struct engine_live *l = live_new(4);
	const struct engine_decision *d;
	struct engine_decisions ds;
	char msg[256] = "";
	size_t i;

	(void)state;
	p->backends[0].capacity = 0;
	p->backends[1].capacity = 0;
	p->backends[2].capacity = 10;
	l[3].admin_state = STEER_BACKEND_DOWN;
	for (i = 0; i < 3; i++)
		l[i].has_running = l[i].has_waiting = false; /* load unknown */
	assert_int_equal(engine_exclusion(p, l, 0, 0, FAM4, 2), ENGINE_EXCL_NONE);
	decide_ok(p, l, &ds);
	d = find_dec(&ds, 0, 0, FAM4);
	if (d->kind != ENGINE_DEC_TABLE || !weight_of(d, 2))
		snprintf(msg, sizeof(msg),
			 "backend 2 qualifies but the class is %s (%s), %zu in set",
			 d->kind == ENGINE_DEC_REJECT ? "REJECT" : "TABLE", engine_why_name(d->why),
			 d->n_set);
	for (i = 0; i < d->n_set && !msg[0]; i++)
		if (d->set[i].weight < 1 || d->set[i].weight > SCALE)
			snprintf(msg, sizeof(msg), "backend %u has weight %u", d->set[i].backend,
				 d->set[i].weight);
	engine_decisions_free(&ds);
	free(l);
	fixture_policy_free(p);
	if (msg[0])
		fail_msg("%s", msg);
}

/* ---- scale -------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void test_scale(void **state)
{
	const size_t n_tenants = 1024, n_tasks = 8, n_backends = 64, n_models = 4;
	struct policy *p = fixture_policy_new(n_tasks, n_models, n_backends, n_tenants, 2 * n_tasks);
	struct engine_live *l = live_new(n_backends);
	struct engine_decisions ds;
	struct timespec t0, t1;
	uint64_t s = 42;
	size_t i, k, r;
	double ms[5];

	(void)state;
	for (i = 0; i < n_models; i++) {
		p->models[i].cost = 1 + (double)i * 3;
		for (k = 0; k < n_tasks; k++)
			model_serves(p, (uint32_t)i, (uint32_t)k,
				     0.5 + 0.1 * (double)((i + k) % 5));
	}
	for (i = 0; i < n_backends; i++) {
		p->backends[i].model = (uint32_t)(i % n_models);
		p->backends[i].family = i % 2 ? FAM6 : FAM4;
		strcpy(p->backends[i].region, regions[i % 4]);
		p->backends[i].safety_tier = (uint32_t)(i % 3);
		live_busy(&l[i], rndf(&s) * 100, 0);
		l[i].latency_ms = 5 + rndf(&s) * 50;
	}
	for (i = 0; i < n_tenants; i++) {
		struct policy_tenant *t = &p->tenants[i];

		t->priority = (uint32_t)(i % 7);
		t->min_safety_tier = (uint32_t)(i % 3);
		if (i % 5 == 1)
			tenant_region(t, regions[i % 4]);
		if (i % 4 == 3)
			t->max_cost = 5;
		if (i % 6 == 5) {
			t->action = POLICY_FALLBACK;
			t->fallback_tenant = 0;
			t->fallback_task = (uint32_t)(i % n_tasks);
		}
	}
	for (i = 0; i < 2 * n_tasks; i++) {
		p->services[i].task = (uint32_t)(i / 2);
		p->services[i].family = i % 2 ? FAM6 : FAM4;
	}
	for (r = 0; r < 5; r++) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		decide_ok(p, l, &ds);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ms[r] = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
			(double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
		if (r < 4)
			engine_decisions_free(&ds);
	}
	qsort(ms, 5, sizeof(ms[0]), cmp_double);
	printf("decide 1024x8x64: %.1f ms (median of 5, min %.1f, max %.1f; %zu classes)\n", ms[2],
	       ms[0], ms[4], ds.n);
	assert_int_equal(ds.n, n_tenants * n_tasks * 2);
	engine_decisions_free(&ds);
	free(l);
	fixture_policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_properties),
		cmocka_unit_test(test_determinism),
		cmocka_unit_test(test_weights_spare),
		cmocka_unit_test(test_model_spillover),
		cmocka_unit_test(test_cost),
		cmocka_unit_test(test_shedding),
		cmocka_unit_test(test_shed_fallback_keeps_off_shed_backends),
		cmocka_unit_test(test_no_candidate),
		cmocka_unit_test(test_health),
		cmocka_unit_test(test_families),
		cmocka_unit_test(test_set_order),
		cmocka_unit_test(test_zero_capacity),
		cmocka_unit_test(test_implicit_default_rejects),
		cmocka_unit_test(test_scale),
	};

	return cmocka_run_group_tests_name("decide", tests, NULL, NULL);
}
