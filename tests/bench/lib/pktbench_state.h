/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* pktbench's tables and settings (pktbench_state.c). */
#ifndef PKTBENCH_STATE_H
#define PKTBENCH_STATE_H

#include <stdbool.h>
#include <stdint.h>

/* ct_syn entries the pinned CPU's LRU holds (its share of the per-CPU LRU) */
extern uint32_t pb_syn_share;

/* Pin to the CPU we run on and read pb_syn_share: 0 or -errno. */
int pb_pin_cpu(void);
/* Empty a hash map (batched lookup-and-delete). */
void pb_map_empty(int fd);
/* One pass of steerd's sweep, nothing expiring: ct_hint rebuilt, trusted. */
void pb_hint_rebuild(void);
/* ct_syn emptied (established flows kept); ct, rct and ct_syn emptied. */
void pb_syn_empty(void);
void pb_ct_empty(void);
/* ct and rct full of entries no timed packet matches. */
void pb_ct_fill(void);
/* This CPU's share of ct_syn full of such half-open flows: 0 or -errno. */
int pb_ct_syn_fill(void);
/* The tables as a SYN flood leaves them: ct, rct and ct_syn full. */
int pb_flood_fill(void);
/* The bounded load on (balance_pct 125, table alternating A and B) or off. */
int pb_bound_set(bool on);
/* Tenant 1's connection rate (burst the same; 0: unlimited), its bucket spent. */
int pb_rate_set(uint32_t rate);

#endif /* PKTBENCH_STATE_H */
