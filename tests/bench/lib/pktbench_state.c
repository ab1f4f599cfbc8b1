// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * pktbench's tables (tests/bench/pktbench.c): emptied and filled untimed,
 * as a gateway in service or a SYN flood leaves them, ct_hint rebuilt as
 * steerd's sweep keeps it; the process pinned to one CPU, whose share of
 * the per-CPU ct_syn the timed SYNs use; the bounded load and a tenant's
 * rate set for the cases that need them.
 */
#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/bpf.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpftest_env.h"
#include "pktbench_state.h"
#include "steer_abi.h"

uint32_t pb_syn_share;

/* Empty a hash map with batched lookup-and-delete (untimed). */
void pb_map_empty(int fd)
{
	static uint8_t keys[4096 * 64], vals[4096 * 64];
	uint64_t batch = 0;
	__u32 count;
	int err;
	bool first = true;

	for (;;) {
		LIBBPF_OPTS(bpf_map_batch_opts, bo);
		count = 4096;
		err = bpf_map_lookup_and_delete_batch(fd, first ? NULL : &batch, &batch, keys, vals,
						      &count, &bo);
		first = false;
		if (err && errno != ENOENT) {
			/* fall back to restart-from-first deletion */
			uint8_t k[64];

			while (!bpf_map_get_next_key(fd, NULL, k))
				bpf_map_delete_elem(fd, k);
			return;
		}
		if (err)
			return;
	}
}

/*
 * One pass of steerd's sweep, nothing expiring: ct_hint rebuilt from what
 * the tables hold and trusted (include/steer_ct_hint.h), as steerd keeps
 * it, so that a SYN of a new flow skips the ct and ct_syn lookups.
 */
void pb_hint_rebuild(void)
{
	int r = bpft_sweep_pass(NULL);

	if (r < 0)
		fprintf(stderr, "pktbench: sweep: %s\n", strerror(-r));
}

/* The half-open flows gone (the SYNs' entries), established ones kept. */
void pb_syn_empty(void)
{
	pb_map_empty(bpft.ct_syn_fd);
	pb_hint_rebuild();
}

void pb_ct_empty(void)
{
	pb_map_empty(bpft.ct_fd);
	pb_map_empty(bpft.rct_fd);
	pb_map_empty(bpft.ct_syn_fd); /* where SYNs' entries live until the handshake ends */
	pb_hint_rebuild();
}

/* Fill ct and rct to capacity with entries no packet of ours matches. */
void pb_ct_fill(void)
{
	enum { B = 8192 };
	static struct steer_flow_key k[B];
	static struct steer_ct v[B];
	static struct steer_rct rv[B];
	uint32_t i, j, n;

	for (i = 0; i < STEER_CT_ENTRIES; i += B) {
		LIBBPF_OPTS(bpf_map_batch_opts, bo);
		n = B;
		for (j = 0; j < B; j++) {
			uint32_t x = i + j;

			memset(&k[j], 0, sizeof(k[j]));
			k[j].family = STEER_AF_INET;
			k[j].proto = STEER_PROTO_TCP;
			k[j].src[0] = 10;
			k[j].src[1] = (uint8_t)(x >> 16);
			k[j].src[2] = (uint8_t)(x >> 8);
			k[j].src[3] = (uint8_t)x;
			memcpy(k[j].dst, A_VIP4, 4);
			k[j].sport = htons(40000);
			k[j].dport = htons(PORT_TCP);
			memset(&v[j], 0, sizeof(v[j]));
			v[j].backend_id = BE4_A;
			v[j].tenant = TENANT_1;
			v[j].created_ns = v[j].last_ns = bpft_now_ns();
			memset(&rv[j], 0, sizeof(rv[j]));
			memcpy(rv[j].vip, A_VIP4, 4);
			rv[j].vport = htons(PORT_TCP);
			rv[j].backend_id = BE4_A;
		}
		if (bpf_map_update_batch(bpft.ct_fd, k, v, &n, &bo))
			fprintf(stderr, "pktbench: ct fill: %s\n", strerror(errno));
		n = B;
		if (bpf_map_update_batch(bpft.rct_fd, k, rv, &n, &bo))
			fprintf(stderr, "pktbench: rct fill: %s\n", strerror(errno));
	}
	pb_hint_rebuild(); /* the entries' hint bits, as steerd's next pass sets them */
}

/*
 * Fill this CPU's share of ct_syn with half-open flows no packet of ours
 * matches, as a SYN flood leaves it: each SYN after that evicts. The
 * process is pinned (pb_pin_cpu()), and a per-CPU LRU takes the entries a
 * syscall writes from the list of the CPU it runs on.
 */
