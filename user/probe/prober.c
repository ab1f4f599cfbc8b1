// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Backend prober over the libcurl multi interface.
 *
 * A round is the sequence of transfers (target 0 health, target 0
 * metrics, target 1 health, ...) minus the absent URLs. At most
 * PROBE_MAX_PARALLEL run at once, each in a slot that owns an easy handle
 * and a body buffer; slots and their handles live as long as the prober,
 * and the multi handle keeps the connections, so the next rounds reuse
 * them. probe_poll() runs curl_multi_perform, collects finished
 * transfers into the results, starts queued ones in the freed slots, and
 * waits in curl_multi_poll together with the caller's fds.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/util.h"
#include "probe/probe.h"

#define PROBE_BODY_MIN		(16 * 1024)	/* first body buffer */
#define PROBE_BODY_KEEP		(256 * 1024)	/* larger buffers are freed after use */
#define PROBE_ACCEPT		"Accept: text/plain;version=0.0.4;q=1,*/*;q=0.1"
#define PROBE_ACCEPT_JSON	"Accept: application/json"
#define PROBE_USER_AGENT	"steerd-probe/1"

enum probe_kind {
	PROBE_HEALTH = 0,
	PROBE_METRICS = 1,
};

struct probe_tgt {
	char *health_url;	/* NULL: none */
	char *metrics_url;	/* NULL: none */
	bool has_names;
	struct policy_metric_names names;
	unsigned int pending;	/* transfers not finished yet */
};

struct probe_slot {
	struct probe *p;
	CURL *easy;		/* NULL until first used */
	size_t target;
	enum probe_kind kind;
	char *body;		/* metrics body; health bodies only with a ready field */
	size_t len;		/* bytes received */
	size_t cap;		/* allocated size of body */
	bool over;		/* body exceeded max_body: transfer aborted */
	char errbuf[CURL_ERROR_SIZE];
};

struct probe {
	CURLM *multi;
	struct curl_slist *metrics_hdrs;
	struct curl_slist *json_hdrs;
	long timeout_ms;
	size_t max_body;
	struct probe_tgt *tgt;
	struct probe_result *res;
	size_t n;
	size_t next;		/* next transfer of the round, 0 .. 2n */
	bool running;		/* a round is in progress */
	unsigned int n_free;
	unsigned int free_slots[PROBE_MAX_PARALLEL];	/* stack of idle slot indices */
	struct probe_slot slots[PROBE_MAX_PARALLEL];
};

static pthread_once_t probe_curl_once = PTHREAD_ONCE_INIT;
static CURLcode probe_curl_init_rc;	/* written once */

static void probe_curl_init(void)
{
	probe_curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static int probe_mcode_errno(CURLMcode mc)
{
	return mc == CURLM_OUT_OF_MEMORY ? -ENOMEM : -EIO;
}

/* Grow s->body to hold need bytes (need <= max_body). */
static bool probe_body_reserve(struct probe_slot *s, size_t need)
{
	size_t cap = s->cap ? s->cap : PROBE_BODY_MIN;
	char *nb;

	if (need <= s->cap)
		return true;
	while (cap < need)
		cap = cap > s->p->max_body / 2 ? s->p->max_body : cap * 2;
	nb = realloc(s->body, cap);
	if (!nb)
		return false;
	s->body = nb;
	s->cap = cap;
	return true;
}

static size_t probe_write(char *data, size_t size, size_t nmemb, void *ud)
{
	struct probe_slot *s = ud;
	size_t n = size * nmemb;

	if (n > s->p->max_body - s->len) {
		s->over = true;
		return 0;	/* aborts the transfer */
	}
	if (s->kind == PROBE_METRICS || s->p->tgt[s->target].names.health.ready[0]) {
		if (!probe_body_reserve(s, s->len + n))
			return 0;
		memcpy(s->body + s->len, data, n);
	}
	s->len += n;
	return n;
}

/* http and https only (CURLOPT_PROTOCOLS_STR: libcurl 7.85+). */
static CURLcode probe_protocols(CURL *e)
{
#if LIBCURL_VERSION_NUM >= 0x075500
	return curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	return curl_easy_setopt(e, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
}

/* Options that stay the same for every transfer of the slot. */
static int probe_easy_setup(struct probe *p, struct probe_slot *s)
{
	CURL *e = curl_easy_init();
	CURLcode rc = CURLE_OK;

	if (!e)
		return -ENOMEM;
	if (!rc)
		rc = curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	if (!rc)
		rc = curl_easy_setopt(e, CURLOPT_PROXY, "");
	if (!rc)
		rc = curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	if (!rc)
		rc = probe_protocols(e);
	if (!rc)
		rc = curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, p->timeout_ms);
	if (!rc)
		rc = curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, p->timeout_ms);
	if (!rc)
		rc = curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)p->max_body);
	if (!rc)
		rc = curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 0L);
	if (!rc)
		rc = curl_easy_setopt(e, CURLOPT_NOPROGRESS, 1L);
	if (!rc)
		rc = curl_easy_setopt(e, CURLOPT_USERAGENT, PROBE_USER_AGENT);
	if (!rc)
		rc = curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, probe_write);
	if (!rc)
		rc = curl_easy_setopt(e, CURLOPT_WRITEDATA, s);
	if (!rc)
		rc = curl_easy_setopt(e, CURLOPT_PRIVATE, s);
	if (!rc)
		rc = curl_easy_setopt(e, CURLOPT_ERRORBUFFER, s->errbuf);
	if (rc) {
		curl_easy_cleanup(e);
		return rc == CURLE_OUT_OF_MEMORY ? -ENOMEM : -EIO;
	}
	s->easy = e;
	return 0;
}

