/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Fixture runner: a fixture is a table row of steps, each one packet run
 * through steer_xdp or steer_tc with BPF_PROG_TEST_RUN, and what must come
 * out: verdict, the whole output frame (built independently, compared byte
 * by byte), checksums, reason counter, per backend/tenant/class counters,
 * and the conntrack entries.
 *
 * A step describes its packet from a flow (client <-> VIP) and a direction:
 * XDP steps are client -> VIP, TC steps are backend -> client replies.
 */
#ifndef STEER_TESTS_BPFTEST_RUN_H
#define STEER_TESTS_BPFTEST_RUN_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "bpftest_env.h"
#include "pktbuild.h"
#include "steer_abi.h"

/* verdicts (uapi values, spelled out so the test owns them) */
#define V_XDP_DROP 1
#define V_XDP_PASS 2
#define V_XDP_TX 3
#define V_XDP_REDIRECT 4
#define V_TC_OK 0
#define V_TC_SHOT 2
#define V_TC_REDIRECT 7

#define ANY (-1)

enum bpft_hook {
	HOOK_XDP = 0,
	HOOK_TC = 1,
};

struct bpft_flow {
	uint8_t family;		/* 4 or 6 */
	uint8_t proto;		/* PROTO_TCP, PROTO_UDP, PROTO_ICMP, ... */
	const uint8_t *cli;	/* client address */
	uint16_t cport;		/* host order */
	const uint8_t *vip;	/* service address */
	uint16_t vport;
};

/* What the output frame must be. */
enum bpft_out {
	OUT_SAME = 0,	/* byte-identical to the input */
	OUT_NAT_FIB,	/* XDP: dst -> backend addr:port, MACs from the FIB */
	OUT_NAT,	/* XDP: dst -> backend addr:port, MACs untouched */
	OUT_RNAT_FIB,	/* TC: src -> VIP:port, MACs from the FIB */
	OUT_RNAT,	/* TC: src -> VIP:port, MACs untouched */
	OUT_UNCHECKED,	/* checked by the fixture itself */
	OUT_ICMP_TTL,	/* XDP: ICMP time exceeded to the client, quoting the input */
	OUT_ICMP_TOO_BIG, /* XDP: ICMP frag needed / packet too big (.mtu), quoting the input */
};

/* What conntrack must hold after the step. */
enum bpft_ct {
	CT_DONTCARE = 0,
	CT_ENTRY,	/* the flow's ct entry -> .backend with .ct_flags, rct entry matches */
	CT_NONE,	/* the flow has no ct entry */
	CT_EMPTY,	/* ct and rct are both empty (nothing leaked) */
};

/* Tenant and class a steered step is accounted to. */
struct bpft_acct {
	bool set;	/* false: derived from the base configuration */
	uint32_t tenant;
	uint32_t class_id;
};
#define ACCT(t, c) { .set = true, .tenant = (t), .class_id = (c) }

struct bpft_step {
	const char *what;
	void (*before)(void);		/* e.g. swap a table, change a backend */
	void (*after)(void);		/* extra checks after the step */
	unsigned int sleep_ms;		/* before the packet */
	enum bpft_hook hook;
	const struct bpft_flow *flow;
	uint16_t cport;			/* 0: the flow's client port */
	uint32_t backend;		/* XDP: expected backend; TC: the replying backend */

	/* packet shape */
	uint8_t tcp_flags;
	uint16_t payload_len;
	const uint8_t *payload;		/* NULL: a fixed pattern */
	uint8_t nvlan;
	uint8_t ip_opt_words;
	uint8_t tcp_opt_words;
	uint8_t n_ext;
	uint8_t ext[PKT_EXT_MAX];
	uint16_t frag;			/* IPv4 flags|offset */
	uint16_t frag6_off;
	bool frag6_more;
	bool udp_csum_zero;
	uint8_t ttl;			/* IPv4 TTL / IPv6 hop limit; 0: 64 */
	uint16_t mss;			/* MSS option (with tcp_opt_words); 0: 1460 */
	uint16_t mss_out;		/* the MSS the output frame must carry; 0: as sent */
	uint16_t mtu;			/* OUT_ICMP_TOO_BIG: the MTU the error reports */
	uint16_t ethertype;		/* non-IP frame (payload_len bytes after L2) */
	enum pkt_mangle_op mangle;
	unsigned int mangle_arg;
	uint16_t pad_to;		/* Ethernet padding: zeros up to this frame length */

