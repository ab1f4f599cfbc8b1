// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Unit tests of the Prometheus text reader: real-format expositions of
 * vLLM (v1 and older), SGLang and Chitu; sums over label sets; label
 * escapes; NaN / Inf; timestamps; CRLF; malformed lines; truncation at
 * every offset (each prefix in a buffer of exactly its size, so that
 * valgrind sees any read past the end).
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/util.h"
#include "probe/probe.h"

#define LLAMA "meta-llama/Llama-3.1-8B-Instruct"
#define QWEN  "Qwen/Qwen2.5-7B-Instruct"

/* vLLM v1 (0.8+), two engines (data parallel) serving one model. */
static const char vllm_v1[] =
	"# HELP python_gc_objects_collected_total Objects collected during gc\n"
	"# TYPE python_gc_objects_collected_total counter\n"
	"python_gc_objects_collected_total{generation=\"0\"} 12873.0\n"
	"python_gc_objects_collected_total{generation=\"1\"} 3390.0\n"
	"# HELP process_virtual_memory_bytes Virtual memory size in bytes.\n"
	"# TYPE process_virtual_memory_bytes gauge\n"
	"process_virtual_memory_bytes 4.3452051456e+010\n"
	"process_start_time_seconds 1.72583467512e+09\n"
	"# HELP vllm:num_requests_running Number of requests in model execution batches.\n"
	"# TYPE vllm:num_requests_running gauge\n"
	"vllm:num_requests_running{engine=\"0\",model_name=\"" LLAMA "\"} 3.0\n"
	"vllm:num_requests_running{engine=\"1\",model_name=\"" LLAMA "\"} 5.0\n"
	"# HELP vllm:num_requests_waiting Number of requests waiting to be processed.\n"
	"# TYPE vllm:num_requests_waiting gauge\n"
	"vllm:num_requests_waiting{engine=\"0\",model_name=\"" LLAMA "\"} 1.0\n"
	"vllm:num_requests_waiting{engine=\"1\",model_name=\"" LLAMA "\"} 0.0\n"
	"# HELP vllm:kv_cache_usage_perc KV-cache usage. 1 means 100 percent usage.\n"
	"# TYPE vllm:kv_cache_usage_perc gauge\n"
	"vllm:kv_cache_usage_perc{engine=\"0\",model_name=\"" LLAMA "\"} 0.4237\n"
	"vllm:kv_cache_usage_perc{engine=\"1\",model_name=\"" LLAMA "\"} 0.2\n"
	"# HELP vllm:prefix_cache_queries_total Prefix cache queries, in terms of number of queried tokens.\n"
	"# TYPE vllm:prefix_cache_queries_total counter\n"
	"vllm:prefix_cache_queries_total{engine=\"0\",model_name=\"" LLAMA "\"} 1.2345e+04\n"
	"# HELP vllm:request_success_total Count of successfully processed requests.\n"
	"# TYPE vllm:request_success_total counter\n"
	"vllm:request_success_total{engine=\"0\",finished_reason=\"stop\",model_name=\"" LLAMA "\"} 40.0\n"
	"vllm:request_success_total{engine=\"0\",finished_reason=\"length\",model_name=\"" LLAMA "\"} 2.0\n"
	"# HELP vllm:time_to_first_token_seconds Histogram of time to first token in seconds.\n"
	"# TYPE vllm:time_to_first_token_seconds histogram\n"
	"vllm:time_to_first_token_seconds_sum{engine=\"0\",model_name=\"" LLAMA "\"} 12.5\n"
	"vllm:time_to_first_token_seconds_bucket{engine=\"0\",le=\"0.001\",model_name=\"" LLAMA "\"} 0.0\n"
	"vllm:time_to_first_token_seconds_bucket{engine=\"0\",le=\"0.04\",model_name=\"" LLAMA "\"} 10.0\n"
	"vllm:time_to_first_token_seconds_bucket{engine=\"0\",le=\"2.5\",model_name=\"" LLAMA "\"} 41.0\n"
	"vllm:time_to_first_token_seconds_bucket{engine=\"0\",le=\"+Inf\",model_name=\"" LLAMA "\"} 42.0\n"
	"vllm:time_to_first_token_seconds_count{engine=\"0\",model_name=\"" LLAMA "\"} 42.0\n";
