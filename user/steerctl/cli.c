// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* steerctl's command line (see steerctl.h, docs/steerctl.md). */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "steerctl/steerctl.h"
#include "proto/proto.h"
#include "util/util.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const objects[] = { "status", "reload", "backend", "tenant", "service",
				       "policy", "explain", "flows", "stats", "top", "help",
				       "version" };
static const char *const backend_cmds[] = { "list", "show", "add", "del", "drain", "undrain",
					    "set", "help" };
static const char *const tenant_cmds[] = { "list", "show", "add", "del", "set", "help" };
static const char *const service_cmds[] = { "list", "add", "del", "help" };
static const char *const policy_cmds[] = { "show", "dump", "help" };

static int usage_err(struct steerctl_cli *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int usage_err(struct steerctl_cli *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	json_decref(c->args);
	c->args = NULL;
	return PROTO_EXIT_USAGE;
}

/* Prefix match: index, -1 none, -2 ambiguous (an exact name always wins). */
static int match(const char *word, const char *const *names, size_t n)
{
	int found = -1;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!strcmp(word, names[i]))
			return (int)i;
		if (*word && !strncmp(word, names[i], strlen(word)))
			found = found == -1 ? (int)i : -2;
	}
	return found;
}

static int match_or_err(struct steerctl_cli *c, const char *what, const char *word,
			const char *const *names, size_t n)
{
	char list[256] = "";
	const char *near;
	size_t i;
	int m = match(word, names, n);

	if (m >= 0)
		return m;
	for (i = 0; i < n; i++) {
		if (m == -2 && strncmp(word, names[i], strlen(word)))
			continue;
		strncat(list, i && list[0] ? ", " : "", sizeof(list) - strlen(list) - 1);
		strncat(list, names[i], sizeof(list) - strlen(list) - 1);
	}
	if (m == -2)
		usage_err(c, "ambiguous %s \"%s\": %s", what, word, list);
	else if ((near = util_nearest(word, names, n, 3)))
		usage_err(c, "unknown %s \"%s\" (did you mean \"%s\"?); expected one of: %s",
			  what, word, near, list);
	else
		usage_err(c, "unknown %s \"%s\"; expected one of: %s", what, word, list);
	return -1;
}

/* ---- values ---- */

enum kw_type { KW_STR, KW_U32, KW_PORT, KW_NUM, KW_URL, KW_ADDR, KW_ADDRPORT, KW_PREFIXES,
	       KW_LIST, KW_FALLBACK, KW_STATE, KW_ACTION, KW_PROFILE, KW_PROTO };

struct kw {
	const char *name;	/* on the command line */
	const char *key;	/* in the policy: "port", "admission.rate" */
	enum kw_type type;
	bool nullable;		/* "none" resets to the default */
};

static const struct kw backend_kws[] = {
	{ "model", "model", KW_STR, false },
	{ "provider", "provider", KW_STR, false },
	{ "region", "region", KW_STR, false },
	{ "capacity", "capacity", KW_U32, false },
	{ "safety-tier", "safety_tier", KW_U32, true },
	{ "health", "health_url", KW_URL, true },
	{ "metrics-url", "metrics_url", KW_URL, true },
	{ "metrics", "metrics", KW_PROFILE, true },
	{ "state", "state", KW_STATE, false },
	{ "id", "id", KW_U32, true },
	{ "address", "address", KW_ADDRPORT, false },
	{ "port", "port", KW_PORT, false },
};

static const struct kw tenant_kws[] = {
	{ "prefixes", "prefixes", KW_PREFIXES, true },
	{ "min-safety-tier", "min_safety_tier", KW_U32, true },
	{ "regions", "regions", KW_LIST, true },
	{ "max-cost", "max_cost", KW_NUM, true },
	{ "min-quality", "min_quality", KW_NUM, true },
	{ "priority", "priority", KW_U32, true },
	{ "rate", "admission.rate", KW_U32, true },
	{ "burst", "admission.burst", KW_U32, true },
	{ "max-conns", "admission.max_conns", KW_U32, true },
	{ "action", "action", KW_ACTION, false },
	{ "fallback", "fallback", KW_FALLBACK, true },
	{ "id", "id", KW_U32, true },
};

