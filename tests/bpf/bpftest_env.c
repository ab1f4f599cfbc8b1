// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Private environment of the BPF fixtures: namespaces, bpffs pin root,
 * dummy interfaces with routes and neighbours, and the base data plane
 * configuration every fixture starts from.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "bpftest_env.h"
#include "steer_abi.h"

const uint8_t A_CLI4[16] = { 198, 18, 0, 100 };
const uint8_t A_CLI6[16] = { 0xfd, 0x00, [14] = 0x01, [15] = 0x00 };
const uint8_t A_ANON4[16] = { 198, 18, 0, 200 };
const uint8_t A_ANON6[16] = { 0xfd, 0x00, [14] = 0x02, [15] = 0x00 };
const uint8_t A_VIP4[16] = { 198, 18, 100, 1 };
const uint8_t A_VIP6[16] = { 0xfd, 0x00, 0x01, 0x00, [15] = 0x01 };
const uint8_t A_GW4[16] = { 198, 18, 0, 1 };
const uint8_t A_GW6[16] = { 0xfd, 0x00, [15] = 0x01 };

const uint8_t MAC_CLI_IF[6] = { 0x02, 0x00, 0x00, 0x00, 0xc0, 0x01 };
const uint8_t MAC_BE_IF[6] = { 0x02, 0x00, 0x00, 0x00, 0xbe, 0x01 };
const uint8_t MAC_CLIENT[6] = { 0x02, 0x00, 0x00, 0x00, 0xc1, 0x00 };

const struct bpft_backend bpft_backends[BPFT_NBACKENDS + 1] = {
	[BE4_A] = { 4, { 198, 18, 1, 10 }, BE_PORT, { 0x02, 0, 0, 0, 0xb4, 0x0a }, true },
	[BE4_B] = { 4, { 198, 18, 1, 11 }, BE_PORT, { 0x02, 0, 0, 0, 0xb4, 0x0b }, true },
	[BE6_A] = { 6, { 0xfd, 0, 0, 1, [15] = 0x10 }, BE_PORT, { 0x02, 0, 0, 0, 0xb6, 0x10 },
		    true },
	[BE6_B] = { 6, { 0xfd, 0, 0, 1, [15] = 0x11 }, BE_PORT, { 0x02, 0, 0, 0, 0xb6, 0x11 },
		    true },
	[BE4_NONEIGH] = { 4, { 198, 18, 1, 12 }, BE_PORT, { 0 }, false },
	[BE6_NONEIGH] = { 6, { 0xfd, 0, 0, 1, [15] = 0x12 }, BE_PORT, { 0 }, false },
	[BE4_NOROUTE] = { 4, { 198, 19, 5, 5 }, BE_PORT, { 0 }, false },
	[BE6_NOROUTE] = { 6, { 0xfd, 0, 0, 0x99, [15] = 0x05 }, BE_PORT, { 0 }, false },
};

struct bpft_env bpft;

static char tmpdir[64];
static pid_t child_pid;
static pid_t child_self; /* the child's pid, in the child: atexit is not for it */

uint64_t bpft_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int bpft_sweep_pass(uint64_t *hint_set)
{
	const struct dp_ct_timeouts t = { ~0ull, ~0ull, ~0ull, ~0ull };
	struct dp_ct_sweep sw = { 0 };
	int r;

	while ((r = dp_ct_sweep(bpft.dp, &sw, &t, bpft_now_ns(), 1u << 30)) == 0)
		;
	if (r == 1 && hint_set)
		*hint_set = sw.last->hint_set;
	dp_ct_sweep_free(&sw);
	return r < 0 ? r : 0;
}

int bpft_sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	if (rc == -1)
		return -1;
	rc = WIFEXITED(rc) ? WEXITSTATUS(rc) : 128 + WTERMSIG(rc);
	if (rc)
		fprintf(stderr, "bpftest: `%s` failed (%d)\n", cmd, rc);
	return rc;
}

