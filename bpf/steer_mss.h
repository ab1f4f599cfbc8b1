/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * MSS clamping on a service's SYNs (services[].mss_clamp, 0 = off): the
 * client's MSS option, when above the clamp, is lowered to it, as
 * `iptables -j TCPMSS --set-mss` / nftables `tcp option maxseg size set`
 * would, so that the backend never sends segments the path can't carry
 * even when ICMP is filtered somewhere. A SYN without an MSS option is left
 * alone (RFC 9293: the default is 536, below any sensible clamp), and so is
 * one whose first option is not MSS.
 */
#ifndef STEER_MSS_H
#define STEER_MSS_H

#include "steer_csum.h"

#define STEER_TCPOPT_MSS	2

/*
 * 1 if the SYN's MSS was lowered to clamp (TCP checksum updated
 * incrementally), else 0. A subprogram called from the entry point: its
 * loop and locals stay off the rest of the call chain.
 */
static __noinline int steer_xdp_mss_clamp(struct xdp_md *ctx, const struct steer_pkt *p,
					  __u32 clamp)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct tcphdr *th = data + (p->l4_off & 0x3fff);
	__u8 *o = (__u8 *)(th + 1);
	__u16 *mss = (__u16 *)(o + 2);

	/*
	 * The first option only: every stack we know of (Linux, the BSDs,
	 * Windows) sends MSS first in a SYN. A walk over the 40 bytes of
	 * options, each path a different offset, took the verifier past its
	 * million instructions.
	 */
	if ((void *)(mss + 1) > data_end || th->doff < 6)
		return 0;
	if (o[0] != STEER_TCPOPT_MSS || o[1] != 4 || bpf_ntohs(*mss) <= clamp)
		return 0;
	steer_csum_replace2(&th->check, *mss, bpf_htons((__u16)clamp));
	*mss = bpf_htons((__u16)clamp);
	return 1;
}

#endif /* STEER_MSS_H */
