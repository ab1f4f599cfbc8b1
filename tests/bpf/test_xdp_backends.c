// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * steer_xdp fixtures (docs/datapath.md, "steer_xdp"), backends: draining,
 * down and removed backends (re-steering), non-SYN misses, and the Maglev
 * pick (slot = flow hash, family check and probing).
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

static const uint8_t all_active[BPFT_NBACKENDS + 1] = {
	0, STEER_BACKEND_ACTIVE, STEER_BACKEND_ACTIVE, STEER_BACKEND_ACTIVE,
	STEER_BACKEND_ACTIVE, STEER_BACKEND_ACTIVE, STEER_BACKEND_ACTIVE,
	STEER_BACKEND_ACTIVE, STEER_BACKEND_ACTIVE,
};

/* ---- setup and hooks ---- */

static void drain_a(void)
{
	assert_int_equal(dp_backend_state_set(bpft.dp, BE4_A, STEER_BACKEND_DRAINING), 0);
	assert_int_equal(dp_backend_state_set(bpft.dp, BE6_A, STEER_BACKEND_DRAINING), 0);
}

/* Failed health within steerd's down_grace_ms; the tables already moved to B. */
static void failing_a_tables_to_b(void)
{
	tables_to_b();
	assert_int_equal(dp_backend_state_set(bpft.dp, BE4_A, STEER_BACKEND_FAILING), 0);
	assert_int_equal(dp_backend_state_set(bpft.dp, BE6_A, STEER_BACKEND_FAILING), 0);
}

/*
 * A removed (what steerd writes when a backend leaves the policy: state
 * UNUSED, address kept so the flow's reverse entry can be found; a slot
 * zeroed by hand is covered on the TC side, which drops the stale entry).
 */
static void unused_a_tables_to_b(void)
{
	tables_to_b();
	assert_int_equal(dp_backend_state_set(bpft.dp, BE4_A, STEER_BACKEND_UNUSED), 0);
	assert_int_equal(dp_backend_state_set(bpft.dp, BE6_A, STEER_BACKEND_UNUSED), 0);
}

/* After a re-steer from A to B, A's reverse entry is gone (replaced). */
static void expect_rct_gone(const struct bpft_flow *f, uint32_t be)
{
	struct steer_rct r;
	int err = bpft_rct_get(f, 0, be, &r);

	if (err != -ENOENT)
		fail_msg("re-steered flow: the old backend %u's rct entry is still there (lookup "
			 "%d); docs/datapath.md: \"the reverse entry is replaced\"",
			 be, err);
}

static void expect_rct_a_gone(void)
{
	expect_rct_gone(&F4_TCP, BE4_A);
}

static void expect_rct6_a_gone(void)
{
	expect_rct_gone(&F6_TCP, BE6_A);
}

/*
 * Draining with probing: table 1 is all A except the slot probed right
 * after port 40002's own slot, which is B; A drains, so port 40002's
 * SYN must go to B through the probe.
 */
static void setup_drain_probe(void)
{
	uint32_t t[BPFT_M], s2, sb, i;

	s2 = bpft_slot(&F4_TCP, 40002);
	sb = (s2 + 7919) % BPFT_M;
	for (i = 0; i < BPFT_M; i++)
		t[i] = BE4_A;
	t[sb] = BE4_B;
	/* port 40001 (the established flow) must not land on that slot */
	assert_int_not_equal(bpft_slot(&F4_TCP, 40001), sb);
	bpft_table_set(1, t);
}

/* ---- custom fixtures ---- */

/*
 * The Maglev slot is really the flow hash: with a table alternating two
 * backends, each of 200 client ports lands exactly where
 * steer_flow_hash(key, seed) % M says, and both backends get > 25%.
 */
static void check_hash_spread(void)
{
	uint32_t t[BPFT_M], n[BPFT_NBACKENDS + 1] = { 0 }, i;
	char ctx[96];

	for (i = 0; i < BPFT_M; i++)
		t[i] = (i & 1) ? BE4_B : BE4_A;
	bpft_table_set(1, t);
	for (i = 0; i < 200; i++) {
		uint16_t port = (uint16_t)(30000 + i);
		uint32_t be = bpft_model_pick(t, &F4_TCP, port, all_active);
		struct bpft_step st = { .what = "SYN", XDP(F4_TCP), .cport = port, SYN, NEW(be) };

		snprintf(ctx, sizeof(ctx), "hash_spread [port %u -> backend %u]", port, be);
		bpft_run_step(&st, ctx);
		n[be]++;
	}
	print_message("hash_spread: backend A %u, backend B %u of 200\n", n[BE4_A], n[BE4_B]);
	assert_true(n[BE4_A] > 50);
	assert_true(n[BE4_B] > 50);
}

