// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * steer_tc through a clsact qdisc's ingress filter: the path for kernels
 * without tcx (BPF_TCX_INGRESS needs 6.6; Debian 12 runs 6.1). libbpf's
 * bpf_tc_hook_create / bpf_tc_attach (libbpf 1.1 has no tcx API). A filter
 * is not a bpf_link and can't be pinned: it stays on the interface when
 * steerd exits (as a pinned link does), and the program pinned at
 * links/tcc-<ifname> records that steer put it there. One fixed handle and
 * priority, so that a restart replaces the filter in place
 * (BPF_TC_F_REPLACE) and a detach removes only ours.
 */
#include <errno.h>
#include <linux/pkt_cls.h>
#include <net/if.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dp/internal.h"

#define TC_CLSACT_HANDLE   0x5e3 /* "steer" */
#define TC_CLSACT_PRIORITY 0x5e3

int dp_attach_tc_clsact(struct dp *dp, const char *ifname)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = TC_CLSACT_HANDLE, .priority = TC_CLSACT_PRIORITY,
		    .flags = BPF_TC_F_REPLACE);
	char path[PATH_MAX], tcx[PATH_MAX];
	int err;

	err = dp_link_path(dp, ifname, DP_TC_CLSACT_PIN, path, sizeof(path));
	if (err)
		return err;
	err = dp_link_path(dp, ifname, "tc", tcx, sizeof(tcx));
	if (err)
		return err;
	hook.ifindex = (int)if_nametoindex(ifname);
	if (!hook.ifindex)
		return dp_fail(-ENODEV, "no interface '%s'", ifname);
	err = bpf_tc_hook_create(&hook); /* the clsact qdisc; there already is fine */
	if (err && err != -EEXIST)
		return dp_fail(err, "can't add a clsact qdisc to %s: %s", ifname, strerror(-err));
	opts.prog_fd = dp_tc_prog_fd(dp);
	err = bpf_tc_attach(&hook, &opts);
	if (err)
		return dp_fail(err, "can't attach steer_tc to clsact ingress of %s: %s", ifname,
			       strerror(-err));
	unlink(path);
	if (bpf_obj_pin(dp_tc_prog_fd(dp), path)) {
		err = -errno;
		opts.prog_fd = 0;
		opts.flags = 0;
		opts.prog_id = 0;
		bpf_tc_detach(&hook, &opts); /* nothing half-done stays */
		return dp_fail(err, "can't pin %s: %s", path, strerror(-err));
	}
	unlink(tcx); /* a tcx link of ours on this interface goes: never both */
	return 0;
}

int dp_detach_tc_clsact(struct dp *dp, const char *ifname)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = TC_CLSACT_HANDLE, .priority = TC_CLSACT_PRIORITY);
	char path[PATH_MAX];
	int err;

	err = dp_link_path(dp, ifname, DP_TC_CLSACT_PIN, path, sizeof(path));
	if (err)
		return err;
	if (access(path, F_OK))
		return -ENOENT;
	hook.ifindex = (int)if_nametoindex(ifname);
	if (hook.ifindex)
		bpf_tc_detach(&hook, &opts); /* gone with its interface otherwise */
	unlink(path);
	return 0;
}
