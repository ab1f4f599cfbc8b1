/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * steer_tc: ICMP errors about a steered flow, from the backend's side.
 *
 * An error the backend, or a router between the gateway and it, sends
 * about a packet steer NATed (client -> backend) quotes the NATed packet;
 * the client's stack matches such a quote to no socket and ignores it. As
 * nf_nat_icmp_reply_translation() does for a DNATed flow, the quote is
 * translated back (its destination becomes the VIP:port the client sent
 * to, its IPv4 header checksum and, where the quote holds it, its TCP/UDP
 * checksum follow), and so is the outer source when the backend itself
 * sent the error; the ICMP checksum follows every change (ICMPv6's covers
 * the pseudo-header). The error then goes to the stack, which routes it to
 * the client. Errors: ICMPv4 destination unreachable (frag needed
 * included), time exceeded, parameter problem; ICMPv6 destination
 * unreachable, packet too big, time exceeded, parameter problem.
 */
#ifndef STEER_ICMP_NAT_H
#define STEER_ICMP_NAT_H

#include "steer_icmp_defs.h"

static __always_inline int steer_icmp_is_error(int v6, __u8 type)
{
	if (v6)
		return type >= 1 && type <= 4;
	return type == STEER_ICMP_DEST_UNREACH || type == STEER_ICMP_TIME_EXCEEDED ||
	       type == 12 /* parameter problem */;
}

/* A 16-byte (or 4-byte: n = 1) address change in the checksum at off. */
static __always_inline int steer_tc_csum_addr(struct __sk_buff *skb, __u32 off, const __u8 *from,
					      const __u8 *to, int n, __u64 flags)
{
	const __u32 *f = (const __u32 *)from, *t = (const __u32 *)to;
	int i;

#pragma unroll
	for (i = 0; i < 4; i++)
		if (i < n && bpf_l4_csum_replace(skb, off, f[i], t[i], flags | 4))
			return -1;
	return 0;
}

/*
 * The frame is ICMP / ICMPv6 (steer_parse() said pass_not_l4): translate
 * it if it is an error quoting a steered flow. Returns the TC verdict
 * (always TC_ACT_OK: the stack forwards it) after counting its reason.
 * A subprogram: its buffers stay off steer_tc_handle()'s stack.
 */
