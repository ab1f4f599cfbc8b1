/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Fragment header helpers shared by XDP (steer_frag.h) and TC (steer_tc_frag.h). */
#ifndef STEER_FRAG_HDR_H
#define STEER_FRAG_HDR_H

#include "steer_parse.h"

/* The IPv6 Fragment header behind the extension headers, or NULL. */
static __always_inline struct frag_hdr *steer_frag_hdr6(void *data, void *data_end, __u32 l3_off)
{
	struct ipv6hdr *ip6 = data + (l3_off & 0x3f);
	struct steer_ipv6_opt_hdr *oh;
	__u32 off = sizeof(*ip6);
	__u8 nh;
	int i;

	if ((void *)(ip6 + 1) > data_end)
		return NULL;
	nh = ip6->nexthdr;
	for (i = 0; i <= STEER_IPV6_EXT_MAX; i++) {
		/* off grows by at most 2048 a header: bound it for the verifier */
		if (off > 4 * 2048 + sizeof(*ip6))
			return NULL;
		oh = (void *)ip6 + off;
		if (nh == IPPROTO_FRAGMENT) {
			struct frag_hdr *fh = (void *)oh;

			if ((void *)(fh + 1) > data_end)
				return NULL;
			return fh;
		}
		if (nh != IPPROTO_HOPOPTS && nh != IPPROTO_ROUTING && nh != IPPROTO_DSTOPTS &&
		    nh != IPPROTO_AH)
			return NULL;
		if ((void *)(oh + 1) > data_end)
			return NULL;
		off += nh == IPPROTO_AH ? (oh->hdrlen + 2) * 4 : (oh->hdrlen + 1) * 8;
		nh = oh->nexthdr;
	}
	return NULL;
}

/*
 * The key of a first fragment's datagram, as both hooks note it: the flow's
 * addresses and protocol as parsed, the IP identification (IPv6: the
 * Fragment header's). 0, or -1 if the headers can't be read.
 */
static __always_inline int steer_frag_key_first(void *data, void *data_end,
						const struct steer_pkt *p,
						struct steer_frag_key *fk)
{
	if (p->key.family == STEER_AF_INET) {
		struct iphdr *ip = data + (p->l3_off & 0x3f);

		if ((void *)(ip + 1) > data_end)
			return -1;
		fk->id = ip->id;
	} else {
		struct frag_hdr *fh = steer_frag_hdr6(data, data_end, p->l3_off);

		if (!fh)
			return -1;
		fk->id = fh->identification;
	}
	__builtin_memcpy(fk->src, p->key.src, 16);
	__builtin_memcpy(fk->dst, p->key.dst, 16);
	fk->proto = p->key.proto;
	fk->family = p->key.family;
	return 0;
}

/*
 * A first fragment too short for the L4 header it was steered by (RFC 1858
 * tiny fragment; RFC 7112: an IPv6 first fragment holds the whole header
 * chain): its ports can't be trusted.
 */
static __always_inline int steer_frag_first_short(const struct steer_pkt *p)
{
	__u32 hs = p->key.proto == IPPROTO_TCP ? 20 : 8;

	return p->l4_off + hs > p->l3_off + p->ip_len;
}

#endif /* STEER_FRAG_HDR_H */
