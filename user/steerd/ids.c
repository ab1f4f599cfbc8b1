// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Stable backend ids. Conntrack pins a flow to a backend *id*; the policy
 * parser assigns ids it is not given in name order, so adding a backend
 * could renumber others and silently move their open flows. A backend the
 * data plane already knows (same address, port and family) keeps its id
 * across reloads and restarts; explicit ids always win.
 */
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "log.h"
#include "steerd.h"

static int cmp_backend_id(const void *a, const void *b)
{
	const struct steer_pol_backend *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

static uint32_t known_id(struct steer_dp *dp, const struct steer_pol_backend *b,
			 const uint8_t *taken)
{
	uint32_t id;

	for (id = 1; id < STEER_MAX_BACKENDS; id++) {
		struct steer_backend be;

		if (taken[id] || steer_dp_backend_get(dp, id, &be) || !be.family)
			continue;
		if (be.family == b->family && be.port == htons(b->port) &&
		    !memcmp(be.addr, b->addr, 16))
			return id;
	}
	return 0;
}

int steerd_stable_ids(struct steer_dp *dp, struct steer_policy *p)
{
	uint8_t *taken = calloc(STEER_MAX_BACKENDS, 1);
	bool *done = calloc(p->n_backends + 1, sizeof(*done));
	uint32_t id, next = 1;
	size_t i;

	if (!taken || !done) {
		free(taken);
		free(done);
		return -1;
	}
	for (i = 0; i < p->n_backends; i++)
		if (p->backends[i].id_explicit) {
			taken[p->backends[i].id] = 1;
			done[i] = true;
		}
	for (i = 0; i < p->n_backends; i++) {
		if (done[i])
			continue;
		id = known_id(dp, &p->backends[i], taken);
		if (!id)
			continue;
		if (id != p->backends[i].id)
			log_info("backend %s keeps id %u (the data plane knows it)",
				 p->backends[i].name, id);
		p->backends[i].id = id;
		taken[id] = 1;
		done[i] = true;
	}
	for (i = 0; i < p->n_backends; i++) {
		if (done[i])
			continue;
		if (taken[p->backends[i].id]) {
			while (next < STEER_MAX_BACKENDS && taken[next])
				next++;
			p->backends[i].id = next;
		}
		taken[p->backends[i].id] = 1;
	}
	qsort(p->backends, p->n_backends, sizeof(*p->backends), cmp_backend_id);
	free(taken);
	free(done);
	return 0;
}
