// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Unit tests of the prober, against a small HTTP/1.1 server run inside the
 * test on 127.0.0.1 (ephemeral port, a thread per connection, keep-alive):
 * health codes, metrics parsing, timeouts, body cap, refused connections,
 * redirects not followed, concurrency, waiting on extra fds, connection
 * reuse across rounds, a cancelled round, and 4096 targets in one round.
 * Under valgrind the test server is slow: run with STEER_TEST_TIMEOUT_MS=10000.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/util.h"
#include "probe/probe.h"

#define MAX_BODY	65536
#define HUGE_BYTES	(8u << 20)
#define SRV_MAX_CONNS	4096

#define LLAMA "meta-llama/Llama-3.1-8B-Instruct"

/*
 * Probe timeout; STEER_TEST_TIMEOUT_MS raises it for slow runs (valgrind:
 * 3000). Every time bound of the tests is a multiple of it.
 */
static long tmo_ms = 300;
#define TIMEOUT_MS	tmo_ms
/* /slow answers after this, or as soon as the client leaves */
#define SLOW_MS		((int)(10 * tmo_ms))

static const char vllm_metrics[] =
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
	"vllm:kv_cache_usage_perc{engine=\"0\",model_name=\"" LLAMA "\"} 0.5\n"
	"vllm:kv_cache_usage_perc{engine=\"1\",model_name=\"" LLAMA "\"} 0.25\n"
	"# HELP vllm:time_to_first_token_seconds Histogram of time to first token in seconds.\n"
	"# TYPE vllm:time_to_first_token_seconds histogram\n"
	"vllm:time_to_first_token_seconds_bucket{engine=\"0\",le=\"0.04\",model_name=\"" LLAMA "\"} 10.0\n"
	"vllm:time_to_first_token_seconds_bucket{engine=\"0\",le=\"+Inf\",model_name=\"" LLAMA "\"} 42.0\n"
	"vllm:time_to_first_token_seconds_count{engine=\"0\",model_name=\"" LLAMA "\"} 42.0\n";

/* vLLM 0.6: the KV name is the older one; running is NaN (treated as absent). */
static const char vllm_old_metrics[] =
	"# TYPE vllm:num_requests_running gauge\r\n"
	"vllm:num_requests_running{model_name=\"" LLAMA "\"} NaN\r\n"
	"vllm:num_requests_waiting{model_name=\"" LLAMA "\"} 2.0\r\n"
	"vllm:gpu_cache_usage_perc{model_name=\"" LLAMA "\"} 0.875\r\n";

static const char garbage[] =
	"<html>\n<body>Not found</body>\n</html>\n";

static const struct policy_metric_names vllm_names = {
	.waiting = "vllm:num_requests_waiting",
	.running = "vllm:num_requests_running",
	.kv_usage = "vllm:kv_cache_usage_perc",
	.kv_usage_alt = "vllm:gpu_cache_usage_perc",
};

static const struct policy_metric_names sglang_names = {
	.waiting = "sglang:num_queue_reqs",
	.running = "sglang:num_running_reqs",
	.kv_usage = "sglang:token_usage",
};

/* ---- the test server ---- */

struct srv {
	int lfd;
	int dead_fd;		/* bound, not listening: connections are refused */
	uint16_t port;
	uint16_t dead_port;
	pthread_t acceptor;
	pthread_mutex_t lock;
	int conn_fd[SRV_MAX_CONNS];
	pthread_t conn_th[SRV_MAX_CONNS];
	unsigned int n_conns;
	unsigned int requests;
	bool stop;
};

