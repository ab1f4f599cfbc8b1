// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * loadgen: open-loop generator of streaming chat completions.
 *
 *   loadgen -a ADDR [-p PORT] -r RATE -d SECONDS [-b SRC]... [-m MAX_TOKENS]
 *           [-w WARMUP_S] [-o OUT.tsv] [-T TIMEOUT_S]
 *
 * Requests start at a fixed rate (one every 1/RATE s, whatever the answers
 * do: open loop), each on a new TCP connection (IPv4), bound to the next
 * source address of -b in turn (tenants are source prefixes). A request is
 * HTTP/1.0 `POST /v1/chat/completions` with "stream": true and max_tokens,
 * so the reply is close-delimited SSE. Per request it records the time to
 * first token (first "tok" content chunk) and the completion time (EOF),
 * both from the moment the connection was started, the X-Backend header,
 * the HTTP status and the tokens received. One epoll thread, no libcurl.
 *
 * Output: with -o, one line per request (start_ms src backend status
 * tokens ttft_ms total_ms, "-1" when not reached); on stdout one summary
 * line of the requests started after the warm-up:
 *   n=… ok=… fail=… ttft_p50=… ttft_p99=… total_p50=… total_p99=… (ms)
 * A request not done TIMEOUT_S (default 30) after its start counts as a
 * failure, with the timeout as its TTFT/completion time for percentiles.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_SRC 16

struct req {
	int fd;
	int src;
	uint64_t start, ttft, done; /* ns; 0 = not yet */
	size_t sent;
	char *buf;
	size_t len, cap;
	int status;
	int tokens;
	bool closed;
	bool failed;
	char backend[32];
};

static struct req *reqs;
static size_t nreq, capreq;
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

static void finish(struct req *r, int ep, uint64_t t)
{
	char *p, *hdr_end;

	if (r->closed)
		return;
	r->closed = true;
	r->done = t;
	epoll_ctl(ep, EPOLL_CTL_DEL, r->fd, NULL);
	close(r->fd);
	if (!r->buf) {
		r->failed = true;
		return;
	}
	r->buf[r->len] = 0;
	if (sscanf(r->buf, "HTTP/%*s %d", &r->status) != 1)
		r->status = 0;
	hdr_end = strstr(r->buf, "\r\n\r\n");
	p = strcasestr(r->buf, "\r\nX-Backend: ");
	if (p && (!hdr_end || p < hdr_end))
		sscanf(p + 13, "%31[^\r\n]", r->backend);
	for (p = r->buf; (p = strstr(p, "\"content\":\"tok")); p += 14)
		r->tokens++;
	if (r->status != 200 || !strstr(r->buf, "[DONE]"))
		r->failed = true;
	free(r->buf);
	r->buf = NULL;
}

