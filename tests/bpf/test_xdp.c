// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * steer_xdp fixtures (docs/datapath.md, "steer_xdp"): every row is a
 * sequence of packets through BPF_PROG_TEST_RUN with the verdict, the
 * whole output frame, the reason counter, per-object counters and the
 * conntrack entries each must produce.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>

#include "bpftest_run.h"

/* ---- row shorthands ---- */

#define XDP(f) .hook = HOOK_XDP, .flow = &(f)
#define TC(f) .hook = HOOK_TC, .flow = &(f)
#define SYN .tcp_flags = TCPF_SYN
#define ACK .tcp_flags = TCPF_ACK
#define FINACK .tcp_flags = (TCPF_FIN | TCPF_ACK)
#define RST .tcp_flags = TCPF_RST
/* steered and forwarded through the FIB to backend be */
#define FWD(be) .backend = (be), .verdict = V_XDP_REDIRECT, .out = OUT_NAT_FIB, .ct = CT_ENTRY
/* a new flow to be */
#define NEW(be) FWD(be), .new_flow = 1
#define PASS(r) .verdict = V_XDP_PASS, .reason = (r), .out = OUT_SAME, .ct = CT_EMPTY
#define DROP(r) .verdict = V_XDP_DROP, .reason = (r), .out = OUT_SAME
/* malformed: dropped, and nothing reached conntrack */
#define BAD(r) DROP(r), .ct = CT_EMPTY
#define EXT(...) .n_ext = sizeof((uint8_t[]){ __VA_ARGS__ }), .ext = { __VA_ARGS__ }

static const uint8_t all_active[BPFT_NBACKENDS + 1] = {
	0, STEER_BACKEND_ACTIVE, STEER_BACKEND_ACTIVE, STEER_BACKEND_ACTIVE,
	STEER_BACKEND_ACTIVE, STEER_BACKEND_ACTIVE, STEER_BACKEND_ACTIVE,
	STEER_BACKEND_ACTIVE, STEER_BACKEND_ACTIVE,
};

/* ---- setup and hooks ---- */

static void cfg_udp_idle(uint64_t ns)
{
	struct steer_config c;

	assert_int_equal(dp_config_get(bpft.dp, &c), 0);
	c.udp_idle_ns = ns;
	assert_int_equal(dp_config_set(bpft.dp, &c), 0);
}

static void setup_udp_idle_1ms(void)
{
	cfg_udp_idle(1000000);
}

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