#define VLLM_V1_SAMPLES 19

/* vLLM 0.6 (v0 engine): older KV name, no engine label, two models behind one port. */
static const char vllm_v0[] =
	"# HELP vllm:cache_config_info Information of the LLMEngine CacheConfig\n"
	"# TYPE vllm:cache_config_info gauge\n"
	"vllm:cache_config_info{block_size=\"16\",cache_dtype=\"auto\",enable_prefix_caching=\"False\","
	"gpu_memory_utilization=\"0.9\",num_cpu_blocks=\"2048\",num_gpu_blocks=\"27153\"} 1.0\n"
	"# HELP vllm:num_requests_running Number of requests currently running on GPU.\n"
	"# TYPE vllm:num_requests_running gauge\n"
	"vllm:num_requests_running{model_name=\"" LLAMA "\"} 7.0\n"
	"vllm:num_requests_running{model_name=\"" LLAMA "-lora\"} 2.0\n"
	"# HELP vllm:num_requests_swapped Number of requests swapped to CPU.\n"
	"# TYPE vllm:num_requests_swapped gauge\n"
	"vllm:num_requests_swapped{model_name=\"" LLAMA "\"} 0.0\n"
	"# HELP vllm:num_requests_waiting Number of requests waiting to be processed.\n"
	"# TYPE vllm:num_requests_waiting gauge\n"
	"vllm:num_requests_waiting{model_name=\"" LLAMA "\"} 4.0\n"
	"vllm:num_requests_waiting{model_name=\"" LLAMA "-lora\"} 0.0\n"
	"# HELP vllm:gpu_cache_usage_perc GPU KV-cache usage. 1 means 100 percent usage.\n"
	"# TYPE vllm:gpu_cache_usage_perc gauge\n"
	"vllm:gpu_cache_usage_perc{model_name=\"" LLAMA "\"} 0.875\n";

static const char sglang[] =
	"# HELP sglang:num_running_reqs The number of running requests.\n"
	"# TYPE sglang:num_running_reqs gauge\n"
	"sglang:num_running_reqs{engine_type=\"unified\",model_name=\"" QWEN "\",pp_rank=\"0\",tp_rank=\"0\"} 2.0\n"
	"# HELP sglang:num_used_tokens The number of used tokens.\n"
	"# TYPE sglang:num_used_tokens gauge\n"
	"sglang:num_used_tokens{engine_type=\"unified\",model_name=\"" QWEN "\",pp_rank=\"0\",tp_rank=\"0\"} 18432.0\n"
	"# HELP sglang:token_usage The token usage.\n"
	"# TYPE sglang:token_usage gauge\n"
	"sglang:token_usage{engine_type=\"unified\",model_name=\"" QWEN "\",pp_rank=\"0\",tp_rank=\"0\"} 0.28\n"
	"# HELP sglang:gen_throughput The generation throughput (token/s).\n"
	"# TYPE sglang:gen_throughput gauge\n"
	"sglang:gen_throughput{engine_type=\"unified\",model_name=\"" QWEN "\",pp_rank=\"0\",tp_rank=\"0\"} 85.31\n"
	"# HELP sglang:num_queue_reqs The number of requests in the waiting queue.\n"
	"# TYPE sglang:num_queue_reqs gauge\n"
	"sglang:num_queue_reqs{engine_type=\"unified\",model_name=\"" QWEN "\",pp_rank=\"0\",tp_rank=\"0\"} 6.0\n"
	"# HELP sglang:cache_hit_rate The prefix cache hit rate.\n"
	"# TYPE sglang:cache_hit_rate gauge\n"
	"sglang:cache_hit_rate{engine_type=\"unified\",model_name=\"" QWEN "\",pp_rank=\"0\",tp_rank=\"0\"} NaN\n"
	"# HELP sglang:e2e_request_latency_seconds Histogram of End-to-end request latency in seconds\n"
	"# TYPE sglang:e2e_request_latency_seconds histogram\n"
	"sglang:e2e_request_latency_seconds_bucket{le=\"0.1\",model_name=\"" QWEN "\"} 0.0\n"
	"sglang:e2e_request_latency_seconds_bucket{le=\"+Inf\",model_name=\"" QWEN "\"} 17.0\n"
	"sglang:e2e_request_latency_seconds_count{model_name=\"" QWEN "\"} 17.0\n"
	"sglang:e2e_request_latency_seconds_sum{model_name=\"" QWEN "\"} 95.25\n";

