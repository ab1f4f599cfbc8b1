// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Request log (--log FILE, "-" for stdout): one line per finished request,
 * written with a single write() so that concurrent readers never see half
 * a line:
 *
 *   2025-06-01T12:00:00.123Z peer=198.18.0.2:40312 method=POST
 *   path=/v1/chat/completions status=200 model=qwen tokens=16 queue_ms=0
 *   ttft_ms=50 total_ms=210 backend=b1          (all on one line)
 *
 * Times are measured from the moment the whole request was received.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "mockllm.h"

static FILE *logf;

int log_open(const char *path)
{
	if (!path)
		return 0;
	logf = strcmp(path, "-") ? fopen(path, "ae") : stdout;
	if (!logf)
		return -errno;
	setvbuf(logf, NULL, _IOLBF, 0);
	return 0;
}

void log_close(void)
{
	if (logf && logf != stdout)
		fclose(logf);
	logf = NULL;
}

static unsigned long long ms(uint64_t ns)
{
	return (unsigned long long)((ns + NSEC_PER_MSEC / 2) / NSEC_PER_MSEC);
}

void log_request(struct conn *c)
{
	uint64_t now = now_ns();
	struct timespec ts;
	struct tm tm;
	char when[32];

	if (!logf)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(logf,
		"%s.%03ldZ peer=%s method=%s path=%s status=%d model=%s tokens=%u queue_ms=%llu "
		"ttft_ms=%llu total_ms=%llu backend=%s\n",
		when, ts.tv_nsec / 1000000, c->peer, c->req.method[0] ? c->req.method : "-",
		c->req.path[0] ? c->req.path : "-", c->status, c->log_model ? c->log_model : "-",
		c->log_tokens, ms(c->log_queue_ns), ms(c->log_ttft_ns),
		ms(c->ready_ns && now > c->ready_ns ? now - c->ready_ns : 0), cfg.name);
}
