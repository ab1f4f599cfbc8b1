// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * katbench: Katran's XDP balancer (facebookincubator/katran,
 * katran/lib/bpf/balancer.bpf.c, built by build.sh beside this file: not
 * part of steer, not built or run by make) timed per packet the way
 * pktbench times steer_xdp: BPF_PROG_TEST_RUN, separate repeat=1 calls, the
 * mean of the kernel's duration, next to a "return XDP_PASS" program of the
 * same run, the process pinned to one CPU (whose per-CPU LRU Katran uses).
 *
 * Katran's maps are set up the way its userspace does (KatranLb.cpp,
 * initLrus/attachLrus): one LRU hash per possible CPU, flags 0, placed in
 * lru_mapping at the CPU's index; one VIP 10.0.0.1:80/TCP with one real
 * 10.0.0.2 filling ch_rings, the default MAC in ctl_array. The key/value
 * layouts below are written to match the object's maps; their sizes are
 * checked against the object's map definitions at run time.
 *
 *   katbench [-o OBJ] [-n PACKETS] [-r ROUNDS] [-p CPU] [-L LRU_ENTRIES]
 *            [-c K [-P N] | -f] [-s FRAME_BYTES] [-v]
 *
 * Cases: noop, est (ACK of one flow in the LRU), nonsvc (TCP to a port no
 * VIP has), syn (a new 4-tuple each call; XDP_TX expected). -c K: the LRU
 * emptied (untimed) before the syn case and every K SYNs, so inserts find
 * room; with -P N, N other flows put back each time (a table in service).
 * -f: the LRU filled past its size before the syn case, so every insert
 * evicts. Neither: the LRU keeps what earlier rounds left.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* ---- constants that must agree with the BPF object's compile-time defaults */
#define KB_MAX_VIPS	      512   /* MAX_VIPS */
#define KB_RING_SIZE	      65537 /* RING_SIZE */
#define KB_MAX_CPUS	      128   /* MAX_SUPPORTED_CPUS (lru_mapping max_entries) */
#define KB_LRU_MISS_CNTR      1	    /* stats[MAX_VIPS+1]: v1 syn misses, v2 non-syn misses */
#define KB_NEW_CONN_RATE_CNTR 2

/* ---- map key/value layouts */
struct kb_flow_key { /* 40 bytes */
	uint32_t src[4];
	uint32_t dst[4];
	uint16_t sport, dport; /* network order */
	uint8_t proto;
	uint8_t pad[3];
};
struct kb_lru_val { /* 16 bytes */
	uint32_t pos;
	uint64_t atime;
};
struct kb_vip_key { /* 20 bytes */
	uint32_t addr[4];
	uint16_t port; /* network order */
	uint8_t proto;
	uint8_t pad;
};
struct kb_vip_meta {
	uint32_t flags;
	uint32_t vip_num;
};
struct kb_real { /* 20 bytes */
	uint32_t addr[4];
	uint8_t flags;
	uint8_t pad[3];
};
struct kb_ctl {
	union {
		uint64_t value;
		uint8_t mac[6];
	};
};
struct kb_stats {
	uint64_t v1, v2;
};

_Static_assert(sizeof(struct kb_flow_key) == 40, "flow_key");
_Static_assert(sizeof(struct kb_lru_val) == 16, "real_pos_lru");
_Static_assert(sizeof(struct kb_vip_key) == 20, "vip_definition");
_Static_assert(sizeof(struct kb_real) == 20, "real_definition");

/* ---- options */
static long opt_n = 100000;
static int opt_rounds = 3;
static long opt_room = 0;      /* -c K */
static bool opt_flood = false; /* -f */
static long opt_busy = 0;      /* -P N: with -c, N other flows kept in the LRU */
static int opt_cpu = -1;       /* -p */
static const char *opt_obj = "kb.o";
static int opt_lru = 65536; /* -L */
static int opt_size = 54;   /* -s frame bytes (>= 54) */
static bool opt_verbose = false;

