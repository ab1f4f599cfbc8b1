// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Unit tests of the policy parser: the example file field by field,
 * defaults, deterministic ids, the implicit default tenant, the exact text
 * of every class of error, metric profiles, and a fuzz-ish pass (every
 * truncation of the example, random byte flips) that must never crash or
 * leak and must either accept with no error or reject with at least one.
 * Run from the repository root (examples/policy.yaml is read).
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
#include "policy/policy.h"

#define EXAMPLE "examples/policy.yaml"

static struct policy_errors errs;
static struct policy pol;

static int load(const char *yaml)
{
	policy_free(&pol);
	return policy_load_string("policy.yaml", yaml, strlen(yaml), &pol, &errs);
}

static void dump_errors(void)
{
	char buf[8192];
	size_t i;

	for (i = 0; i < errs.n; i++) {
		policy_error_format(&errs.e[i], buf, sizeof(buf));
		print_message("  got: %s\n", buf);
	}
}

static void load_ok(const char *yaml)
{
	int rc = load(yaml);

	if (rc)
		dump_errors();
	assert_int_equal(rc, 0);
	assert_int_equal(errs.total, 0);
}

static bool is_zeroed(const struct policy *p)
{
	static const struct policy zero;

	return !memcmp(p, &zero, sizeof(zero));
}

/* The load fails and reports exactly want[0..n) (formatted), in order. */
static bool errors_are(const char *yaml, const char *const *want, size_t n)
{
	char buf[8192];
	bool ok = true;
	size_t i;
	int rc;

	rc = load(yaml);
	if (rc != -EINVAL || errs.total != n || !is_zeroed(&pol))
		ok = false;
	for (i = 0; ok && i < n; i++) {
		policy_error_format(&errs.e[i], buf, sizeof(buf));
		ok = !strcmp(buf, want[i]);
	}
	if (!ok) {
		print_message("rc %d, %zu errors; want %zu:\n", rc, errs.total, n);
		for (i = 0; i < n; i++)
			print_message(" want: %s\n", want[i]);
		dump_errors();
	}
	return ok;
}

struct err_case {
	const char *yaml;
	const char *want[5];
};

static void check_cases(const struct err_case *cases, size_t n)
{
	size_t i, k, failed = 0;

	for (i = 0; i < n; i++) {
		for (k = 0; k < 5 && cases[i].want[k]; k++)
			;
		if (!errors_are(cases[i].yaml, cases[i].want, k)) {
			print_message("case %zu failed\n", i);
			failed++;
		}
	}
	assert_int_equal(failed, 0);
}

#define CHECK_CASES(c) check_cases(c, sizeof(c) / sizeof(c[0]))

/* Five lines: what every policy needs. */
#define BASE                                                                    \
	"tasks: [chat, code]\n"                                                 \
	"models:\n"                                                             \
	"  - {name: m1, cost: 1, quality: {chat: 0.9}}\n"                       \
	"services:\n"                                                           \
	"  - {name: s1, vip: 198.18.100.1, port: 80, task: chat}\n"
#define BE_HEAD "  - {name: b1, address: 198.18.1.1, port: 8000, model: m1, provider: p, region: eu"
/* Lines 6-7: one backend. */
#define BASE_BE BASE "backends:\n" BE_HEAD ", capacity: 4}\n"
#define TENANT(x) BASE "tenants:\n  - {name: t, prefixes: [198.18.0.0/24]" x "}\n"

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
	assert_true(p->objective.quality == 1.0 && p->objective.cost == 0.5);
	assert_true(p->objective.load == 0.5 && p->objective.margin == 0.1);
	assert_true(p->objective.latency == 0.2);
	check_example_items(p);
	check_example_backends(p);
	check_example_tenants(p);
}

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

/* ---- errors, by class ---- */

