// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * steer_xdp fixtures (docs/datapath.md, "steer_xdp", steps 2 and 8): what
 * steer does as the router it stands in for. TTL / hop limit: decremented
 * on every packet steer forwards itself (the runner's expected frames say
 * so), and a packet it would end on is answered ICMP time exceeded; path
 * MTU: a packet too big for the path to its backend is answered ICMP frag
 * needed / packet too big (through the FIB and through the next-hop
 * cache), or, IPv4 without DF, left NATed to the stack, which fragments
 * it. Each error is compared byte by byte with one built independently
 * (pkt_icmp_error(): from the gateway's own address, the quote the packet
 * as the client sent it), and its checksums (ICMPv6: with the
 * pseudo-header; the quoted IPv4 header's) are verified independently.
 * steer_tc: a reply with TTL 1 is left to the stack, untouched.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "bpftest_xdp.h"

/* ---- setup ---- */

/*
 * The backends' link with a smaller MTU (IPv6's minimum), and the
 * per-CPU next-hop cache (250 ms) left to expire, so that the first packet
 * of each fixture meets the FIB.
 */
static void setup_mtu_1280(void)
{
	assert_int_equal(bpft_sh("ip link set %s mtu 1280", IF_BE), 0);
	usleep(300 * 1000);
}

static void setup_mtu_1500(void)
{
	assert_int_equal(bpft_sh("ip link set %s mtu 1500", IF_BE), 0);
	usleep(300 * 1000);
}

static void setup_mss_1360(void)
{
	setup_mtu_1500();
	assert_int_equal(bpft_tcp_services_mss(1360), 0);
}

/* ---- row shorthands ---- */

#define TIME_EXCEEDED .verdict = V_XDP_REDIRECT, .reason = STEER_R_DROP_TTL_EXCEEDED, .out = OUT_ICMP_TTL
#define TOO_BIG(m)                                                                                 \
	.verdict = V_XDP_REDIRECT, .reason = STEER_R_DROP_FRAG_NEEDED, .out = OUT_ICMP_TOO_BIG,          \
	.mtu = (m), .skip_stats = true
#define BIG .payload_len = 1300 /* 1340 / 1360 bytes of IP: more than 1280 */

/* ---- the table ---- */

static const struct bpft_fixture fixtures[] = {
	/* -- TTL / hop limit -- */
	{ .name = "v4_ttl_1_time_exceeded",
	  .setup = setup_mtu_1500,
	  .steps = { { .what = "SYN, TTL 1", XDP(F4_TCP), SYN, .ttl = 1, TIME_EXCEEDED,
		       .ct = CT_EMPTY },
		     { .what = "UDP, TTL 1, IPv4 options (quoted)", XDP(F4_UDP), .ttl = 1,
		       .ip_opt_words = 3, .payload_len = 40, TIME_EXCEEDED, .ct = CT_EMPTY },
		     { .what = "SYN, TTL 2: forwarded with TTL 1", XDP(F4_TCP), SYN, .ttl = 2,
		       NEW(BE4_A) },
		     { .what = "its ACK, TTL 1", XDP(F4_TCP), ACK, .ttl = 1, .payload_len = 20,
		       TIME_EXCEEDED },
		     { .what = "its ACK, TTL 255", XDP(F4_TCP), ACK, .ttl = 255, FWD(BE4_A) } } },
	{ .name = "v6_hop_limit_1_time_exceeded",
	  .setup = setup_mtu_1500,
	  .steps = { { .what = "SYN, hop limit 1", XDP(F6_TCP), SYN, .ttl = 1, TIME_EXCEEDED,
		       .ct = CT_EMPTY },
		     { .what = "UDP, hop limit 1, hop-by-hop header (quoted)", XDP(F6_UDP),
		       .ttl = 1, EXT(NH_HOPOPTS), .payload_len = 30, TIME_EXCEEDED,
		       .ct = CT_EMPTY },
		     { .what = "SYN, hop limit 2: forwarded with 1", XDP(F6_TCP), SYN, .ttl = 2,
		       NEW(BE6_A) } } },
	{ .name = "v4_ttl_1_in_a_vlan_goes_back_tagged",
	  .setup = setup_mtu_1500,
	  .steps = { { .what = "SYN, 1 tag, TTL 1", XDP(F4_TCP), SYN, .nvlan = 1, .ttl = 1,
		       TIME_EXCEEDED, .ct = CT_EMPTY },
		     { .what = "SYN, 2 tags, hop limit 1", XDP(F6_TCP), SYN, .nvlan = 2, .ttl = 1,
		       TIME_EXCEEDED, .ct = CT_EMPTY } } },
	{ .name = "tc_reply_ttl_1_left_to_the_stack",
	  .setup = setup_mtu_1500,
	  .steps = { { .what = "client SYN", XDP(F4_TCP), SYN, NEW(BE4_A) },
		     { .what = "backend SYN+ACK, TTL 1", TC(F4_TCP), SYNACK, .backend = BE4_A,
		       .ttl = 1, .verdict = V_TC_OK, .reason = STEER_R_PASS_TTL_EXCEEDED,
		       .out = OUT_SAME },
		     { .what = "backend SYN+ACK, TTL 2: forwarded with 1", TC(F4_TCP), SYNACK,
		       .ttl = 2, REPLY(BE4_A) },
		     { .what = "client SYN", XDP(F6_UDP), NEW(BE6_A) },
		     { .what = "backend UDP, hop limit 1", TC(F6_UDP), .backend = BE6_A, .ttl = 1,
		       .verdict = V_TC_OK, .reason = STEER_R_PASS_TTL_EXCEEDED,
		       .out = OUT_SAME } } },

	/* -- MSS clamping (services[].mss_clamp) -- */
	{ .name = "mss_clamped_on_the_syn",
	  .setup = setup_mss_1360,
	  .steps = { { .what = "v4 SYN, MSS 1460 -> 1360", XDP(F4_TCP), SYN, .tcp_opt_words = 3,
		       NEW(BE4_A), .mss_out = 1360, .reason = STEER_R_EV_MSS_CLAMPED },
		     { .what = "v6 SYN, MSS 1440 -> 1360", XDP(F6_TCP), SYN, .tcp_opt_words = 1,
		       .mss = 1440, NEW(BE6_A), .mss_out = 1360, .reason = STEER_R_EV_MSS_CLAMPED },
		     { .what = "v4 SYN, MSS 1200: left", XDP(F4_TCP), .cport = 40002, SYN,
		       .tcp_opt_words = 2, .mss = 1200, NEW(BE4_A) },
		     { .what = "v4 SYN without options: left", XDP(F4_TCP), .cport = 40003, SYN,
		       NEW(BE4_A) },
		     { .what = "ACK with a payload: not a SYN", XDP(F4_TCP), ACK, .payload_len = 20,
		       FWD(BE4_A) },
		     { .what = "UDP: no clamp", XDP(F4_UDP), .payload_len = 20, NEW(BE4_A) } } },
	{ .name = "mss_not_clamped_when_off",
	  .setup = setup_mtu_1500,
	  .steps = { { .what = "v4 SYN, MSS 1460", XDP(F4_TCP), SYN, .tcp_opt_words = 3,
		       NEW(BE4_A) } } },

	/* -- path MTU -- */
	{ .name = "v4_too_big_for_the_cached_path_frag_needed",
	  .setup = setup_mtu_1280,
	  .steps = { { .what = "SYN (fits; the FIB's answer is cached)", XDP(F4_TCP), SYN,
		       NEW(BE4_A) },
		     { .what = "ACK + 1300 bytes, DF", XDP(F4_TCP), ACK, BIG, .frag = IPV4_DF,
		       TOO_BIG(1280) },
		     { .what = "ACK + 1200 bytes, DF: fits", XDP(F4_TCP), ACK,
		       .payload_len = 1200, .frag = IPV4_DF, FWD(BE4_A) } } },
	{ .name = "v4_too_big_for_the_fib_frag_needed",
	  .setup = setup_mtu_1280,
	  .steps = { { .what = "UDP 1300 bytes, DF, cold cache", XDP(F4_UDP), BIG,
		       .frag = IPV4_DF, TOO_BIG(1280) } } },
	{ .name = "v4_too_big_without_df_stack_fragments",
	  .setup = setup_mtu_1280,
	  .steps = { { .what = "UDP 1300 bytes, no DF (FIB)", XDP(F4_UDP), BIG, .backend = BE4_A,
		       .verdict = V_XDP_PASS, .reason = STEER_R_PASS_FRAGMENTING, .out = OUT_NAT,
		       .ct = CT_ENTRY, .new_flow = 1 },
		     { .what = "SYN (cached)", XDP(F4_TCP), SYN, NEW(BE4_A) },
		     { .what = "ACK + 1300 bytes, no DF (cache)", XDP(F4_TCP), ACK, BIG,
		       .backend = BE4_A, .verdict = V_XDP_PASS,
		       .reason = STEER_R_PASS_FRAGMENTING, .out = OUT_NAT, .ct = CT_ENTRY } } },
	{ .name = "v6_too_big_packet_too_big",
	  .setup = setup_mtu_1280,
	  .steps = { { .what = "UDP 1300 bytes, cold cache", XDP(F6_UDP), BIG, TOO_BIG(1280) },
		     { .what = "SYN (fits)", XDP(F6_TCP), SYN, NEW(BE6_A) },
		     { .what = "ACK + 1300 bytes (cache)", XDP(F6_TCP), ACK, BIG,
		       TOO_BIG(1280) } } },
};

int main(void)
{
	return BPFT_MAIN("steer_xdp_icmp", fixtures);
}
