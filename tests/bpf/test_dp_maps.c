// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The data-plane layer's whole-map I/O (user/dp/map_io.c) against the real
 * maps: batch writes read back by whole-map reads and by pages of every
 * size, deletes (missing keys fine), -ENOSPC when the room is too small,
 * the key-by-key path (LPM tries have no batch ops), and dp_apply writing
 * only the difference.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include <bpf/bpf.h>

#include "bpftest_env.h"

#define N_CLASSES 1000

static void class_entry(size_t i, struct steer_class_key *k, struct steer_class *v)
{
	memset(k, 0, sizeof(*k));
	memset(v, 0, sizeof(*v));
	k->tenant = 100 + (uint32_t)(i / 8);
	k->task = (uint16_t)(i % 8);
	k->family = i % 2 ? STEER_AF_INET6 : STEER_AF_INET;
	v->class_id = 100 + (uint32_t)i;
	v->table_id = 1 + (uint32_t)(i % 4);
}

static int cmp_key(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct steer_class_key));
}

/* The classes the map holds, sorted, with the base configuration's left out. */
static size_t read_mine(struct steer_class_key *keys, struct steer_class *vals, size_t room)
{
	size_t n = room, i, j = 0;

	assert_int_equal(dp_map_read(bpft.dp, DP_MAP_CLASSES, keys, vals, &n), 0);
	for (i = 0; i < n; i++)
		if (keys[i].tenant >= 100) {
			keys[j] = keys[i];
			vals[j++] = vals[i];
		}
	/* sort keys and values together: sort indices by key */
	for (i = 1; i < j; i++)
		for (size_t k = i; k > 0 && cmp_key(&keys[k - 1], &keys[k]) > 0; k--) {
			struct steer_class_key tk = keys[k];
			struct steer_class tv = vals[k];

			keys[k] = keys[k - 1];
			vals[k] = vals[k - 1];
			keys[k - 1] = tk;
			vals[k - 1] = tv;
		}
	return j;
}

static void test_write_read(void **state)
{
	struct steer_class_key *k = calloc(N_CLASSES + 64, sizeof(*k));
	struct steer_class *v = calloc(N_CLASSES + 64, sizeof(*v));
	struct steer_class_key *rk = calloc(N_CLASSES + 64, sizeof(*rk));
	struct steer_class *rv = calloc(N_CLASSES + 64, sizeof(*rv));
	size_t i, n;

	(void)state;
	for (i = 0; i < N_CLASSES; i++)
		class_entry(i, &k[i], &v[i]);
	assert_int_equal(dp_map_write(bpft.dp, DP_MAP_CLASSES, k, v, N_CLASSES), 0);
	n = read_mine(rk, rv, N_CLASSES + 64);
	assert_int_equal(n, N_CLASSES);
	qsort(k, N_CLASSES, sizeof(*k), cmp_key);
	for (i = 0; i < n; i++) {
		struct steer_class want;
		struct steer_class_key wk;
		size_t orig = (rk[i].tenant - 100) * 8 + rk[i].task;

		assert_memory_equal(&rk[i], &k[i], sizeof(*k));
		class_entry(orig, &wk, &want);
		assert_memory_equal(&rv[i], &want, sizeof(want));
	}
	/* too little room: -ENOSPC with what fits (a batch takes whole buckets) */
	n = 10;
	assert_int_equal(dp_map_read(bpft.dp, DP_MAP_CLASSES, rk, rv, &n), -ENOSPC);
	assert_true(n <= 10);
	/* delete half, and keys that are not there */
	assert_int_equal(dp_map_delete(bpft.dp, DP_MAP_CLASSES, k, N_CLASSES / 2), 0);
	assert_int_equal(dp_map_delete(bpft.dp, DP_MAP_CLASSES, k, N_CLASSES / 2), 0);
	assert_int_equal(read_mine(rk, rv, N_CLASSES + 64), N_CLASSES - N_CLASSES / 2);
	assert_int_equal(dp_map_delete(bpft.dp, DP_MAP_CLASSES, k, N_CLASSES), 0);
	assert_int_equal(read_mine(rk, rv, N_CLASSES + 64), 0);
	free(k);
	free(v);
	free(rk);
	free(rv);
}

