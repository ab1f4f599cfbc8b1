/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* XDP destination NAT to a backend, and forwarding through the FIB. */
#ifndef STEER_NAT_H
#define STEER_NAT_H

#include "steer_csum.h"
#include "steer_icmp.h"

/*
 * Rewrite dst addr:port to addr:port (network order) with incremental
 * checksums. Offsets are masked so the verifier sees them bounded
 * (l3_off <= 22, l4_off < 16K); pointers are checked again against data_end.
 */
static __always_inline int steer_xdp_set_dst(struct xdp_md *ctx, const struct steer_pkt *p,
					     const __u8 *addr, __u16 port)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 l4_off = p->l4_off & 0x3fff;
	__u16 *l4_check;
	__u16 *dport;
	int udp = p->key.proto == IPPROTO_UDP;

	if (udp) {
		struct udphdr *uh = data + l4_off;

		if ((void *)(uh + 1) > data_end)
			return -1;
		l4_check = &uh->check;
		dport = &uh->dest;
	} else {
		struct tcphdr *th = data + l4_off;

		if ((void *)(th + 1) > data_end)
			return -1;
		l4_check = &th->check;
		dport = &th->dest;
	}

	if (p->key.family == STEER_AF_INET) {
		struct iphdr *ip = data + (p->l3_off & 0x3f);
		__u32 old, new;

		if ((void *)(ip + 1) > data_end)
			return -1;
		old = ip->daddr;
		__builtin_memcpy(&new, addr, 4);
		steer_csum_replace4(&ip->check, old, new);
		ip->daddr = new;
		/* IPv4 UDP checksum 0 means "none": leave it so */
		if (!udp || *l4_check)
			steer_csum_replace4(l4_check, old, new);
	} else {
		struct ipv6hdr *ip6 = data + (p->l3_off & 0x3f);
		__u32 new[4];

		if ((void *)(ip6 + 1) > data_end)
			return -1;
		__builtin_memcpy(new, addr, 16);
		steer_csum_replace16(l4_check, (__u32 *)&ip6->daddr, new);
		__builtin_memcpy(&ip6->daddr, new, 16);
	}
	if (!udp || *l4_check || p->key.family == STEER_AF_INET6) {
		steer_csum_replace2(l4_check, *dport, port);
		/* a computed UDP checksum of 0 is sent as all ones */
		if (udp && !*l4_check)
			*l4_check = 0xffff;
	}
	*dport = port;
	return 0;
}

/* Destination NAT to a backend. */
static __always_inline int steer_xdp_dnat(struct xdp_md *ctx, const struct steer_pkt *p,
					  const struct steer_backend *be)
{
	return steer_xdp_set_dst(ctx, p, be->addr, be->port);
}

/*
 * TTL / hop limit minus one, on a packet steer forwards itself (the caller
 * made sure it was > 1); the IPv4 header checksum follows (RFC 1624). Not
 * on a packet passed to the stack, which decrements it when it forwards.
 */
static __always_inline void steer_xdp_ttl_dec(struct xdp_md *ctx, const struct steer_pkt *p)
{
	/* read afresh: kept across the FIB call, they took 8 more bytes of a
	 * stack the call chain has none left of */
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;

	if (p->key.family == STEER_AF_INET) {
		struct iphdr *ip = data + (p->l3_off & 0x3f);
		__u8 ttl, proto;

		if ((void *)(ip + 1) > data_end)
			return;
		/* TTL and protocol are one checksummed word. Spelled out: read
		 * back through a __u16 pointer after the byte store, clang 14
		 * reused the value read before it (the checksum never moved). */
		ttl = ip->ttl;
		proto = ip->protocol;
		ip->ttl = ttl - 1;
		steer_csum_replace2(&ip->check, bpf_htons((__u16)(ttl << 8 | proto)),
				    bpf_htons((__u16)((__u8)(ttl - 1) << 8 | proto)));
	} else {
		struct ipv6hdr *ip6 = data + (p->l3_off & 0x3f);

		if ((void *)(ip6 + 1) > data_end)
			return;
		ip6->hop_limit--;
	}
}

/*
 * Too big for the next hop (mtu): an IPv4 packet without DF goes to the
 * stack NATed, which fragments it as any router (pass_fragmenting); else
 * STEER_XDP_TOO_BIG | mtu, for steer_xdp_main() to answer with an ICMP
 * error (steer_icmp.h).
 */