	/* expectations */
	uint32_t verdict;
	uint32_t reason;		/* counted once in this hook's reasons; 0: none */
	enum bpft_out out;
	struct bpft_acct acct;
	int new_flow;			/* 0, 1 or ANY */
	int closed;			/* closed_flows delta: 0, 1 or ANY */
	enum bpft_ct ct;
	uint32_t ct_flags;		/* STEER_CT_F_* with CT_ENTRY ... */
	uint32_t ct_flags_mask;		/* ... under this mask (0: all bits, exact) */
	bool ct_flags_any;		/* flags not checked */
	bool skip_stats;		/* don't check per-object counters */
	/*
	 * Re-steer from this backend: it may count the flow closed
	 * (active = new_flows - closed_flows moves with the flow).
	 */
	uint32_t resteer_from;
	/*
	 * The flow's previous entry (to this backend) was closed by this
	 * packet (UDP idle expiry): its backend and tenant count it closed.
	 */
	uint32_t old_closed;
};

#define BPFT_MAX_STEPS 10

struct bpft_fixture {
	const char *name;
	void (*setup)(void);		/* after the base configuration */
	struct bpft_step steps[BPFT_MAX_STEPS];
	void (*check)(void);		/* after the steps: extra checks or a whole custom test */
};

/* Fill a cmocka test per fixture (setup: bpft_reset). */
void bpft_fill_tests(struct CMUnitTest *t, const struct bpft_fixture *fx, size_t n);
/* cmocka test body: state is the fixture. */
void bpft_run_fixture(void **state);
/* Run one step (fails the cmocka test on any mismatch). */
void bpft_run_step(const struct bpft_step *st, const char *ctx);
/*
 * main() of a fixture binary: fx[0..n) as the cmocka group `name`, one
 * test per fixture, in bpft_main()'s private environment.
 */
int bpft_main_fixtures(const char *name, const struct bpft_fixture *fx, size_t n);
#define BPFT_MAIN(name, fx) bpft_main_fixtures(name, fx, sizeof(fx) / sizeof((fx)[0]))

/* One raw BPF_PROG_TEST_RUN. */
struct bpft_result {
	uint32_t verdict;
	uint8_t out[PKT_MAX];
	size_t out_len;
};
int bpft_prog_run(enum bpft_hook hook, const uint8_t *pkt, size_t len, struct bpft_result *res);

/* The input packet of a step. */
size_t bpft_step_packet(const struct bpft_step *st, struct pkt_spec *spec, uint8_t *buf,
			struct pkt_layout *lay);

/* Conntrack keys and lookups (0 or -errno). */
void bpft_ct_key(const struct bpft_flow *f, uint16_t cport, struct steer_flow_key *k);
void bpft_rct_key(const struct bpft_flow *f, uint16_t cport, uint32_t be, struct steer_flow_key *k);
int bpft_ct_get(const struct bpft_flow *f, uint16_t cport, struct steer_ct *ct);
int bpft_rct_get(const struct bpft_flow *f, uint16_t cport, uint32_t be, struct steer_rct *r);

/* Maglev slot of a flow, from include/steer_hash.h and the fixtures' seed. */
uint32_t bpft_slot(const struct bpft_flow *f, uint16_t cport);
/*
 * Model of the pick (docs/datapath.md step 5): the slot, then up to 3
 * further slots (slot + i * 7919) % M; a backend must be ACTIVE and of the
 * flow's family. states[id] for ids 0..BPFT_NBACKENDS. Returns 0 if none.
 */
uint32_t bpft_model_pick(const uint32_t *table, const struct bpft_flow *f, uint16_t cport,
			 const uint8_t *states);

/* tenant_state[tenant].active (admitted, open flows). */
int64_t bpft_tenant_active(uint32_t tenant);

/* Backend a built frame (XDP output) is addressed to: 0 if none of ours. */
uint32_t bpft_frame_backend(const uint8_t *pkt, size_t len);

/* base flows */
extern const struct bpft_flow F4_TCP, F6_TCP, F4_UDP, F6_UDP;
extern const struct bpft_flow F4_ANON_TCP, F6_ANON_TCP, F4_ANON_UDP, F6_ANON_UDP;
extern const struct bpft_flow F4_NOSVC, F6_NOSVC, F4_NOSVC_UDP, F6_NOSVC_UDP;
extern const struct bpft_flow F4_NOCLASS, F6_NOCLASS;
extern const struct bpft_flow F4_ICMP, F6_ICMP;

#endif /* STEER_TESTS_BPFTEST_RUN_H */
