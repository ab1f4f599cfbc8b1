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

/* The next page key by key: the fallback without batch ops. */
static int page_by_key(struct dp *dp, enum dp_map m, struct dp_map_cursor *c, char *keys,
		       char *vals, size_t *n)
{
	size_t ks = dp->maps[m].key_size, vs = dp->maps[m].value_stride, room = *n, got = 0;
	int fd = dp->maps[m].fd;
	char next[sizeof(c->last_key)];

	if (ks > sizeof(c->last_key))
		return dp_fail(-EINVAL, "map %s: key of %zu bytes", dp_map_name(m), ks);
	while (got < room) {
		if (bpf_map_get_next_key(fd, c->started ? c->last_key : NULL, next)) {
			c->done = true;
			break;
		}
		memcpy(c->last_key, next, ks);
		c->started = true;
		if (bpf_map_lookup_elem(fd, next, vals + got * vs))
			continue; /* deleted meanwhile */
		memcpy(keys + got * ks, next, ks);
		got++;
	}
	*n = got;
	return 0;
}

int dp_map_page(struct dp *dp, enum dp_map m, struct dp_map_cursor *c, void *keys, void *vals,
		size_t *n)
{
	int fd = dp_map_fd(dp, m);
	__u32 count;
	int r;

	if (fd < 0)
		return dp_fail(fd, "no map %d", (int)m);
	if (c->done || !*n) {
		*n = 0;
		return 0;
	}
	if (c->by_key)
		return page_by_key(dp, m, c, keys, vals, n);
	count = (__u32)*n;
	r = bpf_map_lookup_batch(fd, c->started ? &c->token : NULL, &c->token, keys, vals, &count,
				 NULL);
	if (r && no_batch(errno) && !c->started) {
		c->by_key = true;
		return page_by_key(dp, m, c, keys, vals, n);
	}
	if (r && errno != ENOENT) {
		*n = 0;
		return dp_fail(-errno, "batch read of %s failed: %s", dp_map_name(m),
			       strerror(errno));
	}
	c->started = true;
	c->done = r != 0 || !count; /* ENOENT: the end of the map */
	*n = count;
	return 0;
}

int dp_map_read(struct dp *dp, enum dp_map m, void *keys, void *vals, size_t *n)
{
	size_t ks, vs, room = *n, done = 0;
	struct dp_map_cursor c = {0};
	int fd = dp_map_fd(dp, m), err;

	if (fd < 0)
		return dp_fail(fd, "no map %d", (int)m);
	ks = dp->maps[m].key_size;
	vs = dp->maps[m].value_stride;
	while (done < room && !c.done) {
		size_t got = room - done;

		err = dp_map_page(dp, m, &c, (char *)keys + done * ks, (char *)vals + done * vs,
				  &got);
		if (err) {
			*n = done;
			return err;
		}
		done += got;
	}
	*n = done;
	if (!c.done) {
		/* full: is there more? (never for a room as large as the map) */
		char k[sizeof(c.last_key)], v[256];
		size_t one = 1;

		if (room >= dp->maps[m].max_entries)
			return 0;
		if (ks > sizeof(k) || vs > sizeof(v))
			return -ENOSPC;
		if (dp_map_page(dp, m, &c, k, v, &one) || one)
			return -ENOSPC;
	}
	return 0;
}

/* Both generations' ct_hint bits of the TCP keys among keys[0..n). */
static int hint_mark(struct dp *dp, const struct steer_flow_key *keys, size_t n)
{
	const struct dp_ct_hint *hint = dp_ct_hint_get(dp);
	size_t i;

	if (!hint)
		return dp_fail(-ENOMEM, "ct_hint: its words could not be mapped");
	for (i = 0; i < n; i++)
		if (keys[i].proto == STEER_PROTO_TCP)
			dp_ct_hint_mark(hint, &keys[i], 3);
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
	vs = dp->maps[m].value_stride;
	if (m == DP_MAP_CT || m == DP_MAP_CT_SYN) {
		/* their TCP keys' ct_hint bits before the entries (steer_ct_hint.h) */
		int err = hint_mark(dp, keys, n);

		if (err)
			return err;
	}
	if (bpf_map_update_batch(fd, keys, vals, &done, NULL)) {
		/* no batch support (count 0), or a partial batch: the rest one by one */
		for (i = no_batch(errno) ? 0 : done; i < n; i++)
			if (bpf_map_update_elem(fd, (const char *)keys + i * ks,
						(const char *)vals + i * vs, BPF_ANY))
				return dp_fail(-errno, "update of map %s failed: %s",
					       dp_map_name(m), strerror(errno));
	}
	if (m == DP_MAP_CT || m == DP_MAP_CT_SYN)
		return hint_mark(dp, keys, n); /* and after: a sweep's clear between */
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
