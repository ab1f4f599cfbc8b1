// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * steer_tc: clsact ingress of the interface backend replies arrive on.
 * Undoes steer_xdp's NAT (source backend -> VIP:port) from the reverse
 * conntrack entry, records the backend's FIN/RST, counts reply traffic and
 * forwards to the client. Specified in docs/datapath.md.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "steer_abi.h"
#include "steer_consts.h"
#include "steer_maps.h"
#include "steer_parse.h"
#include "steer_stats.h"
#include "steer_conntrack.h"
#include "steer_embryonic.h"
#include "steer_icmp_nat.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Headers we may need in the linear part: Eth + 2 VLAN + IPv6 + ext + TCP. */
#define STEER_TC_PULL_LEN 256

static __always_inline int steer_tc_verdict(int reason, __u32 bytes)
{
	/* TC never drops what it doesn't own: malformed input goes to the stack */
	if (steer_reason_is_drop(reason))
		reason = STEER_R_PASS_MALFORMED;
	steer_count_reason(&tc_reasons, reason, bytes);
	return TC_ACT_OK;
}

/*
 * Source NAT back to the VIP. The csum helpers fix CHECKSUM_PARTIAL and
 * CHECKSUM_COMPLETE skbs too (BPF_F_PSEUDO_HDR for pseudo-header fields);
 * BPF_F_MARK_MANGLED_0 keeps an IPv4 UDP checksum of 0 at 0.
 */
static __always_inline int steer_tc_snat(struct __sk_buff *skb, const struct steer_pkt *p,
					 const struct steer_rct *re)
{
	int udp = p->key.proto == IPPROTO_UDP;
	__u32 csum_off = p->l4_off + (udp ? offsetof(struct udphdr, check)
					   : offsetof(struct tcphdr, check));
	__u64 mm0 = udp ? BPF_F_MARK_MANGLED_0 : 0;
	__u16 old_port = p->key.sport;
	__u16 new_port = re->vport;
	int i;

	if (p->key.family == STEER_AF_INET) {
		__u32 old, new;

		__builtin_memcpy(&old, p->key.src, 4);
		__builtin_memcpy(&new, re->vip, 4);
		if (bpf_l4_csum_replace(skb, csum_off, old, new, BPF_F_PSEUDO_HDR | mm0 | 4) ||
		    bpf_l3_csum_replace(skb, p->l3_off + offsetof(struct iphdr, check), old, new,
					4) ||
		    bpf_skb_store_bytes(skb, p->l3_off + offsetof(struct iphdr, saddr), &new, 4, 0))
			return -1;
	} else {
		__u32 old[4], new[4];

		__builtin_memcpy(old, p->key.src, 16);
		__builtin_memcpy(new, re->vip, 16);
#pragma unroll
		for (i = 0; i < 4; i++)
			if (bpf_l4_csum_replace(skb, csum_off, old[i], new[i],
						BPF_F_PSEUDO_HDR | mm0 | 4))
				return -1;
		if (bpf_skb_store_bytes(skb, p->l3_off + offsetof(struct ipv6hdr, saddr), new, 16,
					0))
			return -1;
	}
	if (bpf_l4_csum_replace(skb, csum_off, old_port, new_port, mm0 | 2) ||
	    bpf_skb_store_bytes(skb, p->l4_off, &new_port, 2, 0)) /* source port: offset 0 */
		return -1;
	return 0;
}

/*
 * TTL / hop limit minus one on a reply steer forwards itself (the caller
 * made sure it was > 1). The helpers fix a CHECKSUM_COMPLETE skb too.
 */
static __always_inline int steer_tc_ttl_dec(struct __sk_buff *skb, const struct steer_pkt *p)
{
	__u8 ttl = p->ttl - 1;

	if (p->key.family == STEER_AF_INET) {
		__u16 proto = p->key.proto;
		__u16 old = bpf_htons((__u16)(p->ttl << 8) | proto);
		__u16 new = bpf_htons((__u16)(ttl << 8) | proto);

		if (bpf_l3_csum_replace(skb, p->l3_off + offsetof(struct iphdr, check), old, new,
					2))
			return -1;
		return bpf_skb_store_bytes(skb, p->l3_off + offsetof(struct iphdr, ttl), &ttl, 1,
					   0);
	}
	return bpf_skb_store_bytes(skb, p->l3_off + offsetof(struct ipv6hdr, hop_limit), &ttl, 1,
				   0);
}

