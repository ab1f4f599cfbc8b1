// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The state file (user/steerd/ctl_state.c): a corrupt or unreadable file is
 * an error at start and reload (steerd refuses, naming the file), and a
 * runtime change never overwrites it; a good file is written atomically
 * (complete JSON, no temporary left) and replayed.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <jansson.h>

#include "steerd/ctl.h"
#include "steerd/steerd.h"
#include "util/util.h"

static const char policy_yaml[] =
	"tasks: [chat]\n"
	"models:\n"
	"  - {name: m1, cost: 1, quality: {chat: 0.8}}\n"
	"services:\n"
	"  - {name: chat, vip: 198.18.100.1, port: 80, task: chat}\n"
	"backends:\n"
	"  - {name: be1, address: 198.18.2.2, port: 8000, model: m1, provider: self,"
	" region: lab, capacity: 10}\n"
	"tenants:\n"
	"  - {name: default, action: reject}\n";

struct fx {
	char dir[64];
	char path[128];
	struct steerd d;
};

static int setup(void **state)
{
	struct fx *x = calloc(1, sizeof(*x));

	assert_non_null(x);
	snprintf(x->dir, sizeof(x->dir), "/tmp/steer-state-XXXXXX");
	assert_non_null(mkdtemp(x->dir));
	snprintf(x->path, sizeof(x->path), "%s/state.json", x->dir);
	x->d.opts.ctl_state = x->path;
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fx *x = *state;
	char tmp[160];

	snprintf(tmp, sizeof(tmp), "%s.tmp", x->path);
	unlink(tmp);
	unlink(x->path);
	rmdir(x->dir);
	free(x);
	return 0;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char *read_file(const char *path)
{
	static char buf[8192];
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void load_policy(struct policy *p)
{
	struct policy_errors errs;

	memset(&errs, 0, sizeof(errs));
	assert_int_equal(
		policy_load_string("t.yaml", policy_yaml, sizeof(policy_yaml) - 1, p, &errs), 0);
}

static const char corrupt[] = "{\"version\": 1, \"changes\": [{\"cmd\": \"backend drain\",";

/* Corrupt: start (and reload) refuse, and the file stays as it was. */
static void test_corrupt_refuses(void **state)
{
	struct fx *x = *state;
	struct policy p;
	int rc;

	write_file(x->path, corrupt);
	load_policy(&p);
	rc = steerd_ctl_overlay(&x->d, &p);
	if (!rc)
		fail_msg("a corrupt state file was ignored (its runtime changes would be lost)");
	assert_int_equal(rc, -EINVAL);
	assert_string_equal(read_file(x->path), corrupt);
	policy_free(&p);
}

/* Corrupt: a runtime change is not recorded over it. */
static void test_corrupt_not_overwritten(void **state)
{
	struct fx *x = *state;
	struct steerd_peer peer = {.uid = 0};
	json_t *args = json_pack("{s:s}", "name", "be1");

	write_file(x->path, corrupt);
	assert_int_not_equal(steerd_ctl_state_record(&x->d, "backend drain", args, &peer), 0);
	if (strcmp(read_file(x->path), corrupt))
		fail_msg("a runtime change overwrote the unreadable state file: %s",
			 read_file(x->path));
	json_decref(args);
}

/* Unreadable (a directory in its place): an error too, not "no changes". */
static void test_unreadable_refuses(void **state)
{
	struct fx *x = *state;
	struct policy p;

	assert_int_equal(mkdir(x->path, 0700), 0);
	load_policy(&p);
	assert_int_not_equal(steerd_ctl_overlay(&x->d, &p), 0);
	policy_free(&p);
	assert_int_equal(rmdir(x->path), 0);
}

/* Missing: no changes. Recorded: complete JSON, no temporary left, replayed. */
static void test_record_atomic_and_replayed(void **state)
{
	struct fx *x = *state;
	struct steerd_peer peer = {.uid = 0};
	json_t *args = json_pack("{s:s}", "name", "be1"), *st, *log;
	json_error_t je;
	struct policy p;
	char tmp[160];

	load_policy(&p);
	assert_int_equal(steerd_ctl_overlay(&x->d, &p), 0); /* no file: nothing to replay */
	assert_int_equal(steerd_ctl_state_record(&x->d, "backend drain", args, &peer), 0);
	snprintf(tmp, sizeof(tmp), "%s.tmp", x->path);
	assert_int_not_equal(access(tmp, F_OK), 0);
	st = json_load_file(x->path, 0, &je);
	assert_non_null(st);
	assert_int_equal(json_array_size(json_object_get(st, "changes")), 1);
	json_decref(st);
	assert_int_equal(steerd_ctl_state_load(&x->d, &log), 0);
	assert_int_equal(json_array_size(log), 1);
	json_decref(log);
	assert_int_equal(steerd_ctl_overlay(&x->d, &p), 0);
	assert_int_equal(p.backends[0].state, STEER_BACKEND_DRAINING);
	policy_free(&p);
	json_decref(args);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_corrupt_refuses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_not_overwritten, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreadable_refuses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_record_atomic_and_replayed, setup, teardown),
	};

	util_log_init("test_state_file", UTIL_LOG_ERROR, false);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