static const struct kw service_kws[] = {
	{ "task", "task", KW_STR, false },
	{ "proto", "proto", KW_PROTO, false },
};

static bool parse_u32(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	*out = strtoul(s, &end, 0);
	return !errno && !*end && *out <= max;
}

/* "ADDR:PORT", "[V6]:PORT"; port_opt: "ADDR" alone is fine (*port = 0). */
static int parse_endpoint(const char *s, char *addr, size_t alen, unsigned int *port,
			  bool port_opt)
{
	const char *colon, *a = s;
	size_t n;
	uint8_t buf[16], fam;
	unsigned long p;

	*port = 0;
	if (*s == '[') {
		const char *rb = strchr(s, ']');

		if (!rb)
			return -EINVAL;
		a = s + 1;
		n = rb - a;
		colon = rb[1] == ':' ? rb + 1 : NULL;
		if (rb[1] && !colon)
			return -EINVAL;
	} else {
		colon = strrchr(s, ':');
		if (colon && strchr(s, ':') != colon)
			colon = NULL; /* a bare IPv6 address */
		n = colon ? (size_t)(colon - s) : strlen(s);
	}
	if (n >= alen)
		return -EINVAL;
	memcpy(addr, a, n);
	addr[n] = '\0';
	if (util_addr_parse(addr, buf, &fam))
		return -EINVAL;
	if (!colon)
		return port_opt ? 0 : -EINVAL;
	if (!parse_u32(colon + 1, 65535, &p) || !p)
		return -ERANGE;
	*port = p;
	return 0;
}

