// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Unit tests of the policy parser on the example file (examples/policy.yaml):
 * field by field, and loaded twice to the same bytes (deterministic ids).
 * Run from the repository root.
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

/* ---- the example ---- */

static void check_example_backends(const struct policy *p)
{
	const struct policy_backend *b = &p->backends[0];
	static const char *const order[] = { "be-llama-1", "be-chitu", "be-embed", "be-llama-2",
					     "be-qwen" };
	size_t i;

	assert_int_equal(p->n_backends, 5);
	for (i = 0; i < 5; i++) {
		assert_string_equal(p->backends[i].name, order[i]);
		assert_int_equal(p->backends[i].id, i + 1);
	}
	assert_memory_equal(b->addr, ((uint8_t[16]){ 198, 18, 1, 10 }), 16);
	assert_int_equal(b->family, STEER_AF_INET);
	assert_int_equal(b->port, 8000);
	assert_int_equal(b->model, 0);
	assert_string_equal(b->provider, "selfhost");
	assert_string_equal(b->region, "eu");
	assert_int_equal(b->safety_tier, 3);
	assert_int_equal(b->capacity, 16);
	assert_string_equal(b->health_url, "http://198.18.1.10:8000/health");
	assert_string_equal(b->metrics_url, "http://198.18.1.10:8000/metrics");
	assert_int_equal(b->profile, POLICY_METRICS_VLLM);
	assert_string_equal(b->metrics.kv_usage_alt, "vllm:gpu_cache_usage_perc");
	assert_int_equal(b->state, STEER_BACKEND_ACTIVE);
	b = &p->backends[1];	/* be-chitu */
	assert_int_equal(b->profile, POLICY_METRICS_CHITU);
	assert_string_equal(b->metrics.in_flight, "handle_reqs");
	assert_string_equal(b->metrics_url, "https://198.18.1.30:8443/load_status");
	assert_int_equal(b->model, 1);
	b = &p->backends[2];	/* be-embed */
	assert_int_equal(b->profile, POLICY_METRICS_CUSTOM);
	assert_string_equal(b->metrics.waiting, "queue_depth");
	assert_string_equal(b->metrics.running, "inflight");
	assert_string_equal(b->metrics.kv_usage, "cache_fill");
	assert_string_equal(b->metrics.kv_usage_alt, "cache_fill_v0");
	assert_int_equal(b->state, STEER_BACKEND_DOWN);
	b = &p->backends[3];	/* be-llama-2 */
	assert_int_equal(b->family, STEER_AF_INET6);
	assert_int_equal(b->safety_tier, 0);
	assert_string_equal(b->health_url, "");
	assert_int_equal(b->profile, POLICY_METRICS_VLLM);
	assert_int_equal(b->state, STEER_BACKEND_DRAINING);
	assert_int_equal(p->backends[4].profile, POLICY_METRICS_SGLANG);
	assert_string_equal(p->backends[4].metrics.kv_usage, "sglang:token_usage");
}

static void check_example_tenants(const struct policy *p)
{
	const struct policy_tenant *t;

	assert_int_equal(p->n_tenants, 3);
	t = &p->tenants[0];
	assert_string_equal(t->name, "default");
	assert_int_equal(t->id, 0);
	assert_int_equal(t->n_prefixes, 0);
	assert_int_equal(t->action, POLICY_FALLBACK);
	assert_int_equal(t->fallback_tenant, 2);	/* acme, after sorting by id */
	assert_int_equal(t->fallback_task, 0);
	t = &p->tenants[1];
	assert_string_equal(t->name, "beta");
	assert_int_equal(t->id, 1);
	assert_int_equal(t->n_prefixes, 2);
	assert_int_equal(t->prefixes[0].len, 23);
	assert_int_equal(t->prefixes[1].len, 32);
	assert_memory_equal(t->prefixes[1].addr, ((uint8_t[16]){ 198, 18, 4, 7 }), 16);
	assert_int_equal(t->rate, 50);
	assert_int_equal(t->burst, 50);
	assert_int_equal(t->max_conns, 0);
	assert_true(t->max_cost < 0);
	assert_int_equal(t->fallback_tenant, 0);
	t = &p->tenants[2];
	assert_string_equal(t->name, "acme");
	assert_int_equal(t->id, 7);
	assert_int_equal(t->n_prefixes, 2);
	assert_int_equal(t->prefixes[0].family, STEER_AF_INET);
	assert_memory_equal(t->prefixes[0].addr, ((uint8_t[16]){ 198, 18, 0, 0 }), 16);
	assert_int_equal(t->prefixes[0].len, 24);
	assert_int_equal(t->prefixes[1].family, STEER_AF_INET6);
	assert_memory_equal(t->prefixes[1].addr, ((uint8_t[16]){ 0xfd }), 16);
	assert_int_equal(t->prefixes[1].len, 64);
	assert_int_equal(t->min_safety_tier, 2);
	assert_int_equal(t->n_regions, 2);
	assert_string_equal(t->regions[0], "eu");
	assert_string_equal(t->regions[1], "us");
	assert_true(t->max_cost == 1.0 && t->min_quality == 0.5);
	assert_int_equal(t->priority, 10);
	assert_int_equal(t->rate, 100);
	assert_int_equal(t->burst, 200);
	assert_int_equal(t->max_conns, 1000);
	assert_int_equal(t->action, POLICY_REJECT);
}

