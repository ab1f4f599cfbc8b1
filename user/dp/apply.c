// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * dp_apply: the maps made to hold a plan (dp.h), writing only what differs
 * from what they hold, one map kind after the other in the order that
 * keeps every packet consistent.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dp/dp.h"
#include "dp/internal.h"

#define N_ALLOC(n, sz) calloc((n) + 1, (sz))

static int config_apply(struct dp *dp, const struct steer_config *want)
{
	struct steer_config cur = {0};

	if (!dp_config_get(dp, &cur) && !memcmp(&cur, want, sizeof(cur)))
		return 0;
	return dp_config_set(dp, want);
}

static int backends_apply(struct dp *dp, const struct dp_plan *plan, struct steer_backend *cur,
			  unsigned int *written)
{
	size_t i;
	int err;

	for (i = 0; i < plan->n_backends; i++) {
		const struct dp_plan_backend *b = &plan->backends[i];

		if (b->id >= STEER_MAX_BACKENDS)
			return dp_fail(-EINVAL, "backend id %u out of range", b->id);
		if (!memcmp(&cur[b->id], &b->be, sizeof(b->be)))
			continue;
		err = dp_backend_set(dp, b->id, &b->be);
		if (err)
			return err;
		cur[b->id] = b->be;
		(*written)++;
	}
	return 0;
}

/* Backends the plan no longer names: unused (their flows re-steer; no
 * table names them any more). */
static int backends_retire(struct dp *dp, const struct dp_plan *plan, struct steer_backend *cur,
			   unsigned int *written)
{
	uint8_t *named = calloc(STEER_MAX_BACKENDS, 1);
	uint32_t id;
	size_t i;
	int err = 0;

	if (!named)
		return -ENOMEM;
	for (i = 0; i < plan->n_backends; i++)
		named[plan->backends[i].id] = 1;
	for (id = 1; id < STEER_MAX_BACKENDS && !err; id++) {
		if (named[id] || cur[id].state == STEER_BACKEND_UNUSED)
			continue;
		cur[id].state = STEER_BACKEND_UNUSED;
		err = dp_map_write(dp, DP_MAP_BACKENDS, &id, &cur[id], 1);
		(*written)++;
	}
	free(named);
	return err;
}

static int tenants_apply(struct dp *dp, const struct dp_plan *plan, unsigned int *written)
{
	struct steer_tenant_cfg *cur = N_ALLOC(STEER_MAX_TENANTS, sizeof(*cur));
	uint32_t *keys = N_ALLOC(STEER_MAX_TENANTS, sizeof(*keys));
	size_t n = STEER_MAX_TENANTS, i;
	int err = -ENOMEM;

	if (!cur || !keys)
		goto out;
	err = dp_map_read(dp, DP_MAP_TENANT_CFG, keys, cur, &n); /* an array: key i at i */
	for (i = 0; !err && i < plan->n_tenants; i++) {
		const struct dp_plan_tenant *t = &plan->tenants[i];
		const struct steer_tenant_cfg *c = t->id < n ? &cur[t->id] : NULL;
		bool reset;

		if (c && !memcmp(c, &t->cfg, sizeof(*c)))
			continue;
		reset = !c || c->rate != t->cfg.rate || c->burst != t->cfg.burst;
		err = dp_tenant_cfg_set(dp, t->id, &t->cfg, reset);
		(*written)++;
	}
out:
	free(cur);
	free(keys);
	return err;
}

/* A tenant prefix in the trie's own key form (v4 keys are 8 bytes, v6 20). */
struct lpm_entry {
	struct steer_lpm_v6_key key; /* large enough for both */
	uint32_t tenant;
};

static int lpm_cmp(const void *a, const void *b)
{
	return memcmp(&((const struct lpm_entry *)a)->key, &((const struct lpm_entry *)b)->key,
		      sizeof(struct steer_lpm_v6_key));
}

