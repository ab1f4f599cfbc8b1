// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Control commands: one request (cmd, args) -> one JSON result. Read-only
 * commands look at the policy, the live signals, the decisions and the
 * maps; changes go through policy_op_apply -> policy parser -> swap -> publish
 * -> state file, so a change that the parser would reject in a file is
 * rejected here with the same message and nothing moves.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>

#include "steerd/ctl.h"
#include "policy/policy.h"
#include "proto/proto.h"
#include "util/util.h"

#define STEERD_CTL_VERSION "0.1.0"

static const char *const readonly_cmds[] = {
	"status", "backend list", "backend show", "tenant list", "tenant show", "service list",
	"policy show", "policy dump", "explain", "flows", "stats", "state show",
};

bool steerd_ctl_readonly(const char *cmd)
{
	size_t i;

	for (i = 0; i < sizeof(readonly_cmds) / sizeof(readonly_cmds[0]); i++)
		if (!strcmp(cmd, readonly_cmds[i]))
			return true;
	return false;
}

static long tenant_by_id(const struct policy *p, uint32_t id)
{
	size_t i;

	for (i = 0; i < p->n_tenants; i++)
		if (p->tenants[i].id == id)
			return (long)i;
	return -1;
}

static long backend_by_id(const struct policy *p, uint32_t id)
{
	size_t i;

	for (i = 0; i < p->n_backends; i++)
		if (p->backends[i].id == id)
			return (long)i;
	return -1;
}

static json_t *jaddr(const uint8_t *a, uint8_t family)
{
	char buf[64];

	return json_string(util_addr_format(a, family, buf, sizeof(buf)));
}

static json_t *num_or_null(bool has, double v)
{
	return has ? json_real(v) : json_null();
}

/* Live signals of backend i (d->live must be built). */
static json_t *signals_json(struct steerd *d, size_t i)
{
	const struct engine_live *l = &d->live[i];
	bool known;
	double spare = engine_backend_spare(&d->pol.backends[i], l, &known);

	return json_pack("{s:s, s:o, s:o, s:o, s:o, s:f, s:b, s:o}", "health",
			 !l->health_known ? "unknown" : l->healthy ? "up" : "down", "running",
			 num_or_null(l->has_running, l->running), "waiting",
			 num_or_null(l->has_waiting, l->waiting), "kv_usage",
			 num_or_null(l->has_kv, l->kv_usage), "latency_ms",
			 num_or_null(l->latency_ms >= 0, l->latency_ms), "spare", spare,
			 "spare_known", known, "active_flows",
			 l->has_flows ? json_integer((json_int_t)l->active_flows) : json_null());
}

static json_t *backend_json(struct steerd *d, size_t i, bool detail)
{
	const struct policy_backend *b = &d->pol.backends[i];
	struct steer_backend_stats bs = { 0 };
	json_t *o;

	o = json_pack("{s:s, s:i, s:o, s:i, s:s, s:s, s:s, s:i, s:i, s:s, s:s}", "name", b->name,
		      "id", (int)b->id, "address", jaddr(b->addr, b->family), "port", b->port,
		      "model", d->pol.models[b->model].name, "provider", b->provider, "region",
		      b->region, "safety_tier", (int)b->safety_tier, "capacity", (int)b->capacity,
		      "admin_state", util_backend_state_name(b->state ? b->state : 1), "state",
		      util_backend_state_name(engine_backend_state(&d->live[i])));
	json_object_set_new(o, "signals", signals_json(d, i));
	if (d->dp && !dp_backend_stats_read(d->dp, b->id, &bs))
		json_object_set_new(o, "counters",
				    json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "packets",
					      (json_int_t)bs.packets, "bytes", (json_int_t)bs.bytes,
					      "reply_packets", (json_int_t)bs.reply_packets,
					      "reply_bytes", (json_int_t)bs.reply_bytes, "new_flows",
					      (json_int_t)bs.new_flows, "closed_flows",
					      (json_int_t)bs.closed_flows));
	if (d->track[i].last_error[0])
		json_object_set_new(o, "last_error", json_string(d->track[i].last_error));
	if (detail) {
		json_t *w = json_array();
		size_t t, k;

		json_object_set_new(o, "health_url", json_string(b->health_url));
		json_object_set_new(o, "metrics_url", json_string(b->metrics_url));
		for (t = 0; t < d->pol.n_tenants; t++)
			for (k = 0; k < d->pol.n_tasks; k++) {
				const struct policy_tenant *tn = &d->pol.tenants[t];
				uint32_t task = d->pol.tasks[k].id;
				uint32_t wt = engine_planner_class_weight(d->planner, tn->id, task, b->family,
								     b->id);

				if (wt)
					json_array_append_new(
						w, json_pack("{s:s, s:s, s:i}", "tenant", tn->name,
							     "task", d->pol.tasks[k].name, "weight",
							     (int)wt));
			}
		json_object_set_new(o, "weights", w);
	}
	return o;
}

