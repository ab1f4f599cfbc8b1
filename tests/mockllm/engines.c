// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * What each engine serves besides the OpenAI API, as the engine does it
 * (docs/policy.md, "Engine profiles", names the sources):
 *
 *   chitu   POST /load_status {"load_score", "handle_reqs", "max_batch_size",
 *           "max_concurrent_requests"}, every value a string ("" when the
 *           limit is unset); POST /ping {"message": "Connection succeeded"};
 *           GET /server_status {"initialized": bool} (false with
 *           --fail-health); POST /health answers null; no /metrics (404).
 *           Inference paths answer 503 {"detail": "Service is not started"}
 *           until initialized and 503 {"error": {"type": "overloaded"}} once
 *           running + pending reaches --max-concurrent.
 *   sglang  --no-metrics: /metrics is 404, as without --enable-metrics.
 *   vllm    everything in route.c and metrics.c.
 */
#include <stdio.h>
#include <string.h>

#include "mockllm.h"

static const char *const inference_prefixes[] = {
	"/v1/chat/completions",
	"/v1/completions",
	"/v1/messages",
	"/v1/responses",
};

static bool is(const struct conn *c, const char *method, const char *path)
{
	return !strcmp(c->req.method, method) && !strcmp(c->req.path, path);
}

static bool chitu_load_status(struct conn *c)
{
	char load[32], reqs[32], batch[32], limit[32] = "";
	unsigned int in_flight = sched_running() + sched_waiting();

	/* load_score: prefix tokens of the running tasks; a few per request here */
	snprintf(load, sizeof(load), "%u", sched_running() * 16);
	snprintf(reqs, sizeof(reqs), "%u", in_flight);
	snprintf(batch, sizeof(batch), "%u", cfg.slots);
	if (cfg.max_concurrent)
		snprintf(limit, sizeof(limit), "%u", cfg.max_concurrent);
	http_respond_json(c, 200,
			  json_pack("{s:s, s:s, s:s, s:s}", "load_score", load, "handle_reqs", reqs,
				    "max_batch_size", batch, "max_concurrent_requests", limit));
	return true;
}

/* Chitu's own endpoints and its gate in front of inference. */
static bool chitu_route(struct conn *c)
{
	size_t i;

	if (is(c, "POST", "/load_status"))
		return chitu_load_status(c);
	if (is(c, "POST", "/ping")) {
		http_respond_json(c, 200, json_pack("{s:s}", "message", "Connection succeeded"));
		return true;
	}
	if (is(c, "GET", "/server_status")) {
		http_respond_json(c, 200, json_pack("{s:b}", "initialized", cfg.healthy));
		return true;
	}
	if (is(c, "POST", "/health")) {
		http_respond(c, 200, "application/json", "null", 4, NULL);
		return true;
	}
	if (!strcmp(c->req.path, "/metrics") || !strcmp(c->req.path, "/health")) {
		http_respond_json(c, 404, json_pack("{s:s}", "detail", "Not Found"));
		return true;
	}
	for (i = 0; i < ARRAY_SIZE(inference_prefixes); i++) {
		const char *p = inference_prefixes[i];

		if (strncmp(c->req.path, p, strlen(p)))
			continue;
		if (cfg.max_concurrent && sched_running() + sched_waiting() >= cfg.max_concurrent) {
			http_respond_json(c, 503,
					  json_pack("{s:{s:s, s:s}}", "error", "message",
						    "Server overloaded", "type", "overloaded"));
			return true;
		}
		if (!cfg.healthy) {
			http_respond_json(c, 503, json_pack("{s:s}", "detail",
							    "Service is not started"));
			return true;
		}
	}
	return false;
}

bool engine_route(struct conn *c, bool *pending)
{
	*pending = false;
	switch (cfg.engine) {
	case ENGINE_CHITU:
		return chitu_route(c);
	case ENGINE_SGLANG:
		if (cfg.no_metrics && !strcmp(c->req.path, "/metrics")) {
			http_respond_json(c, 404, json_pack("{s:s}", "detail", "Not Found"));
			return true;
		}
		return false;
	case ENGINE_VLLM:
		break;
	}
	return false;
}
