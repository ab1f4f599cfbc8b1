// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * loadgen: open-loop generator of streaming chat completions.
 *
 *   loadgen -a ADDR [-p PORT] -r RATE -d SECONDS [-b SRC]... [-m MAX_TOKENS]
 *           [-w WARMUP_S] [-o OUT.tsv] [-T TIMEOUT_S] [-k POOL]
 *
 * Requests start at a fixed rate (one every 1/RATE s, whatever the answers
 * do: open loop). A request is `POST /v1/chat/completions` with
 * "stream": true and max_tokens. Per request it records the time to first
 * token (first "tok" content chunk) and the completion time (end of the
 * reply), both from the moment the request was due, the X-Backend header,
 * the HTTP status and the tokens received. One epoll thread, no libcurl.
 *
 * Connection per request (default): each request opens a new TCP
 * connection (IPv4) bound to the next source address of -b in turn (tenants
 * are source prefixes) and speaks HTTP/1.0, so the reply is close-delimited
 * SSE.
 *
 * -k POOL: keep-alive, the way an HTTP client's agent pool works (Node's
 * http.Agent with keepAlive and maxSockets POOL, as used under the official
 * openai client): HTTP/1.1, at most POOL persistent connections; a due
 * request takes the most recently freed idle connection (Node's default
 * 'lifo' scheduling), else opens a new one while fewer than POOL are open,
 * else waits in a FIFO queue (the wait counts in its TTFT). Replies are
 * framed by chunked encoding or Content-Length; a connection the server
 * closes is replaced on demand. Connection i binds source -b i mod n, a
 * request records its connection's source.
 *
 * Output: with -o, one line per request (start_ms src backend status
 * tokens ttft_ms total_ms, "-1" when not reached); on stdout one summary
 * line of the requests started after the warm-up:
 *   n=… ok=… fail=… ttft_p50=… ttft_p99=… total_p50=… total_p99=… (ms)
 * conns=… (connections opened). A request not done TIMEOUT_S (default 30)
 * after its start counts as a failure, with the timeout as its
 * TTFT/completion time for percentiles.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_SRC 16

struct req {
	int src;		/* index into srcs, -1: none */
	long conn;		/* connection carrying it, -1: none (queued or over) */
	uint64_t start, ttft, done; /* ns; 0 = not yet */
	int status;
	int tokens;
	bool closed;		/* over: answered, failed or timed out */
	bool failed;
	char backend[32];
};

struct conn {
	int fd;			/* -1: slot unused */
	int src;
	long req;		/* request in flight, -1: idle */
	size_t sent;
	char *buf;
	size_t len, cap;
	size_t body;		/* offset of the reply body, 0: headers incomplete */
	long clen;		/* Content-Length, -1: none */
	bool chunked, server_close;
};

static struct req *reqs;
static size_t nreq, capreq, live;
static struct conn *conns;
static size_t nslots;
static size_t *idle, nidle;	/* LIFO of idle keep-alive connections */
static size_t pool;		/* 0: a connection per request */
static size_t open_conns, opened;
static int ep;
static struct sockaddr_in dst;
static struct in_addr srcs[MAX_SRC];
static int nsrc;
static char reqtext[1024];
static size_t reqlen;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double pct(double *v, size_t n, double p)
{
	size_t i;

	if (!n)
		return -1;
	i = (size_t)(p / 100.0 * (double)n);
	if (i >= n)
		i = n - 1;
	return v[i];
}

static void req_over(struct req *r, uint64_t t, bool failed)
{
	r->closed = true;
	r->done = t;
	r->conn = -1;
	if (failed)
		r->failed = true;
	live--;
}

static void conn_close(size_t slot)
{
	struct conn *c = &conns[slot];
	size_t i;

	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
	free(c->buf);
	c->buf = NULL;
	c->len = c->cap = 0;
	open_conns--;
	for (i = 0; i < nidle; i++) {
		if (idle[i] == slot) {
			memmove(&idle[i], &idle[i + 1], (nidle - i - 1) * sizeof(*idle));
			nidle--;
			break;
		}
	}
}

