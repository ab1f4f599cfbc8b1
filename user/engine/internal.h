/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The engine's own shared parts: decide.c and candidates.c; the
 * policy-level maps (plan_policy.c) and the planner, used by plan.c. */
#ifndef STEER_ENGINE_INTERNAL_H
#define STEER_ENGINE_INTERNAL_H

#include "engine/engine.h"

/* ---- decide.c and candidates.c ---- */

static inline double engine_clamp01(double v)
{
	if (!(v > 0)) /* NaN too */
		return 0;
	return v > 1 ? 1 : v;
}

/* At the server's own limit (Chitu): it refuses what it gets beyond it. */
bool engine_at_server_limit(const struct engine_live *l);

/* The config map's one entry, from the policy settings. */
void engine_plan_config(const struct policy *p, struct steer_config *cfg);
/* Every policy backend with its data plane state. */
int engine_plan_backends(const struct policy *p, const struct engine_live *live,
			 struct dp_plan *plan);
/* Tenant limits and prefixes. */
int engine_plan_tenants(const struct policy *p, struct dp_plan *plan);
int engine_plan_services(const struct policy *p, struct dp_plan *plan);
/* Signature of what the two above plan (never 0). */
uint64_t engine_plan_policy_sig(const struct policy *p);

/* ---- the planner's memory (planner.c), shared with plan.c ---- */

#define TABLE_HASH_SLOTS (2 * STEER_MAX_TABLES) /* open addressing, power of two */

struct engine_pl_entry {
	uint32_t id; /* backend id */
	uint32_t weight;
};

struct engine_pl_table {
	uint64_t hash;
	struct engine_pl_entry *set;
	size_t n;
	unsigned int refs;
	bool unknown; /* found in the maps at start: content not known */
};

struct engine_pl_class {
	uint32_t tenant_id;
	uint16_t task;
	uint8_t family;
	uint8_t action;
	uint32_t class_id;
	uint32_t table_id; /* 0 with action reject; its content is the live set */
	bool known;	   /* table content is what the maps hold (false: adopted) */
	bool seen;	   /* in the current decisions */
};

struct engine_planner {
	struct engine_pl_class *classes; /* sorted by key */
	size_t n_classes, cap_classes;
	struct engine_pl_table *tables[STEER_MAX_TABLES]; /* by table id; [0] unused */
	uint32_t *hash_slots;				  /* content hash -> table id */
	uint8_t *class_ids_used;			  /* STEER_MAX_CLASSES */
	uint64_t policy_sig;				  /* tenants + services last planned */
	uint32_t maglev_size;		       /* of the tables planned so far; 0: none */
	uint32_t hash_seed;		       /* ... and their seed (with maglev_size) */
	uint32_t index_of[STEER_MAX_BACKENDS]; /* backend id -> policy index (this plan) */
	uint32_t **built;		       /* by table id: new contents in this plan */
	uint32_t *retired;		       /* table ids this plan frees */
	size_t n_retired;
};

/* Index of the class, or of where it would go (with *found false). */
size_t engine_pl_class_find(const struct engine_planner *pub, uint32_t tenant, uint16_t task,
			    uint8_t family, bool *found);
struct engine_pl_class *engine_pl_class_insert(struct engine_planner *pub, size_t at,
					       uint32_t tenant, uint16_t task, uint8_t family);
uint64_t engine_pl_set_hash(const struct engine_pl_entry *set, size_t n);
bool engine_pl_set_equal(const struct engine_pl_entry *a, size_t na,
			 const struct engine_pl_entry *b, size_t nb);
/* Table id holding exactly this set, or 0. */
uint32_t engine_pl_table_find(const struct engine_planner *pub, const struct engine_pl_entry *set,
			      size_t n, uint64_t h);
/* Rebuild the content index (after deletions; cheap: tables are few). */
void engine_pl_table_index_rebuild(struct engine_planner *pub);
void engine_pl_table_free(struct engine_planner *pub, uint32_t id);
uint32_t engine_pl_table_alloc_id(const struct engine_planner *pub);
struct engine_pl_table *engine_pl_table_record(const struct engine_pl_entry *set, size_t n,
					       uint64_t h);
uint32_t engine_pl_class_alloc_id(struct engine_planner *pub);
/* The table whose content the maps hold for class c; NULL for a reject,
 * an adopted class or a table of unknown content. */
const struct engine_pl_table *engine_pl_live_table(const struct engine_planner *pub,
						   const struct engine_pl_class *c);

#endif /* STEER_ENGINE_INTERNAL_H */
