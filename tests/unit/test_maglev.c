// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Unit tests of the weighted Maglev table generator: weight accuracy,
 * disruption on removal, determinism, input validation, keys.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "util/util.h"
#include "engine/engine.h"
#include "steer_abi.h"

#define M_DEF		STEER_MAGLEV_DEFAULT
#define SEED		0x5eed1234u
#define MAX_N		4096
#define GOLDEN_EQUAL	0xb00687cc4a53424fULL
#define GOLDEN_RANDOM	0xd38c7f5c131e8c09ULL

/* Deterministic pseudo-random numbers (64-bit LCG, high bits). */
static uint32_t lcg(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(*s >> 33);
}

/* Backend i: 10.1.x.y:8000, id i + 1. */
static void make_backend(struct engine_maglev_backend *b, uint32_t i, uint32_t weight)
{
	uint8_t addr[16] = { 10, 1, (uint8_t)(i >> 8), (uint8_t)i };

	b->key = engine_maglev_key(addr, STEER_AF_INET, htons(8000));
	b->id = i + 1;
	b->weight = weight;
}

enum wmix {
	W_EQUAL,	/* all 1 */
	W_LINEAR,	/* 1, 2, ..., n */
	W_HEAVY,	/* every 20th backend 100, the rest 1 */
	W_RANDOM,	/* pseudo-random in 1..100 */
};

static uint32_t mix_weight(enum wmix mix, uint32_t i, uint64_t *rng)
{
	switch (mix) {
	case W_EQUAL:
		return 1;
	case W_LINEAR:
		return i + 1;
	case W_HEAVY:
		return i % 20 == 0 ? 100 : 1;
	case W_RANDOM:
		return 1 + lcg(rng) % 100;
	}
	return 1;
}

static void make_set(struct engine_maglev_backend *b, uint32_t n, enum wmix mix)
{
	uint64_t rng = 42;
	uint32_t i;

	for (i = 0; i < n; i++)
		make_backend(&b[i], i, mix_weight(mix, i, &rng));
}

static uint32_t *new_table(uint32_t m)
{
	uint32_t *t = malloc((size_t)m * sizeof(*t));

	assert_non_null(t);
	return t;
}

static uint64_t weight_sum(const struct engine_maglev_backend *b, size_t n)
{
	uint64_t s = 0;
	size_t i;

	for (i = 0; i < n; i++)
		s += b[i].weight;
	return s;
}

/* Slots per id; ids are 1..n in these tests. */
static void count_slots(const uint32_t *t, uint32_t m, uint32_t *cnt, size_t n)
{
	uint32_t i;

	memset(cnt, 0, (n + 1) * sizeof(*cnt));
	for (i = 0; i < m; i++) {
		assert_true(t[i] <= n);
		cnt[t[i]]++;
	}
}

static double changed_frac(const uint32_t *a, const uint32_t *b, uint32_t m)
{
	uint32_t i, d = 0;

	for (i = 0; i < m; i++)
		d += a[i] != b[i];
	return (double)d / m;
}

/* Share of every backend within 1% (absolute) of its weight share; returns the worst error. */
static double check_shares(const struct engine_maglev_backend *b, uint32_t n, uint32_t m)
{
	uint32_t *t = new_table(m), *cnt = calloc(n + 1, sizeof(*cnt));
	uint64_t sum = weight_sum(b, n);
	double worst = 0;
	uint32_t i;

	assert_non_null(cnt);
	assert_int_equal(engine_maglev_build(b, n, m, SEED, t), 0);
	count_slots(t, m, cnt, n);
	assert_int_equal(cnt[0], 0);
	for (i = 0; i < n; i++) {
		double err = fabs((double)cnt[b[i].id] / m - (double)b[i].weight / sum);

		assert_true(err <= 0.01);
		if (err > worst)
			worst = err;
	}
	free(cnt);
	free(t);
	return worst;
}

static void test_weights_equal(void **state)
{
	struct engine_maglev_backend b[100];
	uint32_t *t = new_table(M_DEF), cnt[101], i;
	double exp = (double)M_DEF / 100;

	(void)state;
	make_set(b, 100, W_EQUAL);
	print_message("equal: worst share error %.5f\n", check_shares(b, 100, M_DEF));
	assert_int_equal(engine_maglev_build(b, 100, M_DEF, SEED, t), 0);
	count_slots(t, M_DEF, cnt, 100);
	for (i = 1; i <= 100; i++)
		assert_true(fabs(cnt[i] - exp) <= 1 + 0.01 * exp);
	free(t);
}

