// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Fixture runner: builds each step's packet, runs it through the program
 * with BPF_PROG_TEST_RUN, and checks verdict, output frame and checksums
 * here, counters and conntrack (bpftest_check.c), against expectations
 * computed by the tests' own model.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpftest_check.h"
#include "bpftest_run.h"

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
	s->ttl = st->ttl;
	s->mss = st->mss;

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
	case OUT_ICMP_TTL:
	case OUT_ICMP_TOO_BIG: {
		/* from the gateway's address on the clients' side (cli0), back
		 * to the client's MAC; the quote is the input as sent */
		bool v6 = f->family == 6, big = st->out == OUT_ICMP_TOO_BIG;
		uint8_t tmp[PKT_MAX];

		if (!pkt_build(in_spec, tmp, PKT_MAX, &lay))
			return 0;
		return pkt_icmp_error(in, &lay, MAC_CLIENT, MAC_CLI_IF, v6 ? A_GW6 : A_GW4,
				      v6 ? (big ? 2 : 3) : (big ? 3 : 11), !v6 && big ? 4 : 0,
				      big ? st->mtu : 0, want, PKT_MAX);
	}
	case OUT_NAT_FIB:
		memcpy(s.smac, MAC_BE_IF, 6);
		memcpy(s.dmac, b->mac, 6);
		/* forwarded by steer itself: one hop less (passed: the stack's) */
		s.ttl = (uint8_t)((s.ttl ? s.ttl : 64) - 1);
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
	/* a reply steer_tc forwards itself (redirect, redirect_neigh): one hop less */
	if (st->hook == HOOK_TC && st->verdict == V_TC_REDIRECT)
		s.ttl = (uint8_t)((s.ttl ? s.ttl : 64) - 1);
	if (st->mss_out)
		s.mss = st->mss_out;
	n = pkt_build(&s, want, PKT_MAX, &lay);
	/* a wrong L4 checksum is forwarded exactly as wrong (incremental update) */
	if (n && st->mangle == MANGLE_L4_CSUM)
		n = pkt_mangle(want, n, &lay, st->mangle, st->mangle_arg);
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
	struct bpft_counters *before, *after;
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
	if (bpft_snap(before)) {
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
	bpft_snap(after);

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
	if (st->out != OUT_SAME && st->out != OUT_UNCHECKED && st->mangle != MANGLE_L4_CSUM &&
	    !pkt_verify_csums(res.out, res.out_len, why, sizeof(why))) {
		print_error("%s: output checksums: %s\n", ctx, why);
		errs++;
	}

	errs += bpft_check_counters(ctx, st, len, before, after);
	errs += bpft_check_ct(ctx, st, t_after);
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

static const char *main_name;
static const struct bpft_fixture *main_fx;
static size_t main_n;

static int run_fixtures(void)
{
	struct CMUnitTest tests[main_n];

	bpft_fill_tests(tests, main_fx, main_n);
	return _cmocka_run_group_tests(main_name, tests, main_n, NULL, NULL);
}

int bpft_main_fixtures(const char *name, const struct bpft_fixture *fx, size_t n)
{
	main_name = name;
	main_fx = fx;
	main_n = n;
	return bpft_main(run_fixtures);
}