static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0) {
		fprintf(stderr, "bpftest: open %s: %s\n", path, strerror(errno));
		return -1;
	}
	n = write(fd, val, strlen(val));
	close(fd);
	if (n != (ssize_t)strlen(val)) {
		fprintf(stderr, "bpftest: write %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static const char *mac_str(const uint8_t *m, char *buf)
{
	sprintf(buf, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	return buf;
}

static const char *addr_str(const struct bpft_backend *b, char *buf)
{
	uint8_t fam = b->family == 6 ? STEER_AF_INET6 : STEER_AF_INET;

	return util_addr_format(b->addr, fam, buf, 64);
}

static int setup_net(void)
{
	char mac[32], addr[64];
	int i;

	/* DAD off before any IPv6 address exists, forwarding on (per netns) */
	if (write_file("/proc/sys/net/ipv6/conf/default/accept_dad", "0") ||
	    write_file("/proc/sys/net/ipv6/conf/all/accept_dad", "0"))
		return -1;
	if (bpft_sh("ip link set dev lo up") ||
	    bpft_sh("ip link add %s address %s type veth peer name %sp", IF_CLI,
		    mac_str(MAC_CLI_IF, mac), IF_CLI) ||
	    bpft_sh("ip link add %s address %s type veth peer name %sp", IF_BE,
		    mac_str(MAC_BE_IF, mac), IF_BE) ||
	    bpft_sh("ip link set dev %sp up", IF_CLI) || bpft_sh("ip link set dev %sp up", IF_BE) ||
	    bpft_sh("ip link set dev %s up", IF_CLI) || bpft_sh("ip link set dev %s up", IF_BE) ||
	    bpft_sh("ip addr add 198.18.0.1/24 dev %s", IF_CLI) ||
	    bpft_sh("ip -6 addr add fd00::1/64 dev %s nodad", IF_CLI) ||
	    bpft_sh("ip addr add 198.18.1.1/24 dev %s", IF_BE) ||
	    bpft_sh("ip -6 addr add fd00:1::1/64 dev %s nodad", IF_BE))
		return -1;
	if (write_file("/proc/sys/net/ipv4/ip_forward", "1") ||
	    write_file("/proc/sys/net/ipv6/conf/all/forwarding", "1"))
		return -1;
	if (bpft_sh("ip neigh replace 198.18.0.100 lladdr %s nud permanent dev %s",
		    mac_str(MAC_CLIENT, mac), IF_CLI) ||
	    bpft_sh("ip -6 neigh replace fd00::100 lladdr %s nud permanent dev %s",
		    mac_str(MAC_CLIENT, mac), IF_CLI))
		return -1;
	for (i = 1; i <= BPFT_NBACKENDS; i++) {
		const struct bpft_backend *b = &bpft_backends[i];

		if (!b->has_neigh)
			continue;
		if (bpft_sh("ip %s neigh replace %s lladdr %s nud permanent dev %s",
			    b->family == 6 ? "-6" : "-4", addr_str(b, addr), mac_str(b->mac, mac),
			    IF_BE))
			return -1;
	}
	bpft.ifindex_cli = (int)if_nametoindex(IF_CLI);
	bpft.ifindex_be = (int)if_nametoindex(IF_BE);
	if (!bpft.ifindex_cli || !bpft.ifindex_be) {
		fprintf(stderr, "bpftest: no ifindex for %s/%s\n", IF_CLI, IF_BE);
		return -1;
	}
	if (getenv("BPFT_VERBOSE"))
		bpft_sh("ip addr; ip -4 route; ip -6 route; ip neigh");
	return 0;
}

uint32_t bpft_ct_entries, bpft_ct_syn_entries;

static int child_main(int (*run)(void))
{
	struct dp_opts opts = { 0 };
	int err, failed;

	if (unshare(CLONE_NEWNET | CLONE_NEWNS)) {
		printf("bpftest: skipped: unshare(CLONE_NEWNET|CLONE_NEWNS): %s\n",
		       strerror(errno));
		return 77;
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) {
		fprintf(stderr, "bpftest: make / rprivate: %s\n", strerror(errno));
		return 1;
	}
	if (mount("bpffs", tmpdir, "bpf", 0, NULL)) {
		printf("bpftest: skipped: mount bpffs on %s: %s\n", tmpdir, strerror(errno));
		return 77;
	}
	if (setup_net())
		return 1;

	snprintf(bpft.pin_root, sizeof(bpft.pin_root), "%s", tmpdir);
	opts.pin_root = bpft.pin_root;
	opts.maglev_size = BPFT_M;
	opts.ct_entries = bpft_ct_entries;
	opts.ct_syn_entries = bpft_ct_syn_entries;
	err = dp_open(&opts, &bpft.dp);
	if (err) {
		fprintf(stderr, "bpftest: dp_open(%s): %s (%s)\n", bpft.pin_root,
			strerror(-err), dp_errmsg());
		return 1;
	}
	bpft.xdp_fd = dp_xdp_prog_fd(bpft.dp);
	bpft.tc_fd = dp_tc_prog_fd(bpft.dp);
	bpft.ct_fd = dp_map_fd(bpft.dp, DP_MAP_CT);
	bpft.rct_fd = dp_map_fd(bpft.dp, DP_MAP_RCT);
	bpft.ct_syn_fd = dp_map_fd(bpft.dp, DP_MAP_CT_SYN);
	bpft.tstate_fd = dp_map_fd(bpft.dp, DP_MAP_TENANT_STATE);
	if (bpft.xdp_fd < 0 || bpft.tc_fd < 0 || bpft.ct_fd < 0 || bpft.rct_fd < 0 ||
	    bpft.tstate_fd < 0) {
		fprintf(stderr, "bpftest: missing program or map fd (xdp %d tc %d ct %d rct %d "
				"tenant_state %d)\n",
			bpft.xdp_fd, bpft.tc_fd, bpft.ct_fd, bpft.rct_fd, bpft.tstate_fd);
		dp_close(bpft.dp);
		return 1;
	}

	failed = run();

	dp_close(bpft.dp);
	umount2(tmpdir, MNT_DETACH);
	return failed ? 1 : 0;
}

static void parent_cleanup(void)
{
	if (tmpdir[0] && getpid() != child_self) {
		rmdir(tmpdir);
		tmpdir[0] = 0;
	}
}

static void forward_signal(int sig)
{
	if (child_pid > 0)
		kill(child_pid, sig);
}

int bpft_main(int (*run)(void))
{
	struct sigaction sa;
	int status, rc;
	pid_t pid;

	if (geteuid() != 0) {
		printf("bpftest: skipped: needs root (namespaces, bpffs, BPF_PROG_TEST_RUN)\n");
		return 77;
	}
	if (!getenv("PATH") || !strstr(getenv("PATH"), "sbin"))
		setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 1);

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/steer-bpft-XXXXXX");
	if (!mkdtemp(tmpdir)) {
		fprintf(stderr, "bpftest: mkdtemp: %s\n", strerror(errno));
		tmpdir[0] = 0;
		return 1;
	}
	atexit(parent_cleanup);

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "bpftest: fork: %s\n", strerror(errno));
		return 1;
	}
	if (pid == 0) {
		child_self = getpid();
		rc = child_main(run);
		fflush(NULL);
		_exit(rc);
	}

	/*
	 * The child owns namespaces and mount; the parent only waits and
	 * removes the directory, even if the child crashed or was signalled.
	 * Termination signals go to the child; a closed output pipe must not
	 * kill the parent before it cleaned up.
	 */
	child_pid = pid;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = forward_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			status = -1;
			break;
		}
	}
	parent_cleanup();
	if (status == -1) {
		fprintf(stderr, "bpftest: waitpid: %s\n", strerror(errno));
		return 1;
	}
	if (WIFSIGNALED(status)) {
		fprintf(stderr, "bpftest: test process killed by signal %d\n", WTERMSIG(status));
		return 1;
	}
	return WEXITSTATUS(status);
}

