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

#define TABLE_HASH_SLOTS (2 * STEER_MAX_TABLES) /* open addressing, power of two */

struct pub_entry {
	uint32_t id;	 /* backend id */
	uint32_t weight;
};

struct pub_table {
	uint64_t hash;
	struct pub_entry *set;
	size_t n;
	unsigned int refs;
	bool unknown;	/* found in the maps at start: content not known */
};

struct pub_class {
	uint32_t tenant_id;
	uint16_t task;
	uint8_t family;
	uint8_t action;
	uint32_t class_id;
	uint32_t table_id;	/* 0 with action reject; its content is the live set */
	bool known;		/* table content is what the maps hold (false: adopted) */
	bool seen;		/* in the current decisions */
};

struct engine_planner {
	struct pub_class *classes;	/* sorted by key */
	size_t n_classes, cap_classes;
	struct pub_table *tables[STEER_MAX_TABLES]; /* by table id; [0] unused */
	uint32_t *hash_slots;		/* content hash -> table id */
	uint8_t *class_ids_used;	/* STEER_MAX_CLASSES */
	uint64_t policy_sig;		/* tenants + services last planned */
	uint32_t maglev_size;		/* of the tables planned so far; 0: none */
	uint32_t index_of[STEER_MAX_BACKENDS];	/* backend id -> policy index (this plan) */
	uint32_t **built;		/* by table id: new contents in this plan */
	uint32_t *retired;		/* table ids this plan frees */
	size_t n_retired;
};

static int key_cmp(uint32_t t1, uint16_t k1, uint8_t f1, uint32_t t2, uint16_t k2, uint8_t f2)
{
	if (t1 != t2)
		return t1 < t2 ? -1 : 1;
	if (k1 != k2)
		return k1 < k2 ? -1 : 1;
	if (f1 != f2)
		return f1 < f2 ? -1 : 1;
	return 0;
}

