// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * steer_xdp packet fuzzer: random frames, and well-formed frames of both
 * tenants mutated at random, through BPF_PROG_TEST_RUN in the fixtures'
 * base configuration (bpftest_env.h: tenant 1 = 198.18.0.96/28 and
 * fd00::100/124, whose classes use backends A only; every other source is
 * tenant 0, whose classes use backends B only). For every frame:
 *   1. the verdict is DROP, PASS or REDIRECT, never XDP_ABORTED (nor
 *      anything else);
 *   2. a frame whose destination is no service address (or that has no
 *      IP header we can read) leaves unchanged and is not redirected;
 *   3. a redirected frame keeps its source and goes to a backend of its
 *      source's tenant: a packet from one tenant's prefix never reaches a
 *      backend only the other tenant may use; or it is the ICMP error
 *      steer answers a packet with (TTL / hop limit exhausted, too big for
 *      the path), addressed to that packet's source.
 * The generator is a seeded xorshift: a failure prints the seed and the
 * frame, and BPFT_FUZZ_SEED=S reproduces it. BPFT_FUZZ_ITERS (default
 * 50000) or BPFT_FUZZ_SECONDS (make fuzz) sets how long it runs.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bpftest_run.h"

#define FUZZ_ITERS_DEFAULT 50000
#define FUZZ_SEED_DEFAULT  0x5eedf00dull

static uint64_t rng;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static uint32_t below(uint32_t n)
{
	return (uint32_t)(rnd() % n);
}

/* ---- the frame's addresses, as the program would read them ---- */

struct l3 {
	int family; /* 0: none found */
	const uint8_t *src, *dst;
	uint8_t proto; /* IPv4 protocol, IPv6 next header */
};

static struct l3 parse_l3(const uint8_t *p, size_t len)
{
	struct l3 r = {0};
	size_t off = 12;
	uint16_t et;
	int tags;

	for (tags = 0;; tags++) {
		if (len < off + 2)
			return r;
		et = (uint16_t)(p[off] << 8 | p[off + 1]);
		if ((et != ETHERTYPE_VLAN && et != ETHERTYPE_QINQ) || tags == 2)
			break;
		off += 4;
	}
	off += 2;
	if (et == ETHERTYPE_IPV4 && len >= off + 20) {
		r = (struct l3){4, p + off + 12, p + off + 16, p[off + 9]};
	} else if (et == ETHERTYPE_IPV6 && len >= off + 40) {
		r = (struct l3){6, p + off + 8, p + off + 24, p[off + 6]};
	}
	return r;
}

static bool is_service_addr(const struct l3 *a)
{
	return (a->family == 4 && !memcmp(a->dst, A_VIP4, 4)) ||
	       (a->family == 6 && !memcmp(a->dst, A_VIP6, 16));
}

/* tenant 1: 198.18.0.96/28, fd00::100/124 (bpft_reset); else tenant 0 */
static int tenant_of(const struct l3 *a)
{
	if (a->family == 4)
		return !memcmp(a->src, A_CLI4, 3) && (a->src[3] & 0xf0) == 96 ? TENANT_1
									      : TENANT_DEF;
	return !memcmp(a->src, A_CLI6, 15) && (a->src[15] & 0xf0) == 0 ? TENANT_1 : TENANT_DEF;
}

static int backend_of(const struct l3 *a)
{
	int i;

	for (i = 1; i <= BPFT_NBACKENDS; i++)
		if ((bpft_backends[i].family == a->family) &&
		    !memcmp(bpft_backends[i].addr, a->dst, a->family == 4 ? 4 : 16))
			return i;
	return -1;
}

static bool tenant_may_use(int tenant, int be)
{
	if (tenant == TENANT_1)
		return be == BE4_A || be == BE6_A;
	return be == BE4_B || be == BE6_B;
}

/* ---- frames ---- */

static void pick_src(uint8_t *a, int family)
{
	switch (below(4)) {
	case 0:
		memcpy(a, family == 4 ? A_CLI4 : A_CLI6, 16);
		break;
	case 1:
		memcpy(a, family == 4 ? A_ANON4 : A_ANON6, 16);
		break;
	case 2: /* somewhere in or next to tenant 1's prefix */
		memcpy(a, family == 4 ? A_CLI4 : A_CLI6, 16);
		a[family == 4 ? 3 : 15] = (uint8_t)(80 + below(48));
		break;
	default:
		for (int i = 0; i < 16; i++)
			a[i] = (uint8_t)rnd();
	}
}