/* Pages of any size see every entry exactly once (no writer meanwhile). */
static void test_pages(void **state)
{
	static const size_t pages[] = { 64, 100, 257, 5000 };
	struct steer_class_key *k = calloc(N_CLASSES, sizeof(*k));
	struct steer_class *v = calloc(N_CLASSES, sizeof(*v));
	struct steer_class_key pk[5000];
	struct steer_class pv[5000];
	size_t p, i;

	(void)state;
	for (i = 0; i < N_CLASSES; i++)
		class_entry(i, &k[i], &v[i]);
	assert_int_equal(dp_map_write(bpft.dp, DP_MAP_CLASSES, k, v, N_CLASSES), 0);
	for (p = 0; p < sizeof(pages) / sizeof(pages[0]); p++) {
		struct dp_map_cursor c = { 0 };
		unsigned char *seen = calloc(N_CLASSES, 1);
		size_t total = 0, n;

		do {
			n = pages[p];
			assert_int_equal(dp_map_page(bpft.dp, DP_MAP_CLASSES, &c, pk, pv, &n), 0);
			assert_true(n <= pages[p]);
			for (i = 0; i < n; i++) {
				size_t orig;

				if (pk[i].tenant < 100)
					continue; /* the base configuration's */
				orig = (pk[i].tenant - 100) * 8 + pk[i].task;
				assert_true(orig < N_CLASSES);
				assert_int_equal(seen[orig], 0);
				seen[orig] = 1;
				assert_int_equal(pv[i].class_id, 100 + orig);
				total++;
			}
		} while (n);
		assert_true(c.done);
		assert_int_equal(total, N_CLASSES);
		free(seen);
	}
	assert_int_equal(dp_map_delete(bpft.dp, DP_MAP_CLASSES, k, N_CLASSES), 0);
	free(k);
	free(v);
}

/* LPM tries have no batch lookup: the key-by-key path gives the same answer. */
static void test_lpm_by_key(void **state)
{
	struct steer_lpm_v4_key keys[64];
	uint32_t vals[64];
	size_t n = 64, i, found = 0;
	uint8_t a[16] = { 198, 18, 77, 0 };

	(void)state;
	for (i = 0; i < 20; i++) {
		a[2] = (uint8_t)(77 + i);
		assert_int_equal(dp_tenant_prefix_set(bpft.dp, STEER_AF_INET, a, 24, 7), 0);
	}
	assert_int_equal(dp_map_read(bpft.dp, DP_MAP_TENANTS_V4, keys, vals, &n), 0);
	for (i = 0; i < n; i++)
		if (keys[i].addr[0] == 198 && keys[i].addr[1] == 18 && keys[i].addr[2] >= 77 &&
		    keys[i].addr[2] < 97 && keys[i].prefixlen == 24) {
			assert_int_equal(vals[i], 7);
			found++;
		}
	assert_int_equal(found, 20);
	for (i = 0; i < 20; i++) {
		a[2] = (uint8_t)(77 + i);
		assert_int_equal(dp_tenant_prefix_del(bpft.dp, STEER_AF_INET, a, 24), 0);
	}
}

/* An active IPv4 backend of the fixture's set, as a plan names it. */
static void plan_backend(struct dp_plan_backend *b, uint32_t id, uint32_t capacity)
{
	memset(b, 0, sizeof(*b));
	b->id = id;
	memcpy(b->be.addr, bpft_backends[id].addr, 16);
	b->be.port = htons(BE_PORT);
	b->be.family = STEER_AF_INET;
	b->be.state = STEER_BACKEND_ACTIVE;
	b->capacity = capacity;
}

/* dp_apply writes the difference: a second apply of the same plan writes nothing. */
static void test_apply_difference(void **state)
{
	struct dp_plan_class cls[3];
	struct dp_plan_backend be[1];
	struct dp_plan_table tab[1];
	struct dp_plan plan = { 0 };
	struct dp_apply_stats st;
	uint32_t entries[BPFT_M];
	size_t i;

	(void)state;
	for (i = 0; i < BPFT_M; i++)
		entries[i] = BE4_A;
	memset(cls, 0, sizeof(cls));
	for (i = 0; i < 3; i++) {
		cls[i].key = (struct steer_class_key){ TENANT_1, (uint16_t)(TASK_V4 + i),
						       STEER_AF_INET, 0 };
		cls[i].val = (struct steer_class){ 10 + (uint32_t)i, 9, STEER_ACTION_TABLE, 0 };
	}
	plan_backend(&be[0], BE4_A, 0);
	tab[0] = (struct dp_plan_table){ .id = 9, .entries = entries };
	assert_int_equal(dp_config_get(bpft.dp, &plan.config), 0);
	plan.backends = be;
	plan.n_backends = 1;
	plan.tables = tab;
	plan.n_tables = 1;
	plan.classes = cls;
	plan.n_classes = 3;
	assert_int_equal(dp_apply(bpft.dp, &plan, &st), 0);
	assert_int_equal(st.tables_written, 1);
	assert_int_equal(st.classes_written, 3);
	assert_true(st.classes_deleted >= 1); /* the base configuration's */
	assert_true(st.backends_written >= 1); /* the other base backends: unused */
	tab[0].entries = NULL; /* the table keeps what it holds */
	assert_int_equal(dp_apply(bpft.dp, &plan, &st), 0);
	assert_int_equal(st.tables_written, 0);
	assert_int_equal(st.classes_written, 0);
	assert_int_equal(st.classes_deleted, 0);
	assert_int_equal(st.backends_written, 0);
}