/* ---- state */
static int ncpus;
static int lru_fds[KB_MAX_CPUS];
static int lru_fd_cur; /* LRU of the pinned CPU */
static int stats_fd;
static int kb_prog_fd, noop_prog_fd;

static const uint32_t VIP = 0x0a000001;	 /* 10.0.0.1 (host order) */
static const uint32_t REAL = 0x0a000002; /* 10.0.0.2 */
static const uint16_t VIP_PORT = 80;
static const uint16_t NONSVC_PORT = 8080;

static void die(const char *what, int err)
{
	fprintf(stderr, "katbench: %s: %s (%d)\n", what, strerror(err < 0 ? -err : err), err);
	exit(1);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: katbench [-o OBJ] [-n PACKETS] [-r ROUNDS] [-c K [-P N] | -f] [-p CPU]\n"
		"                [-L LRU_ENTRIES] [-s FRAME_BYTES] [-v]\n"
		"  -o OBJ   Katran balancer BPF object (default kb.o)\n"
		"  -n N     timed BPF_PROG_TEST_RUN calls per case per round (default 100000)\n"
		"  -r R     rounds (default 3); report median and min..max of per-round means\n"
		"  -c K     room mode: empty this CPU's LRU (untimed) before the syn case and\n"
		"           after every K SYNs, so inserts find room\n"
		"  -P N     with -c: N other flows put back in the LRU at each emptying\n"
		"  -f       flood mode: before the syn case, fill this CPU's LRU (untimed) with\n"
		"           LRU_ENTRIES+1024 unique tuples so every timed insert evicts\n"
		"  -p CPU   pin to CPU with sched_setaffinity (default: CPU it starts on)\n"
		"  -L E     max_entries of each per-CPU inner LRU hash (default 65536)\n"
		"  -s B     frame size in bytes, zero payload after TCP header (default 54)\n"
		"  -v       verbose\n");
	exit(2);
}

/* ---- packets */
static uint16_t csum_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}
static uint32_t csum_add(uint32_t s, const void *p, size_t len)
{
	const uint8_t *b = p;
	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		s += (uint32_t)b[len - 1] << 8;
	return s;
}

/* eth(14) + ipv4(20) + tcp(20) + zero payload */
static void build_pkt(uint8_t *p, int size, uint32_t saddr, uint32_t daddr, uint16_t sport,
		      uint16_t dport, uint8_t tcpflags)
{
	memset(p, 0, size);
	static const uint8_t dmac[6] = {0x02, 0, 0, 0, 0, 0x01}, smac[6] = {0x02, 0, 0, 0, 0, 0x02};
	memcpy(p, dmac, 6);
	memcpy(p + 6, smac, 6);
	p[12] = 0x08, p[13] = 0x00;
	uint8_t *ip = p + 14;
	uint16_t totlen = (uint16_t)(size - 14);
	ip[0] = 0x45;
	ip[2] = totlen >> 8, ip[3] = totlen & 0xff;
	ip[6] = 0x40; /* DF */
	ip[8] = 64;
	ip[9] = 6;
	uint32_t s = htonl(saddr), d = htonl(daddr);
	memcpy(ip + 12, &s, 4);
	memcpy(ip + 16, &d, 4);
	uint16_t ic = csum_fold(csum_add(0, ip, 20));
	ip[10] = ic >> 8, ip[11] = ic & 0xff;
	uint8_t *tcp = ip + 20;
	tcp[0] = sport >> 8, tcp[1] = sport & 0xff;
	tcp[2] = dport >> 8, tcp[3] = dport & 0xff;
	tcp[4] = 0x12, tcp[7] = 0x01; /* seq */
	if (tcpflags & 0x10)
		tcp[11] = 0x01; /* ack number */
	tcp[12] = 5 << 4;
	tcp[13] = tcpflags;
	tcp[14] = 0xfa, tcp[15] = 0xf0; /* window */
	uint16_t l4len = totlen - 20;
	uint8_t ph[12];
	memcpy(ph, ip + 12, 8);
	ph[8] = 0, ph[9] = 6, ph[10] = l4len >> 8, ph[11] = l4len & 0xff;
	uint16_t tc = csum_fold(csum_add(csum_add(0, ph, 12), tcp, l4len));
	tcp[16] = tc >> 8, tcp[17] = tc & 0xff;
}

