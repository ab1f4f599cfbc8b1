// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Unit tests of the reason codes: the list in steer_abi.h (STEER_REASONS)
 * against docs/datapath.md's table (numbers, names and kinds, row by row
 * in the same order), unique names that round-trip, name prefixes that
 * match the kinds, and the data plane's drop mask against the kinds.
 * Run from the repository root (docs/datapath.md is read).
 */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dp/dp.h"

#define DATAPATH_MD "docs/datapath.md"
#define TABLE_HEADING "## Reason codes"
#define MAX_ROWS 128

struct doc_row {
	long code;
	char name[64];
	char kind[16];
	int line;
};

static struct doc_row rows[MAX_ROWS];
static int n_rows;
static char *doc;

/* The next '|'-separated cell of a table row, trimmed; NULL at the end. */
static char *next_cell(char **p)
{
	char *s = *p, *end, *bar;

	if (!s || !*s)
		return NULL;
	bar = strchr(s, '|');
	if (!bar)
		return NULL;
	*bar = '\0';
	*p = bar + 1;
	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

static void copy_unquoted(char *dst, size_t len, const char *src)
{
	size_t n = strlen(src);

	if (n >= 2 && src[0] == '`' && src[n - 1] == '`') {
		src++;
		n -= 2;
	}
	if (n >= len)
		n = len - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Read the rows of the table under TABLE_HEADING. */
static int read_table(void **state)
{
	char line[1024];
	int lineno = 0, in_section = 0, in_table = 0;
	FILE *f = fopen(DATAPATH_MD, "r");
	size_t cap = 0, len = 0;

	(void)state;
	if (!f) {
		fprintf(stderr, "test_reasons: cannot open %s (run from the repository root)\n",
			DATAPATH_MD);
		return -1;
	}
	n_rows = 0;
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *c0, *c1, *c2, *c3, *endp;
		size_t l = strlen(line);

		if (len + l + 1 > cap) {
			char *bigger = realloc(doc, (len + l + 1) * 2);

			if (!bigger) {
				fclose(f);
				return -1;
			}
			doc = bigger;
			cap = (len + l + 1) * 2;
		}
		memcpy(doc + len, line, l + 1);
		len += l;
		lineno++;
		if (!strncmp(line, "## ", 3)) {
			in_section = !strncmp(line, TABLE_HEADING, strlen(TABLE_HEADING));
			in_table = 0;
			continue;
		}
		if (!in_section)
			continue;
		if (line[0] != '|') {
			if (in_table)
				in_section = 0; /* the first table of the section only */
			continue;
		}
		in_table = 1;
		if (!next_cell(&p)) /* before the first '|' */
			continue;
		c0 = next_cell(&p);
		c1 = next_cell(&p);
		c2 = next_cell(&p);
		c3 = next_cell(&p);
		if (!c0 || !c1 || !c2 || !c3 || !isdigit((unsigned char)c0[0]))
			continue; /* header and separator rows */
		if (n_rows == MAX_ROWS)
			break;
		rows[n_rows].code = strtol(c0, &endp, 10);
		if (*endp)
			rows[n_rows].code = -1;
		copy_unquoted(rows[n_rows].name, sizeof(rows[n_rows].name), c1);
		copy_unquoted(rows[n_rows].kind, sizeof(rows[n_rows].kind), c2);
		rows[n_rows].line = lineno;
		n_rows++;
	}
	fclose(f);
	return doc ? 0 : -1;
}

static int free_doc(void **state)
{
	(void)state;
	free(doc);
	doc = NULL;
	return 0;
}

/* The table lists every code of STEER_REASONS, in order, as the list says. */
static void test_doc_table_matches_list(void **state)
{
	uint32_t i;

	(void)state;
	if (n_rows != STEER_R_MAX)
		fprintf(stderr, "%s: %d rows under \"%s\", STEER_REASONS has %d codes\n",
			DATAPATH_MD, n_rows, TABLE_HEADING, (int)STEER_R_MAX);
	assert_int_equal(n_rows, STEER_R_MAX);
	for (i = 0; i < STEER_R_MAX; i++) {
		const char *name = dp_reason_name(i);
		const char *kind = dp_reason_kind_name(dp_reason_kind(i));

		if (rows[i].code != (long)i || strcmp(rows[i].name, name) ||
		    strcmp(rows[i].kind, kind))
			fprintf(stderr, "%s:%d: row says %ld %s %s, STEER_REASONS says %u %s %s\n",
				DATAPATH_MD, rows[i].line, rows[i].code, rows[i].name, rows[i].kind,
				i, name, kind);
		assert_int_equal(rows[i].code, i);
		assert_string_equal(rows[i].name, name);
		assert_string_equal(rows[i].kind, kind);
	}
}

/* Every `pass_*`, `drop_*` and `ev_*` the document mentions is a code. */
static void test_doc_mentions_known_names(void **state)
{
	const char *p = doc;
	int checked = 0;

	(void)state;
	while ((p = strchr(p, '`'))) {
		const char *end = strchr(p + 1, '`');
		char word[64];
		size_t n;

		if (!end)
			break;
		n = (size_t)(end - p - 1);
		if (n < sizeof(word)) {
			memcpy(word, p + 1, n);
			word[n] = '\0';
			if (strspn(word, "abcdefghijklmnopqrstuvwxyz0123456789_") == n &&
			    (!strncmp(word, "pass_", 5) || !strncmp(word, "drop_", 5) ||
			     !strncmp(word, "ev_", 3))) {
				if (dp_reason_from_name(word) < 0)
					fprintf(stderr, "%s mentions `%s`, not a reason code\n",
						DATAPATH_MD, word);
				assert_true(dp_reason_from_name(word) >= 0);
				checked++;
			}
		}
		p = end + 1;
	}
	assert_true(checked >= STEER_R_MAX - 1);
}

/* Names are unique, round-trip, and their prefix says their kind. */
static void test_names_unique(void **state)
{
	uint32_t i, j;

	(void)state;
	for (i = 0; i < STEER_R_MAX; i++) {
		const char *name = dp_reason_name(i);
		int kind = dp_reason_kind(i);

		assert_non_null(name);
		assert_string_not_equal(name, "unknown");
		assert_int_equal(dp_reason_from_name(name), i);
		for (j = i + 1; j < STEER_R_MAX; j++)
			assert_string_not_equal(name, dp_reason_name(j));
		switch (kind) {
		case STEER_RK_NONE:
			assert_int_equal(i, STEER_R_NONE);
			break;
		case STEER_RK_PASS:
			assert_memory_equal(name, "pass_", 5);
			break;
		case STEER_RK_DROP:
			assert_memory_equal(name, "drop_", 5);
			break;
		case STEER_RK_EVENT:
			assert_memory_equal(name, "ev_", 3);
			break;
		case STEER_RK_RETIRED:
			assert_memory_equal(name, "retired_", 8);
			break;
		default:
			fail_msg("reason %u: kind %d", i, kind);
		}
	}
	assert_int_equal(dp_reason_kind(STEER_R_NONE), STEER_RK_NONE);
	assert_string_equal(dp_reason_name(STEER_R_MAX), "unknown");
	assert_int_equal(dp_reason_kind(STEER_R_MAX), -1);
	assert_int_equal(dp_reason_from_name("unknown"), -1);
	assert_int_equal(dp_reason_from_name(""), -1);
	assert_string_equal(dp_reason_kind_name(-1), "unknown");
}

/* The numbers operators and dashboards know (ABI) are where they were. */
static void test_numbers_stable(void **state)
{
	static const struct {
		const char *name;
		int code;
	} known[] = {
		{ "none", 0 },
		{ "pass_not_ip", 1 },
		{ "pass_not_service", 3 },
		{ "pass_malformed", 9 },
		{ "drop_trunc_eth", 10 },
		{ "drop_reject_policy", 16 },
		{ "drop_no_backend", 17 },
		{ "drop_fib", 20 },
		{ "drop_no_config", 21 },
		{ "ev_nonsyn_miss", 22 },
		{ "ev_ct_reuse", 25 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		assert_int_equal(dp_reason_from_name(known[i].name), known[i].code);
	assert_true(STEER_R_MAX <= STEER_REASON_SLOTS);
}

/* The data plane's drop test (steer_reason_is_drop) is this mask. */
static void test_drop_mask_matches_kinds(void **state)
{
	uint32_t i;

	(void)state;
	for (i = 0; i < 64; i++) {
		int is_drop = (int)((STEER_REASON_DROP_MASK >> i) & 1);

		assert_int_equal(is_drop, i < STEER_R_MAX && dp_reason_kind(i) == STEER_RK_DROP);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_doc_table_matches_list),
		cmocka_unit_test(test_doc_mentions_known_names),
		cmocka_unit_test(test_names_unique),
		cmocka_unit_test(test_numbers_stable),
		cmocka_unit_test(test_drop_mask_matches_kinds),
	};

	return cmocka_run_group_tests(tests, read_table, free_doc);
}
