// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Unit tests of the planner (user/engine/plan.c): the plan a publish hands
 * to dp_apply, as data. Classes with the same set share one table; a
 * weight change under the hysteresis leaves the maps alone; a table whose
 * classes all move together is rewritten in place; a removed class frees
 * its table; a resize rebuilds every table; a planner that adopts the
 * maps after a restart keeps every class and table id; the state rule;
 * each service's bounded load (balance_factor, default 1.25, 0 off).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "engine/engine.h"
#include "policy/policy.h"
#include "util/util.h"

static const char policy_yaml[] =
	"settings:\n"
	"  maglev_size: 251\n"
	"  hysteresis: 0.1\n"
	"tasks: [chat, code]\n"
	"models:\n"
	"  - {name: m1, cost: 1, quality: {chat: 0.8, code: 0.8}}\n"
	"services:\n"
	"  - {name: chat, vip: 198.18.100.1, port: 80, task: chat}\n"
	"  - {name: code, vip: 198.18.100.1, port: 81, task: code, balance_factor: 0, mss_clamp: 1360}\n"
	"backends:\n"
	"  - {name: be1, id: 1, address: 198.18.2.2, port: 8000, model: m1, provider: self,"
	" region: lab, capacity: 10}\n"
	"  - {name: be2, id: 2, address: 198.18.3.2, port: 8000, model: m1, provider: self,"
	" region: lab, capacity: 10}\n"
	"tenants:\n"
	"  - {name: default, action: reject, min_safety_tier: 3}\n"
	"  - {name: lab, id: 1, prefixes: [198.18.1.0/24, 'fd00:1::/64']}\n";

struct fx {
	struct policy pol;
	struct engine_live live[2];
	struct engine_planner *pl;
};

static int setup(void **state)
{
	struct fx *x = calloc(1, sizeof(*x));
	struct policy_errors errs;

	assert_non_null(x);
	memset(&errs, 0, sizeof(errs));
	assert_int_equal(
		policy_load_string("t.yaml", policy_yaml, sizeof(policy_yaml) - 1, &x->pol, &errs),
		0);
	for (size_t i = 0; i < 2; i++) {
		x->live[i].admin_state = STEER_BACKEND_ACTIVE;
		x->live[i].health_known = true;
		x->live[i].healthy = true;
		x->live[i].latency_ms = -1;
		x->live[i].has_running = true; /* idle, and known to be */
	}
	assert_int_equal(engine_planner_new(&x->pl), 0);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fx *x = *state;

	engine_planner_free(x->pl);
	policy_free(&x->pol);
	free(x);
	return 0;
}

static void plan(struct fx *x, struct dp_plan *out)
{
	struct engine_decisions dec;

	assert_int_equal(engine_decide(&x->pol, x->live, &dec), 0);
	assert_int_equal(engine_plan(x->pl, &x->pol, x->live, &dec, out), 0);
	engine_decisions_free(&dec);
}

static const struct dp_plan_class *find_class(const struct dp_plan *p, uint32_t tenant,
					      uint16_t task, uint8_t family)
{
	for (size_t i = 0; i < p->n_classes; i++)
		if (p->classes[i].key.tenant == tenant && p->classes[i].key.task == task &&
		    p->classes[i].key.family == family)
			return &p->classes[i];
	return NULL;
}

static const struct dp_plan_table *find_table(const struct dp_plan *p, uint32_t id)
{
	for (size_t i = 0; i < p->n_tables; i++)
		if (p->tables[i].id == id)
			return &p->tables[i];
	return NULL;
}

static size_t n_built(const struct dp_plan *p)
{
	size_t n = 0;

	for (size_t i = 0; i < p->n_tables; i++)
		n += p->tables[i].entries != NULL;
	return n;
}

