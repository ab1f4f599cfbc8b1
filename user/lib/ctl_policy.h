/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The policy as a JSON tree with the policy file's own keys, and back to
 * YAML. steerd applies runtime changes (steerctl backend add, tenant set,
 * ...) to this tree and re-parses it with the policy parser, so a change
 * goes through exactly the validation a file goes through; `steerctl
 * policy dump` prints the tree as YAML. Ids in effect are written out
 * explicitly so a re-parse keeps them.
 */
#ifndef STEER_CTL_POLICY_H
#define STEER_CTL_POLICY_H

#include <jansson.h>
#include <stdio.h>

#include "policy.h"

/* New reference, or NULL on ENOMEM. */
json_t *ctl_policy_to_json(const struct steer_policy *p);

/*
 * Parse a JSON policy tree through the policy parser (JSON text is YAML).
 * 0 and *out filled, or -EINVAL with a one-line message per error in
 * msg (field: message; "; "-separated), or -ENOMEM.
 */
int ctl_policy_from_json(const json_t *j, struct steer_policy *out, char *msg, size_t len);

/* Write j as block-style YAML. 0 or -EIO. */
int ctl_json_to_yaml(const json_t *j, FILE *f, const char *header);
/* Same into a malloc'ed string (NULL on failure). */
char *ctl_json_to_yaml_str(const json_t *j, const char *header);

#endif /* STEER_CTL_POLICY_H */
