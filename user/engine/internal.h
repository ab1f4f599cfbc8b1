/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Planning the policy-level maps (plan_policy.c), used by plan.c. */
#ifndef STEER_ENGINE_INTERNAL_H
#define STEER_ENGINE_INTERNAL_H

#include "engine/engine.h"

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

#endif /* STEER_ENGINE_INTERNAL_H */
