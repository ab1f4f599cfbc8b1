// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Explain: run the real steer_xdp, loaded a second time with
 * steer_dry_run = 1 and the live pinned maps, on a synthesized packet
 * through BPF_PROG_TEST_RUN. The dry-run instance writes nothing but its
 * private explain map: conntrack, counters and admission stay untouched.
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dp/dp.h"
#include "dp/internal.h"
#include "steer_xdp.skel.h"

static int explain_load(struct dp *dp)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .pin_root_path = dp->pin_root);
	int err;

	if (dp->dry)
		return 0;
	dp->dry = steer_xdp_bpf__open_opts(&oo);
	if (!dp->dry)
		return dp_fail(-errno, "can't open the explain instance: %s",
				     strerror(errno));
	dp->dry->rodata->steer_dry_run = 1;
	/* the live conntrack maps may have a size the settings chose */
	err = dp_maps_prepare(dp, dp->dry->obj, NULL);
	if (!err) {
		dp->dry->rodata->steer_ct_hint_words = dp->ct_hint_words;
		err = steer_xdp_bpf__load(dp->dry);
	}
	if (err) {
		steer_xdp_bpf__destroy(dp->dry);
		dp->dry = NULL;
		return dp_fail(err, "can't load the explain instance: %s", strerror(-err));
	}
	return 0;
}

/* The IPv4 header checksum (RFC 791): steer_xdp drops a wrong one. */
static uint16_t ipv4_csum(const void *hdr, size_t len)
{
	const uint8_t *b = hdr;
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

/* Ethernet + IP + TCP SYN (or UDP) with an 8-byte payload; returns its length. */
static size_t build_packet(const struct dp_explain_req *r, uint8_t *buf, size_t len)
{
	struct ethhdr *eth = (struct ethhdr *)buf;
	size_t l3 = sizeof(*eth), l4, l4len, total;
	uint8_t *l4p;

	l4len = (r->proto == STEER_PROTO_TCP ? sizeof(struct tcphdr) : sizeof(struct udphdr)) + 8;
	l4 = l3 + (r->family == STEER_AF_INET ? sizeof(struct iphdr) : sizeof(struct ipv6hdr));
	total = l4 + l4len;
	if (total > len)
		return 0;
	memset(buf, 0, total);
	memcpy(eth->h_dest, "\x02\x00\x00\x00\x00\x01", ETH_ALEN);
	memcpy(eth->h_source, "\x02\x00\x00\x00\x00\x02", ETH_ALEN);
	if (r->family == STEER_AF_INET) {
		struct iphdr *ip = (struct iphdr *)(buf + l3);

		eth->h_proto = htons(ETH_P_IP);
		ip->version = 4;
		ip->ihl = 5;
		ip->ttl = 64;
		ip->protocol = r->proto;
		ip->tot_len = htons((uint16_t)(total - l3));
		memcpy(&ip->saddr, r->src, 4);
		memcpy(&ip->daddr, r->dst, 4);
		ip->check = ipv4_csum(ip, sizeof(*ip));
	} else {
		struct ipv6hdr *ip6 = (struct ipv6hdr *)(buf + l3);

		eth->h_proto = htons(ETH_P_IPV6);
		ip6->version = 6;
		ip6->hop_limit = 64;
		ip6->nexthdr = r->proto;
		ip6->payload_len = htons((uint16_t)l4len);
		memcpy(&ip6->saddr, r->src, 16);
		memcpy(&ip6->daddr, r->dst, 16);
	}
	l4p = buf + l4;
	if (r->proto == STEER_PROTO_TCP) {
		struct tcphdr *th = (struct tcphdr *)l4p;

		th->source = htons(r->sport);
		th->dest = htons(r->dport);
		th->doff = 5;
		th->syn = 1;
		th->window = htons(65535);
		th->check = 0xffff; /* not verified by steer; any value */
	} else {
		struct udphdr *uh = (struct udphdr *)l4p;

		uh->source = htons(r->sport);
		uh->dest = htons(r->dport);
		uh->len = htons((uint16_t)l4len);
		uh->check = 0xffff; /* IPv6 UDP must not carry 0 */
	}
	return total;
}

int dp_explain(struct dp *dp, const struct dp_explain_req *req,
		     struct steer_explain *out)
{
	/* 2 bytes in, so the IP header after the 14-byte Ethernet one is aligned */
	uint8_t raw[130] __attribute__((aligned(8))), pkt_out[256];
	uint8_t *pkt = raw + 2;
	struct xdp_md ctx = { 0 };
	struct steer_explain zero = { 0 };
	__u32 key = 0;
	size_t len;
	int err, map_fd;
	LIBBPF_OPTS(bpf_test_run_opts, topts);

	if ((req->family != STEER_AF_INET && req->family != STEER_AF_INET6) ||
	    (req->proto != STEER_PROTO_TCP && req->proto != STEER_PROTO_UDP))
		return dp_fail(-EINVAL, "explain: family 4|6 and tcp|udp expected");
	err = explain_load(dp);
	if (err)
		return err;
	len = build_packet(req, pkt, sizeof(raw) - 2);
	if (!len)
		return dp_fail(-EINVAL, "explain: packet too long");
	map_fd = bpf_map__fd(dp->dry->maps.explain);
	if (bpf_map_update_elem(map_fd, &key, &zero, BPF_ANY))
		return dp_fail(-errno, "explain: reset: %s", strerror(errno));
	ctx.data_end = (__u32)len;
	ctx.ingress_ifindex = req->ifindex;
	topts.data_in = pkt;
	topts.data_size_in = (__u32)len;
	topts.data_out = pkt_out;
	topts.data_size_out = sizeof(pkt_out);
	topts.ctx_in = req->ifindex ? &ctx : NULL;
	topts.ctx_size_in = req->ifindex ? sizeof(ctx) : 0;
	topts.repeat = 1;
	if (bpf_prog_test_run_opts(bpf_program__fd(dp->dry->progs.steer_xdp), &topts))
		return dp_fail(-errno, "explain: test run: %s", strerror(errno));
	if (bpf_map_lookup_elem(map_fd, &key, out))
		return dp_fail(-errno, "explain: read: %s", strerror(errno));
	out->verdict = topts.retval;
	return 0;
}