static void test_weights_mixed(void **state)
{
	static const enum wmix mixes[] = { W_LINEAR, W_HEAVY, W_RANDOM };
	static const char *const names[] = { "1..100", "heavy/light", "random" };
	struct engine_maglev_backend b[100];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(mixes) / sizeof(mixes[0]); i++) {
		make_set(b, 100, mixes[i]);
		print_message("%s: worst share error %.5f\n", names[i], check_shares(b, 100, M_DEF));
	}
}

/* Scaling every weight by the same factor changes nothing. */
static void test_weights_scale_free(void **state)
{
	struct engine_maglev_backend b[100];
	uint32_t *t1 = new_table(M_DEF), *t2 = new_table(M_DEF);
	size_t i;

	(void)state;
	make_set(b, 100, W_LINEAR);
	assert_int_equal(engine_maglev_build(b, 100, M_DEF, SEED, t1), 0);
	for (i = 0; i < 100; i++)
		b[i].weight *= 1000;
	assert_int_equal(engine_maglev_build(b, 100, M_DEF, SEED, t2), 0);
	assert_memory_equal(t1, t2, M_DEF * sizeof(*t1));
	free(t1);
	free(t2);
}

/*
 * Remove each of the n backends in turn; the fraction of slots that change
 * must lie within [w/sum, w/sum + slack]. Returns the worst excess over
 * w/sum, and the fraction moved then in *worst_frac.
 */
static double check_removals(uint32_t n, enum wmix mix, uint32_t m, double slack,
			     double *worst_frac)
{
	struct engine_maglev_backend b[100], r[100];
	uint32_t *full = new_table(m), *less = new_table(m), j;
	uint64_t sum;
	double worst = -1;

	make_set(b, n, mix);
	sum = weight_sum(b, n);
	assert_int_equal(engine_maglev_build(b, n, m, SEED, full), 0);
	for (j = 0; j < n; j++) {
		double frac, share = (double)b[j].weight / sum;

		memcpy(r, b, j * sizeof(*b));
		memcpy(r + j, b + j + 1, (n - j - 1) * sizeof(*b));
		assert_int_equal(engine_maglev_build(r, n - 1, m, SEED, less), 0);
		frac = changed_frac(full, less, m);
		assert_true(frac >= share - 0.001);
		assert_true(frac <= share + slack);
		if (frac - share > worst) {
			worst = frac - share;
			*worst_frac = frac;
		}
	}
	free(full);
	free(less);
	return worst;
}

static void run_removals(uint32_t m, double slack)
{
	static const uint32_t ns[] = { 10, 50, 100 };
	static const enum wmix mixes[] = { W_EQUAL, W_LINEAR, W_HEAVY, W_RANDOM };
	static const char *const names[] = { "equal", "1..N", "heavy/light", "random" };
	double frac = 0, ex;
	size_t i, k;

	for (k = 0; k < sizeof(mixes) / sizeof(mixes[0]); k++) {
		for (i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
			ex = check_removals(ns[i], mixes[k], m, slack, &frac);
			print_message("M=%u remove 1 of %u %s: worst moved %.4f, %.4f over w/sum\n",
				      m, ns[i], names[k], frac, ex);
		}
	}
}

/*
 * Classic Maglev is not minimally disruptive: the freed slots are taken by
 * backends whose own next choices then shift, a cascade whose size falls
 * as m / N grows. At m = 65537 removing one of up to 100 backends moves
 * at most w/sum + 1% of the slots (measured: <= 0.8%)...
 */
static void test_disruption_65537(void **state)
{
	(void)state;
	run_removals(65537, 0.01);
}

/* ...at the default m = 16381, up to w/sum + 1.9% (measured), so 2% here. */
static void test_disruption_default(void **state)
{
	(void)state;
	run_removals(M_DEF, 0.02);
}

/* Removing then adding back a backend gives the original table. */
static void test_add_back_restores(void **state)
{
	struct engine_maglev_backend b[50], r[50];
	uint32_t *t0 = new_table(M_DEF), *t1 = new_table(M_DEF), *t2 = new_table(M_DEF);

	(void)state;
	make_set(b, 50, W_RANDOM);
	assert_int_equal(engine_maglev_build(b, 50, M_DEF, SEED, t0), 0);
	memcpy(r, b, sizeof(b));
	r[17] = r[49];
	assert_int_equal(engine_maglev_build(r, 49, M_DEF, SEED, t1), 0);
	assert_true(changed_frac(t0, t1, M_DEF) > 0);
	r[49] = b[17];
	assert_int_equal(engine_maglev_build(r, 50, M_DEF, SEED, t2), 0);
	assert_memory_equal(t0, t2, M_DEF * sizeof(*t0));
	free(t0);
	free(t1);
	free(t2);
}

