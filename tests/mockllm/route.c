// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Request routing and the small GET endpoints: /health, /v1/models,
 * /metrics. Unknown paths get 404, known paths with another method 405.
 */
#include <string.h>
#include <time.h>

#include "mockllm.h"

static bool get_health(struct conn *c)
{
	json_t *o = json_pack("{s:s, s:s, s:s}", "status", cfg.healthy ? "ok" : "unhealthy",
			      "backend", cfg.name, "model", cfg.model);

	http_respond_json(c, cfg.healthy ? 200 : 503, o);
	return false;
}

static bool get_models(struct conn *c)
{
	static long long created;
	json_t *o;

	if (!created)
		created = (long long)time(NULL);
	o = json_pack("{s:s, s:[{s:s, s:s, s:I, s:s, s:s}]}", "object", "list", "data", "id",
		      cfg.model, "object", "model", "created", (json_int_t)created, "owned_by",
		      "mockllm", "root", cfg.model);
	http_respond_json(c, 200, o);
	return false;
}

static bool get_metrics(struct conn *c)
{
	struct buf b = { 0 };

	metrics_render(&b);
	http_respond(c, 200, "text/plain; version=0.0.4; charset=utf-8", b.data ? b.data : "",
		     b.len, NULL);
	buf_free(&b);
	return false;
}

static bool admin(struct conn *c)
{
	admin_config(c);
	return false;
}

static const struct route {
	const char *path;
	const char *allow;	/* methods, as in the Allow header */
	bool (*fn)(struct conn *c);
} routes[] = {
	{ "/v1/chat/completions", "POST", api_chat },
	{ "/v1/completions", "POST", api_completions },
	{ "/v1/models", "GET, HEAD", get_models },
	{ "/health", "GET, HEAD", get_health },
	{ "/metrics", "GET, HEAD", get_metrics },
	{ "/admin/config", "GET, HEAD, POST", admin },
};

static bool method_allowed(const char *allow, const char *method)
{
	size_t ml = strlen(method);

	for (const char *p = allow; *p;) {
		size_t n = strcspn(p, ", ");

		if (n == ml && !strncmp(p, method, n))
			return true;
		p += n;
		p += strspn(p, ", ");
	}
	return false;
}

/* Dispatch one parsed request; true when the reply comes later (generation). */
bool route_request(struct conn *c)
{
	const char *path = c->req.path;
	size_t len = strlen(path);
	bool pending = false;

	if (engine_route(c, &pending))
		return pending;
	/* "/v1/models/" and "/health/" name the same resources */
	if (len > 1 && path[len - 1] == '/')
		len--;
	for (size_t i = 0; i < ARRAY_SIZE(routes); i++) {
		const struct route *r = &routes[i];

		if (strlen(r->path) != len || strncmp(r->path, path, len))
			continue;
		if (!method_allowed(r->allow, c->req.method)) {
			http_error_allow(c, r->allow);
			return false;
		}
		return r->fn(c);
	}
	http_error(c, 404, "no such endpoint: %.200s", path);
	return false;
}
