// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The event loop: listening sockets, connections, the timerfd and a
 * signalfd in one level-triggered epoll set.
 *
 * A connection is in one of four states:
 *   CS_READ   reading a request (EPOLLIN); partial requests get 408 after
 *             READ_TIMEOUT_MS, idle keep-alive connections are closed after
 *             IDLE_TIMEOUT_MS;
 *   CS_BUSY   the request waits for a slot or is generating; only EPOLLRDHUP
 *             (FIN from the client, see conn_probe()) and EPOLLOUT (stream
 *             bytes pending) are watched, pipelined bytes stay in the kernel;
 *             a reset connection aborts the request (logged as 499);
 *   CS_FLUSH  the reply is complete and still being sent;
 *   CS_LINGER we sent FIN after a "close" reply and drain the client for
 *             LINGER_MS, so unread request bytes don't turn into an RST
 *             that destroys the reply in flight.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>

#include "mockllm.h"

#define MAX_EVENTS	   256
#define ACCEPT_PAUSE_MS	   100	/* after EMFILE/ENFILE */
#define READ_CHUNK	   (16 * 1024)
#define BUF_KEEP	   (64 * 1024)

struct listener {
	struct watch w;
	char addr[INET6_ADDRSTRLEN + 8];
};

static int epfd = -1;
static struct listener listeners[MAX_LISTEN];
static unsigned int n_listeners;
static struct watch timer_watch = { .fd = -1 };
static struct watch signal_watch = { .fd = -1 };
static struct timer accept_timer;
static bool accept_paused;
static struct conn *conns;
static unsigned int n_conns;
static volatile bool stopping;

static void conn_process(struct conn *c);

/* ---- addresses ---- */

static void format_addr(const struct sockaddr_storage *ss, char *out, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;

		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], ip, sizeof(ip));
			snprintf(out, len, "%s:%u", ip, ntohs(s6->sin6_port));
		} else {
			inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
			snprintf(out, len, "[%s]:%u", ip, ntohs(s6->sin6_port));
		}
	} else if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)ss;

		inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
		snprintf(out, len, "%s:%u", ip, ntohs(s4->sin_port));
	} else {
		snprintf(out, len, "?");
	}
}

/* "1.2.3.4:80", "[::1]:80", "[::]:80" (dual-stack), ":80" or "80" (= [::]:80) */
static int parse_listen(const char *spec, struct sockaddr_storage *ss, socklen_t *sl, bool *any6)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *port_s;
	unsigned long port;
	char *end;
	size_t hl;

	memset(ss, 0, sizeof(*ss));
	*any6 = false;
	if (spec[0] == '[') {
		const char *rb = strchr(spec, ']');

		if (!rb || rb[1] != ':')
			return -1;
		hl = (size_t)(rb - spec - 1);
		port_s = rb + 2;
		if (hl >= sizeof(host))
			return -1;
		memcpy(host, spec + 1, hl);
	} else {
		const char *colon = strrchr(spec, ':');

		if (!colon) {
			hl = 0;
			port_s = spec;
		} else {
			hl = (size_t)(colon - spec);
			port_s = colon + 1;
		}
		if (hl >= sizeof(host) || memchr(spec, ':', hl))
			return -1;
		memcpy(host, spec, hl);
	}
	host[hl] = '\0';
	errno = 0;
	port = strtoul(port_s, &end, 10);
	if (!*port_s || *end || errno || port > 65535)
		return -1;

	if (!hl || spec[0] == '[') {
		struct sockaddr_in6 *s6 = (void *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		if (hl && inet_pton(AF_INET6, host, &s6->sin6_addr) != 1)
			return -1;
		*any6 = IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr);
		*sl = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (void *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
			return -1;
		*sl = sizeof(*s4);
	}
	return 0;
}

/* ---- epoll helpers ---- */

static int watch_add(struct watch *w, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, w->fd, &ev);
}

static void listeners_enable(bool on)
{
	for (unsigned int i = 0; i < n_listeners; i++) {
		struct epoll_event ev = { .events = on ? EPOLLIN : 0, .data.ptr = &listeners[i].w };

		epoll_ctl(epfd, EPOLL_CTL_MOD, listeners[i].w.fd, &ev);
	}
	accept_paused = !on;
}

/* ---- connections ---- */

