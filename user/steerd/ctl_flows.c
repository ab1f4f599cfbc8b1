// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * `flows`: the connections in conntrack, read as a job. A table of a
 * million entries takes seconds to read; read in one go inside the main
 * loop it would hold up probe rounds, publishes and every other client.
 * So a flows request reads one page (FLOWS_PAGE entries, one batch
 * syscall) per main-loop turn (ctl.c: steerd_ctl_tick) and replies when the
 * table has been walked. Entries added or removed meanwhile may or may not
 * be seen (the kernel's batch cursor is a bucket index), as with any walk
 * of a live table.
 *
 * Client addresses and ports are other tenants' business: they are shown
 * to root, the admin group and --flows-group only (steerd_peer
 * can_see_clients); everyone else gets null there and "clients_hidden".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "steerd/ctl.h"
#include "policy/policy.h"
#include "util/util.h"

#define FLOWS_PAGE 256 /* conntrack entries read per syscall, one page per turn */

struct steerd_flows_job {
	bool want_b, want_t, show_clients;
	uint32_t backend_id, tenant_id; /* ids: the policy may change meanwhile */
	json_int_t limit;
	size_t total, matched;
	uint64_t now_ns;
	struct dp_map_cursor cur;
	json_t *flows;
	struct steer_flow_key keys[FLOWS_PAGE];
	struct steer_ct vals[FLOWS_PAGE];
};

struct steerd_flows_job *steerd_ctl_flows_start(struct steerd *d, struct steerd_req *q)
{
	const char *bn = steerd_ctl_arg_str(q->args, "backend"),
		   *tn = steerd_ctl_arg_str(q->args, "tenant");
	struct steerd_flows_job *j;
	long b = -1, t = -1;

	if (bn && (b = policy_backend_by_name(&d->pol, bn)) < 0) {
		snprintf(q->err, q->len, "no backend \"%s\"", bn);
		return NULL;
	}
	if (tn && (t = policy_tenant_by_name(&d->pol, tn)) < 0) {
		snprintf(q->err, q->len, "no tenant \"%s\"", tn);
		return NULL;
	}
	j = calloc(1, sizeof(*j));
	if (!j || !(j->flows = json_array())) {
		free(j);
		snprintf(q->err, q->len, "out of memory");
		return NULL;
	}
	j->want_b = b >= 0;
	j->want_t = t >= 0;
	j->backend_id = b >= 0 ? d->pol.backends[b].id : 0;
	j->tenant_id = t >= 0 ? d->pol.tenants[t].id : 0;
	j->show_clients = q->peer && q->peer->can_see_clients;
	j->limit = json_integer_value(json_object_get(q->args, "limit"));
	if (j->limit <= 0)
		j->limit = 100;
	j->now_ns = util_now_ns();
	return j;
}

static const char *state_name(const struct steer_ct *ct)
{
	if (ct->flags & STEER_CT_F_CLOSED)
		return "closed";
	if (ct->flags & (STEER_CT_F_RST | STEER_CT_F_RST_CLIENT))
		return "reset";
	if (ct->flags & (STEER_CT_F_FIN_CLIENT | STEER_CT_F_FIN_BACKEND))
		return "closing";
	return "open";
}

static json_t *flow_json(struct steerd *d, const struct steerd_flows_job *j,
			 const struct steer_flow_key *key, const struct steer_ct *ct)
{
	long bi = steerd_ctl_backend_by_id(&d->pol, ct->backend_id);
	long ti = steerd_ctl_tenant_by_id(&d->pol, ct->tenant);
	uint64_t now = j->now_ns;
	char s[64], t[64];

	return json_pack(
		"{s:o, s:o, s:s, s:i, s:s, s:o, s:i, s:o, s:i, s:s, s:f, s:f}", "src",
		j->show_clients ? json_string(util_addr_format(key->src, key->family, s, sizeof(s)))
				: json_null(),
		"sport", j->show_clients ? json_integer(ntohs(key->sport)) : json_null(), "dst",
		util_addr_format(key->dst, key->family, t, sizeof(t)), "dport", ntohs(key->dport),
		"proto", key->proto == STEER_PROTO_UDP ? "udp" : "tcp", "backend",
		bi >= 0 ? json_string(d->pol.backends[bi].name) : json_null(), "backend_id",
		(int)ct->backend_id, "tenant",
		ti >= 0 ? json_string(d->pol.tenants[ti].name) : json_null(), "class_id",
		(int)ct->class_id, "state", state_name(ct), "age_s",
		now > ct->created_ns ? (now - ct->created_ns) / 1e9 : 0.0, "idle_s",
		now > ct->last_ns ? (now - ct->last_ns) / 1e9 : 0.0);
}

int steerd_ctl_flows_step(struct steerd *d, struct steerd_flows_job *j, char *err, size_t len)
{
	size_t n = FLOWS_PAGE, i;

	if (dp_map_page(d->dp, DP_MAP_CT, &j->cur, j->keys, j->vals, &n)) {
		snprintf(err, len, "conntrack map: %s", dp_errmsg());
		return -1;
	}
	for (i = 0; i < n; i++) {
		j->total++;
		if (j->want_b && j->vals[i].backend_id != j->backend_id)
			continue;
		if (j->want_t && j->vals[i].tenant != j->tenant_id)
			continue;
		if (++j->matched > (size_t)j->limit)
			continue;
		json_array_append_new(j->flows, flow_json(d, j, &j->keys[i], &j->vals[i]));
	}
	return !n || j->cur.done;
}

json_t *steerd_ctl_flows_result(struct steerd_flows_job *j)
{
	json_t *a = j->flows;

	j->flows = NULL;
	return json_pack("{s:I, s:I, s:I, s:b, s:o}", "total", (json_int_t)j->total, "matched",
			 (json_int_t)j->matched, "limit", j->limit, "clients_hidden",
			 !j->show_clients, "flows", a);
}

void steerd_ctl_flows_free(struct steerd_flows_job *j)
{
	if (!j)
		return;
	json_decref(j->flows);
	free(j);
}
