// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Least privilege: once the programs are loaded and attached and the
 * sockets are bound, steerd keeps only the capabilities its main loop
 * uses (docs/design.md "Privileges"), in every set, the bounding set
 * included, so neither a bug in steerd nor anything it might exec can get
 * the others back. What each kept one is for (<linux/capability.h>, the
 * comment above CAP_BPF, checked on kernel 6.18 by tests/e2e/caps.sh):
 *
 * - CAP_BPF: creating maps — every publish creates a new Maglev table (an
 *   inner map, bpf_map_create), and kernel.unprivileged_bpf_disabled
 *   (2 here, the default of most distributions) refuses that without it;
 *   loading the explain instance of steer_xdp on the first `explain`;
 * - CAP_NET_ADMIN: attaching to interfaces a reload adds (XDP links, TC
 *   filters through netlink), and loading a networking program (explain):
 *   "CAP_NET_ADMIN and CAP_BPF are required to load networking programs";
 * - CAP_PERFMON: the verifier treats a loader without it as unprivileged
 *   for pointer arithmetic and Spectre hardening ("CAP_PERFMON relaxes the
 *   verifier checks further"); steer_xdp, as written, is verified with it.
 *
 * Not kept: CAP_SYS_ADMIN (only needed to turn map ids into fds, which
 * steerd's loop never does), CAP_DAC_OVERRIDE (steerd stays uid 0 and
 * owns its pins, state file and socket), CAP_NET_BIND_SERVICE, CAP_SETPCAP
 * (the /metrics and control sockets are bound before), and all others.
 * Maps and links already open are used through their fds, which need no
 * capability. Raw capget/capset: no libcap dependency for ten lines.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "steerd/steerd.h"
#include "util/util.h"

static const int kept[] = {CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON};

static int last_cap(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	int n = CAP_LAST_CAP;

	if (f) {
		if (fscanf(f, "%d", &n) != 1)
			n = CAP_LAST_CAP;
		fclose(f);
	}
	return n;
}

static bool is_kept(int cap)
{
	size_t i;

	for (i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
		if (kept[i] == cap)
			return true;
	return false;
}

int steerd_caps_drop(void)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct c[_LINUX_CAPABILITY_U32S_3];
	int cap, n = last_cap(), dropped = 0;

	if (syscall(SYS_capget, &h, c))
		return -errno;
	/* the bounding set first: dropping needs CAP_SETPCAP, dropped next */
	for (cap = 0; cap <= n; cap++) {
		if (is_kept(cap) || prctl(PR_CAPBSET_READ, cap, 0, 0, 0) != 1)
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) && errno != EINVAL) {
			log_warn("capabilities: can't drop %d from the bounding set: %s", cap,
				 strerror(errno));
			break;
		}
		dropped++;
	}
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	for (cap = 0; cap < 32 * _LINUX_CAPABILITY_U32S_3; cap++) {
		__u32 bit = 1u << (cap % 32);
		struct __user_cap_data_struct *w = &c[cap / 32];

		w->inheritable &= ~bit;
		if (!is_kept(cap)) {
			w->permitted &= ~bit;
			w->effective &= ~bit;
		} else if (w->permitted & bit) {
			w->effective |= bit;
		}
	}
	if (syscall(SYS_capset, &h, c))
		return -errno;
	/* no exec of a setuid or file-capability binary gives any back */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	log_info("capabilities: kept cap_bpf, cap_net_admin, cap_perfmon; %d others dropped "
		 "from the bounding set",
		 dropped);
	return 0;
}