static void test_err_syntax(void **state)
{
	static const struct err_case cases[] = {
		{ "tasks: [chat\n",
		  { "policy.yaml:2:1: YAML syntax error: did not find expected ',' or ']' "
		    "(while parsing a flow sequence at line 1)" } },
		{ "tasks:\n\t- a\n",
		  { "policy.yaml:2:1: YAML syntax error: found character that cannot start any "
		    "token (while scanning for the next token at line 2)" } },
		{ "tasks: [\xff]\n",
		  { "policy.yaml:1:9: invalid input: invalid leading UTF-8 octet (#xFF)" } },
		{ BASE "models: *m1\n",
		  { "policy.yaml:6:9: YAML syntax error: found undefined alias" } },
		{ "", { "policy.yaml:1:1: the policy is empty (tasks, models and services are "
			"required)" } },
		{ BASE "---\ntasks: [a]\n",
		  { "policy.yaml:7:1: expected one YAML document, found a second one" } },
	};

	(void)state;
	CHECK_CASES(cases);
}

static void test_err_types(void **state)
{
	static const struct err_case cases[] = {
		{ "[1, 2]\n", { "policy.yaml:1:1: expected a mapping, got a sequence" } },
		{ "tasks: chat\nmodels: {}\nservices:\n",
		  { "policy.yaml:1:8: tasks: expected a sequence, got \"chat\"",
		    "policy.yaml:2:9: models: expected a sequence, got a mapping",
		    "policy.yaml:3:10: services: expected a sequence, got nothing" } },
		{ BASE "settings: [1]\n",
		  { "policy.yaml:6:11: settings: expected a mapping, got a sequence" } },
		{ BASE "backends:\n  - [b1]\n",
		  { "policy.yaml:7:5: backends[0]: expected a mapping, got a sequence" } },
		{ BASE "backends:\n  - {name: [b], address: 198.18.1.1, port: {a: 1}, model: m1, "
		       "provider: p, region: r, capacity: ~}\n",
		  { "policy.yaml:7:12: backends[0].name: expected a name (1..63 characters, no "
		    "spaces), got a sequence",
		    "policy.yaml:7:44: backends[0].port: expected an integer 1..65535, got a "
		    "mapping",
		    "policy.yaml:7:97: backends[0].capacity: expected an integer 1..1000000, got "
		    "nothing" } },
		{ "tasks: [[chat]]\nmodels: [{name: m, cost: 1, quality: [chat]}]\n",
		  { "policy.yaml:1:1: services: required field is missing",
		    "policy.yaml:1:9: tasks[0]: expected a task name or a mapping {name, id}, got "
		    "a "
		    "sequence",
		    "policy.yaml:2:38: models[0].quality: expected a mapping of task names to "
		    "0..1, "
		    "got a sequence" } },
		{ TENANT(", regions: eu"),
		  { "policy.yaml:7:51: tenants[0].regions: expected a sequence, got \"eu\"" } },
	};

	(void)state;
	CHECK_CASES(cases);
}

static void test_err_keys(void **state)
{
	static const struct err_case cases[] = {
		{ BASE "backend:\n",
		  { "policy.yaml:6:1: unknown key \"backend\" (did you mean \"backends\"?)" } },
		{ BASE "backends:\n" BE_HEAD ", capcity: 4}\n",
		  { "policy.yaml:7:5: backends[0].capacity: required field is missing",
		    "policy.yaml:7:85: backends[0]: unknown key \"capcity\" (did you mean "
		    "\"capacity\"?)" } },
		{ BASE "settings: {colour: 1, hystresis: 0.1}\n",
		  { "policy.yaml:6:12: settings: unknown key \"colour\"",
		    "policy.yaml:6:23: settings: unknown key \"hystresis\" (did you mean "
		    "\"hysteresis\"?)" } },
		{ "tasks: [chat]\n",
		  { "policy.yaml:1:1: models: required field is missing",
		    "policy.yaml:1:1: services: required field is missing" } },
		{ BASE "services: []\n",
		  { "policy.yaml:6:1: duplicate key \"services\"" } },
		{ "tasks: [chat]\nmodels: [{name: m, cost: 1, quality: {chat: 1, chat: 1}}]\n"
		  "services: [{name: s, name: t, vip: 198.18.100.1, port: 80, task: chat}]\n",
		  { "policy.yaml:2:48: models[0].quality: duplicate key \"chat\"",
		    "policy.yaml:3:22: services[0]: duplicate key \"name\"" } },
		{ TENANT(", action: fallback"),
		  { "policy.yaml:7:5: tenants[0].fallback: required when action is fallback" } },
		{ TENANT(", action: fallback, fallback: {tenant: default}"),
		  { "policy.yaml:7:70: tenants[0].fallback.task: required field is missing" } },
		{ BASE "tenants:\n  - {name: t}\n",
		  { "policy.yaml:7:5: tenants[0].prefixes: required field is missing" } },
		{ TENANT(", fallback: {tenant: default, task: chat}"),
		  { "policy.yaml:7:52: tenants[0].fallback: only used with action: fallback" } },
	};

	(void)state;
	CHECK_CASES(cases);
}