static json_t *tenant_json(struct steerd *d, size_t i)
{
	const struct policy_tenant *t = &d->pol.tenants[i];
	struct steer_tenant_stats ts = { 0 };
	json_t *o = json_pack("{s:s, s:i, s:i}", "name", t->name, "id", (int)t->id, "priority",
			      (int)t->priority);
	json_t *a = json_array();
	char buf[64], pf[80];
	size_t k;

	for (k = 0; k < t->n_prefixes; k++) {
		snprintf(pf, sizeof(pf), "%s/%u",
			 util_addr_format(t->prefixes[k].addr, t->prefixes[k].family, buf,
					   sizeof(buf)),
			 t->prefixes[k].len);
		json_array_append_new(a, json_string(pf));
	}
	json_object_set_new(o, "prefixes", a);
	a = json_array();
	for (k = 0; k < t->n_regions; k++)
		json_array_append_new(a, json_string(t->regions[k]));
	json_object_set_new(o, "constraints",
			    json_pack("{s:i, s:o, s:o, s:f}", "min_safety_tier",
				      (int)t->min_safety_tier, "regions", a, "max_cost",
				      t->max_cost >= 0 ? json_real(t->max_cost) : json_null(),
				      "min_quality", t->min_quality));
	json_object_set_new(o, "admission",
			    json_pack("{s:i, s:i, s:i}", "rate", (int)t->rate, "burst",
				      (int)t->burst, "max_conns", (int)t->max_conns));
	json_object_set_new(o, "action",
			    json_string(t->action == POLICY_FALLBACK ? "fallback" : "reject"));
	if (t->action == POLICY_FALLBACK)
		json_object_set_new(o, "fallback",
				    json_pack("{s:s, s:s}", "tenant",
					      d->pol.tenants[t->fallback_tenant].name, "task",
					      policy_task_name(&d->pol, t->fallback_task)));
	if (d->dp && !dp_tenant_stats_read(d->dp, t->id, &ts))
		json_object_set_new(
			o, "counters",
			json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "packets",
				  (json_int_t)ts.packets, "bytes", (json_int_t)ts.bytes,
				  "reply_packets", (json_int_t)ts.reply_packets, "reply_bytes",
				  (json_int_t)ts.reply_bytes, "new_flows", (json_int_t)ts.new_flows,
				  "closed_flows", (json_int_t)ts.closed_flows, "rejected",
				  (json_int_t)ts.rejected, "admit_rate_drops",
				  (json_int_t)ts.admit_rate_drops, "admit_conc_drops",
				  (json_int_t)ts.admit_conc_drops));
	return o;
}

static const char *arg_str(const json_t *args, const char *k)
{
	return json_string_value(json_object_get(args, k));
}

/* ---- status ---- */