/* The first plan: every map's contents, classes sharing one table. */
static void test_first_plan(void **state)
{
	struct fx *x = *state;
	const struct dp_plan_class *c4, *c6, *code, *def;
	const struct dp_plan_table *t;
	struct dp_plan p;
	size_t slots[3] = {0};

	plan(x, &p);
	assert_int_equal(p.config.maglev_size, 251);
	assert_int_equal(p.n_backends, 2);
	assert_int_equal(p.backends[0].id, 1);
	assert_int_equal(p.backends[0].be.state, STEER_BACKEND_ACTIVE);
	assert_int_equal(p.backends[0].be.port, htons(8000));
	assert_true(p.policy_maps);
	assert_int_equal(p.n_tenants, 2);
	assert_int_equal(p.n_prefixes, 2);
	assert_int_equal(p.n_services, 2);
	assert_int_equal(p.services[0].key.port, htons(80));
	/* bounded load: the default c = 1.25; the service that sets 0 is off */
	assert_int_equal(p.services[0].val.balance_pct, 125);
	assert_int_equal(p.services[1].val.balance_pct, 0);
	assert_int_equal(p.services[0].val.mss_clamp, 0); /* off unless set */
	assert_int_equal(p.services[1].val.mss_clamp, 1360);

	c4 = find_class(&p, 1, 0, STEER_AF_INET);
	code = find_class(&p, 1, 1, STEER_AF_INET);
	def = find_class(&p, 0, 0, STEER_AF_INET);
	assert_non_null(c4);
	assert_non_null(code);
	assert_non_null(def);
	assert_int_equal(c4->val.action, STEER_ACTION_TABLE);
	assert_int_equal(def->val.action, STEER_ACTION_REJECT);
	assert_int_equal(def->val.table_id, 0);
	/* chat and code have the same set: one table; IPv6 has no backend */
	assert_int_equal(code->val.table_id, c4->val.table_id);
	c6 = find_class(&p, 1, 0, STEER_AF_INET6);
	assert_true(!c6 || c6->val.table_id != c4->val.table_id);
	assert_int_not_equal(c4->val.class_id, code->val.class_id);
	t = find_table(&p, c4->val.table_id);
	assert_non_null(t);
	assert_non_null(t->entries);
	for (size_t i = 0; i < 251; i++) {
		assert_in_range(t->entries[i], 1, 2);
		slots[t->entries[i]]++;
	}
	assert_in_range(slots[1], 120, 131); /* equal weights: half each */
	assert_int_equal(p.n_retired_tables, 0);
	engine_plan_free(&p);
}

/* Same inputs, or a weight move under the hysteresis: nothing new to write. */
static void test_steady_and_hysteresis(void **state)
{
	struct fx *x = *state;
	const struct dp_plan_class *c;
	struct dp_plan p;
	uint32_t table;

	plan(x, &p);
	table = find_class(&p, 1, 0, STEER_AF_INET)->val.table_id;
	engine_plan_free(&p);

	plan(x, &p);
	assert_false(p.policy_maps); /* tenants and services did not change */
	assert_int_equal(n_built(&p), 0);
	engine_plan_free(&p);

	/* a reload that changes only the bounded load rewrites the services */
	x->pol.balance_factor = 2.0;
	plan(x, &p);
	assert_true(p.policy_maps);
	assert_int_equal(p.services[0].val.balance_pct, 200);
	engine_plan_free(&p);

	x->live[0].running = 0.5; /* 5 % busier: under the 10 % hysteresis */
	plan(x, &p);
	assert_int_equal(n_built(&p), 0);
	c = find_class(&p, 1, 0, STEER_AF_INET);
	assert_int_equal(c->val.table_id, table);
	engine_plan_free(&p);
}

/* A real move: the shared table is rewritten in place, no class moves. */
static void test_rewrite_in_place(void **state)
{
	struct fx *x = *state;
	struct dp_plan p;
	uint32_t table, cid;

	plan(x, &p);
	table = find_class(&p, 1, 0, STEER_AF_INET)->val.table_id;
	cid = find_class(&p, 1, 0, STEER_AF_INET)->val.class_id;
	engine_plan_free(&p);

	x->live[0].running = 8; /* 80 % busy */
	plan(x, &p);
	assert_int_equal(n_built(&p), 1);
	assert_int_equal(find_class(&p, 1, 0, STEER_AF_INET)->val.table_id, table);
	assert_int_equal(find_class(&p, 1, 1, STEER_AF_INET)->val.table_id, table);
	assert_int_equal(find_class(&p, 1, 0, STEER_AF_INET)->val.class_id, cid);
	assert_non_null(find_table(&p, table)->entries);
	engine_plan_free(&p);
}

