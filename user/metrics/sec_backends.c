// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Section backends: policy, published state, kernel counters and load signals per backend. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "metrics/internal.h"
#include "util/util.h"

struct backend_row {
	struct metrics_val state[STEER_BACKEND_FAILING + 1], up, capacity, active, new_flows,
		closed_flows, packets[2], bytes[2], latency, running, waiting, kv, ttft, stale, age;
};

struct backends_view {
	const struct metrics_snapshot *s;
	char **lbl;
};

/* address="ADDR:PORT",family="ipv4|ipv6" after the backend's labels, value 1 */
static void info_samples(const struct metrics_family *f, struct metrics_buf *b, const void *ctx)
{
	const struct backends_view *v = ctx;
	const struct policy *p = v->s->pol;
	size_t i;

	for (i = 0; i < p->n_backends; i++) {
		const struct policy_backend *be = &p->backends[i];
		struct metrics_buf e = { 0 };
		char a[64], ap[80];

		util_addr_format(be->addr, be->family, a, sizeof(a));
		snprintf(ap, sizeof(ap), be->family == STEER_AF_INET6 ? "[%s]:%u" : "%s:%u", a,
			 be->port);
		metrics_label(&e, "address", ap, false);
		metrics_label(&e, "family", metrics_family_name(be->family), true);
		metrics_sample(b, f, v->lbl[i], e.p, 1);
		metrics_buf_free(&e);
	}
}

#define F(field) .off = offsetof(struct backend_row, field)
#define DIRECTION .key = "direction", .vars = { "forward", "reply" }

static const struct metrics_family backend_families[] = {
	{ "steer_backend_info", METRICS_GAUGE, "Backend address and family (value 1)",
	  .samples = info_samples },
	{ "steer_backend_state", METRICS_GAUGE,
	  "State published to the data plane: 1 for the current state "
	  "(unused, active, draining, down, failing), 0 for the others",
	  .key = "state", .var_name = util_backend_state_name, .n_vars = STEER_BACKEND_FAILING + 1,
	  F(state) },
	{ "steer_backend_up", METRICS_GAUGE,
	  "Health check verdict after rise/fall: 1 up, 0 down or not yet known", F(up) },
	{ "steer_backend_capacity", METRICS_GAUGE,
	  "Concurrent requests the backend serves well (policy)", F(capacity) },
	{ "steer_backend_active_flows", METRICS_GAUGE,
	  "Open flows steered to the backend (new - closed, kernel counters)", F(active) },
	{ "steer_backend_new_flows_total", METRICS_COUNTER, "Flows steered to the backend",
	  F(new_flows) },
	{ "steer_backend_closed_flows_total", METRICS_COUNTER,
	  "Flows of the backend seen closing (FIN/RST) or expiring", F(closed_flows) },
	{ "steer_backend_packets_total", METRICS_COUNTER,
	  "Packets steered: forward (client to backend, XDP), reply (backend to client, TC)",
	  DIRECTION, F(packets) },
	{ "steer_backend_bytes_total", METRICS_COUNTER,
	  "Bytes steered: forward (client to backend, XDP), reply (backend to client, TC)",
	  DIRECTION, F(bytes) },
	{ "steer_backend_probe_latency_seconds", METRICS_GAUGE,
	  "Duration of the last successful probe (health, else metrics)", F(latency) },
	{ "steer_backend_running_requests", METRICS_GAUGE,
	  "Running requests last scraped from the model server", F(running) },
	{ "steer_backend_waiting_requests", METRICS_GAUGE,
	  "Waiting (queued) requests last scraped from the model server", F(waiting) },
	{ "steer_backend_kv_cache_usage_ratio", METRICS_GAUGE,
	  "KV-cache use (0..1) last scraped from the model server", F(kv) },
	{ "steer_backend_ttft_seconds", METRICS_GAUGE,
	  "Mean time to first token of the model server's recent requests without queue "
	  "wait, from its own histograms (smoothed; absent when no request finished within "
	  "ttft_memory_ms)",
	  F(ttft) },
	{ "steer_backend_signals_stale", METRICS_GAUGE,
	  "1 if the scraped load signals are older than the staleness bound or were "
	  "never read (decisions then treat them as unknown), else 0",
	  F(stale) },
	{ "steer_backend_signals_age_seconds", METRICS_GAUGE, "Age of the scraped load signals",
	  F(age) },
};

