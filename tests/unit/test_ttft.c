// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Slow set-aside (issue 11): the servers' own time to first token without
 * queue wait, from the histograms vLLM and SGLang export
 * (vllm/v1/metrics/loggers.py and stats.py: vllm:request_prefill_time_seconds,
 * scheduled -> first token; python/sglang/srt/metrics/collector.py:
 * sglang:time_to_first_token_seconds less sglang:queue_time_seconds), read
 * by the probe, turned into a mean per probe interval by steerd
 * (user/steerd/live.c), and used by the engine (user/engine/decide.c,
 * set_aside_slow): a backend whose TTFT is more than slow_ttft_factor
 * times its model's best gets no new flows while the faster ones have room.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixture_decide.h"
#include "fixture_one_backend.h"
#include "probe/probe.h"
#include "steerd/steerd.h"
#include "util/util.h"

/*
 * vLLM with two data-parallel ranks: each rank has its own series. Its TTFT
 * (queue wait in) is on the page too, and is not what steer reads.
 */
static const char vllm_ttft[] =
	"# HELP vllm:time_to_first_token_seconds Histogram of time to first token in seconds.\n"
	"# TYPE vllm:time_to_first_token_seconds histogram\n"
	"vllm:time_to_first_token_seconds_count{engine=\"0\",model_name=\"m\"} 4.0\n"
	"vllm:time_to_first_token_seconds_sum{engine=\"0\",model_name=\"m\"} 9.5\n"
	"# HELP vllm:request_prefill_time_seconds Histogram of time spent in PREFILL phase for request.\n"
	"# TYPE vllm:request_prefill_time_seconds histogram\n"
	"vllm:request_prefill_time_seconds_bucket{engine=\"0\",le=\"0.3\",model_name=\"m\"} 3.0\n"
	"vllm:request_prefill_time_seconds_bucket{engine=\"0\",le=\"+Inf\",model_name=\"m\"} 4.0\n"
	"vllm:request_prefill_time_seconds_count{engine=\"0\",model_name=\"m\"} 4.0\n"
	"vllm:request_prefill_time_seconds_sum{engine=\"0\",model_name=\"m\"} 0.5\n"
	"vllm:request_prefill_time_seconds_bucket{engine=\"1\",le=\"+Inf\",model_name=\"m\"} 6.0\n"
	"vllm:request_prefill_time_seconds_count{engine=\"1\",model_name=\"m\"} 6.0\n"
	"vllm:request_prefill_time_seconds_sum{engine=\"1\",model_name=\"m\"} 1.0\n"
	"vllm:num_requests_running{engine=\"0\",model_name=\"m\"} 1.0\n";

static const char sglang_ttft[] =
	"# TYPE sglang:time_to_first_token_seconds histogram\n"
	"sglang:time_to_first_token_seconds_sum{model_name=\"q\"} 0.30457592010498047\n"
	"sglang:time_to_first_token_seconds_bucket{le=\"0.1\",model_name=\"q\"} 0.0\n"
	"sglang:time_to_first_token_seconds_count{model_name=\"q\"} 2.0\n"
	"# TYPE sglang:queue_time_seconds histogram\n"
	"sglang:queue_time_seconds_sum{model_name=\"q\"} 0.25\n"
	"sglang:queue_time_seconds_bucket{le=\"0.1\",model_name=\"q\"} 1.0\n"
	"sglang:queue_time_seconds_count{model_name=\"q\"} 3.0\n"
	"sglang:num_running_reqs{model_name=\"q\"} 0.0\n";

/* One rank lost its _count line: no mean can be made of it. */
static const char vllm_torn[] =
	"vllm:request_prefill_time_seconds_count{engine=\"0\",model_name=\"m\"} 4.0\n"
	"vllm:request_prefill_time_seconds_sum{engine=\"0\",model_name=\"m\"} 0.5\n"
	"vllm:request_prefill_time_seconds_sum{engine=\"1\",model_name=\"m\"} 1.0\n"
	"vllm:num_requests_running{engine=\"0\",model_name=\"m\"} 1.0\n";

static struct probe_result read_as(enum policy_metrics_profile prof, const char *body)
{
	struct policy_metric_names n;
	struct probe_result r;
	char err[160];

