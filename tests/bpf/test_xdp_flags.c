// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * steer_xdp and TCP flags (docs/datapath.md, steps 2 and 3): combinations
 * no client sends to a server are dropped before conntrack, each with its
 * reason, and make no entry; a RST with no entry is forwarded by the table
 * without making one; a SYN on an entry a stray packet made is a new flow,
 * admitted as one.
 */
#include <stdio.h>

#include "bpftest_xdp.h"


#define TCPF_PSH 0x08
#define TCPF_URG 0x20

static void setup_nonsyn_rate_2(void)
{
	struct steer_config c;

	assert_int_equal(dp_config_get(bpft.dp, &c), 0);
	c.nonsyn_rate = 2;
	assert_int_equal(dp_config_set(bpft.dp, &c), 0);
}

static const struct bpft_fixture fixtures[] = {
	{ .name = "nonsyn_misses_within_the_tenant_budget",
	  .setup = setup_nonsyn_rate_2,
	  .steps = { { .what = "stray ACK 1: an entry", XDP(F4_TCP), .cport = 40001, ACK,
		       FWD(BE4_A), .reason = STEER_R_EV_NONSYN_MISS, .new_flow = ANY,
		       .ct_flags = STEER_CT_F_NONSYN, .ct_flags_mask = STEER_CT_F_NONSYN },
		     { .what = "stray ACK 2: an entry", XDP(F4_TCP), .cport = 40002, ACK,
		       FWD(BE4_A), .reason = STEER_R_EV_NONSYN_MISS, .new_flow = ANY,
		       .ct_flags = STEER_CT_F_NONSYN, .ct_flags_mask = STEER_CT_F_NONSYN },
		     { .what = "stray ACK 3: over the budget, dropped, no entry", XDP(F4_TCP),
		       .cport = 40003, ACK, DROP(STEER_R_DROP_NONSYN_BUDGET), .ct = CT_NONE },
		     { .what = "a real SYN is not the budget's business", XDP(F4_TCP),
		       .cport = 40004, SYN, NEW(BE4_A) },
		     { .what = "entries made go on", XDP(F4_TCP), .cport = 40001, ACK,
		       FWD(BE4_A), .ct_flags = STEER_CT_F_NONSYN,
		       .ct_flags_mask = STEER_CT_F_NONSYN } } },
	{ .name = "v4_syn_fin_dropped",
	  .steps = { { .what = "SYN+FIN", XDP(F4_TCP), .tcp_flags = TCPF_SYN | TCPF_FIN,
		       DROP(STEER_R_DROP_TCP_FLAGS), .ct = CT_EMPTY } } },
	{ .name = "v6_syn_rst_dropped",
	  .steps = { { .what = "SYN+RST", XDP(F6_TCP), .tcp_flags = TCPF_SYN | TCPF_RST,
		       DROP(STEER_R_DROP_TCP_FLAGS), .ct = CT_EMPTY } } },
	{ .name = "v4_no_flags_dropped",
	  .steps = { { .what = "no flag (NULL scan)", XDP(F4_TCP), .tcp_flags = 0,
		       DROP(STEER_R_DROP_TCP_FLAGS), .ct = CT_EMPTY } } },
	{ .name = "v4_xmas_dropped",
	  .steps = { { .what = "FIN+PSH+URG", XDP(F4_TCP),
		       .tcp_flags = TCPF_FIN | TCPF_PSH | TCPF_URG,
		       DROP(STEER_R_DROP_TCP_FLAGS), .ct = CT_EMPTY } } },
	{ .name = "v6_fin_without_ack_dropped",
	  .steps = { { .what = "FIN alone", XDP(F6_TCP), .tcp_flags = TCPF_FIN,
		       DROP(STEER_R_DROP_TCP_FLAGS), .ct = CT_EMPTY } } },
	{ .name = "v4_stray_synack_dropped",
	  .steps = { { .what = "SYN+ACK, no entry", XDP(F4_TCP),
		       .tcp_flags = TCPF_SYN | TCPF_ACK, DROP(STEER_R_DROP_STRAY_SYNACK),
		       .ct = CT_EMPTY } } },
	{ .name = "v4_synack_on_entry_dropped_entry_kept",
	  .steps = { { .what = "SYN", XDP(F4_TCP), SYN, NEW(BE4_A) },
		     { .what = "SYN+ACK from the client side", XDP(F4_TCP),
		       .tcp_flags = TCPF_SYN | TCPF_ACK, DROP(STEER_R_DROP_STRAY_SYNACK),
		       .ct = CT_ENTRY, .backend = BE4_A, .ct_flags = 0 },
		     { .what = "the flow goes on", XDP(F4_TCP), ACK, FWD(BE4_A) } } },
	{ .name = "bad_flags_to_other_ports_untouched",
	  .steps = { { .what = "SYN+FIN to a port with no service", XDP(F4_NOSVC),
		       .tcp_flags = TCPF_SYN | TCPF_FIN, PASS(STEER_R_PASS_NOT_SERVICE) } } },
	{ .name = "v4_rst_no_entry_forwarded_no_entry",
	  .steps = { { .what = "RST, no entry", XDP(F4_TCP), .tcp_flags = TCPF_RST,
		       .backend = BE4_A, .verdict = V_XDP_REDIRECT, .out = OUT_NAT_FIB,
		       .reason = STEER_R_EV_RST_NO_ENTRY, .ct = CT_EMPTY } } },
	{ .name = "v6_rst_ack_no_entry_forwarded_no_entry",
	  .steps = { { .what = "RST+ACK, no entry", XDP(F6_TCP),
		       .tcp_flags = TCPF_RST | TCPF_ACK, .backend = BE6_A,
		       .verdict = V_XDP_REDIRECT, .out = OUT_NAT_FIB,
		       .reason = STEER_R_EV_RST_NO_ENTRY, .ct = CT_EMPTY } } },
	{ .name = "syn_after_stray_ack_is_admitted",
	  .setup = setup_rate_1_burst_1,
	  .steps = { { .what = "SYN 1 takes the only token", XDP(F4_TCP), .cport = 40001, SYN,
		       NEW(BE4_A) },
		     { .what = "stray ACK: an entry, table only", XDP(F4_TCP), .cport = 40002,
		       ACK, FWD(BE4_A), .reason = STEER_R_EV_NONSYN_MISS, .new_flow = ANY,
		       .ct_flags = STEER_CT_F_NONSYN },
		     { .what = "SYN on that entry: admitted as new, bucket empty",
		       XDP(F4_TCP), .cport = 40002, SYN, DROP(STEER_R_DROP_ADMIT_RATE),
		       .skip_stats = true } } },
};

int main(void)
{
	return BPFT_MAIN("steer_xdp_flags", fixtures);
}
