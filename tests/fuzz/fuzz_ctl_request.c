// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libFuzzer harness: control requests as steerd reads them. The input is
 * split into lines as the socket code does (at most PROTO_MAX_REQUEST
 * bytes each); every line goes through the request parser
 * (steerd_ctl_parse), and a change command (backend add, tenant set, ...)
 * is applied to a policy tree and validated like a policy file, as
 * steerd does before publishing it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"
#include "proto/proto.h"
#include "steerd/ctl.h"
#include "util/util.h"
#include "fuzz_seed_policy.h"

static json_t *seed;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static struct policy p;
	static struct policy_errors errs;

	(void)argc;
	(void)argv;
	util_log_init("fuzz", UTIL_LOG_ERROR, false);
	if (policy_load_string("seed.yaml", fuzz_seed_policy, strlen(fuzz_seed_policy), &p,
			       &errs)) {
		fprintf(stderr, "the seed policy is invalid\n");
		abort();
	}
	seed = policy_to_json(&p);
	policy_free(&p);
	return seed ? 0 : 1;
}

static void one_line(const char *line, size_t len)
{
	static struct policy np;
	const char *cmd;
	json_t *req, *args, *tree;
	char err[2048];

	if (steerd_ctl_parse(line, len, &req, &cmd, &args, err, sizeof(err)))
		return;
	if (policy_op_is_change(cmd)) {
		tree = json_deep_copy(seed);
		if (!policy_op_apply(tree, cmd, args, err, sizeof(err)) &&
		    !policy_from_json(tree, &np, err, sizeof(err)))
			policy_free(&np);
		json_decref(tree);
	}
	json_decref(req);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *nl;

	while (p < end) {
		nl = memchr(p, '\n', end - p);
		if (!nl)
			nl = end;
		if (nl - p <= PROTO_MAX_REQUEST)
			one_line(p, nl - p);
		p = nl + 1;
	}
	return 0;
}
