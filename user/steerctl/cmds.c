// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * steerctl's command line (docs/steerctl.md): global options, the table of
 * objects, and the objects that are not part of the policy (status, reload,
 * policy, explain, flows, stats, top, help, version) with their help pages.
 */
#include <string.h>

#include "steerctl/steerctl.h"
#include "proto/proto.h"

/* ---- status, reload ---- */

static int do_reload(struct steerctl_cli *c, const struct steerctl_obj *o, int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--discard")) /* "reload: unexpected argument" */
			return steerctl_cmd_no_args(c, o, argc - i, argv + i);
		json_object_set_new(c->args, "discard", json_true());
	}
	return 0;
}

/* ---- policy ---- */

static int do_policy_show(struct steerctl_cli *c, const struct steerctl_obj *o, int argc,
			  char **argv)
{
	static const char *const keys[] = { "tenant", "task" };
	int i;

	(void)o;
	if (argc > 2)
		return steerctl_usage(c, "policy show: expected [TENANT [TASK]]");
	for (i = 0; i < argc; i++)
		json_object_set_new(c->args, keys[i], json_string(argv[i]));
	return 0;
}

static const struct steerctl_cmd policy_cmds[] = {
	{ "show", do_policy_show },
	{ "dump", steerctl_cmd_no_args },
	{ "help", steerctl_cmd_help },
	{ NULL }
};

static const char policy_help[] =
	"Usage: steerctl policy show [TENANT [TASK]]\n"
	"       steerctl policy dump\n"
	"\n"
	"show: for each class (tenant, task, address family) the decision: kept models,\n"
	"backends with their weights and live signals (health, running, waiting, KV use,\n"
	"latency, active flows) and every excluded backend with its reason (task, family,\n"
	"safety, region, cost, quality, down, draining, saturated, model).\n"
	"dump: the effective policy (file + runtime changes) as YAML; steerd --check reads it.\n";

/* ---- explain ---- */

static int do_explain(struct steerctl_cli *c, const struct steerctl_obj *o, int argc, char **argv)
{
	unsigned int port;
	char a[48];

	(void)o;
	if (argc < 2 || argc > 3)
		return steerctl_usage(c, "explain: expected SRC[:PORT] DST:PORT [tcp|udp]");
	if (steerctl_endpoint(argv[0], a, &port, true))
		return steerctl_usage(c,
				      "explain: SRC: expected ADDR or ADDR:PORT (198.18.1.2:40000, "
				      "[fd00:1::2]:40000), got \"%s\"",
				      argv[0]);
	json_object_set_new(c->args, "src", json_string(a));
	if (port)
		json_object_set_new(c->args, "sport", json_integer(port));
	if (steerctl_endpoint(argv[1], a, &port, false))
		return steerctl_usage(c, "explain: DST: expected ADDR:PORT (198.18.100.1:80, "
					 "[fd00:100::1]:80), got \"%s\"", argv[1]);
	json_object_set_new(c->args, "dst", json_string(a));
	json_object_set_new(c->args, "dport", json_integer(port));
	if (argc == 3) {
		if (strcmp(argv[2], "tcp") && strcmp(argv[2], "udp"))
			return steerctl_usage(c, "explain: expected tcp or udp, got \"%s\"",
					      argv[2]);
		json_object_set_new(c->args, "proto", json_string(argv[2]));
	}
	return 0;
}

static const char explain_help[] =
	"Usage: steerctl explain SRC[:PORT] DST:PORT [tcp|udp]\n"
	"\n"
	"Runs the real steer_xdp (a dry-run instance sharing the live maps) on a synthesized\n"
	"SYN through BPF_PROG_TEST_RUN, on the first XDP interface, and prints service,\n"
	"tenant, task, class, admission, chosen backend and the verdict with its reason.\n"
	"With the bounded load on (balance_factor), also the table's first choice, its open\n"
	"flows and bound, and whether the flow was kept there or diverted along its probe\n"
	"sequence.\n"
	"Conntrack, counters and admission state are not changed. SRC port: 40000 if none.\n";

/* ---- flows ---- */

/* --KEY VALUE, the dashes optional; names are steerd's to check, a limit is checked here */
static const struct flows_opt {
	const char *name;
	unsigned long max;	/* an integer 1..max; 0: a name */
} flows_opts[] = {
	{ "backend", 0 },
	{ "tenant", 0 },
	{ "limit", 1000000 },
	{ NULL }
};

static int do_flows(struct steerctl_cli *c, const struct steerctl_obj *o, int argc, char **argv)
{
	const struct flows_opt *f;
	unsigned long n;
	int k, m;

	(void)o;
	for (k = 0; k < argc; k += 2) {
		const char *w = argv[k];

		while (*w == '-')
			w++;
		m = steerctl_select(c, "flows option", w, flows_opts, sizeof(flows_opts[0]));
		if (m < 0)
			return STEERCTL_EXIT_USAGE;
		f = &flows_opts[m];
		if (k + 1 >= argc)
			return steerctl_usage(c, "flows: --%s needs a value", f->name);
		if (!f->max) {
			json_object_set_new(c->args, f->name, json_string(argv[k + 1]));
			continue;
		}
		if (!steerctl_parse_u32(argv[k + 1], f->max, &n) || !n)
			return steerctl_usage(c,
					      "flows: --%s: expected an integer 1..%lu, got \"%s\"",
					      f->name, f->max, argv[k + 1]);
		json_object_set_new(c->args, f->name, json_integer(n));
	}
	return 0;
}

