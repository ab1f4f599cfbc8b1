// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * dpctl: a test fixture that drives the data plane through libsteer, one
 * map entry per call. Not the operator CLI (that is steerctl).
 *
 *   dpctl --pin-root DIR attach xdp IFNAME [generic]
 *   dpctl --pin-root DIR attach tc IFNAME [tcx|clsact]
 *   dpctl --pin-root DIR detach xdp|tc IFNAME
 *   dpctl --pin-root DIR config MAGLEV_SIZE SEED UDP_IDLE_MS
 *   dpctl --pin-root DIR service VIP PORT tcp|udp TASK [SERVICE_ID]
 *   dpctl --pin-root DIR tenant PREFIX TENANT_ID
 *   dpctl --pin-root DIR limits TENANT RATE BURST MAXCONNS
 *   dpctl --pin-root DIR backend ID ADDR PORT active|draining|down|unused
 *   dpctl --pin-root DIR class TENANT TASK CLASS_ID TABLE_ID table|reject
 *   dpctl --pin-root DIR table TABLE_ID ID[:WEIGHT][,ID[:WEIGHT]...] | 0
 *   dpctl --pin-root DIR stats backend|tenant|class ID
 *   dpctl --pin-root DIR stats reason NAME
 *   dpctl --pin-root DIR ct-fill N BACKEND_ID TENANT [VIP PORT]
 *   dpctl --pin-root DIR foreign xdp|tc IFNAME
 *
 * `table` builds a weighted Maglev table of the config's maglev_size from
 * the backends (keyed by their addresses, seeded by the config's seed) and
 * publishes it; "0" publishes an empty table.
 * `ct-fill` writes N established IPv4 TCP flows (clients 10.x.y.z:40000+ to
 * VIP:PORT, default 198.18.100.1:80, fresh timestamps) on BACKEND_ID for
 * TENANT into ct, and into rct when the backend is an IPv4 one in the map:
 * a full table for steerd's sweep (bench) and paged reads
 * (tests/e2e/ctlsock.sh); the flows hold no tenant slot.
 * `foreign` attaches another program than steer's, as another tool would:
 * a no-op XDP program "foreign_xdp" through netlink (no link), or a no-op
 * cls_bpf program "foreign_tc" at clsact ingress with steer's handle and
 * preference (0x5354, 21332); it stays until the interface goes.
 * `stats` prints "name value" lines. Exit 0 on success, 1 on a data plane
 * error, 2 on bad arguments.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "engine/engine.h"
#include "dp/dp.h"
#include "steer_flow.h"
#include "util/util.h"

static const char *prog = "dpctl";

static void usage(void)
{
	fprintf(stderr,
		"usage: %s --pin-root DIR COMMAND ARGS...\n"
		"  attach xdp IFNAME [generic] | attach tc IFNAME [tcx|clsact]\n"
		"  detach xdp|tc IFNAME\n"
		"  config MAGLEV_SIZE SEED UDP_IDLE_MS\n"
		"  service VIP PORT tcp|udp TASK [SERVICE_ID]\n"
		"  tenant PREFIX TENANT_ID\n"
		"  limits TENANT RATE BURST MAXCONNS\n"
		"  backend ID ADDR PORT active|draining|down|unused\n"
		"  class TENANT TASK CLASS_ID TABLE_ID table|reject\n"
		"  table TABLE_ID ID[:WEIGHT][,ID[:WEIGHT]...] | table TABLE_ID 0\n"
		"  stats backend|tenant|class ID | stats reason NAME\n"
		"  ct-fill N BACKEND_ID TENANT [VIP PORT]\n"
		"  foreign xdp|tc IFNAME\n",
		prog);
}

static int bad(const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", prog);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return 2;
}

/* Parse an unsigned decimal in [0, max]. */
static int parse_u32(const char *s, uint32_t max, uint32_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

#define NEED_U32(s, max, out, what)                                                                \
	do {                                                                                       \
		if (parse_u32((s), (max), (out)))                                                  \
			return bad("bad " what " '%s'", (s));                                      \
	} while (0)

static int dp_err(const char *what, int err)
{
	const char *msg = dp_errmsg();

	fprintf(stderr, "%s: %s: %s%s%s%s\n", prog, what, strerror(err < 0 ? -err : err),
		msg && *msg ? " (" : "", msg && *msg ? msg : "", msg && *msg ? ")" : "");
	return 1;
}

static struct dp_opts opts;
static struct dp *dp;

/* Open the data plane once the arguments are known to be good. */
static int open_dp(void)
{
	int err = dp_open(&opts, &dp);

	if (err) {
		dp = NULL;
		return dp_err("open data plane", err);
	}
	return 0;
}

#define OPEN_DP()                                                                                  \
	do {                                                                                       \
		if (open_dp())                                                                     \
			return 1;                                                                  \
	} while (0)

static int cmd_attach(int argc, char **argv, bool attach)
{
	enum dp_xdp_mode mode = DP_XDP_NATIVE;
	enum dp_tc_mode tc_mode = DP_TC_AUTO;
	bool xdp;
	int err;

	if (argc < 2 || argc > 3)
		return bad("%s: expected xdp|tc IFNAME", attach ? "attach" : "detach");
	if (!strcmp(argv[0], "xdp"))
		xdp = true;
	else if (!strcmp(argv[0], "tc"))
		xdp = false;
	else
		return bad("expected xdp or tc, got '%s'", argv[0]);
	if (argc == 3 && attach && xdp && !strcmp(argv[2], "generic"))
		mode = DP_XDP_GENERIC;
	else if (argc == 3 && attach && !xdp && !strcmp(argv[2], "clsact"))
		tc_mode = DP_TC_CLSACT;
	else if (argc == 3 && attach && !xdp && !strcmp(argv[2], "tcx"))
		tc_mode = DP_TC_TCX;
	else if (argc == 3)
		return bad("unexpected argument '%s'", argv[2]);
	OPEN_DP();
	if (attach)
		err = xdp ? dp_attach_xdp(dp, argv[1], mode)
			  : dp_attach_tc_mode(dp, argv[1], tc_mode, NULL);
	else
		err = xdp ? dp_detach_xdp(dp, argv[1]) : dp_detach_tc(dp, argv[1]);
	if (err)
		return dp_err(argv[1], err);
	return 0;
}

static int cmd_config(int argc, char **argv)
{
	struct steer_config cfg;
	uint32_t m, seed, idle_ms;
	int err;

	if (argc != 3)
		return bad("%s", "config: expected MAGLEV_SIZE SEED UDP_IDLE_MS");
	NEED_U32(argv[0], STEER_MAGLEV_MAX, &m, "maglev size");
	NEED_U32(argv[1], UINT32_MAX, &seed, "seed");
	NEED_U32(argv[2], UINT32_MAX, &idle_ms, "udp idle ms");
	if (m < 3)
		return bad("bad maglev size '%s'", argv[0]);
	memset(&cfg, 0, sizeof(cfg));
	cfg.maglev_size = m;
	cfg.hash_seed = seed;
	cfg.udp_idle_ns = (uint64_t)idle_ms * 1000000ull;
	cfg.tcp_idle_ns = 3600ull * 1000000000ull;
	OPEN_DP();
	err = dp_config_set(dp, &cfg);
	return err ? dp_err("config", err) : 0;
}

static int cmd_service(int argc, char **argv)
{
	struct steer_service_key key;
	struct steer_service svc;
	uint32_t port, task, id = 0;
	int err;

	if (argc != 4 && argc != 5)
		return bad("%s", "service: expected VIP PORT tcp|udp TASK [SERVICE_ID]");
	memset(&key, 0, sizeof(key));
	memset(&svc, 0, sizeof(svc));
	if (util_addr_parse(argv[0], key.addr, &key.family))
		return bad("bad address '%s'", argv[0]);
	NEED_U32(argv[1], 65535, &port, "port");
	if (!strcmp(argv[2], "tcp"))
		key.proto = STEER_PROTO_TCP;
	else if (!strcmp(argv[2], "udp"))
		key.proto = STEER_PROTO_UDP;
	else
		return bad("bad protocol '%s' (tcp or udp)", argv[2]);
	NEED_U32(argv[3], STEER_MAX_TASKS - 1, &task, "task");
	if (argc == 5)
		NEED_U32(argv[4], UINT32_MAX, &id, "service id");
	key.port = htons((uint16_t)port);
	svc.service_id = id;
	svc.default_task = task;
	OPEN_DP();
	err = dp_service_set(dp, &key, &svc);
	return err ? dp_err("service", err) : 0;
}

static int cmd_tenant(int argc, char **argv)
{
	uint32_t plen, tenant;
	uint8_t addr[16], family;
	int err;

	if (argc != 2)
		return bad("%s", "tenant: expected PREFIX TENANT_ID");
	if (util_prefix_parse(argv[0], addr, &family, &plen))
		return bad("bad prefix '%s'", argv[0]);
	NEED_U32(argv[1], STEER_MAX_TENANTS - 1, &tenant, "tenant");
	OPEN_DP();
	err = dp_tenant_prefix_set(dp, family, addr, plen, tenant);
	return err ? dp_err("tenant", err) : 0;
}

static int cmd_limits(int argc, char **argv)
{
	struct steer_tenant_cfg cfg;
	uint32_t tenant;
	int err;

	if (argc != 4)
		return bad("%s", "limits: expected TENANT RATE BURST MAXCONNS");
	memset(&cfg, 0, sizeof(cfg));
	NEED_U32(argv[0], STEER_MAX_TENANTS - 1, &tenant, "tenant");
	NEED_U32(argv[1], UINT32_MAX, &cfg.rate, "rate");
	NEED_U32(argv[2], UINT32_MAX, &cfg.burst, "burst");
	NEED_U32(argv[3], UINT32_MAX, &cfg.max_conns, "max conns");
	OPEN_DP();
	err = dp_tenant_cfg_set(dp, tenant, &cfg, true);
	return err ? dp_err("limits", err) : 0;
}

static int parse_state(const char *s, uint8_t *state)
{
	static const char *const names[] = {"unused", "active", "draining", "down"};
	unsigned int i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(s, names[i])) {
			*state = (uint8_t)i;
			return 0;
		}
	}
	return -EINVAL;
}

