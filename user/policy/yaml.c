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

#include "util/util.h"
#include "policy/internal.h"


/* ---- errors ---- */

static void policy_verr(struct policy_ctx *c, unsigned int line, unsigned int col, const char *field,
		     const char *fmt, va_list ap)
{
	struct policy_errors *errs = c->errs;
	struct policy_error *e;

	errs->total++;
	if (errs->n >= POLICY_MAX_ERRORS)
		return;
	e = &errs->e[errs->n++];
	snprintf(e->file, sizeof(e->file), "%s", c->file);
	e->line = line;
	e->column = col;
	snprintf(e->field, sizeof(e->field), "%s", field ? field : "");
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
}

void policy_err(struct policy_ctx *c, const yaml_node_t *n, const char *field, const char *fmt, ...)
{
	unsigned int line = 0, col = 0;
	va_list ap;

	if (n) {
		line = (unsigned int)n->start_mark.line + 1;
		col = (unsigned int)n->start_mark.column + 1;
	}
	va_start(ap, fmt);
	policy_verr(c, line, col, field, fmt, ap);
	va_end(ap);
}

void policy_err_at(struct policy_ctx *c, unsigned int line, unsigned int col, const char *field,
		const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	policy_verr(c, line, col, field, fmt, ap);
	va_end(ap);
}

void policy_oom(struct policy_ctx *c)
{
	if (!c->oom)
		policy_err_at(c, 0, 0, "", "out of memory");
	c->oom = true;
}

static bool policy_err_before(const struct policy_error *a, const struct policy_error *b)
{
	if (a->line != b->line)
		return a->line < b->line;
	return a->column < b->column;
}

void policy_sort_errors(struct policy_errors *errs)
{
	struct policy_error tmp;
	size_t i, j;

	for (i = 1; i < errs->n; i++) {
		if (!policy_err_before(&errs->e[i], &errs->e[i - 1]))
			continue;
		tmp = errs->e[i];
		for (j = i; j > 0 && policy_err_before(&tmp, &errs->e[j - 1]); j--)
			errs->e[j] = errs->e[j - 1];
		errs->e[j] = tmp;
	}
}

/* ---- paths and nodes ---- */

const char *policy_field(char *buf, const char *path, const char *key)
{
	if (path && *path)
		snprintf(buf, POLICY_FIELD_MAX, "%s.%s", path, key);
	else
		snprintf(buf, POLICY_FIELD_MAX, "%s", key);
	return buf;
}

const char *policy_item(char *buf, const char *path, size_t i)
{
	snprintf(buf, POLICY_FIELD_MAX, "%s[%zu]", path, i);
	return buf;
}

bool policy_is_null(const yaml_node_t *n)
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

static bool policy_has_nul(const yaml_node_t *n)
{
	return strlen((const char *)n->data.scalar.value) != n->data.scalar.length;
}

