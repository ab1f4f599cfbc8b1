// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * OpenAI endpoints: POST /v1/chat/completions and POST /v1/completions.
 * The body is validated like a real server would (types, ranges), the
 * request goes to the scheduler, and the reply is either one JSON object
 * when generation ends or a server-sent event stream of one chunk per token.
 * Tokens are the words "tok0 ", "tok1 ", ...
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mockllm.h"

static unsigned long long seq;

/* Queue a 400 (or other) answer; always false: no generation follows. */
static bool reject(struct conn *c, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static bool reject(struct conn *c, int status, const char *fmt, ...)
{
	char msg[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	http_error(c, status, "%s", msg);
	return false;
}

static unsigned int count_words(const char *s)
{
	unsigned int n = 0;
	bool in = false;

	for (; *s; s++) {
		bool sp = isspace((unsigned char)*s);

		if (!sp && !in)
			n++;
		in = !sp;
	}
	return n;
}

/* content: a string, an array of parts ({"type":"text","text":..}), or null */
static const char *count_content(json_t *content, unsigned int *tokens)
{
	size_t i;
	json_t *part;

	if (!content || json_is_null(content))
		return NULL;
	if (json_is_string(content)) {
		*tokens += count_words(json_string_value(content));
		return NULL;
	}
	if (!json_is_array(content))
		return "must be a string or an array of content parts";
	json_array_foreach(content, i, part) {
		json_t *text;

		if (!json_is_object(part) || !json_is_string(json_object_get(part, "type")))
			return "has a content part that is not an object with a \"type\"";
		text = json_object_get(part, "text");
		if (text && !json_is_string(text))
			return "has a content part whose \"text\" is not a string";
		*tokens += text ? count_words(json_string_value(text)) : 1;
	}
	return NULL;
}

static bool check_messages(struct conn *c, json_t *msgs, unsigned int *tokens)
{
	size_t i;
	json_t *m;

	if (!msgs)
		return reject(c, 400, "'messages' is required");
	if (!json_is_array(msgs) || !json_array_size(msgs))
		return reject(c, 400, "'messages' must be a non-empty array");
	json_array_foreach(msgs, i, m) {
		const char *err;

		if (!json_is_object(m))
			return reject(c, 400, "messages[%zu] must be an object", i);
		if (!json_is_string(json_object_get(m, "role")))
			return reject(c, 400, "messages[%zu].role must be a string", i);
		err = count_content(json_object_get(m, "content"), tokens);
		if (err)
			return reject(c, 400, "messages[%zu].content %s", i, err);
	}
	return true;
}

/* prompt: a string, or an array of strings, of token ids, or of token-id arrays */
static bool check_prompt(struct conn *c, json_t *prompt, unsigned int *tokens)
{
	size_t i, j;
	json_t *p, *t;

	if (!prompt)
		return reject(c, 400, "'prompt' is required");
	if (json_is_string(prompt)) {
		*tokens += count_words(json_string_value(prompt));
		return true;
	}
	if (!json_is_array(prompt) || !json_array_size(prompt))
		goto bad;
	json_array_foreach(prompt, i, p) {
		if (json_is_string(p) && json_is_string(json_array_get(prompt, 0))) {
			*tokens += count_words(json_string_value(p));
		} else if (json_is_integer(p) && json_is_integer(json_array_get(prompt, 0))) {
			*tokens += 1;
		} else if (json_is_array(p) && json_is_array(json_array_get(prompt, 0))) {
			json_array_foreach(p, j, t) {
				if (!json_is_integer(t))
					goto bad;
				*tokens += 1;
			}
		} else {
			goto bad;
		}
	}
	return true;
bad:
	return reject(c, 400, "'prompt' must be a string, an array of strings, an array of "
			      "token ids, or an array of token-id arrays");
}

/* Optional integer field in [min, max]; absent or null leaves *out alone. */
static bool opt_uint(struct conn *c, json_t *root, const char *key, unsigned int min,
		     unsigned int max, unsigned int *out, bool *given)
{
	json_t *v = json_object_get(root, key);

	if (!v || json_is_null(v))
		return true;
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
		return reject(c, 400, "'%s' must be an integer between %u and %u", key, min, max);
	*out = (unsigned int)json_integer_value(v);
	if (given)
		*given = true;
	return true;
}

static bool opt_bool(struct conn *c, json_t *root, const char *key, bool *out)
{
	json_t *v = json_object_get(root, key);

	if (!v || json_is_null(v))
		return true;
	if (!json_is_boolean(v))
		return reject(c, 400, "'%s' must be a boolean", key);
	*out = json_is_true(v);
	return true;
}

static bool parse_request(struct conn *c, json_t *root, bool chat)
{
	struct gen *g = &c->gen;
	json_t *model = json_object_get(root, "model"), *so;
	unsigned int n = 1, max = cfg.max_tokens;

	if (!json_is_object(root))
		return reject(c, 400, "the request body must be a JSON object");
	if (model && !json_is_null(model)) {
		if (!json_is_string(model))
			return reject(c, 400, "'model' must be a string");
		if (cfg.strict_model && strcmp(json_string_value(model), cfg.model))
			return reject(c, 404, "The model `%.200s` does not exist.",
				      json_string_value(model));
	}
	if (chat ? !check_messages(c, json_object_get(root, "messages"), &g->prompt_tokens) :
		   !check_prompt(c, json_object_get(root, "prompt"), &g->prompt_tokens))
		return false;
	if (!opt_uint(c, root, "max_tokens", 1, TOKENS_MAX, &max, &g->max_given))
		return false;
	if (chat && !opt_uint(c, root, "max_completion_tokens", 1, TOKENS_MAX, &max, &g->max_given))
		return false;
	if (!opt_uint(c, root, "n", 1, 1, &n, NULL))
		return false;
	if (!opt_bool(c, root, "stream", &g->stream))
		return false;
	so = json_object_get(root, "stream_options");
	if (so && !json_is_null(so)) {
		if (!json_is_object(so))
			return reject(c, 400, "'stream_options' must be an object");
		if (!opt_bool(c, so, "include_usage", &g->include_usage))
			return false;
	}
	g->chat = chat;
	g->n_tokens = max;
	if (!g->prompt_tokens)
		g->prompt_tokens = 1;
	return true;
}

static bool generate(struct conn *c, bool chat)
{
	struct gen *g = &c->gen;
	json_error_t jerr;
	json_t *root;
	bool ok;

	if (!c->req.body_len)
		return reject(c, 400, "empty request body (expected a JSON object)");
	root = json_loadb(c->req.body, c->req.body_len, 0, &jerr);
	if (!root)
		return reject(c, 400, "invalid JSON: %s (line %d, column %d)", jerr.text, jerr.line,
			      jerr.column);
	ok = parse_request(c, root, chat);
	json_decref(root);
	if (!ok)
		return false;

	c->log_model = cfg.model;
	g->created = (long long)time(NULL);
	snprintf(g->id, sizeof(g->id), "%s-%s-%llu", chat ? "chatcmpl" : "cmpl", cfg.name, ++seq);
	if (g->stream)
		http_stream_start(c);
	sched_submit(c);
	return true;
}

bool api_chat(struct conn *c)
{
	return generate(c, true);
}

bool api_completions(struct conn *c)
{
	return generate(c, false);
}

/* {"id","object","created","model","backend","choices":[choice]}; takes choice */
static json_t *chunk(const struct gen *g, json_t *choice)
{
	return json_pack("{s:s, s:s, s:I, s:s, s:s, s:[o]}", "id", g->id, "object",
			 g->chat ? "chat.completion.chunk" : "text_completion", "created",
			 (json_int_t)g->created, "model", cfg.model, "backend", cfg.name, "choices",
			 choice);
}

/* Append "data: <json>\n\n"; takes obj. */
static void sse(struct buf *b, json_t *obj)
{
	char *s = obj ? json_dumps(obj, JSON_COMPACT) : NULL;

	json_decref(obj);
	if (!s)
		return;
	buf_printf(b, "data: %s\n\n", s);
	free(s);
}

static json_t *usage(const struct gen *g)
{
	return json_pack("{s:I, s:I, s:I}", "prompt_tokens", (json_int_t)g->prompt_tokens,
			 "completion_tokens", (json_int_t)g->n_tokens, "total_tokens",
			 (json_int_t)g->prompt_tokens + (json_int_t)g->n_tokens);
}

#define TPL_MARK "\\u0001"	/* how jansson writes the string "\x01" */

void api_gen_free(struct gen *g)
{
	free(g->tpl);
	g->tpl = NULL;
}

static json_t *token_choice(const struct gen *g, const char *tok)
{
	if (g->chat && !g->emitted)
		return json_pack("{s:i, s:{s:s, s:s}, s:n, s:n}", "index", 0, "delta", "role",
				 "assistant", "content", tok, "logprobs", "finish_reason");
	if (g->chat)
		return json_pack("{s:i, s:{s:s}, s:n, s:n}", "index", 0, "delta", "content", tok,
				 "logprobs", "finish_reason");
	return json_pack("{s:i, s:s, s:n, s:n}", "index", 0, "text", tok, "logprobs",
			 "finish_reason");
}

/*
 * Token chunks after the first differ only in the token text, so jansson
 * renders one with a placeholder and each token is spliced in: at high
 * token rates this is most of the server's work. Token texts ("tokN ")
 * need no escaping, and the placeholder can't occur elsewhere (names and
 * model ids have no control characters).
 */
static int make_template(struct gen *g)
{
	json_t *obj = chunk(g, token_choice(g, "\x01"));
	char *s = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
	char *m = s ? strstr(s, TPL_MARK) : NULL;

	json_decref(obj);
	if (!m) {
		free(s);
		return -1;
	}
	g->tpl = s;
	g->tpl_split = (size_t)(m - s);
	return 0;
}

/* Stream the tokens [emitted, upto) as one event each. */
void api_emit_tokens(struct conn *c, unsigned int upto)
{
	struct gen *g = &c->gen;
	struct buf ev = { 0 };

	for (; g->emitted < upto; g->emitted++) {
		char tok[24];

		snprintf(tok, sizeof(tok), "tok%u ", g->emitted);
		if (g->emitted && (g->tpl || !make_template(g))) {
			buf_printf(&ev, "data: %.*s%s%s\n\n", (int)g->tpl_split, g->tpl, tok,
				   g->tpl + g->tpl_split + strlen(TPL_MARK));
			continue;
		}
		sse(&ev, chunk(g, token_choice(g, tok)));
	}
	if (ev.len)
		http_stream_data(c, ev.data, ev.len);
	buf_free(&ev);
}

static void finish_stream(struct conn *c, const char *reason)
{
	struct gen *g = &c->gen;
	struct buf ev = { 0 };
	json_t *choice;

	if (g->chat)
		choice = json_pack("{s:i, s:{}, s:n, s:s}", "index", 0, "delta", "logprobs",
				   "finish_reason", reason);
	else
		choice = json_pack("{s:i, s:s, s:n, s:s}", "index", 0, "text", "", "logprobs",
				   "finish_reason", reason);
	sse(&ev, chunk(g, choice));
	if (g->include_usage) {
		json_t *u = json_pack("{s:s, s:s, s:I, s:s, s:s, s:[], s:o}", "id", g->id, "object",
				      g->chat ? "chat.completion.chunk" : "text_completion",
				      "created", (json_int_t)g->created, "model", cfg.model,
				      "backend", cfg.name, "choices", "usage", usage(g));

		sse(&ev, u);
	}
	buf_puts(&ev, "data: [DONE]\n\n");
	http_stream_data(c, ev.data, ev.len);
	http_stream_end(c);
	buf_free(&ev);
}

static void finish_plain(struct conn *c, const char *reason)
{
	struct gen *g = &c->gen;
	struct buf text = { 0 };
	json_t *content, *choice, *obj;

	for (unsigned int i = 0; i < g->n_tokens; i++)
		buf_printf(&text, "tok%u ", i);
	content = json_stringn(text.data ? text.data : "", text.len);
	buf_free(&text);
	if (g->chat)
		choice = json_pack("{s:i, s:{s:s, s:o}, s:n, s:s}", "index", 0, "message", "role",
				   "assistant", "content", content, "logprobs", "finish_reason",
				   reason);
	else
		choice = json_pack("{s:i, s:o, s:n, s:s}", "index", 0, "text", content, "logprobs",
				   "finish_reason", reason);
	obj = json_pack("{s:s, s:s, s:I, s:s, s:s, s:[o], s:o}", "id", g->id, "object",
			g->chat ? "chat.completion" : "text_completion", "created",
			(json_int_t)g->created, "model", cfg.model, "backend", cfg.name, "choices",
			choice, "usage", usage(g));
	http_respond_json(c, 200, obj);
}

/* Generation is over (the slot is already released): send the end. */
void api_finish(struct conn *c)
{
	const char *reason = c->gen.max_given ? "length" : "stop";

	if (c->gen.stream)
		finish_stream(c, reason);
	else
		finish_plain(c, reason);
	conn_gen_done(c);
}