/*
 * The bounded load's weights are the backends' capacities, not the slots
 * their load-aware weights gave them (user/dp/tables.c): a table 3/4 A,
 * 1/4 B of two backends that can hold 4 each weighs them 4 and 4, and a
 * backend with no capacity counts 1. Standby members join the set.
 */
static void test_apply_bound_weighs_capacity(void **state)
{
	struct dp_plan_class cls = { 0 };
	struct dp_plan_backend be[2];
	struct dp_plan_table tab[1];
	struct dp_plan plan = { 0 };
	struct steer_table_set set;
	struct dp_apply_stats st;
	uint32_t entries[BPFT_M], key = 9, i;

	(void)state;
	for (i = 0; i < BPFT_M; i++)
		entries[i] = i % 4 ? BE4_A : BE4_B;
	cls.key = (struct steer_class_key){ TENANT_1, TASK_V4, STEER_AF_INET, 0 };
	cls.val = (struct steer_class){ 10, 9, STEER_ACTION_TABLE, 0 };
	plan_backend(&be[0], BE4_A, 4);
	plan_backend(&be[1], BE4_B, 4);
	tab[0] = (struct dp_plan_table){ .id = 9, .entries = entries };
	assert_int_equal(dp_config_get(bpft.dp, &plan.config), 0);
	plan.backends = be;
	plan.n_backends = 2;
	plan.tables = tab;
	plan.n_tables = 1;
	plan.classes = &cls;
	plan.n_classes = 1;
	assert_int_equal(dp_apply(bpft.dp, &plan, &st), 0);
	assert_int_equal(bpf_map_lookup_elem(dp_map_fd(bpft.dp, DP_MAP_TABLE_SETS), &key, &set), 0);
	assert_int_equal(set.n, 2);
	assert_int_equal(set.total_weight, 8);
	assert_int_equal(set.weight[0], 4);
	assert_int_equal(set.weight[1], 4);

	be[1].capacity = 0; /* counts 1 */
	for (i = 0; i < BPFT_M; i++)
		entries[i] = i % 2 ? BE4_A : BE4_B; /* a new table: written again */
	assert_int_equal(dp_apply(bpft.dp, &plan, &st), 0);
	assert_int_equal(bpf_map_lookup_elem(dp_map_fd(bpft.dp, DP_MAP_TABLE_SETS), &key, &set), 0);
	assert_int_equal(set.total_weight, 5);
	for (i = 0; i < set.n; i++)
		assert_int_equal(set.weight[i], set.ids[i] == BE4_A ? 4 : 1);

	/* a standby member (full at the last probe: no slots) joins the set
	 * with its capacity; one already in the table is not listed twice */
	{
		uint32_t standby[2] = { BE4_B, BE4_A };

		be[1].capacity = 6;
		for (i = 0; i < BPFT_M; i++)
			entries[i] = BE4_A;
		tab[0].standby = standby;
		tab[0].n_standby = 2;
		assert_int_equal(dp_apply(bpft.dp, &plan, &st), 0);
		assert_int_equal(
			bpf_map_lookup_elem(dp_map_fd(bpft.dp, DP_MAP_TABLE_SETS), &key, &set), 0);
		assert_int_equal(set.n, 2);
		assert_int_equal(set.ids[0], BE4_A);
		assert_int_equal(set.ids[1], BE4_B);
		assert_int_equal(set.weight[1], 6);
		assert_int_equal(set.total_weight, 10);
	}
}

/*
 * A larger maglev_size is published only after its tables (XDP indexes a
 * table with hash % config.maglev_size: a size above what the tables hold
 * drops new flows as drop_no_backend). A plan whose second table can't be
 * built fails before the size is published; the fixed plan then publishes
 * both tables and the size.
 */
