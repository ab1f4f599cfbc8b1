// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The policy's tenants: source prefixes, hard constraints, priority,
 * admission limits and the action when nothing qualifies. The tenant named
 * "default" has id 0 (sources matching no prefix); without one, an implicit
 * "default" that rejects is added. A prefix belongs to one tenant only.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/internal.h"
#include "util/util.h"

#define POLICY_DEFAULT_TENANT	"default"

enum {
	N_NAME,
	N_ID,
	N_PREFIXES,
	N_MIN_SAFETY,
	N_REGIONS,
	N_MAX_COST,
	N_MIN_QUALITY,
	N_PRIORITY,
	N_ADMISSION,
	N_ACTION,
	N_FALLBACK,
	N_N,
};

static const struct policy_key tenant_keys[N_N] = {
	[N_NAME] = { "name", true },
	[N_ID] = { "id" },
	[N_PREFIXES] = { "prefixes" },	/* required unless "default": checked below */
	[N_MIN_SAFETY] = { "min_safety_tier" },
	[N_REGIONS] = { "regions" },
	[N_MAX_COST] = { "max_cost" },
	[N_MIN_QUALITY] = { "min_quality" },
	[N_PRIORITY] = { "priority" },
	[N_ADMISSION] = { "admission" },
	[N_ACTION] = { "action" },
	[N_FALLBACK] = { "fallback" },
};

enum {
	A_RATE,
	A_BURST,
	A_MAX_CONNS,
	A_N,
};

static const struct policy_key admission_keys[A_N] = {
	[A_RATE] = { "rate" },
	[A_BURST] = { "burst" },
	[A_MAX_CONNS] = { "max_conns" },
};

enum {
	F_TENANT,
	F_TASK,
	F_N,
};

static const struct policy_key fallback_keys[F_N] = {
	[F_TENANT] = { "tenant", true },
	[F_TASK] = { "task", true },
};

/* ---- prefixes ---- */

/* Clear the host bits of x into net; true if any was set. */
static bool policy_host_bits(const struct policy_prefix *x, uint8_t net[16])
{
	size_t i, nbytes = x->family == STEER_AF_INET ? 4 : 16;
	uint32_t bits;

	memcpy(net, x->addr, 16);
	for (i = 0; i < nbytes; i++) {
		bits = x->len > i * 8 ? x->len - (uint32_t)i * 8 : 0;
		if (bits < 8)
			net[i] &= (uint8_t)(0xff00u >> bits);
	}
	return memcmp(net, x->addr, 16) != 0;
}

static bool policy_push_pfx(struct policy_ctx *c, const struct policy_prefix *x, yaml_node_t *n,
			 size_t tenant, size_t pos)
{
	struct policy_pfx *v;
	size_t cap;

	if (c->n_pfx == c->cap_pfx) {
		cap = c->cap_pfx ? 2 * c->cap_pfx : 64;
		v = realloc(c->pfx, cap * sizeof(*v));
		if (!v) {
			policy_oom(c);
			return false;
		}
		c->pfx = v;
		c->cap_pfx = cap;
	}
	c->pfx[c->n_pfx++] = (struct policy_pfx){ *x, n, tenant, pos };
	return true;
}

static void policy_prefix_one(struct policy_ctx *c, yaml_node_t *n, const char *field, size_t ti)
{
	static const char want[] = "an IPv4 or IPv6 prefix (ADDR/LEN)";
	struct policy_tenant *t = &c->p->tenants[ti];
	struct policy_prefix *x = &t->prefixes[t->n_prefixes];
	char got[POLICY_GOT_MAX], addr[64];
	uint8_t net[16];
	const char *s;

	s = policy_text(c, n, field, want);
	if (!s)
		return;
	if (util_prefix_parse(s, x->addr, &x->family, &x->len)) {
		policy_err(c, n, field, "expected %s, got %s", want, policy_got(n, got, sizeof(got)));
		return;
	}
	if (policy_host_bits(x, net)) {
		policy_err(c, n, field, "%.64s: host bits set (did you mean %s/%u?)", s,
			util_addr_format(net, x->family, addr, sizeof(addr)), x->len);
		return;
	}
	if (policy_push_pfx(c, x, n, ti, t->n_prefixes))
		t->n_prefixes++;
}

