// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * steer_xdp fixtures (docs/datapath.md, "Fragments"): the fragments of a
 * datagram to a service go together to the backend of the first fragment,
 * IPv4 and IPv6. A datagram is built whole (pktbuild.c, checksums from
 * scratch), to the VIP and, for the expected output, NATed to the backend
 * with one hop less; both are cut into the same fragments here. Each
 * fragment steer forwards must be, byte for byte, the cut of the NATed
 * datagram (the first fragment's UDP checksum, which covers the whole
 * datagram, included), and the forwarded fragments, put back together,
 * must make a datagram whose checksums pkt_verify_csums() finds right.
 * Orders: in order, reversed (the later fragments came first: to the
 * stack, counted), first missing, overlapping (followed: the backend's
 * reassembly decides), a TCP fragment over the header (RFC 1858) and a
 * tiny first fragment (dropped), two datagrams of one flow (keyed by id).
 * A later fragment is checked as any packet to a service (IPv4 header
 * checksum, TTL). steer_tc: a reply that comes back fragmented, the same
 * way back.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>

#include "bpftest_check.h"
#include "bpftest_xdp.h"

#define PLEN 1200 /* UDP payload: 1208 bytes of L4, three fragments */

struct dgram {
	const struct bpft_flow *f;
	enum bpft_hook hook;	/* HOOK_TC: a reply, from the backend */
	uint32_t be;
	uint32_t id;
	uint16_t plen;
	uint8_t whole[PKT_MAX], natted[PKT_MAX];
	struct pkt_layout lw, ln;
};

/*
 * The datagram as the client sends it, and as the backend must get it;
 * HOOK_TC: as the backend sends its reply, and as the client must get it.
 */
static void dgram_build_hook(struct dgram *d, enum bpft_hook hook, const struct bpft_flow *f,
			     uint32_t id, uint16_t plen, uint8_t tcp_flags)
{
	struct bpft_step st = { .what = "datagram", .hook = hook, .flow = f };
	const struct bpft_backend *b;
	struct pkt_spec s;

	d->f = f;
	d->hook = hook;
	d->be = f->family == 4 ? BE4_A : BE6_A;
	st.backend = d->be;
	d->id = id;
	d->plen = plen;
	b = &bpft_backends[d->be];
	st.payload_len = plen;
	st.tcp_flags = tcp_flags;
	assert_true(bpft_step_packet(&st, &s, d->whole, &d->lw) > 0);
	s.ip_id = (uint16_t)id;
	assert_true(pkt_build(&s, d->whole, PKT_MAX, &d->lw) > 0);
	s.ttl = 63;
	if (hook == HOOK_TC) {
		memset(s.src, 0, 16);
		memcpy(s.src, f->vip, 16);
		s.sport = f->vport;
		memcpy(s.dmac, MAC_CLIENT, 6);
		memcpy(s.smac, MAC_CLI_IF, 6);
	} else {
		memset(s.dst, 0, 16);
		memcpy(s.dst, b->addr, 16);
		s.dport = b->port;
		memcpy(s.dmac, b->mac, 6);
		memcpy(s.smac, MAC_BE_IF, 6);
	}
	assert_true(pkt_build(&s, d->natted, PKT_MAX, &d->ln) > 0);
}

#define dgram_build(d, ...) dgram_build_hook(d, HOOK_XDP, __VA_ARGS__)

/*
 * Bytes [off, off + len) of the datagram's L4 part as one fragment (more:
 * MF / M set), into out; its length. IPv6: a Fragment header after the
 * fixed header. pad: Ethernet padding up to 60 bytes.
 */
