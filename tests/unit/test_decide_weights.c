// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Unit tests of the decision engine's weights (decide.c, DESIGN.md
 * "Decisions"): weights from spare capacity (load, queueing, KV cache,
 * kernel flows, latency), model routing and spill-over within the margin,
 * and cost.
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

#include "util/util.h"
#include "fixture_decide.h"

/* ---- 3. weights follow spare capacity ---------------------------------- */

static void test_weights_spare(void **state)
{
	struct policy *p = policy_simple(3);
	struct engine_live *l = live_new(3);
	const struct engine_decision *d;
	struct engine_decisions ds;
	double ratio;
	bool known;

	(void)state;
	/* 25 % vs 75 % busy: spare 0.75 vs 0.25, ratio 3:1 */
	live_busy(&l[0], 25, 0);
	live_busy(&l[1], 75, 0);
	l[2].admin_state = STEER_BACKEND_DOWN;
	decide_ok(p, l, &ds);
	d = find_dec(&ds, 0, 0, FAM4);
	assert_int_equal(d->kind, ENGINE_DEC_TABLE);
	assert_int_equal(d->n_set, 2);
	assert_int_equal(weight_of(d, 0), SCALE);
	ratio = (double)weight_of(d, 0) / weight_of(d, 1);
	assert_true(ratio > 2.9 && ratio < 3.1);
	engine_decisions_free(&ds);

	/* queueing at full capacity: saturated, no weight at all; a standby
	 * (weight 0) the kernel's bound may still reach when the others are
	 * full by its own count */
	live_busy(&l[1], 100, 3);
	assert_true(engine_backend_spare(&p->backends[1], &l[1], &known) <= 0);
	assert_true(known);
	assert_int_equal(engine_exclusion(p, l, 0, 0, FAM4, 1), ENGINE_EXCL_SATURATED);
	decide_ok(p, l, &ds);
	d = find_dec(&ds, 0, 0, FAM4);
	assert_int_equal(n_weighted(d), 1);
	assert_int_equal(weight_of(d, 1), 0);
	assert_true(is_standby(d, 1));
	assert_int_equal(weight_of(d, 0), SCALE);
	engine_decisions_free(&ds);

	/* KV cache nearly full lowers the weight */
	l[0].has_running = l[0].has_waiting = false;
	l[1].has_running = l[1].has_waiting = false;
	l[0].has_kv = l[1].has_kv = true;
	l[0].kv_usage = 0.1;
	l[1].kv_usage = 0.99;
	decide_ok(p, l, &ds);
	d = find_dec(&ds, 0, 0, FAM4);
	assert_int_equal(weight_of(d, 0), SCALE);
	assert_true(weight_of(d, 1) >= 1 && weight_of(d, 1) < SCALE / 20);
	engine_decisions_free(&ds);

	/* unknown load is 0.5: below an idle known backend, above a 90 % busy one */
	l[2].admin_state = STEER_BACKEND_ACTIVE;
	live_busy(&l[0], 0, 0);
	memset(&l[1], 0, sizeof(l[1]));
	l[1].admin_state = STEER_BACKEND_ACTIVE;
	l[1].latency_ms = -1;
	live_busy(&l[2], 90, 0);
	assert_true(fabs(engine_backend_spare(&p->backends[1], &l[1], &known) - 0.5) < 1e-9);
	assert_false(known);
	decide_ok(p, l, &ds);
	d = find_dec(&ds, 0, 0, FAM4);
	assert_int_equal(d->n_set, 3);
	assert_true(weight_of(d, 0) > weight_of(d, 1));
	assert_true(weight_of(d, 1) > weight_of(d, 2));
	assert_in_range(weight_of(d, 1), SCALE / 2 - 5, SCALE / 2 + 5);
	engine_decisions_free(&ds);

	/* kernel flows when there is no model-server signal */
	l[0].has_running = l[0].has_waiting = l[0].has_kv = false;
	l[1].has_running = l[1].has_waiting = l[1].has_kv = false;
	l[0].has_flows = l[1].has_flows = true;
	l[0].active_flows = 20;
	l[1].active_flows = 80;
	l[2].admin_state = STEER_BACKEND_DRAINING;
	assert_true(fabs(engine_backend_spare(&p->backends[1], &l[1], &known) - 0.2) < 1e-9);
	assert_true(known);
	decide_ok(p, l, &ds);
	d = find_dec(&ds, 0, 0, FAM4);
	assert_int_equal(d->n_set, 2);
	ratio = (double)weight_of(d, 0) / weight_of(d, 1);
	assert_true(ratio > 3.9 && ratio < 4.1);
	engine_decisions_free(&ds);

	/* flows at capacity: saturated */
	l[1].active_flows = 100;
	assert_int_equal(engine_exclusion(p, l, 0, 0, FAM4, 1), ENGINE_EXCL_SATURATED);

	/* a slower backend (observed latency) gets less */
	live_busy(&l[0], 0, 0);
	live_busy(&l[1], 0, 0);
	l[0].has_flows = l[1].has_flows = false;
	l[1].latency_ms = 200;
	p->objective.latency = 0.5;
	decide_ok(p, l, &ds);
	d = find_dec(&ds, 0, 0, FAM4);
	assert_int_equal(weight_of(d, 0), SCALE);
	assert_true(weight_of(d, 1) < SCALE * 0.6);
	engine_decisions_free(&ds);

	free(l);
	fixture_policy_free(p);
}

