// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Prometheus text exposition format (0.0.4) reader.
 *
 * Each line is parsed with a cursor bounded by the line's end, so nothing
 * is read past the buffer. The grammar follows the Prometheus text parser
 * (expfmt): a malformed line is counted and skipped. Decimal values are
 * validated here, then converted with strtod_l in the "C" locale so that
 * a locale with a decimal comma in the daemon cannot change the numbers.
 */
#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "probe/probe.h"

/* Longest decimal value accepted (digits, sign, point, exponent). */
#define PT_NUM_MAX	128

struct pt_cur {
	const char *p;
	const char *end;
};

static pthread_once_t pt_locale_once = PTHREAD_ONCE_INIT;
static locale_t pt_c_locale;	/* written once, then read-only */

static void pt_locale_init(void)
{
	pt_c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

static bool pt_at_end(const struct pt_cur *c)
{
	return c->p >= c->end;
}

static bool pt_is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

static bool pt_is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

static bool pt_is_alpha_(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_';
}

/* Skip blanks; return how many. */
static size_t pt_skip_blanks(struct pt_cur *c)
{
	const char *start = c->p;

	while (!pt_at_end(c) && pt_is_blank(*c->p))
		c->p++;
	return (size_t)(c->p - start);
}

static bool pt_accept(struct pt_cur *c, char ch)
{
	if (pt_at_end(c) || *c->p != ch)
		return false;
	c->p++;
	return true;
}

/* Metric name [a-zA-Z_:][a-zA-Z0-9_:]*; label name the same without ':'. */
static bool pt_name(struct pt_cur *c, bool colon)
{
	const char *start = c->p;

	while (!pt_at_end(c)) {
		char ch = *c->p;

		if (!pt_is_alpha_(ch) && !(colon && ch == ':') &&
		    !(c->p > start && pt_is_digit(ch)))
			break;
		c->p++;
	}
	return c->p > start;
}

/* A quoted label value; the opening quote is at c->p. */
static bool pt_label_value(struct pt_cur *c)
{
	if (!pt_accept(c, '"'))
		return false;
	while (!pt_at_end(c)) {
		char ch = *c->p++;

		if (ch == '"')
			return true;
		if (ch != '\\')
			continue;
		if (pt_at_end(c))
			return false;
		ch = *c->p++;
		if (ch != '\\' && ch != '"' && ch != 'n')
			return false;
	}
	return false;
}

/* The label set; c->p is just past '{'. Leaves c->p just past '}'. */
static bool pt_labels(struct pt_cur *c)
{
	for (;;) {
		pt_skip_blanks(c);
		if (pt_accept(c, '}'))
			return true;
		if (!pt_name(c, false))
			return false;
		pt_skip_blanks(c);
		if (!pt_accept(c, '='))
			return false;
		pt_skip_blanks(c);
		if (!pt_label_value(c))
			return false;
		pt_skip_blanks(c);
		if (pt_accept(c, '}'))
			return true;
		if (!pt_accept(c, ','))
			return false;
	}
}

/* Token up to the next blank or the end of the line. */
static void pt_token(struct pt_cur *c, const char **tok, size_t *len)
{
	*tok = c->p;
	while (!pt_at_end(c) && !pt_is_blank(*c->p))
		c->p++;
	*len = (size_t)(c->p - *tok);
}

static bool pt_word_is(const char *s, size_t len, const char *word)
{
	return len == strlen(word) && strncasecmp(s, word, len) == 0;
}

/* [0-9]+ at s; returns the count. */
static size_t pt_digits(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len && pt_is_digit(s[i]))
		i++;
	return i;
}

/* [+-]?(d+(.d*)?|.d+)([eE][+-]?d+)? over the whole token. */
static bool pt_is_decimal(const char *s, size_t len)
{
	size_t i = 0, n;

	if (i < len && (s[i] == '+' || s[i] == '-'))
		i++;
	n = pt_digits(s + i, len - i);
	i += n;
	if (i < len && s[i] == '.') {
		size_t f = pt_digits(s + i + 1, len - i - 1);

		if (n == 0 && f == 0)
			return false;
		i += 1 + f;
	} else if (n == 0) {
		return false;
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		n = pt_digits(s + i, len - i);
		if (n == 0)
			return false;
		i += n;
	}
	return i == len;
}

