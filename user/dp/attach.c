// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Attaching the programs to interfaces, so that a restart finds and keeps
 * them:
 * - steer_xdp through a bpf_link pinned at <root>/links/xdp-<ifname>;
 * - steer_tc at ingress, through a tcx bpf_link pinned at
 *   <root>/links/tc-<ifname> (kernel >= 6.6), or, where the kernel has no
 *   tcx or when asked, as a cls_bpf filter on the clsact qdisc (handle and
 *   preference STEER_TC_CLSACT_HANDLE/_PREF below), marked by the program
 *   pinned at <root>/links/tcc-<ifname>. A filter is no link: it outlives
 *   steerd by itself, and the pin says that steer put it there.
 * Re-attaching swaps the program in place (bpf_link_update, or a filter
 * replace), so no packet meets an interface without one.
 */
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dp/dp.h"
#include "dp/internal.h"

/* Not in the uapi headers libbpf 1.1 builds against (kernel >= 6.6). */
#ifndef BPF_TCX_INGRESS
#define BPF_TCX_INGRESS 46
#endif

/* `tc filter show dev IF ingress`: "pref 21332 bpf ... handle 0x5354 steer_tc" */
#define STEER_TC_CLSACT_HANDLE 0x5354 /* "ST" */
#define STEER_TC_CLSACT_PREF   0x5354

const char *dp_tc_mode_name(enum dp_tc_mode m)
{
	switch (m) {
	case DP_TC_AUTO:
		return "auto";
	case DP_TC_TCX:
		return "tcx";
	case DP_TC_CLSACT:
		return "clsact";
	}
	return "?";
}

/*
 * Pin path of an interface's link: "<root>/links/<kind>-<ifname>". bpffs
 * refuses names with a dot (EPERM: dots are reserved), and interface names
 * may have one (eth0.100), so '%' and '.' are escaped as %25 and %2e.
 */
static int link_path(const struct dp *dp, const char *ifname, const char *kind, char *buf,
		     size_t len)
{
	char enc[3 * IF_NAMESIZE + 1];
	size_t i, o = 0;

	if (!ifname || !*ifname || strlen(ifname) >= IF_NAMESIZE || strchr(ifname, '/'))
		return dp_fail(-EINVAL, "bad interface name '%s'", ifname ? ifname : "");
	for (i = 0; ifname[i]; i++) {
		if (ifname[i] == '.' || ifname[i] == '%')
			o += (size_t)sprintf(enc + o, "%%%02x", (unsigned char)ifname[i]);
		else
			enc[o++] = ifname[i];
	}
	enc[o] = '\0';
	if (snprintf(buf, len, "%s/%s/%s-%s", dp->pin_root, STEER_PIN_LINKS_DIR, kind, enc) >=
	    (int)len)
		return dp_fail(-ENAMETOOLONG, "link pin path too long");
	return 0;
}

static int ifindex_of(const char *ifname, unsigned int *ifindex)
{
	*ifindex = if_nametoindex(ifname);
	if (!*ifindex)
		return dp_fail(-ENODEV, "no interface '%s'", ifname);
	return 0;
}

/*
 * ifindex a pinned link is attached to; 0 if the link is defunct (its
 * interface went away). xdp.ifindex and tcx.ifindex share their offset in
 * bpf_link_info's union; the tcx member is newer than these uapi headers.
 */
static __u32 link_ifindex(int fd)
{
	struct bpf_link_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.xdp.ifindex;
}

/* "'name' (id N)" of a loaded program, for messages. */
static void prog_desc(__u32 id, char *buf, size_t len)
{
	struct bpf_prog_info info;
	__u32 ilen = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(id);

	memset(&info, 0, sizeof(info));
	if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &ilen) && info.name[0])
		snprintf(buf, len, "'%s' (id %u)", info.name, id);
	else
		snprintf(buf, len, "id %u", id);
	if (fd >= 0)
		close(fd);
}

/* Why an XDP attach was refused: the program that holds the hook. */
static int xdp_busy(int err, const char *ifname, unsigned int ifindex, const char *what)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	char desc[64];
	__u32 id;

	if (bpf_xdp_query(ifindex, 0, &q))
		return dp_fail(err, "can't attach %s to %s: %s", what, ifname, strerror(-err));
	id = q.prog_id ? q.prog_id : q.drv_prog_id ? q.drv_prog_id : q.skb_prog_id;
	if (!id)
		return dp_fail(err, "can't attach %s to %s: %s", what, ifname, strerror(-err));
	prog_desc(id, desc, sizeof(desc));
	return dp_fail(err,
		       "can't attach %s to %s: XDP program %s is attached there (%s); detach it "
		       "(e.g. xdp-loader unload %s --all) or attach steer through the libxdp "
		       "dispatcher",
		       what, ifname, desc, strerror(-err), ifname);
}

