/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Fragmented datagrams to a service, IPv4 and IPv6 (docs/datapath.md,
 * "Fragments"). Only the first fragment (offset 0) holds the ports, so it
 * alone is steered as any packet (conntrack, NAT: the L4 checksum covers
 * the whole datagram and its incremental update stays right). Its backend
 * is noted in frags under (src, dst, IP identification, proto); a later
 * fragment found there gets the same DNAT, IP header only, and the same
 * forwarding. A later fragment found nowhere (it came before its first,
 * its first was not for a service, or the note aged out) goes to the
 * stack, which must still route fragments that are not ours.
 */
#ifndef STEER_FRAG_H
#define STEER_FRAG_H

#include "steer_frag_hdr.h"

/*
 * The first fragment of a datagram was steered (its conntrack entry says
 * where): note it so that the later fragments follow. A subprogram called
 * from the entry point: its key and value stay off the deep call chain.
 */
static __noinline void steer_xdp_frag_note(struct xdp_md *ctx, const struct steer_pkt *p)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct steer_frag_key fk = {};
	struct steer_frag v = {};
	struct steer_ct *e;

	if (steer_dry_run)
		return;
	e = bpf_map_lookup_elem(&ct, &p->key);
	if (!e && p->key.proto == IPPROTO_TCP)
		e = bpf_map_lookup_elem(&ct_syn, &p->key);
	if (!e)
		return;
	if (steer_frag_key_first(data, data_end, p, &fk))
		return;
	v.backend_id = e->backend_id;
	v.tenant = e->tenant;
	v.class_id = e->class_id;
	if (!bpf_map_update_elem(&frags, &fk, &v, BPF_ANY))
		steer_count_reason(&xdp_reasons, STEER_R_EV_FRAG_FIRST, p->bytes);
}

/*
 * A later fragment (steer_parse() said pass_fragment; p holds l3_off,
 * vlans and the family): the first fragment's DNAT, IP header only, and
 * its forwarding; else to the stack. A subprogram called from the entry
 * point; steer_xdp_forward() below it is the only other frame.
 */
static __noinline int steer_xdp_frag_follow(struct xdp_md *ctx, struct steer_pkt *p)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct steer_frag_key fk = {};
	struct steer_backend *be;
	struct steer_frag *f;
	__u32 bid, foff;
	int r;

	if (p->key.family == STEER_AF_INET) {
		struct iphdr *ip = data + (p->l3_off & 0x3f);

		if ((void *)(ip + 1) > data_end)
			return XDP_DROP; /* steer_parse() read it */
		fk.id = ip->id;
		fk.proto = ip->protocol;
		__builtin_memcpy(fk.src, &ip->saddr, 4);
		__builtin_memcpy(fk.dst, &ip->daddr, 4);
		foff = (bpf_ntohs(ip->frag_off) & IP_OFFSET) * 8;
		p->ip_len = bpf_ntohs(ip->tot_len);
		p->ttl = ip->ttl;
		p->df = !!(ip->frag_off & bpf_htons(IP_DF));
	} else {
		struct ipv6hdr *ip6 = data + (p->l3_off & 0x3f);
		struct frag_hdr *fh = steer_frag_hdr6(data, data_end, p->l3_off);

		if (!fh || (void *)(ip6 + 1) > data_end)
			return steer_xdp_verdict(STEER_R_PASS_FRAG_NO_FIRST, p->bytes);
		fk.id = fh->identification;
		/* the header after the Fragment header: the L4 protocol when
		 * no extension header follows it (else no match: the stack) */
		fk.proto = fh->nexthdr;
		__builtin_memcpy(fk.src, &ip6->saddr, 16);
		__builtin_memcpy(fk.dst, &ip6->daddr, 16);
		foff = bpf_ntohs(fh->frag_off) & IP6_OFFSET;
		p->ip_len = sizeof(*ip6) + bpf_ntohs(ip6->payload_len);
		p->ttl = ip6->hop_limit;
		p->df = 1;
	}
	fk.family = p->key.family;
	/* RFC 1858: a TCP fragment at offset 8 or 16 overwrites part of the
	 * header (flags, ports) the first fragment was steered by */
	if (fk.proto == IPPROTO_TCP && foff < 20)
		return steer_xdp_verdict(STEER_R_DROP_FRAG_BAD, p->bytes);
	f = bpf_map_lookup_elem(&frags, &fk);
	if (!f)
		return steer_xdp_verdict(STEER_R_PASS_FRAG_NO_FIRST, p->bytes);
	bid = f->backend_id;
	be = bpf_map_lookup_elem(&backends, &bid);
	if (!be || be->family != fk.family)
		return steer_xdp_verdict(STEER_R_PASS_FRAG_NO_FIRST, p->bytes);
	if (fk.family == STEER_AF_INET && steer_ip4_csum_bad(ctx, p->l3_off))
		return steer_xdp_verdict(STEER_R_DROP_BAD_IP_CSUM, p->bytes);
	/* the stack decides (an IPv4 later fragment gets no ICMP, RFC 792) */
	if (p->ttl <= 1)
		return steer_xdp_verdict(STEER_R_PASS_TTL_EXCEEDED, p->bytes);

	__builtin_memcpy(p->key.src, fk.src, 16);
	__builtin_memcpy(p->key.dst, fk.dst, 16);
	p->key.proto = fk.proto;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	if (fk.family == STEER_AF_INET) {
		struct iphdr *ip = data + (p->l3_off & 0x3f);
		__u32 new;

		if ((void *)(ip + 1) > data_end)
			return XDP_DROP;
		__builtin_memcpy(&new, be->addr, 4);
		steer_csum_replace4(&ip->check, ip->daddr, new);
		ip->daddr = new;
	} else {
		struct ipv6hdr *ip6 = data + (p->l3_off & 0x3f);

		if ((void *)(ip6 + 1) > data_end)
			return XDP_DROP;
		__builtin_memcpy(&ip6->daddr, be->addr, 16);
	}
	steer_count_reason(&xdp_reasons, STEER_R_EV_FRAG_FOLLOW, p->bytes);
	steer_count_forward(bid, f->tenant, f->class_id, p->bytes, 0, 0);
	r = steer_xdp_forward(ctx, p, be, bid, bpf_ktime_get_coarse_ns());
	if (r & STEER_XDP_TOO_BIG) {
		/* DF (or IPv6) and too big: its first fragment, the largest,
		 * got the ICMP error already */
		steer_count_reason(&xdp_reasons, STEER_R_DROP_FRAG_NEEDED, p->bytes);
		return XDP_DROP;
	}
	return r;
}

#endif /* STEER_FRAG_H */
