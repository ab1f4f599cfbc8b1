// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * steer_xdp fixtures, bounded-load consistent hashing (bpf/steer_bound.h,
 * docs/datapath.md step 5): a new flow whose Maglev choice already holds
 * its bound, ceil(c * weight / total weight * (open flows + 1)) and no
 * more than its weight while the class has room (c = 1 once it is full),
 * walks its own probe
 * sequence to the first backend under its bound; every step over, the
 * set's member with the most room (standby members too); none: the first
 * choice is kept (ev_bound_full); bound off (balance_pct 0): plain Maglev;
 * a non-SYN miss ignores the bound. And the count it reads: backend_load
 * +1 on a new flow, -1 when it closes.
 *
 * Every SYN goes through BPF_PROG_TEST_RUN with the whole output frame,
 * reason and counters checked (bpft_run_step); the expected backend comes
 * from a model of the walk below, written from the documentation.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>

#include "bpftest_xdp.h"
#include "steer_hash.h"

/* ---- the data plane's inputs ---- */

static void set_balance_pct(uint16_t pct)
{
	struct steer_service_key k = { 0 };
	struct steer_service s = { 0 };

	memcpy(k.addr, A_VIP4, 16);
	k.port = htons(PORT_TCP);
	k.proto = STEER_PROTO_TCP;
	k.family = STEER_AF_INET;
	assert_int_equal(bpf_map_lookup_elem(dp_map_fd(bpft.dp, DP_MAP_SERVICES), &k, &s), 0);
	s.balance_pct = pct;
	assert_int_equal(dp_service_set(bpft.dp, &k, &s), 0);
}

static void load_set(uint32_t be, int64_t open)
{
	struct steer_backend_load l = { .open = open };

	assert_int_equal(dp_map_write(bpft.dp, DP_MAP_BACKEND_LOAD, &be, &l, 1), 0);
}

static int64_t load_get(uint32_t be)
{
	struct steer_backend_load l;

	assert_int_equal(bpf_map_lookup_elem(dp_map_fd(bpft.dp, DP_MAP_BACKEND_LOAD), &be, &l), 0);
	return l.open;
}

/* ---- the model ---- */

struct model {
	uint32_t table[BPFT_M];
	struct steer_table_set set;
	int64_t load[BPFT_NBACKENDS + 1];
	uint16_t pct;
};

static uint64_t model_bound(const struct model *m, uint32_t be, uint64_t total)
{
	uint32_t i;

	for (i = 0; i < m->set.n; i++)
		if (m->set.ids[i] == be) {
			uint64_t den = (uint64_t)m->set.total_weight * 100;
			bool full = total + 1 > m->set.total_weight;
			/* c is 1 once the class is full: the exact share */
			uint64_t b = ((uint64_t)(full ? 100 : m->pct) * m->set.weight[i] *
					      (total + 1) +
				      den - 1) /
				     den;

			/* no more than its weight (a capacity) while the class has room */
			if (!full && b > m->set.weight[i])
				b = m->set.weight[i];
			return b;
		}
	return 0;
}

/* The backend a SYN from cport gets, and the reason counted with it. */
static uint32_t model_pick(const struct model *m, uint16_t cport, uint32_t *reason)
{
	struct steer_flow_key k;
	uint32_t h, slot, skip, first, i, be, bi = 0;
	uint64_t total = 0;

	bpft_ct_key(&F4_TCP, cport, &k);
	h = steer_flow_hash(&k, BPFT_SEED);
	first = m->table[h % BPFT_M]; /* every backend active: no probing */
	*reason = 0;
	if (!m->pct)
		return first;
	for (i = 0; i < m->set.n; i++)
		total += (uint64_t)(m->load[m->set.ids[i]] > 0 ? m->load[m->set.ids[i]] : 0);
	if ((uint64_t)m->load[first] < model_bound(m, first, total))
		return first;
	slot = h % BPFT_M;
	skip = steer_hash_final(h ^ 0x9e3779b9u) % (BPFT_M - 1) + 1;
	for (i = 1; i <= STEER_BOUND_STEPS; i++) {
		slot = (slot + skip) % BPFT_M;
		be = m->table[slot];
		if (be == first)
			continue;
		if ((uint64_t)m->load[be] < model_bound(m, be, total)) {
			*reason = STEER_R_EV_BOUND_DIVERT;
			return be;
		}
	}
	/* the last resort: the set's member under its bound with the fewest
	 * open flows per unit of weight, usable (every backend here is
	 * active: of the flow's family) */
	be = 0;
	for (i = 0; i < m->set.n; i++) {
		uint32_t id = m->set.ids[i], w = m->set.weight[i];
		uint64_t l = (uint64_t)(m->load[id] > 0 ? m->load[id] : 0);

		if (id == first || !w || l >= model_bound(m, id, total) ||
		    bpft_backends[id].family != 4)
			continue;
		if (be && l * m->set.weight[bi] >= (uint64_t)m->load[be] * w)
			continue;
		be = id;
		bi = i;
	}
	if (be) {
		*reason = STEER_R_EV_BOUND_DIVERT;
		return be;
	}
	*reason = STEER_R_EV_BOUND_FULL;
	return first;
}

