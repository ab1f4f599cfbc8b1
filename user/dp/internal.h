/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The loader's handle, shared by the files of the loader library only. */
#ifndef STEER_DP_INTERNAL_H
#define STEER_DP_INTERNAL_H

#include <limits.h>
#include <stdint.h>
#include <stddef.h>

#include "dp/dp.h"

struct steer_xdp_bpf;
struct steer_tc_bpf;

struct dp {
	char pin_root[PATH_MAX];
	struct steer_xdp_bpf *xdp;
	struct steer_tc_bpf *tc;
	struct steer_xdp_bpf *dry;	/* dry-run instance for explain, loaded on demand */
	uint32_t maglev_size;
	int ncpus;
	struct {
		int fd;
		uint32_t key_size, value_size, max_entries;
		/* bytes of one value as the syscalls read it: per-CPU maps
		 * give every possible CPU's copy, each rounded up to 8 */
		uint32_t value_stride;
	} maps[DP_MAP__COUNT];
};

/* "<pin root>/links/<kind>-<ifname, '.' and '%' escaped>" */
int dp_link_path(const struct dp *dp, const char *ifname, const char *kind, char *buf,
		 size_t len);

/* tc_clsact.c: the pin that marks a clsact filter (the tc program pinned there) */
#define DP_TC_CLSACT_PIN "tcc"

/* xdp_holder.c: a failed XDP attach, re-worded with the interface and, when
 * another program holds the hook, that program's name, id and mode */
int dp_xdp_busy_error(int err, const char *ifname, const char *what);

/* Record a message for dp_errmsg(); returns err as a negative errno. */
int dp_fail(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* STEER_DP_INTERNAL_H */