static int prefixes_apply_family(struct dp *dp, const struct dp_plan *plan, uint8_t family)
{
	enum dp_map m = family == STEER_AF_INET ? DP_MAP_TENANTS_V4 : DP_MAP_TENANTS_V6;
	size_t ks = family == STEER_AF_INET ? sizeof(struct steer_lpm_v4_key)
					    : sizeof(struct steer_lpm_v6_key);
	size_t alen = family == STEER_AF_INET ? 4 : 16, n = STEER_MAX_PREFIXES, n_want = 0, i;
	struct lpm_entry *want = N_ALLOC(plan->n_prefixes, sizeof(*want));
	struct lpm_entry *have = N_ALLOC(STEER_MAX_PREFIXES, sizeof(*have));
	uint8_t *keys = N_ALLOC(STEER_MAX_PREFIXES, ks), *dead = N_ALLOC(STEER_MAX_PREFIXES, ks);
	uint32_t *vals = N_ALLOC(STEER_MAX_PREFIXES, sizeof(*vals));
	size_t n_dead = 0;
	int err = -ENOMEM;

	if (!want || !have || !keys || !dead || !vals)
		goto out;
	for (i = 0; i < plan->n_prefixes; i++) {
		const struct dp_plan_prefix *x = &plan->prefixes[i];

		if (x->family != family)
			continue;
		want[n_want].key.prefixlen = x->len;
		memcpy(want[n_want].key.addr, x->addr, alen);
		want[n_want++].tenant = x->tenant;
	}
	err = dp_map_read(dp, m, keys, vals, &n);
	if (err)
		goto out;
	for (i = 0; i < n; i++) {
		memcpy(&have[i].key, keys + i * ks, ks);
		have[i].tenant = vals[i];
	}
	qsort(want, n_want, sizeof(*want), lpm_cmp);
	qsort(have, n, sizeof(*have), lpm_cmp);
	/* new or moved prefixes first, then the ones the plan dropped */
	for (i = 0; i < n_want && !err; i++) {
		struct lpm_entry *h = bsearch(&want[i], have, n, sizeof(*have), lpm_cmp);

		if (!h || h->tenant != want[i].tenant)
			err = dp_tenant_prefix_set(dp, family, want[i].key.addr,
						   want[i].key.prefixlen, want[i].tenant);
	}
	for (i = 0; i < n && !err; i++)
		if (!bsearch(&have[i], want, n_want, sizeof(*want), lpm_cmp))
			memcpy(dead + n_dead++ * ks, &have[i].key, ks);
	if (!err)
		err = dp_map_delete(dp, m, dead, n_dead);
out:
	free(want);
	free(have);
	free(keys);
	free(dead);
	free(vals);
	return err;
}

static int service_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct steer_service_key));
}

static int services_apply(struct dp *dp, const struct dp_plan *plan, unsigned int *written)
{
	struct steer_service_key *keys = N_ALLOC(STEER_MAX_SERVICES, sizeof(*keys));
	struct steer_service_key *dead = N_ALLOC(STEER_MAX_SERVICES, sizeof(*dead));
	struct dp_plan_service *have = N_ALLOC(STEER_MAX_SERVICES, sizeof(*have));
	struct dp_plan_service *want = N_ALLOC(plan->n_services, sizeof(*want));
	struct steer_service *vals = N_ALLOC(STEER_MAX_SERVICES, sizeof(*vals));
	size_t n = STEER_MAX_SERVICES, n_dead = 0, i;
	int err = -ENOMEM;

	if (!keys || !dead || !have || !want || !vals)
		goto out;
	err = dp_map_read(dp, DP_MAP_SERVICES, keys, vals, &n);
	if (err)
		goto out;
	for (i = 0; i < n; i++) {
		have[i].key = keys[i];
		have[i].val = vals[i];
	}
	memcpy(want, plan->services, plan->n_services * sizeof(*want));
	qsort(have, n, sizeof(*have), service_cmp);
	qsort(want, plan->n_services, sizeof(*want), service_cmp);
	for (i = 0; i < plan->n_services && !err; i++) {
		const struct dp_plan_service *h =
			bsearch(&want[i], have, n, sizeof(*have), service_cmp);

		if (h && !memcmp(&h->val, &want[i].val, sizeof(h->val)))
			continue;
		err = dp_service_put(dp, &want[i].key, &want[i].val); /* ports synced below */
		(*written)++;
	}
	for (i = 0; i < n && !err; i++)
		if (!bsearch(&have[i], want, plan->n_services, sizeof(*want), service_cmp))
			dead[n_dead++] = have[i].key;
	if (!err)
		err = dp_map_delete(dp, DP_MAP_SERVICES, dead, n_dead);
	*written += (unsigned int)n_dead;
	if (!err)
		err = dp_service_ports_sync(dp);
out:
	free(keys);
	free(dead);
	free(have);
	free(want);
	free(vals);
	return err;
}

