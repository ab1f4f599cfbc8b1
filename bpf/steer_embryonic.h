/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A reply to a half-open flow, found from its forward entry. A SYN writes
 * one entry, ct_syn (client -> VIP), and no reverse one: a second LRU
 * insert on every SYN cost as much as the rest of the SYN path
 * (pktbench). The backend's replies before the client's ACK (its SYN+ACK,
 * or a RST refusing the connection) are few, so TC finds their flow the
 * long way: for each TCP service of the reply's family (service_list: a
 * hash map's own iteration walks every bucket, ~700 ns for services'
 * 1,024), the forward key client -> service is looked up in ct_syn, and
 * an entry whose backend is the reply's sender is the flow. The client's
 * ACK moves the flow to ct and rct (steer_ct_promote), where every later
 * reply finds it by one lookup. The cost: one ct_syn lookup per TCP service of the family, for
 * each TCP packet that misses rct (a half-open flow's replies: its SYN+ACK,
 * a RST refusing it, a TCP Fast Open server's data before the client's
 * ACK; and TCP through the backends' interface that steer did not NAT,
 * which passes after the search).
 */
#ifndef STEER_EMBRYONIC_H
#define STEER_EMBRYONIC_H

struct steer_embryo_find {
	const struct steer_flow_key *reply;	/* backend -> client */
	struct steer_flow_key fk;		/* client -> service, being tried */
	struct steer_ct *e;			/* out: the flow's ct_syn entry */
};

/* Two 16-byte addresses differ? (no __builtin_memcmp: clang 14 makes it
 * an extern call the loader can't resolve) */
static __always_inline int steer_addr_ne(const __u8 *a, const __u8 *b)
{
	const __u32 *x = (const __u32 *)a, *y = (const __u32 *)b;

	return (x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3]);
}

/* bpf_loop over service_list: 1 stops the walk (found, or the list's end). */
static long steer_embryo_try(__u32 i, struct steer_embryo_find *f)
{
	const struct steer_flow_key *r = f->reply;
	const struct steer_service_key *k = bpf_map_lookup_elem(&service_list, &i);
	struct steer_backend *be;
	struct steer_ct *e;
	__u32 bid;

	if (!k || !k->family)
		return 1;
	if (k->proto != STEER_PROTO_TCP || k->family != r->family)
		return 0;
	__builtin_memcpy(f->fk.src, r->dst, 16);
	__builtin_memcpy(f->fk.dst, k->addr, 16);
	f->fk.sport = r->dport;
	f->fk.dport = k->port;
	f->fk.proto = IPPROTO_TCP;
	f->fk.family = r->family;
	f->fk.pad = 0;
	e = bpf_map_lookup_elem(&ct_syn, &f->fk);
	if (!e)
		return 0;
	bid = e->backend_id;
	be = bpf_map_lookup_elem(&backends, &bid);
	/* the same client port to another service's backend is another flow */
	if (!be || be->port != r->sport || steer_addr_ne(be->addr, r->src))
		return 0;
	f->e = e;
	return 1;
}

/*
 * Does a reply (backend -> client) belong to a half-open flow? 1 and *re
 * filled as its reverse entry would be, else 0. A subprogram, so that its
 * search state lives in a frame of its own (inlined, it took the call
 * chain past 512 bytes of stack).
 */
static __noinline int steer_embryo_lookup(const struct steer_flow_key *reply, struct steer_rct *re)
{
	struct steer_embryo_find f = { .reply = reply };

	if (!reply || !re)
		return 0;
	bpf_loop(STEER_MAX_SERVICES, steer_embryo_try, &f, 0);
	if (!f.e)
		return 0;
	__builtin_memcpy(re->vip, f.fk.dst, 16);
	re->vport = f.fk.dport;
	re->pad = 0;
	re->backend_id = f.e->backend_id;
	re->tenant = f.e->tenant;
	re->flags = f.e->flags & STEER_CT_F_SYNACK;
	return 1;
}

#endif /* STEER_EMBRYONIC_H */
