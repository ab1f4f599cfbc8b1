// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Publishing the policy-level maps: config, backends, tenants, services. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>

#include "engine/internal.h"
#include "util/util.h"

int engine_pub_config(struct dp *dp, const struct policy *p, bool *resized)
{
	struct steer_config cur = { 0 }, want = { 0 };

	want.maglev_size = p->maglev_size;
	want.hash_seed = p->hash_seed;
	want.udp_idle_ns = (uint64_t)p->udp_idle_ms * 1000000ULL;
	*resized = false;
	if (!dp_config_get(dp, &cur) && !memcmp(&cur, &want, sizeof(cur)))
		return 0;
	*resized = cur.maglev_size && cur.maglev_size != want.maglev_size;
	return dp_config_set(dp, &want);
}

static void backend_want(const struct policy_backend *b, const struct engine_live *l,
			 struct steer_backend *be)
{
	memset(be, 0, sizeof(*be));
	memcpy(be->addr, b->addr, 16);
	be->port = htons(b->port);
	be->family = b->family;
	be->state = engine_pub_backend_state(l);
}

int engine_pub_backends(struct dp *dp, const struct policy *p, const struct engine_live *live,
		 struct steer_backend *cache, bool *known, unsigned int *written)
{
	size_t i;
	int err;

	for (i = 0; i < p->n_backends; i++) {
		uint32_t id = p->backends[i].id;
		struct steer_backend be;

		backend_want(&p->backends[i], &live[i], &be);
		if (known[id] && !memcmp(&cache[id], &be, sizeof(be)))
			continue;
		err = dp_backend_set(dp, id, &be);
		if (err)
			return err;
		cache[id] = be;
		known[id] = true;
		(*written)++;
	}
	return 0;
}

int engine_pub_backends_retire(struct dp *dp, const struct policy *p,
			struct steer_backend *cache, bool *known, unsigned int *written)
{
	uint8_t *in_policy = calloc(STEER_MAX_BACKENDS, 1);
	uint32_t id;
	size_t i;
	int err = 0;

	if (!in_policy)
		return -ENOMEM;
	for (i = 0; i < p->n_backends; i++)
		in_policy[p->backends[i].id] = 1;
	for (id = 1; id < STEER_MAX_BACKENDS && !err; id++) {
		struct steer_backend be;

		if (!known[id] || in_policy[id])
			continue;
		/* its flows re-steer on their next packet; no table names it now */
		be = cache[id];
		be.state = STEER_BACKEND_UNUSED;
		if (bpf_map_update_elem(dp_map_fd(dp, DP_MAP_BACKENDS), &id, &be, BPF_ANY))
			err = -errno;
		known[id] = false;
		(*written)++;
	}
	free(in_policy);
	return err;
}

/* Does the policy map this prefix to tenant id? (-1: not at all) */
static long prefix_owner(const struct policy *p, uint8_t family, const uint8_t *addr,
			 uint32_t len)
{
	size_t i, j;

	for (i = 0; i < p->n_tenants; i++)
		for (j = 0; j < p->tenants[i].n_prefixes; j++) {
			const struct policy_prefix *x = &p->tenants[i].prefixes[j];

			if (x->family == family && x->len == len &&
			    !memcmp(x->addr, addr, family == STEER_AF_INET ? 4 : 16))
				return p->tenants[i].id;
		}
	return -1;
}

/* Remove trie entries the policy no longer has (or maps elsewhere). */
static int prune_prefixes(struct dp *dp, const struct policy *p, uint8_t family)
{
	enum dp_map map = family == STEER_AF_INET ? DP_MAP_TENANTS_V4 : DP_MAP_TENANTS_V6;
	int fd = dp_map_fd(dp, map);
	struct steer_lpm_v6_key key, next; /* large enough for both */
	uint8_t dead[64][20];
	size_t n_dead = 0, i;
	void *prev = NULL;
	uint32_t val;

	do {
		n_dead = 0;
		prev = NULL;
		while (n_dead < 64 && !bpf_map_get_next_key(fd, prev, &next)) {
			key = next;
			prev = &key;
			if (bpf_map_lookup_elem(fd, &key, &val))
				continue;
			if (prefix_owner(p, family, key.addr, key.prefixlen) != (long)val)
				memcpy(dead[n_dead++], &key, sizeof(dead[0]));
		}
		for (i = 0; i < n_dead; i++)
			bpf_map_delete_elem(fd, dead[i]);
	} while (n_dead == 64);
	return 0;
}