static int cmd_backend(int argc, char **argv)
{
	struct steer_backend be;
	uint32_t id, port;
	int err;

	if (argc != 4)
		return bad("%s", "backend: expected ID ADDR PORT active|draining|down|unused");
	memset(&be, 0, sizeof(be));
	NEED_U32(argv[0], STEER_MAX_BACKENDS - 1, &id, "backend id");
	if (id == STEER_NO_BACKEND)
		return bad("bad backend id '%s' (1..8191)", argv[0]);
	if (util_addr_parse(argv[1], be.addr, &be.family))
		return bad("bad address '%s'", argv[1]);
	NEED_U32(argv[2], 65535, &port, "port");
	if (parse_state(argv[3], &be.state))
		return bad("bad state '%s' (active, draining, down, unused)", argv[3]);
	be.port = htons((uint16_t)port);
	OPEN_DP();
	err = dp_backend_set(dp, id, &be);
	return err ? dp_err("backend", err) : 0;
}

static int cmd_class(int argc, char **argv)
{
	struct steer_class cls;
	uint32_t tenant, task;
	int err;

	if (argc != 5)
		return bad("%s", "class: expected TENANT TASK CLASS_ID TABLE_ID table|reject");
	memset(&cls, 0, sizeof(cls));
	NEED_U32(argv[0], STEER_MAX_TENANTS - 1, &tenant, "tenant");
	NEED_U32(argv[1], STEER_MAX_TASKS - 1, &task, "task");
	NEED_U32(argv[2], STEER_MAX_CLASSES - 1, &cls.class_id, "class id");
	NEED_U32(argv[3], STEER_MAX_TABLES - 1, &cls.table_id, "table id");
	if (!strcmp(argv[4], "table"))
		cls.action = STEER_ACTION_TABLE;
	else if (!strcmp(argv[4], "reject"))
		cls.action = STEER_ACTION_REJECT;
	else
		return bad("bad action '%s' (table or reject)", argv[4]);
	OPEN_DP();
	err = dp_class_set(dp, tenant, task, &cls);
	return err ? dp_err("class", err) : 0;
}

