/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Policy-level publishing steps (publish_policy.c), used by publish.c. */
#ifndef STEER_PUBLISH_INTERNAL_H
#define STEER_PUBLISH_INTERNAL_H

#include "engine/engine.h"

/* steer_cfg from the policy settings; *resized when maglev_size changed. */
int engine_pub_config(struct dp *dp, const struct policy *p, bool *resized);
/* Every policy backend with its state; cache[] holds what the map holds. */
int engine_pub_backends(struct dp *dp, const struct policy *p, const struct engine_live *live,
		 struct steer_backend *cache, bool *known, unsigned int *written);
/* Backends in the map but no longer in the policy become UNUSED. */
int engine_pub_backends_retire(struct dp *dp, const struct policy *p,
			struct steer_backend *cache, bool *known, unsigned int *written);
/* Tenant prefixes and admission limits; stale prefixes removed. */
int engine_pub_tenants(struct dp *dp, const struct policy *p, unsigned int *written);
/* Signature of what pub_tenants and pub_services write (never 0). */
uint64_t engine_pub_policy_sig(const struct policy *p);
/* Services; stale ones removed. */
int engine_pub_services(struct dp *dp, const struct policy *p, unsigned int *written);

#endif /* STEER_PUBLISH_INTERNAL_H */
