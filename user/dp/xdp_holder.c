// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Who holds an interface's XDP hook: when attaching steer_xdp fails because
 * another program is there (EBUSY, EEXIST), the error names that program,
 * its id and mode, so the operator knows what to remove (bpftool net).
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dp/internal.h"

/* "XDP program NAME (id N, generic)" into buf; 0, or -ENOENT if none is attached. */
static int describe_holder(unsigned int ifindex, char *buf, size_t len)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct bpf_prog_info info;
	__u32 ilen = sizeof(info), id;
	const char *mode;
	int fd;

	if (bpf_xdp_query((int)ifindex, 0, &q))
		return -ENOENT;
	if (q.drv_prog_id) {
		id = q.drv_prog_id;
		mode = "native";
	} else if (q.skb_prog_id) {
		id = q.skb_prog_id;
		mode = "generic";
	} else if (q.hw_prog_id) {
		id = q.hw_prog_id;
		mode = "offloaded";
	} else {
		return -ENOENT;
	}
	memset(&info, 0, sizeof(info));
	fd = bpf_prog_get_fd_by_id(id);
	if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &ilen) && info.name[0])
		snprintf(buf, len, "XDP program \"%s\" (id %u, %s)", info.name, id, mode);
	else
		snprintf(buf, len, "XDP program id %u (%s)", id, mode);
	if (fd >= 0)
		close(fd);
	return 0;
}

int dp_xdp_busy_error(int err, const char *ifname, const char *what)
{
	char holder[128], why[512];
	unsigned int ifindex = if_nametoindex(ifname);

	snprintf(why, sizeof(why), "%s", dp_errmsg());
	if ((err != -EBUSY && err != -EEXIST) || !ifindex ||
	    describe_holder(ifindex, holder, sizeof(holder)))
		return dp_fail(err, "can't attach %s to %s: %s", what, ifname, why);
	return dp_fail(err,
		       "can't attach %s to %s: %s holds its XDP hook (%s); remove it "
		       "(bpftool net; ip link set dev %s xdp off) or give steer another "
		       "interface",
		       what, ifname, holder, strerror(-err), ifname);
}