static void policy_prefixes(struct policy_view *m, size_t ti, bool is_default)
{
	struct policy_tenant *t = &m->c->p->tenants[ti];
	char path[POLICY_FIELD_MAX], f[POLICY_FIELD_MAX];
	yaml_node_t *n = m->v[N_PREFIXES];
	size_t i, cnt;

	policy_vfield(m, N_PREFIXES, path);
	if (!n) {
		if (!is_default)
			policy_err(m->c, m->node, path, "required field is missing");
		return;
	}
	if (!policy_list(m->c, n, path, STEER_MAX_PREFIXES, "prefixes", &cnt))
		return;
	if (!cnt && !is_default) {
		policy_err(m->c, n, path, "expected at least one prefix");
		return;
	}
	t->prefixes = calloc(cnt ? cnt : 1, sizeof(*t->prefixes));
	if (!t->prefixes) {
		policy_oom(m->c);
		return;
	}
	for (i = 0; i < cnt; i++)
		policy_prefix_one(m->c, policy_seq_at(m->c, n, i), policy_item(f, path, i), ti);
}

/* ---- constraints, admission, action ---- */

static void policy_regions(struct policy_view *m, struct policy_tenant *t)
{
	char path[POLICY_FIELD_MAX], f[POLICY_FIELD_MAX];
	yaml_node_t *n = m->v[N_REGIONS], *item;
	size_t i, j, cnt;

	if (!n || !policy_list(m->c, n, policy_vfield(m, N_REGIONS, path), POLICY_MAX_REGIONS,
			    "regions", &cnt))
		return;
	for (i = 0; i < cnt; i++) {
		item = policy_seq_at(m->c, n, i);
		if (!policy_name(m->c, item, policy_item(f, path, i), t->regions[t->n_regions],
			      POLICY_NAME_MAX))
			continue;
		for (j = 0; j < t->n_regions; j++)
			if (!strcmp(t->regions[j], t->regions[t->n_regions]))
				break;
		if (j < t->n_regions)
			policy_err(m->c, item, f, "duplicate region \"%s\"", t->regions[j]);
		else
			t->n_regions++;
	}
}

static void policy_admission(struct policy_view *tm, struct policy_tenant *t)
{
	char path[POLICY_FIELD_MAX], f[POLICY_FIELD_MAX];
	struct policy_view m;
	bool burst;

	if (!tm->v[N_ADMISSION] ||
	    !policy_view(tm->c, tm->v[N_ADMISSION], policy_vfield(tm, N_ADMISSION, path),
		      admission_keys, A_N, &m))
		return;
	policy_v_u32(&m, A_RATE, 0, UINT32_MAX, &t->rate);
	burst = policy_v_u32(&m, A_BURST, 0, UINT32_MAX, &t->burst);
	policy_v_u32(&m, A_MAX_CONNS, 0, UINT32_MAX, &t->max_conns);
	if (burst && t->burst && !t->rate)
		policy_err(tm->c, m.v[A_BURST], policy_vfield(&m, A_BURST, f), "burst needs a rate");
	else if (burst && !t->burst && t->rate)
		policy_err(tm->c, m.v[A_BURST], policy_vfield(&m, A_BURST, f),
			"must be >= 1 when rate is set");
	else if (!m.v[A_BURST])
		t->burst = t->rate;	/* one second's worth */
}

static void policy_fallback(struct policy_view *tm, size_t ti)
{
	struct policy_tenant *t = &tm->c->p->tenants[ti];
	char path[POLICY_FIELD_MAX], f[POLICY_FIELD_MAX];
	struct policy_view m;
	long task;

	if (!policy_view(tm->c, tm->v[N_FALLBACK], policy_vfield(tm, N_FALLBACK, path), fallback_keys,
		      F_N, &m))
		return;
	tm->c->meta[POLICY_TENANT][ti].fb_tenant = m.v[F_TENANT];	/* resolved later */
	if (!m.v[F_TASK])
		return;
	task = policy_ref(tm->c, m.v[F_TASK], policy_vfield(&m, F_TASK, f), POLICY_TASK);
	if (task >= 0)
		t->fallback_task = tm->c->p->tasks[task].id;
}