static json_t *split_list(const char *s)
{
	json_t *a = json_array();
	char *dup = strdup(s), *save = NULL, *tok;

	for (tok = strtok_r(dup, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (*tok)
			json_array_append_new(a, json_string(tok));
	free(dup);
	return a;
}

static void set_path(json_t *fields, const char *key, json_t *v)
{
	const char *dot = strchr(key, '.');
	char top[32];
	json_t *sub;

	if (!dot) {
		json_object_set_new(fields, key, v);
		return;
	}
	snprintf(top, sizeof(top), "%.*s", (int)(dot - key), key);
	sub = json_object_get(fields, top);
	if (!json_is_object(sub)) {
		sub = json_object();
		json_object_set_new(fields, top, sub);
	}
	json_object_set_new(sub, dot + 1, v);
}

static int parse_kw_value(struct steerctl_cli *c, const struct kw *k, const char *v, json_t *fields)
{
	static const char *const states[] = { "active", "draining", "down" };
	static const char *const actions[] = { "reject", "fallback" };
	static const char *const profiles[] = { "vllm", "sglang", "chitu" };
	static const char *const protos[] = { "tcp", "udp" };
	char addr[64];
	unsigned long u;
	unsigned int port;
	double d;
	char *end;
	json_t *a;
	size_t i;
	int m;

	if (k->nullable && !strcmp(v, "none")) {
		set_path(fields, k->key, json_null());
		return 0;
	}
	switch (k->type) {
	case KW_STR:
		if (!*v || strpbrk(v, " \t\n") || strlen(v) > 63)
			return usage_err(c, "%s: expected a name (1..63 characters, no spaces), got "
					    "\"%s\"", k->name, v);
		set_path(fields, k->key, json_string(v));
		return 0;
	case KW_U32:
		if (!parse_u32(v, 0xffffffffUL, &u))
			return usage_err(c, "%s: expected a non-negative integer, got \"%s\"",
					 k->name, v);
		set_path(fields, k->key, json_integer(u));
		return 0;
	case KW_PORT:
		if (!parse_u32(v, 65535, &u) || !u)
			return usage_err(c, "%s: expected a port 1..65535, got \"%s\"", k->name, v);
		set_path(fields, k->key, json_integer(u));
		return 0;
	case KW_NUM:
		d = strtod(v, &end);
		if (!*v || *end || d < 0 || d != d)
			return usage_err(c, "%s: expected a number >= 0, got \"%s\"", k->name, v);
		set_path(fields, k->key, json_real(d));
		return 0;
	case KW_URL:
		if (strncmp(v, "http://", 7) && strncmp(v, "https://", 8))
			return usage_err(c, "%s: expected an http:// or https:// URL, got \"%s\"",
					 k->name, v);
		set_path(fields, k->key, json_string(v));
		return 0;
	case KW_ADDR:
	case KW_ADDRPORT:
		if (parse_endpoint(v, addr, sizeof(addr), &port, true))
			return usage_err(c, "%s: expected ADDR or ADDR:PORT (198.18.2.2:8000, "
					    "[fd00::2]:8000), got \"%s\"", k->name, v);
		set_path(fields, k->key, json_string(addr));
		if (port)
			set_path(fields, "port", json_integer(port));
		return 0;
	case KW_PREFIXES:
		a = split_list(v);
		for (i = 0; i < json_array_size(a); i++) {
			uint8_t buf[16], fam;
			uint32_t len;
			const char *p = json_string_value(json_array_get(a, i));

			if (util_prefix_parse(p, buf, &fam, &len)) {
				json_decref(a);
				return usage_err(c, "%s: expected ADDR/LEN[,ADDR/LEN...] "
						    "(198.18.1.0/24, fd00:1::/64), got \"%s\"",
						 k->name, p);
			}
		}
		if (!json_array_size(a)) {
			json_decref(a);
			return usage_err(c, "%s: expected at least one ADDR/LEN", k->name);
		}
		set_path(fields, k->key, a);
		return 0;
	case KW_LIST:
		set_path(fields, k->key, split_list(v));
		return 0;
	case KW_FALLBACK: {
		const char *colon = strchr(v, ':');

		if (!colon || colon == v || !colon[1])
			return usage_err(c, "%s: expected TENANT:TASK, got \"%s\"", k->name, v);
		a = json_pack("{s:s%, s:s}", "tenant", v, (size_t)(colon - v), "task", colon + 1);
		set_path(fields, k->key, a);
		return 0;
	}
	case KW_STATE:
	case KW_ACTION:
	case KW_PROFILE:
	case KW_PROTO: {
		const char *const *names = k->type == KW_STATE	  ? states
					   : k->type == KW_ACTION ? actions
					   : k->type == KW_PROFILE ? profiles
								   : protos;
		size_t n = k->type == KW_STATE ? 3 : k->type == KW_PROFILE ? 3 : 2;

		m = match_or_err(c, k->name, v, names, n);
		if (m < 0)
			return PROTO_EXIT_USAGE;
		set_path(fields, k->key, json_string(names[m]));
		return 0;
	}
	}
	return 0;
}

/* KEY VALUE ... into fields. */
static int parse_kws(struct steerctl_cli *c, int argc, char **argv, const struct kw *kws, size_t n,
		     json_t *fields)
{
	const char *names[16];
	size_t i;
	int k;

	for (i = 0; i < n; i++)
		names[i] = kws[i].name;
	for (k = 0; k < argc; k += 2) {
		char word[64];
		int m;

		snprintf(word, sizeof(word), "%s", argv[k]);
		for (i = 0; word[i]; i++)
			if (word[i] == '_')
				word[i] = '-';
		m = match_or_err(c, "keyword", word, names, n);
		if (m < 0)
			return PROTO_EXIT_USAGE;
		if (k + 1 >= argc)
			return usage_err(c, "%s: missing value", kws[m].name);
		if (parse_kw_value(c, &kws[m], argv[k + 1], fields))
			return PROTO_EXIT_USAGE;
	}
	return 0;
}

static int need_name(struct steerctl_cli *c, int argc, char **argv, const char *what)
{
	if (argc < 1)
		return usage_err(c, "%s: missing NAME (see steerctl %s help)", c->cmd, what);
	json_object_set_new(c->args, "name", json_string(argv[0]));
	return 0;
}

static int parse_item(struct steerctl_cli *c, const char *obj, int argc, char **argv)
{
	const char *const *cmds = !strcmp(obj, "backend") ? backend_cmds
				  : !strcmp(obj, "tenant") ? tenant_cmds
							   : service_cmds;
	size_t ncmds = !strcmp(obj, "backend") ? N(backend_cmds)
		       : !strcmp(obj, "tenant") ? N(tenant_cmds)
						: N(service_cmds);
	const struct kw *kws = !strcmp(obj, "backend") ? backend_kws
			       : !strcmp(obj, "tenant") ? tenant_kws
							: service_kws;
	size_t nkws = !strcmp(obj, "backend") ? N(backend_kws)
		      : !strcmp(obj, "tenant") ? N(tenant_kws)
					       : N(service_kws);
	const char *verb;
	json_t *fields;
	int m;

	m = argc ? match_or_err(c, "command", argv[0], cmds, ncmds) : 0;
	if (m < 0)
		return PROTO_EXIT_USAGE;
	verb = cmds[m];
	if (!strcmp(verb, "help")) {
		c->action = STEERCTL_ACT_HELP;
		c->help_object = obj;
		return 0;
	}
	snprintf(c->cmd, sizeof(c->cmd), "%s %s", obj, verb);
	argc -= argc ? 1 : 0;
	argv++;
	if (!strcmp(verb, "list")) {
		if (argc)
			return usage_err(c, "%s: unexpected argument \"%s\"", c->cmd, argv[0]);
		return 0;
	}
	if (need_name(c, argc, argv, obj))
		return PROTO_EXIT_USAGE;
	argc--;
	argv++;
	if (!strcmp(verb, "show") || !strcmp(verb, "del") || !strcmp(verb, "drain") ||
	    !strcmp(verb, "undrain")) {
		if (argc)
			return usage_err(c, "%s: unexpected argument \"%s\"", c->cmd, argv[0]);
		return 0;
	}
	fields = json_object();
	json_object_set_new(c->args, "fields", fields);
	if (!strcmp(verb, "add") && strcmp(obj, "tenant")) {
		/* backend add NAME ADDR:PORT ..., service add NAME VIP:PORT [tcp|udp] ... */
		char addr[64];
		unsigned int port;

		if (argc < 1 || parse_endpoint(argv[0], addr, sizeof(addr), &port, false))
			return usage_err(c, "%s: expected %s:PORT after the name (198.18.2.2:8000, "
					    "[fd00::2]:8000), got \"%s\"",
					 c->cmd, strcmp(obj, "service") ? "ADDR" : "VIP",
					 argc ? argv[0] : "nothing");
		json_object_set_new(fields, strcmp(obj, "service") ? "address" : "vip",
				    json_string(addr));
		json_object_set_new(fields, "port", json_integer(port));
		argc--;
		argv++;
		if (!strcmp(obj, "service") && argc && (!strcmp(argv[0], "tcp") ||
							!strcmp(argv[0], "udp"))) {
			json_object_set_new(fields, "proto", json_string(argv[0]));
			argc--;
			argv++;
		}
	}
	if (parse_kws(c, argc, argv, kws, nkws, fields))
		return PROTO_EXIT_USAGE;
	if (!strcmp(verb, "set") && !json_object_size(fields))
		return usage_err(c, "%s: nothing to set (KEY VALUE ..., see steerctl %s help)",
				 c->cmd, obj);
	if (!strcmp(c->cmd, "backend add") &&
	    (!json_object_get(fields, "model") || !json_object_get(fields, "capacity")))
		return usage_err(c, "backend add: model and capacity are required");
	if (!strcmp(c->cmd, "backend add")) {
		if (!json_object_get(fields, "provider"))
			json_object_set_new(fields, "provider", json_string("selfhost"));
		if (!json_object_get(fields, "region"))
			json_object_set_new(fields, "region", json_string("local"));
	}
	if (!strcmp(c->cmd, "service add") && !json_object_get(fields, "task"))
		return usage_err(c, "service add: task TASK is required");
	return 0;
}

static int parse_explain(struct steerctl_cli *c, int argc, char **argv)
{
	char a[64];
	unsigned int port;

	if (argc < 2 || argc > 3)
		return usage_err(c, "explain: expected SRC[:PORT] DST:PORT [tcp|udp]");
	if (parse_endpoint(argv[0], a, sizeof(a), &port, true))
		return usage_err(c, "explain: SRC: expected ADDR or ADDR:PORT (198.18.1.2:40000, "
				    "[fd00:1::2]:40000), got \"%s\"", argv[0]);
	json_object_set_new(c->args, "src", json_string(a));
	if (port)
		json_object_set_new(c->args, "sport", json_integer(port));
	if (parse_endpoint(argv[1], a, sizeof(a), &port, false))
		return usage_err(c, "explain: DST: expected ADDR:PORT (198.18.100.1:80, "
				    "[fd00:100::1]:80), got \"%s\"", argv[1]);
	json_object_set_new(c->args, "dst", json_string(a));
	json_object_set_new(c->args, "dport", json_integer(port));
	if (argc == 3) {
		if (strcmp(argv[2], "tcp") && strcmp(argv[2], "udp"))
			return usage_err(c, "explain: expected tcp or udp, got \"%s\"", argv[2]);
		json_object_set_new(c->args, "proto", json_string(argv[2]));
	}
	return 0;
}

static int parse_flows(struct steerctl_cli *c, int argc, char **argv)
{
	static const char *const opts[] = { "backend", "tenant", "limit" };
	unsigned long n;
	int k, m;

	for (k = 0; k < argc; k += 2) {
		const char *w = argv[k];

		while (*w == '-')
			w++;
		m = match_or_err(c, "flows option", w, opts, N(opts));
		if (m < 0)
			return PROTO_EXIT_USAGE;
		if (k + 1 >= argc)
			return usage_err(c, "flows: --%s needs a value", opts[m]);
		if (m == 2) {
			if (!parse_u32(argv[k + 1], 1000000, &n) || !n)
				return usage_err(c, "flows: --limit: expected an integer 1..1000000, "
						    "got \"%s\"", argv[k + 1]);
			json_object_set_new(c->args, "limit", json_integer(n));
		} else {
			json_object_set_new(c->args, opts[m], json_string(argv[k + 1]));
		}
	}
	return 0;
}

int steerctl_cli_parse(int argc, char **argv, struct steerctl_cli *c)
{
	char *rest[256];
	int n = 0, i, m;

	memset(c, 0, sizeof(*c));
	c->socket = PROTO_SOCKET_DEFAULT;
	c->interval_ms = 1000;
	c->args = json_object();
	/* global options, anywhere on the line (like bpftool's -j) */
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-j") || !strcmp(a, "--json")) {
			c->json = true;
		} else if (!strcmp(a, "-p") || !strcmp(a, "--pretty")) {
			c->json = c->pretty = true;
		} else if (!strcmp(a, "-s") || !strcmp(a, "--socket")) {
			if (i + 1 >= argc)
				return usage_err(c, "%s: expected a socket PATH", a);
			c->socket = argv[++i];
		} else if (!strncmp(a, "--socket=", 9)) {
			c->socket = a + 9;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			c->action = STEERCTL_ACT_HELP;
		} else if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
			c->action = STEERCTL_ACT_VERSION;
		} else if (a[0] == '-' && a[1] && n == 0) {
			return usage_err(c, "unknown option \"%s\"", a);
		} else if (n < (int)N(rest)) {
			rest[n++] = argv[i];
		}
	}
	if (c->action == STEERCTL_ACT_HELP || c->action == STEERCTL_ACT_VERSION)
		return 0;
	if (!n) {
		c->action = STEERCTL_ACT_HELP;
		return usage_err(c, "expected an OBJECT");
	}
	m = match_or_err(c, "object", rest[0], objects, N(objects));
	if (m < 0)
		return PROTO_EXIT_USAGE;
	if (n > 1 && !strcmp(rest[1], "help") && strcmp(objects[m], "help")) {
		c->action = STEERCTL_ACT_HELP;
		c->help_object = objects[m];
		return 0;
	}
	switch (m) {
	case 0: /* status */
	case 1: /* reload */
		snprintf(c->cmd, sizeof(c->cmd), "%s", objects[m]);
		for (i = 1; i < n; i++) {
			if (m == 1 && !strcmp(rest[i], "--discard"))
				json_object_set_new(c->args, "discard", json_true());
			else
				return usage_err(c, "%s: unexpected argument \"%s\"", c->cmd,
						 rest[i]);
		}
		return 0;
	case 2:
	case 3:
	case 4:
		return parse_item(c, objects[m], n - 1, rest + 1);
	case 5: { /* policy */
		int k = n > 1 ? match_or_err(c, "command", rest[1], policy_cmds, N(policy_cmds))
			      : 0;

		if (k < 0)
			return PROTO_EXIT_USAGE;
		if (k == 2) {
			c->action = STEERCTL_ACT_HELP;
			c->help_object = "policy";
			return 0;
		}
		snprintf(c->cmd, sizeof(c->cmd), "policy %s", policy_cmds[k]);
		if (k == 1 && n > 2)
			return usage_err(c, "policy dump: unexpected argument \"%s\"", rest[2]);
		if (k == 0 && n > 4)
			return usage_err(c, "policy show: expected [TENANT [TASK]]");
		if (n > 2)
			json_object_set_new(c->args, "tenant", json_string(rest[2]));
		if (n > 3)
			json_object_set_new(c->args, "task", json_string(rest[3]));
		return 0;
	}
	case 6:
		snprintf(c->cmd, sizeof(c->cmd), "explain");
		return parse_explain(c, n - 1, rest + 1);
	case 7:
		snprintf(c->cmd, sizeof(c->cmd), "flows");
		return parse_flows(c, n - 1, rest + 1);
	case 8:
	case 9:
		snprintf(c->cmd, sizeof(c->cmd), "stats");
		c->action = m == 8 ? STEERCTL_ACT_STATS : STEERCTL_ACT_TOP;
		for (i = 1; i < n; i++) {
			if (m == 8 && (!strcmp(rest[i], "--watch") || !strcmp(rest[i], "-w") ||
				       !strcmp(rest[i], "watch")))
				c->watch = true;
			else
				return usage_err(c, "%s: unexpected argument \"%s\"", objects[m],
						 rest[i]);
		}
		return 0;
	case 10:
		c->action = STEERCTL_ACT_HELP;
		if (n > 1) {
			int o = match_or_err(c, "object", rest[1], objects, N(objects));

			if (o < 0)
				return PROTO_EXIT_USAGE;
			c->help_object = objects[o];
		}
		return 0;
	default:
		c->action = STEERCTL_ACT_VERSION;
		return 0;
	}
}

