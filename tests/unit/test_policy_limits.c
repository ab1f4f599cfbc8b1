// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Unit tests of the policy parser's limits: one item too many of each
 * kind is an error, the limit itself is fine, and the error list is
 * capped while the total still counts every error.
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

static char *repeat(const char *head, const char *fmt, unsigned int n)
{
	char *s = malloc(strlen(head) + (size_t)n * (strlen(fmt) + 40) + 1), *o = s;
	unsigned int i;

	assert_non_null(s);
	o += sprintf(o, "%s", head);
	for (i = 0; i < n; i++)
		o += sprintf(o, fmt, i, i >> 8, i & 255);
	return s;
}

static void check_limit(const char *head, const char *fmt, unsigned int n, const char *want)
{
	char *yaml = repeat(head, fmt, n);
	bool ok = errors_are(yaml, &want, 1);

	free(yaml);
	assert_true(ok);
}

static void test_err_limits(void **state)
{
	(void)state;
	check_limit("models: [{name: m, cost: 1, quality: {t0: 1}}]\n"
		    "services: [{name: s, vip: 1.1.1.1, port: 1, task: t0}]\ntasks:\n",
		    "  - t%u\n", 17, "policy.yaml:20:5: tasks[16]: too many tasks (at most 16)");
	check_limit(BASE "interfaces:\n  xdp:\n", "    - e%u\n", 9,
		    "policy.yaml:16:7: interfaces.xdp[8]: too many interfaces (at most 8)");
	check_limit(BASE "tenants:\n  - name: default\n    regions:\n", "      - r%u\n",
		    17, "policy.yaml:25:9: tenants[0].regions[16]: too many regions (at most 16)");
	check_limit(BASE "backends:\n",
		    "  - {name: b%u, address: 10.0.%u.%u, port: 1, model: m1, provider: p, "
		    "region: r, capacity: 1}\n",
		    STEER_MAX_BACKENDS,
		    "policy.yaml:8198:5: backends[8191]: too many backends (at most 8191)");
	check_limit(BASE "tenants:\n", "  - {name: t%u, prefixes: [10.0.%u.%u]}\n",
		    STEER_MAX_TENANTS,
		    "policy.yaml:4102:5: tenants[4095]: too many tenants (at most 4096 with "
		    "\"default\")");
	/* at the limit: fine */
	{
		char *yaml = repeat(BASE "tenants:\n", "  - {name: t%u, prefixes: [10.0.%u.%u]}\n",
				    STEER_MAX_TENANTS - 1);

		load_ok(yaml);
		free(yaml);
		assert_int_equal(pol.n_tenants, STEER_MAX_TENANTS);
		assert_int_equal(pol.tenants[STEER_MAX_TENANTS - 1].id, STEER_MAX_TENANTS - 1);
	}
}

static void test_error_cap(void **state)
{
	char *yaml = repeat(BASE "backends:\n", "  - {name: b%u, port: x}\n", 20);

	(void)state;
	assert_int_equal(load(yaml), -EINVAL);
	free(yaml);
	/* each: address, model, provider, region, capacity missing; bad port */
	assert_int_equal(errs.total, 20 * 6);
	assert_int_equal(errs.n, POLICY_MAX_ERRORS);
	assert_int_equal(errs.e[0].line, 7);
	assert_int_equal(errs.e[POLICY_MAX_ERRORS - 1].line, 12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_err_limits),
		cmocka_unit_test(test_error_cap),
	};

	return cmocka_run_group_tests_name("policy_limits", tests, NULL, pol_teardown);
}
