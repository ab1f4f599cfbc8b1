// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Names and kinds of reason codes, as operators see them (bpftool shows
 * numbers), generated from STEER_REASONS in steer_abi.h.
 */
#include <string.h>

#include "dp/dp.h"

static const struct {
	const char *name;
	enum steer_reason_kind kind;
} reasons[STEER_R_MAX] = {
#define REASON_ROW(id, num, name, kind) [num] = { name, STEER_RK_##kind },
	STEER_REASONS(REASON_ROW)
#undef REASON_ROW
};

static const char *const kind_names[] = {
	[STEER_RK_NONE] = "none",
	[STEER_RK_PASS] = "pass",
	[STEER_RK_DROP] = "drop",
	[STEER_RK_EVENT] = "event",
	[STEER_RK_RETIRED] = "retired",
};

const char *dp_reason_name(uint32_t reason)
{
	if (reason >= STEER_R_MAX)
		return "unknown";
	return reasons[reason].name;
}

int dp_reason_from_name(const char *name)
{
	uint32_t i;

	for (i = 0; i < STEER_R_MAX; i++)
		if (!strcmp(reasons[i].name, name))
			return (int)i;
	return -1;
}

int dp_reason_kind(uint32_t reason)
{
	if (reason >= STEER_R_MAX)
		return -1;
	return (int)reasons[reason].kind;
}

const char *dp_reason_kind_name(int kind)
{
	if (kind < 0 || (size_t)kind >= sizeof(kind_names) / sizeof(kind_names[0]) ||
	    !kind_names[kind])
		return "unknown";
	return kind_names[kind];
}