/* Chitu: plain names, integer values, a timestamp on one line, CRLF line ends. */
static const char chitu[] =
	"# HELP chitu_running_requests Requests being decoded.\r\n"
	"# TYPE chitu_running_requests gauge\r\n"
	"chitu_running_requests{model=\"DeepSeek-R1\",dp_rank=\"0\"} 4\r\n"
	"chitu_running_requests{model=\"DeepSeek-R1\",dp_rank=\"1\"} 6\r\n"
	"# HELP chitu_waiting_requests Requests queued.\r\n"
	"# TYPE chitu_waiting_requests gauge\r\n"
	"chitu_waiting_requests{model=\"DeepSeek-R1\",dp_rank=\"0\"} 0 1725834675000\r\n"
	"chitu_waiting_requests{model=\"DeepSeek-R1\",dp_rank=\"1\"} 3 1725834675000\r\n"
	"\r\n"
	"# HELP chitu_kv_cache_usage_ratio KV cache blocks in use.\r\n"
	"# TYPE chitu_kv_cache_usage_ratio gauge\r\n"
	"chitu_kv_cache_usage_ratio{model=\"DeepSeek-R1\",dp_rank=\"0\"} 5e-1\r\n"
	"chitu_kv_cache_usage_ratio{model=\"DeepSeek-R1\",dp_rank=\"1\"} 2.5E-1\r\n";

static int scan_str(const char *s, struct probe_prom_want *w, size_t n, unsigned int *bad)
{
	return probe_prom_scan(s, strlen(s), w, n, bad);
}

static void test_vllm_v1(void **state)
{
	struct probe_prom_want w[] = {
		{ .name = "vllm:num_requests_waiting" },
		{ .name = "vllm:num_requests_running" },
		{ .name = "vllm:kv_cache_usage_perc" },
		{ .name = "vllm:gpu_cache_usage_perc" },
		{ .name = "vllm:time_to_first_token_seconds_bucket" },
		{ .name = "vllm:time_to_first_token_seconds_count" },
	};
	unsigned int bad = 99;

	(void)state;
	assert_int_equal(scan_str(vllm_v1, w, 6, &bad), VLLM_V1_SAMPLES);
	assert_int_equal(bad, 0);
	assert_true(w[0].sum == 1.0 && w[0].samples == 2);
	assert_true(w[1].sum == 8.0 && w[1].samples == 2);
	assert_true(w[2].sum == 0.4237 + 0.2 && w[2].samples == 2);
	assert_int_equal(w[3].samples, 0);
	assert_true(w[3].sum == 0.0);
	assert_true(w[4].sum == 93.0 && w[4].samples == 4);
	assert_true(w[5].sum == 42.0 && w[5].samples == 1);
}

static void test_vllm_v0(void **state)
{
	struct probe_prom_want w[] = {
		{ .name = "vllm:num_requests_waiting" },
		{ .name = "vllm:num_requests_running" },
		{ .name = "vllm:kv_cache_usage_perc" },
		{ .name = "vllm:gpu_cache_usage_perc" },
	};
	unsigned int bad = 99;

	(void)state;
	assert_int_equal(scan_str(vllm_v0, w, 4, &bad), 7);
	assert_int_equal(bad, 0);
	assert_true(w[0].sum == 4.0 && w[0].samples == 2);
	assert_true(w[1].sum == 9.0 && w[1].samples == 2);
	assert_int_equal(w[2].samples, 0);
	assert_true(w[3].sum == 0.875 && w[3].samples == 1);
}

