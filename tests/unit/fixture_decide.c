// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Policies for the decision engine's unit tests, built in C directly (the
 * constraint checks of the tests are an oracle written from DESIGN.md, not
 * calls into the engine), live views, and lookups in a decision round.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixture_decide.h"

/* ---- building policies ------------------------------------------------ */

void *xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz);

	assert_non_null(p);
	return p;
}

/*
 * A policy with n_tasks tasks (ids 0..n-1), models of cost 1 serving
 * nothing, backends (id i + 1, IPv4, model 0, region "eu", tier 1,
 * capacity 100, active), tenants (index 0 "default" id 0, others id i, no
 * constraints, priority 0, reject) and IPv4 TCP services of task 0.
 */
struct policy *fixture_policy_new(size_t n_tasks, size_t n_models, size_t n_backends,
				  size_t n_tenants, size_t n_services)
{
	struct policy *p = xcalloc(1, sizeof(*p));
	size_t i;

	p->tasks = xcalloc(n_tasks, sizeof(*p->tasks));
	p->models = xcalloc(n_models, sizeof(*p->models));
	p->backends = xcalloc(n_backends, sizeof(*p->backends));
	p->tenants = xcalloc(n_tenants, sizeof(*p->tenants));
	p->services = xcalloc(n_services, sizeof(*p->services));
	p->n_tasks = n_tasks;
	p->n_models = n_models;
	p->n_backends = n_backends;
	p->n_tenants = n_tenants;
	p->n_services = n_services;
	for (i = 0; i < n_tasks; i++) {
		snprintf(p->tasks[i].name, sizeof(p->tasks[i].name), "task%zu", i);
		p->tasks[i].id = (uint32_t)i;
	}
	for (i = 0; i < n_models; i++) {
		snprintf(p->models[i].name, sizeof(p->models[i].name), "model%zu", i);
		p->models[i].cost = 1;
	}
	for (i = 0; i < n_backends; i++) {
		struct policy_backend *b = &p->backends[i];

		snprintf(b->name, sizeof(b->name), "be%zu", i);
		b->id = (uint32_t)i + 1;
		b->addr[0] = 198;
		b->addr[1] = 18;
		b->addr[2] = (uint8_t)(i >> 8);
		b->addr[3] = (uint8_t)i;
		b->family = FAM4;
		b->port = 8000;
		strcpy(b->provider, "self");
		strcpy(b->region, "eu");
		b->safety_tier = 1;
		b->capacity = 100;
		b->state = STEER_BACKEND_ACTIVE;
	}
	for (i = 0; i < n_tenants; i++) {
		struct policy_tenant *t = &p->tenants[i];

		if (i)
			snprintf(t->name, sizeof(t->name), "tenant%zu", i);
		else
			strcpy(t->name, "default");
		t->id = (uint32_t)i;
		t->max_cost = -1;
		t->action = POLICY_REJECT;
	}
	for (i = 0; i < n_services; i++) {
		struct policy_service *s = &p->services[i];

		snprintf(s->name, sizeof(s->name), "svc%zu", i);
		s->addr[0] = 198;
		s->addr[1] = 19;
		s->addr[3] = (uint8_t)(i + 1);
		s->family = FAM4;
		s->proto = STEER_PROTO_TCP;
		s->port = (uint16_t)(9000 + i);
		s->id = (uint32_t)i;
	}
	p->objective.quality = 1.0;
	p->objective.cost = 0.5;
	p->objective.load = 0.2;
	p->objective.margin = 0.1;
	p->objective.latency = 0.1;
	p->probe_interval_ms = 500;
	p->probe_timeout_ms = 200;
	p->staleness_ms = 2000;
	p->health_rise = 2;
	p->health_fall = 3;
	p->hysteresis = 0.05;
	p->maglev_size = STEER_MAGLEV_DEFAULT;
	p->hash_seed = 0x5eed;
	p->udp_idle_ms = 30000;
	return p;
}

