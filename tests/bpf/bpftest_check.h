/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The checks of the fixture runner (bpftest_check.c) that bpft_run_step()
 * makes after a step's packet ran: the counters it moved and the
 * conntrack entries it left. Each prints what differs and returns the
 * number of mismatches.
 */
#ifndef STEER_TESTS_BPFTEST_CHECK_H
#define STEER_TESTS_BPFTEST_CHECK_H

#include "bpftest_run.h"

/* Every counter a step may move: reasons of both hooks, backends, tenants, classes. */
struct bpft_counters {
	struct steer_reason_stats rs[2][STEER_R_MAX];
	struct steer_backend_stats be[BPFT_NBACKENDS + 1];
	struct steer_tenant_stats tn[BPFT_NTENANTS];
	struct steer_class_stats cl[BPFT_NCLASSES];
};

/* Read them all (non-zero if a read failed). */
int bpft_snap(struct bpft_counters *c);
/* after - before is exactly what the step's row says (len: the input frame's). */
int bpft_check_counters(const char *ctx, const struct bpft_step *st, size_t len,
			const struct bpft_counters *before, const struct bpft_counters *after);
/* The flow's ct and rct entries are what the row says (t_after: a time after the run). */
int bpft_check_ct(const char *ctx, const struct bpft_step *st, uint64_t t_after);

#endif /* STEER_TESTS_BPFTEST_CHECK_H */
