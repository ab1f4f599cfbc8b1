// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Names of reason codes, as operators see them (bpftool shows numbers). */
#include <string.h>

#include "dp/dp.h"

static const char *const reason_names[STEER_R_MAX] = {
	[STEER_R_NONE] = "none",
	[STEER_R_PASS_NOT_IP] = "pass_not_ip",
	[STEER_R_PASS_NOT_L4] = "pass_not_l4",
	[STEER_R_PASS_NOT_SERVICE] = "pass_not_service",
	[STEER_R_PASS_FRAGMENT] = "pass_fragment",
	[STEER_R_PASS_EXT_DEPTH] = "pass_ext_depth",
	[STEER_R_PASS_NO_NEIGH] = "pass_no_neigh",
	[STEER_R_PASS_VLAN] = "pass_vlan",
	[STEER_R_PASS_NO_RCT] = "pass_no_rct",
	[STEER_R_PASS_MALFORMED] = "pass_malformed",
	[STEER_R_DROP_TRUNC_ETH] = "drop_trunc_eth",
	[STEER_R_DROP_TRUNC_IP] = "drop_trunc_ip",
	[STEER_R_DROP_BAD_IP] = "drop_bad_ip",
	[STEER_R_DROP_TRUNC_L4] = "drop_trunc_l4",
	[STEER_R_DROP_BAD_L4] = "drop_bad_l4",
	[STEER_R_DROP_NO_CLASS] = "drop_no_class",
	[STEER_R_DROP_REJECT_POLICY] = "drop_reject_policy",
	[STEER_R_DROP_NO_BACKEND] = "drop_no_backend",
	[STEER_R_DROP_ADMIT_RATE] = "drop_admit_rate",
	[STEER_R_DROP_ADMIT_CONC] = "drop_admit_conc",
	[STEER_R_DROP_FIB] = "drop_fib",
	[STEER_R_DROP_NO_CONFIG] = "drop_no_config",
	[STEER_R_EV_NONSYN_MISS] = "ev_nonsyn_miss",
	[STEER_R_EV_RESTEER_DOWN] = "ev_resteer_down",
	[STEER_R_EV_UDP_EXPIRED] = "ev_udp_expired",
	[STEER_R_EV_CT_REUSE] = "ev_ct_reuse",
};

const char *dp_reason_name(uint32_t reason)
{
	if (reason >= STEER_R_MAX || !reason_names[reason])
		return "unknown";
	return reason_names[reason];
}

int dp_reason_from_name(const char *name)
{
	uint32_t i;

	for (i = 0; i < STEER_R_MAX; i++)
		if (reason_names[i] && !strcmp(reason_names[i], name))
			return (int)i;
	return -1;
}
