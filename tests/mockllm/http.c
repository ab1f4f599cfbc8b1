// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * HTTP/1.x: an incremental request parser (request line, headers,
 * Content-Length or chunked body) and the reply framing helpers. The parser
 * is called again with more bytes until it returns HTTP_COMPLETE or an HTTP
 * error status (>= 400) that the caller answers before closing.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mockllm.h"

#define CHUNK_LINE_MAX	 1024	/* chunk-size line with extensions */
#define TRAILERS_MAX	 4096

/* RFC 9110 tchar */
static bool is_tchar(unsigned char ch)
{
	return isalnum(ch) || (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

static bool tokens_has(const char *v, size_t len, const char *tok)
{
	size_t tl = strlen(tok);

	while (len) {
		size_t n = 0;

		while (len && (*v == ' ' || *v == '\t' || *v == ',')) {
			v++;
			len--;
		}
		while (n < len && v[n] != ',')
			n++;
		len -= n;
		while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
			n--;
		if (n == tl && !strncasecmp(v, tok, tl))
			return true;
		v += n;
		while (len && *v != ',') {
			v++;
			len--;
		}
	}
	return false;
}

static bool hdr_is(const char *name, size_t len, const char *want)
{
	return len == strlen(want) && !strncasecmp(name, want, len);
}

/* Offset just past the blank line ending the header block, 0: not yet. */
static size_t find_hdr_end(struct http_req *r, const char *data, size_t len)
{
	size_t i = r->scan;

	while (i < len) {
		const char *nl = memchr(data + i, '\n', len - i);
		size_t j;

		if (!nl) {
			i = len;
			break;
		}
		j = (size_t)(nl - data) + 1;
		if (j < len && data[j] == '\n')
			return j + 1;
		if (j + 1 < len && data[j] == '\r' && data[j + 1] == '\n')
			return j + 2;
		if (j >= len || (j + 1 >= len && data[j] == '\r')) {
			i = j - 1;	/* blank line may still be arriving */
			break;
		}
		i = j;
	}
	r->scan = i < len ? i : len;
	return 0;
}

static int parse_request_line(struct http_req *r, const char *p, size_t len)
{
	const char *sp1, *sp2, *target, *end = p + len;
	size_t mlen, tlen;

	sp1 = memchr(p, ' ', len);
	if (!sp1)
		return 400;
	mlen = (size_t)(sp1 - p);
	if (!mlen || mlen >= sizeof(r->method))
		return mlen ? 501 : 400;
	for (size_t i = 0; i < mlen; i++)
		if (!is_tchar((unsigned char)p[i]))
			return 400;
	memcpy(r->method, p, mlen);
	r->method[mlen] = '\0';

	target = sp1 + 1;
	sp2 = memchr(target, ' ', (size_t)(end - target));
	if (!sp2 || sp2 == target)
		return 400;
	tlen = (size_t)(sp2 - target);
	for (size_t i = 0; i < tlen; i++)
		if ((unsigned char)target[i] <= ' ' || target[i] == 0x7f)
			return 400;
	/* absolute-form: keep only the path */
	if (target[0] != '/') {
		size_t skip = 0;
		const char *s;

		if (tlen > 7 && !strncasecmp(target, "http://", 7))
			skip = 7;
		else if (tlen > 8 && !strncasecmp(target, "https://", 8))
			skip = 8;
		s = skip ? memchr(target + skip, '/', tlen - skip) : target;
		if (!s) {
			target = "/";
			tlen = 1;
		} else {
			tlen -= (size_t)(s - target);
			target = s;
		}
	}
	if (target[0] != '/' && !(tlen == 1 && target[0] == '*'))
		return 400;
	for (size_t i = 0; i < tlen; i++) {
		if (target[i] == '?' || target[i] == '#') {
			tlen = i;
			break;
		}
	}
	if (tlen >= sizeof(r->path))
		return 414;
	memcpy(r->path, target, tlen);
	r->path[tlen] = '\0';

	p = sp2 + 1;
	len = (size_t)(end - p);
	if (len != 8 || strncmp(p, "HTTP/", 5) || !isdigit((unsigned char)p[5]) || p[6] != '.' ||
	    !isdigit((unsigned char)p[7]))
		return 400;
	if (p[5] != '1')
		return 505;
	r->minor = p[7] - '0';
	return 0;
}

static int parse_content_length(struct http_req *r, const char *v, size_t len, bool *seen)
{
	size_t n = 0;

	if (!len || len > 18)
		return len ? 413 : 400;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)v[i]))
			return 400;
		n = n * 10 + (size_t)(v[i] - '0');
	}
	if (*seen && n != r->content_length)
		return 400;
	*seen = true;
	r->content_length = n;
	return n > BODY_MAX ? 413 : 0;
}