static json_t *cmd_status(struct steerd *d)
{
	char buf[4096];
	json_t *x = json_array(), *t = json_array(), *log = steerd_ctl_state_read(d);
	size_t i, up = 0, down = 0, draining = 0, unknown = 0;
	json_t *o;

	for (i = 0; i < (size_t)d->opts.n_xdp; i++)
		json_array_append_new(x, json_string(d->opts.xdp[i]));
	for (i = 0; i < d->pol.n_xdp_ifaces; i++)
		json_array_append_new(x, json_string(d->pol.xdp_ifaces[i]));
	for (i = 0; i < (size_t)d->opts.n_tc; i++)
		json_array_append_new(t, json_string(d->opts.tc[i]));
	for (i = 0; i < d->pol.n_tc_ifaces; i++)
		json_array_append_new(t, json_string(d->pol.tc_ifaces[i]));
	steerd_live_build(d);
	for (i = 0; i < d->pol.n_backends; i++) {
		uint8_t s = engine_backend_state(&d->live[i]);

		if (!d->live[i].health_known && s == STEER_BACKEND_ACTIVE)
			unknown++;
		else if (s == STEER_BACKEND_ACTIVE)
			up++;
		else if (s == STEER_BACKEND_DRAINING)
			draining++;
		else
			down++;
	}
	o = json_pack("{s:s, s:i, s:I, s:s, s:s, s:s, s:s, s:i}", "version", STEERD_CTL_VERSION,
		      "pid", (int)getpid(), "uptime_s",
		      (json_int_t)((util_now_ms() - d->started_ms) / 1000), "config",
		      d->opts.config, "pin_root", dp_pin_root(d->dp), "socket",
		      steerd_ctl_socket_path(d), "state_file",
		      steerd_ctl_state_path(d, buf, sizeof(buf)), "runtime_changes",
		      (int)json_array_size(log));
	json_object_set_new(o, "policy",
			    json_pack("{s:i, s:i, s:i, s:i, s:i}", "services",
				      (int)d->pol.n_services, "tasks", (int)d->pol.n_tasks,
				      "models", (int)d->pol.n_models, "backends",
				      (int)d->pol.n_backends, "tenants", (int)d->pol.n_tenants));
	json_object_set_new(o, "backends",
			    json_pack("{s:i, s:i, s:i, s:i}", "up", (int)up, "unknown",
				      (int)unknown, "draining", (int)draining, "down", (int)down));
	json_object_set_new(o, "interfaces", json_pack("{s:o, s:o}", "xdp", x, "tc", t));
	json_object_set_new(o, "decisions",
			    json_pack("{s:I, s:I, s:f, s:f, s:i}", "probe_rounds",
				      (json_int_t)d->rounds, "publishes", (json_int_t)d->publishes,
				      "last_decide_ms", d->last_decide_ms, "last_publish_ms",
				      d->last_publish_ms, "probe_interval_ms",
				      (int)d->pol.probe_interval_ms));
	json_decref(log);
	return o;
}

/* ---- policy show ---- */

static bool in_set(const struct engine_decision *dec, uint32_t b)
{
	size_t i;

	for (i = 0; i < dec->n_set; i++)
		if (dec->set[i].backend == b)
			return true;
	return false;
}

static bool model_kept(const struct engine_decision *dec, uint32_t m)
{
	size_t i;

	for (i = 0; i < dec->n_models; i++)
		if (dec->models[i] == m)
			return true;
	return false;
}

