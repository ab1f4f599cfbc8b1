/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Fixtures of the decision engine's unit tests (tests/unit/test_decide_*.c):
 * policies built in C directly (fixture_decide.c), random worlds
 * (fixture_decide_random.c), and the lookups the tests check decisions
 * with.
 */
#ifndef FIXTURE_DECIDE_H
#define FIXTURE_DECIDE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"
#include "policy/policy.h"
#include "steer_abi.h"

#define FAM4		STEER_AF_INET
#define FAM6		STEER_AF_INET6
#define SCALE		ENGINE_WEIGHT_SCALE

/* ---- fixture_decide.c: building policies ---- */

void *xcalloc(size_t n, size_t sz);
/* What a fixture policy holds: see fixture_decide.c. */
struct policy *fixture_policy_new(size_t n_tasks, size_t n_models, size_t n_backends,
				  size_t n_tenants, size_t n_services);
void fixture_policy_free(struct policy *p);
void model_serves(struct policy *p, uint32_t model, uint32_t task, double quality);
void tenant_region(struct policy_tenant *t, const char *region);
/* Live view: active, healthy, idle (known: running 0, waiting 0). */
struct engine_live *live_new(size_t n);
void live_busy(struct engine_live *l, double running, double waiting);
void decide_ok(const struct policy *p, const struct engine_live *live, struct engine_decisions *ds);
const struct engine_decision *find_dec(const struct engine_decisions *ds, uint32_t tenant,
				       uint32_t task, uint8_t family);
/* Weight of backend index b in d's set, 0 if absent. */
uint32_t weight_of(const struct engine_decision *d, uint32_t b);
uint32_t weight_sum(const struct engine_decision *d);
/* Members with slots (weight > 0); is b a standby (in the set, weight 0)? */
size_t n_weighted(const struct engine_decision *d);
bool is_standby(const struct engine_decision *d, uint32_t b);
/* One task, one model, n backends of capacity 100, one tenant, one service. */
struct policy *policy_simple(size_t n_backends);
/* Model A (0.9) on backends 0, 1; model B (0.6) on backends 2, 3. */
struct policy *policy_two_models(double qa, double ca, double qb, double cb);

/* ---- fixture_decide_random.c: random policies ---- */

uint64_t rng_next(uint64_t *s);
/* Uniform in lo..hi (inclusive). */
uint32_t rnd(uint64_t *s, uint32_t lo, uint32_t hi);
/* Uniform in [0, 1). */
double rndf(uint64_t *s);
bool chance(uint64_t *s, double p);

extern const char *const regions[4];

struct world {
	struct policy *p;
	struct engine_live *live;
	uint32_t task_ids[8];
	size_t n_task_ids;
};

void random_world(uint64_t seed, struct world *w);
void world_free(struct world *w);

#endif /* FIXTURE_DECIDE_H */
