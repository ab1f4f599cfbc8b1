// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Engine profiles against what the engines really answer: fixtures shaped
 * like vLLM's and SGLang's /metrics (vllm/v1/metrics/loggers.py,
 * python/sglang/srt/metrics/collector.py) and Chitu's POST /load_status
 * and GET /server_status (chitu/serve/api_app.py), read through the
 * profiles the policy gives; the policy side (capacity from the server,
 * health requests by path) and the engine side (saturated at the server's
 * limit). docs/policy.md names the engine commits these were taken from.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "engine/engine.h"
#include "policy/policy.h"
#include "probe/probe.h"

/* Read body through the built-in profile prof; err must come back "". */
static struct probe_result read_as(enum policy_metrics_profile prof, const char *body,
				   char *err, size_t err_len)
{
	struct policy_metric_names n;
	struct probe_result r;

	memset(&r, 0, sizeof(r));
	policy_profile_names(prof, &n);
	probe_read_signals(&r, &n, body, strlen(body), err, err_len);
	return r;
}

/* vLLM 0.10 with two data-parallel ranks: one series per engine label. */
static const char vllm_dp2[] =
	"# HELP vllm:num_requests_running Number of requests in model execution batches.\n"
	"# TYPE vllm:num_requests_running gauge\n"
	"vllm:num_requests_running{engine=\"0\",model_name=\"meta-llama/Llama-3.1-8B\"} 3.0\n"
	"vllm:num_requests_running{engine=\"1\",model_name=\"meta-llama/Llama-3.1-8B\"} 5.0\n"
	"# HELP vllm:num_requests_waiting Number of requests waiting to be processed.\n"
	"# TYPE vllm:num_requests_waiting gauge\n"
	"vllm:num_requests_waiting{engine=\"0\",model_name=\"meta-llama/Llama-3.1-8B\"} 1.0\n"
	"vllm:num_requests_waiting{engine=\"1\",model_name=\"meta-llama/Llama-3.1-8B\"} 2.0\n"
	"# HELP vllm:gpu_cache_usage_perc GPU KV-cache usage. 1 means 100 percent usage."
	"DEPRECATED: Use vllm:kv_cache_usage_perc instead.\n"
	"# TYPE vllm:gpu_cache_usage_perc gauge\n"
	"vllm:gpu_cache_usage_perc{engine=\"0\",model_name=\"meta-llama/Llama-3.1-8B\"} 0.9\n"
	"vllm:gpu_cache_usage_perc{engine=\"1\",model_name=\"meta-llama/Llama-3.1-8B\"} 0.9\n"
	"# HELP vllm:kv_cache_usage_perc KV-cache usage. 1 means 100 percent usage.\n"
	"# TYPE vllm:kv_cache_usage_perc gauge\n"
	"vllm:kv_cache_usage_perc{engine=\"0\",model_name=\"meta-llama/Llama-3.1-8B\"} 0.2\n"
	"vllm:kv_cache_usage_perc{engine=\"1\",model_name=\"meta-llama/Llama-3.1-8B\"} 0.4\n";

/* vLLM before 0.9: only the old KV name, one engine. */
static const char vllm_old[] =
	"# TYPE vllm:num_requests_running gauge\n"
	"vllm:num_requests_running{model_name=\"m\"} 2.0\n"
	"# TYPE vllm:num_requests_waiting gauge\n"
	"vllm:num_requests_waiting{model_name=\"m\"} 0.0\n"
	"# TYPE vllm:gpu_cache_usage_perc gauge\n"
	"vllm:gpu_cache_usage_perc{model_name=\"m\"} 0.75\n";

static void test_vllm(void **state)
{
	struct probe_result r;
	char err[160];

	(void)state;
	r = read_as(POLICY_METRICS_VLLM, vllm_dp2, err, sizeof(err));
	assert_string_equal(err, "");
	assert_true(r.metrics_ok && r.has_running && r.has_waiting && r.has_kv);
	assert_true(r.running == 8.0);	/* 3 + 5: ranks summed */
	assert_true(r.waiting == 3.0);
	assert_true(fabs(r.kv_usage - 0.3) < 1e-9);	/* new name wins, mean of ranks */
	assert_false(r.has_limit);
	r = read_as(POLICY_METRICS_VLLM, vllm_old, err, sizeof(err));
	assert_string_equal(err, "");
	assert_true(r.has_kv && r.kv_usage == 0.75);	/* gpu_cache_usage_perc */
	assert_true(r.running == 2.0 && r.waiting == 0.0);
}

