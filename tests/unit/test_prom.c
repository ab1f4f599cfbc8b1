// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Unit tests of the /metrics renderer (user/metrics/), driven through its
 * snapshot: escaping, every metric family present with HELP and TYPE,
 * every sample line parsing with probe_prom_foreach, values and decoded
 * labels as the fake data plane says, weights only for classes with a
 * table, the section caches, and the --metrics address parser.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "metrics/metrics.h"
#include "probe/probe.h"

static const uint64_t fake_now = 100000;

/* ---- a small policy: 2 tenants (one rejecting), 1 task, 3 backends ---- */

static const char policy_yaml[] =
	"settings:\n"
	"  staleness_ms: 1500\n"
	"  maglev_size: 251\n"
	"tasks: [chat]\n"
	"models:\n"
	"  - name: m1\n"
	"    cost: 1\n"
	"    quality: {chat: 0.8}\n"
	"services:\n"
	"  - {name: chat, vip: 198.18.100.1, port: 80, task: chat}\n"
	"backends:\n"
	"  - {name: be1, id: 1, address: 198.18.2.2, port: 8000, model: m1, provider: self,"
	" region: lab, capacity: 2}\n"
	"  - {name: be2, id: 2, address: 198.18.3.2, port: 8000, model: m1, provider: self,"
	" region: lab, capacity: 2}\n"
	"  - {name: be3, id: 3, address: 198.18.4.2, port: 8000, model: m1, provider: cloud,"
	" region: lab, capacity: 4, state: draining}\n"
	"tenants:\n"
	"  - {name: default, action: reject}\n"
	"  - {name: lab, id: 1, prefixes: [198.18.1.0/24],"
	" admission: {rate: 100, burst: 10, max_conns: 5}}\n";

struct fake {
	unsigned int class_stat_calls, class_bulk_calls;
	struct steer_tenant_stats tenants[2];
	struct steer_class_stats classes[2];
};

/* The counters the caller reads in bulk, as the fake data plane has them. */
static void f_backends(uint32_t n, struct steer_backend_stats *o)
{
	uint32_t id;

	for (id = 0; id < n; id++) {
		memset(&o[id], 0, sizeof(o[id]));
		o[id].packets = 100 * id;
		o[id].bytes = 1000 * id;
		o[id].reply_packets = 90 * id;
		o[id].reply_bytes = 9000 * id;
		o[id].new_flows = 10 * id;
		o[id].closed_flows = 7 * id;
	}
}

static void f_tenants(const struct fake *f, uint32_t n, struct steer_tenant_stats *o)
{
	assert_int_equal(n, 2);
	memcpy(o, f->tenants, sizeof(f->tenants));
}

static void f_reasons(enum dp_hook hook, struct steer_reason_stats *o)
{
	uint32_t r;

	for (r = 0; r < STEER_R_MAX; r++) {
		o[r].packets = hook == DP_HOOK_TC ? 1000 + r : r;
		o[r].bytes = o[r].packets * 64;
	}
}

/* class counters: in bulk (ids NULL) or one by one */
static int f_class_stats(void *ctx, const uint32_t *ids, uint32_t n, struct steer_class_stats *o)
{
	struct fake *f = ctx;
	uint32_t i;

	if (!ids) {
		f->class_bulk_calls++;
		assert_true(n <= 2);
		memcpy(o, f->classes, n * sizeof(*o));
		return 0;
	}
	for (i = 0; i < n; i++) {
		f->class_stat_calls++;
		assert_true(ids[i] < 2);
		o[i] = f->classes[ids[i]];
	}
	return 0;
}

/* tenant 0 (default): class 0, reject; tenant 1 (lab): class 1, table 7 */
static int f_lookup(void *ctx, uint32_t tenant, uint32_t task, uint8_t family, uint32_t *cid,
		    uint32_t *tid)
{
	(void)ctx;
	if (task != 0 || family != STEER_AF_INET || tenant > 1)
		return -ENOENT;
	*cid = tenant;
	*tid = tenant ? 7 : 0;
	return 0;
}

