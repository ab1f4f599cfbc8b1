// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The read-only control commands: status, lists and shows, the decisions
 * (policy show), explain and stats (flows: ctl_flows.c). Each answers one request
 * (steerd_ctl_dispatch in ctl_cmds.c) with one JSON result.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "steerd/ctl.h"
#include "policy/policy.h"
#include "proto/proto.h"
#include "util/util.h"

/* ---- status ---- */

json_t *steerd_ctl_show_status(struct steerd *d, struct steerd_req *q)
{
	char buf[4096];
	json_t *x = json_array(), *t = json_array(), *log = steerd_ctl_state_read(d);
	size_t i, up = 0, down = 0, draining = 0, unknown = 0, failing = 0;
	json_t *o;

	(void)q;

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
		else if (s == STEER_BACKEND_FAILING)
			failing++;
		else
			down++;
	}
	o = json_pack(
		"{s:s, s:i, s:I, s:s, s:s, s:s, s:s, s:i}", "version", STEERD_CTL_VERSION, "pid",
		(int)getpid(), "uptime_s", (json_int_t)((util_now_ms() - d->started_ms) / 1000),
		"config", d->opts.config, "pin_root", dp_pin_root(d->dp), "socket",
		steerd_ctl_socket_path(d), "state_file", steerd_ctl_state_path(d, buf, sizeof(buf)),
		"runtime_changes", (int)json_array_size(log));
	json_object_set_new(o, "policy",
			    json_pack("{s:i, s:i, s:i, s:i, s:i}", "services",
				      (int)d->pol.n_services, "tasks", (int)d->pol.n_tasks,
				      "models", (int)d->pol.n_models, "backends",
				      (int)d->pol.n_backends, "tenants", (int)d->pol.n_tenants));
	json_object_set_new(o, "backends",
			    json_pack("{s:i, s:i, s:i, s:i, s:i}", "up", (int)up, "unknown",
				      (int)unknown, "draining", (int)draining, "failing",
				      (int)failing, "down", (int)down));
	json_object_set_new(o, "interfaces", json_pack("{s:o, s:o}", "xdp", x, "tc", t));
	json_object_set_new(o, "decisions",
			    json_pack("{s:I, s:I, s:I, s:f, s:f, s:i}", "probe_rounds",
				      (json_int_t)d->rounds, "publishes", (json_int_t)d->publishes,
				      "publish_failures", (json_int_t)d->publish_failures,
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

json_t *steerd_ctl_show_policy_show(struct steerd *d, struct steerd_req *q)
{
	const json_t *args = q->args;
	char *err = q->err;
	size_t len = q->len;
	const char *tn = steerd_ctl_arg_str(args, "tenant"), *kn = steerd_ctl_arg_str(args, "task");
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
		json_t *o, *models, *set, *ex;

		if ((want_tenant >= 0 && (long)c->tenant != want_tenant) ||
		    (want_task >= 0 && (int)c->task != want_task))
			continue; /* before the arrays: they leaked here (make test-asan) */
		models = json_array();
		set = json_array();
		ex = json_array();
		for (k = 0; k < c->n_models; k++)
			json_array_append_new(models,
					      json_string(d->pol.models[c->models[k]].name));
		for (k = 0; k < c->n_set; k++) {
			size_t bi = c->set[k].backend;
			const struct policy_backend *be = &d->pol.backends[bi];

			json_array_append_new(
				set,
				json_pack("{s:s, s:i, s:s, s:i, s:i, s:o}", "name", be->name, "id",
					  (int)be->id, "model", d->pol.models[be->model].name,
					  "weight", (int)c->set[k].weight, "published_weight",
					  (int)engine_planner_class_weight(
						  d->planner, t->id, c->task, c->family, be->id),
					  "signals", steerd_ctl_signals_json(d, bi)));
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
				e = !engine_model_kept(c, be->model) ? ENGINE_EXCL_MODEL
				    : engine_backend_spare(be, &d->live[b], &known) <= 0
					    ? ENGINE_EXCL_SATURATED
				    : d->live[b].has_ttft && d->pol.slow_ttft_factor > 0
					    ? ENGINE_EXCL_SLOW
					    : ENGINE_EXCL_MODEL;
			}
			json_array_append_new(ex,
					      json_pack("{s:s, s:s, s:o}", "name", be->name,
							"reason", engine_excl_name(e), "signals",
							steerd_ctl_signals_json(d, b)));
		}
		engine_planner_class_lookup(d->planner, t->id, c->task, c->family, &class_id,
					    &table_id);
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
	static const char *const n[] = {"XDP_ABORTED", "XDP_DROP", "XDP_PASS", "XDP_TX",
					"XDP_REDIRECT"};

	return v < 5 ? n[v] : "unknown";
}

json_t *steerd_ctl_show_explain(struct steerd *d, struct steerd_req *q)
{
	const json_t *args = q->args;
	char *err = q->err;
	size_t len = q->len;
	struct dp_explain_req r = {0};
	struct steer_explain x = {0};
	const char *src = steerd_ctl_arg_str(args, "src"), *dst = steerd_ctl_arg_str(args, "dst");
	const char *proto = steerd_ctl_arg_str(args, "proto"), *ifn = NULL;
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
	json_object_set_new(o, "reason",
			    json_string(x.reason ? dp_reason_name(x.reason) : "steered"));
	if (x.stage & STEER_EXPLAIN_SERVICE) {
		json_object_set_new(o, "service",
				    x.service_id < d->pol.n_services
					    ? json_string(d->pol.services[x.service_id].name)
					    : json_integer(x.service_id));
		json_object_set_new(o, "task",
				    policy_task_name(&d->pol, x.task)
					    ? json_string(policy_task_name(&d->pol, x.task))
					    : json_integer(x.task));
		i = steerd_ctl_tenant_by_id(&d->pol, x.tenant);
		json_object_set_new(o, "tenant",
				    i >= 0 ? json_string(d->pol.tenants[i].name)
					   : json_integer(x.tenant));
	}
	if (x.stage & STEER_EXPLAIN_CLASS) {
		json_object_set_new(o, "class_id", json_integer(x.class_id));
		json_object_set_new(o, "table_id", json_integer(x.table_id));
	}
	if (x.stage & STEER_EXPLAIN_PICKED)
		json_object_set_new(o, "slot", json_integer(x.slot));
	if (x.stage & (STEER_EXPLAIN_ADMIT | STEER_EXPLAIN_NAT) || x.admit)
		json_object_set_new(o, "admission",
				    json_string(x.admit ? dp_reason_name(x.admit) : "admitted"));
	if (x.stage & STEER_EXPLAIN_BOUND) {
		/* the bounded load's walk: first choice, its open flows and bound */
		i = steerd_ctl_backend_by_id(&d->pol, x.first_id);
		json_object_set_new(
			o, "bound",
			json_pack("{s:o, s:i, s:i, s:i, s:i, s:s}", "first_choice",
				  i >= 0 ? json_string(d->pol.backends[i].name)
					 : json_integer(x.first_id),
				  "first_id", (int)x.first_id, "first_load", (int)x.first_load,
				  "bound", (int)x.bound, "steps", (int)x.bound_steps, "result",
				  x.backend_id != x.first_id ? "diverted"
				  : x.bound_steps == STEER_BOUND_STEPS && x.first_load >= x.bound
					  ? "all over, first kept"
					  : "kept"));
	}
	if (x.backend_id) {
		i = steerd_ctl_backend_by_id(&d->pol, x.backend_id);
		if (i >= 0) {
			const struct policy_backend *b = &d->pol.backends[i];

			json_object_set_new(o, "backend",
					    json_pack("{s:s, s:i, s:o, s:i}", "name", b->name, "id",
						      (int)b->id, "address",
						      steerd_ctl_jaddr(b->addr, b->family), "port",
						      b->port));
		} else {
			json_object_set_new(o, "backend",
					    json_pack("{s:i}", "id", (int)x.backend_id));
		}
	}
	return o;
}

/* ---- stats ---- */

/* The last whole sweep pass: flows by state, and the sweep's own figures. */
static json_t *conntrack_json(struct steerd *d)
{
	const struct dp_ct_sweep *s = &d->ct;
	json_t *o = json_pack("{s:I, s:I, s:I, s:f, s:I, s:I}", "passes", (json_int_t)s->passes,
			      "swept", (json_int_t)s->swept_total, "expired",
			      (json_int_t)s->expired_total, "last_pass_ms", s->last_pass_ms,
			      "tenants_corrected", (json_int_t)d->ct_corrected,
			      "backend_loads_corrected", (json_int_t)d->ct_load_corrected);
	json_t *st = json_object();
	int i;

	for (i = 0; s->have_last && i < DP_CT__STATES; i++)
		json_object_set_new(st, dp_ct_state_name(i), json_integer(s->last->by_state[i]));
	json_object_set_new(o, "flows", st);
	if (s->have_last) {
		json_object_set_new(o, "entries", json_integer(s->last->entries));
		/* ct_hint (include/steer_ct_hint.h): a new flow's SYN with its slot
		 * set looks the tables up */
		json_object_set_new(o, "hint_fill",
				    json_real(dp_ct_hint_fill(s->last)));
		json_object_set_new(o, "hint_set", json_integer((json_int_t)s->last->hint_set));
		json_object_set_new(o, "hint_slots",
				    json_integer((json_int_t)s->last->hint_slots));
	}
	return o;
}

json_t *steerd_ctl_show_stats(struct steerd *d, struct steerd_req *q)
{
	json_t *be = json_array(), *te = json_array(), *cl = json_array(), *rx = json_object(),
	       *rt = json_object();
	struct steer_reason_stats rs;
	size_t i, k;
	uint32_t r;
	int f;

	(void)q;

	steerd_live_build(d);
	for (i = 0; i < d->pol.n_backends; i++)
		json_array_append_new(be, steerd_ctl_backend_json(d, i, true));
	for (i = 0; i < d->pol.n_tenants; i++)
		json_array_append_new(te, steerd_ctl_tenant_json(d, i));
	for (i = 0; i < d->pol.n_tenants; i++)
		for (k = 0; k < d->pol.n_tasks; k++)
			for (f = 0; f < 2; f++) {
				uint8_t fam = f ? STEER_AF_INET6 : STEER_AF_INET;
				const struct policy_tenant *t = &d->pol.tenants[i];
				uint32_t cid, tid;
				struct steer_class_stats cs;

				if (engine_planner_class_lookup(d->planner, t->id,
								d->pol.tasks[k].id, fam, &cid,
								&tid) ||
				    dp_class_stats_read(d->dp, cid, &cs))
					continue;
				json_array_append_new(
					cl,
					json_pack("{s:s, s:s, s:s, s:i, s:I, s:I, s:I, s:I}",
						  "tenant", t->name, "task", d->pol.tasks[k].name,
						  "family", f ? "ipv6" : "ipv4", "class_id",
						  (int)cid, "packets", (json_int_t)cs.packets,
						  "bytes", (json_int_t)cs.bytes, "new_flows",
						  (json_int_t)cs.new_flows, "rejected",
						  (json_int_t)cs.rejected));
			}
	for (r = 1; r < STEER_R_MAX; r++) {
		if (!dp_reason_read(d->dp, DP_HOOK_XDP, r, &rs) && rs.packets)
			json_object_set_new(rx, dp_reason_name(r), json_integer(rs.packets));
		if (!dp_reason_read(d->dp, DP_HOOK_TC, r, &rs) && rs.packets)
			json_object_set_new(rt, dp_reason_name(r), json_integer(rs.packets));
	}
	return json_pack("{s:I, s:o, s:o, s:o, s:{s:o, s:o}, s:o}", "time_ms",
			 (json_int_t)util_now_ms(), "backends", be, "tenants", te, "classes", cl,
			 "reasons", "xdp", rx, "tc", rt, "conntrack", conntrack_json(d));
}

/* ---- lists ---- */

json_t *steerd_ctl_show_backend_list(struct steerd *d, struct steerd_req *q)
{
	json_t *a = json_array();
	size_t k;

	(void)q;
	steerd_live_build(d);
	for (k = 0; k < d->pol.n_backends; k++)
		json_array_append_new(a, steerd_ctl_backend_json(d, k, false));
	return json_pack("{s:o}", "backends", a);
}

json_t *steerd_ctl_show_backend_show(struct steerd *d, struct steerd_req *q)
{
	const char *name = steerd_ctl_arg_str(q->args, "name");
	long i = name ? policy_backend_by_name(&d->pol, name) : -1;

	if (i < 0) {
		snprintf(q->err, q->len, "no backend \"%s\"", name ? name : "");
		return NULL;
	}
	steerd_live_build(d);
	return steerd_ctl_backend_json(d, i, true);
}

json_t *steerd_ctl_show_tenant_list(struct steerd *d, struct steerd_req *q)
{
	json_t *a = json_array();
	size_t k;

	(void)q;
	for (k = 0; k < d->pol.n_tenants; k++)
		json_array_append_new(a, steerd_ctl_tenant_json(d, k));
	return json_pack("{s:o}", "tenants", a);
}

json_t *steerd_ctl_show_tenant_show(struct steerd *d, struct steerd_req *q)
{
	const char *name = steerd_ctl_arg_str(q->args, "name");
	long i = name ? policy_tenant_by_name(&d->pol, name) : -1;

	if (i < 0) {
		snprintf(q->err, q->len, "no tenant \"%s\"", name ? name : "");
		return NULL;
	}
	return steerd_ctl_tenant_json(d, i);
}

json_t *steerd_ctl_show_service_list(struct steerd *d, struct steerd_req *q)
{
	json_t *a = json_array();
	size_t k;

	(void)q;
	for (k = 0; k < d->pol.n_services; k++) {
		const struct policy_service *s = &d->pol.services[k];

		json_array_append_new(a, json_pack("{s:s, s:i, s:o, s:i, s:s, s:s}", "name",
						   s->name, "id", (int)s->id, "vip",
						   steerd_ctl_jaddr(s->addr, s->family), "port",
						   s->port, "proto",
						   s->proto == STEER_PROTO_UDP ? "udp" : "tcp",
						   "task", policy_task_name(&d->pol, s->task)));
	}
	return json_pack("{s:o}", "services", a);
}

json_t *steerd_ctl_show_policy_dump(struct steerd *d, struct steerd_req *q)
{
	json_t *tree = policy_to_json(&d->pol), *a;
	char *y = tree ? policy_json_to_yaml_str(tree, NULL) : NULL;

	if (!y) {
		json_decref(tree);
		snprintf(q->err, q->len, "out of memory");
		return NULL;
	}
	a = json_pack("{s:s, s:o}", "yaml", y, "policy", tree);
	free(y);
	return a;
}

json_t *steerd_ctl_show_state_show(struct steerd *d, struct steerd_req *q)
{
	(void)q;
	return json_pack("{s:o}", "changes", steerd_ctl_state_read(d));
}