int pb_ct_syn_fill(void)
{
	struct steer_flow_key k;
	struct steer_ct v = {0};
	uint32_t x;

	v.backend_id = BE4_A;
	v.tenant = TENANT_1;
	v.flags = STEER_CT_F_EMBRYONIC;
	v.created_ns = v.last_ns = bpft_now_ns();
	for (x = 0; x < pb_syn_share; x++) {
		memset(&k, 0, sizeof(k));
		k.family = STEER_AF_INET;
		k.proto = STEER_PROTO_TCP;
		k.src[0] = 10;
		k.src[1] = (uint8_t)(x >> 16);
		k.src[2] = (uint8_t)(x >> 8);
		k.src[3] = (uint8_t)x;
		memcpy(k.dst, A_VIP4, 4);
		k.sport = htons(40001); /* pb_ct_fill's are 40000 */
		k.dport = htons(PORT_TCP);
		if (bpf_map_update_elem(bpft.ct_syn_fd, &k, &v, BPF_ANY))
			return -errno;
	}
	if (bpft_map_count(bpft.ct_syn_fd) != pb_syn_share) {
		fprintf(stderr, "pktbench: ct_syn holds %u after filling a share of %u\n",
			bpft_map_count(bpft.ct_syn_fd), pb_syn_share);
		return -EPROTO;
	}
	pb_hint_rebuild();
	return 0;
}

/*
 * Stay on the CPU we start on: every timed run uses one CPU's share of
 * the per-CPU LRU ct_syn (its size / possible CPUs), as a flow's packets
 * do on one receive queue, and the fill above lands in that share.
 */
int pb_pin_cpu(void)
{
	struct bpf_map_info info = {0};
	uint32_t len = sizeof(info);
	int cpu = sched_getcpu(), ncpus = libbpf_num_possible_cpus();
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (cpu < 0 || ncpus < 1 || sched_setaffinity(0, sizeof(set), &set) ||
	    bpf_obj_get_info_by_fd(bpft.ct_syn_fd, &info, &len))
		return -errno;
	pb_syn_share = info.map_flags & BPF_F_NO_COMMON_LRU ? info.max_entries / (uint32_t)ncpus
							    : info.max_entries;
	fprintf(stderr, "pktbench: on CPU %d; ct_syn %u entries, %u on this CPU\n", cpu,
		info.max_entries, pb_syn_share);
	return pb_syn_share >= 2 ? 0 : -EINVAL;
}

/* Bounded load on or off for the TCP service, table 1 alternating A and B
 * (on) or all A (off, as bpft_reset leaves it), every load 0. */
int pb_bound_set(bool on)
{
	struct steer_service_key k = {0};
	struct steer_service s = {0};
	struct steer_backend_load zl = {0};
	uint32_t t[BPFT_M], i;

	memcpy(k.addr, A_VIP4, 16);
	k.port = htons(PORT_TCP);
	k.proto = STEER_PROTO_TCP;
	k.family = STEER_AF_INET;
	if (bpf_map_lookup_elem(dp_map_fd(bpft.dp, DP_MAP_SERVICES), &k, &s))
		return -1;
	s.balance_pct = on ? 125 : 0;
	for (i = 0; i < BPFT_M; i++)
		t[i] = on && (i & 1) ? BE4_B : BE4_A;
	for (i = 0; i <= BPFT_NBACKENDS; i++)
		if (dp_map_write(bpft.dp, DP_MAP_BACKEND_LOAD, &i, &zl, 1))
			return -1;
	if (dp_table_publish(bpft.dp, 1, t, BPFT_M))
		return -1;
	return dp_service_set(bpft.dp, &k, &s);
}

/* The tables as a SYN flood leaves them: ct, rct and ct_syn full. */
int pb_flood_fill(void)
{
	int r;

	pb_ct_empty();
	pb_ct_fill();
	r = pb_ct_syn_fill();
	if (r)
		fprintf(stderr, "pktbench: ct_syn fill: %s\n", strerror(-r));
	return r;
}

/* Tenant 1's connection rate (burst 1; 0: unlimited), its bucket spent. */
int pb_rate_set(uint32_t rate)
{
	struct steer_tenant_cfg tc = {.rate = rate, .burst = rate};
	struct steer_tenant_state st;
	uint32_t t = TENANT_1;

	if (dp_tenant_cfg_set(bpft.dp, t, &tc, true))
		return -1;
	memset(&st, 0, sizeof(st));
	st.last_ns = bpft_now_ns(); /* empty, refilled 1 token a second */
	return bpf_map_update_elem(bpft.tstate_fd, &t, &st, BPF_ANY) ? -1 : 0;
}
