// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Unit tests of the policy parser's defaults (settings, objective,
 * backends, the implicit default tenant, derived timing) and of the ids it
 * gives backends, tenants and tasks, whatever their order in the file.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/util.h"
#include "fixture_policy.h"

/* ---- defaults, ids ---- */

static void test_defaults(void **state)
{
	const struct policy_backend *b;
	const struct policy_tenant *t;

	(void)state;
	load_ok(BASE_BE);
	assert_int_equal(pol.probe_interval_ms, 500);
	assert_int_equal(pol.probe_timeout_ms, 500);
	assert_int_equal(pol.staleness_ms, 2000);
	assert_int_equal(pol.health_rise, 2);
	assert_int_equal(pol.health_fall, 2);
	assert_true(pol.hysteresis == 0.05);
	assert_int_equal(pol.maglev_size, STEER_MAGLEV_DEFAULT);
	assert_int_equal(pol.hash_seed, 1);
	assert_int_equal(pol.udp_idle_ms, 30000);
	assert_int_equal(pol.n_xdp_ifaces + pol.n_tc_ifaces, 0);
	assert_true(pol.objective.quality == 1.0 && pol.objective.cost == 0.5 &&
		    pol.objective.load == 0.5 && pol.objective.margin == 0.1 &&
		    pol.objective.latency == 0.2);
	assert_int_equal(pol.services[0].proto, STEER_PROTO_TCP);
	b = &pol.backends[0];
	assert_int_equal(b->id, 1);
	assert_int_equal(b->state, STEER_BACKEND_ACTIVE);
	assert_int_equal(b->safety_tier, 0);
	assert_int_equal(b->profile, POLICY_METRICS_NONE);
	assert_string_equal(b->metrics.waiting, "");
	assert_int_equal(pol.n_tenants, 1);	/* implicit default */
	t = &pol.tenants[0];
	assert_string_equal(t->name, "default");
	assert_int_equal(t->id, 0);
	assert_int_equal(t->action, POLICY_REJECT);
	assert_true(t->implicit);	/* refuses everything (decide.c) */
	assert_int_equal(t->n_prefixes, 0);
	assert_true(t->max_cost < 0 && t->min_quality == 0);
	assert_int_equal(t->rate + t->burst + t->max_conns + t->priority + t->min_safety_tier, 0);
	assert_int_equal(t->n_regions, 0);
	/* derived timing */
	load_ok(BASE "settings: {probe_interval_ms: 2000}\n");
	assert_int_equal(pol.probe_timeout_ms, 1000);
	assert_int_equal(pol.staleness_ms, 8000);
	load_ok(BASE "settings: {probe_interval_ms: 100}\n");
	assert_int_equal(pol.probe_timeout_ms, 100);
	assert_int_equal(pol.staleness_ms, 400);
	/* a metrics URL alone means vLLM */
	load_ok(BASE "backends:\n" BE_HEAD ", capacity: 1, metrics_url: http://x/m}\n");
	assert_int_equal(pol.backends[0].profile, POLICY_METRICS_VLLM);
	assert_string_equal(pol.backends[0].metrics.waiting, "vllm:num_requests_waiting");
	/* empty optional sections */
	load_ok(BASE "settings:\ninterfaces:\nobjective:\nbackends:\ntenants:\n");
	assert_int_equal(pol.n_backends, 0);
	assert_int_equal(pol.n_tenants, 1);
}

/* Backends named names[order[i]], ids given where ids[order[i]] != 0. */
static void load_backends(const char *const *names, const unsigned int *ids,
			  const unsigned int *order, size_t n)
{
	char *yaml = malloc(65536), *o = yaml;
	size_t i, k;

	assert_non_null(yaml);
	o += sprintf(o, BASE "backends:\n");
	for (i = 0; i < n; i++) {
		k = order[i];
		o += sprintf(o, "  - {name: %s, address: 198.18.1.%zu, port: 80, model: m1, "
			     "provider: p, region: r, capacity: 1", names[k], k + 1);
		o += ids[k] ? sprintf(o, ", id: %u}\n", ids[k]) : sprintf(o, "}\n");
	}
	load_ok(yaml);
	free(yaml);
}