static int conn_open(size_t slot, int src)
{
	struct conn *c = &conns[slot];
	struct epoll_event e = { .events = EPOLLOUT | EPOLLIN | EPOLLRDHUP, .data.u64 = slot };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (src >= 0) {
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr = srcs[src] };
		int one = 1;

		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
			perror("loadgen: bind");
			close(fd);
			return -1;
		}
	}
	if (connect(fd, (struct sockaddr *)&dst, sizeof(dst)) && errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->src = src;
	c->req = -1;
	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
	open_conns++;
	opened++;
	return 0;
}

/* Put request r on connection slot and ask to write it. */
static void conn_assign(size_t slot, size_t r)
{
	struct conn *c = &conns[slot];
	struct epoll_event e = { .events = EPOLLOUT | EPOLLIN | EPOLLRDHUP, .data.u64 = slot };

	c->req = (long)r;
	c->sent = c->len = c->body = 0;
	c->clen = -1;
	c->chunked = c->server_close = false;
	reqs[r].conn = (long)slot;
	reqs[r].src = c->src;
	epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &e);
}

/* Headers complete? Then note status, X-Backend and the reply's framing. */
static void parse_headers(struct conn *c, struct req *r)
{
	char *end = strstr(c->buf, "\r\n\r\n"), *p, save;

	if (!end)
		return;
	c->body = (size_t)(end - c->buf) + 4;
	save = c->buf[c->body - 2];
	c->buf[c->body - 2] = 0; /* search the headers only */
	if (sscanf(c->buf, "HTTP/%*s %d", &r->status) != 1)
		r->status = 0;
	p = strcasestr(c->buf, "\r\nX-Backend: ");
	if (p)
		sscanf(p + 13, "%31[^\r\n]", r->backend);
	c->chunked = strcasestr(c->buf, "\r\nTransfer-Encoding: chunked") != NULL;
	p = strcasestr(c->buf, "\r\nContent-Length: ");
	if (p && !c->chunked)
		c->clen = atol(p + 18);
	c->server_close = strcasestr(c->buf, "\r\nConnection: close") != NULL;
	c->buf[c->body - 2] = save;
}

/* A framed reply is complete (a close-delimited one ends at EOF). */
static bool reply_complete(const struct conn *c)
{
	size_t n = c->len - c->body;

	if (!c->body)
		return false;
	if (c->chunked)
		/* the last chunk "0\r\n\r\n" (no trailers: mockllm sends none) */
		return n >= 5 && !memcmp(c->buf + c->len - 5, "0\r\n\r\n", 5) &&
		       (n == 5 || c->buf[c->len - 6] == '\n');
	return c->clen >= 0 && n >= (size_t)c->clen;
}

/* The reply on slot is over (complete, or EOF of a close-delimited one). */
static void reply_done(size_t slot, uint64_t t, bool eof)
{
	struct conn *c = &conns[slot];
	struct req *r = &reqs[c->req];
	char *p;

	for (p = c->buf + c->body; (p = strstr(p, "\"content\":\"tok")); p += 14)
		r->tokens++;
	req_over(r, t, r->status != 200 || !strstr(c->buf + c->body, "[DONE]"));
	c->req = -1;
	if (pool && !eof && !c->server_close) {
		struct epoll_event e = { .events = EPOLLIN | EPOLLRDHUP, .data.u64 = slot };

		c->len = 0;
		epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &e);
		idle[nidle++] = slot;
	} else {
		conn_close(slot);
	}
}

static void conn_fail(size_t slot, uint64_t t)
{
	struct conn *c = &conns[slot];

	if (c->req >= 0)
		req_over(&reqs[c->req], t, true);
	c->req = -1;
	conn_close(slot);
}