/*
 * Parse "ID[:WEIGHT][,ID[:WEIGHT]...]" (weight 1 by default); a lone "0"
 * gives an empty list (a table of "no backend" slots).
 */
static int parse_id_list(const char *arg, struct engine_maglev_backend *b, size_t max, size_t *n)
{
	char *list, *tok, *save, *colon;
	size_t i;
	int err = 0;

	*n = 0;
	if (!strcmp(arg, "0"))
		return 0;
	list = strdup(arg);
	if (!list)
		return -ENOMEM;
	for (tok = strtok_r(list, ",", &save); tok && !err; tok = strtok_r(NULL, ",", &save)) {
		memset(&b[*n], 0, sizeof(b[*n]));
		b[*n].weight = 1;
		colon = strchr(tok, ':');
		if (colon) {
			*colon = '\0';
			if (parse_u32(colon + 1, 1000000, &b[*n].weight))
				err = -EINVAL;
		}
		if (*n == max || parse_u32(tok, STEER_MAX_BACKENDS - 1, &b[*n].id) || !b[*n].id)
			err = -EINVAL;
		for (i = 0; !err && i < *n; i++)
			if (b[i].id == b[*n].id)
				err = -EINVAL;
		if (!err)
			(*n)++;
	}
	free(list);
	if (!err && !*n)
		err = -EINVAL;
	return err;
}

