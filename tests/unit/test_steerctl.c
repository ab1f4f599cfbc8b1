// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * steerctl's command line (prefix matching, errors, requests), its output
 * in both formats, runtime changes on a policy tree, and the policy ->
 * tree -> YAML round trip that `policy dump` and runtime changes rely on.
 */
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "util/util.h"
#include "steerctl/steerctl.h"
#include "policy/policy.h"
#include "proto/proto.h"

#define ARGV(...) ((char *[]){ "steerctl", __VA_ARGS__, NULL })
#define ARGC(...) ((int)(sizeof((char *[]){ "steerctl", __VA_ARGS__ }) / sizeof(char *)))
#define PARSE(c, ...) steerctl_cli_parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), (c))

static char *req_text(struct steerctl_cli *c)
{
	json_t *r = steerctl_cli_request(c);
	char *s = json_dumps(r, JSON_COMPACT | JSON_SORT_KEYS);

	json_decref(r);
	return s;
}

static void test_prefix_and_request(void **state)
{
	struct steerctl_cli c;
	char *s;

	(void)state;
	assert_int_equal(PARSE(&c, "b", "l"), 0);
	assert_string_equal(c.cmd, "backend list");
	steerctl_cli_free(&c);

	assert_int_equal(PARSE(&c, "-j", "backend", "dr", "be1"), 0);
	assert_true(c.json);
	s = req_text(&c);
	assert_string_equal(s, "{\"args\":{\"name\":\"be1\"},\"cmd\":\"backend drain\"}");
	free(s);
	steerctl_cli_free(&c);

	assert_int_equal(PARSE(&c, "backend", "add", "be3", "[fd00::3]:8000", "model", "m1",
			       "capacity", "4", "safety_tier", "2"), 0);
	s = req_text(&c);
	assert_non_null(strstr(s, "\"address\":\"fd00::3\""));
	assert_non_null(strstr(s, "\"port\":8000"));
	assert_non_null(strstr(s, "\"safety_tier\":2"));
	assert_non_null(strstr(s, "\"provider\":\"selfhost\""));
	free(s);
	steerctl_cli_free(&c);

	assert_int_equal(PARSE(&c, "tenant", "set", "t", "rate", "10", "max-cost", "none",
			       "fallback", "default:chat", "-p"), 0);
	assert_true(c.pretty && c.json);
	s = req_text(&c);
	assert_non_null(strstr(s, "\"admission\":{\"rate\":10}"));
	assert_non_null(strstr(s, "\"max_cost\":null"));
	assert_non_null(strstr(s, "\"fallback\":{\"task\":\"chat\",\"tenant\":\"default\"}"));
	free(s);
	steerctl_cli_free(&c);

	assert_int_equal(PARSE(&c, "explain", "198.18.1.2", "[fd00::1]:80"), 0);
	steerctl_cli_free(&c); /* family mismatch is steerd's to report */
	assert_int_equal(PARSE(&c, "ex", "198.18.1.2:41000", "198.18.100.1:80", "udp"), 0);
	s = req_text(&c);
	assert_string_equal(s, "{\"args\":{\"dport\":80,\"dst\":\"198.18.100.1\",\"proto\":\"udp\","
			       "\"sport\":41000,\"src\":\"198.18.1.2\"},\"cmd\":\"explain\"}");
	free(s);
	steerctl_cli_free(&c);

	assert_int_equal(PARSE(&c, "flows", "--backend", "be1", "--limit", "5"), 0);
	s = req_text(&c);
	assert_string_equal(s, "{\"args\":{\"backend\":\"be1\",\"limit\":5},\"cmd\":\"flows\"}");
	free(s);
	steerctl_cli_free(&c);

	assert_int_equal(PARSE(&c, "-s", "/tmp/x.sock", "policy", "show", "lab", "chat"), 0);
	assert_string_equal(c.socket, "/tmp/x.sock");
	assert_string_equal(c.cmd, "policy show");
	steerctl_cli_free(&c);

	assert_int_equal(PARSE(&c, "stats", "--watch"), 0);
	assert_int_equal(c.action, STEERCTL_ACT_STATS);
	assert_true(c.watch);
	steerctl_cli_free(&c);
	assert_int_equal(PARSE(&c, "top"), 0);
	assert_int_equal(c.action, STEERCTL_ACT_TOP);
	steerctl_cli_free(&c);
	assert_int_equal(PARSE(&c, "tenant", "help"), 0);
	assert_int_equal(c.action, STEERCTL_ACT_HELP);
	assert_string_equal(c.help_object, "tenant");
	steerctl_cli_free(&c);
	assert_int_equal(PARSE(&c, "backend"), 0); /* default command: list */
	assert_string_equal(c.cmd, "backend list");
	steerctl_cli_free(&c);
}

