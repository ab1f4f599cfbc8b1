// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The policy's backends: where each is, which model it serves, its hard
 * attributes (provider, region, safety tier), capacity, probe URLs and how
 * to read its load from the metrics page (a named engine profile or custom
 * metric names). Unset ids are the lowest free ones in order of names.
 */
#include <stdio.h>
#include <string.h>

#include "policy/internal.h"

#define POLICY_CAPACITY_MAX	1000000u
#define POLICY_TIER_MAX		100u

enum {
	B_NAME,
	B_ID,
	B_ADDRESS,
	B_PORT,
	B_MODEL,
	B_PROVIDER,
	B_REGION,
	B_SAFETY,
	B_CAPACITY,
	B_HEALTH_URL,
	B_METRICS_URL,
	B_METRICS,
	B_STATE,
	B_N,
};

static const struct policy_key backend_keys[B_N] = {
	[B_NAME] = { "name", true },
	[B_ID] = { "id" },
	[B_ADDRESS] = { "address", true },
	[B_PORT] = { "port", true },
	[B_MODEL] = { "model", true },
	[B_PROVIDER] = { "provider", true },
	[B_REGION] = { "region", true },
	[B_SAFETY] = { "safety_tier" },
	[B_CAPACITY] = { "capacity" },	/* required unless the profile reads a limit */
	[B_HEALTH_URL] = { "health_url" },
	[B_METRICS_URL] = { "metrics_url" },
	[B_METRICS] = { "metrics" },
	[B_STATE] = { "state" },
};

enum {
	X_WAITING,
	X_RUNNING,
	X_KV,
	X_KV_ALT,
	X_IN_FLIGHT,
	X_LIMIT,
	X_TTFT,
	X_QUEUE,
	X_FORMAT,
	X_METHOD,
	X_BODY,
	X_N,
};

static const struct policy_key metric_keys[X_N] = {
	[X_WAITING] = { "waiting" },
	[X_RUNNING] = { "running" },
	[X_KV] = { "kv_usage" },
	[X_KV_ALT] = { "kv_usage_alt" },
	[X_IN_FLIGHT] = { "in_flight" },
	[X_LIMIT] = { "limit" },
	[X_TTFT] = { "ttft" },
	[X_QUEUE] = { "queue" },
	[X_FORMAT] = { "format" },
	[X_METHOD] = { "method" },
	[X_BODY] = { "body" },
};

static bool policy_url_ok(const char *s)
{
	const char *host;

	if (!strncmp(s, "http://", 7))
		host = s + 7;
	else if (!strncmp(s, "https://", 8))
		host = s + 8;
	else
		return false;
	if (!*host || *host == '/')
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return false;
	return true;
}

static void policy_url(struct policy_view *m, size_t k, char *buf, size_t size)
{
	static const char want[] = "an http:// or https:// URL";
	char f[POLICY_FIELD_MAX], got[POLICY_GOT_MAX];
	const char *s;

	if (!m->v[k])
		return;
	s = policy_text(m->c, m->v[k], policy_vfield(m, k, f), want);
	if (!s)
		return;
	if (!policy_url_ok(s))
		policy_err(m->c, m->v[k], f, "expected %s, got %s", want,
			policy_got(m->v[k], got, sizeof(got)));
	else if (strlen(s) >= size)
		policy_err(m->c, m->v[k], f, "URL too long (at most %zu characters)", size - 1);
	else
		memcpy(buf, s, strlen(s) + 1);
}

/*
 * A Prometheus metric name [a-zA-Z_:][a-zA-Z0-9_:]*, or for JSON a field
 * path: names [a-zA-Z0-9_-]+ joined by '.'.
 */
static bool policy_metric_ok(const char *s, bool json)
{
	const char *set = json ? "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-."
			       : "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_:";
	size_t i, n = strlen(s);

	if (!n || n >= POLICY_METRIC_MAX || (!json && s[0] >= '0' && s[0] <= '9'))
		return false;
	if (json && (s[0] == '.' || s[n - 1] == '.' || strstr(s, "..")))
		return false;
	for (i = 0; s[i]; i++)
		if (!strchr(set, s[i]))
			return false;
	return true;
}

