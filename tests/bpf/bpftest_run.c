// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Fixture runner: builds each step's packet, runs it through the program
 * with BPF_PROG_TEST_RUN, and checks verdict, output frame, checksums,
 * counters and conntrack against expectations computed here.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpftest_run.h"
#include "steer_hash.h"

const struct bpft_flow F4_TCP = { 4, PROTO_TCP, A_CLI4, 40000, A_VIP4, PORT_TCP };
const struct bpft_flow F6_TCP = { 6, PROTO_TCP, A_CLI6, 40000, A_VIP6, PORT_TCP };
const struct bpft_flow F4_UDP = { 4, PROTO_UDP, A_CLI4, 40000, A_VIP4, PORT_UDP };
const struct bpft_flow F6_UDP = { 6, PROTO_UDP, A_CLI6, 40000, A_VIP6, PORT_UDP };
const struct bpft_flow F4_ANON_TCP = { 4, PROTO_TCP, A_ANON4, 40000, A_VIP4, PORT_TCP };
const struct bpft_flow F6_ANON_TCP = { 6, PROTO_TCP, A_ANON6, 40000, A_VIP6, PORT_TCP };
const struct bpft_flow F4_ANON_UDP = { 4, PROTO_UDP, A_ANON4, 40000, A_VIP4, PORT_UDP };
const struct bpft_flow F6_ANON_UDP = { 6, PROTO_UDP, A_ANON6, 40000, A_VIP6, PORT_UDP };
const struct bpft_flow F4_NOSVC = { 4, PROTO_TCP, A_CLI4, 40000, A_GW4, PORT_NOSVC };
const struct bpft_flow F6_NOSVC = { 6, PROTO_TCP, A_CLI6, 40000, A_GW6, PORT_NOSVC };
const struct bpft_flow F4_NOSVC_UDP = { 4, PROTO_UDP, A_CLI4, 40000, A_VIP4, 5353 };
const struct bpft_flow F6_NOSVC_UDP = { 6, PROTO_UDP, A_CLI6, 40000, A_VIP6, 5353 };
const struct bpft_flow F4_NOCLASS = { 4, PROTO_TCP, A_CLI4, 40000, A_VIP4, PORT_NOCLASS };
const struct bpft_flow F6_NOCLASS = { 6, PROTO_TCP, A_CLI6, 40000, A_VIP6, PORT_NOCLASS };
const struct bpft_flow F4_ICMP = { 4, PROTO_ICMP, A_CLI4, 7, A_VIP4, 0 };
const struct bpft_flow F6_ICMP = { 6, PROTO_ICMPV6, A_CLI6, 7, A_VIP6, 0 };

static const uint8_t MAC_UNKNOWN[6] = { 0x02, 0, 0, 0, 0xee, 0xee };

/* ---- running a program ---- */

int bpft_prog_run(enum bpft_hook hook, const uint8_t *pkt, size_t len, struct bpft_result *res)
{
	uint8_t in[PKT_MAX + 16], out[PKT_MAX + 64];
	LIBBPF_OPTS(bpf_test_run_opts, o);
	size_t meta = 0;
	int err;

	memset(res, 0, sizeof(*res));
	if (hook == HOOK_XDP) {
		struct xdp_md ctx = { 0 };

		/*
		 * test_run refuses data_size_in < ETH_HLEN. A shorter frame
		 * is given as metadata + frame: xdp_md.data is where the
		 * frame starts in data_in (metadata must be 4-byte aligned).
		 */
		if (len < 14)
			meta = (14 - len + 3) & ~(size_t)3;
		memset(in, 0, meta);
		memcpy(in + meta, pkt, len);
		ctx.data = (uint32_t)meta;
		ctx.data_end = (uint32_t)(meta + len);
		ctx.ingress_ifindex = (uint32_t)bpft.ifindex_cli;
		o.data_in = in;
		o.data_size_in = (uint32_t)(meta + len);
		o.data_out = out;
		o.data_size_out = sizeof(out);
		o.ctx_in = &ctx;
		o.ctx_size_in = sizeof(ctx);
		o.repeat = 1;
		err = bpf_prog_test_run_opts(bpft.xdp_fd, &o);
	} else {
		struct __sk_buff ctx = { 0 };

		ctx.ifindex = (uint32_t)bpft.ifindex_be;
		ctx.ingress_ifindex = (uint32_t)bpft.ifindex_be;
		o.data_in = pkt;
		o.data_size_in = (uint32_t)len;
		o.data_out = out;
		o.data_size_out = sizeof(out);
		o.ctx_in = &ctx;
		o.ctx_size_in = sizeof(ctx);
		o.repeat = 1;
		err = bpf_prog_test_run_opts(bpft.tc_fd, &o);
	}
	if (err)
		return -errno;
	res->verdict = o.retval;
	if (o.data_size_out < meta || o.data_size_out - meta > sizeof(res->out))
		return -ERANGE;
	res->out_len = o.data_size_out - meta;
	memcpy(res->out, out + meta, res->out_len);
	return 0;
}

