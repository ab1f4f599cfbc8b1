// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Unit tests of the prober's parallelism, against the test server
 * (fixture_probe.c): 64 hanging targets cost one timeout, not 64, and 4096
 * targets go through PROBE_MAX_PARALLEL slots in one round. Under valgrind
 * the test server is slow: run with STEER_TEST_TIMEOUT_MS=10000.
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

/* 64 backends whose health hangs and 64 fine metrics: one timeout, not 64. */
static void test_concurrency(void **state)
{
	struct srv *s = *state;
	static struct probe_target t[64];
	static char hu[64][URL_LEN], mu[64][URL_LEN];
	const struct probe_result *r;
	struct probe *p = probe_new(TIMEOUT_MS, MAX_BODY);
	uint64_t took;
	char msg[64];
	size_t n, i;

	assert_non_null(p);
	snprintf(msg, sizeof(msg), "health: timeout after %ld ms", TIMEOUT_MS);
	for (i = 0; i < 64; i++) {
		t[i].health_url = url(s, hu[i], "/slow");
		t[i].metrics_url = url(s, mu[i], "/metrics");
		t[i].names = &vllm_names;
	}
	assert_int_equal(probe_start(p, t, 64), 0);
	took = run_round(p, 20 * (uint64_t)TIMEOUT_MS);
	assert_true((long)took < 3 * TIMEOUT_MS);
	r = probe_results(p, &n);
	assert_int_equal(n, 64);
	for (i = 0; i < n; i++) {
		assert_false(r[i].healthy);
		assert_string_equal(r[i].error, msg);
		if (!r[i].metrics_ok || r[i].running != 8.0)
			fail_msg("target %zu: metrics %ld (%.1f ms): %s", i, r[i].metrics_code,
				 r[i].metrics_ms, r[i].error);
	}
	probe_free(p);
}

/* 4096 targets in one round, through PROBE_MAX_PARALLEL slots. */
static void test_many_targets(void **state)
{
	enum { N = 4096 };
	struct srv *s = *state;
	struct probe_target *t = calloc(N, sizeof(*t));
	const struct probe_result *r;
	struct probe *p = probe_new(10 * TIMEOUT_MS, MAX_BODY);
	char hu[URL_LEN], mu[URL_LEN], dead[URL_LEN];
	size_t n, i;

	assert_non_null(t);
	assert_non_null(p);
	url(s, hu, "/health");
	url(s, mu, "/metrics");
	snprintf(dead, sizeof(dead), "http://127.0.0.1:%u/metrics", s->dead_port);
	for (i = 0; i < N; i++) {
		t[i].health_url = hu;
		t[i].metrics_url = i % 16 == 5 ? dead : mu;
		t[i].names = &vllm_names;
	}
	assert_int_equal(probe_start(p, t, N), 0);
	run_round(p, 30 * (uint64_t)TIMEOUT_MS);
	r = probe_results(p, &n);
	assert_int_equal(n, N);
	for (i = 0; i < N; i++) {
		assert_true(r[i].healthy);
		if (i % 16 == 5) {
			assert_false(r[i].metrics_ok);
			assert_string_equal(r[i].error, "metrics: connect refused");
		} else {
			assert_true(r[i].metrics_ok && r[i].waiting == 1.0);
			assert_string_equal(r[i].error, "");
		}
	}
	probe_free(p);
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_concurrency),
		cmocka_unit_test(test_many_targets),
	};

	return cmocka_run_group_tests_name("probe_parallel", tests, srv_setup, srv_teardown);
}
