/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * steer ABI: everything shared between the BPF programs and userspace.
 *
 * Map keys and values, limits, reason codes and pin names. Fixed-width
 * types only, explicit padding, and a _Static_assert on every size, so
 * that BPF (clang -target bpf) and userspace (gcc, x86_64) agree byte
 * for byte. Addresses and ports are kept in network byte order; IPv4
 * addresses sit in the first 4 bytes of a 16-byte address, the rest zero.
 */
#ifndef STEER_ABI_H
#define STEER_ABI_H

#ifndef __bpf__
#include <linux/types.h>
#include <linux/bpf.h> /* struct bpf_spin_lock */
#endif

/* ---- limits ------------------------------------------------------------ */

#define STEER_MAX_SERVICES	1024
#define STEER_MAX_TENANTS	4096	/* tenant ids 0..4095; 0 is the default tenant */
#define STEER_MAX_TASKS		16	/* task ids 0..15 */
#define STEER_MAX_BACKENDS	8192	/* backend ids 1..8191; 0 means "no backend" */
#define STEER_MAX_CLASSES	32768	/* class ids: stats index of a (tenant, task, family) */
#define STEER_MAX_TABLES	32768	/* Maglev table ids (shared between classes) */
#define STEER_MAX_PREFIXES	65536	/* per address family */
#define STEER_CT_ENTRIES	262144	/* forward and reverse conntrack, each */
#define STEER_MAGLEV_DEFAULT	16381	/* default prime table size */
#define STEER_MAGLEV_MAX	131071	/* largest table the loader accepts */
#define STEER_IPV6_EXT_MAX	4	/* IPv6 extension headers skipped before giving up */
#define STEER_VLAN_MAX		2	/* stacked 802.1Q/802.1ad tags parsed */
#define STEER_REASON_SLOTS	64	/* reasons maps' size: room for new codes */

#define STEER_DEFAULT_TENANT	0
#define STEER_NO_BACKEND	0

/* ---- pin names (relative to the pin root) ----------------------------- */

#define STEER_PIN_ROOT_DEFAULT	"/sys/fs/bpf/steer"
#define STEER_MAP_CONFIG	"steer_cfg"
#define STEER_MAP_SERVICES	"services"
#define STEER_MAP_TENANTS_V4	"tenants_v4"
#define STEER_MAP_TENANTS_V6	"tenants_v6"
#define STEER_MAP_TENANT_CFG	"tenant_cfg"
#define STEER_MAP_TENANT_STATE	"tenant_state"
#define STEER_MAP_CLASSES	"classes"
#define STEER_MAP_TABLES	"tables"
#define STEER_MAP_BACKENDS	"backends"
#define STEER_MAP_CT		"ct"
#define STEER_MAP_RCT		"rct"
#define STEER_MAP_XDP_REASONS	"xdp_reasons"
#define STEER_MAP_TC_REASONS	"tc_reasons"
#define STEER_MAP_BACKEND_STATS	"backend_stats"
#define STEER_MAP_TENANT_STATS	"tenant_stats"
#define STEER_MAP_CLASS_STATS	"class_stats"
#define STEER_MAP_NEXTHOPS	"nexthops"
#define STEER_MAP_SERVICE_PORTS	"service_ports"
/*
 * Links are pinned as "<pin root>/links/xdp-<ifname>" and "tc-<ifname>"
 * ('.' and '%' in ifname escaped as %2e, %25: bpffs refuses dots).
 */
#define STEER_PIN_LINKS_DIR	"links"

/* ---- enums (stored in __u8/__u32 fields) ------------------------------ */

enum steer_family {
	STEER_AF_INET = 4,
	STEER_AF_INET6 = 6,
};

enum steer_proto {
	STEER_PROTO_TCP = 6,
	STEER_PROTO_UDP = 17,
};

enum steer_backend_state {
	STEER_BACKEND_UNUSED = 0, /* slot empty: flows pinned to it re-steer */
	STEER_BACKEND_ACTIVE = 1,
	STEER_BACKEND_DRAINING = 2, /* keeps its flows, gets no new ones */
	STEER_BACKEND_DOWN = 3, /* its flows re-steer on their next packet */
};

