// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * One control request line -> command and arguments (docs/steerctl.md,
 * "Protocol"). Kept apart from the socket code so that the parser can be
 * fuzzed on its own (tests/fuzz/fuzz_ctl_request.c).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "steerd/ctl.h"
#include "policy/policy.h"

int steerd_ctl_parse(const char *line, size_t len, json_t **req, const char **cmd, json_t **args,
		     char *err, size_t errlen)
{
	json_error_t je;
	json_t *r;

	*req = NULL;
	*cmd = NULL;
	*args = NULL;
	while (len && (line[len - 1] == '\r' || line[len - 1] == ' '))
		len--;
	if (!len)
		return -ENODATA;
	r = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
	if (!r) {
		snprintf(err, errlen, "malformed request: %s (at byte %d)", je.text, je.position);
		return -EINVAL;
	}
	*cmd = json_string_value(json_object_get(r, "cmd"));
	*args = json_object_get(r, "args");
	if (!json_is_object(r) || !*cmd || (*args && !json_is_object(*args))) {
		snprintf(err, errlen,
			 "malformed request: expected {\"cmd\": STRING, \"args\": OBJECT}");
		json_decref(r);
		return -EINVAL;
	}
	if (!steerd_ctl_readonly(*cmd) && !policy_op_is_change(*cmd) && strcmp(*cmd, "reload")) {
		snprintf(err, errlen, "unknown command \"%s\"", *cmd);
		json_decref(r);
		return -ENOENT;
	}
	*req = r;
	return 0;
}