/* The next hop towards the client, looked up before the NAT (it needs only
 * the addresses), so that a reply the path can't carry is left untouched. */
static __always_inline long steer_tc_lookup(struct __sk_buff *skb, const struct steer_pkt *p,
					    const struct steer_rct *re, struct bpf_fib_lookup *fib)
{
	fib->ifindex = skb->ingress_ifindex;
	fib->l4_protocol = p->key.proto;
	/* tot_len 0: the kernel checks the skb (GSO included) against the MTU */
	fib->tot_len = 0;
	if (p->key.family == STEER_AF_INET) {
		fib->family = AF_INET;
		__builtin_memcpy(&fib->ipv4_src, re->vip, 4);
		__builtin_memcpy(&fib->ipv4_dst, p->key.dst, 4);
	} else {
		fib->family = AF_INET6;
		__builtin_memcpy(fib->ipv6_src, re->vip, 16);
		__builtin_memcpy(fib->ipv6_dst, p->key.dst, 16);
	}
	return bpf_fib_lookup(skb, fib, sizeof(*fib), 0);
}

/* After the NAT: TTL, MACs and redirect, as the lookup said. */
static __always_inline int steer_tc_forward(struct __sk_buff *skb, const struct steer_pkt *p,
					    struct bpf_fib_lookup *fib, long rc)
{
	if (rc == BPF_FIB_LKUP_RET_SUCCESS || rc == BPF_FIB_LKUP_RET_NO_NEIGH) {
		if (steer_tc_ttl_dec(skb, p))
			return TC_ACT_SHOT;
	}
	if (rc == BPF_FIB_LKUP_RET_SUCCESS) {
		if (bpf_skb_store_bytes(skb, 0, fib->dmac, ETH_ALEN, 0) ||
		    bpf_skb_store_bytes(skb, ETH_ALEN, fib->smac, ETH_ALEN, 0))
			return TC_ACT_SHOT;
		return bpf_redirect(fib->ifindex, 0);
	}
	if (rc == BPF_FIB_LKUP_RET_NO_NEIGH)
		return bpf_redirect_neigh(fib->ifindex, NULL, 0, 0); /* kernel resolves it */
	steer_count_reason(&tc_reasons, STEER_R_DROP_FIB, p->bytes);
	return TC_ACT_SHOT;
}

/*
 * The packet after any pull: a subprogram, so that clang reads data and
 * data_end freshly from ctx. Inlined, it kept ctx+offset pointers from the
 * reads before the pull and the verifier refused them ("dereference of
 * modified ctx ptr").
 */
#include "steer_tc_frag.h"

/*
 * Not a verdict: "an ICMP packet at this L3 offset", for steer_tc to hand
 * to steer_tc_icmp (an error about a steered flow?). Called from here, its
 * frame was stacked on this one's and, with the half-open flows' lookup
 * (steer_embryonic.h), the chain took 576 bytes of the 512; called from
 * steer_tc the two frames are siblings. TC verdicts are small integers.
 */
#define STEER_TC_ICMP_FLAG 0x10000
#define STEER_TC_ICMP_AT(l3) (STEER_TC_ICMP_FLAG | ((l3) & 0xffff))

