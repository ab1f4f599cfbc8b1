// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * steer_xdp fixtures (docs/datapath.md, "steer_xdp"), tenants: the
 * default tenant, classes (missing, of the other family, without a table),
 * no configuration, and admission (rate, burst, max_conns).
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

static void setup_no_config(void)
{
	struct steer_config c = { 0 };
	int fd = dp_map_fd(bpft.dp, DP_MAP_CONFIG);
	uint32_t k = 0;

	/* the loader refuses maglev_size 0; write the raw map */
	assert_true(fd >= 0);
	assert_int_equal(bpf_map_update_elem(fd, &k, &c, BPF_ANY), 0);
}

static void setup_reject_default(void)
{
	struct steer_class c4 = { .class_id = CLASS_T0_V4, .table_id = 3,
				  .action = STEER_ACTION_REJECT };
	struct steer_class c6 = { .class_id = CLASS_T0_V6, .table_id = 4,
				  .action = STEER_ACTION_REJECT };

	assert_int_equal(dp_class_set_family(bpft.dp, TENANT_DEF, TASK_V4, STEER_AF_INET,
						   &c4),
			 0);
	assert_int_equal(dp_class_set_family(bpft.dp, TENANT_DEF, TASK_V6, STEER_AF_INET6,
						   &c6),
			 0);
}

/* tenant 1's IPv6 task has a class for IPv4 flows only */
static void setup_v6_class_wrong_family(void)
{
	struct steer_class c = { .class_id = CLASS_T1_V6, .table_id = 2,
				 .action = STEER_ACTION_TABLE };

	assert_int_equal(dp_class_del_family(bpft.dp, TENANT_1, TASK_V6, STEER_AF_INET6),
			 0);
	assert_int_equal(dp_class_set_family(bpft.dp, TENANT_1, TASK_V6, STEER_AF_INET, &c),
			 0);
}

static void setup_class_no_table(void)
{
	/* a class pointing at a table that was never published */
	struct steer_class c = { .class_id = CLASS_T1_V4, .table_id = 9,
				 .action = STEER_ACTION_TABLE };

	assert_int_equal(dp_class_set_family(bpft.dp, TENANT_1, TASK_V4, STEER_AF_INET, &c),
			 0);
}

static void setup_rate_1_burst_2(void)
{
	struct steer_tenant_cfg c = { .rate = 1, .burst = 2 };

	assert_int_equal(dp_tenant_cfg_set(bpft.dp, TENANT_1, &c, true), 0);
}

static void setup_rate_2_burst_0(void)
{
	struct steer_tenant_cfg c = { .rate = 2, .burst = 0 };

	assert_int_equal(dp_tenant_cfg_set(bpft.dp, TENANT_1, &c, true), 0);
}

static void setup_max_conns_1_udp_idle_1ms(void)
{
	struct steer_tenant_cfg c = { .max_conns = 1 };

	assert_int_equal(dp_tenant_cfg_set(bpft.dp, TENANT_1, &c, true), 0);
	cfg_udp_idle(1000000);
}

/* ---- the table ---- */