/* ---- packets ---- */

size_t bpft_step_packet(const struct bpft_step *st, struct pkt_spec *s, uint8_t *buf,
			struct pkt_layout *lay)
{
	const struct bpft_flow *f = st->flow;
	uint16_t cport = st->cport ? st->cport : f->cport;
	size_t len;

	memset(s, 0, sizeof(*s));
	s->family = f->family;
	s->proto = f->proto;
	if (st->hook == HOOK_XDP) {
		memcpy(s->dmac, MAC_CLI_IF, 6);
		memcpy(s->smac, MAC_CLIENT, 6);
		memcpy(s->src, f->cli, 16);
		memcpy(s->dst, f->vip, 16);
		s->sport = cport;
		s->dport = f->vport;
		s->seq = 0x10000000u + cport;
		s->ack = (st->tcp_flags & TCPF_ACK) ? 0x20000001u : 0;
	} else {
		const struct bpft_backend *b = &bpft_backends[st->backend];

		memcpy(s->dmac, MAC_BE_IF, 6);
		memcpy(s->smac, b->has_neigh ? b->mac : MAC_UNKNOWN, 6);
		memcpy(s->src, b->addr, 16);
		memcpy(s->dst, f->cli, 16);
		s->sport = b->port;
		s->dport = cport;
		s->seq = 0x20000000u;
		s->ack = (st->tcp_flags & TCPF_ACK) ? 0x10000001u + cport : 0;
	}
	s->ip_id = 0x4d2;
	if (st->nvlan == 1) {
		s->nvlan = 1;
		s->vlan[0] = (struct pkt_vlan){ ETHERTYPE_VLAN, 100 };
	} else if (st->nvlan >= 2) {
		s->nvlan = 2;
		s->vlan[0] = (struct pkt_vlan){ ETHERTYPE_QINQ, 200 };
		s->vlan[1] = (struct pkt_vlan){ ETHERTYPE_VLAN, 100 };
	}
	s->ethertype = st->ethertype;
	s->tcp_flags = st->tcp_flags;
	s->payload_len = st->payload_len;
	s->payload = st->payload;
	s->ip_opt_words = st->ip_opt_words;
	s->tcp_opt_words = st->tcp_opt_words;
	s->n_ext = st->n_ext;
	memcpy(s->ext, st->ext, sizeof(s->ext));
	s->frag = st->frag;
	s->frag6_off = st->frag6_off;
	s->frag6_more = st->frag6_more;
	s->udp_csum_zero = st->udp_csum_zero;

	len = pkt_build(s, buf, PKT_MAX, lay);
	if (!len)
		return 0;
	len = pkt_mangle(buf, len, lay, st->mangle, st->mangle_arg);
	if (st->pad_to > len && st->pad_to <= PKT_MAX) {
		memset(buf + len, 0, st->pad_to - len);
		len = st->pad_to;
	}
	lay->len = len;
	return len;
}

/* ---- conntrack ---- */

void bpft_ct_key(const struct bpft_flow *f, uint16_t cport, struct steer_flow_key *k)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->src, f->cli, f->family == 4 ? 4 : 16);
	memcpy(k->dst, f->vip, f->family == 4 ? 4 : 16);
	k->sport = htons(cport);
	k->dport = htons(f->vport);
	k->proto = f->proto;
	k->family = f->family == 4 ? STEER_AF_INET : STEER_AF_INET6;
}

