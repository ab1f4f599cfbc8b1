// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The policy's tasks, models and services. Tasks come first: models and
 * services name them. Task ids are explicit or the lowest free ones in file
 * order; service ids are their positions in the file.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "policy/internal.h"
#include "util/util.h"

bool policy_addr(struct policy_ctx *c, yaml_node_t *n, const char *field, uint8_t addr[16],
	      uint8_t *family)
{
	static const char want[] = "an IPv4 or IPv6 address";
	char got[POLICY_GOT_MAX];
	const char *s = policy_text(c, n, field, want);

	if (!s)
		return false;
	if (util_addr_parse(s, addr, family)) {
		policy_err(c, n, field, "expected %s, got %s", want, policy_got(n, got, sizeof(got)));
		return false;
	}
	return true;
}

/* ---- tasks ---- */

enum {
	T_NAME,
	T_ID,
	T_N,
};

static const struct policy_key task_keys[T_N] = {
	[T_NAME] = { "name", true },
	[T_ID] = { "id" },
};

static void policy_task_one(struct policy_ctx *c, yaml_node_t *n, size_t i)
{
	struct policy_task *t = &c->p->tasks[i];
	struct policy_meta *meta = &c->meta[POLICY_TASK][i];
	char path[POLICY_FIELD_MAX], got[POLICY_GOT_MAX];
	struct policy_view m;

	policy_item(path, "tasks", i);
	meta->node = n;
	if (n->type == YAML_SCALAR_NODE) {
		if (policy_name(c, n, path, t->name, sizeof(t->name)))
			meta->name = n;
		return;
	}
	if (n->type != YAML_MAPPING_NODE) {
		policy_err(c, n, path, "expected a task name or a mapping {name, id}, got %s",
			policy_got(n, got, sizeof(got)));
		return;
	}
	policy_view(c, n, path, task_keys, T_N, &m);
	if (policy_v_name(&m, T_NAME, t->name, sizeof(t->name)))
		meta->name = m.v[T_NAME];
	if (policy_v_u32(&m, T_ID, 0, STEER_MAX_TASKS - 1, &t->id)) {
		meta->id = m.v[T_ID];
		meta->has_id = true;
	}
}

void policy_parse_tasks(struct policy_ctx *c, yaml_node_t *n)
{
	size_t i, cnt;

	if (!n || !policy_list(c, n, "tasks", STEER_MAX_TASKS, "tasks", &cnt))
		return;
	if (!cnt) {
		policy_err(c, n, "tasks", "expected at least one task");
		return;
	}
	if (!policy_alloc(c, POLICY_TASK, cnt, 0))
		return;
	for (i = 0; i < cnt; i++)
		policy_task_one(c, policy_seq_at(c, n, i), i);
	policy_index_names(c, POLICY_TASK);
	policy_assign_ids(c, POLICY_TASK, 0, STEER_MAX_TASKS - 1, false);
}

/* ---- models ---- */

enum {
	M_NAME,
	M_COST,
	M_QUALITY,
	M_N,
};

static const struct policy_key model_keys[M_N] = {
	[M_NAME] = { "name", true },
	[M_COST] = { "cost", true },
	[M_QUALITY] = { "quality", true },
};

static void policy_quality_pair(struct policy_ctx *c, struct policy_model *mo, const char *path,
			     const yaml_node_pair_t *pair)
{
	yaml_node_t *key = yaml_document_get_node(c->doc, pair->key);
	yaml_node_t *val = yaml_document_get_node(c->doc, pair->value);
	char f[POLICY_FIELD_MAX];
	uint32_t id;
	long t;

	t = policy_ref(c, key, path, POLICY_TASK);
	if (t < 0)
		return;
	id = c->p->tasks[t].id;
	if (mo->serves[id]) {
		policy_err(c, key, path, "duplicate key \"%s\"", c->p->tasks[t].name);
		return;
	}
	mo->serves[id] = true;
	policy_num(c, val, policy_field(f, path, c->p->tasks[t].name), 0, 1, &mo->quality[id]);
}

static void policy_quality(struct policy_view *m, struct policy_model *mo)
{
	yaml_node_t *n = m->v[M_QUALITY];
	char path[POLICY_FIELD_MAX], got[POLICY_GOT_MAX];
	yaml_node_pair_t *pair;

	if (!n)
		return;
	policy_vfield(m, M_QUALITY, path);
	if (n->type != YAML_MAPPING_NODE) {
		policy_err(m->c, n, path, "expected a mapping of task names to 0..1, got %s",
			policy_got(n, got, sizeof(got)));
		return;
	}
	if (n->data.mapping.pairs.start == n->data.mapping.pairs.top) {
		policy_err(m->c, n, path, "expected at least one task");
		return;
	}
	for (pair = n->data.mapping.pairs.start; pair < n->data.mapping.pairs.top; pair++)
		policy_quality_pair(m->c, mo, path, pair);
}

static void policy_model_one(struct policy_ctx *c, yaml_node_t *n, size_t i)
{
	struct policy_model *mo = &c->p->models[i];
	struct policy_meta *meta = &c->meta[POLICY_MODEL][i];
	char path[POLICY_FIELD_MAX];
	struct policy_view m;

	meta->node = n;
	if (!policy_view(c, n, policy_item(path, "models", i), model_keys, M_N, &m))
		return;
	if (policy_v_name(&m, M_NAME, mo->name, sizeof(mo->name)))
		meta->name = m.v[M_NAME];
	policy_v_num(&m, M_COST, 0, INFINITY, &mo->cost);
	policy_quality(&m, mo);
}

