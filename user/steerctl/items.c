// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The objects of the policy steerctl changes at runtime: backend, tenant,
 * service. Each has its commands, its KEY VALUE keywords and its help page
 * together; the commands they share (list, show NAME, del NAME, set NAME
 * KEY VALUE ..., help) are written once and take the object's keywords.
 */
#include <string.h>

#include "steerctl/steerctl.h"

/* ---- shared commands ---- */

/* NAME first: args.name */
static int need_name(struct steerctl_cli *c, const struct steerctl_obj *o, int argc, char **argv)
{
	if (argc < 1)
		return steerctl_usage(c, "%s: missing NAME (see steerctl %s help)", c->cmd,
				      o->name);
	json_object_set_new(c->args, "name", json_string(argv[0]));
	return 0;
}

/* show, del, drain, undrain: NAME and nothing else */
static int do_name(struct steerctl_cli *c, const struct steerctl_obj *o, int argc, char **argv)
{
	if (need_name(c, o, argc, argv))
		return STEERCTL_EXIT_USAGE;
	return steerctl_cmd_no_args(c, o, argc - 1, argv + 1);
}

/* NAME, then the object's KEY VALUE ... into args.fields (returned, borrowed) */
static json_t *name_fields(struct steerctl_cli *c, const struct steerctl_obj *o, int argc,
			   char **argv)
{
	json_t *fields;

	if (need_name(c, o, argc, argv))
		return NULL;
	fields = json_object();
	json_object_set_new(c->args, "fields", fields);
	return fields;
}

static int do_set(struct steerctl_cli *c, const struct steerctl_obj *o, int argc, char **argv)
{
	json_t *fields = name_fields(c, o, argc, argv);

	if (!fields || steerctl_parse_kws(c, argc - 1, argv + 1, o->kws, fields))
		return STEERCTL_EXIT_USAGE;
	if (!json_object_size(fields))
		return steerctl_usage(c, "%s: nothing to set (KEY VALUE ..., see steerctl %s help)",
				      c->cmd, o->name);
	return 0;
}

/* backend add NAME ADDR:PORT ..., service add NAME VIP:PORT ...: into fields[key], "port" */
static int add_endpoint(struct steerctl_cli *c, const char *key, const char *what, int argc,
			char **argv, json_t *fields)
{
	unsigned int port;
	char addr[48];

	if (argc < 1 || steerctl_endpoint(argv[0], addr, &port, false))
		return steerctl_usage(c, "%s: expected %s:PORT after the name (198.18.2.2:8000, "
					 "[fd00::2]:8000), got \"%s\"",
				      c->cmd, what, argc ? argv[0] : "nothing");
	json_object_set_new(fields, key, json_string(addr));
	json_object_set_new(fields, "port", json_integer(port));
	return 0;
}

static void set_default(json_t *fields, const char *key, const char *value)
{
	if (!json_object_get(fields, key))
		json_object_set_new(fields, key, json_string(value));
}

/* ---- backend ---- */

static const char *const backend_states[] = { "active", "draining", "down", NULL };
static const char *const backend_profiles[] = { "vllm", "sglang", "chitu", NULL };

const struct steerctl_kw steerctl_backend_kws[] = {
	{ "model", "model", STEERCTL_KW_STR, false, NULL },
	{ "provider", "provider", STEERCTL_KW_STR, false, NULL },
	{ "region", "region", STEERCTL_KW_STR, false, NULL },
	{ "capacity", "capacity", STEERCTL_KW_U32, false, NULL },
	{ "safety-tier", "safety_tier", STEERCTL_KW_U32, true, NULL },
	{ "health", "health_url", STEERCTL_KW_URL, true, NULL },
	{ "metrics-url", "metrics_url", STEERCTL_KW_URL, true, NULL },
	{ "metrics", "metrics", STEERCTL_KW_CHOICE, true, backend_profiles },
	{ "state", "state", STEERCTL_KW_CHOICE, false, backend_states },
	{ "id", "id", STEERCTL_KW_U32, true, NULL },
	{ "address", "address", STEERCTL_KW_ADDRPORT, false, NULL },
	{ "port", "port", STEERCTL_KW_PORT, false, NULL },
	{ NULL }
};

static int do_backend_add(struct steerctl_cli *c, const struct steerctl_obj *o, int argc,
			  char **argv)
{
	json_t *fields = name_fields(c, o, argc, argv);

	if (!fields || add_endpoint(c, "address", "ADDR", argc - 1, argv + 1, fields) ||
	    steerctl_parse_kws(c, argc - 2, argv + 2, o->kws, fields))
		return STEERCTL_EXIT_USAGE;
	if (!json_object_get(fields, "model") || !json_object_get(fields, "capacity"))
		return steerctl_usage(c, "backend add: model and capacity are required");
	set_default(fields, "provider", "selfhost");
	set_default(fields, "region", "local");
	return 0;
}

