/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Backend prober: health checks and model-server metrics over HTTP(S),
 * non-blocking and concurrent (libcurl multi interface).
 *
 * A round GETs, for every target, its health URL (healthy iff HTTP 2xx
 * within the timeout) and its metrics URL (Prometheus text, parsed for the
 * target's waiting / running / KV-cache names). The caller drives the
 * round with prober_poll() from its own loop, which also waits on the
 * caller's fds, so nothing blocks and no thread is started.
 *
 * Transfers: at most PROBE_MAX_PARALLEL at once (more wait in a queue;
 * each one's timeout starts when it starts), no signals, no proxy from the
 * environment, no redirects followed (a 3xx is a failure), http and https
 * only, a response body larger than max_body aborts the transfer.
 * Connections are kept in the prober and reused by the next rounds.
 */
#ifndef STEER_PROBE_H
#define STEER_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include "policy.h"

/* Concurrent transfers (and kept connections) per prober. */
#define PROBE_MAX_PARALLEL	256

struct steer_probe_target {
	const char *health_url;		/* NULL or "": no health check */
	const char *metrics_url;	/* NULL or "": no metrics */
	const struct steer_metric_names *names;	/* NULL: metrics fetched, nothing parsed */
};

struct steer_probe_result {
	bool health_checked;	/* a health URL was probed */
	bool healthy;		/* HTTP 2xx within the timeout */
	long health_code;	/* HTTP status, 0 if none was received */
	double health_ms;	/* time the health transfer took */
	bool metrics_ok;	/* HTTP 2xx, body within the cap, Prometheus text */
	long metrics_code;
	double metrics_ms;
	/*
	 * Signals found in the metrics (non-finite sums count as absent):
	 * waiting and running are sums over all label sets (models, engines,
	 * ranks); kv_usage is the mean over label sets (each engine reports its
	 * own 0..1 use), from names->kv_usage or, if that name has no sample,
	 * names->kv_usage_alt.
	 */
	bool has_waiting, has_running, has_kv;
	double waiting, running, kv_usage;
	uint64_t done_ms;	/* CLOCK_MONOTONIC ms when this target's transfers ended */
	/*
	 * "" if none, else the health error if there was one, else the
	 * metrics error: "health: timeout after 300 ms", "health: HTTP 503",
	 * "metrics: response over 1048576 bytes", "metrics: connect refused",
	 * "metrics: not Prometheus text (12 bad lines)", "metrics: no sample
	 * of the configured names", ... A missing metric name is not an error
	 * when another one is found.
	 */
	char error[160];
};

struct steer_prober;

/*
 * timeout_ms: per transfer (connect included), > 0. max_body: largest
 * accepted response body in bytes, > 0. Returns NULL on bad arguments or
 * out of memory (errno set).
 */
struct steer_prober *prober_new(long timeout_ms, size_t max_body);
void prober_free(struct steer_prober *p);

/*
 * Start a round over t[0..n) (URLs and names are copied). Returns 0,
 * -EBUSY if a round is running, -EINVAL, -ENOMEM. n == 0 is a round that
 * is done at once. Results of the previous round are dropped.
 */
int prober_start(struct steer_prober *p, const struct steer_probe_target *t, size_t n);

/*
 * Drive the transfers; wait at most timeout_ms (< 0 counts as 0) for
 * activity on them or on extra[0..n_extra) (revents are filled in, as by
 * curl_multi_poll). Also usable with no round running, as a plain wait on
 * the extra fds. Returns 0 or a negative errno (-EIO: libcurl multi error).
 */
int prober_poll(struct steer_prober *p, struct curl_waitfd *extra, unsigned int n_extra,
		int timeout_ms);

/*
 * Abandon the running round (e.g. the policy changed): transfers in flight
 * are stopped, queued ones never start. Targets that had not finished keep
 * done_ms == 0 in the results. No-op when no round is running.
 */
void prober_cancel(struct steer_prober *p);

/* True when the round has finished, or when none was started. */
bool prober_done(const struct steer_prober *p);

/*
 * Results of the current or last round, one per target in start order.
 * Final only once prober_done(); a target's entry is final once its
 * done_ms is nonzero. Valid until the next prober_start or prober_free.
 */
const struct steer_probe_result *prober_results(const struct steer_prober *p, size_t *n);

#endif /* STEER_PROBE_H */
