// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Policy <-> JSON tree <-> YAML (see ctl_policy.h). The tree uses the
 * policy file's keys exactly (docs/policy.md), so JSON text of it is a
 * valid policy file and policy_load_string() validates it.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "policy/policy.h"
#include "util/util.h"

static int jset(json_t *o, const char *k, json_t *v)
{
	return json_object_set_new(o, k, v);
}

static json_t *jaddr(const uint8_t *addr, uint8_t family)
{
	char buf[64];

	return json_string(util_addr_format(addr, family, buf, sizeof(buf)));
}

static json_t *settings_json(const struct policy *p)
{
	json_t *s = json_object();

	jset(s, "probe_interval_ms", json_integer(p->probe_interval_ms));
	jset(s, "probe_timeout_ms", json_integer(p->probe_timeout_ms));
	jset(s, "staleness_ms", json_integer(p->staleness_ms));
	jset(s, "health_rise", json_integer(p->health_rise));
	jset(s, "health_fall", json_integer(p->health_fall));
	jset(s, "down_grace_ms", json_integer(p->down_grace_ms));
	jset(s, "hysteresis", json_real(p->hysteresis));
	jset(s, "maglev_size", json_integer(p->maglev_size));
	jset(s, "hash_seed", json_integer(p->hash_seed));
	jset(s, "udp_idle_ms", json_integer(p->udp_idle_ms));
	jset(s, "tcp_handshake_timeout_ms", json_integer(p->tcp_handshake_ms));
	jset(s, "tcp_idle_timeout_ms", json_integer(p->tcp_idle_ms));
	jset(s, "tcp_closing_timeout_ms", json_integer(p->tcp_closing_ms));
	jset(s, "conntrack_sweep_entries", json_integer(p->ct_sweep_entries));
	jset(s, "conntrack_sweep_interval_ms", json_integer(p->ct_sweep_interval_ms));
	jset(s, "conntrack_entries", json_integer(p->ct_entries));
	jset(s, "conntrack_syn_entries", json_integer(p->ct_syn_entries));
	jset(s, "nonsyn_miss_rate", json_integer(p->nonsyn_rate));
	jset(s, "balance_factor", json_real(p->balance_factor));
	jset(s, "slow_ttft_factor", json_real(p->slow_ttft_factor));
	jset(s, "ttft_memory_ms", json_integer(p->ttft_memory_ms));
	return s;
}

static json_t *interfaces_json(const struct policy *p)
{
	json_t *s = json_object(), *x = json_array(), *t = json_array();
	size_t i;

	for (i = 0; i < p->n_xdp_ifaces; i++)
		json_array_append_new(x, json_string(p->xdp_ifaces[i]));
	for (i = 0; i < p->n_tc_ifaces; i++)
		json_array_append_new(t, json_string(p->tc_ifaces[i]));
	if (p->n_xdp_ifaces)
		jset(s, "xdp", x);
	else
		json_decref(x);
	if (p->n_tc_ifaces)
		jset(s, "tc", t);
	else
		json_decref(t);
	jset(s, "xdp_mode", json_string(p->xdp_generic ? "generic" : "native"));
	jset(s, "tc_mode",
	     json_string(p->tc_mode == 1 ? "tcx" : p->tc_mode == 2 ? "clsact" : "auto"));
	return s;
}

static json_t *objective_json(const struct policy *p)
{
	json_t *s = json_object();

	jset(s, "quality", json_real(p->objective.quality));
	jset(s, "cost", json_real(p->objective.cost));
	jset(s, "load", json_real(p->objective.load));
	jset(s, "margin", json_real(p->objective.margin));
	jset(s, "latency", json_real(p->objective.latency));
	return s;
}

/* The rest of a custom metrics mapping: what a re-parse needs to ask the same way. */
static void custom_metrics_rest(const struct policy_metric_names *x, json_t *m)
{
	if (x->in_flight[0])
		jset(m, "in_flight", json_string(x->in_flight));
	if (x->limit[0])
		jset(m, "limit", json_string(x->limit));
	if (x->ttft[0])
		jset(m, "ttft", json_string(x->ttft));
	if (x->queue[0])
		jset(m, "queue", json_string(x->queue));
	if (x->format == POLICY_LOAD_JSON)
		jset(m, "format", json_string("json"));
	if (x->method == POLICY_HTTP_POST) {
		jset(m, "method", json_string("POST"));
		jset(m, "body", json_string(x->body));
	}
}