static void test_usage_errors(void **state)
{
	struct steerctl_cli c;

	(void)state;
	assert_int_equal(PARSE(&c, "bakend", "list"), STEERCTL_EXIT_USAGE);
	assert_non_null(strstr(c.err, "did you mean \"backend\""));
	steerctl_cli_free(&c);
	assert_int_equal(PARSE(&c, "st"), STEERCTL_EXIT_USAGE); /* status or stats */
	assert_non_null(strstr(c.err, "ambiguous"));
	steerctl_cli_free(&c);
	assert_int_equal(PARSE(&c, "backend", "drian", "x"), STEERCTL_EXIT_USAGE);
	assert_non_null(strstr(c.err, "did you mean \"drain\""));
	steerctl_cli_free(&c);
	assert_int_equal(PARSE(&c, "backend", "add", "x", "198.18.2.300:80", "model", "m",
			       "capacity", "1"), STEERCTL_EXIT_USAGE);
	assert_non_null(strstr(c.err, "expected ADDR:PORT"));
	steerctl_cli_free(&c);
	assert_int_equal(PARSE(&c, "backend", "add", "x", "198.18.2.3:0", "model", "m"),
			 STEERCTL_EXIT_USAGE);
	steerctl_cli_free(&c);
	assert_int_equal(PARSE(&c, "backend", "set", "x", "port", "70000"), STEERCTL_EXIT_USAGE);
	assert_non_null(strstr(c.err, "expected a port 1..65535"));
	steerctl_cli_free(&c);
	assert_int_equal(PARSE(&c, "tenant", "add", "x", "prefixes", "198.18.0.0/99"),
			 STEERCTL_EXIT_USAGE);
	assert_non_null(strstr(c.err, "expected ADDR/LEN"));
	assert_non_null(strstr(c.err, "got \"198.18.0.0/99\"")); /* not freed memory */
	steerctl_cli_free(&c);
	assert_int_equal(PARSE(&c, "tenant", "set", "x", "capcity", "1"), STEERCTL_EXIT_USAGE);
	assert_non_null(strstr(c.err, "unknown keyword"));
	steerctl_cli_free(&c);
	assert_int_equal(PARSE(&c, "backend", "set", "x"), STEERCTL_EXIT_USAGE);
	assert_non_null(strstr(c.err, "nothing to set"));
	steerctl_cli_free(&c);
	assert_int_equal(PARSE(&c, "explain", "198.18.1.2"), STEERCTL_EXIT_USAGE);
	steerctl_cli_free(&c);
	assert_int_equal(PARSE(&c, "flows", "--limit", "0"), STEERCTL_EXIT_USAGE);
	steerctl_cli_free(&c);
	assert_int_equal(PARSE(&c, "backend", "state", "x"), STEERCTL_EXIT_USAGE);
	steerctl_cli_free(&c);
	assert_string_equal(util_nearest("tenent", (const char *const[]){ "tenant", "top" }, 2, 3),
			    "tenant");
}