static void shuffle(struct engine_maglev_backend *b, uint32_t n, uint64_t *rng)
{
	struct engine_maglev_backend tmp;
	uint32_t i, j;

	for (i = n - 1; i > 0; i--) {
		j = lcg(rng) % (i + 1);
		tmp = b[i];
		b[i] = b[j];
		b[j] = tmp;
	}
}

static void test_order_and_seed(void **state)
{
	struct engine_maglev_backend b[100];
	uint32_t *t0 = new_table(M_DEF), *t1 = new_table(M_DEF);
	uint64_t rng = 7;
	int k;

	(void)state;
	make_set(b, 100, W_RANDOM);
	assert_int_equal(engine_maglev_build(b, 100, M_DEF, SEED, t0), 0);
	assert_int_equal(engine_maglev_build(b, 100, M_DEF, SEED, t1), 0);
	assert_memory_equal(t0, t1, M_DEF * sizeof(*t0));
	for (k = 0; k < 5; k++) {
		shuffle(b, 100, &rng);
		assert_int_equal(engine_maglev_build(b, 100, M_DEF, SEED, t1), 0);
		assert_memory_equal(t0, t1, M_DEF * sizeof(*t0));
	}
	assert_int_equal(engine_maglev_build(b, 100, M_DEF, SEED + 1, t1), 0);
	/* a new seed reshuffles the table: most slots change */
	assert_true(changed_frac(t0, t1, M_DEF) > 0.5);
	free(t0);
	free(t1);
}

static void test_fill(void **state)
{
	struct engine_maglev_backend b[20], w[20];
	uint32_t *t = new_table(M_DEF), *t2 = new_table(M_DEF), cnt[21], i, n;

	(void)state;
	make_set(b, 20, W_LINEAR);
	for (i = 0; i < 20; i += 3)
		b[i].weight = 0;
	b[18].id = 0; /* id 0 is fine when it takes no slots */
	assert_int_equal(engine_maglev_build(b, 20, M_DEF, SEED, t), 0);
	count_slots(t, M_DEF, cnt, 20);
	assert_int_equal(cnt[0], 0);
	for (i = 0; i < 20; i++) {
		if (!b[i].weight)
			assert_int_equal(cnt[b[i].id], 0);
		else
			assert_true(cnt[b[i].id] > 0);
	}
	/* backends of weight 0 do not disturb the others: same table without them */
	for (i = 0, n = 0; i < 20; i++)
		if (b[i].weight)
			w[n++] = b[i];
	assert_int_equal(engine_maglev_build(w, n, M_DEF, SEED, t2), 0);
	assert_memory_equal(t, t2, M_DEF * sizeof(*t));
	free(t);
	free(t2);
}

static void assert_all(const uint32_t *t, uint32_t m, uint32_t v)
{
	uint32_t i;

	for (i = 0; i < m; i++)
		assert_int_equal(t[i], v);
}

static void test_fill_empty(void **state)
{
	struct engine_maglev_backend b[10];
	uint32_t *t = new_table(M_DEF), i;

	(void)state;
	make_set(b, 10, W_EQUAL);
	for (i = 0; i < 10; i++)
		b[i].weight = 0;
	memset(t, 0xff, M_DEF * sizeof(*t));
	assert_int_equal(engine_maglev_build(b, 10, M_DEF, SEED, t), 0);
	assert_all(t, M_DEF, STEER_NO_BACKEND);
	memset(t, 0xff, M_DEF * sizeof(*t));
	assert_int_equal(engine_maglev_build(NULL, 0, M_DEF, SEED, t), 0);
	assert_all(t, M_DEF, STEER_NO_BACKEND);
	/* one backend owns everything */
	b[3].weight = 5;
	assert_int_equal(engine_maglev_build(b, 10, M_DEF, SEED, t), 0);
	assert_all(t, M_DEF, b[3].id);
	free(t);
}

