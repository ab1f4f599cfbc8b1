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

/* rct_syn loses its entries (LRU-evicted by other half-open flows) */
static void drop_rct_syn(void)
{
	struct steer_flow_key k;

	while (!bpf_map_get_next_key(bpft.rct_syn_fd, NULL, &k)) {
		assert_int_equal(bpf_map_delete_elem(bpft.rct_syn_fd, &k), 0);
	}
}

/* the flow lives in ct and rct now, nothing of it in the half-open maps */
static void promoted(void)
{
	struct steer_flow_key k;
	struct steer_rct r;

	assert_int_equal(bpft_map_count(bpft.ct_fd), 1);
	assert_int_equal(bpft_map_count(bpft.rct_fd), 1);
	assert_int_equal(bpft_map_count(bpft.ct_syn_fd), 0);
	assert_int_equal(bpft_map_count(bpft.rct_syn_fd), 0);
	/* the rebuilt reverse entry NATs the replies back to the VIP */
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
	 * Before: the ACK set ESTABLISHED on the half-open entry, then found no
	 * rct_syn entry to move and left the flow in ct_syn for good, where the
	 * next SYN flood evicts it. Now the reverse entry is rebuilt from the
	 * flow (VIP, port, backend, tenant) and the flow moves.
	 */
	{ .name = "v4_promotion_survives_a_lost_reverse_entry",
	  .steps = { { .what = "SYN", XDP(F4_TCP), SYN, NEW(BE4_A), STATE(0) },
		     { .what = "backend SYN+ACK", TC(F4_TCP), SYNACK, REPLY(BE4_A),
		       STATE(STEER_CT_F_SYNACK) },
		     { .what = "client ACK after rct_syn lost its entry", .before = drop_rct_syn,
		       XDP(F4_TCP), ACK, FWD(BE4_A), STATE(HS), .after = promoted },
		     { .what = "the reply is NATed from ct's reverse entry", TC(F4_TCP), ACK,
		       REPLY(BE4_A), STATE(HS) } } },
	{ .name = "v4_udp_is_established",
	  .steps = { { .what = "UDP", XDP(F4_UDP), NEW(BE4_A), STATE(STEER_CT_F_ESTABLISHED) } } },
};

static int run(void)
{
	struct CMUnitTest tests[sizeof(fixtures) / sizeof(fixtures[0])];

	bpft_fill_tests(tests, fixtures, sizeof(fixtures) / sizeof(fixtures[0]));
	return cmocka_run_group_tests_name("ct_state", tests, NULL, NULL);
}

int main(void)
{
	return bpft_main(run);
}
