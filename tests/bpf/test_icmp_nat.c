// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * steer_tc fixtures (docs/datapath.md, "steer_tc"): ICMP errors about a
 * steered flow, sent by its backend or by a router behind the gateway,
 * quote the NATed packet (client -> backend); steer_tc translates the
 * quote back to the VIP (and the outer source, when the backend sent it)
 * and leaves the error to the stack. Each case: a client packet through
 * steer_xdp makes the flow; the packet as the backend received it is built
 * here, then the error about it (pkt_icmp_error()); the output must be,
 * byte for byte, the error about the packet as the client sent it, with
 * every checksum right (pkt_verify_csums(): ICMP, ICMPv6 with its
 * pseudo-header, the quoted IPv4 header), so the quoted UDP checksum is the
 * one the client computed.
 * steer_xdp, the other way: an error from the client's side (the client,
 * or a router in front of it) about a reply quotes the reply as the client
 * got it (from the VIP); steer_xdp sends it on to the backend about the
 * backend's own packet (outer destination and quoted source: the
 * backend's), through the FIB, TTL one less.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>

#include "bpftest_check.h"
#include "bpftest_xdp.h"

static const uint8_t A_RTR4[16] = { 198, 18, 1, 99 };	/* a router behind the gateway */
static const uint8_t A_RTR6[16] = { 0xfd, 0, 0, 1, [15] = 0x99 };

struct icmp_case {
	const char *what;
	const struct bpft_flow *flow;
	bool from_backend;	/* else from a router */
	uint8_t type, code;
	uint32_t rest;
	bool known;		/* the flow exists (else: no_flow, untouched) */
};

static void run_case(const struct icmp_case *c)
{
	const struct bpft_flow *f = c->flow;
	uint32_t be = f->family == 4 ? BE4_A : BE6_A;
	const struct bpft_backend *b = &bpft_backends[be];
	struct bpft_step syn = { .what = c->what, XDP(*f), NEW(be) };
	uint8_t orig[PKT_MAX], natted[PKT_MAX], in[PKT_MAX], want[PKT_MAX];
	struct bpft_counters *before, *after;
	struct pkt_layout lo, ln;
	struct pkt_spec s;
	struct bpft_result res;
	size_t in_len, want_len;
	const uint8_t *src;
	char why[128];
	uint32_t r;

	if (f->proto == PROTO_TCP)
		syn.tcp_flags = TCPF_SYN;
	else
		syn.payload_len = 9;
	if (c->known)
		bpft_run_step(&syn, c->what);
	/* the client's packet, and as the backend got it (NATed, one hop less) */
	assert_true(bpft_step_packet(&syn, &s, orig, &lo) > 0);
	s.ttl = 63;
	assert_true(pkt_build(&s, orig, PKT_MAX, &lo) > 0);
	memset(s.dst, 0, 16);
	memcpy(s.dst, b->addr, 16);
	s.dport = b->port;
	assert_true(pkt_build(&s, natted, PKT_MAX, &ln) > 0);

	src = c->from_backend ? b->addr : (f->family == 4 ? A_RTR4 : A_RTR6);
	in_len = pkt_icmp_error(natted, &ln, MAC_BE_IF, b->mac, src, c->type, c->code, c->rest,
				in, PKT_MAX);
	assert_true(in_len > 0);
	if (c->known)
		want_len = pkt_icmp_error(orig, &lo, MAC_BE_IF, b->mac,
					  c->from_backend ? f->vip : src, c->type, c->code,
					  c->rest, want, PKT_MAX);
	else
		memcpy(want, in, want_len = in_len);

	before = test_malloc(sizeof(*before));
	after = test_malloc(sizeof(*after));
	assert_int_equal(bpft_snap(before), 0);
	assert_int_equal(bpft_prog_run(HOOK_TC, in, in_len, &res), 0);
	assert_int_equal(bpft_snap(after), 0);
	assert_int_equal(res.verdict, V_TC_OK);
	if (res.out_len != want_len || memcmp(res.out, want, want_len)) {
		pkt_diff_dump(c->what, res.out, res.out_len, want, want_len);
		fail_msg("%s: output differs from the translated error", c->what);
	}
	if (!pkt_verify_csums(res.out, res.out_len, why, sizeof(why)))
		fail_msg("%s: output checksums: %s", c->what, why);
	r = c->known ? STEER_R_PASS_ICMP_NATTED : STEER_R_PASS_ICMP_NO_FLOW;
	assert_int_equal(after->rs[HOOK_TC][r].packets - before->rs[HOOK_TC][r].packets, 1);
	assert_int_equal(after->rs[HOOK_TC][STEER_R_PASS_NOT_L4].packets,
			 before->rs[HOOK_TC][STEER_R_PASS_NOT_L4].packets);
	test_free(before);
	test_free(after);
}