/* Tiny and huge tables, skewed weights, many backends. */
static void test_extremes(void **state)
{
	struct engine_maglev_backend *b = calloc(MAX_N, sizeof(*b));
	uint32_t *t = new_table(STEER_MAGLEV_MAX), *cnt = calloc(MAX_N + 1, sizeof(*cnt)), i;

	(void)state;
	assert_non_null(b);
	assert_non_null(cnt);
	make_set(b, 5, W_EQUAL);
	assert_int_equal(engine_maglev_build(b, 5, 3, SEED, t), 0);
	count_slots(t, 3, cnt, 5);
	assert_int_equal(cnt[0], 0);

	/* 4096 equal backends at the default size: 3 or 4 slots each */
	make_set(b, MAX_N, W_EQUAL);
	assert_int_equal(engine_maglev_build(b, MAX_N, M_DEF, SEED, t), 0);
	count_slots(t, M_DEF, cnt, MAX_N);
	for (i = 1; i <= MAX_N; i++)
		assert_in_range(cnt[i], 3, 4);

	/* one huge weight among 4095 tiny ones, largest table */
	b[0].weight = UINT32_MAX;
	assert_int_equal(engine_maglev_build(b, MAX_N, STEER_MAGLEV_MAX, SEED, t), 0);
	count_slots(t, STEER_MAGLEV_MAX, cnt, MAX_N);
	assert_int_equal(cnt[0], 0);
	assert_int_equal(cnt[b[0].id], STEER_MAGLEV_MAX);

	/* huge weights that do not divide each other */
	for (i = 0; i < 100; i++)
		b[i].weight = UINT32_MAX - i * 7919;
	assert_int_equal(engine_maglev_build(b, 100, STEER_MAGLEV_MAX, SEED, t), 0);
	count_slots(t, STEER_MAGLEV_MAX, cnt, 100);
	for (i = 1; i <= 100; i++)
		assert_in_range(cnt[i], STEER_MAGLEV_MAX / 100 - 2, STEER_MAGLEV_MAX / 100 + 2);
	free(cnt);
	free(t);
	free(b);
}

static void test_invalid(void **state)
{
	static const uint32_t bad_m[] = { 0, 1, 2, 4, 16383, 65535, 131101, UINT32_MAX };
	struct engine_maglev_backend b[10];
	uint32_t *t = new_table(131101);
	size_t i;

	(void)state;
	make_set(b, 10, W_EQUAL);
	for (i = 0; i < sizeof(bad_m) / sizeof(bad_m[0]); i++)
		assert_int_equal(engine_maglev_build(b, 10, bad_m[i], SEED, t), -EINVAL);
	assert_int_equal(engine_maglev_build(b, 10, M_DEF, SEED, NULL), -EINVAL);
	assert_int_equal(engine_maglev_build(NULL, 3, M_DEF, SEED, t), -EINVAL);

	memset(t, 0xab, M_DEF * sizeof(*t));
	b[4].key = b[7].key; /* duplicate key */
	assert_int_equal(engine_maglev_build(b, 10, M_DEF, SEED, t), -EINVAL);
	b[7].weight = 0; /* still a duplicate */
	assert_int_equal(engine_maglev_build(b, 10, M_DEF, SEED, t), -EINVAL);
	make_set(b, 10, W_EQUAL);
	b[2].id = 0;
	assert_int_equal(engine_maglev_build(b, 10, M_DEF, SEED, t), -EINVAL);
	assert_int_equal(t[0], 0xabababab); /* untouched on error */
	b[2].weight = 0;
	assert_int_equal(engine_maglev_build(b, 10, M_DEF, SEED, t), 0);
	free(t);
}

static void test_is_prime(void **state)
{
	static const uint32_t primes[] = { 2, 3, 5, 7, 13, 25013, 16381, 65537, 131071,
					   4294967291u };
	static const uint32_t others[] = { 0, 1, 4, 9, 25, 49, 16383, 65535, 131073,
					   25009, 4294967295u, 4294967281u };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(primes) / sizeof(primes[0]); i++)
		assert_true(util_is_prime(primes[i]));
	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		assert_false(util_is_prime(others[i]));
}

static void test_key(void **state)
{
	uint8_t a[16] = { 10, 0, 0, 1 }, c[16] = { 10, 0, 0, 2 };
	uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 }, v6b[16];
	uint64_t k = engine_maglev_key(a, STEER_AF_INET, htons(80));

	(void)state;
	assert_int_equal(k, engine_maglev_key(a, STEER_AF_INET, htons(80)));
	assert_int_not_equal(k, engine_maglev_key(a, STEER_AF_INET, htons(81)));
	assert_int_not_equal(k, engine_maglev_key(c, STEER_AF_INET, htons(80)));
	assert_int_not_equal(k, engine_maglev_key(a, STEER_AF_INET6, htons(80)));
	/* port is taken in network order: bytes 0x00 0x50 != 0x50 0x00 */
	assert_int_not_equal(k, engine_maglev_key(a, STEER_AF_INET, 80));
	/* IPv4 ignores bytes 4..15 */
	c[1] = 0;
	c[3] = 1;
	c[9] = 0xff;
	assert_int_equal(k, engine_maglev_key(c, STEER_AF_INET, htons(80)));
	memcpy(v6b, v6, 16);
	assert_int_equal(engine_maglev_key(v6, STEER_AF_INET6, htons(443)),
			 engine_maglev_key(v6b, STEER_AF_INET6, htons(443)));
	v6b[15] = 2;
	assert_int_not_equal(engine_maglev_key(v6, STEER_AF_INET6, htons(443)),
			     engine_maglev_key(v6b, STEER_AF_INET6, htons(443)));
	v6b[15] = 1;
	v6b[8] = 1;
	assert_int_not_equal(engine_maglev_key(v6, STEER_AF_INET6, htons(443)),
			     engine_maglev_key(v6b, STEER_AF_INET6, htons(443)));
	/* fixed: gateways running different builds or hosts must agree */
	assert_int_equal(k, 0x614e7d39d15ab28fULL);
}

