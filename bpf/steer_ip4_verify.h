/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * IPv4 header checksum verification for XDP. The stack drops an IPv4
 * packet whose header checksum is wrong (ip_rcv_core(), "csumerrors");
 * steer must not rewrite one (an incremental update would not make it
 * right) and send it to a backend.
 */
#ifndef STEER_IP4_VERIFY_H
#define STEER_IP4_VERIFY_H

/*
 * 1 if the header checksum of the IPv4 header at l3_off is wrong (or the
 * header can't be read), 0 if it is right. The one's complement sum of the
 * whole header, checksum included, folds to 0xffff when it is right
 * (RFC 1071); 32-bit words are summed into 64 bits, then folded.
 * A subprogram: its loop and locals stay off the entry point's stack, and
 * it is called only for packets to a service (steer_xdp_main()).
 */
static __noinline int steer_ip4_csum_bad(struct xdp_md *ctx, __u32 l3_off)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	/* l3_off <= 14 + 2 * 4: masked so the verifier sees it bounded */
	__u32 *w = data + (l3_off & 0x3f);
	struct iphdr *ip = (void *)w;
	__u64 s = 0;
	__u32 i, n;

	if ((void *)(ip + 1) > data_end)
		return 1;
	n = ip->ihl;
	/* unrolled: as a loop, clang 14 moved the bound check onto data_end
	 * ("pointer arithmetic on pkt_end prohibited") */
#pragma unroll
	for (i = 0; i < 15; i++) {
		__u32 *q = w + i;

		if (i >= n)
			break;
		if ((void *)(q + 1) > data_end)
			return 1;
		s += *q;
	}
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)s != 0xffff;
}

#endif /* STEER_IP4_VERIFY_H */