/* A table of its own for steerctl_select / steerctl_cmd_select. */
static int test_cmd_fn(struct steerctl_cli *c, const struct steerctl_obj *o, int argc, char **argv)
{
	json_object_set_new(c->args, "obj", json_string(o->name));
	json_object_set_new(c->args, "argc", json_integer(argc));
	if (argc)
		json_object_set_new(c->args, "first", json_string(argv[0]));
	return 0;
}

static const struct steerctl_cmd test_cmds[] = {
	{ "list", test_cmd_fn },
	{ "drain", test_cmd_fn },
	{ "del", test_cmd_fn },
	{ "delete", test_cmd_fn },
	{ NULL }
};

static void test_table_dispatch(void **state)
{
	const struct steerctl_obj obj = { .name = "thing", .cmds = test_cmds };
	static const char *const colours[] = { "red", "green", "blue", NULL };
	struct steerctl_cli c;

	(void)state;
	memset(&c, 0, sizeof(c));
	/* exact, unique prefix, exact name that is also a prefix of another */
	assert_int_equal(steerctl_select(&c, "colour", "green", colours, sizeof(colours[0])), 1);
	assert_int_equal(steerctl_select(&c, "colour", "b", colours, sizeof(colours[0])), 2);
	assert_int_equal(steerctl_select(&c, "command", "del", test_cmds, sizeof(test_cmds[0])), 2);
	assert_int_equal(steerctl_select(&c, "command", "dele", test_cmds, sizeof(test_cmds[0])),
			 3);
	/* ambiguous: the candidates only, in table order */
	assert_int_equal(steerctl_select(&c, "command", "d", test_cmds, sizeof(test_cmds[0])), -1);
	assert_string_equal(c.err, "ambiguous command \"d\": drain, del, delete");
	/* unknown: the nearest, then every name */
	assert_int_equal(steerctl_select(&c, "colour", "gren", colours, sizeof(colours[0])), -1);
	assert_string_equal(c.err, "unknown colour \"gren\" (did you mean \"green\"?); "
				   "expected one of: red, green, blue");
	assert_int_equal(steerctl_select(&c, "colour", "purple", colours, sizeof(colours[0])), -1);
	assert_string_equal(c.err, "unknown colour \"purple\"; expected one of: red, green, blue");
	assert_int_equal(steerctl_select(&c, "colour", "", colours, sizeof(colours[0])), -1);

	/* cmd_select: the default command, then the words after the command */
	c.args = json_object();
	assert_int_equal(steerctl_cmd_select(&c, &obj, 0, NULL), 0);
	assert_string_equal(c.cmd, "thing list");
	assert_int_equal(json_integer_value(json_object_get(c.args, "argc")), 0);
	assert_int_equal(steerctl_cmd_select(&c, &obj, 3, ARGV("dr", "x", "y") + 1), 0);
	assert_string_equal(c.cmd, "thing drain");
	assert_string_equal(json_string_value(json_object_get(c.args, "obj")), "thing");
	assert_int_equal(json_integer_value(json_object_get(c.args, "argc")), 2);
	assert_string_equal(json_string_value(json_object_get(c.args, "first")), "x");
	assert_int_equal(steerctl_cmd_select(&c, &obj, 1, ARGV("dx") + 1), STEERCTL_EXIT_USAGE);
	assert_non_null(strstr(c.err, "unknown command \"dx\""));
	assert_null(c.args); /* a usage error drops the request */
	steerctl_cli_free(&c);

	/* through the real tables: values, keywords, objects, OBJECT help */
	assert_int_equal(PARSE(&c, "backend", "set", "x", "state", "dr", "metrics", "sg"), 0);
	{
		char *s = req_text(&c);

		assert_non_null(strstr(s, "\"state\":\"draining\""));
		assert_non_null(strstr(s, "\"metrics\":\"sglang\""));
		free(s);
	}
	steerctl_cli_free(&c);
	assert_int_equal(PARSE(&c, "backend", "set", "x", "state", "d"), STEERCTL_EXIT_USAGE);
	assert_string_equal(c.err, "ambiguous state \"d\": draining, down");
	steerctl_cli_free(&c);
	assert_int_equal(PARSE(&c, "tenant", "set", "x", "m", "1"), STEERCTL_EXIT_USAGE);
	assert_string_equal(c.err, "ambiguous keyword \"m\": min-safety-tier, max-cost, "
				   "min-quality, max-conns");
	steerctl_cli_free(&c);
	assert_int_equal(PARSE(&c, "sevice"), STEERCTL_EXIT_USAGE);
	assert_non_null(strstr(c.err, "unknown object \"sevice\" (did you mean \"service\"?)"));
	steerctl_cli_free(&c);
	assert_int_equal(PARSE(&c, "explain", "help"), 0);
	assert_int_equal(c.action, STEERCTL_ACT_HELP);
	assert_string_equal(c.help_object, "explain");
	steerctl_cli_free(&c);
	assert_int_equal(PARSE(&c, "help", "po"), 0);
	assert_int_equal(c.action, STEERCTL_ACT_HELP);
	assert_string_equal(c.help_object, "policy");
	steerctl_cli_free(&c);
	assert_int_equal(PARSE(&c, "backend", "add", "b", "[FD00:0::3]:8000", "model", "m",
			       "capacity", "1"), 0);
	{
		char *s = req_text(&c);

		assert_non_null(strstr(s, "\"address\":\"fd00::3\"")); /* inet_ntop's form */
		free(s);
	}
	steerctl_cli_free(&c);
}

