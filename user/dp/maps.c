// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Typed writes and reads of the data plane's maps, one entry per call. */
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
 * Recount service_ports from the services map (at most STEER_MAX_SERVICES
 * entries) and write the ports whose count changed. Counts go up before
 * a service is looked up by the program and down after it is gone, since
 * callers sync after every change.
 */
int dp_service_ports_sync(struct dp *dp)
{
	int sfd = dp_map_fd(dp, DP_MAP_SERVICES), pfd = dp_map_fd(dp, DP_MAP_SERVICE_PORTS);
	__u32 *want = calloc(65536, sizeof(*want)), *cur = calloc(65536, sizeof(*cur));
	__u32 *keys = calloc(65536, sizeof(*keys));
	__u32 port, batch = 0, count = 65536, i;
	struct steer_service_key k, next;
	void *prev = NULL;
	int err = 0;

	if (!want || !cur || !keys) {
		err = dp_fail(-ENOMEM, "out of memory");
		goto out;
	}
	while (!bpf_map_get_next_key(sfd, prev, &next)) {
		k = next;
		prev = &k;
		want[ntohs(k.port)]++;
	}
	/* what the map holds now: one batch read (the fallback: assume all differ) */
	if (!bpf_map_lookup_batch(pfd, NULL, &batch, keys, cur, &count, NULL) || errno == ENOENT) {
		for (i = 0; i < count; i++)
			if (keys[i] != i) /* arrays come back in key order */
				break;
		if (i < count)
			memset(cur, 0xff, 65536 * sizeof(*cur));
	} else {
		memset(cur, 0xff, 65536 * sizeof(*cur));
	}
	for (port = 0; port < 65536 && !err; port++) {
		if (cur[port] == want[port])
			continue;
		if (bpf_map_update_elem(pfd, &port, &want[port], BPF_ANY))
			err = dp_fail(-errno, "update of service_ports failed: %s",
					    strerror(errno));
	}
out:
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
	if (be->state > STEER_BACKEND_DOWN)
		return dp_fail(-EINVAL, "backend state %u unknown", be->state);
	return update(dp, DP_MAP_BACKENDS, &id, be, BPF_ANY);
}

int dp_backend_get(struct dp *dp, uint32_t id, struct steer_backend *be)
{
	return lookup(dp, DP_MAP_BACKENDS, &id, be);
}

int dp_backend_state_set(struct dp *dp, uint32_t id, uint8_t state)
{
	struct steer_backend be;
	int err;

	err = dp_backend_get(dp, id, &be);
	if (err)
		return err;
	if (state > STEER_BACKEND_DOWN)
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

/* ---- Maglev tables ---- */

int dp_table_build(struct dp *dp, uint32_t table_id, const uint32_t *entries,
			 uint32_t n, int *fd_out)
{
	LIBBPF_OPTS(bpf_map_create_opts, mo, .map_flags = BPF_F_INNER_MAP);
	struct steer_config cfg;
	__u32 *keys, count = n;
	char name[16];
	uint32_t i;
	int fd, err;

	*fd_out = -1;
	if (table_id >= STEER_MAX_TABLES)
		return dp_fail(-EINVAL, "table id %u out of range 0..%u", table_id,
				     STEER_MAX_TABLES - 1);
	err = dp_config_get(dp, &cfg);
	if (err)
		return err;
	if (!cfg.maglev_size || n != cfg.maglev_size)
		return dp_fail(-EINVAL, "table of %u slots, config says %u", n,
				     cfg.maglev_size);
	for (i = 0; i < n; i++)
		if (entries[i] >= STEER_MAX_BACKENDS)
			return dp_fail(-EINVAL, "slot %u: backend id %u out of range", i,
					     entries[i]);
	snprintf(name, sizeof(name), "tbl_%u", table_id);
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, name, sizeof(__u32), sizeof(__u32), n, &mo);
	if (fd < 0)
		return dp_fail(-errno, "can't create table %u: %s", table_id,
				     strerror(errno));
	keys = malloc(sizeof(*keys) * n);
	if (!keys) {
		close(fd);
		return dp_fail(-ENOMEM, "out of memory");
	}
	for (i = 0; i < n; i++)
		keys[i] = i;
	err = bpf_map_update_batch(fd, keys, entries, &count, NULL);
	if (err && errno == EINVAL) /* no batch ops: one by one */
		for (err = 0, i = 0; i < n && !err; i++)
			err = bpf_map_update_elem(fd, &keys[i], &entries[i], BPF_ANY);
	free(keys);
	if (err) {
		err = -errno;
		close(fd);
		return dp_fail(err, "can't fill table %u: %s", table_id, strerror(-err));
	}
	*fd_out = fd;
	return 0;
}

