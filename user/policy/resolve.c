// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Names, ids and references of the policy's items: duplicate names, name
 * lookups (sorted index, so 8k backends and 4k tenants stay fast), id
 * checks and deterministic id assignment, and the final ordering of tasks,
 * backends and tenants by id.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/internal.h"

const char *policy_kind_name(enum policy_kind kind)
{
	static const char *const names[POLICY_NKINDS] = {
		[POLICY_TASK] = "tasks",	    [POLICY_MODEL] = "models",   [POLICY_SERVICE] = "services",
		[POLICY_BACKEND] = "backends", [POLICY_TENANT] = "tenants",
	};

	return kind < POLICY_NKINDS ? names[kind] : "?";
}

static const char *policy_kind_one(enum policy_kind kind)
{
	static const char *const names[POLICY_NKINDS] = {
		[POLICY_TASK] = "task",	   [POLICY_MODEL] = "model",   [POLICY_SERVICE] = "service",
		[POLICY_BACKEND] = "backend", [POLICY_TENANT] = "tenant",
	};

	return kind < POLICY_NKINDS ? names[kind] : "?";
}

size_t policy_count(const struct policy_ctx *c, enum policy_kind kind)
{
	switch (kind) {
	case POLICY_TASK:
		return c->p->n_tasks;
	case POLICY_MODEL:
		return c->p->n_models;
	case POLICY_SERVICE:
		return c->p->n_services;
	case POLICY_BACKEND:
		return c->p->n_backends;
	case POLICY_TENANT:
		return c->p->n_tenants;
	default:
		return 0;
	}
}

const char *policy_name_of(const struct policy_ctx *c, enum policy_kind kind, size_t i)
{
	switch (kind) {
	case POLICY_TASK:
		return c->p->tasks[i].name;
	case POLICY_MODEL:
		return c->p->models[i].name;
	case POLICY_SERVICE:
		return c->p->services[i].name;
	case POLICY_BACKEND:
		return c->p->backends[i].name;
	case POLICY_TENANT:
		return c->p->tenants[i].name;
	default:
		return "";
	}
}

static uint32_t *policy_id_of(struct policy_ctx *c, enum policy_kind kind, size_t i)
{
	switch (kind) {
	case POLICY_TASK:
		return &c->p->tasks[i].id;
	case POLICY_BACKEND:
		return &c->p->backends[i].id;
	case POLICY_TENANT:
		return &c->p->tenants[i].id;
	default:
		return NULL;
	}
}

static void *policy_alloc_items(struct policy *p, enum policy_kind kind, size_t n, size_t total)
{
	switch (kind) {
	case POLICY_TASK:
		p->n_tasks = n;
		return p->tasks = calloc(total, sizeof(*p->tasks));
	case POLICY_MODEL:
		p->n_models = n;
		return p->models = calloc(total, sizeof(*p->models));
	case POLICY_SERVICE:
		p->n_services = n;
		return p->services = calloc(total, sizeof(*p->services));
	case POLICY_BACKEND:
		p->n_backends = n;
		return p->backends = calloc(total, sizeof(*p->backends));
	case POLICY_TENANT:
		p->n_tenants = n;
		return p->tenants = calloc(total, sizeof(*p->tenants));
	default:
		return NULL;
	}
}

bool policy_alloc(struct policy_ctx *c, enum policy_kind kind, size_t n, size_t extra)
{
	size_t total = n + extra ? n + extra : 1;

	c->meta[kind] = calloc(total, sizeof(struct policy_meta));
	if (!policy_alloc_items(c->p, kind, n, total) || !c->meta[kind]) {
		policy_alloc_items(c->p, kind, 0, 0);	/* count 0; policy_free frees */
		policy_oom(c);
		return false;
	}
	return true;
}

