// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The time of a large decision round (decide.c): 1024 tenants, 8 tasks,
 * 64 backends, both families.
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
#include "fixture_decide.h"

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
		cmocka_unit_test(test_scale),
	};

	return cmocka_run_group_tests_name("decide_scale", tests, NULL, NULL);
}
