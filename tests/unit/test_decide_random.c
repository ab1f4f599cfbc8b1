// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Unit tests of the decision engine (decide.c, DESIGN.md "Decisions") over
 * randomised policies: hard constraints are never broken, weights and sets
 * are well formed, every needed class has one decision; and determinism.
 * The constraint checks here are an oracle written from DESIGN.md, not
 * calls into the engine.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/util.h"
#include "fixture_decide.h"

#define N_SEEDS		200

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

/* Usable but for its load (a saturated backend still qualifies: load alone
 * never makes a class go dark, it spreads by capacity instead). */
static bool oracle_state_ok_noload(const struct engine_live *l)
{
	return l->admin_state == STEER_BACKEND_ACTIVE && !(l->health_known && !l->healthy);
}

static bool oracle_candidate_noload(const struct policy *p, const struct engine_live *live,
				    uint32_t tenant, uint32_t task, uint8_t family, uint32_t bi)
{
	const struct policy_backend *b = &p->backends[bi];

	return b->family == family && oracle_constraints_ok(p, tenant, task, b) &&
	       oracle_state_ok_noload(&live[bi]);
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
		if (oracle_candidate_noload(p, live, tenant, task, family, i))
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
	assert_true(d->why == ENGINE_WHY_CHOSEN || d->why == ENGINE_WHY_FALLBACK ||
		    d->why == ENGINE_WHY_SATURATED);
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
		assert_in_range(e->weight, 0, SCALE);
		/* a standby (no slots) is full by its probe, in a set that is
		 * not spread by capacity */
		if (!e->weight)
			assert_int_not_equal(d->why, ENGINE_WHY_SATURATED);
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
	size_t i, n_full = 0;

	check_set_wellformed(p, d);
	assert_true(d->utilisation >= 0 && d->utilisation <= 1);
	if (d->why == ENGINE_WHY_CHOSEN || d->why == ENGINE_WHY_SATURATED) {
		assert_int_equal(d->via_tenant, d->tenant);
		assert_int_equal(d->via_task, d->task);
	}
	/* spread by capacity only when every candidate is saturated */
	if (d->why == ENGINE_WHY_SATURATED)
		for (i = 0; i < p->n_backends; i++)
			if (oracle_candidate_noload(p, live, d->tenant, d->task, d->family,
						    (uint32_t)i))
				assert_false(oracle_state_ok(&p->backends[i], &live[i]));
	if (d->why == ENGINE_WHY_FALLBACK)
		assert_true(on_fallback_chain(p, d->tenant, d->via_tenant, d->via_task));
	/* the tenant's own candidates are used unless it was shed */
	if (own) {
		assert_int_not_equal(d->why, ENGINE_WHY_NO_CANDIDATE);
		if (d->why != ENGINE_WHY_CHOSEN)
			assert_true(d->utilisation >= ENGINE_SHED_UTIL);
	} else {
		assert_int_not_equal(d->why, ENGINE_WHY_CHOSEN);
		assert_int_not_equal(d->why, ENGINE_WHY_SATURATED);
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
		assert_true(oracle_state_ok_noload(&live[bi]));
		/* serves the task decided, under the class tenant's constraints ... */
		assert_true(oracle_constraints_ok(p, d->tenant, d->via_task, b));
		/* ... and under those of the class it fell back to */
		assert_true(oracle_constraints_ok(p, d->via_tenant, d->via_task, b));
		if (!d->set[i].weight) { /* a standby: full, else usable */
			assert_false(oracle_state_ok(b, &live[bi]));
			continue;
		}
		if (d->why == ENGINE_WHY_CHOSEN)
			assert_true(oracle_state_ok(b, &live[bi]));
		n_full += !oracle_state_ok(b, &live[bi]);
	}
	/* saturated backends only in a set spread by capacity: all of them then */
	assert_true(n_full == 0 || n_full == n_weighted(d));
	if (d->why == ENGINE_WHY_SATURATED)
		assert_int_equal(n_full, d->n_set);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_properties),
		cmocka_unit_test(test_determinism),
	};

	return cmocka_run_group_tests_name("decide_random", tests, NULL, NULL);
}