/*
 * Each outer-map update waits for an RCU grace period (the kernel makes
 * sure no program still runs with the old inner map), some 10-30 ms: a
 * batch update waits once for all.
 */
int dp_tables_swap(struct dp *dp, const uint32_t *ids, const int *fds, uint32_t n)
{
	int fd = dp_map_fd(dp, DP_MAP_TABLES);
	__u32 done = n, i;

	if (!n)
		return 0;
	if (!bpf_map_update_batch(fd, ids, fds, &done, NULL))
		return 0;
	for (i = errno == EINVAL ? 0 : done; i < n; i++)
		if (bpf_map_update_elem(fd, &ids[i], &fds[i], BPF_ANY))
			return dp_fail(-errno, "can't swap in table %u: %s", ids[i],
					     strerror(errno));
	return 0;
}

int dp_tables_del(struct dp *dp, const uint32_t *ids, uint32_t n)
{
	int fd = dp_map_fd(dp, DP_MAP_TABLES);
	__u32 done = n, i;

	if (!n)
		return 0;
	if (!bpf_map_delete_batch(fd, ids, &done, NULL))
		return 0;
	for (i = errno == EINVAL ? 0 : done; i < n; i++)
		bpf_map_delete_elem(fd, &ids[i]); /* may be gone already */
	return 0;
}

int dp_table_publish(struct dp *dp, uint32_t table_id, const uint32_t *entries,
			   uint32_t n)
{
	int fd, err;

	err = dp_table_build(dp, table_id, entries, n, &fd);
	if (err)
		return err;
	/* filled while nobody sees it, then swapped in: old table or new, never a mix */
	err = dp_tables_swap(dp, &table_id, &fd, 1);
	close(fd); /* the outer map holds it now */
	return err;
}

int dp_table_del(struct dp *dp, uint32_t table_id)
{
	return delete(dp, DP_MAP_TABLES, &table_id);
}

int dp_table_read(struct dp *dp, uint32_t table_id, uint32_t *entries, uint32_t n)
{
	__u32 id, i;
	int fd, err = 0;

	if (bpf_map_lookup_elem(dp_map_fd(dp, DP_MAP_TABLES), &table_id, &id))
		return dp_fail(-errno, "no table %u: %s", table_id, strerror(errno));
	fd = bpf_map_get_fd_by_id(id);
	if (fd < 0)
		return dp_fail(-errno, "table %u vanished: %s", table_id, strerror(errno));
	for (i = 0; i < n && !err; i++)
		if (bpf_map_lookup_elem(fd, &i, &entries[i]))
			err = dp_fail(-errno, "table %u slot %u: %s", table_id, i,
					    strerror(errno));
	close(fd);
	return err;
}

/* ---- per-CPU counters ---- */