void bpft_rct_key(const struct bpft_flow *f, uint16_t cport, uint32_t be, struct steer_flow_key *k)
{
	const struct bpft_backend *b = &bpft_backends[be];

	memset(k, 0, sizeof(*k));
	memcpy(k->src, b->addr, f->family == 4 ? 4 : 16);
	memcpy(k->dst, f->cli, f->family == 4 ? 4 : 16);
	k->sport = htons(b->port);
	k->dport = htons(cport);
	k->proto = f->proto;
	k->family = f->family == 4 ? STEER_AF_INET : STEER_AF_INET6;
}

int bpft_ct_get(const struct bpft_flow *f, uint16_t cport, struct steer_ct *ct)
{
	struct steer_flow_key k;

	bpft_ct_key(f, cport ? cport : f->cport, &k);
	return bpf_map_lookup_elem(bpft.ct_fd, &k, ct) ? -errno : 0;
}

int bpft_rct_get(const struct bpft_flow *f, uint16_t cport, uint32_t be, struct steer_rct *r)
{
	struct steer_flow_key k;

	bpft_rct_key(f, cport ? cport : f->cport, be, &k);
	return bpf_map_lookup_elem(bpft.rct_fd, &k, r) ? -errno : 0;
}

uint32_t bpft_slot(const struct bpft_flow *f, uint16_t cport)
{
	struct steer_flow_key k;

	bpft_ct_key(f, cport ? cport : f->cport, &k);
	return steer_flow_hash(&k, BPFT_SEED) % BPFT_M;
}

uint32_t bpft_model_pick(const uint32_t *table, const struct bpft_flow *f, uint16_t cport,
			 const uint8_t *states)
{
	uint32_t slot = bpft_slot(f, cport), i, s, be;

	for (i = 0; i < 4; i++) {
		s = (uint32_t)((slot + (uint64_t)i * 7919) % BPFT_M);
		be = table[s];
		if (be == 0 || be > BPFT_NBACKENDS)
			continue;
		if (states[be] != STEER_BACKEND_ACTIVE || bpft_backends[be].family != f->family)
			continue;
		return be;
	}
	return 0;
}

int64_t bpft_tenant_active(uint32_t tenant)
{
	struct steer_tenant_state st;

	if (bpf_map_lookup_elem(bpft.tstate_fd, &tenant, &st))
		return -1;
	return st.active;
}

uint32_t bpft_frame_backend(const uint8_t *pkt, size_t len)
{
	size_t off = 12;
	uint16_t et;
	uint32_t i;

	if (len < 14)
		return 0;
	et = (uint16_t)(pkt[off] << 8 | pkt[off + 1]);
	while ((et == ETHERTYPE_VLAN || et == ETHERTYPE_QINQ) && off + 6 <= len) {
		off += 4;
		et = (uint16_t)(pkt[off] << 8 | pkt[off + 1]);
	}
	off += 2;
	for (i = 1; i <= BPFT_NBACKENDS; i++) {
		const struct bpft_backend *b = &bpft_backends[i];

		if (et == ETHERTYPE_IPV4 && b->family == 4 && off + 20 <= len &&
		    !memcmp(pkt + off + 16, b->addr, 4))
			return i;
		if (et == ETHERTYPE_IPV6 && b->family == 6 && off + 40 <= len &&
		    !memcmp(pkt + off + 24, b->addr, 16))
			return i;
	}
	return 0;
}

/* ---- counters ---- */

struct counters {
	struct steer_reason_stats rs[2][STEER_R_MAX];
	struct steer_backend_stats be[BPFT_NBACKENDS + 1];
	struct steer_tenant_stats tn[BPFT_NTENANTS];
	struct steer_class_stats cl[BPFT_NCLASSES];
};

static const char *const be_fields[] = { "packets",	  "bytes",     "reply_packets",
					 "reply_bytes",	  "new_flows", "closed_flows" };
