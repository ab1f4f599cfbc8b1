// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * YAML node readers of the policy parser: the error list, mappings checked
 * against their known keys (unknown, duplicate and missing keys reported),
 * and typed scalars with range checks. Every message says what was expected
 * and what was found, at the node's 1-based line and column.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_internal.h"

#define POL_DIST_MAX	64	/* longer words get no suggestion */

/* ---- errors ---- */

static void pol_verr(struct pol_ctx *c, unsigned int line, unsigned int col, const char *field,
		     const char *fmt, va_list ap)
{
	struct steer_pol_errors *errs = c->errs;
	struct steer_pol_error *e;

	errs->total++;
	if (errs->n >= STEER_POL_MAX_ERRORS)
		return;
	e = &errs->e[errs->n++];
	snprintf(e->file, sizeof(e->file), "%s", c->file);
	e->line = line;
	e->column = col;
	snprintf(e->field, sizeof(e->field), "%s", field ? field : "");
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
}

void pol_err(struct pol_ctx *c, const yaml_node_t *n, const char *field, const char *fmt, ...)
{
	unsigned int line = 0, col = 0;
	va_list ap;

	if (n) {
		line = (unsigned int)n->start_mark.line + 1;
		col = (unsigned int)n->start_mark.column + 1;
	}
	va_start(ap, fmt);
	pol_verr(c, line, col, field, fmt, ap);
	va_end(ap);
}

void pol_err_at(struct pol_ctx *c, unsigned int line, unsigned int col, const char *field,
		const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pol_verr(c, line, col, field, fmt, ap);
	va_end(ap);
}

void pol_oom(struct pol_ctx *c)
{
	if (!c->oom)
		pol_err_at(c, 0, 0, "", "out of memory");
	c->oom = true;
}

static bool pol_err_before(const struct steer_pol_error *a, const struct steer_pol_error *b)
{
	if (a->line != b->line)
		return a->line < b->line;
	return a->column < b->column;
}

void pol_sort_errors(struct steer_pol_errors *errs)
{
	struct steer_pol_error tmp;
	size_t i, j;

	for (i = 1; i < errs->n; i++) {
		if (!pol_err_before(&errs->e[i], &errs->e[i - 1]))
			continue;
		tmp = errs->e[i];
		for (j = i; j > 0 && pol_err_before(&tmp, &errs->e[j - 1]); j--)
			errs->e[j] = errs->e[j - 1];
		errs->e[j] = tmp;
	}
}

/* ---- paths and nodes ---- */

const char *pol_field(char *buf, const char *path, const char *key)
{
	if (path && *path)
		snprintf(buf, POL_FIELD_MAX, "%s.%s", path, key);
	else
		snprintf(buf, POL_FIELD_MAX, "%s", key);
	return buf;
}

const char *pol_item(char *buf, const char *path, size_t i)
{
	snprintf(buf, POL_FIELD_MAX, "%s[%zu]", path, i);
	return buf;
}

bool pol_is_null(const yaml_node_t *n)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };
	size_t i;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	for (i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
		if (!strcmp((const char *)n->data.scalar.value, nulls[i]))
			return true;
	return false;
}

static bool pol_has_nul(const yaml_node_t *n)
{
	return strlen((const char *)n->data.scalar.value) != n->data.scalar.length;
}