static void test_err_numbers(void **state)
{
	static const struct err_case cases[] = {
		{ BASE "backends:\n" BE_HEAD ", capacity: 80x}\n",
		  { "policy.yaml:7:95: backends[0].capacity: expected an integer 1..1000000, got "
		    "\"80x\"" } },
		{ BASE "settings: {health_rise: -1, health_fall: 101, hash_seed: 4294967296}\n",
		  { "policy.yaml:6:25: settings.health_rise: expected an integer 1..100, got "
		    "\"-1\"",
		    "policy.yaml:6:42: settings.health_fall: expected an integer 1..100, got "
		    "\"101\"",
		    "policy.yaml:6:58: settings.hash_seed: expected an integer 0..4294967295, got "
		    "\"4294967296\"" } },
		{ BASE "objective: {cost: -0.5, load: nan, margin: 1.5}\n",
		  { "policy.yaml:6:19: objective.cost: expected a number >= 0, got \"-0.5\"",
		    "policy.yaml:6:31: objective.load: expected a number >= 0, got \"nan\"",
		    "policy.yaml:6:44: objective.margin: expected a number 0..1, got \"1.5\"" } },
		{ BASE "objective: {quality: .inf, latency: 1e999, cost: \"1 \"}\n",
		  { "policy.yaml:6:22: objective.quality: expected a number >= 0, got \".inf\"",
		    "policy.yaml:6:37: objective.latency: expected a number >= 0, got \"1e999\"",
		    "policy.yaml:6:50: objective.cost: expected a number >= 0, got \"1 \"" } },
		{ BASE "settings: {maglev_size: 16380, probe_interval_ms: 20, udp_idle_ms: 8.5}\n",
		  { "policy.yaml:6:25: settings.maglev_size: expected a prime number 251..131071, "
		    "got \"16380\"",
		    "policy.yaml:6:51: settings.probe_interval_ms: expected an integer 50..60000, "
		    "got \"20\"",
		    "policy.yaml:6:68: settings.udp_idle_ms: expected an integer 100..86400000, "
		    "got "
		    "\"8.5\"" } },
		{ BASE "settings: {probe_timeout_ms: 600, staleness_ms: 400}\n",
		  { "policy.yaml:6:30: settings.probe_timeout_ms: must be <= probe_interval_ms "
		    "(500), got 600",
		    "policy.yaml:6:49: settings.staleness_ms: must be >= probe_interval_ms (500), "
		    "got 400" } },
		{ "tasks: [chat]\nmodels: [{name: m, cost: 0x10, quality: {chat: 1.01}}]\n"
		  "services: [{name: s, vip: 198.18.100.1, port: 0x, task: chat}]\n",
		  { "policy.yaml:2:26: models[0].cost: expected a number >= 0, got \"0x10\"",
		    "policy.yaml:2:48: models[0].quality.chat: expected a number 0..1, got "
		    "\"1.01\"",
		    "policy.yaml:3:47: services[0].port: expected an integer 1..65535, got "
		    "\"0x\"" } },
		{ TENANT(", min_safety_tier: 101, max_cost: -1, priority: \"\""),
		  { "policy.yaml:7:59: tenants[0].min_safety_tier: expected an integer 0..100, got "
		    "\"101\"",
		    "policy.yaml:7:74: tenants[0].max_cost: expected a number >= 0, got \"-1\"",
		    "policy.yaml:7:88: tenants[0].priority: expected an integer 0..4294967295, got "
		    "\"\"" } },
	};

	(void)state;
	CHECK_CASES(cases);
}