static void test_help_pages(void **state)
{
	static const struct {
		const char *object, *first;
	} pages[] = {
		{ NULL, "Usage: steerctl [-j|--json]" },
		{ "status", "Usage: steerctl [-j|--json]" },
		{ "backend", "Usage: steerctl backend list\n" },
		{ "tenant", "Usage: steerctl tenant list\n" },
		{ "service", "Usage: steerctl service list\n" },
		{ "policy", "Usage: steerctl policy show" },
		{ "explain", "Usage: steerctl explain" },
		{ "flows", "Usage: steerctl flows" },
		{ "stats", "Usage: steerctl stats [--watch]\n" },
		{ "top", "Usage: steerctl stats [--watch]\n" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);

		steerctl_help(f, pages[i].object);
		fclose(f);
		assert_memory_equal(buf, pages[i].first, strlen(pages[i].first));
		free(buf);
	}
}

static char *render(const char *cmd, const char *result_json, bool json)
{
	json_t *r = json_loads(result_json, 0, NULL);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(r);
	steerctl_print(f, cmd, r, json, false);
	fclose(f);
	json_decref(r);
	return buf;
}

static void test_output(void **state)
{
	static const char backends[] =
		"{\"backends\":[{\"name\":\"be1\",\"id\":1,\"address\":\"198.18.2.2\",\"port\":8000,"
		"\"model\":\"m1\",\"state\":\"active\",\"signals\":{\"health\":\"up\",\"running\":2,"
		"\"waiting\":null,\"kv_usage\":0.5,\"latency_ms\":1.25,\"active_flows\":3}}]}";
	static const char explain[] =
		"{\"src\":\"198.18.1.2\",\"sport\":41000,\"dst\":\"198.18.100.1\",\"dport\":80,"
		"\"proto\":\"tcp\",\"verdict\":\"XDP_REDIRECT\",\"ct_hit\":false,\"interface\":\"cli0\","
		"\"reason\":\"steered\",\"service\":\"chat\",\"task\":\"chat\",\"tenant\":\"lab\","
		"\"class_id\":1,\"table_id\":1,\"admission\":\"admitted\",\"backend\":{\"name\":"
		"\"be1\",\"id\":1,\"address\":\"198.18.2.2\",\"port\":8000}}";
	char *s, *e;
	json_t *j;

	(void)state;
	s = render("backend list", backends, false);
	assert_non_null(strstr(s, "NAME"));
	assert_non_null(strstr(s, "198.18.2.2:8000"));
	assert_non_null(strstr(s, "0.50"));
	free(s);
	s = render("backend list", backends, true);
	j = json_loads(s, 0, NULL);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(
				 json_array_get(json_object_get(j, "backends"), 0), "port")), 8000);
	json_decref(j);
	free(s);
	s = render("explain", explain, false);
	assert_non_null(strstr(s, "backend    be1 198.18.2.2:8000"));
	assert_non_null(strstr(s, "admission  admitted"));
	assert_non_null(strstr(s, "verdict    XDP_REDIRECT, reason steered"));
	free(s);
	s = render("backend add", "{\"done\":\"backend add\",\"name\":\"be3\",\"published\":true}",
		   false);
	assert_string_equal(s, "backend add be3: done, published\n");
	free(s);

	{
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);

		steerctl_print_error(f, "no backend \"x\"", true, false);
		fclose(f);
		assert_string_equal(buf, "{\"error\":\"no backend \\\"x\\\"\"}\n");
		free(buf);
		f = open_memstream(&buf, &len);
		steerctl_print_error(f, "boom", false, false);
		fclose(f);
		assert_string_equal(buf, "Error: boom\n");
		free(buf);
	}
	{
		json_t *p = json_loads("{\"time_ms\":1000,\"backends\":[{\"name\":\"a\",\"counters\":"
				       "{\"new_flows\":10,\"bytes\":100}}],\"tenants\":[],"
				       "\"classes\":[]}", 0, NULL);
		json_t *c = json_loads("{\"time_ms\":3000,\"backends\":[{\"name\":\"a\",\"counters\":"
				       "{\"new_flows\":30,\"bytes\":500}}],\"tenants\":[],"
				       "\"classes\":[]}", 0, NULL);
		json_t *r;

		steerctl_stats_rates(p, c);
		r = json_object_get(json_array_get(json_object_get(c, "backends"), 0), "rates");
		assert_true(json_real_value(json_object_get(r, "new_flows")) == 10.0);
		assert_true(json_real_value(json_object_get(r, "bytes")) == 200.0);
		s = NULL;
		{
			size_t len = 0;
			FILE *f = open_memstream(&s, &len);

			steerctl_top_frame(f, c, 80, true);
			fclose(f);
		}
		assert_non_null(strstr(s, "steerctl top"));
		free(s);
		json_decref(p);
		json_decref(c);
	}
	e = NULL;
	(void)e;
}

