// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Which backends a class may use (docs/design.md, "Decisions" 1): the
 * tenant's hard constraints, the backend's state, and its spare capacity
 * from the model server's signals. decide.c weighs what is left.
 */
#include <string.h>

#include "engine/engine.h"
#include "engine/internal.h"

static const char *const excl_names[ENGINE_EXCL__MAX] = {
	[ENGINE_EXCL_NONE] = "candidate",	[ENGINE_EXCL_TASK] = "task",
	[ENGINE_EXCL_FAMILY] = "family",		[ENGINE_EXCL_SAFETY] = "safety",
	[ENGINE_EXCL_REGION] = "region",		[ENGINE_EXCL_COST] = "cost",
	[ENGINE_EXCL_QUALITY] = "quality",	[ENGINE_EXCL_DOWN] = "down",
	[ENGINE_EXCL_DRAINING] = "draining",	[ENGINE_EXCL_SATURATED] = "saturated",
	[ENGINE_EXCL_MODEL] = "model",
	[ENGINE_EXCL_SLOW] = "slow",
};

const char *engine_excl_name(enum engine_excl e)
{
	return e < ENGINE_EXCL__MAX ? excl_names[e] : "unknown";
}

/* Requests the server says it holds: running and waiting, as far as known. */
static double in_flight(const struct engine_live *l)
{
	return (l->has_running ? l->running : 0) + (l->has_waiting ? l->waiting : 0);
}

double engine_backend_spare(const struct policy_backend *b, const struct engine_live *l,
			   bool *known)
{
	double cap = b->capacity ? b->capacity : 1;
	double util = -1;

	if (l->has_running)
		util = l->running / cap;
	if (l->has_waiting && l->has_running)
		util = (l->running + l->waiting) / cap;
	else if (l->has_waiting && l->waiting > 0)
		util = 1; /* queueing: full, whatever runs */
	if (l->has_kv && l->kv_usage > util)
		util = l->kv_usage;
	/* at the server's own limit it refuses requests (Chitu: 503): saturated
	 * there, whatever the policy's capacity says */
	if (l->has_limit && l->limit >= 1 && (l->has_running || l->has_waiting) &&
	    in_flight(l) / l->limit > util)
		util = in_flight(l) / l->limit;
	if (util < 0 && l->has_flows)
		util = l->active_flows / cap; /* no model-server signal: kernel flows */
	if (util < 0) {
		*known = false;
		return 0.5; /* unknown is not idle */
	}
	*known = true;
	return engine_clamp01(1 - util);
}

static bool region_allowed(const struct policy_tenant *t, const char *region)
{
	size_t i;

	if (!t->n_regions)
		return true;
	for (i = 0; i < t->n_regions; i++)
		if (!strcmp(t->regions[i], region))
			return true;
	return false;
}

/* Constraints of one tenant only (no state). */
static enum engine_excl constraint_excl(const struct policy *p, uint32_t tenant,
				       uint32_t task, const struct policy_backend *b)
{
	const struct policy_tenant *t = &p->tenants[tenant];
	const struct policy_model *m = &p->models[b->model];

	if (task >= STEER_MAX_TASKS || !m->serves[task])
		return ENGINE_EXCL_TASK;
	if (b->safety_tier < t->min_safety_tier)
		return ENGINE_EXCL_SAFETY;
	if (!region_allowed(t, b->region))
		return ENGINE_EXCL_REGION;
	if (t->max_cost >= 0 && m->cost > t->max_cost)
		return ENGINE_EXCL_COST;
	if (m->quality[task] < t->min_quality)
		return ENGINE_EXCL_QUALITY;
	return ENGINE_EXCL_NONE;
}

uint8_t engine_backend_state(const struct engine_live *l)
{
	if (l->admin_state == STEER_BACKEND_DOWN || l->admin_state == STEER_BACKEND_UNUSED)
		return STEER_BACKEND_DOWN;
	if (l->health_known && !l->healthy)
		return l->down_grace_over ? STEER_BACKEND_DOWN : STEER_BACKEND_FAILING;
	if (l->admin_state == STEER_BACKEND_DRAINING)
		return STEER_BACKEND_DRAINING;
	return STEER_BACKEND_ACTIVE;
}

static enum engine_excl state_excl(const struct policy_backend *b, const struct engine_live *l)
{
	bool known;

	switch (engine_backend_state(l)) {
	case STEER_BACKEND_DOWN:
	case STEER_BACKEND_FAILING:
		return ENGINE_EXCL_DOWN;
	case STEER_BACKEND_DRAINING:
		return ENGINE_EXCL_DRAINING;
	default:
		break;
	}
	/* not down in the data plane (it has no flows to move), just no new ones */
	if (l->awaiting_health)
		return ENGINE_EXCL_DOWN;
	if (engine_backend_spare(b, l, &known) <= 0 && known)
		return ENGINE_EXCL_SATURATED;
	return ENGINE_EXCL_NONE;
}

enum engine_excl engine_exclusion(const struct policy *p, const struct engine_live *live,
				uint32_t tenant, uint32_t task, uint8_t family, uint32_t backend)
{
	const struct policy_backend *b = &p->backends[backend];
	enum engine_excl e;

	if (b->family != family)
		return ENGINE_EXCL_FAMILY;
	e = constraint_excl(p, tenant, task, b);
	if (e)
		return e;
	return state_excl(b, &live[backend]);
}

bool engine_at_server_limit(const struct engine_live *l)
{
	return l->has_limit && l->limit >= 1 && in_flight(l) >= l->limit;
}
