// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * steerd_publish (user/steerd/publish.c): a publish that fails is retried on
 * the next round even though no live signal moved (the change signature is
 * only consumed by a publish that reached the maps), and every failure is
 * counted (steerd_publish_failures_total).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
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

static int fail_left;	/* apply calls still to fail */
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
	assert_int_equal(policy_load_string("t.yaml", policy_yaml, sizeof(policy_yaml) - 1, &d->pol,
					    &errs),
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_failed_publish_is_retried, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failures_counted_each, setup, teardown),
	};

	util_log_init("test_publish", UTIL_LOG_WARN, false);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