/* A backend down: its state in the plan, and the tables without it. */
static void test_down_backend(void **state)
{
	struct fx *x = *state;
	const struct dp_plan_table *t;
	struct dp_plan p;

	plan(x, &p);
	engine_plan_free(&p);
	x->live[1].healthy = false;
	x->live[1].down_grace_over = true;
	plan(x, &p);
	assert_int_equal(p.backends[1].be.state, STEER_BACKEND_DOWN);
	t = find_table(&p, find_class(&p, 1, 0, STEER_AF_INET)->val.table_id);
	assert_non_null(t->entries);
	for (size_t i = 0; i < 251; i++)
		assert_int_equal(t->entries[i], 1);
	engine_plan_free(&p);
}

/* Failing health within the grace: failing in the map (TCP flows stay),
 * out of the tables at once, like down. */
static void test_failing_backend(void **state)
{
	struct fx *x = *state;
	const struct dp_plan_table *t;
	struct dp_plan p;

	plan(x, &p);
	engine_plan_free(&p);
	x->live[1].healthy = false;
	plan(x, &p);
	assert_int_equal(p.backends[1].be.state, STEER_BACKEND_FAILING);
	t = find_table(&p, find_class(&p, 1, 0, STEER_AF_INET)->val.table_id);
	assert_non_null(t->entries);
	for (size_t i = 0; i < 251; i++)
		assert_int_equal(t->entries[i], 1);
	engine_plan_free(&p);
}

/*
 * Full by its probe (10 running of 10, queueing): no slots, but a standby
 * member of the table, for the bound's set (dp_table_set_write); the same
 * backend down is not even that.
 */
static void test_saturated_backend_stands_by(void **state)
{
	struct fx *x = *state;
	const struct dp_plan_table *t;
	struct dp_plan p;

	x->live[1].running = 10;
	x->live[1].has_waiting = true;
	x->live[1].waiting = 2;
	plan(x, &p);
	t = find_table(&p, find_class(&p, 1, 0, STEER_AF_INET)->val.table_id);
	assert_non_null(t->entries);
	for (size_t i = 0; i < 251; i++)
		assert_int_equal(t->entries[i], 1);
	assert_int_equal(t->n_standby, 1);
	assert_int_equal(t->standby[0], 2);
	engine_plan_free(&p);

	x->live[1].healthy = false;
	x->live[1].down_grace_over = true;
	plan(x, &p);
	t = find_table(&p, find_class(&p, 1, 0, STEER_AF_INET)->val.table_id);
	assert_non_null(t->entries);
	assert_int_equal(t->n_standby, 0);
	engine_plan_free(&p);
}

/* A tenant removed from the policy: its classes go, the table too. */
static void test_retire(void **state)
{
	struct fx *x = *state;
	struct dp_plan p;
	uint32_t table;

	plan(x, &p);
	table = find_class(&p, 1, 0, STEER_AF_INET)->val.table_id;
	engine_plan_free(&p);
	x->pol.n_tenants = 1; /* only "default" stays (rejecting) */
	plan(x, &p);
	assert_true(p.policy_maps);
	assert_null(find_class(&p, 1, 0, STEER_AF_INET));
	assert_null(find_table(&p, table));
	assert_int_equal(p.n_retired_tables, 1);
	assert_int_equal(p.retired_tables[0], table);
	x->pol.n_tenants = 2;
	engine_plan_free(&p);
}

/* maglev_size changed: every table is rebuilt at the new size. */
static void test_resize(void **state)
{
	struct fx *x = *state;
	struct dp_plan p;

	plan(x, &p);
	engine_plan_free(&p);
	x->pol.maglev_size = 257;
	plan(x, &p);
	assert_int_equal(p.config.maglev_size, 257);
	assert_int_equal(n_built(&p), p.n_tables);
	assert_true(p.n_tables > 0);
	engine_plan_free(&p);
}

/*
 * A new hash seed rebuilds every table, and the tables are what a fresh
 * planner (a restart with the new seed) builds: gateways of one policy
 * agree whether they reloaded or restarted.
 */
