// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The /metrics endpoint: libmicrohttpd with its own polling thread. The
 * text lives in reference-counted segments (one per renderer section); a
 * request takes a reference on each current segment under the mutex and
 * streams them, so a render never waits for a slow scraper and the HTTP
 * thread never reads steerd state.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <microhttpd.h>

#include "util/util.h"
#include "metrics/metrics.h"

#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define METRICS_CONN_LIMIT 32
#define METRICS_CONN_TIMEOUT_S 10

struct metrics_seg {
	unsigned int refs;	/* under metrics_server.lock */
	size_t len;
	char *text;
};

struct metrics_server {
	struct MHD_Daemon *mhd;
	pthread_mutex_t lock;
	struct metrics_seg *cur[METRICS_SEC__MAX];	/* under lock */
	unsigned long scrapes;			/* under lock */
	/* main loop only */
	struct metrics_cache c;
	struct metrics_counts counts;
	bool rendered;
	unsigned long seen_rounds, seen_publishes, seen_changes, seen_reloads;
};

struct metrics_resp {
	struct metrics_server *p;
	struct metrics_seg *seg[METRICS_SEC__MAX];
};

static void seg_put_locked(struct metrics_seg *s)
{
	if (s && !--s->refs) {
		free(s->text);
		free(s);
	}
}

static ssize_t resp_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct metrics_resp *r = cls;
	size_t at = 0, done = 0;
	int i;

	for (i = 0; i < METRICS_SEC__MAX && done < max; i++) {
		const struct metrics_seg *s = r->seg[i];
		size_t off, n;

		if (!s || !s->len)
			continue;
		if (pos >= at + s->len) {
			at += s->len;
			continue;
		}
		off = (size_t)(pos - at);
		n = s->len - off;
		if (n > max - done)
			n = max - done;
		memcpy(buf + done, s->text + off, n);
		done += n;
		pos += n;
		at += s->len;
	}
	return done ? (ssize_t)done : MHD_CONTENT_READER_END_OF_STREAM;
}

static void resp_free(void *cls)
{
	struct metrics_resp *r = cls;
	int i;

	pthread_mutex_lock(&r->p->lock);
	for (i = 0; i < METRICS_SEC__MAX; i++)
		seg_put_locked(r->seg[i]);
	pthread_mutex_unlock(&r->p->lock);
	free(r);
}

