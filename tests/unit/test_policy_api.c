// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Unit tests of the policy module's API around the parser: error
 * formatting, files that cannot be read, metric profiles, lookups by name
 * and policy_free().
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/util.h"
#include "fixture_policy.h"

/* ---- API ---- */

static void test_error_format(void **state)
{
	struct policy_error e = { .file = "p.yaml", .line = 4, .column = 2, .field = "a.b",
				     .msg = "bad" };
	char buf[64];

	(void)state;
	policy_error_format(&e, buf, sizeof(buf));
	assert_string_equal(buf, "p.yaml:4:2: a.b: bad");
	e.field[0] = '\0';
	policy_error_format(&e, buf, sizeof(buf));
	assert_string_equal(buf, "p.yaml:4:2: bad");
	e.line = 0;
	policy_error_format(&e, buf, sizeof(buf));
	assert_string_equal(buf, "p.yaml: bad");
	policy_error_format(&e, buf, 4);
	assert_string_equal(buf, "p.y");
}

static void test_load_file_errors(void **state)
{
	char buf[8192];

	(void)state;
	policy_free(&pol);
	assert_int_equal(policy_load("tests/unit/no-such-policy.yaml", &pol, &errs), -ENOENT);
	assert_true(is_zeroed(&pol));
	assert_int_equal(errs.total, 1);
	policy_error_format(&errs.e[0], buf, sizeof(buf));
	assert_string_equal(buf, "tests/unit/no-such-policy.yaml: cannot read: No such file or "
				 "directory");
	assert_int_equal(policy_load("tests/unit", &pol, &errs), -EISDIR);
	/* errs may be NULL */
	assert_int_equal(policy_load_string("x", "tasks: 1\n", 9, &pol, NULL), -EINVAL);
	assert_int_equal(policy_load_string("x", NULL, 0, &pol, &errs), -EINVAL);
	assert_int_equal(errs.total, 1);
}

static void test_profiles(void **state)
{
	struct policy_metric_names m;

	(void)state;
	policy_profile_names(POLICY_METRICS_VLLM, &m);
	assert_string_equal(m.waiting, "vllm:num_requests_waiting");
	assert_string_equal(m.running, "vllm:num_requests_running");
	assert_string_equal(m.kv_usage, "vllm:kv_cache_usage_perc");
	assert_string_equal(m.kv_usage_alt, "vllm:gpu_cache_usage_perc");
	policy_profile_names(POLICY_METRICS_SGLANG, &m);
	assert_string_equal(m.waiting, "sglang:num_queue_reqs");
	assert_string_equal(m.running, "sglang:num_running_reqs");
	assert_string_equal(m.kv_usage, "sglang:token_usage");
	assert_string_equal(m.kv_usage_alt, "");
	policy_profile_names(POLICY_METRICS_CHITU, &m);
	assert_string_equal(m.in_flight, "handle_reqs");	/* POST /load_status, JSON */
	assert_string_equal(m.limit, "max_concurrent_requests");
	assert_int_equal(m.format, POLICY_LOAD_JSON);
	policy_profile_names(POLICY_METRICS_NONE, &m);
	assert_string_equal(m.waiting, "");
	policy_profile_names(POLICY_METRICS_CUSTOM, &m);
	assert_string_equal(m.kv_usage, "");
}

static void test_lookups_and_free(void **state)
{
	struct policy z = { 0 };

	(void)state;
	load_ok(BASE_BE);
	assert_int_equal(policy_model_by_name(&pol, "m1"), 0);
	assert_int_equal(policy_model_by_name(&pol, "m2"), -1);
	assert_int_equal(policy_backend_by_name(&pol, "b1"), 0);
	assert_int_equal(policy_backend_by_name(&pol, "b"), -1);
	assert_int_equal(policy_tenant_by_name(&pol, "default"), 0);
	assert_int_equal(policy_tenant_by_name(&pol, "acme"), -1);
	assert_int_equal(policy_task_by_name(&pol, "code"), 1);
	policy_free(&z);
	policy_free(&z);
	policy_free(NULL);
	assert_true(is_zeroed(&z));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_format),
		cmocka_unit_test(test_load_file_errors),
		cmocka_unit_test(test_profiles),
		cmocka_unit_test(test_lookups_and_free),
	};

	return cmocka_run_group_tests_name("policy_api", tests, NULL, pol_teardown);
}