static void model_publish(struct model *m)
{
	uint32_t i;

	bpft_table_set(1, m->table);
	dp_table_set_of(m->table, BPFT_M, &m->set);
	set_balance_pct(m->pct);
	for (i = 1; i <= BPFT_NBACKENDS; i++)
		load_set(i, m->load[i]);
}

/*
 * n SYNs from ports base.. through the program, each checked against the
 * model, which counts the flows it opens; backend_load must count them
 * too. Returns how many were diverted (and full in *full).
 */
static unsigned int run_syns(struct model *m, uint16_t base, unsigned int n, unsigned int *full)
{
	unsigned int i, diverted = 0;
	char ctx[128];

	*full = 0;
	for (i = 0; i < n; i++) {
		uint16_t port = (uint16_t)(base + i);
		uint32_t reason, be = model_pick(m, port, &reason);
		struct bpft_step st = { .what = "SYN", XDP(F4_TCP), .cport = port, SYN, NEW(be),
					.reason = reason };

		snprintf(ctx, sizeof(ctx), "port %u -> backend %u (loads A %lld B %lld, %s)", port,
			 be, (long long)m->load[BE4_A], (long long)m->load[BE4_B],
			 reason == STEER_R_EV_BOUND_DIVERT ? "diverted"
			 : reason == STEER_R_EV_BOUND_FULL ? "all over, first kept"
							   : "first choice");
		bpft_run_step(&st, ctx);
		m->load[be]++;
		if (load_get(be) != m->load[be])
			fail_msg("%s: backend_load[%u] %lld, %lld flows opened on it", ctx, be,
				 (long long)load_get(be), (long long)m->load[be]);
		diverted += reason == STEER_R_EV_BOUND_DIVERT;
		*full += reason == STEER_R_EV_BOUND_FULL;
	}
	return diverted;
}

static void table_alternate(struct model *m, unsigned int every_b)
{
	uint32_t i;

	for (i = 0; i < BPFT_M; i++)
		m->table[i] = (i % every_b) == every_b - 1 ? BE4_B : BE4_A;
}

/* The first of 200 ports from base whose Maglev choice is be. */
static uint16_t port_choosing(const struct model *m, uint16_t base, uint32_t be)
{
	unsigned int i;

	for (i = 0; i < 200; i++) {
		struct steer_flow_key k;

		bpft_ct_key(&F4_TCP, (uint16_t)(base + i), &k);
		if (m->table[steer_flow_hash(&k, BPFT_SEED) % BPFT_M] == be)
			return (uint16_t)(base + i);
	}
	fail_msg("no port of %u..%u chooses backend %u", base, base + 199, be);
	return 0;
}

/* ---- fixtures ---- */

/*
 * Bound off (balance_pct 0): A holds 100 flows, B none, and still every
 * flow goes where plain Maglev puts it, no event counted.
 */
static void check_bound_off(void)
{
	struct model m = { .pct = 0 };
	unsigned int full, div;

	table_alternate(&m, 2);
	m.load[BE4_A] = 100;
	model_publish(&m);
	div = run_syns(&m, 30000, 40, &full);
	assert_int_equal(div, 0);
	assert_int_equal(full, 0);
}