static __always_inline int steer_xdp_too_big_verdict(const struct steer_pkt *p, __u32 mtu,
						     __u32 bytes)
{
	if (!p->df) {
		steer_count_reason(&xdp_reasons, STEER_R_PASS_FRAGMENTING, bytes);
		return XDP_PASS;
	}
	return STEER_XDP_TOO_BIG | (mtu & 0xffff);
}

/*
 * After NAT: next hop towards the backend, MAC rewrite and redirect. The
 * FIB answer is cached per backend and CPU for STEER_NEXTHOP_TTL_NS, so an
 * established flow's packet costs a per-CPU array lookup, not a FIB walk;
 * a route or neighbour change is seen within the TTL. A subprogram:
 * inlined in both callers, the 64-byte FIB parameters pushed the combined
 * stack of main + steer_xdp_new past the verifier's 512. now: the caller's
 * bpf_ktime_get_coarse_ns() (one call per packet, not two); the counters'
 * bytes are p->bytes (BPF passes 5 arguments).
 */
static __noinline int steer_xdp_forward(struct xdp_md *ctx, const struct steer_pkt *p,
					const struct steer_backend *be, __u32 bid, __u64 now)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct bpf_fib_lookup fib = {};
	struct ethhdr *eth = data;
	struct steer_nexthop *nh;
	__u32 bytes = p->bytes;
	long rc;

	if (p->vlans) {
		/* the kernel's VLAN device routes tagged frames */
		steer_count_reason(&xdp_reasons, STEER_R_PASS_VLAN, bytes);
		return XDP_PASS;
	}
	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	nh = bpf_map_lookup_elem(&nexthops, &bid);
	if (nh && nh->stamp_ns && now - nh->stamp_ns < STEER_NEXTHOP_TTL_NS &&
	    nh->ingress == ctx->ingress_ifindex) {
		/* the cached path's MTU, as the FIB would check it */
		if (nh->mtu && p->ip_len > nh->mtu)
			return steer_xdp_too_big_verdict(p, nh->mtu, bytes);
		__builtin_memcpy(eth->h_dest, nh->dmac, ETH_ALEN);
		__builtin_memcpy(eth->h_source, nh->smac, ETH_ALEN);
		steer_xdp_ttl_dec(ctx, p);
		return bpf_redirect(nh->ifindex, 0);
	}

	fib.ifindex = ctx->ingress_ifindex;
	fib.l4_protocol = p->key.proto;
	fib.tot_len = p->ip_len;
	if (p->key.family == STEER_AF_INET) {
		fib.family = AF_INET;
		__builtin_memcpy(&fib.ipv4_src, p->key.src, 4);
		__builtin_memcpy(&fib.ipv4_dst, be->addr, 4);
	} else {
		fib.family = AF_INET6;
		__builtin_memcpy(fib.ipv6_src, p->key.src, 16);
		__builtin_memcpy(fib.ipv6_dst, be->addr, 16);
	}
	rc = bpf_fib_lookup(ctx, &fib, sizeof(fib), 0);
	if (rc == BPF_FIB_LKUP_RET_SUCCESS) {
		__builtin_memcpy(eth->h_dest, fib.dmac, ETH_ALEN);
		__builtin_memcpy(eth->h_source, fib.smac, ETH_ALEN);
		if (nh && !steer_dry_run) {
			nh->stamp_ns = now ? now : 1;
			nh->ingress = ctx->ingress_ifindex;
			nh->ifindex = fib.ifindex;
			/* on success the FIB returns the path's MTU in mtu_result
			 * (a union with tot_len; Linux >= 5.12) */
			nh->mtu = fib.mtu_result;
			__builtin_memcpy(nh->smac, fib.smac, ETH_ALEN);
			__builtin_memcpy(nh->dmac, fib.dmac, ETH_ALEN);
		}
		steer_xdp_ttl_dec(ctx, p);
		return bpf_redirect(fib.ifindex, 0);
	}
	if (rc == BPF_FIB_LKUP_RET_FRAG_NEEDED)
		return steer_xdp_too_big_verdict(p, fib.mtu_result, bytes);
	if (rc == BPF_FIB_LKUP_RET_NO_NEIGH) {
		/*
		 * bpf_fib_lookup does not resolve neighbours: hand the NATed
		 * packet to the stack, which does (and forwards it), so the
		 * next packets find the neighbour. Dropping would blackhole
		 * the backend for good.
		 */
		steer_count_reason(&xdp_reasons, STEER_R_PASS_NO_NEIGH, bytes);
		return XDP_PASS;
	}
	steer_count_reason(&xdp_reasons, STEER_R_DROP_FIB, bytes);
	return XDP_DROP;
}

#endif /* STEER_NAT_H */
