// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * /admin/config: GET shows the runtime configuration, POST changes it.
 *
 *   POST /admin/config {"ttft_ms": 500, "tps": 20, "healthy": false, "slots": 2,
 *                       "slow": true, "slow_factor": 8, "max_tokens": 32}
 *
 * Every field is optional; all are checked before any is applied, so a bad
 * request changes nothing. Timing changes apply to requests that start
 * generating afterwards; more slots start queued requests at once.
 */
#include <string.h>

#include "mockllm.h"

static json_t *config_json(void)
{
	return json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:b, s:b, s:I, s:I, s:I}",
			 "backend", cfg.name, "model", cfg.model, "engine",
			 engine_name(cfg.engine), "slots", (json_int_t)cfg.slots, "ttft_ms",
			 (json_int_t)cfg.ttft_ms, "tps", (json_int_t)cfg.tps, "max_tokens",
			 (json_int_t)cfg.max_tokens, "healthy", cfg.healthy, "slow", cfg.slow,
			 "slow_factor", (json_int_t)cfg.slow_factor, "running",
			 (json_int_t)sched_running(), "waiting", (json_int_t)sched_waiting());
}

static const struct field {
	const char *key;
	unsigned int min;
	unsigned int max;	/* 0: boolean */
	size_t off;
} fields[] = {
	{ "ttft_ms", 0, 3600000, offsetof(struct config, ttft_ms) },
	{ "tps", 1, 1000000, offsetof(struct config, tps) },
	{ "slots", 1, 100000, offsetof(struct config, slots) },
	{ "max_tokens", 1, TOKENS_MAX, offsetof(struct config, max_tokens) },
	{ "slow_factor", 1, 1000, offsetof(struct config, slow_factor) },
	{ "healthy", 0, 0, offsetof(struct config, healthy) },
	{ "slow", 0, 0, offsetof(struct config, slow) },
	{ "max_concurrent", 0, 100000, offsetof(struct config, max_concurrent) },
};

static const struct field *find_field(const char *key)
{
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
		if (!strcmp(fields[i].key, key))
			return &fields[i];
	return NULL;
}

static void update(struct conn *c)
{
	struct config next = cfg;
	json_error_t jerr;
	const char *key;
	json_t *root, *v;

	if (!c->req.body_len) {
		http_error(c, 400, "empty request body (expected a JSON object)");
		return;
	}
	root = json_loadb(c->req.body, c->req.body_len, 0, &jerr);
	if (!root) {
		http_error(c, 400, "invalid JSON: %s (line %d, column %d)", jerr.text, jerr.line,
			   jerr.column);
		return;
	}
	if (!json_is_object(root)) {
		http_error(c, 400, "the request body must be a JSON object");
		goto out;
	}
	json_object_foreach(root, key, v) {
		const struct field *f = find_field(key);
		char *dst;

		if (!f) {
			http_error(c, 400, "unknown field '%.64s' (known: ttft_ms, tps, slots, "
					   "max_tokens, slow_factor, healthy, slow)", key);
			goto out;
		}
		dst = (char *)&next + f->off;
		if (!f->max) {
			if (!json_is_boolean(v)) {
				http_error(c, 400, "'%s' must be a boolean", key);
				goto out;
			}
			*(bool *)dst = json_is_true(v);
			continue;
		}
		if (!json_is_integer(v) || json_integer_value(v) < f->min ||
		    json_integer_value(v) > f->max) {
			http_error(c, 400, "'%s' must be an integer between %u and %u", key, f->min,
				   f->max);
			goto out;
		}
		*(unsigned int *)dst = (unsigned int)json_integer_value(v);
	}
	cfg = next;
	sched_kick();
	fprintf(stderr, "mockllm %s: config ttft_ms=%u tps=%u slots=%u healthy=%d slow=%d\n",
		cfg.name, cfg.ttft_ms, cfg.tps, cfg.slots, cfg.healthy, cfg.slow);
	http_respond_json(c, 200, config_json());
out:
	json_decref(root);
}

void admin_config(struct conn *c)
{
	if (!strcmp(c->req.method, "POST"))
		update(c);
	else
		http_respond_json(c, 200, config_json());
}