static void check_example_items(const struct policy *p)
{
	const struct policy_service *s = p->services;
	const struct policy_model *m = p->models;

	assert_int_equal(p->n_tasks, 3);
	assert_string_equal(p->tasks[0].name, "chat");
	assert_string_equal(p->tasks[1].name, "code");
	assert_string_equal(p->tasks[2].name, "embed");
	assert_int_equal(p->tasks[2].id, 5);
	assert_int_equal(p->n_models, 3);
	assert_string_equal(m[0].name, "llama-70b");
	assert_true(m[0].cost == 0.9 && m[0].quality[0] == 0.9 && m[0].quality[1] == 0.8);
	assert_true(m[0].serves[0] && m[0].serves[1] && !m[0].serves[5]);
	assert_true(m[2].serves[5] && !m[2].serves[0] && m[2].quality[5] == 0.9);
	assert_true(m[2].cost == 0.01);
	assert_int_equal(p->n_services, 3);
	assert_string_equal(s[0].name, "chat-v4");
	assert_memory_equal(s[0].addr, ((uint8_t[16]){ 198, 18, 100, 1 }), 16);
	assert_int_equal(s[0].family, STEER_AF_INET);
	assert_int_equal(s[0].port, 80);
	assert_int_equal(s[0].proto, STEER_PROTO_TCP);
	assert_int_equal(s[0].task, 0);
	assert_int_equal(s[1].family, STEER_AF_INET6);
	assert_memory_equal(s[1].addr, ((uint8_t[16]){ 0xfd, 0, 1, 0, [15] = 1 }), 16);
	assert_int_equal(s[1].task, 1);
	assert_int_equal(s[1].id, 1);
	assert_int_equal(s[2].proto, STEER_PROTO_UDP);
	assert_int_equal(s[2].task, 5);
}

static void test_example(void **state)
{
	const struct policy *p = &pol;
	int rc;

	(void)state;
	policy_free(&pol);
	rc = policy_load(EXAMPLE, &pol, &errs);
	if (rc)
		dump_errors();
	assert_int_equal(rc, 0);
	assert_string_equal(p->path, EXAMPLE);
	assert_int_equal(p->probe_interval_ms, 500);
	assert_int_equal(p->probe_timeout_ms, 300);
	assert_int_equal(p->staleness_ms, 2000);
	assert_int_equal(p->health_rise, 2);
	assert_int_equal(p->health_fall, 3);
	assert_true(p->hysteresis == 0.05);
	assert_int_equal(p->maglev_size, 16381);
	assert_int_equal(p->hash_seed, 0x5eed);
	assert_int_equal(p->udp_idle_ms, 30000);
	assert_int_equal(p->n_xdp_ifaces, 1);
	assert_string_equal(p->xdp_ifaces[0], "eth0");
	assert_int_equal(p->n_tc_ifaces, 1);
	assert_string_equal(p->tc_ifaces[0], "eth1");
	assert_false(p->xdp_generic);
	assert_int_equal(p->tc_mode, 0); /* auto */
	assert_true(p->objective.quality == 1.0 && p->objective.cost == 0.5);
	assert_true(p->objective.load == 0.5 && p->objective.margin == 0.1);
	assert_true(p->objective.latency == 0.2);
	check_example_items(p);
	check_example_backends(p);
	check_example_tenants(p);
}

static void test_deterministic(void **state)
{
	struct policy a;
	size_t i;

	(void)state;
	assert_int_equal(policy_load(EXAMPLE, &a, &errs), 0);
	policy_free(&pol);
	assert_int_equal(policy_load(EXAMPLE, &pol, &errs), 0);
	assert_memory_equal(a.backends, pol.backends, a.n_backends * sizeof(*a.backends));
	assert_memory_equal(a.tasks, pol.tasks, a.n_tasks * sizeof(*a.tasks));
	assert_memory_equal(a.models, pol.models, a.n_models * sizeof(*a.models));
	assert_memory_equal(a.services, pol.services, a.n_services * sizeof(*a.services));
	for (i = 0; i < a.n_tenants; i++) {
		struct policy_prefix *own = a.tenants[i].prefixes;

		assert_memory_equal(own, pol.tenants[i].prefixes,
				    a.tenants[i].n_prefixes * sizeof(*own));
		a.tenants[i].prefixes = pol.tenants[i].prefixes;
		assert_memory_equal(&a.tenants[i], &pol.tenants[i], sizeof(a.tenants[i]));
		a.tenants[i].prefixes = own;
	}
	policy_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example),
		cmocka_unit_test(test_deterministic),
	};

	return cmocka_run_group_tests_name("policy_example", tests, NULL, pol_teardown);
}