#define TCP_SYN 0x02
#define TCP_ACK 0x10

static struct kb_flow_key flow_of(uint32_t saddr, uint16_t sport, uint16_t dport)
{
	struct kb_flow_key k;
	memset(&k, 0, sizeof(k));
	k.src[0] = htonl(saddr);
	k.dst[0] = htonl(VIP);
	k.sport = htons(sport);
	k.dport = htons(dport);
	k.proto = 6;
	return k;
}

/* unique tuple #i for syn: src 11.0.0.0 + i (16M addresses), sport 1024 + i%60000 */
static inline uint32_t syn_saddr(uint64_t i)
{
	return 0x0b000000u + (uint32_t)(i & 0xffffff);
}
static inline uint16_t syn_sport(uint64_t i)
{
	return (uint16_t)(1024 + i % 60000);
}

/* ---- test run */
struct runres {
	double sum_ns;
	long unexpected;
	long err;
	uint32_t last_retval;
};

static uint8_t out[2048];
static uint32_t out_size;
static inline void run_one(int fd, uint8_t *in, int size, uint32_t expect, struct runres *r)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = (uint32_t)size,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);
	int e = bpf_prog_test_run_opts(fd, &o);
	if (e) {
		r->err++;
		if (r->err == 1)
			fprintf(stderr, "katbench: test_run failed: %s\n", strerror(errno));
		return;
	}
	r->sum_ns += o.duration;
	out_size = o.data_size_out;
	r->last_retval = o.retval;
	if (o.retval != expect)
		r->unexpected++;
}

static uint64_t stat_get(uint32_t idx, int which, int cpu)
{
	struct kb_stats v[KB_MAX_CPUS * 2];
	if (bpf_map_lookup_elem(stats_fd, &idx, v))
		return 0;
	return which == 1 ? v[cpu].v1 : v[cpu].v2;
}

static long lru_empty(int fd)
{
	static struct kb_flow_key *keys;
	if (!keys)
		keys = calloc((size_t)opt_lru + 4096, sizeof(*keys));
	long n = 0;
	struct kb_flow_key cur, next;
	void *prev = NULL;
	while (n < opt_lru + 4096 && bpf_map_get_next_key(fd, prev, &next) == 0) {
		keys[n++] = next;
		cur = next;
		prev = &cur;
	}
	for (long i = 0; i < n; i++)
		bpf_map_delete_elem(fd, &keys[i]);
	return n;
}

static long lru_count(int fd)
{
	long n = 0;
	struct kb_flow_key cur, next;
	void *prev = NULL;
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		n++;
		cur = next;
		prev = &cur;
	}
	return n;
}