static __noinline int steer_tc_handle(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct steer_flow_key fk;
	struct steer_pkt p = {};
	struct steer_backend *be;
	struct steer_rct *re, syn_re;
	struct steer_ct *e;
	struct bpf_fib_lookup fib = {};
	__u32 bits;
	int r, syn = 0;
	long rc;

	p.bytes = skb->len;
	r = steer_parse(data, data_end, skb->len, &p);
	if (r == STEER_R_PASS_NOT_L4)
		return STEER_TC_ICMP_AT(p.l3_off); /* steer_tc calls steer_tc_icmp */
	if (r == STEER_R_PASS_FRAGMENT)
		return steer_tc_frag_follow(skb, &p); /* a reply's later fragment */
	if (r)
		return steer_tc_verdict(r, p.bytes);

	re = bpf_map_lookup_elem(&rct, &p.key);
	if (!re && p.key.proto == IPPROTO_TCP) {
		/* a half-open flow's SYN+ACK (or RST, or a TFO server's data
		 * before the client's ACK): it has no reverse entry
		 * (steer_embryonic.h) */
		if (steer_embryo_lookup(&p.key, &syn_re)) {
			re = &syn_re;
			syn = 1;
		}
	}
	if (!re)
		return steer_tc_verdict(STEER_R_PASS_NO_RCT, p.bytes);
	/* not forwarded, untouched: the stack answers the backend time
	 * exceeded about its own packet, as a router would */
	if (p.ttl <= 1)
		return steer_tc_verdict(STEER_R_PASS_TTL_EXCEEDED, p.bytes);
	be = bpf_map_lookup_elem(&backends, &re->backend_id);
	if (!be || be->state == STEER_BACKEND_UNUSED) {
		/* a late reply of a removed backend: its flows moved on */
		if (!syn)
			bpf_map_delete_elem(&rct, &p.key);
		return steer_tc_verdict(STEER_R_PASS_NO_RCT, p.bytes);
	}

	bits = p.key.proto == IPPROTO_TCP ? steer_ct_bits(p.tcp_flags, STEER_CT_F_FIN_BACKEND, STEER_CT_F_RST) : 0;
	if (p.key.proto == IPPROTO_TCP &&
	    (p.tcp_flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == (TCP_FLAG_SYN | TCP_FLAG_ACK))
		bits |= STEER_CT_F_SYNACK; /* the backend accepted: the handshake goes on */
	if (bits) {
		__builtin_memcpy(fk.src, p.key.dst, 16);
		__builtin_memcpy(fk.dst, re->vip, 16);
		fk.sport = p.key.dport;
		fk.dport = re->vport;
		fk.proto = p.key.proto;
		fk.family = p.key.family;
		fk.pad = 0;
		if (syn) {
			e = bpf_map_lookup_elem(&ct_syn, &fk);
			steer_one_map_per_call(e);
		} else {
			e = bpf_map_lookup_elem(&ct, &fk);
		}
		if (e && bits == STEER_CT_F_SYNACK)
			__sync_fetch_and_or(&e->flags, bits);
		else if (e)
			steer_ct_mark(e, bits);
		if (!syn) /* (syn_re is a copy: a half-open flow's flags live in e) */
			__sync_fetch_and_or(&re->flags, bits);
	}
	if (p.frag && !steer_dry_run)
		steer_tc_frag_note(skb, &p, re); /* its later fragments follow */
	steer_count_reply(re->backend_id, re->tenant, p.bytes);

	if (p.vlans) {
		if (steer_tc_snat(skb, &p, re))
			return steer_tc_verdict(STEER_R_PASS_MALFORMED, p.bytes);
		steer_count_reason(&tc_reasons, STEER_R_PASS_VLAN, p.bytes);
		return TC_ACT_OK; /* the stack's VLAN device routes it */
	}
	rc = steer_tc_lookup(skb, &p, re, &fib);
	if (rc == BPF_FIB_LKUP_RET_FRAG_NEEDED)
		/* untouched: the stack fragments it, or answers the backend
		 * frag needed / packet too big quoting its own packet */
		return steer_tc_verdict(STEER_R_PASS_FRAGMENTING, p.bytes);
	if (steer_tc_snat(skb, &p, re))
		return steer_tc_verdict(STEER_R_PASS_MALFORMED, p.bytes);
	return steer_tc_forward(skb, &p, &fib, rc);
}

static __noinline __u32 steer_tc_linear_len(struct __sk_buff *skb)
{
	return skb->data_end - skb->data;
}

SEC("tc")
int steer_tc(struct __sk_buff *skb)
{
	__u32 want = skb->len < STEER_TC_PULL_LEN ? skb->len : STEER_TC_PULL_LEN;
	int r;

	/* headers we parse must be in the linear part */
	if (steer_tc_linear_len(skb) < want)
		bpf_skb_pull_data(skb, want);
	r = steer_tc_handle(skb);
	if (r & STEER_TC_ICMP_FLAG)
		return steer_tc_icmp(skb, r & 0xffff);
	return r;
}
