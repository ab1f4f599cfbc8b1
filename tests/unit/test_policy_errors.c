// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Unit tests of the policy parser's errors, by class: the exact text
 * (file:line:column: field: message) of syntax, type, key, number,
 * address, duplicate, reference and value errors.
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
		/* bounded load: 0 (off) or 1..100; under 1 every new flow would walk */
		{ BASE "settings: {balance_factor: 0.5}\n",
		  { "policy.yaml:6:28: settings.balance_factor: expected 0 (off) or a number "
		    "1..100, got 0.5" } },
		{ BASE "settings: {balance_factor: 101}\n",
		  { "policy.yaml:6:28: settings.balance_factor: expected a number 0..100, got "
		    "\"101\"" } },
		{ "tasks: [chat]\nmodels: [{name: m, cost: 1, quality: {chat: 1}}]\n"
		  "services: [{name: s, vip: 198.18.100.1, port: 80, task: chat, balance_factor: "
		  "-1}]\n",
		  { "policy.yaml:3:79: services[0].balance_factor: expected a number 0..100, got "
		    "\"-1\"" } },
		{ BASE "settings: {probe_timeout_ms: 600, staleness_ms: 400}\n",
		  { "policy.yaml:6:30: settings.probe_timeout_ms: must be <= probe_interval_ms "
		    "(500), got 600",
		    "policy.yaml:6:49: settings.staleness_ms: must be >= probe_interval_ms (500), "
		    "got 400" } },
		{ "tasks: [chat]\nmodels: [{name: m, cost: 1, quality: {chat: 1}}]\n"
		  "services: [{name: s, vip: 198.18.100.1, port: 80, task: chat, mss_clamp: 100},\n"
		  "  {name: u, vip: 198.18.100.1, port: 53, proto: udp, task: chat, mss_clamp: 1400},\n"
		  "  {name: v, vip: 198.18.100.1, port: 81, task: chat, mss_clamp: 65496}]\n",
		  { "policy.yaml:3:74: services[0].mss_clamp: mss_clamp 100 below 536 (0 turns "
		    "clamping off)",
		    "policy.yaml:4:77: services[1].mss_clamp: mss_clamp is for tcp services",
		    "policy.yaml:5:65: services[2].mss_clamp: expected an integer 0..65495, got "
		    "\"65496\"" } },
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
		    "running, kv_usage, in_flight, ttft",
		    "policy.yaml:8:136: backends[1].metrics.waiting: expected a Prometheus metric "
		    "name (at most 127 characters), got \"9x\"" } },
		{ TENANT(", admission: {burst: 5}") "  - {name: u, prefixes: [198.18.1.0/24], "
						   "admission: {rate: 5, burst: 0}}\n",
		  { "policy.yaml:7:61: tenants[0].admission.burst: burst needs a rate",
		    "policy.yaml:8:70: tenants[1].admission.burst: must be >= 1 when rate is "
		    "set" } },
		{ BASE "interfaces: {xdp_mode: fast, tc_mode: tc}\ntenants: [{name: a b, prefixes: []}]\n",
		  { "policy.yaml:6:24: interfaces.xdp_mode: expected one of native, generic, got "
		    "\"fast\"",
		    "policy.yaml:6:39: interfaces.tc_mode: expected one of auto, tcx, clsact, got "
		    "\"tc\" (did you mean \"tcx\"?)",
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_err_syntax),
		cmocka_unit_test(test_err_types),
		cmocka_unit_test(test_err_keys),
		cmocka_unit_test(test_err_numbers),
		cmocka_unit_test(test_err_addresses),
		cmocka_unit_test(test_err_duplicates),
		cmocka_unit_test(test_err_references),
		cmocka_unit_test(test_err_values),
	};

	return cmocka_run_group_tests_name("policy_errors", tests, NULL, pol_teardown);
}
