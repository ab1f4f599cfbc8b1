/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * steerd's control socket (docs/steerctl.md): a Unix stream socket with one
 * JSON request per line and one JSON reply per line. Non-blocking, served
 * from the main loop; per-client buffers; at most STEERD_CTL_MAX_CLIENTS at once.
 */
#ifndef STEERD_CTL_H
#define STEERD_CTL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <curl/curl.h>
#include <jansson.h>

#include "proto/proto.h"
#include "steerd/steerd.h"

#define STEERD_CTL_VERSION	"0.1.0"
#define STEERD_CTL_MAX_CLIENTS		32
/* slots only root and the admin group may take: other users can hold at
 * most MAX_CLIENTS - RESERVED, so they can never lock an operator out */
#define STEERD_CTL_RESERVED		8
#define STEERD_CTL_IDLE_MS_DEFAULT	10000
#define STEERD_CTL_MAX_FDS		(1 + STEERD_CTL_MAX_CLIENTS)
#define STEERD_STATE_NAME		"state.json"
#define STEERD_STATE_DIR		"/var/lib/steer"

/* Who is asking, from SO_PEERCRED. */
struct steerd_peer {
	pid_t pid;
	uid_t uid;
	gid_t gid;
	bool can_read;
	bool can_change;
	bool can_see_clients;	/* flows shows client addresses */
};

/* ctl.c: the socket */
int steerd_ctl_open(struct steerd *d);
void steerd_ctl_close(struct steerd *d);
/* Fill w[] with the fds to wait on; returns how many (<= max). */
unsigned int steerd_ctl_fds(struct steerd *d, struct curl_waitfd *w, unsigned int max);
/* Serve what w[] says is ready; true when the policy changed. */
bool steerd_ctl_handle(struct steerd *d, const struct curl_waitfd *w, unsigned int n);
/* Once per main-loop turn: a bounded step of every pending job (flows),
 * idle connections closed; *changed |= the policy changed. Returns the ms the loop may sleep at most
 * (0: jobs pending; -1: no deadline). */
int steerd_ctl_tick(struct steerd *d, uint64_t now_ms, bool *changed);
const char *steerd_ctl_socket_path(const struct steerd *d);
const char *steerd_ctl_state_path(const struct steerd *d, char *buf, size_t len);

/* ctl_state.c: runtime changes, persisted */
/* Replay the state file's changes onto a freshly loaded policy (start,
 * reload); an unreadable or corrupt state file is an error (steerd refuses
 * to start, a reload is rejected), never silently ignored. */
int steerd_ctl_overlay(struct steerd *d, struct policy *p);
/* Append one applied change to the state file (compacted), written
 * atomically; an unreadable state file is left as it is. 0 or -errno. */
int steerd_ctl_state_record(struct steerd *d, const char *cmd, const json_t *args,
			    const struct steerd_peer *peer);
/* The state file's change log (new reference; empty array if none or, after
 * logging it, if unreadable: for display only). */
json_t *steerd_ctl_state_read(struct steerd *d);
/* The change log, or -errno (unreadable) / -EINVAL (corrupt), logged with
 * the file's name and what to do. A missing file is an empty log. */
int steerd_ctl_state_load(struct steerd *d, json_t **log);
int steerd_ctl_state_clear(struct steerd *d);
/* Swap in a new policy (consumes np): ids, tracking, targets, publish. */
int steerd_ctl_swap(struct steerd *d, struct policy *np);

/* One request, as the command handlers see it. */
struct steerd_req {
	const char *cmd;
	const json_t *args;
	const struct steerd_peer *peer;
	bool *changed;		/* out: the policy changed */
	char *err;		/* out: the error, with the result NULL */
	size_t len;
};

/* ctl_show.c: the read-only commands, one per steerd_ctl_dispatch entry */
json_t *steerd_ctl_show_status(struct steerd *d, struct steerd_req *q);
json_t *steerd_ctl_show_policy_show(struct steerd *d, struct steerd_req *q);
json_t *steerd_ctl_show_explain(struct steerd *d, struct steerd_req *q);
json_t *steerd_ctl_show_stats(struct steerd *d, struct steerd_req *q);
json_t *steerd_ctl_show_backend_list(struct steerd *d, struct steerd_req *q);
json_t *steerd_ctl_show_backend_show(struct steerd *d, struct steerd_req *q);
json_t *steerd_ctl_show_tenant_list(struct steerd *d, struct steerd_req *q);
json_t *steerd_ctl_show_tenant_show(struct steerd *d, struct steerd_req *q);
json_t *steerd_ctl_show_service_list(struct steerd *d, struct steerd_req *q);
json_t *steerd_ctl_show_policy_dump(struct steerd *d, struct steerd_req *q);
json_t *steerd_ctl_show_state_show(struct steerd *d, struct steerd_req *q);

/* ctl_request.c: one request line. 0 with *req (new reference; *cmd and
 * *args point into it, args may be NULL); -ENODATA for an empty line;
 * -EINVAL / -ENOENT (unknown command) with err filled. */
int steerd_ctl_parse(const char *line, size_t len, json_t **req, const char **cmd,
		     json_t **args, char *err, size_t errlen);

/* ctl_flows.c: flows, paged through conntrack a bounded batch per turn */
struct steerd_flows_job;
/* NULL + q->err on a bad argument. */
struct steerd_flows_job *steerd_ctl_flows_start(struct steerd *d, struct steerd_req *q);
/* Read at most one page; 1 done, 0 more to read, <0 error (err filled). */
int steerd_ctl_flows_step(struct steerd *d, struct steerd_flows_job *j, char *err, size_t len);
/* The reply's result (new reference), after step returned 1. */
json_t *steerd_ctl_flows_result(struct steerd_flows_job *j);
void steerd_ctl_flows_free(struct steerd_flows_job *j);

/* ctl_json.c: steerd's objects as JSON */
long steerd_ctl_tenant_by_id(const struct policy *p, uint32_t id);
long steerd_ctl_backend_by_id(const struct policy *p, uint32_t id);
json_t *steerd_ctl_jaddr(const uint8_t *a, uint8_t family);
json_t *steerd_ctl_backend_json(struct steerd *d, size_t i, bool detail);
json_t *steerd_ctl_tenant_json(struct steerd *d, size_t i);
/* Live signals of backend i (d->live must be built). */
json_t *steerd_ctl_signals_json(struct steerd *d, size_t i);
/* A string argument, or NULL. */
const char *steerd_ctl_arg_str(const json_t *args, const char *k);

/* ctl_cmds.c: one request -> result (new reference) or NULL + err */
json_t *steerd_ctl_dispatch(struct steerd *d, const char *cmd, const json_t *args,
			    const struct steerd_peer *peer, bool *changed, char *err, size_t len);
/* Is cmd a read-only command (else it needs the change permission)? */
bool steerd_ctl_readonly(const char *cmd);

#endif /* STEERD_CTL_H */
