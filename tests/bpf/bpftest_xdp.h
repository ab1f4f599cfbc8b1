/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What the steer_xdp fixtures (tests/bpf/test_xdp_*.c) share: the row
 * shorthands, and the hooks (bpftest_xdp.c) more than one of them uses
 * (test_tc.c too).
 */
#ifndef STEER_TESTS_BPFTEST_XDP_H
#define STEER_TESTS_BPFTEST_XDP_H

#include <stdint.h>

#include "bpftest_run.h"

/* ---- row shorthands ---- */

#define XDP(f) .hook = HOOK_XDP, .flow = &(f)
#define TC(f) .hook = HOOK_TC, .flow = &(f)
#define SYN .tcp_flags = TCPF_SYN
#define SYNACK .tcp_flags = (TCPF_SYN | TCPF_ACK)
#define ACK .tcp_flags = TCPF_ACK
#define FINACK .tcp_flags = (TCPF_FIN | TCPF_ACK)
#define RST .tcp_flags = TCPF_RST
/* steered and forwarded through the FIB to backend be */
#define FWD(be) .backend = (be), .verdict = V_XDP_REDIRECT, .out = OUT_NAT_FIB, .ct = CT_ENTRY
/* steer_tc: reply from be reverse-NATed and forwarded to the client */
#define REPLY(be) .backend = (be), .verdict = V_TC_REDIRECT, .out = OUT_RNAT_FIB, .ct = CT_ENTRY
/* steer_tc: left to the stack, untouched, counted under r */
#define TPASS(r) .verdict = V_TC_OK, .reason = (r), .out = OUT_SAME
/* a new flow to be */
#define NEW(be) FWD(be), .new_flow = 1
#define PASS(r) .verdict = V_XDP_PASS, .reason = (r), .out = OUT_SAME, .ct = CT_EMPTY
#define DROP(r) .verdict = V_XDP_DROP, .reason = (r), .out = OUT_SAME
/* malformed: dropped, and nothing reached conntrack */
#define BAD(r) DROP(r), .ct = CT_EMPTY
#define EXT(...) .n_ext = sizeof((uint8_t[]){ __VA_ARGS__ }), .ext = { __VA_ARGS__ }

/* ---- hooks ---- */

/* config.udp_idle_ns */
void cfg_udp_idle(uint64_t ns);
/* tables 1 (IPv4) and 2 (IPv6) all backend B */
void tables_to_b(void);
/* backends A (both families) down */
void down_a(void);
void down_a_tables_to_b(void);
/* tenant 1: rate 1 burst 1; max_conns 1 */
void setup_rate_1_burst_1(void);
void setup_max_conns_1(void);
/* tenant 1's admitted, open flows are 0 / 1 */
void expect_active_0(void);
void expect_active_1(void);

#endif /* STEER_TESTS_BPFTEST_XDP_H */
