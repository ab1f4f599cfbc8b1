/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * XDP's side of ct_hint (include/steer_ct_hint.h): a TCP SYN asks whether
 * its key can be in ct or ct_syn, and sets its slot's bits (before any
 * entry of it is written, so that another CPU's packet of the flow looks
 * it up; even when the SYN is then refused, which leaves a bit that says
 * "maybe" until the next sweep pass, never a wrong "absent"), and sets
 * them again once its entry is written; a non-SYN's new entry the same.
 */
#ifndef STEER_CT_HINT_BPF_H
#define STEER_CT_HINT_BPF_H

#include "steer_ct_hint.h"
#include "steer_maps.h"
#include "steer_stats.h"

/*
 * Both generations' bits of slot (word w, shift) set; the word as it was
 * before (all ones if there is no word: "maybe", as a set bit says).
 */
static __always_inline __u64 steer_ct_hint_or(__u32 w, __u32 shift)
{
	__u64 *v = bpf_map_lookup_elem(&ct_hint, &w);
	__u64 old;

	if (!v)
		return ~0ull;
	old = *v;
	if ((old & (3ull << shift)) != (3ull << shift) && !steer_dry_run)
		__sync_fetch_and_or(v, 3ull << shift);
	return old;
}

/* Both generations' bits of the key's slot: 1 if the trusted generation
 * (steerd's last rebuild) had the slot clear, i.e. neither ct nor ct_syn
 * holds the key; 0 if it may be there, or nothing is trusted yet. */
static __always_inline int steer_ct_hint_note(const struct steer_flow_key *k)
{
	__u32 zero = 0, shift, w = steer_ct_hint_word(k, &shift);
	struct steer_ct_hint_ctl *c = bpf_map_lookup_elem(&ct_hint_ctl, &zero);
	__u64 old = steer_ct_hint_or(w, shift);

	return c && c->on && !(old & (1ull << (shift + (c->gen & 1))));
}

/*
 * The key's bits, without asking: before a non-SYN's new entry, and again
 * after any new entry is written (steerd's sweep may have cleared the
 * generation it rebuilds between the first setting and the write, and
 * read the key's bucket before the write: a vCPU can stall anywhere; set
 * after the write, the bit outlives that pass's clear).
 */
static __always_inline void steer_ct_hint_set(const struct steer_flow_key *k)
{
	__u32 shift, w = steer_ct_hint_word(k, &shift);

	steer_ct_hint_or(w, shift);
}

#endif /* STEER_CT_HINT_BPF_H */
