/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Incremental Internet checksum updates (RFC 1624, eqn. 3) for XDP, where
 * there is no skb and no csum helper that knows about offload. Values are
 * used as loaded from the packet (network order): one's-complement sums
 * don't care about byte order as long as both sides agree.
 */
#ifndef STEER_CSUM_H
#define STEER_CSUM_H

static __always_inline __u16 steer_csum_fold(__u32 s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)s;
}

/* *sum covers a 32-bit field that changes from `from` to `to`. */
static __always_inline void steer_csum_replace4(__u16 *sum, __u32 from, __u32 to)
{
	__u32 s = (__u16)~*sum;

	s += (~from & 0xffff) + (~from >> 16);
	s += (to & 0xffff) + (to >> 16);
	*sum = ~steer_csum_fold(s);
}

static __always_inline void steer_csum_replace2(__u16 *sum, __u16 from, __u16 to)
{
	__u32 s = (__u16)~*sum;

	s += (__u16)~from;
	s += to;
	*sum = ~steer_csum_fold(s);
}

/* A 16-byte address (4 words) changes. */
static __always_inline void steer_csum_replace16(__u16 *sum, const __u32 *from, const __u32 *to)
{
	__u32 s = (__u16)~*sum;
	int i;

#pragma unroll
	for (i = 0; i < 4; i++) {
		s += (~from[i] & 0xffff) + (~from[i] >> 16);
		s += (to[i] & 0xffff) + (to[i] >> 16);
	}
	*sum = ~steer_csum_fold(s);
}

#endif /* STEER_CSUM_H */