void steerctl_cli_free(struct steerctl_cli *c)
{
	json_decref(c->args);
	c->args = NULL;
}

json_t *steerctl_cli_request(const struct steerctl_cli *c)
{
	return json_pack("{s:s, s:O}", "cmd", c->cmd, "args", c->args ? c->args : json_object());
}

/* ---- help ---- */

static const char help_top[] =
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

static const char help_backend[] =
	"Usage: steerctl backend list\n"
	"       steerctl backend show NAME\n"
	"       steerctl backend add NAME ADDR:PORT model MODEL capacity N [KEY VALUE ...]\n"
	"       steerctl backend set NAME KEY VALUE ...\n"
	"       steerctl backend del NAME\n"
	"       steerctl backend drain NAME      keep its flows, give it no new ones\n"
	"       steerctl backend undrain NAME\n"
	"\n"
	"KEY := model NAME | provider NAME [selfhost] | region NAME [local] | capacity N |\n"
	"       safety-tier N | health URL | metrics-url URL | metrics vllm|sglang|chitu |\n"
	"       state active|draining|down | id N | address ADDR[:PORT] | port N\n"
	"'none' resets an optional key to its default (e.g. health none).\n"
	"Changes are validated as the policy file is, applied atomically, published at\n"
	"once and kept across restarts (docs/steerctl.md, \"Runtime changes\").\n";

