// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Control commands: one request (cmd, args) -> one JSON result, from the
 * table below. Read-only commands are in ctl_show.c; changes go through
 * policy_op_apply -> policy parser -> swap -> publish -> state file, so a
 * change that the parser would reject in a file is rejected here with the
 * same message and nothing moves.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "steerd/ctl.h"
#include "policy/policy.h"
#include "proto/proto.h"
#include "util/util.h"

/* ---- changes ---- */

static json_t *cmd_change(struct steerd *d, struct steerd_req *q)
{
	const json_t *args = q->args;
	char *err = q->err;
	size_t len = q->len;
	bool *changed = q->changed;
	const struct steerd_peer *peer = q->peer;
	const char *cmd = q->cmd;
	json_t *tree = policy_to_json(&d->pol), *res;
	struct policy np;
	bool persisted;
	int e;

	if (!tree) {
		snprintf(err, len, "out of memory");
		return NULL;
	}
	e = policy_op_apply(tree, cmd, args, err, len);
	if (!e)
		e = policy_from_json(tree, &np, err, len);
	json_decref(tree);
	if (e)
		return NULL; /* nothing changed */
	snprintf(np.path, sizeof(np.path), "%s", d->pol.path);
	e = steerd_ctl_swap(d, &np);
	*changed = true;
	if (e) {
		snprintf(err, len, "applied, but publishing failed: %s", strerror(-e));
		return NULL;
	}
	persisted = !steerd_ctl_state_record(d, cmd, args, peer);
	if (!persisted)
		log_warn("runtime change \"%s\" applied but not persisted (state file: see above)",
			 cmd);
	res = json_pack("{s:s, s:s, s:b, s:b}", "done", cmd, "name",
			steerd_ctl_arg_str(args, "name"), "published", d->rounds > 0, "persisted",
			persisted);
	return res;
}

static json_t *cmd_reload(struct steerd *d, struct steerd_req *q)
{
	const json_t *args = q->args;
	char *err = q->err;
	size_t len = q->len;
	bool *changed = q->changed;

	if (json_is_true(json_object_get(args, "discard")) && steerd_ctl_state_clear(d)) {
		snprintf(err, len, "can't clear the state file");
		return NULL;
	}
	{
		/* a rejection's file:line errors go back to steerctl, after this line */
		int n = snprintf(err, len, "reload of %s rejected; the running policy stays:\n",
				 d->opts.config);

		if (n < 0 || (size_t)n >= len)
			n = 0;
		if (steerd_reload(d, err + n, len - n)) {
			if (!err[n])
				snprintf(err, len, "reload of %s failed: out of memory; the running "
					 "policy stays", d->opts.config);
			return NULL;
		}
		err[0] = '\0';
	}
	*changed = true;
	if (d->rounds > 0) {
		d->dirty = false;
		steerd_publish(d);
	}
	return json_pack("{s:s, s:i, s:i, s:i}", "reloaded", d->opts.config, "services",
			 (int)d->pol.n_services, "tenants", (int)d->pol.n_tenants, "backends",
			 (int)d->pol.n_backends);
}

/*
 * Every command steerd answers, with whether it only reads (any member of
 * the read group may ask) or changes something (root or the admin group).
 * The runtime changes ("backend add", ...) are policy_op_is_change()'s.
 */
static const struct steerd_cmd {
	const char *name;
	bool readonly;
	json_t *(*fn)(struct steerd *d, struct steerd_req *q);
} cmds[] = {
	{"status", true, steerd_ctl_show_status},
	{"backend list", true, steerd_ctl_show_backend_list},
	{"backend show", true, steerd_ctl_show_backend_show},
	{"tenant list", true, steerd_ctl_show_tenant_list},
	{"tenant show", true, steerd_ctl_show_tenant_show},
	{"service list", true, steerd_ctl_show_service_list},
	{"policy show", true, steerd_ctl_show_policy_show},
	{"policy dump", true, steerd_ctl_show_policy_dump},
	{"state show", true, steerd_ctl_show_state_show},
	{"explain", true, steerd_ctl_show_explain},
	{"flows", true, NULL}, /* a job: ctl.c, ctl_flows.c */
	{"stats", true, steerd_ctl_show_stats},
	{"reload", false, cmd_reload},
};

static const struct steerd_cmd *cmd_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(cmds[i].name, name))
			return &cmds[i];
	return NULL;
}

bool steerd_ctl_readonly(const char *cmd)
{
	const struct steerd_cmd *c = cmd_find(cmd);

	return c && c->readonly;
}

json_t *steerd_ctl_dispatch(struct steerd *d, const char *cmd, const json_t *args,
			    const struct steerd_peer *peer, bool *changed, char *err, size_t len)
{
	struct steerd_req q = {cmd, args, peer, changed, err, len};
	const struct steerd_cmd *c = cmd_find(cmd);

	if (c && c->fn)
		return c->fn(d, &q);
	if (policy_op_is_change(cmd))
		return cmd_change(d, &q);
	snprintf(err, len, "unknown command \"%s\"", cmd);
	return NULL;
}