enum steer_class_action {
	STEER_ACTION_TABLE = 0, /* pick a backend from tables[table_id] */
	STEER_ACTION_REJECT = 1, /* drop new flows, counted as REJECT_POLICY */
};

/* conntrack entry flags */
#define STEER_CT_F_FIN_CLIENT	(1u << 0) /* FIN seen from the client */
#define STEER_CT_F_FIN_BACKEND	(1u << 1) /* FIN seen from the backend */
#define STEER_CT_F_RST		(1u << 2) /* RST seen either way */
#define STEER_CT_F_CLOSED	(1u << 3) /* closed: a new SYN re-steers */
#define STEER_CT_F_COUNTED	(1u << 4) /* holds a tenant concurrency slot */
#define STEER_CT_F_NONSYN	(1u << 5) /* created by a non-SYN (table) miss */

/*
 * Reason codes. Every verdict that is not "steered to a backend" is
 * counted under exactly one of these, per CPU, in xdp_reasons (XDP) or
 * tc_reasons (TC); a few codes count notable events on the steered path
 * (marked "event"), the packet itself being forwarded. The numbers are
 * ABI: counters are indexed by them; new codes are added at the end.
 */
enum steer_reason {
	STEER_R_NONE = 0,
	/* pass-through: left to the kernel stack untouched */
	STEER_R_PASS_NOT_IP = 1,		/* ethertype is neither IPv4 nor IPv6 */
	STEER_R_PASS_NOT_L4 = 2,		/* not TCP or UDP (ICMP, ...) */
	STEER_R_PASS_NOT_SERVICE = 3,	/* no service at dst addr:port/proto */
	STEER_R_PASS_FRAGMENT = 4,		/* IPv4 fragment or IPv6 fragment header */
	STEER_R_PASS_EXT_DEPTH = 5,		/* IPv6 ext header chain too long or ESP */
	STEER_R_PASS_NO_NEIGH = 6,		/* NATed, neighbour unresolved: stack forwards */
	STEER_R_PASS_VLAN = 7,		/* NATed, tagged frame: stack forwards */
	STEER_R_PASS_NO_RCT = 8,		/* TC: not a reply of a steered flow */
	STEER_R_PASS_MALFORMED = 9,		/* TC: unparseable, left to the stack */
	/* drops: malformed input */
	STEER_R_DROP_TRUNC_ETH = 10,		/* shorter than an Ethernet/VLAN header */
	STEER_R_DROP_TRUNC_IP = 11,		/* shorter than the IP header */
	STEER_R_DROP_BAD_IP = 12,		/* bad version/IHL/total length */
	STEER_R_DROP_TRUNC_L4 = 13,		/* shorter than the TCP/UDP header */
	STEER_R_DROP_BAD_L4 = 14,		/* bad TCP data offset, IPv6 UDP csum 0 */
	/* drops: policy and admission */
	STEER_R_DROP_NO_CLASS = 15,		/* no class for (tenant, task) */
	STEER_R_DROP_REJECT_POLICY = 16,	/* class action is reject */
	STEER_R_DROP_NO_BACKEND = 17,	/* table missing, slot empty or unusable */
	STEER_R_DROP_ADMIT_RATE = 18,	/* tenant new-connection rate exceeded */
	STEER_R_DROP_ADMIT_CONC = 19,	/* tenant concurrent connections at cap */
	/* drops: forwarding */
	STEER_R_DROP_FIB = 20,		/* FIB lookup failed (no route, disabled) */
	STEER_R_DROP_NO_CONFIG = 21,		/* config map not filled yet */
	/* events on the steered path */
	STEER_R_EV_NONSYN_MISS = 22,		/* event: non-SYN with no entry, table-steered */
	STEER_R_EV_RESTEER_DOWN = 23,	/* event: flow's backend down/gone, re-steered */
	STEER_R_EV_UDP_EXPIRED = 24,		/* event: idle UDP entry replaced */
	STEER_R_EV_CT_REUSE = 25,		/* event: SYN on a closed entry, new flow */
	STEER_R_MAX = 26,
};

/* ---- map values -------------------------------------------------------- */

