// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * GET /metrics: Prometheus text exposition with the names and labels the
 * chosen engine really exports (see the engine table in DESIGN.md), from
 * the scheduler's live numbers. KV-cache use is modelled as running/slots.
 */
#include "mockllm.h"

struct metric {
	const char *name;
	const char *help;
	const char *type;
};

/* Label value with \, " and newline escaped. */
static void label_value(struct buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			buf_printf(b, "\\%c", *s);
		else if (*s == '\n')
			buf_puts(b, "\\n");
		else
			buf_append(b, s, 1);
	}
}

static void header(struct buf *b, const struct metric *m)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", m->name, m->help, m->name, m->type);
}

/* name{<labels>model="M"} value; `labels` is "" or ends with a comma */
static void sample(struct buf *b, const char *name, const char *labels, const char *model_label,
		   double v)
{
	buf_printf(b, "%s{%s%s=\"", name, labels, model_label);
	label_value(b, cfg.model);
	buf_printf(b, "\"} %.10g\n", v);
}

static void single(struct buf *b, const struct metric *m, const char *labels,
		   const char *model_label, double v)
{
	header(b, m);
	sample(b, m->name, labels, model_label, v);
}

/* vLLM's buckets for vllm:time_to_first_token_seconds (v1/metrics/loggers.py) */
static const double ttft_buckets[] = { 0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1,
				       0.25,  0.5,   0.75, 1.0,  2.5,  5.0,  7.5,  10.0,
				       20.0,  40.0,  80.0, 160.0, 640.0, 2560.0 };
/* vLLM's request_latency_buckets, for its queue and prefill histograms (same file) */
static const double request_buckets[] = { 0.3,	0.5,  0.8,  1.0,  1.5,	 2.0,	2.5,
					  5.0,	10.0, 15.0, 20.0, 30.0,	 40.0,	50.0,
					  60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0 };
/* SGLang's buckets for sglang:queue_time_seconds (srt/metrics/collector.py) */
static const double sglang_queue_buckets[] = {
	0.0,  0.1,  0.2,  0.5,	1,    2,    3,	  4,	5,    10,   15,	  20,
	30,   40,   50,	  60,	70,   80,   90,	  100,	200,  300,  400,  500,
	600,  700,  800,  900,	1000, 1200, 1400, 1600, 1800, 2000, 2500, 3000,
};

#define HIST_MAX_BUCKETS 36

static struct hist {
	const char *help;
	const double *le;
	size_t n_le;
	uint64_t count;
	double sum_s;
	uint64_t in[HIST_MAX_BUCKETS]; /* per bucket, not cumulative */
} hists[HIST_N] = {
#define BUCKETS(a) a, sizeof(a) / sizeof(a[0])
	[HIST_TTFT] = { "Histogram of time to first token in seconds.", BUCKETS(ttft_buckets) },
	[HIST_VLLM_QUEUE] = { "Histogram of time spent in WAITING phase for request.",
			      BUCKETS(request_buckets) },
	[HIST_VLLM_PREFILL] = { "Histogram of time spent in PREFILL phase for request.",
				BUCKETS(request_buckets) },
	[HIST_SGLANG_QUEUE] = { "Histogram of queueing time in seconds.",
				BUCKETS(sglang_queue_buckets) },
#undef BUCKETS
};
_Static_assert(sizeof(sglang_queue_buckets) / sizeof(sglang_queue_buckets[0]) <= HIST_MAX_BUCKETS,
	       "room for every bucket");

void metrics_observe(enum hist_id id, uint64_t ns)
{
	struct hist *h = &hists[id];
	double s = ns / 1e9;
	size_t i;

	h->count++;
	h->sum_s += s;
	for (i = 0; i < h->n_le; i++)
		if (s <= h->le[i]) {
			h->in[i]++;
			break;
		}
}

/* A histogram as prometheus_client writes it: _bucket{le} (cumulative), _count, _sum. */
static void histogram(struct buf *b, enum hist_id id, const char *name, const char *labels,
		      const char *model_label)
{
	const struct hist *h = &hists[id];
	const struct metric m = { name, h->help, "histogram" };
	char n[96], l[128];
	uint64_t cum = 0;
	size_t i;

	header(b, &m);
	snprintf(n, sizeof(n), "%s_bucket", name);
	for (i = 0; i < h->n_le; i++) {
		cum += h->in[i];
		snprintf(l, sizeof(l), "%sle=\"%g\",", labels, h->le[i]);
		sample(b, n, l, model_label, (double)cum);
	}
	snprintf(l, sizeof(l), "%sle=\"+Inf\",", labels);
	sample(b, n, l, model_label, (double)h->count);
	snprintf(n, sizeof(n), "%s_count", name);
	sample(b, n, labels, model_label, (double)h->count);
	snprintf(n, sizeof(n), "%s_sum", name);
	sample(b, n, labels, model_label, h->sum_s);
}

