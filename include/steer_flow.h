/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Flow keys both sides build: the reverse key of a steered flow (how its
 * backend's replies look), written by steer_xdp with the forward entry,
 * looked up by steer_tc, and deleted by steerd's conntrack sweep with it.
 */
#ifndef STEER_FLOW_H
#define STEER_FLOW_H

#include "steer_abi.h"

static inline __attribute__((always_inline)) void
steer_rct_key(struct steer_flow_key *rk, const struct steer_flow_key *k,
	      const struct steer_backend *be)
{
	__builtin_memcpy(rk->src, be->addr, 16);
	__builtin_memcpy(rk->dst, k->src, 16);
	rk->sport = be->port;
	rk->dport = k->sport;
	rk->proto = k->proto;
	rk->family = k->family;
	rk->pad = 0;
}

#endif /* STEER_FLOW_H */
