/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Admission of new flows per tenant: a token bucket on the connection
 * rate (tokens kept in nano-tokens so integer refill is exact) and a cap on
 * concurrent connections. Limits come from tenant_cfg (steerd), state lives
 * in tenant_state, shared by all CPUs: the bucket under a bpf_spin_lock, the
 * active count with atomics.
 */
#ifndef STEER_ADMISSION_H
#define STEER_ADMISSION_H

static __always_inline int steer_take_token(struct steer_tenant_state *st, __u32 rate, __u32 burst,
					    __u64 now)
{
	__u64 cap = (__u64)(burst ? burst : rate) * NSEC_PER_SEC;
	__u64 tokens, elapsed, need;
	int ok;

	bpf_spin_lock(&st->lock);
	tokens = st->tokens_nano;
	if (!st->last_ns || tokens > cap) {
		tokens = cap; /* never used, or the limit shrank */
	} else if (now > st->last_ns) {
		elapsed = now - st->last_ns;
		need = cap - tokens;
		/* elapsed * rate only when it can't pass cap: no overflow */
		if (elapsed >= need / rate + 1)
			tokens = cap;
		else
			tokens += elapsed * rate;
	}
	ok = tokens >= NSEC_PER_SEC;
	if (!steer_dry_run) { /* a dry run only looks */
		st->last_ns = now;
		st->tokens_nano = ok ? tokens - NSEC_PER_SEC : tokens;
	}
	bpf_spin_unlock(&st->lock);
	return ok;
}

/* 0 if admitted (*counted set when it holds a concurrency slot), else the reason. */
static __always_inline int steer_admit(__u32 tenant, __u64 now, int *counted)
{
	struct steer_tenant_cfg *cfg = bpf_map_lookup_elem(&tenant_cfg, &tenant);
	struct steer_tenant_state *st;
	__s64 old;

	*counted = 0;
	if (!cfg || (!cfg->rate && !cfg->max_conns))
		return 0;
	st = bpf_map_lookup_elem(&tenant_state, &tenant);
	if (!st)
		return 0;
	if (cfg->max_conns && steer_dry_run) {
		if (st->active >= (__s64)cfg->max_conns)
			return STEER_R_DROP_ADMIT_CONC;
	} else if (cfg->max_conns) {
		old = __sync_fetch_and_add(&st->active, 1);
		if (old >= (__s64)cfg->max_conns) {
			__sync_fetch_and_add(&st->active, -1);
			return STEER_R_DROP_ADMIT_CONC;
		}
		*counted = 1;
	}
	if (cfg->rate && !steer_take_token(st, cfg->rate, cfg->burst, now)) {
		if (*counted)
			__sync_fetch_and_add(&st->active, -1);
		*counted = 0;
		return STEER_R_DROP_ADMIT_RATE;
	}
	return 0;
}

#endif /* STEER_ADMISSION_H */