	memset(&r, 0, sizeof(r));
	policy_profile_names(prof, &n);
	probe_read_signals(&r, &n, body, strlen(body), err, sizeof(err));
	assert_string_equal(err, "");
	return r;
}

static void test_probe_reads_ttft_histograms(void **state)
{
	struct probe_result r;

	(void)state;
	r = read_as(POLICY_METRICS_VLLM, vllm_ttft);
	assert_true(r.has_ttft);
	assert_true(r.ttft_count == 10.0);		/* ranks summed, buckets not counted */
	assert_true(fabs(r.ttft_sum - 1.5) < 1e-12);	/* prefill, not the 9.5 s of TTFT */
	assert_false(r.has_queue);			/* prefill has no queue in it */
	r = read_as(POLICY_METRICS_SGLANG, sglang_ttft);
	assert_true(r.has_ttft);
	assert_true(r.ttft_count == 2.0);
	assert_true(r.has_queue);
	assert_true(r.queue_count == 3.0 && fabs(r.queue_sum - 0.25) < 1e-12);
	r = read_as(POLICY_METRICS_VLLM, vllm_torn);
	assert_false(r.has_ttft);
	assert_true(r.has_running);	/* the rest of the page still counts */
	r = read_as(POLICY_METRICS_CHITU, "{\"handle_reqs\": \"1\"}");
	assert_false(r.has_ttft);	/* Chitu reports no TTFT */
}

/* be1 with a metrics page; SETTINGS: a settings line or "", METRICS:
 * " metrics: X," or "" */
#define ONE_BACKEND(SETTINGS, METRICS)                                                       \
	ONE_BACKEND_POLICY(SETTINGS,                                                          \
			   "," METRICS " metrics_url: \"http://198.18.2.2:8000/metrics\"")

static void probe_ttft_queue(struct steerd *d, double count, double sum, double q_count,
			     double q_sum, uint64_t at_ms)
{
	struct probe_result r;

	memset(&r, 0, sizeof(r));
	r.metrics_ok = true;
	r.has_ttft = true;
	r.ttft_count = count;
	r.ttft_sum = sum;
	r.has_queue = q_count >= 0;
	r.queue_count = q_count;
	r.queue_sum = q_sum;
	r.done_ms = at_ms;
	steerd_track_round(d, &r, 1);
}

static void probe_ttft(struct steerd *d, double count, double sum, uint64_t at_ms)
{
	probe_ttft_queue(d, count, sum, -1, 0, at_ms);
}

static struct steerd *steerd_with(const char *yaml)
{
	struct steerd *d = calloc(1, sizeof(*d));
	struct policy_errors errs;

	assert_non_null(d);
	memset(&errs, 0, sizeof(errs));
	assert_int_equal(policy_load_string("t.yaml", yaml, strlen(yaml), &d->pol, &errs), 0);
	assert_int_equal(steerd_track_init(d, NULL, NULL), 0);
	return d;
}

static void steerd_done(struct steerd *d)
{
	free(d->track);
	free(d->live);
	policy_free(&d->pol);
	free(d);
}

/*
 * SGLang's TTFT counts from arrival: the queue wait of the same interval
 * comes off (a busy server is not a slow one), and an interval with a first
 * token but no queue sample yet keeps its base for the next probe.
 */
