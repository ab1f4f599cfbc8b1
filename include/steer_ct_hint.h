/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * ct_hint: which TCP flow keys may have an entry in ct or ct_syn, so that
 * a SYN of a new flow (most SYNs) skips both lookups: each missed in a
 * table of 65,536..262,144 buckets, a cache (and TLB) miss apiece, and
 * the two were a third of the SYN's cost (pktbench).
 *
 * A slot per key hash (STEER_CT_HINT_SEED, fixed: a policy's seed may
 * change under live entries), 2 bits per slot, one per generation; as
 * many slots as the conntrack sizes ask (steer_ct_hint_words_for, set at
 * load: the map's size and XDP's steer_ct_hint_words). XDP
 * sets both bits of a TCP key's slot before it writes the key into ct or
 * ct_syn; nothing in BPF clears them. A set bit says "maybe" (a collision,
 * or an entry since gone): the SYN looks up as before. A clear bit of the
 * trusted generation says "neither table has it".
 *
 * steerd keeps that true with its conntrack sweep (user/dp/conntrack.c):
 * at a pass's start it clears the other generation's bits, during the
 * pass it sets them again for every TCP key the pass finds in ct_syn then
 * ct, and at the pass's end it trusts that generation (ct_hint_ctl). A key
 * written before the pass began is still in a table when the pass comes
 * to it (only a delete removes it, and moves go ct_syn -> ct, the order of
 * the pass); one written after the clear has its bit set by XDP. So the
 * generation trusted is a superset of the keys in the tables. Until a
 * pass has ended (a new pin, steerd's first run) nothing is trusted.
 * Userspace that writes ct or ct_syn itself sets the bits first
 * (dp_map_write does).
 */
#ifndef STEER_CT_HINT_H
#define STEER_CT_HINT_H

#include "steer_hash.h"

/*
 * The key's hash, whose low bits are its slot: its 10 words summed with
 * odd weights (64-bit), then MurmurHash3's finaliser. Cheaper than
 * steer_flow_hash on the SYN path, and good enough here: keys that
 * collide, by chance or by choice, only make SYNs look up as they did
 * without the hint.
 */
typedef __u32 __attribute__((__may_alias__)) steer_ct_hint_u32; /* the key read as words */

static inline __u32 steer_ct_hint_hash(const struct steer_flow_key *k)
{
	const steer_ct_hint_u32 *w = (const steer_ct_hint_u32 *)k;
	__u64 x = STEER_CT_HINT_SEED;

	x += w[0] * 0x9e3779b97f4a7c15ull;
	x += w[1] * 0xc2b2ae3d27d4eb4full;
	x += w[2] * 0x165667b19e3779f9ull;
	x += w[3] * 0xd6e8feb86659fd93ull;
	x += w[4] * 0xff51afd7ed558ccdull;
	x += w[5] * 0xc4ceb9fe1a85ec53ull;
	x += w[6] * 0x94d049bb133111ebull;
	x += w[7] * 0xbf58476d1ce4e5b9ull;
	x += w[8] * 0x27d4eb2f165667c5ull;
	x += w[9] * 0x85ebca77c2b2ae63ull;
	return steer_hash_final((__u32)(x >> 32) ^ (__u32)x);
}

/* A key's slot in a ct_hint of words words (a power of two). */
static inline __u32 steer_ct_hint_slot(const struct steer_flow_key *k, __u32 words)
{
	return steer_ct_hint_hash(k) & (words * 32u - 1);
}

/* A key's word in a ct_hint of words words, and the shift of its slot's 2
 * bits there. */
static inline __u32 steer_ct_hint_word(const struct steer_flow_key *k, __u32 words, __u32 *shift)
{
	__u32 slot = steer_ct_hint_slot(k, words);

	*shift = (slot & 31) << 1;
	return slot >> 5;
}

/* Every slot's bit of generation gen (0 or 1) in a word. */
static inline __u64 steer_ct_hint_gen_mask(__u32 gen)
{
	return gen ? 0xaaaaaaaaaaaaaaaaull : 0x5555555555555555ull;
}

/*
 * The words of a ct_hint over tables of keys entries in all (ct + ct_syn):
 * the least power of two with STEER_CT_HINT_SLOTS_PER_KEY slots a key,
 * within STEER_CT_HINT_WORDS_MIN..MAX. Full tables then leave 12-22 % of
 * the slots set (1 - e^-(keys/slots)), as many new SYNs looking up.
 */
static inline __u32 steer_ct_hint_words_for(__u64 keys)
{
	__u64 want = (keys * STEER_CT_HINT_SLOTS_PER_KEY + 31) / 32;
	__u32 w = STEER_CT_HINT_WORDS_MIN;

	while (w < want && w < STEER_CT_HINT_WORDS_MAX)
		w <<= 1;
	return w;
}

_Static_assert((STEER_CT_HINT_WORDS_MIN & (STEER_CT_HINT_WORDS_MIN - 1)) == 0 &&
		       (STEER_CT_HINT_WORDS_MAX & (STEER_CT_HINT_WORDS_MAX - 1)) == 0,
	       "ct_hint's word counts: powers of two");

#endif /* STEER_CT_HINT_H */