const char *pol_got(const yaml_node_t *n, char *buf, size_t len)
{
	const unsigned char *s;
	size_t i, o = 0;

	if (n->type == YAML_MAPPING_NODE)
		return "a mapping";
	if (n->type != YAML_SCALAR_NODE)
		return "a sequence";
	if (pol_is_null(n))
		return "nothing";
	if (pol_has_nul(n))
		return "a string with a NUL character";
	s = n->data.scalar.value;
	buf[o++] = '"';
	for (i = 0; s[i] && o + 5 < len; i++)
		buf[o++] = (s[i] < 0x20 || s[i] == 0x7f || s[i] == '"') ? '?' : (char)s[i];
	if (s[i]) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

size_t pol_seq_len(const yaml_node_t *n)
{
	return (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
}

yaml_node_t *pol_seq_at(struct pol_ctx *c, const yaml_node_t *n, size_t i)
{
	return yaml_document_get_node(c->doc, n->data.sequence.items.start[i]);
}

bool pol_list(struct pol_ctx *c, yaml_node_t *n, const char *path, size_t max,
	      const char *what, size_t *cnt)
{
	char got[POL_GOT_MAX], f[POL_FIELD_MAX];

	*cnt = 0;
	if (n->type != YAML_SEQUENCE_NODE) {
		pol_err(c, n, path, "expected a sequence, got %s", pol_got(n, got, sizeof(got)));
		return false;
	}
	*cnt = pol_seq_len(n);
	if (*cnt > max) {
		pol_err(c, pol_seq_at(c, n, max), pol_item(f, path, max),
			"too many %s (at most %zu)", what, max);
		*cnt = max;
	}
	return true;
}

/* ---- mappings ---- */

static void pol_unknown_key(struct pol_view *m, yaml_node_t *key, size_t nkeys)
{
	const char *word = (const char *)key->data.scalar.value, *best = NULL;
	unsigned int bestd = UINT_MAX;
	char got[POL_GOT_MAX], hint[POL_FIELD_MAX];
	size_t k;

	for (k = 0; k < nkeys; k++)
		pol_near(word, m->keys[k].name, &best, &bestd);
	pol_err(m->c, key, m->path, "unknown key %s%s", pol_got(key, got, sizeof(got)),
		pol_hint(hint, sizeof(hint), best));
}

static void pol_view_pair(struct pol_view *m, yaml_node_pair_t *pair, size_t nkeys)
{
	yaml_node_t *key = yaml_document_get_node(m->c->doc, pair->key);
	yaml_node_t *val = yaml_document_get_node(m->c->doc, pair->value);
	char got[POL_GOT_MAX];
	size_t k;

	if (key->type != YAML_SCALAR_NODE || pol_has_nul(key)) {
		pol_err(m->c, key, m->path, "expected a key, got %s",
			pol_got(key, got, sizeof(got)));
		return;
	}
	for (k = 0; k < nkeys; k++)
		if (!strcmp((const char *)key->data.scalar.value, m->keys[k].name))
			break;
	if (k == nkeys) {
		pol_unknown_key(m, key, nkeys);
		return;
	}
	if (m->v[k]) {
		pol_err(m->c, key, m->path, "duplicate key \"%s\"", m->keys[k].name);
		return;
	}
	m->v[k] = val;
}

bool pol_view(struct pol_ctx *c, yaml_node_t *n, const char *path, const struct pol_key *keys,
	      size_t nkeys, struct pol_view *m)
{
	char got[POL_GOT_MAX], f[POL_FIELD_MAX];
	yaml_node_pair_t *pair;
	size_t k;

	memset(m, 0, sizeof(*m));
	m->c = c;
	m->node = n;
	m->path = path;
	m->keys = keys;
	if (n->type != YAML_MAPPING_NODE) {
		pol_err(c, n, path, "expected a mapping, got %s", pol_got(n, got, sizeof(got)));
		return false;
	}
	for (pair = n->data.mapping.pairs.start; pair < n->data.mapping.pairs.top; pair++)
		pol_view_pair(m, pair, nkeys);
	for (k = 0; k < nkeys; k++)
		if (keys[k].required && !m->v[k])
			pol_err(c, n, pol_field(f, path, keys[k].name),
				"required field is missing");
	return true;
}

const char *pol_vfield(const struct pol_view *m, size_t k, char *buf)
{
	return pol_field(buf, m->path, m->keys[k].name);
}

/* ---- scalars ---- */

const char *pol_text(struct pol_ctx *c, yaml_node_t *n, const char *field, const char *want)
{
	char got[POL_GOT_MAX];

	if (n->type != YAML_SCALAR_NODE || pol_is_null(n) || pol_has_nul(n)) {
		pol_err(c, n, field, "expected %s, got %s", want, pol_got(n, got, sizeof(got)));
		return NULL;
	}
	return (const char *)n->data.scalar.value;
}

bool pol_u32(struct pol_ctx *c, yaml_node_t *n, const char *field, uint32_t min, uint32_t max,
	     uint32_t *out)
{
	char want[48], got[POL_GOT_MAX];
	unsigned long long v;
	const char *s;
	char *end;
	int base = 10;

	snprintf(want, sizeof(want), "an integer %u..%u", min, max);
	s = pol_text(c, n, field, want);
	if (!s)
		return false;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!isxdigit((unsigned char)s[0]))
		goto bad;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || *end || v < min || v > max)
		goto bad;
	*out = (uint32_t)v;
	return true;
bad:
	pol_err(c, n, field, "expected %s, got %s", want, pol_got(n, got, sizeof(got)));
	return false;
}

bool pol_num(struct pol_ctx *c, yaml_node_t *n, const char *field, double min, double max,
	     double *out)
{
	char want[48], got[POL_GOT_MAX];
	const char *s;
	char *end;
	double v;

	if (isinf(max))
		snprintf(want, sizeof(want), "a number >= %g", min);
	else
		snprintf(want, sizeof(want), "a number %g..%g", min, max);
	s = pol_text(c, n, field, want);
	if (!s)
		return false;
	if (!strchr("0123456789+-.", s[0]) || strpbrk(s, "xX"))
		goto bad;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v < min || v > max)
		goto bad;
	*out = v;
	return true;