static json_t *cmd_policy_show(struct steerd *d, const json_t *args, char *err, size_t len)
{
	const char *tn = arg_str(args, "tenant"), *kn = arg_str(args, "task");
	struct engine_decisions dec;
	json_t *out = json_array();
	long want_tenant = -1;
	int want_task = -1;
	size_t i, b, k;

	if (tn && (want_tenant = policy_tenant_by_name(&d->pol, tn)) < 0) {
		snprintf(err, len, "no tenant \"%s\"", tn);
		json_decref(out);
		return NULL;
	}
	if (kn && (want_task = policy_task_by_name(&d->pol, kn)) < 0) {
		snprintf(err, len, "no task \"%s\"", kn);
		json_decref(out);
		return NULL;
	}
	steerd_live_build(d);
	if (engine_decide(&d->pol, d->live, &dec)) {
		snprintf(err, len, "decision failed: out of memory");
		json_decref(out);
		return NULL;
	}
	for (i = 0; i < dec.n; i++) {
		const struct engine_decision *c = &dec.d[i];
		const struct policy_tenant *t = &d->pol.tenants[c->tenant];
		uint32_t class_id = 0, table_id = 0;
		json_t *o, *models = json_array(), *set = json_array(), *ex = json_array();

		if ((want_tenant >= 0 && (long)c->tenant != want_tenant) ||
		    (want_task >= 0 && (int)c->task != want_task))
			continue;
		for (k = 0; k < c->n_models; k++)
			json_array_append_new(models, json_string(d->pol.models[c->models[k]].name));
		for (k = 0; k < c->n_set; k++) {
			size_t bi = c->set[k].backend;
			const struct policy_backend *be = &d->pol.backends[bi];

			json_array_append_new(
				set, json_pack("{s:s, s:i, s:s, s:i, s:i, s:o}", "name", be->name,
					       "id", (int)be->id, "model",
					       d->pol.models[be->model].name, "weight",
					       (int)c->set[k].weight, "published_weight",
					       (int)engine_planner_class_weight(d->planner, t->id, c->task,
									   c->family, be->id),
					       "signals", signals_json(d, bi)));
		}
		for (b = 0; b < d->pol.n_backends; b++) {
			const struct policy_backend *be = &d->pol.backends[b];
			enum engine_excl e;

			if (in_set(c, b))
				continue;
			e = engine_exclusion(&d->pol, d->live, c->tenant, c->task, c->family, b);
			if (e == ENGINE_EXCL_FAMILY)
				continue; /* the other family's class lists it */
			if (e == ENGINE_EXCL_NONE) {
				bool known;

				if (c->why == ENGINE_WHY_FALLBACK || c->why == ENGINE_WHY_SHED)
					continue; /* the set is another class's */
				e = !model_kept(c, be->model)
					    ? ENGINE_EXCL_MODEL
					    : engine_backend_spare(be, &d->live[b], &known) <= 0
						      ? ENGINE_EXCL_SATURATED
						      : ENGINE_EXCL_MODEL;
			}
			json_array_append_new(ex, json_pack("{s:s, s:s, s:o}", "name", be->name,
							    "reason", engine_excl_name(e), "signals",
							    signals_json(d, b)));
		}
		engine_planner_class_lookup(d->planner, t->id, c->task, c->family, &class_id, &table_id);
		o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:f, s:o, s:o, s:o}", "tenant",
			      t->name, "task", policy_task_name(&d->pol, c->task), "family",
			      c->family == STEER_AF_INET ? "ipv4" : "ipv6", "action",
			      c->kind == ENGINE_DEC_REJECT ? "reject" : "table", "why",
			      engine_why_name(c->why), "class_id", (int)class_id, "table_id",
			      (int)table_id, "utilisation", c->utilisation, "models", models,
			      "backends", set, "excluded", ex);
		if (c->why == ENGINE_WHY_FALLBACK)
			json_object_set_new(o, "via",
					    json_pack("{s:s, s:s}", "tenant",
						      d->pol.tenants[c->via_tenant].name, "task",
						      policy_task_name(&d->pol, c->via_task)));
		json_array_append_new(out, o);
	}
	engine_decisions_free(&dec);
	return json_pack("{s:o}", "classes", out);
}

/* ---- explain ---- */

static const char *verdict_name(uint32_t v)
{
	static const char *const n[] = { "XDP_ABORTED", "XDP_DROP", "XDP_PASS", "XDP_TX",
					 "XDP_REDIRECT" };

	return v < 5 ? n[v] : "unknown";
}

