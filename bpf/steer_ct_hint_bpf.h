/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * XDP's side of ct_hint (include/steer_ct_hint.h): a TCP SYN asks whether
 * its key can be in ct or ct_syn (a read: a SYN that is then refused
 * leaves its slot as it was, so that a flood refused by admission keeps
 * the hint's "absent" and looks nothing up either), and a new entry sets
 * its slot's bits before it is written (so that a packet of the flow on
 * another CPU looks it up once it is there) and again after.
 */
#ifndef STEER_CT_HINT_BPF_H
#define STEER_CT_HINT_BPF_H

#include "steer_ct_hint.h"
#include "steer_maps.h"
#include "steer_stats.h"

/* ct_hint's words, a power of two: the loader sets it with the map's size
 * (steer_ct_hint_words_for of the conntrack sizes). */
const volatile __u32 steer_ct_hint_words = STEER_CT_HINT_WORDS_MIN;

/* Both generations' bits of slot (word w, shift) set (an atomic OR: steerd
 * clears bits in the same words), unless they are already. */
static __always_inline void steer_ct_hint_or(__u32 w, __u32 shift)
{
	__u64 *v = bpf_map_lookup_elem(&ct_hint, &w);

	if (v && (*v & (3ull << shift)) != (3ull << shift) && !steer_dry_run)
		__sync_fetch_and_or(v, 3ull << shift);
}

/* 1 if the generation steerd trusts (its last rebuild) has the key's slot
 * clear, i.e. neither ct nor ct_syn holds the key; 0 if it may be there,
 * or nothing is trusted yet. Writes nothing. */
static __always_inline int steer_ct_hint_absent(const struct steer_flow_key *k)
{
	__u32 zero = 0, shift, w;
	struct steer_ct_hint_ctl *c = bpf_map_lookup_elem(&ct_hint_ctl, &zero);
	__u64 *v;

	if (!c || !c->on)
		return 0;
	w = steer_ct_hint_word(k, steer_ct_hint_words, &shift);
	shift += c->gen & 1;
	v = bpf_map_lookup_elem(&ct_hint, &w);
	return v && !(*v & (1ull << shift));
}

/*
 * The key's bits set: before a new entry (a SYN's or a non-SYN's) is
 * written, and again after it is written (steerd's sweep may have cleared the
 * generation it rebuilds between the first setting and the write, and
 * read the key's bucket before the write: a vCPU can stall anywhere; set
 * after the write, the bit outlives that pass's clear). A subprogram:
 * inlined at both of steer_xdp_new's calls, it took that frame past the
 * call chain's 512 bytes of stack.
 */
static __noinline void steer_ct_hint_set(const struct steer_flow_key *k)
{
	__u32 shift, w = steer_ct_hint_word(k, steer_ct_hint_words, &shift);

	steer_ct_hint_or(w, shift);
}

#endif /* STEER_CT_HINT_BPF_H */