static size_t frag_cut(const struct dgram *d, bool natted, uint16_t off, uint16_t len, bool more,
		       uint32_t id, bool pad, uint8_t *out)
{
	const uint8_t *w = natted ? d->natted : d->whole;
	const struct pkt_layout *l = natted ? &d->ln : &d->lw;
	size_t l4len = l->len - l->l4_off, n;
	uint8_t *ip = out + l->l3_off;

	assert_true(off + len <= l4len);
	memcpy(out, w, l->l4_off);
	if (d->f->family == 4) {
		uint16_t fo = (uint16_t)((more ? IPV4_MF : 0) | off / 8);

		ip[2] = (uint8_t)((20 + len) >> 8);
		ip[3] = (uint8_t)(20 + len);
		ip[4] = (uint8_t)(id >> 8);
		ip[5] = (uint8_t)id;
		ip[6] = (uint8_t)(fo >> 8);
		ip[7] = (uint8_t)fo;
		memcpy(out + l->l4_off, w + l->l4_off + off, len);
		n = l->l4_off + len;
		pkt_fix_ip4_csum(out, l);
	} else {
		uint8_t *fh = ip + 40;
		uint16_t fo = (uint16_t)(off | (more ? 1 : 0));

		ip[4] = (uint8_t)((8 + len) >> 8);
		ip[5] = (uint8_t)(8 + len);
		ip[6] = NH_FRAGMENT;
		fh[0] = d->f->proto;
		fh[1] = 0;
		fh[2] = (uint8_t)(fo >> 8);
		fh[3] = (uint8_t)fo;
		fh[4] = (uint8_t)(id >> 24);
		fh[5] = (uint8_t)(id >> 16);
		fh[6] = (uint8_t)(id >> 8);
		fh[7] = (uint8_t)id;
		memcpy(fh + 8, w + l->l4_off + off, len);
		n = l->l4_off + 8 + len;
	}
	if (pad && n < 60) {
		memset(out + n, 0, 60 - n);
		n = 60;
	}
	return n;
}

enum want { W_FWD, W_PASS, W_DROP };

/* One fragment through steer_xdp: verdict, output, the reason it counted. */
static void frag_run_keep(const struct dgram *d, const char *what, uint16_t off, uint16_t len,
			  bool more, bool pad, enum want w, uint32_t reason, uint8_t *keep)
{
	uint8_t in[PKT_MAX], want[PKT_MAX];
	struct bpft_counters *before = test_malloc(sizeof(*before));
	struct bpft_counters *after = test_malloc(sizeof(*after));
	struct bpft_result res;
	size_t in_len, want_len;
	char why[128];

	in_len = frag_cut(d, false, off, len, more, d->id, pad, in);
	if (w == W_FWD)
		want_len = frag_cut(d, true, off, len, more, d->id, pad, want);
	else
		memcpy(want, in, want_len = in_len);
	assert_int_equal(bpft_snap(before), 0);
	assert_int_equal(bpft_prog_run(d->hook, in, in_len, &res), 0);
	assert_int_equal(bpft_snap(after), 0);
	if (d->hook == HOOK_TC &&
	    res.verdict != (w == W_FWD ? V_TC_REDIRECT : w == W_PASS ? V_TC_OK : V_TC_SHOT))
		fail_msg("%s: verdict %u", what, res.verdict);
	if (d->hook == HOOK_XDP &&
	    res.verdict != (w == W_FWD ? V_XDP_REDIRECT : w == W_PASS ? V_XDP_PASS : V_XDP_DROP))
		fail_msg("%s: verdict %u", what, res.verdict);
	if (res.out_len != want_len || memcmp(res.out, want, want_len)) {
		pkt_diff_dump(what, res.out, res.out_len, want, want_len);
		fail_msg("%s: output differs", what);
	}
	if (!pkt_verify_csums(res.out, res.out_len, why, sizeof(why)))
		fail_msg("%s: output checksums: %s", what, why);
	if (keep)
		memcpy(keep, res.out, res.out_len);
	if (after->rs[d->hook][reason].packets - before->rs[d->hook][reason].packets != 1)
		fail_msg("%s: reason %u not counted once", what, reason);
	if (w == W_FWD && d->hook == HOOK_XDP &&
	    after->be[d->be].packets - before->be[d->be].packets != 1)
		fail_msg("%s: backend %u packets not counted", what, d->be);
	test_free(before);
	test_free(after);
}

#define frag_run(...) frag_run_keep(__VA_ARGS__, NULL)

/*
 * The datagram put back together, as the backend's stack would, from the
 * three fragments steer_xdp sent (out[i]: the fragment at i * 512): its
 * UDP checksum, over the whole datagram with the backend's address in the
 * pseudo-header, verified from scratch.
 */
