// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Weighted Maglev table generator.
 *
 * Each backend with a weight > 0 gets a permutation of the m slots,
 * offset + j * skip (mod m), from two hashes of its key and the seed
 * (Eisenbud et al., "Maglev", NSDI 2016). The table is filled round by
 * round: every round each backend, in (key, id) order, earns a credit of
 * weight / max_weight and, each time its credit reaches 1, claims its next
 * preferred slot that is still empty. With equal weights this is the
 * paper's algorithm. Credits are kept as integers (credit += weight,
 * claim when credit >= max_weight, credit -= max_weight), so every host
 * builds byte-identical tables.
 *
 * A weight never exceeds max_weight, so a backend claims at most once a
 * round, and its k-th claim falls in round ceil(k * max_weight / weight).
 * Walking every round is cheap for the backends that claim often, but
 * with skewed weights most rounds are empty for the light ones, so these
 * ("slow": claiming less than once every MG_FAST_PERIOD rounds) wait in a
 * min-heap ordered by (round, rank in key order) instead. Each round then
 * merges the fast backends, in rank order, with the slow ones due: the
 * same claims as the plain round-by-round loop in O(m log n) at worst.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"
#include "engine/engine.h"
#include "steer_abi.h"

/* Backends claiming at least once in this many rounds are scanned every round. */
#define MG_FAST_PERIOD	8

struct mg_node {
	uint64_t key;
	uint64_t due;		/* round of the next claim */
	uint32_t id;
	uint32_t weight;
	uint32_t claims;	/* slots claimed so far */
	uint32_t pos;		/* current slot in the permutation */
	uint32_t skip;
};

struct mg_state {
	struct mg_node *nodes;	/* weighted backends, sorted by (key, id) */
	size_t len;
	uint32_t wmax;		/* largest weight */
	uint32_t *fast;		/* ranks of the fast nodes, ascending */
	size_t nfast;
	uint32_t *heap;		/* ranks of the slow nodes, min-heap on (due, rank) */
	size_t nheap;
};

/* 64-bit finaliser (xorshift-multiply, splitmix64 style): full avalanche. */
static uint64_t mg_mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

/* Big-endian load of len (<= 8) bytes: the same value on every host. */
static uint64_t mg_load(const uint8_t *p, size_t len)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < len; i++)
		v = v << 8 | p[i];
	return v;
}

uint64_t engine_maglev_key(const uint8_t addr[16], uint8_t family, uint16_t port)
{
	const uint8_t *pb = (const uint8_t *)&port; /* network order in memory */
	uint64_t hi, lo, h;

	if (family == STEER_AF_INET) {
		hi = mg_load(addr, 4);
		lo = 0;
	} else {
		hi = mg_load(addr, 8);
		lo = mg_load(addr + 8, 8);
	}
	h = mg_mix(hi ^ 0x5465657273746565ULL);
	h = mg_mix(h ^ lo);
	return mg_mix(h ^ ((uint64_t)family << 16 | (uint64_t)pb[0] << 8 | pb[1]));
}

static int mg_check_size(uint32_t m)
{
	if (m < 3 || m > STEER_MAGLEV_MAX || !util_is_prime(m))
		return -EINVAL;
	return 0;
}

static int mg_cmp(const void *a, const void *b)
{
	const struct mg_node *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return 0;
}

/*
 * Copy the backends that take slots, sorted by (key, id), into nodes;
 * *cnt gets their number. Rejects id 0 with weight > 0 and duplicate keys
 * (among all backends, weighted or not).
 */
static int mg_collect(const struct engine_maglev_backend *b, size_t n, struct mg_node *nodes,
		      size_t *cnt)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		if (b[i].weight && !b[i].id)
			return -EINVAL;
		memset(&nodes[i], 0, sizeof(nodes[i]));
		nodes[i].key = b[i].key;
		nodes[i].id = b[i].id;
		nodes[i].weight = b[i].weight;
	}
	qsort(nodes, n, sizeof(*nodes), mg_cmp);
	for (i = 0; i < n; i++) {
		if (i && nodes[i].key == nodes[i - 1].key)
			return -EINVAL;
		if (nodes[i].weight)
			nodes[k++] = nodes[i];
	}
	*cnt = k;
	return 0;
}

/* Round of the next claim: the (claims+1)-th falls in ceil((claims+1) * wmax / w). */
static uint64_t mg_due(const struct mg_node *nd, uint32_t wmax)
{
	uint64_t need = ((uint64_t)nd->claims + 1) * wmax;

	return (need + nd->weight - 1) / nd->weight;
}

/*
 * Offset and skip of every node's permutation, from two independent
 * hashes of its key under the seed, and its first due round.
 */