/* client side: an error about the reply (VIP -> client) goes to the backend */
static void run_client_case(const struct icmp_case *c)
{
	const struct bpft_flow *f = c->flow;
	uint32_t be = f->family == 4 ? BE4_A : BE6_A;
	const struct bpft_backend *b = &bpft_backends[be];
	struct bpft_step syn = { .what = c->what, XDP(*f), NEW(be) };
	uint8_t rep[PKT_MAX], brep[PKT_MAX], in[PKT_MAX], want[PKT_MAX];
	struct bpft_counters *before, *after;
	struct pkt_layout lr, lb, lw;
	struct pkt_spec s;
	struct bpft_result res;
	size_t in_len, want_len;
	const uint8_t *src;
	char why[128];
	uint32_t r;

	if (f->proto == PROTO_TCP)
		syn.tcp_flags = TCPF_SYN | TCPF_ACK; /* (the reply's flags) */
	else
		syn.payload_len = 9;
	if (c->known) {
		struct bpft_step first = syn;

		first.tcp_flags = f->proto == PROTO_TCP ? TCPF_SYN : 0;
		bpft_run_step(&first, c->what);
	}
	/* the reply as the client got it (from the VIP), and as the backend sent it */
	syn.hook = HOOK_TC;
	syn.backend = be;
	syn.ttl = 63; /* the quote is the reply as the client got it: one hop less */
	assert_true(bpft_step_packet(&syn, &s, brep, &lb) > 0);
	memset(s.src, 0, 16);
	memcpy(s.src, f->vip, 16);
	s.sport = f->vport;
	assert_true(pkt_build(&s, rep, PKT_MAX, &lr) > 0);
	src = c->from_backend ? f->cli : (f->family == 4 ? A_GW4 : A_GW6);
	in_len = pkt_icmp_error(rep, &lr, MAC_CLI_IF, MAC_CLIENT, src, c->type, c->code, c->rest,
				in, PKT_MAX);
	assert_true(in_len > 0);
	if (c->known) {
		want_len = pkt_icmp_error(brep, &lb, b->mac, MAC_BE_IF, src, c->type, c->code,
					  c->rest, want, PKT_MAX);
		/* forwarded by steer: one hop less */
		memset(&lw, 0, sizeof(lw));
		lw.l3_off = 14;
		if (f->family == 4) {
			want[14 + 8]--;
			pkt_fix_ip4_csum(want, &lw);
		} else {
			want[14 + 7]--;
		}
	} else {
		memcpy(want, in, want_len = in_len);
	}

	before = test_malloc(sizeof(*before));
	after = test_malloc(sizeof(*after));
	assert_int_equal(bpft_snap(before), 0);
	assert_int_equal(bpft_prog_run(HOOK_XDP, in, in_len, &res), 0);
	assert_int_equal(bpft_snap(after), 0);
	assert_int_equal(res.verdict, c->known ? V_XDP_REDIRECT : V_XDP_PASS);
	if (res.out_len != want_len || memcmp(res.out, want, want_len)) {
		pkt_diff_dump(c->what, res.out, res.out_len, want, want_len);
		fail_msg("%s: output differs from the translated error", c->what);
	}
	if (!pkt_verify_csums(res.out, res.out_len, why, sizeof(why)))
		fail_msg("%s: output checksums: %s", c->what, why);
	r = c->known ? STEER_R_EV_ICMP_NATTED : STEER_R_PASS_ICMP_NO_FLOW;
	assert_int_equal(after->rs[HOOK_XDP][r].packets - before->rs[HOOK_XDP][r].packets, 1);
	test_free(before);
	test_free(after);
}