/* ---- 4. model routing and spill-over ------------------------------------ */

static void test_model_spillover(void **state)
{
	struct policy *p = policy_two_models(0.9, 1, 0.6, 1);
	struct engine_live *l = live_new(4);
	const struct engine_decision *d;
	struct engine_decisions ds;
	uint32_t wb;

	(void)state;
	/* A idle: B is within the margin but gets (almost) nothing */
	decide_ok(p, l, &ds);
	d = find_dec(&ds, 0, 0, FAM4);
	assert_int_equal(d->kind, ENGINE_DEC_TABLE);
	assert_int_equal(d->models[0], 0);
	assert_int_equal(weight_of(d, 0), SCALE);
	assert_int_equal(weight_of(d, 1), SCALE);
	wb = weight_of(d, 2) + weight_of(d, 3);
	assert_true(wb * 100 <= weight_sum(d));
	engine_decisions_free(&ds);

	/* A 90 % busy: B takes a real share */
	live_busy(&l[0], 90, 0);
	live_busy(&l[1], 90, 0);
	decide_ok(p, l, &ds);
	d = find_dec(&ds, 0, 0, FAM4);
	assert_int_equal(d->models[0], 0);
	assert_int_equal(d->n_models, 2);
	assert_int_equal(d->models[1], 1);
	assert_int_equal(d->n_set, 4);
	wb = weight_of(d, 2) + weight_of(d, 3);
	assert_true(wb * 5 >= weight_sum(d)); /* at least 20 % */
	assert_true(weight_of(d, 0) > 0 && weight_of(d, 1) > 0);
	engine_decisions_free(&ds);

	/* A saturated: B gets everything */
	live_busy(&l[0], 100, 2);
	live_busy(&l[1], 120, 0);
	decide_ok(p, l, &ds);
	d = find_dec(&ds, 0, 0, FAM4);
	assert_int_equal(d->kind, ENGINE_DEC_TABLE);
	assert_int_equal(d->models[0], 1);
	assert_int_equal(d->n_set, 2);
	assert_int_equal(weight_of(d, 2), SCALE);
	assert_int_equal(weight_of(d, 3), SCALE);
	engine_decisions_free(&ds);

	/* margin 0: only the best model, even when it is busy */
	live_busy(&l[0], 90, 0);
	live_busy(&l[1], 90, 0);
	p->objective.margin = 0;
	decide_ok(p, l, &ds);
	d = find_dec(&ds, 0, 0, FAM4);
	assert_int_equal(d->n_models, 1);
	assert_int_equal(d->models[0], 0);
	assert_int_equal(d->n_set, 2);
	assert_int_equal(weight_of(d, 2) + weight_of(d, 3), 0);
	engine_decisions_free(&ds);

	/* a model outside the margin never gets flows */
	p->objective.margin = 0.2;
	p->models[1].quality[0] = 0.3; /* gap 0.92 - (0.3 + 0.2) = 0.42 > 0.2 */
	decide_ok(p, l, &ds);
	d = find_dec(&ds, 0, 0, FAM4);
	assert_int_equal(d->n_models, 1);
	assert_int_equal(weight_of(d, 2) + weight_of(d, 3), 0);
	engine_decisions_free(&ds);

	free(l);
	fixture_policy_free(p);
}

