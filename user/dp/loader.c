// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Data plane lifecycle: load both skeletons with their maps pinned under a
 * pin root (re-using existing pins); attach.c attaches and detaches the
 * programs. Closing the handle leaves pins and links in place: the
 * kernel keeps steering with the last tables.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dp/dp.h"
#include "dp/internal.h"
#include "util/util.h"
#include "steer_ct_hint.h"
#include "steer_xdp.skel.h"
#include "steer_tc.skel.h"

static __thread char errmsg[512];

const char *dp_errmsg(void)
{
	return errmsg;
}

int dp_fail(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errmsg, sizeof(errmsg), fmt, ap);
	va_end(ap);
	return err < 0 ? err : -err;
}

static int check_bpffs(const char *dir)
{
	struct statfs st;

	if (statfs(dir, &st))
		return -errno;
	if (st.f_type != BPF_FS_MAGIC)
		return -ENOTSUP;
	return 0;
}

static const char *const map_names[DP_MAP__COUNT] = {
	[DP_MAP_CONFIG] = STEER_MAP_CONFIG,
	[DP_MAP_SERVICES] = STEER_MAP_SERVICES,
	[DP_MAP_TENANTS_V4] = STEER_MAP_TENANTS_V4,
	[DP_MAP_TENANTS_V6] = STEER_MAP_TENANTS_V6,
	[DP_MAP_TENANT_CFG] = STEER_MAP_TENANT_CFG,
	[DP_MAP_TENANT_STATE] = STEER_MAP_TENANT_STATE,
	[DP_MAP_CLASSES] = STEER_MAP_CLASSES,
	[DP_MAP_TABLES] = STEER_MAP_TABLES,
	[DP_MAP_BACKENDS] = STEER_MAP_BACKENDS,
	[DP_MAP_CT] = STEER_MAP_CT,
	[DP_MAP_RCT] = STEER_MAP_RCT,
	[DP_MAP_XDP_REASONS] = STEER_MAP_XDP_REASONS,
	[DP_MAP_TC_REASONS] = STEER_MAP_TC_REASONS,
	[DP_MAP_BACKEND_STATS] = STEER_MAP_BACKEND_STATS,
	[DP_MAP_TENANT_STATS] = STEER_MAP_TENANT_STATS,
	[DP_MAP_CLASS_STATS] = STEER_MAP_CLASS_STATS,
	[DP_MAP_NEXTHOPS] = STEER_MAP_NEXTHOPS,
	[DP_MAP_SERVICE_PORTS] = STEER_MAP_SERVICE_PORTS,
	[DP_MAP_SERVICE_LIST] = STEER_MAP_SERVICE_LIST,
	[DP_MAP_CT_SYN] = STEER_MAP_CT_SYN,
	[DP_MAP_BACKEND_LOAD] = STEER_MAP_BACKEND_LOAD,
	[DP_MAP_TABLE_SETS] = STEER_MAP_TABLE_SETS,
	[DP_MAP_FRAGS] = STEER_MAP_FRAGS,
	[DP_MAP_FRAGS_REV] = STEER_MAP_FRAGS_REV,
	[DP_MAP_CT_HINT] = STEER_MAP_CT_HINT,
	[DP_MAP_CT_HINT_CTL] = STEER_MAP_CT_HINT_CTL,
};

const char *dp_map_name(enum dp_map m)
{
	return (unsigned int)m < DP_MAP__COUNT ? map_names[m] : "?";
}

/* Every map by its pin name (the XDP object holds them all; TC re-uses the pins). */
static int fill_map_table(struct dp *dp)
{
	int i;

	for (i = 0; i < DP_MAP__COUNT; i++) {
		const struct bpf_map *m;

		m = bpf_object__find_map_by_name(dp->xdp->obj, map_names[i]);
		if (!m)
			return dp_fail(-ENOENT, "steer_xdp has no map %s", map_names[i]);
		dp->maps[i].fd = bpf_map__fd(m);
		dp->maps[i].key_size = bpf_map__key_size(m);
		dp->maps[i].value_size = bpf_map__value_size(m);
		dp->maps[i].max_entries = bpf_map__max_entries(m);
		switch (bpf_map__type(m)) {
		case BPF_MAP_TYPE_PERCPU_ARRAY:
		case BPF_MAP_TYPE_PERCPU_HASH:
		case BPF_MAP_TYPE_LRU_PERCPU_HASH:
			dp->maps[i].value_stride =
				((dp->maps[i].value_size + 7) & ~7u) * (uint32_t)dp->ncpus;
			break;
		default:
			dp->maps[i].value_stride = dp->maps[i].value_size;
		}
	}
	return 0;
}