static void test_err_addresses(void **state)
{
	static const struct err_case cases[] = {
		{ "tasks: [chat]\nmodels: [{name: m, cost: 1, quality: {chat: 1}}]\n"
		  "services: [{name: s, vip: 198.18.100.256, port: 1, task: chat},\n"
		  "           {name: t, vip: 198.18.100.1/32, port: 1, task: chat}]\n",
		  { "policy.yaml:3:27: services[0].vip: expected an IPv4 or IPv6 address, got "
		    "\"198.18.100.256\"",
		    "policy.yaml:4:27: services[1].vip: expected an IPv4 or IPv6 address, got "
		    "\"198.18.100.1/32\"" } },
		{ BASE "backends:\n  - {name: b1, address: fd00::zz, port: 1, model: m1, "
		       "provider: p, region: eu, capacity: 4}\n",
		  { "policy.yaml:7:25: backends[0].address: expected an IPv4 or IPv6 address, got "
		    "\"fd00::zz\"" } },
		{ BASE "tenants:\n  - {name: t, prefixes: [198.18.0.0/33, 198.18.0.1/24, "
		       "\"fd00::1/64\", 10.0.0.0/x]}\n",
		  { "policy.yaml:7:26: tenants[0].prefixes[0]: expected an IPv4 or IPv6 prefix "
		    "(ADDR/LEN), got \"198.18.0.0/33\"",
		    "policy.yaml:7:41: tenants[0].prefixes[1]: 198.18.0.1/24: host bits set (did "
		    "you mean 198.18.0.0/24?)",
		    "policy.yaml:7:56: tenants[0].prefixes[2]: fd00::1/64: host bits set (did you "
		    "mean fd00::/64?)",
		    "policy.yaml:7:70: tenants[0].prefixes[3]: expected an IPv4 or IPv6 prefix "
		    "(ADDR/LEN), got \"10.0.0.0/x\"" } },
	};

	(void)state;
	CHECK_CASES(cases);
}

static void test_err_duplicates(void **state)
{
	static const struct err_case cases[] = {
		{ "tasks: [chat, code, chat]\nmodels: [{name: m, cost: 1, quality: {chat: 1}},\n"
		  "  {name: m, cost: 1, quality: {code: 1}}]\n"
		  "services: [{name: s, vip: 198.18.100.1, port: 80, task: chat}]\n",
		  { "policy.yaml:1:21: tasks[2]: duplicate name \"chat\" (also tasks[0] at line 1)",
		    "policy.yaml:3:10: models[1].name: duplicate name \"m\" (also models[0] at "
		    "line "
		    "2)" } },
		{ "tasks: [{name: a, id: 1}, {name: b, id: 1}]\n",
		  { "policy.yaml:1:1: models: required field is missing",
		    "policy.yaml:1:1: services: required field is missing",
		    "policy.yaml:1:41: tasks[1].id: duplicate id 1 (also tasks[0] \"a\")" } },
		{ BASE "  - {name: s1, vip: 198.18.100.1, port: 80, proto: udp, task: chat}\n"
		       "  - {name: s3, vip: 198.18.100.1, port: 80, proto: tcp, task: chat}\n",
		  { "policy.yaml:6:12: services[1].name: duplicate name \"s1\" (also services[0] "
		    "at "
		    "line 5)",
		    "policy.yaml:7:5: services[2]: duplicate service 198.18.100.1:80/tcp (also "
		    "services[0] \"s1\")" } },
		{ BASE_BE BE_HEAD ", capacity: 4, id: 2}\n"
			  "  - {name: b2, address: 1.1.1.1, port: 1, model: m1, provider: p, "
			  "region: eu, capacity: 4, id: 2}\n",
		  { "policy.yaml:8:12: backends[1].name: duplicate name \"b1\" (also backends[0] "
		    "at "
		    "line 7)",
		    "policy.yaml:9:96: backends[2].id: duplicate id 2 (also backends[1] "
		    "\"b1\")" } },
		{ BASE "tenants:\n  - {name: a, id: 9, prefixes: [198.18.0.0/24, 198.18.0.0/24]}\n"
		       "  - {name: b, id: 9, prefixes: [\"fd00::/8\", 198.18.0.0/24]}\n"
		       "  - {name: a, prefixes: [\"fd00::/8\"]}\n",
		  { "policy.yaml:7:48: tenants[0].prefixes[1]: duplicate prefix 198.18.0.0/24 "
		    "(also "
		    "prefixes[0])",
		    "policy.yaml:8:19: tenants[1].id: duplicate id 9 (also tenants[0] \"a\")",
		    "policy.yaml:8:45: tenants[1].prefixes[1]: prefix 198.18.0.0/24 already "
		    "belongs "
		    "to tenant \"a\" (tenants[0].prefixes[0])",
		    "policy.yaml:9:12: tenants[2].name: duplicate name \"a\" (also tenants[0] at "
		    "line "
		    "7)",
		    "policy.yaml:9:26: tenants[2].prefixes[0]: prefix fd00::/8 already belongs to "
		    "tenant \"b\" (tenants[1].prefixes[0])" } },
		{ BASE "interfaces: {xdp: [eth0, eth0], tc: [veth-with-long-name]}\n"
		       "tenants: [{name: default, id: 3, regions: [eu, eu]}]\n",
		  { "policy.yaml:6:26: interfaces.xdp[1]: duplicate interface \"eth0\"",
		    "policy.yaml:6:38: interfaces.tc[0]: expected an interface name (1..15 "
		    "characters, no spaces, / or :), got \"veth-with-long-name\"",
		    "policy.yaml:7:31: tenants[0].id: the tenant \"default\" has id 0, got 3",
		    "policy.yaml:7:48: tenants[0].regions[1]: duplicate region \"eu\"" } },
	};

	(void)state;
	CHECK_CASES(cases);
}