static uint32_t f_weight(void *ctx, uint32_t tenant, uint32_t task, uint8_t family, uint32_t be)
{
	(void)ctx;
	(void)task;
	(void)family;
	if (tenant != 1)
		return 0;
	return be == 1 ? 1000 : be == 2 ? 500 : 0; /* be3 draining: not in the set */
}

struct fixture {
	struct policy pol;
	struct metrics_signals *sig;
	struct engine_live *live;
	struct fake f;
	bool no_dataplane;	/* the counters can't be read */
	struct steer_backend_stats backends[4];
	struct steer_tenant_stats tenants[2];
	struct steer_reason_stats reasons[2][STEER_R_MAX];
	struct metrics_snapshot s;
	struct metrics_cache st;
	struct metrics_buf text;	/* all sections */
};

static int setup(void **state)
{
	struct fixture *x = calloc(1, sizeof(*x));
	struct policy_errors errs;
	size_t i;

	assert_non_null(x);
	memset(&errs, 0, sizeof(errs));
	if (policy_load_string("test.yaml", policy_yaml, sizeof(policy_yaml) - 1, &x->pol,
			       &errs)) {
		char line[1024];

		for (i = 0; i < errs.n; i++) {
			policy_error_format(&errs.e[i], line, sizeof(line));
			print_error("%s\n", line);
		}
		fail();
	}
	/* names a runtime change could bring (the parser is stricter) */
	strcpy(x->pol.backends[0].region, "lab \"a\"");
	strcpy(x->pol.backends[1].region, "back\\slash\nnewline");
	x->sig = calloc(x->pol.n_backends, sizeof(*x->sig));
	x->live = calloc(x->pol.n_backends, sizeof(*x->live));
	assert_non_null(x->sig);
	assert_non_null(x->live);
	for (i = 0; i < x->pol.n_backends; i++) {
		struct metrics_signals *t = &x->sig[i];

		t->health_known = true;
		t->healthy = i != 1; /* be2 down */
		t->latency_ms = i == 2 ? -1 : 12.5;
		t->has_running = t->has_waiting = t->has_kv = i == 0;
		t->running = 3;
		t->waiting = 1;
		t->kv_usage = 0.25;
		t->metrics_at_ms = i == 0 ? fake_now - 200 : 0;
		x->live[i].admin_state = x->pol.backends[i].state;
		x->live[i].health_known = true;
		x->live[i].healthy = t->healthy;
		x->live[i].down_grace_over = true; /* be2: down past the grace */
		t->state = engine_backend_state(&x->live[i]); /* as steerd publishes it */
	}
	x->s = (struct metrics_snapshot){
		.now_ms = fake_now,
		.pol = &x->pol,
		.sig = x->sig,
		.rounds = 42,
		.publishes = 3,
		.publish_failures = 2,
		.last_decide_ms = 2,
		.last_publish_ms = 5,
	};
	x->f.tenants[1].new_flows = 30;
	x->f.tenants[1].closed_flows = 20;
	x->f.tenants[1].rejected = 4;
	x->f.tenants[1].admit_rate_drops = 5;
	x->f.tenants[1].admit_conc_drops = 6;
	x->f.tenants[0].rejected = 2;
	x->f.classes[0].rejected = 2;
	x->f.classes[1].new_flows = 30;
	x->f.classes[1].packets = 300;
	x->f.classes[1].bytes = 30000;
	x->s.lazy = (struct metrics_lazy){
		.ctx = &x->f,
		.class_lookup = f_lookup,
		.class_weight = f_weight,
		.class_stats = f_class_stats,
	};
	x->s.counts.start_ms = fake_now - 5000;
	x->s.counts.start_time = 1.7e9;
	x->s.counts.pub_changes = 1;
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *x = *state;

	metrics_cache_free(&x->st);
	metrics_buf_free(&x->text);
	policy_free(&x->pol);
	free(x->sig);
	free(x->live);
	free(x);
	return 0;
}

