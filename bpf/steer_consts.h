/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Constants vmlinux.h does not carry (it has types, not #defines). */
#ifndef STEER_CONSTS_H
#define STEER_CONSTS_H

#define ETH_ALEN	6
#define ETH_P_IP	0x0800
#define ETH_P_IPV6	0x86DD
#define ETH_P_8021Q	0x8100
#define ETH_P_8021AD	0x88A8

#define AF_INET		2
#define AF_INET6	10

#define IPPROTO_HOPOPTS		0
#define IPPROTO_ICMP		1
#define IPPROTO_ICMPV6		58
#define IPPROTO_TCP		6
#define IPPROTO_UDP		17
#define IPPROTO_ROUTING		43
#define IPPROTO_FRAGMENT	44
#define IPPROTO_ESP		50
#define IPPROTO_AH		51
#define IPPROTO_DSTOPTS		60

#define IP_DF		0x4000
#define IP_MF		0x2000
#define IP_OFFSET	0x1FFF
#define IP6_OFFSET	0xFFF8	/* Fragment header: offset in bytes, 8-aligned */
#define IP6_MF		0x0001

#define TCP_FLAG_FIN	0x01
#define TCP_FLAG_SYN	0x02
#define TCP_FLAG_RST	0x04
#define TCP_FLAG_ACK	0x10

#define TC_ACT_OK		0
#define TC_ACT_SHOT		2
#define TC_ACT_REDIRECT		7

#define NSEC_PER_SEC		1000000000ULL
/* ct.last_ns is refreshed at most this often (a write per packet costs). */
#define STEER_CT_REFRESH_NS	1000000000ULL
/* Further Maglev slots tried when a slot's backend is unusable. */
#define STEER_PICK_TRIES	4
#define STEER_PICK_STRIDE	7919

#endif /* STEER_CONSTS_H */