static void test_err_references(void **state)
{
	static const struct err_case cases[] = {
		{ "tasks: [chat, code]\nmodels: [{name: llama, cost: 1, quality: {chta: 1}}]\n"
		  "services: [{name: s, vip: 198.18.100.1, port: 80, task: cod}]\n"
		  "backends: [{name: b, address: 1.1.1.1, port: 1, model: lama, provider: p, "
		  "region: r, capacity: 1}]\n",
		  { "policy.yaml:2:43: models[0].quality: unknown task \"chta\" (did you mean "
		    "\"chat\"?)",
		    "policy.yaml:3:57: services[0].task: unknown task \"cod\" (did you mean "
		    "\"code\"?)",
		    "policy.yaml:4:56: backends[0].model: unknown model \"lama\" (did you mean "
		    "\"llama\"?)" } },
		{ TENANT(", action: fallback, fallback: {tenant: nobody, task: xyz}"),
		  { "policy.yaml:7:79: tenants[0].fallback.tenant: unknown tenant \"nobody\"",
		    "policy.yaml:7:93: tenants[0].fallback.task: unknown task \"xyz\"" } },
		{ TENANT(", action: fallback, fallback: {tenant: t, task: code}"),
		  { "policy.yaml:7:79: tenants[0].fallback.tenant: a tenant cannot fall back to "
		    "itself" } },
	};

	(void)state;
	CHECK_CASES(cases);
}