static const char *const tn_fields[] = { "packets",	"bytes",	    "reply_packets",
					 "reply_bytes", "new_flows",	    "closed_flows",
					 "rejected",	"admit_rate_drops", "admit_conc_drops" };
static const char *const cl_fields[] = { "packets", "bytes", "new_flows", "rejected" };
static const char *const rs_fields[] = { "packets", "bytes" };

static int snap(struct counters *c)
{
	uint32_t i, h;
	int err = 0;

	memset(c, 0, sizeof(*c));
	for (h = 0; h < 2; h++)
		for (i = 0; i < STEER_R_MAX; i++)
			err |= dp_reason_read(bpft.dp, h ? DP_HOOK_TC : DP_HOOK_XDP, i,
						    &c->rs[h][i]);
	for (i = 1; i <= BPFT_NBACKENDS; i++)
		err |= dp_backend_stats_read(bpft.dp, i, &c->be[i]);
	for (i = 0; i < BPFT_NTENANTS; i++)
		err |= dp_tenant_stats_read(bpft.dp, i, &c->tn[i]);
	for (i = 0; i < BPFT_NCLASSES; i++)
		err |= dp_class_stats_read(bpft.dp, i, &c->cl[i]);
	return err;
}

/*
 * Compare one counter struct (all __u64 fields): after - before against
 * want. Read through __u64 (unsigned long long), the fields' own type:
 * uint64_t (unsigned long) would break strict aliasing at -O2.
 */
static int cmp_u64s(const char *ctx, const char *what, uint32_t id, const char *const *names,
		    size_t n, const void *before, const void *after, const void *want,
		    const void *any)
{
	const __u64 *b = before, *a = after, *w = want, *m = any;
	int errs = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (m[i])
			continue;
		if (a[i] - b[i] != w[i]) {
			print_error("%s: %s[%u].%s: delta %lld, want %llu\n", ctx, what, id, names[i],
				    (long long)(a[i] - b[i]), (unsigned long long)w[i]);
			errs++;
		}
	}
	return errs;
}

static struct bpft_acct step_acct(const struct bpft_step *st)
{
	const struct bpft_flow *f = st->flow;
	struct bpft_acct a = st->acct;
	bool t1;

	if (a.set)
		return a;
	t1 = !memcmp(f->cli, A_CLI4, 16) || !memcmp(f->cli, A_CLI6, 16);
	a.tenant = t1 ? TENANT_1 : TENANT_DEF;
	if (t1)
		a.class_id = f->family == 4 ? CLASS_T1_V4 : CLASS_T1_V6;
	else
		a.class_id = f->family == 4 ? CLASS_T0_V4 : CLASS_T0_V6;
	a.set = true;
	return a;
}

