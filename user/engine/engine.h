/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The decision engine: from the policy and live signals, a weighted set of
 * backends (or reject) for every class (tenant, task, address family).
 * Pure computation: no I/O, no clock, no randomness; the same inputs give
 * the same decisions on every gateway (docs/design.md).
 */
#ifndef STEER_DECIDE_H
#define STEER_DECIDE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/policy.h"

/* Live view of one backend (index as in policy.backends). */
struct engine_live {
	uint8_t admin_state;	/* enum steer_backend_state: policy or runtime */
	bool health_known;	/* a health verdict exists (rise/fall applied) */
	bool healthy;
	bool awaiting_health;	/* new at run time, no verdict yet: no new flows */
	bool down_grace_over;	/* health failed for down_grace_ms or longer */
	/* model-server signals; has_* false when absent or stale */
	bool has_waiting, has_running, has_kv;
	double waiting, running, kv_usage;
	bool has_limit;		/* the server's own cap on requests in flight (Chitu) */
	double limit;		/* >= 1 when has_limit */
	double latency_ms;	/* probe latency, < 0 unknown */
	bool has_ttft;		/* requests finished their first token recently */
	double ttft_ms;		/* their mean time to first token (the server's own) */
	bool has_flows;		/* kernel counters read */
	double active_flows;	/* open flows steered to it (kernel) */
};

/* Why a backend is not in a class's set. */
enum engine_excl {
	ENGINE_EXCL_NONE = 0,	/* candidate */
	ENGINE_EXCL_TASK,	/* its model doesn't serve the task */
	ENGINE_EXCL_FAMILY,	/* other address family */
	ENGINE_EXCL_SAFETY,	/* safety tier below the tenant's minimum */
	ENGINE_EXCL_REGION,	/* region not allowed for the tenant */
	ENGINE_EXCL_COST,	/* model costs more than the tenant's maximum */
	ENGINE_EXCL_QUALITY,	/* model quality for the task below the minimum */
	ENGINE_EXCL_DOWN,	/* admin down or health failing */
	ENGINE_EXCL_DRAINING,	/* draining: keeps flows, gets no new ones */
	ENGINE_EXCL_SATURATED,	/* no spare capacity */
	ENGINE_EXCL_MODEL,	/* its model scored outside the margin */
	ENGINE_EXCL_SLOW,	/* TTFT past slow_ttft_factor x its model's best,
				 * while the faster ones have room */
	ENGINE_EXCL__MAX,
};

const char *engine_excl_name(enum engine_excl e);

/* Scale of integer weights: the largest weight of a class is this. */
#define ENGINE_WEIGHT_SCALE 1000

struct engine_weighted {
	uint32_t backend;	/* index into policy.backends */
	uint32_t weight;	/* 1 .. ENGINE_WEIGHT_SCALE; 0: standby (no slots,
				 * in the bound's set) */
};

enum engine_dec_kind {
	ENGINE_DEC_TABLE = 0,
	ENGINE_DEC_REJECT = 1,
};

/* Why a class has the decision it has. */
enum engine_dec_why {
	ENGINE_WHY_CHOSEN = 0,	/* candidates of its own */
	ENGINE_WHY_FALLBACK,	/* none of its own: the fallback class's set */
	ENGINE_WHY_NO_CANDIDATE,	/* none, action reject */
	ENGINE_WHY_SHED,		/* shed under saturation (lower priority) */
	ENGINE_WHY_SATURATED,		/* every candidate saturated: spread by capacity */
};

const char *engine_why_name(enum engine_dec_why w);

struct engine_decision {
	uint32_t tenant;	/* index into policy.tenants */
	uint32_t task;		/* task id */
	uint8_t family;		/* STEER_AF_INET / STEER_AF_INET6 */
	enum engine_dec_kind kind;
	enum engine_dec_why why;
	uint32_t via_tenant, via_task; /* class whose set is used (fallback) */
	struct engine_weighted *set;	/* sorted by backend id */
	size_t n_set;
	bool set_shared;	/* set is another decision's (a twin tenant's): equal
				 * inputs, one copy; compare pointers to spot twins */
	bool set_lent;		/* twins point at this set */
	uint32_t models[8];	/* kept models (indices), best first */
	size_t n_models;
	double utilisation;	/* of the candidates, 0..1 (for shedding) */
};

struct engine_decisions {
	struct engine_decision *d;	/* sorted by (tenant id, task, family) */
	size_t n;
	void **orphans;			/* lent sets replaced by a re-decision */
	size_t n_orphans;
};

/* Is model m (an index) one of d's kept models? */
bool engine_model_kept(const struct engine_decision *d, uint32_t m);
/* Spare capacity estimate of a backend, 0..1; *known false if guessed. */
double engine_backend_spare(const struct policy_backend *b, const struct engine_live *l,
			   bool *known);
/* Hard constraints and state of one backend for one class. */
enum engine_excl engine_exclusion(const struct policy *p, const struct engine_live *live,
				uint32_t tenant, uint32_t task, uint8_t family, uint32_t backend);