static void pick_dst(uint8_t *a, int family)
{
	uint32_t k = below(8);

	if (k < 5)
		memcpy(a, family == 4 ? A_VIP4 : A_VIP6, 16);
	else if (k == 5)
		memcpy(a, family == 4 ? A_GW4 : A_GW6, 16);
	else
		for (int i = 0; i < 16; i++)
			a[i] = (uint8_t)rnd();
}

static size_t build_frame(uint8_t *buf, size_t cap)
{
	static const uint16_t ports[] = {PORT_TCP, PORT_UDP, PORT_NOCLASS, PORT_NOSVC, 8080};
	static const uint8_t protos[] = {PROTO_TCP, PROTO_TCP, PROTO_UDP, PROTO_ICMP, 132};
	static const uint8_t flags[] = {TCPF_SYN,
					TCPF_ACK,
					TCPF_SYN | TCPF_ACK,
					TCPF_FIN | TCPF_ACK,
					TCPF_RST,
					TCPF_PSH | TCPF_ACK,
					0,
					0xff};
	static const uint8_t exts[] = {NH_HOPOPTS, NH_ROUTING, NH_FRAGMENT, NH_DSTOPTS, NH_AH};
	struct pkt_spec s = {0};
	struct pkt_layout lay;
	size_t len;
	uint32_t i;

	memcpy(s.dmac, MAC_CLI_IF, 6);
	memcpy(s.smac, MAC_CLIENT, 6);
	s.family = below(3) ? 4 : 6;
	s.proto = protos[below(sizeof(protos))];
	if (s.family == 6 && s.proto == PROTO_ICMP)
		s.proto = PROTO_ICMPV6;
	pick_src(s.src, s.family);
	pick_dst(s.dst, s.family);
	s.sport = (uint16_t)(below(4) ? 40000 + below(64) : rnd());
	s.dport = below(4) ? ports[below(sizeof(ports) / sizeof(ports[0]))] : (uint16_t)rnd();
	s.tcp_flags = below(3) ? flags[below(2)] : flags[below(sizeof(flags))];
	s.seq = (uint32_t)rnd();
	s.ack = (uint32_t)rnd();
	if (!below(8)) {
		s.nvlan = (uint8_t)(1 + below(2));
		for (i = 0; i < s.nvlan; i++) {
			s.vlan[i].tpid = i || below(2) ? ETHERTYPE_VLAN : ETHERTYPE_QINQ;
			s.vlan[i].tci = (uint16_t)below(65536);
		}
	}
	if (s.family == 4 && !below(10))
		s.ip_opt_words = (uint8_t)below(11);
	if (s.family == 4 && !below(12))
		s.frag = (uint16_t)(below(2) ? IPV4_MF : below(8192));
	if (s.family == 6 && !below(8)) {
		s.n_ext = (uint8_t)(1 + below(3));
		for (i = 0; i < s.n_ext; i++)
			s.ext[i] = exts[below(sizeof(exts))];
		s.frag6_off = (uint16_t)below(3);
		s.frag6_more = below(2);
	}
	if (!below(8))
		s.tcp_opt_words = (uint8_t)below(11);
	s.payload_len = (uint16_t)below(below(8) ? 64 : 1200);
	len = pkt_build(&s, buf, cap, &lay);
	if (!len)
		return 0;
	if (s.family == 4)
		pkt_fix_ip4_csum(buf, &lay);
	return len;
}

/* Flip bits, overwrite bytes or cut the frame. */
static size_t mutate(uint8_t *buf, size_t len, size_t cap)
{
	uint32_t n = 1 + below(4), i;

	for (i = 0; i < n && len; i++) {
		switch (below(5)) {
		case 0:
			buf[below((uint32_t)len)] ^= (uint8_t)(1u << below(8));
			break;
		case 1: /* in the headers, where it matters */
			buf[below((uint32_t)(len < 80 ? len : 80))] = (uint8_t)rnd();
			break;
		case 2:
			len = below((uint32_t)len + 1);
			break;
		case 3:
			if (len + 8 <= cap) {
				for (int k = 0; k < 8; k++)
					buf[len + k] = (uint8_t)rnd();
				len += 8;
			}
			break;
		default: {
			size_t at = below((uint32_t)len), m = 1 + below(16);

			for (; m && at < len; m--, at++)
				buf[at] = (uint8_t)rnd();
		}
		}
	}
	return len;
}

static size_t random_frame(uint8_t *buf, size_t cap)
{
	size_t len = 1 + below(below(4) ? 128 : (uint32_t)cap - 1), i;

	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)rnd();
	if (below(2)) { /* an IP ethertype, so that parsing goes further */
		buf[12] = below(2) ? 0x08 : 0x86;
		buf[13] = buf[12] == 0x08 ? 0x00 : 0xdd;
	}
	return len;
}

