// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Client side of steerd's control protocol (see proto.h). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "util/util.h"
#include "proto/proto.h"

int proto_connect(const char *path, char *err, size_t len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, e;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, len, "socket path too long: %s", path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		e = -errno;
		snprintf(err, len, "socket: %s", strerror(errno));
		return e;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		e = -errno;
		if (errno == ENOENT || errno == ECONNREFUSED)
			snprintf(err, len, "steerd is not running (no one listens on %s: %s)", path,
				 strerror(errno));
		else
			snprintf(err, len, "can't connect to steerd at %s: %s", path,
				 strerror(errno));
		close(fd);
		return e;
	}
	return fd;
}

static int wait_fd(int fd, short ev, long long deadline)
{
	struct pollfd p = { .fd = fd, .events = ev };
	long long left = deadline - (long long)util_now_ms();
	int n;

	if (left < 0)
		left = 0;
	n = poll(&p, 1, (int)left);
	if (n < 0)
		return -errno;
	return n ? 0 : -ETIMEDOUT;
}

int proto_call(int fd, const json_t *req, json_t **reply, int timeout_ms, char *err, size_t len)
{
	long long deadline = (long long)util_now_ms() + timeout_ms;
	char *line = json_dumps(req, JSON_COMPACT);
	size_t n, off = 0, cap = 0, used = 0;
	char *buf = NULL, *nl;
	json_error_t je;
	ssize_t w;
	int e, send_err = 0;

	*reply = NULL;
	if (!line) {
		snprintf(err, len, "out of memory");
		return -ENOMEM;
	}
	n = strlen(line);
	line[n] = '\n'; /* json_dumps leaves room for the terminator only */
	while (off < n + 1) {
		e = wait_fd(fd, POLLOUT, deadline);
		if (e)
			goto io_err;
		w = send(fd, line + off, n + 1 - off, MSG_NOSIGNAL);
		if (w < 0 && (errno == EPIPE || errno == ECONNRESET)) {
			/* steerd may have said why before closing ("too many
			 * control connections"): read that */
			send_err = -errno;
			break;
		}
		if (w < 0 && errno != EINTR && errno != EAGAIN) {
			e = -errno;
			goto io_err;
		}
		if (w > 0)
			off += w;
	}
	for (;;) {
		if (cap - used < 65536) {
			char *nb;

			if (cap >= PROTO_MAX_REPLY) {
				e = -EMSGSIZE;
				goto io_err;
			}
			nb = realloc(buf, cap ? cap * 2 : 65536);
			if (!nb) {
				e = -ENOMEM;
				goto io_err;
			}
			buf = nb;
			cap = cap ? cap * 2 : 65536;
		}
		e = wait_fd(fd, POLLIN, deadline);
		if (e)
			goto io_err;
		w = recv(fd, buf + used, cap - used - 1, 0);
		if (w < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (w < 0) {
			e = send_err ? send_err : -errno;
			goto io_err;
		}
		if (w == 0) {
			e = send_err ? send_err : -ECONNRESET;
			goto io_err;
		}
		used += w;
		buf[used] = '\0';
		nl = memchr(buf, '\n', used);
		if (nl) {
			*nl = '\0';
			break;
		}
	}
	free(line);
	*reply = json_loads(buf, 0, &je);
	free(buf);
	if (!*reply || !json_is_object(*reply)) {
		json_decref(*reply);
		*reply = NULL;
		snprintf(err, len, "steerd sent a malformed reply: %s", je.text);
		return -EPROTO;
	}
	return 0;
io_err:
	free(line);
	free(buf);
	if (e == -ETIMEDOUT)
		snprintf(err, len, "steerd did not answer within %d ms", timeout_ms);
	else
		snprintf(err, len, "talking to steerd: %s", strerror(-e));
	return e;
}
