// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Conntrack as steerd reads it (user/dp/conntrack.c): the state of an
 * entry from its flags, expiry by state with time passed in, and the
 * counts a sweep pass keeps (established per backend, open per tenant).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dp/dp.h"
#include "steer_ct_hint.h"

#define S 1000000000ULL

static const struct dp_ct_timeouts T = {
	.handshake_ns = 60 * S,
	.established_ns = 6 * 3600 * S,
	.closing_ns = 10 * S,
	.udp_ns = 30 * S,
};

static struct steer_ct entry(uint32_t flags, uint64_t last)
{
	struct steer_ct e = { .backend_id = 3, .tenant = 7, .flags = flags, .last_ns = last };

	return e;
}

static void test_state_of(void **state)
{
	struct steer_ct e;

	(void)state;
	e = entry(0, 0);
	assert_int_equal(dp_ct_state_of(&e), DP_CT_HANDSHAKE);
	e = entry(STEER_CT_F_SYNACK, 0);
	assert_int_equal(dp_ct_state_of(&e), DP_CT_HANDSHAKE); /* not ACKed by the client */
	e = entry(STEER_CT_F_SYNACK | STEER_CT_F_ESTABLISHED, 0);
	assert_int_equal(dp_ct_state_of(&e), DP_CT_ESTABLISHED);
	e = entry(STEER_CT_F_ESTABLISHED | STEER_CT_F_FIN_CLIENT, 0);
	assert_int_equal(dp_ct_state_of(&e), DP_CT_CLOSING);
	e = entry(STEER_CT_F_RST, 0);
	assert_int_equal(dp_ct_state_of(&e), DP_CT_CLOSING);
	e = entry(STEER_CT_F_ESTABLISHED | STEER_CT_F_RST_CLIENT, 0); /* maybe bogus */
	assert_int_equal(dp_ct_state_of(&e), DP_CT_CLOSING);
	e = entry(STEER_CT_F_ESTABLISHED | STEER_CT_F_RST | STEER_CT_F_CLOSED, 0);
	assert_int_equal(dp_ct_state_of(&e), DP_CT_CLOSED);
	assert_string_equal(dp_ct_state_name(DP_CT_ESTABLISHED), "established");
	assert_string_equal(dp_ct_state_name(DP_CT__STATES), "unknown");
}

static void test_expiry_by_state(void **state)
{
	uint64_t now = 100000 * S;
	struct steer_ct e;

	(void)state;
	e = entry(0, now - 59 * S); /* half-open for 59 s */
	assert_false(dp_ct_expired(&e, STEER_PROTO_TCP, now, &T));
	e = entry(0, now - 61 * S);
	assert_true(dp_ct_expired(&e, STEER_PROTO_TCP, now, &T));
	e = entry(STEER_CT_F_SYNACK | STEER_CT_F_ESTABLISHED, now - 3600 * S); /* quiet 1 h */
	assert_false(dp_ct_expired(&e, STEER_PROTO_TCP, now, &T));
	e = entry(STEER_CT_F_SYNACK | STEER_CT_F_ESTABLISHED, now - 7 * 3600 * S);
	assert_true(dp_ct_expired(&e, STEER_PROTO_TCP, now, &T));
	e = entry(STEER_CT_F_ESTABLISHED | STEER_CT_F_FIN_CLIENT, now - 11 * S);
	assert_true(dp_ct_expired(&e, STEER_PROTO_TCP, now, &T));
	e = entry(STEER_CT_F_ESTABLISHED | STEER_CT_F_FIN_CLIENT, now - 9 * S);
	assert_false(dp_ct_expired(&e, STEER_PROTO_TCP, now, &T));
	e = entry(STEER_CT_F_ESTABLISHED, now - 31 * S);
	assert_true(dp_ct_expired(&e, STEER_PROTO_UDP, now, &T)); /* UDP: its own bound */
	assert_false(dp_ct_expired(&e, STEER_PROTO_TCP, now, &T));
	e = entry(0, now + 5 * S); /* stamped after now (another CPU): not idle */
	assert_false(dp_ct_expired(&e, STEER_PROTO_TCP, now, &T));
}

static void test_counts(void **state)
{
	struct dp_ct_counts *c = calloc(1, sizeof(*c));
	struct steer_ct e;

	(void)state;
	assert_non_null(c);
	e = entry(STEER_CT_F_COUNTED, 0); /* half-open, holding a slot */
	dp_ct_count(c, &e, STEER_PROTO_TCP);
	e = entry(STEER_CT_F_COUNTED | STEER_CT_F_SYNACK | STEER_CT_F_ESTABLISHED, 0);
	dp_ct_count(c, &e, STEER_PROTO_TCP);
	dp_ct_count(c, &e, STEER_PROTO_TCP);
	e = entry(STEER_CT_F_CLOSED | STEER_CT_F_RST, 0); /* closed: its slot went */
	dp_ct_count(c, &e, STEER_PROTO_TCP);
	e = entry(STEER_CT_F_ESTABLISHED, 0); /* UDP, no slot */
	dp_ct_count(c, &e, STEER_PROTO_UDP);
	assert_int_equal(c->entries, 5);
	assert_int_equal(c->by_state[DP_CT_HANDSHAKE], 1);
	assert_int_equal(c->by_state[DP_CT_ESTABLISHED], 3);
	assert_int_equal(c->by_state[DP_CT_CLOSED], 1);
	/* a backend's load: established only; the half-open SYN is no load */
	assert_int_equal(c->established[3], 3);
	/* the bounded load's open flows: everything not closed, half-open too */
	assert_int_equal(c->open_by_backend[3], 4);
	/* a tenant's slots: every slot-holding entry not closed, half-open too */
	assert_int_equal(c->open[7], 3);
	free(c);
}