static const char policy_yaml[] =
	"settings: {maglev_size: 251, hysteresis: 0.1}\n"
	"tasks: [chat, code]\n"
	"models:\n"
	"  - {name: m1, cost: 1.5, quality: {chat: 0.8, code: 0.3}}\n"
	"services:\n"
	"  - {name: s1, vip: 198.18.100.1, port: 80, task: chat}\n"
	"  - {name: s6, vip: \"fd00::100\", port: 80, proto: udp, task: code}\n"
	"backends:\n"
	"  - {name: b1, address: 198.18.2.2, port: 8000, model: m1, provider: p, region: r,\n"
	"     capacity: 4, metrics_url: \"http://198.18.2.2:8000/metrics\", metrics: sglang}\n"
	"  - {name: b2, address: \"fd00::2\", port: 8000, model: m1, provider: p, region: r,\n"
	"     capacity: 2, state: draining, metrics_url: \"http://x:1/m\",\n"
	"     metrics: {waiting: w_q}}\n"
	"tenants:\n"
	"  - {name: default, action: reject}\n"
	"  - {name: lab, prefixes: [198.18.1.0/24, \"fd00:1::/64\"], regions: [r], max_cost: 2,\n"
	"     admission: {rate: 10, max_conns: 5}, action: fallback,\n"
	"     fallback: {tenant: default, task: chat}}\n";

