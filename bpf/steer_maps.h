/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Every map of the data plane. Both programs include this file; with
 * LIBBPF_PIN_BY_NAME and one pin root, the second object loaded re-uses the
 * first one's pinned maps, so XDP and TC share conntrack and counters, and a
 * restart re-adopts them all.
 */
#ifndef STEER_MAPS_H
#define STEER_MAPS_H

#include "steer_abi.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct steer_config);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} steer_cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, STEER_MAX_SERVICES);
	__type(key, struct steer_service_key);
	__type(value, struct steer_service);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} services SEC(".maps");

/*
 * service_ports[dst port, host order]: how many services use the port. A
 * packet to a port no service uses passes at the cost of an (inlined)
 * array lookup, before hashing its full service key. Kept by the loader.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} service_ports SEC(".maps");

/*
 * service_list[0..n-1]: the TCP services' keys, then empty entries
 * (family 0), for TC to find a half-open flow's replies
 * (steer_embryonic.h) in n lookups. Kept by the loader with
 * service_ports.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, STEER_MAX_SERVICES);
	__type(key, __u32);
	__type(value, struct steer_service_key);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} service_list SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, STEER_MAX_PREFIXES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct steer_lpm_v4_key);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} tenants_v4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, STEER_MAX_PREFIXES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct steer_lpm_v6_key);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} tenants_v6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, STEER_MAX_TENANTS);
	__type(key, __u32);
	__type(value, struct steer_tenant_cfg);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} tenant_cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, STEER_MAX_TENANTS);
	__type(key, __u32);
	__type(value, struct steer_tenant_state);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} tenant_state SEC(".maps");

/*
 * Per tenant, the token bucket of entries its non-SYN misses may make
 * (steer_config.nonsyn_rate): an ACK flood can't fill conntrack with one
 * tenant's strays, while an ECMP failover's flows still get their entries
 * (a dropped packet is retransmitted and admitted a moment later). Only
 * the bucket fields of the value are used.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, STEER_MAX_TENANTS);
	__type(key, __u32);
	__type(value, struct steer_tenant_state);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nonsyn_budget SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, STEER_MAX_CLASSES);
	__type(key, struct steer_class_key);
	__type(value, struct steer_class);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} classes SEC(".maps");

/*
 * A Maglev table: backend id per slot. Userspace creates each one with
 * maglev_size entries (BPF_F_INNER_MAP lets the size differ from this
 * template's), fills it, then swaps it into `tables` in one update.
 */
struct maglev_table {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, STEER_MAGLEV_DEFAULT);
	__uint(map_flags, BPF_F_INNER_MAP);
	__type(key, __u32);
	__type(value, __u32);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, STEER_MAX_TABLES);
	__type(key, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct maglev_table);
} tables SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, STEER_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct steer_backend);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} backends SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, STEER_CT_ENTRIES);
	__type(key, struct steer_flow_key);
	__type(value, struct steer_ct);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ct SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, STEER_CT_ENTRIES);
	__type(key, struct steer_flow_key);
	__type(value, struct steer_rct);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rct SEC(".maps");

/*
 * Half-open TCP flows live apart (a SYN's entry goes here; the client's ACK
 * after the backend's SYN+ACK moves it to ct and gives it a reverse entry
 * in rct), so a SYN flood, however large, evicts only other half-open
 * flows, never an established one. No reverse entry while half-open: TC
 * finds the backend's SYN+ACK from this entry (steer_embryonic.h). steerd
 * sizes the three maps (settings) before the load.
 *
 * A per-CPU LRU (each possible CPU holds max_entries / CPUs entries and
 * evicts only its own), as Katran's per-core LRU maps (one common-LRU
 * map per core there): the common LRU's shared lists took ~150 ns more of
 * every SYN's insert (pktbench's syn, 2026-12-04: 600-629 ns against
 * 425-511 ns), and a flood on one receive queue now evicts only the
 * half-open flows of that queue's CPU.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(map_flags, BPF_F_NO_COMMON_LRU);
	__uint(max_entries, STEER_CT_SYN_ENTRIES);
	__type(key, struct steer_flow_key);
	__type(value, struct steer_ct);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ct_syn SEC(".maps");

/*
 * Which TCP keys may be in ct or ct_syn (include/steer_ct_hint.h): a SYN
 * whose slot is clear skips both lookups. Mappable: steerd's sweep clears
 * and sets bits with atomics on the words while XDP sets others in them.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, STEER_CT_HINT_WORDS_MIN); /* sized at load */
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ct_hint SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct steer_ct_hint_ctl);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ct_hint_ctl SEC(".maps");

/*
 * Fragmented datagrams in flight (steer_frag.h): frags, client to VIP,
 * noted by XDP at the first fragment; frags_rev, backend to client, noted
 * by TC at a reply's first fragment (value: the reply's VIP, as in rct).
 * LRU: a datagram whose last fragment never comes ages out.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, STEER_FRAG_ENTRIES);
	__type(key, struct steer_frag_key);
	__type(value, struct steer_frag);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} frags SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, STEER_FRAG_ENTRIES);
	__type(key, struct steer_frag_key);
	__type(value, struct steer_rct);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} frags_rev SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, STEER_REASON_SLOTS);
	__type(key, __u32);
	__type(value, struct steer_reason_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xdp_reasons SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, STEER_REASON_SLOTS);
	__type(key, __u32);
	__type(value, struct steer_reason_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} tc_reasons SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, STEER_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct steer_backend_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} backend_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, STEER_MAX_TENANTS);
	__type(key, __u32);
	__type(value, struct steer_tenant_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} tenant_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, STEER_MAX_CLASSES);
	__type(key, __u32);
	__type(value, struct steer_class_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} class_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, STEER_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct steer_nexthop);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nexthops SEC(".maps");

/* Open flows per backend, shared by every CPU (atomics): the bounded load. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, STEER_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct steer_backend_load);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} backend_load SEC(".maps");

/* Per table: its backends and their weights (steer_bound.h). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, STEER_MAX_TABLES);
	__type(key, __u32);
	__type(value, struct steer_table_set);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} table_sets SEC(".maps");

/*
 * After the first of two lookups that differ only in their map (one per
 * branch): clang would otherwise sink them into one call fed by a select
 * of the map. The verifier can't name the map of such a call ("poisoned"),
 * so it neither inlines it (hash and LRU maps) nor calls the map's own
 * lookup directly, and the packet pays the generic helper's indirect call
 * (kernel/bpf/verifier.c, do_misc_fixups: bpf_map_ptr_poisoned).
 * An empty asm on the result ends the match at that branch's last
 * instruction.
 */
#define steer_one_map_per_call(v) asm volatile("" : "+r"(v))

#endif /* STEER_MAPS_H */
