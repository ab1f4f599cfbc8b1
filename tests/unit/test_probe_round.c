// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Unit tests of the prober's results, against the test server
 * (fixture_probe.c): health codes, metrics parsing, timeouts, body cap,
 * refused connections, redirects not followed, bad URLs, all in one round;
 * and its arguments. Under valgrind the test server is slow: run with
 * STEER_TEST_TIMEOUT_MS=10000.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/util.h"
#include "fixture_probe.h"

enum {
	T_OK, T_SICK, T_HUGE, T_STREAM, T_REFUSED, T_SLOW, T_NONE, T_REDIRECT, T_GARBAGE,
	T_WRONG_NAMES, T_OLD, T_404, T_FTP, T_NO_NAMES, T_BOTH_BAD, T_COUNT
};

static void test_round_results(void **state)
{
	struct srv *s = *state;
	struct probe_target t[T_COUNT] = { 0 };
	char u[T_COUNT][2][URL_LEN], dead[URL_LEN], msg[64];
	const struct probe_result *r;
	struct probe *p;
	uint64_t t0, took;
	size_t n, i;

	snprintf(dead, sizeof(dead), "http://127.0.0.1:%u/health", s->dead_port);
	t[T_OK] = (struct probe_target){ url(s, u[T_OK][0], "/health"),
					       url(s, u[T_OK][1], "/metrics"), &vllm_names };
	t[T_SICK].health_url = url(s, u[T_SICK][0], "/sick");
	t[T_HUGE] = (struct probe_target){ NULL, url(s, u[T_HUGE][1], "/huge"), &vllm_names };
	t[T_STREAM] = (struct probe_target){ "", url(s, u[T_STREAM][1], "/stream"),
						   &vllm_names };
	t[T_REFUSED].health_url = dead;
	t[T_SLOW].health_url = url(s, u[T_SLOW][0], "/slow");
	t[T_NONE].names = &vllm_names;
	t[T_REDIRECT].health_url = url(s, u[T_REDIRECT][0], "/redirect");
	t[T_GARBAGE] = (struct probe_target){ NULL, url(s, u[T_GARBAGE][1], "/garbage"),
						    &vllm_names };
	t[T_WRONG_NAMES] = (struct probe_target){
		NULL, url(s, u[T_WRONG_NAMES][1], "/metrics"), &sglang_names };
	t[T_OLD] = (struct probe_target){ NULL, url(s, u[T_OLD][1], "/metrics-old"),
						&vllm_names };
	t[T_404] = (struct probe_target){ url(s, u[T_404][0], "/health"),
						url(s, u[T_404][1], "/nothing"), &vllm_names };
	snprintf(u[T_FTP][0], URL_LEN, "ftp://127.0.0.1:%u/health", s->port);
	t[T_FTP].health_url = u[T_FTP][0];
	t[T_NO_NAMES].metrics_url = url(s, u[T_NO_NAMES][1], "/metrics");
	snprintf(u[T_BOTH_BAD][1], URL_LEN, "http://127.0.0.1:%u/metrics", s->dead_port);
	t[T_BOTH_BAD] = (struct probe_target){ url(s, u[T_BOTH_BAD][0], "/sick"),
						     u[T_BOTH_BAD][1], &vllm_names };

	p = probe_new(TIMEOUT_MS, MAX_BODY);
	assert_non_null(p);
	t0 = now_ms();
	assert_int_equal(probe_start(p, t, T_COUNT), 0);
	memset(u, 0, sizeof(u));	/* the prober copied the URLs */
	assert_int_equal(probe_start(p, t, 1), -EBUSY);
	took = run_round(p, 20 * (uint64_t)TIMEOUT_MS);
	assert_true((long)took >= TIMEOUT_MS - 10 && (long)took < 3 * TIMEOUT_MS);
	r = probe_results(p, &n);
	assert_int_equal(n, T_COUNT);

	assert_true(r[T_OK].health_checked && r[T_OK].healthy);
	assert_int_equal(r[T_OK].health_code, 200);
	assert_true(r[T_OK].health_ms > 0 && r[T_OK].health_ms < TIMEOUT_MS);
	assert_true(r[T_OK].metrics_ok);
	assert_int_equal(r[T_OK].metrics_code, 200);
	assert_true(r[T_OK].metrics_ms > 0 && r[T_OK].metrics_ms < TIMEOUT_MS);
	assert_true(r[T_OK].has_waiting && r[T_OK].waiting == 1.0);
	assert_true(r[T_OK].has_running && r[T_OK].running == 8.0);
	assert_true(r[T_OK].has_kv && r[T_OK].kv_usage == 0.375);	/* mean over engines */
	assert_string_equal(r[T_OK].error, "");

	assert_true(r[T_SICK].health_checked && !r[T_SICK].healthy);
	assert_int_equal(r[T_SICK].health_code, 503);
	assert_string_equal(r[T_SICK].error, "health: HTTP 503");
	assert_false(r[T_SICK].metrics_ok);

	assert_false(r[T_HUGE].health_checked);
	assert_false(r[T_HUGE].metrics_ok || r[T_HUGE].has_running);
	assert_string_equal(r[T_HUGE].error, "metrics: response over 65536 bytes");
	assert_false(r[T_STREAM].health_checked);
	assert_false(r[T_STREAM].metrics_ok);
	assert_string_equal(r[T_STREAM].error, "metrics: response over 65536 bytes");

	assert_true(r[T_REFUSED].health_checked && !r[T_REFUSED].healthy);
	assert_int_equal(r[T_REFUSED].health_code, 0);
	assert_string_equal(r[T_REFUSED].error, "health: connect refused");

	assert_true(r[T_SLOW].health_checked && !r[T_SLOW].healthy);
	snprintf(msg, sizeof(msg), "health: timeout after %ld ms", TIMEOUT_MS);
	assert_string_equal(r[T_SLOW].error, msg);
	assert_true(r[T_SLOW].health_ms >= TIMEOUT_MS - 5 && r[T_SLOW].health_ms < 2 * TIMEOUT_MS);

	assert_false(r[T_NONE].health_checked || r[T_NONE].metrics_ok);
	assert_string_equal(r[T_NONE].error, "");

	assert_false(r[T_REDIRECT].healthy);
	assert_int_equal(r[T_REDIRECT].health_code, 302);
	assert_string_equal(r[T_REDIRECT].error, "health: HTTP 302");

	assert_false(r[T_GARBAGE].metrics_ok);
	assert_int_equal(r[T_GARBAGE].metrics_code, 200);
	assert_string_equal(r[T_GARBAGE].error, "metrics: not Prometheus text (3 bad lines)");

	assert_true(r[T_WRONG_NAMES].metrics_ok);
	assert_false(r[T_WRONG_NAMES].has_waiting || r[T_WRONG_NAMES].has_running ||
		     r[T_WRONG_NAMES].has_kv);
	assert_string_equal(r[T_WRONG_NAMES].error, "metrics: no sample of the configured names");

	assert_true(r[T_OLD].metrics_ok);
	assert_true(r[T_OLD].has_waiting && r[T_OLD].waiting == 2.0);
	assert_false(r[T_OLD].has_running);	/* NaN only */
	assert_true(r[T_OLD].has_kv && r[T_OLD].kv_usage == 0.875);	/* alt name */
	assert_string_equal(r[T_OLD].error, "");

	assert_true(r[T_404].healthy && !r[T_404].metrics_ok);
	assert_int_equal(r[T_404].metrics_code, 404);
	assert_string_equal(r[T_404].error, "metrics: HTTP 404");

	assert_true(r[T_FTP].health_checked && !r[T_FTP].healthy);
	assert_int_equal(strncmp(r[T_FTP].error, "health: ", 8), 0);
	assert_true(strlen(r[T_FTP].error) > 8);

	assert_true(r[T_NO_NAMES].metrics_ok && !r[T_NO_NAMES].has_running);
	assert_string_equal(r[T_NO_NAMES].error, "");

	/* the health error wins over the metrics one */
	assert_string_equal(r[T_BOTH_BAD].error, "health: HTTP 503");
	assert_false(r[T_BOTH_BAD].metrics_ok);

	for (i = 0; i < n; i++)
		assert_true(r[i].done_ms >= t0 && r[i].done_ms <= now_ms());
	assert_true(r[T_SLOW].done_ms >= r[T_OK].done_ms);
	probe_free(p);
}

static void test_args(void **state)
{
	struct probe *p;
	size_t n = 7;

	(void)state;
	errno = 0;
	assert_null(probe_new(0, MAX_BODY));
	assert_int_equal(errno, EINVAL);
	assert_null(probe_new(TIMEOUT_MS, 0));
	probe_free(NULL);
	assert_true(probe_done(NULL));
	assert_null(probe_results(NULL, &n));
	assert_int_equal(n, 0);
	p = probe_new(TIMEOUT_MS, MAX_BODY);
	assert_non_null(p);
	assert_true(probe_done(p));
	assert_null(probe_results(p, &n));
	assert_int_equal(n, 0);
	assert_int_equal(probe_start(p, NULL, 3), -EINVAL);
	assert_int_equal(probe_start(NULL, NULL, 0), -EINVAL);
	assert_int_equal(probe_poll(p, NULL, 1, 0), -EINVAL);
	assert_int_equal(probe_poll(p, NULL, 0, -5), 0);
	probe_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_args),
		cmocka_unit_test(test_round_results),
	};

	return cmocka_run_group_tests_name("probe_round", tests, srv_setup, srv_teardown);
}