const struct steerctl_cmd steerctl_backend_cmds[] = {
	{ "list", steerctl_cmd_no_args },
	{ "show", do_name },
	{ "add", do_backend_add },
	{ "del", do_name },
	{ "drain", do_name },
	{ "undrain", do_name },
	{ "set", do_set },
	{ "help", steerctl_cmd_help },
	{ NULL }
};

const char steerctl_backend_help[] =
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


/* ---- tenant ---- */

static const char *const tenant_actions[] = { "reject", "fallback", NULL };

const struct steerctl_kw steerctl_tenant_kws[] = {
	{ "prefixes", "prefixes", STEERCTL_KW_PREFIXES, true, NULL },
	{ "min-safety-tier", "min_safety_tier", STEERCTL_KW_U32, true, NULL },
	{ "regions", "regions", STEERCTL_KW_LIST, true, NULL },
	{ "max-cost", "max_cost", STEERCTL_KW_NUM, true, NULL },
	{ "min-quality", "min_quality", STEERCTL_KW_NUM, true, NULL },
	{ "priority", "priority", STEERCTL_KW_U32, true, NULL },
	{ "rate", "admission.rate", STEERCTL_KW_U32, true, NULL },
	{ "burst", "admission.burst", STEERCTL_KW_U32, true, NULL },
	{ "max-conns", "admission.max_conns", STEERCTL_KW_U32, true, NULL },
	{ "action", "action", STEERCTL_KW_CHOICE, false, tenant_actions },
	{ "fallback", "fallback", STEERCTL_KW_FALLBACK, true, NULL },
	{ "id", "id", STEERCTL_KW_U32, true, NULL },
	{ NULL }
};

/* tenant add NAME KEY VALUE ...: as set, but nothing is required of it here */
static int do_tenant_add(struct steerctl_cli *c, const struct steerctl_obj *o, int argc,
			 char **argv)
{
	json_t *fields = name_fields(c, o, argc, argv);

	if (!fields || steerctl_parse_kws(c, argc - 1, argv + 1, o->kws, fields))
		return STEERCTL_EXIT_USAGE;
	return 0;
}

const struct steerctl_cmd steerctl_tenant_cmds[] = {
	{ "list", steerctl_cmd_no_args },
	{ "show", do_name },
	{ "add", do_tenant_add },
	{ "del", do_name },
	{ "set", do_set },
	{ "help", steerctl_cmd_help },
	{ NULL }
};

const char steerctl_tenant_help[] =
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


/* ---- service ---- */

static const char *const service_protos[] = { "tcp", "udp", NULL };

const struct steerctl_kw steerctl_service_kws[] = {
	{ "task", "task", STEERCTL_KW_STR, false, NULL },
	{ "proto", "proto", STEERCTL_KW_CHOICE, false, service_protos },
	{ NULL }
};

/* service add NAME VIP:PORT [tcp|udp] task TASK: the bare protocol must be spelt out */
static int do_service_add(struct steerctl_cli *c, const struct steerctl_obj *o, int argc,
			  char **argv)
{
	json_t *fields = name_fields(c, o, argc, argv);

	if (!fields || add_endpoint(c, "vip", "VIP", argc - 1, argv + 1, fields))
		return STEERCTL_EXIT_USAGE;
	argc -= 2;
	argv += 2;
	if (argc && (!strcmp(argv[0], "tcp") || !strcmp(argv[0], "udp"))) {
		json_object_set_new(fields, "proto", json_string(argv[0]));
		argc--;
		argv++;
	}
	if (steerctl_parse_kws(c, argc, argv, o->kws, fields))
		return STEERCTL_EXIT_USAGE;
	if (!json_object_get(fields, "task"))
		return steerctl_usage(c, "service add: task TASK is required");
	return 0;
}

const struct steerctl_cmd steerctl_service_cmds[] = {
	{ "list", steerctl_cmd_no_args },
	{ "add", do_service_add },
	{ "del", do_name },
	{ "help", steerctl_cmd_help },
	{ NULL }
};

const char steerctl_service_help[] =
	"Usage: steerctl service list\n"
	"       steerctl service add NAME VIP:PORT [tcp|udp] task TASK\n"
	"       steerctl service del NAME\n";

