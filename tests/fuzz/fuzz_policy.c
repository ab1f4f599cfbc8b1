// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libFuzzer harness: the policy parser (YAML -> struct policy). An
 * accepted policy must also survive the JSON round trip steerctl's runtime
 * changes use (policy_to_json -> policy_from_json) and be accepted again.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "policy/policy.h"
#include "util/util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	util_log_init("fuzz", UTIL_LOG_ERROR, false);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy_errors *errs = calloc(1, sizeof(*errs));
	struct policy *p = calloc(1, sizeof(*p)), *q = calloc(1, sizeof(*q));
	char msg[1024];
	json_t *j;

	if (!errs || !p || !q)
		abort();
	if (!policy_load_string("fuzz.yaml", (const char *)data, size, p, errs)) {
		j = policy_to_json(p);
		if (!j)
			abort();
		if (policy_from_json(j, q, msg, sizeof(msg))) {
			fprintf(stderr, "an accepted policy fails its JSON round trip: %s\n", msg);
			abort();
		}
		policy_free(q);
		json_decref(j);
		policy_free(p);
	}
	free(q);
	free(p);
	free(errs);
	return 0;
}
