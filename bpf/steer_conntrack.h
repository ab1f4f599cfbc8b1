/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Conntrack: closing flows and releasing what they hold. Both programs
 * mark the forward entry (XDP for the client's FIN/RST, TC for the
 * backend's); atomic fetch-or decides which CPU saw the flow close, so the
 * tenant's concurrency slot and closed_flows are released exactly once.
 */
#ifndef STEER_CONNTRACK_H
#define STEER_CONNTRACK_H

#include "steer_flow.h"
#include "steer_stats.h"

/* Give back what an entry holds: the tenant slot, and count it closed. */
static __always_inline void steer_ct_release(struct steer_ct *e)
{
	__u32 old = __sync_fetch_and_and(&e->flags, ~STEER_CT_F_COUNTED);

	if (old & STEER_CT_F_COUNTED) {
		__u32 tenant = e->tenant;
		struct steer_tenant_state *st = bpf_map_lookup_elem(&tenant_state, &tenant);

		if (st)
			__sync_fetch_and_add(&st->active, -1);
	}
	steer_count_closed(e->backend_id, e->tenant);
}

static __always_inline int steer_ct_closing(__u32 flags)
{
	return (flags & STEER_CT_F_RST) ||
	       ((flags & STEER_CT_F_FIN_CLIENT) && (flags & STEER_CT_F_FIN_BACKEND));
}

/* Close an entry now (a new connection on its tuple): its slot comes back. */
static __always_inline void steer_ct_close_now(struct steer_ct *e)
{
	__u32 old = __sync_fetch_and_or(&e->flags, STEER_CT_F_CLOSED);

	if (!(old & STEER_CT_F_CLOSED))
		steer_ct_release(e);
}

/* Record FIN/RST bits; release the entry if this closes the flow. */
static __always_inline void steer_ct_mark(struct steer_ct *e, __u32 bits)
{
	__u32 old = __sync_fetch_and_or(&e->flags, bits);

	if ((old & STEER_CT_F_CLOSED) || !steer_ct_closing(old | bits))
		return;
	old = __sync_fetch_and_or(&e->flags, STEER_CT_F_CLOSED);
	if (old & STEER_CT_F_CLOSED)
		return;
	steer_ct_release(e);
}

/*
 * Note that the flow is alive: last_ns, at most once a second (a write per
 * packet would bounce the entry's cache line between CPUs). steerd's sweep
 * expires entries by it (idle established, handshake, closing). now: the
 * packet's bpf_ktime_get_coarse_ns().
 */
static __always_inline void steer_ct_touch(struct steer_ct *e, __u64 now)
{
	if (now - e->last_ns > STEER_CT_REFRESH_NS)
		e->last_ns = now;
}

/*
 * FIN/RST bits of a TCP flags byte, for the side that sent it: a backend's
 * RST closes the flow (STEER_CT_F_RST); a client's only marks it closing
 * (STEER_CT_F_RST_CLIENT), since the backend may ignore it (a bogus RST)
 * and the connection go on.
 */
static __always_inline __u32 steer_ct_bits(__u8 tcp_flags, __u32 fin_bit, __u32 rst_bit)
{
	__u32 bits = 0;

	if (tcp_flags & TCP_FLAG_FIN)
		bits |= fin_bit;
	if (tcp_flags & TCP_FLAG_RST)
		bits |= rst_bit;
	return bits;
}


#endif /* STEER_CONNTRACK_H */