/* SGLang started with --enable-metrics (collector.py labels). */
static const char sglang_on[] =
	"# HELP sglang:num_running_reqs The number of running requests.\n"
	"# TYPE sglang:num_running_reqs gauge\n"
	"sglang:num_running_reqs{engine_type=\"unified\",model_name=\"qwen\",pp_rank=\"0\","
	"tp_rank=\"0\"} 4.0\n"
	"# HELP sglang:num_queue_reqs The number of requests in the waiting queue.\n"
	"# TYPE sglang:num_queue_reqs gauge\n"
	"sglang:num_queue_reqs{engine_type=\"unified\",model_name=\"qwen\",pp_rank=\"0\","
	"tp_rank=\"0\"} 6.0\n"
	"# HELP sglang:token_usage The token usage.\n"
	"# TYPE sglang:token_usage gauge\n"
	"sglang:token_usage{engine_type=\"unified\",model_name=\"qwen\",pp_rank=\"0\","
	"tp_rank=\"0\"} 0.5\n";

/* SGLang without --enable-metrics: /metrics is FastAPI's 404. */
static const char sglang_off[] = "{\"detail\":\"Not Found\"}";

static void test_sglang(void **state)
{
	struct policy_metric_names n;
	struct probe_result r;
	char err[160];

	(void)state;
	r = read_as(POLICY_METRICS_SGLANG, sglang_on, err, sizeof(err));
	assert_string_equal(err, "");
	assert_true(r.running == 4.0 && r.waiting == 6.0 && r.kv_usage == 0.5);
	r = read_as(POLICY_METRICS_SGLANG, sglang_off, err, sizeof(err));
	assert_false(r.has_running || r.has_waiting || r.has_kv);
	assert_non_null(strstr(err, "not Prometheus text"));
	/* the prober adds this to "metrics: HTTP 404" */
	policy_profile_names(POLICY_METRICS_SGLANG, &n);
	assert_non_null(strstr(n.hint_404, "--enable-metrics"));
}

/* Chitu's POST /load_status: every number a string. */
static const char chitu_load[] = "{\"load_score\": \"5120\", \"handle_reqs\": \"7\", "
				 "\"max_batch_size\": \"32\", \"max_concurrent_requests\": \"8\"}";
/* ... with infer.max_concurrent_requests unset: "" (no attribute) or "None". */
static const char chitu_nolimit[] = "{\"load_score\": \"0\", \"handle_reqs\": \"0\", "
				    "\"max_batch_size\": \"32\", \"max_concurrent_requests\": \"\"}";
static const char chitu_none[] = "{\"load_score\": \"0\", \"handle_reqs\": \"3\", "
				 "\"max_batch_size\": \"32\", \"max_concurrent_requests\": \"None\"}";

static void test_chitu(void **state)
{
	struct policy_metric_names n;
	struct probe_result r;
	char err[160];

	(void)state;
	policy_profile_names(POLICY_METRICS_CHITU, &n);
	assert_int_equal(n.format, POLICY_LOAD_JSON);
	assert_int_equal(n.method, POLICY_HTTP_POST);
	r = read_as(POLICY_METRICS_CHITU, chitu_load, err, sizeof(err));
	assert_string_equal(err, "");
	assert_true(r.metrics_ok && r.has_running && !r.has_waiting && !r.has_kv);
	assert_true(r.running == 7.0);	/* handle_reqs = running + pending */
	assert_true(r.has_limit && r.limit == 8.0);
	r = read_as(POLICY_METRICS_CHITU, chitu_nolimit, err, sizeof(err));
	assert_string_equal(err, "");
	assert_true(r.has_running && r.running == 0.0);
	assert_false(r.has_limit);
	r = read_as(POLICY_METRICS_CHITU, chitu_none, err, sizeof(err));
	assert_true(r.has_running && r.running == 3.0);
	assert_false(r.has_limit);
	/* numbers as numbers too; missing fields are absent, not zero */
	r = read_as(POLICY_METRICS_CHITU, "{\"handle_reqs\": 2, \"max_concurrent_requests\": 4}",
		    err, sizeof(err));
	assert_true(r.running == 2.0 && r.has_limit && r.limit == 4.0);
	r = read_as(POLICY_METRICS_CHITU, "{\"load_score\": \"1\"}", err, sizeof(err));
	assert_false(r.has_running || r.has_limit);
	assert_string_equal(err, "no sample of the configured names");
	r = read_as(POLICY_METRICS_CHITU, "{\"handle_reqs\": \"x7\"}", err, sizeof(err));
	assert_false(r.has_running);
	r = read_as(POLICY_METRICS_CHITU, "not json", err, sizeof(err));
	assert_false(r.metrics_ok);
	assert_string_equal(err, "not a JSON object");
	/* GET /server_status */
	assert_true(probe_json_true("{\"initialized\": true}", 21, "initialized"));
	assert_false(probe_json_true("{\"initialized\": false}", 22, "initialized"));
	assert_false(probe_json_true("{}", 2, "initialized"));
}