/* ---- data plane state ---- */

unsigned int bpft_map_count(int fd)
{
	uint8_t key[64], next[64];
	unsigned int n = 0;
	void *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, sizeof(key));
		prev = key;
		n++;
	}
	return n;
}

/* Delete every entry of a hash/LPM map. */
static int map_clear(int fd)
{
	uint8_t key[64];
	int guard = 0;

	/* always restart from the first key: deleting invalidates iteration */
	while (!bpf_map_get_next_key(fd, NULL, key)) {
		if (bpf_map_delete_elem(fd, key)) {
			fprintf(stderr, "bpftest: map delete: %s\n", strerror(errno));
			return -1;
		}
		if (++guard > 1000000)
			return -1;
	}
	return 0;
}

static int map_clear_name(enum dp_map name)
{
	int fd = dp_map_fd(bpft.dp, name);

	if (fd < 0) {
		fprintf(stderr, "bpftest: no map %s\n", dp_map_name(name));
		return -1;
	}
	return map_clear(fd);
}

void bpft_table_set(uint32_t table_id, const uint32_t *entries)
{
	int err = dp_table_publish(bpft.dp, table_id, entries, BPFT_M);

	if (err)
		fprintf(stderr, "bpftest: table_publish(%u): %s\n", table_id, strerror(-err));
}