int engine_pub_tenants(struct dp *dp, const struct policy *p, unsigned int *written)
{
	int cfg_fd = dp_map_fd(dp, DP_MAP_TENANT_CFG);
	size_t i, j;
	int err;

	for (i = 0; i < p->n_tenants; i++) {
		const struct policy_tenant *t = &p->tenants[i];
		struct steer_tenant_cfg want = { t->rate, t->burst, t->max_conns, t->priority };
		struct steer_tenant_cfg cur;
		uint32_t id = t->id;

		if (bpf_map_lookup_elem(cfg_fd, &id, &cur) || memcmp(&cur, &want, sizeof(cur))) {
			bool reset = cur.rate != want.rate || cur.burst != want.burst;

			err = dp_tenant_cfg_set(dp, id, &want, reset);
			if (err)
				return err;
			(*written)++;
		}
		for (j = 0; j < t->n_prefixes; j++) {
			const struct policy_prefix *x = &t->prefixes[j];

			err = dp_tenant_prefix_set(dp, x->family, x->addr, x->len, id);
			if (err)
				return err;
		}
	}
	prune_prefixes(dp, p, STEER_AF_INET);
	prune_prefixes(dp, p, STEER_AF_INET6);
	return 0;
}

static void service_key(const struct policy_service *s, struct steer_service_key *k)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->addr, s->addr, 16);
	k->port = htons(s->port);
	k->proto = s->proto;
	k->family = s->family;
}

int engine_pub_services(struct dp *dp, const struct policy *p, unsigned int *written)
{
	int fd = dp_map_fd(dp, DP_MAP_SERVICES);
	struct steer_service_key key, next, dead[64];
	size_t i, n_dead;
	void *prev;
	int err;

	for (i = 0; i < p->n_services; i++) {
		struct steer_service want = { 0 }, cur;

		service_key(&p->services[i], &key);
		want.service_id = p->services[i].id;
		want.default_task = p->services[i].task;
		if (!bpf_map_lookup_elem(fd, &key, &cur) && !memcmp(&cur, &want, sizeof(cur)))
			continue;
		err = dp_service_put(dp, &key, &want); /* synced once below */
		if (err)
			return err;
		(*written)++;
	}
	do {
		n_dead = 0;
		prev = NULL;
		while (n_dead < 64 && !bpf_map_get_next_key(fd, prev, &next)) {
			bool keep = false;

			key = next;
			prev = &key;
			for (i = 0; i < p->n_services && !keep; i++) {
				struct steer_service_key k;

				service_key(&p->services[i], &k);
				keep = !memcmp(&k, &key, sizeof(k));
			}
			if (!keep)
				dead[n_dead++] = key;
		}
		for (i = 0; i < n_dead; i++) {
			bpf_map_delete_elem(fd, &dead[i]);
			(*written)++;
		}
	} while (n_dead == 64);
	return dp_service_ports_sync(dp);
}

uint64_t engine_pub_policy_sig(const struct policy *p)
{
	uint64_t h = UTIL_FNV_INIT;
	size_t i, j;

	for (i = 0; i < p->n_tenants; i++) {
		const struct policy_tenant *t = &p->tenants[i];
		uint32_t v[5] = { t->id, t->rate, t->burst, t->max_conns, t->priority };

		h = util_fnv(h, v, sizeof(v));
		for (j = 0; j < t->n_prefixes; j++) {
			h = util_fnv(h, t->prefixes[j].addr, 16);
			h = util_fnv(h, &t->prefixes[j].family, 1);
			h = util_fnv(h, &t->prefixes[j].len, 4);
		}
	}
	for (i = 0; i < p->n_services; i++) {
		const struct policy_service *s = &p->services[i];

		h = util_fnv(h, s->addr, 16);
		h = util_fnv(h, &s->port, 2);
		h = util_fnv(h, &s->proto, 1);
		h = util_fnv(h, &s->family, 1);
		h = util_fnv(h, &s->task, 4);
		h = util_fnv(h, &s->id, 4);
	}
	return h ? h : 1;
}