/* Field path of an item's name: "tasks[2]" (a plain task) or "backends[2].name". */
static const char *policy_name_field(const struct policy_ctx *c, enum policy_kind kind, size_t i,
				  char *buf)
{
	const struct policy_meta *m = &c->meta[kind][i];
	char item[POLICY_FIELD_MAX];

	policy_item(item, policy_kind_name(kind), i);
	if (m->name && m->name == m->node)
		return strcpy(buf, item);
	return policy_field(buf, item, "name");
}

static unsigned int policy_line(const yaml_node_t *n)
{
	return n ? (unsigned int)n->start_mark.line + 1 : 0;
}

struct policy_sort_arg {
	const struct policy_ctx *c;
	enum policy_kind kind;
};

static int policy_cmp_names(const void *a, const void *b, void *arg)
{
	const struct policy_sort_arg *s = arg;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	int r = strcmp(policy_name_of(s->c, s->kind, x), policy_name_of(s->c, s->kind, y));

	return r ? r : (x > y) - (x < y);
}

void policy_index_names(struct policy_ctx *c, enum policy_kind kind)
{
	struct policy_sort_arg arg = { c, kind };
	struct policy_index *ix = &c->names[kind];
	size_t n = policy_count(c, kind), i, first = 0;
	char f[POLICY_FIELD_MAX];

	free(ix->idx);
	ix->n = 0;
	ix->idx = calloc(n ? n : 1, sizeof(*ix->idx));
	if (!ix->idx) {
		policy_oom(c);
		return;
	}
	for (i = 0; i < n; i++)
		if (policy_name_of(c, kind, i)[0])
			ix->idx[ix->n++] = (uint32_t)i;
	qsort_r(ix->idx, ix->n, sizeof(*ix->idx), policy_cmp_names, &arg);
	for (i = 1; i < ix->n; i++) {
		uint32_t a = ix->idx[first], b = ix->idx[i];

		if (strcmp(policy_name_of(c, kind, a), policy_name_of(c, kind, b))) {
			first = i;
			continue;
		}
		policy_err(c, c->meta[kind][b].name, policy_name_field(c, kind, b, f),
			"duplicate name \"%s\" (also %s[%u] at line %u)", policy_name_of(c, kind, b),
			policy_kind_name(kind), a, policy_line(c->meta[kind][a].name));
	}
}