void bpft_table_fill(uint32_t table_id, uint32_t be)
{
	uint32_t t[BPFT_M];
	int i;

	for (i = 0; i < BPFT_M; i++)
		t[i] = be;
	bpft_table_set(table_id, t);
}

static int svc_set_mss(const uint8_t *vip, uint8_t family, uint16_t port, uint8_t proto,
		       uint32_t id, uint32_t task, uint16_t mss_clamp)
{
	struct steer_service_key k = { 0 };
	struct steer_service s = { 0 };

	memcpy(k.addr, vip, 16);
	k.port = htons(port);
	k.proto = proto;
	k.family = family;
	s.service_id = id;
	s.default_task = task;
	s.mss_clamp = mss_clamp;
	return dp_service_set(bpft.dp, &k, &s);
}

static int svc_set(const uint8_t *vip, uint8_t family, uint16_t port, uint8_t proto, uint32_t id,
		   uint32_t task)
{
	return svc_set_mss(vip, family, port, proto, id, task, 0);
}

int bpft_tcp_services_mss(uint16_t mss_clamp)
{
	return svc_set_mss(A_VIP4, STEER_AF_INET, PORT_TCP, STEER_PROTO_TCP, 1, TASK_V4, mss_clamp) |
	       svc_set_mss(A_VIP6, STEER_AF_INET6, PORT_TCP, STEER_PROTO_TCP, 3, TASK_V6, mss_clamp);
}

static int class_set(uint32_t tenant, uint32_t task, uint8_t family, uint32_t class_id,
		     uint32_t table_id)
{
	struct steer_class c = { .class_id = class_id, .table_id = table_id,
				 .action = STEER_ACTION_TABLE };

	return dp_class_set_family(bpft.dp, tenant, task, family, &c);
}