/*
 * Bound hit: A and B half the table each, A already holds 20 flows and B
 * none; c = 1.25. A's bound is ceil(1.25 * 1/2 * 21) = 14: a flow whose
 * Maglev choice is A goes to B (the first B on its probe sequence), until
 * the bound passes A's load (32 flows in all); then both take flows
 * again. 40 SYNs: about half of the first dozen are diverted (the model
 * says which, each step), and no backend ends over its bound.
 */
static void check_bound_hit(void)
{
	struct model m = { .pct = 125 };
	unsigned int full, div;
	uint64_t total;

	table_alternate(&m, 2);
	m.load[BE4_A] = 20;
	model_publish(&m);
	div = run_syns(&m, 31000, 40, &full);
	total = (uint64_t)(m.load[BE4_A] + m.load[BE4_B]);
	print_message("bound_hit: %u of 40 diverted, %u full, A %lld B %lld (bounds %llu, %llu)\n",
		      div, full, (long long)m.load[BE4_A], (long long)m.load[BE4_B],
		      (unsigned long long)model_bound(&m, BE4_A, total - 1),
		      (unsigned long long)model_bound(&m, BE4_B, total - 1));
	/* (a flow whose 8 steps all land on A counts ev_bound_full: the model
	 * says which, each step) */
	assert_true(div >= 3);
	assert_true((uint64_t)m.load[BE4_A] <= model_bound(&m, BE4_A, total - 1));
	assert_true((uint64_t)m.load[BE4_B] <= model_bound(&m, BE4_B, total - 1));
}

/*
 * Every choice over: the set says a third backend (never in the table, of
 * the other family: never usable for these flows) holds most of the
 * weight, so A's and B's bounds are 1 flow while each holds 5. The walk
 * finds nothing under its bound, nor does the last resort: the first
 * choice is kept and ev_bound_full counted (the bound never refuses).
 */
static void check_all_over(void)
{
	struct model m = { .pct = 125 };
	unsigned int full, div;
	uint32_t tid = 1;

	table_alternate(&m, 2);
	m.load[BE4_A] = 5;
	m.load[BE4_B] = 5;
	model_publish(&m);
	m.set.ids[m.set.n] = BE6_A;
	m.set.weight[m.set.n++] = 100000;
	m.set.total_weight += 100000;
	assert_int_equal(dp_map_write(bpft.dp, DP_MAP_TABLE_SETS, &tid, &m.set, 1), 0);
	div = run_syns(&m, 32000, 20, &full);
	assert_int_equal(div, 0);
	assert_int_equal(full, 20);
}

/*
 * Unequal weights: A holds 2/3 of the slots. Loads A 10, B 2 (total 12):
 * A's bound is ceil(1.25 * 2/3 * 13) = 11, so flows whose choice is A stay
 * on A (with the weights ignored, A's bound would be 9 and they would
 * move). Then A 6, B 6: B's bound is ceil(1.25 * 1/3 * 13) = 6, so a flow
 * whose choice is B moves to A.
 */
static void check_unequal_weights(void)
{
	struct model m = { .pct = 125 };
	unsigned int full, div;

	table_alternate(&m, 3);
	m.load[BE4_A] = 10;
	m.load[BE4_B] = 2;
	model_publish(&m);
	print_message("unequal: weights A %u B %u of %u; A's bound %llu\n", m.set.weight[0],
		      m.set.weight[1], m.set.total_weight,
		      (unsigned long long)model_bound(&m, BE4_A, 12));
	assert_int_equal(model_bound(&m, BE4_A, 12), 11);
	/* one SYN whose choice is A: kept */
	assert_int_equal(run_syns(&m, port_choosing(&m, 33000, BE4_A), 1, &full), 0);
	assert_int_equal(m.load[BE4_A], 11);

	m.load[BE4_A] = 6;
	m.load[BE4_B] = 6;
	model_publish(&m);
	assert_int_equal(model_bound(&m, BE4_B, 12), 6);
	div = run_syns(&m, port_choosing(&m, 34000, BE4_B), 1, &full);
	assert_int_equal(div, 1);
	assert_int_equal(m.load[BE4_A], 7);
}