/*
 * Family check and probing: a table alternating an IPv4 and an IPv6
 * backend; each flow gets what the model of step 5 says (its family's
 * backend through up to 3 probes, or drop_no_backend).
 */
static void check_mixed_family_probe(void)
{
	uint32_t t[BPFT_M], i, hit = 0, miss = 0;
	char ctx[96];
	int fam;

	for (i = 0; i < BPFT_M; i++)
		t[i] = (i & 1) ? BE6_A : BE4_A;
	bpft_table_set(1, t);
	bpft_table_set(2, t);
	for (fam = 4; fam <= 6; fam += 2) {
		const struct bpft_flow *f = fam == 4 ? &F4_TCP : &F6_TCP;

		for (i = 0; i < 64; i++) {
			uint16_t port = (uint16_t)(32000 + i);
			uint32_t be = bpft_model_pick(t, f, port, all_active);
			struct bpft_step st = { .what = "SYN", .hook = HOOK_XDP, .flow = f,
						.cport = port, SYN };

			if (be) {
				st.backend = be;
				st.verdict = V_XDP_REDIRECT;
				st.out = OUT_NAT_FIB;
				st.ct = CT_ENTRY;
				st.new_flow = 1;
				hit++;
			} else {
				st.verdict = V_XDP_DROP;
				st.reason = STEER_R_DROP_NO_BACKEND;
				st.out = OUT_SAME;
				st.ct = CT_NONE;
				miss++;
			}
			snprintf(ctx, sizeof(ctx), "mixed_family_probe [IPv%d port %u -> %u]", fam,
				 port, be);
			bpft_run_step(&st, ctx);
		}
	}
	print_message("mixed_family_probe: %u steered, %u drop_no_backend\n", hit, miss);
	assert_true(hit > 0);
}

/*
 * Non-SYN misses follow the table by the flow hash (what lets a second
 * gateway with the same table agree): with a table alternating two
 * backends, each mid-stream ACK goes where the model says.
 */
static void check_nonsyn_miss_hash(void)
{
	uint32_t t[BPFT_M], i;
	char ctx[96];

	for (i = 0; i < BPFT_M; i++)
		t[i] = (i % 3) ? BE4_B : BE4_A;
	bpft_table_set(1, t);
	for (i = 0; i < 40; i++) {
		uint16_t port = (uint16_t)(33000 + i);
		uint32_t be = bpft_model_pick(t, &F4_TCP, port, all_active);
		struct bpft_step st = { .what = "ACK miss", XDP(F4_TCP), .cport = port, ACK,
					FWD(be), .reason = STEER_R_EV_NONSYN_MISS,
					.new_flow = ANY, .ct_flags = STEER_CT_F_NONSYN };

		snprintf(ctx, sizeof(ctx), "nonsyn_miss_hash [port %u -> backend %u]", port, be);
		bpft_run_step(&st, ctx);
	}
}

/* ---- the table ---- */