static void test_err_values(void **state)
{
	static const struct err_case cases[] = {
		{ BASE "backends:\n" BE_HEAD ", capacity: 1, metrics: vllm, state: gone}\n",
		  { "policy.yaml:7:107: backends[0].metrics: needs metrics_url",
		    "policy.yaml:7:120: backends[0].state: expected one of active, draining, down, "
		    "got \"gone\"" } },
		{ BASE "backends:\n" BE_HEAD ", capacity: 1, metrics_url: \"http:// x\", "
			  "health_url: ftp://h, metrics: vlm}\n",
		  { "policy.yaml:7:111: backends[0].metrics_url: expected an http:// or https:// "
		    "URL, got \"http:// x\"",
		    "policy.yaml:7:136: backends[0].health_url: expected an http:// or https:// "
		    "URL, "
		    "got \"ftp://h\"",
		    "policy.yaml:7:154: backends[0].metrics: expected one of vllm, sglang, chitu, "
		    "got \"vlm\" (did you mean \"vllm\"?)" } },
		{ BASE "backends:\n" BE_HEAD ", capacity: 1, metrics_url: http://h/m, "
			  "metrics: {}}\n"
			  "  - {name: b2, address: 1.1.1.1, port: 1, model: m1, provider: p, "
			  "region: eu, capacity: 1, metrics_url: http://h/m, metrics: {waiting: "
			  "9x}}\n",
		  { "policy.yaml:7:132: backends[0].metrics: expected at least one of waiting, "
		    "running, kv_usage",
		    "policy.yaml:8:136: backends[1].metrics.waiting: expected a Prometheus metric "
		    "name (at most 127 characters), got \"9x\"" } },
		{ TENANT(", admission: {burst: 5}") "  - {name: u, prefixes: [198.18.1.0/24], "
						   "admission: {rate: 5, burst: 0}}\n",
		  { "policy.yaml:7:61: tenants[0].admission.burst: burst needs a rate",
		    "policy.yaml:8:70: tenants[1].admission.burst: must be >= 1 when rate is "
		    "set" } },
		{ BASE "interfaces: {xdp_mode: fast}\ntenants: [{name: a b, prefixes: []}]\n",
		  { "policy.yaml:6:24: interfaces.xdp_mode: expected one of native, generic, got "
		    "\"fast\"",
		    "policy.yaml:7:18: tenants[0].name: expected a name (1..63 characters, no "
		    "spaces), got \"a b\"",
		    "policy.yaml:7:33: tenants[0].prefixes: expected at least one prefix" } },
		{ "tasks: []\nmodels: []\nservices: [{name: s, vip: 1.1.1.1, port: 1, task: c}]\n",
		  { "policy.yaml:1:8: tasks: expected at least one task",
		    "policy.yaml:2:9: models: expected at least one model",
		    "policy.yaml:3:51: services[0].task: unknown task \"c\"" } },
	};

	(void)state;
	CHECK_CASES(cases);
}

static char *repeat(const char *head, const char *fmt, unsigned int n)
{
	char *s = malloc(strlen(head) + (size_t)n * (strlen(fmt) + 40) + 1), *o = s;
	unsigned int i;

	assert_non_null(s);
	o += sprintf(o, "%s", head);
	for (i = 0; i < n; i++)
		o += sprintf(o, fmt, i, i >> 8, i & 255);
	return s;
}

static void check_limit(const char *head, const char *fmt, unsigned int n, const char *want)
{
	char *yaml = repeat(head, fmt, n);
	bool ok = errors_are(yaml, &want, 1);

	free(yaml);
	assert_true(ok);
}

static void test_err_limits(void **state)
{
	(void)state;
	check_limit("models: [{name: m, cost: 1, quality: {t0: 1}}]\n"
		    "services: [{name: s, vip: 1.1.1.1, port: 1, task: t0}]\ntasks:\n",
		    "  - t%u\n", 17, "policy.yaml:20:5: tasks[16]: too many tasks (at most 16)");
	check_limit(BASE "interfaces:\n  xdp:\n", "    - e%u\n", 9,
		    "policy.yaml:16:7: interfaces.xdp[8]: too many interfaces (at most 8)");
	check_limit(BASE "tenants:\n  - name: default\n    regions:\n", "      - r%u\n",
		    17, "policy.yaml:25:9: tenants[0].regions[16]: too many regions (at most 16)");
	check_limit(BASE "backends:\n",
		    "  - {name: b%u, address: 10.0.%u.%u, port: 1, model: m1, provider: p, "
		    "region: r, capacity: 1}\n",
		    STEER_MAX_BACKENDS,
		    "policy.yaml:8198:5: backends[8191]: too many backends (at most 8191)");
	check_limit(BASE "tenants:\n", "  - {name: t%u, prefixes: [10.0.%u.%u]}\n",
		    STEER_MAX_TENANTS,
		    "policy.yaml:4102:5: tenants[4095]: too many tenants (at most 4096 with "
		    "\"default\")");
	/* at the limit: fine */
	{
		char *yaml = repeat(BASE "tenants:\n", "  - {name: t%u, prefixes: [10.0.%u.%u]}\n",
				    STEER_MAX_TENANTS - 1);

		load_ok(yaml);
		free(yaml);
		assert_int_equal(pol.n_tenants, STEER_MAX_TENANTS);
		assert_int_equal(pol.tenants[STEER_MAX_TENANTS - 1].id, STEER_MAX_TENANTS - 1);
	}
}