static double kv_usage(void)
{
	double u = cfg.slots ? (double)sched_running() / cfg.slots : 1.0;

	return u > 1.0 ? 1.0 : u;
}

static void render_vllm(struct buf *b)
{
	static const struct metric running = { "vllm:num_requests_running",
		"Number of requests in model execution batches.", "gauge" };
	static const struct metric waiting = { "vllm:num_requests_waiting",
		"Number of requests waiting to be processed.", "gauge" };
	static const struct metric kv = { "vllm:kv_cache_usage_perc",
		"KV-cache usage. 1 means 100 percent usage.", "gauge" };
	static const struct metric success = { "vllm:request_success_total",
		"Count of successfully processed requests.", "counter" };
	static const struct metric prompt = { "vllm:prompt_tokens_total",
		"Number of prefill tokens processed.", "counter" };
	static const struct metric gen = { "vllm:generation_tokens_total",
		"Number of generation tokens processed.", "counter" };
	const char *e = "engine=\"0\",";

	single(b, &running, e, "model_name", sched_running());
	single(b, &waiting, e, "model_name", sched_waiting());
	single(b, &kv, e, "model_name", kv_usage());
	header(b, &success);
	sample(b, success.name, "engine=\"0\",finished_reason=\"length\",", "model_name",
	       (double)stats.finished_length);
	sample(b, success.name, "engine=\"0\",finished_reason=\"stop\",", "model_name",
	       (double)stats.finished_stop);
	sample(b, success.name, "engine=\"0\",finished_reason=\"abort\",", "model_name",
	       (double)stats.aborted);
	single(b, &prompt, e, "model_name", (double)stats.prompt_tokens);
	single(b, &gen, e, "model_name", (double)stats.gen_tokens);
	histogram(b, HIST_TTFT, "vllm:time_to_first_token_seconds", e, "model_name");
	histogram(b, HIST_VLLM_QUEUE, "vllm:request_queue_time_seconds", e, "model_name");
	histogram(b, HIST_VLLM_PREFILL, "vllm:request_prefill_time_seconds", e, "model_name");
}

static void render_sglang(struct buf *b)
{
	static const struct metric running = { "sglang:num_running_reqs",
		"The number of running requests.", "gauge" };
	static const struct metric queue = { "sglang:num_queue_reqs",
		"The number of requests in the waiting queue.", "gauge" };
	static const struct metric usage = { "sglang:token_usage", "The token usage.", "gauge" };
	static const struct metric prompt = { "sglang:prompt_tokens_total",
		"Number of prefill tokens processed.", "counter" };
	static const struct metric gen = { "sglang:generation_tokens_total",
		"Number of generation tokens processed.", "counter" };
	static const struct metric reqs = { "sglang:num_requests_total",
		"Number of requests processed.", "counter" };
	const char *l = "engine_type=\"unified\",";

	single(b, &running, l, "model_name", sched_running());
	single(b, &queue, l, "model_name", sched_waiting());
	single(b, &usage, l, "model_name", kv_usage());
	single(b, &prompt, l, "model_name", (double)stats.prompt_tokens);
	single(b, &gen, l, "model_name", (double)stats.gen_tokens);
	single(b, &reqs, l, "model_name",
	       (double)(stats.finished_stop + stats.finished_length + stats.aborted));
	histogram(b, HIST_TTFT, "sglang:time_to_first_token_seconds", l, "model_name");
	histogram(b, HIST_SGLANG_QUEUE, "sglang:queue_time_seconds", l, "model_name");
}

void metrics_render(struct buf *b)
{
	static const struct metric info = { "mockllm_info",
		"Mock backend identity (mockllm).", "gauge" };
	static const struct metric reqs = { "mockllm_http_requests_total",
		"HTTP requests answered, any endpoint.", "counter" };

	switch (cfg.engine) {
	case ENGINE_VLLM:
		render_vllm(b);
		break;
	case ENGINE_SGLANG:
		render_sglang(b);
		break;
	case ENGINE_CHITU:
		break;	/* Chitu has no /metrics (engines.c answers 404) */
	}
	header(b, &info);
	buf_printf(b, "mockllm_info{backend=\"");
	label_value(b, cfg.name);
	buf_printf(b, "\",engine=\"%s\",slots=\"%u\",", engine_name(cfg.engine), cfg.slots);
	buf_printf(b, "model=\"");
	label_value(b, cfg.model);
	buf_puts(b, "\"} 1\n");
	header(b, &reqs);
	buf_printf(b, "mockllm_http_requests_total %llu\n", (unsigned long long)stats.requests);
}