static void mg_init_nodes(struct mg_state *s, uint32_t m, uint32_t seed)
{
	uint64_t s1 = mg_mix((uint64_t)seed ^ 0x6d61676c65763131ULL);
	uint64_t s2 = mg_mix((uint64_t)seed ^ 0x6d61676c65763232ULL);
	struct mg_node *nd;
	size_t i;

	s->wmax = 0;
	for (i = 0; i < s->len; i++)
		if (s->nodes[i].weight > s->wmax)
			s->wmax = s->nodes[i].weight;
	for (i = 0; i < s->len; i++) {
		nd = &s->nodes[i];
		nd->pos = (uint32_t)(mg_mix(nd->key ^ s1) % m);
		nd->skip = (uint32_t)(mg_mix(nd->key ^ s2) % (m - 1)) + 1;
		nd->due = mg_due(nd, s->wmax);
	}
}

static bool mg_before(const struct mg_state *s, uint32_t a, uint32_t b)
{
	const struct mg_node *x = &s->nodes[a], *y = &s->nodes[b];

	if (x->due != y->due)
		return x->due < y->due;
	return a < b;
}

static void mg_sift_down(struct mg_state *s, size_t i)
{
	uint32_t *h = s->heap, t;
	size_t l, best;

	for (;;) {
		l = 2 * i + 1;
		best = i;
		if (l < s->nheap && mg_before(s, h[l], h[best]))
			best = l;
		if (l + 1 < s->nheap && mg_before(s, h[l + 1], h[best]))
			best = l + 1;
		if (best == i)
			return;
		t = h[i];
		h[i] = h[best];
		h[best] = t;
		i = best;
	}
}

/* Split the ranks into the fast list and the slow heap (idx has room for len). */
static void mg_split(struct mg_state *s, uint32_t *idx)
{
	size_t i, slow = s->len;

	s->fast = idx;
	s->nfast = 0;
	for (i = 0; i < s->len; i++) {
		if ((uint64_t)s->nodes[i].weight * MG_FAST_PERIOD >= s->wmax)
			idx[s->nfast++] = (uint32_t)i;
		else
			idx[--slow] = (uint32_t)i;
	}
	s->heap = idx + s->nfast;
	s->nheap = s->len - s->nfast;
	for (i = s->nheap / 2; i-- > 0;)
		mg_sift_down(s, i);
}

/* nd claims its next preferred empty slot (one always exists while filling). */
static void mg_claim(struct mg_node *nd, uint32_t wmax, uint32_t m, uint32_t *table)
{
	while (table[nd->pos])
		nd->pos = nd->pos + nd->skip >= m ? nd->pos + nd->skip - m : nd->pos + nd->skip;
	table[nd->pos] = nd->id;
	nd->claims++;
	nd->due = mg_due(nd, wmax);
}

/*
 * Next claimant of round r, in rank order: the first fast node at or
 * after fast[*f] that is due, or the top of the slow heap if due and of
 * lower rank. Returns false when the round is over.
 */
static bool mg_next_in_round(struct mg_state *s, uint64_t r, size_t *f, uint32_t *rank,
			     bool *slow)
{
	bool heap_due = s->nheap && s->nodes[s->heap[0]].due == r;

	while (*f < s->nfast && s->nodes[s->fast[*f]].due != r)
		(*f)++;
	*slow = heap_due && (*f == s->nfast || s->heap[0] < s->fast[*f]);
	if (*slow)
		*rank = s->heap[0];
	else if (*f < s->nfast)
		*rank = s->fast[(*f)++];
	else
		return false;
	return true;
}

/* Play round r; returns true once the table is full. */
static bool mg_round(struct mg_state *s, uint64_t r, uint32_t m, uint32_t *table,
		     uint32_t *filled)
{
	uint32_t rank;
	size_t f = 0;
	bool slow;

	while (mg_next_in_round(s, r, &f, &rank, &slow)) {
		mg_claim(&s->nodes[rank], s->wmax, m, table);
		if (slow)
			mg_sift_down(s, 0);
		if (++*filled == m)
			return true;
	}
	return false;
}

/*
 * Hand out the m slots round by round. A heaviest backend is fast and
 * claims every round, so it takes at most m rounds.
 */
static void mg_populate(struct mg_state *s, uint32_t m, uint32_t *table)
{
	uint32_t filled = 0;
	uint64_t r = 1;

	memset(table, 0, (size_t)m * sizeof(*table));
	while (!mg_round(s, r, m, table, &filled))
		r++;
}

int engine_maglev_build(const struct engine_maglev_backend *b, size_t n, uint32_t m, uint32_t seed,
		       uint32_t *table)
{
	struct mg_state s = { 0 };
	uint32_t *idx = NULL;
	int err;

	if (mg_check_size(m) || !table || (n && !b) || n > UINT32_MAX)
		return -EINVAL;
	if (n) {
		s.nodes = calloc(n, sizeof(*s.nodes));
		if (!s.nodes)
			return -ENOMEM;
		err = mg_collect(b, n, s.nodes, &s.len);
		if (err)
			goto out;
	}
	if (s.len) {
		idx = calloc(s.len, sizeof(*idx));
		if (!idx) {
			err = -ENOMEM;
			goto out;
		}
		mg_init_nodes(&s, m, seed);
		mg_split(&s, idx);
		mg_populate(&s, m, table);
	} else {
		memset(table, 0, (size_t)m * sizeof(*table));
	}
	err = 0;
out:
	free(idx);
	free(s.nodes);
	return err;
}
