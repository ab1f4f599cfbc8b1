// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Fixtures of the policy parser's unit tests: the policy and error list
 * every test loads into, loading with and without the expectation of
 * success, and the check that a text gets exactly the given errors.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixture_policy.h"

struct policy_errors errs;
struct policy pol;

int load(const char *yaml)
{
	policy_free(&pol);
	return policy_load_string("policy.yaml", yaml, strlen(yaml), &pol, &errs);
}

void dump_errors(void)
{
	char buf[8192];
	size_t i;

	for (i = 0; i < errs.n; i++) {
		policy_error_format(&errs.e[i], buf, sizeof(buf));
		print_message("  got: %s\n", buf);
	}
}

void load_ok(const char *yaml)
{
	int rc = load(yaml);

	if (rc)
		dump_errors();
	assert_int_equal(rc, 0);
	assert_int_equal(errs.total, 0);
}

bool is_zeroed(const struct policy *p)
{
	static const struct policy zero;

	return !memcmp(p, &zero, sizeof(zero));
}

/* The load fails and reports exactly want[0..n) (formatted), in order. */
bool errors_are(const char *yaml, const char *const *want, size_t n)
{
	char buf[8192];
	bool ok = true;
	size_t i;
	int rc;

	rc = load(yaml);
	if (rc != -EINVAL || errs.total != n || !is_zeroed(&pol))
		ok = false;
	for (i = 0; ok && i < n; i++) {
		policy_error_format(&errs.e[i], buf, sizeof(buf));
		ok = !strcmp(buf, want[i]);
	}
	if (!ok) {
		print_message("rc %d, %zu errors; want %zu:\n", rc, errs.total, n);
		for (i = 0; i < n; i++)
			print_message(" want: %s\n", want[i]);
		dump_errors();
	}
	return ok;
}

void check_cases(const struct err_case *cases, size_t n)
{
	size_t i, k, failed = 0;

	for (i = 0; i < n; i++) {
		for (k = 0; k < 5 && cases[i].want[k]; k++)
			;
		if (!errors_are(cases[i].yaml, cases[i].want, k)) {
			print_message("case %zu failed\n", i);
			failed++;
		}
	}
	assert_int_equal(failed, 0);
}

int pol_teardown(void **state)
{
	(void)state;
	policy_free(&pol);
	return 0;
}
