// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Prometheus text rendering of steerd's state, section by section. Runs in
 * the main loop only. The sections whose inputs did not move keep their
 * last text (see prom.h), so a steady gateway renders little: the steerd
 * and backend sections (a few lines per backend) every round, tenants and
 * class counters when their raw counters differ, class series (ids,
 * tables, weights) when a publish wrote something or the policy changed.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "steerd/prom.h"
#include "util/util.h"
#include "steerd/steerd.h"

struct prom_class_row {
	uint32_t tenant;	/* index into policy.tenants */
	uint32_t task;
	uint8_t family;
	uint32_t class_id;
	uint32_t table_id;	/* 0: reject */
	uint32_t w_off, w_n;	/* weights[w_off .. w_off + w_n) */
};

struct prom_weight {
	uint32_t backend;	/* index into policy.backends */
	uint32_t weight;
};

/* ---- buffer ---- */

void prom_buf_free(struct prom_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static bool buf_room(struct prom_buf *b, size_t n)
{
	size_t cap;
	char *p;

	if (b->len + n + 1 <= b->cap)
		return true;
	if (b->oom)
		return false;
	cap = b->cap ? b->cap : 4096;
	while (cap < b->len + n + 1)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p) {
		b->oom = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

static void put(struct prom_buf *b, const char *s, size_t n)
{
	if (!buf_room(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void puts_(struct prom_buf *b, const char *s)
{
	put(b, s, strlen(s));
}

static void put_u64(struct prom_buf *b, uint64_t v)
{
	char tmp[24];
	int i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put(b, tmp + i, sizeof(tmp) - i);
}

static void put_double(struct prom_buf *b, double v)
{
	char tmp[40];
	int n;

	if (isnan(v)) {
		puts_(b, "NaN");
	} else if (isinf(v)) {
		puts_(b, v > 0 ? "+Inf" : "-Inf");
	} else if (v >= 0 && v < 1e15 && v == floor(v)) {
		put_u64(b, (uint64_t)v);
	} else {
		n = snprintf(tmp, sizeof(tmp), "%.9g", v);
		put(b, tmp, (size_t)n);
	}
}

void prom_buf_escape(struct prom_buf *b, const char *s, bool help)
{
	const char *run = s;

	for (; *s; s++) {
		const char *esc = NULL;

		if (*s == '\\')
			esc = "\\\\";
		else if (*s == '\n')
			esc = "\\n";
		else if (*s == '"' && !help)
			esc = "\\\"";
		if (!esc)
			continue;
		put(b, run, (size_t)(s - run));
		put(b, esc, 2);
		run = s + 1;
	}
	put(b, run, (size_t)(s - run));
}

static void header(struct prom_buf *b, const char *name, const char *type, const char *help)
{
	puts_(b, "# HELP ");
	puts_(b, name);
	put(b, " ", 1);
	prom_buf_escape(b, help, true);
	puts_(b, "\n# TYPE ");
	puts_(b, name);
	put(b, " ", 1);
	puts_(b, type);
	put(b, "\n", 1);
}

/* name{lbl,extra} v -- lbl and extra are escaped label text or NULL/"" */
static void sample(struct prom_buf *b, const char *name, const char *lbl, const char *extra,
		   double v)
{
	bool l = lbl && *lbl, e = extra && *extra;

	puts_(b, name);
	if (l || e) {
		put(b, "{", 1);
		if (l)
			puts_(b, lbl);
		if (l && e)
			put(b, ",", 1);
		if (e)
			puts_(b, extra);
		put(b, "}", 1);
	}
	put(b, " ", 1);
	put_double(b, v);
	put(b, "\n", 1);
}

static void label(struct prom_buf *b, const char *k, const char *v, bool comma)
{
	if (comma)
		put(b, ",", 1);
	puts_(b, k);
	put(b, "=\"", 2);
	prom_buf_escape(b, v, false);
	put(b, "\"", 1);
}

/* ---- helpers ---- */

static const char *family_name(uint8_t f)
{
	return f == STEER_AF_INET6 ? "ipv6" : "ipv4";
}

static const char *task_name(const struct policy *p, uint32_t task)
{
	size_t i;

	for (i = 0; i < p->n_tasks; i++)
		if (p->tasks[i].id == task)
			return p->tasks[i].name;
	return "unknown";
}

/* Label text of every backend: backend, id, model, provider, region. */
static char **backend_labels(const struct policy *p)
{
	char **l = calloc(p->n_backends + 1, sizeof(*l));
	size_t i;

	if (!l)
		return NULL;
	for (i = 0; i < p->n_backends; i++) {
		const struct policy_backend *be = &p->backends[i];
		struct prom_buf b = { 0 };
		char id[16];

		snprintf(id, sizeof(id), "%u", be->id);
		label(&b, "backend", be->name, false);
		label(&b, "id", id, true);
		label(&b, "model", be->model < p->n_models ? p->models[be->model].name : "", true);
		label(&b, "provider", be->provider, true);
		label(&b, "region", be->region, true);
		if (b.oom || !b.p) {
			prom_buf_free(&b);
			while (i--)
				free(l[i]);
			free(l);
			return NULL;
		}
		l[i] = b.p;
	}
	return l;
}

static void labels_free(char **l, size_t n)
{
	size_t i;

	for (i = 0; l && i < n; i++)
		free(l[i]);
	free(l);
}

/* ---- steerd's own health ---- */

static void render_steerd(struct prom_buf *b, const struct steerd *d, const struct prom_ctx *cx,
			  const struct prom_render_state *st)
{
	static const char *const kinds[] = { "services", "tasks", "models", "backends",
					     "tenants" };
	const struct policy *p = &d->pol;
	size_t counts[] = { p->n_services, p->n_tasks, p->n_models, p->n_backends,
			    p->n_tenants };
	struct rusage ru;
	double rss = NAN;
	unsigned long pages[2];
	FILE *f;
	size_t i;
	char lbl[64];

	header(b, "steerd_up", "gauge", "1 while steerd runs (a failed scrape means it does not)");
	sample(b, "steerd_up", NULL, NULL, 1);
	header(b, "steerd_start_time_seconds", "gauge", "Start time of steerd, Unix seconds");
	sample(b, "steerd_start_time_seconds", NULL, NULL, cx->start_time);
	header(b, "steerd_uptime_seconds", "gauge", "Seconds since steerd started");
	sample(b, "steerd_uptime_seconds", NULL, NULL,
	       (double)(util_now_ms() - cx->start_ms) / 1e3);
	header(b, "steerd_policy_reloads_total", "counter",
	       "Policy reloads, by result (a failed reload keeps the running policy)");
	sample(b, "steerd_policy_reloads_total", "result=\"success\"", NULL,
	       (double)cx->reload_ok);
	sample(b, "steerd_policy_reloads_total", "result=\"failure\"", NULL,
	       (double)cx->reload_fail);
	header(b, "steerd_policy_objects", "gauge", "Objects in the running policy, by kind");
	for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		snprintf(lbl, sizeof(lbl), "kind=\"%s\"", kinds[i]);
		sample(b, "steerd_policy_objects", lbl, NULL, (double)counts[i]);
	}
	header(b, "steerd_probe_rounds_total", "counter", "Probe rounds completed");
	sample(b, "steerd_probe_rounds_total", NULL, NULL, (double)d->rounds);
	header(b, "steerd_publishes_total", "counter",
	       "Decide + publish runs that reached the maps");
	sample(b, "steerd_publishes_total", NULL, NULL, (double)d->publishes);
	header(b, "steerd_publish_changes_total", "counter",
	       "Publishes that wrote at least one map entry or table");
	sample(b, "steerd_publish_changes_total", NULL, NULL, (double)cx->pub_changes);
	header(b, "steerd_last_decide_seconds", "gauge", "Duration of the last decision run");
	sample(b, "steerd_last_decide_seconds", NULL, NULL, d->last_decide_ms / 1e3);
	header(b, "steerd_last_publish_seconds", "gauge", "Duration of the last publish (map writes)");
	sample(b, "steerd_last_publish_seconds", NULL, NULL, d->last_publish_ms / 1e3);
	header(b, "steerd_classes", "gauge", "Published classes (tenant, task, family)");
	sample(b, "steerd_classes", NULL, NULL, (double)st->n_rows);
	header(b, "steerd_metrics_render_seconds", "gauge",
	       "Duration of the previous metrics render");
	sample(b, "steerd_metrics_render_seconds", NULL, NULL, st->render_ms / 1e3);
	header(b, "steerd_metrics_scrapes_total", "counter", "Requests served on /metrics");
	sample(b, "steerd_metrics_scrapes_total", NULL, NULL, (double)cx->scrapes);

	header(b, "process_cpu_seconds_total", "counter", "User and system CPU time of steerd");
	if (!getrusage(RUSAGE_SELF, &ru))
		sample(b, "process_cpu_seconds_total", NULL, NULL,
		       ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
			       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
	f = fopen("/proc/self/statm", "re");
	if (f) {
		if (fscanf(f, "%lu %lu", &pages[0], &pages[1]) == 2)
			rss = (double)pages[1] * (double)sysconf(_SC_PAGESIZE);
		fclose(f);
	}
	header(b, "process_resident_memory_bytes", "gauge", "Resident memory of steerd");
	if (!isnan(rss))
		sample(b, "process_resident_memory_bytes", NULL, NULL, rss);
	header(b, "process_start_time_seconds", "gauge", "Start time of steerd, Unix seconds");
	sample(b, "process_start_time_seconds", NULL, NULL, cx->start_time);
}

/* ---- backends ---- */

static void render_backends(struct prom_buf *b, const struct steerd *d,
			    const struct steerd_prom_src *src, char **lbl)
{
	static const char *const states[] = { "unused", "active", "draining", "down" };
	const struct policy *p = &d->pol;
	size_t n = p->n_backends, i, s;
	struct steer_backend_stats *bs = calloc(n + 1, sizeof(*bs)), *all = NULL;
	bool *ok = calloc(n + 1, sizeof(*ok));
	uint64_t now = util_now_ms();
	uint32_t max_id = 0;
	char extra[128];

	if (!bs || !ok) {
		b->oom = true;
		goto out;
	}
	for (i = 0; i < n; i++)
		if (p->backends[i].id + 1 > max_id)
			max_id = p->backends[i].id + 1;
	if (src->backend_stats_all) {
		all = calloc(max_id + 1, sizeof(*all));
		if (all && src->backend_stats_all(src->ctx, max_id, all)) {
			free(all);
			all = NULL;
		}
	}
	for (i = 0; i < n; i++) {
		if (all) {
			bs[i] = all[p->backends[i].id];
			ok[i] = true;
		} else {
			ok[i] = src->backend_stats &&
				!src->backend_stats(src->ctx, p->backends[i].id, &bs[i]);
		}
	}
	free(all);

	header(b, "steer_backend_info", "gauge", "Backend address and family (value 1)");
	for (i = 0; i < n; i++) {
		const struct policy_backend *be = &p->backends[i];
		struct prom_buf e = { 0 };
		char a[64], ap[80];

		util_addr_format(be->addr, be->family, a, sizeof(a));
		snprintf(ap, sizeof(ap), be->family == STEER_AF_INET6 ? "[%s]:%u" : "%s:%u", a,
			 be->port);
		label(&e, "address", ap, false);
		label(&e, "family", family_name(be->family), true);
		sample(b, "steer_backend_info", lbl[i], e.p, 1);
		prom_buf_free(&e);
	}
	header(b, "steer_backend_state", "gauge",
	       "State published to the data plane: 1 for the current state "
	       "(unused, active, draining, down), 0 for the others");
	for (i = 0; i < n; i++) {
		uint8_t cur = engine_backend_state(&d->live[i]);

		for (s = 0; s < 4; s++) {
			snprintf(extra, sizeof(extra), "state=\"%s\"", states[s]);
			sample(b, "steer_backend_state", lbl[i], extra, cur == s);
		}
	}
	header(b, "steer_backend_up", "gauge",
	       "Health check verdict after rise/fall: 1 up, 0 down or not yet known");
	for (i = 0; i < n; i++)
		sample(b, "steer_backend_up", lbl[i], NULL,
		       d->track[i].health_known && d->track[i].healthy);
	header(b, "steer_backend_capacity", "gauge",
	       "Concurrent requests the backend serves well (policy)");
	for (i = 0; i < n; i++)
		sample(b, "steer_backend_capacity", lbl[i], NULL, p->backends[i].capacity);

	header(b, "steer_backend_active_flows", "gauge",
	       "Open flows steered to the backend (new - closed, kernel counters)");
	for (i = 0; i < n; i++)
		if (ok[i])
			sample(b, "steer_backend_active_flows", lbl[i], NULL,
			       bs[i].new_flows > bs[i].closed_flows
				       ? (double)(bs[i].new_flows - bs[i].closed_flows)
				       : 0);
	header(b, "steer_backend_new_flows_total", "counter", "Flows steered to the backend");
	for (i = 0; i < n; i++)
		if (ok[i])
			sample(b, "steer_backend_new_flows_total", lbl[i], NULL,
			       (double)bs[i].new_flows);
	header(b, "steer_backend_closed_flows_total", "counter",
	       "Flows of the backend seen closing (FIN/RST) or expiring");
	for (i = 0; i < n; i++)
		if (ok[i])
			sample(b, "steer_backend_closed_flows_total", lbl[i], NULL,
			       (double)bs[i].closed_flows);
	header(b, "steer_backend_packets_total", "counter",
	       "Packets steered: forward (client to backend, XDP), reply (backend to client, TC)");
	for (i = 0; i < n; i++)
		if (ok[i]) {
			sample(b, "steer_backend_packets_total", lbl[i], "direction=\"forward\"",
			       (double)bs[i].packets);
			sample(b, "steer_backend_packets_total", lbl[i], "direction=\"reply\"",
			       (double)bs[i].reply_packets);
		}
	header(b, "steer_backend_bytes_total", "counter",
	       "Bytes steered: forward (client to backend, XDP), reply (backend to client, TC)");
	for (i = 0; i < n; i++)
		if (ok[i]) {
			sample(b, "steer_backend_bytes_total", lbl[i], "direction=\"forward\"",
			       (double)bs[i].bytes);
			sample(b, "steer_backend_bytes_total", lbl[i], "direction=\"reply\"",
			       (double)bs[i].reply_bytes);
		}

	header(b, "steer_backend_probe_latency_seconds", "gauge",
	       "Duration of the last successful probe (health, else metrics)");
	for (i = 0; i < n; i++)
		if (d->track[i].latency_ms >= 0)
			sample(b, "steer_backend_probe_latency_seconds", lbl[i], NULL,
			       d->track[i].latency_ms / 1e3);
	header(b, "steer_backend_running_requests", "gauge",
	       "Running requests last scraped from the model server");
	for (i = 0; i < n; i++)
		if (d->track[i].has_running)
			sample(b, "steer_backend_running_requests", lbl[i], NULL,
			       d->track[i].running);
	header(b, "steer_backend_waiting_requests", "gauge",
	       "Waiting (queued) requests last scraped from the model server");
	for (i = 0; i < n; i++)
		if (d->track[i].has_waiting)
			sample(b, "steer_backend_waiting_requests", lbl[i], NULL,
			       d->track[i].waiting);
	header(b, "steer_backend_kv_cache_usage_ratio", "gauge",
	       "KV-cache use (0..1) last scraped from the model server");
	for (i = 0; i < n; i++)
		if (d->track[i].has_kv)
			sample(b, "steer_backend_kv_cache_usage_ratio", lbl[i], NULL,
			       d->track[i].kv_usage);
	header(b, "steer_backend_signals_stale", "gauge",
	       "1 if the scraped load signals are older than the staleness bound or were "
	       "never read (decisions then treat them as unknown), else 0");
	for (i = 0; i < n; i++) {
		const struct steerd_track *t = &d->track[i];

		sample(b, "steer_backend_signals_stale", lbl[i], NULL,
		       !t->metrics_at_ms || now - t->metrics_at_ms > p->staleness_ms);
	}
	header(b, "steer_backend_signals_age_seconds", "gauge",
	       "Age of the scraped load signals");
	for (i = 0; i < n; i++)
		if (d->track[i].metrics_at_ms)
			sample(b, "steer_backend_signals_age_seconds", lbl[i], NULL,
			       (double)(now - d->track[i].metrics_at_ms) / 1e3);
out:
	free(bs);
	free(ok);
}

/* ---- data plane reasons ---- */

static void render_reasons(struct prom_buf *b, const struct steerd_prom_src *src)
{
	static const char *const hooks[] = { "xdp", "tc" };
	struct steer_reason_stats rs[2][STEER_R_MAX];
	bool ok[2][STEER_R_MAX];
	char lbl[96];
	uint32_t r;
	int h;

	for (h = 0; h < 2; h++) {
		bool bulk = src->reasons_all &&
			    !src->reasons_all(src->ctx, (enum dp_hook)h, STEER_R_MAX, rs[h]);

		for (r = 0; r < STEER_R_MAX; r++)
			ok[h][r] = bulk || (src->reason && !src->reason(src->ctx, (enum dp_hook)h,
									r, &rs[h][r]));
	}
	header(b, "steer_dp_packets_total", "counter",
	       "Packets counted under a reason code by the data plane (drops, pass-throughs, "
	       "events), by hook (xdp, tc)");
	for (h = 0; h < 2; h++)
		for (r = 0; r < STEER_R_MAX; r++)
			if (ok[h][r]) {
				snprintf(lbl, sizeof(lbl), "hook=\"%s\",reason=\"%s\"", hooks[h],
					 dp_reason_name(r));
				sample(b, "steer_dp_packets_total", lbl, NULL,
				       (double)rs[h][r].packets);
			}
	header(b, "steer_dp_bytes_total", "counter",
	       "Bytes counted under a reason code by the data plane, by hook (xdp, tc)");
	for (h = 0; h < 2; h++)
		for (r = 0; r < STEER_R_MAX; r++)
			if (ok[h][r]) {
				snprintf(lbl, sizeof(lbl), "hook=\"%s\",reason=\"%s\"", hooks[h],
					 dp_reason_name(r));
				sample(b, "steer_dp_bytes_total", lbl, NULL, (double)rs[h][r].bytes);
			}
}

/* ---- tenants ---- */

/* Did the raw counters change? Keeps a copy in *raw. */
static bool raw_changed(void **raw, size_t *raw_len, const void *now, size_t len)
{
	void *c;

	if (*raw && *raw_len == len && !memcmp(*raw, now, len))
		return false;
	c = malloc(len ? len : 1);
	if (c)
		memcpy(c, now, len);
	free(*raw);
	*raw = c;
	*raw_len = c ? len : 0;
	return true;
}

static char *tenant_label(const struct policy_tenant *t)
{
	struct prom_buf b = { 0 };
	char id[16];

	snprintf(id, sizeof(id), "%u", t->id);
	label(&b, "tenant", t->name, false);
	label(&b, "id", id, true);
	if (b.oom)
		prom_buf_free(&b);
	return b.p;
}

static int render_tenants(struct prom_render_state *st, const struct steerd *d,
			  const struct steerd_prom_src *src, bool force)
{
	const struct policy *p = &d->pol;
	struct prom_buf nb = { 0 }, *b = &nb;
	struct steer_tenant_stats *ts;
	char **lbl = NULL;
	uint32_t n = 0;
	size_t i;
	int err;

	for (i = 0; i < p->n_tenants; i++)
		if (p->tenants[i].id + 1 > n)
			n = p->tenants[i].id + 1;
	ts = calloc(n + 1, sizeof(*ts));
	if (!ts)
		return -ENOMEM;
	err = src->tenant_stats ? src->tenant_stats(src->ctx, n, ts) : -ENOENT;
	free(st->tenant_moved);
	st->tenant_moved = calloc(n + 1, 1);
	st->n_tenant_moved = 0;
	for (i = 0; !err && st->tenant_moved && i < n; i++) {
		const struct steer_tenant_stats *old = st->tenant_raw;

		st->tenant_moved[i] = st->tenant_raw_len != n * sizeof(*ts) ||
				      memcmp(&old[i], &ts[i], sizeof(*ts));
		st->n_tenant_moved += st->tenant_moved[i];
	}
	if (!raw_changed(&st->tenant_raw, &st->tenant_raw_len, err ? NULL : (void *)ts,
			 err ? 0 : n * sizeof(*ts)) &&
	    !force && st->valid[PROM_SEC_TENANTS]) {
		free(ts);
		return 0;
	}
	lbl = calloc(p->n_tenants + 1, sizeof(*lbl));
	for (i = 0; lbl && i < p->n_tenants; i++)
		if (!(lbl[i] = tenant_label(&p->tenants[i])))
			break;
	if (!lbl || i < p->n_tenants) {
		labels_free(lbl, p->n_tenants);
		free(ts);
		return -ENOMEM;
	}
#define TSTAT(i) (&ts[p->tenants[i].id])
	header(b, "steer_tenant_admit_limit", "gauge",
	       "Admission limits of the tenant (0: unlimited): rate (new connections/s), "
	       "burst, concurrency");
	for (i = 0; i < p->n_tenants; i++) {
		sample(b, "steer_tenant_admit_limit", lbl[i], "limit=\"rate\"",
		       p->tenants[i].rate);
		sample(b, "steer_tenant_admit_limit", lbl[i], "limit=\"burst\"",
		       p->tenants[i].burst);
		sample(b, "steer_tenant_admit_limit", lbl[i], "limit=\"concurrency\"",
		       p->tenants[i].max_conns);
	}
	if (!err) {
		header(b, "steer_tenant_new_flows_total", "counter",
		       "New flows of the tenant admitted and steered");
		for (i = 0; i < p->n_tenants; i++)
			sample(b, "steer_tenant_new_flows_total", lbl[i], NULL,
			       (double)TSTAT(i)->new_flows);
		header(b, "steer_tenant_active_flows", "gauge",
		       "Open flows of the tenant (new - closed)");
		for (i = 0; i < p->n_tenants; i++)
			sample(b, "steer_tenant_active_flows", lbl[i], NULL,
			       TSTAT(i)->new_flows > TSTAT(i)->closed_flows
				       ? (double)(TSTAT(i)->new_flows - TSTAT(i)->closed_flows)
				       : 0);
		header(b, "steer_tenant_rejected_total", "counter",
		       "New flows of the tenant rejected, by reason: policy (reject action or no "
		       "usable backend), rate (admission rate), concurrency (admission cap)");
		for (i = 0; i < p->n_tenants; i++) {
			sample(b, "steer_tenant_rejected_total", lbl[i], "reason=\"policy\"",
			       (double)TSTAT(i)->rejected);
			sample(b, "steer_tenant_rejected_total", lbl[i], "reason=\"rate\"",
			       (double)TSTAT(i)->admit_rate_drops);
			sample(b, "steer_tenant_rejected_total", lbl[i], "reason=\"concurrency\"",
			       (double)TSTAT(i)->admit_conc_drops);
		}
		header(b, "steer_tenant_packets_total", "counter",
		       "Packets of the tenant's steered flows, forward and reply");
		for (i = 0; i < p->n_tenants; i++) {
			sample(b, "steer_tenant_packets_total", lbl[i], "direction=\"forward\"",
			       (double)TSTAT(i)->packets);
			sample(b, "steer_tenant_packets_total", lbl[i], "direction=\"reply\"",
			       (double)TSTAT(i)->reply_packets);
		}
		header(b, "steer_tenant_bytes_total", "counter",
		       "Bytes of the tenant's steered flows, forward and reply");
		for (i = 0; i < p->n_tenants; i++) {
			sample(b, "steer_tenant_bytes_total", lbl[i], "direction=\"forward\"",
			       (double)TSTAT(i)->bytes);
			sample(b, "steer_tenant_bytes_total", lbl[i], "direction=\"reply\"",
			       (double)TSTAT(i)->reply_bytes);
		}
	}
#undef TSTAT
	labels_free(lbl, p->n_tenants);
	free(ts);
	if (nb.oom) {
		prom_buf_free(&nb);
		return -ENOMEM;
	}
	prom_buf_free(&st->sec[PROM_SEC_TENANTS]);
	st->sec[PROM_SEC_TENANTS] = nb;
	st->valid[PROM_SEC_TENANTS] = st->fresh[PROM_SEC_TENANTS] = true;
	return 0;
}

/* ---- classes ---- */

static int ensure_class_ids(struct prom_render_state *st, uint32_t n)
{
	uint64_t *h;
	uint32_t *g;

	if (n <= st->n_class_ids)
		return 0;
	h = realloc(st->class_hash, n * sizeof(*h));
	if (!h)
		return -ENOMEM;
	st->class_hash = h;
	g = realloc(st->class_gen, n * sizeof(*g));
	if (!g)
		return -ENOMEM;
	st->class_gen = g;
	memset(h + st->n_class_ids, 0, (n - st->n_class_ids) * sizeof(*h));
	memset(g + st->n_class_ids, 0, (n - st->n_class_ids) * sizeof(*g));
	st->n_class_ids = n;
	return 0;
}

/* (task, family) pairs the services need, sorted, unique. */
static size_t class_pairs(const struct policy *p, uint32_t *task, uint8_t *fam)
{
	size_t n = 0, i, j;

	for (i = 0; i < p->n_services; i++) {
		uint32_t t = p->services[i].task;
		uint8_t f = p->services[i].family;

		for (j = 0; j < n && (task[j] != t || fam[j] != f); j++)
			;
		if (j < n)
			continue;
		for (j = n; j > 0 && (task[j - 1] > t || (task[j - 1] == t && fam[j - 1] > f));
		     j--) {
			task[j] = task[j - 1];
			fam[j] = fam[j - 1];
		}
		task[j] = t;
		fam[j] = f;
		n++;
	}
	return n;
}

#define PROM_WEIGHT_BUDGET (4u << 20) /* classes x backends */

static int render_classes(struct prom_render_state *st, const struct steerd *d,
			  const struct steerd_prom_src *src, char **blbl)
{
	const struct policy *p = &d->pol;
	size_t np, i, j, k, n_rows = 0, n_w = 0, cap_w = 0;
	uint32_t *ptask = calloc(p->n_services + 1, sizeof(*ptask));
	uint8_t *pfam = calloc(p->n_services + 1, sizeof(*pfam));
	uint32_t *per_backend = calloc(p->n_backends + 1, sizeof(*per_backend));
	struct prom_class_row *rows = NULL;
	struct prom_weight *w = NULL;
	struct prom_buf nb = { 0 }, *b = &nb, cl = { 0 };
	char **clbl = NULL;
	uint32_t max_id = 0;
	bool weights_on;
	int err = -ENOMEM;

	if (!ptask || !pfam || !per_backend)
		goto out;
	np = class_pairs(p, ptask, pfam);
	rows = calloc(p->n_tenants * np + 1, sizeof(*rows));
	if (!rows)
		goto out;
	/*
	 * Weight series cost classes x backends lookups and as many lines: at
	 * 16k classes x 4k backends that is 67M (seconds of CPU, gigabytes).
	 * Past PROM_WEIGHT_BUDGET they are left out (steer_metrics_weights_omitted).
	 */
	weights_on = p->n_tenants * np * p->n_backends <= PROM_WEIGHT_BUDGET;
	for (i = 0; i < p->n_tenants; i++) {
		for (j = 0; j < np; j++) {
			struct prom_class_row *r = &rows[n_rows];
			uint32_t tid = p->tenants[i].id;

			if (!src->class_lookup ||
			    src->class_lookup(src->ctx, tid, ptask[j], pfam[j], &r->class_id,
					      &r->table_id))
				continue;
			r->tenant = (uint32_t)i;
			r->task = ptask[j];
			r->family = pfam[j];
			r->w_off = (uint32_t)n_w;
			for (k = 0; weights_on && r->table_id && src->class_weight &&
				    k < p->n_backends;
			     k++) {
				uint32_t wt;

				if (p->backends[k].family != pfam[j])
					continue;
				wt = src->class_weight(src->ctx, tid, ptask[j], pfam[j],
						       p->backends[k].id);
				if (!wt)
					continue;
				if (n_w == cap_w) {
					size_t c = cap_w ? cap_w * 2 : 1024;
					void *nw = realloc(w, c * sizeof(*w));

					if (!nw)
						goto out;
					w = nw;
					cap_w = c;
				}
				w[n_w].backend = (uint32_t)k;
				w[n_w++].weight = wt;
				per_backend[k]++;
			}
			r->w_n = (uint32_t)(n_w - r->w_off);
			if (r->class_id + 1 > max_id)
				max_id = r->class_id + 1;
			n_rows++;
		}
	}
	if (ensure_class_ids(st, max_id))
		goto out;
	clbl = calloc(n_rows + 1, sizeof(*clbl));
	if (!clbl)
		goto out;
	for (i = 0; i < n_rows; i++) {
		const struct prom_class_row *r = &rows[i];
		uint64_t h = UTIL_FNV_INIT;

		cl.len = 0;
		label(&cl, "tenant", p->tenants[r->tenant].name, false);
		label(&cl, "task", task_name(p, r->task), true);
		label(&cl, "family", family_name(r->family), true);
		if (cl.oom || !(clbl[i] = strdup(cl.p)))
			goto out;
		h = util_fnv_u32(util_fnv_u32(util_fnv_u32(util_fnv_u32(h, p->tenants[r->tenant].id), r->task), r->family),
			r->table_id);
		for (k = 0; k < r->w_n; k++)
			h = util_fnv_u32(util_fnv_u32(h, p->backends[w[r->w_off + k].backend].id),
				w[r->w_off + k].weight);
		if (st->class_hash[r->class_id] != h) {
			st->class_hash[r->class_id] = h;
			st->class_gen[r->class_id]++;
		}
	}

	header(b, "steer_class_id", "gauge",
	       "Class id of (tenant, task, family): its index in the class_stats map");
	for (i = 0; i < n_rows; i++)
		sample(b, "steer_class_id", clbl[i], NULL, rows[i].class_id);
	header(b, "steer_class_table_id", "gauge",
	       "Maglev table the class uses (shared by classes with the same weighted set); "
	       "0: the class rejects new flows");
	for (i = 0; i < n_rows; i++)
		sample(b, "steer_class_table_id", clbl[i], NULL, rows[i].table_id);
	header(b, "steer_class_generation", "gauge",
	       "Times the class's published decision (table, weights) changed since steerd "
	       "started (1 after the first publish)");
	for (i = 0; i < n_rows; i++)
		sample(b, "steer_class_generation", clbl[i], NULL,
		       st->class_gen[rows[i].class_id]);
	header(b, "steer_class_backends", "gauge", "Backends with a weight in the class's set");
	for (i = 0; i < n_rows; i++)
		sample(b, "steer_class_backends", clbl[i], NULL, rows[i].w_n);
	header(b, "steer_backend_weight", "gauge",
	       "Published weight (1..1000) of a backend in a class's set; only classes with a "
	       "table and backends in their set have a series");
	for (i = 0; i < n_rows; i++) {
		for (k = 0; k < rows[i].w_n; k++) {
			const struct prom_weight *x = &w[rows[i].w_off + k];

			puts_(b, "steer_backend_weight{backend=\"");
			prom_buf_escape(b, p->backends[x->backend].name, false);
			puts_(b, "\",");
			puts_(b, clbl[i]);
			puts_(b, "} ");
			put_u64(b, x->weight);
			put(b, "\n", 1);
		}
	}
	header(b, "steer_metrics_weights_omitted", "gauge",
	       "1: too many classes x backends, steer_backend_weight and steer_backend_classes "
	       "are left out (steerctl policy show has the weights)");
	sample(b, "steer_metrics_weights_omitted", "", NULL, !weights_on);
	header(b, "steer_backend_classes", "gauge", "Classes whose set includes the backend");
	for (k = 0; k < p->n_backends; k++)
		sample(b, "steer_backend_classes", blbl[k], NULL, per_backend[k]);
	if (nb.oom)
		goto out;
	prom_buf_free(&st->sec[PROM_SEC_CLASSES]);
	st->sec[PROM_SEC_CLASSES] = nb;
	memset(&nb, 0, sizeof(nb));
	st->valid[PROM_SEC_CLASSES] = st->fresh[PROM_SEC_CLASSES] = true;
	free(st->rows);
	st->rows = rows;
	st->n_rows = n_rows;
	rows = NULL;
	err = 0;
out:
	labels_free(clbl, n_rows);
	prom_buf_free(&cl);
	prom_buf_free(&nb);
	free(rows);
	free(w);
	free(ptask);
	free(pfam);
	free(per_backend);
	return err;
}

/*
 * Class counters by class id into st->class_cs: all of them (one batch
 * lookup) when forced or when many tenants moved, else only the classes of
 * the tenants whose counters moved. Returns 1 if anything was read, 0 if
 * nothing could have moved, or a negative errno.
 */
static int class_counters_read(struct prom_render_state *st, const struct steerd *d,
			       const struct steerd_prom_src *src, bool force)
{
	const struct policy *p = &d->pol;
	uint32_t n = 0;
	size_t i;

	for (i = 0; i < st->n_rows; i++)
		if (st->rows[i].class_id + 1 > n)
			n = st->rows[i].class_id + 1;
	if (force || n != st->n_class_cs || !st->class_cs || !st->tenant_moved ||
	    (!src->class_stat && st->n_tenant_moved) ||
	    st->n_tenant_moved > p->n_tenants / 16 + 8) {
		struct steer_class_stats *cs = calloc(n + 1, sizeof(*cs));
		int err;

		if (!cs)
			return -ENOMEM;
		err = src->class_stats ? src->class_stats(src->ctx, n, cs) : -ENOENT;
		if (err) {
			free(cs);
			return err;
		}
		free(st->class_cs);
		st->class_cs = cs;
		st->n_class_cs = n;
		return 1;
	}
	if (!st->n_tenant_moved)
		return 0;
	for (i = 0; i < st->n_rows; i++) {
		const struct prom_class_row *r = &st->rows[i];
		uint32_t tid = p->tenants[r->tenant].id;

		if (st->tenant_moved[tid] &&
		    src->class_stat(src->ctx, r->class_id, &st->class_cs[r->class_id]))
			memset(&st->class_cs[r->class_id], 0, sizeof(st->class_cs[0]));
	}
	return 1;
}

/* Per-class counters; a class has series once it saw a flow or a reject. */
static int render_class_counters(struct prom_render_state *st, const struct steerd *d,
				 const struct steerd_prom_src *src, bool force)
{
	const struct policy *p = &d->pol;
	struct prom_buf nb = { 0 }, *b = &nb, cl = { 0 };
	size_t i;
	int err, pass;
	static const char *const names[] = { "steer_class_new_flows_total",
					     "steer_class_rejected_total",
					     "steer_class_packets_total", "steer_class_bytes_total" };
	static const char *const helps[] = {
		"New flows steered by the class",
		"New flows rejected by the class (reject action or no usable backend)",
		"Client-to-backend packets of the class's flows",
		"Client-to-backend bytes of the class's flows",
	};

	err = class_counters_read(st, d, src, force || !st->valid[PROM_SEC_CLASS_COUNTERS]);
	if (!err && st->valid[PROM_SEC_CLASS_COUNTERS])
		return 0;
	for (pass = 0; pass < 4; pass++) {
		header(b, names[pass], "counter", helps[pass]);
		for (i = 0; err >= 0 && i < st->n_rows; i++) {
			const struct prom_class_row *r = &st->rows[i];
			const struct steer_class_stats *c = &st->class_cs[r->class_id];
			uint64_t v[] = { c->new_flows, c->rejected, c->packets, c->bytes };

			if (!c->new_flows && !c->rejected && !c->packets)
				continue;
			cl.len = 0;
			label(&cl, "tenant", p->tenants[r->tenant].name, false);
			label(&cl, "task", task_name(p, r->task), true);
			label(&cl, "family", family_name(r->family), true);
			if (cl.p)
				sample(b, names[pass], cl.p, NULL, (double)v[pass]);
		}
	}
	prom_buf_free(&cl);
	if (nb.oom || cl.oom) {
		prom_buf_free(&nb);
		return -ENOMEM;
	}
	prom_buf_free(&st->sec[PROM_SEC_CLASS_COUNTERS]);
	st->sec[PROM_SEC_CLASS_COUNTERS] = nb;
	st->valid[PROM_SEC_CLASS_COUNTERS] = st->fresh[PROM_SEC_CLASS_COUNTERS] = true;
	return 0;
}

/* ---- all ---- */

static int replace(struct prom_render_state *st, enum prom_section s, struct prom_buf *nb)
{
	if (nb->oom) {
		prom_buf_free(nb);
		return -ENOMEM;
	}
	prom_buf_free(&st->sec[s]);
	st->sec[s] = *nb;
	st->valid[s] = st->fresh[s] = true;
	return 0;
}

int prom_render(struct prom_render_state *st, const struct steerd *d,
		const struct steerd_prom_src *src, const struct prom_ctx *cx)
{
	double t0 = util_now_ms_f();
	unsigned long policy = cx->reload_ok;
	bool policy_moved = !st->valid[PROM_SEC_CLASSES] || policy != st->policy_seen;
	bool classes_moved = policy_moved || cx->pub_changes != st->class_gen_seen;
	struct prom_buf nb;
	char **blbl;
	int err = 0, e;

	memset(st->fresh, 0, sizeof(st->fresh));
	blbl = backend_labels(&d->pol);
	if (!blbl)
		return -ENOMEM;

	memset(&nb, 0, sizeof(nb));
	render_backends(&nb, d, src, blbl);
	err = replace(st, PROM_SEC_BACKENDS, &nb);
	memset(&nb, 0, sizeof(nb));
	render_reasons(&nb, src);
	e = replace(st, PROM_SEC_REASONS, &nb);
	err = err ?: e;
	e = render_tenants(st, d, src, policy_moved);
	err = err ?: e;
	if (classes_moved) {
		e = render_classes(st, d, src, blbl);
		if (!e) {
			st->class_gen_seen = cx->pub_changes;
			st->policy_seen = policy;
		}
		err = err ?: e;
	}
	e = render_class_counters(st, d, src, classes_moved);
	err = err ?: e;
	labels_free(blbl, d->pol.n_backends);

	/* last: it reports the render time of the previous call */
	memset(&nb, 0, sizeof(nb));
	render_steerd(&nb, d, cx, st);
	e = replace(st, PROM_SEC_STEERD, &nb);
	err = err ?: e;
	st->render_ms = util_now_ms_f() - t0;
	return err;
}

void prom_render_state_free(struct prom_render_state *st)
{
	int i;

	for (i = 0; i < PROM_SEC__MAX; i++)
		prom_buf_free(&st->sec[i]);
	free(st->class_hash);
	free(st->class_gen);
	free(st->rows);
	free(st->tenant_raw);
	free(st->tenant_moved);
	free(st->class_cs);
	memset(st, 0, sizeof(*st));
}

/* ---- the default source: steerd's data plane and publisher ---- */

static int src_backend(void *ctx, uint32_t id, struct steer_backend_stats *out)
{
	struct steerd *d = ctx;

	return d->dp ? dp_backend_stats_read(d->dp, id, out) : -ENOENT;
}

static int src_reason(void *ctx, enum dp_hook hook, uint32_t reason,
		      struct steer_reason_stats *out)
{
	struct steerd *d = ctx;

	return d->dp ? dp_reason_read(d->dp, hook, reason, out) : -ENOENT;
}

/* Keys 0..n-1 of a per-CPU stats map, summed, in batches (the loader's). */
static int src_bulk(const struct steerd *d, enum dp_map map, uint32_t n, size_t n_u64,
		    uint64_t *out)
{
	return d->dp ? dp_percpu_read_all(d->dp, map, n, n_u64, out) : -ENOENT;
}

static int src_tenants(void *ctx, uint32_t n, struct steer_tenant_stats *out)
{
	return src_bulk(ctx, DP_MAP_TENANT_STATS, n, sizeof(*out) / sizeof(uint64_t),
			(uint64_t *)out);
}

static int src_classes(void *ctx, uint32_t n, struct steer_class_stats *out)
{
	return src_bulk(ctx, DP_MAP_CLASS_STATS, n, sizeof(*out) / sizeof(uint64_t),
			(uint64_t *)out);
}

static int src_backends(void *ctx, uint32_t n, struct steer_backend_stats *out)
{
	return src_bulk(ctx, DP_MAP_BACKEND_STATS, n, sizeof(*out) / sizeof(uint64_t),
			(uint64_t *)out);
}

static int src_reasons(void *ctx, enum dp_hook hook, uint32_t n,
		       struct steer_reason_stats *out)
{
	return src_bulk(ctx, hook == DP_HOOK_TC ? DP_MAP_TC_REASONS : DP_MAP_XDP_REASONS,
			n, sizeof(*out) / sizeof(uint64_t), (uint64_t *)out);
}

static int src_class(void *ctx, uint32_t id, struct steer_class_stats *out)
{
	struct steerd *d = ctx;

	return d->dp ? dp_class_stats_read(d->dp, id, out) : -ENOENT;
}

static int src_lookup(void *ctx, uint32_t tenant, uint32_t task, uint8_t family,
		      uint32_t *class_id, uint32_t *table_id)
{
	struct steerd *d = ctx;

	return d->planner ? engine_planner_class_lookup(d->planner, tenant, task, family, class_id, table_id)
		      : -ENOENT;
}

static uint32_t src_weight(void *ctx, uint32_t tenant, uint32_t task, uint8_t family,
			   uint32_t backend_id)
{
	struct steerd *d = ctx;

	return d->planner ? engine_planner_class_weight(d->planner, tenant, task, family, backend_id) : 0;
}

void steerd_prom_src_default(struct steerd *d, struct steerd_prom_src *src)
{
	memset(src, 0, sizeof(*src));
	src->ctx = d;
	src->backend_stats = src_backend;
	src->backend_stats_all = src_backends;
	src->reasons_all = src_reasons;
	src->tenant_stats = src_tenants;
	src->class_stats = src_classes;
	src->class_stat = src_class;
	src->reason = src_reason;
	src->class_lookup = src_lookup;
	src->class_weight = src_weight;
}

/* ---- --metrics address (here, not in prom_http.c, so tests need no MHD) ---- */

int steerd_prom_parse_addr(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *colon, *port;
	unsigned long v;
	char *end;
	size_t hl;

	memset(ss, 0, sizeof(*ss));
	if (!s || !*s)
		return -EINVAL;
	if (*s == '[') {
		const char *rb = strchr(s, ']');

		if (!rb || rb[1] != ':')
			return -EINVAL;
		hl = (size_t)(rb - s - 1);
		if (!hl || hl >= sizeof(host))
			return -EINVAL;
		memcpy(host, s + 1, hl);
		host[hl] = '\0';
		port = rb + 2;
	} else {
		colon = strrchr(s, ':');
		if (!colon || colon == s || strchr(s, ':') != colon)
			return -EINVAL;
		hl = (size_t)(colon - s);
		if (hl >= sizeof(host))
			return -EINVAL;
		memcpy(host, s, hl);
		host[hl] = '\0';
		port = colon + 1;
	}
	if (*port < '0' || *port > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(port, &end, 10);
	if (errno || *end || !v || v > 65535)
		return -EINVAL;
	if (*s == '[') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1)
			return -EINVAL;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)v);
		*len = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
			return -EINVAL;
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)v);
		*len = sizeof(*a);
	}
	return 0;
}
