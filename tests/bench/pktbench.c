// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * pktbench: per-packet cost of steer_xdp / steer_tc through
 * BPF_PROG_TEST_RUN, as a ratio to a no-op XDP program timed the same way
 * in the same run.
 *
 *   pktbench [-n PACKETS] [-r ROUNDS] [-t RAW.tsv] [-c CASE[,CASE...]]
 *
 * -c times only the cases named (and the no-op, every ratio's base): one
 * path under perf, or an A/B of one path without the rest's minutes.
 *
 * Runs in the BPF fixtures' private environment (tests/bpf/bpftest_env.c:
 * own netns and bpffs, veths with permanent neighbours, forwarding on), so
 * bpf_fib_lookup() sees real routes: ctx ingress_ifindex is set on every
 * call and the verdicts are checked (REDIRECT expected on steered paths).
 *
 * Two timing styles:
 *   batch  one call with repeat=PACKETS; the kernel's average. Only for
 *          programs that leave the packet alone (no-op, non-service),
 *          since repeat>1 re-runs on the already rewritten buffer.
 *   call   PACKETS separate repeat=1 calls (fresh copy of the packet each
 *          time). Reported twice: "prog" = the kernel's duration of the
 *          one run (timer + program), "syscall" = wall time of the whole
 *          bpf() call (copy in/out, ctx conversion: per-call overhead
 *          dominates). Every rewriting path is timed this way, and so is
 *          the no-op it is compared with.
 *
 * Cases (each round runs every case once, in the same order):
 *   noop          XDP program "return XDP_PASS" (raw instructions)
 *   nonsvc        steer_xdp, TCP to a port with no service (XDP_PASS)
 *   syn           steer_xdp, SYN of a new flow, as in service: its
 *                 half-open entry finds room (ct_syn never above half
 *                 full: this CPU's share of it is cleared, untimed,
 *                 every half share of SYNs)
 *   synbound      the same with the bounded load on (balance_pct 125), a
 *                 table alternating two backends whose loads start at 0
 *                 and grow with every SYN: each SYN weighs its first
 *                 choice, and walks on when that one is at its bound
 *   synbusy       the same as syn with ct and rct full of established
 *                 flows (262,144): a gateway in service, whose ct_hint
 *                 has the slots of every one of them set
 *   est1          steer_xdp, ACK of one established flow (SYN, SYN+ACK
 *                 through steer_tc, ACK: in ct and rct)
 *   est64k        steer_xdp, ACKs rotating over 65,536 established flows
 *   synfull       steer_xdp, SYN with a new tuple during a SYN flood: ct
 *                 and rct full, and this CPU's share of ct_syn full, so
 *                 every insert evicts (the LRU's pop, scan and delete)
 *   synrate       the same flood from a tenant over its connection rate
 *                 (1 per second): each SYN refused by admission, before
 *                 any insert (XDP_DROP, drop_admit_rate)
 *   tcreply       steer_tc, reply of an established flow (reverse NAT)
 *   tcsynack      steer_tc, the backend's SYN+ACK to a half-open flow
 *                 (16,384 flows, SYN only: half this CPU's share of
 *                 ct_syn, a per-CPU LRU): no reverse entry, found from
 *                 ct_syn through service_list (bpf/steer_embryonic.h)
 *
 * Output: a markdown table on stdout (median and min..max over rounds,
 * ratio of medians to the no-op of the same style); with -t, one raw line
 * per (case, style, round).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpftest_env.h"
#include "lib/pktbench_state.h"
#include "pktbuild.h"
#include "steer_abi.h"

#define SYN_CHUNK 131072u	/* distinct SYN tuples */
#define HALF_FLOWS 16384u	/* tcsynack's half-open flows: well under ct_syn's size */
#define NFLOWS	  65536u
#define MAX_ROUNDS 50

#ifndef XDP_PASS
#define XDP_PASS 2
#endif
#define XDP_REDIRECT_ 4
#define TC_ACT_REDIRECT_ 7

static unsigned long npkts = 1000000;
static int rounds = 5;
static unsigned int want = ~0u; /* bit per case (-c) */
static FILE *raw;
static int noop_fd = -1;

enum style { ST_BATCH, ST_PROG, ST_CALL, ST_N };
static const char *style_name[ST_N] = { "batch", "prog", "syscall" };

enum kase {
	C_NOOP,	   C_NONSVC,  C_SYN,	 C_SYNBOUND, C_SYNBUSY, C_EST1,
	C_EST64K,  C_SYNFULL, C_SYNRATE, C_TCREPLY,  C_TCSYNACK, C_N
};
static const char *case_name[C_N] = { "noop",	 "nonsvc",  "syn",     "synbound",
				      "synbusy", "est1",    "est64k",  "synfull",
				      "synrate", "tcreply", "tcsynack" };
static const char *case_desc[C_N] = {
	"no-op XDP (return XDP_PASS)",
	"steer_xdp: non-service packet",
	"steer_xdp: new-flow SYN",
	"steer_xdp: new-flow SYN, bounded load on (c 1.25)",
	"steer_xdp: new-flow SYN, ct full of established flows",
	"steer_xdp: established flow (1 flow)",
	"steer_xdp: established, rotating 65,536 flows",
	"steer_xdp: new SYN during a flood (ct and ct_syn full)",
	"steer_xdp: the same, tenant over its rate (refused)",
	"steer_tc: reply (reverse NAT)",
	"steer_tc: SYN+ACK of a half-open flow (found from ct_syn)",
};
/* which styles apply: batch only where the packet is left alone */
static const bool has_batch[C_N] = { true, true };
static int want_verdict[C_N] = {
	XDP_PASS,      XDP_PASS,      XDP_REDIRECT_, XDP_REDIRECT_,    XDP_REDIRECT_,	 XDP_REDIRECT_,
	XDP_REDIRECT_, XDP_REDIRECT_, XDP_DROP,	     TC_ACT_REDIRECT_, TC_ACT_REDIRECT_,
};

static double res[C_N][ST_N][MAX_ROUNDS];
static unsigned long bad_verdict[C_N];
static int last_bad[C_N];

/* prebuilt frames */
struct frame {
	uint8_t b[96];
	uint32_t len;
};
static struct frame *syn_pk;	/* SYN_CHUNK distinct tuples */
static struct frame *ack_pk;	/* NFLOWS established tuples (ACK) */
static struct frame *rep_pk;	/* NFLOWS replies (backend -> client) */
static struct frame *synack_pk;	/* NFLOWS SYN+ACKs (backend -> client) */
static struct frame nonsvc_pk;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* client address / port of flow j (all in tenant 1's 198.18.0.96/28) */
static void flow_cli(uint32_t j, uint32_t per_addr, uint8_t src[16], uint16_t *sport)
{
	memset(src, 0, 16);
	memcpy(src, A_CLI4, 4);
	src[3] = (uint8_t)(96 + (j / per_addr) % 16);
	*sport = (uint16_t)(10000 + j % per_addr);
}

static void build(struct frame *f, bool xdp, const uint8_t *cli, uint16_t cport, uint16_t vport,
		  uint8_t flags, uint8_t optw)
{
	const struct bpft_backend *b = &bpft_backends[BE4_A];
	struct pkt_spec s;
	struct pkt_layout lay;
	size_t n;

	memset(&s, 0, sizeof(s));
	s.family = 4;
	s.proto = PROTO_TCP;
	if (xdp) {
		memcpy(s.dmac, MAC_CLI_IF, 6);
		memcpy(s.smac, MAC_CLIENT, 6);
		memcpy(s.src, cli, 16);
		memcpy(s.dst, A_VIP4, 16);
		s.sport = cport;
		s.dport = vport;
		s.seq = 0x10000000u + cport;
		s.ack = (flags & TCPF_ACK) ? 0x20000001u : 0;
	} else {
		memcpy(s.dmac, MAC_BE_IF, 6);
		memcpy(s.smac, b->mac, 6);
		memcpy(s.src, b->addr, 16);
		memcpy(s.dst, cli, 16);
		s.sport = b->port;
		s.dport = cport;
		s.seq = 0x20000000u;
		s.ack = 0x10000001u + cport;
	}
	s.ip_id = 0x4d2;
	s.tcp_flags = flags;
	s.tcp_opt_words = optw;
	static uint8_t tmp[PKT_MAX];

	n = pkt_build(&s, tmp, sizeof(tmp), &lay);
	if (n > sizeof(f->b))
		n = 0;
	memcpy(f->b, tmp, n);
	if (!n) {
		fprintf(stderr, "pktbench: pkt_build failed\n");
		exit(1);
	}
	f->len = (uint32_t)n;
}

/* One test run; returns 0 or -errno. */
static inline int run1(int fd, bool xdp, const struct frame *f, uint32_t repeat, uint32_t *dur,
		       uint32_t *ret)
{
	static uint8_t out[256];
	LIBBPF_OPTS(bpf_test_run_opts, o);
	struct xdp_md xctx = { 0 };
	struct __sk_buff sctx = { 0 };

	o.data_in = f->b;
	o.data_size_in = f->len;
	o.data_out = out;
	o.data_size_out = sizeof(out);
	o.repeat = repeat;
	if (xdp) {
		xctx.data_end = f->len;
		xctx.ingress_ifindex = (uint32_t)bpft.ifindex_cli;
		o.ctx_in = &xctx;
		o.ctx_size_in = sizeof(xctx);
	} else {
		sctx.ifindex = (uint32_t)bpft.ifindex_be;
		sctx.ingress_ifindex = (uint32_t)bpft.ifindex_be;
		o.ctx_in = &sctx;
		o.ctx_size_in = sizeof(sctx);
	}
	if (bpf_prog_test_run_opts(fd, &o))
		return -errno;
	*dur = o.duration;
	*ret = o.retval;
	return 0;
}

static void note_verdict(int c, uint32_t ret)
{
	if ((int)ret != want_verdict[c]) {
		bad_verdict[c]++;
		last_bad[c] = (int)ret;
	}
}

/*
 * npkts separate repeat=1 calls over frames[i % nframes]; stores the mean
 * kernel duration and the mean syscall wall time. If chunk, ct_syn is
 * emptied (untimed) every chunk calls, and ct_hint rebuilt.
 */
static int time_calls(int c, int r, int fd, bool xdp, const struct frame *frames, uint32_t nframes,
		      uint32_t chunk)
{
	uint64_t kern = 0, wall = 0, t0, t1;
	uint32_t dur, ret;
	unsigned long i;
	int err;

	if (!(want & 1u << c))
		return 0;
	for (i = 0; i < npkts; i++) {
		if (chunk && i && i % chunk == 0)
			pb_syn_empty();
		t0 = now_ns();
		err = run1(fd, xdp, &frames[i % nframes], 1, &dur, &ret);
		t1 = now_ns();
		if (err) {
			fprintf(stderr, "pktbench: %s: test run: %s\n", case_name[c], strerror(-err));
			return err;
		}
		kern += dur;
		wall += t1 - t0;
		note_verdict(c, ret);
	}
	res[c][ST_PROG][r] = (double)kern / (double)npkts;
	res[c][ST_CALL][r] = (double)wall / (double)npkts;
	return 0;
}

static int time_batch(int c, int r, int fd, const struct frame *f)
{
	uint32_t dur, ret, left = (uint32_t)npkts, n;
	double sum = 0;
	int err;

	if (!(want & 1u << c))
		return 0;
	/* one call with repeat=npkts (split if the kernel caps repeat) */
	while (left) {
		n = left;
		err = run1(fd, true, f, n, &dur, &ret);
		if (err) {
			fprintf(stderr, "pktbench: %s: batch run: %s\n", case_name[c],
				strerror(-err));
			return err;
		}
		sum += (double)dur * n;
		left -= n;
		note_verdict(c, ret);
	}
	res[c][ST_BATCH][r] = sum / (double)npkts;
	return 0;
}

static int load_noop(void)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, po);

	return bpf_prog_load(BPF_PROG_TYPE_XDP, "bench_noop", "GPL", insns, 2, &po);
}