static bool pt_special(const char *s, size_t len, double *v)
{
	double sign = 1.0;

	if (len > 0 && (s[0] == '+' || s[0] == '-')) {
		sign = s[0] == '-' ? -1.0 : 1.0;
		s++;
		len--;
	}
	if (pt_word_is(s, len, "inf") || pt_word_is(s, len, "infinity")) {
		*v = sign * INFINITY;
		return true;
	}
	if (pt_word_is(s, len, "nan")) {
		*v = NAN;
		return true;
	}
	return false;
}

static bool pt_value(const char *s, size_t len, double *v)
{
	char num[PT_NUM_MAX + 1];

	if (pt_special(s, len, v))
		return true;
	if (len > PT_NUM_MAX || !pt_is_decimal(s, len))
		return false;
	memcpy(num, s, len);
	num[len] = '\0';
	pthread_once(&pt_locale_once, pt_locale_init);
	if (pt_c_locale)
		*v = strtod_l(num, NULL, pt_c_locale);
	else
		*v = strtod(num, NULL);
	return true;
}

/* [+-]?[0-9]+ fitting in int64. */
static bool pt_timestamp(const char *s, size_t len, int64_t *ts)
{
	bool neg = false;
	uint64_t v = 0, lim;
	size_t i = 0;

	if (i < len && (s[i] == '+' || s[i] == '-'))
		neg = s[i++] == '-';
	if (i == len)
		return false;
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; i < len; i++) {
		unsigned int d;

		if (!pt_is_digit(s[i]))
			return false;
		d = (unsigned int)(s[i] - '0');
		if (v > (lim - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*ts = neg ? (int64_t)(0 - v) : (int64_t)v;
	return true;
}

/* Value and optional timestamp, then only blanks to the end of the line. */
static bool pt_value_ts(struct pt_cur *c, struct probe_prom_sample *s)
{
	const char *tok;
	size_t len;

	pt_token(c, &tok, &len);
	if (len == 0 || !pt_value(tok, len, &s->value))
		return false;
	pt_skip_blanks(c);
	if (pt_at_end(c))
		return true;
	pt_token(c, &tok, &len);
	if (!pt_timestamp(tok, len, &s->timestamp_ms))
		return false;
	s->has_timestamp = true;
	pt_skip_blanks(c);
	return pt_at_end(c);
}

/* 1: sample in *s, 0: blank or comment, -1: malformed. */
static int pt_line(const char *p, const char *end, struct probe_prom_sample *s)
{
	struct pt_cur c = { p, end };
	size_t blanks;

	memset(s, 0, sizeof(*s));
	pt_skip_blanks(&c);
	if (pt_at_end(&c) || *c.p == '#')
		return 0;
	s->name = c.p;
	if (!pt_name(&c, true))
		return -1;
	s->name_len = (size_t)(c.p - s->name);
	blanks = pt_skip_blanks(&c);
	if (pt_accept(&c, '{')) {
		s->labels = c.p;
		if (!pt_labels(&c))
			return -1;
		s->labels_len = (size_t)(c.p - 1 - s->labels);
		pt_skip_blanks(&c);
		blanks = 1;	/* '}' separates the value like a blank */
	}
	if (blanks == 0 || pt_at_end(&c))
		return -1;
	return pt_value_ts(&c, s) ? 1 : -1;
}

int probe_prom_foreach(const char *buf, size_t len, probe_prom_cb cb, void *ctx,
		     unsigned int *bad_lines)
{
	const char *p = buf, *end = buf + len;
	unsigned int bad = 0, line = 0;
	int samples = 0, ret = 0;

	if ((!buf && len) || !cb)
		return -EINVAL;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *next = eol ? eol + 1 : end;
		struct probe_prom_sample s;
		int r;

		if (!eol)
			eol = end;
		if (eol > p && eol[-1] == '\r')
			eol--;
		line++;
		r = pt_line(p, eol, &s);
		p = next;
		if (r < 0)
			bad++;
		if (r <= 0)
			continue;
		s.line = line;
		if (samples < INT_MAX)
			samples++;
		ret = cb(&s, ctx);
		if (ret)
			break;
	}
	if (bad_lines)
		*bad_lines = bad;
	return ret ? ret : samples;
}

bool probe_prom_name_is(const struct probe_prom_sample *s, const char *name)
{
	return name && strlen(name) == s->name_len && memcmp(s->name, name, s->name_len) == 0;
}

/* Append ch to out if room; count it anyway. */
static void pt_put(char *out, size_t out_size, size_t *n, char ch)
{
	if (*n + 1 < out_size)
		out[*n] = ch;
	(*n)++;
}

/* Decode the quoted value at c->p (already validated) into out. */
static size_t pt_decode(struct pt_cur *c, char *out, size_t out_size)
{
	size_t n = 0;

	c->p++;	/* opening quote */
	while (!pt_at_end(c) && *c->p != '"') {
		char ch = *c->p++;

		if (ch == '\\' && !pt_at_end(c)) {
			ch = *c->p++;
			if (ch == 'n')
				ch = '\n';
		}
		pt_put(out, out_size, &n, ch);
	}
	c->p++;	/* closing quote */
	if (out_size)
		out[n < out_size ? n : out_size - 1] = '\0';
	return n;
}

int probe_prom_label(const struct probe_prom_sample *s, const char *name, char *out,
		   size_t out_size)
{
	/* The label text ends with '}' in the buffer: the walk stops before it. */
	struct pt_cur c;
	size_t want_len = name ? strlen(name) : 0;

	/* checked before the end pointer is made: NULL + 0 is undefined
	 * behaviour (found by tests/fuzz/fuzz_promtext) */
	if (!s->labels)
		return -ENOENT;
	c = (struct pt_cur){ s->labels, s->labels + s->labels_len };
	for (;;) {
		const char *lname;
		size_t lname_len, n;

		pt_skip_blanks(&c);
		lname = c.p;
		if (!pt_name(&c, false))
			return -ENOENT;
		lname_len = (size_t)(c.p - lname);
		pt_skip_blanks(&c);
		pt_accept(&c, '=');
		pt_skip_blanks(&c);
		if (pt_at_end(&c) || *c.p != '"')
			return -ENOENT;
		if (lname_len == want_len && memcmp(lname, name, want_len) == 0) {
			n = pt_decode(&c, out, out_size);
			if (n >= out_size || n > INT_MAX)
				return -ENOSPC;
			return (int)n;
		}
		pt_label_value(&c);
		pt_skip_blanks(&c);
		pt_accept(&c, ',');
	}
}

struct pt_scan {
	struct probe_prom_want *want;
	size_t n_want;
};

static int pt_scan_cb(const struct probe_prom_sample *s, void *ctx)
{
	struct pt_scan *sc = ctx;
	size_t i;

	for (i = 0; i < sc->n_want; i++) {
		struct probe_prom_want *w = &sc->want[i];

		if (!probe_prom_name_is(s, w->name))
			continue;
		if (isnan(s->value)) {
			w->nans++;
		} else {
			w->sum += s->value;
			w->samples++;
		}
	}
	return 0;
}

int probe_prom_scan(const char *buf, size_t len, struct probe_prom_want *want, size_t n_want,
		  unsigned int *bad_lines)
{
	struct pt_scan sc = { want, n_want };
	size_t i;

	if (!want && n_want)
		return -EINVAL;
	for (i = 0; i < n_want; i++) {
		want[i].sum = 0;
		want[i].samples = 0;
		want[i].nans = 0;
	}
	return probe_prom_foreach(buf, len, pt_scan_cb, &sc, bad_lines);
}