/* Every new table built whole, then swapped in with one batch. */
static int tables_apply(struct dp *dp, const struct dp_plan *plan, unsigned int *written)
{
	uint32_t *ids = N_ALLOC(plan->n_tables, sizeof(*ids));
	int *fds = N_ALLOC(plan->n_tables, sizeof(*fds));
	uint32_t *cap = calloc(STEER_MAX_BACKENDS, sizeof(*cap));
	uint32_t n = 0, i;
	int err = ids && fds && cap ? 0 : -ENOMEM;

	for (i = 0; !err && i < plan->n_backends; i++)
		if (plan->backends[i].id < STEER_MAX_BACKENDS)
			cap[plan->backends[i].id] = plan->backends[i].capacity;

	for (i = 0; !err && i < plan->n_tables; i++) {
		const struct dp_plan_table *t = &plan->tables[i];

		if (!t->entries)
			continue;
		err = dp_table_build_sized(dp, t->id, t->entries, plan->config.maglev_size,
					   &fds[n]);
		if (!err)
			ids[n++] = t->id;
		/* its weights before the table: a packet may meet the new
		 * weights with the old table for an instant, never a table
		 * without weights (which only turns the bound off) */
		if (!err)
			err = dp_table_set_write(dp, t->id, t->entries, plan->config.maglev_size,
						 t->standby, t->n_standby, cap);
	}
	if (!err)
		err = dp_tables_swap(dp, ids, fds, n);
	if (!err)
		*written += n;
	for (i = 0; i < n; i++)
		close(fds[i]); /* the outer map holds them now */
	free(cap);
	free(ids);
	free(fds);
	return err;
}

static int class_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct steer_class_key));
}

/* New and changed classes written; the keys of the ones to delete are left in
 * *dead (n_dead) for classes_delete, after the prefixes that lead to them. */
static int classes_apply(struct dp *dp, const struct dp_plan *plan, struct dp_apply_stats *st,
			 struct steer_class_key **dead, size_t *n_dead_out)
{
	struct steer_class_key *keys = N_ALLOC(STEER_MAX_CLASSES, sizeof(*keys));
	struct steer_class *vals = N_ALLOC(STEER_MAX_CLASSES, sizeof(*vals));
	struct dp_plan_class *have = N_ALLOC(STEER_MAX_CLASSES, sizeof(*have));
	struct dp_plan_class *want = N_ALLOC(plan->n_classes, sizeof(*want));
	size_t n = STEER_MAX_CLASSES, n_put = 0, n_dead = 0, i;
	int err = -ENOMEM;

