/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Per-CPU counters: reasons, and per backend, tenant and class traffic. */
#ifndef STEER_STATS_H
#define STEER_STATS_H

static __always_inline void steer_count_reason(void *map, __u32 reason, __u32 bytes)
{
	struct steer_reason_stats *s = bpf_map_lookup_elem(map, &reason);

	if (s) {
		s->packets++;
		s->bytes += bytes;
	}
}

/*
 * Forward packet of a steered flow (XDP). new_backend: first packet to this
 * backend; new_flow: first packet of the flow (tenant and class).
 */
static __always_inline void steer_count_forward(__u32 backend, __u32 tenant, __u32 class_id,
						__u32 bytes, int new_backend, int new_flow)
{
	struct steer_backend_stats *b = bpf_map_lookup_elem(&backend_stats, &backend);
	struct steer_tenant_stats *t = bpf_map_lookup_elem(&tenant_stats, &tenant);
	struct steer_class_stats *c = bpf_map_lookup_elem(&class_stats, &class_id);

	if (b) {
		b->packets++;
		b->bytes += bytes;
		b->new_flows += new_backend;
	}
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

	if (b)
		b->closed_flows++;
	if (t)
		t->closed_flows++;
}

/* A new flow refused by policy or admission (reason tells which). */
static __always_inline void steer_count_refused(__u32 tenant, __u32 class_id, int has_class,
						int reason)
{
	struct steer_tenant_stats *t = bpf_map_lookup_elem(&tenant_stats, &tenant);
	struct steer_class_stats *c;

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