/* Read the counters as the caller does (in bulk, by id), into the snapshot. */
static void read_counters(struct fixture *x)
{
	struct metrics_snapshot *s = &x->s;
	int h;

	s->backend_stats = NULL;
	s->tenant_stats = NULL;
	s->reasons[0] = s->reasons[1] = NULL;
	if (x->no_dataplane)
		return;
	s->n_backend_stats = metrics_backend_ids(&x->pol);
	assert_true(s->n_backend_stats <= 4);
	f_backends(s->n_backend_stats, x->backends);
	s->backend_stats = x->backends;
	s->n_tenant_stats = metrics_tenant_ids(&x->pol);
	f_tenants(&x->f, s->n_tenant_stats, x->tenants);
	s->tenant_stats = x->tenants;
	for (h = 0; h < 2; h++) {
		f_reasons((enum dp_hook)h, x->reasons[h]);
		s->reasons[h] = x->reasons[h];
	}
}

/* Render and glue the sections together as the server sends them. */
static void render(struct fixture *x)
{
	int i;

	read_counters(x);
	assert_int_equal(metrics_render(&x->st, &x->s), 0);
	x->text.len = 0;
	for (i = 0; i < METRICS_SEC__MAX; i++) {
		assert_true(x->st.valid[i]);
		metrics_buf_put(&x->text, x->st.sec[i].p ? x->st.sec[i].p : "", x->st.sec[i].len);
	}
	assert_false(x->text.oom);
}

/* ---- sample lookup ---- */

struct want {
	const char *name;
	const char *l1, *v1, *l2, *v2; /* label constraints (NULL: any) */
	unsigned int n;
	double value;
};

static bool label_is(const struct probe_prom_sample *s, const char *l, const char *v)
{
	char buf[256];

	return !l || (probe_prom_label(s, l, buf, sizeof(buf)) >= 0 && !strcmp(buf, v));
}

static int want_cb(const struct probe_prom_sample *s, void *ctx)
{
	struct want *w = ctx;

	if (probe_prom_name_is(s, w->name) && label_is(s, w->l1, w->v1) &&
	    label_is(s, w->l2, w->v2)) {
		w->n++;
		w->value = s->value;
	}
	return 0;
}

static double value_of(const struct fixture *x, const char *name, const char *l1,
		       const char *v1, const char *l2, const char *v2, unsigned int *n)
{
	struct want w = { name, l1, v1, l2, v2, 0, NAN };

	probe_prom_foreach(x->text.p, x->text.len, want_cb, &w, NULL);
	*n = w.n;
	return w.value;
}

#define assert_value(x, want, name, l1, v1, l2, v2)                                  \
	do {                                                                           \
		unsigned int n_;                                                       \
		double v_ = value_of(x, name, l1, v1, l2, v2, &n_);                    \
		if (n_ != 1 || fabs(v_ - (want)) > 1e-9)                               \
			fail_msg("%s{%s=%s,%s=%s}: %u samples, value %g, want %g", name, \
				 l1 ? l1 : "", v1 ? v1 : "", l2 ? l2 : "", v2 ? v2 : "", n_, \
				 v_, (double)(want));                                  \
	} while (0)

/* ---- tests ---- */

static void test_escape(void **state)
{
	struct metrics_buf b = { 0 };

	(void)state;
	metrics_buf_escape(&b, "a\\b\"c\nd", false);
	assert_string_equal(b.p, "a\\\\b\\\"c\\nd");
	b.len = 0;
	metrics_buf_escape(&b, "a\\b\"c\nd", true); /* HELP: quotes stay */
	assert_string_equal(b.p, "a\\\\b\"c\\nd");
	b.len = 0;
	metrics_buf_escape(&b, "", false);
	assert_int_equal(b.len, 0);
	metrics_buf_free(&b);
}

/* Every line is a comment with HELP/TYPE or a sample that parses. */
struct fmt {
	unsigned int samples;
	char types[128][64];
	unsigned int n_types;
};

