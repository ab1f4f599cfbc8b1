// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * A SYN flood cannot evict established flows (issue 10): with conntrack
 * sized 4,096 (ct, rct) and 1,024 (ct_syn), 1,000 flows complete
 * their handshake (SYN, the backend's SYN+ACK through TC, the client's ACK)
 * and move to ct; then 16,384 SYNs (4x the table) from other ports arrive,
 * through BPF_PROG_TEST_RUN. Every one of the 1,000 keeps its ct and rct
 * entries and its backend, and its next packet is NATed to it. And
 * explain works on conntrack maps of these sizes.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "bpftest_xdp.h"

#define N_EST 1000
#define N_FLOOD 16384

static uint32_t run_pkt(enum bpft_hook hook, uint16_t cport, uint8_t flags, uint32_t backend)
{
	struct bpft_step st = { .hook = hook, .flow = &F4_TCP, .cport = cport,
				.tcp_flags = flags, .backend = backend };
	uint8_t buf[PKT_MAX];
	struct pkt_spec spec;
	struct pkt_layout lay;
	struct bpft_result res;
	size_t len = bpft_step_packet(&st, &spec, buf, &lay);

	assert_int_equal(bpft_prog_run(hook, buf, len, &res), 0);
	return res.verdict;
}

static void test_syn_flood_keeps_established(void **state)
{
	struct steer_ct ct;
	struct steer_rct r;
	unsigned int i, kept = 0;

	(void)state;
	for (i = 0; i < N_EST; i++) {
		uint16_t port = (uint16_t)(10000 + i);

		assert_int_equal(run_pkt(HOOK_XDP, port, TCPF_SYN, 0), V_XDP_REDIRECT);
		assert_int_equal(run_pkt(HOOK_TC, port, TCPF_SYN | TCPF_ACK, BE4_A),
				 V_TC_REDIRECT);
		assert_int_equal(run_pkt(HOOK_XDP, port, TCPF_ACK, 0), V_XDP_REDIRECT);
	}
	assert_int_equal(bpft_map_count(bpft.ct_fd), N_EST);
	assert_int_equal(bpft_map_count(bpft.rct_fd), N_EST);
	assert_int_equal(bpft_map_count(bpft.ct_syn_fd), 0);
	for (i = 0; i < N_FLOOD; i++)
		assert_int_equal(run_pkt(HOOK_XDP, (uint16_t)(20000 + i), TCPF_SYN, 0),
				 V_XDP_REDIRECT);
	/* the half-open table took the flood, evicting only its own */
	assert_true(bpft_map_count(bpft.ct_syn_fd) <= 1024);
	for (i = 0; i < N_EST; i++) {
		uint16_t port = (uint16_t)(10000 + i);

		if (bpft_ct_get(&F4_TCP, port, &ct) || bpft_rct_get(&F4_TCP, port, BE4_A, &r))
			continue;
		if (ct.backend_id == BE4_A && (ct.flags & STEER_CT_F_ESTABLISHED) &&
		    !(ct.flags & STEER_CT_F_EMBRYONIC))
			kept++;
	}
	assert_int_equal(kept, N_EST);
	assert_int_equal(bpft_map_count(bpft.ct_fd), N_EST);
	/* and each still goes to its backend */
	for (i = 0; i < N_EST; i += 97)
		assert_int_equal(run_pkt(HOOK_XDP, (uint16_t)(10000 + i), TCPF_ACK, 0),
				 V_XDP_REDIRECT);
}

/* explain's dry-run instance loads against conntrack maps of a size the
 * settings chose (it failed with EINVAL when they were not the default) */
static void test_explain_with_sized_conntrack(void **state)
{
	struct dp_explain_req req = { .family = STEER_AF_INET, .proto = STEER_PROTO_TCP,
				      .sport = 41000, .dport = PORT_TCP };
	struct steer_explain x;

	(void)state;
	memcpy(req.src, A_CLI4, 4);
	memcpy(req.dst, A_VIP4, 4);
	assert_int_equal(dp_explain(bpft.dp, &req, &x), 0);
	assert_int_equal(x.verdict, V_XDP_REDIRECT);
	assert_int_equal(x.backend_id, BE4_A);
}

static int run(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_syn_flood_keeps_established, bpft_reset),
		cmocka_unit_test_setup(test_explain_with_sized_conntrack, bpft_reset),
	};

	return cmocka_run_group_tests_name("ct_flood", tests, NULL, NULL);
}

int main(void)
{
	bpft_ct_entries = 4096;
	bpft_ct_syn_entries = 1024;
	return bpft_main(run);
}