static int check_counters(const char *ctx, const struct bpft_step *st, size_t len,
			  const struct counters *before, const struct counters *after)
{
	struct counters want, any;
	struct bpft_acct a = step_acct(st);
	uint32_t be = st->backend, t = a.tenant, c = a.class_id, h, i;
	bool nat = st->out == OUT_NAT || st->out == OUT_NAT_FIB;
	bool rnat = st->out == OUT_RNAT || st->out == OUT_RNAT_FIB;
	int errs = 0;

	memset(&want, 0, sizeof(want));
	memset(&any, 0, sizeof(any));
	if (t >= BPFT_NTENANTS || c >= BPFT_NCLASSES || be > BPFT_NBACKENDS) {
		print_error("%s: test bug: tenant %u / class %u / backend %u not tracked\n", ctx,
			    t, c, be);
		return 1;
	}

	/* reasons: exactly the expected one, once, with the frame's bytes */
	for (h = 0; h < 2; h++)
		any.rs[h][STEER_R_NONE].packets = any.rs[h][STEER_R_NONE].bytes = 1;
	if (st->reason) {
		want.rs[st->hook][st->reason].packets = 1;
		want.rs[st->hook][st->reason].bytes = len;
	}

	if (st->skip_stats) {
		memset(&any.be, 0xff, sizeof(any.be));
		memset(&any.tn, 0xff, sizeof(any.tn));
		memset(&any.cl, 0xff, sizeof(any.cl));
	} else if (st->hook == HOOK_XDP && nat) {
		want.be[be].packets = want.tn[t].packets = want.cl[c].packets = 1;
		want.be[be].bytes = want.tn[t].bytes = want.cl[c].bytes = len;
		if (st->new_flow == ANY) {
			any.be[be].new_flows = any.tn[t].new_flows = any.cl[c].new_flows = 1;
		} else {
			want.be[be].new_flows = want.tn[t].new_flows = (uint64_t)st->new_flow;
			want.cl[c].new_flows = (uint64_t)st->new_flow;
		}
	} else if (st->hook == HOOK_TC && rnat) {
		want.be[be].reply_packets = want.tn[t].reply_packets = 1;
		want.be[be].reply_bytes = want.tn[t].reply_bytes = len;
	} else if (st->hook == HOOK_XDP) {
		switch (st->reason) {
		case STEER_R_DROP_REJECT_POLICY:
			want.tn[t].rejected = want.cl[c].rejected = 1;
			break;
		case STEER_R_DROP_NO_BACKEND:
			want.tn[t].rejected = 1;
			any.cl[c].rejected = 1; /* the spec doesn't say */
			break;
		case STEER_R_DROP_NO_CLASS:
			any.tn[t].rejected = 1; /* the spec doesn't say */
			break;
		case STEER_R_DROP_ADMIT_RATE:
			want.tn[t].admit_rate_drops = 1;
			any.cl[c].rejected = 1; /* the spec doesn't say */
			break;
		case STEER_R_DROP_ADMIT_CONC:
			want.tn[t].admit_conc_drops = 1;
			any.cl[c].rejected = 1; /* the spec doesn't say */
			break;
		default:
			break;
		}
	}
	if (st->resteer_from && st->resteer_from <= BPFT_NBACKENDS) {
		any.be[st->resteer_from].closed_flows = 1;
		any.tn[t].closed_flows = 1;
	}
	if (!st->skip_stats && (nat || rnat)) {
		if (st->closed == ANY) {
			any.be[be].closed_flows = any.tn[t].closed_flows = 1;
		} else {
			want.be[be].closed_flows = (uint64_t)st->closed;
			want.tn[t].closed_flows = (uint64_t)st->closed;
		}
	}
	if (!st->skip_stats && st->old_closed && st->old_closed <= BPFT_NBACKENDS) {
		want.be[st->old_closed].closed_flows++;
		want.tn[t].closed_flows++;
	}

	for (h = 0; h < 2; h++) {
		for (i = 0; i < STEER_R_MAX; i++) {
			char what[64];

			snprintf(what, sizeof(what), "%s_reasons(%s)", h ? "tc" : "xdp",
				 dp_reason_name(i));
			errs += cmp_u64s(ctx, what, i, rs_fields, 2, &before->rs[h][i],
					 &after->rs[h][i], &want.rs[h][i], &any.rs[h][i]);
		}
	}
	for (i = 1; i <= BPFT_NBACKENDS; i++)
		errs += cmp_u64s(ctx, "backend_stats", i, be_fields, 6, &before->be[i],
				 &after->be[i], &want.be[i], &any.be[i]);
	for (i = 0; i < BPFT_NTENANTS; i++)
		errs += cmp_u64s(ctx, "tenant_stats", i, tn_fields, 9, &before->tn[i],
				 &after->tn[i], &want.tn[i], &any.tn[i]);
	for (i = 0; i < BPFT_NCLASSES; i++)
		errs += cmp_u64s(ctx, "class_stats", i, cl_fields, 4, &before->cl[i],
				 &after->cl[i], &want.cl[i], &any.cl[i]);
	return errs;
}

