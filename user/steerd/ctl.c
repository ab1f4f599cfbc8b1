// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The control socket: accept, read a line, check the peer, dispatch, write
 * the reply, all non-blocking from steerd's main loop. A request larger
 * than PROTO_MAX_REQUEST gets an error reply and the connection is closed; a
 * malformed one gets an error reply and the connection stays.
 *
 * Who may do what (docs/steerctl.md "Access"): the socket file is 0600
 * (root only), or 0660 with the group --read-group (else --admin-group);
 * every request is checked again against the peer's credentials
 * (SO_PEERCRED). A connection with no traffic either way for --ctl-idle-ms
 * is closed, and STEERD_CTL_RESERVED of the slots are kept for root and the
 * admin group, so that local users holding connections open can never lock
 * an operator out of `steerctl backend drain`.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "steerd/ctl.h"
#include "policy/policy.h"
#include "proto/proto.h"
#include "util/util.h"

#define CTL_MAX_OUT (PROTO_MAX_REPLY)

struct ctl_client {
	int fd;
	struct steerd_peer peer;
	char in[PROTO_MAX_REQUEST + 1];
	size_t in_len;
	char *out;
	size_t out_len, out_off;
	bool close_after;	/* close once the output is flushed */
	uint64_t last_ms;	/* the last byte in or out (idle timeout) */
	struct steerd_flows_job *job; /* a flows request being read (ctl_flows.c) */
};

struct steerd_ctl {
	int lfd;
	char path[108];
	bool have_read_gid, have_admin_gid, have_flows_gid;
	gid_t read_gid, admin_gid, flows_gid;
	unsigned int idle_ms;
	struct ctl_client *cl[STEERD_CTL_MAX_CLIENTS];
};

const char *steerd_ctl_socket_path(const struct steerd *d)
{
	return d->opts.ctl_socket ? d->opts.ctl_socket : PROTO_SOCKET_DEFAULT;
}

/*
 * Runtime changes belong to one data plane: the default state file is
 * /var/lib/steer/state.json for the default pin root, and one named after
 * the pin root otherwise (so steerds on other pin roots never share it).
 */
const char *steerd_ctl_state_path(const struct steerd *d, char *buf, size_t len)
{
	const char *pin = d->opts.pin_root ? d->opts.pin_root : STEER_PIN_ROOT_DEFAULT;
	size_t i, n;

	if (d->opts.ctl_state)
		return d->opts.ctl_state;
	if (!strcmp(pin, STEER_PIN_ROOT_DEFAULT)) {
		snprintf(buf, len, "%s/%s", STEERD_STATE_DIR, STEERD_STATE_NAME);
		return buf;
	}
	n = (size_t)snprintf(buf, len, "%s/state", STEERD_STATE_DIR);
	for (i = 0; pin[i] && n + 7 < len; i++)
		buf[n++] = pin[i] == '/' ? '_' : pin[i];
	snprintf(buf + n, len - n, ".json");
	return buf;
}

static int resolve_group(const char *name, gid_t *gid)
{
	struct group *g = getgrnam(name);
	char *end;
	unsigned long v;

	if (g) {
		*gid = g->gr_gid;
		return 0;
	}
	v = strtoul(name, &end, 10);
	if (*name && !*end) {
		*gid = (gid_t)v;
		return 0;
	}
	return -ENOENT;
}

