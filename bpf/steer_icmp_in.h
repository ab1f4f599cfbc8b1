/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * steer_xdp: ICMP errors from the client's side about a steered flow's
 * replies (the client, or a router in front of it, answering a reply that
 * came from the VIP: port unreachable, packet too big, ...). They are sent
 * to the VIP and quote the reply as the client got it (source VIP:port);
 * the backend must get them about its own packet. As
 * nf_nat_icmp_reply_translation() does: the flow's conntrack entry is
 * found from the quote, the quoted source becomes the backend's
 * address:port (quoted IPv4 header and TCP/UDP checksums follow), the outer
 * destination the backend's, the ICMP checksum follows every change
 * (ICMPv6's covers the pseudo-header); then it is forwarded to the backend
 * as the flow's packets are (steer_xdp_forward(): TTL, next hop).
 */
#ifndef STEER_ICMP_IN_H
#define STEER_ICMP_IN_H

#include "steer_icmp_defs.h"

static __always_inline int steer_icmp_in_is_error(int v6, __u8 type)
{
	if (v6)
		return type >= 1 && type <= 4;
	return type == STEER_ICMP_DEST_UNREACH || type == STEER_ICMP_TIME_EXCEEDED ||
	       type == 12 /* parameter problem */;
}

/*
 * The frame is ICMP / ICMPv6 (steer_parse() said pass_not_l4, p holds its
 * l3_off, vlans, bytes): an error about a steered flow's reply is
 * translated, p filled in for steer_xdp_forward() and the backend's id
 * returned (ev_icmp_natted); else 0, counted: an error about no flow
 * (pass_icmp_no_flow), anything else (pass_not_l4), both XDP_PASS.
 * A subprogram that does not forward: with steer_xdp_forward() under it,
 * the call chain's stack went past 512 (its frame is large).
 */
static __noinline __u32 steer_xdp_icmp_in(struct xdp_md *ctx, struct steer_pkt *p)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 bytes = data_end - data, l3 = p->l3_off & 0x1f, bid, ihl;
	struct steer_icmp_hdr *ic;
	struct steer_backend *be;
	struct steer_ct *e;
	__u16 *l4csum = NULL, *sport, old;
	__u8 *inner_src, *outer_dst, *outer_src;
	int v6, udp;

	if (data + l3 + 40 > data_end)
		goto not_l4;
	v6 = (*(__u8 *)(data + l3) >> 4) == 6;
	if (v6) {
		struct ipv6hdr *ip6 = data + l3;

		if (ip6->nexthdr != IPPROTO_ICMPV6)
			goto not_l4;
		ic = (void *)(ip6 + 1);
		p->key.family = STEER_AF_INET6;
		outer_src = (__u8 *)&ip6->saddr;
		p->ip_len = 40 + bpf_ntohs(ip6->payload_len);
		p->ttl = ip6->hop_limit;
		p->df = 1;
		outer_dst = (__u8 *)&ip6->daddr;
	} else {
		struct iphdr *ip = data + l3;

		if (ip->version != 4 || ip->protocol != IPPROTO_ICMP ||
		    (ip->frag_off & bpf_htons(IP_MF | IP_OFFSET)))
			goto not_l4;
		ihl = ip->ihl * 4;
		if (ihl < 20)
			goto not_l4;
		ic = (void *)ip + ihl;
		p->key.family = STEER_AF_INET;
		outer_src = (__u8 *)&ip->saddr;
		p->ip_len = bpf_ntohs(ip->tot_len);
		p->ttl = ip->ttl;
		p->df = !!(ip->frag_off & bpf_htons(IP_DF));
		outer_dst = (__u8 *)&ip->daddr;
	}
	if ((void *)(ic + 1) > data_end)
		goto not_l4;
	if (!steer_icmp_in_is_error(v6, ic->type))
		goto not_l4;

	/* the quote: the reply as the client got it, VIP -> client; its
	 * reverse is the flow's conntrack key, client -> VIP (built in p->key,
	 * which then describes the error for steer_xdp_forward()) */
	{
		struct steer_flow_key *k = &p->key;
		__u8 *in = (__u8 *)(ic + 1), proto;
		__u16 *ports;

		if ((void *)in + 20 > data_end)
			goto no_flow;
		if (v6) {
			if ((void *)in + 40 > data_end)
				goto no_flow;
			proto = in[6];
			__builtin_memcpy(k->src, in + 24, 16);
			__builtin_memcpy(k->dst, in + 8, 16);
			inner_src = in + 8;
			ports = (__u16 *)(in + 40);
		} else {
			if ((in[0] >> 4) != 4 || (in[0] & 0xf) < 5)
				goto no_flow;
			proto = in[9];
			__builtin_memcpy(k->src, in + 16, 4);
			__builtin_memcpy(k->dst, in + 12, 4);
			inner_src = in + 12;
			ports = (__u16 *)(in + (in[0] & 0xf) * 4);
		}
		if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
			goto no_flow;
		if ((void *)(ports + 4) > data_end)
			goto no_flow;
		udp = proto == IPPROTO_UDP;
		k->sport = ports[1];
		k->dport = ports[0];
		k->proto = proto;
		e = bpf_map_lookup_elem(&ct, k);
		if (!e && !udp)
			e = bpf_map_lookup_elem(&ct_syn, k);
		if (!e)
			goto no_flow;
		bid = e->backend_id;
		be = bpf_map_lookup_elem(&backends, &bid);
		if (!be || be->family != p->key.family || p->ttl <= 1)
			goto no_flow; /* TTL: the stack answers (or drops) it */
		sport = ports;
		if (udp) {
			if (ports[3])
				l4csum = &ports[3];
		} else if ((void *)(ports + 9) <= data_end) {
			l4csum = &ports[8]; /* TCP's checksum, when the quote holds it */
		}
	}

	/* quoted source address -> the backend's: in the inner IPv4 header
	 * checksum, the quoted TCP/UDP checksum (pseudo-header), the ICMP one */
	if (v6) {
		__u32 na[4];

		/* checked again here: clang 14 shares the IPv4 path's variable
		 * offset with this one, and the verifier loses the range */
		if ((void *)(inner_src + 16) > data_end || (void *)(outer_dst + 16) > data_end)
			goto no_flow;
		__builtin_memcpy(na, be->addr, 16);
		if (l4csum) {
			old = *l4csum;
			steer_csum_replace16(l4csum, (__u32 *)inner_src, na);
			steer_csum_replace2(l4csum, *sport, be->port);
			steer_csum_replace2(&ic->check, old, *l4csum);
		}
		steer_csum_replace16(&ic->check, (__u32 *)inner_src, na);
		__builtin_memcpy(inner_src, na, 16);
		/* the outer destination is in ICMPv6's pseudo-header */
		steer_csum_replace16(&ic->check, (__u32 *)outer_dst, na);
		__builtin_memcpy(outer_dst, na, 16);
	} else {
		__u8 *in = (__u8 *)(ic + 1);
		__u16 *ipc = (__u16 *)(in + 10);
		struct iphdr *ip = data + l3;
		__u32 oa, na;

		if ((void *)(ip + 1) > data_end)
			goto no_flow;
		__builtin_memcpy(&oa, inner_src, 4);
		__builtin_memcpy(&na, be->addr, 4);
		old = *ipc;
		steer_csum_replace4(ipc, oa, na);
		steer_csum_replace2(&ic->check, old, *ipc);
		if (l4csum) {
			old = *l4csum;
			steer_csum_replace4(l4csum, oa, na);
			steer_csum_replace2(l4csum, *sport, be->port);
			steer_csum_replace2(&ic->check, old, *l4csum);
		}
		steer_csum_replace4(&ic->check, oa, na);
		__builtin_memcpy(inner_src, &na, 4);
		__builtin_memcpy(&oa, outer_dst, 4);
		steer_csum_replace4(&ip->check, oa, na);
		__builtin_memcpy(outer_dst, &na, 4);
	}
	if (udp && l4csum && !*l4csum) {
		steer_csum_replace2(&ic->check, 0, 0xffff);
		*l4csum = 0xffff; /* a computed UDP checksum of 0 is sent as all ones */
	}
	steer_csum_replace2(&ic->check, *sport, be->port);
	*sport = be->port;

	/* what steer_xdp_forward() reads: the error's source and protocol */
	if (v6)
		__builtin_memcpy(p->key.src, outer_src, 16);
	else
		__builtin_memcpy(p->key.src, outer_src, 4);
	p->key.proto = v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
	steer_count_reason(&xdp_reasons, STEER_R_EV_ICMP_NATTED, bytes);
	return bid;

no_flow:
	steer_count_reason(&xdp_reasons, STEER_R_PASS_ICMP_NO_FLOW, bytes);
	return 0;
not_l4:
	steer_count_reason(&xdp_reasons, STEER_R_PASS_NOT_L4, bytes);
	return 0;
}

/* A translated error (steer_xdp_icmp_in()) to its backend, as the flow's
 * packets go; too big for the path: dropped (an error is never answered
 * with an error). */
static __noinline int steer_xdp_icmp_forward(struct xdp_md *ctx, const struct steer_pkt *p,
					     __u32 bid)
{
	struct steer_backend *be = bpf_map_lookup_elem(&backends, &bid);
	int r;

	if (!be)
		return XDP_DROP;
	r = steer_xdp_forward(ctx, p, be, bid, bpf_ktime_get_coarse_ns());
	return (r & STEER_XDP_TOO_BIG) ? XDP_DROP : r;
}

#endif /* STEER_ICMP_IN_H */