/*
 * Attach prog to ifindex through the link pinned at path: update the
 * pinned link in place when it is alive on this interface (the program is
 * swapped atomically, no packet meets a detached interface), else create
 * and pin a new one.
 */
static int attach_link(const char *path, int prog_fd, const char *ifname, unsigned int ifindex,
		       enum bpf_attach_type type, __u32 flags, const char *what)
{
	LIBBPF_OPTS(bpf_link_create_opts, lo, .flags = flags);
	int fd, err;

	fd = bpf_obj_get(path);
	if (fd >= 0) {
		if (link_ifindex(fd) == ifindex) {
			err = bpf_link_update(fd, prog_fd, NULL);
			close(fd);
			if (err)
				return dp_fail(-errno, "can't update %s link on %s (%s): %s", what,
					       ifname, path, strerror(errno));
			return 0;
		}
		close(fd);
		unlink(path); /* defunct: the interface was re-created */
	}
	fd = bpf_link_create(prog_fd, ifindex, type, flags ? &lo : NULL);
	if (fd < 0) {
		err = -errno;
		if (type == BPF_XDP && (err == -EBUSY || err == -EEXIST))
			return xdp_busy(err, ifname, ifindex, what);
		return dp_fail(err, "can't attach %s to %s: %s", what, ifname, strerror(-err));
	}
	err = bpf_obj_pin(fd, path);
	if (err) {
		err = -errno;
		close(fd); /* detaches again: nothing half-done stays */
		return dp_fail(err, "can't pin %s link at %s: %s", what, path, strerror(-err));
	}
	close(fd);
	return 0;
}

int dp_attach_xdp(struct dp *dp, const char *ifname, enum dp_xdp_mode mode)
{
	char path[PATH_MAX];
	unsigned int ifindex;
	int err;

	err = link_path(dp, ifname, "xdp", path, sizeof(path));
	if (!err)
		err = ifindex_of(ifname, &ifindex);
	if (err)
		return err;
	return attach_link(path, dp_xdp_prog_fd(dp), ifname, ifindex, BPF_XDP,
			   mode == DP_XDP_GENERIC ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE,
			   mode == DP_XDP_GENERIC ? "generic XDP" : "native XDP");
}

/* ---- TC: tcx link or clsact filter ---- */

static void clsact_at(unsigned int ifindex, struct bpf_tc_hook *hook, struct bpf_tc_opts *opts)
{
	memset(hook, 0, sizeof(*hook));
	hook->sz = sizeof(*hook);
	hook->ifindex = (int)ifindex;
	hook->attach_point = BPF_TC_INGRESS;
	memset(opts, 0, sizeof(*opts));
	opts->sz = sizeof(*opts);
	opts->handle = STEER_TC_CLSACT_HANDLE;
	opts->priority = STEER_TC_CLSACT_PREF;
}

/* bpf_tc_query and bpf_tc_hook_create without libbpf's warnings for their
 * usual answers: no filter ("Cannot find specified filter chain") and a
 * clsact qdisc already there ("Exclusivity flag on, cannot modify"). */
static int tc_query_quiet(const struct bpf_tc_hook *hook, struct bpf_tc_opts *opts)
{
	libbpf_print_fn_t old = libbpf_set_print(NULL);
	int err = bpf_tc_query(hook, opts);

	libbpf_set_print(old);
	return err;
}

static int tc_hook_create_quiet(struct bpf_tc_hook *hook)
{
	libbpf_print_fn_t old = libbpf_set_print(NULL);
	int err = bpf_tc_hook_create(hook);

	libbpf_set_print(old);
	return err;
}

/*
 * steer_tc as a direct-action cls_bpf filter at clsact ingress (the qdisc
 * is made if missing, and left in place on detach: other filters may use
 * it). A filter at our handle and preference that steer did not put there
 * (no pin) is not replaced.
 */