static int check_ct(const char *ctx, const struct bpft_step *st, uint64_t t_after)
{
	const struct bpft_flow *f = st->flow;
	uint16_t cport = st->cport ? st->cport : f->cport;
	struct bpft_acct a = step_acct(st);
	struct steer_ct ct;
	struct steer_rct r;
	int errs = 0, err;
	uint32_t mask;

	switch (st->ct) {
	case CT_DONTCARE:
		break;
	case CT_EMPTY: {
		unsigned int n = bpft_map_count(bpft.ct_fd), m = bpft_map_count(bpft.rct_fd);

		if (n || m) {
			print_error("%s: conntrack must stay empty: ct has %u, rct has %u entries\n",
				    ctx, n, m);
			errs++;
		}
		break;
	}
	case CT_NONE:
		err = bpft_ct_get(f, cport, &ct);
		if (err != -ENOENT) {
			print_error("%s: flow must have no ct entry (lookup: %d, backend %u)\n", ctx,
				    err, err ? 0 : ct.backend_id);
			errs++;
		}
		break;
	case CT_ENTRY:
		err = bpft_ct_get(f, cport, &ct);
		if (err) {
			print_error("%s: no ct entry for the flow (%d)\n", ctx, err);
			errs++;
			break;
		}
		if (ct.backend_id != st->backend) {
			print_error("%s: ct.backend_id %u, want %u\n", ctx, ct.backend_id,
				    st->backend);
			errs++;
		}
		if (ct.tenant != a.tenant || ct.class_id != a.class_id) {
			print_error("%s: ct tenant/class %u/%u, want %u/%u\n", ctx, ct.tenant,
				    ct.class_id, a.tenant, a.class_id);
			errs++;
		}
		mask = st->ct_flags_mask ? st->ct_flags_mask : ~0u;
		if (!st->ct_flags_any && (ct.flags & mask) != st->ct_flags) {
			print_error("%s: ct.flags 0x%x (mask 0x%x), want 0x%x\n", ctx, ct.flags,
				    mask, st->ct_flags);
			errs++;
		}
		if (!ct.created_ns || ct.created_ns > t_after || ct.last_ns < ct.created_ns ||
		    ct.last_ns > t_after) {
			print_error("%s: ct times created %llu last %llu (now %llu)\n", ctx,
				    (unsigned long long)ct.created_ns,
				    (unsigned long long)ct.last_ns, (unsigned long long)t_after);
			errs++;
		}
		err = bpft_rct_get(f, cport, st->backend, &r);
		if (err) {
			print_error("%s: no rct entry for backend %u -> client (%d)\n", ctx,
				    st->backend, err);
			errs++;
			break;
		}
		if (memcmp(r.vip, f->vip, 16) || r.vport != htons(f->vport) ||
		    r.backend_id != st->backend || r.tenant != a.tenant) {
			print_error("%s: rct vport %u backend %u tenant %u (vip %s), want %u/%u/%u\n",
				    ctx, ntohs(r.vport), r.backend_id, r.tenant,
				    memcmp(r.vip, f->vip, 16) ? "differs" : "ok", f->vport,
				    st->backend, a.tenant);
			errs++;
		}
		break;
	}
	return errs;
}

/* The frame the program must produce, built here from the input's spec. */
static size_t expected_frame(const struct bpft_step *st, const struct pkt_spec *in_spec,
			     const uint8_t *in, size_t in_len, uint8_t *want)
{
	const struct bpft_backend *b = &bpft_backends[st->backend];
	const struct bpft_flow *f = st->flow;
	struct pkt_spec s = *in_spec;
	struct pkt_layout lay;
	size_t n;

	switch (st->out) {
	case OUT_SAME:
	case OUT_UNCHECKED:
		memcpy(want, in, in_len);
		return in_len;
	case OUT_NAT_FIB:
		memcpy(s.smac, MAC_BE_IF, 6);
		memcpy(s.dmac, b->mac, 6);
		/* fallthrough */
	case OUT_NAT:
		memset(s.dst, 0, 16);
		memcpy(s.dst, b->addr, 16);
		s.dport = b->port;
		break;
	case OUT_RNAT_FIB:
		memcpy(s.smac, MAC_CLI_IF, 6);
		memcpy(s.dmac, MAC_CLIENT, 6);
		/* fallthrough */
	case OUT_RNAT:
		memcpy(s.src, f->vip, 16);
		s.sport = f->vport;
		break;
	}
	n = pkt_build(&s, want, PKT_MAX, &lay);
	if (n && st->pad_to > n && st->pad_to <= PKT_MAX) {
		memset(want + n, 0, st->pad_to - n);
		n = st->pad_to;
	}
	return n;
}