static void probe_set_error(struct probe_result *r, enum probe_kind kind, const char *msg)
{
	/* The health error wins over the metrics one, whatever ended first. */
	if (r->error[0] && kind == PROBE_METRICS)
		return;
	snprintf(r->error, sizeof(r->error), "%s: %s", kind == PROBE_HEALTH ? "health" : "metrics",
		 msg);
}

/* Mark one transfer of target i finished. */
static void probe_target_step(struct probe *p, size_t i)
{
	if (p->tgt[i].pending && --p->tgt[i].pending == 0)
		p->res[i].done_ms = util_now_ms();
}

/* Method and body of the request (a POST body is copied by libcurl). */
static CURLcode probe_method(CURL *e, uint8_t method, const char *body)
{
	CURLcode rc;

	if (method != POLICY_HTTP_POST)
		return curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	rc = curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	if (!rc)
		rc = curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, body);
	return rc;
}

/* Start transfer kind of target i in a free slot. */
static int probe_launch(struct probe *p, size_t i, enum probe_kind kind, const char *url)
{
	unsigned int idx = p->free_slots[p->n_free - 1];
	struct probe_slot *s = &p->slots[idx];
	const struct probe_tgt *t = &p->tgt[i];
	bool json = kind == PROBE_METRICS ? t->names.format == POLICY_LOAD_JSON
					  : t->names.health.ready[0] != '\0';
	struct curl_slist *hdrs = json ? p->json_hdrs
				       : kind == PROBE_METRICS ? p->metrics_hdrs : NULL;
	uint8_t method = kind == PROBE_METRICS ? t->names.method : t->names.health.method;
	CURLMcode mc;
	int err;

	if (!s->easy) {
		err = probe_easy_setup(p, s);
		if (err)
			return err;
	}
	if (curl_easy_setopt(s->easy, CURLOPT_URL, url) ||
	    curl_easy_setopt(s->easy, CURLOPT_HTTPHEADER, hdrs) ||
	    probe_method(s->easy, method, kind == PROBE_METRICS ? t->names.body : ""))
		return -ENOMEM;
	s->target = i;
	s->kind = kind;
	s->len = 0;
	s->over = false;
	s->errbuf[0] = '\0';
	mc = curl_multi_add_handle(p->multi, s->easy);
	if (mc)
		return probe_mcode_errno(mc);
	p->n_free--;
	return 0;
}

/* Start queued transfers while slots are free. Returns how many started. */
static unsigned int probe_refill(struct probe *p)
{
	unsigned int started = 0;

	while (p->n_free && p->next < 2 * p->n) {
		size_t i = p->next / 2;
		enum probe_kind kind = p->next % 2 ? PROBE_METRICS : PROBE_HEALTH;
		const struct probe_tgt *t = &p->tgt[i];
		const char *url = kind == PROBE_METRICS ? t->metrics_url : t->health_url;
		int err;

		p->next++;
		if (!url)
			continue;
		err = probe_launch(p, i, kind, url);
		if (err) {
			probe_set_error(&p->res[i], kind,
					err == -ENOMEM ? "out of memory" : "libcurl error");
			probe_target_step(p, i);
			continue;
		}
		started++;
	}
	if (p->next >= 2 * p->n && p->n_free == PROBE_MAX_PARALLEL)
		p->running = false;
	return started;
}

