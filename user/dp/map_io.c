// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Whole-map reads and writes with the batch syscalls, and the fallback
 * for kernels without them (BPF_MAP_*_BATCH came with 5.6; some map types
 * gained them later): the one place where map contents move in bulk.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "dp/dp.h"
#include "dp/internal.h"

#ifndef ENOTSUPP
#define ENOTSUPP 524 /* the kernel's own code, not in libc's errno.h */
#endif

/* The kernel has no batch op for this map (or at all): go key by key. */
static bool no_batch(int err)
{
	return err == EINVAL || err == ENOTSUPP || err == EOPNOTSUPP || err == ENOSYS;
}

static int read_by_key(struct dp *dp, enum dp_map m, void *keys, void *vals, size_t *n)
{
	size_t ks = dp->maps[m].key_size, vs = dp->maps[m].value_size, room = *n, got = 0;
	int fd = dp->maps[m].fd;
	char cur[64], next[64];
	void *prev = NULL;

	if (ks > sizeof(cur))
		return dp_fail(-EINVAL, "map %s: key of %zu bytes", dp_map_name(m), ks);
	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(cur, next, ks);
		prev = cur;
		if (got == room) {
			*n = got;
			return -ENOSPC;
		}
		if (bpf_map_lookup_elem(fd, cur, (char *)vals + got * vs))
			continue; /* deleted meanwhile */
		memcpy((char *)keys + got * ks, cur, ks);
		got++;
	}
	*n = got;
	return 0;
}

int dp_map_read(struct dp *dp, enum dp_map m, void *keys, void *vals, size_t *n)
{
	size_t ks, vs, room = *n, done = 0;
	__u64 batch = 0; /* the token is as big as the key at most: 64 bits covers ours */
	int fd = dp_map_fd(dp, m);

	if (fd < 0)
		return dp_fail(fd, "no map %d", (int)m);
	ks = dp->maps[m].key_size;
	vs = dp->maps[m].value_size;
	while (done < room) {
		__u32 count = (__u32)(room - done);
		int r = bpf_map_lookup_batch(fd, done ? &batch : NULL, &batch,
					     (char *)keys + done * ks, (char *)vals + done * vs,
					     &count, NULL);

		if (r && no_batch(errno) && !done)
			return read_by_key(dp, m, keys, vals, n);
		if (r && errno != ENOENT)
			return dp_fail(-errno, "batch read of %s failed: %s", dp_map_name(m),
				       strerror(errno));
		done += count;
		if (r) { /* ENOENT: the end of the map */
			*n = done;
			return 0;
		}
	}
	*n = done;
	/* full, and the kernel did not say "end": is there more? (never for a
	 * room as large as the map) */
	if (done == room && room < dp->maps[m].max_entries) {
		char k[64], v[256];
		__u32 one = 1;

		if (ks > sizeof(k) || vs > sizeof(v))
			return -ENOSPC;
		if (!bpf_map_lookup_batch(fd, &batch, &batch, k, v, &one, NULL) || one)
			return -ENOSPC;
	}
	return 0;
}

int dp_map_write(struct dp *dp, enum dp_map m, const void *keys, const void *vals, size_t n)
{
	size_t ks, vs, i;
	int fd = dp_map_fd(dp, m);
	__u32 done = (__u32)n;

	if (fd < 0)
		return dp_fail(fd, "no map %d", (int)m);
	if (!n)
		return 0;
	ks = dp->maps[m].key_size;
	vs = dp->maps[m].value_size;
	if (!bpf_map_update_batch(fd, keys, vals, &done, NULL))
		return 0;
	/* no batch support (count 0), or a partial batch: the rest one by one */
	for (i = no_batch(errno) ? 0 : done; i < n; i++)
		if (bpf_map_update_elem(fd, (const char *)keys + i * ks,
					(const char *)vals + i * vs, BPF_ANY))
			return dp_fail(-errno, "update of map %s failed: %s", dp_map_name(m),
				       strerror(errno));
	return 0;
}

int dp_map_delete(struct dp *dp, enum dp_map m, const void *keys, size_t n)
{
	int fd = dp_map_fd(dp, m);
	__u32 done = (__u32)n;
	size_t ks, i;

	if (fd < 0)
		return dp_fail(fd, "no map %d", (int)m);
	if (!n)
		return 0;
	ks = dp->maps[m].key_size;
	if (!bpf_map_delete_batch(fd, keys, &done, NULL))
		return 0;
	/* ENOENT stops a batch at a missing key: delete what is left one by one */
	for (i = no_batch(errno) ? 0 : done; i < n; i++)
		if (bpf_map_delete_elem(fd, (const char *)keys + i * ks) && errno != ENOENT)
			return dp_fail(-errno, "delete from map %s failed: %s", dp_map_name(m),
				       strerror(errno));
	return 0;
}