uint32_t dp_ct_syn_entries_for(uint32_t asked)
{
	int cpus = libbpf_num_possible_cpus();
	uint64_t n = asked;

	/* per-CPU LRU: the kernel rounds up to a multiple of the CPUs */
	if (cpus > 1)
		n = (n + (uint64_t)cpus - 1) / (uint64_t)cpus * (uint64_t)cpus;
	return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

/*
 * A pinned ct_syn of the version before: a common LRU (now per-CPU). It is
 * replaced: the half-open flows it holds lose their entries (a client's ACK
 * after it is a non-SYN miss, steered by the table within the tenant's
 * nonsyn budget; a SYN retransmitted is a new flow), established flows in
 * ct lose nothing. Anything else about it refuses as any map does.
 */
static bool ct_syn_replaced(const char *name, const struct bpf_map_info *info,
			    const struct bpf_map *m, const char *path)
{
	if (strcmp(name, STEER_MAP_CT_SYN) || info->type != bpf_map__type(m) ||
	    info->key_size != bpf_map__key_size(m) || info->value_size != bpf_map__value_size(m) ||
	    info->map_flags != (bpf_map__map_flags(m) & ~(__u32)BPF_F_NO_COMMON_LRU))
		return false;
	return unlink(path) == 0;
}

/*
 * A pinned ct_hint of another size than the conntrack maps ask (a fixed
 * 16,384 words until 2026-12): replaced, and its ct_hint_ctl with it. The
 * hint is derived state, rebuilt by steerd's next sweep pass; a control
 * word that trusts a generation of a new, empty hint would say "absent"
 * for keys ct holds (a retransmitted SYN admitted again), so it goes too
 * and nothing is trusted until that pass ends (include/steer_ct_hint.h).
 * A program of the version before, still attached until it is replaced,
 * keeps both of its own maps: no steerd clears their bits any more, so
 * they only say "maybe" more often. Anything else about it refuses.
 */
static bool ct_hint_replaced(const struct dp *dp, const char *name,
			     const struct bpf_map_info *info, const struct bpf_map *m,
			     const char *path)
{
	char ctl[PATH_MAX];

	if (strcmp(name, STEER_MAP_CT_HINT) || info->type != bpf_map__type(m) ||
	    info->key_size != bpf_map__key_size(m) || info->value_size != bpf_map__value_size(m) ||
	    info->map_flags != bpf_map__map_flags(m) ||
	    info->max_entries == bpf_map__max_entries(m))
		return false;
	if (snprintf(ctl, sizeof(ctl), "%s/%s", dp->pin_root, STEER_MAP_CT_HINT_CTL) >=
	    (int)sizeof(ctl))
		return false;
	if (unlink(ctl) && errno != ENOENT)
		return false;
	return unlink(path) == 0;
}

/* Conntrack maps whose size is a setting: ct and rct, ct_syn. */
static bool is_ct_map(const char *name, bool *syn)
{
	*syn = !strcmp(name, STEER_MAP_CT_SYN);
	return *syn || !strcmp(name, STEER_MAP_CT) || !strcmp(name, STEER_MAP_RCT);
}

/*
 * One map of the object against its pin, if one exists. A pin of another
 * layout (type, key, value, flags) is refused with what to do: libbpf
 * would refuse it anyway, saying less. A conntrack map keeps its pinned
 * size (its flows stay; the setting applies once the pins are removed).
 */
static int map_prepare(struct dp *dp, struct bpf_map *m)
{
	const char *name = bpf_map__name(m);
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);
	char path[PATH_MAX];
	bool syn, ct = is_ct_map(name, &syn);
	int fd;

	if (bpf_map__pin_path(m) == NULL || strchr(name, '.'))
		return 0; /* not pinned (.rodata, the inner table template) */
	if (snprintf(path, sizeof(path), "%s/%s", dp->pin_root, name) >= (int)sizeof(path))
		return 0;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0; /* no pin yet: created at load */
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) { /* libbpf 1.1: no map-typed one */
		close(fd);
		return 0;
	}
	close(fd);
	if (info.map_flags != bpf_map__map_flags(m) && ct_syn_replaced(name, &info, m, path))
		return 0; /* created at load, of this version's kind */
	if (ct_hint_replaced(dp, name, &info, m, path))
		return 0; /* created at load, with its control word */
	if (info.type != bpf_map__type(m) || info.key_size != bpf_map__key_size(m) ||
	    info.value_size != bpf_map__value_size(m) || info.map_flags != bpf_map__map_flags(m) ||
	    (!ct && info.max_entries != bpf_map__max_entries(m)))
		return dp_fail(-EEXIST,
			       "pinned map %s has another layout (type %u, key %u, value "
			       "%u, %u entries; this steerd needs type %u, key %u, value "
			       "%u, %u entries): it is from another version of steer. To "
			       "upgrade, stop steerd and remove the pins (rm -r %s/*; open "
			       "connections lose their conntrack state), then start steerd",
			       path, info.type, info.key_size, info.value_size, info.max_entries,
			       bpf_map__type(m), bpf_map__key_size(m), bpf_map__value_size(m),
			       bpf_map__max_entries(m), dp->pin_root);
	if (ct && info.max_entries != bpf_map__max_entries(m))
		bpf_map__set_max_entries(m, info.max_entries); /* the pin wins */
	return 0;
}