static json_t *backend_json(const struct policy *p, const struct policy_backend *b)
{
	static const char *const prof[] = { "", "vllm", "sglang", "chitu" };
	json_t *o = json_object();

	jset(o, "name", json_string(b->name));
	jset(o, "id", json_integer(b->id));
	jset(o, "address", jaddr(b->addr, b->family));
	jset(o, "port", json_integer(b->port));
	jset(o, "model", json_string(b->model < p->n_models ? p->models[b->model].name : "?"));
	jset(o, "provider", json_string(b->provider));
	jset(o, "region", json_string(b->region));
	jset(o, "safety_tier", json_integer(b->safety_tier));
	jset(o, "capacity", json_integer(b->capacity));
	if (b->health_url[0])
		jset(o, "health_url", json_string(b->health_url));
	if (b->metrics_url[0]) {
		jset(o, "metrics_url", json_string(b->metrics_url));
		if (b->profile == POLICY_METRICS_CUSTOM) {
			json_t *m = json_object();

			if (b->metrics.waiting[0])
				jset(m, "waiting", json_string(b->metrics.waiting));
			if (b->metrics.running[0])
				jset(m, "running", json_string(b->metrics.running));
			if (b->metrics.kv_usage[0])
				jset(m, "kv_usage", json_string(b->metrics.kv_usage));
			if (b->metrics.kv_usage_alt[0])
				jset(m, "kv_usage_alt", json_string(b->metrics.kv_usage_alt));
			custom_metrics_rest(&b->metrics, m);
			jset(o, "metrics", m);
		} else if (b->profile > POLICY_METRICS_NONE && b->profile < POLICY_METRICS_CUSTOM) {
			jset(o, "metrics", json_string(prof[b->profile]));
		}
	}
	/* the policy file has no "unused": a backend in it is active at least */
	jset(o, "state",
	     json_string(util_backend_state_name(b->state == STEER_BACKEND_DRAINING ||
							 b->state == STEER_BACKEND_DOWN
						 ? b->state
						 : STEER_BACKEND_ACTIVE)));
	return o;
}

static json_t *tenant_json(const struct policy *p, const struct policy_tenant *t)
{
	json_t *o = json_object(), *a;
	char pf[80];
	size_t i;

	jset(o, "name", json_string(t->name));
	if (t->id)
		jset(o, "id", json_integer(t->id));
	if (t->n_prefixes) {
		a = json_array();
		for (i = 0; i < t->n_prefixes; i++) {
			json_array_append_new(a, json_string(util_prefix_format(
						     t->prefixes[i].addr, t->prefixes[i].family,
						     t->prefixes[i].len, pf, sizeof(pf))));
		}
		jset(o, "prefixes", a);
	}
	if (t->min_safety_tier)
		jset(o, "min_safety_tier", json_integer(t->min_safety_tier));
	if (t->n_regions) {
		a = json_array();
		for (i = 0; i < t->n_regions; i++)
			json_array_append_new(a, json_string(t->regions[i]));
		jset(o, "regions", a);
	}
	if (t->max_cost >= 0)
		jset(o, "max_cost", json_real(t->max_cost));
	if (t->min_quality > 0)
		jset(o, "min_quality", json_real(t->min_quality));
	jset(o, "priority", json_integer(t->priority));
	if (t->rate || t->max_conns) {
		a = json_object();
		if (t->rate) {
			jset(a, "rate", json_integer(t->rate));
			jset(a, "burst", json_integer(t->burst ? t->burst : t->rate));
		}
		if (t->max_conns)
			jset(a, "max_conns", json_integer(t->max_conns));
		jset(o, "admission", a);
	}
	jset(o, "action", json_string(t->action == POLICY_FALLBACK ? "fallback" : "reject"));
	if (t->action == POLICY_FALLBACK) {
		a = json_object();
		jset(a, "tenant", json_string(t->fallback_tenant < p->n_tenants
						      ? p->tenants[t->fallback_tenant].name
						      : "?"));
		jset(a, "task", json_string(policy_task_name(p, t->fallback_task) ?: "?"));
		jset(o, "fallback", a);
	}
	return o;
}