const char *policy_got(const yaml_node_t *n, char *buf, size_t len)
{
	const unsigned char *s;
	size_t i, o = 0;

	if (n->type == YAML_MAPPING_NODE)
		return "a mapping";
	if (n->type != YAML_SCALAR_NODE)
		return "a sequence";
	if (policy_is_null(n))
		return "nothing";
	if (policy_has_nul(n))
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

size_t policy_seq_len(const yaml_node_t *n)
{
	return (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
}

yaml_node_t *policy_seq_at(struct policy_ctx *c, const yaml_node_t *n, size_t i)
{
	return yaml_document_get_node(c->doc, n->data.sequence.items.start[i]);
}

bool policy_list(struct policy_ctx *c, yaml_node_t *n, const char *path, size_t max,
	      const char *what, size_t *cnt)
{
	char got[POLICY_GOT_MAX], f[POLICY_FIELD_MAX];

	*cnt = 0;
	if (n->type != YAML_SEQUENCE_NODE) {
		policy_err(c, n, path, "expected a sequence, got %s", policy_got(n, got, sizeof(got)));
		return false;
	}
	*cnt = policy_seq_len(n);
	if (*cnt > max) {
		policy_err(c, policy_seq_at(c, n, max), policy_item(f, path, max),
			"too many %s (at most %zu)", what, max);
		*cnt = max;
	}
	return true;
}

/* ---- mappings ---- */

static void policy_unknown_key(struct policy_view *m, yaml_node_t *key, size_t nkeys)
{
	const char *word = (const char *)key->data.scalar.value, *best = NULL;
	unsigned int bestd = UINT_MAX;
	char got[POLICY_GOT_MAX], hint[POLICY_FIELD_MAX];
	size_t k;

	for (k = 0; k < nkeys; k++)
		policy_near(word, m->keys[k].name, &best, &bestd);
	policy_err(m->c, key, m->path, "unknown key %s%s", policy_got(key, got, sizeof(got)),
		policy_hint(hint, sizeof(hint), best));
}

static void policy_view_pair(struct policy_view *m, yaml_node_pair_t *pair, size_t nkeys)
{
	yaml_node_t *key = yaml_document_get_node(m->c->doc, pair->key);
	yaml_node_t *val = yaml_document_get_node(m->c->doc, pair->value);
	char got[POLICY_GOT_MAX];
	size_t k;

	if (key->type != YAML_SCALAR_NODE || policy_has_nul(key)) {
		policy_err(m->c, key, m->path, "expected a key, got %s",
			policy_got(key, got, sizeof(got)));
		return;
	}
	for (k = 0; k < nkeys; k++)
		if (!strcmp((const char *)key->data.scalar.value, m->keys[k].name))
			break;
	if (k == nkeys) {
		policy_unknown_key(m, key, nkeys);
		return;
	}
	if (m->v[k]) {
		policy_err(m->c, key, m->path, "duplicate key \"%s\"", m->keys[k].name);
		return;
	}
	m->v[k] = val;
}

bool policy_view(struct policy_ctx *c, yaml_node_t *n, const char *path, const struct policy_key *keys,
	      size_t nkeys, struct policy_view *m)
{
	char got[POLICY_GOT_MAX], f[POLICY_FIELD_MAX];
	yaml_node_pair_t *pair;
	size_t k;

	memset(m, 0, sizeof(*m));
	m->c = c;
	m->node = n;
	m->path = path;
	m->keys = keys;
	if (n->type != YAML_MAPPING_NODE) {
		policy_err(c, n, path, "expected a mapping, got %s", policy_got(n, got, sizeof(got)));
		return false;
	}
	for (pair = n->data.mapping.pairs.start; pair < n->data.mapping.pairs.top; pair++)
		policy_view_pair(m, pair, nkeys);
	for (k = 0; k < nkeys; k++)
		if (keys[k].required && !m->v[k])
			policy_err(c, n, policy_field(f, path, keys[k].name),
				"required field is missing");
	return true;
}

const char *policy_vfield(const struct policy_view *m, size_t k, char *buf)
{
	return policy_field(buf, m->path, m->keys[k].name);
}

/* ---- scalars ---- */

const char *policy_text(struct policy_ctx *c, yaml_node_t *n, const char *field, const char *want)
{
	char got[POLICY_GOT_MAX];

	if (n->type != YAML_SCALAR_NODE || policy_is_null(n) || policy_has_nul(n)) {
		policy_err(c, n, field, "expected %s, got %s", want, policy_got(n, got, sizeof(got)));
		return NULL;
	}
	return (const char *)n->data.scalar.value;
}

bool policy_u32(struct policy_ctx *c, yaml_node_t *n, const char *field, uint32_t min, uint32_t max,
	     uint32_t *out)
{
	char want[48], got[POLICY_GOT_MAX];
	unsigned long long v;
	const char *s;
	char *end;
	int base = 10;

	snprintf(want, sizeof(want), "an integer %u..%u", min, max);
	s = policy_text(c, n, field, want);
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
	policy_err(c, n, field, "expected %s, got %s", want, policy_got(n, got, sizeof(got)));
	return false;
}

bool policy_num(struct policy_ctx *c, yaml_node_t *n, const char *field, double min, double max,
	     double *out)
{
	char want[48], got[POLICY_GOT_MAX];
	const char *s;
	char *end;
	double v;

	if (isinf(max))
		snprintf(want, sizeof(want), "a number >= %g", min);
	else
		snprintf(want, sizeof(want), "a number %g..%g", min, max);
	s = policy_text(c, n, field, want);
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
	policy_err(c, n, field, "expected %s, got %s", want, policy_got(n, got, sizeof(got)));
	return false;
}

bool policy_name(struct policy_ctx *c, yaml_node_t *n, const char *field, char *buf, size_t size)
{
	char want[80], got[POLICY_GOT_MAX];
	const unsigned char *s;
	size_t i;

	snprintf(want, sizeof(want), "a name (1..%zu characters, no spaces)", size - 1);
	s = (const unsigned char *)policy_text(c, n, field, want);
	if (!s)
		return false;
	for (i = 0; s[i]; i++)
		if (s[i] <= ' ' || s[i] == 0x7f)
			break;
	if (i == 0 || s[i] || i >= size) {
		policy_err(c, n, field, "expected %s, got %s", want, policy_got(n, got, sizeof(got)));
		return false;
	}
	memcpy(buf, s, i + 1);
	return true;
}

bool policy_enum(struct policy_ctx *c, yaml_node_t *n, const char *field, const char *const *names,
	      size_t count, int *out)
{
	char want[96] = "one of ", got[POLICY_GOT_MAX], hint[POLICY_FIELD_MAX];
	unsigned int bestd = UINT_MAX;
	const char *s, *best = NULL;
	size_t i;

	for (i = 0; i < count; i++) {
		strncat(want, names[i], sizeof(want) - strlen(want) - 1);
		if (i + 1 < count)
			strncat(want, ", ", sizeof(want) - strlen(want) - 1);
	}
	s = policy_text(c, n, field, want);
	if (!s)
		return false;
	for (i = 0; i < count; i++) {
		if (!strcmp(s, names[i])) {
			*out = (int)i;
			return true;
		}
		policy_near(s, names[i], &best, &bestd);
	}
	policy_err(c, n, field, "expected %s, got %s%s", want, policy_got(n, got, sizeof(got)),
		policy_hint(hint, sizeof(hint), best));
	return false;
}

bool policy_v_u32(struct policy_view *m, size_t k, uint32_t min, uint32_t max, uint32_t *out)
{
	char f[POLICY_FIELD_MAX];

	return m->v[k] && policy_u32(m->c, m->v[k], policy_vfield(m, k, f), min, max, out);
}

bool policy_v_num(struct policy_view *m, size_t k, double min, double max, double *out)
{
	char f[POLICY_FIELD_MAX];

	return m->v[k] && policy_num(m->c, m->v[k], policy_vfield(m, k, f), min, max, out);
}

bool policy_v_name(struct policy_view *m, size_t k, char *buf, size_t size)
{
	char f[POLICY_FIELD_MAX];

	return m->v[k] && policy_name(m->c, m->v[k], policy_vfield(m, k, f), buf, size);
}

bool policy_v_enum(struct policy_view *m, size_t k, const char *const *names, size_t count, int *out)
{
	char f[POLICY_FIELD_MAX];

	return m->v[k] && policy_enum(m->c, m->v[k], policy_vfield(m, k, f), names, count, out);
}

/* ---- suggestions ---- */

void policy_near(const char *word, const char *cand, const char **best, unsigned int *bestd)
{
	unsigned int d = util_edit_distance(word, cand, 2);

	if (d <= 2 && d < strlen(cand) && d < *bestd) {
		*best = cand;
		*bestd = d;
	}
}

const char *policy_hint(char *buf, size_t len, const char *best)
{
	if (best)
		snprintf(buf, len, " (did you mean \"%s\"?)", best);
	else
		buf[0] = '\0';
	return buf;
}