static void test_apply_grow_size_after_tables(void **state)
{
	enum { M2 = 257 };
	static uint32_t entries[M2], bad[M2];
	struct dp_plan_class cls[2];
	struct dp_plan_table tab[2];
	struct dp_plan plan = { 0 };
	struct dp_apply_stats st;
	struct steer_config cfg;
	uint32_t got[M2];
	size_t i;

	(void)state;
	for (i = 0; i < M2; i++) {
		entries[i] = BE4_A;
		bad[i] = BE4_A;
	}
	bad[M2 - 1] = STEER_MAX_BACKENDS; /* out of range: this table can't be built */
	memset(cls, 0, sizeof(cls));
	for (i = 0; i < 2; i++) {
		cls[i].key = (struct steer_class_key){ TENANT_1, (uint16_t)(TASK_V4 + i),
						       STEER_AF_INET, 0 };
		cls[i].val = (struct steer_class){ 10 + (uint32_t)i, 9 + (uint32_t)i,
						   STEER_ACTION_TABLE, 0 };
	}
	tab[0] = (struct dp_plan_table){ .id = 9, .entries = entries };
	tab[1] = (struct dp_plan_table){ .id = 10, .entries = bad };
	assert_int_equal(dp_config_get(bpft.dp, &plan.config), 0);
	assert_int_equal(plan.config.maglev_size, BPFT_M);
	plan.config.maglev_size = M2;
	plan.tables = tab;
	plan.n_tables = 2;
	plan.classes = cls;
	plan.n_classes = 2;
	assert_int_not_equal(dp_apply(bpft.dp, &plan, &st), 0);
	assert_int_equal(dp_config_get(bpft.dp, &cfg), 0);
	if (cfg.maglev_size != BPFT_M)
		fail_msg("a failed publish left maglev_size %u published without its tables "
			 "(want %u until they are written)",
			 cfg.maglev_size, BPFT_M);
	tab[1].entries = entries;
	assert_int_equal(dp_apply(bpft.dp, &plan, &st), 0);
	assert_int_equal(dp_config_get(bpft.dp, &cfg), 0);
	assert_int_equal(cfg.maglev_size, M2);
	for (i = 0; i < 2; i++) {
		memset(got, 0, sizeof(got));
		assert_int_equal(dp_table_read(bpft.dp, 9 + (uint32_t)i, got, M2), 0);
		assert_memory_equal(got, entries, sizeof(got));
	}
}

/*
 * A new tenant's prefix is written only after its tables and classes exist
 * (docs/design.md, "Publish order"): a plan whose table can't be built
 * fails before any source is classified as the new tenant, and the fixed
 * plan then holds prefix and classes.
 */
static void test_apply_prefix_after_classes(void **state)
{
	static uint32_t entries[BPFT_M];
	struct steer_lpm_v4_key lk = { .prefixlen = 32, .addr = { 198, 18, 77, 9 } };
	struct dp_plan_prefix pfx = { .family = STEER_AF_INET, .addr = { 198, 18, 77, 0 },
				      .len = 24, .tenant = 7 };
	struct dp_plan_tenant tn = { .id = 7 };
	struct dp_plan_class cls = {
		.key = { 7, TASK_V4, STEER_AF_INET, 0 },
		.val = { 20, 11, STEER_ACTION_TABLE, 0 },
	};
	struct dp_plan_table tab = { .id = 11, .entries = entries };
	struct dp_plan plan = { 0 };
	struct dp_apply_stats st;
	struct steer_class cv;
	uint32_t tenant = 0;
	size_t i;

	(void)state;
	for (i = 0; i < BPFT_M; i++)
		entries[i] = BE4_A;
	entries[3] = STEER_MAX_BACKENDS; /* out of range: the table can't be built */
	assert_int_equal(dp_config_get(bpft.dp, &plan.config), 0);
	plan.policy_maps = true;
	plan.tenants = &tn;
	plan.n_tenants = 1;
	plan.prefixes = &pfx;
	plan.n_prefixes = 1;
	plan.tables = &tab;
	plan.n_tables = 1;
	plan.classes = &cls;
	plan.n_classes = 1;
	assert_int_not_equal(dp_apply(bpft.dp, &plan, &st), 0);
	if (!bpf_map_lookup_elem(dp_map_fd(bpft.dp, DP_MAP_TENANTS_V4), &lk, &tenant) &&
	    tenant == 7)
		fail_msg("a failed publish left the new tenant's prefix published before its "
			 "classes: its sources are classified into a tenant with no class");
	entries[3] = BE4_A;
	assert_int_equal(dp_apply(bpft.dp, &plan, &st), 0);
	assert_int_equal(bpf_map_lookup_elem(dp_map_fd(bpft.dp, DP_MAP_TENANTS_V4), &lk, &tenant),
			 0);
	assert_int_equal(tenant, 7);
	assert_int_equal(bpf_map_lookup_elem(dp_map_fd(bpft.dp, DP_MAP_CLASSES), &cls.key, &cv), 0);
	assert_int_equal(cv.table_id, 11);
}

static int run(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_write_read, bpft_reset),
		cmocka_unit_test_setup(test_pages, bpft_reset),
		cmocka_unit_test_setup(test_lpm_by_key, bpft_reset),
		cmocka_unit_test_setup(test_apply_difference, bpft_reset),
		cmocka_unit_test_setup(test_apply_bound_weighs_capacity, bpft_reset),
		cmocka_unit_test_setup(test_apply_grow_size_after_tables, bpft_reset),
		cmocka_unit_test_setup(test_apply_prefix_after_classes, bpft_reset),
	};

	return cmocka_run_group_tests_name("dp_maps", tests, NULL, NULL);
}

int main(void)
{
	return bpft_main(run);
}