static void test_sglang(void **state)
{
	struct probe_prom_want w[] = {
		{ .name = "sglang:num_queue_reqs" },
		{ .name = "sglang:num_running_reqs" },
		{ .name = "sglang:token_usage" },
		{ .name = "sglang:cache_hit_rate" },
		{ .name = "sglang:e2e_request_latency_seconds_bucket" },
	};
	unsigned int bad = 99;

	(void)state;
	assert_int_equal(scan_str(sglang, w, 5, &bad), 10);
	assert_int_equal(bad, 0);
	assert_true(w[0].sum == 6.0 && w[0].samples == 1);
	assert_true(w[1].sum == 2.0 && w[1].samples == 1);
	assert_true(w[2].sum == 0.28 && w[2].samples == 1);
	/* NaN: neither summed nor counted as a sample */
	assert_true(w[3].sum == 0.0 && w[3].samples == 0 && w[3].nans == 1);
	assert_true(w[4].sum == 17.0 && w[4].samples == 2);
}

static void test_chitu_crlf(void **state)
{
	struct probe_prom_want w[] = {
		{ .name = "chitu_waiting_requests" },
		{ .name = "chitu_running_requests" },
		{ .name = "chitu_kv_cache_usage_ratio" },
	};
	unsigned int bad = 99;

	(void)state;
	assert_int_equal(scan_str(chitu, w, 3, &bad), 6);
	assert_int_equal(bad, 0);
	assert_true(w[0].sum == 3.0 && w[0].samples == 2);
	assert_true(w[1].sum == 10.0 && w[1].samples == 2);
	assert_true(w[2].sum == 0.75 && w[2].samples == 2);
}

/* Collects what the walker reports. */
struct seen {
	unsigned int n;
	char name[8][64];
	char labels[8][256];
	double value[8];
	bool has_ts[8];
	int64_t ts[8];
	unsigned int line[8];
	int stop_at;	/* return -ECANCELED at this sample (0: never) */
};

static int seen_cb(const struct probe_prom_sample *s, void *ctx)
{
	struct seen *sn = ctx;
	unsigned int i = sn->n++;

	if (i < 8) {
		snprintf(sn->name[i], sizeof(sn->name[i]), "%.*s", (int)s->name_len, s->name);
		snprintf(sn->labels[i], sizeof(sn->labels[i]), "%.*s", (int)s->labels_len,
			 s->labels ? s->labels : "");
		sn->value[i] = s->value;
		sn->has_ts[i] = s->has_timestamp;
		sn->ts[i] = s->timestamp_ms;
		sn->line[i] = s->line;
	}
	return sn->stop_at && sn->n == (unsigned int)sn->stop_at ? -ECANCELED : 0;
}

static int walk(const char *s, struct seen *sn, unsigned int *bad)
{
	return probe_prom_foreach(s, strlen(s), seen_cb, sn, bad);
}

static void test_special_values(void **state)
{
	static const char text[] =
		"a NaN\n"
		"a +Inf\n"
		"a -Inf\n"
		"a Inf\n"
		"a -infinity\n"
		"a nan\n"
		"a 1e3\n"
		"a -1.5E-2\n"
		"a .5\n"
		"a 5.\n"
		"a +7\n"
		"a -0.0\n";
	struct seen sn = { 0 };
	struct probe_prom_want w = { .name = "a" };
	unsigned int bad = 99;
	double sum = 1e3 - 1.5e-2 + 0.5 + 5.0 + 7.0;

	(void)state;
	assert_int_equal(walk(text, &sn, &bad), 12);
	assert_int_equal(bad, 0);
	assert_true(isnan(sn.value[0]));
	assert_true(isinf(sn.value[1]) && sn.value[1] > 0);
	assert_true(isinf(sn.value[2]) && sn.value[2] < 0);
	assert_true(isinf(sn.value[3]) && sn.value[3] > 0);
	assert_true(isinf(sn.value[4]) && sn.value[4] < 0);
	assert_true(isnan(sn.value[5]));
	assert_true(sn.value[6] == 1000.0);
	assert_true(sn.value[7] == -0.015);

	/* +Inf and -Inf: the sum is NaN; finite values only: exact */
	assert_int_equal(scan_str(text, &w, 1, &bad), 12);
	assert_int_equal(w.samples, 10);
	assert_int_equal(w.nans, 2);
	assert_true(isnan(w.sum));
	assert_int_equal(scan_str(text + strlen("a NaN\na +Inf\na -Inf\na Inf\na -infinity\na nan\n"),
				  &w, 1, &bad), 6);
	assert_true(w.sum == sum);
	assert_int_equal(w.nans, 0);
}