static const struct bpft_fixture fixtures[] = {
	/* -- backend states -- */
	{ .name = "v4_draining_keeps_flow_no_new",
	  .steps = { { .what = "SYN -> A", XDP(F4_TCP), SYN, NEW(BE4_A) },
		     { .what = "A draining: flow stays", .before = drain_a, XDP(F4_TCP), ACK,
		       FWD(BE4_A) },
		     { .what = "new flow, table only A", XDP(F4_TCP), .cport = 40001, SYN,
		       DROP(STEER_R_DROP_NO_BACKEND), .ct = CT_NONE } } },
	{ .name = "v6_draining_keeps_flow_no_new",
	  .steps = { { .what = "SYN -> A", XDP(F6_TCP), SYN, NEW(BE6_A) },
		     { .what = "A draining: flow stays", .before = drain_a, XDP(F6_TCP), ACK,
		       FWD(BE6_A) },
		     { .what = "new flow, table only A", XDP(F6_TCP), .cport = 40001, SYN,
		       DROP(STEER_R_DROP_NO_BACKEND), .ct = CT_NONE } } },
	{ .name = "v4_draining_new_flow_probes_next_slot",
	  .setup = setup_drain_probe,
	  .steps = { { .what = "SYN -> A", XDP(F4_TCP), .cport = 40001, SYN, NEW(BE4_A) },
		     { .what = "A draining: flow stays", .before = drain_a, XDP(F4_TCP),
		       .cport = 40001, ACK, FWD(BE4_A) },
		     { .what = "new flow's slot is A: probe -> B", XDP(F4_TCP), .cport = 40002,
		       SYN, NEW(BE4_B) } } },
	{ .name = "v4_down_backend_resteered",
	  .steps = { { .what = "SYN -> A", XDP(F4_TCP), SYN, NEW(BE4_A) },
		     { .what = "A down, table B: next packet -> B", .before = down_a_tables_to_b,
		       XDP(F4_TCP), ACK, FWD(BE4_B), .reason = STEER_R_EV_RESTEER_DOWN,
		       .new_flow = ANY, .resteer_from = BE4_A, .ct_flags_any = true,
		       .after = expect_rct_a_gone } } },
	{ .name = "v6_down_backend_resteered",
	  .steps = { { .what = "SYN -> A", XDP(F6_TCP), SYN, NEW(BE6_A) },
		     { .what = "A down, table B: next packet -> B", .before = down_a_tables_to_b,
		       XDP(F6_TCP), ACK, FWD(BE6_B), .reason = STEER_R_EV_RESTEER_DOWN,
		       .new_flow = ANY, .resteer_from = BE6_A, .ct_flags_any = true,
		       .after = expect_rct6_a_gone } } },
	/* failing health (grace): TCP flows stay (re-steering can't save a TCP
	 * connection), new flows go elsewhere, UDP flows re-steer at once */
	{ .name = "v4_failing_keeps_tcp_flow_no_new",
	  .steps = { { .what = "SYN -> A", XDP(F4_TCP), SYN, NEW(BE4_A) },
		     { .what = "A failing, table B: flow stays on A",
		       .before = failing_a_tables_to_b, XDP(F4_TCP), ACK, FWD(BE4_A) },
		     { .what = "new flow -> B", XDP(F4_TCP), .cport = 40001, SYN,
		       NEW(BE4_B) } } },
	{ .name = "v6_failing_keeps_tcp_flow_no_new",
	  .steps = { { .what = "SYN -> A", XDP(F6_TCP), SYN, NEW(BE6_A) },
		     { .what = "A failing, table B: flow stays on A",
		       .before = failing_a_tables_to_b, XDP(F6_TCP), ACK, FWD(BE6_A) },
		     { .what = "new flow -> B", XDP(F6_TCP), .cport = 40001, SYN,
		       NEW(BE6_B) } } },
	{ .name = "v4_failing_udp_resteered",
	  .steps = { { .what = "UDP -> A", XDP(F4_UDP), NEW(BE4_A) },
		     { .what = "A failing, table B: UDP -> B", .before = failing_a_tables_to_b,
		       XDP(F4_UDP), FWD(BE4_B), .reason = STEER_R_EV_RESTEER_DOWN,
		       .new_flow = ANY, .resteer_from = BE4_A, .ct_flags_any = true } } },
	{ .name = "v4_unused_backend_resteered",
	  .steps = { { .what = "SYN -> A", XDP(F4_TCP), SYN, NEW(BE4_A) },
		     { .what = "A removed, table B: -> B", .before = unused_a_tables_to_b,
		       XDP(F4_TCP), ACK, FWD(BE4_B), .reason = STEER_R_EV_RESTEER_DOWN,
		       .new_flow = ANY, .resteer_from = BE4_A, .ct_flags_any = true,
		       .after = expect_rct_a_gone } } },
	{ .name = "v4_down_backend_nothing_left",
	  .steps = { { .what = "SYN -> A", XDP(F4_TCP), SYN, NEW(BE4_A) },
		     /* counting a failed re-steer as "rejected" is not specified */
		     { .what = "A down, table only A", .before = down_a, XDP(F4_TCP), ACK,
		       DROP(STEER_R_DROP_NO_BACKEND), .skip_stats = true } } },

	/* -- non-SYN misses -- */
	{ .name = "v4_nonsyn_miss_table_steered",
	  .steps = { { .what = "ACK, no entry", XDP(F4_TCP), ACK, .payload_len = 20, FWD(BE4_A),
		       .reason = STEER_R_EV_NONSYN_MISS, .new_flow = ANY,
		       .ct_flags = STEER_CT_F_NONSYN },
		     { .what = "next ACK: a hit now", XDP(F4_TCP), ACK, FWD(BE4_A),
		       .ct_flags = STEER_CT_F_NONSYN } } },
	{ .name = "v6_nonsyn_miss_table_steered",
	  .steps = { { .what = "ACK, no entry", XDP(F6_TCP), ACK, FWD(BE6_A),
		       .reason = STEER_R_EV_NONSYN_MISS, .new_flow = ANY,
		       .ct_flags = STEER_CT_F_NONSYN } } },
	{ .name = "nonsyn_miss_follows_flow_hash", .check = check_nonsyn_miss_hash },
	/* a SYN+ACK with no entry: tests/bpf/test_xdp_flags.c (dropped) */

	/* -- the Maglev pick -- */
	{ .name = "maglev_slot_is_flow_hash", .check = check_hash_spread },
	{ .name = "maglev_family_check_and_probe", .check = check_mixed_family_probe },
};

int main(void)
{
	return BPFT_MAIN("steer_xdp_backends", fixtures);
}
