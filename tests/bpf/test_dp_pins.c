// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Upgrades across a map layout change (issue 10, item 6): dp_open on a pin
 * root whose pinned ct has another layout refuses, naming the map and what
 * to do, and touches nothing; a pinned ct of the right layout but another
 * size is adopted with its size (its flows stay), and a pin root without
 * pins gets the sizes asked for; a map this version no longer has goes,
 * a ct_syn of the earlier LRU kind is replaced, and so is a ct_hint of
 * another size, with nothing trusted until steerd's next pass.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <bpf/bpf.h>

#include "bpftest_env.h"
#include "steer_ct_hint.h"

static void sub_root(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", bpft.pin_root, name);
	mkdir(buf, 0700);
}

static void pin_ct(const char *root, uint32_t value_size, uint32_t entries)
{
	char path[256];
	int fd = bpf_map_create(BPF_MAP_TYPE_LRU_HASH, "ct", sizeof(struct steer_flow_key),
				value_size, entries, NULL);

	assert_true(fd >= 0);
	snprintf(path, sizeof(path), "%s/%s", root, STEER_MAP_CT);
	assert_int_equal(bpf_obj_pin(fd, path), 0);
	close(fd);
}

static void test_other_layout_refused(void **state)
{
	struct dp_opts o = { 0 };
	struct dp *dp = NULL;
	char root[200], path[256];
	struct stat st;

	(void)state;
	sub_root(root, sizeof(root), "old-layout");
	pin_ct(root, sizeof(struct steer_ct) + 8, 1024); /* an older steer_ct */
	o.pin_root = root;
	assert_int_equal(dp_open(&o, &dp), -EEXIST);
	assert_null(dp);
	assert_non_null(strstr(dp_errmsg(), "pinned map"));
	assert_non_null(strstr(dp_errmsg(), "another layout"));
	assert_non_null(strstr(dp_errmsg(), "remove the pins"));
	/* nothing else was pinned beside it: no silent mix */
	snprintf(path, sizeof(path), "%s/%s", root, STEER_MAP_RCT);
	assert_int_not_equal(stat(path, &st), 0);
}

static void test_pinned_size_kept(void **state)
{
	struct dp_opts o = { 0 };
	struct dp *dp = NULL;
	uint32_t ct, syn;
	char root[200];

	(void)state;
	sub_root(root, sizeof(root), "other-size");
	pin_ct(root, sizeof(struct steer_ct), 2048);
	o.pin_root = root;
	o.ct_entries = 4096;
	o.ct_syn_entries = 1024;
	assert_int_equal(dp_open(&o, &dp), 0);
	dp_ct_sizes(dp, &ct, &syn);
	assert_int_equal(ct, 2048);	/* the pin wins: its flows stay */
	assert_int_equal(syn, 1024);	/* a new map: the size asked for */
	dp_close(dp);
}

/*
 * A pin root of the version before: its rct_syn (half-open flows' reverse
 * entries; TC now finds them from ct_syn) is removed, not left to hold
 * memory for nothing; the maps this version has are all pinned.
 */
static void test_retired_rct_syn_removed(void **state)
{
	struct dp_opts o = { 0 };
	struct dp *dp = NULL;
	char root[200], path[256];
	struct stat st;
	int fd;

	(void)state;
	sub_root(root, sizeof(root), "with-rct-syn");
	fd = bpf_map_create(BPF_MAP_TYPE_LRU_HASH, "rct_syn", sizeof(struct steer_flow_key),
			    sizeof(struct steer_rct), 1024, NULL);
	assert_true(fd >= 0);
	snprintf(path, sizeof(path), "%s/rct_syn", root);
	assert_int_equal(bpf_obj_pin(fd, path), 0);
	close(fd);
	o.pin_root = root;
	assert_int_equal(dp_open(&o, &dp), 0);
	assert_int_not_equal(stat(path, &st), 0);
	snprintf(path, sizeof(path), "%s/%s", root, STEER_MAP_CT_SYN);
	assert_int_equal(stat(path, &st), 0);
	dp_close(dp);
}

/*
 * A pin root of the version before: its ct_syn is a common LRU (now
 * per-CPU, bpf/steer_maps.h). It is replaced (its half-open flows lose
 * their entries), not refused; ct keeps its established flows.
 */
static void test_common_lru_ct_syn_replaced(void **state)
{
	struct dp_opts o = { 0 };
	struct dp *dp = NULL;
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);
	struct steer_flow_key k = { .proto = STEER_PROTO_TCP, .family = STEER_AF_INET };
	struct steer_ct e = { .backend_id = 1 }, got;
	char root[200], path[256];
	int fd;

	(void)state;
	sub_root(root, sizeof(root), "common-lru-syn");
	pin_ct(root, sizeof(struct steer_ct), 2048);
	snprintf(path, sizeof(path), "%s/%s", root, STEER_MAP_CT);
	fd = bpf_obj_get(path);
	assert_true(fd >= 0);
	assert_int_equal(bpf_map_update_elem(fd, &k, &e, BPF_ANY), 0);
	close(fd);
	fd = bpf_map_create(BPF_MAP_TYPE_LRU_HASH, "ct_syn", sizeof(struct steer_flow_key),
			    sizeof(struct steer_ct), 1024, NULL);
	assert_true(fd >= 0);
	snprintf(path, sizeof(path), "%s/%s", root, STEER_MAP_CT_SYN);
	assert_int_equal(bpf_obj_pin(fd, path), 0);
	close(fd);
	o.pin_root = root;
	assert_int_equal(dp_open(&o, &dp), 0);
	fd = bpf_obj_get(path);
	assert_true(fd >= 0);
	assert_int_equal(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
	assert_true(info.map_flags & BPF_F_NO_COMMON_LRU);
	close(fd);
	assert_int_equal(bpf_map_lookup_elem(dp_map_fd(dp, DP_MAP_CT), &k, &got), 0);
	assert_int_equal(got.backend_id, 1);
	dp_close(dp);
}

