/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Consistent hashing with bounded loads (Mirrokni, Thorup, Zadimoghaddam,
 * SODA 2018; HAProxy's hash-balance-factor, Envoy's hash_balance_factor):
 * a new flow goes to its Maglev choice unless that backend already holds
 * at least c x its weight's share of the table's open flows, this one
 * included:
 *
 *	bound(b) = ceil(c * weight(b) / total_weight * (open flows of the table + 1))
 *
 * (c = service.balance_pct / 100), capped at weight(b) while the table's
 * open flows are below its total weight (weights are capacities), and with
 * c = 1 once they are past it (steer_bound_of). Over
 * it, the flow walks its own probe sequence through the table, slot_i =
 * (slot + i * skip) % M with skip from a second hash of the flow, to the
 * first usable backend under its bound, at most STEER_BOUND_STEPS steps;
 * every step over, it takes the member of the table's set (its backends
 * and its slotless standby members) with the most room under its bound
 * (steer_bound_least). None: the first choice is kept (a bound is a
 * preference, never a refusal).
 * Loads are backend_load (steer_stats.h), weights table_sets (steerd
 * writes the backends' capacities with the table: user/dp/tables.c).
 */
#ifndef STEER_BOUND_H
#define STEER_BOUND_H

#include "steer_select.h"

#define STEER_BOUND_SKIP_SALT 0x9e3779b9u /* the walk's stride: a second hash of the flow */

enum steer_bound_result {
	STEER_BOUND_KEPT = 0,	/* off, or the first choice is under its bound */
	STEER_BOUND_DIVERT = 1,	/* *bid_out: a later choice under its bound */
	STEER_BOUND_FULL = 2,	/* every choice tried is over: the first is kept */
	STEER_BOUND_WHAT = 0x3,
	/* or-ed in: the flow's +1 in backend_load is already taken (the
	 * caller must not add it again, and gives it back if it refuses);
	 * steer_pkt.bound has 7 bits */
	STEER_BOUND_TAKEN = 0x4,
};

/*
 * The flows a backend may hold: ceil(pct * w * (total + 1) / (100 * W)),
 * and no more than w while the class has room (total + 1 <= W). steerd
 * writes capacities as weights (user/dp/tables.c), so w is the flows the
 * backend serves at once: past it a flow queues in the engine. c x share
 * alone let a 4-slot backend take a 5th flow while its peer had 2 free
 * (4 of 4 and 2 of 4 open: bound ceil(1.25 * 4/8 * 7) = 5); HAProxy's
 * leastconn would not queue it. When the class is full, c is 1: each
 * backend's exact share by capacity, ceil(w * (total + 1) / W). There an
 * imbalance costs whole requests of waiting: with c 1.25 a burst of 16
 * streams on two 4-slot backends could split 10/6, and the 9th and 10th
 * of the first waited for two requests to end (route.sh burst: p99 TTFT
 * 473 ms, HAProxy leastconn 262 ms). Below capacity c keeps flows on their
 * hash choice (fewer diverts, which an ECMP peer would not know of).
 */
static __always_inline __u64 steer_bound_of(__u32 pct, __u32 w, __u32 total_w, __u64 total)
{
	__u64 den = (__u64)total_w * 100;
	__u64 bound;

	if (total + 1 > total_w)
		pct = 100;
	bound = ((__u64)pct * w * (total + 1) + den - 1) / den;
	if (bound > w && total + 1 <= total_w)
		bound = w;
	return bound;
}

static __always_inline __u64 steer_load_of(__u32 bid)
{
	struct steer_backend_load *l = bpf_map_lookup_elem(&backend_load, &bid);

	return l && l->open > 0 ? (__u64)l->open : 0;
}

/* The open flows of a set's backends (the bound's total). */
static __always_inline __u64 steer_set_load(const struct steer_table_set *set)
{
	__u64 total = 0;
	__u32 i;

	for (i = 0; i < set->n && i < STEER_SET_MAX; i++)
		total += steer_load_of(set->ids[i]);
	return total;
}

/*
 * Take a place on bid if it is under its bound: 1 taken (its backend_load
 * +1 already), 0 at or over it (nothing taken), -1 not in the set (a
 * table swapped in since its set was written; nothing taken). The check
 * and the +1 are one atomic add whose old value decides, and a refusal
 * gives its +1 back: CPUs placing flows at the same instant can't both
 * take a backend's last place (a check then a later +1 let each of them
 * pass it by one). A dry run (explain) only looks.
 */
static __always_inline int steer_bound_take(const struct steer_table_set *set, __u32 bid,
					    __u32 pct, __u64 total)
{
	struct steer_backend_load *l;
	__u32 i, n = set->n;
	__u64 bound;
	__s64 old;

	for (i = 0; i < n && i < STEER_SET_MAX; i++) {
		if (set->ids[i] != bid)
			continue;
		bound = steer_bound_of(pct, set->weight[i], set->total_weight, total);
		l = bpf_map_lookup_elem(&backend_load, &bid);
		if (!l)
			return -1;
		if (steer_dry_run)
			return l->open < (__s64)bound;
		old = __sync_fetch_and_add(&l->open, 1);
		if (old < (__s64)bound)
			return 1;
		__sync_fetch_and_add(&l->open, -1);
		return 0;
	}
	return -1;
}

/* A refused flow's place back (STEER_BOUND_TAKEN). A subprogram: the key
 * it needs on the stack would take steer_xdp_new's frame past the 512
 * bytes of the call chain. */
static __noinline void steer_bound_give_back(__u32 bid)
{
	struct steer_backend_load *l = bpf_map_lookup_elem(&backend_load, &bid);

	if (l)
		__sync_fetch_and_add(&l->open, -1);
}

/* What explain shows of the first choice. */
static __always_inline void steer_bound_explain(const struct steer_table_set *set, __u32 first,
						__u32 pct, __u64 total)
{
	struct steer_explain *x = steer_explain_rec();
	__u32 i, n = set->n;

	if (!x)
		return;
	x->stage |= STEER_EXPLAIN_BOUND;
	x->first_id = first;
	x->first_load = (__u32)steer_load_of(first);
	for (i = 0; i < n && i < STEER_SET_MAX; i++)
		if (set->ids[i] == first)
			x->bound = (__u32)steer_bound_of(pct, set->weight[i], set->total_weight,
							 total);
}

static __always_inline void steer_bound_explain_steps(__u32 steps)
{
	struct steer_explain *x = steer_explain_rec();

	if (x)
		x->bound_steps = steps;
}

/*
 * The walk's last resort: of the set's members under their bound, the one
 * with the fewest open flows per unit of weight (ties: the first listed),
 * taken like any other choice. The set holds the table's backends and its
 * standby members, which hold no slots (full at the last probe: steerd's
 * weights are a few hundred milliseconds old) and so are never met on the
 * walk; by the kernel's own count they may have room by now. Only when
 * every step of the walk met a backend at its bound, so rare and bounded
 * (STEER_SET_MAX members). A global subprogram, verified once, for the
 * same reasons as steer_bound_walk, called by steer_xdp_new after the walk
 * (called from the walk, its frame made four and took the combined stack
 * to 592 bytes). The result as steer_bound_walk's: DIVERT (and TAKEN) with
 * *bid_out, or FULL.
 */
__noinline int steer_bound_least(const struct steer_pkt *p, __u32 table_id, __u32 first,
				 __u32 *bid_out)
{
	struct steer_table_set *set;
	struct steer_backend *be;
	__u64 load, total, best_load = 0, best_w = 1;
	__u32 key = table_id, i, w, pct, best = 0;

	if (!p || !bid_out || !p->balance_pct)
		return STEER_BOUND_FULL;
	pct = p->balance_pct;
	set = bpf_map_lookup_elem(&table_sets, &key);
	if (!set || !set->total_weight)
		return STEER_BOUND_FULL;
	total = steer_set_load(set);
	for (i = 0; i < set->n && i < STEER_SET_MAX; i++) {
		key = set->ids[i];
		w = set->weight[i];
		if (key == first || !w)
			continue;
		load = steer_load_of(key);
		if (load >= steer_bound_of(pct, w, set->total_weight, total) ||
		    (best && load * best_w >= best_load * w))
			continue;
		be = bpf_map_lookup_elem(&backends, &key);
		if (!steer_backend_usable(be, p->key.family))
			continue;
		best = key;
		best_load = load;
		best_w = w;
	}
	if (!best || steer_bound_take(set, best, pct, total) != 1)
		return STEER_BOUND_FULL;
	steer_bound_explain_steps(STEER_BOUND_STEPS + 1);
	*bid_out = best;
	return steer_dry_run ? STEER_BOUND_DIVERT : STEER_BOUND_DIVERT | STEER_BOUND_TAKEN;
}

/*
 * A global subprogram, verified once on its own: as a static one it was
 * verified again at each of steer_xdp_new's call paths, and its loops (a
 * walk of STEER_BOUND_STEPS steps, each searching a set of 32) took the program past the
 * verifier's 1M-instruction limit. Every argument is used (clang 14 leaves
 * unused args of a global function unset); pointer args of a global
 * function may be NULL for the verifier, hence the checks. Its frame is
 * kept small (one key for every lookup, little kept across calls): with
 * steer_xdp's and steer_xdp_new's it must fit in 512 bytes. first: the
 * backend steer_pick chose, h the flow's hash (steer_flow_hash).
 */
__noinline int steer_bound_walk(const struct steer_pkt *p, __u32 h, __u32 table_id, __u32 first,
				__u32 *bid_out)
{
	struct steer_table_set *set;
	struct steer_config *cfg;
	struct steer_backend *be;
	__u32 key = 0, m, slot, skip, i, pct, *id;
	__u64 total;
	void *table;
	int r;

	if (!p || !bid_out || !p->balance_pct)
		return STEER_BOUND_KEPT;
	pct = p->balance_pct;
	cfg = bpf_map_lookup_elem(&steer_cfg, &key);
	if (!cfg)
		return STEER_BOUND_KEPT;
	m = cfg->maglev_size;
	key = table_id;
	set = bpf_map_lookup_elem(&table_sets, &key);
	if (!set || !set->total_weight || set->n > STEER_SET_MAX || m < 2)
		return STEER_BOUND_KEPT;
	total = steer_set_load(set);
	steer_bound_explain(set, first, pct, total);
	r = steer_bound_take(set, first, pct, total);
	if (r)	/* under (taken), or not weighed: another table's set */
		return r > 0 && !steer_dry_run ? STEER_BOUND_KEPT | STEER_BOUND_TAKEN
					       : STEER_BOUND_KEPT;

	table = bpf_map_lookup_elem(&tables, &key);
	if (!table)
		return STEER_BOUND_KEPT;
	slot = h % m;
	/* Maglev's own permutation shape: skip in 1..M-1, so with M prime the
	 * sequence visits every slot. From the flow hash (the caller's: called
	 * here, steer_flow_hash was a fourth frame that took the combined
	 * stack past 512 bytes), remixed. */
	skip = steer_hash_final(h ^ STEER_BOUND_SKIP_SALT) % (m - 1) + 1;
	for (i = 1; i <= STEER_BOUND_STEPS; i++) {
		slot = (slot + skip) % m;
		/* clang 14 drops the range that % gives; the verifier needs it */
		asm volatile("" : "+r"(slot));
		if (slot >= m)
			break;
		key = slot;
		id = bpf_map_lookup_elem(table, &key);
		if (!id || *id == STEER_NO_BACKEND || *id == first)
			continue;
		key = *id;
		be = bpf_map_lookup_elem(&backends, &key);
		if (!steer_backend_usable(be, p->key.family) ||
		    steer_bound_take(set, key, pct, total) != 1)
			continue;
		steer_bound_explain_steps(i);
		*bid_out = key;
		return steer_dry_run ? STEER_BOUND_DIVERT : STEER_BOUND_DIVERT | STEER_BOUND_TAKEN;
	}
	steer_bound_explain_steps(STEER_BOUND_STEPS);
	return STEER_BOUND_FULL; /* the caller tries steer_bound_least */
}

#endif /* STEER_BOUND_H */