static void dgram_check_reassembled(const struct dgram *d, uint8_t out[3][PKT_MAX])
{
	uint8_t *a = test_malloc(PKT_MAX);
	size_t l4len = d->ln.len - d->ln.l4_off, hl = d->f->family == 4 ? 0 : 8;
	struct pkt_layout l = d->ln;
	uint8_t *ip = a + l.l3_off;
	size_t o;
	char why[128];

	memcpy(a, out[0], l.l4_off); /* Ethernet and IP header of the first */
	for (o = 0; o < l4len; o += 512) {
		size_t n = l4len - o < 512 ? l4len - o : 512;

		memcpy(a + l.l4_off + o, out[o / 512] + l.l4_off + hl, n);
	}
	if (d->f->family == 4) {
		ip[2] = (uint8_t)((20 + l4len) >> 8);
		ip[3] = (uint8_t)(20 + l4len);
		ip[6] = ip[7] = 0;
		pkt_fix_ip4_csum(a, &l);
	} else {
		ip[4] = (uint8_t)(l4len >> 8);
		ip[5] = (uint8_t)l4len;
		ip[6] = d->f->proto;
	}
	if (!pkt_verify_csums(a, l.len, why, sizeof(why)))
		fail_msg("reassembled: %s", why);
	test_free(a);
}

/* the three fragments of a PLEN datagram: [0, 512) [512, 1024) [1024, 1208) */
#define F1 0, 512, true
#define F2 512, 512, true
#define F3 1024, 184, false

static void ct_is(const struct dgram *d, bool present)
{
	struct steer_ct ct;
	int r = bpft_ct_get(d->f, 0, &ct);

	if (present) {
		assert_int_equal(r, 0);
		assert_int_equal(ct.backend_id, d->be);
	} else {
		assert_int_not_equal(r, 0);
	}
}

static void in_order_hook(enum bpft_hook hook, const struct bpft_flow *f, uint32_t id)
{
	struct dgram *d = test_malloc(sizeof(*d));
	uint8_t(*out)[PKT_MAX] = test_malloc(3 * PKT_MAX);

	dgram_build_hook(d, hook, f, id, PLEN, 0);
	frag_run_keep(d, "first fragment", F1, false, W_FWD, STEER_R_EV_FRAG_FIRST, out[0]);
	ct_is(d, true); /* conntrack as for an unfragmented datagram */
	frag_run_keep(d, "second fragment", F2, false, W_FWD, STEER_R_EV_FRAG_FOLLOW, out[1]);
	frag_run_keep(d, "last fragment", F3, false, W_FWD, STEER_R_EV_FRAG_FOLLOW, out[2]);
	dgram_check_reassembled(d, out);
	test_free(out);
	/* the next datagram of the flow: its own id, its own note */
	d->id = id + 1;
	frag_run(d, "next datagram's last, before its first", F3, false, W_PASS,
		 STEER_R_PASS_FRAG_NO_FIRST);
	frag_run(d, "next datagram's first", F1, false, W_FWD, STEER_R_EV_FRAG_FIRST);
	frag_run(d, "next datagram's last", F3, false, W_FWD, STEER_R_EV_FRAG_FOLLOW);
	test_free(d);
}

#define in_order(...) in_order_hook(HOOK_XDP, __VA_ARGS__)

static void reversed(const struct bpft_flow *f, uint32_t id)
{
	struct dgram *d = test_malloc(sizeof(*d));

	dgram_build(d, f, id, PLEN, 0);
	/* before their first: to the stack, untouched */
	frag_run(d, "last fragment", F3, false, W_PASS, STEER_R_PASS_FRAG_NO_FIRST);
	frag_run(d, "second fragment", F2, false, W_PASS, STEER_R_PASS_FRAG_NO_FIRST);
	ct_is(d, false);
	frag_run(d, "first fragment", F1, false, W_FWD, STEER_R_EV_FRAG_FIRST);
	/* a retransmitted later one now follows */
	frag_run(d, "last fragment again", F3, false, W_FWD, STEER_R_EV_FRAG_FOLLOW);
	test_free(d);
}