/* FNV-1a over the table bytes, little-endian. */
static uint64_t table_hash(const uint32_t *t, uint32_t m)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	uint32_t i;
	int k;

	for (i = 0; i < m; i++) {
		for (k = 0; k < 4; k++) {
			h ^= (t[i] >> (8 * k)) & 0xff;
			h *= 0x100000001b3ULL;
		}
	}
	return h;
}

/*
 * Fixed tables: a change of hash, permutation or claim order reshuffles
 * every gateway's table during a rolling upgrade, so it must be deliberate
 * (update the values here and say so in the change).
 */
static void test_golden(void **state)
{
	struct engine_maglev_backend b[100];
	uint32_t *t = new_table(M_DEF);

	(void)state;
	make_set(b, 100, W_EQUAL);
	assert_int_equal(engine_maglev_build(b, 100, M_DEF, SEED, t), 0);
	print_message("equal: 0x%016llx\n", (unsigned long long)table_hash(t, M_DEF));
	assert_int_equal(table_hash(t, M_DEF), GOLDEN_EQUAL);
	make_set(b, 100, W_RANDOM);
	assert_int_equal(engine_maglev_build(b, 100, M_DEF, SEED, t), 0);
	print_message("random: 0x%016llx\n", (unsigned long long)table_hash(t, M_DEF));
	assert_int_equal(table_hash(t, M_DEF), GOLDEN_RANDOM);
	free(t);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Best of 5 builds, in ms. */
static double time_build(const struct engine_maglev_backend *b, uint32_t n, uint32_t m,
			 uint32_t *t)
{
	double best = 1e9, t0, dt;
	int k;

	for (k = 0; k < 5; k++) {
		t0 = now_ms();
		assert_int_equal(engine_maglev_build(b, n, m, SEED, t), 0);
		dt = now_ms() - t0;
		if (dt < best)
			best = dt;
	}
	return best;
}

/* Timing bounds are checked unless STEER_TEST_NO_TIMING is set or under valgrind. */
static bool timing_checked(void)
{
	const char *pre = getenv("LD_PRELOAD");

	return !getenv("STEER_TEST_NO_TIMING") && !(pre && strstr(pre, "vgpreload"));
}

static void test_speed(void **state)
{
	struct engine_maglev_backend *b = calloc(MAX_N, sizeof(*b));
	uint32_t *t = new_table(STEER_MAGLEV_MAX);
	double a, c, d, e;

	(void)state;
	assert_non_null(b);
	make_set(b, 100, W_RANDOM);
	a = time_build(b, 100, M_DEF, t);
	make_set(b, MAX_N, W_RANDOM);
	c = time_build(b, MAX_N, M_DEF, t);
	d = time_build(b, MAX_N, STEER_MAGLEV_MAX, t);
	make_set(b, MAX_N, W_HEAVY);
	e = time_build(b, MAX_N, STEER_MAGLEV_MAX, t);
	print_message("build ms: 16381x100 %.3f, 16381x4096 %.3f, 131071x4096 %.3f (%.3f skewed)\n",
		      a, c, d, e);
	if (timing_checked()) {
		assert_true(a < 10);
		assert_true(c < 50);
		assert_true(d < 200);
		assert_true(e < 200);
	}
	free(t);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_weights_equal),
		cmocka_unit_test(test_weights_mixed),
		cmocka_unit_test(test_weights_scale_free),
		cmocka_unit_test(test_disruption_65537),
		cmocka_unit_test(test_disruption_default),
		cmocka_unit_test(test_add_back_restores),
		cmocka_unit_test(test_order_and_seed),
		cmocka_unit_test(test_fill),
		cmocka_unit_test(test_fill_empty),
		cmocka_unit_test(test_extremes),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_is_prime),
		cmocka_unit_test(test_key),
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_speed),
	};

	return cmocka_run_group_tests_name("maglev", tests, NULL, NULL);
}