/* steer_cfg[0]: global settings, written by steerd before any table. */
struct steer_config {
	__u32 maglev_size;	/* M of every table (prime) */
	__u32 hash_seed;	/* flow hash seed, same on every gateway */
	__u64 udp_idle_ns;	/* UDP entries idle longer than this expire */
	__u64 tcp_idle_ns;	/* informational: steerd's conntrack GC bound */
	__u32 flags;		/* reserved, 0 */
	__u32 pad;
};

/* services: (VIP, port, proto) -> service. */
struct steer_service_key {
	__u8 addr[16];		/* network order; IPv4 in addr[0..3] */
	__u16 port;		/* network order */
	__u8 proto;		/* enum steer_proto */
	__u8 family;		/* enum steer_family */
};

struct steer_service {
	__u32 service_id;
	__u32 default_task;
	__u32 flags;
	__u32 pad;
};

/* tenants_v4 / tenants_v6: LPM tries, source prefix -> tenant id. */
struct steer_lpm_v4_key {
	__u32 prefixlen;
	__u8 addr[4];
};

struct steer_lpm_v6_key {
	__u32 prefixlen;
	__u8 addr[16];
};

/* tenant_cfg[tenant]: admission limits; 0 means unlimited. */
struct steer_tenant_cfg {
	__u32 rate;		/* new connections per second */
	__u32 burst;		/* bucket depth, connections */
	__u32 max_conns;	/* concurrent connections */
	__u32 priority;		/* higher is shed later (steerd) */
};

/* tenant_state[tenant]: admission state, shared by all CPUs. */
struct steer_tenant_state {
	struct bpf_spin_lock lock;
	__u32 pad;
	__u64 tokens_nano;	/* tokens * 1e9 */
	__u64 last_ns;		/* last refill */
	__s64 active;		/* admitted, not yet closed (atomic) */
};

/*
 * classes: (tenant, task, family) -> decision. The family is part of the
 * class because a flow is NATed within its address family: an IPv4 flow
 * needs an IPv4 backend, so each family gets its own table.
 */
struct steer_class_key {
	__u32 tenant;
	__u16 task;
	__u8 family;		/* enum steer_family */
	__u8 pad;
};

struct steer_class {
	__u32 class_id;		/* index into class_stats */
	__u32 table_id;		/* index into tables */
	__u32 action;		/* enum steer_class_action */
	__u32 pad;
};

/* backends[id]: where a backend is and whether it takes flows. */
struct steer_backend {
	__u8 addr[16];		/* network order; IPv4 in addr[0..3] */
	__u16 port;		/* network order */
	__u8 family;		/* enum steer_family */
	__u8 state;		/* enum steer_backend_state */
	__u32 flags;
};

/*
 * Flow key, used for ct (client -> VIP, as the client sent it) and rct
 * (backend -> client, as the backend replies).
 */
struct steer_flow_key {
	__u8 src[16];
	__u8 dst[16];
	__u16 sport;
	__u16 dport;
	__u8 proto;
	__u8 family;
	__u16 pad;
};

/* ct: forward entry. */
struct steer_ct {
	__u32 backend_id;
	__u32 tenant;
	__u32 class_id;
	__u32 flags;		/* STEER_CT_F_* */
	__u64 created_ns;
	__u64 last_ns;		/* refreshed at most once a second */
};

/* rct: reverse entry, how to undo the NAT on replies. */
struct steer_rct {
	__u8 vip[16];
	__u16 vport;
	__u16 pad;
	__u32 backend_id;
	__u32 tenant;
	__u32 flags;		/* STEER_CT_F_* mirrored from the backend side */
};

/* ---- statistics (per-CPU arrays; userspace sums the CPUs) -------------- */

struct steer_reason_stats {
	__u64 packets;
	__u64 bytes;
};

struct steer_backend_stats {
	__u64 packets;		/* client -> backend */
	__u64 bytes;
	__u64 reply_packets;	/* backend -> client (TC) */
	__u64 reply_bytes;
	__u64 new_flows;
	__u64 closed_flows;	/* active = new_flows - closed_flows (summed) */
};