long policy_lookup(const struct policy_ctx *c, enum policy_kind kind, const char *name)
{
	const struct policy_index *ix = &c->names[kind];
	size_t lo = 0, hi = ix->n, mid;

	while (lo < hi) {	/* first entry >= name */
		mid = lo + (hi - lo) / 2;
		if (strcmp(policy_name_of(c, kind, ix->idx[mid]), name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < ix->n && !strcmp(policy_name_of(c, kind, ix->idx[lo]), name))
		return ix->idx[lo];
	return -1;
}

long policy_ref(struct policy_ctx *c, yaml_node_t *n, const char *field, enum policy_kind kind)
{
	char want[32], hint[POLICY_FIELD_MAX];
	unsigned int bestd = UINT_MAX;
	const char *s, *best = NULL;
	size_t i, cnt;
	long idx;

	snprintf(want, sizeof(want), "a %s name", policy_kind_one(kind));
	s = policy_text(c, n, field, want);
	if (!s)
		return -1;
	idx = policy_lookup(c, kind, s);
	if (idx >= 0)
		return idx;
	/* suggestions cost O(n): only for errors that will be shown */
	cnt = c->errs->n < POLICY_MAX_ERRORS ? policy_count(c, kind) : 0;
	for (i = 0; i < cnt; i++)
		policy_near(s, policy_name_of(c, kind, i), &best, &bestd);
	policy_err(c, n, field, "unknown %s \"%.64s\"%s", policy_kind_one(kind), s,
		policy_hint(hint, sizeof(hint), best));
	return -1;
}

static void policy_dup_id(struct policy_ctx *c, enum policy_kind kind, size_t i, size_t first, uint32_t id)
{
	const struct policy_meta *m = &c->meta[kind][i];
	char item[POLICY_FIELD_MAX], f[POLICY_FIELD_MAX];

	policy_item(item, policy_kind_name(kind), i);
	policy_err(c, m->id ? m->id : m->node, policy_field(f, item, "id"),
		"duplicate id %u (also %s[%zu] \"%s\")", id, policy_kind_name(kind), first,
		policy_name_of(c, kind, first));
}

static void policy_take_explicit(struct policy_ctx *c, enum policy_kind kind, uint32_t *owner)
{
	size_t i, n = policy_count(c, kind);
	uint32_t id;

	for (i = 0; i < n; i++) {
		if (!c->meta[kind][i].has_id)
			continue;
		id = *policy_id_of(c, kind, i);
		if (owner[id])
			policy_dup_id(c, kind, i, owner[id] - 1, id);
		else
			owner[id] = (uint32_t)i + 1;
	}
}

void policy_assign_ids(struct policy_ctx *c, enum policy_kind kind, uint32_t min, uint32_t max,
		    bool by_name)
{
	size_t k, i, n = by_name ? c->names[kind].n : policy_count(c, kind);
	uint32_t *owner = calloc((size_t)max + 1, sizeof(*owner)), next = min;

	if (!owner) {
		policy_oom(c);
		return;
	}
	policy_take_explicit(c, kind, owner);
	for (k = 0; k < n; k++) {
		i = by_name ? c->names[kind].idx[k] : k;
		if (c->meta[kind][i].has_id || !policy_name_of(c, kind, i)[0])
			continue;
		while (next <= max && owner[next])
			next++;
		/*
		 * Item limits leave an id for every item, so running out means
		 * another error was reported already (4096 tenants and no
		 * "default", or a default tenant with a bad id).
		 */
		if (next > max)
			break;
		owner[next] = (uint32_t)i + 1;
		*policy_id_of(c, kind, i) = next;
	}
	free(owner);
}

static int policy_cmp_task(const void *a, const void *b)
{
	const struct policy_task *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

static int policy_cmp_backend(const void *a, const void *b)
{
	const struct policy_backend *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

static int policy_cmp_tenant(const void *a, const void *b)
{
	const struct policy_tenant *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

/* Order tenants by id; fallback_tenant indexes follow. */
static void policy_sort_tenants(struct policy_ctx *c)
{
	struct policy *p = c->p;
	uint32_t *old_id, *new_idx;
	size_t i;

	old_id = calloc(p->n_tenants ? p->n_tenants : 1, sizeof(*old_id));
	new_idx = calloc(STEER_MAX_TENANTS, sizeof(*new_idx));
	if (!old_id || !new_idx) {
		policy_oom(c);
		goto out;
	}
	for (i = 0; i < p->n_tenants; i++)
		old_id[i] = p->tenants[i].id;
	if (p->n_tenants)
		qsort(p->tenants, p->n_tenants, sizeof(*p->tenants), policy_cmp_tenant);
	for (i = 0; i < p->n_tenants; i++)
		new_idx[p->tenants[i].id] = (uint32_t)i;
	for (i = 0; i < p->n_tenants; i++)
		if (p->tenants[i].action == POLICY_FALLBACK)
			p->tenants[i].fallback_tenant =
				new_idx[old_id[p->tenants[i].fallback_tenant]];
out:
	free(old_id);
	free(new_idx);
}

void policy_resolve(struct policy_ctx *c)
{
	struct policy *p = c->p;

	if (p->n_tasks)
		qsort(p->tasks, p->n_tasks, sizeof(*p->tasks), policy_cmp_task);
	if (p->n_backends)
		qsort(p->backends, p->n_backends, sizeof(*p->backends), policy_cmp_backend);
	policy_sort_tenants(c);
}

void policy_ctx_free(struct policy_ctx *c)
{
	int k;

	for (k = 0; k < POLICY_NKINDS; k++) {
		free(c->meta[k]);
		free(c->names[k].idx);
		c->meta[k] = NULL;
		c->names[k].idx = NULL;
	}
	free(c->pfx);
	c->pfx = NULL;
}