	if (!keys || !vals || !have || !want)
		goto out;
	err = dp_map_read(dp, DP_MAP_CLASSES, keys, vals, &n);
	if (err)
		goto out;
	for (i = 0; i < n; i++) {
		have[i].key = keys[i];
		have[i].val = vals[i];
	}
	memcpy(want, plan->classes, plan->n_classes * sizeof(*want));
	qsort(have, n, sizeof(*have), class_cmp);
	qsort(want, plan->n_classes, sizeof(*want), class_cmp);
	/* keys[] and vals[] now collect the writes, then the deletes */
	for (i = 0; i < plan->n_classes; i++) {
		const struct dp_plan_class *h =
			bsearch(&want[i], have, n, sizeof(*have), class_cmp);

		if (h && !memcmp(&h->val, &want[i].val, sizeof(h->val)))
			continue;
		keys[n_put] = want[i].key;
		vals[n_put++] = want[i].val;
	}
	err = dp_map_write(dp, DP_MAP_CLASSES, keys, vals, n_put);
	if (err)
		goto out;
	st->classes_written += (unsigned int)n_put;
	for (i = 0; i < n; i++)
		if (!bsearch(&have[i], want, plan->n_classes, sizeof(*want), class_cmp))
			keys[n_dead++] = have[i].key;
	*dead = keys; /* the caller deletes them, then frees */
	*n_dead_out = n_dead;
	keys = NULL;
out:
	free(keys);
	free(vals);
	free(have);
	free(want);
	return err;
}

/*
 * The order of writes (docs/design.md, "Publish order"). The data plane
 * indexes a table with hash % config.maglev_size, so the size must never
 * exceed what a table the classes point at holds: a smaller size is
 * published before the new tables (old, larger tables stay valid with it),
 * a larger one after the new tables and the classes pointing at them (the
 * old size indexes the new, larger tables fine). Tables and the classes for
 * new tenant ids are written before the prefixes that lead to them; the
 * prefixes of tenants that go are removed before their classes.
 */
int dp_apply(struct dp *dp, const struct dp_plan *plan, struct dp_apply_stats *st)
{
	struct steer_config cur = { 0 };
	struct steer_class_key *dead = NULL;
	struct steer_backend *be;
	size_t n_dead = 0;
	bool grow;
	int err;

	memset(st, 0, sizeof(*st));
	grow = dp_config_get(dp, &cur) || plan->config.maglev_size > cur.maglev_size;
	if (!grow) {
		err = config_apply(dp, &plan->config);
		if (err)
			return err;
	}
	be = calloc(STEER_MAX_BACKENDS, sizeof(*be));
	if (!be)
		return -ENOMEM;
	err = dp_backends_read_all(dp, be);
	if (err) {
		free(be);
		return err;
	}
	err = backends_apply(dp, plan, be, &st->backends_written);
	/* what a packet may reach first: admission limits, tables, classes */
	if (!err && plan->policy_maps)
		err = tenants_apply(dp, plan, &st->tenants_written);
	if (!err)
		err = tables_apply(dp, plan, &st->tables_written);
	if (!err)
		err = classes_apply(dp, plan, st, &dead, &n_dead);
	if (!err && grow)
		err = config_apply(dp, &plan->config);
	/* then what leads packets there: prefixes (tenant ids), services */
	if (!err && plan->policy_maps) {
		err = prefixes_apply_family(dp, plan, STEER_AF_INET);
		if (!err)
			err = prefixes_apply_family(dp, plan, STEER_AF_INET6);
		if (!err)
			err = services_apply(dp, plan, &st->services_written);
	}
	/* last, what nothing leads to any more */
	if (!err) {
		err = dp_map_delete(dp, DP_MAP_CLASSES, dead, n_dead);
		st->classes_deleted += (unsigned int)n_dead;
	}
	if (!err) {
		err = dp_tables_del(dp, plan->retired_tables, (uint32_t)plan->n_retired_tables);
		st->tables_deleted = (unsigned int)plan->n_retired_tables;
	}
	if (!err)
		err = backends_retire(dp, plan, be, &st->backends_written);
	free(dead);
	free(be);
	return err;
}