int steerd_ctl_open(struct steerd *d)
{
	const char *path = steerd_ctl_socket_path(d);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct steerd_ctl *c;
	char dir[4096];
	const char *sock_group;
	gid_t sock_gid;
	bool bound = false;
	int fd = -1, probe;

	if (!strcmp(path, "none"))
		return 0;
	if (!d->opts.ctl_socket) {
		/* the default socket is best effort: another steerd (another pin
		 * root, a test) may hold it; an explicit --socket must work */
		int err;

		d->opts.ctl_socket = path;
		err = steerd_ctl_open(d);
		if (err)
			log_warn("running without a control socket (use --socket PATH)");
		return 0;
	}
	if (strlen(path) >= sizeof(sa.sun_path)) {
		log_error("control socket path too long (at most %zu bytes): %s",
			  sizeof(sa.sun_path) - 1, path);
		return -ENAMETOOLONG;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->lfd = -1;
	if (d->opts.read_group) {
		if (resolve_group(d->opts.read_group, &c->read_gid)) {
			log_error("--read-group: no group %s", d->opts.read_group);
			free(c);
			return -ENOENT;
		}
		c->have_read_gid = true;
	}
	if (d->opts.admin_group) {
		if (resolve_group(d->opts.admin_group, &c->admin_gid)) {
			log_error("--admin-group: no group %s", d->opts.admin_group);
			free(c);
			return -ENOENT;
		}
		c->have_admin_gid = true;
	}
	if (d->opts.flows_group) {
		if (resolve_group(d->opts.flows_group, &c->flows_gid)) {
			log_error("--flows-group: no group %s", d->opts.flows_group);
			free(c);
			return -ENOENT;
		}
		c->have_flows_gid = true;
	}
	c->idle_ms = d->opts.ctl_idle_ms ? d->opts.ctl_idle_ms : STEERD_CTL_IDLE_MS_DEFAULT;
	/* the socket's group: the read group (the admin group must then be
	 * in it too, a file has one group), else the admin group */
	sock_group = c->have_read_gid ? d->opts.read_group
		     : c->have_admin_gid ? d->opts.admin_group : NULL;
	sock_gid = c->have_read_gid ? c->read_gid : c->admin_gid;
	snprintf(dir, sizeof(dir), "%s", path);
	if (util_mkdir_p(dirname(dir), 0755))
		log_warn("control socket: can't create the directory of %s: %s", path,
			 strerror(errno));
	strcpy(sa.sun_path, path);
	snprintf(c->path, sizeof(c->path), "%s", path);
	/* a socket file left by a dead steerd is replaced; a live one is not */
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe >= 0 && !connect(probe, (struct sockaddr *)&sa, sizeof(sa))) {
		close(probe);
		log_error("control socket %s: another steerd is listening there", path);
		free(c);
		return -EADDRINUSE;
	}
	if (probe >= 0)
		close(probe);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		/* bind creates the file with 0777 & ~umask: no moment where
		 * anyone but root may connect */
		mode_t old = umask(0177);

		bound = !bind(fd, (struct sockaddr *)&sa, sizeof(sa));
		umask(old);
	}
	if (fd < 0 || !bound || (sock_group && chown(path, (uid_t)-1, sock_gid)) ||
	    chmod(path, sock_group ? 0660 : 0600) || listen(fd, 16)) {
		int e = -errno;

		log_error("control socket %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		free(c);
		return e;
	}
	c->lfd = fd;
	d->ctl = c;
	log_info("control socket %s, mode %s%s (read: root%s%s; change: root%s%s; "
		 "idle timeout %u ms)",
		 path, sock_group ? "0660 group " : "0600", sock_group ? sock_group : "",
		 d->opts.read_group ? " and group " : "",
		 d->opts.read_group ? d->opts.read_group : "",
		 d->opts.admin_group ? " and group " : "",
		 d->opts.admin_group ? d->opts.admin_group : "", c->idle_ms);
	return 0;
}

static void client_free(struct steerd_ctl *c, int i)
{
	struct ctl_client *cl = c->cl[i];

	if (!cl)
		return;
	close(cl->fd);
	steerd_ctl_flows_free(cl->job);
	free(cl->out);
	free(cl);
	c->cl[i] = NULL;
}

void steerd_ctl_close(struct steerd *d)
{
	struct steerd_ctl *c = d->ctl;
	int i;

	if (!c)
		return;
	for (i = 0; i < STEERD_CTL_MAX_CLIENTS; i++)
		client_free(c, i);
	if (c->lfd >= 0) {
		close(c->lfd);
		unlink(c->path);
	}
	free(c);
	d->ctl = NULL;
}

