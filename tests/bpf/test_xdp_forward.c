// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * steer_xdp fixtures (docs/datapath.md, "steer_xdp"), forwarding: through
 * the FIB, passed NATed to the stack when the neighbour is unknown or the
 * frame has VLAN tags, dropped when there is no route.
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

static void setup_noneigh(void)
{
	bpft_table_fill(1, BE4_NONEIGH);
	bpft_table_fill(2, BE6_NONEIGH);
}

static void setup_noroute(void)
{
	bpft_table_fill(1, BE4_NOROUTE);
	bpft_table_fill(2, BE6_NOROUTE);
}

/* ---- the table ---- */

static const struct bpft_fixture fixtures[] = {
	/* -- forwarding -- */
	{ .name = "v4_no_neigh_pass_natted",
	  .setup = setup_noneigh,
	  .steps = { { .what = "SYN", XDP(F4_TCP), SYN, .backend = BE4_NONEIGH,
		       .verdict = V_XDP_PASS, .reason = STEER_R_PASS_NO_NEIGH, .out = OUT_NAT,
		       .ct = CT_ENTRY, .new_flow = 1 } } },
	{ .name = "v6_no_neigh_pass_natted",
	  .setup = setup_noneigh,
	  .steps = { { .what = "SYN", XDP(F6_TCP), SYN, .backend = BE6_NONEIGH,
		       .verdict = V_XDP_PASS, .reason = STEER_R_PASS_NO_NEIGH, .out = OUT_NAT,
		       .ct = CT_ENTRY, .new_flow = 1 } } },
	{ .name = "v4_udp_no_neigh_pass_natted",
	  .setup = setup_noneigh,
	  .steps = { { .what = "UDP", XDP(F4_UDP), .payload_len = 9, .backend = BE4_NONEIGH,
		       .verdict = V_XDP_PASS, .reason = STEER_R_PASS_NO_NEIGH, .out = OUT_NAT,
		       .ct = CT_ENTRY, .new_flow = 1 } } },
	{ .name = "v4_no_route_drop_fib",
	  .setup = setup_noroute,
	  .steps = { { .what = "SYN", XDP(F4_TCP), SYN, .backend = BE4_NOROUTE,
		       .verdict = V_XDP_DROP, .reason = STEER_R_DROP_FIB, .out = OUT_NAT,
		       .new_flow = 1 } } },
	{ .name = "v6_no_route_drop_fib",
	  .setup = setup_noroute,
	  .steps = { { .what = "SYN", XDP(F6_TCP), SYN, .backend = BE6_NOROUTE,
		       .verdict = V_XDP_DROP, .reason = STEER_R_DROP_FIB, .out = OUT_NAT,
		       .new_flow = 1 } } },
	{ .name = "v4_vlan_1_tag_pass_natted",
	  .steps = { { .what = "SYN, 1 tag", XDP(F4_TCP), SYN, .nvlan = 1, .backend = BE4_A,
		       .verdict = V_XDP_PASS, .reason = STEER_R_PASS_VLAN, .out = OUT_NAT,
		       .ct = CT_ENTRY, .new_flow = 1 } } },
	{ .name = "v4_vlan_2_tags_pass_natted",
	  .steps = { { .what = "SYN, 2 tags", XDP(F4_TCP), SYN, .nvlan = 2, .payload_len = 5,
		       .backend = BE4_A, .verdict = V_XDP_PASS, .reason = STEER_R_PASS_VLAN,
		       .out = OUT_NAT, .ct = CT_ENTRY, .new_flow = 1 } } },
	{ .name = "v6_vlan_1_tag_pass_natted",
	  .steps = { { .what = "SYN, 1 tag", XDP(F6_TCP), SYN, .nvlan = 1, .backend = BE6_A,
		       .verdict = V_XDP_PASS, .reason = STEER_R_PASS_VLAN, .out = OUT_NAT,
		       .ct = CT_ENTRY, .new_flow = 1 } } },
	{ .name = "v6_vlan_2_tags_udp_pass_natted",
	  .steps = { { .what = "UDP, 2 tags", XDP(F6_UDP), .nvlan = 2, .payload_len = 30,
		       .backend = BE6_A, .verdict = V_XDP_PASS, .reason = STEER_R_PASS_VLAN,
		       .out = OUT_NAT, .ct = CT_ENTRY, .new_flow = 1 } } },
};

int main(void)
{
	return BPFT_MAIN("steer_xdp_forward", fixtures);
}
