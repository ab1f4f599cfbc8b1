/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The loader's handle, shared by the files of the loader library only. */
#ifndef STEER_DP_INTERNAL_H
#define STEER_DP_INTERNAL_H

#include <limits.h>
#include <stdint.h>

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
	struct dp_ct_hint ct_hint; /* its words, mapped on first use (dp_ct_hint_get) */
	uint32_t ct_hint_words;	/* its size, chosen by dp_maps_prepare */
	struct {
		int fd;
		uint32_t key_size, value_size, max_entries;
		/* bytes of one value as the syscalls read it: per-CPU maps
		 * give every possible CPU's copy, each rounded up to 8 */
		uint32_t value_stride;
	} maps[DP_MAP__COUNT];
};

struct bpf_object;
struct dp_opts;

/* Before a load of a second instance of an object (explain's dry run) or
 * of the first: its maps set to the layout and sizes of their pins (the
 * conntrack maps keep their pinned size; the others must match). */
int dp_maps_prepare(struct dp *dp, struct bpf_object *obj, const struct dp_opts *opts);

/* dp_close: ct_hint's mapping goes. */
void dp_ct_hint_unmap(struct dp *dp);

/* Record a message for dp_errmsg(); returns err as a negative errno. */
int dp_fail(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* dp_table_build for a size the config may not hold yet (dp_apply: a
 * larger maglev_size is published after its tables). */
int dp_table_build_sized(struct dp *dp, uint32_t table_id, const uint32_t *entries, uint32_t n,
			 int *fd_out);

#endif /* STEER_DP_INTERNAL_H */