unsigned int steerd_ctl_fds(struct steerd *d, struct curl_waitfd *w, unsigned int max)
{
	struct steerd_ctl *c = d->ctl;
	unsigned int n = 0;
	int i;

	if (!c || !max)
		return 0;
	w[n++] = (struct curl_waitfd){ .fd = c->lfd, .events = CURL_WAIT_POLLIN };
	for (i = 0; i < STEERD_CTL_MAX_CLIENTS && n < max; i++) {
		struct ctl_client *cl = c->cl[i];

		if (!cl || cl->job)
			continue; /* a job's client is served by steerd_ctl_tick */
		/* no new request is read while a reply is pending (backpressure) */
		w[n++] = (struct curl_waitfd){
			.fd = cl->fd,
			.events = cl->out_len > cl->out_off ? CURL_WAIT_POLLOUT : CURL_WAIT_POLLIN,
		};
	}
	return n;
}

static bool in_group(pid_t pid, gid_t primary, gid_t want)
{
	char path[64], line[4096];
	FILE *f;
	bool found = primary == want;

	if (found)
		return true;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		char *p, *end;

		if (strncmp(line, "Groups:", 7))
			continue;
		for (p = line + 7;; p = end) {
			unsigned long g = strtoul(p, &end, 10);

			if (end == p)
				break;
			if ((gid_t)g == want)
				found = true;
		}
		break;
	}
	fclose(f);
	return found;
}

static void peer_of(struct steerd_ctl *c, int fd, struct steerd_peer *p)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);

	memset(p, 0, sizeof(*p));
	p->uid = (uid_t)-1;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len))
		return;
	p->pid = uc.pid;
	p->uid = uc.uid;
	p->gid = uc.gid;
	p->can_change = uc.uid == 0 ||
			(c->have_admin_gid && in_group(uc.pid, uc.gid, c->admin_gid));
	p->can_read = p->can_change || !c->have_read_gid ||
		      in_group(uc.pid, uc.gid, c->read_gid);
	p->can_see_clients = p->can_change ||
			     (c->have_flows_gid && in_group(uc.pid, uc.gid, c->flows_gid));
}

