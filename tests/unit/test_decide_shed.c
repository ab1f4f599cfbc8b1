// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Unit tests of the decision engine's priority shedding (decide.c,
 * DESIGN.md "Decisions": under saturation, lower-priority tenants are shed
 * first), with and without a fallback.
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shedding),
		cmocka_unit_test(test_shed_fallback_keeps_off_shed_backends),
	};

	return cmocka_run_group_tests_name("decide_shed", tests, NULL, NULL);
}
