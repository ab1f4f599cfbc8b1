// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Stable tenant ids (user/steerd/known_tenants.c): a reload that adds a
 * tenant whose name sorts first keeps every other tenant's id (the parser
 * alone would renumber them), a removed tenant's id is not handed to a new
 * one, explicit ids win, and fallback indexes follow the re-sort. The
 * data-plane half (ids kept by pinned prefix after a restart) is
 * tests/e2e/tenant_ids.sh.
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
#include "fixture_one_backend.h"

#define HEAD ONE_BACKEND_POLICY("", "")

#define ALPHA "  - {name: alpha, prefixes: [198.18.10.0/24]}\n"
#define BETA                                                                                       \
	"  - {name: beta, prefixes: [198.18.11.0/24], action: fallback, fallback: {tenant: "       \
	"alpha, task: chat}}\n"
#define GAMMA "  - {name: gamma, prefixes: [198.18.12.0/24]}\n"
#define AAA   "  - {name: aaa, prefixes: [198.18.13.0/24]}\n"

static void load(const char *yaml, struct policy *p)
{
	struct policy_errors errs;

	memset(&errs, 0, sizeof(errs));
	memset(p, 0, sizeof(*p));
	if (policy_load_string("t.yaml", yaml, strlen(yaml), p, &errs)) {
		for (size_t i = 0; i < errs.n; i++)
			print_message("%u:%u %s: %s\n", errs.e[i].line, errs.e[i].column,
				      errs.e[i].field, errs.e[i].msg);
		fail_msg("policy did not load");
	}
}

static uint32_t id_of(const struct policy *p, const char *name)
{
	int i = policy_tenant_by_name(p, name);

	assert_true(i >= 0);
	return p->tenants[i].id;
}

static void expect_sorted(const struct policy *p)
{
	for (size_t i = 1; i < p->n_tenants; i++)
		assert_true(p->tenants[i - 1].id < p->tenants[i].id);
}

/* The case: "aaa" sorts first; alpha and beta keep 1 and 2. */
static void test_new_tenant_sorting_first(void **state)
{
	struct policy old, np;

	(void)state;
	load(HEAD ALPHA BETA, &old);
	assert_int_equal(steerd_stable_tenant_ids(NULL, NULL, &old), 0);
	assert_int_equal(id_of(&old, "alpha"), 1);
	assert_int_equal(id_of(&old, "beta"), 2);
	load(HEAD AAA ALPHA BETA, &np);
	assert_int_equal(id_of(&np, "aaa"), 1); /* what the parser alone does */
	assert_int_equal(steerd_stable_tenant_ids(NULL, &old, &np), 0);
	if (id_of(&np, "alpha") != 1 || id_of(&np, "beta") != 2)
		fail_msg("adding \"aaa\" renumbered alpha %u -> %u, beta %u -> %u", 1,
			 id_of(&np, "alpha"), 2, id_of(&np, "beta"));
	assert_int_equal(id_of(&np, "aaa"), 3);
	assert_int_equal(id_of(&np, "default"), 0);
	expect_sorted(&np);
	/* beta falls back to alpha's class: the index follows the re-sort */
	{
		const struct policy_tenant *b = &np.tenants[policy_tenant_by_name(&np, "beta")];

		assert_int_equal(b->action, POLICY_FALLBACK);
		assert_string_equal(np.tenants[b->fallback_tenant].name, "alpha");
	}
	policy_free(&old);
	policy_free(&np);
}

/* A removed tenant's id is not reused at once: its leftovers (conntrack,
 * counters) must not count for a new tenant. */
static void test_removed_id_not_reused(void **state)
{
	struct policy old, np;

	(void)state;
	load(HEAD ALPHA BETA GAMMA, &old);
	assert_int_equal(steerd_stable_tenant_ids(NULL, NULL, &old), 0);
	assert_int_equal(id_of(&old, "beta"), 2);
	load(HEAD AAA ALPHA GAMMA, &np); /* beta gone, aaa new */
	assert_int_equal(steerd_stable_tenant_ids(NULL, &old, &np), 0);
	assert_int_equal(id_of(&np, "alpha"), 1);
	assert_int_equal(id_of(&np, "gamma"), 3);
	assert_int_equal(id_of(&np, "aaa"), 4);
	expect_sorted(&np);
	policy_free(&old);
	policy_free(&np);
}

/* An explicit id always wins; the tenant that had it moves. */
static void test_explicit_id_wins(void **state)
{
	struct policy old, np;

	(void)state;
	load(HEAD ALPHA BETA, &old);
	assert_int_equal(steerd_stable_tenant_ids(NULL, NULL, &old), 0);
	load(HEAD "  - {name: aaa, id: 1, prefixes: [198.18.13.0/24]}\n" ALPHA BETA, &np);
	assert_int_equal(steerd_stable_tenant_ids(NULL, &old, &np), 0);
	assert_int_equal(id_of(&np, "aaa"), 1);
	assert_int_equal(id_of(&np, "beta"), 2);
	assert_int_equal(id_of(&np, "alpha"), 3);
	expect_sorted(&np);
	policy_free(&old);
	policy_free(&np);
}

/* A first start with nothing known: the parser's ids (sorted names). */
static void test_first_start_parser_ids(void **state)
{
	struct policy p;

	(void)state;
	load(HEAD AAA ALPHA BETA, &p);
	assert_int_equal(steerd_stable_tenant_ids(NULL, NULL, &p), 0);
	assert_int_equal(id_of(&p, "aaa"), 1);
	assert_int_equal(id_of(&p, "alpha"), 2);
	assert_int_equal(id_of(&p, "beta"), 3);
	policy_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_tenant_sorting_first),
		cmocka_unit_test(test_removed_id_not_reused),
		cmocka_unit_test(test_explicit_id_wins),
		cmocka_unit_test(test_first_start_parser_ids),
	};

	util_log_init("test_known_tenants", UTIL_LOG_WARN, false);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
