// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * steerd's conntrack sweep (dp_ct_sweep) against the real ct and rct maps,
 * with time passed in: expired entries go with their reverse entries, live
 * ones stay and are counted; a pass runs across calls within its budget; a
 * tenant's admission count is set from the truth.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <cmocka.h>
#include <bpf/bpf.h>

#include "bpftest_run.h"

#define S 1000000000ULL
#define NOW (1000000 * S)

static const struct dp_ct_timeouts T = {
	.handshake_ns = 60 * S,
	.established_ns = 6 * 3600 * S,
	.closing_ns = 10 * S,
	.udp_ns = 30 * S,
};

/* One flow of tenant 1 to backend BE4_A, client port cport, last seen idle s ago. */
static void put_flow(uint16_t cport, uint32_t flags, uint64_t idle)
{
	struct steer_flow_key k, rk;
	struct steer_ct e = { .backend_id = BE4_A, .tenant = TENANT_1, .class_id = CLASS_T1_V4,
			      .flags = flags, .created_ns = NOW - idle, .last_ns = NOW - idle };
	struct steer_rct r = { .vport = htons(PORT_TCP), .backend_id = BE4_A,
			       .tenant = TENANT_1 };

	memcpy(r.vip, A_VIP4, 16);
	bpft_ct_key(&F4_TCP, cport, &k);
	bpft_rct_key(&F4_TCP, cport, BE4_A, &rk);
	assert_int_equal(bpf_map_update_elem(bpft.rct_fd, &rk, &r, BPF_ANY), 0);
	assert_int_equal(bpf_map_update_elem(bpft.ct_fd, &k, &e, BPF_ANY), 0);
}

static bool has_flow(uint16_t cport)
{
	struct steer_ct e;
	struct steer_rct r;
	bool ct = !bpft_ct_get(&F4_TCP, cport, &e), rct = !bpft_rct_get(&F4_TCP, cport, BE4_A, &r);

	assert_int_equal(ct, rct); /* an entry never outlives its pair */
	return ct;
}

#define EST (STEER_CT_F_SYNACK | STEER_CT_F_ESTABLISHED | STEER_CT_F_COUNTED)

static void test_sweep_expires_by_state(void **state)
{
	struct dp_ct_sweep s = { 0 };

	(void)state;
	put_flow(1001, STEER_CT_F_COUNTED, 61 * S);		/* half-open, stale: goes */
	put_flow(1002, STEER_CT_F_COUNTED, 5 * S);		/* half-open, fresh: stays */
	put_flow(1003, EST, 3600 * S);				/* quiet stream: stays */
	put_flow(1004, EST, 7 * 3600 * S);			/* idle 7 h: goes */
	put_flow(1005, EST | STEER_CT_F_FIN_CLIENT, 11 * S);	/* closing, stale: goes */
	put_flow(1006, STEER_CT_F_RST | STEER_CT_F_CLOSED, 2 * S); /* closed, fresh: stays */
	assert_int_equal(dp_ct_sweep(bpft.dp, &s, &T, NOW, 100000), 1);
	assert_false(has_flow(1001));
	assert_true(has_flow(1002));
	assert_true(has_flow(1003));
	assert_false(has_flow(1004));
	assert_false(has_flow(1005));
	assert_true(has_flow(1006));
	assert_int_equal(s.last->entries, 3);
	assert_int_equal(s.last->expired, 3);
	/* what the table holds after the pass, per table (ct_syn is empty here) */
	assert_int_equal(s.last->table_entries[0], 3);
	assert_int_equal(s.last->table_entries[1], 0);
	assert_int_equal(s.last->by_state[DP_CT_HANDSHAKE], 1);
	assert_int_equal(s.last->by_state[DP_CT_ESTABLISHED], 1);
	assert_int_equal(s.last->by_state[DP_CT_CLOSED], 1);
	/* the backend's load is the one established flow, not the half-open one */
	assert_int_equal(s.last->established[BE4_A], 1);
	/* the bounded load counts the open ones, half-open too: 1002 and 1003 */
	assert_int_equal(s.last->open_by_backend[BE4_A], 2);
	/* the tenant holds two slots: the fresh half-open and the quiet stream */
	assert_int_equal(s.last->open[TENANT_1], 2);
	dp_ct_sweep_free(&s);
}

