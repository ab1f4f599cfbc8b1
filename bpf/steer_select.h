/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Classification (tenant, class) and backend selection from a Maglev table. */
#ifndef STEER_SELECT_H
#define STEER_SELECT_H

#include "steer_hash.h"

/* Longest-prefix match of the source; unmatched sources are tenant 0. */
static __always_inline __u32 steer_tenant_of(const struct steer_flow_key *k)
{
	__u32 *t;

	if (k->family == STEER_AF_INET) {
		struct steer_lpm_v4_key lk = { .prefixlen = 32 };

		__builtin_memcpy(lk.addr, k->src, 4);
		t = bpf_map_lookup_elem(&tenants_v4, &lk);
		steer_one_map_per_call(t);
	} else {
		struct steer_lpm_v6_key lk = { .prefixlen = 128 };

		__builtin_memcpy(lk.addr, k->src, 16);
		t = bpf_map_lookup_elem(&tenants_v6, &lk);
	}
	return t ? *t : STEER_DEFAULT_TENANT;
}

static __always_inline int steer_backend_usable(const struct steer_backend *be, __u8 family)
{
	return be && be->state == STEER_BACKEND_ACTIVE && be->family == family;
}

/*
 * Does an existing flow stay on its backend? Active and draining: yes.
 * Failing health (within steerd's down_grace_ms): TCP flows stay, since a
 * backend without their socket would only answer RST; UDP flows move at
 * once. Down or unused: every flow re-steers on its next packet.
 */
static __always_inline int steer_backend_keeps(const struct steer_backend *be, __u8 proto)
{
	return be->state == STEER_BACKEND_ACTIVE || be->state == STEER_BACKEND_DRAINING ||
	       (be->state == STEER_BACKEND_FAILING && proto == IPPROTO_TCP);
}

/*
 * Backend for a flow: slot h % M of the class's table (h: the flow's
 * steer_flow_hash, the caller's, which the bounded walk reuses); if that slot's
 * backend can't take flows (empty, not active, other family) a few more
 * slots are tried, so a backend marked down is avoided at once, before
 * steerd republishes the table.
 */
static __always_inline int steer_pick(const struct steer_class *cls,
				      const struct steer_config *cfg,
				      const struct steer_flow_key *k, __u32 h, __u32 *bid_out,
				      struct steer_backend **be_out)
{
	__u32 table_id = cls->table_id;
	__u32 m = cfg->maglev_size;
	void *table;
	__u32 slot;
	int i;

	table = bpf_map_lookup_elem(&tables, &table_id);
	if (!table || !m)
		return STEER_R_DROP_NO_BACKEND;
	slot = h % m;

#pragma unroll
	for (i = 0; i < STEER_PICK_TRIES; i++) {
		__u32 *id = bpf_map_lookup_elem(table, &slot);

		if (id && *id != STEER_NO_BACKEND) {
			__u32 bid = *id;
			struct steer_backend *be = bpf_map_lookup_elem(&backends, &bid);

			if (steer_backend_usable(be, k->family)) {
				*bid_out = bid;
				*be_out = be;
				return 0;
			}
		}
		slot = (slot + STEER_PICK_STRIDE) % m;
	}
	return STEER_R_DROP_NO_BACKEND;
}

#endif /* STEER_SELECT_H */
