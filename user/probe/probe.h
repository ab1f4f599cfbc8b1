/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Backend prober: health checks and model-server metrics over HTTP(S),
 * non-blocking and concurrent (libcurl multi interface).
 *
 * A round asks, for every target, its health URL (healthy iff HTTP 2xx
 * within the timeout, and the health's ready JSON field true if one is
 * named) and its metrics URL (with the method, body and format the
 * target's names say: Prometheus text or a JSON object, read for waiting,
 * running, in-flight, KV-cache and limit signals). The caller drives the
 * round with probe_poll() from its own loop, which also waits on the
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

#include "policy/policy.h"

/* Concurrent transfers (and kept connections) per prober. */
#define PROBE_MAX_PARALLEL	256

struct probe_target {
	const char *health_url;		/* NULL or "": no health check */
	const char *metrics_url;	/* NULL or "": no metrics */
	/* NULL: metrics fetched, nothing parsed, health is GET and 2xx */
	const struct policy_metric_names *names;
};

struct probe_result {
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
	/*
	 * An engine that reports only running + waiting (names->in_flight,
	 * Chitu's handle_reqs) has it in running, with has_waiting false.
	 * limit: the server's own cap on requests in flight (names->limit,
	 * Chitu's max_concurrent_requests), absent when unset ("", "None").
	 */
	bool has_limit;
	double limit;
	/*
	 * names->ttft's histogram, cumulative since the server started: the
	 * sums of its _sum (seconds) and _count over label sets (ranks).
	 * steerd turns the change between two probes into a mean. The same
	 * for names->queue, when named: the wait steerd takes off that mean.
	 */
	bool has_ttft, has_queue;
	double ttft_sum, ttft_count;
	double queue_sum, queue_count;
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

struct probe;

/*
 * timeout_ms: per transfer (connect included), > 0. max_body: largest
 * accepted response body in bytes, > 0. Returns NULL on bad arguments or
 * out of memory (errno set).
 */
struct probe *probe_new(long timeout_ms, size_t max_body);
void probe_free(struct probe *p);

/*
 * Start a round over t[0..n) (URLs and names are copied). Returns 0,
 * -EBUSY if a round is running, -EINVAL, -ENOMEM. n == 0 is a round that
 * is done at once. Results of the previous round are dropped.
 */
int probe_start(struct probe *p, const struct probe_target *t, size_t n);

/*
 * Drive the transfers; wait at most timeout_ms (< 0 counts as 0) for
 * activity on them or on extra[0..n_extra) (revents are filled in, as by
 * curl_multi_poll). Also usable with no round running, as a plain wait on
 * the extra fds. Returns 0 or a negative errno (-EIO: libcurl multi error).
 */
int probe_poll(struct probe *p, struct curl_waitfd *extra, unsigned int n_extra,
		int timeout_ms);

/*
 * Abandon the running round (e.g. the policy changed): transfers in flight
 * are stopped, queued ones never start. Targets that had not finished keep
 * done_ms == 0 in the results. No-op when no round is running.
 */
void probe_cancel(struct probe *p);

/* True when the round has finished, or when none was started. */
bool probe_done(const struct probe *p);

/*
 * Results of the current or last round, one per target in start order.
 * Final only once probe_done(); a target's entry is final once its
 * done_ms is nonzero. Valid until the next probe_start or probe_free.
 */
const struct probe_result *probe_results(const struct probe *p, size_t *n);

/*
 * Prometheus text exposition format (version 0.0.4) reader, for the load
 * signals model servers export (vLLM, SGLang, Chitu).
 *
 * The input is a byte buffer of known length, never read past its end and
 * not required to be NUL-terminated. Lines end with "\n" or "\r\n"; the
 * last line may lack its end. Blank lines and comments ("# HELP", "# TYPE",
 * any line whose first non-blank character is '#') are skipped. A sample
 * line is
 *
 *	name[{label="value",...}] value [timestamp]
 *
 * with blanks (spaces, tabs) allowed between tokens, an optional trailing
 * comma in the label set, label values escaped with \\, \" and \n only
 * (any other escape makes the line malformed, as in Prometheus), values as
 * decimal floats with optional exponent or NaN, Inf, +Inf, -Inf (any case,
 * "Infinity" too), and an optional integer timestamp in milliseconds.
 * A malformed line is skipped and counted; it never stops the walk.
 * Histograms and summaries are plain samples named *_bucket, *_sum, *_count.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One sample, pointing into the caller's buffer (valid during the callback only). */
struct probe_prom_sample {
	const char *name;	/* metric name, not NUL-terminated */
	size_t name_len;
	const char *labels;	/* raw text between the braces, escapes kept; len 0 if none */
	size_t labels_len;
	double value;		/* may be NaN or +-Inf */
	bool has_timestamp;
	int64_t timestamp_ms;
	unsigned int line;	/* 1-based line number */
};

/* Return 0 to go on; anything else stops the walk (use a negative errno). */
typedef int (*probe_prom_cb)(const struct probe_prom_sample *s, void *ctx);

/*
 * Call cb for every well-formed sample of buf[0..len), in order. Returns the
 * number of samples seen (saturating at INT_MAX), or the callback's nonzero
 * return value if it stopped the walk, or -EINVAL (buf NULL with len > 0,
 * cb NULL). *bad_lines (if not NULL) gets the number of malformed lines.
 */
int probe_prom_foreach(const char *buf, size_t len, probe_prom_cb cb, void *ctx,
		     unsigned int *bad_lines);

/* Does the sample have this name? (name is NUL-terminated) */
bool probe_prom_name_is(const struct probe_prom_sample *s, const char *name);

/*
 * Decoded value of the label called name in s, written NUL-terminated into
 * out[out_size]. Returns its length, -ENOENT if the sample has no such
 * label, -ENOSPC if it does not fit (out then holds a truncated prefix).
 */
int probe_prom_label(const struct probe_prom_sample *s, const char *name, char *out,
		   size_t out_size);

/*
 * A wanted metric: probe_prom_scan sums its samples over all label sets
 * (model_name, engine, tp_rank, ...). NaN samples are not added to sum nor
 * counted in samples; they are counted in nans. +-Inf samples are added.
 */
struct probe_prom_want {
	const char *name;	/* in: NUL-terminated; NULL or "" matches nothing */
	double sum;		/* out: sum of the non-NaN samples, 0 if none */
	unsigned int samples;	/* out: non-NaN samples added */
	unsigned int nans;	/* out: NaN samples skipped */
};

/*
 * Fill want[0..n_want) from buf (sum, samples and nans are reset first).
 * Returns the number of well-formed samples in buf (matched or not), or
 * -EINVAL. *bad_lines (if not NULL) gets the number of malformed lines.
 */
int probe_prom_scan(const char *buf, size_t len, struct probe_prom_want *want, size_t n_want,
		  unsigned int *bad_lines);

/*
 * signals.c: read a 2xx metrics body into r's signals, as names say
 * (Prometheus or JSON). err[err_len] gets "" or what went wrong. With
 * names NULL the body is only checked to be Prometheus text.
 */
void probe_read_signals(struct probe_result *r, const struct policy_metric_names *names,
			const char *body, size_t len, char *err, size_t err_len);

/*
 * Read a JSON object's field path ("a.b") as a number: a JSON number, or
 * a string holding a decimal number (Chitu sends numbers as strings).
 * Returns false when the field is absent, null, "", "None" or not a
 * finite number.
 */
bool probe_json_number(const char *body, size_t len, const char *field, double *out);

/* Is the JSON field path of body true? (health ready check) */
bool probe_json_true(const char *body, size_t len, const char *field);

#endif /* STEER_PROBE_H */
