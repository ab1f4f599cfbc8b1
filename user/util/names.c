// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Names of the data plane's enums, as steerctl, /metrics and docs print them. */
#include "util/util.h"

const char *util_backend_state_name(uint8_t state)
{
	static const char *const names[] = {
		[STEER_BACKEND_UNUSED] = "unused",
		[STEER_BACKEND_ACTIVE] = "active",
		[STEER_BACKEND_DRAINING] = "draining",
		[STEER_BACKEND_DOWN] = "down",
		[STEER_BACKEND_FAILING] = "failing",
	};

	return state < sizeof(names) / sizeof(names[0]) && names[state] ? names[state] : "unknown";
}