static void test_policy_roundtrip(void **state)
{
	struct policy_errors errs;
	struct policy p, q;
	json_t *t1, *t2;
	char msg[1024], *y;

	(void)state;
	assert_int_equal(policy_load_string("t", policy_yaml, strlen(policy_yaml), &p, &errs), 0);
	t1 = policy_to_json(&p);
	y = policy_json_to_yaml_str(t1, "# dump\n");
	assert_non_null(y);
	assert_int_equal(policy_load_string("dump", y, strlen(y), &q, &errs), 0);
	t2 = policy_to_json(&q);
	assert_true(json_equal(t1, t2)); /* YAML round trip loses nothing */
	assert_int_equal(q.backends[1].profile, POLICY_METRICS_CUSTOM);
	assert_int_equal(q.backends[1].state, 2);
	policy_free(&q);
	free(y);

	/* changes through the parser */
	{
		json_t *a = json_pack("{s:s}", "name", "b1"); /* LeakSanitizer: not inline */

		assert_int_equal(policy_op_apply(t1, "backend drain", a, msg, sizeof(msg)), 0);
		json_decref(a);
	}
	assert_int_equal(policy_from_json(t1, &q, msg, sizeof(msg)), 0);
	assert_int_equal(q.backends[policy_backend_by_name(&q, "b1")].state, 2);
	policy_free(&q);
	{
		json_t *a = json_pack("{s:s, s:{s:i}}", "name", "b1", "fields", "capacity", 0);

		assert_int_equal(policy_op_apply(t1, "backend set", a, msg, sizeof(msg)), 0);
		assert_int_equal(policy_from_json(t1, &q, msg, sizeof(msg)), -EINVAL);
		assert_non_null(strstr(msg, "backends[0].capacity"));
		json_decref(a);
	}
	{
		json_t *a = json_pack("{s:s}", "name", "nope");

		assert_int_equal(policy_op_apply(t1, "tenant del", a, msg, sizeof(msg)), -ENOENT);
		json_decref(a);
		a = json_pack("{s:s}", "name", "default");
		assert_int_equal(policy_op_apply(t1, "tenant del", a, msg, sizeof(msg)), -EINVAL);
		json_decref(a);
		a = json_pack("{s:s}", "name", "b2");
		assert_int_equal(policy_op_apply(t1, "backend add", a, msg, sizeof(msg)), -EEXIST);
		json_decref(a);
	}
	assert_false(policy_op_is_change("backend list"));
	assert_false(policy_op_is_change("service set"));
	assert_true(policy_op_is_change("tenant set"));
	json_decref(t1);
	json_decref(t2);
	policy_free(&p);
}

static void test_change_log(void **state)
{
	json_t *log = json_array();
	json_t *add = json_pack("{s:s, s:{s:s}}", "cmd", "backend add", "args", "name", "x");
	json_t *set = json_pack("{s:s, s:{s:s}}", "cmd", "backend set", "args", "name", "x");
	json_t *dr = json_pack("{s:s, s:{s:s}}", "cmd", "backend drain", "args", "name", "y");
	json_t *del = json_pack("{s:s, s:{s:s}}", "cmd", "backend del", "args", "name", "x");
	json_t *dely = json_pack("{s:s, s:{s:s}}", "cmd", "backend del", "args", "name", "y");

	(void)state;
	policy_log_record(log, add);
	policy_log_record(log, dr);
	policy_log_record(log, set);
	assert_int_equal(json_array_size(log), 3);
	policy_log_record(log, del); /* x was added here: add + set go, del isn't kept */
	assert_int_equal(json_array_size(log), 1);
	policy_log_record(log, dely); /* y is from the file: the del is kept */
	assert_int_equal(json_array_size(log), 2);
	json_decref(log);
	json_decref(add);
	json_decref(set);
	json_decref(dr);
	json_decref(del);
	json_decref(dely);
}

/* Offset of the column named head in line 0 (the header) and of val in line n. */
static long col_at(const char *text, const char *head)
{
	const char *p = strstr(text, head);

	return p && (!strchr(text, '\n') || p < strchr(text, '\n')) ? p - text : -1;
}