static void test_error_cap(void **state)
{
	char *yaml = repeat(BASE "backends:\n", "  - {name: b%u, port: x}\n", 20);

	(void)state;
	assert_int_equal(load(yaml), -EINVAL);
	free(yaml);
	/* each: address, model, provider, region, capacity missing; bad port */
	assert_int_equal(errs.total, 20 * 6);
	assert_int_equal(errs.n, POLICY_MAX_ERRORS);
	assert_int_equal(errs.e[0].line, 7);
	assert_int_equal(errs.e[POLICY_MAX_ERRORS - 1].line, 12);
}

/* ---- API ---- */

static void test_error_format(void **state)
{
	struct policy_error e = { .file = "p.yaml", .line = 4, .column = 2, .field = "a.b",
				     .msg = "bad" };
	char buf[64];

	(void)state;
	policy_error_format(&e, buf, sizeof(buf));
	assert_string_equal(buf, "p.yaml:4:2: a.b: bad");
	e.field[0] = '\0';
	policy_error_format(&e, buf, sizeof(buf));
	assert_string_equal(buf, "p.yaml:4:2: bad");
	e.line = 0;
	policy_error_format(&e, buf, sizeof(buf));
	assert_string_equal(buf, "p.yaml: bad");
	policy_error_format(&e, buf, 4);
	assert_string_equal(buf, "p.y");
}

static void test_load_file_errors(void **state)
{
	char buf[8192];

	(void)state;
	policy_free(&pol);
	assert_int_equal(policy_load("tests/unit/no-such-policy.yaml", &pol, &errs), -ENOENT);
	assert_true(is_zeroed(&pol));
	assert_int_equal(errs.total, 1);
	policy_error_format(&errs.e[0], buf, sizeof(buf));
	assert_string_equal(buf, "tests/unit/no-such-policy.yaml: cannot read: No such file or "
				 "directory");
	assert_int_equal(policy_load("tests/unit", &pol, &errs), -EISDIR);
	/* errs may be NULL */
	assert_int_equal(policy_load_string("x", "tasks: 1\n", 9, &pol, NULL), -EINVAL);
	assert_int_equal(policy_load_string("x", NULL, 0, &pol, &errs), -EINVAL);
	assert_int_equal(errs.total, 1);
}

static void test_profiles(void **state)
{
	struct policy_metric_names m;

	(void)state;
	policy_profile_names(POLICY_METRICS_VLLM, &m);
	assert_string_equal(m.waiting, "vllm:num_requests_waiting");
	assert_string_equal(m.running, "vllm:num_requests_running");
	assert_string_equal(m.kv_usage, "vllm:kv_cache_usage_perc");
	assert_string_equal(m.kv_usage_alt, "vllm:gpu_cache_usage_perc");
	policy_profile_names(POLICY_METRICS_SGLANG, &m);
	assert_string_equal(m.waiting, "sglang:num_queue_reqs");
	assert_string_equal(m.running, "sglang:num_running_reqs");
	assert_string_equal(m.kv_usage, "sglang:token_usage");
	assert_string_equal(m.kv_usage_alt, "");
	policy_profile_names(POLICY_METRICS_CHITU, &m);
	assert_string_equal(m.in_flight, "handle_reqs");	/* POST /load_status, JSON */
	assert_string_equal(m.limit, "max_concurrent_requests");
	assert_int_equal(m.format, POLICY_LOAD_JSON);
	policy_profile_names(POLICY_METRICS_NONE, &m);
	assert_string_equal(m.waiting, "");
	policy_profile_names(POLICY_METRICS_CUSTOM, &m);
	assert_string_equal(m.kv_usage, "");
}