/* Request line and headers in data[0, hdr_end). */
static int parse_head(struct http_req *r, const char *data, size_t hdr_end)
{
	const char *p = data, *end = data + hdr_end;
	bool cl_seen = false, te_seen = false, conn_close = false, conn_keep = false;
	bool first = true;
	int err;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *colon, *v, *ve;
		size_t len;

		if (!nl)
			return 400;
		len = (size_t)(nl - p);
		if (len && p[len - 1] == '\r')
			len--;
		if (first) {
			err = parse_request_line(r, p, len);
			if (err)
				return err;
			first = false;
			p = nl + 1;
			continue;
		}
		if (!len)
			break;
		if (*p == ' ' || *p == '\t')
			return 400;	/* obsolete line folding */
		colon = memchr(p, ':', len);
		if (!colon || colon == p)
			return 400;
		for (const char *q = p; q < colon; q++)
			if (!is_tchar((unsigned char)*q))
				return 400;
		v = colon + 1;
		ve = p + len;
		while (v < ve && (*v == ' ' || *v == '\t'))
			v++;
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		for (const char *q = v; q < ve; q++)
			if (((unsigned char)*q < ' ' && *q != '\t') || *q == 0x7f)
				return 400;

		len = (size_t)(colon - p);
		if (hdr_is(p, len, "Content-Length")) {
			err = parse_content_length(r, v, (size_t)(ve - v), &cl_seen);
			if (err)
				return err;
		} else if (hdr_is(p, len, "Transfer-Encoding")) {
			/* only "chunked", as the one (final) coding */
			if ((size_t)(ve - v) != 7 || strncasecmp(v, "chunked", 7) || te_seen)
				return 501;
			te_seen = true;
		} else if (hdr_is(p, len, "Connection")) {
			conn_close |= tokens_has(v, (size_t)(ve - v), "close");
			conn_keep |= tokens_has(v, (size_t)(ve - v), "keep-alive");
		} else if (hdr_is(p, len, "Expect")) {
			if ((size_t)(ve - v) != 12 || strncasecmp(v, "100-continue", 12))
				return 417;
			r->expect_continue = true;
		}
		p = nl + 1;
	}
	if (first)
		return 400;
	if (te_seen && cl_seen)
		return 400;	/* ambiguous framing: refuse, don't guess */
	if (te_seen && r->minor < 1)
		return 400;
	r->chunked = te_seen;
	r->keep_alive = r->minor >= 1 ? !conn_close : (conn_keep && !conn_close);
	return 0;
}

/* After the last chunk: optional trailer lines (ignored), then a blank line. */
static int parse_trailers(struct http_req *r, const char *data, size_t len, const char *t)
{
	const char *start = t, *end = data + len;

	while (t < end) {
		const char *nl = memchr(t, '\n', (size_t)(end - t));

		if (!nl)
			break;
		if (nl == t || (nl == t + 1 && *t == '\r')) {
			r->total = (size_t)(nl + 1 - data);
			r->body = r->dechunked.data ? buf_head(&r->dechunked) : "";
			r->body_len = buf_used(&r->dechunked);
			return HTTP_COMPLETE;
		}
		t = nl + 1;
	}
	return (size_t)(end - start) > TRAILERS_MAX ? 431 : HTTP_INCOMPLETE;
}

/* Decode chunks from data[r->chunk_pos, len); resumable. */
static int parse_chunked(struct http_req *r, const char *data, size_t len)
{
	for (;;) {
		const char *p = data + r->chunk_pos, *nl, *q;
		size_t avail = len - r->chunk_pos, size = 0, line, digits = 0;

		nl = memchr(p, '\n', avail < CHUNK_LINE_MAX ? avail : CHUNK_LINE_MAX);
		if (!nl)
			return avail >= CHUNK_LINE_MAX ? 400 : HTTP_INCOMPLETE;
		line = (size_t)(nl - p) + 1;
		for (q = p; isxdigit((unsigned char)*q); q++) {
			if (++digits > 8)
				return 413;
			size = size * 16 + (size_t)(isdigit((unsigned char)*q) ? *q - '0' :
						    (tolower((unsigned char)*q) - 'a' + 10));
		}
		if (!digits || (*q != ';' && *q != '\r' && *q != '\n' && *q != ' ' && *q != '\t'))
			return 400;
		if (size > BODY_MAX - buf_used(&r->dechunked))
			return 413;
		if (!size)
			return parse_trailers(r, data, len, nl + 1);
		if (avail < line + size + 1)
			return HTTP_INCOMPLETE;
		q = p + line + size;
		if (*q == '\r') {
			if (avail < line + size + 2)
				return HTTP_INCOMPLETE;
			q++;
		}
		if (*q != '\n')
			return 400;
		if (buf_append(&r->dechunked, p + line, size))
			return 500;
		r->chunk_pos = (size_t)(q + 1 - data);
	}
}

int http_parse(struct http_req *r, const char *data, size_t len)
{
	int err;

	if (!r->hdr_len) {
		size_t end = find_hdr_end(r, data, len);

		if (!end)
			return len > HDR_MAX ? 431 : HTTP_INCOMPLETE;
		if (end > HDR_MAX)
			return 431;
		err = parse_head(r, data, end);
		if (err)
			return err;
		r->hdr_len = end;
		r->chunk_pos = end;
	}
	if (r->chunked)
		return parse_chunked(r, data, len);
	if (len - r->hdr_len < r->content_length)
		return HTTP_INCOMPLETE;
	r->body = data + r->hdr_len;
	r->body_len = r->content_length;
	r->total = r->hdr_len + r->content_length;
	return HTTP_COMPLETE;
}