static __noinline int steer_tc_icmp(struct __sk_buff *skb, __u32 l3)
{
	struct steer_flow_key k = {};
	struct steer_icmp_hdr ic;
	struct steer_rct *re, syn_re;
	__u8 ob[40], ib[40], vip[16];
	__u16 ports[4], old16, new16;
	__u32 icmp_off, in_off, l4_off, alen, dst_off, src_off, csum_off;
	int v6, inner_proto, from_backend, n;

	l3 &= 0x1f; /* Ethernet + at most 2 tags */
	if (bpf_skb_load_bytes(skb, l3, ob, 20))
		goto not_l4;
	v6 = (ob[0] >> 4) == 6;
	if (v6) {
		if (bpf_skb_load_bytes(skb, l3, ob, 40) || ob[6] != IPPROTO_ICMPV6)
			goto not_l4;
		icmp_off = l3 + 40;
		alen = 16;
		src_off = l3 + 8;
	} else {
		if ((ob[0] >> 4) != 4 || ob[9] != IPPROTO_ICMP ||
		    (*(__u16 *)(ob + 6) & bpf_htons(IP_MF | IP_OFFSET)))
			goto not_l4;
		icmp_off = l3 + (ob[0] & 0xf) * 4;
		alen = 4;
		src_off = l3 + 12;
	}
	if (bpf_skb_load_bytes(skb, icmp_off, &ic, sizeof(ic)) || !steer_icmp_is_error(v6, ic.type))
		goto not_l4; /* echo and the rest: the stack's */

	/* the quote: the packet steer NATed, client -> backend */
	in_off = icmp_off + sizeof(ic);
	if (bpf_skb_load_bytes(skb, in_off, ib, v6 ? 40 : 20))
		goto no_flow;
	if (v6) {
		inner_proto = ib[6];
		l4_off = in_off + 40;
		dst_off = in_off + 24;
	} else {
		if ((ib[0] >> 4) != 4 || (ib[0] & 0xf) < 5)
			goto no_flow;
		inner_proto = ib[9];
		l4_off = in_off + (ib[0] & 0xf) * 4;
		dst_off = in_off + 16;
	}
	if ((inner_proto != IPPROTO_TCP && inner_proto != IPPROTO_UDP) ||
	    bpf_skb_load_bytes(skb, l4_off, ports, 8))
		goto no_flow;

	/* the flow's reverse entry: backend -> client */
	if (v6) {
		__builtin_memcpy(k.src, ib + 24, 16);
		__builtin_memcpy(k.dst, ib + 8, 16);
	} else {
		__builtin_memcpy(k.src, ib + 16, 4);
		__builtin_memcpy(k.dst, ib + 12, 4);
	}
	k.sport = ports[1];
	k.dport = ports[0];
	k.proto = inner_proto;
	k.family = v6 ? STEER_AF_INET6 : STEER_AF_INET;
	re = bpf_map_lookup_elem(&rct, &k);
	if (!re && inner_proto == IPPROTO_TCP && steer_embryo_lookup(&k, &syn_re))
		re = &syn_re; /* a half-open flow (steer_embryonic.h) */
	if (!re)
		goto no_flow;
	__builtin_memcpy(vip, re->vip, 16);
	/* sent by the backend itself? (no __builtin_memcmp: clang 14 makes it
	 * an extern call the loader can't resolve) */
	{
		const __u32 *a = (const __u32 *)(ob + (v6 ? 8 : 12)), *b = (const __u32 *)k.src;

		from_backend = a[0] == b[0] && (!v6 || (a[1] == b[1] && a[2] == b[2] && a[3] == b[3]));
	}
	n = v6 ? 4 : 1;
	csum_off = icmp_off + 2;

	/* quoted destination address, and the inner IPv4 header checksum */
	if (!v6) {
		if (bpf_skb_load_bytes(skb, in_off + 10, &old16, 2) ||
		    bpf_l3_csum_replace(skb, in_off + 10, *(__u32 *)k.src, *(__u32 *)vip, 4) ||
		    bpf_skb_load_bytes(skb, in_off + 10, &new16, 2) ||
		    bpf_l4_csum_replace(skb, csum_off, old16, new16, 2))
			goto no_flow;
	}
	/* the quoted TCP/UDP checksum, where the quote holds it (TCP: at 16,
	 * beyond the 8 bytes RFC 792 requires; UDP: 0 means none) */
	{
		__u32 c_off = l4_off + (inner_proto == IPPROTO_TCP ? 16 : 6);

		if (c_off + 2 <= skb->len && !bpf_skb_load_bytes(skb, c_off, &old16, 2) &&
		    (inner_proto == IPPROTO_TCP || old16)) {
			if (steer_tc_csum_addr(skb, c_off, k.src, vip, n, 0) ||
			    bpf_l4_csum_replace(skb, c_off, ports[1], re->vport, 2) ||
			    bpf_skb_load_bytes(skb, c_off, &new16, 2))
				goto no_flow;
			if (inner_proto == IPPROTO_UDP && !new16) {
				new16 = 0xffff; /* a computed 0 is sent as all ones */
				bpf_skb_store_bytes(skb, c_off, &new16, 2, 0);
			}
			if (bpf_l4_csum_replace(skb, csum_off, old16, new16, 2))
				goto no_flow;
		}
	}
	/* the quoted destination address and port themselves */
	if (steer_tc_csum_addr(skb, csum_off, k.src, vip, n, 0) ||
	    bpf_skb_store_bytes(skb, dst_off, vip, alen, 0) ||
	    bpf_l4_csum_replace(skb, csum_off, ports[1], re->vport, 2) ||
	    bpf_skb_store_bytes(skb, l4_off + 2, &re->vport, 2, 0))
		goto no_flow;
	/* sent by the backend itself: it comes from the VIP */
	if (from_backend) {
		if (v6) {
			if (steer_tc_csum_addr(skb, csum_off, k.src, vip, 4, BPF_F_PSEUDO_HDR))
				goto no_flow;
		} else if (bpf_l3_csum_replace(skb, l3 + 10, *(__u32 *)k.src, *(__u32 *)vip, 4)) {
			goto no_flow;
		}
		if (bpf_skb_store_bytes(skb, src_off, vip, alen, 0))
			goto no_flow;
	}
	steer_count_reason(&tc_reasons, STEER_R_PASS_ICMP_NATTED, skb->len);
	return TC_ACT_OK;

no_flow:
	steer_count_reason(&tc_reasons, STEER_R_PASS_ICMP_NO_FLOW, skb->len);
	return TC_ACT_OK;
not_l4:
	steer_count_reason(&tc_reasons, STEER_R_PASS_NOT_L4, skb->len);
	return TC_ACT_OK;
}

#endif /* STEER_ICMP_NAT_H */
