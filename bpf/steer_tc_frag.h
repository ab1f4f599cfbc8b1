/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Replies that come back fragmented from a backend (docs/datapath.md,
 * "Fragments"): the first fragment holds the ports and is reverse-NATed as
 * any reply (its UDP checksum covers the whole datagram); it is noted in
 * frags_rev under (backend, client, IP identification, proto) with its
 * reverse entry, so that the later fragments get the same source NAT (IP
 * header only) and the same forwarding. A later fragment found nowhere is
 * left to the stack, untouched (pass_frag_no_first), as in XDP.
 */
#ifndef STEER_TC_FRAG_H
#define STEER_TC_FRAG_H

#include "steer_frag_hdr.h"

/* The reply's first fragment (p->frag), before its NAT: note it. */
static __noinline void steer_tc_frag_note(struct __sk_buff *skb, const struct steer_pkt *p,
					  const struct steer_rct *re)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct steer_frag_key fk = {};

	if (steer_frag_key_first(data, data_end, p, &fk))
		return;
	if (!bpf_map_update_elem(&frags_rev, &fk, re, BPF_ANY))
		steer_count_reason(&tc_reasons, STEER_R_EV_FRAG_FIRST, p->bytes);
}

/*
 * A reply's later fragment (steer_parse() said pass_fragment): the source
 * NAT of its first fragment, IP header only, and its forwarding. A
 * subprogram: the key and the FIB parameters stay off steer_tc_handle's
 * frame.
 */
static __noinline int steer_tc_frag_follow(struct __sk_buff *skb, struct steer_pkt *p)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct bpf_fib_lookup fib = {};
	struct steer_frag_key fk = {};
	struct steer_rct *re;
	__u32 l3 = p->l3_off & 0x3f;
	long rc;

	if (p->key.family == STEER_AF_INET) {
		struct iphdr *ip = data + l3;

		if ((void *)(ip + 1) > data_end)
			return steer_tc_verdict(STEER_R_PASS_FRAG_NO_FIRST, p->bytes);
		fk.id = ip->id;
		fk.proto = ip->protocol;
		__builtin_memcpy(fk.src, &ip->saddr, 4);
		__builtin_memcpy(fk.dst, &ip->daddr, 4);
		p->ttl = ip->ttl;
	} else {
		struct ipv6hdr *ip6 = data + l3;
		struct frag_hdr *fh = steer_frag_hdr6(data, data_end, p->l3_off);

		if (!fh || (void *)(ip6 + 1) > data_end)
			return steer_tc_verdict(STEER_R_PASS_FRAG_NO_FIRST, p->bytes);
		fk.id = fh->identification;
		fk.proto = fh->nexthdr;
		__builtin_memcpy(fk.src, &ip6->saddr, 16);
		__builtin_memcpy(fk.dst, &ip6->daddr, 16);
		p->ttl = ip6->hop_limit;
	}
	fk.family = p->key.family;
	re = bpf_map_lookup_elem(&frags_rev, &fk);
	if (!re)
		return steer_tc_verdict(STEER_R_PASS_FRAG_NO_FIRST, p->bytes);
	if (p->ttl <= 1)
		return steer_tc_verdict(STEER_R_PASS_TTL_EXCEEDED, p->bytes);
	__builtin_memcpy(p->key.src, fk.src, 16);
	__builtin_memcpy(p->key.dst, fk.dst, 16);
	p->key.proto = fk.proto;
	rc = steer_tc_lookup(skb, p, re, &fib);
	if (rc == BPF_FIB_LKUP_RET_FRAG_NEEDED)
		return steer_tc_verdict(STEER_R_PASS_FRAGMENTING, p->bytes);
	if (p->key.family == STEER_AF_INET) {
		__u32 old, new;

		__builtin_memcpy(&old, fk.src, 4);
		__builtin_memcpy(&new, re->vip, 4);
		if (bpf_l3_csum_replace(skb, l3 + offsetof(struct iphdr, check), old, new, 4) ||
		    bpf_skb_store_bytes(skb, l3 + offsetof(struct iphdr, saddr), &new, 4, 0))
			return steer_tc_verdict(STEER_R_PASS_MALFORMED, p->bytes);
	} else if (bpf_skb_store_bytes(skb, l3 + offsetof(struct ipv6hdr, saddr), re->vip, 16, 0)) {
		return steer_tc_verdict(STEER_R_PASS_MALFORMED, p->bytes);
	}
	steer_count_reason(&tc_reasons, STEER_R_EV_FRAG_FOLLOW, p->bytes);
	steer_count_reply(re->backend_id, re->tenant, p->bytes);
	if (p->vlans) {
		steer_count_reason(&tc_reasons, STEER_R_PASS_VLAN, p->bytes);
		return TC_ACT_OK; /* the stack's VLAN device routes it */
	}
	return steer_tc_forward(skb, p, &fib, rc);
}

#endif /* STEER_TC_FRAG_H */
