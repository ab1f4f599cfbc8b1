/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* ICMP / ICMPv6 numbers and the error header, for steer_icmp.h (XDP) and
 * steer_icmp_nat.h (TC). */
#ifndef STEER_ICMP_DEFS_H
#define STEER_ICMP_DEFS_H

/* steer_xdp_forward(): "too big for the next hop", the MTU in the low 16 bits */
#define STEER_XDP_TOO_BIG	0x10000

/* Bytes of the offending packet quoted: its IP headers and 8 bytes of L4
 * (RFC 792; the ports and TCP sequence number the sender's stack needs).
 * A longer IPv6 extension header chain is not answered. */
#define STEER_ICMP_QUOTE_MAX	128

#define STEER_ICMP_TIME_EXCEEDED	11
#define STEER_ICMP_DEST_UNREACH		3
#define STEER_ICMP_FRAG_NEEDED		4
#define STEER_ICMP6_PKT_TOO_BIG		2
#define STEER_ICMP6_TIME_EXCEED		3
#define STEER_ICMP_ERR_TTL		64	/* TTL / hop limit of the errors (Linux's default) */
#define STEER_ICMP_ERR_TOS		0xc0	/* IPTOS_PREC_INTERNETCONTROL, as icmp_send() */

struct steer_icmp_hdr {
	__u8 type;
	__u8 code;
	__u16 check;
	__u32 rest;		/* unused, or the MTU (network order) */
};

#endif /* STEER_ICMP_DEFS_H */
