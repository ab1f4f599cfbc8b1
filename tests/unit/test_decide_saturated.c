// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Saturation degrades, never blacks out (issue 10): when every candidate
 * of a class is saturated, the class spreads new flows by capacity (the
 * backends queue) instead of losing its table; a backend that is down or
 * forbidden by a constraint stays out even then.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "fixture_decide.h"

static void test_all_saturated_spread_by_capacity(void **state)
{
	struct policy *p = policy_simple(3);
	struct engine_live *l = live_new(3);
	struct engine_decisions ds;
	const struct engine_decision *d;

	(void)state;
	p->backends[0].capacity = 100;
	p->backends[1].capacity = 50;
	p->backends[2].capacity = 100;
	live_busy(&l[0], 100, 5); /* all at or past capacity */
	live_busy(&l[1], 50, 0);
	live_busy(&l[2], 100, 0);
	l[2].healthy = false; /* ... and one down: never in the set */
	decide_ok(p, l, &ds);
	d = find_dec(&ds, 0, 0, FAM4);
	assert_int_equal(d->kind, ENGINE_DEC_TABLE);
	assert_int_equal(d->why, ENGINE_WHY_SATURATED);
	assert_string_equal(engine_why_name(d->why), "saturated");
	assert_int_equal(d->n_set, 2);
	assert_int_equal(weight_of(d, 0), SCALE);		/* capacity 100 */
	assert_int_equal(weight_of(d, 1), SCALE / 2);	/* capacity 50 */
	assert_int_equal(weight_of(d, 2), 0);
	assert_true(d->utilisation >= ENGINE_SHED_UTIL);
	engine_decisions_free(&ds);

	/* one has room again: it takes the new flows alone, as before */
	live_busy(&l[1], 10, 0);
	decide_ok(p, l, &ds);
	d = find_dec(&ds, 0, 0, FAM4);
	assert_int_equal(d->why, ENGINE_WHY_CHOSEN);
	assert_int_equal(n_weighted(d), 1);
	assert_int_equal(weight_of(d, 1), SCALE);
	/* the full one stands by: no slots, in the bound's set; the down one
	 * is not in the set at all */
	assert_true(is_standby(d, 0));
	assert_false(is_standby(d, 2));
	assert_int_equal(d->n_set, 2);
	engine_decisions_free(&ds);
	free(l);
	fixture_policy_free(p);
}

static void test_nothing_qualifies_still_rejects(void **state)
{
	struct policy *p = policy_simple(2);
	struct engine_live *l = live_new(2);
	struct engine_decisions ds;
	const struct engine_decision *d;

	(void)state;
	live_busy(&l[0], 100, 5);
	l[1].healthy = false;
	l[0].healthy = false; /* down, not saturated: nothing qualifies */
	decide_ok(p, l, &ds);
	d = find_dec(&ds, 0, 0, FAM4);
	assert_int_equal(d->kind, ENGINE_DEC_REJECT);
	assert_int_equal(d->why, ENGINE_WHY_NO_CANDIDATE);
	engine_decisions_free(&ds);
	free(l);
	fixture_policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_saturated_spread_by_capacity),
		cmocka_unit_test(test_nothing_qualifies_still_rejects),
	};

	return cmocka_run_group_tests_name("decide_saturated", tests, NULL, NULL);
}