static void policy_metric_name(struct policy_view *m, size_t k, bool json, char *buf)
{
	const char *want = json ? "a JSON field name (a.b for nested)" : "a Prometheus metric name";
	char f[POLICY_FIELD_MAX], got[POLICY_GOT_MAX];
	const char *s;

	if (!m->v[k])
		return;
	s = policy_text(m->c, m->v[k], policy_vfield(m, k, f), want);
	if (s && !policy_metric_ok(s, json))
		policy_err(m->c, m->v[k], f, "expected %s (at most %d characters), got %s", want,
			POLICY_METRIC_MAX - 1, policy_got(m->v[k], got, sizeof(got)));
	else if (s)
		memcpy(buf, s, strlen(s) + 1);
}

/* format, method and body of a custom mapping. */
static void policy_custom_request(struct policy_view *m, struct policy_metric_names *x)
{
	static const char *const formats[] = { "prometheus", "json" };
	static const char *const methods[] = { "GET", "POST" };
	char f[POLICY_FIELD_MAX];
	const char *s;
	int v;

	if (policy_v_enum(m, X_FORMAT, formats, 2, &v))
		x->format = (uint8_t)v;
	if (policy_v_enum(m, X_METHOD, methods, 2, &v))
		x->method = (uint8_t)v;
	if (!m->v[X_BODY])
		return;
	policy_vfield(m, X_BODY, f);
	s = policy_text(m->c, m->v[X_BODY], f, "a request body");
	if (s && strlen(s) >= sizeof(x->body))
		policy_err(m->c, m->v[X_BODY], f, "body too long (at most %zu characters)",
			sizeof(x->body) - 1);
	else if (s)
		memcpy(x->body, s, strlen(s) + 1);
	if (x->method != POLICY_HTTP_POST)
		policy_err(m->c, m->v[X_BODY], f, "a body needs method: POST");
}

static void policy_custom_metrics(struct policy_ctx *c, yaml_node_t *n, const char *path,
			       struct policy_backend *b)
{
	struct policy_metric_names *x = &b->metrics;
	struct policy_view m;
	bool json;

	b->profile = POLICY_METRICS_CUSTOM;
	memset(x, 0, sizeof(*x));
	policy_view(c, n, path, metric_keys, X_N, &m);
	if (!m.v[X_WAITING] && !m.v[X_RUNNING] && !m.v[X_KV] && !m.v[X_KV_ALT] &&
	    !m.v[X_IN_FLIGHT] && !m.v[X_TTFT]) {
		policy_err(c, n, path,
			   "expected at least one of waiting, running, kv_usage, in_flight, ttft");
		return;
	}
	policy_custom_request(&m, x);
	json = x->format == POLICY_LOAD_JSON;
	policy_metric_name(&m, X_WAITING, json, x->waiting);
	policy_metric_name(&m, X_RUNNING, json, x->running);
	policy_metric_name(&m, X_KV, json, x->kv_usage);
	policy_metric_name(&m, X_KV_ALT, json, x->kv_usage_alt);
	policy_metric_name(&m, X_IN_FLIGHT, json, x->in_flight);
	policy_metric_name(&m, X_LIMIT, json, x->limit);
	if (json && (m.v[X_TTFT] || m.v[X_QUEUE])) {
		size_t k = m.v[X_TTFT] ? X_TTFT : X_QUEUE;
		char f[POLICY_FIELD_MAX];

		policy_err(c, m.v[k], policy_vfield(&m, k, f),
			   "%s is a Prometheus histogram's name: it needs format: prometheus",
			   metric_keys[k].name);
		return;
	}
	if (m.v[X_QUEUE] && !m.v[X_TTFT]) {
		char f[POLICY_FIELD_MAX];

		policy_err(c, m.v[X_QUEUE], policy_vfield(&m, X_QUEUE, f),
			   "queue is the wait to take off ttft: it needs ttft too");
		return;
	}
	policy_metric_name(&m, X_TTFT, json, x->ttft);
	policy_metric_name(&m, X_QUEUE, json, x->queue);
}

