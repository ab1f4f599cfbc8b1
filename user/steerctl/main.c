// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * steerctl: manage and watch steerd over its control socket, in the style
 * of bpftool and ip. The command line and the output live in the other
 * files of user/steerctl (unit-tested); this file does the I/O:
 * one request per command, two samples for stats, a refresh loop for top.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "steerctl/steerctl.h"
#include "proto/proto.h"

#define STEERCTL_VERSION "0.1.0"
#define CALL_TIMEOUT_MS 30000

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* One request; prints transport errors. STEERCTL_EXIT_* */
static int call(const struct steerctl_cli *c, int *fd, json_t **result)
{
	json_t *req = steerctl_cli_request(c), *rep = NULL;
	char err[512];
	int e;

	*result = NULL;
	if (*fd < 0) {
		*fd = proto_connect(c->socket, err, sizeof(err));
		if (*fd < 0) {
			json_decref(req);
			steerctl_print_error(c->json ? stdout : stderr, err, c->json, c->pretty);
			return STEERCTL_EXIT_UNREACHABLE;
		}
	}
	e = proto_call(*fd, req, &rep, CALL_TIMEOUT_MS, err, sizeof(err));
	json_decref(req);
	if (e) {
		steerctl_print_error(c->json ? stdout : stderr, err, c->json, c->pretty);
		return STEERCTL_EXIT_UNREACHABLE;
	}
	if (!json_is_true(json_object_get(rep, "ok"))) {
		const char *m = json_string_value(json_object_get(rep, "error"));

		steerctl_print_error(c->json ? stdout : stderr, m ? m : "steerd refused", c->json,
				c->pretty);
		json_decref(rep);
		return STEERCTL_EXIT_ERROR;
	}
	*result = json_incref(json_object_get(rep, "result"));
	json_decref(rep);
	return STEERCTL_EXIT_OK;
}

/* Sleep ms, or less if a key was pressed (returns the key, or 0). */
static int wait_key(int ms, bool tty)
{
	struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
	char ch;

	if (!tty) {
		struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

		nanosleep(&ts, NULL);
		return 0;
	}
	if (poll(&p, 1, ms) > 0 && read(STDIN_FILENO, &ch, 1) == 1)
		return ch;
	return 0;
}

static int run_stats(struct steerctl_cli *c, bool top)
{
	/* keys from a terminal; terminal codes only to one, never with -j */
	bool tty = top && isatty(STDIN_FILENO) && !c->json;
	bool ansi = isatty(STDOUT_FILENO) && !c->json;
	struct termios old, raw;
	json_t *prev = NULL, *cur;
	int fd = -1, rc, first = 1;

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (tty) {
		tcgetattr(STDIN_FILENO, &old);
		raw = old;
		raw.c_lflag &= ~(ICANON | ECHO);
		raw.c_cc[VMIN] = 0;
		raw.c_cc[VTIME] = 0;
		tcsetattr(STDIN_FILENO, TCSANOW, &raw);
		if (ansi)
			fputs("\033[?25l", stdout);
	}
	for (;;) {
		rc = call(c, &fd, &cur);
		if (rc)
			break;
		steerctl_stats_rates(prev, cur);
		if (top && c->json) {
			/* one JSON object a line per refresh (JSON lines) */
			char *line = json_dumps(cur, JSON_COMPACT | JSON_PRESERVE_ORDER);

			if (line)
				printf("%s\n", line);
			free(line);
			fflush(stdout);
		} else if (top) {
			struct winsize ws = { 0 };

			if (ansi)
				ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws);
			else if (!first)
				fputc('\n', stdout);
			steerctl_top_frame(stdout, cur, ws.ws_col, ansi);
		} else if (!first) {
			if (c->watch && ansi)
				fputs("\033[H\033[2J", stdout);
			steerctl_print(stdout, "stats", cur, c->json, c->pretty);
			fflush(stdout);
		}
		json_decref(prev);
		prev = cur;
		if (!top && !c->watch && !first)
			break;
		first = 0;
		{
			int k = wait_key(c->interval_ms, tty);

			if (k == 'q' || k == 'Q' || k == 3 || stop)
				break;
		}
		if (stop)
			break;
	}
	json_decref(prev);
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSANOW, &old);
		if (ansi)
			fputs("\033[?25h\n", stdout);
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

int main(int argc, char **argv)
{
	struct steerctl_cli c;
	json_t *res;
	int rc, fd = -1;

	rc = steerctl_cli_parse(argc, argv, &c);
	if (rc) {
		if (c.json) {
			steerctl_print_error(stdout, c.err, true, c.pretty);
		} else {
			fprintf(stderr, "steerctl: %s\n", c.err);
			fprintf(stderr, "Try 'steerctl help' (or 'steerctl OBJECT help').\n");
		}
		steerctl_cli_free(&c);
		return STEERCTL_EXIT_USAGE;
	}
	switch (c.action) {
	case STEERCTL_ACT_HELP:
		if (c.json) { /* -j on every command: the help text as a JSON string */
			char *text = NULL;
			size_t len = 0;
			FILE *m = open_memstream(&text, &len);
			json_t *j;

			if (m) {
				steerctl_help(m, c.help_object);
				fclose(m);
			}
			j = json_pack("{s:s}", "help", text ? text : "");
			steerctl_print(stdout, "help", j, true, c.pretty);
			json_decref(j);
			free(text);
		} else {
			steerctl_help(stdout, c.help_object);
		}
		rc = STEERCTL_EXIT_OK;
		break;
	case STEERCTL_ACT_VERSION:
		if (c.json) {
			json_t *j = json_pack("{s:s}", "version", STEERCTL_VERSION);

			steerctl_print(stdout, "version", j, true, c.pretty);
			json_decref(j);
		} else {
			printf("steerctl %s\n", STEERCTL_VERSION);
		}
		rc = STEERCTL_EXIT_OK;
		break;
	case STEERCTL_ACT_STATS:
	case STEERCTL_ACT_TOP:
		rc = run_stats(&c, c.action == STEERCTL_ACT_TOP);
		break;
	default:
		rc = call(&c, &fd, &res);
		if (!rc) {
			steerctl_print(stdout, c.cmd, res, c.json, c.pretty);
			json_decref(res);
		}
		if (fd >= 0)
			close(fd);
	}
	steerctl_cli_free(&c);
	return rc;
}
