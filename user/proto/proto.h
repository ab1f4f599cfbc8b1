/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * steerd's control protocol (docs/steerctl.md): over a Unix stream socket,
 * one JSON object per line each way. A request is
 *	{"cmd": "backend add", "args": {...}}\n
 * and its reply
 *	{"ok": true, "result": ...}\n  or  {"ok": false, "error": "..."}\n
 * A request line is at most PROTO_MAX_REQUEST bytes.
 */
#ifndef STEER_CTL_PROTO_H
#define STEER_CTL_PROTO_H

#include <jansson.h>
#include <stddef.h>

#define PROTO_SOCKET_DEFAULT	"/run/steer/steerd.sock"
#define PROTO_MAX_REQUEST		(64 * 1024)
#define PROTO_MAX_REPLY		(64 * 1024 * 1024)
#define PROTO_VERSION	1

/* Connect to steerd's socket: fd, or -errno with a message in err. */
int proto_connect(const char *path, char *err, size_t len);
/*
 * Send one request, read one reply (timeout_ms for the whole exchange).
 * 0 and *reply (new reference), or -errno with a message in err.
 */
int proto_call(int fd, const json_t *req, json_t **reply, int timeout_ms, char *err, size_t len);

#endif /* STEER_CTL_PROTO_H */
