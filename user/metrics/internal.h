/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The metrics part's own declarations: family tables and the sections. */
#ifndef METRICS_INTERNAL_H
#define METRICS_INTERNAL_H

#include <stddef.h>

#include "metrics/metrics.h"

#define METRICS_GAUGE	"gauge"
#define METRICS_COUNTER "counter"

/* A sample's value; on false: no sample (zero-initialised means absent). */
struct metrics_val {
	double v;
	bool on;
};

#define METRICS_V(x) ((struct metrics_val){ .v = (double)(x), .on = true })

/*
 * One metric family, declared once: its name is written from here only.
 * Samples come per item (backend, tenant, class; one item and no label for
 * the scalar families) and per variant of the item: variants are the
 * values vars[] (or var_name(0..n_vars-1)) of the label key. The value of
 * item i, variant v is the struct metrics_val at
 * rows + i * stride + off + v * sizeof(struct metrics_val) (see
 * struct metrics_rows); samples(), when set, writes the samples itself
 * with metrics_sample instead.
 */
struct metrics_family {
	const char *name;
	const char *type;
	const char *help;
	const char *key;
	const char *vars[6];			/* NULL-terminated */
	const char *(*var_name)(uint8_t v);	/* instead of vars[] */
	uint8_t n_vars;
	size_t off;				/* of the first variant's value in a row */
	void (*samples)(const struct metrics_family *f, struct metrics_buf *b, const void *ctx);
};

/* The values of a table's families: one row (a struct of metrics_val) per item. */
struct metrics_rows {
	const void *rows;
	size_t stride;		/* sizeof a row */
	size_t n;		/* items */
	char *const *labels;	/* per item: escaped label text; NULL: none */
	const void *ctx;	/* for samples() */
};

/* The families of a table, in order: header, then each item's samples. */
void metrics_families(struct metrics_buf *b, const struct metrics_family *f, size_t n,
		      const struct metrics_rows *r);
#define METRICS_FAMILIES(b, table, r) \
	metrics_families(b, table, sizeof(table) / sizeof(table[0]), r)

/* f's name{lbl,extra} v -- lbl and extra are escaped label text or NULL/"" */
void metrics_sample(struct metrics_buf *b, const struct metrics_family *f, const char *lbl,
		    const char *extra, double v);
/* ,k="v" (no comma when first) with v escaped */
void metrics_label(struct metrics_buf *b, const char *k, const char *v, bool comma);
void metrics_labels_free(char **l, size_t n);
/* The largest uint32_t id (at id_off in n items of size) + 1; 0 if none. */
uint32_t metrics_ids(const void *items, size_t n, size_t size, size_t id_off);
#define METRICS_IDS(a, n) metrics_ids(a, n, sizeof((a)[0]), offsetof(__typeof__((a)[0]), id))

const char *metrics_family_name(uint8_t f);
/* Label text of every backend (backend, id, model, provider, region); NULL: no memory. */
char **metrics_backend_labels(const struct policy *p);

/* A published class (tenant, task, family) as rendered. */
struct metrics_class {
	uint32_t tenant;	/* index into policy.tenants */
	uint32_t task;
	uint8_t family;
	uint32_t class_id;
	uint32_t table_id;	/* 0: reject */
	uint32_t w_off, w_n;	/* weights[w_off .. w_off + w_n) */
};

/* tenant="",task="",family="" of a class into b (reset first). */
void metrics_class_label(struct metrics_buf *b, const struct policy *p,
			 const struct metrics_class *r);

/* The sections (sec_*.c). The cached ones replace c->sec[] themselves. */
void metrics_render_steerd(struct metrics_buf *b, const struct metrics_snapshot *s,
			   const struct metrics_cache *c);
void metrics_render_backends(struct metrics_buf *b, const struct metrics_snapshot *s,
			     char **lbl);
void metrics_render_reasons(struct metrics_buf *b, const struct metrics_snapshot *s);
int metrics_render_tenants(struct metrics_cache *c, const struct metrics_snapshot *s, bool force);
int metrics_render_classes(struct metrics_cache *c, const struct metrics_snapshot *s, char **blbl);
int metrics_render_class_counters(struct metrics_cache *c, const struct metrics_snapshot *s,
				  bool force);
/* nb (if complete) becomes section sec; 0 or -ENOMEM (nb freed). */
int metrics_replace(struct metrics_cache *c, enum metrics_section sec, struct metrics_buf *nb);

#endif /* METRICS_INTERNAL_H */
