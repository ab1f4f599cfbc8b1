// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * steerd's side of ct_hint (include/steer_ct_hint.h): the words mapped
 * from the map (XDP sets bits in them meanwhile, so every change here is
 * an atomic and/or), and the generation XDP trusts.
 */
#include <errno.h>
#include <sys/mman.h>

#include <bpf/bpf.h>

#include "dp/dp.h"
#include "dp/internal.h"
#include "steer_ct_hint.h"

const struct dp_ct_hint *dp_ct_hint_get(struct dp *dp)
{
	uint32_t words = dp->maps[DP_MAP_CT_HINT].max_entries;
	void *p;

	if (dp->ct_hint.w)
		return &dp->ct_hint;
	if (!words || (words & (words - 1)))
		return NULL; /* not a size steer_ct_hint_words_for gives */
	p = mmap(NULL, (size_t)words * sizeof(uint64_t), PROT_READ | PROT_WRITE, MAP_SHARED,
		 dp_map_fd(dp, DP_MAP_CT_HINT), 0);
	if (p == MAP_FAILED)
		return NULL;
	dp->ct_hint.w = p;
	dp->ct_hint.words = words;
	return &dp->ct_hint;
}

void dp_ct_hint_unmap(struct dp *dp)
{
	if (dp->ct_hint.w)
		munmap(dp->ct_hint.w, (size_t)dp->ct_hint.words * sizeof(uint64_t));
	dp->ct_hint.w = NULL;
	dp->ct_hint.words = 0;
}

int dp_ct_hint_ctl_get(struct dp *dp, struct steer_ct_hint_ctl *c)
{
	uint32_t zero = 0;

	if (bpf_map_lookup_elem(dp_map_fd(dp, DP_MAP_CT_HINT_CTL), &zero, c))
		return -errno;
	return 0;
}

int dp_ct_hint_ctl_set(struct dp *dp, const struct steer_ct_hint_ctl *c)
{
	uint32_t zero = 0;

	if (bpf_map_update_elem(dp_map_fd(dp, DP_MAP_CT_HINT_CTL), &zero, c, BPF_ANY))
		return -errno;
	return 0;
}

void dp_ct_hint_clear_gen(const struct dp_ct_hint *h, uint32_t gen)
{
	uint64_t keep = ~steer_ct_hint_gen_mask(gen);
	uint32_t i;

	for (i = 0; i < h->words; i++)
		if (__atomic_load_n(&h->w[i], __ATOMIC_RELAXED) & ~keep)
			__atomic_fetch_and(&h->w[i], keep, __ATOMIC_SEQ_CST);
}

/* gens: bit 0 and/or bit 1, the generations to set */
void dp_ct_hint_mark(const struct dp_ct_hint *h, const struct steer_flow_key *k, uint32_t gens)
{
	uint32_t shift, w = steer_ct_hint_word(k, h->words, &shift);
	uint64_t bits = (uint64_t)(gens & 3) << shift;

	if ((__atomic_load_n(&h->w[w], __ATOMIC_RELAXED) & bits) != bits)
		__atomic_fetch_or(&h->w[w], bits, __ATOMIC_SEQ_CST);
}

uint64_t dp_ct_hint_count(const struct dp_ct_hint *h, uint32_t gen)
{
	uint64_t m = steer_ct_hint_gen_mask(gen), n = 0;
	uint32_t i;

	for (i = 0; i < h->words; i++)
		n += (uint64_t)__builtin_popcountll(__atomic_load_n(&h->w[i], __ATOMIC_RELAXED) & m);
	return n;
}

double dp_ct_hint_fill(const struct dp_ct_counts *c)
{
	return c->hint_slots ? (double)c->hint_set / (double)c->hint_slots : 0;
}

bool dp_ct_hint_maybe(const struct dp_ct_hint *h, const struct steer_flow_key *k, uint32_t gen)
{
	uint32_t shift, w = steer_ct_hint_word(k, h->words, &shift);

	return __atomic_load_n(&h->w[w], __ATOMIC_RELAXED) & (1ull << (shift + (gen & 1)));
}