static void policy_metrics(struct policy_view *m, struct policy_backend *b)
{
	static const char *const profiles[] = { "vllm", "sglang", "chitu" };
	static const char want[] = "vllm, sglang, chitu or a mapping {waiting, running, kv_usage}";
	yaml_node_t *n = m->v[B_METRICS];
	char f[POLICY_FIELD_MAX], got[POLICY_GOT_MAX];
	int prof;

	b->profile = m->v[B_METRICS_URL] ? POLICY_METRICS_VLLM : POLICY_METRICS_NONE;
	if (n) {
		policy_vfield(m, B_METRICS, f);
		if (!m->v[B_METRICS_URL])
			policy_err(m->c, n, f, "needs metrics_url");
		if (n->type == YAML_MAPPING_NODE)
			policy_custom_metrics(m->c, n, f, b);
		else if (n->type != YAML_SCALAR_NODE)
			policy_err(m->c, n, f, "expected %s, got %s", want,
				policy_got(n, got, sizeof(got)));
		else if (policy_enum(m->c, n, f, profiles, 3, &prof))
			b->profile = POLICY_METRICS_VLLM + prof;
	}
	if (b->profile != POLICY_METRICS_CUSTOM)
		policy_profile_names(b->profile, &b->metrics);
	policy_profile_health(b->profile, b->health_url, &b->metrics.health);
}

static void policy_backend_where(struct policy_view *m, struct policy_backend *b)
{
	char f[POLICY_FIELD_MAX];
	uint32_t port;
	long mo;

	if (m->v[B_ADDRESS])
		policy_addr(m->c, m->v[B_ADDRESS], policy_vfield(m, B_ADDRESS, f), b->addr, &b->family);
	if (policy_v_u32(m, B_PORT, 1, 65535, &port))
		b->port = (uint16_t)port;
	mo = m->v[B_MODEL] ? policy_ref(m->c, m->v[B_MODEL], policy_vfield(m, B_MODEL, f), POLICY_MODEL)
			   : -1;
	if (mo >= 0)
		b->model = (uint32_t)mo;
}

static void policy_backend_one(struct policy_ctx *c, yaml_node_t *n, size_t i)
{
	static const char *const states[] = { "active", "draining", "down" };
	struct policy_backend *b = &c->p->backends[i];
	struct policy_meta *meta = &c->meta[POLICY_BACKEND][i];
	char path[POLICY_FIELD_MAX];
	struct policy_view m;
	int state;

	meta->node = n;
	b->state = STEER_BACKEND_ACTIVE;
	if (!policy_view(c, n, policy_item(path, "backends", i), backend_keys, B_N, &m))
		return;
	if (policy_v_name(&m, B_NAME, b->name, sizeof(b->name)))
		meta->name = m.v[B_NAME];
	if (policy_v_u32(&m, B_ID, 1, STEER_MAX_BACKENDS - 1, &b->id)) {
		meta->id = m.v[B_ID];
		meta->has_id = true;
		b->id_explicit = true;
	}
	policy_backend_where(&m, b);
	policy_v_name(&m, B_PROVIDER, b->provider, sizeof(b->provider));
	policy_v_name(&m, B_REGION, b->region, sizeof(b->region));
	policy_v_u32(&m, B_SAFETY, 0, POLICY_TIER_MAX, &b->safety_tier);
	b->capacity_given = policy_v_u32(&m, B_CAPACITY, 1, POLICY_CAPACITY_MAX, &b->capacity);
	policy_url(&m, B_HEALTH_URL, b->health_url, sizeof(b->health_url));
	policy_url(&m, B_METRICS_URL, b->metrics_url, sizeof(b->metrics_url));
	policy_metrics(&m, b);
	/* only a profile that reads the server's limit (chitu) may leave it out */
	if (!m.v[B_CAPACITY] && !b->metrics.limit[0]) {
		char f[POLICY_FIELD_MAX];

		policy_err(c, n, policy_vfield(&m, B_CAPACITY, f), "required field is missing");
	}
	if (policy_v_enum(&m, B_STATE, states, 3, &state))
		b->state = (uint8_t)(STEER_BACKEND_ACTIVE + state);
}

void policy_parse_backends(struct policy_ctx *c, yaml_node_t *n)
{
	size_t i, cnt;

	if (!n || policy_is_null(n))
		return;
	if (!policy_list(c, n, "backends", STEER_MAX_BACKENDS - 1, "backends", &cnt) || !cnt)
		return;
	if (!policy_alloc(c, POLICY_BACKEND, cnt, 0))
		return;
	for (i = 0; i < cnt; i++)
		policy_backend_one(c, policy_seq_at(c, n, i), i);
	policy_index_names(c, POLICY_BACKEND);
	policy_assign_ids(c, POLICY_BACKEND, 1, STEER_MAX_BACKENDS - 1, true);
}
