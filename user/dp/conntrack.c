// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Conntrack as steerd sees it: the state of an entry (from the flags both
 * programs set), its expiry by state, and a sweep in bounded batches that
 * deletes expired entries with their reverse entries and counts the truth
 * of the table: established flows per backend (a backend's load) and open,
 * slot-holding flows per tenant (its admission count).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "dp/dp.h"
#include "dp/internal.h"
#include "steer_flow.h"
#include "util/util.h"

#define SWEEP_PAGE 1024

enum dp_ct_state dp_ct_state_of(const struct steer_ct *e)
{
	if (e->flags & STEER_CT_F_CLOSED)
		return DP_CT_CLOSED;
	if (e->flags & (STEER_CT_F_FIN_CLIENT | STEER_CT_F_FIN_BACKEND | STEER_CT_F_RST |
			STEER_CT_F_RST_CLIENT))
		return DP_CT_CLOSING;
	if (e->flags & STEER_CT_F_ESTABLISHED)
		return DP_CT_ESTABLISHED;
	return DP_CT_HANDSHAKE;
}

const char *dp_ct_state_name(enum dp_ct_state s)
{
	static const char *const names[DP_CT__STATES] = {
		[DP_CT_HANDSHAKE] = "handshake",
		[DP_CT_ESTABLISHED] = "established",
		[DP_CT_CLOSING] = "closing",
		[DP_CT_CLOSED] = "closed",
	};

	return (unsigned int)s < DP_CT__STATES ? names[s] : "unknown";
}

bool dp_ct_expired(const struct steer_ct *e, uint8_t proto, uint64_t now_ns,
		   const struct dp_ct_timeouts *t)
{
	uint64_t idle = now_ns > e->last_ns ? now_ns - e->last_ns : 0, limit;

	if (proto != STEER_PROTO_TCP)
		limit = t->udp_ns;
	else
		switch (dp_ct_state_of(e)) {
		case DP_CT_HANDSHAKE:
			limit = t->handshake_ns;
			break;
		case DP_CT_ESTABLISHED:
			limit = t->established_ns;
			break;
		default:
			limit = t->closing_ns;
			break;
		}
	return idle > limit;
}

void dp_ct_count(struct dp_ct_counts *c, const struct steer_ct *e, uint8_t proto)
{
	enum dp_ct_state s = proto == STEER_PROTO_TCP ? dp_ct_state_of(e)
			     : e->flags & STEER_CT_F_CLOSED ? DP_CT_CLOSED
							    : DP_CT_ESTABLISHED;

	c->entries++;
	c->by_state[s]++;
	if (s == DP_CT_ESTABLISHED && e->backend_id < STEER_MAX_BACKENDS)
		c->established[e->backend_id]++;
	if (s != DP_CT_CLOSED && e->backend_id < STEER_MAX_BACKENDS)
		c->open_by_backend[e->backend_id]++;
	if ((e->flags & STEER_CT_F_COUNTED) && s != DP_CT_CLOSED && e->tenant < STEER_MAX_TENANTS)
		c->open[e->tenant]++;
}

/* The reverse entry of a forward one: how the backend's replies look. */
static bool rct_key_of(const struct dp_ct_sweep *s, const struct steer_flow_key *k,
		       const struct steer_ct *e, struct steer_flow_key *rk)
{
	const struct steer_backend *be;

	if (e->backend_id >= STEER_MAX_BACKENDS)
		return false;
	be = &s->backends[e->backend_id];
	if (be->family != k->family)
		return false;
	steer_rct_key(rk, k, be);
	return true;
}

static int sweep_start(struct dp *dp, struct dp_ct_sweep *s, uint64_t now_ns)
{
	int err;

	if (!s->backends)
		s->backends = calloc(STEER_MAX_BACKENDS, sizeof(*s->backends));
	if (!s->part)
		s->part = calloc(1, sizeof(*s->part));
	if (!s->last)
		s->last = calloc(1, sizeof(*s->last));
	if (!s->backends || !s->part || !s->last)
		return -ENOMEM;
	err = dp_backends_read_all(dp, s->backends);
	if (err)
		return err;
	/* ct_hint: the generation XDP does not trust is cleared, then set again
	 * for every TCP key the pass finds; trusted once the pass ends */
	s->hint = dp_ct_hint_get(dp);
	if (s->hint) {
		struct steer_ct_hint_ctl c;

		err = dp_ct_hint_ctl_get(dp, &c);
		if (err)
			return err;
		s->hint_gen = c.on ? !c.gen : 0;
		dp_ct_hint_clear_gen(s->hint, s->hint_gen);
	}
	memset(s->part, 0, sizeof(*s->part));
	memset(&s->cur, 0, sizeof(s->cur));
	s->phase = 0;
	s->pass_start_ns = now_ns;
	s->in_pass = true;
	return 0;
}

int dp_ct_sweep(struct dp *dp, struct dp_ct_sweep *s, const struct dp_ct_timeouts *t,
		uint64_t now_ns, size_t budget)
{
	struct steer_flow_key keys[SWEEP_PAGE], dead[SWEEP_PAGE], rdead[SWEEP_PAGE];
	struct steer_ct vals[SWEEP_PAGE];
	size_t done = 0, n, i, n_dead, n_rdead;
	double t0 = util_now_ms_f();
	int err;

	if (!s->in_pass) {
		err = sweep_start(dp, s, now_ns);
		if (err)
			return err;
	}
	/*
	 * A pass: ct_syn (half-open, no reverse entries: bpf/steer_embryonic.h)
	 * then ct (established, with rct). In this order a flow whose
	 * handshake ends during the pass (its entry moves from ct_syn to ct) is
	 * counted once or twice, never missed: the counts are never below the
	 * truth, so lowering tenant and backend counts to them never loses a
	 * live flow. (ct first, a flow moving after ct's turn and before
	 * ct_syn's was seen in neither.)
	 */
	while (done < budget && s->phase < 2) {
		enum dp_map fwd = s->phase ? DP_MAP_CT : DP_MAP_CT_SYN;

		if (s->cur.done) {
			memset(&s->cur, 0, sizeof(s->cur));
			s->phase++;
			continue;
		}
		n = budget - done < SWEEP_PAGE ? budget - done : SWEEP_PAGE;
		if (n < 64)
			n = 64; /* a batch takes whole buckets */
		err = dp_map_page(dp, fwd, &s->cur, keys, vals, &n);
		if (err)
			return err;
		n_dead = n_rdead = 0;
		for (i = 0; i < n; i++) {
			if (!dp_ct_expired(&vals[i], keys[i].proto, now_ns, t)) {
				dp_ct_count(s->part, &vals[i], keys[i].proto);
				if (s->hint && keys[i].proto == STEER_PROTO_TCP)
					dp_ct_hint_mark(s->hint, &keys[i], 1u << s->hint_gen);
				continue;
			}
			dead[n_dead++] = keys[i];
			if (fwd == DP_MAP_CT && rct_key_of(s, &keys[i], &vals[i], &rdead[n_rdead]))
				n_rdead++;
		}
		/* reverse entries first: a reply never finds NAT state whose
		 * forward entry is gone (it passes un-NATed, as after expiry) */
		err = dp_map_delete(dp, DP_MAP_RCT, rdead, n_rdead);
		if (!err)
			err = dp_map_delete(dp, fwd, dead, n_dead);
		if (err)
			return err;
		s->part->expired += n_dead;
		s->part->table_entries[fwd == DP_MAP_CT ? 0 : 1] += n - n_dead;
		s->expired_total += n_dead;
		s->swept_total += n;
		done += n;
	}
	s->sweep_ms += util_now_ms_f() - t0;
	if (s->phase < 2)
		return 0;
	/* a whole pass: its counts are the truth now, and its hint bits */
	if (s->hint) {
		struct steer_ct_hint_ctl c = { .on = 1, .gen = s->hint_gen };

		s->part->hint_set = dp_ct_hint_count(s->hint, s->hint_gen);
		s->part->hint_slots = (uint64_t)s->hint->words * 32;
		err = dp_ct_hint_ctl_set(dp, &c);
		if (err)
			return err;
	}
	memcpy(s->last, s->part, sizeof(*s->last));
	s->have_last = true;
	s->passes++;
	s->last_pass_ms = s->sweep_ms;
	s->sweep_ms = 0;
	s->in_pass = false;
	return 1;
}

void dp_ct_sweep_free(struct dp_ct_sweep *s)
{
	free(s->backends);
	free(s->part);
	free(s->last);
	memset(s, 0, sizeof(*s));
}

int dp_backend_load_read_all(struct dp *dp, int64_t *out)
{
	uint32_t *keys = calloc(STEER_MAX_BACKENDS, sizeof(*keys));
	struct steer_backend_load *v = calloc(STEER_MAX_BACKENDS, sizeof(*v));
	size_t n = STEER_MAX_BACKENDS, i;
	int err = -ENOMEM;

	_Static_assert(sizeof(struct steer_backend_load) == sizeof(int64_t), "one counter");
	if (keys && v)
		err = dp_map_read(dp, DP_MAP_BACKEND_LOAD, keys, v, &n);
	memset(out, 0, STEER_MAX_BACKENDS * sizeof(*out));
	for (i = 0; !err && i < n; i++)
		if (keys[i] < STEER_MAX_BACKENDS)
			out[keys[i]] = v[i].open;
	free(keys);
	free(v);
	return err;
}

int dp_backend_load_set(struct dp *dp, uint32_t id, int64_t open)
{
	struct steer_backend_load v = { .open = open };

	if (id >= STEER_MAX_BACKENDS)
		return dp_fail(-EINVAL, "backend %u out of range", id);
	return dp_map_write(dp, DP_MAP_BACKEND_LOAD, &id, &v, 1);
}

int64_t dp_tenant_active_get(struct dp *dp, uint32_t tenant)
{
	struct steer_tenant_state st;

	if (tenant >= STEER_MAX_TENANTS ||
	    bpf_map_lookup_elem_flags(dp_map_fd(dp, DP_MAP_TENANT_STATE), &tenant, &st, BPF_F_LOCK))
		return 0;
	return st.active;
}

int dp_tenant_active_set(struct dp *dp, uint32_t tenant, int64_t active)
{
	int fd = dp_map_fd(dp, DP_MAP_TENANT_STATE);
	struct steer_tenant_state st;

	if (tenant >= STEER_MAX_TENANTS)
		return dp_fail(-EINVAL, "tenant %u out of range", tenant);
	/* under the value's spin lock; the program's atomics on `active` don't
	 * take it, so a flow opening or closing in this instant may be
	 * miscounted by one until the next pass */
	if (bpf_map_lookup_elem_flags(fd, &tenant, &st, BPF_F_LOCK))
		return dp_fail(-errno, "lookup in tenant_state failed: %s", strerror(errno));
	if (st.active == active)
		return 0;
	st.active = active;
	if (bpf_map_update_elem(fd, &tenant, &st, BPF_F_LOCK))
		return dp_fail(-errno, "update of tenant_state failed: %s", strerror(errno));
	return 1;
}