/* Copy src into dst[len], truncated, always NUL-terminated (len > 0). */
static void probe_copy(char *dst, size_t len, const char *src)
{
	size_t n = strnlen(src, len - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Text for a failed transfer, "" if it succeeded with a 2xx. */
static void probe_describe(const struct probe *p, const struct probe_slot *s, CURLcode rc,
			   long code, char *buf, size_t len)
{
	long os_err = 0;

	buf[0] = '\0';
	if (rc == CURLE_OK) {
		if (code < 200 || code > 299)
			snprintf(buf, len, "HTTP %ld", code);
		return;
	}
	if (s->over || rc == CURLE_FILESIZE_EXCEEDED) {
		snprintf(buf, len, "response over %zu bytes", p->max_body);
		return;
	}
	if (rc == CURLE_OPERATION_TIMEDOUT) {
		snprintf(buf, len, "timeout after %ld ms", p->timeout_ms);
		return;
	}
	curl_easy_getinfo(s->easy, CURLINFO_OS_ERRNO, &os_err);
	if (rc == CURLE_COULDNT_CONNECT && os_err == ECONNREFUSED) {
		snprintf(buf, len, "connect refused");
		return;
	}
	probe_copy(buf, len, s->errbuf[0] ? s->errbuf : curl_easy_strerror(rc));
}

/* Record a finished transfer and give its slot back. */
static void probe_finish(struct probe *p, struct probe_slot *s, CURLcode rc)
{
	struct probe_result *r = &p->res[s->target];
	curl_off_t us = 0;
	long code = 0;
	char err[128];
	double ms;

	curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_getinfo(s->easy, CURLINFO_TOTAL_TIME_T, &us);
	ms = (double)us / 1000.0;
	probe_describe(p, s, rc, code, err, sizeof(err));
	if (s->kind == PROBE_HEALTH) {
		const char *ready = p->tgt[s->target].names.health.ready;

		r->health_code = code;
		r->health_ms = ms;
		if (!err[0] && ready[0] && !probe_json_true(s->body, s->len, ready))
			snprintf(err, sizeof(err), "%.100s is not true", ready);
		r->healthy = !err[0];
	} else {
		const struct probe_tgt *t = &p->tgt[s->target];

		r->metrics_code = code;
		r->metrics_ms = ms;
		if (!err[0])
			probe_read_signals(r, t->has_names ? &t->names : NULL, s->body, s->len,
					   err, sizeof(err));
		else if (code == 404 && t->has_names && t->names.hint_404[0])
			snprintf(err + strlen(err), sizeof(err) - strlen(err), " (%s)",
				 t->names.hint_404);
	}
	if (err[0])
		probe_set_error(r, s->kind, err);
	curl_multi_remove_handle(p->multi, s->easy);
	if (s->cap > PROBE_BODY_KEEP) {
		free(s->body);
		s->body = NULL;
		s->cap = 0;
	}
	p->free_slots[p->n_free++] = (unsigned int)(s - p->slots);
	probe_target_step(p, s->target);
}

/* Run transfers, collect the finished ones, start queued ones. */
static int probe_drive(struct probe *p)
{
	unsigned int started;

	do {
		CURLMcode mc;
		CURLMsg *m;
		int left;

		mc = curl_multi_perform(p->multi, &left);
		if (mc)
			return probe_mcode_errno(mc);
		while ((m = curl_multi_info_read(p->multi, &left))) {
			char *priv = NULL;

			if (m->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &priv);
			if (priv)
				probe_finish(p, (struct probe_slot *)priv, m->data.result);
		}
		started = probe_refill(p);
	} while (started);
	return 0;
}

struct probe *probe_new(long timeout_ms, size_t max_body)
{
	struct probe *p;
	unsigned int i;

	if (timeout_ms <= 0 || max_body == 0) {
		errno = EINVAL;
		return NULL;
	}
	pthread_once(&probe_curl_once, probe_curl_init);
	if (probe_curl_init_rc) {
		errno = EIO;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->timeout_ms = timeout_ms;
	p->max_body = max_body;
	p->multi = curl_multi_init();
	p->metrics_hdrs = curl_slist_append(NULL, PROBE_ACCEPT);
	p->json_hdrs = curl_slist_append(NULL, PROBE_ACCEPT_JSON);
	if (!p->multi || !p->metrics_hdrs || !p->json_hdrs ||
	    curl_multi_setopt(p->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)PROBE_MAX_PARALLEL) ||
	    curl_multi_setopt(p->multi, CURLMOPT_MAXCONNECTS, (long)PROBE_MAX_PARALLEL)) {
		probe_free(p);
		errno = ENOMEM;
		return NULL;
	}
	for (i = 0; i < PROBE_MAX_PARALLEL; i++) {
		p->slots[i].p = p;
		p->free_slots[i] = PROBE_MAX_PARALLEL - 1 - i;
	}
	p->n_free = PROBE_MAX_PARALLEL;
	return p;
}

static void probe_targets_free(struct probe_tgt *t, size_t n)
{
	size_t i;

	for (i = 0; t && i < n; i++) {
		free(t[i].health_url);
		free(t[i].metrics_url);
	}
	free(t);
}

void probe_free(struct probe *p)
{
	unsigned int i;

	if (!p)
		return;
	for (i = 0; i < PROBE_MAX_PARALLEL; i++) {
		struct probe_slot *s = &p->slots[i];

		if (s->easy && p->multi)
			curl_multi_remove_handle(p->multi, s->easy);
		if (s->easy)
			curl_easy_cleanup(s->easy);
		free(s->body);
	}
	if (p->multi)
		curl_multi_cleanup(p->multi);
	curl_slist_free_all(p->metrics_hdrs);
	curl_slist_free_all(p->json_hdrs);
	probe_targets_free(p->tgt, p->n);
	free(p->res);
	free(p);
}

/* Copy of url, NULL for NULL or "". */
static bool probe_url_dup(const char *url, char **out)
{
	*out = NULL;
	if (!url || !url[0])
		return true;
	*out = strdup(url);
	return *out != NULL;
}

static int probe_targets_copy(const struct probe_target *t, size_t n,
			      struct probe_tgt *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!probe_url_dup(t[i].health_url, &out[i].health_url) ||
		    !probe_url_dup(t[i].metrics_url, &out[i].metrics_url))
			return -ENOMEM;
		out[i].has_names = t[i].names != NULL;
		if (t[i].names)
			out[i].names = *t[i].names;

		out[i].pending = !!out[i].health_url + !!out[i].metrics_url;
	}
	return 0;
}

