// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * steerd_publish (user/steerd/publish.c): a publish that fails is retried on
 * the next round even though no live signal moved (the change signature is
 * only consumed by a publish that reached the maps), and every failure is
 * counted (steerd_publish_failures_total); and health tracking
 * (user/steerd/live.c): failed health is failing until down_grace_ms, then
 * down.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "steerd/steerd.h"
#include "util/util.h"

static const char policy_yaml[] =
	"settings: {maglev_size: 251}\n"
	"tasks: [chat]\n"
	"models:\n"
	"  - {name: m1, cost: 1, quality: {chat: 0.8}}\n"
	"services:\n"
	"  - {name: chat, vip: 198.18.100.1, port: 80, task: chat}\n"
	"backends:\n"
	"  - {name: be1, address: 198.18.2.2, port: 8000, model: m1, provider: self,"
	" region: lab, capacity: 10}\n"
	"tenants:\n"
	"  - {name: default, action: reject}\n"
	"  - {name: lab, prefixes: [198.18.1.0/24]}\n";

static int fail_left; /* apply calls still to fail */
static int calls;

static int fake_apply(struct dp *dp, const struct dp_plan *plan, struct dp_apply_stats *st)
{
	(void)dp;
	(void)plan;
	memset(st, 0, sizeof(*st));
	calls++;
	if (fail_left > 0) {
		fail_left--;
		return -EIO;
	}
	return 0;
}

static int setup(void **state)
{
	struct steerd *d = calloc(1, sizeof(*d));
	struct policy_errors errs;

	memset(&errs, 0, sizeof(errs));
	assert_non_null(d);
	assert_int_equal(
		policy_load_string("t.yaml", policy_yaml, sizeof(policy_yaml) - 1, &d->pol, &errs),
		0);
	assert_int_equal(steerd_track_init(d, NULL, NULL), 0);
	assert_int_equal(engine_planner_new(&d->planner), 0);
	d->apply = fake_apply;
	d->force = true;
	fail_left = 0;
	calls = 0;
	*state = d;
	return 0;
}

static int teardown(void **state)
{
	struct steerd *d = *state;

	engine_planner_free(d->planner);
	free(d->track);
	free(d->live);
	policy_free(&d->pol);
	free(d);
	return 0;
}

static void test_failed_publish_is_retried(void **state)
{
	struct steerd *d = *state;

	fail_left = 1;
	assert_int_equal(steerd_publish(d), -EIO);
	assert_int_equal(calls, 1);
	assert_int_equal(d->publish_failures, 1);
	assert_int_equal(d->publishes, 0);
	/* the next round: nothing moved, but the maps don't hold the decision yet */
	assert_int_equal(steerd_publish(d), 0);
	if (calls != 2)
		fail_msg("a failed publish was not retried on the next round (%d apply calls)",
			 calls);
	assert_int_equal(d->publishes, 1);
	assert_int_equal(d->publish_fail_streak, 0);
	/* published: an unchanged round writes nothing */
	assert_int_equal(steerd_publish(d), 0);
	assert_int_equal(calls, 2);
}

static void test_failures_counted_each(void **state)
{
	struct steerd *d = *state;

	fail_left = 3;
	assert_int_equal(steerd_publish(d), -EIO);
	assert_int_equal(steerd_publish(d), -EIO);
	assert_int_equal(steerd_publish(d), -EIO);
	assert_int_equal(d->publish_failures, 3);
	assert_int_equal(d->publish_fail_streak, 3);
	assert_int_equal(steerd_publish(d), 0);
	assert_int_equal(d->publish_failures, 3);
	assert_int_equal(d->publish_fail_streak, 0);
	assert_int_equal(calls, 4);
}

/* health_fall failed probes of be1 */
static void fail_health(struct steerd *d)
{
	struct probe_result r;

	memset(&r, 0, sizeof(r));
	r.health_checked = true;
	r.healthy = false;
	snprintf(r.error, sizeof(r.error), "HTTP 503");
	for (unsigned int i = 0; i < d->pol.health_fall; i++)
		steerd_track_round(d, &r, 1);
}

static void test_health_failing_then_down(void **state)
{
	struct steerd *d = *state;

	d->pol.down_grace_ms = 60000;
	fail_health(d);
	steerd_live_build(d);
	assert_false(d->live[0].healthy);
	assert_false(d->live[0].down_grace_over);
	assert_int_equal(engine_backend_state(&d->live[0]), STEER_BACKEND_FAILING);
	/* the grace has passed (as if a minute went by) */
	d->track[0].failed_at_ms -= 60000;
	steerd_live_build(d);
	assert_true(d->live[0].down_grace_over);
	assert_int_equal(engine_backend_state(&d->live[0]), STEER_BACKEND_DOWN);
}

static void test_health_no_grace(void **state)
{
	struct steerd *d = *state;

	d->pol.down_grace_ms = 0; /* down at once */
	fail_health(d);
	steerd_live_build(d);
	assert_int_equal(engine_backend_state(&d->live[0]), STEER_BACKEND_DOWN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_failed_publish_is_retried, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failures_counted_each, setup, teardown),
		cmocka_unit_test_setup_teardown(test_health_failing_then_down, setup, teardown),
		cmocka_unit_test_setup_teardown(test_health_no_grace, setup, teardown),
	};

	util_log_init("test_publish", UTIL_LOG_WARN, false);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