static int fmt_cb(const struct probe_prom_sample *s, void *ctx)
{
	struct fmt *f = ctx;
	unsigned int i;

	f->samples++;
	for (i = 0; i < f->n_types; i++) {
		size_t l = strlen(f->types[i]);

		if (s->name_len >= l && !strncmp(s->name, f->types[i], l) &&
		    (s->name_len == l))
			return 0;
	}
	fail_msg("sample %.*s (line %u) has no # TYPE line", (int)s->name_len, s->name, s->line);
	return -1;
}

static void test_format(void **state)
{
	struct fixture *x = *state;
	struct fmt f = { 0 };
	unsigned int bad = 99, lines = 0;
	char *line, *save = NULL, *copy;
	int n;

	render(x);
	copy = strdup(x->text.p);
	assert_non_null(copy);
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		lines++;
		if (line[0] != '#')
			continue;
		if (!strncmp(line, "# TYPE ", 7)) {
			char name[64], type[32];

			assert_int_equal(sscanf(line, "# TYPE %63s %31s", name, type), 2);
			assert_true(!strcmp(type, "gauge") || !strcmp(type, "counter"));
			assert_true(f.n_types < 128);
			strcpy(f.types[f.n_types++], name);
		} else {
			assert_int_equal(strncmp(line, "# HELP ", 7), 0);
		}
	}
	free(copy);
	assert_true(x->text.len > 0 && x->text.p[x->text.len - 1] == '\n');
	n = probe_prom_foreach(x->text.p, x->text.len, fmt_cb, &f, &bad);
	assert_true(n > 0);
	assert_int_equal(bad, 0);
	assert_int_equal((unsigned int)n, f.samples);
	/* each family has exactly one TYPE line */
	for (unsigned int i = 0; i < f.n_types; i++)
		for (unsigned int j = i + 1; j < f.n_types; j++)
			assert_string_not_equal(f.types[i], f.types[j]);
	assert_true(lines > (unsigned int)n);
}

static void test_families(void **state)
{
	static const char *const families[] = {
		"steerd_up", "steerd_start_time_seconds", "steerd_uptime_seconds",
		"steerd_policy_reloads_total", "steerd_policy_objects",
		"steerd_probe_rounds_total", "steerd_publishes_total", "steerd_publish_failures_total",
		"steerd_publish_changes_total", "steerd_last_decide_seconds",
		"steerd_last_publish_seconds", "steerd_classes", "steerd_metrics_render_seconds",
		"steerd_metrics_scrapes_total", "process_cpu_seconds_total",
		"process_resident_memory_bytes", "process_start_time_seconds",
		"steer_backend_info", "steer_backend_state", "steer_backend_up",
		"steer_backend_capacity", "steer_backend_active_flows",
		"steer_backend_new_flows_total", "steer_backend_closed_flows_total",
		"steer_backend_packets_total", "steer_backend_bytes_total",
		"steer_backend_probe_latency_seconds", "steer_backend_running_requests",
		"steer_backend_waiting_requests", "steer_backend_kv_cache_usage_ratio",
		"steer_backend_signals_stale", "steer_backend_signals_age_seconds",
		"steer_backend_weight", "steer_backend_classes", "steer_dp_packets_total",
		"steer_dp_bytes_total", "steer_tenant_admit_limit",
		"steer_tenant_new_flows_total", "steer_tenant_active_flows",
		"steer_tenant_rejected_total", "steer_tenant_packets_total",
		"steer_tenant_bytes_total", "steer_class_id", "steer_class_table_id",
		"steer_class_generation", "steer_class_backends", "steer_class_new_flows_total",
		"steer_class_rejected_total", "steer_class_packets_total",
		"steer_class_bytes_total",
	};
	struct fixture *x = *state;
	char help[96], type[96];
	size_t i;
	unsigned int n;

	render(x);
	for (i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		snprintf(help, sizeof(help), "# HELP %s ", families[i]);
		snprintf(type, sizeof(type), "# TYPE %s ", families[i]);
		if (!strstr(x->text.p, help) || !strstr(x->text.p, type))
			fail_msg("family %s: no HELP/TYPE", families[i]);
		value_of(x, families[i], NULL, NULL, NULL, NULL, &n);
		if (!n)
			fail_msg("family %s: no sample", families[i]);
	}
}

