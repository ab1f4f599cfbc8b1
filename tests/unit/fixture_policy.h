/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Fixtures of the policy parser's unit tests (tests/unit/test_policy_*.c):
 * one policy and one error list loaded from YAML text, checks of the exact
 * errors a text gets (fixture_policy.c), and the YAML lines most cases
 * start from. Run from the repository root (examples/policy.yaml is read).
 */
#ifndef FIXTURE_POLICY_H
#define FIXTURE_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "policy/policy.h"

#define EXAMPLE "examples/policy.yaml"

extern struct policy_errors errs;
extern struct policy pol;

/* policy_load_string() of yaml into pol and errs, pol freed first. */
int load(const char *yaml);
void dump_errors(void);
void load_ok(const char *yaml);
bool is_zeroed(const struct policy *p);
/* The load fails and reports exactly want[0..n) (formatted), in order. */
bool errors_are(const char *yaml, const char *const *want, size_t n);

struct err_case {
	const char *yaml;
	const char *want[5];
};

void check_cases(const struct err_case *cases, size_t n);

#define CHECK_CASES(c) check_cases(c, sizeof(c) / sizeof(c[0]))

/* Five lines: what every policy needs. */
#define BASE                                                                    \
	"tasks: [chat, code]\n"                                                 \
	"models:\n"                                                             \
	"  - {name: m1, cost: 1, quality: {chat: 0.9}}\n"                       \
	"services:\n"                                                           \
	"  - {name: s1, vip: 198.18.100.1, port: 80, task: chat}\n"
#define BE_HEAD "  - {name: b1, address: 198.18.1.1, port: 8000, model: m1, provider: p, region: eu"
/* Lines 6-7: one backend. */
#define BASE_BE BASE "backends:\n" BE_HEAD ", capacity: 4}\n"
#define TENANT(x) BASE "tenants:\n  - {name: t, prefixes: [198.18.0.0/24]" x "}\n"

/* Group teardown: frees pol. */
int pol_teardown(void **state);

#endif /* FIXTURE_POLICY_H */
