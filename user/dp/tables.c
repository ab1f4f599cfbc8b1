// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Maglev tables: an inner array map per table, built whole while no
 * packet sees it, then swapped into the outer map (tables[table_id]) so a
 * packet sees the old table or the new one, never a mix.
 */
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


int dp_table_build(struct dp *dp, uint32_t table_id, const uint32_t *entries,
			 uint32_t n, int *fd_out)
{
	struct steer_config cfg;
	int err;

	*fd_out = -1;
	err = dp_config_get(dp, &cfg);
	if (err)
		return err;
	if (!cfg.maglev_size || n != cfg.maglev_size)
		return dp_fail(-EINVAL, "table of %u slots, config says %u", n,
				     cfg.maglev_size);
	return dp_table_build_sized(dp, table_id, entries, n, fd_out);
}

int dp_table_build_sized(struct dp *dp, uint32_t table_id, const uint32_t *entries, uint32_t n,
			 int *fd_out)
{
	LIBBPF_OPTS(bpf_map_create_opts, mo, .map_flags = BPF_F_INNER_MAP);
	__u32 *keys, count = n;
	char name[16];
	uint32_t i;
	int fd, err;

	(void)dp;
	*fd_out = -1;
	if (table_id >= STEER_MAX_TABLES)
		return dp_fail(-EINVAL, "table id %u out of range 0..%u", table_id,
				     STEER_MAX_TABLES - 1);
	if (!n || n > STEER_MAGLEV_MAX)
		return dp_fail(-EINVAL, "table of %u slots: out of range 1..%u", n,
			       STEER_MAGLEV_MAX);
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
 * table_sets[table_id]: the backends the entries name, by id, with the
 * slots each holds as its weight (what Maglev gives it); the bounded load
 * weighs them (bpf/steer_bound.h). More than STEER_SET_MAX backends: n 0,
 * the bound is off for this table.
 */
void dp_table_set_of(const uint32_t *entries, uint32_t n, struct steer_table_set *set)
{
	uint32_t i, j;

	memset(set, 0, sizeof(*set));
	for (i = 0; i < n; i++) {
		uint32_t id = entries[i];

		if (id == STEER_NO_BACKEND)
			continue;
		for (j = 0; j < set->n && set->ids[j] != id; j++)
			;
		if (j == set->n) {
			if (set->n == STEER_SET_MAX) {
				memset(set, 0, sizeof(*set));
				return;
			}
			set->ids[set->n++] = id;
		}
		set->weight[j]++;
		set->total_weight++;
	}
}

/*
 * The bound's weights by capacity. The slots follow steerd's load-aware
 * weights, which come from probes a few hundred milliseconds old: the
 * backend that had spare capacity at the last probe holds most slots, and
 * a bound weighed by them let it take most of a burst too (route.sh: 6
 * open flows on one backend of 4 slots, 2 on the other of 4). The bound
 * counts the flows that are open now; its fair share is what each backend
 * can hold, so it corrects the lagging weights instead of following them.
 */
void dp_table_set_weigh(struct steer_table_set *set, const uint32_t *cap_by_id)
{
	uint32_t i;

	if (!cap_by_id)
		return;
	set->total_weight = 0;
	for (i = 0; i < set->n && i < STEER_SET_MAX; i++) {
		uint32_t id = set->ids[i];
		uint32_t c = id < STEER_MAX_BACKENDS && cap_by_id[id] ? cap_by_id[id] : 1;

		set->weight[i] = c;
		set->total_weight += c;
	}
}

/*
 * Standby members (no slots: full at the last probe) join the set, where
 * the bound's last resort finds them (bpf/steer_bound.h); weight 0 until
 * weighed by capacity. Beyond STEER_SET_MAX they are left out (the table's
 * own backends keep the bound on).
 */
static void dp_table_set_add_standby(struct steer_table_set *set, const uint32_t *standby,
				     uint32_t n_standby)
{
	uint32_t i, j;

	if (!set->n)
		return; /* no set (over STEER_SET_MAX): the bound is off */
	for (i = 0; i < n_standby && set->n < STEER_SET_MAX; i++) {
		for (j = 0; j < set->n && set->ids[j] != standby[i]; j++)
			;
		if (j == set->n && standby[i] != STEER_NO_BACKEND)
			set->ids[set->n++] = standby[i];
	}
}

int dp_table_set_write(struct dp *dp, uint32_t table_id, const uint32_t *entries, uint32_t n,
		       const uint32_t *standby, uint32_t n_standby, const uint32_t *cap_by_id)
{
	struct steer_table_set set;

	dp_table_set_of(entries, n, &set);
	dp_table_set_add_standby(&set, standby, n_standby);
	dp_table_set_weigh(&set, cap_by_id);
	return dp_map_write(dp, DP_MAP_TABLE_SETS, &table_id, &set, 1);
}

/*
 * Each outer-map update waits for an RCU grace period (the kernel makes
 * sure no program still runs with the old inner map), some 10-30 ms: a
 * batch update waits once for all.
 */
int dp_tables_swap(struct dp *dp, const uint32_t *ids, const int *fds, uint32_t n)
{
	_Static_assert(sizeof(int) == sizeof(uint32_t), "outer map values are u32 fds");
	return dp_map_write(dp, DP_MAP_TABLES, ids, fds, n);
}

int dp_tables_del(struct dp *dp, const uint32_t *ids, uint32_t n)
{
	return dp_map_delete(dp, DP_MAP_TABLES, ids, n); /* a table gone already is fine */
}

int dp_table_publish(struct dp *dp, uint32_t table_id, const uint32_t *entries,
			   uint32_t n)
{
	int fd, err;

	err = dp_table_build(dp, table_id, entries, n, &fd);
	if (!err)
		err = dp_table_set_write(dp, table_id, entries, n, NULL, 0, NULL);
	if (err) {
		if (fd >= 0)
			close(fd);
		return err;
	}
	/* filled while nobody sees it, then swapped in: old table or new, never a mix */
	err = dp_tables_swap(dp, &table_id, &fd, 1);
	close(fd); /* the outer map holds it now */
	return err;
}

int dp_table_del(struct dp *dp, uint32_t table_id)
{
	return dp_map_delete(dp, DP_MAP_TABLES, &table_id, 1);
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

