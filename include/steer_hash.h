/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Flow hash shared by the XDP program (Maglev slot of a new flow) and
 * userspace (tests, `steerctl explain`). MurmurHash3's 32-bit mixing over
 * the 10 words of a steer_flow_key, seeded from the policy, so every
 * gateway with the same seed maps a flow to the same slot. Words are read
 * in host order: gateways that must agree share an endianness.
 */
#ifndef STEER_HASH_H
#define STEER_HASH_H

#include "steer_abi.h"

static inline __u32 steer_rol32(__u32 x, int r)
{
	return (x << r) | (x >> (32 - r));
}

static inline __u32 steer_hash_mix(__u32 h, __u32 k)
{
	k *= 0xcc9e2d51;
	k = steer_rol32(k, 15);
	k *= 0x1b873593;
	h ^= k;
	h = steer_rol32(h, 13);
	return h * 5 + 0xe6546b64;
}

static inline __u32 steer_hash_final(__u32 h)
{
	h ^= h >> 16;
	h *= 0x85ebca6b;
	h ^= h >> 13;
	h *= 0xc2b2ae35;
	h ^= h >> 16;
	return h;
}

/* Hash of a flow key (pad must be zero). */
static inline __u32 steer_flow_hash(const struct steer_flow_key *k, __u32 seed)
{
	const __u32 *w = (const __u32 *)k;
	__u32 h = seed;

	/* src[16], dst[16], sport|dport, proto|family|pad: 10 words */
	h = steer_hash_mix(h, w[0]);
	h = steer_hash_mix(h, w[1]);
	h = steer_hash_mix(h, w[2]);
	h = steer_hash_mix(h, w[3]);
	h = steer_hash_mix(h, w[4]);
	h = steer_hash_mix(h, w[5]);
	h = steer_hash_mix(h, w[6]);
	h = steer_hash_mix(h, w[7]);
	h = steer_hash_mix(h, w[8]);
	h = steer_hash_mix(h, w[9]);
	return steer_hash_final(h ^ (__u32)sizeof(*k));
}

#endif /* STEER_HASH_H */