struct conn {
	struct srv *srv;
	int fd;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static bool send_all(int fd, const void *buf, size_t len, int flags)
{
	const char *p = buf;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL | flags);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

static bool respond(int fd, const char *status, const char *extra, const char *body)
{
	char hdr[512];
	int n;

	n = snprintf(hdr, sizeof(hdr),
		     "HTTP/1.1 %s\r\nContent-Type: text/plain; version=0.0.4\r\n%s"
		     "Content-Length: %zu\r\n\r\n",
		     status, extra, strlen(body));
	/* MSG_MORE: one segment, no Nagle wait between header and body */
	return send_all(fd, hdr, (size_t)n, MSG_MORE) && send_all(fd, body, strlen(body), 0);
}

/* Stream zeros after hdr until the client goes away (or HUGE_BYTES). */
static bool stream_huge(int fd, const char *hdr)
{
	static const char chunk[16384];
	size_t sent;

	if (!send_all(fd, hdr, strlen(hdr), 0))
		return false;
	for (sent = 0; sent < HUGE_BYTES; sent += sizeof(chunk))
		if (!send_all(fd, chunk, sizeof(chunk), 0))
			break;
	return false;	/* close the connection */
}

/* Answer one request; false: close the connection. */
static bool serve(int fd, const char *path)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	if (!strcmp(path, "/health"))
		return respond(fd, "200 OK", "", "ok\n");
	if (!strcmp(path, "/sick"))
		return respond(fd, "503 Service Unavailable", "", "sick\n");
	if (!strcmp(path, "/metrics"))
		return respond(fd, "200 OK", "", vllm_metrics);
	if (!strcmp(path, "/metrics-old"))
		return respond(fd, "200 OK", "", vllm_old_metrics);
	if (!strcmp(path, "/garbage"))
		return respond(fd, "200 OK", "", garbage);
	if (!strcmp(path, "/redirect"))
		return respond(fd, "302 Found", "Location: /health\r\n", "");
	if (!strcmp(path, "/slow")) {
		poll(&pfd, 1, SLOW_MS);	/* returns early when the client hangs up */
		return respond(fd, "200 OK", "", "late\n");
	}
	if (!strcmp(path, "/huge"))
		return stream_huge(fd, "HTTP/1.1 200 OK\r\nContent-Length: 8388608\r\n\r\n");
	if (!strcmp(path, "/stream"))
		return stream_huge(fd, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
	return respond(fd, "404 Not Found", "", "no\n");
}

static void *conn_main(void *arg)
{
	struct conn *c = arg;
	char buf[8192];
	size_t len = 0;

	for (;;) {
		char *end = memmem(buf, len, "\r\n\r\n", 4);
		char path[256];
		ssize_t n;
		size_t used;

		if (end) {
			*end = '\0';
			if (sscanf(buf, "GET %255s HTTP/1.1", path) != 1)
				break;
			__atomic_add_fetch(&c->srv->requests, 1, __ATOMIC_RELAXED);
			if (!serve(c->fd, path))
				break;
			used = (size_t)(end + 4 - buf);
			memmove(buf, buf + used, len - used);
			len -= used;
			continue;
		}
		if (len == sizeof(buf))
			break;
		n = recv(c->fd, buf + len, sizeof(buf) - len, 0);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	shutdown(c->fd, SHUT_RDWR);
	free(c);
	return NULL;
}

static void *acceptor_main(void *arg)
{
	struct srv *s = arg;

	for (;;) {
		int fd = accept(s->lfd, NULL, NULL);
		struct conn *c;

		if (fd < 0) {
			if (__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE))
				return NULL;
			continue;
		}
		c = malloc(sizeof(*c));
		pthread_mutex_lock(&s->lock);
		if (!c || s->n_conns == SRV_MAX_CONNS) {
			pthread_mutex_unlock(&s->lock);
			free(c);
			close(fd);
			continue;
		}
		c->srv = s;
		c->fd = fd;
		s->conn_fd[s->n_conns] = fd;
		if (pthread_create(&s->conn_th[s->n_conns], NULL, conn_main, c)) {
			free(c);
			close(fd);
		} else {
			s->n_conns++;
		}
		pthread_mutex_unlock(&s->lock);
	}
}

static int bind_loopback(int fd, uint16_t *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(fd, (struct sockaddr *)&a, &alen))
		return -1;
	*port = ntohs(a.sin_port);
	return 0;
}

static int srv_setup(void **state)
{
	struct srv *s = calloc(1, sizeof(*s));

	if (!s)
		return -1;
	pthread_mutex_init(&s->lock, NULL);
	s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	s->dead_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->lfd < 0 || s->dead_fd < 0 || bind_loopback(s->lfd, &s->port) ||
	    bind_loopback(s->dead_fd, &s->dead_port) || listen(s->lfd, 1024) ||
	    pthread_create(&s->acceptor, NULL, acceptor_main, s))
		return -1;
	*state = s;
	return 0;
}

static int srv_teardown(void **state)
{
	struct srv *s = *state;
	unsigned int i;

	__atomic_store_n(&s->stop, true, __ATOMIC_RELEASE);
	shutdown(s->lfd, SHUT_RDWR);	/* wakes accept() */
	pthread_join(s->acceptor, NULL);
	for (i = 0; i < s->n_conns; i++)
		shutdown(s->conn_fd[i], SHUT_RDWR);
	for (i = 0; i < s->n_conns; i++) {
		pthread_join(s->conn_th[i], NULL);
		close(s->conn_fd[i]);
	}
	close(s->lfd);
	close(s->dead_fd);
	pthread_mutex_destroy(&s->lock);
	free(s);
	return 0;
}

static unsigned int srv_conns(struct srv *s)
{
	unsigned int n;

	pthread_mutex_lock(&s->lock);
	n = s->n_conns;
	pthread_mutex_unlock(&s->lock);
	return n;
}

/* ---- helpers ---- */

#define URL_LEN 96

static char *url(struct srv *s, char *buf, const char *path)
{
	snprintf(buf, URL_LEN, "http://127.0.0.1:%u%s", s->port, path);
	return buf;
}

/* Drive a round to its end; returns its duration in ms. */
static uint64_t run_round(struct probe *p, uint64_t max_ms)
{
	uint64_t t0 = now_ms();

	while (!probe_done(p)) {
		assert_int_equal(probe_poll(p, NULL, 0, 1000), 0);
		if (now_ms() - t0 > max_ms)
			fail_msg("round not done after %llu ms", (unsigned long long)max_ms);
	}
	return now_ms() - t0;
}

/* ---- tests ---- */

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
	const char *env = getenv("STEER_TEST_TIMEOUT_MS");

	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_args),
		cmocka_unit_test(test_round_results),
		cmocka_unit_test(test_concurrency),
		cmocka_unit_test(test_extra_fd),
		cmocka_unit_test(test_reuse),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_many_targets),
	};

	if (env && atol(env) >= 100)
		tmo_ms = atol(env);
	return cmocka_run_group_tests(tests, srv_setup, srv_teardown);
}