static const char *verdict_name(enum bpft_hook h, uint32_t v)
{
	static const char *const xdp[] = { "XDP_ABORTED", "XDP_DROP", "XDP_PASS", "XDP_TX",
					   "XDP_REDIRECT" };

	if (h == HOOK_XDP)
		return v < 5 ? xdp[v] : "XDP_?";
	switch (v) {
	case V_TC_OK:
		return "TC_ACT_OK";
	case V_TC_SHOT:
		return "TC_ACT_SHOT";
	case V_TC_REDIRECT:
		return "TC_ACT_REDIRECT";
	default:
		return "TC_ACT_?";
	}
}

void bpft_run_step(const struct bpft_step *st, const char *ctx)
{
	uint8_t in[PKT_MAX], want[PKT_MAX];
	struct counters *before, *after;
	struct bpft_result res;
	struct pkt_layout lay;
	struct pkt_spec spec;
	size_t len, want_len;
	char why[128];
	uint64_t t_after;
	int errs = 0, err;

	if (st->before)
		st->before();
	if (st->sleep_ms)
		usleep(st->sleep_ms * 1000u);

	len = bpft_step_packet(st, &spec, in, &lay);
	if (!len)
		fail_msg("%s: test bug: packet does not build", ctx);
	if (!st->mangle && !st->udp_csum_zero && !pkt_verify_csums(in, len, why, sizeof(why)))
		fail_msg("%s: test bug: input checksums invalid: %s", ctx, why);

	before = test_malloc(sizeof(*before));
	after = test_malloc(sizeof(*after));
	if (snap(before)) {
		test_free(before);
		test_free(after);
		fail_msg("%s: reading counters failed", ctx);
	}
	err = bpft_prog_run(st->hook, in, len, &res);
	t_after = bpft_now_ns();
	if (err) {
		test_free(before);
		test_free(after);
		fail_msg("%s: bpf_prog_test_run_opts: %s", ctx, strerror(-err));
	}
	snap(after);

	if (res.verdict != st->verdict) {
		print_error("%s: verdict %s (%u), want %s (%u)\n", ctx,
			    verdict_name(st->hook, res.verdict), res.verdict,
			    verdict_name(st->hook, st->verdict), st->verdict);
		errs++;
	}

	if (st->out != OUT_UNCHECKED) {
		want_len = expected_frame(st, &spec, in, len, want);
		if (res.out_len != want_len || memcmp(res.out, want, want_len)) {
			print_error("%s: output frame differs from the expected one\n", ctx);
			pkt_diff_dump(ctx, res.out, res.out_len, want, want_len);
			errs++;
		}
	}
	if (st->out != OUT_SAME && st->out != OUT_UNCHECKED &&
	    !pkt_verify_csums(res.out, res.out_len, why, sizeof(why))) {
		print_error("%s: output checksums: %s\n", ctx, why);
		errs++;
	}

	errs += check_counters(ctx, st, len, before, after);
	errs += check_ct(ctx, st, t_after);
	test_free(before);
	test_free(after);
	if (errs)
		fail_msg("%s: %d mismatch(es)", ctx, errs);
	if (st->after)
		st->after();
}

void bpft_run_fixture(void **state)
{
	const struct bpft_fixture *fx = *state;
	char ctx[160];
	int i;

	if (fx->setup)
		fx->setup();
	for (i = 0; i < BPFT_MAX_STEPS && fx->steps[i].what; i++) {
		snprintf(ctx, sizeof(ctx), "%s [step %d: %s]", fx->name, i + 1, fx->steps[i].what);
		bpft_run_step(&fx->steps[i], ctx);
	}
	if (fx->check)
		fx->check();
}

void bpft_fill_tests(struct CMUnitTest *t, const struct bpft_fixture *fx, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		memset(&t[i], 0, sizeof(t[i]));
		t[i].name = fx[i].name;
		t[i].test_func = bpft_run_fixture;
		t[i].setup_func = bpft_reset;
		t[i].initial_state = (void *)&fx[i];
	}
}