static void conn_event(size_t slot, uint32_t events, uint64_t t)
{
	struct conn *c = &conns[slot];
	struct req *r;

	if (c->fd < 0)
		return;
	if (c->req < 0) {
		/* idle: the server closed it (or sent what nobody asked for) */
		if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
			conn_close(slot);
		return;
	}
	r = &reqs[c->req];
	if ((events & EPOLLOUT) && c->sent < reqlen) {
		ssize_t w = send(c->fd, reqtext + c->sent, reqlen - c->sent, MSG_NOSIGNAL);

		if (w > 0)
			c->sent += (size_t)w;
		else if (w < 0 && errno != EAGAIN) {
			conn_fail(slot, t);
			return;
		}
		if (c->sent == reqlen) {
			struct epoll_event e = { .events = EPOLLIN | EPOLLRDHUP, .data.u64 = slot };

			epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &e);
		}
	}
	if (!(events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
		return;
	for (;;) {
		ssize_t m;

		if (c->cap - c->len < 4097) {
			c->cap = c->cap ? c->cap * 2 : 8192;
			c->buf = realloc(c->buf, c->cap);
			if (!c->buf) {
				perror("loadgen: realloc");
				exit(1);
			}
		}
		m = recv(c->fd, c->buf + c->len, c->cap - c->len - 1, 0);
		if (m > 0) {
			c->len += (size_t)m;
			c->buf[c->len] = 0;
			if (!c->body)
				parse_headers(c, r);
			if (!r->ttft && c->body && strstr(c->buf + c->body, "\"content\":\"tok"))
				r->ttft = t;
			if (reply_complete(c)) {
				reply_done(slot, t, false);
				return;
			}
			continue;
		}
		if (m == 0 && c->body && !c->chunked && c->clen < 0)
			reply_done(slot, t, true);
		else if (m == 0 || (errno != EAGAIN && errno != EINTR))
			conn_fail(slot, t);
		return;
	}
}

/* Keep-alive: hand queued requests to idle or new connections, in order. */
static void dispatch(size_t *qnext, uint64_t t)
{
	while (*qnext < nreq) {
		size_t q = *qnext, slot;

		if (reqs[q].closed) {
			(*qnext)++;
			continue;
		}
		if (nidle) {
			slot = idle[--nidle];
		} else if (open_conns < pool) {
			for (slot = 0; conns[slot].fd >= 0; slot++)
				;
			if (conn_open(slot, nsrc ? (int)(opened % (size_t)nsrc) : -1)) {
				req_over(&reqs[q], t, true);
				(*qnext)++;
				continue;
			}
		} else {
			break;
		}
		conn_assign(slot, q);
		(*qnext)++;
	}
}

int main(int argc, char **argv)
{
	const char *addr = NULL, *out = NULL;
	int port = 80, maxtok = 16, opt;
	double rate = 0, dur = 0, warm = 0, tmo = 30;
	uint64_t t0, t, next, end, hard_end, interval;
	size_t i, qnext = 0;
	char body[256];

	while ((opt = getopt(argc, argv, "a:p:r:d:b:m:w:o:T:k:")) != -1) {
		switch (opt) {
		case 'a':
			addr = optarg;
			break;
		case 'p':
			port = atoi(optarg);
			break;
		case 'r':
			rate = atof(optarg);
			break;
		case 'd':
			dur = atof(optarg);
			break;
		case 'b':
			if (nsrc == MAX_SRC || inet_pton(AF_INET, optarg, &srcs[nsrc]) != 1) {
				fprintf(stderr, "loadgen: bad -b %s\n", optarg);
				return 2;
			}
			nsrc++;
			break;
		case 'm':
			maxtok = atoi(optarg);
			break;
		case 'w':
			warm = atof(optarg);
			break;
		case 'o':
			out = optarg;
			break;
		case 'T':
			tmo = atof(optarg);
			break;
		case 'k':
			pool = (size_t)atol(optarg);
			if (pool < 1 || pool > 4096) {
				fprintf(stderr, "loadgen: -k wants 1..4096\n");
				return 2;
			}
			break;
		default:
			goto usage;
		}
	}
	dst.sin_family = AF_INET;
	if (!addr || rate <= 0 || dur <= 0 || maxtok < 1 ||
	    inet_pton(AF_INET, addr, &dst.sin_addr) != 1) {
usage:
		fprintf(stderr, "usage: loadgen -a ADDR [-p PORT] -r RATE -d SECONDS [-b SRC]... "
				"[-m MAX_TOKENS] [-w WARMUP_S] [-o OUT.tsv] [-T TIMEOUT_S] [-k POOL]\n");
		return 2;
	}
	dst.sin_port = htons((uint16_t)port);
	signal(SIGPIPE, SIG_IGN);
	snprintf(body, sizeof(body),
		 "{\"model\":\"m\",\"stream\":true,\"max_tokens\":%d,"
		 "\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}",
		 maxtok);
	reqlen = (size_t)snprintf(reqtext, sizeof(reqtext),
				  "POST /v1/chat/completions HTTP/1.%d\r\nHost: %s\r\n%s"
				  "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
				  pool ? 1 : 0, addr, pool ? "Connection: keep-alive\r\n" : "",
				  strlen(body), body);
	capreq = (size_t)(rate * dur) + 16;
	nslots = pool ? pool : capreq;
	reqs = calloc(capreq, sizeof(*reqs));
	conns = calloc(nslots, sizeof(*conns));
	idle = calloc(nslots, sizeof(*idle));
	ep = epoll_create1(0);
	if (!reqs || !conns || !idle || ep < 0)
		return 1;
	for (i = 0; i < nslots; i++)
		conns[i].fd = -1;

	interval = (uint64_t)(1e9 / rate);
	t0 = now_ns();
	next = t0;
	end = t0 + (uint64_t)(dur * 1e9);
	hard_end = end + (uint64_t)(tmo * 1e9);
	for (;;) {
		struct epoll_event ev[64];
		int n, k, wait_ms;

		t = now_ns();
		/* every request that is due starts now (open loop) */
		while (next <= t && next < end && nreq < capreq) {
			struct req *r = &reqs[nreq];

			memset(r, 0, sizeof(*r));
			r->start = next;
			r->conn = -1;
			r->src = -1;
			live++;
			next += interval;
			if (!pool) {
				int src = nsrc ? (int)(nreq % (size_t)nsrc) : -1;

				r->src = src;
				if (conn_open(nreq, src))
					req_over(r, t, true);
				else
					conn_assign(nreq, nreq);
			}
			nreq++;
		}
		if (pool)
			dispatch(&qnext, t);
		/* time out the stragglers (queued or on a connection) */
		for (i = 0; i < nreq; i++) {
			struct req *r = &reqs[i];

			if (r->closed || t - r->start <= (uint64_t)(tmo * 1e9))
				continue;
			if (r->conn >= 0)
				conn_fail((size_t)r->conn, t);
			else
				req_over(r, t, true);
			r->done = 0;
		}
		if (next >= end && live == 0)
			break;
		if (t > hard_end)
			break;
		wait_ms = next < end ? (int)((next > t ? next - t : 0) / 1000000) : 100;
		n = epoll_wait(ep, ev, 64, wait_ms);
		t = now_ns();
		for (k = 0; k < n; k++)
			conn_event((size_t)ev[k].data.u64, ev[k].events, t);
	}
	for (i = 0; i < nslots; i++)
		if (conns[i].fd >= 0)
			conn_close(i);

	/* results */
	{
		FILE *f = out ? fopen(out, "w") : NULL;
		double *tt = calloc(nreq + 1, sizeof(double)), *tc = calloc(nreq + 1, sizeof(double));
		size_t n = 0, ok = 0, fail = 0;
		uint64_t wstart = t0 + (uint64_t)(warm * 1e9);
		char sb[INET_ADDRSTRLEN];

		for (i = 0; i < nreq; i++) {
			struct req *r = &reqs[i];
			double a = r->ttft ? (double)(r->ttft - r->start) / 1e6 : -1;
			double b = r->done && !r->failed ? (double)(r->done - r->start) / 1e6 : -1;

			if (!r->closed) {
				r->failed = true;
				b = -1;
			}
			if (f) {
				if (r->src >= 0)
					inet_ntop(AF_INET, &srcs[r->src], sb, sizeof(sb));
				else
					strcpy(sb, "-");
				fprintf(f, "%.1f\t%s\t%s\t%d\t%d\t%.1f\t%.1f\n",
					(double)(r->start - t0) / 1e6, sb,
					r->backend[0] ? r->backend : "-", r->status, r->tokens, a, b);
			}
			if (r->start < wstart)
				continue;
			n++;
			if (r->failed)
				fail++;
			else
				ok++;
			tt[n - 1] = a >= 0 && !r->failed ? a : tmo * 1000;
			tc[n - 1] = b >= 0 ? b : tmo * 1000;
		}
		if (f)
			fclose(f);
		qsort(tt, n, sizeof(double), cmp_d);
		qsort(tc, n, sizeof(double), cmp_d);
		printf("n=%zu ok=%zu fail=%zu ttft_p50=%.1f ttft_p99=%.1f total_p50=%.1f "
		       "total_p99=%.1f conns=%zu\n",
		       n, ok, fail, pct(tt, n, 50), pct(tt, n, 99), pct(tc, n, 50), pct(tc, n, 99),
		       opened);
	}
	return 0;
}
