/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Packet builder for the BPF fixtures.
 *
 * pkt_build() writes an Ethernet frame from a pkt_spec: 0-2 VLAN tags,
 * IPv4 (with options, fragment fields) or IPv6 (with extension headers),
 * TCP (flags, options, payload), UDP or ICMP. Every checksum is computed
 * here from scratch (RFC 1071), never copied from the program under test.
 * pkt_mangle() then breaks a built frame in one precise way, for the
 * malformed-input fixtures, and pkt_verify_csums() checks the checksums of
 * any frame (including one a BPF program produced).
 */
#ifndef STEER_TESTS_PKTBUILD_H
#define STEER_TESTS_PKTBUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PKT_MAX 2048

#define ETH_ALEN_ 6
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_ARP 0x0806
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88a8

/* IPv6 next-header values the builder knows how to emit */
#define NH_HOPOPTS 0
#define NH_ROUTING 43
#define NH_FRAGMENT 44
#define NH_ESP 50
#define NH_AH 51
#define NH_DSTOPTS 60

#define PROTO_ICMP 1
#define PROTO_TCP 6
#define PROTO_UDP 17
#define PROTO_ICMPV6 58

#define TCPF_FIN 0x01
#define TCPF_SYN 0x02
#define TCPF_RST 0x04
#define TCPF_PSH 0x08
#define TCPF_ACK 0x10

#define IPV4_MF 0x2000
#define IPV4_DF 0x4000

#define PKT_EXT_MAX 8

struct pkt_vlan {
	uint16_t tpid;	/* 0x8100 or 0x88a8 */
	uint16_t tci;
};

struct pkt_spec {
	uint8_t dmac[ETH_ALEN_];
	uint8_t smac[ETH_ALEN_];
	uint8_t nvlan;			/* 0..2 */
	struct pkt_vlan vlan[2];
	uint16_t ethertype;		/* 0: from family; else raw payload after L2 */
	uint8_t family;			/* 4 or 6 (ignored with ethertype) */
	uint8_t proto;			/* PROTO_TCP, PROTO_UDP, PROTO_ICMP(V6), other */
	uint8_t src[16];		/* IPv4 in src[0..3] */
	uint8_t dst[16];
	uint8_t ttl;			/* 0: 64 */
	uint8_t tos;
	uint16_t ip_id;
	uint16_t frag;			/* IPv4 flags|offset field (host order) */
	uint8_t ip_opt_words;		/* IPv4 options in 32-bit words, 0..10 */
	uint8_t n_ext;			/* IPv6 extension headers, in order */
	uint8_t ext[PKT_EXT_MAX];	/* NH_* values */
	uint16_t frag6_off;		/* IPv6 fragment header: offset in 8-byte units */
	bool frag6_more;		/* IPv6 fragment header: M flag */
	uint16_t sport, dport;		/* host order */
	uint8_t tcp_flags;
	uint32_t seq, ack;
	uint16_t win;			/* 0: 65535 */
	uint8_t tcp_opt_words;		/* TCP options in 32-bit words, 0..10 */
	uint16_t mss;			/* the MSS option's value (first option); 0: 1460 */
	bool udp_csum_zero;		/* send UDP checksum 0 ("none") */
	const uint8_t *payload;		/* NULL: a fixed pattern */
	uint16_t payload_len;
};

/* Where each layer starts in a built frame. */
struct pkt_layout {
	size_t l3_off;			/* IP header (after Ethernet and tags) */
	size_t l4_off;			/* TCP/UDP/ICMP header (after IPv6 ext headers) */
	size_t pay_off;			/* payload */
	size_t ext_off[PKT_EXT_MAX];	/* each IPv6 extension header */
	size_t len;			/* frame length */
};

/* Build the frame into buf (cap bytes). Returns its length, 0 if it didn't fit. */
size_t pkt_build(const struct pkt_spec *s, uint8_t *buf, size_t cap, struct pkt_layout *lay);

/* RFC 1071: one's complement sum, folded, of data added to sum. */
uint32_t csum_add(uint32_t sum, const void *data, size_t len);
uint16_t csum_fold(uint32_t sum);
/* Internet checksum of a buffer (what goes into the field). */
uint16_t inet_csum(const void *data, size_t len);

/* Recompute the IPv4 header checksum of the frame's IPv4 header in place. */
void pkt_fix_ip4_csum(uint8_t *pkt, const struct pkt_layout *lay);

/*
 * Check the checksums of a frame: IPv4 header checksum, TCP/UDP checksum
 * with the pseudo-header (skipping IPv6 extension headers). A UDP over IPv4
 * checksum of 0 is accepted. Non-IP frames, fragments and other protocols
 * pass. Returns true if valid; otherwise writes why into why[whylen].
 */
bool pkt_verify_csums(const uint8_t *pkt, size_t len, char *why, size_t whylen);

/*
 * The ICMP error a router sends about frame `in` (layout lay) back to its
 * sender: Ethernet dmac/smac (tags kept), an IPv4 (TOS 0xc0, TTL 64) or
 * IPv6 (hop limit 64) header from src to the frame's source, ICMP type,
 * code and the 32-bit word after the checksum (`rest`, host order), then
 * the quote: the frame's IP headers and 8 bytes of L4. Checksums (ICMPv6:
 * with the pseudo-header) computed here. Returns the length.
 */
size_t pkt_icmp_error(const uint8_t *in, const struct pkt_layout *lay, const uint8_t *dmac,
		      const uint8_t *smac, const uint8_t *src, uint8_t type, uint8_t code,
		      uint32_t rest, uint8_t *out, size_t cap);

/* Break a built frame in one way (for the malformed fixtures). */
enum pkt_mangle_op {
	MANGLE_NONE = 0,
	MANGLE_TRUNC,		/* cut the frame to arg bytes */
	MANGLE_TRUNC_L3,	/* cut to l3_off + arg, lengths untouched */
	MANGLE_TRUNC_L3_FIX,	/* cut to l3_off + arg, IP length fields follow */
	MANGLE_TRUNC_L4_FIX,	/* cut to l4_off + arg, IP length fields follow */
	MANGLE_IHL,		/* set IPv4 IHL to arg (header csum fixed) */
	MANGLE_VERSION,		/* set the IP version nibble to arg */
	MANGLE_IPLEN_ADD,	/* add arg to IPv4 tot_len / IPv6 payload length */
	MANGLE_IPLEN_SET,	/* set IPv4 tot_len / IPv6 payload length to arg */
	MANGLE_DOFF,		/* set the TCP data offset to arg */
	MANGLE_EXT_LEN,		/* set the first IPv6 ext header's length byte to arg */
	MANGLE_IP4_CSUM,	/* XOR the IPv4 header checksum with arg */
	MANGLE_L4_CSUM,		/* add arg to the TCP/UDP checksum field (a wrong checksum) */
};

/* Returns the new frame length. */
size_t pkt_mangle(uint8_t *pkt, size_t len, const struct pkt_layout *lay, enum pkt_mangle_op op,
		  unsigned int arg);

/* Hex dump of two frames side by side, marking differing bytes, to stderr. */
void pkt_diff_dump(const char *title, const uint8_t *got, size_t got_len, const uint8_t *want,
		   size_t want_len);

#endif /* STEER_TESTS_PKTBUILD_H */
