// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The prober's test server: HTTP/1.1 on 127.0.0.1 (ephemeral port, a
 * thread per connection, keep-alive) with health codes, vLLM metrics old
 * and new, garbage, a redirect, a slow answer, huge and endless bodies;
 * and a port that refuses connections.
 */
#include <arpa/inet.h>
#include <errno.h>
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
#include "fixture_probe.h"

#define HUGE_BYTES	(8u << 20)

#define LLAMA "meta-llama/Llama-3.1-8B-Instruct"

long tmo_ms = 300;

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

const struct policy_metric_names vllm_names = {
	.waiting = "vllm:num_requests_waiting",
	.running = "vllm:num_requests_running",
	.kv_usage = "vllm:kv_cache_usage_perc",
	.kv_usage_alt = "vllm:gpu_cache_usage_perc",
};

const struct policy_metric_names sglang_names = {
	.waiting = "sglang:num_queue_reqs",
	.running = "sglang:num_running_reqs",
	.kv_usage = "sglang:token_usage",
};

/* ---- the test server ---- */

struct conn {
	struct srv *srv;
	int fd;
};

uint64_t now_ms(void)
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

int srv_setup(void **state)
{
	const char *env = getenv("STEER_TEST_TIMEOUT_MS");
	struct srv *s;

	if (env && atol(env) >= 100)
		tmo_ms = atol(env);
	s = calloc(1, sizeof(*s));
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

int srv_teardown(void **state)
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

unsigned int srv_conns(struct srv *s)
{
	unsigned int n;

	pthread_mutex_lock(&s->lock);
	n = s->n_conns;
	pthread_mutex_unlock(&s->lock);
	return n;
}

/* ---- helpers ---- */

char *url(struct srv *s, char *buf, const char *path)
{
	snprintf(buf, URL_LEN, "http://127.0.0.1:%u%s", s->port, path);
	return buf;
}

/* Drive a round to its end; returns its duration in ms. */
uint64_t run_round(struct probe *p, uint64_t max_ms)
{
	uint64_t t0 = now_ms();

	while (!probe_done(p)) {
		assert_int_equal(probe_poll(p, NULL, 0, 1000), 0);
		if (now_ms() - t0 > max_ms)
			fail_msg("round not done after %llu ms", (unsigned long long)max_ms);
	}
	return now_ms() - t0;
}
