/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The decision engine: from the policy and live signals, a weighted set of
 * backends (or reject) for every class (tenant, task, address family).
 * Pure computation: no I/O, no clock, no randomness; the same inputs give
 * the same decisions on every gateway (DESIGN.md, "Decisions").
 */
#ifndef STEER_DECIDE_H
#define STEER_DECIDE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"

/* Live view of one backend (index as in policy.backends). */
struct steer_live {
	uint8_t admin_state;	/* enum steer_backend_state: policy or runtime */
	bool health_known;	/* a health verdict exists (rise/fall applied) */
	bool healthy;
	/* model-server signals; has_* false when absent or stale */
	bool has_waiting, has_running, has_kv;
	double waiting, running, kv_usage;
	double latency_ms;	/* probe latency, < 0 unknown */
	bool has_flows;		/* kernel counters read */
	double active_flows;	/* open flows steered to it (kernel) */
};

/* Why a backend is not in a class's set. */
enum steer_excl {
	STEER_EXCL_NONE = 0,	/* candidate */
	STEER_EXCL_TASK,	/* its model doesn't serve the task */
	STEER_EXCL_FAMILY,	/* other address family */
	STEER_EXCL_SAFETY,	/* safety tier below the tenant's minimum */
	STEER_EXCL_REGION,	/* region not allowed for the tenant */
	STEER_EXCL_COST,	/* model costs more than the tenant's maximum */
	STEER_EXCL_QUALITY,	/* model quality for the task below the minimum */
	STEER_EXCL_DOWN,	/* admin down or health failing */
	STEER_EXCL_DRAINING,	/* draining: keeps flows, gets no new ones */
	STEER_EXCL_SATURATED,	/* no spare capacity */
	STEER_EXCL_MODEL,	/* its model scored outside the margin */
	STEER_EXCL__MAX,
};

const char *steer_excl_name(enum steer_excl e);

/* Scale of integer weights: the largest weight of a class is this. */
#define STEER_WEIGHT_SCALE 1000

struct steer_weighted {
	uint32_t backend;	/* index into policy.backends */
	uint32_t weight;	/* 1 .. STEER_WEIGHT_SCALE */
};

enum steer_dec_kind {
	STEER_DEC_TABLE = 0,
	STEER_DEC_REJECT = 1,
};

/* Why a class has the decision it has. */
enum steer_dec_why {
	STEER_WHY_CHOSEN = 0,	/* candidates of its own */
	STEER_WHY_FALLBACK,	/* none of its own: the fallback class's set */
	STEER_WHY_NO_CANDIDATE,	/* none, action reject */
	STEER_WHY_SHED,		/* shed under saturation (lower priority) */
};

const char *steer_why_name(enum steer_dec_why w);

struct steer_decision {
	uint32_t tenant;	/* index into policy.tenants */
	uint32_t task;		/* task id */
	uint8_t family;		/* STEER_AF_INET / STEER_AF_INET6 */
	enum steer_dec_kind kind;
	enum steer_dec_why why;
	uint32_t via_tenant, via_task; /* class whose set is used (fallback) */
	struct steer_weighted *set;	/* sorted by backend id */
	size_t n_set;
	bool set_shared;	/* set is another decision's (a twin tenant's): equal
				 * inputs, one copy; compare pointers to spot twins */
	bool set_lent;		/* twins point at this set */
	uint32_t models[8];	/* kept models (indices), best first */
	size_t n_models;
	double utilisation;	/* of the candidates, 0..1 (for shedding) */
};

struct steer_decisions {
	struct steer_decision *d;	/* sorted by (tenant id, task, family) */
	size_t n;
	void **orphans;			/* lent sets replaced by a re-decision */
	size_t n_orphans;
};

/* Spare capacity estimate of a backend, 0..1; *known false if guessed. */
double steer_backend_spare(const struct steer_pol_backend *b, const struct steer_live *l,
			   bool *known);
/* Hard constraints and state of one backend for one class. */
enum steer_excl steer_exclusion(const struct steer_policy *p, const struct steer_live *live,
				uint32_t tenant, uint32_t task, uint8_t family, uint32_t backend);

/*
 * Decide every class that a service needs: for each task and family of a
 * service, every tenant. live[] has p->n_backends entries. 0 or -ENOMEM.
 */
int steer_decide(const struct steer_policy *p, const struct steer_live *live,
		 struct steer_decisions *out);
void steer_decisions_free(struct steer_decisions *d);

/* Utilisation from which lower-priority tenants are shed. */
#define STEER_SHED_UTIL 0.9

#endif /* STEER_DECIDE_H */
