/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Packet parsing shared by XDP and TC: Ethernet, up to two VLAN tags,
 * IPv4 (options skipped), IPv6 (extension headers skipped up to a fixed
 * depth), TCP and UDP. Every access is bounds-checked against data_end;
 * lengths taken from headers are checked against pkt_len, the whole packet
 * length (for TC an skb's linear part may be shorter than the packet).
 * Returns 0 when the packet is a parsed TCP/UDP packet, else the reason.
 */
#ifndef STEER_PARSE_H
#define STEER_PARSE_H

#include "steer_consts.h"

struct steer_vlan_hdr {
	__be16 tci;
	__be16 proto;
};

struct steer_ipv6_opt_hdr {
	__u8 nexthdr;
	__u8 hdrlen;
};

struct steer_pkt {
	struct steer_flow_key key;	/* as received: src, dst, ports */
	__u32 l3_off;			/* offset of the IP header */
	__u32 l4_off;			/* offset of the TCP/UDP header */
	__u32 ip_len;			/* L3 length: IPv4 total, IPv6 40 + payload */
	__u8 vlans;			/* VLAN tags seen */
	__u8 tcp_flags;			/* 0 for UDP */
	__u16 l4_csum;			/* TCP/UDP checksum as received */
	__u32 bytes;			/* frame length, for counters */
	__u8 ttl;			/* IPv4 TTL / IPv6 hop limit as received */
	__u8 df : 1;			/* IPv4 DF set (IPv6: 1, routers never fragment) */
	__u8 frag : 1;			/* first fragment of a datagram (steer_frag.h) */
	__u8 bound : 6;			/* what the bounded load did (enum
					 * steer_bound_result); kept here, not in
					 * steer_xdp_new's frame, which is at the
					 * 512-byte limit of the call chain; packed
					 * with df and frag so this struct stays 64 bytes */
	__u16 balance_pct;		/* the service's bounded load (steer_bound.h) */
};

static __always_inline int steer_parse_ipv4(void *data, void *data_end, __u32 pkt_len,
					    struct steer_pkt *p)
{
	struct iphdr *ip = data + p->l3_off;
	__u32 hlen, tot;

	if ((void *)(ip + 1) > data_end)
		return STEER_R_DROP_TRUNC_IP;
	if (ip->version != 4 || ip->ihl < 5)
		return STEER_R_DROP_BAD_IP;
	hlen = ip->ihl * 4;
	if ((void *)ip + hlen > data_end)
		return STEER_R_DROP_TRUNC_IP;
	tot = bpf_ntohs(ip->tot_len);
	if (tot < hlen || p->l3_off + tot > pkt_len)
		return STEER_R_DROP_BAD_IP;
	if (ip->frag_off & bpf_htons(IP_OFFSET)) {
		/* a later fragment: no L4 header (steer_frag.h) */
		p->key.family = STEER_AF_INET;
		return STEER_R_PASS_FRAGMENT;
	}
	p->frag = !!(ip->frag_off & bpf_htons(IP_MF)); /* the first one: ports */
	if (ip->protocol != IPPROTO_TCP && ip->protocol != IPPROTO_UDP)
		return STEER_R_PASS_NOT_L4;

	p->key.family = STEER_AF_INET;
	p->key.proto = ip->protocol;
	__builtin_memcpy(p->key.src, &ip->saddr, 4);
	__builtin_memcpy(p->key.dst, &ip->daddr, 4);
	p->ip_len = tot;
	p->l4_off = p->l3_off + hlen;
	p->ttl = ip->ttl;
	p->df = !!(ip->frag_off & bpf_htons(IP_DF));
	return 0;
}

static __always_inline int steer_parse_ipv6(void *data, void *data_end, __u32 pkt_len,
					    struct steer_pkt *p)
{
	struct ipv6hdr *ip6 = data + p->l3_off;
	struct steer_ipv6_opt_hdr *oh;
	__u32 off = sizeof(*ip6);
	__u8 nexthdr;
	int i;

	if ((void *)(ip6 + 1) > data_end)
		return STEER_R_DROP_TRUNC_IP;
	if (ip6->version != 6)
		return STEER_R_DROP_BAD_IP;
	if (p->l3_off + sizeof(*ip6) + bpf_ntohs(ip6->payload_len) > pkt_len)
		return STEER_R_DROP_BAD_IP;
	nexthdr = ip6->nexthdr;

	/* a bounded loop: clang 14 can't unroll it with these exits */
	for (i = 0; i <= STEER_IPV6_EXT_MAX; i++) {
		if (nexthdr == IPPROTO_TCP || nexthdr == IPPROTO_UDP)
			break;
		switch (nexthdr) {
		case IPPROTO_HOPOPTS:
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
		case IPPROTO_AH:
			break;
		case IPPROTO_FRAGMENT:
			break; /* below */
		case IPPROTO_ESP:
			return STEER_R_PASS_EXT_DEPTH;
		default:
			return STEER_R_PASS_NOT_L4;
		}
		if (i == STEER_IPV6_EXT_MAX)
			return STEER_R_PASS_EXT_DEPTH;
		/* off grows by at most 2048 a header: bound it for the verifier */
		if (off > 4 * 2048 + sizeof(*ip6))
			return STEER_R_PASS_EXT_DEPTH;
		oh = (void *)ip6 + off;
		if ((void *)(oh + 1) > data_end)
			return STEER_R_DROP_TRUNC_IP;
		if (nexthdr == IPPROTO_FRAGMENT) {
			struct frag_hdr *fh = (void *)oh;

			if ((void *)(fh + 1) > data_end)
				return STEER_R_DROP_TRUNC_IP;
			if (fh->frag_off & bpf_htons(IP6_OFFSET)) {
				/* a later fragment: no L4 header (steer_frag.h) */
				p->key.family = STEER_AF_INET6;
				return STEER_R_PASS_FRAGMENT;
			}
			/* the first one holds the ports (RFC 7112); offset 0
			 * without M is an atomic fragment (RFC 6946): whole */
			p->frag = !!(fh->frag_off & bpf_htons(IP6_MF));
			off += sizeof(*fh);
			nexthdr = fh->nexthdr;
			continue;
		}
		if (nexthdr == IPPROTO_AH)
			off += (oh->hdrlen + 2) * 4;
		else
			off += (oh->hdrlen + 1) * 8;
		nexthdr = oh->nexthdr;
	}
	if (nexthdr != IPPROTO_TCP && nexthdr != IPPROTO_UDP)
		return STEER_R_PASS_EXT_DEPTH;
	if (off > sizeof(*ip6) + bpf_ntohs(ip6->payload_len))
		return STEER_R_DROP_TRUNC_IP;

	p->key.family = STEER_AF_INET6;
	p->key.proto = nexthdr;
	__builtin_memcpy(p->key.src, &ip6->saddr, 16);
	__builtin_memcpy(p->key.dst, &ip6->daddr, 16);
	p->ip_len = sizeof(*ip6) + bpf_ntohs(ip6->payload_len);
	p->l4_off = p->l3_off + off;
	p->ttl = ip6->hop_limit;
	p->df = 1;
	return 0;
}

static __always_inline int steer_parse_l4(void *data, void *data_end, __u32 pkt_len,
					  struct steer_pkt *p)
{
	/* l4_off <= l3_off + 40 + 4 * 2048 + 2048: a bounded offset */
	__u32 off = p->l4_off & 0x3fff;

	if (p->key.proto == IPPROTO_TCP) {
		struct tcphdr *th = data + off;
		__u32 doff;

		if ((void *)(th + 1) > data_end)
			return STEER_R_DROP_TRUNC_L4;
		doff = th->doff;
		if (doff < 5)
			return STEER_R_DROP_BAD_L4;
		if (off + doff * 4 > pkt_len)
			return STEER_R_DROP_TRUNC_L4;
		p->key.sport = th->source;
		p->key.dport = th->dest;
		p->tcp_flags = ((__u8 *)th)[13];
		p->l4_csum = th->check;
	} else {
		struct udphdr *uh = data + off;

		if ((void *)(uh + 1) > data_end)
			return STEER_R_DROP_TRUNC_L4;
		p->key.sport = uh->source;
		p->key.dport = uh->dest;
		p->tcp_flags = 0;
		p->l4_csum = uh->check;
	}
	return 0;
}

/* Parse a frame; p must be zeroed by the caller. */
static __always_inline int steer_parse(void *data, void *data_end, __u32 pkt_len,
				       struct steer_pkt *p)
{
	struct ethhdr *eth = data;
	__be16 proto;
	int i, r;

	if ((void *)(eth + 1) > data_end)
		return STEER_R_DROP_TRUNC_ETH;
	proto = eth->h_proto;
	p->l3_off = sizeof(*eth);

#pragma unroll
	for (i = 0; i < STEER_VLAN_MAX; i++) {
		struct steer_vlan_hdr *vh;

		if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
			break;
		vh = data + p->l3_off;
		if ((void *)(vh + 1) > data_end)
			return STEER_R_DROP_TRUNC_ETH;
		proto = vh->proto;
		p->l3_off += sizeof(*vh);
		p->vlans++;
	}

	if (proto == bpf_htons(ETH_P_IP))
		r = steer_parse_ipv4(data, data_end, pkt_len, p);
	else if (proto == bpf_htons(ETH_P_IPV6))
		r = steer_parse_ipv6(data, data_end, pkt_len, p);
	else
		return STEER_R_PASS_NOT_IP;
	if (r)
		return r;
	return steer_parse_l4(data, data_end, pkt_len, p);
}

/* Is reason r a DROP (kind from STEER_REASONS)? One compare, shift and AND. */
static __always_inline int steer_reason_is_drop(int r)
{
	return (__u32)r < STEER_REASON_SLOTS && ((STEER_REASON_DROP_MASK >> r) & 1);
}

#endif /* STEER_PARSE_H */