void policy_parse_models(struct policy_ctx *c, yaml_node_t *n)
{
	size_t i, cnt;

	if (!n || !policy_list(c, n, "models", SIZE_MAX, "models", &cnt))
		return;
	if (!cnt) {
		policy_err(c, n, "models", "expected at least one model");
		return;
	}
	if (!policy_alloc(c, POLICY_MODEL, cnt, 0))
		return;
	for (i = 0; i < cnt; i++)
		policy_model_one(c, policy_seq_at(c, n, i), i);
	policy_index_names(c, POLICY_MODEL);
}

/* ---- services ---- */

enum {
	SV_NAME,
	SV_VIP,
	SV_PORT,
	SV_PROTO,
	SV_TASK,
	SV_BALANCE,
	SV_MSS,
	SV_N,
};

static const struct policy_key service_keys[SV_N] = {
	[SV_NAME] = { "name", true }, [SV_VIP] = { "vip", true },   [SV_PORT] = { "port", true },
	[SV_PROTO] = { "proto" },     [SV_TASK] = { "task", true },
	[SV_BALANCE] = { "balance_factor" }, [SV_MSS] = { "mss_clamp" },
};
_Static_assert(SV_N <= POLICY_KEYS_MAX, "services: more keys than a policy_view holds");

static void policy_service_one(struct policy_ctx *c, yaml_node_t *n, size_t i)
{
	static const char *const protos[] = { "tcp", "udp" };
	struct policy_service *s = &c->p->services[i];
	struct policy_meta *meta = &c->meta[POLICY_SERVICE][i];
	char path[POLICY_FIELD_MAX], f[POLICY_FIELD_MAX];
	struct policy_view m;
	uint32_t port, mss;
	int proto = 0;
	long t;

	meta->node = n;
	s->id = (uint32_t)i;
	s->proto = STEER_PROTO_TCP;
	s->balance_factor = -1; /* the settings' */
	if (!policy_view(c, n, policy_item(path, "services", i), service_keys, SV_N, &m))
		return;
	if (policy_v_name(&m, SV_NAME, s->name, sizeof(s->name)))
		meta->name = m.v[SV_NAME];
	if (m.v[SV_VIP])
		policy_addr(c, m.v[SV_VIP], policy_vfield(&m, SV_VIP, f), s->addr, &s->family);
	if (policy_v_u32(&m, SV_PORT, 1, 65535, &port))
		s->port = (uint16_t)port;
	if (policy_v_enum(&m, SV_PROTO, protos, 2, &proto))
		s->proto = proto ? STEER_PROTO_UDP : STEER_PROTO_TCP;
	t = m.v[SV_TASK] ? policy_ref(c, m.v[SV_TASK], policy_vfield(&m, SV_TASK, f), POLICY_TASK) : -1;
	if (t >= 0)
		s->task = c->p->tasks[t].id;
	policy_balance_factor(&m, SV_BALANCE, &s->balance_factor);
	/* 0 (off), or an MSS IPv4 can carry: 536 (RFC 9293) up to 65495 */
	if (policy_v_u32(&m, SV_MSS, 0, 65495, &mss)) {
		if (mss && mss < 536)
			policy_err(c, m.v[SV_MSS], policy_vfield(&m, SV_MSS, f),
				   "mss_clamp %u below 536 (0 turns clamping off)", mss);
		else if (mss && s->proto != STEER_PROTO_TCP)
			policy_err(c, m.v[SV_MSS], policy_vfield(&m, SV_MSS, f),
				   "mss_clamp is for tcp services");
		else
			s->mss_clamp = (uint16_t)mss;
	}
}

static bool policy_same_service(const struct policy_service *a, const struct policy_service *b)
{
	return a->family && a->port && a->family == b->family && a->port == b->port &&
	       a->proto == b->proto && !memcmp(a->addr, b->addr, sizeof(a->addr));
}

/* Two services on one VIP:port/proto: services <= STEER_MAX_SERVICES, O(n^2) is fine. */
static void policy_service_dups(struct policy_ctx *c)
{
	const struct policy_service *s = c->p->services;
	char f[POLICY_FIELD_MAX], addr[64];
	size_t i, j;

	for (i = 1; i < c->p->n_services; i++) {
		for (j = 0; j < i; j++) {
			if (!policy_same_service(&s[j], &s[i]))
				continue;
			util_addr_format(s[i].addr, s[i].family, addr, sizeof(addr));
			policy_err(c, c->meta[POLICY_SERVICE][i].node, policy_item(f, "services", i),
				"duplicate service %s%s%s:%u/%s (also services[%zu] \"%s\")",
				s[i].family == STEER_AF_INET6 ? "[" : "", addr,
				s[i].family == STEER_AF_INET6 ? "]" : "", s[i].port,
				s[i].proto == STEER_PROTO_UDP ? "udp" : "tcp", j, s[j].name);
			break;
		}
	}
}

void policy_parse_services(struct policy_ctx *c, yaml_node_t *n)
{
	size_t i, cnt;

	if (!n || !policy_list(c, n, "services", STEER_MAX_SERVICES, "services", &cnt))
		return;
	if (!cnt) {
		policy_err(c, n, "services", "expected at least one service");
		return;
	}
	if (!policy_alloc(c, POLICY_SERVICE, cnt, 0))
		return;
	for (i = 0; i < cnt; i++)
		policy_service_one(c, policy_seq_at(c, n, i), i);
	policy_index_names(c, POLICY_SERVICE);
	policy_service_dups(c);
}