/* SYN + ACK + reply tuples */
static int prebuild(void)
{
	uint8_t src[16];
	uint16_t sport;
	uint32_t j;

	syn_pk = calloc(SYN_CHUNK, sizeof(*syn_pk));
	ack_pk = calloc(NFLOWS, sizeof(*ack_pk));
	rep_pk = calloc(NFLOWS, sizeof(*rep_pk));
	synack_pk = calloc(NFLOWS, sizeof(*synack_pk));
	if (!syn_pk || !ack_pk || !rep_pk || !synack_pk)
		return -ENOMEM;
	for (j = 0; j < SYN_CHUNK; j++) {
		flow_cli(j, SYN_CHUNK / 16, src, &sport);
		build(&syn_pk[j], true, src, sport, PORT_TCP, TCPF_SYN, 5);
	}
	for (j = 0; j < NFLOWS; j++) {
		flow_cli(j, NFLOWS / 16, src, &sport);
		/* shift ports so that they never collide with the SYN set */
		sport = (uint16_t)(sport + 20000);
		build(&ack_pk[j], true, src, sport, PORT_TCP, TCPF_ACK, 3);
		build(&rep_pk[j], false, src, sport, 0, TCPF_ACK, 3);
		build(&synack_pk[j], false, src, sport, 0, TCPF_SYN | TCPF_ACK, 5);
	}
	build(&nonsvc_pk, true, A_CLI4, 40000, PORT_NOSVC, TCPF_ACK, 3);
	return 0;
}