static void policy_action(struct policy_view *m, size_t ti)
{
	static const char *const actions[] = { "reject", "fallback" };
	struct policy_tenant *t = &m->c->p->tenants[ti];
	char f[POLICY_FIELD_MAX];
	bool ok = true;
	int act = 0;

	if (m->v[N_ACTION])
		ok = policy_v_enum(m, N_ACTION, actions, 2, &act);
	t->action = act ? POLICY_FALLBACK : POLICY_REJECT;
	if (ok && act && !m->v[N_FALLBACK])
		policy_err(m->c, m->node, policy_vfield(m, N_FALLBACK, f),
			"required when action is fallback");
	else if (ok && !act && m->v[N_FALLBACK])
		policy_err(m->c, m->v[N_FALLBACK], policy_vfield(m, N_FALLBACK, f),
			"only used with action: fallback");
	if (m->v[N_FALLBACK])
		policy_fallback(m, ti);
}

/* ---- one tenant ---- */

static void policy_tenant_id(struct policy_view *m, struct policy_meta *meta, struct policy_tenant *t,
			  bool is_default)
{
	char f[POLICY_FIELD_MAX];
	uint32_t id;

	if (!m->v[N_ID]) {
		meta->has_id = is_default;	/* 0, fixed */
		return;
	}
	if (!policy_v_u32(m, N_ID, 0, STEER_MAX_TENANTS - 1, &id))
		return;
	policy_vfield(m, N_ID, f);
	if (is_default && id)
		policy_err(m->c, m->v[N_ID], f, "the tenant \"default\" has id 0, got %u", id);
	else if (!is_default && !id)
		policy_err(m->c, m->v[N_ID], f, "id 0 is reserved for the tenant \"default\"");
	else {
		t->id = id;
		t->id_explicit = true;
		meta->id = m->v[N_ID];
		meta->has_id = true;
	}
}

static void policy_tenant_one(struct policy_ctx *c, yaml_node_t *n, size_t i)
{
	struct policy_tenant *t = &c->p->tenants[i];
	struct policy_meta *meta = &c->meta[POLICY_TENANT][i];
	char path[POLICY_FIELD_MAX];
	struct policy_view m;
	bool is_default;

	meta->node = n;
	t->max_cost = -1;
	if (!policy_view(c, n, policy_item(path, "tenants", i), tenant_keys, N_N, &m))
		return;
	if (policy_v_name(&m, N_NAME, t->name, sizeof(t->name)))
		meta->name = m.v[N_NAME];
	is_default = !strcmp(t->name, POLICY_DEFAULT_TENANT);
	policy_tenant_id(&m, meta, t, is_default);
	/* no name: "required field is missing" said enough */
	policy_prefixes(&m, i, is_default || !m.v[N_NAME]);
	policy_v_u32(&m, N_MIN_SAFETY, 0, 100, &t->min_safety_tier);
	policy_regions(&m, t);
	policy_v_num(&m, N_MAX_COST, 0, INFINITY, &t->max_cost);
	policy_v_num(&m, N_MIN_QUALITY, 0, 1, &t->min_quality);
	policy_v_u32(&m, N_PRIORITY, 0, UINT32_MAX, &t->priority);
	policy_admission(&m, t);
	policy_action(&m, i);
}

/* ---- across tenants ---- */

static void policy_implicit_default(struct policy_ctx *c)
{
	struct policy *p = c->p;
	struct policy_tenant *t;
	char f[POLICY_FIELD_MAX];
	size_t i;

	for (i = 0; i < p->n_tenants; i++)
		if (!strcmp(p->tenants[i].name, POLICY_DEFAULT_TENANT))
			return;
	if (p->n_tenants >= STEER_MAX_TENANTS) {
		policy_err(c, c->meta[POLICY_TENANT][p->n_tenants - 1].node,
			policy_item(f, "tenants", p->n_tenants - 1),
			"too many tenants (at most %d with \"default\")", STEER_MAX_TENANTS);
		return;
	}
	t = &p->tenants[p->n_tenants];	/* room was allocated */
	snprintf(t->name, sizeof(t->name), "%s", POLICY_DEFAULT_TENANT);
	t->max_cost = -1;
	t->action = POLICY_REJECT;
	t->implicit = true; /* not in the file: unknown sources are refused */
	c->meta[POLICY_TENANT][p->n_tenants].has_id = true;
	p->n_tenants++;
}