void fixture_policy_free(struct policy *p)
{
	size_t i;

	for (i = 0; i < p->n_tenants; i++)
		free(p->tenants[i].prefixes);
	free(p->tasks);
	free(p->models);
	free(p->backends);
	free(p->tenants);
	free(p->services);
	free(p);
}

void model_serves(struct policy *p, uint32_t model, uint32_t task, double quality)
{
	p->models[model].serves[task] = true;
	p->models[model].quality[task] = quality;
}

void tenant_region(struct policy_tenant *t, const char *region)
{
	snprintf(t->regions[t->n_regions++], POLICY_NAME_MAX, "%s", region);
}

/* Live view: active, healthy, idle (known: running 0, waiting 0). */
struct engine_live *live_new(size_t n)
{
	struct engine_live *l = xcalloc(n, sizeof(*l));
	size_t i;

	for (i = 0; i < n; i++) {
		l[i].admin_state = STEER_BACKEND_ACTIVE;
		l[i].health_known = true;
		l[i].healthy = true;
		l[i].has_running = true;
		l[i].has_waiting = true;
		l[i].latency_ms = -1;
	}
	return l;
}

void live_busy(struct engine_live *l, double running, double waiting)
{
	l->has_running = true;
	l->has_waiting = true;
	l->has_kv = false;
	l->running = running;
	l->waiting = waiting;
}

void decide_ok(const struct policy *p, const struct engine_live *live, struct engine_decisions *ds)
{
	assert_int_equal(engine_decide(p, live, ds), 0);
}

const struct engine_decision *find_dec(const struct engine_decisions *ds, uint32_t tenant,
				       uint32_t task, uint8_t family)
{
	size_t i;

	for (i = 0; i < ds->n; i++)
		if (ds->d[i].tenant == tenant && ds->d[i].task == task &&
		    ds->d[i].family == family)
			return &ds->d[i];
	fail_msg("no decision for tenant %u task %u family %u", tenant, task, family);
	return NULL;
}

/* Weight of backend index b in d's set, 0 if absent. */
uint32_t weight_of(const struct engine_decision *d, uint32_t b)
{
	size_t i;

	for (i = 0; i < d->n_set; i++)
		if (d->set[i].backend == b)
			return d->set[i].weight;
	return 0;
}

size_t n_weighted(const struct engine_decision *d)
{
	size_t i, n = 0;

	for (i = 0; i < d->n_set; i++)
		n += d->set[i].weight > 0;
	return n;
}

bool is_standby(const struct engine_decision *d, uint32_t b)
{
	size_t i;

	for (i = 0; i < d->n_set; i++)
		if (d->set[i].backend == b)
			return !d->set[i].weight;
	return false;
}

uint32_t weight_sum(const struct engine_decision *d)
{
	uint32_t s = 0;
	size_t i;

	for (i = 0; i < d->n_set; i++)
		s += d->set[i].weight;
	return s;
}

/* One task, one model, n backends of capacity 100, one tenant, one service. */
struct policy *policy_simple(size_t n_backends)
{
	struct policy *p = fixture_policy_new(1, 1, n_backends, 1, 1);

	model_serves(p, 0, 0, 0.8);
	p->objective.latency = 0;
	return p;
}

/* Model A (0.9) on backends 0, 1; model B (0.6) on backends 2, 3. */
struct policy *policy_two_models(double qa, double ca, double qb, double cb)
{
	struct policy *p = fixture_policy_new(1, 2, 4, 1, 1);

	model_serves(p, 0, 0, qa);
	model_serves(p, 1, 0, qb);
	p->models[0].cost = ca;
	p->models[1].cost = cb;
	p->backends[2].model = p->backends[3].model = 1;
	p->objective.quality = 1;
	p->objective.cost = 0;
	p->objective.load = 0.2;
	p->objective.margin = 0.5;
	p->objective.latency = 0;
	return p;
}