/* Open the 65,536 established flows (one SYN each through steer_xdp). */
/*
 * NFLOWS established flows: each one's SYN (XDP), the backend's SYN+ACK
 * (TC) and the client's ACK (XDP), so they sit in ct and rct as real
 * established flows do (with the SYN alone they stayed half-open in
 * ct_syn, and est1/est64k/tcreply timed the half-open path). half: the
 * SYNs of the first n only (half-open flows, for tcsynack).
 */
static int open_flows(uint32_t n, bool half)
{
	struct frame f;
	uint32_t j, dur, ret;
	uint8_t src[16];
	uint16_t sport;
	int err;

	for (j = 0; j < n; j++) {
		flow_cli(j, NFLOWS / 16, src, &sport);
		sport = (uint16_t)(sport + 20000); /* as prebuild's */
		build(&f, true, src, sport, PORT_TCP, TCPF_SYN, 5);
		err = run1(bpft.xdp_fd, true, &f, 1, &dur, &ret);
		if (!err && ret == XDP_REDIRECT_ && half)
			continue;
		if (!err && ret == XDP_REDIRECT_) {
			build(&f, false, src, sport, 0, TCPF_SYN | TCPF_ACK, 5);
			err = run1(bpft.tc_fd, false, &f, 1, &dur, &ret);
			if (!err && ret != TC_ACT_REDIRECT_)
				err = -EPROTO;
		} else if (!err) {
			err = -EPROTO;
		}
		if (!err) {
			f = ack_pk[j];
			err = run1(bpft.xdp_fd, true, &f, 1, &dur, &ret);
			if (!err && ret != XDP_REDIRECT_)
				err = -EPROTO;
		}
		if (err) {
			fprintf(stderr, "pktbench: opening flow %u: err %d verdict %u\n", j, err,
				ret);
			return -1;
		}
	}
	if (!half && (bpft_map_count(bpft.ct_syn_fd) || bpft_map_count(bpft.rct_fd) != NFLOWS)) {
		fprintf(stderr, "pktbench: %u flows half-open, %u reverse entries of %u\n",
			bpft_map_count(bpft.ct_syn_fd), bpft_map_count(bpft.rct_fd), NFLOWS);
		return -1;
	}
	return 0;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(const double *v, int n, double *lo, double *hi)
{
	double s[MAX_ROUNDS];

	memcpy(s, v, sizeof(double) * (size_t)n);
	qsort(s, (size_t)n, sizeof(double), cmp_d);
	*lo = s[0];
	*hi = s[n - 1];
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* Is any of the three cases timed (-c)? Their set-up is skipped if not. */
static bool wanted(int a, int b, int c)
{
	return want & (1u << a | 1u << b | 1u << c);
}

static int run(void)
{
	int r, c, s, i;

	/* permanent neighbours for every client address we use (TC replies) */
	for (i = 96; i < 112; i++)
		if (bpft_sh("ip neigh replace 198.18.0.%d lladdr 02:00:00:00:c1:%02x nud permanent "
			    "dev %s",
			    i, i, IF_CLI))
			return 1;
	if (bpft_reset(NULL))
		return 1;
	noop_fd = load_noop();
	if (noop_fd < 0) {
		fprintf(stderr, "pktbench: load no-op: %s\n", strerror(errno));
		return 1;
	}
	if (prebuild())
		return 1;
	r = pb_pin_cpu();
	if (r) {
		fprintf(stderr, "pktbench: pin to a CPU: %s\n", strerror(-r));
		return 1;
	}

	for (r = 0; r < rounds; r++) {
		fprintf(stderr, "pktbench: round %d/%d\n", r + 1, rounds);
		/* no-op and non-service, both styles */
		if (time_batch(C_NOOP, r, noop_fd, &nonsvc_pk) ||
		    time_calls(C_NOOP, r, noop_fd, true, &nonsvc_pk, 1, 0) ||
		    time_batch(C_NONSVC, r, bpft.xdp_fd, &nonsvc_pk) ||
		    time_calls(C_NONSVC, r, bpft.xdp_fd, true, &nonsvc_pk, 1, 0))
			return 1;
		/* new-flow SYNs, ct_syn below half full */
		pb_ct_empty();
		if (time_calls(C_SYN, r, bpft.xdp_fd, true, syn_pk, SYN_CHUNK, pb_syn_share / 2))
			return 1;
		pb_ct_empty();
		if (pb_bound_set(true) ||
		    time_calls(C_SYNBOUND, r, bpft.xdp_fd, true, syn_pk, SYN_CHUNK, pb_syn_share / 2) ||
		    pb_bound_set(false))
			return 1;
		pb_ct_empty();
		if (want & 1u << C_SYNBUSY)
			pb_ct_fill();
		if (time_calls(C_SYNBUSY, r, bpft.xdp_fd, true, syn_pk, SYN_CHUNK, pb_syn_share / 2))
			return 1;
		/* established flows and their replies */
		pb_ct_empty();
		if (wanted(C_EST1, C_EST64K, C_TCREPLY) && open_flows(NFLOWS, false))
			return 1;
		if (time_calls(C_EST1, r, bpft.xdp_fd, true, ack_pk, 1, 0) ||
		    time_calls(C_EST64K, r, bpft.xdp_fd, true, ack_pk, NFLOWS, 0) ||
		    time_calls(C_TCREPLY, r, bpft.tc_fd, false, rep_pk, NFLOWS, 0))
			return 1;
		/* the backends' SYN+ACKs to half-open flows (no reverse entry:
		 * bpf/steer_embryonic.h) */
		pb_ct_empty();
		if ((wanted(C_TCSYNACK, C_TCSYNACK, C_TCSYNACK) && open_flows(HALF_FLOWS, true)) ||
		    time_calls(C_TCSYNACK, r, bpft.tc_fd, false, synack_pk, HALF_FLOWS, 0))
			return 1;
		/* SYNs during a flood, every table full: every insert evicts */
		if ((want & 1u << C_SYNFULL && pb_flood_fill()) ||
		    time_calls(C_SYNFULL, r, bpft.xdp_fd, true, syn_pk, SYN_CHUNK, 0))
			return 1;
		/* the same flood, its tenant over its rate */
		if ((want & 1u << C_SYNRATE && (pb_flood_fill() || pb_rate_set(1))) ||
		    time_calls(C_SYNRATE, r, bpft.xdp_fd, true, syn_pk, SYN_CHUNK, 0) ||
		    pb_rate_set(0))
			return 1;
		pb_ct_empty();
	}

	/* steerd's conntrack sweep over a full table: a pass that keeps every
	 * entry (counting), then one that expires them all (deleting); not
	 * with -c */
	if (want == ~0u) {
		const struct dp_ct_timeouts t = { 60000000000ULL, 21600000000000ULL,
						  10000000000ULL, 30000000000ULL };
		struct dp_ct_sweep sw = { 0 };
		double t0, keep_ms, expire_ms;
		uint64_t entries;

		pb_ct_empty();
		pb_ct_fill();
		t0 = util_now_ms_f();
		while (dp_ct_sweep(bpft.dp, &sw, &t, bpft_now_ns(), 1u << 30) == 0)
			;
		keep_ms = util_now_ms_f() - t0;
		entries = sw.last ? sw.last->entries : 0;
		t0 = util_now_ms_f();
		while (dp_ct_sweep(bpft.dp, &sw, &t, bpft_now_ns() + 86400000000000ULL,
				   1u << 30) == 0)
			;
		expire_ms = util_now_ms_f() - t0;
		printf("pktbench: gc.keep entries=%llu ms=%.1f\n", (unsigned long long)entries,
		       keep_ms);
		printf("pktbench: gc.expire entries=%llu ms=%.1f\n",
		       (unsigned long long)(sw.last ? sw.last->expired : 0), expire_ms);
		dp_ct_sweep_free(&sw);
		pb_ct_empty();
	}

	/* raw */
	if (raw) {
		fprintf(raw, "case\tstyle\tround\tns_per_packet\n");
		for (c = 0; c < C_N; c++)
			for (s = 0; s < ST_N; s++) {
				if ((s == ST_BATCH && !has_batch[c]) || !(want & 1u << c))
					continue;
				for (r = 0; r < rounds; r++)
					fprintf(raw, "%s\t%s\t%d\t%.2f\n", case_name[c],
						style_name[s], r, res[c][s][r]);
			}
	}

	/* markdown */
	printf("| path | batch ns/pkt (repeat=%lu) | ratio | per-call prog ns | ratio | per-call "
	       "syscall ns | ratio | verdict |\n",
	       npkts);
	printf("|---|---|---|---|---|---|---|---|\n");
	for (c = 0; c < C_N; c++) {
		double lo, hi, m, base;

		if (!(want & 1u << c))
			continue;
		printf("| %s |", case_desc[c]);
		for (s = 0; s < ST_N; s++) {
			if (s == ST_BATCH && !has_batch[c]) {
				printf(" — | — |");
				continue;
			}
			m = median(res[c][s], rounds, &lo, &hi);
			base = median(res[C_NOOP][s], rounds, &lo, &lo);
			median(res[c][s], rounds, &lo, &hi);
			printf(" %.1f (%.1f..%.1f) | %.2f× |", m, lo, hi, m / base);
		}
		if (bad_verdict[c])
			printf(" %lu unexpected (last %d) |\n", bad_verdict[c], last_bad[c]);
		else
			printf(" %s |\n", want_verdict[c] == XDP_PASS ? "PASS"
				       : want_verdict[c] == XDP_DROP ? "DROP"
				       : want_verdict[c] == XDP_REDIRECT_ ? "REDIRECT"
									   : "TC_ACT_REDIRECT");
	}
	/* machine-readable headline: KEY=VALUE */
	for (c = 0; c < C_N; c++)
		for (s = 0; s < ST_N; s++) {
			double lo, hi, m, base;

			if (!(want & 1u << c))
				continue;

			if (s == ST_BATCH && !has_batch[c])
				continue;
			m = median(res[c][s], rounds, &lo, &hi);
			base = median(res[C_NOOP][s], rounds, &lo, &lo);
			fprintf(stderr, "pktbench: %s.%s ns=%.1f ratio=%.2f\n", case_name[c],
				style_name[s], m, m / base);
		}
	for (c = 0; c < C_N; c++)
		if (bad_verdict[c])
			return 1;
	return 0;
}

/* "syn,est1" -> their bits, the no-op's always; 0 (said why) on a bad name */
static unsigned int cases_of(const char *list)
{
	unsigned int m = 1u << C_NOOP;
	char buf[256], *tok, *save = NULL;
	int c;

	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		for (c = 0; c < C_N && strcmp(tok, case_name[c]); c++)
			;
		if (c == C_N) {
			fprintf(stderr, "pktbench: -c: unknown case '%s' (expected", tok);
			for (c = 0; c < C_N; c++)
				fprintf(stderr, " %s", case_name[c]);
			fprintf(stderr, ")\n");
			return 0;
		}
		m |= 1u << c;
	}
	return m;
}

int main(int argc, char **argv)
{
	int opt;

	while ((opt = getopt(argc, argv, "n:r:t:c:")) != -1) {
		switch (opt) {
		case 'n':
			npkts = strtoul(optarg, NULL, 10);
			break;
		case 'r':
			rounds = atoi(optarg);
			break;
		case 'c':
			want = cases_of(optarg);
			if (!want)
				return 2;
			break;
		case 't':
			raw = fopen(optarg, "w");
			if (!raw) {
				perror(optarg);
				return 2;
			}
			break;
		default:
			fprintf(stderr, "usage: pktbench [-n PACKETS] [-r ROUNDS] [-t RAW.tsv] [-c CASE,...]\n");
			return 2;
		}
	}
	if (npkts < 1 || rounds < 1 || rounds > MAX_ROUNDS) {
		fprintf(stderr, "pktbench: bad -n or -r\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	return bpft_main(run);
}
