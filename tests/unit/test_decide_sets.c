// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Unit tests of the decision engine's sets (decide.c, DESIGN.md
 * "Decisions"): families are decided apart, and sets are sorted by
 * backend id.
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_families),
		cmocka_unit_test(test_set_order),
	};

	return cmocka_run_group_tests_name("decide_sets", tests, NULL, NULL);
}
