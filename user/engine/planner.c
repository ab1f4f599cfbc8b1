// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The planner's memory (engine.h): the classes the maps hold, sorted by
 * key, with their class and table ids; the contents of every shared
 * table, indexed by content hash; adoption of the maps after a restart;
 * and the queries steerctl and /metrics make of what is published.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/internal.h"
#include "util/util.h"

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

static int cmp_class(const void *a, const void *b)
{
	const struct engine_pl_class *x = a, *y = b;

	return key_cmp(x->tenant_id, x->task, x->family, y->tenant_id, y->task, y->family);
}

/* Index of the class, or of where it would go (with *found false). */
size_t engine_pl_class_find(const struct engine_planner *pub, uint32_t tenant, uint16_t task,
			    uint8_t family, bool *found)
{
	size_t lo = 0, hi = pub->n_classes;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const struct engine_pl_class *c = &pub->classes[mid];
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

struct engine_pl_class *engine_pl_class_insert(struct engine_planner *pub, size_t at,
					       uint32_t tenant, uint16_t task, uint8_t family)
{
	struct engine_pl_class *c;

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

uint64_t engine_pl_set_hash(const struct engine_pl_entry *set, size_t n)
{
	return util_fnv(UTIL_FNV_INIT, set, n * sizeof(*set));
}

bool engine_pl_set_equal(const struct engine_pl_entry *a, size_t na,
			 const struct engine_pl_entry *b, size_t nb)
{
	return na == nb && (!na || !memcmp(a, b, na * sizeof(*a)));
}

/* Table id holding exactly this set, or 0. */
uint32_t engine_pl_table_find(const struct engine_planner *pub, const struct engine_pl_entry *set,
			      size_t n, uint64_t h)
{
	size_t mask = TABLE_HASH_SLOTS - 1, i;

	for (i = h & mask;; i = (i + 1) & mask) {
		uint32_t id = pub->hash_slots[i];
		const struct engine_pl_table *t;

		if (!id)
			return 0;
		t = pub->tables[id];
		if (t && t->hash == h && engine_pl_set_equal(t->set, t->n, set, n))
			return id;
	}
}

/* Rebuild the content index (after deletions; cheap: tables are few). */
void engine_pl_table_index_rebuild(struct engine_planner *pub)
{
	size_t mask = TABLE_HASH_SLOTS - 1, i;
	uint32_t id;

	memset(pub->hash_slots, 0, TABLE_HASH_SLOTS * sizeof(*pub->hash_slots));
	for (id = 1; id < STEER_MAX_TABLES; id++) {
		struct engine_pl_table *t = pub->tables[id];

		if (!t || t->unknown)
			continue;
		for (i = t->hash & mask; pub->hash_slots[i]; i = (i + 1) & mask)
			;
		pub->hash_slots[i] = id;
	}
}

void engine_pl_table_free(struct engine_planner *pub, uint32_t id)
{
	if (!pub->tables[id])
		return;
	free(pub->tables[id]->set);
	free(pub->tables[id]);
	pub->tables[id] = NULL;
}

uint32_t engine_pl_table_alloc_id(const struct engine_planner *pub)
{
	uint32_t id;

	for (id = 1; id < STEER_MAX_TABLES; id++)
		if (!pub->tables[id])
			return id;
	return 0;
}

struct engine_pl_table *engine_pl_table_record(const struct engine_pl_entry *set, size_t n,
					       uint64_t h)
{
	struct engine_pl_table *t = calloc(1, sizeof(*t));

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

uint32_t engine_pl_class_alloc_id(struct engine_planner *pub)
{
	uint32_t id;

	for (id = 0; id < STEER_MAX_CLASSES; id++)
		if (!pub->class_ids_used[id]) {
			pub->class_ids_used[id] = 1;
			return id;
		}
	return UINT32_MAX;
}

/* Effective set of a class after hysteresis: the live one (its table's
 * content) unless a member came or went, or a weight moved more than h
 * (fraction of the scale). */
const struct engine_pl_table *engine_pl_live_table(const struct engine_planner *pub,
						   const struct engine_pl_class *c)
{
	const struct engine_pl_table *t = c->table_id ? pub->tables[c->table_id] : NULL;

	if (!c->known || c->action != STEER_ACTION_TABLE || !t || t->unknown)
		return NULL;
	return t;
}

int engine_planner_adopt(struct engine_planner *pub, const struct steer_config *cfg,
			 const struct steer_class_key *keys, const struct steer_class *vals,
			 size_t n)
{
	size_t i;

	pub->n_classes = 0;
	for (i = 0; i < STEER_MAX_TABLES; i++)
		engine_pl_table_free(pub, (uint32_t)i);
	memset(pub->class_ids_used, 0, STEER_MAX_CLASSES);
	pub->policy_sig = 0;
	pub->maglev_size = cfg ? cfg->maglev_size : 0;
	pub->hash_seed = cfg ? cfg->hash_seed : 0;
	if (n > pub->cap_classes) {
		void *c = realloc(pub->classes, n * sizeof(*pub->classes));

		if (!c)
			return -ENOMEM;
		pub->classes = c;
		pub->cap_classes = n;
	}
	for (i = 0; i < n; i++) {
		struct engine_pl_class *c = &pub->classes[pub->n_classes];
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
			pub->tables[v->table_id] = calloc(1, sizeof(struct engine_pl_table));
			if (!pub->tables[v->table_id])
				return -ENOMEM;
			pub->tables[v->table_id]->unknown = true;
		}
		if (v->table_id)
			pub->tables[v->table_id]->refs++;
		pub->n_classes++;
	}
	if (pub->n_classes) /* qsort(NULL, 0) is undefined (UBSan, make test-asan) */
		qsort(pub->classes, pub->n_classes, sizeof(*pub->classes), cmp_class);
	engine_pl_table_index_rebuild(pub);
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
		engine_pl_table_free(pub, (uint32_t)i);
		if (pub->built)
			free(pub->built[i]);
	}
	free(pub->hash_slots);
	free(pub->class_ids_used);
	free(pub->built);
	free(pub->retired);
	free(pub);
}

void engine_planner_totals(const struct engine_planner *pub, struct engine_pub_stats *st)
{
	uint32_t id;

	st->tables_live = 0;
	for (id = 1; id < STEER_MAX_TABLES; id++)
		st->tables_live += pub->tables[id] != NULL;
	st->classes_live = (unsigned int)pub->n_classes;
}

int engine_planner_class_lookup(const struct engine_planner *pub, uint32_t tenant_id, uint32_t task,
				uint8_t family, uint32_t *class_id, uint32_t *table_id)
{
	bool found;
	size_t at = engine_pl_class_find(pub, tenant_id, (uint16_t)task, family, &found);

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
	size_t at = engine_pl_class_find(pub, tenant_id, (uint16_t)task, family, &found), i;
	const struct engine_pl_table *t;

	if (!found)
		return 0;
	t = engine_pl_live_table(pub, &pub->classes[at]);
	for (i = 0; t && i < t->n; i++)
		if (t->set[i].id == backend_id)
			return t->set[i].weight;
	return 0;
}
