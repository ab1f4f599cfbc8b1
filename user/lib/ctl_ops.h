/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Runtime changes on a policy tree (ctl_policy.h): steerctl's backend,
 * tenant and service add/del/set/drain/undrain, as steerd applies them and
 * replays them from its state file. Only the structure is checked here
 * (the item exists, or not); the result is validated by the parser.
 */
#ifndef STEER_CTL_OPS_H
#define STEER_CTL_OPS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Is cmd ("backend add", ...) a change of the policy? */
bool ctl_op_is_change(const char *cmd);

/*
 * Apply one change to the tree. args: {"name": N} for del, drain, undrain;
 * {"name": N, "fields": {...}} for add and set (a null field value removes
 * the key: back to its default). 0, or -EINVAL / -ENOENT / -EEXIST with a
 * message in err.
 */
int ctl_op_apply(json_t *pol, const char *cmd, const json_t *args, char *err, size_t len);

/*
 * Record a change in a change log (JSON array of {"cmd", "args", ...}),
 * compacting it: deleting an item that the log itself added removes that
 * add and every later change of the item instead of appending. entry is
 * borrowed (copied when kept).
 */
void ctl_log_record(json_t *log, const json_t *entry);

#endif /* STEER_CTL_OPS_H */
