// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * ct_hint (include/steer_ct_hint.h): once steerd's sweep has rebuilt it, a
 * SYN whose key it has never seen skips the ct and ct_syn lookups; every
 * key XDP writes, and every key a sweep pass finds, is seen, so a SYN on
 * a live, closed or half-open entry still finds it.
 */
#include <bpf/bpf.h>

#include "bpftest_xdp.h"
#include "steer_ct_hint.h"

#define FIN_BOTH (STEER_CT_F_FIN_CLIENT | STEER_CT_F_FIN_BACKEND | STEER_CT_F_CLOSED)

/* one pass of steerd's sweep, nothing expiring: the hint rebuilt, trusted;
 * the slots it set */
static uint64_t sweep_pass(void)
{
	uint64_t set = ~0ull;

	assert_int_equal(bpft_sweep_pass(&set), 0);
	return set;
}

static void hint_rebuild(void)
{
	sweep_pass();
}

static struct steer_ct_hint_ctl hint_ctl(void)
{
	struct steer_ct_hint_ctl c;

	assert_int_equal(dp_ct_hint_ctl_get(bpft.dp, &c), 0);
	return c;
}

/* a CLOSED entry of F4_TCP's default tuple written from userspace: its
 * hint bits are not set (the sweep's next pass sets them) */
static void plant_closed(void)
{
	struct steer_flow_key k;
	struct steer_ct e = { .backend_id = BE4_A, .tenant = TENANT_1,
			      .flags = STEER_CT_F_ESTABLISHED | STEER_CT_F_CLOSED };

	bpft_ct_key(&F4_TCP, F4_TCP.cport, &k);
	e.created_ns = e.last_ns = bpft_now_ns();
	assert_int_equal(bpf_map_update_elem(bpft.ct_fd, &k, &e, BPF_ANY), 0);
}

static void hint_on_empty(void)
{
	hint_rebuild();
	assert_int_equal(hint_ctl().on, 1);
}

/* the SYN took the planted entry for absent: its own went to ct_syn */
static void planted_skipped(void)
{
	struct steer_ct e;

	assert_int_equal(bpft_map_count(bpft.ct_syn_fd), 1);
	assert_int_equal(bpft_map_count(bpft.ct_fd), 1);
	assert_int_equal(bpft_ct_get(&F4_TCP, 0, &e), 0);
	assert_true(e.flags & STEER_CT_F_CLOSED);
}

/* the hint trusted, and tenant 1's bucket of 1 SYN a second */
static void hint_on_rate_1(void)
{
	hint_on_empty();
	setup_rate_1_burst_1();
}

/* Is the slot of F4_TCP's tuple from port cport "maybe" in the trusted
 * generation? */
static bool slot_maybe(const struct bpft_flow *f, uint16_t cport)
{
	struct steer_flow_key k;
	const struct dp_ct_hint *w = dp_ct_hint_get(bpft.dp);

	assert_non_null(w);
	bpft_ct_key(f, cport, &k);
	return dp_ct_hint_maybe(w, &k, hint_ctl().gen);
}

/* a refused SYN wrote no entry, and left its slot clear: a flood of them
 * keeps the hint's "absent" (each looks nothing up) */
static void refused_slots_clear(void)
{
	assert_true(slot_maybe(&F4_TCP, 40001)); /* the admitted one's */
	assert_false(slot_maybe(&F4_TCP, 40002));
	assert_false(slot_maybe(&F4_NOCLASS, 40003));
}

static void check_rebuild_clears_gone_keys(void)
{
	struct steer_flow_key gone, kept;
	struct steer_ct_hint_ctl c0, c1;
	uint32_t s0, s1;
	const struct dp_ct_hint *w = dp_ct_hint_get(bpft.dp);
	uint8_t pkt[PKT_MAX];
	struct pkt_spec spec;
	struct pkt_layout lay;
	struct bpft_result res;
	size_t len;
	int i;

	assert_non_null(w);
	hint_rebuild();
	c0 = hint_ctl();
	bpft_ct_key(&F4_TCP, 41001, &gone);
	bpft_ct_key(&F4_TCP, 41002, &kept);
	assert_int_not_equal(steer_ct_hint_word(&gone, w->words, &s0) * 64 + s0,
			     steer_ct_hint_word(&kept, w->words, &s1) * 64 + s1);
	/* two SYNs: XDP sets both generations' bits of each key */
	for (i = 0; i < 2; i++) {
		struct bpft_step st = { XDP(F4_TCP), SYN, .cport = (uint16_t)(41001 + i) };

		len = bpft_step_packet(&st, &spec, pkt, &lay);
		assert_int_equal(bpft_prog_run(HOOK_XDP, pkt, len, &res), 0);
		assert_int_equal(res.verdict, XDP_REDIRECT);
	}
	assert_true(dp_ct_hint_maybe(w, &gone, 0) && dp_ct_hint_maybe(w, &gone, 1));
	assert_true(dp_ct_hint_maybe(w, &kept, 0) && dp_ct_hint_maybe(w, &kept, 1));
	/* one flow goes (the LRU, or an expiry): the next pass rebuilds the
	 * other generation without it, and XDP trusts that one */
	assert_int_equal(bpf_map_delete_elem(bpft.ct_syn_fd, &gone), 0);
	assert_int_equal(sweep_pass(), 1); /* the slots set: the one kept key's */
	c1 = hint_ctl();
	assert_int_equal(c1.on, 1);
	assert_int_equal(c1.gen, !c0.gen);
	assert_false(dp_ct_hint_maybe(w, &gone, c1.gen));
	assert_true(dp_ct_hint_maybe(w, &kept, c1.gen));
}

