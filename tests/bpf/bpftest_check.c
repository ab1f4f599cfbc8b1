// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Fixture runner, the state a step leaves: conntrack keys and lookups, the
 * model of the Maglev pick, and the checks of counters and conntrack
 * entries against what a step's row says (bpftest_check.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>

#include "bpftest_check.h"
#include "bpftest_run.h"
#include "steer_hash.h"

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
	/* established flows in ct, half-open ones in ct_syn (steer_maps.h) */
	if (!bpf_map_lookup_elem(bpft.ct_fd, &k, ct))
		return 0;
	return bpf_map_lookup_elem(bpft.ct_syn_fd, &k, ct) ? -errno : 0;
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

static const char *const be_fields[] = { "packets",	  "bytes",     "reply_packets",
					 "reply_bytes",	  "new_flows", "closed_flows" };
static const char *const tn_fields[] = { "packets",	"bytes",	    "reply_packets",
					 "reply_bytes", "new_flows",	    "closed_flows",
					 "rejected",	"admit_rate_drops", "admit_conc_drops" };
static const char *const cl_fields[] = { "packets", "bytes", "new_flows", "rejected" };
static const char *const rs_fields[] = { "packets", "bytes" };

int bpft_snap(struct bpft_counters *c)
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

int bpft_check_counters(const char *ctx, const struct bpft_step *st, size_t len,
			const struct bpft_counters *before, const struct bpft_counters *after)
{
	struct bpft_counters want, any;
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

int bpft_check_ct(const char *ctx, const struct bpft_step *st, uint64_t t_after)
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
		unsigned int n = bpft_map_count(bpft.ct_fd) + bpft_map_count(bpft.ct_syn_fd),
			     m = bpft_map_count(bpft.rct_fd);

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
		/* the handshake bits (SYNACK, ESTABLISHED) are checked where a
		 * fixture names them (test_ct_state.c), not by every row */
		mask = st->ct_flags_mask ? st->ct_flags_mask
					 : ~(STEER_CT_F_SYNACK | STEER_CT_F_ESTABLISHED |
					     STEER_CT_F_EMBRYONIC);
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
		if (ct.flags & STEER_CT_F_EMBRYONIC) {
			/* half-open: no reverse entry (bpf/steer_embryonic.h) */
			if (err != -ENOENT) {
				print_error("%s: half-open flow with an rct entry (%d)\n", ctx,
					    err);
				errs++;
			}
			break;
		}
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