static json_t *cmd_explain(struct steerd *d, const json_t *args, char *err, size_t len)
{
	struct dp_explain_req r = { 0 };
	struct steer_explain x = { 0 };
	const char *src = arg_str(args, "src"), *dst = arg_str(args, "dst");
	const char *proto = arg_str(args, "proto"), *ifn = NULL;
	uint8_t f2;
	json_t *o;
	long i;
	int e;

	if (!src || !dst || util_addr_parse(src, r.src, &r.family) ||
	    util_addr_parse(dst, r.dst, &f2) || f2 != r.family) {
		snprintf(err, len, "explain: expected src and dst addresses of one family");
		return NULL;
	}
	r.sport = (uint16_t)json_integer_value(json_object_get(args, "sport"));
	r.dport = (uint16_t)json_integer_value(json_object_get(args, "dport"));
	if (!r.sport)
		r.sport = 40000;
	if (!r.dport) {
		snprintf(err, len, "explain: expected a destination port 1..65535");
		return NULL;
	}
	r.proto = proto && !strcmp(proto, "udp") ? STEER_PROTO_UDP : STEER_PROTO_TCP;
	if (d->opts.n_xdp)
		ifn = d->opts.xdp[0];
	else if (d->pol.n_xdp_ifaces)
		ifn = d->pol.xdp_ifaces[0];
	r.ifindex = ifn ? if_nametoindex(ifn) : 0;
	e = dp_explain(d->dp, &r, &x);
	if (e) {
		snprintf(err, len, "explain: %s", dp_errmsg());
		return NULL;
	}
	o = json_pack("{s:s, s:i, s:s, s:i, s:s, s:s, s:b, s:i, s:s}", "src", src, "sport", r.sport,
		      "dst", dst, "dport", r.dport, "proto",
		      r.proto == STEER_PROTO_UDP ? "udp" : "tcp", "verdict",
		      verdict_name(x.verdict), "ct_hit", x.ct_hit != 0, "stages", (int)x.stage,
		      "interface", ifn ? ifn : "");
	json_object_set_new(o, "reason", json_string(x.reason ? dp_reason_name(x.reason)
							      : "steered"));
	if (x.stage & STEER_EXPLAIN_SERVICE) {
		json_object_set_new(o, "service",
				    x.service_id < d->pol.n_services
					    ? json_string(d->pol.services[x.service_id].name)
					    : json_integer(x.service_id));
		json_object_set_new(o, "task", policy_task_name(&d->pol, x.task)
						       ? json_string(policy_task_name(&d->pol, x.task))
						       : json_integer(x.task));
		i = tenant_by_id(&d->pol, x.tenant);
		json_object_set_new(o, "tenant", i >= 0 ? json_string(d->pol.tenants[i].name)
							: json_integer(x.tenant));
	}
	if (x.stage & STEER_EXPLAIN_CLASS) {
		json_object_set_new(o, "class_id", json_integer(x.class_id));
		json_object_set_new(o, "table_id", json_integer(x.table_id));
	}
	if (x.stage & STEER_EXPLAIN_PICKED)
		json_object_set_new(o, "slot", json_integer(x.slot));
	if (x.stage & (STEER_EXPLAIN_ADMIT | STEER_EXPLAIN_NAT) || x.admit)
		json_object_set_new(o, "admission", json_string(x.admit ? dp_reason_name(x.admit)
									: "admitted"));
	if (x.backend_id) {
		i = backend_by_id(&d->pol, x.backend_id);
		if (i >= 0) {
			const struct policy_backend *b = &d->pol.backends[i];

			json_object_set_new(o, "backend",
					    json_pack("{s:s, s:i, s:o, s:i}", "name", b->name, "id",
						      (int)b->id, "address", jaddr(b->addr, b->family),
						      "port", b->port));
		} else {
			json_object_set_new(o, "backend", json_pack("{s:i}", "id", (int)x.backend_id));
		}
	}
	return o;
}

/* ---- flows ---- */

static json_t *cmd_flows(struct steerd *d, const json_t *args, char *err, size_t len)
{
	const char *bn = arg_str(args, "backend"), *tn = arg_str(args, "tenant");
	json_int_t limit = json_integer_value(json_object_get(args, "limit"));
	int fd = dp_map_fd(d->dp, DP_MAP_CT);
	struct steer_flow_key key, next;
	uint64_t now;
	long want_b = -1, want_t = -1, bi, ti;
	size_t total = 0, matched = 0;
	json_t *a = json_array();
	void *prev = NULL;

	if (bn && (want_b = policy_backend_by_name(&d->pol, bn)) < 0) {
		snprintf(err, len, "no backend \"%s\"", bn);
		json_decref(a);
		return NULL;
	}
	if (tn && (want_t = policy_tenant_by_name(&d->pol, tn)) < 0) {
		snprintf(err, len, "no tenant \"%s\"", tn);
		json_decref(a);
		return NULL;
	}
	if (fd < 0) {
		snprintf(err, len, "conntrack map: %s", strerror(-fd));
		json_decref(a);
		return NULL;
	}
	if (limit <= 0)
		limit = 100;
	now = util_now_ns();
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		struct steer_ct ct;
		char s[64], t[64];
		json_t *o;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &ct))
			continue;
		total++;
		if (want_b >= 0 && ct.backend_id != d->pol.backends[want_b].id)
			continue;
		if (want_t >= 0 && ct.tenant != d->pol.tenants[want_t].id)
			continue;
		if (++matched > (size_t)limit)
			continue;
		bi = backend_by_id(&d->pol, ct.backend_id);
		ti = tenant_by_id(&d->pol, ct.tenant);
		o = json_pack("{s:s, s:i, s:s, s:i, s:s, s:o, s:i, s:o, s:i, s:s, s:f, s:f}", "src",
			      util_addr_format(key.src, key.family, s, sizeof(s)), "sport",
			      ntohs(key.sport), "dst",
			      util_addr_format(key.dst, key.family, t, sizeof(t)), "dport",
			      ntohs(key.dport), "proto",
			      key.proto == STEER_PROTO_UDP ? "udp" : "tcp", "backend",
			      bi >= 0 ? json_string(d->pol.backends[bi].name) : json_null(),
			      "backend_id", (int)ct.backend_id, "tenant",
			      ti >= 0 ? json_string(d->pol.tenants[ti].name) : json_null(),
			      "class_id", (int)ct.class_id, "state",
			      ct.flags & STEER_CT_F_CLOSED ? "closed"
			      : ct.flags & STEER_CT_F_RST ? "reset"
			      : ct.flags & (STEER_CT_F_FIN_CLIENT | STEER_CT_F_FIN_BACKEND)
				      ? "closing"
				      : "open",
			      "age_s", now > ct.created_ns ? (now - ct.created_ns) / 1e9 : 0.0,
			      "idle_s", now > ct.last_ns ? (now - ct.last_ns) / 1e9 : 0.0);
		json_array_append_new(a, o);
	}
	return json_pack("{s:I, s:I, s:I, s:o}", "total", (json_int_t)total, "matched",
			 (json_int_t)matched, "limit", limit, "flows", a);
}

