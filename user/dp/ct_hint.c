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

#define HINT_BYTES ((size_t)STEER_CT_HINT_WORDS * sizeof(uint64_t))

uint64_t *dp_ct_hint_words(struct dp *dp)
{
	void *p;

	if (dp->ct_hint)
		return dp->ct_hint;
	p = mmap(NULL, HINT_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED,
		 dp_map_fd(dp, DP_MAP_CT_HINT), 0);
	if (p != MAP_FAILED)
		dp->ct_hint = p;
	return dp->ct_hint;
}

void dp_ct_hint_unmap(struct dp *dp)
{
	if (dp->ct_hint)
		munmap(dp->ct_hint, HINT_BYTES);
	dp->ct_hint = NULL;
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

void dp_ct_hint_clear_gen(uint64_t *words, uint32_t gen)
{
	uint64_t keep = ~steer_ct_hint_gen_mask(gen);
	uint32_t i;

	for (i = 0; i < STEER_CT_HINT_WORDS; i++)
		if (__atomic_load_n(&words[i], __ATOMIC_RELAXED) & ~keep)
			__atomic_fetch_and(&words[i], keep, __ATOMIC_SEQ_CST);
}

/* gens: bit 0 and/or bit 1, the generations to set */
void dp_ct_hint_mark(uint64_t *words, const struct steer_flow_key *k, uint32_t gens)
{
	uint32_t shift, w = steer_ct_hint_word(k, &shift);
	uint64_t bits = (uint64_t)(gens & 3) << shift;

	if ((__atomic_load_n(&words[w], __ATOMIC_RELAXED) & bits) != bits)
		__atomic_fetch_or(&words[w], bits, __ATOMIC_SEQ_CST);
}

uint64_t dp_ct_hint_count(const uint64_t *words, uint32_t gen)
{
	uint64_t m = steer_ct_hint_gen_mask(gen), n = 0;
	uint32_t i;

	for (i = 0; i < STEER_CT_HINT_WORDS; i++)
		n += (uint64_t)__builtin_popcountll(__atomic_load_n(&words[i], __ATOMIC_RELAXED) & m);
	return n;
}

double dp_ct_hint_fill(uint64_t slots_set)
{
	return (double)slots_set / (double)STEER_CT_HINT_SLOTS;
}

bool dp_ct_hint_maybe(const uint64_t *words, const struct steer_flow_key *k, uint32_t gen)
{
	uint32_t shift, w = steer_ct_hint_word(k, &shift);

	return __atomic_load_n(&words[w], __ATOMIC_RELAXED) & (1ull << (shift + (gen & 1)));
}