/* Queue bytes of a reply, then try to send. */
static void client_send(struct ctl_client *cl, const char *s, size_t n)
{
	ssize_t w;

	if (cl->out_off == cl->out_len) {
		cl->out_off = cl->out_len = 0;
		while (n) {
			w = send(cl->fd, s, n, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (w <= 0)
				break;
			cl->last_ms = util_now_ms();
			s += w;
			n -= w;
		}
		if (!n)
			return;
	}
	if (cl->out_len + n > CTL_MAX_OUT) {
		cl->close_after = true;
		cl->out_off = cl->out_len; /* drop: the client reads too slowly */
		return;
	}
	{
		char *nb = realloc(cl->out, cl->out_len + n);

		if (!nb) {
			cl->close_after = true;
			return;
		}
		cl->out = nb;
		memcpy(cl->out + cl->out_len, s, n);
		cl->out_len += n;
	}
}

static void reply(struct ctl_client *cl, json_t *r)
{
	char *s = json_dumps(r, JSON_COMPACT);

	if (!s) {
		static const char oom[] = "{\"ok\":false,\"error\":\"out of memory\"}\n";

		client_send(cl, oom, sizeof(oom) - 1);
		return;
	}
	client_send(cl, s, strlen(s));
	client_send(cl, "\n", 1);
	free(s);
}

static void reply_error(struct ctl_client *cl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void reply_error(struct ctl_client *cl, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	json_t *r;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	r = json_pack("{s:b, s:s}", "ok", 0, "error", msg);
	reply(cl, r);
	json_decref(r);
}

/* One request line. true when the policy changed. */
static bool serve_line(struct steerd *d, struct ctl_client *cl, const char *line, size_t len)
{
	json_t *req, *args, *res, *r;
	const char *cmd;
	char err[2048];
	bool changed = false;
	/* ctl_request.c */
	int rc = steerd_ctl_parse(line, len, &req, &cmd, &args, err, sizeof(err));

	if (rc == -ENODATA)
		return false;
	if (rc) {
		reply_error(cl, "%s", err);
		return false;
	}
	if (!cl->peer.can_read) {
		reply_error(cl, "permission denied: uid %u is not in the read group %s",
			    (unsigned int)cl->peer.uid, d->opts.read_group);
		json_decref(req);
		return false;
	}
	if (!steerd_ctl_readonly(cmd) && !cl->peer.can_change) {
		log_warn("ctl: refused \"%s\" from uid %u (pid %d): not root%s%s", cmd,
			 (unsigned int)cl->peer.uid, (int)cl->peer.pid,
			 d->opts.admin_group ? " nor in group " : "",
			 d->opts.admin_group ? d->opts.admin_group : "");
		reply_error(cl, "permission denied: \"%s\" changes steerd; it needs root%s%s "
				"(you are uid %u)",
			    cmd, d->opts.admin_group ? " or group " : "",
			    d->opts.admin_group ? d->opts.admin_group : "",
			    (unsigned int)cl->peer.uid);
		json_decref(req);
		return false;
	}
	err[0] = '\0';
	if (!strcmp(cmd, "flows")) {
		struct steerd_req q = { cmd, args, &cl->peer, &changed, err, sizeof(err) };

		cl->job = steerd_ctl_flows_start(d, &q); /* replied by steerd_ctl_tick */
		if (!cl->job)
			reply_error(cl, "%s", err[0] ? err : "failed");
		json_decref(req);
		return false;
	}
	res = steerd_ctl_dispatch(d, cmd, args, &cl->peer, &changed, err, sizeof(err));
	if (!steerd_ctl_readonly(cmd))
		log_info("ctl: uid %u (pid %d): %s %s%s%s", (unsigned int)cl->peer.uid,
			 (int)cl->peer.pid, cmd,
			 json_string_value(json_object_get(args, "name"))
				 ? json_string_value(json_object_get(args, "name"))
				 : "",
			 res ? ": done" : ": failed: ", res ? "" : err);
	if (res) {
		r = json_pack("{s:b, s:o}", "ok", 1, "result", res);
	} else {
		r = json_pack("{s:b, s:s}", "ok", 0, "error", err[0] ? err : "failed");
	}
	reply(cl, r);
	json_decref(r);
	json_decref(req);
	return changed;
}

static bool client_read(struct steerd *d, struct ctl_client *cl)
{
	bool changed = false;
	ssize_t n;
	char *nl;

	for (;;) {
		while (!cl->close_after && cl->out_len == cl->out_off && !cl->job &&
		       (nl = memchr(cl->in, '\n', cl->in_len))) {
			size_t len = nl - cl->in;

			changed |= serve_line(d, cl, cl->in, len);
			memmove(cl->in, nl + 1, cl->in_len - len - 1);
			cl->in_len -= len + 1;
		}
		if (cl->close_after || cl->out_len > cl->out_off || cl->job)
			return changed; /* the rest waits until this reply is out */
		if (cl->in_len > PROTO_MAX_REQUEST) {
			reply_error(cl, "request too large (more than %d bytes without a newline)",
				    PROTO_MAX_REQUEST);
			cl->close_after = true;
			return changed;
		}
		n = recv(cl->fd, cl->in + cl->in_len, PROTO_MAX_REQUEST + 1 - cl->in_len,
			 MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			cl->close_after = true;
			cl->out_off = cl->out_len;
			return changed;
		}
		if (n < 0)
			return changed;
		cl->in_len += n;
		cl->last_ms = util_now_ms();
	}
}

static void client_write(struct ctl_client *cl)
{
	while (cl->out_off < cl->out_len) {
		ssize_t w = send(cl->fd, cl->out + cl->out_off, cl->out_len - cl->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			return;
		if (w <= 0) {
			cl->close_after = true;
			cl->out_off = cl->out_len;
			return;
		}
		cl->out_off += w;
		cl->last_ms = util_now_ms();
	}
}

/* Slots held by clients that may not change anything. */
static int unprivileged_clients(const struct steerd_ctl *c)
{
	int i, n = 0;

	for (i = 0; i < STEERD_CTL_MAX_CLIENTS; i++)
		n += c->cl[i] && !c->cl[i]->peer.can_change;
	return n;
}

static void accept_all(struct steerd_ctl *c)
{
	for (;;) {
		int fd = accept4(c->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC), i;
		struct ctl_client *cl = NULL;
		struct steerd_peer peer;

		if (fd < 0)
			return;
		peer_of(c, fd, &peer);
		for (i = 0; i < STEERD_CTL_MAX_CLIENTS && c->cl[i]; i++)
			;
		/* the last STEERD_CTL_RESERVED free slots: root and admins only */
		if (i < STEERD_CTL_MAX_CLIENTS &&
		    (peer.can_change ||
		     unprivileged_clients(c) < STEERD_CTL_MAX_CLIENTS - STEERD_CTL_RESERVED))
			cl = calloc(1, sizeof(*cl));
		if (!cl) {
			static const char busy[] =
				"{\"ok\":false,\"error\":\"too many control connections\"}\n";

			if (send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
				log_debug("ctl: refused a connection: too many");
			close(fd);
			continue;
		}
		cl->fd = fd;
		cl->peer = peer;
		cl->last_ms = util_now_ms();
		c->cl[i] = cl;
	}
}

/* After a read, a write or a finished job: serve queued requests, close a
 * finished connection. true when the policy changed. */
static bool client_settle(struct steerd *d, struct steerd_ctl *c, int i)
{
	struct ctl_client *cl = c->cl[i];
	bool changed = false;

	if (cl->out_off == cl->out_len && !cl->job) {
		cl->out_off = cl->out_len = 0;
		/* requests that arrived while the reply was pending */
		if (!cl->close_after && memchr(cl->in, '\n', cl->in_len))
			changed |= client_read(d, cl);
	}
	if (cl->close_after && cl->out_off == cl->out_len && !cl->job)
		client_free(c, i);
	return changed;
}

bool steerd_ctl_handle(struct steerd *d, const struct curl_waitfd *w, unsigned int n)
{
	struct steerd_ctl *c = d->ctl;
	bool changed = false;
	unsigned int k;
	int i;

	if (!c)
		return false;
	for (k = 0; k < n; k++) {
		if (!w[k].revents)
			continue;
		if (w[k].fd == c->lfd) {
			accept_all(c);
			continue;
		}
		for (i = 0; i < STEERD_CTL_MAX_CLIENTS; i++) {
			struct ctl_client *cl = c->cl[i];

			if (!cl || cl->fd != w[k].fd)
				continue;
			if (w[k].revents & CURL_WAIT_POLLOUT)
				client_write(cl);
			if (w[k].revents & CURL_WAIT_POLLIN)
				changed |= client_read(d, cl);
			changed |= client_settle(d, c, i);
			break;
		}
	}
	return changed;
}

int steerd_ctl_tick(struct steerd *d, uint64_t now, bool *changed)
{
	struct steerd_ctl *c = d->ctl;
	int i, wait = -1;

	if (!c)
		return -1;
	for (i = 0; i < STEERD_CTL_MAX_CLIENTS; i++) {
		struct ctl_client *cl = c->cl[i];
		uint64_t left;

		if (!cl)
			continue;
		if (cl->job) {
			char err[1024] = "";
			int r = steerd_ctl_flows_step(d, cl->job, err, sizeof(err));
			json_t *res = r > 0 ? steerd_ctl_flows_result(cl->job) : NULL;

			wait = 0;
			cl->last_ms = now; /* steerd is the slow one, not the client */
			if (!r)
				continue;
			steerd_ctl_flows_free(cl->job);
			cl->job = NULL;
			if (res) {
				json_t *rep = json_pack("{s:b, s:o}", "ok", 1, "result", res);

				reply(cl, rep);
				json_decref(rep);
			} else {
				reply_error(cl, "%s", err[0] ? err : "failed");
			}
			*changed |= client_settle(d, c, i);
			continue;
		}
		if (now >= cl->last_ms + c->idle_ms) {
			log_debug("ctl: closing a connection of uid %u (pid %d): idle for %u ms",
				  (unsigned int)cl->peer.uid, (int)cl->peer.pid, c->idle_ms);
			client_free(c, i);
			continue;
		}
		left = cl->last_ms + c->idle_ms - now; /* > 0: checked above */
		if (wait < 0 || left < (uint64_t)wait)
			wait = (int)left;
	}
	return wait;
}
