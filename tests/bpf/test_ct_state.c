// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The handshake in conntrack (docs/datapath.md, "Conntrack"): a SYN makes
 * an entry in handshake; TC marks the backend's SYN+ACK; the client's ACK
 * after it makes the flow established. Entries a non-SYN made, and UDP,
 * are established at once. A client's ACK before any SYN+ACK (a blind
 * ACK) establishes nothing. steerd's sweep counts only established flows
 * as a backend's load, so half-open SYNs never make a backend look busy.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>

#include "bpftest_xdp.h"


#define HS (STEER_CT_F_SYNACK | STEER_CT_F_ESTABLISHED)

/* half-open: the flow's entry in ct_syn, no reverse entry anywhere */
static void half_open(void)
{
	assert_int_equal(bpft_map_count(bpft.ct_syn_fd), 1);
	assert_int_equal(bpft_map_count(bpft.ct_fd), 0);
	assert_int_equal(bpft_map_count(bpft.rct_fd), 0);
}

/* the flow lives in ct and rct now, nothing of it in the half-open maps */
static void promoted(void)
{
	struct steer_flow_key k;
	struct steer_rct r;

	assert_int_equal(bpft_map_count(bpft.ct_fd), 1);
	assert_int_equal(bpft_map_count(bpft.rct_fd), 1);
	assert_int_equal(bpft_map_count(bpft.ct_syn_fd), 0);
	/* the reverse entry, built from the flow, NATs the replies back to the VIP */
	assert_int_equal(bpf_map_get_next_key(bpft.rct_fd, NULL, &k), 0);
	assert_int_equal(bpf_map_lookup_elem(bpft.rct_fd, &k, &r), 0);
	assert_memory_equal(r.vip, F4_TCP.vip, 4);
	assert_int_equal(ntohs(r.vport), F4_TCP.vport);
	assert_int_equal(r.backend_id, BE4_A);
}
/* only the handshake bits of the entry */
#define STATE(f) .ct_flags = (f), .ct_flags_mask = HS

static const struct bpft_fixture fixtures[] = {
	{ .name = "v4_handshake_then_established",
	  .steps = { { .what = "SYN: handshake", XDP(F4_TCP), SYN, NEW(BE4_A), STATE(0) },
		     { .what = "backend SYN+ACK: marked", TC(F4_TCP), SYNACK, REPLY(BE4_A),
		       STATE(STEER_CT_F_SYNACK) },
		     { .what = "client ACK: established", XDP(F4_TCP), ACK, FWD(BE4_A),
		       STATE(HS) },
		     { .what = "more data: still established", XDP(F4_TCP), ACK, FWD(BE4_A),
		       STATE(HS) } } },
	{ .name = "v6_handshake_then_established",
	  .steps = { { .what = "SYN", XDP(F6_TCP), SYN, NEW(BE6_A), STATE(0) },
		     { .what = "backend SYN+ACK", TC(F6_TCP), SYNACK, REPLY(BE6_A),
		       STATE(STEER_CT_F_SYNACK) },
		     { .what = "client ACK", XDP(F6_TCP), ACK, FWD(BE6_A), STATE(HS) } } },
	{ .name = "v4_blind_ack_establishes_nothing",
	  .steps = { { .what = "SYN", XDP(F4_TCP), SYN, NEW(BE4_A), STATE(0) },
		     { .what = "ACK with no SYN+ACK seen", XDP(F4_TCP), ACK, FWD(BE4_A),
		       STATE(0) },
		     { .what = "SYN retransmitted: same backend, still handshake",
		       XDP(F4_TCP), SYN, FWD(BE4_A), STATE(0) } } },
	{ .name = "v4_nonsyn_entry_is_established",
	  .steps = { { .what = "mid-stream ACK, no entry", XDP(F4_TCP), ACK, FWD(BE4_A),
		       .reason = STEER_R_EV_NONSYN_MISS, .new_flow = ANY,
		       .ct_flags = STEER_CT_F_NONSYN | STEER_CT_F_ESTABLISHED,
		       .ct_flags_mask = STEER_CT_F_NONSYN | HS } } },
	/*
	 * A SYN writes one entry (ct_syn), no reverse one: the backend's
	 * SYN+ACK is found from it (bpf/steer_embryonic.h: the forward key of
	 * each TCP service, checked against the entry's backend), the client's
	 * ACK moves the flow to ct and gives it its reverse entry in rct.
	 */
	{ .name = "v4_half_open_reply_found_from_its_forward_entry",
	  .steps = { { .what = "SYN: ct_syn only", XDP(F4_TCP), SYN, NEW(BE4_A), STATE(0),
		       .after = half_open },
		     { .what = "backend SYN+ACK: found, NATed", TC(F4_TCP), SYNACK, REPLY(BE4_A),
		       STATE(STEER_CT_F_SYNACK), .after = half_open },
		     { .what = "client ACK: promoted", XDP(F4_TCP), ACK, FWD(BE4_A), STATE(HS),
		       .after = promoted },
		     { .what = "the reply is NATed from rct", TC(F4_TCP), ACK, REPLY(BE4_A),
		       STATE(HS) } } },
	/* the same client and port, but the SYN+ACK of a backend the flow was
	 * not steered to: not this flow's, left alone */
	{ .name = "v4_half_open_reply_of_another_backend_not_ours",
	  .steps = { { .what = "SYN -> A", XDP(F4_TCP), SYN, NEW(BE4_A), STATE(0) },
		     { .what = "SYN+ACK from B", TC(F4_TCP), SYNACK, .backend = BE4_B,
		       TPASS(STEER_R_PASS_NO_RCT), .ct = CT_DONTCARE, .after = half_open },
		     { .what = "SYN+ACK from A", TC(F4_TCP), SYNACK, REPLY(BE4_A),
		       STATE(STEER_CT_F_SYNACK) } } },
	/* data from the backend before the client's ACK (a TCP Fast Open
	 * server may send it): found the same way, NATed, still half-open */
	{ .name = "v4_half_open_data_from_backend_nated",
	  .steps = { { .what = "SYN -> A", XDP(F4_TCP), SYN, NEW(BE4_A), STATE(0) },
		     { .what = "SYN+ACK from A", TC(F4_TCP), SYNACK, REPLY(BE4_A),
		       STATE(STEER_CT_F_SYNACK) },
		     { .what = "data from A", TC(F4_TCP), ACK, .payload_len = 100, REPLY(BE4_A),
		       STATE(STEER_CT_F_SYNACK), .after = half_open } } },
	{ .name = "v4_udp_is_established",
	  .steps = { { .what = "UDP", XDP(F4_UDP), NEW(BE4_A), STATE(STEER_CT_F_ESTABLISHED) } } },
};

int main(void)
{
	return BPFT_MAIN("ct_state", fixtures);
}
