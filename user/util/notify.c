// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * systemd's readiness protocol (Type=notify): sd_notify(3) datagrams to
 * $NOTIFY_SOCKET. Outside systemd (no NOTIFY_SOCKET) every call is a no-op.
 * The variable is kept (unset_environment 0) so that later STATUS= lines
 * still find the socket.
 */
#include <stdarg.h>
#include <stdio.h>
#include <systemd/sd-daemon.h>

#include "util/util.h"

static int notify_status(const char *state, const char *fmt, va_list ap)
{
	char status[256];

	vsnprintf(status, sizeof(status), fmt, ap);
	return sd_notifyf(0, "%sSTATUS=%s", state, status);
}

int util_notify_ready(const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = notify_status("READY=1\n", fmt, ap);
	va_end(ap);
	return r;
}

int util_notify_status(const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = notify_status("", fmt, ap);
	va_end(ap);
	return r;
}

int util_notify_reloading(void)
{
	return sd_notify(0, "RELOADING=1\nSTATUS=reloading the policy");
}

int util_notify_stopping(void)
{
	return sd_notify(0, "STOPPING=1\nSTATUS=stopping; the data plane keeps the last tables");
}
