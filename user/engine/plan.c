// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Planning the classes and their shared Maglev tables (engine.h): which
 * class points at which table, which tables need new contents, which
 * tables nothing uses any more. Order does not matter here: dp_apply
 * writes the plan in the order that keeps packets consistent.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "engine/engine.h"
#include "engine/internal.h"
#include "util/util.h"

/* The Maglev table of a set: the new contents of table id in this plan. */
static int table_fill(struct engine_planner *pub, const struct policy *p,
		      const struct engine_pl_entry *set, size_t n, uint32_t id)
{
	struct engine_maglev_backend *mb = calloc(n + 1, sizeof(*mb));
	uint32_t *entries = calloc(p->maglev_size, sizeof(*entries));
	size_t i;
	int err = -ENOMEM;

	if (!mb || !entries)
		goto fail;
	for (i = 0; i < n; i++) {
		uint32_t at =
			set[i].id < STEER_MAX_BACKENDS ? pub->index_of[set[i].id] : UINT32_MAX;
		const struct policy_backend *b;

		err = -EINVAL;
		if (at >= p->n_backends || p->backends[at].id != set[i].id)
			goto fail;
		b = &p->backends[at];
		mb[i].key = engine_maglev_key(b->addr, b->family, htons(b->port));
		mb[i].id = set[i].id;
		mb[i].weight = set[i].weight;
	}
	err = engine_maglev_build(mb, n, p->maglev_size, p->hash_seed, entries);
	if (err)
		goto fail;
	free(mb);
	free(pub->built[id]); /* rewritten twice in one plan: the last one counts */
	pub->built[id] = entries;
	return 0;
fail:
	free(mb);
	free(entries);
	return err;
}

/* A new table for a set (queued for the swap); returns its id or 0. */
static uint32_t table_create(struct engine_planner *pub, const struct policy *p,
			     const struct engine_pl_entry *set, size_t n, uint64_t h, int *err)
{
	uint32_t id = engine_pl_table_alloc_id(pub);
	struct engine_pl_table *t;

	*err = -ENOSPC;
	if (!id)
		return 0;
	*err = -ENOMEM;
	t = engine_pl_table_record(set, n, h);
	if (!t)
		return 0;
	*err = table_fill(pub, p, set, n, id);
	if (*err) {
		free(t->set);
		free(t);
		return 0;
	}
	pub->tables[id] = t;
	engine_pl_table_index_rebuild(pub);
	return id;
}

/* Did a member come or go, or a weight move more than h (a fraction of
 * the scale)? Else the class keeps its live set (hysteresis). */
static bool set_moved(const struct engine_pl_table *t, const struct engine_pl_entry *set, size_t n,
		      double h)
{
	size_t i;

	if (!t || t->n != n)
		return true;
	for (i = 0; i < n; i++) {
		if (t->set[i].id != set[i].id)
			return true;
		if (fabs((double)t->set[i].weight - (double)set[i].weight) >
		    h * ENGINE_WEIGHT_SCALE)
			return true;
	}
	return false;
}

/* One class's wish in this round. */
struct pending {
	size_t ci;		     /* index into pub->classes */
	struct engine_pl_entry *set; /* effective set (NULL: reject) */
	bool shared;		     /* set belongs to an earlier pending (a twin) */
	size_t n;
	uint64_t hash;
	uint32_t table_id; /* target table (0: reject) */
};

/* Per old table: do all its classes move to one same new content? */
struct regroup {
	uint64_t hash;
	const struct pending *first;
	unsigned int count;
	bool mixed;
};

/* Pass 1: every decided class exists (inserts shift indices: do them first). */
static int ensure_classes(struct engine_planner *pub, const struct policy *p,
			  const struct engine_decisions *dec)
{
	size_t i;

	for (i = 0; i < dec->n; i++) {
		const struct engine_decision *d = &dec->d[i];
		uint32_t tid = p->tenants[d->tenant].id;
		struct engine_pl_class *c;
		bool found;
		size_t at = engine_pl_class_find(pub, tid, (uint16_t)d->task, d->family, &found);

		if (found) {
			pub->classes[at].seen = true;
			continue;
		}
		c = engine_pl_class_insert(pub, at, tid, (uint16_t)d->task, d->family);
		if (!c)
			return -ENOMEM;
		c->class_id = engine_pl_class_alloc_id(pub);
		c->seen = true;
		if (c->class_id == UINT32_MAX)
			return -ENOSPC;
	}
	return 0;
}