static void test_backend_ids(void **state)
{
	static const char *const names[] = { "zeta", "alpha", "mid", "beta", "omega" };
	static const unsigned int ids[] = { 0, 0, 1, 0, 3 };
	static const unsigned int want[] = { 5, 2, 1, 4, 3 }; /* alpha 2, beta 4, zeta 5 */
	static const unsigned int orders[][5] = { { 0, 1, 2, 3, 4 }, { 4, 3, 2, 1, 0 },
						  { 2, 0, 4, 1, 3 } };
	size_t o, k;
	int i;

	(void)state;
	for (o = 0; o < 3; o++) {
		load_backends(names, ids, orders[o], 5);
		for (k = 0; k < 5; k++) {
			i = policy_backend_by_name(&pol, names[k]);
			assert_true(i >= 0);
			assert_int_equal(pol.backends[i].id, want[k]);
			/* sorted by id */
			assert_int_equal(pol.backends[k].id, k + 1);
		}
	}
}

static void test_tenant_ids(void **state)
{
	static const char *yaml = BASE "tenants:\n"
				       "  - {name: zed, prefixes: [198.18.3.0/24]}\n"
				       "  - {name: ann, prefixes: [198.18.1.0/24]}\n"
				       "  - {name: bob, id: 1, prefixes: [198.18.2.0/24]}\n"
				       "  - {name: default, id: 0, action: fallback,"
				       " fallback: {tenant: zed, task: code}}\n";

	(void)state;
	load_ok(yaml);
	assert_int_equal(pol.n_tenants, 4);
	assert_string_equal(pol.tenants[0].name, "default");
	assert_string_equal(pol.tenants[1].name, "bob");
	assert_string_equal(pol.tenants[2].name, "ann");
	assert_string_equal(pol.tenants[3].name, "zed");
	assert_int_equal(pol.tenants[2].id, 2);
	assert_int_equal(pol.tenants[3].id, 3);
	assert_int_equal(pol.tenants[0].fallback_tenant, 3);
	assert_int_equal(pol.tenants[0].fallback_task, 1);
	assert_int_equal(policy_tenant_by_name(&pol, "zed"), 3);
	/* no "default" in the file: one is added, id 0, first after sorting */
	load_ok(BASE "tenants:\n  - {name: a, prefixes: [198.18.0.0/24], action: fallback,"
		     " fallback: {tenant: default, task: chat}}\n");
	assert_int_equal(pol.n_tenants, 2);
	assert_string_equal(pol.tenants[0].name, "default");
	assert_int_equal(pol.tenants[0].action, POLICY_REJECT);
	assert_true(pol.tenants[0].max_cost < 0);
	assert_int_equal(pol.tenants[1].id, 1);
	assert_int_equal(pol.tenants[1].fallback_tenant, 0);
}

static void test_task_ids(void **state)
{
	(void)state;
	load_ok("tasks: [a, {name: b, id: 0}, c, {name: d, id: 15}]\n"
		"models: [{name: m, cost: 0, quality: {d: 0.5, a: 1}}]\n"
		"services: [{name: s, vip: 198.18.100.1, port: 1, task: d}]\n");
	assert_int_equal(pol.n_tasks, 4);
	assert_string_equal(pol.tasks[0].name, "b");
	assert_string_equal(pol.tasks[1].name, "a");
	assert_string_equal(pol.tasks[2].name, "c");
	assert_string_equal(pol.tasks[3].name, "d");
	assert_int_equal(pol.tasks[3].id, 15);
	assert_int_equal(policy_task_by_name(&pol, "a"), 1);
	assert_int_equal(policy_task_by_name(&pol, "d"), 15);
	assert_int_equal(policy_task_by_name(&pol, "x"), -1);
	assert_int_equal(pol.services[0].task, 15);
	assert_true(pol.models[0].serves[15] && pol.models[0].quality[15] == 0.5);
	assert_true(pol.models[0].serves[1] && !pol.models[0].serves[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_backend_ids),
		cmocka_unit_test(test_tenant_ids),
		cmocka_unit_test(test_task_ids),
	};

	return cmocka_run_group_tests_name("policy_ids", tests, NULL, pol_teardown);
}
