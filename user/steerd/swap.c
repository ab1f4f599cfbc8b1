// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * A new policy comes into effect one way, whether from the file (start,
 * reload) or from steerctl: loaded and validated, backend ids kept where
 * the data plane knows them, tracking carried over by name, probe targets
 * rebuilt, a decision forced.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "steerd/steerd.h"
#include "util/util.h"

static void emit_stderr(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, "%s\n", line);
}

static void emit_log(void *ctx, const char *line)
{
	(void)ctx;
	log_error("%s", line);
}

struct errs_buf {
	char *buf;
	size_t len, used;
};

/* Log the line and append it to the buffer (what fits; a "..." line ends a cut list). */
static void emit_log_buf(void *ctx, const char *line)
{
	struct errs_buf *b = ctx;
	size_t n = strlen(line);

	log_error("%s", line);
	if (b->used + n + 2 <= b->len) {
		memcpy(b->buf + b->used, line, n);
		b->used += n;
		b->buf[b->used++] = '\n';
		b->buf[b->used] = '\0';
	} else if (b->used + 5 <= b->len && (b->used < 4 || strcmp(b->buf + b->used - 4, "...\n"))) {
		memcpy(b->buf + b->used, "...\n", 5);
		b->used += 4;
	}
}

int steerd_policy_load_errs(const char *path, struct policy *p, char *errs, size_t len)
{
	struct policy_errors pe;
	struct errs_buf b = { errs, len, 0 };

	if (!errs || !len)
		return steerd_policy_load(path, p, false);
	errs[0] = '\0';
	memset(&pe, 0, sizeof(pe));
	if (policy_load(path, p, &pe) < 0) {
		policy_errors_report(&pe, path, emit_log_buf, &b);
		if (b.used && errs[b.used - 1] == '\n')
			errs[--b.used] = '\0';
		return -EINVAL;
	}
	return 0;
}

int steerd_policy_load(const char *path, struct policy *p, bool to_stderr)
{
	struct policy_errors errs;

	memset(&errs, 0, sizeof(errs));
	if (policy_load(path, p, &errs) < 0) {
		policy_errors_report(&errs, path, to_stderr ? emit_stderr : emit_log, NULL);
		return -EINVAL;
	}
	return 0;
}

int steerd_policy_swap(struct steerd *d, struct policy *np)
{
	struct policy old;
	int err;

	err = steerd_policy_ids(d->dp, &d->pol, np);
	if (err) {
		policy_free(np);
		return err;
	}
	old = d->pol;
	d->pol = *np;
	err = steerd_track_init(d, d->track, &old);
	if (err) {
		d->pol = old;
		policy_free(np);
		return err;
	}
	policy_free(&old);
	steerd_targets_build(d);
	d->dirty = true;
	d->force = true;
	d->next_round_ms = 0; /* probe the new set now */
	return 0;
}

void steerd_targets_build(struct steerd *d)
{
	size_t i;

	free(d->targets);
	d->targets = calloc(d->pol.n_backends + 1, sizeof(*d->targets));
	if (!d->targets)
		return;
	for (i = 0; i < d->pol.n_backends; i++) {
		const struct policy_backend *b = &d->pol.backends[i];

		d->targets[i].health_url = b->health_url;
		d->targets[i].metrics_url = b->metrics_url;
		d->targets[i].names = b->profile == POLICY_METRICS_NONE ? NULL : &b->metrics;
	}
}