static void backend_row(struct backend_row *r, const struct metrics_snapshot *s, size_t i)
{
	const struct policy_backend *be = &s->pol->backends[i];
	const struct metrics_signals *t = &s->sig[i];
	size_t k;

	for (k = 0; k <= STEER_BACKEND_FAILING; k++)
		r->state[k] = METRICS_V(t->state == k);
	r->up = METRICS_V(t->health_known && t->healthy);
	r->capacity = METRICS_V(be->capacity);
	if (s->backend_stats && be->id < s->n_backend_stats) {
		const struct steer_backend_stats *bs = &s->backend_stats[be->id];

		r->active = METRICS_V(bs->new_flows > bs->closed_flows
					      ? (double)(bs->new_flows - bs->closed_flows)
					      : 0);
		r->new_flows = METRICS_V(bs->new_flows);
		r->closed_flows = METRICS_V(bs->closed_flows);
		r->packets[0] = METRICS_V(bs->packets);
		r->packets[1] = METRICS_V(bs->reply_packets);
		r->bytes[0] = METRICS_V(bs->bytes);
		r->bytes[1] = METRICS_V(bs->reply_bytes);
	}
	if (t->latency_ms >= 0)
		r->latency = METRICS_V(t->latency_ms / 1e3);
	if (t->has_running)
		r->running = METRICS_V(t->running);
	if (t->has_waiting)
		r->waiting = METRICS_V(t->waiting);
	if (t->has_ttft)
		r->ttft = METRICS_V(t->ttft_ms / 1e3);
	if (t->has_kv)
		r->kv = METRICS_V(t->kv_usage);
	r->stale = METRICS_V(!t->metrics_at_ms ||
			     s->now_ms - t->metrics_at_ms > s->pol->staleness_ms);
	if (t->metrics_at_ms)
		r->age = METRICS_V((double)(s->now_ms - t->metrics_at_ms) / 1e3);
}

void metrics_render_backends(struct metrics_buf *b, const struct metrics_snapshot *s, char **lbl)
{
	size_t n = s->pol->n_backends, i;
	struct backend_row *r = calloc(n + 1, sizeof(*r));
	struct backends_view v = { s, lbl };
	struct metrics_rows rows = { r, sizeof(*r), n, lbl, &v };

	if (!r) {
		b->oom = true;
		return;
	}
	for (i = 0; i < n; i++)
		backend_row(&r[i], s, i);
	METRICS_FAMILIES(b, backend_families, &rows);
	free(r);
}

uint32_t metrics_backend_ids(const struct policy *p)
{
	return METRICS_IDS(p->backends, p->n_backends);
}

/* Label text of every backend: backend, id, model, provider, region. */
char **metrics_backend_labels(const struct policy *p)
{
	char **l = calloc(p->n_backends + 1, sizeof(*l));
	size_t i;

	if (!l)
		return NULL;
	for (i = 0; i < p->n_backends; i++) {
		const struct policy_backend *be = &p->backends[i];
		struct metrics_buf b = { 0 };
		char id[16];

		snprintf(id, sizeof(id), "%u", be->id);
		metrics_label(&b, "backend", be->name, false);
		metrics_label(&b, "id", id, true);
		metrics_label(&b, "model", be->model < p->n_models ? p->models[be->model].name : "",
			      true);
		metrics_label(&b, "provider", be->provider, true);
		metrics_label(&b, "region", be->region, true);
		if (b.oom || !b.p) {
			metrics_buf_free(&b);
			metrics_labels_free(l, i);
			return NULL;
		}
		l[i] = b.p;
	}
	return l;
}