static uint64_t prefill_ctr;
static long lru_prefill_n(int fd, long want)
{
	/* unique tuples that no timed packet uses: src 172.31.0.0/16.. (+counter), UDP proto */
	long ok = 0;
	struct kb_lru_val v = {.pos = 1, .atime = 0};
	for (long i = 0; i < want; i++) {
		uint64_t c = prefill_ctr++;
		struct kb_flow_key k;
		memset(&k, 0, sizeof(k));
		k.src[0] = htonl(0xac000000u + (uint32_t)(c & 0xffffff));
		k.dst[0] = htonl(0x0a0000fe);
		k.sport = htons((uint16_t)(1 + (c >> 24)));
		k.dport = htons(9);
		k.proto = 17;
		if (bpf_map_update_elem(fd, &k, &v, BPF_ANY) == 0)
			ok++;
	}
	return ok;
}
static long lru_prefill(int fd)
{
	return lru_prefill_n(fd, (long)opt_lru + 1024);
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

enum { C_NOOP, C_SYN, C_EST, C_NONSVC, NCASES };
static const char *case_name[NCASES] = {"noop", "syn", "est", "nonsvc"};

int main(int argc, char **argv)
{
	int c;
	while ((c = getopt(argc, argv, "o:n:r:c:fp:L:s:vhP:")) != -1) {
		switch (c) {
		case 'o':
			opt_obj = optarg;
			break;
		case 'n':
			opt_n = atol(optarg);
			break;
		case 'r':
			opt_rounds = atoi(optarg);
			break;
		case 'c':
			opt_room = atol(optarg);
			break;
		case 'f':
			opt_flood = true;
			break;
		case 'P':
			opt_busy = atol(optarg);
			break;
		case 'p':
			opt_cpu = atoi(optarg);
			break;
		case 'L':
			opt_lru = atoi(optarg);
			break;
		case 's':
			opt_size = atoi(optarg);
			break;
		case 'v':
			opt_verbose = true;
			break;
		default:
			usage();
		}
	}
	if (opt_n <= 0 || opt_rounds <= 0 || opt_lru <= 0 || opt_room < 0)
		usage();
	if (opt_room && opt_flood) {
		fprintf(stderr, "katbench: -c and -f are exclusive\n");
		return 2;
	}
	if (opt_busy < 0 || (opt_busy && !opt_room)) {
		fprintf(stderr, "katbench: -P N needs -c K (N flows put back at each emptying)\n");
		return 2;
	}
	if (opt_size < 54 || opt_size > 1514) {
		fprintf(stderr, "katbench: -s must be 54..1514\n");
		return 2;
	}

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (opt_cpu < 0)
		opt_cpu = sched_getcpu();
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(opt_cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity", errno);
	if (sched_getcpu() != opt_cpu) {
		fprintf(stderr, "katbench: not running on cpu %d\n", opt_cpu);
		return 1;
	}
	struct rlimit rl = {RLIM_INFINITY, RLIM_INFINITY};
	setrlimit(RLIMIT_MEMLOCK, &rl);
	if (!opt_verbose)
		libbpf_set_print(NULL);

	ncpus = libbpf_num_possible_cpus();
	if (ncpus <= 0 || ncpus > KB_MAX_CPUS)
		die("possible cpus", ncpus <= 0 ? ncpus : E2BIG);
	if (opt_cpu >= ncpus)
		die("cpu out of range", EINVAL);

	/* ---- open, set up per-CPU LRUs like KatranLb::initLrus (flags 0, one per core) */
	struct bpf_object *obj = bpf_object__open_file(opt_obj, NULL);
	if (!obj)
		die("open object", errno);
	struct bpf_map *m_lru = bpf_object__find_map_by_name(obj, "lru_mapping");
	if (!m_lru)
		die("lru_mapping missing", ENOENT);
	for (int i = 0; i < ncpus; i++) {
		char name[16];
		snprintf(name, sizeof(name), "katran_lru%d", i);
		lru_fds[i] = bpf_map_create(BPF_MAP_TYPE_LRU_HASH, name, sizeof(struct kb_flow_key),
					    sizeof(struct kb_lru_val), (uint32_t)opt_lru, NULL);
		if (lru_fds[i] < 0)
			die("create inner LRU", errno);
	}
	int e = bpf_map__set_inner_map_fd(m_lru, lru_fds[0]); /* setInnerMapPrototype */
	if (e)
		die("set_inner_map_fd", e);
	e = bpf_object__load(obj);
	if (e) {
		fprintf(stderr, "katbench: load failed; rerun with -v for the verifier log\n");
		die("bpf_object__load", e);
	}
	struct bpf_program *prog = bpf_object__find_program_by_name(obj, "balancer_ingress");
	if (!prog)
		die("balancer_ingress missing", ENOENT);
	kb_prog_fd = bpf_program__fd(prog);
	int lru_map_fd = bpf_map__fd(m_lru);
	for (uint32_t i = 0; i < (uint32_t)ncpus; i++) { /* attachLrus */
		if (bpf_map_update_elem(lru_map_fd, &i, &lru_fds[i], BPF_ANY))
			die("lru_mapping update", errno);
	}
	lru_fd_cur = lru_fds[opt_cpu];

#define MAPFD(nm)                                                                                  \
	({                                                                                         \
		struct bpf_map *_m = bpf_object__find_map_by_name(obj, nm);                        \
		if (!_m)                                                                           \
			die(nm " missing", ENOENT);                                                \
		bpf_map__fd(_m);                                                                   \
	})
	int vip_fd = MAPFD("vip_map"), ch_fd = MAPFD("ch_rings"), reals_fd = MAPFD("reals"),
	    ctl_fd = MAPFD("ctl_array");
	stats_fd = MAPFD("stats");
	{
		struct bpf_map *mv = bpf_object__find_map_by_name(obj, "vip_map");
		struct bpf_map *mr = bpf_object__find_map_by_name(obj, "reals");
		struct bpf_map *mc = bpf_object__find_map_by_name(obj, "ch_rings");
		if (bpf_map__key_size(mv) != sizeof(struct kb_vip_key) ||
		    bpf_map__value_size(mv) != sizeof(struct kb_vip_meta) ||
		    bpf_map__value_size(mr) != sizeof(struct kb_real) ||
		    bpf_map__max_entries(mc) != (uint32_t)KB_MAX_VIPS * KB_RING_SIZE ||
		    bpf_map__value_size(bpf_object__find_map_by_name(obj, "stats")) !=
			    sizeof(struct kb_stats))
			die("map layout does not match katbench's structs", EINVAL);
	}

	/* ---- one VIP 10.0.0.1:80/tcp, vip_num 0, every ring slot -> real #1 (10.0.0.2) */
	struct kb_vip_key vk;
	memset(&vk, 0, sizeof(vk));
	vk.addr[0] = htonl(VIP);
	vk.port = htons(VIP_PORT);
	vk.proto = 6;
	struct kb_vip_meta vm = {.flags = 0, .vip_num = 0};
	if (bpf_map_update_elem(vip_fd, &vk, &vm, BPF_ANY))
		die("vip_map", errno);
	struct kb_real rd;
	memset(&rd, 0, sizeof(rd));
	rd.addr[0] = htonl(REAL);
	uint32_t real_id = 1;
	if (bpf_map_update_elem(reals_fd, &real_id, &rd, BPF_ANY))
		die("reals", errno);
	{
		uint32_t *keys = malloc(KB_RING_SIZE * sizeof(uint32_t));
		uint32_t *vals = malloc(KB_RING_SIZE * sizeof(uint32_t));
		for (uint32_t i = 0; i < KB_RING_SIZE; i++)
			keys[i] = 0 * KB_RING_SIZE + i, vals[i] = real_id;
		uint32_t cnt = KB_RING_SIZE;
		if (bpf_map_update_batch(ch_fd, keys, vals, &cnt, NULL) || cnt != KB_RING_SIZE) {
			for (uint32_t i = 0; i < KB_RING_SIZE; i++)
				if (bpf_map_update_elem(ch_fd, &keys[i], &vals[i], BPF_ANY))
					die("ch_rings", errno);
		}
		free(keys);
		free(vals);
	}
	struct kb_ctl cv = {.value = 0};
	static const uint8_t gw[6] = {0x02, 0x00, 0x5e, 0x00, 0x00, 0x01};
	memcpy(cv.mac, gw, 6);
	uint32_t zero = 0;
	if (bpf_map_update_elem(ctl_fd, &zero, &cv, BPF_ANY))
		die("ctl_array", errno);

	/* ---- noop: r0 = XDP_PASS; exit */
	struct bpf_insn noop[2] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_PASS},
		{.code = BPF_JMP | BPF_EXIT},
	};
	noop_prog_fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "noop", "GPL", noop, 2, NULL);
	if (noop_prog_fd < 0)
		die("load noop", errno);

	printf("katbench: obj=%s cpu=%d possible_cpus=%d n=%ld rounds=%d lru=%d/cpu frame=%dB "
	       "mode=%s",
	       opt_obj, opt_cpu, ncpus, opt_n, opt_rounds, opt_lru, opt_size,
	       opt_flood  ? "flood(-f)"
	       : opt_room ? "room(-c)"
			  : "default");
	if (opt_room)
		printf(" K=%ld", opt_room);
	printf("\n");

	uint8_t *pkt = malloc(2048);
	uint8_t tmpl_est[2048], tmpl_non[2048];
	const uint32_t est_saddr = 0x0a010001; /* 10.1.0.1:40000 */
	const uint16_t est_sport = 40000;
	build_pkt(tmpl_est, opt_size, est_saddr, VIP, est_sport, VIP_PORT, TCP_ACK);
	build_pkt(tmpl_non, opt_size, 0x0a010002, VIP, 40001, NONSVC_PORT, TCP_ACK);

	double means[NCASES][opt_rounds];
	long unexp[NCASES] = {0}, errs[NCASES] = {0};
	long est_miss = 0, est_userspace_insert = 0, syn_present = 0, syn_checked = 0;
	long room_empties = 0;
	uint64_t syn_ctr = 0;
	uint32_t last_rv[NCASES] = {0};

	for (int r = 0; r < opt_rounds; r++) {
		struct runres rr[NCASES];
		memset(rr, 0, sizeof(rr));

		/* noop */
		for (long i = 0; i < opt_n; i++) {
			memcpy(pkt, tmpl_est, opt_size);
			run_one(noop_prog_fd, pkt, opt_size, XDP_PASS, &rr[C_NOOP]);
		}

		/* est: make sure the flow's LRU entry exists (untimed warm-up through the program)
		 */
		{
			struct runres w = {0};
			memcpy(pkt, tmpl_est, opt_size);
			run_one(kb_prog_fd, pkt, opt_size, XDP_TX, &w);
			if (r == 0) {
				/* one-off check of the XDP_TX output: IPIP to the real, dst MAC =
				 * ctl_array[0] */
				uint32_t odst;
				memcpy(&odst, out + 14 + 16, 4);
				bool ok =
					w.last_retval == XDP_TX &&
					out_size == (uint32_t)opt_size + 20 &&
					memcmp(out, gw, 6) == 0 && out[12] == 0x08 &&
					out[13] == 0 && out[14] == 0x45 && out[14 + 9] == 4 &&
					odst == htonl(REAL) &&
					memcmp(out + 34, tmpl_est + 14, (size_t)opt_size - 14) == 0;
				printf("encap check (est warm-up output: IPIP to 10.0.0.2, inner "
				       "packet intact): %s (retval %u, %u bytes)\n",
				       ok ? "ok" : "MISMATCH", w.last_retval, out_size);
			}
			struct kb_flow_key k = flow_of(est_saddr, est_sport, VIP_PORT);
			struct kb_lru_val v;
			if (bpf_map_lookup_elem(lru_fd_cur, &k, &v)) {
				/* not inserted (new-connection guard active): insert it as the
				 * program would */
				v.pos = real_id;
				v.atime = 0;
				if (bpf_map_update_elem(lru_fd_cur, &k, &v, BPF_ANY))
					die("est insert", errno);
				est_userspace_insert++;
			}
			uint64_t m0 = stat_get(KB_MAX_VIPS + KB_LRU_MISS_CNTR, 2, opt_cpu);
			for (long i = 0; i < opt_n; i++) {
				memcpy(pkt, tmpl_est, opt_size);
				run_one(kb_prog_fd, pkt, opt_size, XDP_TX, &rr[C_EST]);
			}
			est_miss +=
				(long)(stat_get(KB_MAX_VIPS + KB_LRU_MISS_CNTR, 2, opt_cpu) - m0);
		}

		/* nonsvc */
		for (long i = 0; i < opt_n; i++) {
			memcpy(pkt, tmpl_non, opt_size);
			run_one(kb_prog_fd, pkt, opt_size, XDP_PASS, &rr[C_NONSVC]);
		}

		/* syn: unique 4-tuple per call */
		if (opt_flood) {
			long f = lru_prefill(lru_fd_cur);
			if (opt_verbose)
				fprintf(stderr, "round %d: prefilled %ld, LRU holds %ld\n", r, f,
					lru_count(lru_fd_cur));
		}
		if (opt_room) {
			lru_empty(lru_fd_cur);
			room_empties++;
			if (opt_busy)
				lru_prefill_n(lru_fd_cur, opt_busy);
		}
		uint64_t syn_first = syn_ctr;
		for (long i = 0; i < opt_n; i++) {
			if (opt_room && i > 0 && i % opt_room == 0) {
				lru_empty(lru_fd_cur);
				room_empties++;
				if (opt_busy)
					lru_prefill_n(lru_fd_cur, opt_busy);
			}
			uint64_t t = syn_ctr++;
			build_pkt(pkt, opt_size, syn_saddr(t), VIP, syn_sport(t), VIP_PORT,
				  TCP_SYN);
			run_one(kb_prog_fd, pkt, opt_size, XDP_TX, &rr[C_SYN]);
		}
		/* diagnostic (untimed): how many of the last <=1000 SYN tuples are in the LRU */
		for (uint64_t t = (syn_ctr - syn_first > 1000 ? syn_ctr - 1000 : syn_first);
		     t < syn_ctr; t++) {
			struct kb_flow_key k = flow_of(syn_saddr(t), syn_sport(t), VIP_PORT);
			struct kb_lru_val v;
			syn_checked++;
			if (bpf_map_lookup_elem(lru_fd_cur, &k, &v) == 0)
				syn_present++;
		}

		for (int k = 0; k < NCASES; k++) {
			long ok = opt_n - rr[k].err;
			means[k][r] = ok > 0 ? rr[k].sum_ns / ok : 0;
			unexp[k] += rr[k].unexpected;
			errs[k] += rr[k].err;
			last_rv[k] = rr[k].last_retval;
		}
		if (opt_verbose) {
			fprintf(stderr, "round %d:", r);
			for (int k = 0; k < NCASES; k++)
				fprintf(stderr, " %s=%.1f", case_name[k], means[k][r]);
			fprintf(stderr, "\n");
		}
	}

	double med[NCASES], mn[NCASES], mx[NCASES];
	for (int k = 0; k < NCASES; k++) {
		double s[opt_rounds];
		memcpy(s, means[k], sizeof(s));
		qsort(s, opt_rounds, sizeof(double), cmp_d);
		med[k] = opt_rounds % 2 ? s[opt_rounds / 2]
					: (s[opt_rounds / 2 - 1] + s[opt_rounds / 2]) / 2;
		mn[k] = s[0];
		mx[k] = s[opt_rounds - 1];
	}
	static const int order[NCASES] = {C_NOOP, C_SYN, C_EST, C_NONSVC};
	printf("\n| case | mean prog ns (median over rounds) | min..max | ratio to noop |\n");
	printf("|---|---:|---:|---:|\n");
	for (int j = 0; j < NCASES; j++) {
		int k = order[j];
		printf("| %s | %.1f | %.1f..%.1f | %.2f |\n", case_name[k], med[k], mn[k], mx[k],
		       med[0] > 0 ? med[k] / med[0] : 0);
	}
	printf("\nunexpected verdicts (over %d x %ld calls per case; expected noop=PASS syn=TX "
	       "est=TX nonsvc=PASS):",
	       opt_rounds, opt_n);
	for (int j = 0; j < NCASES; j++) {
		int k = order[j];
		printf(" %s=%ld", case_name[k], unexp[k]);
		if (errs[k])
			printf("(+%ld run errors)", errs[k]);
	}
	printf("\n");
	for (int j = 0; j < NCASES; j++) {
		int k = order[j];
		if (unexp[k])
			printf("  %s: last retval %u\n", case_name[k], last_rv[k]);
	}
	printf("est: non-SYN LRU misses during timing=%ld, entry inserted from userspace (guard "
	       "active) in %ld/%d rounds\n",
	       est_miss, est_userspace_insert, opt_rounds);
	printf("syn: of the last <=1000 SYN tuples per round, %ld/%ld found in the LRU afterwards",
	       syn_present, syn_checked);
	if (opt_room)
		printf("; LRU emptied %ld times", room_empties);
	printf("\n");
	printf("LRU entries on cpu %d at end: %ld\n", opt_cpu, lru_count(lru_fd_cur));
	return 0;
}
