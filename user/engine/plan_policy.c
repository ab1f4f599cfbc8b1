// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Planning the policy-level maps: config, backends, tenants, prefixes, services. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "engine/internal.h"
#include "util/util.h"

void engine_plan_config(const struct policy *p, struct steer_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->maglev_size = p->maglev_size;
	cfg->hash_seed = p->hash_seed;
	cfg->udp_idle_ns = (uint64_t)p->udp_idle_ms * 1000000ULL;
	cfg->nonsyn_rate = p->nonsyn_rate;
}

int engine_plan_backends(const struct policy *p, const struct engine_live *live,
			 struct dp_plan *plan)
{
	size_t i;

	plan->backends = calloc(p->n_backends + 1, sizeof(*plan->backends));
	if (!plan->backends)
		return -ENOMEM;
	for (i = 0; i < p->n_backends; i++) {
		const struct policy_backend *b = &p->backends[i];
		struct dp_plan_backend *x = &plan->backends[i];

		x->id = b->id;
		memcpy(x->be.addr, b->addr, 16);
		x->be.port = htons(b->port);
		x->be.family = b->family;
		x->be.state = engine_backend_state(&live[i]);
		x->capacity = b->capacity;
	}
	plan->n_backends = p->n_backends;
	return 0;
}

int engine_plan_tenants(const struct policy *p, struct dp_plan *plan)
{
	size_t i, j, n = 0;

	for (i = 0; i < p->n_tenants; i++)
		n += p->tenants[i].n_prefixes;
	plan->tenants = calloc(p->n_tenants + 1, sizeof(*plan->tenants));
	plan->prefixes = calloc(n + 1, sizeof(*plan->prefixes));
	if (!plan->tenants || !plan->prefixes)
		return -ENOMEM;
	for (i = 0; i < p->n_tenants; i++) {
		const struct policy_tenant *t = &p->tenants[i];
		struct dp_plan_tenant *x = &plan->tenants[plan->n_tenants++];

		x->id = t->id;
		x->cfg = (struct steer_tenant_cfg){t->rate, t->burst, t->max_conns, t->priority};
		for (j = 0; j < t->n_prefixes; j++) {
			struct dp_plan_prefix *y = &plan->prefixes[plan->n_prefixes++];

			y->family = t->prefixes[j].family;
			memcpy(y->addr, t->prefixes[j].addr, 16);
			y->len = t->prefixes[j].len;
			y->tenant = t->id;
		}
	}
	return 0;
}

int engine_plan_services(const struct policy *p, struct dp_plan *plan)
{
	size_t i;

	plan->services = calloc(p->n_services + 1, sizeof(*plan->services));
	if (!plan->services)
		return -ENOMEM;
	for (i = 0; i < p->n_services; i++) {
		const struct policy_service *s = &p->services[i];
		struct dp_plan_service *x = &plan->services[i];

		memcpy(x->key.addr, s->addr, 16);
		x->key.port = htons(s->port);
		x->key.proto = s->proto;
		x->key.family = s->family;
		x->val.service_id = s->id;
		x->val.default_task = s->task;
		x->val.balance_pct = policy_balance_pct(p, s);
		x->val.mss_clamp = s->mss_clamp;
	}
	plan->n_services = p->n_services;
	return 0;
}

uint64_t engine_plan_policy_sig(const struct policy *p)
{
	uint64_t h = UTIL_FNV_INIT;
	uint16_t pct;
	size_t i, j;

	for (i = 0; i < p->n_tenants; i++) {
		const struct policy_tenant *t = &p->tenants[i];
		uint32_t v[5] = {t->id, t->rate, t->burst, t->max_conns, t->priority};

		h = util_fnv(h, v, sizeof(v));
		for (j = 0; j < t->n_prefixes; j++) {
			h = util_fnv(h, t->prefixes[j].addr, 16);
			h = util_fnv(h, &t->prefixes[j].family, 1);
			h = util_fnv(h, &t->prefixes[j].len, 4);
		}
	}
	for (i = 0; i < p->n_services; i++) {
		const struct policy_service *s = &p->services[i];

		h = util_fnv(h, s->addr, 16);
		h = util_fnv(h, &s->port, 2);
		h = util_fnv(h, &s->proto, 1);
		h = util_fnv(h, &s->family, 1);
		h = util_fnv(h, &s->task, 4);
		h = util_fnv(h, &s->mss_clamp, 2);
		h = util_fnv(h, &s->id, 4);
		pct = policy_balance_pct(p, s);
		h = util_fnv(h, &pct, sizeof(pct));
	}
	return h ? h : 1;
}
