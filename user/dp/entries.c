// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Typed writes and reads of single map entries, each one checked first. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dp/dp.h"
#include "dp/internal.h"


static int update(const struct dp *dp, enum dp_map map, const void *key, const void *val,
		  __u64 flags)
{
	if (bpf_map_update_elem(dp_map_fd(dp, map), key, val, flags))
		return dp_fail(-errno, "update of map %s failed: %s", dp_map_name(map), strerror(errno));
	return 0;
}

static int lookup(const struct dp *dp, enum dp_map map, const void *key, void *val)
{
	if (bpf_map_lookup_elem(dp_map_fd(dp, map), key, val))
		return dp_fail(-errno, "lookup in map %s failed: %s", dp_map_name(map), strerror(errno));
	return 0;
}

static int delete(const struct dp *dp, enum dp_map map, const void *key)
{
	if (bpf_map_delete_elem(dp_map_fd(dp, map), key))
		return dp_fail(-errno, "delete from map %s failed: %s", dp_map_name(map), strerror(errno));
	return 0;
}

int dp_config_set(struct dp *dp, const struct steer_config *cfg)
{
	__u32 zero = 0;

	if (cfg->maglev_size < 3 || cfg->maglev_size > STEER_MAGLEV_MAX)
		return dp_fail(-EINVAL, "maglev_size %u out of range 3..%u",
				     cfg->maglev_size, STEER_MAGLEV_MAX);
	return update(dp, DP_MAP_CONFIG, &zero, cfg, BPF_ANY);
}

int dp_config_get(struct dp *dp, struct steer_config *cfg)
{
	__u32 zero = 0;

	return lookup(dp, DP_MAP_CONFIG, &zero, cfg);
}

static int check_family(uint8_t family)
{
	if (family != STEER_AF_INET && family != STEER_AF_INET6)
		return dp_fail(-EINVAL, "address family %u is neither 4 nor 6", family);
	return 0;
}

/*
 * service_list := the TCP services of svc[n], then empty entries (the
 * program stops at the first). Written whole: a packet meeting the list
 * half rewritten may miss a half-open flow's SYN+ACK, which the backend
 * sends again.
 */
static int service_list_write(struct dp *dp, const struct steer_service_key *svc, size_t n)
{
	struct steer_service_key *list = calloc(STEER_MAX_SERVICES, sizeof(*list));
	uint32_t *idx = calloc(STEER_MAX_SERVICES, sizeof(*idx));
	size_t i, k = 0;
	int err = -ENOMEM;

	if (list && idx) {
		for (i = 0; i < n && i < STEER_MAX_SERVICES; i++)
			if (svc[i].proto == STEER_PROTO_TCP)
				list[k++] = svc[i];
		for (i = 0; i < STEER_MAX_SERVICES; i++)
			idx[i] = (uint32_t)i;
		err = dp_map_write(dp, DP_MAP_SERVICE_LIST, idx, list, STEER_MAX_SERVICES);
	}
	free(list);
	free(idx);
	return err;
}

/*
 * Recount service_ports from the services map (at most STEER_MAX_SERVICES
 * entries) and write the ports whose count changed; rewrite service_list.
 * Counts go up before a service is looked up by the program and down
 * after it is gone, since callers sync after every change.
 */
int dp_service_ports_sync(struct dp *dp)
{
	struct steer_service_key *svc = calloc(STEER_MAX_SERVICES, sizeof(*svc));
	struct steer_service *vals = calloc(STEER_MAX_SERVICES, sizeof(*vals));
	uint32_t *want = calloc(65536, sizeof(*want)), *cur = calloc(65536, sizeof(*cur));
	uint32_t *keys = calloc(65536, sizeof(*keys));
	size_t n = STEER_MAX_SERVICES, n_cur = 65536, n_put = 0, i;
	int err = -ENOMEM;

	if (!svc || !vals || !want || !cur || !keys)
		goto out;
	err = dp_map_read(dp, DP_MAP_SERVICES, svc, vals, &n);
	if (err)
		goto out;
	for (i = 0; i < n; i++)
		want[ntohs(svc[i].port)]++;
	/* what the map holds now (an array: every key, in order) */
	err = dp_map_read(dp, DP_MAP_SERVICE_PORTS, keys, cur, &n_cur);
	if (err)
		goto out;
	if (n_cur != 65536)
		memset(cur, 0xff, 65536 * sizeof(*cur)); /* unexpected: rewrite all */
	for (i = 0; i < 65536; i++) {
		if (cur[i] == want[i])
			continue;
		keys[n_put] = (uint32_t)i;
		cur[n_put++] = want[i]; /* cur[] is read up to i only: reuse it */
	}
	err = dp_map_write(dp, DP_MAP_SERVICE_PORTS, keys, cur, n_put);
	if (!err)
		err = service_list_write(dp, svc, n);
out:
	if (err == -ENOMEM)
		dp_fail(err, "out of memory");
	free(svc);
	free(vals);
	free(want);
	free(cur);
	free(keys);
	return err;
}