static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned int code, const char *text)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(
		strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	if (code == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(c, code, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **con_cls)
{
	struct metrics_server *p = cls;
	struct MHD_Response *resp;
	struct metrics_resp *r;
	enum MHD_Result ret;
	uint64_t total = 0;
	int i;

	(void)version;
	(void)upload;
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD\n");
	if (!*con_cls) { /* first call: headers only; answer on the next */
		*con_cls = p;
		return MHD_YES;
	}
	if (*upload_size) {
		*upload_size = 0; /* a GET body: ignored */
		return MHD_YES;
	}
	if (!strcmp(url, "/"))
		return reply_text(c, MHD_HTTP_OK, "steerd: metrics at /metrics\n");
	if (strcmp(url, "/metrics"))
		return reply_text(c, MHD_HTTP_NOT_FOUND, "not found: try /metrics\n");
	r = calloc(1, sizeof(*r));
	if (!r)
		return MHD_NO;
	r->p = p;
	pthread_mutex_lock(&p->lock);
	p->scrapes++;
	for (i = 0; i < METRICS_SEC__MAX; i++) {
		r->seg[i] = p->cur[i];
		if (r->seg[i]) {
			r->seg[i]->refs++;
			total += r->seg[i]->len;
		}
	}
	pthread_mutex_unlock(&p->lock);
	resp = MHD_create_response_from_callback(total, 64 * 1024, resp_read, r, resp_free);
	if (!resp) {
		resp_free(r);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, METRICS_CONTENT_TYPE);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	ret = MHD_queue_response(c, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

int metrics_start(const char *addr, struct metrics_server **out)
{
	struct sockaddr_storage ss;
	struct metrics_server *p;
	struct timespec ts;
	sigset_t block, old;
	socklen_t len;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO;
	int err;

	*out = NULL;
	err = metrics_parse_addr(addr, &ss, &len);
	if (err)
		return err;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	pthread_mutex_init(&p->lock, NULL);
	p->counts.start_ms = util_now_ms();
	clock_gettime(CLOCK_REALTIME, &ts);
	p->counts.start_time = ts.tv_sec + ts.tv_nsec / 1e9;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/* the HTTP thread must not take the signals steerd reads from a signalfd */
	sigemptyset(&block);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	errno = 0;
	p->mhd = MHD_start_daemon(flags, 0, NULL, NULL, handle, p, MHD_OPTION_SOCK_ADDR,
				  (struct sockaddr *)&ss, MHD_OPTION_CONNECTION_LIMIT,
				  (unsigned int)METRICS_CONN_LIMIT, MHD_OPTION_CONNECTION_TIMEOUT,
				  (unsigned int)METRICS_CONN_TIMEOUT_S, MHD_OPTION_END);
	err = errno;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!p->mhd) {
		pthread_mutex_destroy(&p->lock);
		free(p);
		return err ? -err : -EIO;
	}
	*out = p;
	return 0;
}

void metrics_stop(struct metrics_server *p)
{
	int i;

	if (!p)
		return;
	MHD_stop_daemon(p->mhd); /* joins the thread: no response is left */
	for (i = 0; i < METRICS_SEC__MAX; i++)
		seg_put_locked(p->cur[i]);
	metrics_cache_free(&p->c);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

void metrics_published(struct metrics_server *p, const struct engine_pub_stats *st)
{
	if (p && (st->tables_written || st->tables_deleted || st->classes_written ||
		  st->classes_deleted || st->backends_written || st->tenants_written ||
		  st->services_written))
		p->counts.pub_changes++;
}

void metrics_reloaded(struct metrics_server *p, bool ok)
{
	if (!p)
		return;
	if (ok)
		p->counts.reload_ok++;
	else
		p->counts.reload_fail++;
}

bool metrics_due(const struct metrics_server *p, unsigned long rounds, unsigned long publishes)
{
	return p && (!p->rendered || rounds != p->seen_rounds || publishes != p->seen_publishes ||
		     p->counts.pub_changes != p->seen_changes ||
		     p->counts.reload_ok + p->counts.reload_fail != p->seen_reloads);
}

void metrics_update(struct metrics_server *p, const struct metrics_snapshot *snap)
{
	struct metrics_seg *fresh[METRICS_SEC__MAX] = { 0 };
	struct metrics_snapshot s;
	double t0;
	int i, err;

	if (!p)
		return;
	p->rendered = true;
	p->seen_rounds = snap->rounds;
	p->seen_publishes = snap->publishes;
	p->seen_changes = p->counts.pub_changes;
	p->seen_reloads = p->counts.reload_ok + p->counts.reload_fail;

	pthread_mutex_lock(&p->lock);
	p->counts.scrapes = p->scrapes;
	pthread_mutex_unlock(&p->lock);
	s = *snap;
	s.counts = p->counts;
	t0 = util_now_ms_f();
	err = metrics_render(&p->c, &s);
	p->c.render_ms = util_now_ms_f() - t0;
	if (err)
		log_warn("metrics: render incomplete: %s", strerror(-err));
	/* fresh sections become segments (the text moves, the cache flag stays) */
	for (i = 0; i < METRICS_SEC__MAX; i++) {
		if (!p->c.fresh[i])
			continue;
		fresh[i] = calloc(1, sizeof(*fresh[i]));
		if (!fresh[i])
			continue;
		fresh[i]->refs = 1;
		fresh[i]->text = p->c.sec[i].p;
		fresh[i]->len = p->c.sec[i].len;
		memset(&p->c.sec[i], 0, sizeof(p->c.sec[i]));
	}
	pthread_mutex_lock(&p->lock);
	for (i = 0; i < METRICS_SEC__MAX; i++) {
		if (!fresh[i])
			continue;
		seg_put_locked(p->cur[i]);
		p->cur[i] = fresh[i];
	}
	pthread_mutex_unlock(&p->lock);
}
