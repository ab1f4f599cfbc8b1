// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * steer_xdp fixtures (docs/datapath.md, "steer_xdp"), flows: new flows
 * (checksums, padding), established flows and stickiness, FIN and RST from
 * the client, UDP idle expiry.
 * Every row is a sequence of packets through BPF_PROG_TEST_RUN with the
 * verdict, the whole output frame, the reason counter, per-object
 * counters and the conntrack entries each must produce.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>

#include "bpftest_xdp.h"

/* ---- setup and hooks ---- */

static void setup_udp_idle_1ms(void)
{
	cfg_udp_idle(1000000);
}

static void setup_udp_idle_200ms(void)
{
	cfg_udp_idle(200000000);
}

/*
 * A UDP flow sending every 40 ms (idle limit 200 ms, a margin for a loaded
 * machine) stays where it is, for longer than the limit in all; the table
 * says B, so a wrong expiry shows as a move to B.
 */
#define UDP_EVERY_40MS(n)                                                                    \
	{ .what = "UDP " #n " after 40 ms", .sleep_ms = 40, .before = tables_to_b, XDP(F4_UDP), \
	  FWD(BE4_A) }

/* ---- custom fixtures ---- */

/*
 * Checksum edge: a payload chosen so that the NATed segment's checksum
 * computes to 0 (RFC 1071). UDP must send it as 0xffff (RFC 768; 0 means
 * "no checksum"); TCP carries 0x0000 as computed.
 */
static void csum_edge(const struct bpft_flow *f, uint32_t be, uint16_t port)
{
	const struct bpft_backend *b = &bpft_backends[be];
	uint8_t payload[2] = { 0, 0 }, buf[PKT_MAX];
	struct bpft_step st = { .what = "checksum edge", .hook = HOOK_XDP, .flow = f,
				.cport = port, .payload = payload, .payload_len = 2,
				.tcp_flags = f->proto == PROTO_TCP ? TCPF_SYN : 0, NEW(be) };
	struct pkt_layout lay;
	struct pkt_spec spec;
	size_t coff;
	char ctx[96];

	/* the NATed frame with a zero payload word, then cancel its sum */
	bpft_step_packet(&st, &spec, buf, &lay);
	memcpy(spec.dst, b->addr, 16);
	spec.dport = b->port;
	coff = lay.l4_off + (f->proto == PROTO_TCP ? 16 : 6);
	assert_true(pkt_build(&spec, buf, sizeof(buf), &lay) > 0);
	payload[0] = buf[coff];
	payload[1] = buf[coff + 1];
	assert_true(pkt_build(&spec, buf, sizeof(buf), &lay) > 0);
	assert_int_equal(buf[coff] << 8 | buf[coff + 1], f->proto == PROTO_UDP ? 0xffff : 0x0000);

	snprintf(ctx, sizeof(ctx), "csum_edge [IPv%u %s]", f->family,
		 f->proto == PROTO_TCP ? "TCP" : "UDP");
	bpft_run_step(&st, ctx);
}

static void check_csum_edge(void)
{
	csum_edge(&F4_UDP, BE4_A, 34001);
	csum_edge(&F6_UDP, BE6_A, 34002);
	csum_edge(&F4_TCP, BE4_A, 34003);
	csum_edge(&F6_TCP, BE6_A, 34004);
}

/* ---- the table ---- */