/*
 * Pass 2: effective sets after hysteresis. Tenants of one profile share
 * their decision's set (decide.c): classes with the same decided set and
 * the same live table get one effective set, not a copy each (at 16k
 * classes x 4k backends, copies were gigabytes).
 */
static int effective_sets(struct engine_planner *pub, const struct policy *p,
			  const struct engine_decisions *dec, struct pending *pd, bool resized)
{
	size_t slots = 1, i, j, k;
	size_t *seen;
	int err = 0;

	while (slots < 2 * dec->n + 2)
		slots <<= 1;
	seen = calloc(slots, sizeof(*seen)); /* pending index + 1 */
	if (!seen)
		return -ENOMEM;
	for (i = 0; i < dec->n && !err; i++) {
		const struct engine_decision *d = &dec->d[i];
		struct pending *x = &pd[i];
		const struct engine_pl_table *live;
		bool found;
		uint64_t key;

		x->ci = engine_pl_class_find(pub, p->tenants[d->tenant].id, (uint16_t)d->task,
					     d->family, &found);
		if (d->kind != ENGINE_DEC_TABLE)
			continue;
		live = resized ? NULL : engine_pl_live_table(pub, &pub->classes[x->ci]);
		key = util_fnv(util_fnv(UTIL_FNV_INIT, &d->set, sizeof(d->set)), &live,
			       sizeof(live));
		for (k = key & (slots - 1); seen[k]; k = (k + 1) & (slots - 1)) {
			const struct pending *o = &pd[seen[k] - 1];
			const struct engine_decision *od = &dec->d[seen[k] - 1];

			if (od->set == d->set && od->n_set == d->n_set &&
			    (resized ? NULL : engine_pl_live_table(pub, &pub->classes[o->ci])) ==
				    live) {
				x->set = o->set;
				x->n = o->n;
				x->hash = o->hash;
				x->shared = true;
				break;
			}
		}
		if (x->shared)
			continue;
		seen[k] = i + 1;
		x->set = calloc(d->n_set + 1, sizeof(*x->set));
		if (!x->set) {
			err = -ENOMEM;
			break;
		}
		x->n = d->n_set;
		for (j = 0; j < d->n_set; j++) {
			x->set[j].id = p->backends[d->set[j].backend].id;
			x->set[j].weight = d->set[j].weight;
		}
		if (live && !set_moved(live, x->set, x->n, p->hysteresis))
			memcpy(x->set, live->set, x->n * sizeof(*x->set)); /* keep what is live */
		x->hash = engine_pl_set_hash(x->set, x->n);
	}
	free(seen);
	return err;
}

/* New content for table id, in place: the classes pointing at it stay. */
static int table_rewrite(struct engine_planner *pub, const struct policy *p, uint32_t id,
			 const struct pending *x)
{
	struct engine_pl_table *t = engine_pl_table_record(x->set, x->n, x->hash);
	int err;

	if (!t)
		return -ENOMEM;
	err = table_fill(pub, p, x->set, x->n, id);
	if (err) {
		free(t->set);
		free(t);
		return err;
	}
	t->refs = pub->tables[id]->refs;
	engine_pl_table_free(pub, id);
	pub->tables[id] = t;
	engine_pl_table_index_rebuild(pub);
	return 0;
}

/*
 * Pass 3: a table for every content. Existing content: shared. A table
 * whose classes all move to the same new content is rewritten in place, so
 * none of them needs a class write (the common case: load shifts weights
 * of a whole group). Anything else gets a new table.
 */