static int cmd_table(int argc, char **argv)
{
	struct engine_maglev_backend b[64];
	struct steer_backend be;
	struct steer_config cfg;
	uint32_t table_id, *slots;
	size_t n, i;
	int err;

	if (argc != 2)
		return bad("%s", "table: expected TABLE_ID ID[:WEIGHT][,ID[:WEIGHT]...] (or 0)");
	NEED_U32(argv[0], STEER_MAX_TABLES - 1, &table_id, "table id");
	if (parse_id_list(argv[1], b, sizeof(b) / sizeof(b[0]), &n))
		return bad("bad backend id list '%s'", argv[1]);
	OPEN_DP();
	err = dp_config_get(dp, &cfg);
	if (err)
		return dp_err("table: config not set (run `config` first)", err);
	if (!util_is_prime(cfg.maglev_size) || cfg.maglev_size > STEER_MAGLEV_MAX) {
		fprintf(stderr, "%s: table: config maglev_size %u unusable\n", prog,
			cfg.maglev_size);
		return 1;
	}
	/* a backend's Maglev key comes from its address; unknown ones use the id */
	for (i = 0; i < n; i++) {
		if (!dp_backend_get(dp, b[i].id, &be) && be.family)
			b[i].key = engine_maglev_key(be.addr, be.family, be.port);
		else
			b[i].key = b[i].id;
	}
	slots = calloc(cfg.maglev_size, sizeof(*slots));
	if (!slots)
		return dp_err("table", -ENOMEM);
	err = engine_maglev_build(b, n, cfg.maglev_size, cfg.hash_seed, slots);
	if (!err)
		err = dp_table_publish(dp, table_id, slots, cfg.maglev_size);
	free(slots);
	return err ? dp_err("table", err) : 0;
}

static int reason_by_name(const char *name, uint32_t *reason)
{
	uint32_t r;

	for (r = 0; r < STEER_R_MAX; r++) {
		if (!strcmp(dp_reason_name(r), name)) {
			*reason = r;
			return 0;
		}
	}
	return -ENOENT;
}

#define PRINT_FIELD(s, f) printf("%s %" PRIu64 "\n", #f, (uint64_t)(s).f)

