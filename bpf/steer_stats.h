/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Per-CPU counters: reasons, and per backend, tenant and class traffic. */
#ifndef STEER_STATS_H
#define STEER_STATS_H

/*
 * Set (rodata) in the instance `steerctl explain` runs: it reads the live
 * maps and writes nothing but the explain map, so counters, conntrack and
 * admission stay as they are. The verifier drops the dead branches.
 */
const volatile __u32 steer_dry_run = 0;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct steer_explain);
} explain SEC(".maps");

static __always_inline struct steer_explain *steer_explain_rec(void)
{
	__u32 zero = 0;

	return steer_dry_run ? bpf_map_lookup_elem(&explain, &zero) : NULL;
}

static __always_inline void steer_count_reason(void *map, __u32 reason, __u32 bytes)
{
	struct steer_reason_stats *s;

	if (steer_dry_run) {
		struct steer_explain *x = steer_explain_rec();

		if (x && !x->reason)
			x->reason = reason; /* the first reason: events precede verdicts */
		return;
	}
	s = bpf_map_lookup_elem(map, &reason);
	if (s) {
		s->packets++;
		s->bytes += bytes;
	}
}

/* A flow opened (+1) or closed (-1) on a backend: its bounded-load count. */
static __always_inline void steer_load_add(__u32 backend, __s64 d)
{
	struct steer_backend_load *l = bpf_map_lookup_elem(&backend_load, &backend);

	if (l && !steer_dry_run)
		__sync_fetch_and_add(&l->open, d);
}

/*
 * Forward packet of a steered flow (XDP). new_backend: first packet to this
 * backend (1; 2 when the bounded load has added it to backend_load already);
 * new_flow: first packet of the flow (tenant and class).
 */
static __always_inline void steer_count_forward(__u32 backend, __u32 tenant, __u32 class_id,
						__u32 bytes, int new_backend, int new_flow)
{
	struct steer_backend_stats *b = bpf_map_lookup_elem(&backend_stats, &backend);
	struct steer_tenant_stats *t = bpf_map_lookup_elem(&tenant_stats, &tenant);
	struct steer_class_stats *c = bpf_map_lookup_elem(&class_stats, &class_id);

	if (steer_dry_run)
		return;

	if (b) {
		b->packets++;
		b->bytes += bytes;
		b->new_flows += new_backend != 0;
	}
	if (new_backend == 1) /* 2: its load place is taken already (steer_bound.h) */
		steer_load_add(backend, 1);
	if (t) {
		t->packets++;
		t->bytes += bytes;
		t->new_flows += new_flow;
	}
	if (c) {
		c->packets++;
		c->bytes += bytes;
		c->new_flows += new_flow;
	}
}

/* Reply packet of a steered flow (TC). */
static __always_inline void steer_count_reply(__u32 backend, __u32 tenant, __u32 bytes)
{
	struct steer_backend_stats *b = bpf_map_lookup_elem(&backend_stats, &backend);
	struct steer_tenant_stats *t = bpf_map_lookup_elem(&tenant_stats, &tenant);

	if (steer_dry_run)
		return;

	if (b) {
		b->reply_packets++;
		b->reply_bytes += bytes;
	}
	if (t) {
		t->reply_packets++;
		t->reply_bytes += bytes;
	}
}

static __always_inline void steer_count_closed(__u32 backend, __u32 tenant)
{
	struct steer_backend_stats *b = bpf_map_lookup_elem(&backend_stats, &backend);
	struct steer_tenant_stats *t = bpf_map_lookup_elem(&tenant_stats, &tenant);

	if (steer_dry_run)
		return;

	if (b)
		b->closed_flows++;
	if (t)
		t->closed_flows++;
	steer_load_add(backend, -1);
}

/* A new flow refused by policy or admission (reason tells which). */
static __always_inline void steer_count_refused(__u32 tenant, __u32 class_id, int has_class,
						int reason)
{
	struct steer_tenant_stats *t = bpf_map_lookup_elem(&tenant_stats, &tenant);
	struct steer_class_stats *c;

	if (steer_dry_run)
		return;

	if (t) {
		if (reason == STEER_R_DROP_ADMIT_RATE)
			t->admit_rate_drops++;
		else if (reason == STEER_R_DROP_ADMIT_CONC)
			t->admit_conc_drops++;
		else
			t->rejected++;
	}
	if (has_class) {
		c = bpf_map_lookup_elem(&class_stats, &class_id);
		if (c)
			c->rejected++;
	}
}

#endif /* STEER_STATS_H */
