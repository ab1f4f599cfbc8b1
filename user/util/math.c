// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Numbers. */
#include "util/util.h"

bool util_is_prime(uint32_t n)
{
	uint32_t d;

	if (n < 4)
		return n >= 2;
	if (n % 2 == 0 || n % 3 == 0)
		return false;
	for (d = 5; (uint64_t)d * d <= n; d += 6) {
		if (n % d == 0 || n % (d + 2) == 0)
			return false;
	}
	return true;
}
