// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Section class counters: per-class kernel counters, read lazily (struct
 * metrics_lazy) for the classes whose tenant's counters moved.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/internal.h"

/*
 * Class counters by class id into c->class_cs: all of them (one bulk read)
 * when forced or when many tenants moved, else only the classes of the
 * tenants whose counters moved. Returns 1 if anything was read, 0 if
 * nothing could have moved, or a negative errno.
 */
static int class_counters_read(struct metrics_cache *c, const struct metrics_snapshot *s,
			       bool force)
{
	const struct metrics_lazy *lz = &s->lazy;
	const struct policy *p = s->pol;
	uint32_t n = 0;
	size_t i;

	for (i = 0; i < c->n_rows; i++)
		if (c->rows[i].class_id + 1 > n)
			n = c->rows[i].class_id + 1;
	if (force || n != c->n_class_cs || !c->class_cs || !c->tenant_moved ||
	    (!lz->class_stats && c->n_tenant_moved) ||
	    c->n_tenant_moved > p->n_tenants / 16 + 8) {
		struct steer_class_stats *cs = calloc(n + 1, sizeof(*cs));
		int err;

		if (!cs)
			return -ENOMEM;
		err = lz->class_stats ? lz->class_stats(lz->ctx, NULL, n, cs) : -ENOENT;
		if (err) {
			free(cs);
			return err;
		}
		free(c->class_cs);
		c->class_cs = cs;
		c->n_class_cs = n;
		return 1;
	}
	if (!c->n_tenant_moved)
		return 0;
	for (i = 0; i < c->n_rows; i++) {
		const struct metrics_class *r = &c->rows[i];
		uint32_t tid = p->tenants[r->tenant].id;

		if (c->tenant_moved[tid] &&
		    lz->class_stats(lz->ctx, &r->class_id, 1, &c->class_cs[r->class_id]))
			memset(&c->class_cs[r->class_id], 0, sizeof(c->class_cs[0]));
	}
	return 1;
}

struct class_counters_row {
	struct metrics_val new_flows, rejected, packets, bytes;
};

#define F(field) .off = offsetof(struct class_counters_row, field)

static const struct metrics_family class_counter_families[] = {
	{ "steer_class_new_flows_total", METRICS_COUNTER, "New flows steered by the class",
	  F(new_flows) },
	{ "steer_class_rejected_total", METRICS_COUNTER,
	  "New flows rejected by the class (reject action or no usable backend)", F(rejected) },
	{ "steer_class_packets_total", METRICS_COUNTER,
	  "Client-to-backend packets of the class's flows", F(packets) },
	{ "steer_class_bytes_total", METRICS_COUNTER,
	  "Client-to-backend bytes of the class's flows", F(bytes) },
};

/* Per-class counters; a class has series once it saw a flow or a reject. */
int metrics_render_class_counters(struct metrics_cache *c, const struct metrics_snapshot *s,
				  bool force)
{
	struct metrics_buf nb = { 0 }, cl = { 0 };
	struct class_counters_row *r = NULL;
	struct metrics_rows rows = { NULL, sizeof(*r), 0, NULL, NULL };
	char **lbl = NULL;
	size_t i, n = 0;
	int err;

	err = class_counters_read(c, s, force || !c->valid[METRICS_SEC_CLASS_COUNTERS]);
	if (!err && c->valid[METRICS_SEC_CLASS_COUNTERS])
		return 0;
	if (err >= 0) {
		r = calloc(c->n_rows + 1, sizeof(*r));
		lbl = calloc(c->n_rows + 1, sizeof(*lbl));
		nb.oom = !r || !lbl;
	}
	for (i = 0; r && lbl && i < c->n_rows; i++) {
		const struct metrics_class *row = &c->rows[i];
		const struct steer_class_stats *cs = &c->class_cs[row->class_id];

		if (!cs->new_flows && !cs->rejected && !cs->packets)
			continue;
		metrics_class_label(&cl, s->pol, row);
		if (cl.oom || !(lbl[n] = strdup(cl.p))) {
			nb.oom = true;
			break;
		}
		r[n].new_flows = METRICS_V(cs->new_flows);
		r[n].rejected = METRICS_V(cs->rejected);
		r[n].packets = METRICS_V(cs->packets);
		r[n++].bytes = METRICS_V(cs->bytes);
	}
	rows.rows = r;
	rows.n = n;
	rows.labels = lbl;
	METRICS_FAMILIES(&nb, class_counter_families, &rows);
	metrics_labels_free(lbl, n);
	metrics_buf_free(&cl);
	free(r);
	return metrics_replace(c, METRICS_SEC_CLASS_COUNTERS, &nb);
}