int bpft_reset(void **state)
{
	struct steer_config cfg = {
		.maglev_size = BPFT_M,
		.hash_seed = BPFT_SEED,
		.udp_idle_ns = 30ull * 1000000000ull,
		.tcp_idle_ns = 3600ull * 1000000000ull,
	};
	struct steer_tenant_state zst;
	struct steer_tenant_cfg tc = { 0 };
	uint8_t a16[16] = { 0 };
	uint32_t i;
	int err = 0;

	(void)state;
	if (map_clear(bpft.ct_fd) || map_clear(bpft.rct_fd) || map_clear(bpft.ct_syn_fd) ||
	    map_clear_name(DP_MAP_SERVICES) ||
	    map_clear_name(DP_MAP_TENANTS_V4) || map_clear_name(DP_MAP_TENANTS_V6) ||
	    map_clear_name(DP_MAP_CLASSES) || map_clear_name(DP_MAP_FRAGS) ||
	    map_clear_name(DP_MAP_FRAGS_REV))
		return -1;
	for (i = 0; i < 16; i++)
		dp_table_del(bpft.dp, i);
	{
		/* every SYN looks up: fixtures write ct entries themselves */
		const struct steer_ct_hint_ctl off = { 0 };

		if (dp_ct_hint_ctl_set(bpft.dp, &off))
			return -1;
	}

	err = dp_config_set(bpft.dp, &cfg);
	if (err) {
		fprintf(stderr, "bpftest: config_set: %s\n", strerror(-err));
		return -1;
	}

	/* backends 1..8 as listed, all active */
	for (i = 1; i <= BPFT_NBACKENDS; i++) {
		struct steer_backend b = { 0 };

		memcpy(b.addr, bpft_backends[i].addr, 16);
		b.port = htons(bpft_backends[i].port);
		b.family = bpft_backends[i].family == 6 ? STEER_AF_INET6 : STEER_AF_INET;
		b.state = STEER_BACKEND_ACTIVE;
		err |= dp_backend_set(bpft.dp, i, &b);
	}

	/* services */
	err |= svc_set(A_VIP4, STEER_AF_INET, PORT_TCP, STEER_PROTO_TCP, 1, TASK_V4);
	err |= svc_set(A_VIP4, STEER_AF_INET, PORT_UDP, STEER_PROTO_UDP, 2, TASK_V4);
	err |= svc_set(A_VIP6, STEER_AF_INET6, PORT_TCP, STEER_PROTO_TCP, 3, TASK_V6);
	err |= svc_set(A_VIP6, STEER_AF_INET6, PORT_UDP, STEER_PROTO_UDP, 4, TASK_V6);
	err |= svc_set(A_VIP4, STEER_AF_INET, PORT_NOCLASS, STEER_PROTO_TCP, 5, TASK_NOCLASS);
	err |= svc_set(A_VIP6, STEER_AF_INET6, PORT_NOCLASS, STEER_PROTO_TCP, 6, TASK_NOCLASS);

	/* tenant 1: 198.18.0.96/28 and fd00::100/124 (A_CLI*); the rest is tenant 0 */
	memcpy(a16, A_CLI4, 4);
	a16[3] = 96;
	err |= dp_tenant_prefix_set(bpft.dp, STEER_AF_INET, a16, 28, TENANT_1);
	memcpy(a16, A_CLI6, 16);
	err |= dp_tenant_prefix_set(bpft.dp, STEER_AF_INET6, a16, 124, TENANT_1);

	/* classes and their tables */
	err |= class_set(TENANT_1, TASK_V4, STEER_AF_INET, CLASS_T1_V4, 1);
	err |= class_set(TENANT_1, TASK_V6, STEER_AF_INET6, CLASS_T1_V6, 2);
	err |= class_set(TENANT_DEF, TASK_V4, STEER_AF_INET, CLASS_T0_V4, 3);
	err |= class_set(TENANT_DEF, TASK_V6, STEER_AF_INET6, CLASS_T0_V6, 4);
	if (err) {
		fprintf(stderr, "bpftest: base configuration failed: %s\n", dp_errmsg());
		return -1;
	}
	bpft_table_fill(1, BE4_A);
	bpft_table_fill(2, BE6_A);
	bpft_table_fill(3, BE4_B);
	bpft_table_fill(4, BE6_B);

	/* no open flows on any backend (the bounded load's counts) */
	for (i = 0; i <= BPFT_NBACKENDS; i++) {
		struct steer_backend_load zl = { 0 };

		if (dp_map_write(bpft.dp, DP_MAP_BACKEND_LOAD, &i, &zl, 1))
			return -1;
	}

	/* tenants: unlimited, state zeroed (active 0), bucket full */
	memset(&zst, 0, sizeof(zst));
	for (i = 0; i < BPFT_NTENANTS; i++) {
		if (bpf_map_update_elem(bpft.tstate_fd, &i, &zst, BPF_ANY)) {
			fprintf(stderr, "bpftest: tenant_state reset: %s\n", strerror(errno));
			return -1;
		}
		if (dp_tenant_cfg_set(bpft.dp, i, &tc, true))
			return -1;
	}
	return 0;
}