/*
 * A pin root of the version before: its ct_hint had 16,384 words (now
 * the size the conntrack maps ask) and its ct_hint_ctl trusted a
 * generation of them. Both are replaced: a hint is derived state (steerd's next pass rebuilds
 * it), and a trusted control word over a new, empty hint would say
 * "absent" for keys the tables hold.
 */
static void test_other_size_ct_hint_replaced(void **state)
{
	LIBBPF_OPTS(bpf_map_create_opts, mo, .map_flags = BPF_F_MMAPABLE);
	struct steer_ct_hint_ctl ctl = { .on = 1, .gen = 3 }, got;
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info), zero = 0;
	char root[200], path[256];
	struct dp_opts o = { 0 };
	struct dp *dp = NULL;
	uint32_t ct, syn;
	int fd;

	(void)state;
	assert_int_not_equal(steer_ct_hint_words_for(STEER_CT_ENTRIES + STEER_CT_SYN_ENTRIES),
			     16384);
	sub_root(root, sizeof(root), "old-hint");
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "ct_hint", sizeof(__u32), sizeof(__u64), 16384,
			    &mo);
	assert_true(fd >= 0);
	snprintf(path, sizeof(path), "%s/%s", root, STEER_MAP_CT_HINT);
	assert_int_equal(bpf_obj_pin(fd, path), 0);
	close(fd);
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "ct_hint_ctl", sizeof(__u32), sizeof(ctl), 1, NULL);
	assert_true(fd >= 0);
	assert_int_equal(bpf_map_update_elem(fd, &zero, &ctl, BPF_ANY), 0);
	snprintf(path, sizeof(path), "%s/%s", root, STEER_MAP_CT_HINT_CTL);
	assert_int_equal(bpf_obj_pin(fd, path), 0);
	close(fd);
	o.pin_root = root;
	assert_int_equal(dp_open(&o, &dp), 0);
	snprintf(path, sizeof(path), "%s/%s", root, STEER_MAP_CT_HINT);
	fd = bpf_obj_get(path);
	assert_true(fd >= 0);
	assert_int_equal(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
	dp_ct_sizes(dp, &ct, &syn);
	assert_int_equal(info.max_entries, steer_ct_hint_words_for((uint64_t)ct + syn));
	close(fd);
	assert_int_equal(dp_ct_hint_ctl_get(dp, &got), 0);
	assert_int_equal(got.on, 0); /* nothing trusted before a pass */
	dp_close(dp);
}

/*
 * ct_hint is sized from the conntrack maps as loaded: the settings' sizes
 * for new maps, a pinned ct's own (the pin wins); XDP's slot of a key is
 * the one steerd's sweep marks (steer_ct_hint_words in .rodata agrees).
 */
static void hint_words_check(const char *name, uint32_t ct_entries, uint32_t pinned_ct,
			     uint32_t want_words)
{
	struct dp_opts o = { .ct_entries = ct_entries, .ct_syn_entries = 1024 };
	struct dp *dp = NULL;
	const struct dp_ct_hint *h;
	char root[200];

	sub_root(root, sizeof(root), name);
	if (pinned_ct)
		pin_ct(root, sizeof(struct steer_ct), pinned_ct);
	o.pin_root = root;
	assert_int_equal(dp_open(&o, &dp), 0);
	h = dp_ct_hint_get(dp);
	assert_non_null(h);
	assert_int_equal(h->words, want_words);
	dp_close(dp);
}

static void test_ct_hint_sized_by_tables(void **state)
{
	(void)state;
	/* 1,048,576 + 1,024 keys: 4,198,400 slots asked, 262,144 words */
	hint_words_check("hint-big", 1048576, 0, 262144);
	/* the smallest tables: the smallest hint */
	hint_words_check("hint-small", 1024, 0, STEER_CT_HINT_WORDS_MIN);
	/* a pinned ct of 131,072 wins over the 1,048,576 asked: (131,072 +
	 * 1,024) x 4 slots, 16,512 words asked, 32,768 */
	hint_words_check("hint-pinned-ct", 1048576, 131072, 32768);
}

static int run(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_other_layout_refused),
		cmocka_unit_test(test_pinned_size_kept),
		cmocka_unit_test(test_retired_rct_syn_removed),
		cmocka_unit_test(test_common_lru_ct_syn_replaced),
		cmocka_unit_test(test_other_size_ct_hint_replaced),
		cmocka_unit_test(test_ct_hint_sized_by_tables),
	};

	return cmocka_run_group_tests_name("dp_pins", tests, NULL, NULL);
}

int main(void)
{
	return bpft_main(run);
}
