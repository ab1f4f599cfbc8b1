// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Unit tests of the prober across rounds, against the test server
 * (fixture_probe.c): waiting on extra fds with and without a round,
 * connection reuse across rounds, and a cancelled round. Under valgrind
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

struct writer {
	int fd;
	int delay_ms;
};

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	struct timespec ts = { 0, (long)w->delay_ms * 1000000L };

	nanosleep(&ts, NULL);
	if (write(w->fd, "x", 1) != 1)
		abort();
	return NULL;
}

/* probe_poll(timeout) on a pipe; returns ms waited, revents in *rev. */
static uint64_t poll_pipe(struct probe *p, int rfd, int timeout, short *rev)
{
	struct curl_waitfd wfd = { .fd = rfd, .events = CURL_WAIT_POLLIN };
	uint64_t t0 = now_ms();

	assert_int_equal(probe_poll(p, &wfd, 1, timeout), 0);
	*rev = wfd.revents;
	return now_ms() - t0;
}

static void test_extra_fd(void **state)
{
	struct srv *s = *state;
	struct probe *p = probe_new(20 * TIMEOUT_MS, MAX_BODY);
	struct probe_target t = { 0 };
	struct writer w = { .delay_ms = 100 };
	char u[URL_LEN], c;
	pthread_t th;
	int pfd[2];
	short rev;
	uint64_t took;

	assert_non_null(p);
	assert_int_equal(pipe(pfd), 0);
	w.fd = pfd[1];

	/* no round: a plain wait, woken by the pipe */
	assert_true(probe_done(p));
	assert_int_equal(pthread_create(&th, NULL, writer_main, &w), 0);
	took = poll_pipe(p, pfd[0], SLOW_MS, &rev);
	pthread_join(th, NULL);
	assert_true(took >= 80 && took < (uint64_t)(3 * TIMEOUT_MS + 100));
	assert_true(rev & CURL_WAIT_POLLIN);
	assert_int_equal(read(pfd[0], &c, 1), 1);

	/* nothing to wait for: returns after about the timeout */
	took = poll_pipe(p, pfd[0], 50, &rev);
	assert_true(took >= 40 && took < (uint64_t)(3 * TIMEOUT_MS + 100));
	assert_int_equal(rev, 0);

	/* a round is waiting on a slow server: the pipe still wakes us */
	t.health_url = url(s, u, "/slow");
	assert_int_equal(probe_start(p, &t, 1), 0);
	assert_int_equal(probe_poll(p, NULL, 0, 20), 0);
	assert_false(probe_done(p));
	assert_int_equal(pthread_create(&th, NULL, writer_main, &w), 0);
	took = poll_pipe(p, pfd[0], SLOW_MS, &rev);
	pthread_join(th, NULL);
	assert_true(took >= 80 && took < (uint64_t)(3 * TIMEOUT_MS + 100));
	assert_true(rev & CURL_WAIT_POLLIN);
	assert_false(probe_done(p));
	/* freed in the middle of a round */
	probe_free(p);
	close(pfd[0]);
	close(pfd[1]);
}

/* A second round reuses the prober and its connections. */
static void test_reuse(void **state)
{
	struct srv *s = *state;
	struct probe_target t[8];
	char hu[8][URL_LEN], mu[8][URL_LEN];
	const struct probe_result *r;
	struct probe *p = probe_new(TIMEOUT_MS, MAX_BODY);
	unsigned int conns, reqs, round, i;
	size_t n;

	assert_non_null(p);
	for (i = 0; i < 8; i++) {
		t[i].health_url = url(s, hu[i], "/health");
		t[i].metrics_url = url(s, mu[i], "/metrics");
		t[i].names = &vllm_names;
	}
	assert_int_equal(probe_start(p, t, 8), 0);
	run_round(p, 20 * (uint64_t)TIMEOUT_MS);
	conns = srv_conns(s);
	reqs = __atomic_load_n(&s->requests, __ATOMIC_RELAXED);
	for (round = 0; round < 3; round++) {
		assert_int_equal(probe_start(p, t, 8 - round), 0);
		run_round(p, 20 * (uint64_t)TIMEOUT_MS);
		r = probe_results(p, &n);
		assert_int_equal(n, 8 - round);
		for (i = 0; i < n; i++) {
			assert_true(r[i].healthy && r[i].metrics_ok);
			assert_true(r[i].running == 8.0);
			assert_string_equal(r[i].error, "");
		}
	}
	/* every request of the later rounds went over a kept connection */
	assert_int_equal(srv_conns(s), conns);
	assert_int_equal(__atomic_load_n(&s->requests, __ATOMIC_RELAXED), reqs + 2 * (8 + 7 + 6));
	/* an empty round is done at once */
	assert_int_equal(probe_start(p, NULL, 0), 0);
	assert_true(probe_done(p));
	assert_non_null(probe_results(p, &n));
	assert_int_equal(n, 0);
	probe_free(p);
}

/* A round abandoned half-way; the prober then runs the next one. */
static void test_cancel(void **state)
{
	struct srv *s = *state;
	struct probe_target t[3] = { 0 };
	char u[3][URL_LEN];
	const struct probe_result *r;
	struct probe *p = probe_new(20 * TIMEOUT_MS, MAX_BODY);
	uint64_t t0 = now_ms();
	size_t n;

	assert_non_null(p);
	t[0].health_url = url(s, u[0], "/health");
	t[1].health_url = url(s, u[1], "/slow");
	t[2].metrics_url = url(s, u[2], "/slow");
	probe_cancel(p);	/* no round: nothing happens */
	assert_int_equal(probe_start(p, t, 3), 0);
	r = probe_results(p, &n);
	while (!r[0].done_ms) {
		assert_int_equal(probe_poll(p, NULL, 0, 100), 0);
		assert_true(now_ms() - t0 < (uint64_t)(10 * TIMEOUT_MS));
	}
	assert_false(probe_done(p));
	probe_cancel(p);
	assert_true(probe_done(p));
	r = probe_results(p, &n);
	assert_int_equal(n, 3);
	assert_true(r[0].healthy);
	assert_true(r[1].done_ms == 0 && r[2].done_ms == 0);
	assert_int_equal(probe_poll(p, NULL, 0, 0), 0);

	t[1].health_url = t[0].health_url;
	t[2].metrics_url = url(s, u[2], "/metrics");
	t[2].names = &vllm_names;
	assert_int_equal(probe_start(p, t, 3), 0);
	run_round(p, 20 * (uint64_t)TIMEOUT_MS);
	r = probe_results(p, &n);
	assert_true(r[0].healthy && r[1].healthy && r[2].metrics_ok);
	assert_true(now_ms() - t0 < (uint64_t)(5 * TIMEOUT_MS));
	probe_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_extra_fd),
		cmocka_unit_test(test_reuse),
		cmocka_unit_test(test_cancel),
	};

	return cmocka_run_group_tests_name("probe_rounds", tests, srv_setup, srv_teardown);
}
