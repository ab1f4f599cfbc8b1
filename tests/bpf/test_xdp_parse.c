// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * steer_xdp fixtures (docs/datapath.md, "steer_xdp"), parsing: IPv4
 * options, IPv6 extension headers and fragments, traffic passed through
 * (not a service, not IP, not TCP/UDP), and frames malformed at every
 * layer (dropped, nothing in conntrack).
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

/* ---- the table ---- */

static const struct bpft_fixture fixtures[] = {
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
	/* fragments: sequences in test_xdp_frag.c */
	{ .name = "v6_fragment_header",
	  .steps = { { .what = "first fragment: steered", XDP(F6_TCP), SYN, EXT(NH_FRAGMENT),
		       .frag6_more = true, NEW(BE6_A), .reason = STEER_R_EV_FRAG_FIRST },
		     { .what = "atomic fragment (offset 0, no M): whole", XDP(F6_UDP),
		       EXT(NH_FRAGMENT), NEW(BE6_A) },
		     { .what = "later fragment after a hop-by-hop, first unseen", XDP(F6_UDP),
		       EXT(NH_HOPOPTS, NH_FRAGMENT), .frag6_off = 100,
		       .verdict = V_XDP_PASS, .reason = STEER_R_PASS_FRAG_NO_FIRST,
		       .out = OUT_SAME } } },
	{ .name = "v4_fragments",
	  .steps = { { .what = "MF set: first fragment, steered", XDP(F4_TCP), SYN,
		       .frag = IPV4_MF, NEW(BE4_A), .reason = STEER_R_EV_FRAG_FIRST },
		     { .what = "offset 185, first unseen", XDP(F4_UDP), .frag = 185,
		       .payload_len = 8, .verdict = V_XDP_PASS,
		       .reason = STEER_R_PASS_FRAG_NO_FIRST, .out = OUT_SAME },
		     { .what = "DF only is not a fragment", XDP(F4_TCP), .cport = 40001, SYN,
		       .frag = IPV4_DF, NEW(BE4_A) } } },

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
	{ .name = "bad_ipv4_header_checksum",
	  .steps = { { .what = "SYN, header checksum off by one bit", XDP(F4_TCP), SYN,
		       .mangle = MANGLE_IP4_CSUM, .mangle_arg = 0x0001,
		       BAD(STEER_R_DROP_BAD_IP_CSUM) },
		     { .what = "UDP, IHL 7, checksum 0", XDP(F4_UDP), .ip_opt_words = 2,
		       .payload_len = 12, .mangle = MANGLE_IP4_CSUM, .mangle_arg = 0xffff,
		       BAD(STEER_R_DROP_BAD_IP_CSUM) },
		     { .what = "data on a flow that has an entry", XDP(F4_TCP), .cport = 40001,
		       SYN, NEW(BE4_A) },
		     { .what = "its next packet with a wrong header checksum", XDP(F4_TCP),
		       .cport = 40001, ACK, .payload_len = 10, .mangle = MANGLE_IP4_CSUM,
		       .mangle_arg = 0x8000, DROP(STEER_R_DROP_BAD_IP_CSUM) },
		     { .what = "not for a service: left to the stack", XDP(F4_NOSVC), SYN,
		       .mangle = MANGLE_IP4_CSUM, .mangle_arg = 0x0100,
		       .verdict = V_XDP_PASS, .reason = STEER_R_PASS_NOT_SERVICE,
		       .out = OUT_SAME } } },
	{ .name = "bad_tcp_checksum_stays_bad",
	  .steps = { { .what = "IPv4 SYN, TCP checksum + 0x1234", XDP(F4_TCP), SYN,
		       .mangle = MANGLE_L4_CSUM, .mangle_arg = 0x1234, NEW(BE4_A) },
		     { .what = "IPv6 SYN, TCP checksum + 1", XDP(F6_TCP), SYN,
		       .mangle = MANGLE_L4_CSUM, .mangle_arg = 1, NEW(BE6_A) },
		     { .what = "IPv4 UDP, checksum + 0x0101", XDP(F4_UDP), .payload_len = 9,
		       .mangle = MANGLE_L4_CSUM, .mangle_arg = 0x0101, NEW(BE4_A) } } },
	{ .name = "bad_ipv6_udp_csum_zero_to_service",
	  .steps = { { .what = "UDP csum 0", XDP(F6_UDP), .udp_csum_zero = true,
		       .payload_len = 10, BAD(STEER_R_DROP_BAD_L4) } } },
};

int main(void)
{
	return BPFT_MAIN("steer_xdp_parse", fixtures);
}
