// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * A fuzz-ish pass over the policy parser: every truncation of the example
 * file and random byte flips must never crash or leak, and must either
 * accept with no error or reject with at least one. Run from the
 * repository root (examples/policy.yaml is read).
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

/* ---- fuzz-ish ---- */

static char *read_example(size_t *len)
{
	FILE *f = fopen(EXAMPLE, "rb");
	char *buf = malloc(1 << 16);

	assert_non_null(f);
	assert_non_null(buf);
	*len = fread(buf, 1, 1 << 16, f);
	fclose(f);
	assert_true(*len > 0 && *len < (1 << 16));
	return buf;
}

/* Accepted with no error, or rejected whole with at least one. */
static void check_outcome(const char *buf, size_t len)
{
	char out[8192];
	size_t i;
	int rc;

	policy_free(&pol);
	rc = policy_load_string("fuzz.yaml", buf, len, &pol, &errs);
	if (rc == 0) {
		assert_int_equal(errs.total, 0);
		assert_true(pol.n_tasks > 0 && pol.n_services > 0 && pol.n_tenants > 0);
		return;
	}
	assert_int_equal(rc, -EINVAL);
	assert_true(errs.total >= 1 && errs.n >= 1 && errs.n <= POLICY_MAX_ERRORS);
	assert_true(is_zeroed(&pol));
	for (i = 0; i < errs.n; i++) {
		policy_error_format(&errs.e[i], out, sizeof(out));
		assert_true(errs.e[i].msg[0] != '\0');
	}
}

static void test_fuzz_truncations(void **state)
{
	size_t len, n, ok = 0;
	char *buf = read_example(&len);

	(void)state;
	for (n = 0; n <= len; n++) {
		check_outcome(buf, n);
		ok += errs.total == 0;
	}
	/* the whole file parses, and so do cuts after its last item */
	assert_true(ok >= 1);
	free(buf);
}

static void test_fuzz_flips(void **state)
{
	static const char junk[] = "\0\t\n :-[]{}\"'#&*!|>%@,?x9\xff\xc3";
	uint64_t rng = 0x5eedf00dULL;
	size_t len, i, k;
	char *buf = read_example(&len), *mut = malloc(len);

	(void)state;
	assert_non_null(mut);
	for (i = 0; i < 3000; i++) {
		memcpy(mut, buf, len);
		for (k = 0; k < 1 + i % 4; k++) {
			rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
			mut[(rng >> 33) % len] = (i & 1) ? junk[(rng >> 20) % (sizeof(junk) - 1)]
							 : (char)(rng >> 24);
		}
		check_outcome(mut, len);
	}
	free(mut);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fuzz_truncations),
		cmocka_unit_test(test_fuzz_flips),
	};

	return cmocka_run_group_tests_name("policy_fuzz", tests, NULL, pol_teardown);
}