/* Overwrite the set's weights with capacities, as steerd writes them. */
static void write_capacities(struct model *m, uint32_t cap_a, uint32_t cap_b)
{
	uint32_t tid = 1, i;

	m->set.total_weight = 0;
	for (i = 0; i < m->set.n; i++) {
		m->set.weight[i] = m->set.ids[i] == BE4_A ? cap_a : cap_b;
		m->set.total_weight += m->set.weight[i];
	}
	assert_int_equal(dp_map_write(bpft.dp, DP_MAP_TABLE_SETS, &tid, &m->set, 1), 0);
}

/* A's and B's open flows, published; cap > 0: both weigh cap (capacities). */
static void publish_loads(struct model *m, int64_t a, int64_t b, uint32_t cap)
{
	m->load[BE4_A] = a;
	m->load[BE4_B] = b;
	model_publish(m);
	if (cap)
		write_capacities(m, cap, cap);
}

/*
 * Weights are capacities (steerd writes them: user/dp/tables.c): A and B
 * serve 4 flows each. A holds 4, B 2: c x share alone is ceil(1.25 * 4/8
 * * 7) = 5, so A's choice would take a 5th flow and queue it while B has
 * 2 free; the bound is capped at A's capacity while the class has room,
 * so the flow goes to B. Then A 4, B 4 (the class full, 9 > 8): no cap,
 * and c is 1: A's bound is its exact share ceil(4/8 * 9) = 5, so a flow
 * choosing A stays there (the queue spreads by capacity, never refused),
 * and the next one choosing A (A 5, B 4: bound ceil(4/8 * 10) = 5) goes
 * to B. With c 1.25 the bound would be 6 and A would queue both.
 */
static void check_capped_at_capacity(void)
{
	struct model m = { .pct = 125 };
	unsigned int full;

	table_alternate(&m, 2);
	publish_loads(&m, 4, 2, 4);
	assert_int_equal(model_bound(&m, BE4_A, 6), 4);
	assert_int_equal(run_syns(&m, port_choosing(&m, 37000, BE4_A), 1, &full), 1);
	assert_int_equal(m.load[BE4_B], 3);

	publish_loads(&m, 4, 4, 4);
	assert_int_equal(model_bound(&m, BE4_A, 8), 5);
	assert_int_equal(run_syns(&m, port_choosing(&m, 37300, BE4_A), 1, &full), 0);
	assert_int_equal(full, 0);
	assert_int_equal(m.load[BE4_A], 5);
	assert_int_equal(model_bound(&m, BE4_A, 9), 5);
	assert_int_equal(run_syns(&m, port_choosing(&m, 37400, BE4_A), 1, &full), 1);
	assert_int_equal(full, 0);
	assert_int_equal(m.load[BE4_A], 5);
	assert_int_equal(m.load[BE4_B], 5);
}

/*
 * A standby member: the table is B's alone (steerd's last probe saw A
 * full: A has no slots), but A is in the set (decide.c add_standby),
 * capacities 4 and 4. B holds 4, A 1 by the kernel's count: B is at its
 * capacity, the walk meets only B, and the last resort takes A. Then A
 * holds 4 too (the class full: 9 > 8, no cap): B is under its bound of
 * ceil(1.25 * 4/8 * 9) = 6 and the flow stays there.
 */
static void check_standby_last_resort(void)
{
	struct model m = { .pct = 125 };
	uint32_t tid = 1;
	unsigned int full;

	table_alternate(&m, 1); /* every slot B */
	m.load[BE4_A] = 1;
	m.load[BE4_B] = 4;
	model_publish(&m);
	assert_int_equal(m.set.n, 1);
	m.set.ids[1] = BE4_A;
	m.set.n = 2;
	m.set.weight[0] = m.set.weight[1] = 4;
	m.set.total_weight = 8;
	assert_int_equal(dp_map_write(bpft.dp, DP_MAP_TABLE_SETS, &tid, &m.set, 1), 0);
	assert_int_equal(run_syns(&m, 38000, 1, &full), 1);
	assert_int_equal(m.load[BE4_A], 2);
	assert_int_equal(run_syns(&m, 38001, 2, &full), 2);
	assert_int_equal(m.load[BE4_A], 4);
	assert_int_equal(run_syns(&m, 38003, 1, &full), 0);
	assert_int_equal(full, 0);
	assert_int_equal(m.load[BE4_B], 5);
}

/*
 * A non-SYN miss (a flow another gateway steered) keeps the plain
 * table's choice, whatever the loads: A far over its bound, the ACK still
 * goes to A, counted as ev_nonsyn_miss only.
 */