int probe_start(struct probe *p, const struct probe_target *t, size_t n)
{
	struct probe_result *res;
	struct probe_tgt *tgt;
	uint64_t now;
	size_t i;
	int err;

	if (!p || (!t && n))
		return -EINVAL;
	if (p->running)
		return -EBUSY;
	if (n > SIZE_MAX / 2 / sizeof(*res))
		return -EINVAL;
	tgt = calloc(n ? n : 1, sizeof(*tgt));
	res = calloc(n ? n : 1, sizeof(*res));
	err = tgt && res ? probe_targets_copy(t, n, tgt) : -ENOMEM;
	if (err) {
		probe_targets_free(tgt, n);
		free(res);
		return err;
	}
	probe_targets_free(p->tgt, p->n);
	free(p->res);
	p->tgt = tgt;
	p->res = res;
	p->n = n;
	p->next = 0;
	now = util_now_ms();
	for (i = 0; i < n; i++) {
		res[i].health_checked = tgt[i].health_url != NULL;
		if (!tgt[i].pending)
			res[i].done_ms = now;
	}
	p->running = true;
	probe_refill(p);
	return 0;
}

int probe_poll(struct probe *p, struct curl_waitfd *extra, unsigned int n_extra,
		int timeout_ms)
{
	bool was_running;
	unsigned int i;
	CURLMcode mc;
	int err;

	if (!p || (n_extra && !extra))
		return -EINVAL;
	was_running = p->running;
	err = probe_drive(p);
	if (err)
		return err;
	if (was_running && !p->running) {
		/* the round just ended: tell the caller now, the fds were not polled */
		for (i = 0; i < n_extra; i++)
			extra[i].revents = 0;
		return 0;
	}
	mc = curl_multi_poll(p->multi, extra, n_extra, timeout_ms > 0 ? timeout_ms : 0, NULL);
	if (mc)
		return probe_mcode_errno(mc);
	return probe_drive(p);
}

void probe_cancel(struct probe *p)
{
	unsigned int i;

	if (!p || !p->running)
		return;
	for (i = 0; i < PROBE_MAX_PARALLEL; i++) {
		struct probe_slot *s = &p->slots[i];

		if (s->easy)
			curl_multi_remove_handle(p->multi, s->easy);
		s->len = 0;
	}
	for (i = 0; i < PROBE_MAX_PARALLEL; i++)
		p->free_slots[i] = PROBE_MAX_PARALLEL - 1 - i;
	p->n_free = PROBE_MAX_PARALLEL;
	p->next = 2 * p->n;
	p->running = false;
}

bool probe_done(const struct probe *p)
{
	return !p || !p->running;
}

const struct probe_result *probe_results(const struct probe *p, size_t *n)
{
	if (n)
		*n = p ? p->n : 0;
	return p ? p->res : NULL;
}