static const char flows_help[] =
	"Usage: steerctl flows [--backend NAME] [--tenant NAME] [--limit N]\n"
	"\n"
	"Connections in conntrack (default limit 100): client, VIP, backend, tenant, state,\n"
	"age and idle time.\n";

/* ---- stats, top: main.c samples "stats" ---- */

static bool is_watch(const char *w)
{
	static const char *const watch[] = { "--watch", "-w", "watch", NULL };
	const char *const *p;

	for (p = watch; *p; p++)
		if (!strcmp(w, *p))
			return true;
	return false;
}

static int do_stats(struct steerctl_cli *c, const struct steerctl_obj *o, int argc, char **argv)
{
	bool top = !strcmp(o->name, "top");
	int i;

	snprintf(c->cmd, sizeof(c->cmd), "stats");
	c->action = top ? STEERCTL_ACT_TOP : STEERCTL_ACT_STATS;
	for (i = 0; i < argc; i++) {
		if (!top && is_watch(argv[i]))
			c->watch = true;
		else
			return steerctl_usage(c, "%s: unexpected argument \"%s\"", o->name,
					      argv[i]);
	}
	return 0;
}

static const char stats_help[] =
	"Usage: steerctl stats [--watch]\n"
	"       steerctl top\n"
	"\n"
	"stats: counters per backend, tenant and class, with rates from two samples 1 s\n"
	"apart; --watch repeats every second. top: live view (refresh 1 s; q or Ctrl-C).\n";

/* ---- help, version ---- */

static const char top_help[] =
	"Usage: steerctl [-j|--json] [-p|--pretty] [-s|--socket PATH] OBJECT COMMAND [ARGS]\n"
	"       steerctl help [OBJECT]    steerctl OBJECT help\n"
	"\n"
	"OBJECT := status | reload | backend | tenant | service | policy | explain | flows |\n"
	"          stats | top\n"
	"\n"
	"  status                          steerd, its policy, backends, decisions\n"
	"  reload [--discard]              re-read the policy file (runtime changes kept on\n"
	"                                  top, or dropped with --discard)\n"
	"  backend list|show|add|del|drain|undrain|set   (steerctl backend help)\n"
	"  tenant list|show|add|del|set                  (steerctl tenant help)\n"
	"  service list|add|del                          (steerctl service help)\n"
	"  policy show [TENANT [TASK]]     per class: models, backends, weights, signals and\n"
	"                                  every excluded backend with its reason\n"
	"  policy dump                     the effective policy as YAML\n"
	"  explain SRC[:PORT] DST:PORT [tcp|udp]\n"
	"                                  run the XDP program on a SYN against the live maps\n"
	"                                  (changes nothing) and say where it would go, why\n"
	"  flows [--backend B] [--tenant T] [--limit N]   connections from conntrack\n"
	"  stats [--watch]                 counters and rates per backend, tenant, class\n"
	"  top                             live view of backends (q or Ctrl-C quits)\n"
	"\n"
	"Objects and commands may be abbreviated (b l = backend list). -j prints JSON\n"
	"(errors as {\"error\": ...}), -p pretty JSON. Socket: " PROTO_SOCKET_DEFAULT ".\n"
	"Exit codes: 0 ok, 1 steerd refused or failed, 2 usage, 3 steerd not reachable.\n"
	"Reference: docs/steerctl.md.\n";

static int do_help(struct steerctl_cli *c, const struct steerctl_obj *o, int argc, char **argv);

static int do_version(struct steerctl_cli *c, const struct steerctl_obj *o, int argc, char **argv)
{
	(void)o;
	(void)argc;
	(void)argv;
	c->cmd[0] = '\0';
	c->action = STEERCTL_ACT_VERSION;
	return 0;
}

/* ---- the objects ---- */

static const struct steerctl_obj objects[] = {
	{ .name = "status", .fn = steerctl_cmd_no_args },
	{ .name = "reload", .fn = do_reload },
	{ .name = "backend", .cmds = steerctl_backend_cmds, .kws = steerctl_backend_kws,
	  .help = steerctl_backend_help },
	{ .name = "tenant", .cmds = steerctl_tenant_cmds, .kws = steerctl_tenant_kws,
	  .help = steerctl_tenant_help },
	{ .name = "service", .cmds = steerctl_service_cmds, .kws = steerctl_service_kws,
	  .help = steerctl_service_help },
	{ .name = "policy", .cmds = policy_cmds, .help = policy_help },
	{ .name = "explain", .fn = do_explain, .help = explain_help },
	{ .name = "flows", .fn = do_flows, .help = flows_help },
	{ .name = "stats", .fn = do_stats, .help = stats_help },
	{ .name = "top", .fn = do_stats, .help = stats_help },
	{ .name = "help", .fn = do_help },
	{ .name = "version", .fn = do_version },
	{ NULL }
};