static void check_nonsyn_ignores_bound(void)
{
	struct model m = { .pct = 125 };
	unsigned int i, n_a = 0;
	char ctx[96];

	table_alternate(&m, 2);
	m.load[BE4_A] = 100;
	model_publish(&m);
	for (i = 0; i < 20; i++) {
		uint16_t port = (uint16_t)(35000 + i);
		struct bpft_step st = { .what = "ACK miss", XDP(F4_TCP), .cport = port, ACK,
					.reason = STEER_R_EV_NONSYN_MISS, .new_flow = ANY,
					.ct_flags = STEER_CT_F_NONSYN };
		struct steer_flow_key k;
		uint32_t be;

		bpft_ct_key(&F4_TCP, port, &k);
		be = m.table[steer_flow_hash(&k, BPFT_SEED) % BPFT_M];
		st.backend = be; /* FWD(be) */
		st.verdict = V_XDP_REDIRECT;
		st.out = OUT_NAT_FIB;
		st.ct = CT_ENTRY;
		snprintf(ctx, sizeof(ctx), "nonsyn [port %u -> plain choice %u]", port, be);
		bpft_run_step(&st, ctx);
		n_a += be == BE4_A;
	}
	assert_true(n_a > 0);
}

/*
 * The bound takes a flow's place on its backend with one atomic add (the
 * check and the +1 together, so CPUs placing flows at once can't both take
 * the last place); a flow refused after that gives its place back: the
 * tenant's rate (1/s, burst 1) admits the first SYN and drops the second,
 * and backend_load counts one flow, not two.
 */
static void check_refused_gives_place_back(void)
{
	struct model m = { .pct = 125 };
	struct steer_tenant_cfg c = { .rate = 1, .burst = 1 };
	unsigned int full;
	uint32_t reason, be;
	struct bpft_step st = { .what = "SYN over the rate", XDP(F4_TCP), .cport = 36001, SYN,
				DROP(STEER_R_DROP_ADMIT_RATE), .ct = CT_NONE };

	table_alternate(&m, 2);
	model_publish(&m);
	assert_int_equal(dp_tenant_cfg_set(bpft.dp, TENANT_1, &c, true), 0);
	run_syns(&m, 36000, 1, &full);
	be = model_pick(&m, 36001, &reason);
	bpft_run_step(&st, "refused after the bound took its place");
	assert_int_equal(load_get(BE4_A) + load_get(BE4_B), 1);
	assert_int_equal(load_get(be), m.load[be]);
}

/* backend_load counts a flow open from its SYN until it closes. */
static void expect_load_a_1(void)
{
	assert_int_equal(load_get(BE4_A), 1);
}

static void expect_load_a_0(void)
{
	assert_int_equal(load_get(BE4_A), 0);
}

static const struct bpft_fixture fixtures[] = {
	{ .name = "bound_off_plain_maglev", .check = check_bound_off },
	{ .name = "bound_hit_diverts_along_probe_sequence", .check = check_bound_hit },
	{ .name = "bound_every_choice_over_keeps_first", .check = check_all_over },
	{ .name = "bound_unequal_weights", .check = check_unequal_weights },
	{ .name = "bound_capped_at_capacity_while_class_has_room",
	  .check = check_capped_at_capacity },
	{ .name = "bound_last_resort_takes_standby_member", .check = check_standby_last_resort },
	{ .name = "bound_nonsyn_miss_keeps_plain_choice", .check = check_nonsyn_ignores_bound },
	{ .name = "bound_refused_flow_gives_its_place_back",
	  .check = check_refused_gives_place_back },
	{ .name = "load_counted_open_to_close",
	  .steps = { { .what = "client SYN", XDP(F4_TCP), SYN, NEW(BE4_A),
		       .after = expect_load_a_1 },
		     { .what = "backend RST closes", TC(F4_TCP), RST, REPLY(BE4_A), .closed = 1,
		       .ct_flags = STEER_CT_F_RST | STEER_CT_F_CLOSED,
		       .ct_flags_mask = STEER_CT_F_RST | STEER_CT_F_CLOSED,
		       .after = expect_load_a_0 } } },
};

int main(void)
{
	return BPFT_MAIN("steer_xdp_bound", fixtures);
}