json_t *policy_to_json(const struct policy *p)
{
	json_t *root = json_object(), *a, *o, *q;
	size_t i, t;

	if (!root)
		return NULL;
	jset(root, "settings", settings_json(p));
	jset(root, "interfaces", interfaces_json(p));
	jset(root, "objective", objective_json(p));
	a = json_array();
	for (i = 0; i < p->n_tasks; i++) {
		o = json_object();
		jset(o, "name", json_string(p->tasks[i].name));
		jset(o, "id", json_integer(p->tasks[i].id));
		json_array_append_new(a, o);
	}
	jset(root, "tasks", a);
	a = json_array();
	for (i = 0; i < p->n_models; i++) {
		o = json_object();
		q = json_object();
		jset(o, "name", json_string(p->models[i].name));
		jset(o, "cost", json_real(p->models[i].cost));
		for (t = 0; t < STEER_MAX_TASKS; t++)
			if (p->models[i].serves[t])
				jset(q, policy_task_name(p, t) ?: "?",
				     json_real(p->models[i].quality[t]));
		jset(o, "quality", q);
		json_array_append_new(a, o);
	}
	jset(root, "models", a);
	a = json_array();
	for (i = 0; i < p->n_services; i++) {
		const struct policy_service *s = &p->services[i];

		o = json_object();
		jset(o, "name", json_string(s->name));
		jset(o, "vip", jaddr(s->addr, s->family));
		jset(o, "port", json_integer(s->port));
		jset(o, "proto", json_string(s->proto == STEER_PROTO_UDP ? "udp" : "tcp"));
		jset(o, "task", json_string(policy_task_name(p, s->task) ?: "?"));
		if (s->balance_factor >= 0)
			jset(o, "balance_factor", json_real(s->balance_factor));
		jset(o, "mss_clamp", json_integer(s->mss_clamp));
		json_array_append_new(a, o);
	}
	jset(root, "services", a);
	a = json_array();
	for (i = 0; i < p->n_backends; i++)
		json_array_append_new(a, backend_json(p, &p->backends[i]));
	jset(root, "backends", a);
	a = json_array();
	for (i = 0; i < p->n_tenants; i++)
		if (!p->tenants[i].implicit) /* re-parsed, it comes back implicit */
			json_array_append_new(a, tenant_json(p, &p->tenants[i]));
	jset(root, "tenants", a);
	return root;
}

int policy_from_json(const json_t *j, struct policy *out, char *msg, size_t len)
{
	struct policy_errors *errs = calloc(1, sizeof(*errs));
	char *text = json_dumps(j, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
	size_t i, off = 0;
	int err;

	if (!errs || !text) {
		free(errs);
		free(text);
		snprintf(msg, len, "out of memory");
		return -ENOMEM;
	}
	err = policy_load_string("policy", text, strlen(text), out, errs);
	if (err < 0) {
		msg[0] = '\0';
		for (i = 0; i < errs->n && off + 1 < len; i++) {
			const struct policy_error *e = &errs->e[i];
			int w = snprintf(msg + off, len - off, "%s%s%s%s", i ? "; " : "", e->field,
					 e->field[0] ? ": " : "", e->msg);

			off += w > 0 ? (size_t)w : 0;
		}
		if (!errs->n)
			snprintf(msg, len, "invalid policy");
		err = err == -ENOMEM ? -ENOMEM : -EINVAL;
	}
	free(errs);
	free(text);
	return err;
}

/* ---- YAML output ---- */

static int emit_scalar(yaml_emitter_t *e, const char *s, bool plain_ok)
{
	yaml_event_t ev;

	yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)strlen(s), plain_ok,
				     !plain_ok, plain_ok ? YAML_ANY_SCALAR_STYLE
							 : YAML_DOUBLE_QUOTED_SCALAR_STYLE);
	return yaml_emitter_emit(e, &ev) ? 0 : -EIO;
}

