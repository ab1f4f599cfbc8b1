// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Sections reasons and tenants: the data plane's reason and per-tenant counters. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/internal.h"

/* ---- data plane reasons ---- */

struct reason_row {
	struct metrics_val packets, bytes;
};

static const struct metrics_family reason_families[] = {
	{ "steer_dp_packets_total", METRICS_COUNTER,
	  "Packets counted under a reason code by the data plane (drops, pass-throughs, "
	  "events), by hook (xdp, tc)",
	  .off = offsetof(struct reason_row, packets) },
	{ "steer_dp_bytes_total", METRICS_COUNTER,
	  "Bytes counted under a reason code by the data plane, by hook (xdp, tc)",
	  .off = offsetof(struct reason_row, bytes) },
};

void metrics_render_reasons(struct metrics_buf *b, const struct metrics_snapshot *s)
{
	static const char *const hooks[] = { "xdp", "tc" };
	struct reason_row r[2 * STEER_R_MAX];
	char text[2 * STEER_R_MAX][96], *lbl[2 * STEER_R_MAX];
	struct metrics_rows rows = { r, sizeof(r[0]), 2 * STEER_R_MAX, lbl, NULL };
	uint32_t i;

	memset(r, 0, sizeof(r));
	for (i = 0; i < 2 * STEER_R_MAX; i++) {
		const struct steer_reason_stats *rs = s->reasons[i / STEER_R_MAX];

		snprintf(text[i], sizeof(text[i]), "hook=\"%s\",reason=\"%s\"",
			 hooks[i / STEER_R_MAX], dp_reason_name(i % STEER_R_MAX));
		lbl[i] = text[i];
		if (!rs)
			continue;
		r[i].packets = METRICS_V(rs[i % STEER_R_MAX].packets);
		r[i].bytes = METRICS_V(rs[i % STEER_R_MAX].bytes);
	}
	METRICS_FAMILIES(b, reason_families, &rows);
}

/* ---- tenants ---- */

struct tenant_row {
	struct metrics_val limit[3], new_flows, active, rejected[3], packets[2], bytes[2];
};

#define F(field) .off = offsetof(struct tenant_row, field)
#define DIRECTION .key = "direction", .vars = { "forward", "reply" }

static const struct metrics_family tenant_limit_families[] = {
	{ "steer_tenant_admit_limit", METRICS_GAUGE,
	  "Admission limits of the tenant (0: unlimited): rate (new connections/s), "
	  "burst, concurrency",
	  .key = "limit", .vars = { "rate", "burst", "concurrency" }, F(limit) },
};

/* only when the counters could be read */
static const struct metrics_family tenant_counter_families[] = {
	{ "steer_tenant_new_flows_total", METRICS_COUNTER,
	  "New flows of the tenant admitted and steered", F(new_flows) },
	{ "steer_tenant_active_flows", METRICS_GAUGE, "Open flows of the tenant (new - closed)",
	  F(active) },
	{ "steer_tenant_rejected_total", METRICS_COUNTER,
	  "New flows of the tenant rejected, by reason: policy (reject action or no "
	  "usable backend), rate (admission rate), concurrency (admission cap)",
	  .key = "reason", .vars = { "policy", "rate", "concurrency" }, F(rejected) },
	{ "steer_tenant_packets_total", METRICS_COUNTER,
	  "Packets of the tenant's steered flows, forward and reply", DIRECTION, F(packets) },
	{ "steer_tenant_bytes_total", METRICS_COUNTER,
	  "Bytes of the tenant's steered flows, forward and reply", DIRECTION, F(bytes) },
};

uint32_t metrics_tenant_ids(const struct policy *p)
{
	return METRICS_IDS(p->tenants, p->n_tenants);
}

/* Did the raw counters change? Keeps a copy in *raw. */
static bool raw_changed(void **raw, size_t *raw_len, const void *now, size_t len)
{
	void *c;

	if (*raw && *raw_len == len && !memcmp(*raw, now, len))
		return false;
	c = malloc(len ? len : 1);
	if (c && len)
		memcpy(c, now, len);
	free(*raw);
	*raw = c;
	*raw_len = c ? len : 0;
	return true;
}

