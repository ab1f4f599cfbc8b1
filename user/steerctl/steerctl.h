/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * steerctl's command line and output, apart from its I/O so unit tests can
 * drive them: objects and commands with bpftool-style prefix matching,
 * argument checks that say what was expected, the request each command
 * sends (ctl_proto.h), and the text / JSON rendering of each reply.
 */
#ifndef STEER_CTL_CLI_H
#define STEER_CTL_CLI_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

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

/* 0, or PROTO_EXIT_USAGE with c->err set (and nothing else to free). */
int steerctl_cli_parse(int argc, char **argv, struct steerctl_cli *c);
void steerctl_cli_free(struct steerctl_cli *c);
/* {"cmd": ..., "args": ...} for c (new reference). */
json_t *steerctl_cli_request(const struct steerctl_cli *c);

void steerctl_help(FILE *f, const char *object);

/* Nearest of names[] to word within 3 edits, else NULL. */

/* Render a reply. result: the "result" of an ok reply. */
void steerctl_print(FILE *f, const char *cmd, const json_t *result, bool json, bool pretty);
void steerctl_print_error(FILE *f, const char *msg, bool json, bool pretty);
/* Add "rates" to each backend/tenant/class of cur from prev (seconds apart). */
void steerctl_stats_rates(const json_t *prev, json_t *cur);
/* One frame of `steerctl top` (ANSI, cols wide). */
void steerctl_top_frame(FILE *f, const json_t *stats, int cols);

#endif /* STEER_CTL_CLI_H */
