// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Unit tests of systemd's readiness protocol (util/notify.c): the
 * datagrams that reach $NOTIFY_SOCKET, byte for byte, as systemd's manager
 * receives them (an AF_UNIX datagram socket bound where the variable
 * points, a path or an abstract name); nothing is sent and nothing fails
 * without the variable; the variable stays for later STATUS= lines.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/util.h"

struct listener {
	int fd;
	char dir[64];
	char path[108];
};

/* A datagram socket at a fresh path (abstract: "@name"), NOTIFY_SOCKET set to it. */
static void listen_at(struct listener *l, bool abstract)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	socklen_t sl;
	struct timeval tv = {2, 0};

	snprintf(l->dir, sizeof(l->dir), "/tmp/steer-notify-XXXXXX");
	assert_non_null(mkdtemp(l->dir));
	l->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(l->fd >= 0);
	if (abstract) {
		snprintf(l->path, sizeof(l->path), "@steer-notify-test-%d", getpid());
		memcpy(sa.sun_path + 1, l->path + 1, strlen(l->path) - 1);
		sl = offsetof(struct sockaddr_un, sun_path) + strlen(l->path);
	} else {
		snprintf(l->path, sizeof(l->path), "%s/notify", l->dir);
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", l->path);
		sl = sizeof(sa);
	}
	assert_int_equal(bind(l->fd, (struct sockaddr *)&sa, sl), 0);
	assert_int_equal(setsockopt(l->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	assert_int_equal(setenv("NOTIFY_SOCKET", l->path, 1), 0);
}

static void listen_close(struct listener *l)
{
	close(l->fd);
	if (l->path[0] == '/')
		unlink(l->path);
	rmdir(l->dir);
	unsetenv("NOTIFY_SOCKET");
}

static void expect_datagram(struct listener *l, const char *want)
{
	char buf[512];
	ssize_t n = recv(l->fd, buf, sizeof(buf) - 1, 0);

	assert_true(n >= 0);
	buf[n] = '\0';
	assert_string_equal(buf, want);
}

static void test_ready_status_path(void **state)
{
	struct listener l;

	(void)state;
	listen_at(&l, false);
	assert_true(util_notify_ready("steering: %d services", 3) > 0);
	expect_datagram(&l, "READY=1\nSTATUS=steering: 3 services");
	/* the variable is kept: a later status still gets there */
	assert_string_equal(getenv("NOTIFY_SOCKET"), l.path);
	assert_true(util_notify_status("%s", "probing") > 0);
	expect_datagram(&l, "STATUS=probing");
	listen_close(&l);
}

static void test_reload_stop_abstract(void **state)
{
	struct listener l;

	(void)state;
	listen_at(&l, true);
	assert_true(util_notify_reloading() > 0);
	expect_datagram(&l, "RELOADING=1\nSTATUS=reloading the policy");
	assert_true(util_notify_ready("reloaded %s", "/etc/steer/policy.yaml") > 0);
	expect_datagram(&l, "READY=1\nSTATUS=reloaded /etc/steer/policy.yaml");
	assert_true(util_notify_stopping() > 0);
	expect_datagram(&l, "STOPPING=1\nSTATUS=stopping; the data plane keeps the last tables");
	listen_close(&l);
}

/* A long status is cut to the buffer, never overflowing it. */
static void test_status_truncated(void **state)
{
	struct listener l;
	char big[1024], want[512];

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	listen_at(&l, false);
	assert_true(util_notify_status("%s", big) > 0);
	snprintf(want, sizeof(want), "STATUS=%.255s", big);
	expect_datagram(&l, want);
	listen_close(&l);
}

static void test_no_socket_is_noop(void **state)
{
	(void)state;
	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(util_notify_ready("x"), 0);
	assert_int_equal(util_notify_status("x"), 0);
	assert_int_equal(util_notify_reloading(), 0);
	assert_int_equal(util_notify_stopping(), 0);
}

/* A socket that nobody listens on is an error the caller sees, not a crash. */
static void test_dead_socket_reports_error(void **state)
{
	(void)state;
	setenv("NOTIFY_SOCKET", "/nonexistent/steer-notify", 1);
	assert_true(util_notify_ready("x") < 0);
	unsetenv("NOTIFY_SOCKET");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ready_status_path),
		cmocka_unit_test(test_reload_stop_abstract),
		cmocka_unit_test(test_status_truncated),
		cmocka_unit_test(test_no_socket_is_noop),
		cmocka_unit_test(test_dead_socket_reports_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