/*
 * Decide every class that a service needs: for each task and family of a
 * service, every tenant. live[] has p->n_backends entries. 0 or -ENOMEM.
 */
int engine_decide(const struct policy *p, const struct engine_live *live,
		 struct engine_decisions *out);
void engine_decisions_free(struct engine_decisions *d);

/* Utilisation from which lower-priority tenants are shed. */
#define ENGINE_SHED_UTIL 0.9

/*
 * Weighted Maglev lookup tables.
 *
 * A table is an array of m (prime) backend ids; the data plane indexes it
 * with a flow hash modulo m. Every gateway that builds a table from the
 * same backends, m and seed gets the same bytes, whatever the order in
 * which it learnt the backends, so that a flow that moves between
 * gateways lands on the same backend. Slot value 0 means "no backend".
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct engine_maglev_backend {
	uint64_t key;    /* stable identity (see engine_maglev_key), the same on every host */
	uint32_t id;     /* value written into the table slots (backend id, never 0) */
	uint32_t weight; /* relative weight; 0 = takes no slots */
};

/* Is n prime? */

/*
 * Stable key of a backend from its address (16 bytes, network order, IPv4
 * in the first 4), family (4 or 6) and port (network order). Independent
 * of host byte order; for family 4 only the first 4 address bytes count.
 */
uint64_t engine_maglev_key(const uint8_t addr[16], uint8_t family, uint16_t port);

/*
 * Fill table[m] (m prime, 3 <= m <= 131071) with backend ids, Maglev-style, weighted.
 * Deterministic: the result depends only on the multiset of {key,id,weight}, m and seed,
 * never on the order of the input array (sort internally by key, then id).
 * If every weight is 0 or n == 0, fill with 0 ("no backend") and return 0.
 * Returns 0 or -EINVAL (m not prime / out of range, id 0 with weight > 0, duplicate keys), -ENOMEM.
 * On error the table is left untouched.
 */
int engine_maglev_build(const struct engine_maglev_backend *b, size_t n, uint32_t m, uint32_t seed,
		       uint32_t *table);

/*
 * Planning: from the policy, live signals and decisions, what every map
 * should hold (struct dp_plan, dp/dp.h), for dp_apply() to write. The
 * planner remembers what the last plan put in the maps (classes, their
 * ids, and the contents of the shared Maglev tables), so that classes with
 * identical weighted sets share one table, a table whose classes all move
 * together is rewritten in place, and a weight is only republished when it
 * moved more than the hysteresis. It does no I/O: after a restart, or a
 * failed apply, it adopts what the maps hold (engine_planner_adopt).
 */

#include "dp/dp.h"

struct engine_planner;

/* What a publish did (dp_apply's counts and the planner's totals). */
struct engine_pub_stats {
	unsigned int tables_written;
	unsigned int tables_deleted;
	unsigned int classes_written;
	unsigned int classes_deleted;
	unsigned int backends_written;
	unsigned int tenants_written;
	unsigned int services_written;
	unsigned int tables_live;	/* distinct tables in use */
	unsigned int classes_live;
	double publish_ms;		/* time spent writing maps */
};

int engine_planner_new(struct engine_planner **out);
void engine_planner_free(struct engine_planner *pl);
/*
 * Start from what the maps hold: the config and the classes map (keys and
 * values, n entries). Class ids and table ids stay; table contents are
 * unknown until a plan rewrites them. 0 or -ENOMEM.
 */
int engine_planner_adopt(struct engine_planner *pl, const struct steer_config *cfg,
			 const struct steer_class_key *keys, const struct steer_class *vals,
			 size_t n);

/*
 * The plan for policy + live + decisions (live[] has p->n_backends
 * entries). The planner takes it as applied: if dp_apply fails, adopt the
 * maps again. 0, -ENOMEM, -ENOSPC (out of class or table ids), -EINVAL.
 */
int engine_plan(struct engine_planner *pl, const struct policy *p,
		const struct engine_live *live, const struct engine_decisions *dec,
		struct dp_plan *plan);
void engine_plan_free(struct dp_plan *plan);
/* Tables and classes the planner holds now. */
void engine_planner_totals(const struct engine_planner *pl, struct engine_pub_stats *st);

/*
 * The one rule from live state to the data plane's backend state: admin
 * down (or unused) is down; failed health is failing (no new flows, TCP
 * flows stay) until down_grace_over, then down; else draining, else active.
 */
uint8_t engine_backend_state(const struct engine_live *l);

/* Published table and class id of a class; -ENOENT if none. */
int engine_planner_class_lookup(const struct engine_planner *pl, uint32_t tenant_id,
				uint32_t task, uint8_t family, uint32_t *class_id,
				uint32_t *table_id);
/* Weight published for backend id in a class (0 if none). */
uint32_t engine_planner_class_weight(const struct engine_planner *pl, uint32_t tenant_id,
				     uint32_t task, uint8_t family, uint32_t backend_id);

#endif /* STEER_DECIDE_H */
