// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The JSON form of steerd's objects, as the control commands answer them. */
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

long steerd_ctl_tenant_by_id(const struct policy *p, uint32_t id)
{
	size_t i;

	for (i = 0; i < p->n_tenants; i++)
		if (p->tenants[i].id == id)
			return (long)i;
	return -1;
}

long steerd_ctl_backend_by_id(const struct policy *p, uint32_t id)
{
	size_t i;

	for (i = 0; i < p->n_backends; i++)
		if (p->backends[i].id == id)
			return (long)i;
	return -1;
}

json_t *steerd_ctl_jaddr(const uint8_t *a, uint8_t family)
{
	char buf[64];

	return json_string(util_addr_format(a, family, buf, sizeof(buf)));
}

static json_t *num_or_null(bool has, double v)
{
	return has ? json_real(v) : json_null();
}

/* Live signals of backend i (d->live must be built). */
json_t *steerd_ctl_signals_json(struct steerd *d, size_t i)
{
	const struct engine_live *l = &d->live[i];
	bool known;
	double spare = engine_backend_spare(&d->pol.backends[i], l, &known);

	return json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:f, s:b, s:o}", "health",
			 !l->health_known ? "unknown"
			 : l->healthy	  ? "up"
					  : "down",
			 "running", num_or_null(l->has_running, l->running), "waiting",
			 num_or_null(l->has_waiting, l->waiting), "kv_usage",
			 num_or_null(l->has_kv, l->kv_usage), "latency_ms",
			 num_or_null(l->latency_ms >= 0, l->latency_ms), "ttft_ms",
			 num_or_null(l->has_ttft, l->ttft_ms), "spare", spare,
			 "spare_known", known, "active_flows",
			 l->has_flows ? json_integer((json_int_t)l->active_flows) : json_null());
}

json_t *steerd_ctl_backend_json(struct steerd *d, size_t i, bool detail)
{
	const struct policy_backend *b = &d->pol.backends[i];
	struct steer_backend_stats bs = {0};
	json_t *o;

	o = json_pack("{s:s, s:i, s:o, s:i, s:s, s:s, s:s, s:i, s:i, s:s, s:s}", "name", b->name,
		      "id", (int)b->id, "address", steerd_ctl_jaddr(b->addr, b->family), "port",
		      b->port, "model", d->pol.models[b->model].name, "provider", b->provider,
		      "region", b->region, "safety_tier", (int)b->safety_tier, "capacity",
		      (int)b->capacity, "admin_state",
		      util_backend_state_name(b->state ? b->state : 1), "state",
		      util_backend_state_name(engine_backend_state(&d->live[i])));
	json_object_set_new(o, "signals", steerd_ctl_signals_json(d, i));
	if (d->dp && !dp_backend_stats_read(d->dp, b->id, &bs))
		json_object_set_new(o, "counters",
				    json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "packets",
					      (json_int_t)bs.packets, "bytes", (json_int_t)bs.bytes,
					      "reply_packets", (json_int_t)bs.reply_packets,
					      "reply_bytes", (json_int_t)bs.reply_bytes,
					      "new_flows", (json_int_t)bs.new_flows, "closed_flows",
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
				uint32_t wt = engine_planner_class_weight(d->planner, tn->id, task,
									  b->family, b->id);

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

json_t *steerd_ctl_tenant_json(struct steerd *d, size_t i)
{
	const struct policy_tenant *t = &d->pol.tenants[i];
	struct steer_tenant_stats ts = {0};
	json_t *o = json_pack("{s:s, s:i, s:i}", "name", t->name, "id", (int)t->id, "priority",
			      (int)t->priority);
	json_t *a = json_array();
	char pf[80];
	size_t k;

	for (k = 0; k < t->n_prefixes; k++) {
		json_array_append_new(a, json_string(util_prefix_format(
					     t->prefixes[k].addr, t->prefixes[k].family,
					     t->prefixes[k].len, pf, sizeof(pf))));
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
	/* the concurrency slots the data plane holds (counted only with max_conns) */
	if (d->dp && t->max_conns)
		json_object_set_new(json_object_get(o, "admission"), "active",
				    json_integer((json_int_t)dp_tenant_active_get(d->dp, t->id)));
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

const char *steerd_ctl_arg_str(const json_t *args, const char *k)
{
	return json_string_value(json_object_get(args, k));
}