int dp_service_put(struct dp *dp, const struct steer_service_key *key,
			 const struct steer_service *svc)
{
	if (check_family(key->family))
		return -EINVAL;
	if (key->proto != STEER_PROTO_TCP && key->proto != STEER_PROTO_UDP)
		return dp_fail(-EINVAL, "service protocol %u is neither tcp nor udp",
				     key->proto);
	if (svc->default_task >= STEER_MAX_TASKS)
		return dp_fail(-EINVAL, "task %u out of range 0..%u", svc->default_task,
				     STEER_MAX_TASKS - 1);
	return update(dp, DP_MAP_SERVICES, key, svc, BPF_ANY);
}

int dp_service_set(struct dp *dp, const struct steer_service_key *key,
			 const struct steer_service *svc)
{
	int err = dp_service_put(dp, key, svc);

	return err ? err : dp_service_ports_sync(dp);
}

int dp_service_del(struct dp *dp, const struct steer_service_key *key)
{
	int err = delete(dp, DP_MAP_SERVICES, key);

	return err ? err : dp_service_ports_sync(dp);
}

int dp_tenant_prefix_set(struct dp *dp, uint8_t family, const void *addr,
			       uint32_t prefixlen, uint32_t tenant)
{
	if (tenant >= STEER_MAX_TENANTS)
		return dp_fail(-EINVAL, "tenant %u out of range 0..%u", tenant,
				     STEER_MAX_TENANTS - 1);
	if (family == STEER_AF_INET) {
		struct steer_lpm_v4_key k = { .prefixlen = prefixlen };

		if (prefixlen > 32)
			return dp_fail(-EINVAL, "IPv4 prefix length %u > 32", prefixlen);
		memcpy(k.addr, addr, 4);
		return update(dp, DP_MAP_TENANTS_V4, &k, &tenant, BPF_ANY);
	}
	if (family == STEER_AF_INET6) {
		struct steer_lpm_v6_key k = { .prefixlen = prefixlen };

		if (prefixlen > 128)
			return dp_fail(-EINVAL, "IPv6 prefix length %u > 128", prefixlen);
		memcpy(k.addr, addr, 16);
		return update(dp, DP_MAP_TENANTS_V6, &k, &tenant, BPF_ANY);
	}
	return check_family(family);
}

int dp_tenant_prefix_del(struct dp *dp, uint8_t family, const void *addr,
			       uint32_t prefixlen)
{
	if (family == STEER_AF_INET) {
		struct steer_lpm_v4_key k = { .prefixlen = prefixlen };

		memcpy(k.addr, addr, 4);
		return delete(dp, DP_MAP_TENANTS_V4, &k);
	}
	if (family == STEER_AF_INET6) {
		struct steer_lpm_v6_key k = { .prefixlen = prefixlen };

		memcpy(k.addr, addr, 16);
		return delete(dp, DP_MAP_TENANTS_V6, &k);
	}
	return check_family(family);
}

int dp_tenant_cfg_set(struct dp *dp, uint32_t tenant,
			    const struct steer_tenant_cfg *cfg, bool reset_bucket)
{
	int err;

	if (tenant >= STEER_MAX_TENANTS)
		return dp_fail(-EINVAL, "tenant %u out of range 0..%u", tenant,
				     STEER_MAX_TENANTS - 1);
	err = update(dp, DP_MAP_TENANT_CFG, &tenant, cfg, BPF_ANY);
	if (err || !reset_bucket)
		return err;
	{
		/*
		 * last_ns = 0 makes the program refill the bucket to full on
		 * the next new flow. BPF_F_LOCK copies under the value's spin
		 * lock; `active` is kept as read (a flow opening or closing in
		 * this instant may be miscounted by one; steerd reconciles).
		 */
		struct steer_tenant_state st;

		if (bpf_map_lookup_elem_flags(dp_map_fd(dp, DP_MAP_TENANT_STATE), &tenant, &st,
					      BPF_F_LOCK))
			return dp_fail(-errno, "lookup in tenant_state failed: %s",
					     strerror(errno));
		st.tokens_nano = 0;
		st.last_ns = 0;
		return update(dp, DP_MAP_TENANT_STATE, &tenant, &st, BPF_F_LOCK);
	}
}

