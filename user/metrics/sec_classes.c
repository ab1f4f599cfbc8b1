// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Section classes: what the publisher published for each (tenant, task,
 * family) -- ids, tables, generations, weights --, looked up lazily
 * (struct metrics_lazy) when a publish wrote something or the policy changed.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/internal.h"
#include "util/util.h"

struct metrics_weight {
	uint32_t backend;	/* index into policy.backends */
	uint32_t weight;
};

/* What the classes section is rendered from. */
struct classes_view {
	const struct policy *p;
	struct metrics_class *rows;
	size_t n_rows;
	struct metrics_weight *w;
	size_t n_w, cap_w;
	uint32_t *per_backend;	/* by backend index: classes with it in their set */
	char **clbl;		/* per row: tenant, task, family */
	bool weights_on;
};

void metrics_class_label(struct metrics_buf *b, const struct policy *p,
			const struct metrics_class *r)
{
	b->len = 0;
	metrics_label(b, "tenant", p->tenants[r->tenant].name, false);
	metrics_label(b, "task", policy_task_name(p, r->task) ?: "unknown", true);
	metrics_label(b, "family", metrics_family_name(r->family), true);
}

static int ensure_class_ids(struct metrics_cache *c, uint32_t n)
{
	uint64_t *h;
	uint32_t *g;

	if (n <= c->n_class_ids)
		return 0;
	h = realloc(c->class_hash, n * sizeof(*h));
	if (!h)
		return -ENOMEM;
	c->class_hash = h;
	g = realloc(c->class_gen, n * sizeof(*g));
	if (!g)
		return -ENOMEM;
	c->class_gen = g;
	memset(h + c->n_class_ids, 0, (n - c->n_class_ids) * sizeof(*h));
	memset(g + c->n_class_ids, 0, (n - c->n_class_ids) * sizeof(*g));
	c->n_class_ids = n;
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

/* The published weights of row r (its backends of its family) into v->w. */
static int class_weights(struct classes_view *v, const struct metrics_lazy *lz,
			 struct metrics_class *r, uint32_t tid)
{
	const struct policy *p = v->p;
	size_t k;

	r->w_off = (uint32_t)v->n_w;
	for (k = 0; v->weights_on && r->table_id && lz->class_weight && k < p->n_backends; k++) {
		uint32_t wt;

		if (p->backends[k].family != r->family)
			continue;
		wt = lz->class_weight(lz->ctx, tid, r->task, r->family, p->backends[k].id);
		if (!wt)
			continue;
		if (v->n_w == v->cap_w) {
			size_t c = v->cap_w ? v->cap_w * 2 : 1024;
			void *nw = realloc(v->w, c * sizeof(*v->w));

			if (!nw)
				return -ENOMEM;
			v->w = nw;
			v->cap_w = c;
		}
		v->w[v->n_w].backend = (uint32_t)k;
		v->w[v->n_w++].weight = wt;
		v->per_backend[k]++;
	}
	r->w_n = (uint32_t)(v->n_w - r->w_off);
	return 0;
}

#define METRICS_WEIGHT_BUDGET (4u << 20) /* classes x backends */

/* Every published class of the policy into v->rows; returns max class id + 1 or -ENOMEM. */
static int64_t classes_read(struct classes_view *v, const struct metrics_lazy *lz)
{
	const struct policy *p = v->p;
	uint32_t *ptask = calloc(p->n_services + 1, sizeof(*ptask));
	uint8_t *pfam = calloc(p->n_services + 1, sizeof(*pfam));
	int64_t max_id = -ENOMEM;
	size_t np, i, j;

	if (!ptask || !pfam)
		goto out;
	np = class_pairs(p, ptask, pfam);
	v->rows = calloc(p->n_tenants * np + 1, sizeof(*v->rows));
	if (!v->rows)
		goto out;
	/*
	 * Weight series cost classes x backends lookups and as many lines: at
	 * 16k classes x 4k backends that is 67M (seconds of CPU, gigabytes).
	 * Past METRICS_WEIGHT_BUDGET they are left out (steer_metrics_weights_omitted).
	 */
	v->weights_on = p->n_tenants * np * p->n_backends <= METRICS_WEIGHT_BUDGET;
	max_id = 0;
	for (i = 0; i < p->n_tenants; i++) {
		for (j = 0; j < np; j++) {
			struct metrics_class *r = &v->rows[v->n_rows];
			uint32_t tid = p->tenants[i].id;

			if (!lz->class_lookup || lz->class_lookup(lz->ctx, tid, ptask[j], pfam[j],
								  &r->class_id, &r->table_id))
				continue;
			r->tenant = (uint32_t)i;
			r->task = ptask[j];
			r->family = pfam[j];
			if (class_weights(v, lz, r, tid)) {
				max_id = -ENOMEM;
				goto out;
			}
			if (r->class_id + 1 > max_id)
				max_id = r->class_id + 1;
			v->n_rows++;
		}
	}
out:
	free(ptask);
	free(pfam);
	return max_id;
}

/* Labels of the rows, and their generations: bumped when the published decision moved. */
static int classes_label(struct classes_view *v, struct metrics_cache *c)
{
	const struct policy *p = v->p;
	struct metrics_buf cl = { 0 };
	size_t i, k;
	int err = 0;

	v->clbl = calloc(v->n_rows + 1, sizeof(*v->clbl));
	for (i = 0; v->clbl && i < v->n_rows; i++) {
		const struct metrics_class *r = &v->rows[i];
		const struct metrics_weight *w = &v->w[r->w_off];
		uint64_t h = UTIL_FNV_INIT;

		metrics_class_label(&cl, p, r);
		if (cl.oom || !(v->clbl[i] = strdup(cl.p)))
			break;
		h = util_fnv_u32(h, p->tenants[r->tenant].id);
		h = util_fnv_u32(h, r->task);
		h = util_fnv_u32(h, r->family);
		h = util_fnv_u32(h, r->table_id);
		for (k = 0; k < r->w_n; k++) {
			h = util_fnv_u32(h, p->backends[w[k].backend].id);
			h = util_fnv_u32(h, w[k].weight);
		}
		if (c->class_hash[r->class_id] != h) {
			c->class_hash[r->class_id] = h;
			c->class_gen[r->class_id]++;
		}
	}
	if (!v->clbl || i < v->n_rows)
		err = -ENOMEM;
	metrics_buf_free(&cl);
	return err;
}

struct class_row {
	struct metrics_val id, table, gen, backends;
};

/* backend="NAME" first, then the class's labels */
static void weight_samples(const struct metrics_family *f, struct metrics_buf *b,
			   const void *ctx)
{
	const struct classes_view *v = ctx;
	struct metrics_buf bl = { 0 };
	size_t i, k;

	for (i = 0; i < v->n_rows; i++) {
		for (k = 0; k < v->rows[i].w_n; k++) {
			const struct metrics_weight *x = &v->w[v->rows[i].w_off + k];

			bl.len = 0;
			metrics_label(&bl, "backend", v->p->backends[x->backend].name, false);
			if (bl.oom)
				b->oom = true;
			else
				metrics_sample(b, f, bl.p, v->clbl[i], x->weight);
		}
	}
	metrics_buf_free(&bl);
}

static void omitted_samples(const struct metrics_family *f, struct metrics_buf *b,
			    const void *ctx)
{
	const struct classes_view *v = ctx;

	metrics_sample(b, f, NULL, NULL, !v->weights_on);
}

struct backend_classes_row {
	struct metrics_val classes;
};

#define F(field) .off = offsetof(struct class_row, field)

static const struct metrics_family class_families[] = {
	{ "steer_class_id", METRICS_GAUGE,
	  "Class id of (tenant, task, family): its index in the class_stats map", F(id) },
	{ "steer_class_table_id", METRICS_GAUGE,
	  "Maglev table the class uses (shared by classes with the same weighted set); "
	  "0: the class rejects new flows",
	  F(table) },
	{ "steer_class_generation", METRICS_GAUGE,
	  "Times the class's published decision (table, weights) changed since steerd "
	  "started (1 after the first publish)",
	  F(gen) },
	{ "steer_class_backends", METRICS_GAUGE, "Backends with a weight in the class's set",
	  F(backends) },
};

static const struct metrics_family weight_families[] = {
	{ "steer_backend_weight", METRICS_GAUGE,
	  "Published weight (1..1000) of a backend in a class's set; only classes with a "
	  "table and backends in their set have a series",
	  .samples = weight_samples },
	{ "steer_metrics_weights_omitted", METRICS_GAUGE,
	  "1: too many classes x backends, steer_backend_weight and steer_backend_classes "
	  "are left out (steerctl policy show has the weights)",
	  .samples = omitted_samples },
};

static const struct metrics_family backend_classes_families[] = {
	{ "steer_backend_classes", METRICS_GAUGE, "Classes whose set includes the backend",
	  .off = offsetof(struct backend_classes_row, classes) },
};

static void classes_write(struct metrics_buf *b, const struct classes_view *v,
			  const struct metrics_cache *c, char **blbl)
{
	size_t n = v->p->n_backends, i;
	struct class_row *cr = calloc(v->n_rows + 1, sizeof(*cr));
	struct backend_classes_row *br = calloc(n + 1, sizeof(*br));
	struct metrics_rows rows = { cr, sizeof(*cr), v->n_rows, v->clbl, v };

	if (!cr || !br) {
		b->oom = true;
		goto out;
	}
	for (i = 0; i < v->n_rows; i++) {
		const struct metrics_class *r = &v->rows[i];

		cr[i] = (struct class_row){ METRICS_V(r->class_id), METRICS_V(r->table_id),
					    METRICS_V(c->class_gen[r->class_id]),
					    METRICS_V(r->w_n) };
	}
	METRICS_FAMILIES(b, class_families, &rows);
	METRICS_FAMILIES(b, weight_families, &rows);
	for (i = 0; i < n; i++)
		br[i].classes = METRICS_V(v->per_backend[i]);
	rows = (struct metrics_rows){ br, sizeof(*br), n, blbl, v };
	METRICS_FAMILIES(b, backend_classes_families, &rows);
out:
	free(cr);
	free(br);
}

int metrics_render_classes(struct metrics_cache *c, const struct metrics_snapshot *s, char **blbl)
{
	struct classes_view v = { .p = s->pol };
	struct metrics_buf nb = { 0 };
	int64_t max_id;
	int err = -ENOMEM;

	v.per_backend = calloc(s->pol->n_backends + 1, sizeof(*v.per_backend));
	if (!v.per_backend)
		goto out;
	max_id = classes_read(&v, &s->lazy);
	if (max_id < 0 || ensure_class_ids(c, (uint32_t)max_id) || classes_label(&v, c))
		goto out;
	classes_write(&nb, &v, c, blbl);
	err = metrics_replace(c, METRICS_SEC_CLASSES, &nb);
	if (!err) {
		free(c->rows);
		c->rows = v.rows;
		c->n_rows = v.n_rows;
		v.rows = NULL;
	}
out:
	metrics_labels_free(v.clbl, v.n_rows);
	free(v.rows);
	free(v.w);
	free(v.per_backend);
	return err;
}
