// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Unit tests of who is a candidate in the decision engine (decide.c,
 * DESIGN.md "Decisions"): health, drain, hard constraints with their
 * exclusion reasons and names, and a backend of capacity 0.
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

/*
 * A backend added to a running steerd (awaiting its first health verdict)
 * gets no new flows, but is not marked down in the data plane; its first
 * verdict ends the wait.
 */
static void test_awaiting_first_probe(void **state)
{
	struct policy *p = policy_simple(2);
	struct engine_live *l = live_new(2);
	const struct engine_decision *d;
	struct engine_decisions ds;

	(void)state;
	l[1].health_known = false;
	l[1].healthy = false;
	l[1].awaiting_health = true;
	assert_int_equal(engine_exclusion(p, l, 0, 0, FAM4, 1), ENGINE_EXCL_DOWN);
	assert_int_equal(engine_backend_state(&l[1]), STEER_BACKEND_ACTIVE);
	decide_ok(p, l, &ds);
	d = find_dec(&ds, 0, 0, FAM4);
	assert_int_equal(d->n_set, 1);
	assert_int_equal(d->set[0].backend, 0);
	engine_decisions_free(&ds);

	/* its first probe succeeded (steerd clears the wait with the verdict) */
	l[1].health_known = true;
	l[1].healthy = true;
	l[1].awaiting_health = false;
	assert_int_equal(engine_exclusion(p, l, 0, 0, FAM4, 1), ENGINE_EXCL_NONE);
	decide_ok(p, l, &ds);
	assert_int_equal(find_dec(&ds, 0, 0, FAM4)->n_set, 2);
	engine_decisions_free(&ds);
	free(l);
	fixture_policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_health),
		cmocka_unit_test(test_awaiting_first_probe),
		cmocka_unit_test(test_zero_capacity),
	};

	return cmocka_run_group_tests_name("decide_health", tests, NULL, NULL);
}
