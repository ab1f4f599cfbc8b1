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

#include "policy_internal.h"

const char *pol_kind_name(enum pol_kind kind)
{
	static const char *const names[POL_NKINDS] = {
		[POL_TASK] = "tasks",	    [POL_MODEL] = "models",   [POL_SERVICE] = "services",
		[POL_BACKEND] = "backends", [POL_TENANT] = "tenants",
	};

	return kind < POL_NKINDS ? names[kind] : "?";
}

static const char *pol_kind_one(enum pol_kind kind)
{
	static const char *const names[POL_NKINDS] = {
		[POL_TASK] = "task",	   [POL_MODEL] = "model",   [POL_SERVICE] = "service",
		[POL_BACKEND] = "backend", [POL_TENANT] = "tenant",
	};

	return kind < POL_NKINDS ? names[kind] : "?";
}

size_t pol_count(const struct pol_ctx *c, enum pol_kind kind)
{
	switch (kind) {
	case POL_TASK:
		return c->p->n_tasks;
	case POL_MODEL:
		return c->p->n_models;
	case POL_SERVICE:
		return c->p->n_services;
	case POL_BACKEND:
		return c->p->n_backends;
	case POL_TENANT:
		return c->p->n_tenants;
	default:
		return 0;
	}
}

const char *pol_name_of(const struct pol_ctx *c, enum pol_kind kind, size_t i)
{
	switch (kind) {
	case POL_TASK:
		return c->p->tasks[i].name;
	case POL_MODEL:
		return c->p->models[i].name;
	case POL_SERVICE:
		return c->p->services[i].name;
	case POL_BACKEND:
		return c->p->backends[i].name;
	case POL_TENANT:
		return c->p->tenants[i].name;
	default:
		return "";
	}
}

static uint32_t *pol_id_of(struct pol_ctx *c, enum pol_kind kind, size_t i)
{
	switch (kind) {
	case POL_TASK:
		return &c->p->tasks[i].id;
	case POL_BACKEND:
		return &c->p->backends[i].id;
	case POL_TENANT:
		return &c->p->tenants[i].id;
	default:
		return NULL;
	}
}

static void *pol_alloc_items(struct steer_policy *p, enum pol_kind kind, size_t n, size_t total)
{
	switch (kind) {
	case POL_TASK:
		p->n_tasks = n;
		return p->tasks = calloc(total, sizeof(*p->tasks));
	case POL_MODEL:
		p->n_models = n;
		return p->models = calloc(total, sizeof(*p->models));
	case POL_SERVICE:
		p->n_services = n;
		return p->services = calloc(total, sizeof(*p->services));
	case POL_BACKEND:
		p->n_backends = n;
		return p->backends = calloc(total, sizeof(*p->backends));
	case POL_TENANT:
		p->n_tenants = n;
		return p->tenants = calloc(total, sizeof(*p->tenants));
	default:
		return NULL;
	}
}

bool pol_alloc(struct pol_ctx *c, enum pol_kind kind, size_t n, size_t extra)
{
	size_t total = n + extra ? n + extra : 1;

	c->meta[kind] = calloc(total, sizeof(struct pol_meta));
	if (!pol_alloc_items(c->p, kind, n, total) || !c->meta[kind]) {
		pol_alloc_items(c->p, kind, 0, 0);	/* count 0; policy_free frees */
		pol_oom(c);
		return false;
	}
	return true;
}

/* Field path of an item's name: "tasks[2]" (a plain task) or "backends[2].name". */
static const char *pol_name_field(const struct pol_ctx *c, enum pol_kind kind, size_t i,
				  char *buf)
{
	const struct pol_meta *m = &c->meta[kind][i];
	char item[POL_FIELD_MAX];

	pol_item(item, pol_kind_name(kind), i);
	if (m->name && m->name == m->node)
		return strcpy(buf, item);
	return pol_field(buf, item, "name");
}

static unsigned int pol_line(const yaml_node_t *n)
{
	return n ? (unsigned int)n->start_mark.line + 1 : 0;
}

struct pol_sort_arg {
	const struct pol_ctx *c;
	enum pol_kind kind;
};

static int pol_cmp_names(const void *a, const void *b, void *arg)
{
	const struct pol_sort_arg *s = arg;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	int r = strcmp(pol_name_of(s->c, s->kind, x), pol_name_of(s->c, s->kind, y));

	return r ? r : (x > y) - (x < y);
}

void pol_index_names(struct pol_ctx *c, enum pol_kind kind)
{
	struct pol_sort_arg arg = { c, kind };
	struct pol_index *ix = &c->names[kind];
	size_t n = pol_count(c, kind), i, first = 0;
	char f[POL_FIELD_MAX];

	free(ix->idx);
	ix->n = 0;
	ix->idx = calloc(n ? n : 1, sizeof(*ix->idx));
	if (!ix->idx) {
		pol_oom(c);
		return;
	}
	for (i = 0; i < n; i++)
		if (pol_name_of(c, kind, i)[0])
			ix->idx[ix->n++] = (uint32_t)i;
	qsort_r(ix->idx, ix->n, sizeof(*ix->idx), pol_cmp_names, &arg);
	for (i = 1; i < ix->n; i++) {
		uint32_t a = ix->idx[first], b = ix->idx[i];

		if (strcmp(pol_name_of(c, kind, a), pol_name_of(c, kind, b))) {
			first = i;
			continue;
		}
		pol_err(c, c->meta[kind][b].name, pol_name_field(c, kind, b, f),
			"duplicate name \"%s\" (also %s[%u] at line %u)", pol_name_of(c, kind, b),
			pol_kind_name(kind), a, pol_line(c->meta[kind][a].name));
	}
}

