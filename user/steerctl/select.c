// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Choosing a word from a table (objects, commands, keywords, values):
 * prefix matching with "did you mean", and bpftool's cmd_select().
 */
#include <stdarg.h>
#include <string.h>

#include "steerctl/steerctl.h"
#include "util/util.h"

/* Tables choose among this many names at the most. */
#define SELECT_MAX 32

int steerctl_usage(struct steerctl_cli *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	json_decref(c->args);
	c->args = NULL;
	return STEERCTL_EXIT_USAGE;
}

static bool is_prefix(const char *word, const char *name)
{
	return *word && !strncmp(word, name, strlen(word));
}

int steerctl_select(struct steerctl_cli *c, const char *what, const char *word, const void *table,
		    size_t size)
{
	const char *names[SELECT_MAX], *near;
	char list[256] = "";
	int found = -1;
	size_t i, n;

	/* every table's entries start with their name (struct steerctl_obj, _cmd, _kw, char *) */
	for (n = 0; n < SELECT_MAX; n++) {
		names[n] = *(const char *const *)((const char *)table + n * size);
		if (!names[n])
			break;
	}
	for (i = 0; i < n; i++) {
		if (!strcmp(word, names[i]))
			return (int)i;
		if (is_prefix(word, names[i]))
			found = found == -1 ? (int)i : -2;
	}
	if (found >= 0)
		return found;
	for (i = 0; i < n; i++) {
		if (found == -2 && !is_prefix(word, names[i]))
			continue;
		strncat(list, list[0] ? ", " : "", sizeof(list) - strlen(list) - 1);
		strncat(list, names[i], sizeof(list) - strlen(list) - 1);
	}
	if (found == -2)
		steerctl_usage(c, "ambiguous %s \"%s\": %s", what, word, list);
	else if ((near = util_nearest(word, names, n, 3)))
		steerctl_usage(c, "unknown %s \"%s\" (did you mean \"%s\"?); expected one of: %s",
			       what, word, near, list);
	else
		steerctl_usage(c, "unknown %s \"%s\"; expected one of: %s", what, word, list);
	return -1;
}

int steerctl_cmd_select(struct steerctl_cli *c, const struct steerctl_obj *o, int argc,
			char **argv)
{
	const struct steerctl_cmd *cmd;
	int m = 0;

	if (argc) {
		m = steerctl_select(c, "command", argv[0], o->cmds, sizeof(o->cmds[0]));
		if (m < 0)
			return STEERCTL_EXIT_USAGE;
		argc--;
		argv++;
	}
	cmd = &o->cmds[m];
	snprintf(c->cmd, sizeof(c->cmd), "%s %s", o->name, cmd->name);
	return cmd->fn(c, o, argc, argv);
}

int steerctl_cmd_no_args(struct steerctl_cli *c, const struct steerctl_obj *o, int argc,
			 char **argv)
{
	(void)o;
	if (argc)
		return steerctl_usage(c, "%s: unexpected argument \"%s\"", c->cmd, argv[0]);
	return 0;
}

int steerctl_cmd_help(struct steerctl_cli *c, const struct steerctl_obj *o, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	c->cmd[0] = '\0';
	c->action = STEERCTL_ACT_HELP;
	c->help_object = o->name;
	return 0;
}