/* ---- stats ---- */

static json_t *cmd_stats(struct steerd *d)
{
	json_t *be = json_array(), *te = json_array(), *cl = json_array(), *rx = json_object(),
	       *rt = json_object();
	struct steer_reason_stats rs;
	size_t i, k;
	uint32_t r;
	int f;

	steerd_live_build(d);
	for (i = 0; i < d->pol.n_backends; i++)
		json_array_append_new(be, backend_json(d, i, true));
	for (i = 0; i < d->pol.n_tenants; i++)
		json_array_append_new(te, tenant_json(d, i));
	for (i = 0; i < d->pol.n_tenants; i++)
		for (k = 0; k < d->pol.n_tasks; k++)
			for (f = 0; f < 2; f++) {
				uint8_t fam = f ? STEER_AF_INET6 : STEER_AF_INET;
				const struct policy_tenant *t = &d->pol.tenants[i];
				uint32_t cid, tid;
				struct steer_class_stats cs;

				if (engine_planner_class_lookup(d->planner, t->id, d->pol.tasks[k].id, fam,
							   &cid, &tid) ||
				    dp_class_stats_read(d->dp, cid, &cs))
					continue;
				json_array_append_new(
					cl, json_pack("{s:s, s:s, s:s, s:i, s:I, s:I, s:I, s:I}",
						      "tenant", t->name, "task",
						      d->pol.tasks[k].name, "family",
						      f ? "ipv6" : "ipv4", "class_id", (int)cid,
						      "packets", (json_int_t)cs.packets, "bytes",
						      (json_int_t)cs.bytes, "new_flows",
						      (json_int_t)cs.new_flows, "rejected",
						      (json_int_t)cs.rejected));
			}
	for (r = 1; r < STEER_R_MAX; r++) {
		if (!dp_reason_read(d->dp, DP_HOOK_XDP, r, &rs) && rs.packets)
			json_object_set_new(rx, dp_reason_name(r), json_integer(rs.packets));
		if (!dp_reason_read(d->dp, DP_HOOK_TC, r, &rs) && rs.packets)
			json_object_set_new(rt, dp_reason_name(r), json_integer(rs.packets));
	}
	return json_pack("{s:I, s:o, s:o, s:o, s:{s:o, s:o}}", "time_ms",
			 (json_int_t)util_now_ms(), "backends", be, "tenants", te, "classes",
			 cl, "reasons", "xdp", rx, "tc", rt);
}

/* ---- changes ---- */

static json_t *cmd_change(struct steerd *d, const char *cmd, const json_t *args,
			  const struct steerd_peer *peer, bool *changed, char *err, size_t len)
{
	json_t *tree = policy_to_json(&d->pol), *res;
	struct policy np;
	int e;

	if (!tree) {
		snprintf(err, len, "out of memory");
		return NULL;
	}
	e = policy_op_apply(tree, cmd, args, err, len);
	if (!e)
		e = policy_from_json(tree, &np, err, len);
	json_decref(tree);
	if (e)
		return NULL; /* nothing changed */
	snprintf(np.path, sizeof(np.path), "%s", d->pol.path);
	e = steerd_ctl_swap(d, &np);
	*changed = true;
	if (e) {
		snprintf(err, len, "applied, but publishing failed: %s", strerror(-e));
		return NULL;
	}
	if (steerd_ctl_state_record(d, cmd, args, peer))
		log_warn("runtime change \"%s\" applied but not persisted", cmd);
	res = json_pack("{s:s, s:s, s:b}", "done", cmd, "name", arg_str(args, "name"), "published",
			d->rounds > 0);
	return res;
}