static int choose_tables(struct engine_planner *pub, const struct policy *p, struct pending *pd,
			 size_t n, struct regroup *rg)
{
	size_t i;
	int err;

	memset(rg, 0, sizeof(*rg) * STEER_MAX_TABLES);
	for (i = 0; i < n; i++) {
		struct pending *x = &pd[i];
		uint32_t old = pub->classes[x->ci].table_id;
		struct regroup *g;

		/* adopted classes too: after a restart nothing needs rewriting */
		if (!x->set || !old || !pub->tables[old] ||
		    pub->classes[x->ci].action != STEER_ACTION_TABLE)
			continue;
		g = &rg[old];
		if (!g->count) {
			g->hash = x->hash;
			g->first = x;
		} else if (g->hash != x->hash ||
			   !engine_pl_set_equal(g->first->set, g->first->n, x->set, x->n)) {
			g->mixed = true;
		}
		g->count++;
	}
	for (i = 0; i < n; i++) {
		struct pending *x = &pd[i];
		uint32_t old = pub->classes[x->ci].table_id;

		if (!x->set)
			continue;
		x->table_id = engine_pl_table_find(pub, x->set, x->n, x->hash);
		if (x->table_id)
			continue;
		if (old && pub->tables[old] && rg[old].count &&
		    rg[old].count == pub->tables[old]->refs && !rg[old].mixed) {
			err = table_rewrite(pub, p, old, x);
			if (err)
				return err;
			x->table_id = old;
			continue;
		}
		x->table_id = table_create(pub, p, x->set, x->n, x->hash, &err);
		if (!x->table_id)
			return err;
	}
	return 0;
}

/* Pass 4: every decided class points at its table now (refs follow). */
static void point_classes(struct engine_planner *pub, const struct engine_decisions *dec,
			  const struct pending *pd)
{
	size_t i;

	for (i = 0; i < dec->n; i++) {
		struct engine_pl_class *c = &pub->classes[pd[i].ci];
		uint8_t action = pd[i].set ? STEER_ACTION_TABLE : STEER_ACTION_REJECT;

		c->known = true; /* the maps will hold what its table says */
		if (c->table_id == pd[i].table_id && c->action == action)
			continue;
		if (pd[i].table_id)
			pub->tables[pd[i].table_id]->refs++;
		if (c->table_id && pub->tables[c->table_id])
			pub->tables[c->table_id]->refs--;
		c->table_id = pd[i].table_id;
		c->action = action;
	}
}

static int plan_classes(struct engine_planner *pub, const struct policy *p,
			const struct engine_decisions *dec, bool resized)
{
	struct pending *pd = calloc(dec->n + 1, sizeof(*pd));
	struct regroup *rg = calloc(STEER_MAX_TABLES, sizeof(*rg));
	size_t i;
	int err = -ENOMEM;

	if (pd && rg) {
		err = ensure_classes(pub, p, dec);
		if (!err)
			err = effective_sets(pub, p, dec, pd, resized);
		if (!err)
			err = choose_tables(pub, p, pd, dec->n, rg);
		if (!err)
			point_classes(pub, dec, pd);
	}
	for (i = 0; pd && i < dec->n; i++)
		if (!pd[i].shared)
			free(pd[i].set);
	free(pd);
	free(rg);
	return err;
}

/* Classes no longer decided go, then tables no class uses. */
static void retire(struct engine_planner *pub)
{
	size_t i, j = 0;
	uint32_t id;

	for (i = 0; i < pub->n_classes; i++) {
		struct engine_pl_class *c = &pub->classes[i];

		if (c->seen) {
			pub->classes[j++] = *c;
			continue;
		}
		if (c->table_id && pub->tables[c->table_id])
			pub->tables[c->table_id]->refs--;
		pub->class_ids_used[c->class_id] = 0;
	}
	pub->n_classes = j;
	for (id = 1; id < STEER_MAX_TABLES; id++) {
		if (!pub->tables[id] || pub->tables[id]->refs)
			continue;
		pub->retired[pub->n_retired++] = id;
		engine_pl_table_free(pub, id);
		free(pub->built[id]);
		pub->built[id] = NULL;
	}
	engine_pl_table_index_rebuild(pub);
}

/* The members of t without slots (decide.c: add_standby), for the bound's
 * set; the plan owns the list. */
static int standby_of(const struct engine_pl_table *t, struct dp_plan_table *x)
{
	uint32_t *ids;
	size_t i, n = 0;

	for (i = 0; i < t->n; i++)
		n += !t->set[i].weight;
	if (!n)
		return 0;
	ids = calloc(n, sizeof(*ids));
	if (!ids)
		return -ENOMEM;
	for (i = 0; i < t->n; i++)
		if (!t->set[i].weight)
			ids[x->n_standby++] = t->set[i].id;
	x->standby = ids;
	return 0;
}

