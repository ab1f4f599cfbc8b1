// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * steer_tc fixtures (docs/datapath.md, "steer_tc"): replies from the
 * backends, reverse NAT from the rct entries steer_xdp wrote, connection
 * close from the backend side, and everything the program leaves alone.
 * Each flow is opened by a real steer_xdp SYN first.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>

#include "bpftest_xdp.h"

/* a client with no route back (198.19.200.1, fd00:98::7): tenant 0 */
static const uint8_t A_FAR4[16] = { 198, 19, 200, 1 };
static const uint8_t A_FAR6[16] = { 0xfd, 0x00, 0x00, 0x98, [15] = 0x07 };
static const struct bpft_flow F4_FAR_TCP = { 4, PROTO_TCP, A_FAR4, 40000, A_VIP4, PORT_TCP };
static const struct bpft_flow F6_FAR_TCP = { 6, PROTO_TCP, A_FAR6, 40000, A_VIP6, PORT_TCP };

/* ---- row shorthands (FWD, REPLY, TPASS: bpftest_xdp.h) ---- */

#define FLAGS_FIN_BOTH (STEER_CT_F_FIN_CLIENT | STEER_CT_F_FIN_BACKEND | STEER_CT_F_CLOSED)
#define FLAGS_RST (STEER_CT_F_RST | STEER_CT_F_CLOSED)

/* A's slot emptied (what removing a backend leaves: all zero, UNUSED) */
static void unused_a_tables_to_b(void)
{
	int fd = dp_map_fd(bpft.dp, DP_MAP_BACKENDS);
	struct steer_backend none = { 0 };
	uint32_t id = BE4_A;

	bpft_table_fill(1, BE4_B);
	assert_true(fd >= 0);
	assert_int_equal(bpf_map_update_elem(fd, &id, &none, BPF_ANY), 0);
}