/* Index of the class, or of where it would go (with *found false). */
static size_t class_find(const struct engine_planner *pub, uint32_t tenant, uint16_t task,
			 uint8_t family, bool *found)
{
	size_t lo = 0, hi = pub->n_classes;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const struct pub_class *c = &pub->classes[mid];
		int r = key_cmp(c->tenant_id, c->task, c->family, tenant, task, family);

		if (!r) {
			*found = true;
			return mid;
		}
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

static struct pub_class *class_insert(struct engine_planner *pub, size_t at, uint32_t tenant,
				      uint16_t task, uint8_t family)
{
	struct pub_class *c;

	if (pub->n_classes == pub->cap_classes) {
		size_t cap = pub->cap_classes ? pub->cap_classes * 2 : 256;
		void *n = realloc(pub->classes, cap * sizeof(*pub->classes));

		if (!n)
			return NULL;
		pub->classes = n;
		pub->cap_classes = cap;
	}
	memmove(&pub->classes[at + 1], &pub->classes[at],
		(pub->n_classes - at) * sizeof(*pub->classes));
	pub->n_classes++;
	c = &pub->classes[at];
	memset(c, 0, sizeof(*c));
	c->tenant_id = tenant;
	c->task = task;
	c->family = family;
	return c;
}

static uint64_t set_hash(const struct pub_entry *set, size_t n)
{
	return util_fnv(UTIL_FNV_INIT, set, n * sizeof(*set));
}

static bool set_equal(const struct pub_entry *a, size_t na, const struct pub_entry *b, size_t nb)
{
	return na == nb && (!na || !memcmp(a, b, na * sizeof(*a)));
}

/* Table id holding exactly this set, or 0. */
static uint32_t table_find(const struct engine_planner *pub, const struct pub_entry *set,
			   size_t n, uint64_t h)
{
	size_t mask = TABLE_HASH_SLOTS - 1, i;

	for (i = h & mask;; i = (i + 1) & mask) {
		uint32_t id = pub->hash_slots[i];
		const struct pub_table *t;

		if (!id)
			return 0;
		t = pub->tables[id];
		if (t && t->hash == h && set_equal(t->set, t->n, set, n))
			return id;
	}
}

/* Rebuild the content index (after deletions; cheap: tables are few). */
static void table_index_rebuild(struct engine_planner *pub)
{
	size_t mask = TABLE_HASH_SLOTS - 1, i;
	uint32_t id;

	memset(pub->hash_slots, 0, TABLE_HASH_SLOTS * sizeof(*pub->hash_slots));
	for (id = 1; id < STEER_MAX_TABLES; id++) {
		struct pub_table *t = pub->tables[id];

		if (!t || t->unknown)
			continue;
		for (i = t->hash & mask; pub->hash_slots[i]; i = (i + 1) & mask)
			;
		pub->hash_slots[i] = id;
	}
}

static void table_free(struct engine_planner *pub, uint32_t id)
{
	if (!pub->tables[id])
		return;
	free(pub->tables[id]->set);
	free(pub->tables[id]);
	pub->tables[id] = NULL;
}

static uint32_t table_alloc_id(const struct engine_planner *pub)
{
	uint32_t id;

	for (id = 1; id < STEER_MAX_TABLES; id++)
		if (!pub->tables[id])
			return id;
	return 0;
}

/* The Maglev table of a set: the new contents of table id in this plan. */
static int table_fill(struct engine_planner *pub, const struct policy *p,
		      const struct pub_entry *set, size_t n, uint32_t id)
{
	struct engine_maglev_backend *mb = calloc(n + 1, sizeof(*mb));
	uint32_t *entries = calloc(p->maglev_size, sizeof(*entries));
	size_t i;
	int err = -ENOMEM;

	if (!mb || !entries)
		goto fail;
	for (i = 0; i < n; i++) {
		uint32_t at = set[i].id < STEER_MAX_BACKENDS ? pub->index_of[set[i].id] : UINT32_MAX;
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

static struct pub_table *table_record(const struct pub_entry *set, size_t n, uint64_t h)
{
	struct pub_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->set = calloc(n + 1, sizeof(*t->set));
	if (!t->set) {
		free(t);
		return NULL;
	}
	memcpy(t->set, set, n * sizeof(*set));
	t->n = n;
	t->hash = h;
	return t;
}

/* A new table for a set (queued for the swap); returns its id or 0. */
static uint32_t table_create(struct engine_planner *pub, const struct policy *p,
			     const struct pub_entry *set, size_t n, uint64_t h, int *err)
{
	uint32_t id = table_alloc_id(pub);
	struct pub_table *t;

	*err = -ENOSPC;
	if (!id)
		return 0;
	*err = -ENOMEM;
	t = table_record(set, n, h);
	if (!t)
		return 0;
	*err = table_fill(pub, p, set, n, id);
	if (*err) {
		free(t->set);
		free(t);
		return 0;
	}
	pub->tables[id] = t;
	table_index_rebuild(pub);
	return id;
}

static uint32_t class_alloc_id(struct engine_planner *pub)
{
	uint32_t id;

	for (id = 0; id < STEER_MAX_CLASSES; id++)
		if (!pub->class_ids_used[id]) {
			pub->class_ids_used[id] = 1;
			return id;
		}
	return UINT32_MAX;
}

static int cmp_class(const void *a, const void *b)
{
	const struct pub_class *x = a, *y = b;

	return key_cmp(x->tenant_id, x->task, x->family, y->tenant_id, y->task, y->family);
}

int engine_planner_adopt(struct engine_planner *pub, const struct steer_config *cfg,
			 const struct steer_class_key *keys, const struct steer_class *vals,
			 size_t n)
{
	size_t i;

	pub->n_classes = 0;
	for (i = 0; i < STEER_MAX_TABLES; i++)
		table_free(pub, (uint32_t)i);
	memset(pub->class_ids_used, 0, STEER_MAX_CLASSES);
	pub->policy_sig = 0;
	pub->maglev_size = cfg ? cfg->maglev_size : 0;
	if (n > pub->cap_classes) {
		void *c = realloc(pub->classes, n * sizeof(*pub->classes));

		if (!c)
			return -ENOMEM;
		pub->classes = c;
		pub->cap_classes = n;
	}
	for (i = 0; i < n; i++) {
		struct pub_class *c = &pub->classes[pub->n_classes];
		const struct steer_class *v = &vals[i];

		if (v->class_id >= STEER_MAX_CLASSES || v->table_id >= STEER_MAX_TABLES ||
		    pub->class_ids_used[v->class_id])
			continue;
		memset(c, 0, sizeof(*c));
		c->tenant_id = keys[i].tenant;
		c->task = keys[i].task;
		c->family = keys[i].family;
		c->class_id = v->class_id;
		c->table_id = v->table_id;
		c->action = (uint8_t)v->action;
		pub->class_ids_used[v->class_id] = 1;
		if (v->table_id && !pub->tables[v->table_id]) {
			pub->tables[v->table_id] = calloc(1, sizeof(struct pub_table));
			if (!pub->tables[v->table_id])
				return -ENOMEM;
			pub->tables[v->table_id]->unknown = true;
		}
		if (v->table_id)
			pub->tables[v->table_id]->refs++;
		pub->n_classes++;
	}
	qsort(pub->classes, pub->n_classes, sizeof(*pub->classes), cmp_class);
	table_index_rebuild(pub);
	return 0;
}

int engine_planner_new(struct engine_planner **out)
{
	struct engine_planner *pub = calloc(1, sizeof(*pub));

	*out = NULL;
	if (!pub)
		return -ENOMEM;
	pub->hash_slots = calloc(TABLE_HASH_SLOTS, sizeof(*pub->hash_slots));
	pub->class_ids_used = calloc(STEER_MAX_CLASSES, 1);
	pub->built = calloc(STEER_MAX_TABLES, sizeof(*pub->built));
	pub->retired = calloc(STEER_MAX_TABLES, sizeof(*pub->retired));
	if (!pub->hash_slots || !pub->class_ids_used || !pub->built || !pub->retired) {
		engine_planner_free(pub);
		return -ENOMEM;
	}
	*out = pub;
	return 0;
}

void engine_planner_free(struct engine_planner *pub)
{
	size_t i;

	if (!pub)
		return;
	free(pub->classes);
	for (i = 0; i < STEER_MAX_TABLES; i++) {
		table_free(pub, (uint32_t)i);
		if (pub->built)
			free(pub->built[i]);
	}
	free(pub->hash_slots);
	free(pub->class_ids_used);
	free(pub->built);
	free(pub->retired);
	free(pub);
}

/* Effective set of a class after hysteresis: the live one (its table's
 * content) unless a member came or went, or a weight moved more than h
 * (fraction of the scale). */
static const struct pub_table *live_table(const struct engine_planner *pub,
					  const struct pub_class *c)
{
	const struct pub_table *t = c->table_id ? pub->tables[c->table_id] : NULL;

	if (!c->known || c->action != STEER_ACTION_TABLE || !t || t->unknown)
		return NULL;
	return t;
}

static bool set_moved(const struct pub_table *t, const struct pub_entry *set, size_t n, double h)
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
	size_t ci;		/* index into pub->classes */
	struct pub_entry *set;	/* effective set (NULL: reject) */
	bool shared;		/* set belongs to an earlier pending (a twin) */
	size_t n;
	uint64_t hash;
	uint32_t table_id;	/* target table (0: reject) */
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
		struct pub_class *c;
		bool found;
		size_t at = class_find(pub, tid, (uint16_t)d->task, d->family, &found);

		if (found) {
			pub->classes[at].seen = true;
			continue;
		}
		c = class_insert(pub, at, tid, (uint16_t)d->task, d->family);
		if (!c)
			return -ENOMEM;
		c->class_id = class_alloc_id(pub);
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
		const struct pub_table *live;
		bool found;
		uint64_t key;

		x->ci = class_find(pub, p->tenants[d->tenant].id, (uint16_t)d->task, d->family,
				   &found);
		if (d->kind != ENGINE_DEC_TABLE)
			continue;
		live = resized ? NULL : live_table(pub, &pub->classes[x->ci]);
		key = util_fnv(util_fnv(UTIL_FNV_INIT, &d->set, sizeof(d->set)), &live,
				sizeof(live));
		for (k = key & (slots - 1); seen[k]; k = (k + 1) & (slots - 1)) {
			const struct pending *o = &pd[seen[k] - 1];
			const struct engine_decision *od = &dec->d[seen[k] - 1];

			if (od->set == d->set && od->n_set == d->n_set &&
			    (resized ? NULL : live_table(pub, &pub->classes[o->ci])) == live) {
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
		x->hash = set_hash(x->set, x->n);
	}
	free(seen);
	return err;
}

/* New content for table id, in place: the classes pointing at it stay. */
static int table_rewrite(struct engine_planner *pub, const struct policy *p, uint32_t id,
			 const struct pending *x)
{
	struct pub_table *t = table_record(x->set, x->n, x->hash);
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
	table_free(pub, id);
	pub->tables[id] = t;
	table_index_rebuild(pub);
	return 0;
}

/*
 * Pass 3: a table for every content. Existing content: shared. A table
 * whose classes all move to the same new content is rewritten in place, so
 * none of them needs a class write (the common case: load shifts weights
 * of a whole group). Anything else gets a new table.
 */
static int choose_tables(struct engine_planner *pub, const struct policy *p,
			 struct pending *pd, size_t n, struct regroup *rg)
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
			   !set_equal(g->first->set, g->first->n, x->set, x->n)) {
			g->mixed = true;
		}
		g->count++;
	}
	for (i = 0; i < n; i++) {
		struct pending *x = &pd[i];
		uint32_t old = pub->classes[x->ci].table_id;

		if (!x->set)
			continue;
		x->table_id = table_find(pub, x->set, x->n, x->hash);
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
		struct pub_class *c = &pub->classes[pd[i].ci];
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
		struct pub_class *c = &pub->classes[i];

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
		table_free(pub, id);
		free(pub->built[id]);
		pub->built[id] = NULL;
	}
	table_index_rebuild(pub);
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
		const struct pub_class *c = &pub->classes[i];
		struct dp_plan_class *x = &plan->classes[plan->n_classes++];

		x->key = (struct steer_class_key){ c->tenant_id, c->task, c->family, 0 };
		x->val.class_id = c->class_id;
		x->val.table_id = c->table_id;
		x->val.action = c->action;
	}
	for (id = 1; id < STEER_MAX_TABLES; id++) {
		if (!pub->tables[id])
			continue;
		plan->tables[plan->n_tables].id = id;
		plan->tables[plan->n_tables++].entries = pub->built[id]; /* the plan owns it now */
		pub->built[id] = NULL;
	}
	memcpy(plan->retired_tables, pub->retired, pub->n_retired * sizeof(*pub->retired));
	plan->n_retired_tables = pub->n_retired;
	return 0;
}

