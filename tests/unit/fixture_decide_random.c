// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Random worlds for the decision engine's unit tests: a policy (tasks,
 * models, backends, tenants with constraints and fallbacks, services) and
 * a live view with every signal present, absent or stale, from a seed.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixture_decide.h"

/* ---- random policies -------------------------------------------------- */

uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in lo..hi (inclusive). */
uint32_t rnd(uint64_t *s, uint32_t lo, uint32_t hi)
{
	return lo + (uint32_t)(rng_next(s) % (hi - lo + 1));
}

/* Uniform in [0, 1). */
double rndf(uint64_t *s)
{
	return (double)(rng_next(s) >> 11) / 9007199254740992.0;
}

bool chance(uint64_t *s, double p)
{
	return rndf(s) < p;
}

const char *const regions[] = { "eu", "us", "ap", "sa" };

void random_world(uint64_t seed, struct world *w)
{
	uint64_t s = seed * 0x2545f4914f6cdd1dULL + 1;
	size_t n_tasks = rnd(&s, 1, 8), n_models = rnd(&s, 1, 6), n_backends = rnd(&s, 1, 64);
	size_t n_tenants = rnd(&s, 1, 20), n_services = rnd(&s, 1, 6), i, j;
	bool used_ids[STEER_MAX_TASKS] = { 0 }, used_tenant_ids[64] = { 0 };
	struct policy *p;

	p = fixture_policy_new(n_tasks, n_models, n_backends, n_tenants, n_services);
	w->p = p;
	/* task ids: distinct, anywhere in 0..15 */
	w->n_task_ids = n_tasks;
	for (i = 0; i < n_tasks; i++) {
		uint32_t id;

		do
			id = rnd(&s, 0, STEER_MAX_TASKS - 1);
		while (used_ids[id]);
		used_ids[id] = true;
		p->tasks[i].id = id;
		w->task_ids[i] = id;
	}
	for (i = 0; i < n_models; i++) {
		p->models[i].cost = chance(&s, 0.15) ? 0 : rndf(&s) * 20;
		for (j = 0; j < n_tasks; j++)
			if (chance(&s, 0.7))
				model_serves(p, (uint32_t)i, w->task_ids[j], rndf(&s));
	}
	for (i = 0; i < n_backends; i++) {
		struct policy_backend *b = &p->backends[i];
		uint32_t st = rnd(&s, 0, 99);

		b->model = rnd(&s, 0, (uint32_t)n_models - 1);
		b->family = chance(&s, 0.6) ? FAM4 : FAM6;
		strcpy(b->region, regions[rnd(&s, 0, 3)]);
		b->safety_tier = rnd(&s, 0, 3);
		b->capacity = rnd(&s, 1, 64);
		b->state = st < 80 ? STEER_BACKEND_ACTIVE :
			   st < 88 ? STEER_BACKEND_DRAINING :
			   st < 96 ? STEER_BACKEND_DOWN :
				     STEER_BACKEND_UNUSED;
	}
	/* tenant 0 is "default" id 0; the others get distinct ids 1..63 */
	used_tenant_ids[0] = true;
	for (i = 0; i < n_tenants; i++) {
		struct policy_tenant *t = &p->tenants[i];

		if (i) {
			uint32_t id;

			do
				id = rnd(&s, 1, 63);
			while (used_tenant_ids[id]);
			used_tenant_ids[id] = true;
			t->id = id;
		}
		t->min_safety_tier = chance(&s, 0.5) ? 0 : rnd(&s, 1, 3);
		if (chance(&s, 0.5)) {
			for (j = 0; j < 4; j++)
				if (chance(&s, 0.5))
					tenant_region(t, regions[j]);
		}
		t->max_cost = chance(&s, 0.5) ? -1 : rndf(&s) * 20;
		t->min_quality = chance(&s, 0.5) ? 0 : rndf(&s) * 0.9;
		t->priority = rnd(&s, 0, 10);
		if (chance(&s, 0.5)) {
			t->action = POLICY_FALLBACK;
			t->fallback_tenant = rnd(&s, 0, (uint32_t)n_tenants - 1);
			t->fallback_task = w->task_ids[rnd(&s, 0, (uint32_t)n_tasks - 1)];
		}
	}
	for (i = 0; i < n_services; i++) {
		p->services[i].task = w->task_ids[rnd(&s, 0, (uint32_t)n_tasks - 1)];
		p->services[i].family = chance(&s, 0.6) ? FAM4 : FAM6;
	}
	p->objective.quality = 0.5 + rndf(&s);
	p->objective.cost = rndf(&s);
	p->objective.load = rndf(&s);
	p->objective.margin = chance(&s, 0.2) ? 0 : rndf(&s) * 0.5;
	p->objective.latency = rndf(&s);

	w->live = live_new(n_backends);
	for (i = 0; i < n_backends; i++) {
		struct engine_live *l = &w->live[i];
		double cap = p->backends[i].capacity;
		uint32_t h = rnd(&s, 0, 99);

		l->admin_state = p->backends[i].state;
		l->health_known = h >= 10;
		l->healthy = h >= 20;
		/* each signal absent or stale (has_* false) with some chance */
		l->has_running = chance(&s, 0.6);
		l->running = rndf(&s) * 1.3 * cap;
		l->has_waiting = chance(&s, 0.6);
		l->waiting = chance(&s, 0.7) ? 0 : rndf(&s) * cap;
		l->has_kv = chance(&s, 0.4);
		l->kv_usage = chance(&s, 0.1) ? 1 : rndf(&s);
		l->has_flows = chance(&s, 0.5);
		l->active_flows = floor(rndf(&s) * 1.2 * cap);
		l->latency_ms = chance(&s, 0.3) ? -1 : 1 + rndf(&s) * 500;
		if (chance(&s, 0.1)) /* nothing known at all */
			l->has_running = l->has_waiting = l->has_kv = l->has_flows = false;
	}
}

void world_free(struct world *w)
{
	fixture_policy_free(w->p);
	free(w->live);
}