static void policy_fallbacks(struct policy_ctx *c)
{
	struct policy *p = c->p;
	char item[POLICY_FIELD_MAX], f[POLICY_FIELD_MAX];
	yaml_node_t *n;
	size_t i;
	long ft;

	for (i = 0; i < p->n_tenants; i++) {
		n = c->meta[POLICY_TENANT][i].fb_tenant;
		if (!n)
			continue;
		policy_field(f, policy_item(item, "tenants", i), "fallback.tenant");
		ft = policy_ref(c, n, f, POLICY_TENANT);
		if (ft == (long)i)
			policy_err(c, n, f, "a tenant cannot fall back to itself");
		else if (ft >= 0)
			p->tenants[i].fallback_tenant = (uint32_t)ft;
	}
}

static int policy_cmp_pfx(const void *a, const void *b)
{
	const struct policy_pfx *x = a, *y = b;
	int r;

	if (x->pfx.family != y->pfx.family)
		return x->pfx.family < y->pfx.family ? -1 : 1;
	if (x->pfx.len != y->pfx.len)
		return x->pfx.len < y->pfx.len ? -1 : 1;
	r = memcmp(x->pfx.addr, y->pfx.addr, sizeof(x->pfx.addr));
	if (r)
		return r;
	if (x->tenant != y->tenant)
		return x->tenant < y->tenant ? -1 : 1;
	return (x->pos > y->pos) - (x->pos < y->pos);
}

static bool policy_same_pfx(const struct policy_prefix *a, const struct policy_prefix *b)
{
	return a->family == b->family && a->len == b->len && !memcmp(a->addr, b->addr, 16);
}

/* "tenants[i].prefixes[j]" */
static const char *policy_pfx_field(char *buf, const struct policy_pfx *x)
{
	char item[POLICY_FIELD_MAX], list[POLICY_FIELD_MAX];

	policy_field(list, policy_item(item, "tenants", x->tenant), "prefixes");
	return policy_item(buf, list, x->pos);
}

static void policy_pfx_dup(struct policy_ctx *c, const struct policy_pfx *first, const struct policy_pfx *x)
{
	char f[POLICY_FIELD_MAX], addr[64];

	policy_pfx_field(f, x);
	util_addr_format(x->pfx.addr, x->pfx.family, addr, sizeof(addr));
	if (first->tenant == x->tenant)
		policy_err(c, x->node, f, "duplicate prefix %s/%u (also prefixes[%zu])", addr,
			x->pfx.len, first->pos);
	else
		policy_err(c, x->node, f,
			"prefix %s/%u already belongs to tenant \"%s\" "
			"(tenants[%zu].prefixes[%zu])",
			addr, x->pfx.len, c->p->tenants[first->tenant].name, first->tenant,
			first->pos);
}

static void policy_prefix_checks(struct policy_ctx *c)
{
	size_t i, first = 0, n4 = 0, n6 = 0, *cnt;
	char f[POLICY_FIELD_MAX];
	struct policy_pfx *x;

	for (i = 0; i < c->n_pfx; i++) {
		x = &c->pfx[i];
		cnt = x->pfx.family == STEER_AF_INET ? &n4 : &n6;
		if (++*cnt != STEER_MAX_PREFIXES + 1)
			continue;
		policy_err(c, x->node, policy_pfx_field(f, x), "too many IPv%d prefixes (at most %d)",
			x->pfx.family == STEER_AF_INET ? 4 : 6, STEER_MAX_PREFIXES);
	}
	if (c->n_pfx > 1)
		qsort(c->pfx, c->n_pfx, sizeof(*c->pfx), policy_cmp_pfx);
	for (i = 1; i < c->n_pfx; i++) {
		if (policy_same_pfx(&c->pfx[first].pfx, &c->pfx[i].pfx))
			policy_pfx_dup(c, &c->pfx[first], &c->pfx[i]);
		else
			first = i;
	}
}

void policy_parse_tenants(struct policy_ctx *c, yaml_node_t *n)
{
	size_t i, cnt = 0;

	if (n && !policy_is_null(n) &&
	    !policy_list(c, n, "tenants", STEER_MAX_TENANTS, "tenants", &cnt))
		return;
	if (!policy_alloc(c, POLICY_TENANT, cnt, 1))
		return;
	for (i = 0; i < cnt; i++)
		policy_tenant_one(c, policy_seq_at(c, n, i), i);
	policy_implicit_default(c);
	policy_index_names(c, POLICY_TENANT);
	policy_assign_ids(c, POLICY_TENANT, 1, STEER_MAX_TENANTS - 1, true);
	policy_fallbacks(c);
	policy_prefix_checks(c);
}