static const struct bpft_fixture fixtures[] = {
	/* -- new flows -- */
	{ .name = "v4_tcp_syn_new_flow",
	  .steps = { { .what = "SYN", XDP(F4_TCP), SYN, NEW(BE4_A) } } },
	{ .name = "v6_tcp_syn_new_flow",
	  .steps = { { .what = "SYN", XDP(F6_TCP), SYN, NEW(BE6_A) } } },
	{ .name = "v4_tcp_syn_options_payload",
	  .steps = { { .what = "SYN, 2 option words, 33 bytes data", XDP(F4_TCP), SYN,
		       .tcp_opt_words = 2, .payload_len = 33, NEW(BE4_A) } } },
	{ .name = "v6_tcp_syn_options_payload",
	  .steps = { { .what = "SYN, 3 option words, 101 bytes data", XDP(F6_TCP), SYN,
		       .tcp_opt_words = 3, .payload_len = 101, NEW(BE6_A) } } },
	{ .name = "v4_udp_new_flow",
	  .steps = { { .what = "UDP", XDP(F4_UDP), .payload_len = 41, NEW(BE4_A) } } },
	{ .name = "v6_udp_new_flow",
	  .steps = { { .what = "UDP", XDP(F6_UDP), .payload_len = 40, NEW(BE6_A) } } },
	{ .name = "v4_udp_empty_payload",
	  .steps = { { .what = "UDP, no payload", XDP(F4_UDP), NEW(BE4_A) } } },
	{ .name = "csum_result_zero_edge", .check = check_csum_edge },
	{ .name = "v4_ethernet_padding_kept",
	  .steps = { { .what = "SYN padded to 60 bytes", XDP(F4_TCP), SYN, .pad_to = 60,
		       NEW(BE4_A) },
		     { .what = "UDP padded to 60 bytes", XDP(F4_UDP), .payload_len = 1,
		       .pad_to = 60, NEW(BE4_A) } } },
	{ .name = "v4_udp_csum_zero_stays_zero",
	  .steps = { { .what = "UDP csum 0", XDP(F4_UDP), .udp_csum_zero = true,
		       .payload_len = 12, NEW(BE4_A) } } },

	/* -- established, stickiness -- */
	{ .name = "v4_tcp_established",
	  .steps = { { .what = "SYN", XDP(F4_TCP), SYN, NEW(BE4_A) },
		     { .what = "ACK", XDP(F4_TCP), ACK, FWD(BE4_A) },
		     { .what = "ACK+data", XDP(F4_TCP), ACK, .payload_len = 200, FWD(BE4_A) },
		     { .what = "retransmitted SYN on the open entry", .before = tables_to_b,
		       XDP(F4_TCP), SYN, FWD(BE4_A) } } },
	{ .name = "v6_tcp_established",
	  .steps = { { .what = "SYN", XDP(F6_TCP), SYN, NEW(BE6_A) },
		     { .what = "ACK+data", XDP(F6_TCP), ACK, .payload_len = 77, FWD(BE6_A) } } },
	{ .name = "v4_udp_established",
	  .steps = { { .what = "UDP 1", XDP(F4_UDP), .payload_len = 10, NEW(BE4_A) },
		     { .what = "UDP 2", XDP(F4_UDP), .payload_len = 11, FWD(BE4_A) } } },
	{ .name = "v4_sticky_across_table_swap",
	  .steps = { { .what = "SYN -> A", XDP(F4_TCP), SYN, NEW(BE4_A) },
		     { .what = "table now only B; ACK still -> A", .before = tables_to_b,
		       XDP(F4_TCP), ACK, FWD(BE4_A) },
		     { .what = "new flow -> B", XDP(F4_TCP), .cport = 40001, SYN, NEW(BE4_B) } } },
	{ .name = "v6_sticky_across_table_swap",
	  .steps = { { .what = "SYN -> A", XDP(F6_TCP), SYN, NEW(BE6_A) },
		     { .what = "table now only B; ACK still -> A", .before = tables_to_b,
		       XDP(F6_TCP), ACK, FWD(BE6_A) },
		     { .what = "new flow -> B", XDP(F6_TCP), .cport = 40001, SYN, NEW(BE6_B) } } },
	{ .name = "v4_udp_sticky_across_table_swap",
	  .steps = { { .what = "UDP -> A", XDP(F4_UDP), NEW(BE4_A) },
		     { .what = "table now only B; UDP still -> A", .before = tables_to_b,
		       XDP(F4_UDP), FWD(BE4_A) } } },

	/* -- FIN / RST from the client (the backend side is in test_tc) -- */
	{ .name = "v4_fin_from_client_sets_flag",
	  .steps = { { .what = "SYN", XDP(F4_TCP), SYN, NEW(BE4_A) },
		     { .what = "FIN", XDP(F4_TCP), FINACK, FWD(BE4_A),
		       .ct_flags = STEER_CT_F_FIN_CLIENT },
		     { .what = "last ACK, same backend", XDP(F4_TCP), ACK, FWD(BE4_A),
		       .ct_flags = STEER_CT_F_FIN_CLIENT } } },
	/* a client's RST marks the flow closing: it frees nothing (it may be
	 * bogus), a new SYN on the tuple is a new flow */
	{ .name = "v4_rst_from_client_closing",
	  .steps = { { .what = "SYN", XDP(F4_TCP), SYN, NEW(BE4_A) },
		     { .what = "RST", XDP(F4_TCP), RST, FWD(BE4_A),
		       .ct_flags = STEER_CT_F_RST_CLIENT,
		       .ct_flags_mask = STEER_CT_F_RST_CLIENT | STEER_CT_F_CLOSED },
		     { .what = "packet after the RST, same backend", XDP(F4_TCP), ACK, FWD(BE4_A),
		       .ct_flags = STEER_CT_F_RST_CLIENT,
		       .ct_flags_mask = STEER_CT_F_RST_CLIENT | STEER_CT_F_CLOSED },
		     { .what = "SYN on the reset entry: new flow", .before = tables_to_b,
		       XDP(F4_TCP), SYN, NEW(BE4_B), .resteer_from = BE4_A, /* closes there */
		       .reason = STEER_R_EV_CT_REUSE } } },
	{ .name = "v6_rst_from_client_closing",
	  .steps = { { .what = "SYN", XDP(F6_TCP), SYN, NEW(BE6_A) },
		     { .what = "RST", XDP(F6_TCP), RST, FWD(BE6_A),
		       .ct_flags = STEER_CT_F_RST_CLIENT,
		       .ct_flags_mask = STEER_CT_F_RST_CLIENT | STEER_CT_F_CLOSED },
		     { .what = "SYN on the reset entry: new flow", XDP(F6_TCP), SYN, NEW(BE6_A),
		       .closed = 1, .reason = STEER_R_EV_CT_REUSE } } },

	/* -- UDP idle expiry -- */
	{ .name = "v4_udp_idle_expiry",
	  .setup = setup_udp_idle_1ms,
	  .steps = { { .what = "UDP -> A", XDP(F4_UDP), NEW(BE4_A) },
		     { .what = "idle 20 ms, table -> B: new flow", .sleep_ms = 20,
		       .before = tables_to_b, XDP(F4_UDP), NEW(BE4_B),
		       .reason = STEER_R_EV_UDP_EXPIRED, .old_closed = BE4_A } } },
	{ .name = "v6_udp_idle_expiry",
	  .setup = setup_udp_idle_1ms,
	  .steps = { { .what = "UDP -> A", XDP(F6_UDP), NEW(BE6_A) },
		     { .what = "idle 20 ms: new flow", .sleep_ms = 20, XDP(F6_UDP), NEW(BE6_A),
		       .reason = STEER_R_EV_UDP_EXPIRED, .old_closed = BE6_A } } },
	{ .name = "v4_udp_active_flow_never_idle",
	  .setup = setup_udp_idle_200ms,
	  .steps = { { .what = "UDP -> A", XDP(F4_UDP), NEW(BE4_A) }, UDP_EVERY_40MS(2),
		     UDP_EVERY_40MS(3), UDP_EVERY_40MS(4), UDP_EVERY_40MS(5),
		     UDP_EVERY_40MS(6), UDP_EVERY_40MS(7), UDP_EVERY_40MS(8),
		     UDP_EVERY_40MS(9), UDP_EVERY_40MS(10) } },
	{ .name = "v4_udp_not_idle_keeps_flow",
	  .steps = { { .what = "UDP -> A", XDP(F4_UDP), NEW(BE4_A) },
		     { .what = "after 20 ms (idle limit 30 s)", .sleep_ms = 20,
		       .before = tables_to_b, XDP(F4_UDP), FWD(BE4_A) } } },
};

int main(void)
{
	return BPFT_MAIN("steer_xdp_flows", fixtures);
}
