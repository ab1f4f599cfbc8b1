// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Connections, driven by the event loop (server.c).
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
#include <errno.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "mockllm.h"

#define READ_CHUNK	   (16 * 1024)
#define BUF_KEEP	   (64 * 1024)

static struct conn *conns;
static unsigned int n_conns;

static void conn_process(struct conn *c);

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
		watch_mod(&c->w, want);
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

void conn_new(int fd, const struct sockaddr_storage *ss)
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

unsigned int conn_count(void)
{
	return n_conns;
}

void conn_free_all(void)
{
	/* no kicks, no logs: the queue is torn down together with the connections */
	while (conns) {
		struct conn *c = conns;

		if (c->gen.state != GEN_NONE)
			sched_cancel(c);
		conn_free(c);
	}
}