static struct steer_flow_key hint_key(uint32_t i)
{
	struct steer_flow_key k = { .proto = STEER_PROTO_TCP, .family = STEER_AF_INET };

	k.src[0] = 198;
	k.src[1] = 18;
	k.src[2] = (uint8_t)(i >> 16);
	k.src[3] = (uint8_t)(i >> 8);
	k.dst[0] = 198;
	k.dst[1] = 19;
	k.dst[3] = 1;
	k.sport = (uint16_t)(32768 + (i & 0xff)); /* clients' ports, a few per address */
	k.dport = 8000;
	return k;
}

/* ct_hint's slot hash spreads keys that differ in a few bits: 65,536 keys
 * in 524,288 slots take as many slots as random ones would (~61,580) */
static void test_hint_slots_spread(void **state)
{
	const uint32_t words = 16384, slots = words * 32;
	uint8_t *used = calloc(slots, 1);
	uint32_t i, distinct = 0;

	(void)state;
	assert_non_null(used);
	for (i = 0; i < 65536; i++) {
		struct steer_flow_key k = hint_key(i);
		uint32_t slot = steer_ct_hint_slot(&k, words);

		assert_true(slot < slots);
		distinct += !used[slot];
		used[slot] = 1;
	}
	assert_true(distinct >= 61000);
	free(used);
}

/* ct_hint's size follows the conntrack sizes: a power of two with at least
 * 4 slots a key, within its bounds */
static void test_hint_words_for(void **state)
{
	(void)state;
	/* the defaults: 262,144 + 65,536 keys, 1,310,720 slots asked */
	assert_int_equal(steer_ct_hint_words_for(STEER_CT_ENTRIES + STEER_CT_SYN_ENTRIES), 65536);
	/* the smallest tables (1,024 + 1,024) get the smallest hint */
	assert_int_equal(steer_ct_hint_words_for(2048), STEER_CT_HINT_WORDS_MIN);
	assert_int_equal(steer_ct_hint_words_for(0), STEER_CT_HINT_WORDS_MIN);
	/* one key more than a power of two holds doubles it */
	assert_int_equal(steer_ct_hint_words_for(262144), 32768);
	assert_int_equal(steer_ct_hint_words_for(262145), 65536);
	/* the largest tables (2 x 16,777,216) stop at the cap */
	assert_int_equal(steer_ct_hint_words_for(2ull * 16777216), STEER_CT_HINT_WORDS_MAX);
	assert_int_equal(steer_ct_hint_words_for(1ull << 40), STEER_CT_HINT_WORDS_MAX);
}

/* a generation's bits are set, read, counted and cleared apart from the other's */
static void test_hint_generations(void **state)
{
	struct dp_ct_hint h = { calloc(STEER_CT_HINT_WORDS_MIN, sizeof(uint64_t)),
				STEER_CT_HINT_WORDS_MIN };
	struct steer_flow_key a = hint_key(1), b = hint_key(2);
	struct dp_ct_counts c = { 0 };

	(void)state;
	assert_non_null(h.w);
	dp_ct_hint_mark(&h, &a, 1); /* generation 0 only */
	assert_true(dp_ct_hint_maybe(&h, &a, 0));
	assert_false(dp_ct_hint_maybe(&h, &a, 1));
	assert_false(dp_ct_hint_maybe(&h, &b, 0));
	dp_ct_hint_mark(&h, &b, 3); /* both, as XDP does */
	assert_int_equal(dp_ct_hint_count(&h, 0), 2);
	assert_int_equal(dp_ct_hint_count(&h, 1), 1);
	c.hint_set = dp_ct_hint_count(&h, 0);
	c.hint_slots = (uint64_t)h.words * 32;
	assert_true(dp_ct_hint_fill(&c) == 2.0 / (STEER_CT_HINT_WORDS_MIN * 32.0));
	dp_ct_hint_clear_gen(&h, 0);
	assert_false(dp_ct_hint_maybe(&h, &a, 0));
	assert_false(dp_ct_hint_maybe(&h, &b, 0));
	assert_true(dp_ct_hint_maybe(&h, &b, 1)); /* the other generation stays */
	assert_int_equal(dp_ct_hint_count(&h, 0), 0);
	free(h.w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_of),
		cmocka_unit_test(test_expiry_by_state),
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_hint_slots_spread),
		cmocka_unit_test(test_hint_words_for),
		cmocka_unit_test(test_hint_generations),
	};

	return cmocka_run_group_tests_name("ct", tests, NULL, NULL);
}
