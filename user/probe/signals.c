// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Load signals out of a probe's response body, as the target's profile
 * describes them: Prometheus text (names summed over label sets, KV use
 * averaged) or one JSON object (field paths, numbers or numeric strings).
 */
#include <jansson.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/probe.h"

static pthread_once_t sig_locale_once = PTHREAD_ONCE_INIT;
static locale_t sig_c_locale;	/* written once, then read-only */

static void sig_locale_init(void)
{
	sig_c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

/* A sum usable as a signal: at least one sample and finite. */
static bool sig_prom(const struct probe_prom_want *w, bool mean, double *out)
{
	double v;

	if (!w->samples)
		return false;
	v = mean ? w->sum / w->samples : w->sum;
	if (!isfinite(v))
		return false;
	*out = v;
	return true;
}

/* every rank's series or none: a histogram missing a _sum or _count line is not a mean */
static bool sig_histogram(const struct probe_prom_want *sum, const struct probe_prom_want *count,
			  double *s, double *n)
{
	return sum->samples && sum->samples == count->samples && sig_prom(sum, false, s) &&
	       sig_prom(count, false, n) && *s >= 0 && *n >= 0;
}

static void sig_read_prom(struct probe_result *r, const struct policy_metric_names *n,
			  const char *body, size_t len, char *err, size_t err_len)
{
	struct probe_prom_want w[10] = { { 0 } };
	char ttft_sum[POLICY_METRIC_MAX + 8], ttft_count[POLICY_METRIC_MAX + 8];
	char queue_sum[POLICY_METRIC_MAX + 8], queue_count[POLICY_METRIC_MAX + 8];
	unsigned int bad = 0;
	int got;

	if (n) {
		w[0].name = n->waiting;
		w[1].name = n->running;
		w[2].name = n->kv_usage;
		w[3].name = n->kv_usage_alt;
		w[4].name = n->in_flight;
		w[5].name = n->limit;
		if (n->ttft[0]) {
			snprintf(ttft_sum, sizeof(ttft_sum), "%s_sum", n->ttft);
			snprintf(ttft_count, sizeof(ttft_count), "%s_count", n->ttft);
			w[6].name = ttft_sum;
			w[7].name = ttft_count;
		}
		if (n->queue[0]) {
			snprintf(queue_sum, sizeof(queue_sum), "%s_sum", n->queue);
			snprintf(queue_count, sizeof(queue_count), "%s_count", n->queue);
			w[8].name = queue_sum;
			w[9].name = queue_count;
		}
	}
	got = probe_prom_scan(body, len, w, n ? 10 : 0, &bad);
	if (got <= 0 && bad > 0) {
		snprintf(err, err_len, "not Prometheus text (%u bad lines)", bad);
		return;
	}
	r->metrics_ok = true;
	if (!n)
		return;
	r->has_waiting = sig_prom(&w[0], false, &r->waiting);
	r->has_running = sig_prom(&w[1], false, &r->running);
	r->has_kv = sig_prom(w[2].samples ? &w[2] : &w[3], true, &r->kv_usage);
	if (!r->has_running && !r->has_waiting)
		r->has_running = sig_prom(&w[4], false, &r->running);
	r->has_limit = sig_prom(&w[5], false, &r->limit) && r->limit > 0;
	r->has_ttft = sig_histogram(&w[6], &w[7], &r->ttft_sum, &r->ttft_count);
	r->has_queue = sig_histogram(&w[8], &w[9], &r->queue_sum, &r->queue_count);
}

/* The value at field path "a.b.c" of root, NULL if absent. */
static json_t *sig_json_at(json_t *root, const char *field)
{
	char key[POLICY_METRIC_MAX];
	json_t *v = root;

	while (v && *field) {
		size_t n = strcspn(field, ".");

		if (!json_is_object(v) || n >= sizeof(key))
			return NULL;
		memcpy(key, field, n);
		key[n] = '\0';
		v = json_object_get(v, key);
		field += n;
		if (*field == '.')
			field++;
	}
	return v == root ? NULL : v;
}

/* A decimal number in s, whole string, blanks around allowed. */
static bool sig_parse_decimal(const char *s, double *out)
{
	char *end;
	double v;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s || !strcmp(s, "None") || !strcmp(s, "null"))
		return false;
	pthread_once(&sig_locale_once, sig_locale_init);
	v = sig_c_locale ? strtod_l(s, &end, sig_c_locale) : strtod(s, &end);
	while (*end == ' ' || *end == '\t')
		end++;
	if (end == s || *end || !isfinite(v))
		return false;
	*out = v;
	return true;
}

static bool sig_json_num(json_t *root, const char *field, double *out)
{
	json_t *v;

	if (!field || !field[0])
		return false;
	v = sig_json_at(root, field);
	if (json_is_number(v) && isfinite(json_number_value(v))) {
		*out = json_number_value(v);
		return true;
	}
	return json_is_string(v) && sig_parse_decimal(json_string_value(v), out);
}

static json_t *sig_json_load(const char *body, size_t len)
{
	json_t *root = json_loadb(body, len, JSON_DECODE_ANY, NULL);

	if (root && !json_is_object(root)) {
		json_decref(root);
		return NULL;
	}
	return root;
}

bool probe_json_number(const char *body, size_t len, const char *field, double *out)
{
	json_t *root = sig_json_load(body, len);
	bool ok = root && sig_json_num(root, field, out);

	json_decref(root);
	return ok;
}

bool probe_json_true(const char *body, size_t len, const char *field)
{
	json_t *root = sig_json_load(body, len);
	bool ok = root && json_is_true(sig_json_at(root, field));

	json_decref(root);
	return ok;
}

static void sig_read_json(struct probe_result *r, const struct policy_metric_names *n,
			  const char *body, size_t len, char *err, size_t err_len)
{
	json_t *root = sig_json_load(body, len);

	if (!root) {
		snprintf(err, err_len, "not a JSON object");
		return;
	}
	r->metrics_ok = true;
	r->has_waiting = sig_json_num(root, n->waiting, &r->waiting);
	r->has_running = sig_json_num(root, n->running, &r->running);
	r->has_kv = sig_json_num(root, n->kv_usage, &r->kv_usage) ||
		    sig_json_num(root, n->kv_usage_alt, &r->kv_usage);
	if (!r->has_running && !r->has_waiting)
		r->has_running = sig_json_num(root, n->in_flight, &r->running);
	r->has_limit = sig_json_num(root, n->limit, &r->limit) && r->limit > 0;
	json_decref(root);
}

void probe_read_signals(struct probe_result *r, const struct policy_metric_names *names,
			const char *body, size_t len, char *err, size_t err_len)
{
	err[0] = '\0';
	if (names && names->format == POLICY_LOAD_JSON)
		sig_read_json(r, names, body, len, err, err_len);
	else
		sig_read_prom(r, names, body, len, err, err_len);
	if (err[0] || !names || r->has_waiting || r->has_running || r->has_kv)
		return;
	if (names->waiting[0] || names->running[0] || names->kv_usage[0] ||
	    names->kv_usage_alt[0] || names->in_flight[0])
		snprintf(err, err_len, "no sample of the configured names");
}