static uint32_t map_size(struct bpf_object *obj, const char *name)
{
	const struct bpf_map *m = bpf_object__find_map_by_name(obj, name);

	return m ? bpf_map__max_entries(m) : 0;
}

/*
 * Before the load: every map this object declares against its pin
 * (map_prepare); a new conntrack map gets the size the settings ask, and
 * ct_hint the size of the conntrack maps as they will be (pinned or new:
 * steer_ct_hint_words_for), so that the live instance and explain's agree.
 */
int dp_maps_prepare(struct dp *dp, struct bpf_object *obj, const struct dp_opts *opts)
{
	uint32_t want_ct = opts && opts->ct_entries ? opts->ct_entries : STEER_CT_ENTRIES;
	uint32_t want_syn = dp_ct_syn_entries_for(opts && opts->ct_syn_entries
							  ? opts->ct_syn_entries
							  : STEER_CT_SYN_ENTRIES);
	struct bpf_map *m, *hint = NULL;
	int err;

	bpf_object__for_each_map(m, obj) {
		const char *name = bpf_map__name(m);
		bool syn, ct = is_ct_map(name, &syn);

		if (ct && bpf_map__set_max_entries(m, syn ? want_syn : want_ct))
			return dp_fail(-EINVAL, "can't size map %s", name);
		if (!strcmp(name, STEER_MAP_CT_HINT)) {
			hint = m; /* once the conntrack sizes are known */
			continue;
		}
		err = map_prepare(dp, m);
		if (err)
			return err;
	}
	dp->ct_hint_words = steer_ct_hint_words_for((uint64_t)map_size(obj, STEER_MAP_CT) +
						    map_size(obj, STEER_MAP_CT_SYN));
	if (!hint)
		return 0;
	if (bpf_map__set_max_entries(hint, dp->ct_hint_words))
		return dp_fail(-EINVAL, "can't size map %s", STEER_MAP_CT_HINT);
	return map_prepare(dp, hint);
}

/* The TC object declares the same maps: the sizes the XDP object loaded
 * with (the conntrack maps', ct_hint's). */
static void maps_copy_sizes(struct bpf_object *from, struct bpf_object *to)
{
	struct bpf_map *m;

	bpf_object__for_each_map(m, to) {
		const struct bpf_map *f = bpf_object__find_map_by_name(from, bpf_map__name(m));
		bool syn;

		if (f && (is_ct_map(bpf_map__name(m), &syn) ||
			  !strcmp(bpf_map__name(m), STEER_MAP_CT_HINT)))
			bpf_map__set_max_entries(m, bpf_map__max_entries(f));
	}
}

void dp_ct_sizes(const struct dp *dp, uint32_t *ct, uint32_t *ct_syn)
{
	*ct = dp->maps[DP_MAP_CT].max_entries;
	*ct_syn = dp->maps[DP_MAP_CT_SYN].max_entries;
}

/*
 * Pins of maps an earlier version had and this one does not: rct_syn (the
 * half-open flows' reverse entries, until 2026-12: TC now finds them from
 * ct_syn, bpf/steer_embryonic.h). Its half-open flows lose nothing; a
 * program of the earlier version still attached keeps its map until it is
 * replaced.
 */