static json_t *cmd_reload(struct steerd *d, const json_t *args, bool *changed, char *err,
			  size_t len)
{
	if (json_is_true(json_object_get(args, "discard")) && steerd_ctl_state_clear(d)) {
		snprintf(err, len, "can't clear the state file");
		return NULL;
	}
	if (steerd_reload(d)) {
		snprintf(err, len, "reload of %s rejected (see steerd's log: %s); the running "
				   "policy stays",
			 d->opts.config, "steerd --check --config FILE lists the errors");
		return NULL;
	}
	*changed = true;
	if (d->rounds > 0) {
		d->dirty = false;
		steerd_publish(d);
	}
	return json_pack("{s:s, s:i, s:i, s:i}", "reloaded", d->opts.config, "services",
			 (int)d->pol.n_services, "tenants", (int)d->pol.n_tenants, "backends",
			 (int)d->pol.n_backends);
}

json_t *steerd_ctl_dispatch(struct steerd *d, const char *cmd, const json_t *args,
			    const struct steerd_peer *peer, bool *changed, char *err, size_t len)
{
	const char *name = arg_str(args, "name");
	json_t *a;
	long i;
	size_t k;

	if (!strcmp(cmd, "status"))
		return cmd_status(d);
	if (!strcmp(cmd, "backend list")) {
		steerd_live_build(d);
		a = json_array();
		for (k = 0; k < d->pol.n_backends; k++)
			json_array_append_new(a, backend_json(d, k, false));
		return json_pack("{s:o}", "backends", a);
	}
	if (!strcmp(cmd, "backend show")) {
		i = name ? policy_backend_by_name(&d->pol, name) : -1;
		if (i < 0) {
			snprintf(err, len, "no backend \"%s\"", name ? name : "");
			return NULL;
		}
		steerd_live_build(d);
		return backend_json(d, i, true);
	}
	if (!strcmp(cmd, "tenant list")) {
		a = json_array();
		for (k = 0; k < d->pol.n_tenants; k++)
			json_array_append_new(a, tenant_json(d, k));
		return json_pack("{s:o}", "tenants", a);
	}
	if (!strcmp(cmd, "tenant show")) {
		i = name ? policy_tenant_by_name(&d->pol, name) : -1;
		if (i < 0) {
			snprintf(err, len, "no tenant \"%s\"", name ? name : "");
			return NULL;
		}
		return tenant_json(d, i);
	}
	if (!strcmp(cmd, "service list")) {
		a = json_array();
		for (k = 0; k < d->pol.n_services; k++) {
			const struct policy_service *s = &d->pol.services[k];

			json_array_append_new(
				a, json_pack("{s:s, s:i, s:o, s:i, s:s, s:s}", "name", s->name, "id",
					     (int)s->id, "vip", jaddr(s->addr, s->family), "port",
					     s->port, "proto",
					     s->proto == STEER_PROTO_UDP ? "udp" : "tcp", "task",
					     policy_task_name(&d->pol, s->task)));
		}
		return json_pack("{s:o}", "services", a);
	}
	if (!strcmp(cmd, "policy show"))
		return cmd_policy_show(d, args, err, len);
	if (!strcmp(cmd, "policy dump")) {
		json_t *tree = policy_to_json(&d->pol);
		char *y = tree ? policy_json_to_yaml_str(tree, NULL) : NULL;

		if (!y) {
			json_decref(tree);
			snprintf(err, len, "out of memory");
			return NULL;
		}
		a = json_pack("{s:s, s:o}", "yaml", y, "policy", tree);
		free(y);
		return a;
	}
	if (!strcmp(cmd, "state show"))
		return json_pack("{s:o}", "changes", steerd_ctl_state_read(d));
	if (!strcmp(cmd, "explain"))
		return cmd_explain(d, args, err, len);
	if (!strcmp(cmd, "flows"))
		return cmd_flows(d, args, err, len);
	if (!strcmp(cmd, "stats"))
		return cmd_stats(d);
	if (!strcmp(cmd, "reload"))
		return cmd_reload(d, args, changed, err, len);
	if (policy_op_is_change(cmd))
		return cmd_change(d, cmd, args, peer, changed, err, len);
	snprintf(err, len, "unknown command \"%s\"", cmd);
	return NULL;
}