static const char help_tenant[] =
	"Usage: steerctl tenant list\n"
	"       steerctl tenant show NAME\n"
	"       steerctl tenant add NAME prefixes P[,P...] [KEY VALUE ...]\n"
	"       steerctl tenant set NAME KEY VALUE ...\n"
	"       steerctl tenant del NAME\n"
	"\n"
	"KEY := prefixes ADDR/LEN[,ADDR/LEN...] | min-safety-tier N | regions R[,R...] |\n"
	"       max-cost X | min-quality X | priority N | rate N | burst N | max-conns N |\n"
	"       action reject|fallback | fallback TENANT:TASK | id N\n"
	"'none' resets an optional key to its default (e.g. max-cost none).\n";

static const char help_service[] =
	"Usage: steerctl service list\n"
	"       steerctl service add NAME VIP:PORT [tcp|udp] task TASK\n"
	"       steerctl service del NAME\n";

static const char help_policy[] =
	"Usage: steerctl policy show [TENANT [TASK]]\n"
	"       steerctl policy dump\n"
	"\n"
	"show: for each class (tenant, task, address family) the decision: kept models,\n"
	"backends with their weights and live signals (health, running, waiting, KV use,\n"
	"latency, active flows) and every excluded backend with its reason (task, family,\n"
	"safety, region, cost, quality, down, draining, saturated, model).\n"
	"dump: the effective policy (file + runtime changes) as YAML; steerd --check reads it.\n";