static void test_steerd_takes_queue_wait_off(void **state)
{
	struct steerd *d = steerd_with(ONE_BACKEND("", " metrics: sglang,"));
	uint64_t now = util_now_ms();

	(void)state;
	assert_string_equal(d->pol.backends[0].metrics.queue, "sglang:queue_time_seconds");
	probe_ttft_queue(d, 100, 10, 100, 5, now);
	/* 4 first tokens at 550 ms from arrival, 4 waits of 500 ms: 50 ms */
	probe_ttft_queue(d, 104, 12.2, 104, 7, now);
	steerd_live_build(d);
	assert_true(d->live[0].has_ttft);
	assert_true(fabs(d->live[0].ttft_ms - 50) < 1e-6);
	/* 2 first tokens, no wait observed yet: no sample, the base stays */
	probe_ttft_queue(d, 106, 12.5, 104, 7, now);
	steerd_live_build(d);
	assert_true(fabs(d->live[0].ttft_ms - 50) < 1e-6);
	/* their waits arrive with 2 more (4 and 4 since the base): ttft mean
	 * (12.9 - 12.2) / 4 = 175 ms, wait mean (7.4 - 7) / 4 = 100 ms */
	probe_ttft_queue(d, 108, 12.9, 108, 7.4, now);
	steerd_live_build(d);
	assert_true(fabs(d->live[0].ttft_ms - (50 + 75) / 2.0) < 1e-6);
	/* a page without the queue histogram is no TTFT of this server */
	probe_ttft(d, 110, 13.1, now);
	probe_ttft_queue(d, 112, 13.3, 112, 7.6, now);
	steerd_live_build(d);
	assert_true(fabs(d->live[0].ttft_ms - 62.5) < 1e-6);	/* no new sample */
	steerd_done(d);
}

static void test_steerd_mean_per_interval(void **state)
{
	struct steerd *d =
		steerd_with(ONE_BACKEND("settings: {maglev_size: 251, ttft_memory_ms: 10000}\n", ""));
	uint64_t now = util_now_ms();

	(void)state;
	assert_true(d->pol.slow_ttft_factor == 3);	/* the default, on */
	assert_string_equal(d->pol.backends[0].metrics.ttft, "vllm:request_prefill_time_seconds");
	assert_string_equal(d->pol.backends[0].metrics.queue, "");
	assert_int_equal(d->pol.ttft_memory_ms, 10000);

	/* the first page is the base: everything since the server started is
	 * no measure of now */
	probe_ttft(d, 1000, 5000, now);
	steerd_live_build(d);
	assert_false(d->live[0].has_ttft);
	/* 4 requests since, 0.8 s in all: 200 ms each */
	probe_ttft(d, 1004, 5000.8, now);
	steerd_live_build(d);
	assert_true(d->live[0].has_ttft);
	assert_true(fabs(d->live[0].ttft_ms - 200) < 1e-6);
	/* 2 more at 50 ms: smoothed, half each */
	probe_ttft(d, 1006, 5000.9, now);
	steerd_live_build(d);
	assert_true(fabs(d->live[0].ttft_ms - 125) < 1e-6);
	/* no new request: the mean stands */
	probe_ttft(d, 1006, 5000.9, now);
	steerd_live_build(d);
	assert_true(d->live[0].has_ttft && fabs(d->live[0].ttft_ms - 125) < 1e-6);
	/* the server restarted (counts went down): a new base, no sample of
	 * (small - large) */
	probe_ttft(d, 3, 0.3, now);
	steerd_live_build(d);
	assert_true(fabs(d->live[0].ttft_ms - 125) < 1e-6);
	probe_ttft(d, 5, 0.5, now);
	steerd_live_build(d);
	assert_true(fabs(d->live[0].ttft_ms - 112.5) < 1e-6); /* (125 + 100) / 2 */
	/* no request for longer than ttft_memory_ms: forgotten */
	d->track[0].ttft_at_ms -= 10001;
	steerd_live_build(d);
	assert_false(d->live[0].has_ttft);
	steerd_done(d);
}

static void ttft(struct engine_live *l, double ms)
{
	l->has_ttft = true;
	l->ttft_ms = ms;
}