static const struct bpft_fixture fixtures[] = {
	/* -- reverse NAT -- */
	{ .name = "v4_tcp_reply_rnat",
	  .steps = { { .what = "client SYN", XDP(F4_TCP), SYN, NEW(BE4_A) },
		     { .what = "backend SYN+ACK", TC(F4_TCP), SYNACK, REPLY(BE4_A) },
		     { .what = "backend data", TC(F4_TCP), ACK, .payload_len = 333,
		       REPLY(BE4_A) } } },
	{ .name = "v6_tcp_reply_rnat",
	  .steps = { { .what = "client SYN", XDP(F6_TCP), SYN, NEW(BE6_A) },
		     { .what = "backend SYN+ACK", TC(F6_TCP), SYNACK, .tcp_opt_words = 2,
		       REPLY(BE6_A) },
		     { .what = "backend data", TC(F6_TCP), ACK, .payload_len = 1001,
		       REPLY(BE6_A) } } },
	{ .name = "v4_udp_reply_rnat",
	  .steps = { { .what = "client UDP", XDP(F4_UDP), .payload_len = 20, NEW(BE4_A) },
		     { .what = "backend UDP", TC(F4_UDP), .payload_len = 33, REPLY(BE4_A) },
		     { .what = "backend UDP, empty", TC(F4_UDP), REPLY(BE4_A) } } },
	{ .name = "v6_udp_reply_rnat",
	  .steps = { { .what = "client UDP", XDP(F6_UDP), .payload_len = 20, NEW(BE6_A) },
		     { .what = "backend UDP", TC(F6_UDP), .payload_len = 48, REPLY(BE6_A) } } },
	{ .name = "v4_udp_reply_csum_zero_stays_zero",
	  .steps = { { .what = "client UDP", XDP(F4_UDP), NEW(BE4_A) },
		     { .what = "backend UDP csum 0", TC(F4_UDP), .udp_csum_zero = true,
		       .payload_len = 7, REPLY(BE4_A) } } },
	{ .name = "v4_reply_ethernet_padding_kept",
	  .steps = { { .what = "client UDP", XDP(F4_UDP), NEW(BE4_A) },
		     { .what = "backend UDP padded to 60", TC(F4_UDP), .payload_len = 2,
		       .pad_to = 60, REPLY(BE4_A) },
		     { .what = "client SYN", XDP(F4_TCP), SYN, NEW(BE4_A) },
		     { .what = "backend SYN+ACK padded to 60", TC(F4_TCP), SYNACK, .pad_to = 60,
		       REPLY(BE4_A) } } },
	{ .name = "v4_reply_with_ip_options",
	  .steps = { { .what = "client SYN", XDP(F4_TCP), SYN, NEW(BE4_A) },
		     { .what = "backend SYN+ACK, IHL 8", TC(F4_TCP), SYNACK, .ip_opt_words = 3,
		       REPLY(BE4_A) } } },
	{ .name = "v4_default_tenant_reply_counters",
	  .steps = { { .what = "client SYN", XDP(F4_ANON_TCP), SYN, NEW(BE4_B) },
		     { .what = "backend SYN+ACK (no neighbour: redirect_neigh)",
		       TC(F4_ANON_TCP), SYNACK, .backend = BE4_B, .verdict = V_TC_REDIRECT,
		       .out = OUT_RNAT, .ct = CT_ENTRY } } },
	{ .name = "v6_default_tenant_reply_counters",
	  .steps = { { .what = "client SYN", XDP(F6_ANON_TCP), SYN, NEW(BE6_B) },
		     { .what = "backend SYN+ACK (no neighbour: redirect_neigh)",
		       TC(F6_ANON_TCP), SYNACK, .backend = BE6_B, .verdict = V_TC_REDIRECT,
		       .out = OUT_RNAT, .ct = CT_ENTRY } } },
	{ .name = "v4_reply_no_route_drop_fib",
	  .steps = { { .what = "client SYN", XDP(F4_FAR_TCP), SYN, NEW(BE4_B) },
		     { .what = "backend SYN+ACK", TC(F4_FAR_TCP), SYNACK, .backend = BE4_B,
		       .verdict = V_TC_SHOT, .reason = STEER_R_DROP_FIB, .out = OUT_RNAT } } },
	{ .name = "v6_reply_no_route_drop_fib",
	  .steps = { { .what = "client SYN", XDP(F6_FAR_TCP), SYN, NEW(BE6_B) },
		     { .what = "backend SYN+ACK", TC(F6_FAR_TCP), SYNACK, .backend = BE6_B,
		       .verdict = V_TC_SHOT, .reason = STEER_R_DROP_FIB, .out = OUT_RNAT } } },
	{ .name = "v4_vlan_reply_pass_natted",
	  .steps = { { .what = "client SYN", XDP(F4_TCP), SYN, NEW(BE4_A) },
		     { .what = "backend SYN+ACK, 1 tag", TC(F4_TCP), SYNACK, .nvlan = 1,
		       .backend = BE4_A, .verdict = V_TC_OK, .reason = STEER_R_PASS_VLAN,
		       .out = OUT_RNAT, .ct = CT_ENTRY } } },
	{ .name = "v6_vlan_reply_pass_natted",
	  .steps = { { .what = "client UDP", XDP(F6_UDP), NEW(BE6_A) },
		     { .what = "backend UDP, 2 tags", TC(F6_UDP), .nvlan = 2, .payload_len = 10,
		       .backend = BE6_A, .verdict = V_TC_OK, .reason = STEER_R_PASS_VLAN,
		       .out = OUT_RNAT, .ct = CT_ENTRY } } },

	/* -- closing from the backend side -- */
	{ .name = "v4_fin_client_then_backend_closes",
	  .steps = { { .what = "client SYN", XDP(F4_TCP), SYN, NEW(BE4_A) },
		     { .what = "client FIN", XDP(F4_TCP), FINACK, FWD(BE4_A),
		       .ct_flags = STEER_CT_F_FIN_CLIENT },
		     { .what = "backend FIN closes", TC(F4_TCP), FINACK, REPLY(BE4_A),
		       .closed = 1, .ct_flags = FLAGS_FIN_BOTH },
		     { .what = "client last ACK, same backend", XDP(F4_TCP), ACK, FWD(BE4_A),
		       .ct_flags = FLAGS_FIN_BOTH },
		     { .what = "backend FIN again: not closed twice", TC(F4_TCP), FINACK,
		       REPLY(BE4_A), .ct_flags = FLAGS_FIN_BOTH },
		     { .what = "SYN on the closed entry: new flow", XDP(F4_TCP), SYN, NEW(BE4_A),
		       .reason = STEER_R_EV_CT_REUSE } } },
	{ .name = "v6_fin_backend_then_client_closes",
	  .steps = { { .what = "client SYN", XDP(F6_TCP), SYN, NEW(BE6_A) },
		     { .what = "backend FIN", TC(F6_TCP), FINACK, REPLY(BE6_A),
		       .ct_flags = STEER_CT_F_FIN_BACKEND },
		     { .what = "client FIN closes", XDP(F6_TCP), FINACK, FWD(BE6_A), .closed = 1,
		       .ct_flags = FLAGS_FIN_BOTH },
		     { .what = "backend last ACK", TC(F6_TCP), ACK, REPLY(BE6_A),
		       .ct_flags = FLAGS_FIN_BOTH } } },
	{ .name = "v4_rst_from_backend_closes",
	  .steps = { { .what = "client SYN", XDP(F4_TCP), SYN, NEW(BE4_A) },
		     { .what = "backend RST", TC(F4_TCP), RST, REPLY(BE4_A), .closed = 1,
		       .ct_flags = FLAGS_RST, .ct_flags_mask = FLAGS_RST },
		     { .what = "client packet after close, same backend", XDP(F4_TCP), ACK,
		       FWD(BE4_A), .ct_flags = FLAGS_RST, .ct_flags_mask = FLAGS_RST } } },
	{ .name = "v6_rst_from_backend_closes",
	  .steps = { { .what = "client SYN", XDP(F6_TCP), SYN, NEW(BE6_A) },
		     { .what = "backend RST", TC(F6_TCP), RST, REPLY(BE6_A), .closed = 1,
		       .ct_flags = FLAGS_RST, .ct_flags_mask = FLAGS_RST } } },
	{ .name = "rst_from_backend_frees_conc_slot",
	  .setup = setup_max_conns_1,
	  .steps = { { .what = "SYN 1 admitted", XDP(F4_TCP), .cport = 40001, SYN, NEW(BE4_A),
		       .ct_flags = STEER_CT_F_COUNTED, .after = expect_active_1 },
		     { .what = "SYN 2 over the cap", XDP(F4_TCP), .cport = 40002, SYN,
		       .verdict = V_XDP_DROP, .reason = STEER_R_DROP_ADMIT_CONC,
		       .out = OUT_SAME, .ct = CT_NONE },
		     { .what = "backend RST on flow 1", TC(F4_TCP), .cport = 40001, RST,
		       REPLY(BE4_A), .closed = 1, .ct_flags = FLAGS_RST,
		       .ct_flags_mask = FLAGS_RST, .after = expect_active_0 },
		     { .what = "SYN 2 admitted", XDP(F4_TCP), .cport = 40002, SYN, NEW(BE4_A),
		       .ct_flags = STEER_CT_F_COUNTED, .after = expect_active_1 } } },
	{ .name = "fin_both_ways_frees_conc_slot",
	  .setup = setup_max_conns_1,
	  .steps = { { .what = "SYN admitted", XDP(F4_TCP), SYN, NEW(BE4_A),
		       .ct_flags = STEER_CT_F_COUNTED, .after = expect_active_1 },
		     { .what = "client FIN", XDP(F4_TCP), FINACK, FWD(BE4_A),
		       .ct_flags = STEER_CT_F_COUNTED | STEER_CT_F_FIN_CLIENT,
		       .after = expect_active_1 },
		     { .what = "backend FIN closes", TC(F4_TCP), FINACK, REPLY(BE4_A),
		       .closed = 1, .ct_flags = FLAGS_FIN_BOTH, .ct_flags_mask = FLAGS_FIN_BOTH,
		       .after = expect_active_0 } } },

	/* -- re-steer: the old backend's replies are no longer ours -- */
	{ .name = "v4_resteer_replaces_reverse_entry",
	  .steps = { { .what = "client SYN -> A", XDP(F4_TCP), SYN, NEW(BE4_A) },
		     { .what = "A down: ACK re-steered to B", .before = down_a_tables_to_b,
		       XDP(F4_TCP), ACK, FWD(BE4_B), .reason = STEER_R_EV_RESTEER_DOWN,
		       .new_flow = ANY, .resteer_from = BE4_A, .ct_flags_any = true },
		     { .what = "late reply from A", TC(F4_TCP), ACK, .backend = BE4_A,
		       TPASS(STEER_R_PASS_NO_RCT) },
		     { .what = "reply from B", TC(F4_TCP), ACK, REPLY(BE4_B),
		       .ct_flags_any = true } } },

	{ .name = "v4_removed_backend_reverse_entry_replaced",
	  .steps = { { .what = "client SYN -> A", XDP(F4_TCP), SYN, NEW(BE4_A) },
		     { .what = "A's slot emptied: ACK re-steered to B",
		       .before = unused_a_tables_to_b, XDP(F4_TCP), ACK, FWD(BE4_B),
		       .reason = STEER_R_EV_RESTEER_DOWN, .new_flow = ANY,
		       .resteer_from = BE4_A, .ct_flags_any = true },
		     { .what = "late reply from A", TC(F4_TCP), ACK, .backend = BE4_A,
		       TPASS(STEER_R_PASS_NO_RCT) } } },

	/* -- left to the stack -- */
	{ .name = "v4_reply_without_rct",
	  .steps = { { .what = "SYN+ACK, nothing steered", TC(F4_TCP), SYNACK, .backend = BE4_A,
		       TPASS(STEER_R_PASS_NO_RCT), .ct = CT_EMPTY },
		     { .what = "UDP, nothing steered", TC(F4_UDP), .backend = BE4_B,
		       .payload_len = 3, TPASS(STEER_R_PASS_NO_RCT), .ct = CT_EMPTY } } },
	{ .name = "v6_reply_without_rct",
	  .steps = { { .what = "SYN+ACK, nothing steered", TC(F6_TCP), SYNACK, .backend = BE6_A,
		       TPASS(STEER_R_PASS_NO_RCT), .ct = CT_EMPTY } } },
	{ .name = "reply_other_client_port_no_rct",
	  .steps = { { .what = "client SYN", XDP(F4_TCP), SYN, NEW(BE4_A) },
		     { .what = "reply to another port", TC(F4_TCP), .cport = 40099, SYNACK,
		       .backend = BE4_A, TPASS(STEER_R_PASS_NO_RCT) } } },
	{ .name = "tc_arp_pass_not_ip",
	  .steps = { { .what = "ARP", TC(F4_TCP), .backend = BE4_A,
		       .ethertype = ETHERTYPE_ARP, .payload_len = 28,
		       TPASS(STEER_R_PASS_NOT_IP) } } },
	{ .name = "tc_icmp_pass_not_l4",
	  .steps = { { .what = "ICMP from a backend", TC(F4_ICMP), .backend = BE4_A,
		       .payload_len = 32, TPASS(STEER_R_PASS_NOT_L4) },
		     { .what = "ICMPv6 from a backend", TC(F6_ICMP), .backend = BE6_A,
		       .payload_len = 32, TPASS(STEER_R_PASS_NOT_L4) } } },
	/* fragments: sequences in test_xdp_frag.c */
	{ .name = "tc_fragments",
	  .steps = { { .what = "client SYN", XDP(F4_TCP), SYN, NEW(BE4_A) },
		     { .what = "IPv4 MF: first fragment, reverse-NATed", TC(F4_TCP), ACK,
		       .frag = IPV4_MF, .payload_len = 16, REPLY(BE4_A),
		       .reason = STEER_R_EV_FRAG_FIRST },
		     { .what = "IPv4 offset, first unseen", TC(F4_UDP), .backend = BE4_A,
		       .frag = 100, TPASS(STEER_R_PASS_FRAG_NO_FIRST) },
		     { .what = "IPv6 fragment header, no flow", TC(F6_UDP), .backend = BE6_A,
		       EXT(NH_FRAGMENT), .frag6_more = true, TPASS(STEER_R_PASS_NO_RCT) } } },
	{ .name = "tc_malformed_pass",
	  .steps = { { .what = "client SYN", XDP(F4_TCP), SYN, NEW(BE4_A) },
		     { .what = "truncated VLAN tag", TC(F4_TCP), ACK, .backend = BE4_A,
		       .nvlan = 1, .mangle = MANGLE_TRUNC, .mangle_arg = 16,
		       TPASS(STEER_R_PASS_MALFORMED) },
		     /*
		      * test_run (6.18) refuses an skb whose ethertype is IPv4 or
		      * IPv6 but that has no whole IP header; behind a VLAN tag
		      * it takes it, and the program parses the same way.
		      */
		     { .what = "19 bytes of IPv4 (tagged)", TC(F4_TCP), ACK, .backend = BE4_A,
		       .nvlan = 1, .mangle = MANGLE_TRUNC_L3, .mangle_arg = 19,
		       TPASS(STEER_R_PASS_MALFORMED) },
		     { .what = "IHL 4", TC(F4_TCP), ACK, .backend = BE4_A, .mangle = MANGLE_IHL,
		       .mangle_arg = 4, TPASS(STEER_R_PASS_MALFORMED) },
		     { .what = "tot_len beyond the frame", TC(F4_TCP), ACK, .backend = BE4_A,
		       .mangle = MANGLE_IPLEN_ADD, .mangle_arg = 1,
		       TPASS(STEER_R_PASS_MALFORMED) },
		     { .what = "TCP doff 4", TC(F4_TCP), ACK, .backend = BE4_A,
		       .mangle = MANGLE_DOFF, .mangle_arg = 4, TPASS(STEER_R_PASS_MALFORMED) },
		     { .what = "10 bytes of TCP", TC(F4_TCP), ACK, .backend = BE4_A,
		       .mangle = MANGLE_TRUNC_L4_FIX, .mangle_arg = 10,
		       TPASS(STEER_R_PASS_MALFORMED) },
		     { .what = "39 bytes of IPv6 (tagged)", TC(F6_TCP), ACK, .backend = BE6_A,
		       .nvlan = 2, .mangle = MANGLE_TRUNC_L3, .mangle_arg = 39,
		       TPASS(STEER_R_PASS_MALFORMED) },
		     { .what = "5 bytes of UDP (IPv6)", TC(F6_UDP), .backend = BE6_A,
		       .mangle = MANGLE_TRUNC_L4_FIX, .mangle_arg = 5,
		       TPASS(STEER_R_PASS_MALFORMED) } } },
};

int main(void)
{
	return BPFT_MAIN("steer_tc", fixtures);
}