long pol_lookup(const struct pol_ctx *c, enum pol_kind kind, const char *name)
{
	const struct pol_index *ix = &c->names[kind];
	size_t lo = 0, hi = ix->n, mid;

	while (lo < hi) {	/* first entry >= name */
		mid = lo + (hi - lo) / 2;
		if (strcmp(pol_name_of(c, kind, ix->idx[mid]), name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < ix->n && !strcmp(pol_name_of(c, kind, ix->idx[lo]), name))
		return ix->idx[lo];
	return -1;
}

long pol_ref(struct pol_ctx *c, yaml_node_t *n, const char *field, enum pol_kind kind)
{
	char want[32], hint[POL_FIELD_MAX];
	unsigned int bestd = UINT_MAX;
	const char *s, *best = NULL;
	size_t i, cnt;
	long idx;

	snprintf(want, sizeof(want), "a %s name", pol_kind_one(kind));
	s = pol_text(c, n, field, want);
	if (!s)
		return -1;
	idx = pol_lookup(c, kind, s);
	if (idx >= 0)
		return idx;
	/* suggestions cost O(n): only for errors that will be shown */
	cnt = c->errs->n < STEER_POL_MAX_ERRORS ? pol_count(c, kind) : 0;
	for (i = 0; i < cnt; i++)
		pol_near(s, pol_name_of(c, kind, i), &best, &bestd);
	pol_err(c, n, field, "unknown %s \"%.64s\"%s", pol_kind_one(kind), s,
		pol_hint(hint, sizeof(hint), best));
	return -1;
}

static void pol_dup_id(struct pol_ctx *c, enum pol_kind kind, size_t i, size_t first, uint32_t id)
{
	const struct pol_meta *m = &c->meta[kind][i];
	char item[POL_FIELD_MAX], f[POL_FIELD_MAX];

	pol_item(item, pol_kind_name(kind), i);
	pol_err(c, m->id ? m->id : m->node, pol_field(f, item, "id"),
		"duplicate id %u (also %s[%zu] \"%s\")", id, pol_kind_name(kind), first,
		pol_name_of(c, kind, first));
}

static void pol_take_explicit(struct pol_ctx *c, enum pol_kind kind, uint32_t *owner)
{
	size_t i, n = pol_count(c, kind);
	uint32_t id;

	for (i = 0; i < n; i++) {
		if (!c->meta[kind][i].has_id)
			continue;
		id = *pol_id_of(c, kind, i);
		if (owner[id])
			pol_dup_id(c, kind, i, owner[id] - 1, id);
		else
			owner[id] = (uint32_t)i + 1;
	}
}

void pol_assign_ids(struct pol_ctx *c, enum pol_kind kind, uint32_t min, uint32_t max,
		    bool by_name)
{
	size_t k, i, n = by_name ? c->names[kind].n : pol_count(c, kind);
	uint32_t *owner = calloc((size_t)max + 1, sizeof(*owner)), next = min;

	if (!owner) {
		pol_oom(c);
		return;
	}
	pol_take_explicit(c, kind, owner);
	for (k = 0; k < n; k++) {
		i = by_name ? c->names[kind].idx[k] : k;
		if (c->meta[kind][i].has_id || !pol_name_of(c, kind, i)[0])
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
		*pol_id_of(c, kind, i) = next;
	}
	free(owner);
}

static int pol_cmp_task(const void *a, const void *b)
{
	const struct steer_pol_task *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

static int pol_cmp_backend(const void *a, const void *b)
{
	const struct steer_pol_backend *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

static int pol_cmp_tenant(const void *a, const void *b)
{
	const struct steer_pol_tenant *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

/* Order tenants by id; fallback_tenant indexes follow. */
static void pol_sort_tenants(struct pol_ctx *c)
{
	struct steer_policy *p = c->p;
	uint32_t *old_id, *new_idx;
	size_t i;

	old_id = calloc(p->n_tenants ? p->n_tenants : 1, sizeof(*old_id));
	new_idx = calloc(STEER_MAX_TENANTS, sizeof(*new_idx));
	if (!old_id || !new_idx) {
		pol_oom(c);
		goto out;
	}
	for (i = 0; i < p->n_tenants; i++)
		old_id[i] = p->tenants[i].id;
	if (p->n_tenants)
		qsort(p->tenants, p->n_tenants, sizeof(*p->tenants), pol_cmp_tenant);
	for (i = 0; i < p->n_tenants; i++)
		new_idx[p->tenants[i].id] = (uint32_t)i;
	for (i = 0; i < p->n_tenants; i++)
		if (p->tenants[i].action == STEER_POL_FALLBACK)
			p->tenants[i].fallback_tenant =
				new_idx[old_id[p->tenants[i].fallback_tenant]];
out:
	free(old_id);
	free(new_idx);
}

void pol_resolve(struct pol_ctx *c)
{
	struct steer_policy *p = c->p;

	if (p->n_tasks)
		qsort(p->tasks, p->n_tasks, sizeof(*p->tasks), pol_cmp_task);
	if (p->n_backends)
		qsort(p->backends, p->n_backends, sizeof(*p->backends), pol_cmp_backend);
	pol_sort_tenants(c);
}

void pol_ctx_free(struct pol_ctx *c)
{
	int k;

	for (k = 0; k < POL_NKINDS; k++) {
		free(c->meta[k]);
		free(c->names[k].idx);
		c->meta[k] = NULL;
		c->names[k].idx = NULL;
	}
	free(c->pfx);
	c->pfx = NULL;
}