static void first_missing(const struct bpft_flow *f, uint32_t id)
{
	struct dgram *d = test_malloc(sizeof(*d));

	dgram_build(d, f, id, PLEN, 0);
	frag_run(d, "second fragment", F2, false, W_PASS, STEER_R_PASS_FRAG_NO_FIRST);
	frag_run(d, "last fragment", F3, false, W_PASS, STEER_R_PASS_FRAG_NO_FIRST);
	ct_is(d, false);
	assert_int_equal(bpft_map_count(dp_map_fd(bpft.dp, DP_MAP_FRAGS)), 0);
	test_free(d);
}

static void overlapping(const struct bpft_flow *f, uint32_t id)
{
	struct dgram *d = test_malloc(sizeof(*d));

	dgram_build(d, f, id, PLEN, 0);
	frag_run(d, "first fragment", F1, false, W_FWD, STEER_R_EV_FRAG_FIRST);
	/* overlaps both neighbours: sent on as is, the backend reassembles
	 * (Linux drops overlapping IPv6 fragments, RFC 5722) */
	frag_run(d, "fragment [256, 768)", 256, 512, true, false, W_FWD, STEER_R_EV_FRAG_FOLLOW);
	frag_run(d, "second fragment", F2, false, W_FWD, STEER_R_EV_FRAG_FOLLOW);
	/* the first again (overlaps itself): conntrack hit, same backend */
	frag_run(d, "first fragment again", F1, false, W_FWD, STEER_R_EV_FRAG_FIRST);
	frag_run(d, "last fragment", F3, false, W_FWD, STEER_R_EV_FRAG_FOLLOW);
	test_free(d);
}

static void v4_in_order(void)
{
	in_order(&F4_UDP, 0x1234);
}

static void v6_in_order(void)
{
	in_order(&F6_UDP, 0x12345678);
}

static void v4_reversed(void)
{
	reversed(&F4_UDP, 0x2345);
}

static void v6_reversed(void)
{
	reversed(&F6_UDP, 0x23456789);
}

static void v4_first_missing(void)
{
	first_missing(&F4_UDP, 0x3456);
}

static void v6_first_missing(void)
{
	first_missing(&F6_UDP, 0x3456789a);
}

static void v4_overlapping(void)
{
	overlapping(&F4_UDP, 0x4567);
}

static void v6_overlapping(void)
{
	overlapping(&F6_UDP, 0x456789ab);
}

/*
 * A fragmented SYN (40 bytes of options-free header + 20 of data): its
 * first fragment holds the header; a fragment at offset 8 would rewrite
 * the flags and ports it was steered by (RFC 1858): dropped. A first
 * fragment shorter than the TCP header: dropped, nothing noted.
 */
static void tcp_syn(const struct bpft_flow *f, uint32_t id)
{
	struct dgram *d = test_malloc(sizeof(*d));

	dgram_build(d, f, id, 20, TCPF_SYN);
	frag_run(d, "SYN's first fragment", 0, 24, true, false, W_FWD, STEER_R_EV_FRAG_FIRST);
	frag_run(d, "fragment at offset 8", 8, 16, true, true, W_DROP, STEER_R_DROP_FRAG_BAD);
	frag_run(d, "SYN's last fragment", 24, 16, false, true, W_FWD, STEER_R_EV_FRAG_FOLLOW);
	d->id = id + 1;
	/* IPv6: the frame ends before the TCP header, as any truncated one */
	frag_run(d, "tiny first fragment (16 bytes)", 0, 16, true, true, W_DROP,
		 f->family == 4 ? STEER_R_DROP_FRAG_BAD : STEER_R_DROP_TRUNC_L4);
	test_free(d);
}

static void v4_tcp_syn_fragmented(void)
{
	tcp_syn(&F4_TCP, 0x5678);
}

static void v6_tcp_syn_fragmented(void)
{
	tcp_syn(&F6_TCP, 0x56789abc);
}