static int cmd_stats(int argc, char **argv)
{
	uint32_t id;
	int err;

	if (argc != 2)
		return bad("%s", "stats: expected backend|tenant|class ID or reason NAME");
	if (!strcmp(argv[0], "reason")) {
		struct steer_reason_stats x, t;
		uint32_t r;

		if (reason_by_name(argv[1], &r))
			return bad("unknown reason '%s'", argv[1]);
		OPEN_DP();
		err = dp_reason_read(dp, DP_HOOK_XDP, r, &x);
		if (!err)
			err = dp_reason_read(dp, DP_HOOK_TC, r, &t);
		if (err)
			return dp_err("stats reason", err);
		printf("xdp_packets %" PRIu64 "\nxdp_bytes %" PRIu64 "\n", (uint64_t)x.packets,
		       (uint64_t)x.bytes);
		printf("tc_packets %" PRIu64 "\ntc_bytes %" PRIu64 "\n", (uint64_t)t.packets,
		       (uint64_t)t.bytes);
		return 0;
	}
	if (!strcmp(argv[0], "backend")) {
		struct steer_backend_stats s;

		NEED_U32(argv[1], STEER_MAX_BACKENDS - 1, &id, "backend id");
		OPEN_DP();
		err = dp_backend_stats_read(dp, id, &s);
		if (err)
			return dp_err("stats backend", err);
		PRINT_FIELD(s, packets);
		PRINT_FIELD(s, bytes);
		PRINT_FIELD(s, reply_packets);
		PRINT_FIELD(s, reply_bytes);
		PRINT_FIELD(s, new_flows);
		PRINT_FIELD(s, closed_flows);
		return 0;
	}
	if (!strcmp(argv[0], "tenant")) {
		struct steer_tenant_stats s;

		NEED_U32(argv[1], STEER_MAX_TENANTS - 1, &id, "tenant");
		OPEN_DP();
		err = dp_tenant_stats_read(dp, id, &s);
		if (err)
			return dp_err("stats tenant", err);
		PRINT_FIELD(s, packets);
		PRINT_FIELD(s, bytes);
		PRINT_FIELD(s, reply_packets);
		PRINT_FIELD(s, reply_bytes);
		PRINT_FIELD(s, new_flows);
		PRINT_FIELD(s, closed_flows);
		PRINT_FIELD(s, rejected);
		PRINT_FIELD(s, admit_rate_drops);
		PRINT_FIELD(s, admit_conc_drops);
		return 0;
	}
	if (!strcmp(argv[0], "class")) {
		struct steer_class_stats s;

		NEED_U32(argv[1], STEER_MAX_CLASSES - 1, &id, "class id");
		OPEN_DP();
		err = dp_class_stats_read(dp, id, &s);
		if (err)
			return dp_err("stats class", err);
		PRINT_FIELD(s, packets);
		PRINT_FIELD(s, bytes);
		PRINT_FIELD(s, new_flows);
		PRINT_FIELD(s, rejected);
		return 0;
	}
	return bad("stats: unknown kind '%s' (backend, tenant, class, reason)", argv[0]);
}

/* N established flows into ct + rct, in batches. */
static int cmd_ct_fill(int argc, char **argv)
{
	enum { B = 4096 };
	static struct steer_flow_key k[B];
	static struct steer_ct v[B];
	static struct steer_flow_key rk[B];
	static struct steer_rct rv[B];
	struct steer_backend b;
	uint32_t n, be, tenant, port, i, j, chunk;
	uint8_t vip[4] = { 198, 18, 100, 1 };
	bool with_rct;
	int err;

	port = 80;
	if (argc != 3 && argc != 5)
		return bad("ct-fill: expected N BACKEND_ID TENANT [VIP PORT]%s", "");
	NEED_U32(argv[0], 16777216, &n, "count");
	NEED_U32(argv[1], STEER_MAX_BACKENDS - 1, &be, "backend id");
	NEED_U32(argv[2], UINT32_MAX, &tenant, "tenant");
	if (argc == 5 && inet_pton(AF_INET, argv[3], vip) != 1)
		return bad("ct-fill: bad IPv4 VIP '%s'", argv[3]);
	if (argc == 5)
		NEED_U32(argv[4], 65535, &port, "port");
	OPEN_DP();
	/* reverse keys as the data plane makes them: from the backend's address */
	with_rct = !bpf_map_lookup_elem(dp_map_fd(dp, DP_MAP_BACKENDS), &be, &b) &&
		   b.family == STEER_AF_INET;
	for (i = 0; i < n; i += chunk) {
		uint64_t now = util_now_ns();

		chunk = n - i < B ? n - i : B;
		for (j = 0; j < chunk; j++) {
			uint32_t x = i + j;

			memset(&k[j], 0, sizeof(k[j]));
			k[j].family = STEER_AF_INET;
			k[j].proto = STEER_PROTO_TCP;
			k[j].src[0] = 10;
			k[j].src[1] = (uint8_t)(x >> 16);
			k[j].src[2] = (uint8_t)(x >> 8);
			k[j].src[3] = (uint8_t)x;
			k[j].sport = htons((uint16_t)(40000 + (x >> 24)));
			memcpy(k[j].dst, vip, 4);
			k[j].dport = htons((uint16_t)port);
			memset(&v[j], 0, sizeof(v[j]));
			v[j].backend_id = be;
			v[j].tenant = tenant;
			v[j].flags = STEER_CT_F_SYNACK | STEER_CT_F_ESTABLISHED;
			v[j].created_ns = v[j].last_ns = now;
			memset(&rv[j], 0, sizeof(rv[j]));
			memcpy(rv[j].vip, vip, 4);
			rv[j].vport = htons((uint16_t)port);
			rv[j].backend_id = be;
			rv[j].flags = v[j].flags;
			if (with_rct)
				steer_rct_key(&rk[j], &k[j], &b);
		}
		err = dp_map_write(dp, DP_MAP_CT, k, v, chunk);
		if (!err && with_rct)
			err = dp_map_write(dp, DP_MAP_RCT, rk, rv, chunk);
		if (err)
			return dp_err("ct-fill", err);
	}
	return 0;
}

