/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Weighted Maglev lookup tables.
 *
 * A table is an array of m (prime) backend ids; the data plane indexes it
 * with a flow hash modulo m. Every gateway that builds a table from the
 * same backends, m and seed gets the same bytes, whatever the order in
 * which it learnt the backends, so that a flow that moves between
 * gateways lands on the same backend. Slot value 0 means "no backend".
 */
#ifndef STEER_MAGLEV_H
#define STEER_MAGLEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct steer_maglev_backend {
	uint64_t key;    /* stable identity (see steer_maglev_key), the same on every host */
	uint32_t id;     /* value written into the table slots (backend id, never 0) */
	uint32_t weight; /* relative weight; 0 = takes no slots */
};

/* Is n prime? */
bool steer_is_prime(uint32_t n);

/*
 * Stable key of a backend from its address (16 bytes, network order, IPv4
 * in the first 4), family (4 or 6) and port (network order). Independent
 * of host byte order; for family 4 only the first 4 address bytes count.
 */
uint64_t steer_maglev_key(const uint8_t addr[16], uint8_t family, uint16_t port);

/*
 * Fill table[m] (m prime, 3 <= m <= 131071) with backend ids, Maglev-style, weighted.
 * Deterministic: the result depends only on the multiset of {key,id,weight}, m and seed,
 * never on the order of the input array (sort internally by key, then id).
 * If every weight is 0 or n == 0, fill with 0 ("no backend") and return 0.
 * Returns 0 or -EINVAL (m not prime / out of range, id 0 with weight > 0, duplicate keys), -ENOMEM.
 * On error the table is left untouched.
 */
int steer_maglev_build(const struct steer_maglev_backend *b, size_t n, uint32_t m, uint32_t seed,
		       uint32_t *table);

#endif /* STEER_MAGLEV_H */