int main(int argc, char **argv)
{
	const char *addr = NULL, *out = NULL;
	struct in_addr srcs[MAX_SRC];
	int nsrc = 0, port = 80, maxtok = 16, opt, ep;
	double rate = 0, dur = 0, warm = 0, tmo = 30;
	struct sockaddr_in dst = { .sin_family = AF_INET };
	uint64_t t0, t, next, end, hard_end, interval;
	size_t open_n = 0, i;
	char body[256];

	while ((opt = getopt(argc, argv, "a:p:r:d:b:m:w:o:T:")) != -1) {
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
		default:
			goto usage;
		}
	}
	if (!addr || rate <= 0 || dur <= 0 || maxtok < 1 ||
	    inet_pton(AF_INET, addr, &dst.sin_addr) != 1) {
usage:
		fprintf(stderr, "usage: loadgen -a ADDR [-p PORT] -r RATE -d SECONDS [-b SRC]... "
				"[-m MAX_TOKENS] [-w WARMUP_S] [-o OUT.tsv] [-T TIMEOUT_S]\n");
		return 2;
	}
	dst.sin_port = htons((uint16_t)port);
	signal(SIGPIPE, SIG_IGN);
	snprintf(body, sizeof(body),
		 "{\"model\":\"m\",\"stream\":true,\"max_tokens\":%d,"
		 "\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}",
		 maxtok);
	reqlen = (size_t)snprintf(reqtext, sizeof(reqtext),
				  "POST /v1/chat/completions HTTP/1.0\r\nHost: %s\r\n"
				  "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
				  addr, strlen(body), body);
	capreq = (size_t)(rate * dur) + 16;
	reqs = calloc(capreq, sizeof(*reqs));
	ep = epoll_create1(0);
	if (!reqs || ep < 0)
		return 1;

	interval = (uint64_t)(1e9 / rate);
	t0 = now_ns();
	next = t0;
	end = t0 + (uint64_t)(dur * 1e9);
	hard_end = end + (uint64_t)(tmo * 1e9);
	for (;;) {
		struct epoll_event ev[64];
		int n, k, wait_ms;

		t = now_ns();
		/* start every request that is due */
		while (next <= t && next < end && nreq < capreq) {
			struct req *r = &reqs[nreq];
			struct epoll_event e = { .events = EPOLLOUT | EPOLLIN | EPOLLRDHUP };
			int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

			memset(r, 0, sizeof(*r));
			r->start = next;
			r->fd = fd;
			r->src = nsrc ? (int)(nreq % (size_t)nsrc) : -1;
			nreq++;
			next += interval;
			if (fd < 0) {
				r->failed = r->closed = true;
				continue;
			}
			if (nsrc) {
				struct sockaddr_in sa = { .sin_family = AF_INET,
							  .sin_addr = srcs[r->src] };
				int one = 1;

				setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
				if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
					perror("loadgen: bind");
					close(fd);
					r->failed = r->closed = true;
					continue;
				}
			}
			if (connect(fd, (struct sockaddr *)&dst, sizeof(dst)) && errno != EINPROGRESS) {
				close(fd);
				r->failed = r->closed = true;
				continue;
			}
			e.data.u64 = nreq - 1;
			epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
			open_n++;
		}
		/* time out the stragglers */
		for (i = 0; i < nreq; i++) {
			struct req *r = &reqs[i];

			if (!r->closed && t - r->start > (uint64_t)(tmo * 1e9)) {
				finish(r, ep, t);
				r->failed = true;
				r->done = 0;
				open_n--;
			}
		}
		if (next >= end && open_n == 0)
			break;
		if (t > hard_end)
			break;
		wait_ms = next < end ? (int)((next > t ? next - t : 0) / 1000000) : 100;
		n = epoll_wait(ep, ev, 64, wait_ms);
		t = now_ns();
		for (k = 0; k < n; k++) {
			struct req *r = &reqs[ev[k].data.u64];

			if (r->closed)
				continue;
			if ((ev[k].events & EPOLLOUT) && r->sent < reqlen) {
				ssize_t w = send(r->fd, reqtext + r->sent, reqlen - r->sent,
						 MSG_NOSIGNAL);

				if (w > 0)
					r->sent += (size_t)w;
				else if (w < 0 && errno != EAGAIN) {
					finish(r, ep, t);
					r->failed = true;
					open_n--;
					continue;
				}
				if (r->sent == reqlen) {
					struct epoll_event e = { .events = EPOLLIN | EPOLLRDHUP,
								 .data.u64 = ev[k].data.u64 };

					epoll_ctl(ep, EPOLL_CTL_MOD, r->fd, &e);
				}
			}
			if (ev[k].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
				for (;;) {
					ssize_t m;

					if (r->cap - r->len < 4097) {
						r->cap = r->cap ? r->cap * 2 : 8192;
						r->buf = realloc(r->buf, r->cap);
					}
					m = recv(r->fd, r->buf + r->len, r->cap - r->len - 1, 0);
					if (m > 0) {
						r->len += (size_t)m;
						if (!r->ttft) {
							r->buf[r->len] = 0;
							if (strstr(r->buf, "\"content\":\"tok"))
								r->ttft = t;
						}
						continue;
					}
					if (m == 0 || (errno != EAGAIN && errno != EINTR)) {
						bool err = m < 0;

						finish(r, ep, t);
						if (err)
							r->failed = true;
						open_n--;
					}
					break;
				}
			}
		}
	}

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
		       "total_p99=%.1f\n",
		       n, ok, fail, pct(tt, n, 50), pct(tt, n, 99), pct(tc, n, 50), pct(tc, n, 99));
	}
	return 0;
}