static void retired_pins_remove(const struct dp *dp)
{
	static const char *const retired[] = { "rct_syn" };
	char path[PATH_MAX];
	size_t i;

	for (i = 0; i < sizeof(retired) / sizeof(retired[0]); i++)
		if (snprintf(path, sizeof(path), "%s/%s", dp->pin_root, retired[i]) <
		    (int)sizeof(path))
			unlink(path);
}

int dp_open(const struct dp_opts *opts, struct dp **out)
{
	const char *root = opts && opts->pin_root ? opts->pin_root : STEER_PIN_ROOT_DEFAULT;
	struct dp *dp;
	char links[PATH_MAX];
	int err;

	*out = NULL;
	dp = calloc(1, sizeof(*dp));
	if (!dp)
		return dp_fail(-ENOMEM, "out of memory");
	if (snprintf(dp->pin_root, sizeof(dp->pin_root), "%s", root) >= (int)sizeof(dp->pin_root) ||
	    snprintf(links, sizeof(links), "%s/%s", root, STEER_PIN_LINKS_DIR) >= (int)sizeof(links)) {
		err = dp_fail(-ENAMETOOLONG, "pin root too long: %s", root);
		goto fail;
	}
	dp->maglev_size = opts && opts->maglev_size ? opts->maglev_size : STEER_MAGLEV_DEFAULT;
	dp->ncpus = libbpf_num_possible_cpus();
	if (dp->ncpus <= 0) {
		err = dp_fail(dp->ncpus ? dp->ncpus : -EINVAL, "can't count possible CPUs");
		goto fail;
	}

	err = util_mkdir_p(root, 0700);
	if (err) {
		err = dp_fail(err, "can't create pin root %s: %s", root, strerror(-err));
		goto fail;
	}
	err = check_bpffs(root);
	if (err) {
		err = dp_fail(err, "pin root %s is not on a bpffs (mount -t bpf bpffs %s)",
				    root, root);
		goto fail;
	}
	err = util_mkdir_p(links, 0700);
	if (err) {
		err = dp_fail(err, "can't create %s: %s", links, strerror(-err));
		goto fail;
	}

	{
		LIBBPF_OPTS(bpf_object_open_opts, oo, .pin_root_path = dp->pin_root);

		dp->xdp = steer_xdp_bpf__open_opts(&oo);
		if (!dp->xdp) {
			err = dp_fail(-errno, "can't open steer_xdp: %s", strerror(errno));
			goto fail;
		}
		err = dp_maps_prepare(dp, dp->xdp->obj, opts);
		if (err)
			goto fail;
		dp->xdp->rodata->steer_ct_hint_words = dp->ct_hint_words;
		err = steer_xdp_bpf__load(dp->xdp);
		if (err) {
			err = dp_fail(err,
					    "can't load steer_xdp (%s); pins under %s from an "
					    "incompatible version must be removed",
					    strerror(-err), root);
			goto fail;
		}
		/* maps are pinned now: the TC object re-uses them by name */
		dp->tc = steer_tc_bpf__open_opts(&oo);
		if (!dp->tc) {
			err = dp_fail(-errno, "can't open steer_tc: %s", strerror(errno));
			goto fail;
		}
		maps_copy_sizes(dp->xdp->obj, dp->tc->obj);
		err = steer_tc_bpf__load(dp->tc);
		if (err) {
			err = dp_fail(err, "can't load steer_tc: %s", strerror(-err));
			goto fail;
		}
	}
	err = fill_map_table(dp);
	if (err)
		goto fail;
	retired_pins_remove(dp);
	/* pins from before service_ports existed: fill it from services */
	err = dp_service_ports_sync(dp);
	if (err)
		goto fail;
	*out = dp;
	return 0;
fail:
	dp_close(dp);
	return err;
}

void dp_close(struct dp *dp)
{
	if (!dp)
		return;
	dp_ct_hint_unmap(dp);
	steer_xdp_bpf__destroy(dp->dry);
	steer_tc_bpf__destroy(dp->tc);
	steer_xdp_bpf__destroy(dp->xdp);
	free(dp);
}

const char *dp_pin_root(const struct dp *dp)
{
	return dp->pin_root;
}

int dp_xdp_prog_fd(const struct dp *dp)
{
	return bpf_program__fd(dp->xdp->progs.steer_xdp);
}

int dp_tc_prog_fd(const struct dp *dp)
{
	return bpf_program__fd(dp->tc->progs.steer_tc);
}

int dp_map_fd(const struct dp *dp, enum dp_map m)
{
	return (unsigned int)m < DP_MAP__COUNT ? dp->maps[m].fd : -EINVAL;
}