/* The plan's classes and tables: what the planner holds now. */
static int compose(struct engine_planner *pub, struct dp_plan *plan)
{
	size_t i, n_tables = 0;
	uint32_t id;

	for (id = 1; id < STEER_MAX_TABLES; id++)
		n_tables += pub->tables[id] != NULL;
	plan->classes = calloc(pub->n_classes + 1, sizeof(*plan->classes));
	plan->tables = calloc(n_tables + 1, sizeof(*plan->tables));
	plan->retired_tables = calloc(pub->n_retired + 1, sizeof(*plan->retired_tables));
	if (!plan->classes || !plan->tables || !plan->retired_tables)
		return -ENOMEM;
	for (i = 0; i < pub->n_classes; i++) {
		const struct engine_pl_class *c = &pub->classes[i];
		struct dp_plan_class *x = &plan->classes[plan->n_classes++];

		x->key = (struct steer_class_key){c->tenant_id, c->task, c->family, 0};
		x->val.class_id = c->class_id;
		x->val.table_id = c->table_id;
		x->val.action = c->action;
	}
	for (id = 1; id < STEER_MAX_TABLES; id++) {
		struct dp_plan_table *x = &plan->tables[plan->n_tables];

		if (!pub->tables[id])
			continue;
		x->id = id;
		x->entries = pub->built[id]; /* the plan owns it now */
		pub->built[id] = NULL;
		plan->n_tables++;
		if (x->entries && standby_of(pub->tables[id], x))
			return -ENOMEM;
	}
	memcpy(plan->retired_tables, pub->retired, pub->n_retired * sizeof(*pub->retired));
	plan->n_retired_tables = pub->n_retired;
	return 0;
}

int engine_plan(struct engine_planner *pub, const struct policy *p, const struct engine_live *live,
		const struct engine_decisions *dec, struct dp_plan *plan)
{
	/* anything that changes every table's contents: size or seed */
	bool resized = pub->maglev_size &&
		       (pub->maglev_size != p->maglev_size || pub->hash_seed != p->hash_seed);
	uint64_t sig;
	size_t i;
	uint32_t id;
	int err;

	memset(plan, 0, sizeof(*plan));
	memset(pub->index_of, 0xff, sizeof(pub->index_of));
	for (i = 0; i < p->n_backends; i++)
		pub->index_of[p->backends[i].id] = (uint32_t)i;
	engine_plan_config(p, &plan->config);
	err = engine_plan_backends(p, live, plan);
	/* tenants and services change only with the policy: leave them otherwise */
	sig = engine_plan_policy_sig(p);
	if (!err && sig != pub->policy_sig) {
		plan->policy_maps = true;
		err = engine_plan_tenants(p, plan);
		if (!err)
			err = engine_plan_services(p, plan);
		if (!err)
			pub->policy_sig = sig;
	}
	for (i = 0; i < pub->n_classes; i++)
		pub->classes[i].seen = false;
	if (resized) {
		/* every table has the old size or seed: none may be reused */
		for (id = 1; id < STEER_MAX_TABLES; id++)
			if (pub->tables[id])
				pub->tables[id]->unknown = true;
		engine_pl_table_index_rebuild(pub);
	}
	pub->n_retired = 0;
	if (!err)
		err = plan_classes(pub, p, dec, resized);
	if (!err)
		retire(pub);
	if (!err)
		err = compose(pub, plan);
	if (!err) {
		pub->maglev_size = p->maglev_size;
		pub->hash_seed = p->hash_seed;
	}
	return err;
}

void engine_plan_free(struct dp_plan *plan)
{
	size_t i;

	for (i = 0; i < plan->n_tables; i++) {
		free((void *)plan->tables[i].entries);
		free((void *)plan->tables[i].standby);
	}
	free(plan->backends);
	free(plan->tenants);
	free(plan->prefixes);
	free(plan->services);
	free(plan->tables);
	free(plan->classes);
	free(plan->retired_tables);
	memset(plan, 0, sizeof(*plan));
}