#define BASE                                                                    \
	"tasks: [chat]\n"                                                       \
	"models:\n"                                                             \
	"  - {name: m1, cost: 1, quality: {chat: 0.9}}\n"                       \
	"services:\n"                                                           \
	"  - {name: s1, vip: 198.18.100.1, port: 80, task: chat}\n"             \
	"backends:\n"
#define BE "  - {name: b1, address: 198.18.1.1, port: 8000, model: m1, provider: p, region: eu, "

static int load(const char *yaml, struct policy *p, struct policy_errors *e)
{
	memset(p, 0, sizeof(*p));
	memset(e, 0, sizeof(*e));
	return policy_load_string("policy.yaml", yaml, strlen(yaml), p, e);
}

static void test_policy_chitu(void **state)
{
	struct policy_errors e;
	struct policy p;
	char buf[256];

	(void)state;
	/* chitu without capacity: it comes from max_concurrent_requests */
	assert_int_equal(load(BASE BE "metrics: chitu, metrics_url: http://198.18.1.1:8000/load_status,"
				      " health_url: http://198.18.1.1:8000/ping}\n", &p, &e), 0);
	assert_int_equal(p.backends[0].capacity, 0);
	assert_false(p.backends[0].capacity_given);
	assert_int_equal(p.backends[0].metrics.health.method, POLICY_HTTP_POST);
	assert_string_equal(p.backends[0].metrics.health.ready, "");
	policy_free(&p);
	assert_int_equal(load(BASE BE "capacity: 10, metrics: chitu, metrics_url: http://h/load_status,"
				      " health_url: http://h/server_status}\n", &p, &e), 0);
	assert_true(p.backends[0].capacity_given);
	assert_int_equal(p.backends[0].metrics.health.method, POLICY_HTTP_GET);
	assert_string_equal(p.backends[0].metrics.health.ready, "initialized");
	policy_free(&p);
	/* vllm still needs a capacity */
	assert_int_not_equal(load(BASE BE "metrics_url: http://h/metrics}\n", &p, &e), 0);
	policy_error_format(&e.e[0], buf, sizeof(buf));
	assert_non_null(strstr(buf, "backends[0].capacity: required field is missing"));
	/* a custom JSON mapping */
	assert_int_equal(load(BASE BE "metrics_url: http://h/load, metrics: {format: json, method: POST,"
				      " body: '{}', in_flight: stats.inflight, limit: max}}\n",
			      &p, &e), 0);
	assert_int_equal(p.backends[0].profile, POLICY_METRICS_CUSTOM);
	assert_int_equal(p.backends[0].metrics.format, POLICY_LOAD_JSON);
	assert_int_equal(p.backends[0].metrics.method, POLICY_HTTP_POST);
	assert_string_equal(p.backends[0].metrics.body, "{}");
	assert_string_equal(p.backends[0].metrics.in_flight, "stats.inflight");
	policy_free(&p);
}

static void test_saturated_at_limit(void **state)
{
	struct policy_backend b = { .capacity = 100, .capacity_given = true };
	struct engine_live l = { .has_running = true, .running = 8, .has_limit = true, .limit = 8 };
	bool known;

	(void)state;
	/* the policy says 100, Chitu refuses past 8: saturated at 8 */
	assert_true(engine_backend_spare(&b, &l, &known) == 0.0);
	assert_true(known);
	l.running = 6;
	assert_true(fabs(engine_backend_spare(&b, &l, &known) - 0.25) < 1e-9);
	l.has_limit = false;
	assert_true(fabs(engine_backend_spare(&b, &l, &known) - 0.94) < 1e-9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vllm),
		cmocka_unit_test(test_sglang),
		cmocka_unit_test(test_chitu),
		cmocka_unit_test(test_policy_chitu),
		cmocka_unit_test(test_saturated_at_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