static const char help_explain[] =
	"Usage: steerctl explain SRC[:PORT] DST:PORT [tcp|udp]\n"
	"\n"
	"Runs the real steer_xdp (a dry-run instance sharing the live maps) on a synthesized\n"
	"SYN through BPF_PROG_TEST_RUN, on the first XDP interface, and prints service,\n"
	"tenant, task, class, admission, chosen backend and the verdict with its reason.\n"
	"Conntrack, counters and admission state are not changed. SRC port: 40000 if none.\n";

static const char help_flows[] =
	"Usage: steerctl flows [--backend NAME] [--tenant NAME] [--limit N]\n"
	"\n"
	"Connections in conntrack (default limit 100): client, VIP, backend, tenant, state,\n"
	"age and idle time.\n";

static const char help_stats[] =
	"Usage: steerctl stats [--watch]\n"
	"       steerctl top\n"
	"\n"
	"stats: counters per backend, tenant and class, with rates from two samples 1 s\n"
	"apart; --watch repeats every second. top: live view (refresh 1 s; q or Ctrl-C).\n";

void steerctl_help(FILE *f, const char *object)
{
	if (!object || !strcmp(object, "help") || !strcmp(object, "version") ||
	    !strcmp(object, "status") || !strcmp(object, "reload"))
		fputs(help_top, f);
	else if (!strcmp(object, "backend"))
		fputs(help_backend, f);
	else if (!strcmp(object, "tenant"))
		fputs(help_tenant, f);
	else if (!strcmp(object, "service"))
		fputs(help_service, f);
	else if (!strcmp(object, "policy"))
		fputs(help_policy, f);
	else if (!strcmp(object, "explain"))
		fputs(help_explain, f);
	else if (!strcmp(object, "flows"))
		fputs(help_flows, f);
	else
		fputs(help_stats, f);
}