static int attach_clsact(struct dp *dp, const char *ifname, unsigned int ifindex, const char *pin)
{
	struct bpf_tc_hook hook;
	struct bpf_tc_opts opts;
	int err, fd;

	clsact_at(ifindex, &hook, &opts);
	err = tc_hook_create_quiet(&hook);
	if (err && err != -EEXIST)
		return dp_fail(err, "can't add a clsact qdisc to %s: %s", ifname, strerror(-err));
	if (!tc_query_quiet(&hook, &opts) && access(pin, F_OK)) {
		char desc[64];

		prog_desc(opts.prog_id, desc, sizeof(desc));
		return dp_fail(-EBUSY,
			       "can't attach steer_tc to %s: the clsact ingress filter at handle "
			       "0x%x pref %u holds program %s, which steer did not attach",
			       ifname, STEER_TC_CLSACT_HANDLE, STEER_TC_CLSACT_PREF, desc);
	}
	clsact_at(ifindex, &hook, &opts);
	opts.prog_fd = dp_tc_prog_fd(dp);
	opts.flags = BPF_TC_F_REPLACE;
	err = bpf_tc_attach(&hook, &opts);
	if (err)
		return dp_fail(err, "can't attach steer_tc (clsact ingress) to %s: %s", ifname,
			       strerror(-err));
	unlink(pin); /* the program pinned is the one attached now */
	fd = dp_tc_prog_fd(dp);
	if (bpf_obj_pin(fd, pin)) {
		err = -errno;
		clsact_at(ifindex, &hook, &opts);
		bpf_tc_detach(&hook, &opts); /* nothing half-done stays */
		return dp_fail(err, "can't pin steer_tc at %s: %s", pin, strerror(-err));
	}
	return 0;
}

static int detach_clsact(const char *ifname, const char *pin)
{
	struct bpf_tc_hook hook;
	struct bpf_tc_opts opts;
	unsigned int ifindex = if_nametoindex(ifname);
	int err = 0;

	if (ifindex) {
		clsact_at(ifindex, &hook, &opts);
		err = bpf_tc_detach(&hook, &opts);
		if (err == -ENOENT)
			err = 0; /* already gone (the qdisc was removed) */
	}
	unlink(pin);
	if (err)
		return dp_fail(err, "can't remove steer_tc's clsact filter from %s: %s", ifname,
			       strerror(-err));
	return 0;
}

int dp_attach_tc_mode(struct dp *dp, const char *ifname, enum dp_tc_mode mode,
		      enum dp_tc_mode *used)
{
	char tcx[PATH_MAX], cls[PATH_MAX];
	unsigned int ifindex;
	int err;

	err = link_path(dp, ifname, "tc", tcx, sizeof(tcx));
	if (!err)
		err = link_path(dp, ifname, "tcc", cls, sizeof(cls));
	if (!err)
		err = ifindex_of(ifname, &ifindex);
	if (err)
		return err;
	if (mode != DP_TC_CLSACT) {
		err = attach_link(tcx, dp_tc_prog_fd(dp), ifname, ifindex, BPF_TCX_INGRESS, 0,
				  "tcx ingress");
		/* a kernel before 6.6 knows no tcx attach type: EINVAL */
		if (err && mode == DP_TC_AUTO &&
		    (err == -EINVAL || err == -EOPNOTSUPP || err == -ENOTSUP))
			mode = DP_TC_CLSACT;
		else if (err)
			return err;
		else
			mode = DP_TC_TCX;
	}
	if (mode == DP_TC_CLSACT) {
		err = attach_clsact(dp, ifname, ifindex, cls);
		if (err)
			return err;
		unlink(tcx); /* a tcx link of an earlier mode: one hook only */
	} else if (!access(cls, F_OK)) {
		detach_clsact(ifname, cls); /* a filter of an earlier mode */
	}
	if (used)
		*used = mode;
	return 0;
}

int dp_attach_tc(struct dp *dp, const char *ifname)
{
	return dp_attach_tc_mode(dp, ifname, DP_TC_AUTO, NULL);
}

static int detach_link(struct dp *dp, const char *ifname, const char *kind)
{
	char path[PATH_MAX];
	int err;

	err = link_path(dp, ifname, kind, path, sizeof(path));
	if (err)
		return err;
	/* the pin holds the last reference: unlinking it detaches */
	if (unlink(path))
		return dp_fail(-errno, "no %s link for %s (%s)", kind, ifname, strerror(errno));
	return 0;
}

int dp_detach_xdp(struct dp *dp, const char *ifname)
{
	return detach_link(dp, ifname, "xdp");
}

int dp_detach_tc(struct dp *dp, const char *ifname)
{
	char cls[PATH_MAX];
	int err;

	err = link_path(dp, ifname, "tcc", cls, sizeof(cls));
	if (err)
		return err;
	if (!access(cls, F_OK)) {
		err = detach_clsact(ifname, cls);
		detach_link(dp, ifname, "tc"); /* and a tcx link, if both */
		return err;
	}
	return detach_link(dp, ifname, "tc");
}

static bool link_pinned(const struct dp *dp, const char *ifname, const char *kind)
{
	char path[PATH_MAX];

	if (link_path(dp, ifname, kind, path, sizeof(path)))
		return false;
	return access(path, F_OK) == 0;
}

bool dp_xdp_attached(const struct dp *dp, const char *ifname)
{
	return link_pinned(dp, ifname, "xdp");
}

bool dp_tc_attached(const struct dp *dp, const char *ifname)
{
	return link_pinned(dp, ifname, "tc") || link_pinned(dp, ifname, "tcc");
}
