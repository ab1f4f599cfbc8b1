// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * What the data plane already knows, so that a restart or a reload moves
 * nothing: the planner adopts the pinned classes (class and table ids),
 * and backends keep their ids.
 *
 * Stable backend ids. Conntrack pins a flow to a backend *id*; the policy
 * parser assigns ids it is not given in name order, so adding a backend
 * could renumber others and silently move their open flows. A backend the
 * data plane already knows (same address, port and family) keeps its id
 * across reloads and restarts; explicit ids always win.
 */
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>

#include "util/util.h"
#include "steerd/steerd.h"

static int cmp_backend_id(const void *a, const void *b)
{
	const struct policy_backend *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

/* The backends map, read once: known[id] (family 0: empty). */
static struct steer_backend *read_known(struct dp *dp)
{
	struct steer_backend *known = calloc(STEER_MAX_BACKENDS, sizeof(*known));

	if (known)
		dp_backends_read_all(dp, known); /* unreadable: nothing known (all zero) */
	return known;
}

static uint64_t be_hash(const uint8_t *addr, uint8_t family, uint16_t port_be)
{
	uint64_t h = util_fnv(UTIL_FNV_INIT, addr, 16);

	h = util_fnv(h, &family, sizeof(family));
	return util_fnv(h, &port_be, sizeof(port_be));
}

/* id of the first known backend at the same place and not taken, or 0. */
static uint32_t known_id(const struct steer_backend *known, const uint32_t *slots, size_t mask,
			 const struct policy_backend *b, const uint8_t *taken)
{
	uint16_t port = htons(b->port);
	size_t k;

	for (k = be_hash(b->addr, b->family, port) & mask; slots[k]; k = (k + 1) & mask) {
		const struct steer_backend *be = &known[slots[k]];

		if (!taken[slots[k]] && be->family == b->family && be->port == port &&
		    !memcmp(be->addr, b->addr, 16))
			return slots[k];
	}
	return 0;
}

int steerd_stable_ids(struct dp *dp, struct policy *p)
{
	size_t mask = 2 * STEER_MAX_BACKENDS - 1, i, k;
	uint8_t *taken = calloc(STEER_MAX_BACKENDS, 1);
	bool *done = calloc(p->n_backends + 1, sizeof(*done));
	uint32_t *slots = calloc(mask + 1, sizeof(*slots));
	struct steer_backend *known = read_known(dp);
	uint32_t id, next = 1;

	if (!taken || !done || !slots || !known) {
		free(taken);
		free(done);
		free(slots);
		free(known);
		return -1;
	}
	for (id = 1; id < STEER_MAX_BACKENDS; id++) {
		if (!known[id].family)
			continue;
		k = be_hash(known[id].addr, known[id].family, known[id].port) & mask;
		while (slots[k])
			k = (k + 1) & mask;
		slots[k] = id;
	}
	for (i = 0; i < p->n_backends; i++)
		if (p->backends[i].id_explicit) {
			taken[p->backends[i].id] = 1;
			done[i] = true;
		}
	for (i = 0; i < p->n_backends; i++) {
		if (done[i])
			continue;
		id = known_id(known, slots, mask, &p->backends[i], taken);
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
	free(slots);
	free(known);
	return 0;
}

int steerd_policy_ids(struct dp *dp, const struct policy *old, struct policy *p)
{
	int err = steerd_stable_ids(dp, p);

	return err ? err : steerd_stable_tenant_ids(dp, old, p);
}

int steerd_planner_adopt(struct steerd *d)
{
	struct steer_class_key *keys = calloc(STEER_MAX_CLASSES, sizeof(*keys));
	struct steer_class *vals = calloc(STEER_MAX_CLASSES, sizeof(*vals));
	struct steer_config cfg = { 0 }, *have = NULL;
	size_t n = STEER_MAX_CLASSES;
	int err = -ENOMEM;

	if (!keys || !vals)
		goto out;
	if (!d->dp) {
		err = engine_planner_adopt(d->planner, NULL, keys, vals, 0); /* nothing known */
		goto out;
	}
	if (!dp_config_get(d->dp, &cfg))
		have = &cfg;
	err = dp_map_read(d->dp, DP_MAP_CLASSES, keys, vals, &n);
	if (!err)
		err = engine_planner_adopt(d->planner, have, keys, vals, n);
	if (err)
		log_error("adopting the pinned classes: %s", strerror(-err));
out:
	free(keys);
	free(vals);
	return err;
}