static void conn_free(struct conn *c)
{
	timer_cancel(&c->timer);
	if (c->w.fd >= 0)
		close(c->w.fd);
	if (c->prev)
		c->prev->next = c->next;
	else
		conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	n_conns--;
	buf_free(&c->in);
	buf_free(&c->out);
	buf_free(&c->req.dechunked);
	api_gen_free(&c->gen);
	free(c);
}

/* Drop the connection; a request still queued or generating is logged as 499. */
void conn_abort(struct conn *c)
{
	if (c->state == CS_BUSY) {
		struct gen *g = &c->gen;

		c->status = 499;
		c->log_tokens = g->stream ? g->emitted : 0;
		if (g->state == GEN_QUEUED)
			c->log_queue_ns = now_ns() - c->ready_ns;
		if (g->first_ns)
			c->log_ttft_ns = g->first_ns - c->ready_ns;
		stats.aborted++;
		stats.gen_tokens += c->log_tokens;
		sched_cancel(c);
		log_request(c);
	}
	conn_free(c);
}

void conn_set_deadline(struct conn *c, uint64_t when)
{
	c->deadline = when;
	if (when != UINT64_MAX && (!timer_armed(&c->timer) || when < c->timer.when))
		timer_arm(&c->timer, when);
}

/* Send what we can; -1 when the peer is gone. */
int conn_flush(struct conn *c)
{
	while (buf_used(&c->out)) {
		ssize_t n = send(c->w.fd, buf_head(&c->out), buf_used(&c->out), MSG_NOSIGNAL);

		if (n > 0) {
			buf_consume(&c->out, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		return -1;
	}
	if (!buf_used(&c->out))
		buf_shrink(&c->out, BUF_KEEP);
	return 0;
}

/* Register the epoll events and the deadline the state needs. */
static void conn_update(struct conn *c)
{
	uint32_t want = 0;

	switch (c->state) {
	case CS_READ:
		want = EPOLLIN | EPOLLRDHUP;
		if (buf_used(&c->in))
			conn_set_deadline(c, c->first_byte_ns + READ_TIMEOUT_MS * NSEC_PER_MSEC);
		else
			conn_set_deadline(c, now_ns() + IDLE_TIMEOUT_MS * NSEC_PER_MSEC);
		break;
	case CS_BUSY:
		if (!c->peer_eof)
			want = EPOLLRDHUP;
		break;
	case CS_FLUSH:
		conn_set_deadline(c, now_ns() + WRITE_TIMEOUT_MS * NSEC_PER_MSEC);
		break;
	case CS_LINGER:
		want = EPOLLIN | EPOLLRDHUP;
		break;
	}
	if (buf_used(&c->out))
		want |= EPOLLOUT;
	if (want != c->events) {
		struct epoll_event ev = { .events = want, .data.ptr = &c->w };

		epoll_ctl(epfd, EPOLL_CTL_MOD, c->w.fd, &ev);
		c->events = want;
	}
}

/* Flush and re-register after bytes were queued outside the event path. */
int conn_push(struct conn *c)
{
	if (conn_flush(c) || buf_used(&c->out) > OUT_MAX) {
		conn_abort(c);
		return -1;
	}
	conn_update(c);
	return 0;
}

/*
 * The client sent FIN while its request waits or generates: it either
 * closed the socket (gone) or only shut down its sending side (still
 * reading). Send a few harmless bytes: a closed socket answers them with an
 * RST, which comes back as EPOLLHUP/EPOLLERR and aborts the request, so
 * dead clients leave the queue and free their slots at once. The probe is
 * an interim "100 Continue" (HTTP/1.1 clients must accept unexpected 1xx
 * replies) or, once a stream is open, an SSE comment line.
 */
static void conn_probe(struct conn *c)
{
	c->keep_alive = false;
	if (c->gen.stream)
		http_stream_data(c, ": ping\n\n", 8);
	else if (c->req.minor >= 1)
		buf_puts(&c->out, "HTTP/1.1 100 Continue\r\n\r\n");
}

/* The reply is queued in c->out: log it and get ready for the next request. */
static void conn_request_done(struct conn *c)
{
	stats.requests++;
	log_request(c);
	http_req_reset(&c->req);
	api_gen_free(&c->gen);
	memset(&c->gen, 0, sizeof(c->gen));
	c->status = 0;
	c->log_model = NULL;
	c->log_tokens = 0;
	c->log_queue_ns = c->log_ttft_ns = 0;
	c->first_byte_ns = buf_used(&c->in) ? now_ns() : 0;
	c->state = CS_FLUSH;
}

void conn_gen_done(struct conn *c)
{
	conn_request_done(c);
	conn_process(c);
}

/* After a "close" reply: FIN, then read until the client's EOF (or timeout). */
static void conn_linger(struct conn *c)
{
	if (shutdown(c->w.fd, SHUT_WR)) {
		conn_free(c);
		return;
	}
	c->state = CS_LINGER;
	buf_free(&c->in);
	c->deadline = UINT64_MAX;
	conn_set_deadline(c, now_ns() + LINGER_MS * NSEC_PER_MSEC);
	conn_update(c);
}

static const char *parse_error_msg(int status)
{
	switch (status) {
	case 400: return "malformed HTTP request";
	case 413: return "request body larger than 1 MiB";
	case 414: return "request target too long";
	case 417: return "unsupported Expect header";
	case 431: return "request header block larger than 16 KiB";
	case 501: return "unsupported method or transfer coding";
	case 505: return "only HTTP/1.0 and HTTP/1.1 are supported";
	default: return "cannot process request";
	}
}

/*
 * Run the connection's state machine as far as it goes without waiting:
 * finish flushing, parse and dispatch requests (pipelined ones in order).
 */
static void conn_process(struct conn *c)
{
	for (;;) {
		int r;

		if (c->state == CS_BUSY || c->state == CS_LINGER)
			break;
		if (c->state == CS_FLUSH) {
			if (conn_flush(c)) {
				conn_free(c);
				return;
			}
			if (buf_used(&c->out))
				break;
			if (!c->keep_alive) {
				conn_linger(c);
				return;
			}
			c->state = CS_READ;
		}

		/* CS_READ: tolerate empty lines before a request line */
		while (!c->req.hdr_len && buf_used(&c->in) &&
		       (buf_head(&c->in)[0] == '\r' || buf_head(&c->in)[0] == '\n'))
			buf_consume(&c->in, 1);
		if (!buf_used(&c->in))
			break;
		r = http_parse(&c->req, buf_head(&c->in), buf_used(&c->in));
		if (r == HTTP_INCOMPLETE && buf_used(&c->in) >= IN_MAX)
			r = 413;	/* e.g. a chunked body in tiny chunks */
		if (r == HTTP_INCOMPLETE) {
			if (c->req.hdr_len && c->req.expect_continue && !c->req.continue_sent &&
			    c->req.minor >= 1) {
				buf_puts(&c->out, "HTTP/1.1 100 Continue\r\n\r\n");
				c->req.continue_sent = true;
			}
			if (c->peer_eof && buf_used(&c->in)) {
				conn_free(c);	/* half a request, then EOF */
				return;
			}
			break;
		}
		c->ready_ns = now_ns();
		if (r != HTTP_COMPLETE) {
			c->keep_alive = false;
			http_error(c, r, "%s", parse_error_msg(r));
			conn_request_done(c);
			continue;
		}
		c->keep_alive = c->req.keep_alive && !c->peer_eof;
		c->deadline = UINT64_MAX;
		if (route_request(c)) {
			buf_consume(&c->in, c->req.total);
			c->state = CS_BUSY;
			if (c->peer_eof)
				conn_probe(c);
			break;
		}
		buf_consume(&c->in, c->req.total);
		conn_request_done(c);
	}
	if (c->state == CS_READ && c->peer_eof) {
		conn_free(c);
		return;
	}
	conn_push(c);
}

/* Read until the socket is drained, EOF, or a request's worth is buffered. */
static int conn_read(struct conn *c)
{
	while (buf_used(&c->in) < IN_MAX) {
		size_t want;
		ssize_t n;

		if (buf_reserve(&c->in, READ_CHUNK))
			return -1;
		want = c->in.cap - c->in.len;
		n = recv(c->w.fd, c->in.data + c->in.len, want, 0);
		if (n > 0) {
			if (!buf_used(&c->in))
				c->first_byte_ns = now_ns();
			c->in.len += (size_t)n;
			if ((size_t)n < want)
				break;	/* short read: drained for now */
			continue;
		}
		if (n == 0) {
			c->peer_eof = true;
			break;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			break;
		return -1;
	}
	return 0;
}

static void conn_linger_read(struct conn *c)
{
	char junk[4096];

	for (;;) {
		ssize_t n = recv(c->w.fd, junk, sizeof(junk), 0);

		if (n > 0)
			continue;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		conn_free(c);	/* EOF or error: done */
		return;
	}
}

static void conn_event(struct watch *w, uint32_t events)
{
	struct conn *c = container_of(w, struct conn, w);

	if (events & EPOLLERR) {
		conn_abort(c);
		return;
	}
	if (c->state == CS_LINGER) {
		conn_linger_read(c);
		return;
	}
	if (events & EPOLLOUT) {
		if (conn_flush(c)) {
			conn_abort(c);
			return;
		}
	}
	if (c->state == CS_READ && (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP))) {
		if (conn_read(c)) {
			conn_free(c);
			return;
		}
	} else if (c->state == CS_BUSY && (events & EPOLLHUP)) {
		conn_abort(c);	/* reset by the client while waiting */
		return;
	} else if (c->state == CS_BUSY && (events & EPOLLRDHUP)) {
		c->peer_eof = true;
		conn_probe(c);
	} else if (events & EPOLLHUP) {
		conn_abort(c);
		return;
	}
	conn_process(c);
}

static void conn_timer(struct timer *t)
{
	struct conn *c = container_of(t, struct conn, timer);
	uint64_t now = now_ns();

	if (c->deadline > now) {
		if (c->deadline != UINT64_MAX)
			timer_arm(t, c->deadline);
		return;
	}
	c->deadline = UINT64_MAX;
	switch (c->state) {
	case CS_READ:
		if (!buf_used(&c->in)) {
			conn_free(c);	/* idle keep-alive connection */
			return;
		}
		c->ready_ns = c->first_byte_ns;	/* total_ms: how long it dribbled */
		c->keep_alive = false;
		http_error(c, 408, "request not received within %u s", READ_TIMEOUT_MS / 1000);
		conn_request_done(c);
		conn_process(c);
		return;
	case CS_BUSY:
		if (c->gen.state == GEN_RUNNING)
			sched_tick(c);
		return;
	case CS_FLUSH:
	case CS_LINGER:
		conn_free(c);	/* the client stopped reading */
		return;
	}
}

static void conn_new(int fd, const struct sockaddr_storage *ss)
{
	struct conn *c = calloc(1, sizeof(*c));
	int one = 1;

	if (!c) {
		close(fd);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->w.fd = fd;
	c->w.fn = conn_event;
	format_addr(ss, c->peer, sizeof(c->peer));
	c->state = CS_READ;
	c->events = EPOLLIN | EPOLLRDHUP;
	timer_init(&c->timer, conn_timer);
	c->deadline = UINT64_MAX;
	if (watch_add(&c->w, c->events)) {
		close(fd);
		free(c);
		return;
	}
	c->next = conns;
	if (conns)
		conns->prev = c;
	conns = c;
	n_conns++;
	conn_set_deadline(c, now_ns() + IDLE_TIMEOUT_MS * NSEC_PER_MSEC);
}

/* ---- listeners, signals ---- */

static void accept_resume(struct timer *t)
{
	(void)t;
	listeners_enable(true);
}

static void listener_event(struct watch *w, uint32_t events)
{
	(void)events;
	for (int i = 0; i < 256; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		int fd = accept4(w->fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd >= 0) {
			conn_new(fd, &ss);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if ((errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) &&
		    !accept_paused) {
			fprintf(stderr, "mockllm: accept: %s (%u connections), pausing\n",
				strerror(errno), n_conns);
			listeners_enable(false);
			timer_arm(&accept_timer, now_ns() + ACCEPT_PAUSE_MS * NSEC_PER_MSEC);
		}
		return;
	}
}

static void timer_event(struct watch *w, uint32_t events)
{
	(void)w;
	(void)events;
	timers_run();
}

static void signal_event(struct watch *w, uint32_t events)
{
	struct signalfd_siginfo si;

	(void)events;
	while (read(w->fd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			stopping = true;
			break;
		case SIGUSR1:
			cfg.healthy = !cfg.healthy;
			fprintf(stderr, "mockllm %s: health %s\n", cfg.name,
				cfg.healthy ? "ok" : "failing");
			break;
		case SIGUSR2:
			cfg.slow = !cfg.slow;
			fprintf(stderr, "mockllm %s: slow mode %s (x%u)\n", cfg.name,
				cfg.slow ? "on" : "off", cfg.slow_factor);
			break;
		}
	}
}

static int listen_one(const char *spec)
{
	struct listener *l = &listeners[n_listeners];
	struct sockaddr_storage ss, bound;
	socklen_t sl, bl = sizeof(bound);
	int fd, one = 1, off = 0;
	bool any6;

	if (parse_listen(spec, &ss, &sl, &any6)) {
		fprintf(stderr, "mockllm: bad --listen '%s' (want ADDR:PORT or [ADDR6]:PORT)\n",
			spec);
		return -1;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 && any6 && errno == EAFNOSUPPORT) {
		/* no IPv6 here: [::] falls back to 0.0.0.0 */
		struct sockaddr_in *s4 = (void *)&ss;
		uint16_t port = ((struct sockaddr_in6 *)&ss)->sin6_port;

		memset(&ss, 0, sizeof(ss));
		s4->sin_family = AF_INET;
		s4->sin_port = port;
		sl = sizeof(*s4);
		fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	}
	if (fd < 0) {
		fprintf(stderr, "mockllm: socket: %s\n", strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, any6 ? &off : &one, sizeof(int));
	if (bind(fd, (struct sockaddr *)&ss, sl) || listen(fd, 4096)) {
		fprintf(stderr, "mockllm: listen %s: %s\n", spec, strerror(errno));
		close(fd);
		return -1;
	}
	getsockname(fd, (struct sockaddr *)&bound, &bl);
	format_addr(&bound, l->addr, sizeof(l->addr));
	if (any6 && bound.ss_family == AF_INET6)	/* say it: dual-stack */
		snprintf(l->addr, sizeof(l->addr), "[::]:%u",
			 ntohs(((struct sockaddr_in6 *)&bound)->sin6_port));
	l->w.fd = fd;
	l->w.fn = listener_event;
	if (watch_add(&l->w, EPOLLIN)) {
		close(fd);
		return -1;
	}
	n_listeners++;
	fprintf(stderr, "mockllm %s: listening on %s (model %s, engine %s, %u slots)\n", cfg.name,
		l->addr, cfg.model, engine_name(cfg.engine), cfg.slots);
	return 0;
}

int server_init(void)
{
	sigset_t mask;

	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0 || timers_init())
		return -1;
	timer_init(&accept_timer, accept_resume);
	timer_watch.fd = timers_fd();
	timer_watch.fn = timer_event;
	if (watch_add(&timer_watch, EPOLLIN))
		return -1;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGUSR2);
	if (sigprocmask(SIG_BLOCK, &mask, NULL))
		return -1;
	signal_watch.fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	signal_watch.fn = signal_event;
	if (signal_watch.fd < 0 || watch_add(&signal_watch, EPOLLIN))
		return -1;

	for (unsigned int i = 0; i < cfg.n_listen; i++)
		if (listen_one(cfg.listen[i]))
			return -1;
	return 0;
}

int server_run(void)
{
	struct epoll_event events[MAX_EVENTS];

	while (!stopping) {
		int n;

		timers_sync();
		n = epoll_wait(epfd, events, MAX_EVENTS, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "mockllm: epoll_wait: %s\n", strerror(errno));
			return -1;
		}
		/*
		 * Handlers only ever free their own connection, and the timerfd
		 * and signalfd are handled after sockets so that no callback frees
		 * a connection whose event is still in this batch.
		 */
		for (int i = 0; i < n; i++) {
			struct watch *w = events[i].data.ptr;

			if (w != &timer_watch && w != &signal_watch)
				w->fn(w, events[i].events);
		}
		for (int i = 0; i < n; i++) {
			struct watch *w = events[i].data.ptr;

			if (w == &timer_watch || w == &signal_watch)
				w->fn(w, events[i].events);
		}
	}
	return 0;
}

void server_fini(void)
{
	/* no kicks, no logs: the queue is torn down together with the connections */
	while (conns) {
		struct conn *c = conns;

		if (c->gen.state != GEN_NONE)
			sched_cancel(c);
		conn_free(c);
	}
	for (unsigned int i = 0; i < n_listeners; i++)
		close(listeners[i].w.fd);
	n_listeners = 0;
	if (signal_watch.fd >= 0)
		close(signal_watch.fd);
	signal_watch.fd = -1;
	timers_fini();
	if (epfd >= 0)
		close(epfd);
	epfd = -1;
}