/* A no-op program of another owner (r0 = XDP_PASS / TC_ACT_OK; exit). */
static int cmd_foreign(int argc, char **argv)
{
	const struct bpf_insn ret_pass[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	struct bpf_insn insns[2];
	unsigned int ifindex;
	bool xdp;
	int fd, err;

	if (argc != 2 || (strcmp(argv[0], "xdp") && strcmp(argv[0], "tc")))
		return bad("foreign: expected xdp|tc IFNAME%s", "");
	xdp = !strcmp(argv[0], "xdp");
	ifindex = if_nametoindex(argv[1]);
	if (!ifindex)
		return bad("foreign: no interface '%s'", argv[1]);
	memcpy(insns, ret_pass, sizeof(insns));
	if (xdp)
		insns[0].imm = 2; /* XDP_PASS */
	fd = bpf_prog_load(xdp ? BPF_PROG_TYPE_XDP : BPF_PROG_TYPE_SCHED_CLS,
			   xdp ? "foreign_xdp" : "foreign_tc", "GPL", insns, 2, NULL);
	if (fd < 0)
		return dp_err("foreign: load", -errno);
	if (xdp) {
		err = bpf_xdp_attach((int)ifindex, fd, XDP_FLAGS_DRV_MODE, NULL);
	} else {
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)ifindex,
			    .attach_point = BPF_TC_INGRESS);
		LIBBPF_OPTS(bpf_tc_opts, to, .prog_fd = fd, .handle = 0x5354, .priority = 0x5354);

		err = bpf_tc_hook_create(&hook);
		if (err == -EEXIST)
			err = 0;
		if (!err)
			err = bpf_tc_attach(&hook, &to);
	}
	close(fd);
	if (err)
		return dp_err("foreign: attach", err);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd;
	uint32_t m;
	int rc;

	if (argc < 4 || strcmp(argv[1], "--pin-root") || !argv[2][0]) {
		usage();
		return 2;
	}
	opts.pin_root = argv[2];
	cmd = argv[3];
	argc -= 4;
	argv += 4;

	if (!strcmp(cmd, "config") && argc >= 1 && !parse_u32(argv[0], STEER_MAGLEV_MAX, &m))
		opts.maglev_size = m;

	if (!strcmp(cmd, "attach"))
		rc = cmd_attach(argc, argv, true);
	else if (!strcmp(cmd, "detach"))
		rc = cmd_attach(argc, argv, false);
	else if (!strcmp(cmd, "config"))
		rc = cmd_config(argc, argv);
	else if (!strcmp(cmd, "service"))
		rc = cmd_service(argc, argv);
	else if (!strcmp(cmd, "tenant"))
		rc = cmd_tenant(argc, argv);
	else if (!strcmp(cmd, "limits"))
		rc = cmd_limits(argc, argv);
	else if (!strcmp(cmd, "backend"))
		rc = cmd_backend(argc, argv);
	else if (!strcmp(cmd, "class"))
		rc = cmd_class(argc, argv);
	else if (!strcmp(cmd, "table"))
		rc = cmd_table(argc, argv);
	else if (!strcmp(cmd, "stats"))
		rc = cmd_stats(argc, argv);
	else if (!strcmp(cmd, "ct-fill"))
		rc = cmd_ct_fill(argc, argv);
	else if (!strcmp(cmd, "foreign"))
		rc = cmd_foreign(argc, argv);
	else {
		fprintf(stderr, "%s: unknown command '%s'\n", prog, cmd);
		usage();
		rc = 2;
	}

	if (dp)
		dp_close(dp);
	return rc;
}
