/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Environment of the BPF fixtures.
 *
 * bpft_main() runs the tests in a child process that has its own network
 * and mount namespaces: a bpffs mounted on a fresh /tmp/steer-bpft-XXXXXX
 * is the pin root, and two interfaces carry the routes and permanent
 * neighbours bpf_fib_lookup() sees. They are veth pairs whose peers
 * (cli0p, be0p) stay in the namespace, up and unused: kernels without
 * CONFIG_DUMMY have veth, and a veth with an up peer has carrier. Namespaces, mount and pins die with the
 * child; the parent removes the directory afterwards, whatever the child's
 * fate. Not root: exit 77 (skipped).
 *
 *   cli0  02:00:00:00:c0:01  198.18.0.1/24  fd00::1/64    clients
 *         neighbours: 198.18.0.100, fd00::100 -> 02:00:00:00:c1:00
 *   be0   02:00:00:00:be:01  198.18.1.1/24  fd00:1::1/64  backends
 *         neighbours: 198.18.1.10/.11, fd00:1::10/::11 (see bpft_backends);
 *         198.18.1.12 and fd00:1::12 have none (pass_no_neigh)
 */
#ifndef STEER_TESTS_BPFTEST_ENV_H
#define STEER_TESTS_BPFTEST_ENV_H

#include <stdbool.h>
#include <stdint.h>

#include "dp/dp.h"
#include "util/util.h"

#define IF_CLI "cli0"
#define IF_BE "be0"

/* Maglev size of the fixtures: a small prime keeps table writes fast. */
#define BPFT_M 251
#define BPFT_SEED 0x5eed1234u

/* addresses (16 bytes, network order, IPv4 in the first 4) */
extern const uint8_t A_CLI4[16];	/* 198.18.0.100: tenant 1 */
extern const uint8_t A_CLI6[16];	/* fd00::100: tenant 1 */
extern const uint8_t A_ANON4[16];	/* 198.18.0.200: no prefix -> tenant 0, no neighbour */
extern const uint8_t A_ANON6[16];	/* fd00::200 */
extern const uint8_t A_VIP4[16];	/* 198.18.100.1 */
extern const uint8_t A_VIP6[16];	/* fd00:100::1 */
extern const uint8_t A_GW4[16];		/* 198.18.0.1 (cli0 itself, no service) */
extern const uint8_t A_GW6[16];		/* fd00::1 */

/* MACs */
extern const uint8_t MAC_CLI_IF[6];	/* cli0 */
extern const uint8_t MAC_BE_IF[6];	/* be0 */
extern const uint8_t MAC_CLIENT[6];	/* the clients' neighbour entries */

/* service ports */
#define PORT_TCP 80
#define PORT_UDP 53
#define PORT_NOCLASS 443	/* a TCP service whose task has no class */
#define PORT_NOSVC 22		/* no service */

/* tasks, tenants, classes and tables of the base configuration */
#define TASK_V4 1		/* default task of the IPv4 services */
#define TASK_V6 2		/* default task of the IPv6 services */
#define TASK_NOCLASS 3
#define TENANT_DEF 0
#define TENANT_1 1
#define CLASS_T1_V4 1		/* (tenant 1, task 1, IPv4) -> table 1: backend 1 */
#define CLASS_T1_V6 2		/* (tenant 1, task 2, IPv6) -> table 2: backend 3 */
#define CLASS_T0_V4 3		/* (tenant 0, task 1, IPv4) -> table 3: backend 2 */
#define CLASS_T0_V6 4		/* (tenant 0, task 2, IPv6) -> table 4: backend 4 */

/* backends of the base configuration (ids 1..BPFT_NBACKENDS) */
enum {
	BE4_A = 1,	/* 198.18.1.10:8080 */
	BE4_B = 2,	/* 198.18.1.11:8080 */
	BE6_A = 3,	/* [fd00:1::10]:8080 */
	BE6_B = 4,	/* [fd00:1::11]:8080 */
	BE4_NONEIGH = 5, /* 198.18.1.12:8080, no neighbour */
	BE6_NONEIGH = 6, /* [fd00:1::12]:8080, no neighbour */
	BE4_NOROUTE = 7, /* 198.19.5.5:8080, no route */
	BE6_NOROUTE = 8, /* [fd00:99::5]:8080, no route */
	BPFT_NBACKENDS = 8,
};
#define BE_PORT 8080

struct bpft_backend {
	uint8_t family;
	uint8_t addr[16];
	uint16_t port;		/* host order */
	uint8_t mac[6];		/* neighbour entry (if has_neigh) */
	bool has_neigh;
};
/* indexed by backend id (entry 0 unused) */
extern const struct bpft_backend bpft_backends[BPFT_NBACKENDS + 1];

/* tracked ids for the counter snapshots */
#define BPFT_NTENANTS 4
#define BPFT_NCLASSES 8

struct bpft_env {
	struct dp *dp;
	char pin_root[64];
	int ifindex_cli;
	int ifindex_be;
	int xdp_fd;
	int tc_fd;
	int ct_fd;
	int rct_fd;
	int ct_syn_fd;		/* half-open flows (their own maps) */
	int tstate_fd;
};

extern struct bpft_env bpft;

/* Conntrack sizes of the environment (0: the defaults); set before bpft_main. */
extern uint32_t bpft_ct_entries, bpft_ct_syn_entries;

/*
 * Run `run` (which returns the number of failed tests) in the private
 * environment; returns the process exit code (0, 1, or 77 skipped).
 */
int bpft_main(int (*run)(void));

/* Shell command in the test namespace; returns its exit status. */
int bpft_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Reset the data plane to the base configuration: ct, rct, services,
 * prefixes, classes, tables, backends, tenant limits and state. cmocka
 * setup function (state untouched).
 */
int bpft_reset(void **state);

/* Publish table id with every slot set to backend `be`. */
void bpft_table_fill(uint32_t table_id, uint32_t be);
/* Publish table id from entries[BPFT_M]. */
void bpft_table_set(uint32_t table_id, const uint32_t *entries);

/* The TCP services (VIP:80, both families) with this mss_clamp (0: off). */
int bpft_tcp_services_mss(uint16_t mss_clamp);

/* Number of entries in a hash map. */
unsigned int bpft_map_count(int fd);

/* CLOCK_MONOTONIC in ns (what bpf_ktime_get_ns() returns). */
uint64_t bpft_now_ns(void);

/*
 * One whole pass of steerd's conntrack sweep with nothing expiring: the
 * counts taken and ct_hint rebuilt and trusted (include/steer_ct_hint.h).
 * 0, or a negative errno; *hint_set (if given): the slots the pass set.
 */
int bpft_sweep_pass(uint64_t *hint_set);

#endif /* STEER_TESTS_BPFTEST_ENV_H */