/* Sum a per-CPU value of n u64 counters over the possible CPUs. */
static int percpu_sum(struct dp *dp, enum dp_map map, __u32 key, __u64 *out, size_t n)
{
	size_t stride = n; /* values are u64 arrays: already 8-byte aligned per CPU */
	__u64 *vals;
	int cpu;
	size_t i;

	vals = calloc((size_t)dp->ncpus * stride, sizeof(__u64));
	if (!vals)
		return dp_fail(-ENOMEM, "out of memory");
	if (bpf_map_lookup_elem(dp_map_fd(dp, map), &key, vals)) {
		int err = -errno;

		free(vals);
		return dp_fail(err, "lookup of %u in %s failed: %s", key, dp_map_name(map),
				     strerror(-err));
	}
	memset(out, 0, n * sizeof(__u64));
	for (cpu = 0; cpu < dp->ncpus; cpu++)
		for (i = 0; i < n; i++)
			out[i] += vals[cpu * stride + i];
	free(vals);
	return 0;
}

int dp_percpu_read_all(struct dp *dp, enum dp_map map, uint32_t n, size_t n_u64,
			     uint64_t *out)
{
	size_t vsz = n_u64 * (size_t)dp->ncpus, i, c, k;
	__u32 *keys = NULL, done = 0, batch = 0;
	int fd = dp_map_fd(dp, map), err = 0;
	__u64 *vals = NULL;

	if (fd < 0)
		return dp_fail(fd, "no map %d", (int)map);
	memset(out, 0, (size_t)n * n_u64 * sizeof(*out));
	if (!n)
		return 0;
	keys = calloc(n, sizeof(*keys));
	vals = calloc((size_t)n * vsz, sizeof(*vals));
	if (!keys || !vals) {
		err = dp_fail(-ENOMEM, "out of memory");
		goto out;
	}
	while (done < n) {
		__u32 count = n - done;
		int r = bpf_map_lookup_batch(fd, done ? &batch : NULL, &batch, keys + done,
					     vals + done * vsz, &count, NULL);

		if (r && errno == EINVAL && !done) {
			/* no batch ops: key by key */
			for (i = 0; i < n && !err; i++)
				err = percpu_sum(dp, map, (__u32)i, (__u64 *)(out + i * n_u64), n_u64);
			goto out;
		}
		if (r && errno != ENOENT) {
			err = dp_fail(-errno, "batch read of %s failed: %s", dp_map_name(map),
					    strerror(errno));
			goto out;
		}
		done += count;
		if (r || !count) /* ENOENT: the end of the map */
			break;
	}
	for (i = 0; i < done; i++) {
		uint64_t *o;

		if (keys[i] >= n)
			continue;
		o = out + (size_t)keys[i] * n_u64;
		for (c = 0; c < (size_t)dp->ncpus; c++)
			for (k = 0; k < n_u64; k++)
				o[k] += vals[i * vsz + c * n_u64 + k];
	}
out:
	free(keys);
	free(vals);
	return err;
}

int dp_backend_stats_read_all(struct dp *dp, struct steer_backend_stats *out)
{
	return dp_percpu_read_all(dp, DP_MAP_BACKEND_STATS, STEER_MAX_BACKENDS,
					sizeof(*out) / sizeof(__u64), (uint64_t *)out);
}

#define SUM(dp, map, key, out) \
	percpu_sum(dp, map, key, (__u64 *)(out), sizeof(*(out)) / sizeof(__u64))

int dp_reason_read(struct dp *dp, enum dp_hook hook, uint32_t reason,
			 struct steer_reason_stats *out)
{
	return SUM(dp, hook == DP_HOOK_TC ? DP_MAP_TC_REASONS : DP_MAP_XDP_REASONS,
		   reason, out);
}

int dp_backend_stats_read(struct dp *dp, uint32_t id, struct steer_backend_stats *out)
{
	return SUM(dp, DP_MAP_BACKEND_STATS, id, out);
}

int dp_tenant_stats_read(struct dp *dp, uint32_t tenant, struct steer_tenant_stats *out)
{
	return SUM(dp, DP_MAP_TENANT_STATS, tenant, out);
}

int dp_class_stats_read(struct dp *dp, uint32_t class_id, struct steer_class_stats *out)
{
	return SUM(dp, DP_MAP_CLASS_STATS, class_id, out);
}