static void test_seed_change(void **state)
{
	struct fx *x = *state;
	struct engine_planner *fresh;
	struct dp_plan p, q;
	size_t i;

	plan(x, &p);
	engine_plan_free(&p);
	x->pol.hash_seed = 7;
	plan(x, &p);
	assert_int_equal(p.config.hash_seed, 7);
	assert_true(p.n_tables > 0);
	assert_int_equal(n_built(&p), p.n_tables);
	assert_int_equal(engine_planner_new(&fresh), 0);
	engine_planner_free(x->pl);
	x->pl = fresh;
	plan(x, &q);
	assert_int_equal(q.n_tables, p.n_tables);
	for (i = 0; i < p.n_tables; i++) {
		const struct dp_plan_table *t = find_table(&q, p.tables[i].id);

		assert_non_null(t);
		assert_non_null(t->entries);
		assert_memory_equal(p.tables[i].entries, t->entries, 251 * sizeof(uint32_t));
	}
	engine_plan_free(&p);
	engine_plan_free(&q);
}

/* After a restart: the planner adopts the maps; ids stay, contents are rebuilt. */
static void test_adopt(void **state)
{
	struct fx *x = *state;
	struct steer_class_key keys[16];
	struct steer_class vals[16];
	struct engine_planner *again;
	struct dp_plan p, q;
	size_t i;

	plan(x, &p);
	assert_true(p.n_classes <= 16);
	for (i = 0; i < p.n_classes; i++) {
		keys[i] = p.classes[i].key;
		vals[i] = p.classes[i].val;
	}
	assert_int_equal(engine_planner_new(&again), 0);
	assert_int_equal(engine_planner_adopt(again, &p.config, keys, vals, p.n_classes), 0);
	engine_planner_free(x->pl);
	x->pl = again;
	plan(x, &q);
	assert_true(q.policy_maps); /* not known after a restart: compared by dp_apply */
	assert_int_equal(q.n_classes, p.n_classes);
	for (i = 0; i < p.n_classes; i++) {
		const struct dp_plan_class *c =
			find_class(&q, p.classes[i].key.tenant, p.classes[i].key.task,
				   p.classes[i].key.family);

		assert_non_null(c);
		assert_memory_equal(&c->val, &p.classes[i].val, sizeof(c->val));
	}
	/* the same contents as before the restart */
	for (i = 0; i < q.n_tables; i++) {
		const struct dp_plan_table *t = find_table(&p, q.tables[i].id);

		assert_non_null(t);
		if (q.tables[i].entries && t->entries)
			assert_memory_equal(q.tables[i].entries, t->entries,
					    251 * sizeof(uint32_t));
	}
	assert_int_equal(q.n_retired_tables, 0);
	engine_plan_free(&p);
	engine_plan_free(&q);
}

static void test_backend_state_rule(void **state)
{
	struct engine_live l = {.admin_state = STEER_BACKEND_ACTIVE};

	(void)state;
	assert_int_equal(engine_backend_state(&l), STEER_BACKEND_ACTIVE); /* health unknown */
	l.health_known = true; /* failed health, within the grace: failing */
	assert_int_equal(engine_backend_state(&l), STEER_BACKEND_FAILING);
	l.down_grace_over = true; /* failed for down_grace_ms: down */
	assert_int_equal(engine_backend_state(&l), STEER_BACKEND_DOWN);
	l.down_grace_over = false;
	l.healthy = true;
	assert_int_equal(engine_backend_state(&l), STEER_BACKEND_ACTIVE);
	l.admin_state = STEER_BACKEND_DRAINING;
	assert_int_equal(engine_backend_state(&l), STEER_BACKEND_DRAINING);
	l.healthy = false; /* draining and failing: failing, then down */
	assert_int_equal(engine_backend_state(&l), STEER_BACKEND_FAILING);
	l.down_grace_over = true;
	assert_int_equal(engine_backend_state(&l), STEER_BACKEND_DOWN);
	l.down_grace_over = false;
	l.healthy = true;
	l.admin_state = STEER_BACKEND_DOWN; /* the operator's down is immediate */
	assert_int_equal(engine_backend_state(&l), STEER_BACKEND_DOWN);
	l.admin_state = STEER_BACKEND_UNUSED;
	assert_int_equal(engine_backend_state(&l), STEER_BACKEND_DOWN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_first_plan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_steady_and_hysteresis, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rewrite_in_place, setup, teardown),
		cmocka_unit_test_setup_teardown(test_down_backend, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failing_backend, setup, teardown),
		cmocka_unit_test_setup_teardown(test_saturated_backend_stands_by, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retire, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resize, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seed_change, setup, teardown),
		cmocka_unit_test_setup_teardown(test_adopt, setup, teardown),
		cmocka_unit_test(test_backend_state_rule),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
