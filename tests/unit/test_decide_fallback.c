// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Unit tests of the decision engine when a class has no candidate
 * (decide.c, DESIGN.md "Decisions"): reject, fallback chains under both
 * classes' constraints, cycles, and the implicit default tenant.
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_candidate),
		cmocka_unit_test(test_implicit_default_rejects),
	};

	return cmocka_run_group_tests_name("decide_fallback", tests, NULL, NULL);
}