/* help [OBJECT]: further words are ignored */
static int do_help(struct steerctl_cli *c, const struct steerctl_obj *o, int argc, char **argv)
{
	int m;

	(void)o;
	c->cmd[0] = '\0';
	c->action = STEERCTL_ACT_HELP;
	if (!argc)
		return 0;
	m = steerctl_select(c, "object", argv[0], objects, sizeof(objects[0]));
	if (m < 0)
		return STEERCTL_EXIT_USAGE;
	return steerctl_cmd_help(c, &objects[m], 0, NULL);
}

void steerctl_help(FILE *f, const char *object)
{
	const struct steerctl_obj *o;

	for (o = objects; object && o->name; o++)
		if (!strcmp(o->name, object) && o->help) {
			fputs(o->help, f);
			return;
		}
	fputs(top_help, f);
}

/* ---- global options, anywhere on the line (like bpftool's -j) ---- */

static void opt_json(struct steerctl_cli *c, const char *v)
{
	(void)v;
	c->json = true;
}

static void opt_pretty(struct steerctl_cli *c, const char *v)
{
	(void)v;
	c->json = c->pretty = true;
}

static void opt_socket(struct steerctl_cli *c, const char *v)
{
	c->socket = v;
}

static void opt_help(struct steerctl_cli *c, const char *v)
{
	(void)v;
	c->action = STEERCTL_ACT_HELP;
}

static void opt_version(struct steerctl_cli *c, const char *v)
{
	(void)v;
	c->action = STEERCTL_ACT_VERSION;
}

static const struct steerctl_opt {
	const char *name, *long_name;
	const char *arg;	/* what its value is (-s PATH, --socket=PATH); NULL: none */
	void (*set)(struct steerctl_cli *c, const char *value);
} options[] = {
	{ "-j", "--json", NULL, opt_json },
	{ "-p", "--pretty", NULL, opt_pretty },
	{ "-s", "--socket", "a socket PATH", opt_socket },
	{ "-h", "--help", NULL, opt_help },
	{ "-V", "--version", NULL, opt_version },
	{ NULL }
};

/* The option a is, with *value set if a is --long=VALUE; NULL if none. */
static const struct steerctl_opt *find_option(const char *a, const char **value)
{
	const struct steerctl_opt *o;

	*value = NULL;
	for (o = options; o->name; o++) {
		size_t n = strlen(o->long_name);

		if (!strcmp(a, o->name) || !strcmp(a, o->long_name))
			return o;
		if (o->arg && !strncmp(a, o->long_name, n) && a[n] == '=') {
			*value = a + n + 1;
			return o;
		}
	}
	return NULL;
}

int steerctl_cli_parse(int argc, char **argv, struct steerctl_cli *c)
{
	const struct steerctl_obj *obj;
	const struct steerctl_opt *opt;
	const char *value;
	char *rest[256];
	int n = 0, i, m;

	memset(c, 0, sizeof(*c));
	c->socket = PROTO_SOCKET_DEFAULT;
	c->interval_ms = 1000;
	c->args = json_object();
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		opt = find_option(a, &value);
		if (opt) {
			if (opt->arg && !value) {
				if (i + 1 >= argc)
					return steerctl_usage(c, "%s: expected %s", a, opt->arg);
				value = argv[++i];
			}
			opt->set(c, value);
		} else if (a[0] == '-' && a[1] && n == 0) {
			return steerctl_usage(c, "unknown option \"%s\"", a);
		} else if (n < (int)(sizeof(rest) / sizeof(rest[0]))) {
			rest[n++] = argv[i];
		}
	}
	if (c->action == STEERCTL_ACT_HELP || c->action == STEERCTL_ACT_VERSION)
		return 0;
	if (!n) {
		c->action = STEERCTL_ACT_HELP;
		return steerctl_usage(c, "expected an OBJECT");
	}
	m = steerctl_select(c, "object", rest[0], objects, sizeof(objects[0]));
	if (m < 0)
		return STEERCTL_EXIT_USAGE;
	obj = &objects[m];
	/* OBJECT help, for every object (those with commands also take abbreviations) */
	if (n > 1 && !strcmp(rest[1], "help") && obj->fn != do_help)
		return steerctl_cmd_help(c, obj, 0, NULL);
	if (obj->cmds)
		return steerctl_cmd_select(c, obj, n - 1, rest + 1);
	snprintf(c->cmd, sizeof(c->cmd), "%s", obj->name);
	return obj->fn(c, obj, n - 1, rest + 1);
}

void steerctl_cli_free(struct steerctl_cli *c)
{
	json_decref(c->args);
	c->args = NULL;
}

json_t *steerctl_cli_request(const struct steerctl_cli *c)
{
	return json_pack("{s:s, s:o}", "cmd", c->cmd, "args",
			 c->args ? json_incref(c->args) : json_object());
}