static void test_slow_backend_stands_by_while_others_have_room(void **state)
{
	struct policy *p = policy_simple(3);
	struct engine_live *l = live_new(3);
	struct engine_decisions ds;
	const struct engine_decision *d;

	(void)state;
	p->slow_ttft_factor = 3;
	ttft(&l[0], 50);
	ttft(&l[1], 210);	/* 4.2x the best */
	ttft(&l[2], 60);
	decide_ok(p, l, &ds);
	d = find_dec(&ds, 0, 0, FAM4);
	assert_int_equal(d->why, ENGINE_WHY_CHOSEN);
	assert_int_equal(n_weighted(d), 2);
	assert_true(weight_of(d, 0) > 0 && weight_of(d, 2) > 0);
	/* not even a standby: in the bound's set its capacity would count in
	 * the fast ones' share */
	assert_int_equal(weight_of(d, 1), 0);
	assert_false(is_standby(d, 1));
	assert_int_equal(d->n_set, 2);
	engine_decisions_free(&ds);

	/* off: it takes its share again */
	p->slow_ttft_factor = 0;
	decide_ok(p, l, &ds);
	d = find_dec(&ds, 0, 0, FAM4);
	assert_int_equal(n_weighted(d), 3);
	engine_decisions_free(&ds);

	/* under the factor: no standby */
	p->slow_ttft_factor = 5;
	decide_ok(p, l, &ds);
	assert_int_equal(n_weighted(find_dec(&ds, 0, 0, FAM4)), 3);
	engine_decisions_free(&ds);

	/* the fast ones are full: the slow one is better than a queue */
	p->slow_ttft_factor = 3;
	live_busy(&l[0], 100, 0);
	live_busy(&l[2], 100, 3);
	decide_ok(p, l, &ds);
	d = find_dec(&ds, 0, 0, FAM4);
	assert_int_equal(d->why, ENGINE_WHY_CHOSEN);
	assert_true(weight_of(d, 1) > 0);
	engine_decisions_free(&ds);

	/* an unknown TTFT is no evidence: nobody stands by on it */
	live_busy(&l[0], 0, 0);
	live_busy(&l[2], 0, 0);
	l[0].has_ttft = l[2].has_ttft = false;
	decide_ok(p, l, &ds);
	assert_int_equal(n_weighted(find_dec(&ds, 0, 0, FAM4)), 3);
	engine_decisions_free(&ds);
	free(l);
	fixture_policy_free(p);
}

static void test_slow_compared_within_its_model(void **state)
{
	/* model A (quality 0.9) on 0, 1; model B (0.85, cheaper) on 2, 3 */
	struct policy *p = policy_two_models(0.9, 1, 0.85, 1);
	struct engine_live *l = live_new(4);
	struct engine_decisions ds;
	const struct engine_decision *d;

	(void)state;
	p->slow_ttft_factor = 3;
	ttft(&l[0], 400);	/* a larger model, slower by nature */
	ttft(&l[1], 420);
	ttft(&l[2], 40);
	ttft(&l[3], 45);
	decide_ok(p, l, &ds);
	d = find_dec(&ds, 0, 0, FAM4);
	/* nobody stands by: each is within 3x of its own model's best */
	assert_true(weight_of(d, 0) > 0 && weight_of(d, 1) > 0);
	assert_false(is_standby(d, 0) || is_standby(d, 1));
	engine_decisions_free(&ds);
	free(l);
	fixture_policy_free(p);
}

/*
 * Fast servers differ by a few ms of timer and scheduling jitter: 3 ms
 * against 1 ms is 3x of nothing. Best times under 10 ms count as 10.
 */
static void test_slow_floor(void **state)
{
	struct policy *p = policy_simple(3);
	struct engine_live *l = live_new(3);
	struct engine_decisions ds;

	(void)state;
	p->slow_ttft_factor = 3;
	ttft(&l[0], 1);
	ttft(&l[1], 4);
	ttft(&l[2], 1.2);
	decide_ok(p, l, &ds);
	assert_int_equal(n_weighted(find_dec(&ds, 0, 0, FAM4)), 3);
	engine_decisions_free(&ds);
	ttft(&l[1], 31);	/* over 3 x the 10 ms floor */
	decide_ok(p, l, &ds);
	assert_int_equal(weight_of(find_dec(&ds, 0, 0, FAM4), 1), 0);
	engine_decisions_free(&ds);
	free(l);
	fixture_policy_free(p);
}

static void expect_error(const char *yaml, const char *want)
{
	struct policy pol;
	struct policy_errors errs;
	char msg[512];
	size_t i;

	memset(&errs, 0, sizeof(errs));
	assert_int_not_equal(policy_load_string("p.yaml", yaml, strlen(yaml), &pol, &errs), 0);
	assert_true(errs.n > 0);
	for (i = 0; i < errs.n; i++) {
		policy_error_format(&errs.e[i], msg, sizeof(msg));
		if (strstr(msg, want) && !strncmp(msg, "p.yaml:1:", 9))
			return;
	}
	fail_msg("no error at p.yaml:1: says \"%s\"", want);
}