struct steer_tenant_stats {
	__u64 packets;
	__u64 bytes;
	__u64 reply_packets;
	__u64 reply_bytes;
	__u64 new_flows;
	__u64 closed_flows;
	__u64 rejected;		/* policy or no backend */
	__u64 admit_rate_drops;
	__u64 admit_conc_drops;
};

struct steer_class_stats {
	__u64 packets;
	__u64 bytes;
	__u64 new_flows;
	__u64 rejected;
};

/*
 * nexthops[backend] (per CPU): the last FIB answer towards a backend, so
 * that most packets skip bpf_fib_lookup. Refreshed when older than
 * STEER_NEXTHOP_TTL_NS or when the packet came in on another interface.
 */
struct steer_nexthop {
	__u64 stamp_ns;		/* bpf_ktime_get_coarse_ns() of the lookup; 0 never */
	__u32 ingress;		/* ingress ifindex the lookup was made for */
	__u32 ifindex;		/* egress */
	__u8 smac[6];
	__u8 dmac[6];
	__u32 pad;
};
#define STEER_NEXTHOP_TTL_NS	250000000ULL	/* 250 ms */

/*
 * explain[0]: what a dry run of steer_xdp (a second instance loaded with
 * steer_dry_run = 1, used by `steerctl explain`) decided for one packet.
 * A dry run reads the live maps and writes nothing else.
 */
struct steer_explain {
	__u32 verdict;		/* XDP action */
	__u32 reason;		/* reason counted (0: steered) */
	__u32 service_id;
	__u32 task;
	__u32 tenant;
	__u32 class_id;
	__u32 table_id;
	__u32 backend_id;
	__u32 slot;		/* Maglev slot of the flow hash */
	__u32 admit;		/* 0 admitted, else the admission reason */
	__u32 ct_hit;		/* 1: an existing conntrack entry decided */
	__u32 stage;		/* bit per stage reached (STEER_EXPLAIN_*) */
};
#define STEER_EXPLAIN_SERVICE	(1u << 0)
#define STEER_EXPLAIN_CLASS	(1u << 1)
#define STEER_EXPLAIN_PICKED	(1u << 2)
#define STEER_EXPLAIN_ADMIT	(1u << 3)
#define STEER_EXPLAIN_NAT	(1u << 4)

/* ---- size guards --------------------------------------------------------- */

_Static_assert(sizeof(struct steer_config) == 32, "steer_config size");
_Static_assert(sizeof(struct steer_service_key) == 20, "steer_service_key size");
_Static_assert(sizeof(struct steer_service) == 16, "steer_service size");
_Static_assert(sizeof(struct steer_lpm_v4_key) == 8, "steer_lpm_v4_key size");
_Static_assert(sizeof(struct steer_lpm_v6_key) == 20, "steer_lpm_v6_key size");
_Static_assert(sizeof(struct steer_tenant_cfg) == 16, "steer_tenant_cfg size");
_Static_assert(sizeof(struct steer_tenant_state) == 32, "steer_tenant_state size");
_Static_assert(sizeof(struct steer_class_key) == 8, "steer_class_key size");
_Static_assert(sizeof(struct steer_class) == 16, "steer_class size");
_Static_assert(sizeof(struct steer_backend) == 24, "steer_backend size");
_Static_assert(sizeof(struct steer_flow_key) == 40, "steer_flow_key size");
_Static_assert(sizeof(struct steer_ct) == 32, "steer_ct size");
_Static_assert(sizeof(struct steer_rct) == 32, "steer_rct size");
_Static_assert(sizeof(struct steer_reason_stats) == 16, "steer_reason_stats size");
_Static_assert(sizeof(struct steer_backend_stats) == 48, "steer_backend_stats size");
_Static_assert(sizeof(struct steer_tenant_stats) == 72, "steer_tenant_stats size");
_Static_assert(sizeof(struct steer_class_stats) == 32, "steer_class_stats size");
_Static_assert(sizeof(struct steer_explain) == 48, "steer_explain size");
_Static_assert(sizeof(struct steer_nexthop) == 32, "steer_nexthop size");
_Static_assert(STEER_R_MAX <= STEER_REASON_SLOTS, "reasons map size");

#endif /* STEER_ABI_H */
