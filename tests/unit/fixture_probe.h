/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Fixture of the prober's unit tests (tests/unit/test_probe_*.c): a small
 * HTTP/1.1 server run inside the test on 127.0.0.1 (ephemeral port, a
 * thread per connection, keep-alive), see fixture_probe.c for its paths;
 * and helpers to drive a round.
 */
#ifndef FIXTURE_PROBE_H
#define FIXTURE_PROBE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "probe/probe.h"

#define MAX_BODY	65536
#define SRV_MAX_CONNS	4096

/*
 * Probe timeout; STEER_TEST_TIMEOUT_MS raises it for slow runs (valgrind:
 * 3000), read by srv_setup(). Every time bound of the tests is a multiple
 * of it.
 */
extern long tmo_ms;
#define TIMEOUT_MS	tmo_ms
/* /slow answers after this, or as soon as the client leaves */
#define SLOW_MS		((int)(10 * tmo_ms))

extern const struct policy_metric_names vllm_names;
extern const struct policy_metric_names sglang_names;

struct srv {
	int lfd;
	int dead_fd;		/* bound, not listening: connections are refused */
	uint16_t port;
	uint16_t dead_port;
	pthread_t acceptor;
	pthread_mutex_t lock;
	int conn_fd[SRV_MAX_CONNS];
	pthread_t conn_th[SRV_MAX_CONNS];
	unsigned int n_conns;
	unsigned int requests;
	bool stop;
};

uint64_t now_ms(void);
/* Group setup and teardown: *state is the struct srv. */
int srv_setup(void **state);
int srv_teardown(void **state);
unsigned int srv_conns(struct srv *s);

#define URL_LEN 96

char *url(struct srv *s, char *buf, const char *path);
/* Drive a round to its end; returns its duration in ms. */
uint64_t run_round(struct probe *p, uint64_t max_ms);

#endif /* FIXTURE_PROBE_H */