static void test_policy_settings_checked(void **state)
{
	(void)state;
	expect_error("settings: {slow_ttft_factor: 1.2}\n", "expected 0 (off) or a number 1.5..100");
	expect_error("settings: {ttft_memory_ms: 10}\n", "ttft_memory_ms");
}

/*
 * A custom mapping survives policy_to_json and a re-parse (what steerd does
 * on every runtime change): before, in_flight, limit, format, method and
 * body were dropped, so a JSON-speaking backend went blind on the first
 * `steerctl backend add`.
 */
static const char custom_yaml[] =
	"tasks: [chat]\n"
	"models:\n"
	"  - {name: m1, cost: 1, quality: {chat: 0.8}}\n"
	"services:\n"
	"  - {name: chat, vip: 198.18.100.1, port: 80, task: chat}\n"
	"backends:\n"
	"  - {name: p, address: 198.18.2.2, port: 8000, model: m1, provider: self,"
	" region: lab, capacity: 4, metrics_url: \"http://198.18.2.2:8000/metrics\","
	" metrics: {running: my_running, ttft: my_ttft_seconds, queue: my_wait_seconds}}\n"
	"  - {name: j, address: 198.18.2.3, port: 8000, model: m1, provider: self,"
	" region: lab, capacity: 4, metrics_url: \"http://198.18.2.3:8000/load\","
	" metrics: {format: json, method: POST, body: \"{}\", in_flight: load.reqs,"
	" limit: load.max}}\n"
	"tenants:\n"
	"  - {name: default, action: reject}\n";

static void test_custom_metrics_round_trip(void **state)
{
	const struct policy_metric_names *pm, *jm;
	struct policy a, b;
	struct policy_errors errs;
	json_t *j;
	char *yaml;

	(void)state;
	memset(&errs, 0, sizeof(errs));
	assert_int_equal(policy_load_string("c.yaml", custom_yaml, sizeof(custom_yaml) - 1, &a,
					    &errs),
			 0);
	j = policy_to_json(&a);
	assert_non_null(j);
	yaml = policy_json_to_yaml_str(j, NULL);
	assert_non_null(yaml);
	if (policy_load_string("again.yaml", yaml, strlen(yaml), &b, &errs))
		fail_msg("re-parse failed:\n%s", yaml);
	assert_int_equal(b.n_backends, 2);
	pm = &b.backends[strcmp(b.backends[0].name, "p") ? 1 : 0].metrics;
	jm = &b.backends[strcmp(b.backends[0].name, "j") ? 1 : 0].metrics;
	assert_string_equal(pm->ttft, "my_ttft_seconds");
	assert_string_equal(pm->queue, "my_wait_seconds");
	assert_string_equal(pm->running, "my_running");
	assert_int_equal(jm->format, POLICY_LOAD_JSON);
	assert_int_equal(jm->method, POLICY_HTTP_POST);
	assert_string_equal(jm->body, "{}");
	assert_string_equal(jm->in_flight, "load.reqs");
	assert_string_equal(jm->limit, "load.max");
	/* ttft is a Prometheus histogram: a JSON mapping with it is refused */
	expect_error("backends: [{name: x, metrics: {format: json, ttft: a}}]\n",
		     "needs format: prometheus");
	expect_error("backends: [{name: x, metrics: {format: json, running: r, queue: a}}]\n",
		     "queue is a Prometheus histogram's name");
	expect_error("backends: [{name: x, metrics: {running: r, queue: a}}]\n",
		     "it needs ttft too");
	free(yaml);
	json_decref(j);
	policy_free(&a);
	policy_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probe_reads_ttft_histograms),
		cmocka_unit_test(test_steerd_mean_per_interval),
		cmocka_unit_test(test_steerd_takes_queue_wait_off),
		cmocka_unit_test(test_slow_floor),
		cmocka_unit_test(test_slow_backend_stands_by_while_others_have_room),
		cmocka_unit_test(test_slow_compared_within_its_model),
		cmocka_unit_test(test_policy_settings_checked),
		cmocka_unit_test(test_custom_metrics_round_trip),
	};

	return cmocka_run_group_tests_name("ttft", tests, NULL, NULL);
}
