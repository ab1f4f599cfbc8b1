// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Hooks (setup, before and after a step) shared by the steer_xdp fixtures
 * (tests/bpf/test_xdp_*.c, bpftest_xdp.h).
 */
#include <stdint.h>

#include "bpftest_xdp.h"

void cfg_udp_idle(uint64_t ns)
{
	struct steer_config c;

	assert_int_equal(dp_config_get(bpft.dp, &c), 0);
	c.udp_idle_ns = ns;
	assert_int_equal(dp_config_set(bpft.dp, &c), 0);
}

void tables_to_b(void)
{
	bpft_table_fill(1, BE4_B);
	bpft_table_fill(2, BE6_B);
}

void down_a(void)
{
	assert_int_equal(dp_backend_state_set(bpft.dp, BE4_A, STEER_BACKEND_DOWN), 0);
	assert_int_equal(dp_backend_state_set(bpft.dp, BE6_A, STEER_BACKEND_DOWN), 0);
}

void down_a_tables_to_b(void)
{
	tables_to_b();
	down_a();
}

void setup_rate_1_burst_1(void)
{
	struct steer_tenant_cfg c = { .rate = 1, .burst = 1 };

	assert_int_equal(dp_tenant_cfg_set(bpft.dp, TENANT_1, &c, true), 0);
}

void setup_max_conns_1(void)
{
	struct steer_tenant_cfg c = { .max_conns = 1 };

	assert_int_equal(dp_tenant_cfg_set(bpft.dp, TENANT_1, &c, true), 0);
}

void expect_active_0(void)
{
	assert_int_equal(bpft_tenant_active(TENANT_1), 0);
}

void expect_active_1(void)
{
	assert_int_equal(bpft_tenant_active(TENANT_1), 1);
}