/* ---- 5. cost ------------------------------------------------------------ */

static void test_cost(void **state)
{
	/* equal quality; model 0 costs 10, model 1 costs 2 */
	struct policy *p = policy_two_models(0.8, 10, 0.8, 2);
	struct engine_live *l = live_new(4);
	const struct engine_decision *d;
	struct engine_decisions ds;
	uint32_t w_dear;

	(void)state;
	p->objective.cost = 0.5;
	p->objective.margin = 1;
	decide_ok(p, l, &ds);
	d = find_dec(&ds, 0, 0, FAM4);
	assert_int_equal(d->models[0], 1);
	assert_int_equal(weight_of(d, 2), SCALE);
	assert_true(weight_of(d, 2) > weight_of(d, 0));
	engine_decisions_free(&ds);

	/* same load everywhere: the cheaper one still gets more per backend */
	live_busy(&l[0], 50, 0);
	live_busy(&l[1], 50, 0);
	live_busy(&l[2], 50, 0);
	live_busy(&l[3], 50, 0);
	decide_ok(p, l, &ds);
	d = find_dec(&ds, 0, 0, FAM4);
	assert_int_equal(d->models[0], 1);
	assert_int_equal(d->n_set, 4);
	assert_true(weight_of(d, 2) > weight_of(d, 0));
	assert_true(weight_of(d, 3) > weight_of(d, 1));
	engine_decisions_free(&ds);

	/* cost not weighed: the tie goes to neither by cost, weights are equal */
	p->objective.cost = 0;
	decide_ok(p, l, &ds);
	d = find_dec(&ds, 0, 0, FAM4);
	assert_int_equal(weight_of(d, d->models[0] == 0 ? 0 : 2), SCALE);
	engine_decisions_free(&ds);

	/*
	 * Same model scores, only B cheaper: B's backends get more weight.
	 * A (0.9, cost 1) is 90 % busy so that B (within the margin) has a
	 * share; B first costs 1 with quality 0.6, then 0.4 with quality 0.3:
	 * 0.6 - 0.5 * 1 = 0.3 - 0.5 * 0.4, so only the cost term moves.
	 */
	free(l);
	fixture_policy_free(p);
	p = policy_two_models(0.9, 1, 0.6, 1);
	l = live_new(4);
	p->objective.cost = 0.5;
	live_busy(&l[0], 90, 0);
	live_busy(&l[1], 90, 0);
	decide_ok(p, l, &ds);
	d = find_dec(&ds, 0, 0, FAM4);
	assert_int_equal(d->models[0], 0);
	assert_int_equal(weight_of(d, 2), SCALE);
	w_dear = weight_of(d, 0);
	engine_decisions_free(&ds);
	p->models[1].cost = 0.4;
	p->models[1].quality[0] = 0.3;
	decide_ok(p, l, &ds);
	d = find_dec(&ds, 0, 0, FAM4);
	assert_int_equal(d->models[0], 0);
	assert_int_equal(weight_of(d, 2), SCALE);
	/* relative to B, A now weighs less: B's cost penalty is smaller */
	assert_true(weight_of(d, 0) < w_dear);
	engine_decisions_free(&ds);
	p->models[0].cost = 10;
	p->models[1].cost = 2;
	p->models[1].quality[0] = 0.8;
	p->models[0].quality[0] = 0.8;

	/* over the tenant's max cost: excluded whatever the load */
	p->objective.cost = 0.5;
	p->tenants[0].max_cost = 5;
	live_busy(&l[2], 99, 0);
	live_busy(&l[3], 99, 0);
	assert_int_equal(engine_exclusion(p, l, 0, 0, FAM4, 0), ENGINE_EXCL_COST);
	decide_ok(p, l, &ds);
	d = find_dec(&ds, 0, 0, FAM4);
	assert_int_equal(d->kind, ENGINE_DEC_TABLE);
	assert_int_equal(d->n_set, 2);
	assert_int_equal(weight_of(d, 0) + weight_of(d, 1), 0);
	engine_decisions_free(&ds);

	free(l);
	fixture_policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_weights_spare),
		cmocka_unit_test(test_model_spillover),
		cmocka_unit_test(test_cost),
	};

	return cmocka_run_group_tests_name("decide_weights", tests, NULL, NULL);
}