/* Shortest text that reads back as the same double. */
static void fmt_real(double v, char *buf, size_t len)
{
	int prec;

	for (prec = 6; prec <= 17; prec++) {
		snprintf(buf, len, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	if (!strpbrk(buf, ".eE") && isfinite(v) && strlen(buf) + 2 < len)
		strcat(buf, ".0");
}

static int emit_node(yaml_emitter_t *e, const json_t *j)
{
	yaml_event_t ev;
	char buf[64];
	const char *k;
	json_t *v;
	size_t i;

	switch (json_typeof(j)) {
	case JSON_OBJECT:
		yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE);
		if (!yaml_emitter_emit(e, &ev))
			return -EIO;
		json_object_foreach((json_t *)j, k, v) {
			if (emit_scalar(e, k, true) || emit_node(e, v))
				return -EIO;
		}
		yaml_mapping_end_event_initialize(&ev);
		return yaml_emitter_emit(e, &ev) ? 0 : -EIO;
	case JSON_ARRAY: {
		/* short lists of scalars read best in flow style */
		bool flow = json_array_size(j) <= 8;

		json_array_foreach(j, i, v)
			if (json_is_object(v) || json_is_array(v))
				flow = false;
		yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
						     flow ? YAML_FLOW_SEQUENCE_STYLE
							  : YAML_BLOCK_SEQUENCE_STYLE);
		if (!yaml_emitter_emit(e, &ev))
			return -EIO;
		json_array_foreach(j, i, v)
			if (emit_node(e, v))
				return -EIO;
		yaml_sequence_end_event_initialize(&ev);
		return yaml_emitter_emit(e, &ev) ? 0 : -EIO;
	}
	case JSON_STRING: {
		const char *s = json_string_value(j);
		/* anything the parser could read as another type or that has
		 * YAML indicators is quoted */
		bool plain = *s && !strpbrk(s, ":#{}[],&*!|>'\"%@` ") &&
			     strcspn(s, "0123456789.-+") != 0 && strcasecmp(s, "null") &&
			     strcasecmp(s, "true") && strcasecmp(s, "false") &&
			     strcasecmp(s, "yes") && strcasecmp(s, "no") && strcasecmp(s, "on") &&
			     strcasecmp(s, "off") && strcmp(s, "~");

		return emit_scalar(e, s, plain);
	}
	case JSON_INTEGER:
		snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(j));
		return emit_scalar(e, buf, true);
	case JSON_REAL:
		fmt_real(json_real_value(j), buf, sizeof(buf));
		return emit_scalar(e, buf, true);
	case JSON_TRUE:
		return emit_scalar(e, "true", true);
	case JSON_FALSE:
		return emit_scalar(e, "false", true);
	default:
		return emit_scalar(e, "", true);
	}
}

static int write_handler(void *data, unsigned char *buf, size_t size)
{
	return fwrite(buf, 1, size, data) == size;
}

int policy_json_to_yaml(const json_t *j, FILE *f, const char *header)
{
	yaml_emitter_t e;
	yaml_event_t ev;
	int err = -EIO;

	if (header)
		fputs(header, f);
	if (!yaml_emitter_initialize(&e))
		return -ENOMEM;
	yaml_emitter_set_output(&e, write_handler, f);
	yaml_emitter_set_unicode(&e, 1);
	yaml_emitter_set_width(&e, 100);
	yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
	if (!yaml_emitter_emit(&e, &ev))
		goto out;
	yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
	if (!yaml_emitter_emit(&e, &ev))
		goto out;
	if (emit_node(&e, j))
		goto out;
	yaml_document_end_event_initialize(&ev, 1);
	if (!yaml_emitter_emit(&e, &ev))
		goto out;
	yaml_stream_end_event_initialize(&ev);
	if (!yaml_emitter_emit(&e, &ev))
		goto out;
	err = yaml_emitter_flush(&e) ? 0 : -EIO;
out:
	yaml_emitter_delete(&e);
	return err;
}

char *policy_json_to_yaml_str(const json_t *j, const char *header)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int err;

	if (!f)
		return NULL;
	err = policy_json_to_yaml(j, f, header);
	if (fclose(f) || err) {
		free(buf);
		return NULL;
	}
	return buf;
}