/* A later fragment of a noted datagram, changed by mangle, run once. */
static void frag_run_mangled(const struct dgram *d, const char *what, void (*mangle)(uint8_t *),
			     uint32_t verdict, uint32_t reason)
{
	uint8_t in[PKT_MAX];
	struct bpft_counters *before = test_malloc(sizeof(*before));
	struct bpft_counters *after = test_malloc(sizeof(*after));
	struct bpft_result res;
	size_t len = frag_cut(d, false, F2, d->id, false, in);

	mangle(in);
	assert_int_equal(bpft_snap(before), 0);
	assert_int_equal(bpft_prog_run(HOOK_XDP, in, len, &res), 0);
	assert_int_equal(bpft_snap(after), 0);
	if (res.verdict != verdict)
		fail_msg("%s: verdict %u", what, res.verdict);
	if (res.out_len != len || memcmp(res.out, in, len))
		fail_msg("%s: output changed", what);
	if (after->rs[HOOK_XDP][reason].packets - before->rs[HOOK_XDP][reason].packets != 1)
		fail_msg("%s: reason %u not counted once", what, reason);
	test_free(before);
	test_free(after);
}

static void ip4_csum_wrong(uint8_t *f)
{
	f[14 + 10] ^= 0x5a;
}

static void ip4_ttl_1(uint8_t *f)
{
	struct pkt_layout l = { .l3_off = 14 };

	f[14 + 8] = 1;
	pkt_fix_ip4_csum(f, &l);
}

/* a later fragment of a noted datagram is checked as any packet to a service */
static void v4_later_fragment_checked(void)
{
	struct dgram *d = test_malloc(sizeof(*d));

	dgram_build(d, &F4_UDP, 0x789a, PLEN, 0);
	frag_run(d, "first fragment", F1, false, W_FWD, STEER_R_EV_FRAG_FIRST);
	frag_run_mangled(d, "IPv4 header checksum wrong", ip4_csum_wrong, V_XDP_DROP,
			 STEER_R_DROP_BAD_IP_CSUM);
	frag_run_mangled(d, "TTL 1: the stack's", ip4_ttl_1, V_XDP_PASS,
			 STEER_R_PASS_TTL_EXCEEDED);
	frag_run(d, "second fragment", F2, false, W_FWD, STEER_R_EV_FRAG_FOLLOW);
	test_free(d);
}

/*
 * steer_tc: a reply that comes back fragmented from the backend, after the
 * client's (unfragmented) datagram made the flow: the same sequences, the
 * other way (source NAT to the VIP; a later fragment before its first is
 * left to the stack untouched, pass_frag_no_first).
 */
static void tc_reply(const struct bpft_flow *f, uint32_t id)
{
	struct bpft_step req = { .what = "client UDP", XDP(*f), .payload_len = 9,
				 NEW(f->family == 4 ? BE4_A : BE6_A) };
	struct dgram *d = test_malloc(sizeof(*d));

	bpft_run_step(&req, "request");
	in_order_hook(HOOK_TC, f, id);
	dgram_build_hook(d, HOOK_TC, f, id + 7, PLEN, 0);
	frag_run(d, "reply's last, before its first", F3, false, W_PASS,
		 STEER_R_PASS_FRAG_NO_FIRST);
	test_free(d);
}

static void tc_v4_reply_fragments(void)
{
	tc_reply(&F4_UDP, 0x6789);
}

static void tc_v6_reply_fragments(void)
{
	tc_reply(&F6_UDP, 0x6789abcd);
}

static const struct bpft_fixture fixtures[] = {
	{ .name = "v4_udp_fragments_in_order", .check = v4_in_order },
	{ .name = "v6_udp_fragments_in_order", .check = v6_in_order },
	{ .name = "v4_udp_fragments_reversed", .check = v4_reversed },
	{ .name = "v6_udp_fragments_reversed", .check = v6_reversed },
	{ .name = "v4_udp_first_fragment_missing", .check = v4_first_missing },
	{ .name = "v6_udp_first_fragment_missing", .check = v6_first_missing },
	{ .name = "v4_udp_fragments_overlapping", .check = v4_overlapping },
	{ .name = "v6_udp_fragments_overlapping", .check = v6_overlapping },
	{ .name = "v4_tcp_syn_fragmented", .check = v4_tcp_syn_fragmented },
	{ .name = "v6_tcp_syn_fragmented", .check = v6_tcp_syn_fragmented },
	{ .name = "v4_later_fragment_checked", .check = v4_later_fragment_checked },
	{ .name = "tc_v4_reply_fragments", .check = tc_v4_reply_fragments },
	{ .name = "tc_v6_reply_fragments", .check = tc_v6_reply_fragments },
};

int main(void)
{
	return BPFT_MAIN("steer_xdp_frag", fixtures);
}