static void test_values(void **state)
{
	struct fixture *x = *state;
	unsigned int n;
	char r[8];

	render(x);
	/* backends: labels decoded back to the policy's values */
	assert_value(x, 1, "steer_backend_up", "backend", "be1", "region", "lab \"a\"");
	assert_value(x, 0, "steer_backend_up", "backend", "be2", "region",
		     "back\\slash\nnewline");
	assert_value(x, 1, "steer_backend_state", "backend", "be2", "state", "down");
	assert_value(x, 0, "steer_backend_state", "backend", "be2", "state", "active");
	assert_value(x, 0, "steer_backend_state", "backend", "be2", "state", "failing");
	assert_value(x, 1, "steer_backend_state", "backend", "be3", "state", "draining");
	assert_value(x, 1, "steer_backend_state", "backend", "be1", "state", "active");
	assert_value(x, 6, "steer_backend_active_flows", "backend", "be2", "id", "2");
	assert_value(x, 30, "steer_backend_new_flows_total", "backend", "be3", "model", "m1");
	assert_value(x, 300, "steer_backend_packets_total", "backend", "be3", "direction",
		     "forward");
	assert_value(x, 27000, "steer_backend_bytes_total", "backend", "be3", "direction",
		     "reply");
	assert_value(x, 0.0125, "steer_backend_probe_latency_seconds", "backend", "be1", NULL,
		     NULL);
	value_of(x, "steer_backend_probe_latency_seconds", "backend", "be3", NULL, NULL, &n);
	assert_int_equal(n, 0); /* unknown latency: no sample */
	assert_value(x, 3, "steer_backend_running_requests", "backend", "be1", NULL, NULL);
	assert_value(x, 1, "steer_backend_waiting_requests", "backend", "be1", NULL, NULL);
	assert_value(x, 0.25, "steer_backend_kv_cache_usage_ratio", "backend", "be1", NULL,
		     NULL);
	value_of(x, "steer_backend_running_requests", "backend", "be2", NULL, NULL, &n);
	assert_int_equal(n, 0);
	assert_value(x, 0, "steer_backend_signals_stale", "backend", "be1", NULL, NULL);
	assert_value(x, 1, "steer_backend_signals_stale", "backend", "be2", NULL, NULL);
	assert_value(x, 0.2, "steer_backend_signals_age_seconds", "backend", "be1", NULL, NULL);
	assert_value(x, 1, "steer_backend_info", "backend", "be1", "address", "198.18.2.2:8000");
	/* weights: only the table class, only backends in its set */
	assert_value(x, 1000, "steer_backend_weight", "backend", "be1", "tenant", "lab");
	assert_value(x, 500, "steer_backend_weight", "backend", "be2", "task", "chat");
	value_of(x, "steer_backend_weight", NULL, NULL, NULL, NULL, &n);
	assert_int_equal(n, 2);
	value_of(x, "steer_backend_weight", "tenant", "default", NULL, NULL, &n);
	assert_int_equal(n, 0);
	assert_value(x, 1, "steer_backend_classes", "backend", "be1", NULL, NULL);
	assert_value(x, 0, "steer_backend_classes", "backend", "be3", NULL, NULL);
	/* classes */
	assert_value(x, 7, "steer_class_table_id", "tenant", "lab", "family", "ipv4");
	assert_value(x, 0, "steer_class_table_id", "tenant", "default", NULL, NULL);
	assert_value(x, 1, "steer_class_id", "tenant", "lab", NULL, NULL);
	assert_value(x, 1, "steer_class_generation", "tenant", "lab", NULL, NULL);
	assert_value(x, 2, "steer_class_backends", "tenant", "lab", NULL, NULL);
	assert_value(x, 2, "steer_class_rejected_total", "tenant", "default", NULL, NULL);
	assert_value(x, 30, "steer_class_new_flows_total", "tenant", "lab", NULL, NULL);
	assert_value(x, 30000, "steer_class_bytes_total", "tenant", "lab", NULL, NULL);
	/* tenants */
	assert_value(x, 30, "steer_tenant_new_flows_total", "tenant", "lab", "id", "1");
	assert_value(x, 10, "steer_tenant_active_flows", "tenant", "lab", NULL, NULL);
	assert_value(x, 4, "steer_tenant_rejected_total", "tenant", "lab", "reason", "policy");
	assert_value(x, 5, "steer_tenant_rejected_total", "tenant", "lab", "reason", "rate");
	assert_value(x, 6, "steer_tenant_rejected_total", "tenant", "lab", "reason",
		     "concurrency");
	assert_value(x, 2, "steer_tenant_rejected_total", "tenant", "default", "reason",
		     "policy");
	assert_value(x, 100, "steer_tenant_admit_limit", "tenant", "lab", "limit", "rate");
	assert_value(x, 5, "steer_tenant_admit_limit", "tenant", "lab", "limit",
		     "concurrency");
	/* every reason code, both hooks */
	for (uint32_t i = 0; i < STEER_R_MAX; i++) {
		assert_value(x, i, "steer_dp_packets_total", "hook", "xdp", "reason",
			     dp_reason_name(i));
		assert_value(x, (1000 + i) * 64, "steer_dp_bytes_total", "hook", "tc", "reason",
			     dp_reason_name(i));
	}
	snprintf(r, sizeof(r), "%d", 0);
	/* steerd */
	assert_value(x, 1, "steerd_up", NULL, NULL, NULL, NULL);
	assert_value(x, 5, "steerd_uptime_seconds", NULL, NULL, NULL, NULL);
	assert_value(x, 42, "steerd_probe_rounds_total", NULL, NULL, NULL, NULL);
	assert_value(x, 3, "steerd_publishes_total", NULL, NULL, NULL, NULL);
	assert_value(x, 2, "steerd_publish_failures_total", NULL, NULL, NULL, NULL);
	assert_value(x, 0.005, "steerd_last_publish_seconds", NULL, NULL, NULL, NULL);
	assert_value(x, 3, "steerd_policy_objects", "kind", "backends", NULL, NULL);
	assert_value(x, 2, "steerd_classes", NULL, NULL, NULL, NULL);
	assert_value(x, 1.7e9, "process_start_time_seconds", NULL, NULL, NULL, NULL);
	assert_true(value_of(x, "process_resident_memory_bytes", NULL, NULL, NULL, NULL, &n) >
		    0);
}