static void setup_rate_1_burst_1(void)
{
	struct steer_tenant_cfg c = { .rate = 1, .burst = 1 };

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

static void setup_udp_idle_200ms(void)
{
	cfg_udp_idle(200000000);
}

static void setup_max_conns_1(void)
{
	struct steer_tenant_cfg c = { .max_conns = 1 };

	assert_int_equal(dp_tenant_cfg_set(bpft.dp, TENANT_1, &c, true), 0);
}

static void expect_active_0(void)
{
	assert_int_equal(bpft_tenant_active(TENANT_1), 0);
}

static void expect_active_1(void)
{
	assert_int_equal(bpft_tenant_active(TENANT_1), 1);
}

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

static void tables_to_b(void)
{
	bpft_table_fill(1, BE4_B);
	bpft_table_fill(2, BE6_B);
}

static void drain_a(void)
{
	assert_int_equal(dp_backend_state_set(bpft.dp, BE4_A, STEER_BACKEND_DRAINING), 0);
	assert_int_equal(dp_backend_state_set(bpft.dp, BE6_A, STEER_BACKEND_DRAINING), 0);
}

static void down_a(void)
{
	assert_int_equal(dp_backend_state_set(bpft.dp, BE4_A, STEER_BACKEND_DOWN), 0);
	assert_int_equal(dp_backend_state_set(bpft.dp, BE6_A, STEER_BACKEND_DOWN), 0);
}

static void down_a_tables_to_b(void)
{
	tables_to_b();
	down_a();
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

/*
 * A UDP flow sending every 40 ms (idle limit 200 ms, a margin for a loaded
 * machine) stays where it is, for longer than the limit in all; the table
 * says B, so a wrong expiry shows as a move to B.
 */
#define UDP_EVERY_40MS(n)                                                                    \
	{ .what = "UDP " #n " after 40 ms", .sleep_ms = 40, .before = tables_to_b, XDP(F4_UDP), \
	  FWD(BE4_A) }

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
 * A frame shorter than an Ethernet header. Kernel 6.18's test_run refuses
 * XDP data shorter than ETH_HLEN even behind metadata (and
 * bpf_xdp_adjust_head/tail never shrink a frame below it), so XDP can't
 * be shown one: skipped when the kernel says EINVAL.
 */
static void check_runt(void)
{
	struct bpft_step st = { .what = "10 bytes", XDP(F4_TCP), SYN, .mangle = MANGLE_TRUNC,
				.mangle_arg = 10, BAD(STEER_R_DROP_TRUNC_ETH) };
	struct bpft_result res;
	struct pkt_layout lay;
	struct pkt_spec spec;
	uint8_t pkt[PKT_MAX];
	size_t len;

	len = bpft_step_packet(&st, &spec, pkt, &lay);
	assert_int_equal(len, 10);
	if (bpft_prog_run(HOOK_XDP, pkt, len, &res) == -EINVAL) {
		print_message("bad_frame_shorter_than_eth: test_run refuses a %zu-byte XDP frame "
			      "(kernel minimum ETH_HLEN): skipped\n",
			      len);
		skip();
	}
	bpft_run_step(&st, "bad_frame_shorter_than_eth [10 bytes]");
	st.mangle_arg = 13;
	bpft_run_step(&st, "bad_frame_shorter_than_eth [13 bytes]");
}

/* IHL 6..15 (1..10 option words), SYN and a data packet each. */
static void check_ipv4_options(void)
{
	char ctx[96];
	int w;

	for (w = 1; w <= 10; w++) {
		struct bpft_step syn = { .what = "SYN with IPv4 options", XDP(F4_TCP),
					 .cport = (uint16_t)(41000 + w), SYN,
					 .ip_opt_words = (uint8_t)w, NEW(BE4_A) };
		struct bpft_step data = { .what = "ACK+data with IPv4 options", XDP(F4_TCP),
					  .cport = (uint16_t)(41000 + w), ACK,
					  .ip_opt_words = (uint8_t)w, .payload_len = (uint16_t)(7 * w),
					  FWD(BE4_A) };

		snprintf(ctx, sizeof(ctx), "ipv4_options [IHL %d SYN]", 5 + w);
		bpft_run_step(&syn, ctx);
		snprintf(ctx, sizeof(ctx), "ipv4_options [IHL %d data]", 5 + w);
		bpft_run_step(&data, ctx);
	}
}

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

/*
 * Checksum edge: a payload chosen so that the NATed segment's checksum
 * computes to 0 (RFC 1071). UDP must send it as 0xffff (RFC 768; 0 means
 * "no checksum"); TCP carries 0x0000 as computed.
 */
static void csum_edge(const struct bpft_flow *f, uint32_t be, uint16_t port)
{
	const struct bpft_backend *b = &bpft_backends[be];
	uint8_t payload[2] = { 0, 0 }, buf[PKT_MAX];
	struct bpft_step st = { .what = "checksum edge", .hook = HOOK_XDP, .flow = f,
				.cport = port, .payload = payload, .payload_len = 2,
				.tcp_flags = f->proto == PROTO_TCP ? TCPF_SYN : 0, NEW(be) };
	struct pkt_layout lay;
	struct pkt_spec spec;
	size_t coff;
	char ctx[96];

	/* the NATed frame with a zero payload word, then cancel its sum */
	bpft_step_packet(&st, &spec, buf, &lay);
	memcpy(spec.dst, b->addr, 16);
	spec.dport = b->port;
	coff = lay.l4_off + (f->proto == PROTO_TCP ? 16 : 6);
	assert_true(pkt_build(&spec, buf, sizeof(buf), &lay) > 0);
	payload[0] = buf[coff];
	payload[1] = buf[coff + 1];
	assert_true(pkt_build(&spec, buf, sizeof(buf), &lay) > 0);
	assert_int_equal(buf[coff] << 8 | buf[coff + 1], f->proto == PROTO_UDP ? 0xffff : 0x0000);

	snprintf(ctx, sizeof(ctx), "csum_edge [IPv%u %s]", f->family,
		 f->proto == PROTO_TCP ? "TCP" : "UDP");
	bpft_run_step(&st, ctx);
}

static void check_csum_edge(void)
{
	csum_edge(&F4_UDP, BE4_A, 34001);
	csum_edge(&F6_UDP, BE6_A, 34002);
	csum_edge(&F4_TCP, BE4_A, 34003);
	csum_edge(&F6_TCP, BE6_A, 34004);
}

/* ---- the table ---- */

static const struct bpft_fixture fixtures[] = {
	/* -- new flows -- */
	{ .name = "v4_tcp_syn_new_flow",
	  .steps = { { .what = "SYN", XDP(F4_TCP), SYN, NEW(BE4_A) } } },
	{ .name = "v6_tcp_syn_new_flow",
	  .steps = { { .what = "SYN", XDP(F6_TCP), SYN, NEW(BE6_A) } } },
	{ .name = "v4_tcp_syn_options_payload",
	  .steps = { { .what = "SYN, 2 option words, 33 bytes data", XDP(F4_TCP), SYN,
		       .tcp_opt_words = 2, .payload_len = 33, NEW(BE4_A) } } },
	{ .name = "v6_tcp_syn_options_payload",
	  .steps = { { .what = "SYN, 3 option words, 101 bytes data", XDP(F6_TCP), SYN,
		       .tcp_opt_words = 3, .payload_len = 101, NEW(BE6_A) } } },
	{ .name = "v4_udp_new_flow",
	  .steps = { { .what = "UDP", XDP(F4_UDP), .payload_len = 41, NEW(BE4_A) } } },
	{ .name = "v6_udp_new_flow",
	  .steps = { { .what = "UDP", XDP(F6_UDP), .payload_len = 40, NEW(BE6_A) } } },
	{ .name = "v4_udp_empty_payload",
	  .steps = { { .what = "UDP, no payload", XDP(F4_UDP), NEW(BE4_A) } } },
	{ .name = "csum_result_zero_edge", .check = check_csum_edge },
	{ .name = "v4_ethernet_padding_kept",
	  .steps = { { .what = "SYN padded to 60 bytes", XDP(F4_TCP), SYN, .pad_to = 60,
		       NEW(BE4_A) },
		     { .what = "UDP padded to 60 bytes", XDP(F4_UDP), .payload_len = 1,
		       .pad_to = 60, NEW(BE4_A) } } },
	{ .name = "v4_udp_csum_zero_stays_zero",
	  .steps = { { .what = "UDP csum 0", XDP(F4_UDP), .udp_csum_zero = true,
		       .payload_len = 12, NEW(BE4_A) } } },

	/* -- established, stickiness -- */
	{ .name = "v4_tcp_established",
	  .steps = { { .what = "SYN", XDP(F4_TCP), SYN, NEW(BE4_A) },
		     { .what = "ACK", XDP(F4_TCP), ACK, FWD(BE4_A) },
		     { .what = "ACK+data", XDP(F4_TCP), ACK, .payload_len = 200, FWD(BE4_A) },
		     { .what = "retransmitted SYN on the open entry", .before = tables_to_b,
		       XDP(F4_TCP), SYN, FWD(BE4_A) } } },
	{ .name = "v6_tcp_established",
	  .steps = { { .what = "SYN", XDP(F6_TCP), SYN, NEW(BE6_A) },
		     { .what = "ACK+data", XDP(F6_TCP), ACK, .payload_len = 77, FWD(BE6_A) } } },
	{ .name = "v4_udp_established",
	  .steps = { { .what = "UDP 1", XDP(F4_UDP), .payload_len = 10, NEW(BE4_A) },
		     { .what = "UDP 2", XDP(F4_UDP), .payload_len = 11, FWD(BE4_A) } } },
	{ .name = "v4_sticky_across_table_swap",
	  .steps = { { .what = "SYN -> A", XDP(F4_TCP), SYN, NEW(BE4_A) },
		     { .what = "table now only B; ACK still -> A", .before = tables_to_b,
		       XDP(F4_TCP), ACK, FWD(BE4_A) },
		     { .what = "new flow -> B", XDP(F4_TCP), .cport = 40001, SYN, NEW(BE4_B) } } },
	{ .name = "v6_sticky_across_table_swap",
	  .steps = { { .what = "SYN -> A", XDP(F6_TCP), SYN, NEW(BE6_A) },
		     { .what = "table now only B; ACK still -> A", .before = tables_to_b,
		       XDP(F6_TCP), ACK, FWD(BE6_A) },
		     { .what = "new flow -> B", XDP(F6_TCP), .cport = 40001, SYN, NEW(BE6_B) } } },
	{ .name = "v4_udp_sticky_across_table_swap",
	  .steps = { { .what = "UDP -> A", XDP(F4_UDP), NEW(BE4_A) },
		     { .what = "table now only B; UDP still -> A", .before = tables_to_b,
		       XDP(F4_UDP), FWD(BE4_A) } } },

	/* -- FIN / RST from the client (the backend side is in test_tc) -- */
	{ .name = "v4_fin_from_client_sets_flag",
	  .steps = { { .what = "SYN", XDP(F4_TCP), SYN, NEW(BE4_A) },
		     { .what = "FIN", XDP(F4_TCP), FINACK, FWD(BE4_A),
		       .ct_flags = STEER_CT_F_FIN_CLIENT },
		     { .what = "last ACK, same backend", XDP(F4_TCP), ACK, FWD(BE4_A),
		       .ct_flags = STEER_CT_F_FIN_CLIENT } } },
	{ .name = "v4_rst_from_client_closes",
	  .steps = { { .what = "SYN", XDP(F4_TCP), SYN, NEW(BE4_A) },
		     { .what = "RST", XDP(F4_TCP), RST, FWD(BE4_A), .closed = 1,
		       .ct_flags = STEER_CT_F_RST | STEER_CT_F_CLOSED,
		       .ct_flags_mask = STEER_CT_F_RST | STEER_CT_F_CLOSED },
		     { .what = "packet after close, same backend", XDP(F4_TCP), ACK, FWD(BE4_A),
		       .ct_flags = STEER_CT_F_RST | STEER_CT_F_CLOSED,
		       .ct_flags_mask = STEER_CT_F_RST | STEER_CT_F_CLOSED },
		     { .what = "SYN on the closed entry: new flow", .before = tables_to_b,
		       XDP(F4_TCP), SYN, NEW(BE4_B), .reason = STEER_R_EV_CT_REUSE } } },
	{ .name = "v6_rst_from_client_closes",
	  .steps = { { .what = "SYN", XDP(F6_TCP), SYN, NEW(BE6_A) },
		     { .what = "RST", XDP(F6_TCP), RST, FWD(BE6_A), .closed = 1,
		       .ct_flags = STEER_CT_F_RST | STEER_CT_F_CLOSED,
		       .ct_flags_mask = STEER_CT_F_RST | STEER_CT_F_CLOSED },
		     { .what = "SYN on the closed entry: new flow", XDP(F6_TCP), SYN, NEW(BE6_A),
		       .reason = STEER_R_EV_CT_REUSE } } },

	/* -- UDP idle expiry -- */
	{ .name = "v4_udp_idle_expiry",
	  .setup = setup_udp_idle_1ms,
	  .steps = { { .what = "UDP -> A", XDP(F4_UDP), NEW(BE4_A) },
		     { .what = "idle 20 ms, table -> B: new flow", .sleep_ms = 20,
		       .before = tables_to_b, XDP(F4_UDP), NEW(BE4_B),
		       .reason = STEER_R_EV_UDP_EXPIRED, .old_closed = BE4_A } } },
	{ .name = "v6_udp_idle_expiry",
	  .setup = setup_udp_idle_1ms,
	  .steps = { { .what = "UDP -> A", XDP(F6_UDP), NEW(BE6_A) },
		     { .what = "idle 20 ms: new flow", .sleep_ms = 20, XDP(F6_UDP), NEW(BE6_A),
		       .reason = STEER_R_EV_UDP_EXPIRED, .old_closed = BE6_A } } },
	{ .name = "v4_udp_active_flow_never_idle",
	  .setup = setup_udp_idle_200ms,
	  .steps = { { .what = "UDP -> A", XDP(F4_UDP), NEW(BE4_A) }, UDP_EVERY_40MS(2),
		     UDP_EVERY_40MS(3), UDP_EVERY_40MS(4), UDP_EVERY_40MS(5),
		     UDP_EVERY_40MS(6), UDP_EVERY_40MS(7), UDP_EVERY_40MS(8),
		     UDP_EVERY_40MS(9), UDP_EVERY_40MS(10) } },
	{ .name = "v4_udp_not_idle_keeps_flow",
	  .steps = { { .what = "UDP -> A", XDP(F4_UDP), NEW(BE4_A) },
		     { .what = "after 20 ms (idle limit 30 s)", .sleep_ms = 20,
		       .before = tables_to_b, XDP(F4_UDP), FWD(BE4_A) } } },

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
		     { .what = "RST closes flow 1", XDP(F4_TCP), .cport = 40001, RST, FWD(BE4_A),
		       .closed = 1, .ct_flags = STEER_CT_F_RST | STEER_CT_F_CLOSED,
		       .ct_flags_mask = STEER_CT_F_RST | STEER_CT_F_CLOSED,
		       .after = expect_active_0 },
		     { .what = "RST again: not closed twice", XDP(F4_TCP), .cport = 40001, RST,
		       FWD(BE4_A), .ct_flags = STEER_CT_F_RST | STEER_CT_F_CLOSED,
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

	/* -- IPv4 options, IPv6 extension headers -- */
	{ .name = "v4_options_ihl_6_to_15", .check = check_ipv4_options },
	{ .name = "v6_ext_hopopts",
	  .steps = { { .what = "SYN", XDP(F6_TCP), SYN, EXT(NH_HOPOPTS), NEW(BE6_A) } } },
	{ .name = "v6_ext_dstopts",
	  .steps = { { .what = "SYN", XDP(F6_TCP), SYN, EXT(NH_DSTOPTS), .payload_len = 3,
		       NEW(BE6_A) } } },
	{ .name = "v6_ext_routing",
	  .steps = { { .what = "SYN", XDP(F6_TCP), SYN, EXT(NH_ROUTING), NEW(BE6_A) } } },
	{ .name = "v6_ext_ah_udp",
	  .steps = { { .what = "UDP", XDP(F6_UDP), EXT(NH_AH), .payload_len = 8, NEW(BE6_A) } } },
	{ .name = "v6_ext_4_headers",
	  .steps = { { .what = "SYN", XDP(F6_TCP), SYN,
		       EXT(NH_HOPOPTS, NH_DSTOPTS, NH_ROUTING, NH_AH), .payload_len = 16,
		       NEW(BE6_A) } } },
	{ .name = "v6_ext_5_headers_pass",
	  .steps = { { .what = "SYN", XDP(F6_TCP), SYN,
		       EXT(NH_HOPOPTS, NH_DSTOPTS, NH_ROUTING, NH_AH, NH_DSTOPTS),
		       PASS(STEER_R_PASS_EXT_DEPTH) } } },
	{ .name = "v6_ext_esp_pass",
	  .steps = { { .what = "ESP", XDP(F6_TCP), SYN, EXT(NH_ESP),
		       PASS(STEER_R_PASS_EXT_DEPTH) } } },
	{ .name = "v6_fragment_header_pass",
	  .steps = { { .what = "first fragment", XDP(F6_TCP), SYN, EXT(NH_FRAGMENT),
		       .frag6_more = true, PASS(STEER_R_PASS_FRAGMENT) },
		     { .what = "later fragment after a hop-by-hop", XDP(F6_UDP),
		       EXT(NH_HOPOPTS, NH_FRAGMENT), .frag6_off = 100,
		       PASS(STEER_R_PASS_FRAGMENT) } } },
	{ .name = "v4_fragments_pass",
	  .steps = { { .what = "MF set", XDP(F4_TCP), SYN, .frag = IPV4_MF,
		       PASS(STEER_R_PASS_FRAGMENT) },
		     { .what = "offset 185", XDP(F4_UDP), .frag = 185, .payload_len = 8,
		       PASS(STEER_R_PASS_FRAGMENT) },
		     { .what = "DF only is not a fragment", XDP(F4_TCP), SYN, .frag = IPV4_DF,
		       NEW(BE4_A) } } },

	/* -- pass-through -- */
	{ .name = "v4_not_service_pass",
	  .steps = { { .what = "SYN to cli0:22", XDP(F4_NOSVC), SYN,
		       PASS(STEER_R_PASS_NOT_SERVICE) },
		     { .what = "UDP to VIP:5353", XDP(F4_NOSVC_UDP), .payload_len = 4,
		       PASS(STEER_R_PASS_NOT_SERVICE) } } },
	{ .name = "v6_not_service_pass",
	  .steps = { { .what = "SYN to cli0:22", XDP(F6_NOSVC), SYN, .payload_len = 9,
		       PASS(STEER_R_PASS_NOT_SERVICE) },
		     { .what = "UDP csum 0 to VIP:5353 (not a service)", XDP(F6_NOSVC_UDP),
		       .udp_csum_zero = true, PASS(STEER_R_PASS_NOT_SERVICE) } } },
	{ .name = "arp_pass",
	  .steps = { { .what = "ARP", XDP(F4_TCP), .ethertype = ETHERTYPE_ARP, .payload_len = 28,
		       PASS(STEER_R_PASS_NOT_IP) },
		     { .what = "ARP in a VLAN", XDP(F4_TCP), .ethertype = ETHERTYPE_ARP,
		       .nvlan = 1, .payload_len = 28, PASS(STEER_R_PASS_NOT_IP) } } },
	{ .name = "icmp_pass_not_l4",
	  .steps = { { .what = "ICMP echo", XDP(F4_ICMP), .payload_len = 56,
		       PASS(STEER_R_PASS_NOT_L4) },
		     { .what = "ICMPv6 echo", XDP(F6_ICMP), .payload_len = 56,
		       PASS(STEER_R_PASS_NOT_L4) } } },

	/* -- malformed at every layer: dropped, nothing in conntrack -- */
	{ .name = "bad_frame_shorter_than_eth", .check = check_runt },
	{ .name = "bad_frame_ethernet_header_only",
	  .steps = { { .what = "IPv4 ethertype, 14 bytes", XDP(F4_TCP), SYN,
		       .mangle = MANGLE_TRUNC, .mangle_arg = 14, BAD(STEER_R_DROP_TRUNC_IP) },
		     { .what = "IPv6 ethertype, 14 bytes", XDP(F6_TCP), SYN,
		       .mangle = MANGLE_TRUNC, .mangle_arg = 14, BAD(STEER_R_DROP_TRUNC_IP) },
		     { .what = "VLAN ethertype, 14 bytes", XDP(F4_TCP), SYN, .nvlan = 1,
		       .mangle = MANGLE_TRUNC, .mangle_arg = 14, BAD(STEER_R_DROP_TRUNC_ETH) } } },
	{ .name = "bad_truncated_vlan_tag",
	  .steps = { { .what = "1 tag, cut in the tag", XDP(F4_TCP), SYN, .nvlan = 1,
		       .mangle = MANGLE_TRUNC, .mangle_arg = 16, BAD(STEER_R_DROP_TRUNC_ETH) },
		     { .what = "2 tags, cut in the second", XDP(F4_TCP), SYN, .nvlan = 2,
		       .mangle = MANGLE_TRUNC, .mangle_arg = 20, BAD(STEER_R_DROP_TRUNC_ETH) },
		     { .what = "1 tag, no inner ethertype", XDP(F6_TCP), SYN, .nvlan = 1,
		       .mangle = MANGLE_TRUNC, .mangle_arg = 17, BAD(STEER_R_DROP_TRUNC_ETH) } } },
	{ .name = "bad_ipv4_shorter_than_20",
	  .steps = { { .what = "19 bytes of IPv4", XDP(F4_TCP), SYN, .mangle = MANGLE_TRUNC_L3,
		       .mangle_arg = 19, BAD(STEER_R_DROP_TRUNC_IP) },
		     { .what = "no IPv4 header at all", XDP(F4_TCP), SYN,
		       .mangle = MANGLE_TRUNC_L3, .mangle_arg = 0,
		       BAD(STEER_R_DROP_TRUNC_IP) } } },
	{ .name = "bad_ipv4_ihl_below_5",
	  .steps = { { .what = "IHL 4", XDP(F4_TCP), SYN, .mangle = MANGLE_IHL, .mangle_arg = 4,
		       BAD(STEER_R_DROP_BAD_IP) },
		     { .what = "IHL 0", XDP(F4_UDP), .mangle = MANGLE_IHL, .mangle_arg = 0,
		       BAD(STEER_R_DROP_BAD_IP) } } },
	{ .name = "bad_ipv4_ihl_beyond_frame",
	  .steps = { { .what = "IHL 15, 28-byte datagram", XDP(F4_UDP), .mangle = MANGLE_IHL,
		       .mangle_arg = 15, BAD(STEER_R_DROP_TRUNC_IP) } } },
	{ .name = "bad_ip_version_mismatch",
	  .steps = { { .what = "IPv4 ethertype, version 6", XDP(F4_TCP), SYN,
		       .mangle = MANGLE_VERSION, .mangle_arg = 6, BAD(STEER_R_DROP_BAD_IP) },
		     { .what = "IPv6 ethertype, version 4", XDP(F6_TCP), SYN,
		       .mangle = MANGLE_VERSION, .mangle_arg = 4, BAD(STEER_R_DROP_BAD_IP) } } },
	{ .name = "bad_ipv4_total_length",
	  .steps = { { .what = "tot_len 1 beyond the frame", XDP(F4_TCP), SYN,
		       .mangle = MANGLE_IPLEN_ADD, .mangle_arg = 1, BAD(STEER_R_DROP_BAD_IP) },
		     { .what = "tot_len below IHL", XDP(F4_TCP), SYN, .mangle = MANGLE_IPLEN_SET,
		       .mangle_arg = 19, BAD(STEER_R_DROP_BAD_IP) } } },
	{ .name = "bad_ipv6_shorter_than_40",
	  .steps = { { .what = "39 bytes of IPv6", XDP(F6_TCP), SYN, .mangle = MANGLE_TRUNC_L3,
		       .mangle_arg = 39, BAD(STEER_R_DROP_TRUNC_IP) } } },
	{ .name = "bad_ipv6_payload_length",
	  .steps = { { .what = "payload length 1 beyond the frame", XDP(F6_TCP), SYN,
		       .mangle = MANGLE_IPLEN_ADD, .mangle_arg = 1, BAD(STEER_R_DROP_BAD_IP) } } },
	{ .name = "bad_ipv6_truncated_ext_header",
	  .steps = { { .what = "frame ends inside hop-by-hop", XDP(F6_TCP), SYN,
		       EXT(NH_HOPOPTS), .mangle = MANGLE_TRUNC_L3_FIX, .mangle_arg = 44,
		       BAD(STEER_R_DROP_TRUNC_IP) },
		     { .what = "dest opts claims 88 bytes", XDP(F6_TCP), SYN, EXT(NH_DSTOPTS),
		       .mangle = MANGLE_EXT_LEN, .mangle_arg = 10, BAD(STEER_R_DROP_TRUNC_IP) },
		     { .what = "frame ends inside the 3rd header", XDP(F6_TCP), SYN,
		       EXT(NH_HOPOPTS, NH_DSTOPTS, NH_AH), .mangle = MANGLE_TRUNC_L3_FIX,
		       .mangle_arg = 40 + 8 + 16 + 10, BAD(STEER_R_DROP_TRUNC_IP) } } },
	{ .name = "bad_tcp_shorter_than_20",
	  .steps = { { .what = "IPv4, 19 bytes of TCP", XDP(F4_TCP), SYN,
		       .mangle = MANGLE_TRUNC_L4_FIX, .mangle_arg = 19,
		       BAD(STEER_R_DROP_TRUNC_L4) },
		     { .what = "IPv6, 12 bytes of TCP", XDP(F6_TCP), SYN,
		       .mangle = MANGLE_TRUNC_L4_FIX, .mangle_arg = 12,
		       BAD(STEER_R_DROP_TRUNC_L4) },
		     { .what = "IPv4, no TCP header", XDP(F4_TCP), SYN,
		       .mangle = MANGLE_TRUNC_L4_FIX, .mangle_arg = 0,
		       BAD(STEER_R_DROP_TRUNC_L4) } } },
	{ .name = "bad_tcp_doff_below_5",
	  .steps = { { .what = "IPv4 doff 4", XDP(F4_TCP), SYN, .payload_len = 8,
		       .mangle = MANGLE_DOFF, .mangle_arg = 4, BAD(STEER_R_DROP_BAD_L4) },
		     { .what = "IPv6 doff 0", XDP(F6_TCP), SYN, .mangle = MANGLE_DOFF,
		       .mangle_arg = 0, BAD(STEER_R_DROP_BAD_L4) },
		     { .what = "not for a service either", XDP(F4_NOSVC), SYN,
		       .mangle = MANGLE_DOFF, .mangle_arg = 4, BAD(STEER_R_DROP_BAD_L4) } } },
	{ .name = "bad_tcp_doff_beyond_frame",
	  .steps = { { .what = "IPv4 doff 15, 20-byte segment", XDP(F4_TCP), SYN,
		       .mangle = MANGLE_DOFF, .mangle_arg = 15, BAD(STEER_R_DROP_TRUNC_L4) },
		     { .what = "IPv6 doff 6, 20-byte segment", XDP(F6_TCP), SYN,
		       .mangle = MANGLE_DOFF, .mangle_arg = 6, BAD(STEER_R_DROP_TRUNC_L4) } } },
	{ .name = "bad_udp_shorter_than_8",
	  .steps = { { .what = "IPv4, 7 bytes of UDP", XDP(F4_UDP), .mangle = MANGLE_TRUNC_L4_FIX,
		       .mangle_arg = 7, BAD(STEER_R_DROP_TRUNC_L4) },
		     { .what = "IPv6, 4 bytes of UDP", XDP(F6_UDP), .mangle = MANGLE_TRUNC_L4_FIX,
		       .mangle_arg = 4, BAD(STEER_R_DROP_TRUNC_L4) } } },
	{ .name = "bad_ipv6_udp_csum_zero_to_service",
	  .steps = { { .what = "UDP csum 0", XDP(F6_UDP), .udp_csum_zero = true,
		       .payload_len = 10, BAD(STEER_R_DROP_BAD_L4) } } },

	/* -- the Maglev pick -- */
	{ .name = "maglev_slot_is_flow_hash", .check = check_hash_spread },
	{ .name = "maglev_family_check_and_probe", .check = check_mixed_family_probe },
};

static int run(void)
{
	struct CMUnitTest tests[sizeof(fixtures) / sizeof(fixtures[0])];

	bpft_fill_tests(tests, fixtures, sizeof(fixtures) / sizeof(fixtures[0]));
	return cmocka_run_group_tests_name("steer_xdp", tests, NULL, NULL);
}

int main(void)
{
	return bpft_main(run);
}