#define CLIENT_CASE(name, ...)                                                                     \
	static void name(void)                                                                     \
	{                                                                                          \
		static const struct icmp_case c = { #name, __VA_ARGS__ };                          \
		run_client_case(&c);                                                               \
	}

/* from_backend here: from the client itself (else a router in front of it) */
CLIENT_CASE(client_v4_udp_port_unreachable_to_backend, &F4_UDP, true, 3, 3, 0, true)
CLIENT_CASE(client_v4_tcp_frag_needed_from_router_to_backend, &F4_TCP, false, 3, 4, 1280, true)
CLIENT_CASE(client_v6_tcp_packet_too_big_to_backend, &F6_TCP, false, 2, 0, 1280, true)
CLIENT_CASE(client_v6_udp_port_unreachable_to_backend, &F6_UDP, true, 1, 4, 0, true)
CLIENT_CASE(client_v4_error_about_no_flow_passed, &F4_UDP, true, 3, 3, 0, false)

#define CASE(name, ...)                                                                            \
	static void name(void)                                                                     \
	{                                                                                          \
		static const struct icmp_case c = { #name, __VA_ARGS__ };                          \
		run_case(&c);                                                                      \
	}

/* ICMPv4 port unreachable from the backend about a UDP datagram: outer
 * source, quoted destination, quoted UDP checksum all back to the VIP's */
CASE(v4_udp_port_unreachable_from_backend, &F4_UDP, true, 3, 3, 0, true)
/* frag needed from a router behind the gateway: its own address stays */
CASE(v4_tcp_frag_needed_from_router, &F4_TCP, false, 3, 4, 1400, true)
CASE(v4_tcp_time_exceeded_from_router, &F4_TCP, false, 11, 0, 0, true)
CASE(v4_udp_parameter_problem_from_backend, &F4_UDP, true, 12, 0, 0x14000000, true)
/* ICMPv6: the checksum covers the pseudo-header (outer source changes) */
CASE(v6_udp_port_unreachable_from_backend, &F6_UDP, true, 1, 4, 0, true)
CASE(v6_tcp_packet_too_big_from_router, &F6_TCP, false, 2, 0, 1400, true)
CASE(v6_tcp_time_exceeded_from_backend, &F6_TCP, true, 3, 0, 0, true)
/* no steered flow quoted: untouched, counted */
CASE(v4_error_about_no_flow_untouched, &F4_UDP, true, 3, 3, 0, false)
CASE(v6_error_about_no_flow_untouched, &F6_TCP, false, 2, 0, 1280, false)

static const struct bpft_fixture fixtures[] = {
	{ .name = "v4_udp_port_unreachable_from_backend",
	  .check = v4_udp_port_unreachable_from_backend },
	{ .name = "v4_tcp_frag_needed_from_router", .check = v4_tcp_frag_needed_from_router },
	{ .name = "v4_tcp_time_exceeded_from_router", .check = v4_tcp_time_exceeded_from_router },
	{ .name = "v4_udp_parameter_problem_from_backend",
	  .check = v4_udp_parameter_problem_from_backend },
	{ .name = "v6_udp_port_unreachable_from_backend",
	  .check = v6_udp_port_unreachable_from_backend },
	{ .name = "v6_tcp_packet_too_big_from_router", .check = v6_tcp_packet_too_big_from_router },
	{ .name = "v6_tcp_time_exceeded_from_backend", .check = v6_tcp_time_exceeded_from_backend },
	{ .name = "v4_error_about_no_flow_untouched", .check = v4_error_about_no_flow_untouched },
	{ .name = "v6_error_about_no_flow_untouched", .check = v6_error_about_no_flow_untouched },
	{ .name = "client_v4_udp_port_unreachable_to_backend",
	  .check = client_v4_udp_port_unreachable_to_backend },
	{ .name = "client_v4_tcp_frag_needed_from_router_to_backend",
	  .check = client_v4_tcp_frag_needed_from_router_to_backend },
	{ .name = "client_v6_tcp_packet_too_big_to_backend",
	  .check = client_v6_tcp_packet_too_big_to_backend },
	{ .name = "client_v6_udp_port_unreachable_to_backend",
	  .check = client_v6_udp_port_unreachable_to_backend },
	{ .name = "client_v4_error_about_no_flow_passed",
	  .check = client_v4_error_about_no_flow_passed },
};

int main(void)
{
	return BPFT_MAIN("steer_icmp_nat", fixtures);
}