static void test_lookups_and_free(void **state)
{
	struct policy z = { 0 };

	(void)state;
	load_ok(BASE_BE);
	assert_int_equal(policy_model_by_name(&pol, "m1"), 0);
	assert_int_equal(policy_model_by_name(&pol, "m2"), -1);
	assert_int_equal(policy_backend_by_name(&pol, "b1"), 0);
	assert_int_equal(policy_backend_by_name(&pol, "b"), -1);
	assert_int_equal(policy_tenant_by_name(&pol, "default"), 0);
	assert_int_equal(policy_tenant_by_name(&pol, "acme"), -1);
	assert_int_equal(policy_task_by_name(&pol, "code"), 1);
	policy_free(&z);
	policy_free(&z);
	policy_free(NULL);
	assert_true(is_zeroed(&z));
}

/* ---- fuzz-ish ---- */

static char *read_example(size_t *len)
{
	FILE *f = fopen(EXAMPLE, "rb");
	char *buf = malloc(1 << 16);

	assert_non_null(f);
	assert_non_null(buf);
	*len = fread(buf, 1, 1 << 16, f);
	fclose(f);
	assert_true(*len > 0 && *len < (1 << 16));
	return buf;
}

/* Accepted with no error, or rejected whole with at least one. */
static void check_outcome(const char *buf, size_t len)
{
	char out[8192];
	size_t i;
	int rc;

	policy_free(&pol);
	rc = policy_load_string("fuzz.yaml", buf, len, &pol, &errs);
	if (rc == 0) {
		assert_int_equal(errs.total, 0);
		assert_true(pol.n_tasks > 0 && pol.n_services > 0 && pol.n_tenants > 0);
		return;
	}
	assert_int_equal(rc, -EINVAL);
	assert_true(errs.total >= 1 && errs.n >= 1 && errs.n <= POLICY_MAX_ERRORS);
	assert_true(is_zeroed(&pol));
	for (i = 0; i < errs.n; i++) {
		policy_error_format(&errs.e[i], out, sizeof(out));
		assert_true(errs.e[i].msg[0] != '\0');
	}
}

static void test_fuzz_truncations(void **state)
{
	size_t len, n, ok = 0;
	char *buf = read_example(&len);

	(void)state;
	for (n = 0; n <= len; n++) {
		check_outcome(buf, n);
		ok += errs.total == 0;
	}
	/* the whole file parses, and so do cuts after its last item */
	assert_true(ok >= 1);
	free(buf);
}

static void test_fuzz_flips(void **state)
{
	static const char junk[] = "\0\t\n :-[]{}\"'#&*!|>%@,?x9\xff\xc3";
	uint64_t rng = 0x5eedf00dULL;
	size_t len, i, k;
	char *buf = read_example(&len), *mut = malloc(len);

	(void)state;
	assert_non_null(mut);
	for (i = 0; i < 3000; i++) {
		memcpy(mut, buf, len);
		for (k = 0; k < 1 + i % 4; k++) {
			rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
			mut[(rng >> 33) % len] = (i & 1) ? junk[(rng >> 20) % (sizeof(junk) - 1)]
							 : (char)(rng >> 24);
		}
		check_outcome(mut, len);
	}
	free(mut);
	free(buf);
}

static int teardown(void **state)
{
	(void)state;
	policy_free(&pol);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_backend_ids),
		cmocka_unit_test(test_tenant_ids),
		cmocka_unit_test(test_task_ids),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_err_syntax),
		cmocka_unit_test(test_err_types),
		cmocka_unit_test(test_err_keys),
		cmocka_unit_test(test_err_numbers),
		cmocka_unit_test(test_err_addresses),
		cmocka_unit_test(test_err_duplicates),
		cmocka_unit_test(test_err_references),
		cmocka_unit_test(test_err_values),
		cmocka_unit_test(test_err_limits),
		cmocka_unit_test(test_error_cap),
		cmocka_unit_test(test_error_format),
		cmocka_unit_test(test_load_file_errors),
		cmocka_unit_test(test_profiles),
		cmocka_unit_test(test_lookups_and_free),
		cmocka_unit_test(test_fuzz_truncations),
		cmocka_unit_test(test_fuzz_flips),
	};

	return cmocka_run_group_tests(tests, NULL, teardown);
}
