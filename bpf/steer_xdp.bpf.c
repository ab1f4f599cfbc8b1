// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * steer_xdp: steers every new connection to a service to a backend chosen
 * by map lookup, keeps it there (conntrack), and NATs it. The behaviour,
 * verdict by verdict, is specified in docs/datapath.md.
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
#include "steer_select.h"
#include "steer_bound.h"
#include "steer_admission.h"
#include "steer_nat.h"
#include "steer_ip4_verify.h"
#include "steer_mss.h"
#include "steer_ct_hint_bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

enum steer_new_kind {
	STEER_NEW_FLOW,		/* SYN or first UDP packet: full policy + admission */
	STEER_NEW_NONSYN,	/* mid-stream packet with no entry: table only */
	STEER_NEW_RESTEER,	/* entry's backend down/gone: table only */
	STEER_NEW_RST,		/* RST with no entry: table only, no entry written */
	STEER_NEW_REUSE,	/* SYN on a closed or non-SYN entry: a new flow, admitted */
};

/*
 * TCP flags a client never sends to a server: SYN with FIN or RST, no flag
 * at all, FIN without ACK (Xmas and FIN scans), and SYN+ACK (an answer to
 * a SYN nobody sent). 0, or the reason to drop.
 */
static __always_inline int steer_tcp_flags_check(__u8 f)
{
	if ((f & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == (TCP_FLAG_SYN | TCP_FLAG_ACK))
		return STEER_R_DROP_STRAY_SYNACK;
	if (((f & TCP_FLAG_SYN) && (f & (TCP_FLAG_FIN | TCP_FLAG_RST))) || !f ||
	    ((f & TCP_FLAG_FIN) && !(f & TCP_FLAG_ACK)))
		return STEER_R_DROP_TCP_FLAGS;
	return 0;
}

static __always_inline int steer_xdp_verdict(int reason, __u32 bytes)
{
	steer_count_reason(&xdp_reasons, reason, bytes);
	return steer_reason_is_drop(reason) ? XDP_DROP : XDP_PASS;
}

#include "steer_icmp_in.h"
#include "steer_frag.h"

/*
 * A flow that needs a backend: classify, pick, admit (new flows only),
 * write ct/rct, NAT and forward. old: the entry being replaced (re-steer,
 * expired UDP, TCP port reuse), whose reverse entry is removed, or NULL.
 */
/* A subprogram (BPF allows 5 arguments): inlined at every call site, it
 * made the program several times larger. */
static __noinline int steer_xdp_new(struct xdp_md *ctx, struct steer_pkt *p, __u32 task,
				    struct steer_ct *old, enum steer_new_kind kind)
{
	struct steer_config *cfg;
	__u32 bytes = p->bytes;
	struct steer_class_key ck = {};
	struct steer_flow_key rk;
	struct steer_class *cls;
	struct steer_backend *be = NULL;
	struct steer_ct e = {};
	struct steer_rct re = {};
	struct steer_explain *x;
	__u64 now = bpf_ktime_get_coarse_ns();
	__u32 bid = 0, h;
	int counted = 0, syn, werr, old_embryonic;
	int r;

	/* bid (0 until the pick) is the config's key: a key of its own took
	 * this frame past the 512 bytes of the call chain */
	cfg = bpf_map_lookup_elem(&steer_cfg, &bid);
	if (!cfg)
		return steer_xdp_verdict(STEER_R_DROP_NO_CONFIG, bytes);
	ck.tenant = steer_tenant_of(&p->key);
	ck.task = task;
	ck.family = p->key.family;
	cls = bpf_map_lookup_elem(&classes, &ck);
	x = steer_explain_rec();
	if (x) {
		x->tenant = ck.tenant;
		x->task = ck.task;
		if (cls) {
			x->stage |= STEER_EXPLAIN_CLASS;
			x->class_id = cls->class_id;
			x->table_id = cls->table_id;
		}
	}
	if (!cls) {
		r = STEER_R_DROP_NO_CLASS;
		goto refuse;
	}
	if (cls->action == STEER_ACTION_REJECT) {
		r = STEER_R_DROP_REJECT_POLICY;
		goto refuse;
	}
	h = steer_flow_hash(&p->key, cfg->hash_seed); /* once: the pick's, and the walk's */
	r = steer_pick(cls, cfg, &p->key, h, &bid, &be);
	if (x) {
		x->slot = h % cfg->maglev_size;
		if (!r) {
			x->stage |= STEER_EXPLAIN_PICKED;
			x->backend_id = bid;
		}
	}
	if (r)
		goto refuse;
	/* new connections only: a non-SYN miss or a re-steer keeps the
	 * plain table's choice, the one every gateway makes (ECMP) */
	if ((kind == STEER_NEW_FLOW || kind == STEER_NEW_REUSE) && p->balance_pct) {
		/* bid itself is the out-arg: this frame is at the 512-byte limit
		 * with steer_xdp's and steer_xdp_forward's */
		p->bound = steer_bound_walk(p, h, cls->table_id, bid, &bid);
		if (p->bound == STEER_BOUND_FULL) /* the last resort (steer_bound.h) */
			p->bound = steer_bound_least(p, cls->table_id, bid, &bid);
		if ((p->bound & STEER_BOUND_WHAT) == STEER_BOUND_DIVERT) {
			be = bpf_map_lookup_elem(&backends, &bid);
			if (!be) {
				r = STEER_R_DROP_NO_BACKEND;
				goto refuse;
			}
		}
		if (x)
			x->backend_id = bid;
	}
	if (kind == STEER_NEW_REUSE && old && !steer_dry_run)
		steer_ct_close_now(old); /* the old connection's slot, before the new one asks */
	if (kind == STEER_NEW_FLOW || kind == STEER_NEW_REUSE) {
		r = steer_admit(ck.tenant, now, &counted);
		if (x) {
			x->stage |= STEER_EXPLAIN_ADMIT;
			x->admit = r;
		}
		if (r)
			goto refuse;
	}
	if (steer_dry_run)
		goto nat; /* writes nothing: no conntrack, no counters */
	if (kind == STEER_NEW_RST) {
		steer_count_reason(&xdp_reasons, STEER_R_EV_RST_NO_ENTRY, bytes);
		steer_count_forward(bid, ck.tenant, cls->class_id, bytes, 0, 0);
		goto nat;
	}

	if (old) {
		/* the flow leaves its old backend: its reverse entry goes */
		__u32 obid = old->backend_id;
		struct steer_backend *ob = bpf_map_lookup_elem(&backends, &obid);

		/* (a half-open flow has none: steer_embryonic.h) */
		if (ob && ob->family == p->key.family && !(old->flags & STEER_CT_F_EMBRYONIC)) {
			steer_rct_key(&rk, &p->key, ob);
			bpf_map_delete_elem(&rct, &rk);
		}
	}
	old_embryonic = old && (old->flags & STEER_CT_F_EMBRYONIC);
	if (kind == STEER_NEW_RESTEER && old) {
		/* same connection, new backend: the tenant slot stays */
		__u32 obid = old->backend_id;
		struct steer_backend_stats *bs = bpf_map_lookup_elem(&backend_stats, &obid);

		if (bs)
			bs->closed_flows++;
		steer_load_add(obid, -1);
		e.flags = old->flags & (STEER_CT_F_COUNTED | STEER_CT_F_NONSYN);
		e.tenant = old->tenant;
		e.created_ns = old->created_ns;
		steer_count_reason(&xdp_reasons, STEER_R_EV_RESTEER_DOWN, bytes);
	} else {
		e.tenant = ck.tenant;
		e.created_ns = now;
		if (counted)
			e.flags |= STEER_CT_F_COUNTED;
		if (kind == STEER_NEW_NONSYN)
			e.flags |= STEER_CT_F_NONSYN | STEER_CT_F_ESTABLISHED; /* mid-stream */
	}
	if (p->key.proto != IPPROTO_TCP)
		e.flags |= STEER_CT_F_ESTABLISHED; /* UDP: no handshake */
	e.backend_id = bid;
	e.class_id = cls->class_id;
	e.last_ns = now;
	if (p->key.proto == IPPROTO_TCP)
		e.flags |= steer_ct_bits(p->tcp_flags, STEER_CT_F_FIN_CLIENT, STEER_CT_F_RST_CLIENT);
	if (steer_ct_closing(e.flags))
		e.flags |= STEER_CT_F_CLOSED; /* a lone RST: nothing to hold */

	__builtin_memcpy(re.vip, p->key.dst, 16);
	re.vport = p->key.dport;
	re.backend_id = bid;
	re.tenant = e.tenant;
	steer_rct_key(&rk, &p->key, be);
	/* a SYN's entry lives apart until the handshake ends (steer_maps.h),
	 * with no reverse entry: TC finds the backend's replies from it
	 * (steer_embryonic.h) */
	syn = kind == STEER_NEW_FLOW && p->key.proto == IPPROTO_TCP &&
	      !(e.flags & STEER_CT_F_CLOSED);
	if (syn)
		e.flags |= STEER_CT_F_EMBRYONIC;
	if (p->key.proto == IPPROTO_TCP && (kind == STEER_NEW_FLOW || kind == STEER_NEW_NONSYN))
		steer_ct_hint_set(&p->key); /* a new key: before its write (and after) */
	if (syn)
		werr = bpf_map_update_elem(&ct_syn, &p->key, &e, BPF_ANY);
	else /* reverse entry first: a reply must never beat its NAT state */
		werr = bpf_map_update_elem(&rct, &rk, &re, BPF_ANY) ||
		       bpf_map_update_elem(&ct, &p->key, &e, BPF_ANY);
	if (werr) {
		if (counted) {
			struct steer_tenant_state *st =
				bpf_map_lookup_elem(&tenant_state, &ck.tenant);

			if (st)
				__sync_fetch_and_add(&st->active, -1);
		}
		r = STEER_R_DROP_NO_BACKEND;
		goto refuse;
	}

	if (p->key.proto == IPPROTO_TCP && (kind == STEER_NEW_FLOW || kind == STEER_NEW_NONSYN))
		steer_ct_hint_set(&p->key); /* a new key: after its write too */
	if (old_embryonic && !syn)
		bpf_map_delete_elem(&ct_syn, &p->key); /* the flow lives in ct now */
	/* a re-steer is a new flow for the backend only: not for tenant/class */
	steer_count_forward(bid, e.tenant, e.class_id, bytes, p->bound & STEER_BOUND_TAKEN ? 2 : 1,
			    kind != STEER_NEW_RESTEER);
	if (kind == STEER_NEW_REUSE) /* counted once admitted: a refusal has its own reason */
		steer_count_reason(&xdp_reasons, STEER_R_EV_CT_REUSE, bytes);
	if ((p->bound & STEER_BOUND_WHAT) == STEER_BOUND_DIVERT) /* once admitted, as above */
		steer_count_reason(&xdp_reasons, STEER_R_EV_BOUND_DIVERT, bytes);
	else if ((p->bound & STEER_BOUND_WHAT) == STEER_BOUND_FULL)
		steer_count_reason(&xdp_reasons, STEER_R_EV_BOUND_FULL, bytes);
	if (e.flags & STEER_CT_F_CLOSED) {
		struct steer_ct *ne = bpf_map_lookup_elem(&ct, &p->key);

		if (ne)
			steer_ct_release(ne);
	}
nat:
	if (x)
		x->stage |= STEER_EXPLAIN_NAT;
	if (steer_xdp_dnat(ctx, p, be))
		return steer_xdp_verdict(STEER_R_DROP_TRUNC_L4, bytes);
	return steer_xdp_forward(ctx, p, be, bid, now);

refuse:
	if (p->bound & STEER_BOUND_TAKEN)
		steer_bound_give_back(bid); /* the place the bounded load took */
	if (kind == STEER_NEW_FLOW || kind == STEER_NEW_REUSE)
		steer_count_refused(ck.tenant, cls ? cls->class_id : 0, cls != NULL, r);
	return steer_xdp_verdict(r, bytes);
}

/*
 * A half-open flow completed its handshake: its entry moves from ct_syn to
 * ct, where a SYN flood can't evict it, and gets its reverse entry in rct,
 * built from the flow, which holds all it says. 0 when the flow moved;
 * else it stays half-open and the next ACK tries again. A subprogram: its
 * keys and values would push the caller's stack past 512.
 */
static __noinline int steer_ct_promote(const struct steer_pkt *p, struct steer_ct *e,
				       const struct steer_backend *be)
{
	struct steer_flow_key rk;
	struct steer_rct nr = {};
	struct steer_ct ne;

	steer_rct_key(&rk, &p->key, be);
	__builtin_memcpy(nr.vip, p->key.dst, 16);
	nr.vport = p->key.dport;
	nr.backend_id = e->backend_id;
	nr.tenant = e->tenant;
	nr.flags = e->flags & STEER_CT_F_SYNACK;
	__builtin_memcpy(&ne, e, sizeof(ne));
	ne.flags = (ne.flags | STEER_CT_F_ESTABLISHED) & ~STEER_CT_F_EMBRYONIC;
	/* reverse entry first: a reply must never beat its NAT state */
	if (bpf_map_update_elem(&rct, &rk, &nr, BPF_ANY) ||
	    bpf_map_update_elem(&ct, &p->key, &ne, BPF_ANY))
		return -1;
	bpf_map_delete_elem(&ct_syn, &p->key);
	return 0;
}

/*
 * May a non-SYN miss of this source's tenant make an entry (the tenant's
 * nonsyn_budget bucket)? A subprogram called from the entry point, not from
 * steer_xdp_new: inlined there, its bucket arithmetic pushed the combined
 * stack of the call chain past 512 bytes.
 */
static __noinline int steer_nonsyn_budget_ok(const struct steer_flow_key *k, __u32 rate)
{
	__u32 tenant = steer_tenant_of(k);
	struct steer_tenant_state *b = bpf_map_lookup_elem(&nonsyn_budget, &tenant);

	if (!b || steer_dry_run)
		return 1;
	return steer_take_token(b, rate, rate, bpf_ktime_get_coarse_ns());
}

/* Packet of a flow with a conntrack entry. */
static __always_inline int steer_xdp_established(struct xdp_md *ctx, struct steer_pkt *p,
						 const struct steer_service *svc,
						 const struct steer_config *cfg, struct steer_ct *e,
						 __u32 bytes)
{
	struct steer_explain *x = steer_explain_rec();
	__u64 now = bpf_ktime_get_coarse_ns(); /* one read per packet (forward's too) */
	__u32 bid = e->backend_id;
	struct steer_backend *be;

	if (x)
		x->ct_hit = 1;
	if (p->key.proto == IPPROTO_UDP) {
		__u64 refresh = cfg->udp_idle_ns >> 2;

		if (now - e->last_ns > cfg->udp_idle_ns) {
			if (!(e->flags & STEER_CT_F_CLOSED) && !steer_dry_run)
				steer_ct_release(e);
			steer_count_reason(&xdp_reasons, STEER_R_EV_UDP_EXPIRED, bytes);
			return steer_xdp_new(ctx, p, svc->default_task, e, STEER_NEW_FLOW);
		}
		/* a write per packet costs: refresh at most every quarter timeout */
		if (refresh > STEER_CT_REFRESH_NS)
			refresh = STEER_CT_REFRESH_NS;
		if (now - e->last_ns > refresh && !steer_dry_run)
			e->last_ns = now;
	} else if ((p->tcp_flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == TCP_FLAG_SYN &&
		   (e->flags & (STEER_CT_F_CLOSED | STEER_CT_F_NONSYN | STEER_CT_F_RST_CLIENT))) {
		/* port reuse after close, or a SYN after a stray packet made the
		 * entry: a new connection, admitted as one */
		return steer_xdp_new(ctx, p, svc->default_task, e, STEER_NEW_REUSE);
	}

	be = bpf_map_lookup_elem(&backends, &bid);
	if (!be || !steer_backend_keeps(be, p->key.proto) || be->family != p->key.family)
		return steer_xdp_new(ctx, p, svc->default_task, e, STEER_NEW_RESTEER);

	if (p->key.proto == IPPROTO_TCP && !steer_dry_run) {
		__u32 f = e->flags;

		if (p->tcp_flags & (TCP_FLAG_FIN | TCP_FLAG_RST))
			steer_ct_mark(e, steer_ct_bits(p->tcp_flags, STEER_CT_F_FIN_CLIENT,
						       STEER_CT_F_RST_CLIENT));
		else if ((f & (STEER_CT_F_SYNACK | STEER_CT_F_ESTABLISHED)) == STEER_CT_F_SYNACK &&
			 (p->tcp_flags & TCP_FLAG_ACK)) {
			/* the client's ACK after the backend's SYN+ACK: handshake
			 * done. A half-open entry is marked only by its move: one
			 * left in ct_syn stays in handshake and is moved by the next
			 * ACK, never established where a SYN flood evicts it. */
			if (!(f & STEER_CT_F_EMBRYONIC))
				__sync_fetch_and_or(&e->flags, STEER_CT_F_ESTABLISHED);
			else
				steer_ct_promote(p, e, be);
		}
		steer_ct_touch(e, now);
	}
	if (x) {
		x->tenant = e->tenant;
		x->class_id = e->class_id;
		x->backend_id = bid;
		x->stage |= STEER_EXPLAIN_PICKED | STEER_EXPLAIN_NAT;
	}
	steer_count_forward(bid, e->tenant, e->class_id, bytes, 0, 0);
	if (steer_xdp_dnat(ctx, p, be))
		return steer_xdp_verdict(STEER_R_DROP_TRUNC_L4, bytes);
	return steer_xdp_forward(ctx, p, be, bid, now);
}

/*
 * Too big for the path to its backend (steer_xdp_forward()): the NAT is
 * undone, so that the error quotes the packet as the client sent it, and
 * the frame becomes an ICMP frag needed / packet too big to the client.
 */
static __noinline int steer_xdp_too_big(struct xdp_md *ctx, const struct steer_pkt *p, __u32 mtu)
{
	steer_count_reason(&xdp_reasons, STEER_R_DROP_FRAG_NEEDED, p->bytes);
	if (steer_xdp_set_dst(ctx, p, p->key.dst, p->key.dport))
		return XDP_DROP;
	return steer_xdp_icmp_error(ctx, p, 1, mtu);
}

static __always_inline int steer_xdp_main(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 bytes = ctx->data_end - ctx->data;
	struct steer_service_key sk = {};
	struct steer_pkt p = {};
	struct steer_service *svc;
	struct steer_config *cfg;
	struct steer_ct *e;
	__u32 zero = 0, port, *users;
	int r;

	p.bytes = bytes;
	r = steer_parse(data, data_end, bytes, &p);
	if (r == STEER_R_PASS_NOT_L4) {
		/* an ICMP error about a steered flow's reply? */
		__u32 bid = steer_xdp_icmp_in(ctx, &p);

		return bid ? steer_xdp_icmp_forward(ctx, &p, bid) : XDP_PASS;
	}
	if (r == STEER_R_PASS_FRAGMENT)
		return steer_xdp_frag_follow(ctx, &p); /* a later fragment */
	if (r)
		return steer_xdp_verdict(r, bytes);

	port = bpf_ntohs(p.key.dport);
	users = bpf_map_lookup_elem(&service_ports, &port);
	if (!users || !*users)
		return steer_xdp_verdict(STEER_R_PASS_NOT_SERVICE, bytes);
	__builtin_memcpy(sk.addr, p.key.dst, 16);
	sk.port = p.key.dport;
	sk.proto = p.key.proto;
	sk.family = p.key.family;
	svc = bpf_map_lookup_elem(&services, &sk);
	if (!svc)
		return steer_xdp_verdict(STEER_R_PASS_NOT_SERVICE, bytes);
	p.balance_pct = svc->balance_pct;
	if (steer_dry_run) {
		struct steer_explain *x = steer_explain_rec();

		if (x) {
			x->stage |= STEER_EXPLAIN_SERVICE;
			x->service_id = svc->service_id;
			x->task = svc->default_task;
		}
	}
	cfg = bpf_map_lookup_elem(&steer_cfg, &zero);
	if (!cfg || !cfg->maglev_size)
		return steer_xdp_verdict(STEER_R_DROP_NO_CONFIG, bytes);
	/* a wrong IPv4 header checksum: the stack drops it, so do we (a packet
	 * not for a service goes to the stack, which does) */
	if (p.key.family == STEER_AF_INET && steer_ip4_csum_bad(ctx, p.l3_off))
		return steer_xdp_verdict(STEER_R_DROP_BAD_IP_CSUM, bytes);
	/* IPv6 UDP must carry a checksum (RFC 8200); the kernel drops it too */
	if (p.key.family == STEER_AF_INET6 && p.key.proto == IPPROTO_UDP && !p.l4_csum)
		return steer_xdp_verdict(STEER_R_DROP_BAD_L4, bytes);

	if (p.frag && steer_frag_first_short(&p))
		return steer_xdp_verdict(STEER_R_DROP_FRAG_BAD, bytes);
	if (p.key.proto == IPPROTO_TCP) {
		r = steer_tcp_flags_check(p.tcp_flags);
		if (r)
			return steer_xdp_verdict(r, bytes);
	}

	/* a router does not forward what its TTL / hop limit ends on: it
	 * answers time exceeded, quoting the packet as sent (RFC 1812 5.3.1) */
	if (p.ttl <= 1) {
		steer_count_reason(&xdp_reasons, STEER_R_DROP_TTL_EXCEEDED, bytes);
		return steer_xdp_icmp_error(ctx, &p, 0, 0);
	}

	/* the service's MSS clamp, on every SYN (retransmissions too) */
	if (svc->mss_clamp && p.key.proto == IPPROTO_TCP && (p.tcp_flags & TCP_FLAG_SYN) &&
	    !steer_dry_run && steer_xdp_mss_clamp(ctx, &p, svc->mss_clamp))
		steer_count_reason(&xdp_reasons, STEER_R_EV_MSS_CLAMPED, bytes);

	if (p.key.proto == IPPROTO_TCP && (p.tcp_flags & TCP_FLAG_SYN) &&
	    steer_ct_hint_absent(&p.key)) {
		e = NULL; /* a new flow's SYN: in neither table (steer_ct_hint.h) */
	} else {
		e = bpf_map_lookup_elem(&ct, &p.key);
		if (!e && p.key.proto == IPPROTO_TCP)
			e = bpf_map_lookup_elem(&ct_syn, &p.key); /* half-open */
	}
	if (e) {
		r = steer_xdp_established(ctx, &p, svc, cfg, e, bytes);
	} else if (p.key.proto == IPPROTO_TCP && (p.tcp_flags & TCP_FLAG_RST)) {
		r = steer_xdp_new(ctx, &p, svc->default_task, NULL, STEER_NEW_RST);
	} else if (p.key.proto == IPPROTO_TCP && !(p.tcp_flags & TCP_FLAG_SYN)) {
		/* mid-stream (another gateway's flow, or ours evicted), within
		 * its tenant's budget of such entries */
		if (cfg->nonsyn_rate && !steer_nonsyn_budget_ok(&p.key, cfg->nonsyn_rate))
			return steer_xdp_verdict(STEER_R_DROP_NONSYN_BUDGET, bytes);
		steer_count_reason(&xdp_reasons, STEER_R_EV_NONSYN_MISS, bytes);
		r = steer_xdp_new(ctx, &p, svc->default_task, NULL, STEER_NEW_NONSYN);
	} else {
		r = steer_xdp_new(ctx, &p, svc->default_task, NULL, STEER_NEW_FLOW);
	}
	if (r & STEER_XDP_TOO_BIG)
		return steer_xdp_too_big(ctx, &p, r & 0xffff);
	if (p.frag && r != XDP_DROP)
		steer_xdp_frag_note(ctx, &p); /* the later fragments follow it */
	return r;
}

SEC("xdp")
int steer_xdp(struct xdp_md *ctx)
{
	int verdict = steer_xdp_main(ctx);
	struct steer_explain *x = steer_explain_rec();

	if (x)
		x->verdict = verdict;
	return verdict;
}
