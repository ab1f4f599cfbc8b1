// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The per-CPU counters (reasons, backends, tenants, classes), summed over CPUs. */
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
	struct dp_map_cursor cur = { 0 };
	size_t vsz = n_u64 * (size_t)dp->ncpus, done = 0, got, i, c, k;
	__u32 *keys = NULL;
	__u64 *vals = NULL;
	int err = 0;

	if (dp_map_fd(dp, map) < 0)
		return dp_fail(-EINVAL, "no map %d", (int)map);
	if (dp->maps[map].value_stride != vsz * sizeof(__u64))
		return dp_fail(-EINVAL, "map %s: values are not %zu u64 per CPU", dp_map_name(map),
			       n_u64);
	memset(out, 0, (size_t)n * n_u64 * sizeof(*out));
	if (!n)
		return 0;
	keys = calloc(n, sizeof(*keys));
	vals = calloc((size_t)n * vsz, sizeof(*vals));
	if (!keys || !vals) {
		err = dp_fail(-ENOMEM, "out of memory");
		goto out;
	}
	/* keys 0..n-1 of an array: the first n, page by page */
	while (done < n && !cur.done) {
		got = n - done;
		err = dp_map_page(dp, map, &cur, keys + done, vals + done * vsz, &got);
		if (err)
			goto out;
		done += got;
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

int dp_backend_stats_read_all(struct dp *dp, uint32_t n, struct steer_backend_stats *out)
{
	return dp_percpu_read_all(dp, DP_MAP_BACKEND_STATS,
				  n < STEER_MAX_BACKENDS ? n : STEER_MAX_BACKENDS,
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