static void test_caches(void **state)
{
	struct fixture *x = *state;

	render(x);
	assert_true(x->st.fresh[METRICS_SEC_CLASSES] && x->st.fresh[METRICS_SEC_TENANTS] &&
		    x->st.fresh[METRICS_SEC_CLASS_COUNTERS]);
	assert_int_equal(x->f.class_bulk_calls, 1);

	/* nothing moved: only the cheap sections are rendered again */
	render(x);
	assert_true(x->st.fresh[METRICS_SEC_STEERD] && x->st.fresh[METRICS_SEC_BACKENDS]);
	assert_false(x->st.fresh[METRICS_SEC_CLASSES]);
	assert_false(x->st.fresh[METRICS_SEC_TENANTS]);
	assert_false(x->st.fresh[METRICS_SEC_CLASS_COUNTERS]);
	assert_int_equal(x->f.class_bulk_calls, 1);
	assert_int_equal(x->f.class_stat_calls, 0);

	/* one tenant's counters moved: its classes are read one by one */
	x->f.tenants[1].new_flows++;
	x->f.classes[1].new_flows++;
	render(x);
	assert_true(x->st.fresh[METRICS_SEC_TENANTS] && x->st.fresh[METRICS_SEC_CLASS_COUNTERS]);
	assert_false(x->st.fresh[METRICS_SEC_CLASSES]);
	assert_int_equal(x->f.class_bulk_calls, 1);
	assert_int_equal(x->f.class_stat_calls, 1);
	/* the cached sections are still in the text */
	assert_value(x, 31, "steer_class_new_flows_total", "tenant", "lab", NULL, NULL);
	assert_value(x, 31, "steer_tenant_new_flows_total", "tenant", "lab", NULL, NULL);
	assert_value(x, 7, "steer_class_table_id", "tenant", "lab", NULL, NULL);

	/* a publish that wrote something: classes again; a changed set bumps the
	 * generation */
	x->s.counts.pub_changes++;
	render(x);
	assert_true(x->st.fresh[METRICS_SEC_CLASSES]);
	assert_value(x, 1, "steer_class_generation", "tenant", "lab", NULL, NULL);
	x->s.lazy.class_weight = NULL; /* the set changed (now empty) */
	x->s.counts.pub_changes++;
	render(x);
	assert_value(x, 2, "steer_class_generation", "tenant", "lab", NULL, NULL);
	assert_value(x, 1, "steer_class_generation", "tenant", "default", NULL, NULL);
}

