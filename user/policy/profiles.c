// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Built-in engine profiles: how each model server reports its load and
 * health, as data. Every name and endpoint here was checked against the
 * engine's own source (docs/policy.md, "Engine profiles", names the
 * commits and files):
 *
 *   vllm    GET /metrics, Prometheus; one series per {model_name, engine}
 *           (engine = data-parallel rank), summed. kv_cache_usage_perc is
 *           the current name, gpu_cache_usage_perc the one before 0.9.
 *   sglang  GET /metrics, Prometheus, only when started with
 *           --enable-metrics (else 404); one series per scheduler labels
 *           (model_name, tp/pp/dp rank ...), summed.
 *           Both export time_to_first_token_seconds, a histogram from the
 *           request's arrival to its first token (queue wait included):
 *           vLLM vllm/v1/metrics/loggers.py (PrometheusStatLogger) fed by
 *           vllm/v1/metrics/stats.py (update_from_output, time since
 *           arrival_time); SGLang python/sglang/srt/metrics/collector.py
 *           (TokenizerMetricsCollector). Its _sum and _count are read.
 *   chitu   POST /load_status, JSON with numbers as strings:
 *           handle_reqs (running + pending), max_concurrent_requests (""
 *           or "None" when unset). Health: POST /ping, or GET /server_status
 *           {"initialized": true}. No Prometheus page.
 */
#include <stdio.h>
#include <string.h>

#include "policy/internal.h"

struct profile {
	const char *waiting, *running, *kv_usage, *kv_usage_alt, *in_flight, *limit, *ttft,
		*queue;
	uint8_t format, method;
	const char *body;
	const char *hint_404;
};

static const struct profile profiles[] = {
	[POLICY_METRICS_VLLM] = {
		.waiting = "vllm:num_requests_waiting",
		.running = "vllm:num_requests_running",
		.kv_usage = "vllm:kv_cache_usage_perc",
		.kv_usage_alt = "vllm:gpu_cache_usage_perc",
		/*
		 * Scheduled -> first token (v1/metrics/stats.py
		 * update_from_finished_request: first_token_ts - scheduled_ts),
		 * written when the request finishes. Its TTFT histogram counts
		 * from arrival (queue wait in) and its queue histogram is also
		 * written at finish, so TTFT - queue over one interval mixes
		 * two sets of requests; prefill has no queue in it at all.
		 */
		.ttft = "vllm:request_prefill_time_seconds",
	},
	[POLICY_METRICS_SGLANG] = {
		.waiting = "sglang:num_queue_reqs",
		.running = "sglang:num_running_reqs",
		.kv_usage = "sglang:token_usage",
		/*
		 * TTFT from arrival, less the wait: sglang:queue_time_seconds
		 * is observed when the scheduler takes the request into a
		 * prefill batch (managers/scheduler.py get_new_batch_prefill),
		 * one prefill before its first token, so one probe interval
		 * holds nearly the same requests in both.
		 */
		.ttft = "sglang:time_to_first_token_seconds",
		.queue = "sglang:queue_time_seconds",
		.hint_404 = "SGLang serves /metrics only when started with --enable-metrics",
	},
	[POLICY_METRICS_CHITU] = {
		.in_flight = "handle_reqs",
		.limit = "max_concurrent_requests",
		.format = POLICY_LOAD_JSON,
		.method = POLICY_HTTP_POST,
		.body = "",
		.hint_404 = "Chitu reports load on POST /load_status (it has no /metrics)",
	},
};

/* Health endpoints a profile knows by path; any other path: GET, 2xx. */
static const struct health {
	enum policy_metrics_profile prof;
	const char *path;
	uint8_t method;
	const char *ready;
} healths[] = {
	{ POLICY_METRICS_CHITU, "/ping", POLICY_HTTP_POST, "" },
	{ POLICY_METRICS_CHITU, "/server_status", POLICY_HTTP_GET, "initialized" },
};

static void put(char *dst, size_t len, const char *s)
{
	snprintf(dst, len, "%s", s ? s : "");
}

void policy_profile_names(enum policy_metrics_profile prof, struct policy_metric_names *out)
{
	const struct profile *p;

	memset(out, 0, sizeof(*out));
	if (prof < POLICY_METRICS_VLLM || prof > POLICY_METRICS_CHITU)
		return;	/* none: nothing scraped; custom: names come from the file */
	p = &profiles[prof];
	put(out->waiting, sizeof(out->waiting), p->waiting);
	put(out->running, sizeof(out->running), p->running);
	put(out->kv_usage, sizeof(out->kv_usage), p->kv_usage);
	put(out->kv_usage_alt, sizeof(out->kv_usage_alt), p->kv_usage_alt);
	put(out->in_flight, sizeof(out->in_flight), p->in_flight);
	put(out->limit, sizeof(out->limit), p->limit);
	put(out->ttft, sizeof(out->ttft), p->ttft);
	put(out->queue, sizeof(out->queue), p->queue);
	put(out->body, sizeof(out->body), p->body);
	put(out->hint_404, sizeof(out->hint_404), p->hint_404);
	out->format = p->format;
	out->method = p->method;
}

/* The path of an http(s) URL, without query: "" if none. */
static const char *url_path(const char *url, size_t *len)
{
	const char *s = strstr(url, "://");
	const char *p = s ? strchr(s + 3, '/') : NULL;

	*len = p ? strcspn(p, "?#") : 0;
	return p ? p : "";
}

void policy_profile_health(enum policy_metrics_profile prof, const char *health_url,
			   struct policy_health_check *out)
{
	size_t i, len;
	const char *path = url_path(health_url, &len);

	memset(out, 0, sizeof(*out));
	for (i = 0; i < sizeof(healths) / sizeof(healths[0]); i++) {
		const struct health *h = &healths[i];

		if (h->prof != prof || strlen(h->path) != len || strncmp(h->path, path, len))
			continue;
		out->method = h->method;
		put(out->ready, sizeof(out->ready), h->ready);
		return;
	}
}