static void dump(const char *why, uint64_t seed, unsigned long iter, const uint8_t *p, size_t len)
{
	size_t i;

	fprintf(stderr, "xdp fuzz: %s (seed 0x%llx, frame %lu, %zu bytes):", why,
		(unsigned long long)seed, iter, len);
	for (i = 0; i < len && i < 128; i++)
		fprintf(stderr, "%s%02x", i % 16 ? " " : "\n  ", p[i]);
	fprintf(stderr, "\n");
}

static void test_xdp_fuzz(void **state)
{
	const char *e_seed = getenv("BPFT_FUZZ_SEED"), *e_iters = getenv("BPFT_FUZZ_ITERS"),
		   *e_secs = getenv("BPFT_FUZZ_SECONDS");
	uint64_t seed = e_seed ? strtoull(e_seed, NULL, 0) : FUZZ_SEED_DEFAULT;
	unsigned long iters = e_iters ? strtoul(e_iters, NULL, 0) : FUZZ_ITERS_DEFAULT;
	uint64_t until = e_secs ? bpft_now_ns() + strtoull(e_secs, NULL, 0) * 1000000000ull : 0;
	unsigned long n, runs = 0, verdicts[8] = {0}, violations = 0, to_t1 = 0, to_t0 = 0;
	unsigned long icmp_back = 0;
	static uint8_t in[PKT_MAX];
	static struct bpft_result res;

	(void)state;
	rng = seed ? seed : 1;
	for (n = 0; until ? bpft_now_ns() < until : n < iters; n++) {
		uint32_t kind = below(10);
		size_t len;
		struct l3 a, b;
		const char *bad = NULL;
		int be, err;

		if (kind < 2) {
			len = random_frame(in, sizeof(in));
		} else {
			len = build_frame(in, sizeof(in) - 16);
			if (!len)
				continue;
			if (kind < 7)
				len = mutate(in, len, sizeof(in));
		}
		if (!len)
			continue;
		err = bpft_prog_run(HOOK_XDP, in, len, &res);
		if (err) /* the kernel refused the input (e.g. too short): not a verdict */
			continue;
		runs++;
		verdicts[res.verdict < 8 ? res.verdict : 7]++;
		a = parse_l3(in, len);
		if (res.verdict != V_XDP_DROP && res.verdict != V_XDP_PASS &&
		    res.verdict != V_XDP_REDIRECT) {
			bad = res.verdict ? "verdict is not DROP, PASS or REDIRECT" : "XDP_ABORTED";
		} else if (!is_service_addr(&a)) {
			if (res.verdict == V_XDP_REDIRECT)
				bad = "a non-service frame was redirected";
			else if (res.out_len != len || memcmp(res.out, in, len))
				bad = "a non-service frame was changed";
		} else if (res.verdict == V_XDP_REDIRECT) {
			b = parse_l3(res.out, res.out_len);
			be = b.family == a.family ? backend_of(&b) : -1;
			if (be < 0 && b.family == a.family &&
			    b.proto == (a.family == 4 ? 1 : 58) &&
			    !memcmp(b.dst, a.src, a.family == 4 ? 4 : 16))
				icmp_back++; /* steer's ICMP error to the sender */
			else if (be < 0)
				bad = "redirected to no backend";
			else if (memcmp(a.src, b.src, a.family == 4 ? 4 : 16))
				bad = "the source address changed";
			else if (!tenant_may_use(tenant_of(&a), be))
				bad = "a tenant's packet reached a backend only the other tenant "
				      "may use";
			else
				++*(tenant_of(&a) == TENANT_1 ? &to_t1 : &to_t0);
		}
		if (bad) {
			if (violations++ < 5)
				dump(bad, seed, n, in, len);
		}
	}
	printf("xdp fuzz: %lu frames run (seed 0x%llx): %lu dropped, %lu passed, %lu redirected "
	       "(tenant 1: %lu, tenant 0: %lu, ICMP errors back to the sender: %lu), %lu other "
	       "verdicts; %lu violations\n",
	       runs, (unsigned long long)seed, verdicts[V_XDP_DROP], verdicts[V_XDP_PASS],
	       verdicts[V_XDP_REDIRECT], to_t1, to_t0, icmp_back,
	       runs - verdicts[V_XDP_DROP] - verdicts[V_XDP_PASS] - verdicts[V_XDP_REDIRECT],
	       violations);
	assert_int_equal(violations, 0);
	/* the fuzzer reached the steering path of both tenants */
	assert_true(to_t1 > 0 && to_t0 > 0);
}

static int run(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_xdp_fuzz, bpft_reset),
	};

	return cmocka_run_group_tests_name("steer_xdp_fuzz", tests, NULL, NULL);
}

int main(void)
{
	return bpft_main(run);
}
