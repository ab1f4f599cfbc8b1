/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Policy-level publishing steps (publish_policy.c), used by publish.c. */
#ifndef STEER_PUBLISH_INTERNAL_H
#define STEER_PUBLISH_INTERNAL_H

#include "publish.h"

/* steer_cfg from the policy settings; *resized when maglev_size changed. */
int pub_config(struct steer_dp *dp, const struct steer_policy *p, bool *resized);
/* Every policy backend with its state; cache[] holds what the map holds. */
int pub_backends(struct steer_dp *dp, const struct steer_policy *p, const struct steer_live *live,
		 struct steer_backend *cache, bool *known, unsigned int *written);
/* Backends in the map but no longer in the policy become UNUSED. */
int pub_backends_retire(struct steer_dp *dp, const struct steer_policy *p,
			struct steer_backend *cache, bool *known, unsigned int *written);
/* Tenant prefixes and admission limits; stale prefixes removed. */
int pub_tenants(struct steer_dp *dp, const struct steer_policy *p, unsigned int *written);
/* Signature of what pub_tenants and pub_services write (never 0). */
uint64_t pub_policy_sig(const struct steer_policy *p);
/* Services; stale ones removed. */
int pub_services(struct steer_dp *dp, const struct steer_policy *p, unsigned int *written);

#endif /* STEER_PUBLISH_INTERNAL_H */