static long col_in_line(const char *text, int n, const char *val)
{
	const char *l = text, *p;
	int i;

	for (i = 0; i < n && l; i++) {
		l = strchr(l, '\n');
		l = l ? l + 1 : NULL;
	}
	if (!l)
		return -1;
	p = strstr(l, val);
	return p && (!strchr(l, '\n') || p < strchr(l, '\n')) ? p - l : -1;
}

/*
 * CLI polish (issue 14, item 8): columns sized to their content (a
 * 14-character name no longer shifts the row), reals rounded for people,
 * no terminal codes in a top frame unless asked.
 */
static void test_output_for_people(void **state)
{
	static const char backends[] =
		"{\"backends\":[{\"name\":\"be-fourteen-ch\",\"id\":1,\"address\":\"198.18.2.2\","
		"\"port\":8000,\"model\":\"a-long-model-name-70b\",\"state\":\"active\",\"signals\":"
		"{\"health\":\"up\",\"running\":2,\"waiting\":null,\"kv_usage\":0.5,"
		"\"latency_ms\":1.25,\"active_flows\":3}},{\"name\":\"b2\",\"id\":2,\"address\":"
		"\"fd00:1::11\",\"port\":8000,\"model\":\"m\",\"state\":\"down\",\"signals\":"
		"{\"health\":\"down\"}}]}";
	static const char show[] =
		"{\"name\":\"be1\",\"signals\":{\"latency_ms\":0.82599999999999996,"
		"\"kv_usage\":0.5,\"spare\":1234.5678,\"running\":3.0}}";
	static const char stats[] =
		"{\"time_ms\":1000,\"backends\":[{\"name\":\"be-fourteen-ch\",\"state\":\"active\","
		"\"signals\":{\"health\":\"up\"},\"counters\":{\"new_flows\":1}}],"
		"\"tenants\":[{\"name\":\"tenant-fourteen\",\"counters\":{}}],\"classes\":[]}";
	json_t *st = json_loads(stats, 0, NULL);
	char *s, *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	s = render("backend list", backends, false);
	assert_true(col_at(s, "ID") > 14);
	assert_int_equal(col_in_line(s, 1, "1 "), col_at(s, "ID") + 1);
	assert_int_equal(col_in_line(s, 1, "a-long-model-name-70b"), col_at(s, "MODEL"));
	assert_int_equal(col_in_line(s, 2, "m "), col_at(s, "MODEL"));
	assert_int_equal(col_in_line(s, 1, "active"), col_at(s, "STATE"));
	assert_int_equal(col_in_line(s, 2, "down"), col_at(s, "STATE"));
	free(s);

	s = render("backend show", show, false);
	assert_non_null(strstr(s, "latency_ms     0.826\n"));
	assert_non_null(strstr(s, "kv_usage       0.5\n"));
	assert_non_null(strstr(s, "spare          1235\n"));
	assert_non_null(strstr(s, "running        3\n"));
	assert_null(strstr(s, "0.82599"));
	free(s);

	assert_non_null(st);
	steerctl_stats_rates(NULL, st);
	f = open_memstream(&buf, &len);
	steerctl_top_frame(f, st, 0, false);
	fclose(f);
	assert_null(strchr(buf, '\033'));
	assert_non_null(strstr(buf, "be-fourteen-ch active"));
	assert_non_null(strstr(buf, "tenant-fourteen "));
	free(buf);
	buf = NULL;
	f = open_memstream(&buf, &len);
	steerctl_top_frame(f, st, 0, true);
	fclose(f);
	assert_non_null(strstr(buf, "\033[H\033[2J"));
	free(buf);
	json_decref(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefix_and_request),
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_table_dispatch),
		cmocka_unit_test(test_help_pages),
		cmocka_unit_test(test_output),
		cmocka_unit_test(test_output_for_people),
		cmocka_unit_test(test_policy_roundtrip),
		cmocka_unit_test(test_change_log),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