void http_req_reset(struct http_req *r)
{
	struct buf d = r->dechunked;

	buf_reset(&d);
	buf_shrink(&d, 64 * 1024);
	memset(r, 0, sizeof(*r));
	r->dechunked = d;
}

const char *http_reason(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 417: return "Expectation Failed";
	case 422: return "Unprocessable Content";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "Unknown";
	}
}

static bool is_head(const struct conn *c)
{
	return !strcmp(c->req.method, "HEAD");
}

int http_respond(struct conn *c, int status, const char *ctype, const char *body, size_t len,
		 const char *extra_hdrs)
{
	int err;

	c->status = status;
	err = buf_printf(&c->out,
			 "HTTP/1.1 %d %s\r\n"
			 "Content-Type: %s\r\n"
			 "Content-Length: %zu\r\n"
			 "X-Backend: %s\r\n"
			 "%s"
			 "Connection: %s\r\n"
			 "\r\n",
			 status, http_reason(status), ctype, len, cfg.name,
			 extra_hdrs ? extra_hdrs : "", c->keep_alive ? "keep-alive" : "close");
	if (!err && len && !is_head(c))
		err = buf_append(&c->out, body, len);
	if (err)
		c->keep_alive = false;
	return err;
}

/* Takes the reference to obj; adds "backend" to objects that lack it. */
int http_respond_json(struct conn *c, int status, json_t *obj)
{
	char *s;
	int err;

	if (!obj) {
		c->keep_alive = false;
		return http_respond(c, 500, "application/json", "{}", 2, NULL);
	}
	if (json_is_object(obj) && !json_object_get(obj, "backend"))
		json_object_set_new(obj, "backend", json_string(cfg.name));
	s = json_dumps(obj, JSON_COMPACT);
	json_decref(obj);
	if (!s) {
		c->keep_alive = false;
		return http_respond(c, 500, "application/json", "{}", 2, NULL);
	}
	err = http_respond(c, status, "application/json", s, strlen(s), NULL);
	free(s);
	return err;
}

static const char *error_type(int status)
{
	switch (status) {
	case 404: return "not_found_error";
	case 405: return "method_not_allowed";
	case 408: return "timeout_error";
	case 413: return "request_too_large";
	case 503: return "service_unavailable";
	default: return status >= 500 ? "server_error" : "invalid_request_error";
	}
}

static int error_reply(struct conn *c, int status, const char *msg, const char *extra_hdrs)
{
	json_t *o = json_pack("{s:{s:s, s:s, s:n, s:i}, s:s}", "error", "message", msg, "type",
			      error_type(status), "param", "code", status, "backend", cfg.name);
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	int err;

	json_decref(o);
	if (!s)
		return http_respond(c, status, "application/json", "{}", 2, extra_hdrs);
	err = http_respond(c, status, "application/json", s, strlen(s), extra_hdrs);
	free(s);
	return err;
}

/* {"error":{"message":..,"type":..,"param":null,"code":status},"backend":NAME} */
int http_error(struct conn *c, int status, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return error_reply(c, status, msg, NULL);
}

int http_error_allow(struct conn *c, const char *allow)
{
	char msg[256], hdr[96];

	snprintf(msg, sizeof(msg), "method %s not allowed on %.64s (allowed: %s)", c->req.method,
		 c->req.path, allow);
	snprintf(hdr, sizeof(hdr), "Allow: %s\r\n", allow);
	return error_reply(c, 405, msg, hdr);
}

/* Server-sent events: chunked on HTTP/1.1, close-delimited on HTTP/1.0. */
int http_stream_start(struct conn *c)
{
	bool chunked = c->req.minor >= 1;

	if (!chunked)
		c->keep_alive = false;
	c->status = 200;
	return buf_printf(&c->out,
			  "HTTP/1.1 200 OK\r\n"
			  "Content-Type: text/event-stream\r\n"
			  "Cache-Control: no-cache\r\n"
			  "X-Backend: %s\r\n"
			  "%s"
			  "Connection: %s\r\n"
			  "\r\n",
			  cfg.name, chunked ? "Transfer-Encoding: chunked\r\n" : "",
			  c->keep_alive ? "keep-alive" : "close");
}

int http_stream_data(struct conn *c, const char *data, size_t len)
{
	if (c->req.minor < 1)
		return buf_append(&c->out, data, len);
	if (buf_printf(&c->out, "%zx\r\n", len) || buf_append(&c->out, data, len))
		return -1;
	return buf_append(&c->out, "\r\n", 2);
}

int http_stream_end(struct conn *c)
{
	if (c->req.minor < 1)
		return 0;
	return buf_append(&c->out, "0\r\n\r\n", 5);
}
