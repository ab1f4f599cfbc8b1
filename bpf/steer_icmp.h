/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * ICMP errors steer_xdp answers itself, as the router it stands in for:
 * time exceeded (TTL / hop limit <= 1) and fragmentation needed / packet
 * too big (the path to the backend has a smaller MTU). The offending frame
 * becomes the error, in place, and goes back where it came from.
 *
 * Why not XDP_PASS and let the kernel answer: the kernel has no NAT state
 * for a steered flow. Passed before NAT, a packet to a VIP the gateway
 * neither owns nor routes is answered "net unreachable" (or not at all);
 * passed after NAT, ip_forward() answers with a quote of the NATed packet
 * (destination: the backend), which the client's stack matches to no
 * socket and ignores (it is how PMTU discovery blackholed, issue 13). Here
 * the quote is the packet as the client sent it, as nftables DNAT's
 * reverse translation of the kernel's error would make it.
 */
#ifndef STEER_ICMP_H
#define STEER_ICMP_H

#include "steer_csum.h"
#include "steer_icmp_defs.h"

/* One's complement sum of n 32-bit words at q (the ICMP header and the
 * quote: n <= STEER_ICMP_QUOTE_MAX / 4 + 2). */
static __always_inline __u64 steer_icmp_sum_words(__u32 *q, void *data_end, __u32 n)
{
	__u64 s = 0;
	__u32 i;

	for (i = 0; i < STEER_ICMP_QUOTE_MAX / 4 + 2; i++) {
		__u32 *w = q + i;

		if (i >= n)
			break;
		/* clang 14 would fold the check into data_end arithmetic, which
		 * the verifier refuses ("pointer arithmetic on pkt_end"): keep w */
		asm volatile("" : "+r"(w));
		if ((void *)(w + 1) > data_end)
			break;
		s += *w;
	}
	return s;
}

static __always_inline __u16 steer_icmp_fold64(__u64 s)
{
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffffffff) + (s >> 32);
	return ~steer_csum_fold((__u32)s) & 0xffff;
}

static __always_inline __u64 steer_icmp_sum_addr(const __u8 *a, int words)
{
	const __u32 *w = (const __u32 *)a;
	__u64 s = 0;
	int i;

#pragma unroll
	for (i = 0; i < 4; i++)
		if (i < words)
			s += w[i];
	return s;
}

/*
 * Turn the frame (untouched, or NATed and then undone by the caller) into
 * an ICMP error to its sender: too_big 0 time exceeded, else frag needed
 * (IPv4) / packet too big (IPv6) with the MTU. Source address: the
 * gateway's own towards the client (bpf_fib_lookup with
 * BPF_FIB_LOOKUP_SRC, Linux >= 6.7), as icmp_send() would pick it; MACs
 * from the same lookup, else the frame's swapped. Returns the XDP verdict:
 * XDP_REDIRECT (to the interface the FIB names, or the ingress one),
 * XDP_DROP when it can't be built.
 * A subprogram: the FIB parameters and the saved L2 header stay off the
 * entry point's stack.
 */