static const struct bpft_fixture fixtures[] = {
	/* a key the hint never saw: the SYN is a new flow without a lookup
	 * (an entry userspace wrote is not looked at), until a sweep pass
	 * has seen that entry: then the SYN finds it (a reuse) */
	{ .name = "hint_skips_keys_it_never_saw",
	  .setup = hint_on_empty,
	  .steps = { { .what = "SYN, a planted closed entry unseen: new flow in ct_syn",
		       .before = plant_closed, XDP(F4_TCP), SYN, .backend = BE4_A,
		       .verdict = V_XDP_REDIRECT, .out = OUT_NAT_FIB, .new_flow = 1,
		       .ct = CT_DONTCARE, .after = planted_skipped },
		     { .what = "after a sweep pass: the SYN finds the planted entry",
		       .before = hint_rebuild, XDP(F4_TCP), SYN, NEW(BE4_A), .closed = ANY,
		       .ct_flags_any = true, .reason = STEER_R_EV_CT_REUSE } } },
	/* the whole life of a flow with the hint trusted: every entry XDP
	 * wrote is found again */
	{ .name = "hint_on_flow_life_unchanged",
	  .setup = hint_on_empty,
	  .steps = { { .what = "SYN", XDP(F4_TCP), SYN, NEW(BE4_A) },
		     { .what = "SYN again: the half-open entry", .before = tables_to_b,
		       XDP(F4_TCP), SYN, FWD(BE4_A) },
		     { .what = "backend SYN+ACK", TC(F4_TCP), SYNACK, REPLY(BE4_A),
		       .ct_flags = STEER_CT_F_SYNACK, .ct_flags_mask = STEER_CT_F_SYNACK },
		     { .what = "client ACK", XDP(F4_TCP), ACK, FWD(BE4_A), .ct_flags_any = true },
		     { .what = "client FIN", XDP(F4_TCP), FINACK, FWD(BE4_A),
		       .ct_flags_any = true },
		     { .what = "backend FIN closes", TC(F4_TCP), FINACK, REPLY(BE4_A), .closed = 1,
		       .ct_flags = FIN_BOTH, .ct_flags_mask = FIN_BOTH },
		     { .what = "SYN on the closed entry: found, a new flow", XDP(F4_TCP), SYN,
		       NEW(BE4_B), .resteer_from = BE4_A, .ct_flags_any = true,
		       .reason = STEER_R_EV_CT_REUSE } } },
	/* refused SYNs (admission, no class) set no bits; the next SYN of the
	 * same tuple, once admitted, is still a new flow */
	{ .name = "hint_refused_syn_sets_nothing",
	  .setup = hint_on_rate_1,
	  .steps = { { .what = "SYN 1 takes the only token", XDP(F4_TCP), .cport = 40001, SYN,
		       NEW(BE4_A) },
		     { .what = "SYN 2: bucket empty", XDP(F4_TCP), .cport = 40002, SYN,
		       DROP(STEER_R_DROP_ADMIT_RATE), .ct = CT_NONE },
		     { .what = "SYN to a task with no class", XDP(F4_NOCLASS), .cport = 40003, SYN,
		       DROP(STEER_R_DROP_NO_CLASS), .ct = CT_NONE, .after = refused_slots_clear },
		     { .what = "SYN 2 again, 1.1 s later: admitted, a new flow", .sleep_ms = 1100,
		       XDP(F4_TCP), .cport = 40002, SYN, NEW(BE4_A) } } },
	{ .name = "hint_rebuild_clears_gone_keys", .check = check_rebuild_clears_gone_keys },
};

int main(void)
{
	return BPFT_MAIN("ct_hint", fixtures);
}