bad:
	pol_err(c, n, field, "expected %s, got %s", want, pol_got(n, got, sizeof(got)));
	return false;
}

bool pol_name(struct pol_ctx *c, yaml_node_t *n, const char *field, char *buf, size_t size)
{
	char want[80], got[POL_GOT_MAX];
	const unsigned char *s;
	size_t i;

	snprintf(want, sizeof(want), "a name (1..%zu characters, no spaces)", size - 1);
	s = (const unsigned char *)pol_text(c, n, field, want);
	if (!s)
		return false;
	for (i = 0; s[i]; i++)
		if (s[i] <= ' ' || s[i] == 0x7f)
			break;
	if (i == 0 || s[i] || i >= size) {
		pol_err(c, n, field, "expected %s, got %s", want, pol_got(n, got, sizeof(got)));
		return false;
	}
	memcpy(buf, s, i + 1);
	return true;
}

bool pol_enum(struct pol_ctx *c, yaml_node_t *n, const char *field, const char *const *names,
	      size_t count, int *out)
{
	char want[96] = "one of ", got[POL_GOT_MAX], hint[POL_FIELD_MAX];
	unsigned int bestd = UINT_MAX;
	const char *s, *best = NULL;
	size_t i;

	for (i = 0; i < count; i++) {
		strncat(want, names[i], sizeof(want) - strlen(want) - 1);
		if (i + 1 < count)
			strncat(want, ", ", sizeof(want) - strlen(want) - 1);
	}
	s = pol_text(c, n, field, want);
	if (!s)
		return false;
	for (i = 0; i < count; i++) {
		if (!strcmp(s, names[i])) {
			*out = (int)i;
			return true;
		}
		pol_near(s, names[i], &best, &bestd);
	}
	pol_err(c, n, field, "expected %s, got %s%s", want, pol_got(n, got, sizeof(got)),
		pol_hint(hint, sizeof(hint), best));
	return false;
}

bool pol_v_u32(struct pol_view *m, size_t k, uint32_t min, uint32_t max, uint32_t *out)
{
	char f[POL_FIELD_MAX];

	return m->v[k] && pol_u32(m->c, m->v[k], pol_vfield(m, k, f), min, max, out);
}

bool pol_v_num(struct pol_view *m, size_t k, double min, double max, double *out)
{
	char f[POL_FIELD_MAX];

	return m->v[k] && pol_num(m->c, m->v[k], pol_vfield(m, k, f), min, max, out);
}

bool pol_v_name(struct pol_view *m, size_t k, char *buf, size_t size)
{
	char f[POL_FIELD_MAX];

	return m->v[k] && pol_name(m->c, m->v[k], pol_vfield(m, k, f), buf, size);
}

bool pol_v_enum(struct pol_view *m, size_t k, const char *const *names, size_t count, int *out)
{
	char f[POL_FIELD_MAX];

	return m->v[k] && pol_enum(m->c, m->v[k], pol_vfield(m, k, f), names, count, out);
}

/* ---- suggestions ---- */

static unsigned int pol_min3(unsigned int a, unsigned int b, unsigned int c)
{
	unsigned int m = a < b ? a : b;

	return m < c ? m : c;
}

/* Optimal string alignment distance (a swap of neighbours is one edit). */
static unsigned int pol_dist(const char *a, const char *b)
{
	unsigned int rows[3][POL_DIST_MAX + 1], *d2, *d1, *d0;
	size_t la = strlen(a), lb = strlen(b), i, j;

	if (la > POL_DIST_MAX || lb > POL_DIST_MAX || la > lb + 2 || lb > la + 2)
		return UINT_MAX;	/* callers only want distances up to 2 */
	for (j = 0; j <= lb; j++)
		rows[0][j] = (unsigned int)j;
	for (i = 1; i <= la; i++) {
		d0 = rows[i % 3];	/* row i */
		d1 = rows[(i - 1) % 3];
		d2 = rows[(i + 1) % 3];	/* row i - 2 */
		d0[0] = (unsigned int)i;
		for (j = 1; j <= lb; j++) {
			d0[j] = pol_min3(d1[j] + 1, d0[j - 1] + 1,
					 d1[j - 1] + (a[i - 1] != b[j - 1]));
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d2[j - 2] + 1 < d0[j])
				d0[j] = d2[j - 2] + 1;
		}
	}
	return rows[la % 3][lb];
}

void pol_near(const char *word, const char *cand, const char **best, unsigned int *bestd)
{
	unsigned int d = pol_dist(word, cand);

	if (d <= 2 && d < strlen(cand) && d < *bestd) {
		*best = cand;
		*bestd = d;
	}
}

const char *pol_hint(char *buf, size_t len, const char *best)
{
	if (best)
		snprintf(buf, len, " (did you mean \"%s\"?)", best);
	else
		buf[0] = '\0';
	return buf;
}
