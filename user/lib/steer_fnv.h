/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * FNV-1a, 64 bit: the one hash steerd uses for in-process signatures and
 * hash tables (decision profiles, table contents, live-signal changes,
 * policy changes). Never stored or compared across hosts.
 */
#ifndef STEER_FNV_H
#define STEER_FNV_H

#include <stddef.h>
#include <stdint.h>

#define STEER_FNV_INIT 1469598103934665603ULL

static inline uint64_t steer_fnv(uint64_t h, const void *data, size_t len)
{
	const uint8_t *b = data;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ b[i]) * 1099511628211ULL;
	return h;
}

static inline uint64_t steer_fnv_u32(uint64_t h, uint32_t v)
{
	return steer_fnv(h, &v, sizeof(v));
}

#endif /* STEER_FNV_H */