/* No data plane (reads fail): no kernel counter samples, text still valid. */
static void test_no_dataplane(void **state)
{
	struct fixture *x = *state;
	unsigned int bad = 99, n;
	struct want w = { "steerd_up", NULL, NULL, NULL, NULL, 0, 0 };

	x->no_dataplane = true;
	memset(&x->s.lazy, 0, sizeof(x->s.lazy));
	render(x);
	assert_true(probe_prom_foreach(x->text.p, x->text.len, want_cb, &w, &bad) > 0);
	assert_int_equal(bad, 0);
	value_of(x, "steer_backend_new_flows_total", NULL, NULL, NULL, NULL, &n);
	assert_int_equal(n, 0);
	value_of(x, "steer_backend_up", NULL, NULL, NULL, NULL, &n);
	assert_int_equal(n, 3);
	assert_value(x, 0, "steerd_classes", NULL, NULL, NULL, NULL);
}

static void test_parse_addr(void **state)
{
	static const char *const bad[] = {
		"", "9464", ":9464", "127.0.0.1", "127.0.0.1:", "127.0.0.1:0",
		"127.0.0.1:65536", "127.0.0.1:x", "127.0.0.1:94a", "localhost:9464",
		"::1:9464", "[::1]", "[::1]9464", "[127.0.0.1]:9464", "[]:1", "1.2.3:80",
		"127.0.0.1:-1", "127.0.0.1: 80",
	};
	struct sockaddr_storage ss;
	struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	size_t i;

	(void)state;
	assert_int_equal(metrics_parse_addr("127.0.0.1:9464", &ss, &len), 0);
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(len, sizeof(*a4));
	assert_int_equal(ntohs(a4->sin_port), 9464);
	assert_int_equal(ntohl(a4->sin_addr.s_addr), 0x7f000001);
	assert_int_equal(metrics_parse_addr("[::1]:9464", &ss, &len), 0);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(len, sizeof(*a6));
	assert_int_equal(ntohs(a6->sin6_port), 9464);
	assert_true(IN6_IS_ADDR_LOOPBACK(&a6->sin6_addr));
	assert_int_equal(metrics_parse_addr("0.0.0.0:1", &ss, &len), 0);
	assert_int_equal(metrics_parse_addr("[fd00::1]:65535", &ss, &len), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (metrics_parse_addr(bad[i], &ss, &len) != -EINVAL)
			fail_msg("'%s' accepted", bad[i]);
	assert_int_equal(metrics_parse_addr(NULL, &ss, &len), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test_setup_teardown(test_format, setup, teardown),
		cmocka_unit_test_setup_teardown(test_families, setup, teardown),
		cmocka_unit_test_setup_teardown(test_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_caches, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_dataplane, setup, teardown),
		cmocka_unit_test(test_parse_addr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