static const struct bpft_fixture fixtures[] = {
	/* -- tenants and classes -- */
	{ .name = "v4_unknown_source_default_tenant",
	  .steps = { { .what = "SYN from no prefix", XDP(F4_ANON_TCP), SYN, NEW(BE4_B) } } },
	{ .name = "v6_unknown_source_default_tenant",
	  .steps = { { .what = "SYN from no prefix", XDP(F6_ANON_TCP), SYN, NEW(BE6_B) } } },
	{ .name = "v4_default_tenant_reject",
	  .setup = setup_reject_default,
	  .steps = { { .what = "SYN", XDP(F4_ANON_TCP), SYN, DROP(STEER_R_DROP_REJECT_POLICY),
		       .ct = CT_EMPTY } } },
	{ .name = "v6_default_tenant_reject",
	  .setup = setup_reject_default,
	  .steps = { { .what = "SYN", XDP(F6_ANON_UDP), DROP(STEER_R_DROP_REJECT_POLICY),
		       .ct = CT_EMPTY } } },
	{ .name = "v4_no_class",
	  .steps = { { .what = "SYN", XDP(F4_NOCLASS), SYN, DROP(STEER_R_DROP_NO_CLASS),
		       .ct = CT_EMPTY } } },
	{ .name = "v6_no_class",
	  .steps = { { .what = "SYN", XDP(F6_NOCLASS), SYN, DROP(STEER_R_DROP_NO_CLASS),
		       .ct = CT_EMPTY } } },
	{ .name = "v6_class_of_other_family_only",
	  .setup = setup_v6_class_wrong_family,
	  .steps = { { .what = "SYN", XDP(F6_TCP), SYN, DROP(STEER_R_DROP_NO_CLASS),
		       .ct = CT_EMPTY } } },
	{ .name = "v4_class_without_table",
	  .setup = setup_class_no_table,
	  .steps = { { .what = "SYN", XDP(F4_TCP), SYN, DROP(STEER_R_DROP_NO_BACKEND),
		       .ct = CT_EMPTY } } },
	{ .name = "no_config",
	  .setup = setup_no_config,
	  .steps = { { .what = "SYN", XDP(F4_TCP), SYN, DROP(STEER_R_DROP_NO_CONFIG),
		       .ct = CT_EMPTY },
		     { .what = "non-service still passes", XDP(F4_NOSVC), SYN,
		       PASS(STEER_R_PASS_NOT_SERVICE) } } },

	/* -- admission -- */
	{ .name = "admission_rate_1_burst_2",
	  .setup = setup_rate_1_burst_2,
	  .steps = { { .what = "SYN 1", XDP(F4_TCP), .cport = 40001, SYN, NEW(BE4_A) },
		     { .what = "SYN 2", XDP(F4_TCP), .cport = 40002, SYN, NEW(BE4_A) },
		     { .what = "SYN 3: bucket empty", XDP(F4_TCP), .cport = 40003, SYN,
		       DROP(STEER_R_DROP_ADMIT_RATE), .ct = CT_NONE },
		     { .what = "established flow unaffected", XDP(F4_TCP), .cport = 40001, ACK,
		       FWD(BE4_A) },
		     { .what = "non-SYN miss: no admission", XDP(F4_TCP), .cport = 40004, ACK,
		       FWD(BE4_A), .reason = STEER_R_EV_NONSYN_MISS, .new_flow = ANY,
		       .ct_flags = STEER_CT_F_NONSYN, .ct_flags_mask = STEER_CT_F_NONSYN },
		     { .what = "UDP new flow: bucket still empty", XDP(F4_UDP), .cport = 40005,
		       DROP(STEER_R_DROP_ADMIT_RATE), .ct = CT_NONE } } },
	{ .name = "admission_max_conns_1",
	  .setup = setup_max_conns_1,
	  .steps = { { .what = "SYN 1 admitted", XDP(F4_TCP), .cport = 40001, SYN, NEW(BE4_A),
		       .ct_flags = STEER_CT_F_COUNTED, .after = expect_active_1 },
		     { .what = "SYN 2 over the cap", XDP(F4_TCP), .cport = 40002, SYN,
		       DROP(STEER_R_DROP_ADMIT_CONC), .ct = CT_NONE, .after = expect_active_1 },
		     /* a client's RST may be bogus (the backend ignores it, the flow goes
		      * on): it marks the flow closing and frees nothing; the slot comes
		      * back at the closing timeout (steerd's sweep) or with a new SYN */
		     { .what = "client RST: closing, slot held", XDP(F4_TCP), .cport = 40001, RST,
		       FWD(BE4_A), .ct_flags = STEER_CT_F_RST_CLIENT,
		       .ct_flags_mask = STEER_CT_F_RST_CLIENT | STEER_CT_F_CLOSED,
		       .after = expect_active_1 },
		     { .what = "SYN 2 still over the cap", XDP(F4_TCP), .cport = 40002, SYN,
		       DROP(STEER_R_DROP_ADMIT_CONC), .ct = CT_NONE, .after = expect_active_1 },
		     { .what = "a new SYN on flow 1's tuple: the old slot back, the new admitted",
		       XDP(F4_TCP), .cport = 40001, SYN, NEW(BE4_A), .closed = 1,
		       .reason = STEER_R_EV_CT_REUSE, .ct_flags = STEER_CT_F_COUNTED,
		       .after = expect_active_1 },
		     { .what = "backend RST closes it: the slot back", TC(F4_TCP), .cport = 40001,
		       RST, REPLY(BE4_A), .closed = 1,
		       .ct_flags = STEER_CT_F_RST | STEER_CT_F_CLOSED,
		       .ct_flags_mask = STEER_CT_F_RST | STEER_CT_F_CLOSED,
		       .after = expect_active_0 },
		     { .what = "SYN 2 admitted now", XDP(F4_TCP), .cport = 40002, SYN, NEW(BE4_A),
		       .ct_flags = STEER_CT_F_COUNTED, .after = expect_active_1 } } },
	{ .name = "admission_bucket_refills",
	  .setup = setup_rate_1_burst_1,
	  .steps = { { .what = "SYN 1", XDP(F4_TCP), .cport = 40001, SYN, NEW(BE4_A) },
		     { .what = "SYN 2: empty", XDP(F4_TCP), .cport = 40002, SYN,
		       DROP(STEER_R_DROP_ADMIT_RATE), .ct = CT_NONE },
		     { .what = "1.1 s later: one token back", .sleep_ms = 1100, XDP(F4_TCP),
		       .cport = 40002, SYN, NEW(BE4_A) },
		     { .what = "and only one", XDP(F4_TCP), .cport = 40003, SYN,
		       DROP(STEER_R_DROP_ADMIT_RATE), .ct = CT_NONE } } },
	{ .name = "admission_burst_0_means_rate",
	  .setup = setup_rate_2_burst_0,
	  .steps = { { .what = "SYN 1", XDP(F4_TCP), .cport = 40001, SYN, NEW(BE4_A) },
		     { .what = "SYN 2", XDP(F4_TCP), .cport = 40002, SYN, NEW(BE4_A) },
		     { .what = "SYN 3: bucket of 2 empty", XDP(F4_TCP), .cport = 40003, SYN,
		       DROP(STEER_R_DROP_ADMIT_RATE), .ct = CT_NONE } } },
	{ .name = "admission_resteer_not_admitted",
	  .setup = setup_max_conns_1,
	  .steps = { { .what = "SYN admitted", XDP(F4_TCP), SYN, NEW(BE4_A),
		       .ct_flags = STEER_CT_F_COUNTED, .after = expect_active_1 },
		     { .what = "A down: re-steer at the cap still goes", .before = down_a_tables_to_b,
		       XDP(F4_TCP), ACK, FWD(BE4_B), .reason = STEER_R_EV_RESTEER_DOWN,
		       .new_flow = ANY, .resteer_from = BE4_A, .ct_flags = STEER_CT_F_COUNTED,
		       .ct_flags_mask = STEER_CT_F_COUNTED, .after = expect_active_1 } } },
	{ .name = "admission_udp_expiry_frees_slot",
	  .setup = setup_max_conns_1_udp_idle_1ms,
	  .steps = { { .what = "UDP admitted", XDP(F4_UDP), NEW(BE4_A),
		       .ct_flags = STEER_CT_F_COUNTED, .after = expect_active_1 },
		     { .what = "other UDP flow over the cap", XDP(F4_UDP), .cport = 40002,
		       DROP(STEER_R_DROP_ADMIT_CONC), .ct = CT_NONE },
		     { .what = "idle: expired, slot freed, admitted again", .sleep_ms = 20,
		       XDP(F4_UDP), NEW(BE4_A), .reason = STEER_R_EV_UDP_EXPIRED,
		       .old_closed = BE4_A, .ct_flags = STEER_CT_F_COUNTED,
		       .after = expect_active_1 } } },
	{ .name = "admission_nonsyn_miss_bypasses_empty_bucket",
	  .setup = setup_rate_1_burst_1,
	  .steps = { { .what = "SYN 1 takes the only token", XDP(F4_TCP), .cport = 40001, SYN,
		       NEW(BE4_A) },
		     { .what = "SYN 2 dropped", XDP(F4_TCP), .cport = 40002, SYN,
		       DROP(STEER_R_DROP_ADMIT_RATE), .ct = CT_NONE },
		     { .what = "ACK miss steered anyway", XDP(F4_TCP), .cport = 40002, ACK,
		       FWD(BE4_A), .reason = STEER_R_EV_NONSYN_MISS, .new_flow = ANY,
		       .ct_flags = STEER_CT_F_NONSYN, .ct_flags_mask = STEER_CT_F_NONSYN } } },
};

int main(void)
{
	return BPFT_MAIN("steer_xdp_tenants", fixtures);
}