/* A pass larger than the budget runs over several calls and counts each entry once. */
static void test_sweep_in_batches(void **state)
{
	struct dp_ct_sweep s = { 0 };
	int r, calls = 0;
	uint16_t p;

	(void)state;
	for (p = 0; p < 3000; p++)
		put_flow(10000 + p, p % 3 ? EST : STEER_CT_F_COUNTED, p % 3 ? 1 * S : 120 * S);
	do {
		r = dp_ct_sweep(bpft.dp, &s, &T, NOW, 500);
		assert_true(r >= 0);
		calls++;
	} while (r == 0 && calls < 100);
	assert_int_equal(r, 1);
	assert_true(calls >= 4);
	assert_int_equal(s.last->expired, 1000);
	assert_int_equal(s.last->entries, 2000);
	assert_int_equal(s.last->table_entries[0], 2000);
	assert_int_equal(s.last->established[BE4_A], 2000);
	assert_int_equal(bpft_map_count(bpft.ct_fd), 2000);
	assert_int_equal(bpft_map_count(bpft.rct_fd), 2000);
	/* the next pass starts over and finds the same truth, nothing to expire */
	do
		r = dp_ct_sweep(bpft.dp, &s, &T, NOW, 100000);
	while (r == 0);
	assert_int_equal(s.last->expired, 0);
	assert_int_equal(s.last->entries, 2000);
	assert_int_equal(s.passes, 2);
	dp_ct_sweep_free(&s);
}

/*
 * A handshake that ends during a pass (its entry moves from ct_syn to ct
 * between two calls) is counted, never missed: a pass's counts are never
 * below the truth, so steerd may lower tenant and backend counts to them
 * (datapath.md, "Conntrack states and the sweep"). Sweeping ct before
 * ct_syn missed it.
 */
static void test_sweep_counts_a_flow_moving_to_ct(void **state)
{
	struct steer_ct e = { .backend_id = BE4_A, .tenant = TENANT_1, .class_id = CLASS_T1_V4,
			      .flags = STEER_CT_F_COUNTED | STEER_CT_F_EMBRYONIC,
			      .created_ns = NOW, .last_ns = NOW };
	struct dp_ct_sweep s = { 0 };
	struct steer_flow_key k;
	uint16_t p;
	int r, calls = 0;

	(void)state;
	for (p = 0; p < 300; p++)
		put_flow(20000 + p, EST, 1 * S);
	bpft_ct_key(&F4_TCP, 30000, &k);
	assert_int_equal(bpf_map_update_elem(bpft.ct_syn_fd, &k, &e, BPF_ANY), 0);
	do {
		r = dp_ct_sweep(bpft.dp, &s, &T, NOW, 300);
		assert_true(r >= 0);
		if (calls++ == 0) { /* the client's ACK: the flow moves to ct */
			e.flags = (e.flags | STEER_CT_F_ESTABLISHED) & ~STEER_CT_F_EMBRYONIC;
			assert_int_equal(bpf_map_update_elem(bpft.ct_fd, &k, &e, BPF_ANY), 0);
			assert_int_equal(bpf_map_delete_elem(bpft.ct_syn_fd, &k), 0);
		}
	} while (r == 0 && calls < 100);
	assert_int_equal(r, 1);
	assert_true(calls >= 2);
	print_message("moving flow: %u open on the backend, %u slots of the tenant (301 live)\n",
		      s.last->open_by_backend[BE4_A], s.last->open[TENANT_1]);
	assert_true(s.last->open_by_backend[BE4_A] >= 301);
	assert_true(s.last->open[TENANT_1] >= 301);
	dp_ct_sweep_free(&s);
}

static void test_tenant_active(void **state)
{
	(void)state;
	assert_int_equal(dp_tenant_active_set(bpft.dp, TENANT_1, 5), 1);
	assert_int_equal(dp_tenant_active_get(bpft.dp, TENANT_1), 5);
	assert_int_equal(dp_tenant_active_set(bpft.dp, TENANT_1, 5), 0);
	assert_int_equal(bpft_tenant_active(TENANT_1), 5);
	assert_int_equal(dp_tenant_active_set(bpft.dp, TENANT_1, 0), 1);
}

static int run(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_sweep_expires_by_state, bpft_reset),
		cmocka_unit_test_setup(test_sweep_in_batches, bpft_reset),
		cmocka_unit_test_setup(test_sweep_counts_a_flow_moving_to_ct, bpft_reset),
		cmocka_unit_test_setup(test_tenant_active, bpft_reset),
	};

	return cmocka_run_group_tests_name("ct_sweep", tests, NULL, NULL);
}

int main(void)
{
	return bpft_main(run);
}
