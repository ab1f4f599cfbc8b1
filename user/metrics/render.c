// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The renderer: the snapshot into the sections, in the main loop only.
 * The sections whose inputs did not move keep their last text (see
 * metrics.h), so a steady gateway renders little: the steerd and backend
 * sections (a few lines per backend) every round, tenants and class
 * counters when their raw counters differ, class series (ids, tables,
 * weights) when a publish wrote something or the policy changed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/internal.h"

int metrics_replace(struct metrics_cache *c, enum metrics_section sec, struct metrics_buf *nb)
{
	if (nb->oom) {
		metrics_buf_free(nb);
		return -ENOMEM;
	}
	metrics_buf_free(&c->sec[sec]);
	c->sec[sec] = *nb;
	memset(nb, 0, sizeof(*nb));
	c->valid[sec] = c->fresh[sec] = true;
	return 0;
}

int metrics_render(struct metrics_cache *c, const struct metrics_snapshot *s)
{
	unsigned long policy = s->counts.reload_ok;
	bool policy_moved = !c->valid[METRICS_SEC_CLASSES] || policy != c->policy_seen;
	bool classes_moved = policy_moved || s->counts.pub_changes != c->class_gen_seen;
	struct metrics_buf nb = { 0 };
	char **blbl;
	int err = 0, e;

	memset(c->fresh, 0, sizeof(c->fresh));
	blbl = metrics_backend_labels(s->pol);
	if (!blbl)
		return -ENOMEM;

	metrics_render_backends(&nb, s, blbl);
	err = metrics_replace(c, METRICS_SEC_BACKENDS, &nb);
	metrics_render_reasons(&nb, s);
	e = metrics_replace(c, METRICS_SEC_REASONS, &nb);
	err = err ?: e;
	e = metrics_render_tenants(c, s, policy_moved);
	err = err ?: e;
	if (classes_moved) {
		e = metrics_render_classes(c, s, blbl);
		if (!e) {
			c->class_gen_seen = s->counts.pub_changes;
			c->policy_seen = policy;
		}
		err = err ?: e;
	}
	e = metrics_render_class_counters(c, s, classes_moved);
	err = err ?: e;
	metrics_labels_free(blbl, s->pol->n_backends);

	/* last: it reports the render time of the previous call */
	metrics_render_steerd(&nb, s, c);
	e = metrics_replace(c, METRICS_SEC_STEERD, &nb);
	return err ?: e;
}

void metrics_cache_free(struct metrics_cache *c)
{
	int i;

	for (i = 0; i < METRICS_SEC__MAX; i++)
		metrics_buf_free(&c->sec[i]);
	free(c->class_hash);
	free(c->class_gen);
	free(c->rows);
	free(c->tenant_raw);
	free(c->tenant_moved);
	free(c->class_cs);
	memset(c, 0, sizeof(*c));
}