int engine_plan(struct engine_planner *pub, const struct policy *p,
		const struct engine_live *live, const struct engine_decisions *dec,
		struct dp_plan *plan)
{
	bool resized = pub->maglev_size && pub->maglev_size != p->maglev_size;
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
		/* every table has the old size: none may be reused */
		for (id = 1; id < STEER_MAX_TABLES; id++)
			if (pub->tables[id])
				pub->tables[id]->unknown = true;
		table_index_rebuild(pub);
	}
	pub->n_retired = 0;
	if (!err)
		err = plan_classes(pub, p, dec, resized);
	if (!err)
		retire(pub);
	if (!err)
		err = compose(pub, plan);
	if (!err)
		pub->maglev_size = p->maglev_size;
	return err;
}

void engine_plan_free(struct dp_plan *plan)
{
	size_t i;

	for (i = 0; i < plan->n_tables; i++)
		free((void *)plan->tables[i].entries);
	free(plan->backends);
	free(plan->tenants);
	free(plan->prefixes);
	free(plan->services);
	free(plan->tables);
	free(plan->classes);
	free(plan->retired_tables);
	memset(plan, 0, sizeof(*plan));
}

void engine_planner_totals(const struct engine_planner *pub, struct engine_pub_stats *st)
{
	uint32_t id;

	st->tables_live = 0;
	for (id = 1; id < STEER_MAX_TABLES; id++)
		st->tables_live += pub->tables[id] != NULL;
	st->classes_live = (unsigned int)pub->n_classes;
}

int engine_planner_class_lookup(const struct engine_planner *pub, uint32_t tenant_id,
				uint32_t task, uint8_t family, uint32_t *class_id,
				uint32_t *table_id)
{
	bool found;
	size_t at = class_find(pub, tenant_id, (uint16_t)task, family, &found);

	if (!found)
		return -ENOENT;
	*class_id = pub->classes[at].class_id;
	*table_id = pub->classes[at].table_id;
	return 0;
}

uint32_t engine_planner_class_weight(const struct engine_planner *pub, uint32_t tenant_id,
				     uint32_t task, uint8_t family, uint32_t backend_id)
{
	bool found;
	size_t at = class_find(pub, tenant_id, (uint16_t)task, family, &found), i;
	const struct pub_table *t;

	if (!found)
		return 0;
	t = live_table(pub, &pub->classes[at]);
	for (i = 0; t && i < t->n; i++)
		if (t->set[i].id == backend_id)
			return t->set[i].weight;
	return 0;
}