static void test_timestamps(void **state)
{
	static const char text[] =
		"x 1 1725834675000\n"
		"x{a=\"b\"} 2 -1000\n"
		"x 3   \t\n"
		"x 4 1725834675000  \n"
		"x 5 9223372036854775807\n"
		"x 6 -9223372036854775808\n"
		"x 7 9223372036854775808\n"	/* overflow: bad */
		"x 8 1.5\n"			/* float timestamp: bad */
		"x 9 12 junk\n";		/* bad */
	struct seen sn = { 0 };
	unsigned int bad = 0;

	(void)state;
	assert_int_equal(walk(text, &sn, &bad), 6);
	assert_int_equal(bad, 3);
	assert_true(sn.has_ts[0] && sn.ts[0] == 1725834675000LL);
	assert_true(sn.has_ts[1] && sn.ts[1] == -1000);
	assert_false(sn.has_ts[2]);
	assert_true(sn.value[2] == 3.0);
	assert_true(sn.has_ts[3] && sn.value[3] == 4.0);
	assert_true(sn.ts[4] == INT64_MAX);
	assert_true(sn.ts[5] == INT64_MIN);
}

static void test_escapes(void **state)
{
	static const char text[] =
		"m{model_name=\"we\\\"ird},{=\\\\path\\n2\",engine=\"0\"} 1\n"
		"m{model_name=\"a,b=\\\"c\\\"}\"} 2\n"
		"m{model_name=\"bad\\t\"} 4\n"	/* unknown escape: bad, as in Prometheus */
		"m{model_name=\"\"} 8\n";
	struct probe_prom_want w = { .name = "m" };
	struct seen sn = { 0 };
	unsigned int bad = 0;

	(void)state;
	assert_int_equal(scan_str(text, &w, 1, &bad), 3);
	assert_int_equal(bad, 1);
	assert_true(w.sum == 11.0 && w.samples == 3);
	assert_int_equal(walk(text, &sn, &bad), 3);
	assert_string_equal(sn.labels[0], "model_name=\"we\\\"ird},{=\\\\path\\n2\",engine=\"0\"");
	assert_string_equal(sn.labels[1], "model_name=\"a,b=\\\"c\\\"}\"");
	assert_string_equal(sn.labels[2], "model_name=\"\"");
	assert_int_equal(sn.line[2], 4);
}

/* probe_prom_label decoding, from inside a callback. */
struct label_check {
	int calls;
	char model[8][64];
	int rc_engine[8];
	int rc_missing[8];
	int rc_small[8];
};

static int label_cb(const struct probe_prom_sample *s, void *ctx)
{
	struct label_check *lc = ctx;
	char small[4], engine[8];
	int i = lc->calls++;

	if (i >= 8)
		return -E2BIG;
	if (probe_prom_label(s, "model_name", lc->model[i], sizeof(lc->model[i])) < 0)
		strcpy(lc->model[i], "<none>");
	lc->rc_engine[i] = probe_prom_label(s, "engine", engine, sizeof(engine));
	lc->rc_missing[i] = probe_prom_label(s, "nope", engine, sizeof(engine));
	lc->rc_small[i] = probe_prom_label(s, "model_name", small, sizeof(small));
	return 0;
}

