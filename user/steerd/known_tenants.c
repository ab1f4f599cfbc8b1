// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Stable tenant ids. Prefixes, classes, admission state, conntrack entries
 * and counters all hold a tenant *id*; the policy parser assigns the ids it
 * is not given in name order, so a new tenant whose name sorts first would
 * renumber the others: their sources would be classified with another
 * tenant's classes (backends, safety and region constraints) until the
 * classes caught up, and token buckets, open-flow counts and statistics
 * would pass to the wrong tenant.
 *
 * So an id stays with what it named, the way backend ids do (known.c):
 *   1. explicit ids (and the default tenant's 0) always win;
 *   2. a tenant of the running policy keeps its id by name (reloads,
 *      runtime changes);
 *   3. else a tenant one of whose prefixes the data plane already maps to
 *      an id keeps that id (restarts: the pinned tries are the memory);
 *   4. else the lowest id that nothing knows yet (not in the running
 *      policy, the pinned prefixes or the pinned classes), so that a new
 *      tenant never inherits a removed one's leftovers; if every id is
 *      known, the lowest one not taken.
 * Class ids follow: the planner keys classes by (tenant id, task, family).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"
#include "steerd/steerd.h"

/* A pinned prefix, in one form for both families. */
struct known_pfx {
	uint8_t family;
	uint8_t addr[16];
	uint32_t len;
	uint32_t tenant;
};

static int pfx_cmp(const void *a, const void *b)
{
	const struct known_pfx *x = a, *y = b;
	int r = (x->family > y->family) - (x->family < y->family);

	if (!r)
		r = (x->len > y->len) - (x->len < y->len);
	return r ? r : memcmp(x->addr, y->addr, 16);
}

/* Append the pinned prefixes of one family to out[*n]. */
static void read_family(struct dp *dp, uint8_t family, struct known_pfx *out, size_t *n,
			uint8_t *known)
{
	size_t ks = family == STEER_AF_INET ? sizeof(struct steer_lpm_v4_key)
					    : sizeof(struct steer_lpm_v6_key);
	size_t alen = family == STEER_AF_INET ? 4 : 16, got = STEER_MAX_PREFIXES, i;
	uint8_t *keys = calloc(STEER_MAX_PREFIXES, ks);
	uint32_t *vals = calloc(STEER_MAX_PREFIXES, sizeof(*vals));

	if (keys && vals &&
	    !dp_map_read(dp, family == STEER_AF_INET ? DP_MAP_TENANTS_V4 : DP_MAP_TENANTS_V6, keys,
			 vals, &got)) {
		for (i = 0; i < got; i++) {
			struct known_pfx *k = &out[(*n)++];
			uint32_t plen;

			memcpy(&plen, keys + i * ks, sizeof(plen));
			memset(k, 0, sizeof(*k));
			k->family = family;
			k->len = plen;
			memcpy(k->addr, keys + i * ks + sizeof(plen), alen);
			k->tenant = vals[i];
			if (vals[i] < STEER_MAX_TENANTS)
				known[vals[i]] = 1;
		}
	}
	free(keys);
	free(vals);
}

/* Tenant ids the pinned classes name. */
static void read_class_tenants(struct dp *dp, uint8_t *known)
{
	struct steer_class_key *keys = calloc(STEER_MAX_CLASSES, sizeof(*keys));
	struct steer_class *vals = calloc(STEER_MAX_CLASSES, sizeof(*vals));
	size_t n = STEER_MAX_CLASSES, i;

	if (keys && vals && !dp_map_read(dp, DP_MAP_CLASSES, keys, vals, &n))
		for (i = 0; i < n; i++)
			if (keys[i].tenant < STEER_MAX_TENANTS)
				known[keys[i].tenant] = 1;
	free(keys);
	free(vals);
}

/* Id the data plane maps one of t's prefixes to (not taken), or 0. */
static uint32_t id_by_prefix(const struct policy_tenant *t, const struct known_pfx *pins, size_t n,
			     const uint8_t *taken)
{
	size_t j;

	for (j = 0; j < t->n_prefixes; j++) {
		struct known_pfx want = {.family = t->prefixes[j].family,
					 .len = t->prefixes[j].len};
		const struct known_pfx *hit;

		memcpy(want.addr, t->prefixes[j].addr,
		       t->prefixes[j].family == STEER_AF_INET ? 4 : 16);
		hit = n ? bsearch(&want, pins, n, sizeof(*pins), pfx_cmp) : NULL;
		if (hit && hit->tenant && hit->tenant < STEER_MAX_TENANTS && !taken[hit->tenant])
			return hit->tenant;
	}
	return 0;
}

/* A tenant and the id of its fallback tenant, sorted together. */
struct tenant_fb {
	struct policy_tenant t;
	uint32_t fb_id;
};

static int cmp_tenant_id(const void *a, const void *b)
{
	const struct tenant_fb *x = a, *y = b;

	return (x->t.id > y->t.id) - (x->t.id < y->t.id);
}

/* Order tenants by id again (the engine expects it); fallback indexes follow. */
static int sort_tenants(struct policy *p)
{
	struct tenant_fb *v = calloc(p->n_tenants + 1, sizeof(*v));
	uint32_t *idx = calloc(STEER_MAX_TENANTS, sizeof(*idx));
	size_t i;

	if (!v || !idx) {
		free(v);
		free(idx);
		return -ENOMEM;
	}
	for (i = 0; i < p->n_tenants; i++) {
		v[i].t = p->tenants[i];
		if (p->tenants[i].action == POLICY_FALLBACK)
			v[i].fb_id = p->tenants[p->tenants[i].fallback_tenant].id;
	}
	qsort(v, p->n_tenants, sizeof(*v), cmp_tenant_id);
	for (i = 0; i < p->n_tenants; i++) {
		p->tenants[i] = v[i].t;
		idx[p->tenants[i].id] = (uint32_t)i;
	}
	for (i = 0; i < p->n_tenants; i++)
		if (p->tenants[i].action == POLICY_FALLBACK)
			p->tenants[i].fallback_tenant = idx[v[i].fb_id];
	free(v);
	free(idx);
	return 0;
}

int steerd_stable_tenant_ids(struct dp *dp, const struct policy *old, struct policy *p)
{
	uint8_t *taken = calloc(STEER_MAX_TENANTS, 1), *known = calloc(STEER_MAX_TENANTS, 1);
	struct known_pfx *pins = calloc(2 * STEER_MAX_PREFIXES, sizeof(*pins));
	bool *done = calloc(p->n_tenants + 1, sizeof(*done));
	size_t n_pins = 0, i, j;
	uint32_t id, next = 1;
	int err = -ENOMEM;

	if (!taken || !known || !pins || !done)
		goto out;
	if (dp) {
		read_family(dp, STEER_AF_INET, pins, &n_pins, known);
		read_family(dp, STEER_AF_INET6, pins, &n_pins, known);
		read_class_tenants(dp, known);
		qsort(pins, n_pins, sizeof(*pins), pfx_cmp);
	}
	for (i = 0; old && i < old->n_tenants; i++)
		known[old->tenants[i].id] = 1;
	/* 1: explicit ids and the default tenant */
	for (i = 0; i < p->n_tenants; i++) {
		struct policy_tenant *t = &p->tenants[i];

		if (t->id_explicit || t->id == STEER_DEFAULT_TENANT || t->implicit) {
			taken[t->id] = 1;
			done[i] = true;
		}
	}
	/* 2: by name, from the running policy */
	for (i = 0; old && i < p->n_tenants; i++) {
		struct policy_tenant *t = &p->tenants[i];

		for (j = 0; !done[i] && j < old->n_tenants; j++) {
			id = old->tenants[j].id;
			if (strcmp(old->tenants[j].name, t->name) || !id || taken[id])
				continue;
			t->id = id;
			taken[id] = 1;
			done[i] = true;
		}
	}
	/* 3: by prefix, from the data plane */
	for (i = 0; i < p->n_tenants; i++) {
		struct policy_tenant *t = &p->tenants[i];

		if (done[i])
			continue;
		id = id_by_prefix(t, pins, n_pins, taken);
		if (!id)
			continue;
		if (id != t->id)
			log_info("tenant %s keeps id %u (the data plane maps its prefixes to it)",
				 t->name, id);
		t->id = id;
		taken[id] = 1;
		done[i] = true;
	}
	/* 4: new tenants: an id nothing knows, lowest first */
	for (i = 0; i < p->n_tenants; i++) {
		struct policy_tenant *t = &p->tenants[i];

		if (done[i])
			continue;
		while (next < STEER_MAX_TENANTS && (taken[next] || known[next]))
			next++;
		id = next;
		if (id >= STEER_MAX_TENANTS) /* every id known: the lowest not taken */
			for (id = 1; id < STEER_MAX_TENANTS && taken[id]; id++)
				;
		if (id >= STEER_MAX_TENANTS)
			break; /* can't happen: the parser limits tenants to the ids */
		t->id = id;
		taken[id] = 1;
		done[i] = true;
	}
	err = sort_tenants(p);
out:
	free(taken);
	free(known);
	free(pins);
	free(done);
	return err;
}