static char *tenant_label(const struct policy_tenant *t)
{
	struct metrics_buf b = { 0 };
	char id[16];

	snprintf(id, sizeof(id), "%u", t->id);
	metrics_label(&b, "tenant", t->name, false);
	metrics_label(&b, "id", id, true);
	if (b.oom)
		metrics_buf_free(&b);
	return b.p;
}

static void tenant_row(struct tenant_row *r, const struct policy_tenant *t,
		       const struct steer_tenant_stats *ts)
{
	r->limit[0] = METRICS_V(t->rate);
	r->limit[1] = METRICS_V(t->burst);
	r->limit[2] = METRICS_V(t->max_conns);
	if (!ts)
		return;
	r->new_flows = METRICS_V(ts->new_flows);
	r->active = METRICS_V(ts->new_flows > ts->closed_flows
				      ? (double)(ts->new_flows - ts->closed_flows)
				      : 0);
	r->rejected[0] = METRICS_V(ts->rejected);
	r->rejected[1] = METRICS_V(ts->admit_rate_drops);
	r->rejected[2] = METRICS_V(ts->admit_conc_drops);
	r->packets[0] = METRICS_V(ts->packets);
	r->packets[1] = METRICS_V(ts->reply_packets);
	r->bytes[0] = METRICS_V(ts->bytes);
	r->bytes[1] = METRICS_V(ts->reply_bytes);
}

/* Which tenants' counters moved since the last render (c->tenant_moved). */
static void tenants_moved(struct metrics_cache *c, const struct steer_tenant_stats *ts, uint32_t n)
{
	const struct steer_tenant_stats *old = c->tenant_raw;
	uint32_t i;

	free(c->tenant_moved);
	c->tenant_moved = calloc(n + 1, 1);
	c->n_tenant_moved = 0;
	for (i = 0; ts && c->tenant_moved && i < n; i++) {
		c->tenant_moved[i] = c->tenant_raw_len != n * sizeof(*ts) ||
				     memcmp(&old[i], &ts[i], sizeof(*ts));
		c->n_tenant_moved += c->tenant_moved[i];
	}
}

int metrics_render_tenants(struct metrics_cache *c, const struct metrics_snapshot *s, bool force)
{
	const struct policy *p = s->pol;
	uint32_t n = metrics_tenant_ids(p);
	const struct steer_tenant_stats *ts =
		s->tenant_stats && s->n_tenant_stats >= n ? s->tenant_stats : NULL;
	struct metrics_buf nb = { 0 };
	struct tenant_row *r;
	struct metrics_rows rows = { NULL, sizeof(*r), p->n_tenants, NULL, NULL };
	char **lbl = NULL;
	size_t i;

	tenants_moved(c, ts, n);
	if (!raw_changed(&c->tenant_raw, &c->tenant_raw_len, ts, ts ? n * sizeof(*ts) : 0) &&
	    !force && c->valid[METRICS_SEC_TENANTS])
		return 0;
	r = calloc(p->n_tenants + 1, sizeof(*r));
	lbl = calloc(p->n_tenants + 1, sizeof(*lbl));
	for (i = 0; r && lbl && i < p->n_tenants; i++) {
		if (!(lbl[i] = tenant_label(&p->tenants[i])))
			break;
		tenant_row(&r[i], &p->tenants[i], ts ? &ts[p->tenants[i].id] : NULL);
	}
	if (r && lbl && i == p->n_tenants) {
		rows.rows = r;
		rows.labels = lbl;
		METRICS_FAMILIES(&nb, tenant_limit_families, &rows);
		if (ts)
			METRICS_FAMILIES(&nb, tenant_counter_families, &rows);
	} else {
		nb.oom = true;
	}
	metrics_labels_free(lbl, p->n_tenants);
	free(r);
	return metrics_replace(c, METRICS_SEC_TENANTS, &nb);
}