static __noinline int steer_xdp_icmp_error(struct xdp_md *ctx, const struct steer_pkt *p,
					   __u32 too_big, __u32 mtu)
{
	struct bpf_fib_lookup fib = {};
	int v6 = p->key.family == STEER_AF_INET6;
	__u32 l3 = p->l3_off & 0x1f; /* Ethernet + at most 2 tags: <= 22 */
	__u32 quote = p->l4_off - p->l3_off + 8;
	__u32 hdr = (v6 ? 40 : 20) + sizeof(struct steer_icmp_hdr);
	__u32 ifindex = ctx->ingress_ifindex, len;
	void *data, *data_end;
	struct steer_icmp_hdr *ic;
	__u64 l2[3], s;
	__u8 mac[ETH_ALEN];
	int same_l2 = 1;
	long rc;

	if (quote > STEER_ICMP_QUOTE_MAX || (quote & 3))
		return XDP_DROP;

	fib.ifindex = ifindex;
	fib.family = v6 ? AF_INET6 : AF_INET;
	if (v6) {
		__builtin_memcpy(fib.ipv6_src, p->key.dst, 16);
		__builtin_memcpy(fib.ipv6_dst, p->key.src, 16);
	} else {
		__builtin_memcpy(&fib.ipv4_src, p->key.dst, 4);
		__builtin_memcpy(&fib.ipv4_dst, p->key.src, 4);
	}
	rc = bpf_fib_lookup(ctx, &fib, sizeof(fib), BPF_FIB_LOOKUP_SRC);
	if (rc != BPF_FIB_LKUP_RET_SUCCESS && rc != BPF_FIB_LKUP_RET_NO_NEIGH)
		return XDP_DROP; /* no way back to the sender */
	/* a tagged frame goes back as it came (the FIB speaks of the VLAN device) */
	if (rc == BPF_FIB_LKUP_RET_SUCCESS && !p->vlans)
		same_l2 = 0;

	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	if (data + sizeof(l2) > data_end)
		return XDP_DROP;
	__builtin_memcpy(l2, data, sizeof(l2));

	/* the quote ends 8 bytes into L4; then room for the new headers */
	len = data_end - data;
	if (len > p->l4_off + 8 && bpf_xdp_adjust_tail(ctx, (int)(p->l4_off + 8) - (int)len))
		return XDP_DROP;
	if (bpf_xdp_adjust_head(ctx, -(int)hdr))
		return XDP_DROP;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	if (data + sizeof(l2) > data_end)
		return XDP_DROP;
	/* L2 (tags included) where it was; its tail is overwritten below */
	__builtin_memcpy(data, l2, sizeof(l2));
	{
		struct ethhdr *eth = data;

		if (same_l2) {
			__builtin_memcpy(mac, eth->h_dest, ETH_ALEN);
			__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
			__builtin_memcpy(eth->h_source, mac, ETH_ALEN);
		} else {
			__builtin_memcpy(eth->h_dest, fib.dmac, ETH_ALEN);
			__builtin_memcpy(eth->h_source, fib.smac, ETH_ALEN);
		}
	}

	if (v6) {
		struct ipv6hdr *ip6 = data + l3;
		__u32 plen = sizeof(*ic) + quote;

		if ((void *)(ip6 + 1) + sizeof(*ic) > data_end)
			return XDP_DROP;
		ic = (void *)(ip6 + 1);
		*(__u32 *)ip6 = bpf_htonl(0x60000000); /* version 6, class 0, flow 0 */
		ip6->payload_len = bpf_htons(plen);
		ip6->nexthdr = IPPROTO_ICMPV6;
		ip6->hop_limit = STEER_ICMP_ERR_TTL;
		__builtin_memcpy(&ip6->saddr, fib.ipv6_src, 16);
		__builtin_memcpy(&ip6->daddr, p->key.src, 16);
		ic->type = too_big ? STEER_ICMP6_PKT_TOO_BIG : STEER_ICMP6_TIME_EXCEED;
		ic->code = 0;
		ic->check = 0;
		ic->rest = too_big ? bpf_htonl(mtu) : 0;
		/* pseudo-header (RFC 8200 8.1): addresses, length, next header */
		s = steer_icmp_sum_addr((__u8 *)fib.ipv6_src, 4) +
		    steer_icmp_sum_addr(p->key.src, 4) + bpf_htonl(plen) +
		    bpf_htonl(IPPROTO_ICMPV6);
	} else {
		struct iphdr *ip = data + l3;
		__u32 tot = 20 + sizeof(*ic) + quote;

		if ((void *)(ip + 1) + sizeof(*ic) > data_end)
			return XDP_DROP;
		ic = (void *)(ip + 1);
		*(__u16 *)ip = bpf_htons(0x4500 | STEER_ICMP_ERR_TOS);
		ip->tot_len = bpf_htons(tot);
		ip->id = 0;
		ip->frag_off = 0;
		ip->ttl = STEER_ICMP_ERR_TTL;
		ip->protocol = IPPROTO_ICMP;
		ip->check = 0;
		ip->saddr = fib.ipv4_src;
		__builtin_memcpy(&ip->daddr, p->key.src, 4);
		ip->check = steer_icmp_fold64(steer_icmp_sum_words((__u32 *)ip, data_end, 5));
		ic->type = too_big ? STEER_ICMP_DEST_UNREACH : STEER_ICMP_TIME_EXCEEDED;
		ic->code = too_big ? STEER_ICMP_FRAG_NEEDED : 0;
		ic->check = 0;
		ic->rest = too_big ? bpf_htonl(mtu & 0xffff) : 0;
		s = 0;
	}
	/* the ICMP header and the quote that follows it */
	s += steer_icmp_sum_words((__u32 *)ic, data_end, (sizeof(*ic) + quote) / 4);
	ic->check = steer_icmp_fold64(s);

	/*
	 * A redirect, even back out of the ingress interface, not XDP_TX: a
	 * veth flushes XDP_TX frames to its peer only when the peer has an XDP
	 * program of its own (veth_xdp_flush(), drivers/net/veth.c: "xdp_ring
	 * is initialized on receive side?"); with GRO alone they stay queued
	 * and the client never sees them. A redirect's flush (ndo_xdp_xmit
	 * with XDP_XMIT_FLUSH) needs only the peer's NAPI, which GRO provides.
	 */
	return bpf_redirect(same_l2 ? ifindex : fib.ifindex, 0);
}

#endif /* STEER_ICMP_H */
