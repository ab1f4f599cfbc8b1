// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The text writer: a growing buffer, escaping, family headers and samples. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/internal.h"

void metrics_buf_free(struct metrics_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static bool buf_room(struct metrics_buf *b, size_t n)
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

void metrics_buf_put(struct metrics_buf *b, const char *s, size_t n)
{
	if (!buf_room(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void puts_(struct metrics_buf *b, const char *s)
{
	metrics_buf_put(b, s, strlen(s));
}

static void put_u64(struct metrics_buf *b, uint64_t v)
{
	char tmp[24];
	int i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	metrics_buf_put(b, tmp + i, sizeof(tmp) - i);
}

static void put_double(struct metrics_buf *b, double v)
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
		metrics_buf_put(b, tmp, (size_t)n);
	}
}

void metrics_buf_escape(struct metrics_buf *b, const char *s, bool help)
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
		metrics_buf_put(b, run, (size_t)(s - run));
		metrics_buf_put(b, esc, 2);
		run = s + 1;
	}
	metrics_buf_put(b, run, (size_t)(s - run));
}

static void header(struct metrics_buf *b, const struct metrics_family *f)
{
	puts_(b, "# HELP ");
	puts_(b, f->name);
	metrics_buf_put(b, " ", 1);
	metrics_buf_escape(b, f->help, true);
	puts_(b, "\n# TYPE ");
	puts_(b, f->name);
	metrics_buf_put(b, " ", 1);
	puts_(b, f->type);
	metrics_buf_put(b, "\n", 1);
}

void metrics_sample(struct metrics_buf *b, const struct metrics_family *f, const char *lbl,
		    const char *extra, double v)
{
	bool l = lbl && *lbl, e = extra && *extra;

	puts_(b, f->name);
	if (l || e) {
		metrics_buf_put(b, "{", 1);
		if (l)
			puts_(b, lbl);
		if (l && e)
			metrics_buf_put(b, ",", 1);
		if (e)
			puts_(b, extra);
		metrics_buf_put(b, "}", 1);
	}
	metrics_buf_put(b, " ", 1);
	put_double(b, v);
	metrics_buf_put(b, "\n", 1);
}

void metrics_label(struct metrics_buf *b, const char *k, const char *v, bool comma)
{
	if (comma)
		metrics_buf_put(b, ",", 1);
	puts_(b, k);
	metrics_buf_put(b, "=\"", 2);
	metrics_buf_escape(b, v, false);
	metrics_buf_put(b, "\"", 1);
}

void metrics_labels_free(char **l, size_t n)
{
	size_t i;

	for (i = 0; l && i < n; i++)
		free(l[i]);
	free(l);
}

uint32_t metrics_ids(const void *items, size_t n, size_t size, size_t id_off)
{
	uint32_t max = 0, id;
	size_t i;

	for (i = 0; i < n; i++) {
		memcpy(&id, (const char *)items + i * size + id_off, sizeof(id));
		if (id + 1 > max)
			max = id + 1;
	}
	return max;
}

const char *metrics_family_name(uint8_t f)
{
	return f == STEER_AF_INET6 ? "ipv6" : "ipv4";
}

/* The variants of f: their label values, NULL past the last one. */
static const char *variant(const struct metrics_family *f, size_t v)
{
	if (f->var_name)
		return v < f->n_vars ? f->var_name((uint8_t)v) : NULL;
	return v < sizeof(f->vars) / sizeof(f->vars[0]) ? f->vars[v] : NULL;
}

void metrics_families(struct metrics_buf *b, const struct metrics_family *f, size_t n,
		      const struct metrics_rows *r)
{
	char extra[128];
	size_t i, k, v;

	for (k = 0; k < n; k++, f++) {
		header(b, f);
		if (f->samples) {
			f->samples(f, b, r->ctx);
			continue;
		}
		for (i = 0; i < r->n; i++) {
			const struct metrics_val *x =
				(const void *)((const char *)r->rows + i * r->stride + f->off);
			const char *lbl = r->labels ? r->labels[i] : NULL;

			if (!f->key) {
				if (x->on)
					metrics_sample(b, f, lbl, NULL, x->v);
				continue;
			}
			for (v = 0; variant(f, v); v++) {
				if (!x[v].on)
					continue;
				snprintf(extra, sizeof(extra), "%s=\"%s\"", f->key, variant(f, v));
				metrics_sample(b, f, lbl, extra, x[v].v);
			}
		}
	}
}