static void test_label_decode(void **state)
{
	static const char text[] =
		"m{model_name=\"we\\\"ird},{=\\\\path\\n2\",engine=\"0\"} 1\n"
		"m { engine = \"12\" , model_name=\"x\" , } 2\n"
		"m{} 3\n"
		"m 4\n"
		"m{model_name=\"abc\"} 5\n";
	struct label_check lc = { 0 };
	unsigned int bad = 99;

	(void)state;
	assert_int_equal(probe_prom_foreach(text, strlen(text), label_cb, &lc, &bad), 5);
	assert_int_equal(bad, 0);
	assert_string_equal(lc.model[0], "we\"ird},{=\\path\n2");
	assert_int_equal(lc.rc_engine[0], 1);
	assert_int_equal(lc.rc_small[0], -ENOSPC);
	assert_string_equal(lc.model[1], "x");
	assert_int_equal(lc.rc_engine[1], 2);
	assert_int_equal(lc.rc_small[1], 1);
	assert_string_equal(lc.model[2], "<none>");
	assert_int_equal(lc.rc_engine[2], -ENOENT);
	assert_string_equal(lc.model[3], "<none>");
	assert_int_equal(lc.rc_missing[3], -ENOENT);
	assert_string_equal(lc.model[4], "abc");
	assert_int_equal(lc.rc_small[4], 3);	/* "abc" + NUL fits in 4 */
	assert_int_equal(lc.rc_missing[4], -ENOENT);
}

static void test_malformed(void **state)
{
	static const char *const bad_lines[] = {
		"no_value",
		"no_value   ",
		"name{",
		"name{a=\"b\"",
		"name{a=\"b\"} ",
		"name{a=b} 1",
		"name{a=\"b\",,} 1",
		"name{a=\"b\" c=\"d\"} 1",
		"name{0a=\"b\"} 1",
		"name{a:b=\"c\"} 1",
		"name{a=\"unterminated} 1",
		"name{a=\"esc at end\\",
		"1name 2",
		"-name 2",
		"name-x 2",
		"name 1x",
		"name 0x10",
		"name 1e",
		"name 1e+",
		"name .",
		"name -",
		"name 1 2 3",
		"name\t",
		"name{a=\"b\"}{c=\"d\"} 1",
		"name 1\r2",
		"{a=\"b\"} 1",
		"name 1 \"ts\"",
	};
	static const char good[] = "good{a=\"b\"}1\nname 7\n";
	char text[2048];
	size_t i, off = 0;
	struct probe_prom_want w[] = { { .name = "name" }, { .name = "good" } };
	unsigned int bad = 0;

	(void)state;
	for (i = 0; i < sizeof(bad_lines) / sizeof(bad_lines[0]); i++) {
		/* each alone */
		assert_int_equal(probe_prom_scan(bad_lines[i], strlen(bad_lines[i]), w, 2, &bad), 0);
		if (bad != 1)
			fail_msg("line accepted: %s", bad_lines[i]);
		off += (size_t)snprintf(text + off, sizeof(text) - off, "%s\n", bad_lines[i]);
		assert_true(off < sizeof(text) - sizeof(good));
	}
	memcpy(text + off, good, sizeof(good));
	/* all together, with good lines after them: counted and skipped, never fatal */
	assert_int_equal(scan_str(text, w, 2, &bad), 2);
	assert_int_equal(bad, sizeof(bad_lines) / sizeof(bad_lines[0]));
	assert_true(w[0].sum == 7.0 && w[0].samples == 1);
	assert_true(w[1].sum == 1.0 && w[1].samples == 1);
}

static void test_blank_and_comments(void **state)
{
	static const char text[] =
		"\n\n   \n\t\n"
		"# just a comment\n"
		"   # indented comment with {braces\" and junk\n"
		"#\n"
		"# TYPE x gauge\n"
		"  x 1\n"
		"\tx{a=\"1\"} 2\n"
		"x 3";	/* no trailing newline */
	struct probe_prom_want w = { .name = "x" };
	unsigned int bad = 99;

	(void)state;
	assert_int_equal(scan_str(text, &w, 1, &bad), 3);
	assert_int_equal(bad, 0);
	assert_true(w.sum == 6.0);
	/* no trailing newline, CRLF in the middle, a lone final \r */
	assert_int_equal(scan_str("x 1\r\nx 2\r", &w, 1, &bad), 2);
	assert_true(w.sum == 3.0);
	assert_int_equal(bad, 0);
}