int dp_backend_set(struct dp *dp, uint32_t id, const struct steer_backend *be)
{
	if (id == STEER_NO_BACKEND || id >= STEER_MAX_BACKENDS)
		return dp_fail(-EINVAL, "backend id %u out of range 1..%u", id,
				     STEER_MAX_BACKENDS - 1);
	if (check_family(be->family))
		return -EINVAL;
	if (be->state > STEER_BACKEND_FAILING)
		return dp_fail(-EINVAL, "backend state %u unknown", be->state);
	return update(dp, DP_MAP_BACKENDS, &id, be, BPF_ANY);
}

int dp_backend_get(struct dp *dp, uint32_t id, struct steer_backend *be)
{
	return lookup(dp, DP_MAP_BACKENDS, &id, be);
}

int dp_backends_read_all(struct dp *dp, struct steer_backend *out)
{
	struct steer_backend *vals = calloc(STEER_MAX_BACKENDS, sizeof(*vals));
	uint32_t *keys = calloc(STEER_MAX_BACKENDS, sizeof(*keys));
	size_t n = STEER_MAX_BACKENDS, i;
	int err = -ENOMEM;

	memset(out, 0, STEER_MAX_BACKENDS * sizeof(*out));
	if (vals && keys)
		err = dp_map_read(dp, DP_MAP_BACKENDS, keys, vals, &n);
	for (i = 0; !err && i < n; i++)
		if (keys[i] < STEER_MAX_BACKENDS)
			out[keys[i]] = vals[i];
	free(vals);
	free(keys);
	return err;
}

int dp_backend_state_set(struct dp *dp, uint32_t id, uint8_t state)
{
	struct steer_backend be;
	int err;

	err = dp_backend_get(dp, id, &be);
	if (err)
		return err;
	if (state > STEER_BACKEND_FAILING)
		return dp_fail(-EINVAL, "backend state %u unknown", state);
	be.state = state;
	return update(dp, DP_MAP_BACKENDS, &id, &be, BPF_ANY);
}

int dp_class_set_family(struct dp *dp, uint32_t tenant, uint32_t task,
			      uint8_t family, const struct steer_class *cls)
{
	struct steer_class_key k = { .tenant = tenant, .task = (__u16)task, .family = family };

	if (check_family(family))
		return -EINVAL;
	if (tenant >= STEER_MAX_TENANTS || task >= STEER_MAX_TASKS)
		return dp_fail(-EINVAL, "class (tenant %u, task %u) out of range", tenant,
				     task);

	if (cls->class_id >= STEER_MAX_CLASSES)
		return dp_fail(-EINVAL, "class id %u out of range 0..%u", cls->class_id,
				     STEER_MAX_CLASSES - 1);
	if (cls->table_id >= STEER_MAX_TABLES)
		return dp_fail(-EINVAL, "table id %u out of range 0..%u", cls->table_id,
				     STEER_MAX_TABLES - 1);
	if (cls->action > STEER_ACTION_REJECT)
		return dp_fail(-EINVAL, "class action %u unknown", cls->action);
	return update(dp, DP_MAP_CLASSES, &k, cls, BPF_ANY);
}

int dp_class_del_family(struct dp *dp, uint32_t tenant, uint32_t task,
			      uint8_t family)
{
	struct steer_class_key k = { .tenant = tenant, .task = (__u16)task, .family = family };

	return delete(dp, DP_MAP_CLASSES, &k);
}

int dp_class_set(struct dp *dp, uint32_t tenant, uint32_t task,
		       const struct steer_class *cls)
{
	return dp_class_set_family(dp, tenant, task, STEER_AF_INET, cls) ?:
	       dp_class_set_family(dp, tenant, task, STEER_AF_INET6, cls);
}

int dp_class_del(struct dp *dp, uint32_t tenant, uint32_t task)
{
	int e4 = dp_class_del_family(dp, tenant, task, STEER_AF_INET);
	int e6 = dp_class_del_family(dp, tenant, task, STEER_AF_INET6);

	return e4 && e6 ? e4 : 0;
}
