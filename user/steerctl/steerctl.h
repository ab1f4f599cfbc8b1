/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * steerctl's command line and output, apart from its I/O (main.c) so unit
 * tests can drive them. In the style of bpftool: one table of objects
 * (cmds.c), one table of commands per object with its help text and its
 * argument keywords beside it (items.c, cmds.c), prefix matching with
 * "did you mean" (select.c), typed KEY VALUE arguments (args.c), the
 * request each command sends (proto/proto.h) and the text / JSON rendering
 * of each reply (fmt.c, fmt_stats.c).
 */
#ifndef STEER_STEERCTL_H
#define STEER_STEERCTL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* steerctl's exit codes (docs/steerctl.md) */
enum steerctl_exit {
	STEERCTL_EXIT_OK = 0,
	STEERCTL_EXIT_ERROR = 1,	/* steerd answered with an error */
	STEERCTL_EXIT_USAGE = 2,	/* bad command line */
	STEERCTL_EXIT_UNREACHABLE = 3,	/* steerd not running / socket not reachable */
};

enum steerctl_action {
	STEERCTL_ACT_REQUEST = 0,	/* send cmd + args, print the reply */
	STEERCTL_ACT_HELP,		/* print help (help_object: NULL = top level) */
	STEERCTL_ACT_VERSION,
	STEERCTL_ACT_STATS,		/* two samples of "stats", rates; again with watch */
	STEERCTL_ACT_TOP,		/* live view */
};

struct steerctl_cli {
	bool json, pretty;
	const char *socket;
	enum steerctl_action action;
	const char *help_object;
	char cmd[32];		/* canonical: "backend add" */
	json_t *args;		/* request args (owned) */
	bool watch;
	int interval_ms;	/* stats/top sampling */
	char err[512];		/* usage error message */
};

/* 0, or STEERCTL_EXIT_USAGE with c->err set (and nothing else to free). */
int steerctl_cli_parse(int argc, char **argv, struct steerctl_cli *c);
void steerctl_cli_free(struct steerctl_cli *c);
/* {"cmd": ..., "args": ...} for c (new reference). */
json_t *steerctl_cli_request(const struct steerctl_cli *c);

/* `steerctl help [OBJECT]`: object NULL (or without a page of its own) = top level. */
void steerctl_help(FILE *f, const char *object);

/* Render a reply. result: the "result" of an ok reply. */
void steerctl_print(FILE *f, const char *cmd, const json_t *result, bool json, bool pretty);
void steerctl_print_error(FILE *f, const char *msg, bool json, bool pretty);
/* Add "rates" to each backend/tenant/class of cur from prev (seconds apart). */
void steerctl_stats_rates(const json_t *prev, json_t *cur);
/* One frame of `steerctl top` (ANSI, cols wide). */
void steerctl_top_frame(FILE *f, const json_t *stats, int cols, bool ansi);

/* ---- between steerctl's files ---- */

/*
 * A command of an object (bpftool's struct cmd): fn parses the words after
 * the command's name into c. 0 or STEERCTL_EXIT_USAGE (steerctl_usage).
 */
struct steerctl_obj;
struct steerctl_cmd {
	const char *name;
	int (*fn)(struct steerctl_cli *c, const struct steerctl_obj *o, int argc, char **argv);
};

/* Typed values of KEY VALUE arguments (args.c). */
enum steerctl_kw_type {
	STEERCTL_KW_STR,	/* a name: 1..63 characters, no spaces */
	STEERCTL_KW_U32,
	STEERCTL_KW_PORT,
	STEERCTL_KW_NUM,	/* a number >= 0 */
	STEERCTL_KW_URL,
	STEERCTL_KW_ADDRPORT,	/* ADDR[:PORT]: sets key, and "port" if given */
	STEERCTL_KW_PREFIXES,
	STEERCTL_KW_LIST,	/* A[,B...] */
	STEERCTL_KW_FALLBACK,	/* TENANT:TASK */
	STEERCTL_KW_CHOICE,	/* one of choices[] (prefix matched) */
};

struct steerctl_kw {
	const char *name;	/* on the command line */
	const char *key;	/* in the policy: "port", "admission.rate" */
	enum steerctl_kw_type type;
	bool nullable;		/* "none" resets to the default */
	const char *const *choices; /* STEERCTL_KW_CHOICE: NULL-terminated */
};

/*
 * An object (bpftool's top-level cmds[]): either commands (cmds[0] is the
 * default; one named "help" prints help) or fn for the words after the
 * object's name. kws: the KEY VALUE arguments its commands take. help: the
 * page `steerctl OBJECT help` prints (NULL: the top-level one). Tables of
 * objects, commands, keywords and choices end with an entry without name.
 */
struct steerctl_obj {
	const char *name;
	const struct steerctl_cmd *cmds;
	int (*fn)(struct steerctl_cli *c, const struct steerctl_obj *o, int argc, char **argv);
	const struct steerctl_kw *kws;
	const char *help;
};

/* items.c: the objects of the policy (backend, tenant, service) */
extern const struct steerctl_cmd steerctl_backend_cmds[], steerctl_tenant_cmds[],
	steerctl_service_cmds[];
extern const struct steerctl_kw steerctl_backend_kws[], steerctl_tenant_kws[],
	steerctl_service_kws[];
extern const char steerctl_backend_help[], steerctl_tenant_help[], steerctl_service_help[];

/* Set c->err, drop c->args; returns STEERCTL_EXIT_USAGE. */
int steerctl_usage(struct steerctl_cli *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Select word in a table of entries of size bytes each, each starting with
 * its `const char *name`, ended by a NULL name: an exact name, else the
 * one name it is a prefix of. Otherwise -1 with c->err set: "ambiguous
 * WHAT" (with the candidates) or "unknown WHAT" (with the nearest name, if
 * any, and every name).
 */
int steerctl_select(struct steerctl_cli *c, const char *what, const char *word, const void *table,
		    size_t size);

/*
 * bpftool's cmd_select(): the command argv[0] of o (its first without
 * words), c->cmd = "OBJECT COMMAND", then the command's fn on the rest.
 */
int steerctl_cmd_select(struct steerctl_cli *c, const struct steerctl_obj *o, int argc,
			char **argv);

/* The command "help" of any object: c->action = help, c->help_object = o->name. */
int steerctl_cmd_help(struct steerctl_cli *c, const struct steerctl_obj *o, int argc, char **argv);
/* A command without arguments: 0 if argc is 0, else "CMD: unexpected argument". */
int steerctl_cmd_no_args(struct steerctl_cli *c, const struct steerctl_obj *o, int argc,
			 char **argv);

/* KEY VALUE ... (keywords prefix matched, '_' as '-') into fields. 0 or usage. */
int steerctl_parse_kws(struct steerctl_cli *c, int argc, char **argv, const struct steerctl_kw *kws,
		       json_t *fields);
/* "ADDR:PORT", "[V6]:PORT" (or ADDR alone with port_opt: *port 0); addr normalised. */
int steerctl_endpoint(const char *s, char addr[48], unsigned int *port, bool port_opt);
/* Decimal, octal or hex integer 0..max, no sign. */
bool steerctl_parse_u32(const char *s, unsigned long max, unsigned long *out);

#endif /* STEER_STEERCTL_H */