static void test_args_and_stop(void **state)
{
	struct probe_prom_want w = { .name = "x", .sum = 5, .samples = 3, .nans = 2 };
	struct seen sn = { .stop_at = 2 };
	unsigned int bad = 99;

	(void)state;
	assert_int_equal(probe_prom_scan(NULL, 0, &w, 1, &bad), 0);
	assert_int_equal(bad, 0);
	assert_true(w.sum == 0 && w.samples == 0 && w.nans == 0);
	assert_int_equal(probe_prom_scan(NULL, 3, &w, 1, NULL), -EINVAL);
	assert_int_equal(probe_prom_scan("x 1", 3, NULL, 1, NULL), -EINVAL);
	assert_int_equal(probe_prom_scan("x 1", 3, NULL, 0, NULL), 1);
	assert_int_equal(probe_prom_foreach("x 1", 3, NULL, NULL, NULL), -EINVAL);
	/* wanted names NULL or "" match nothing */
	w.name = NULL;
	assert_int_equal(probe_prom_scan("x 1", 3, &w, 1, NULL), 1);
	assert_int_equal(w.samples, 0);
	w.name = "";
	assert_int_equal(probe_prom_scan("x 1", 3, &w, 1, NULL), 1);
	assert_int_equal(w.samples, 0);
	/* a name that is a prefix of another does not match it */
	w.name = "x";
	assert_int_equal(scan_str("xy 1\nx_total 2\n", &w, 1, NULL), 2);
	assert_int_equal(w.samples, 0);
	/* the callback stops the walk */
	assert_int_equal(walk("a 1\nb 2\nc 3\n", &sn, &bad), -ECANCELED);
	assert_int_equal(sn.n, 2);
	assert_string_equal(sn.name[1], "b");
	assert_int_equal(sn.line[1], 2);
}

/* Every prefix of each exposition, in a heap buffer of exactly that size. */
static void truncate_all(const char *text)
{
	size_t len = strlen(text), cut;
	struct probe_prom_want w[] = {
		{ .name = "vllm:num_requests_running" },
		{ .name = "sglang:num_running_reqs" },
		{ .name = "chitu_running_requests" },
	};
	unsigned int bad, lines_full = 0, i;
	int full = probe_prom_scan(text, len, w, 3, &bad);

	for (i = 0; i < len; i++)
		lines_full += text[i] == '\n';
	for (cut = 0; cut <= len; cut++) {
		char *buf = malloc(cut ? cut : 1);
		int n;

		assert_non_null(buf);
		memcpy(buf, text, cut);
		n = probe_prom_scan(buf, cut, w, 3, &bad);
		assert_true(n >= 0 && n <= full);
		assert_true((unsigned int)n + bad <= lines_full + 1);
		free(buf);
	}
	assert_int_equal(full, probe_prom_scan(text, len, w, 3, &bad));
}

static void test_truncated_everywhere(void **state)
{
	(void)state;
	truncate_all(vllm_v1);
	truncate_all(vllm_v0);
	truncate_all(sglang);
	truncate_all(chitu);
	truncate_all("m{model_name=\"we\\\"ird},{=\\\\path\\n2\",engine=\"0\"} 1 1725834675000\n");
}

/* Random bytes and random mutations of a real exposition: no crash, counts sane. */
static void test_garbage(void **state)
{
	uint64_t rng = 0x1234567887654321ULL;
	size_t len = sizeof(vllm_v1) - 1;
	char *buf = malloc(len);
	int round;

	(void)state;
	assert_non_null(buf);
	for (round = 0; round < 2000; round++) {
		struct probe_prom_want w = { .name = "vllm:num_requests_running" };
		unsigned int bad, k;
		int n;

		memcpy(buf, vllm_v1, len);
		for (k = 0; k < 1 + (unsigned int)round % 64; k++) {
			rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
			buf[(rng >> 33) % len] = (char)(rng >> 17);
		}
		n = probe_prom_scan(buf, len, &w, 1, &bad);
		assert_true(n >= 0 && n <= VLLM_V1_SAMPLES + 64);
	}
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vllm_v1),
		cmocka_unit_test(test_vllm_v0),
		cmocka_unit_test(test_sglang),
		cmocka_unit_test(test_chitu_crlf),
		cmocka_unit_test(test_special_values),
		cmocka_unit_test(test_timestamps),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_label_decode),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_blank_and_comments),
		cmocka_unit_test(test_args_and_stop),
		cmocka_unit_test(test_truncated_everywhere),
		cmocka_unit_test(test_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
