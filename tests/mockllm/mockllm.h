/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * mockllm: an OpenAI-compatible mock inference server for steer's tests,
 * demo and benchmarks. One thread, one epoll loop, one timerfd; every
 * connection serves one request at a time; at most `slots` requests
 * generate at once, the rest wait in FIFO order.
 */
#ifndef MOCKLLM_H
#define MOCKLLM_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <netinet/in.h>
#include <jansson.h>

#define MAX_LISTEN	 16
#define HDR_MAX		 (16 * 1024)	   /* request line + headers */
#define BODY_MAX	 (1 << 20)	   /* request body (decoded) */
#define IN_MAX		 (HDR_MAX + 2 * BODY_MAX) /* raw bytes buffered for one request */
#define PATH_LEN	 2048		   /* request target, longer: 414 */
#define OUT_MAX		 (16 << 20)	   /* unsent reply bytes before we give up */
#define TOKENS_MAX	 100000		   /* max_tokens accepted */
#define READ_TIMEOUT_MS	 10000		   /* a started request must arrive within */
#define IDLE_TIMEOUT_MS	 60000		   /* keep-alive connection with no request */
#define WRITE_TIMEOUT_MS 30000		   /* reply bytes must make progress within */
#define LINGER_MS	 2000		   /* drain after our FIN before close() */

#define NSEC_PER_MSEC 1000000ULL
#define NSEC_PER_SEC  1000000000ULL

#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))
#define ARRAY_SIZE(a)			((sizeof(a) / sizeof((a)[0])))

enum engine {
	ENGINE_VLLM,
	ENGINE_SGLANG,
	ENGINE_CHITU,
};

struct config {
	const char *name;	/* backend name */
	const char *model;	/* model id */
	enum engine engine;
	unsigned int slots;
	unsigned int ttft_ms;
	unsigned int tps;
	unsigned int max_tokens;
	unsigned int slow_factor;
	bool healthy;
	bool slow;
	bool strict_model;	/* 404 for a request naming another model */
	unsigned int max_concurrent;	/* chitu: 503 overloaded at this many; 0: unset */
	bool no_metrics;	/* sglang without --enable-metrics: no /metrics */
	const char *log_path;
	const char *listen[MAX_LISTEN];
	unsigned int n_listen;
};

extern struct config cfg;

const char *engine_name(enum engine e);

/* ---- buf.c: growable byte buffer; [off, len) is the live part ---- */
struct buf {
	char *data;
	size_t off;
	size_t len;
	size_t cap;
};

int buf_reserve(struct buf *b, size_t extra);
int buf_append(struct buf *b, const void *p, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_consume(struct buf *b, size_t n);
void buf_reset(struct buf *b);
void buf_shrink(struct buf *b, size_t keep);
void buf_free(struct buf *b);

static inline size_t buf_used(const struct buf *b)
{
	return b->len - b->off;
}

static inline const char *buf_head(const struct buf *b)
{
	return b->data + b->off;
}

/* ---- timer.c: min-heap of deadlines driving one timerfd ---- */
struct timer {
	uint64_t when;	/* CLOCK_MONOTONIC ns */
	size_t idx;	/* heap slot, SIZE_MAX when idle */
	void (*fn)(struct timer *t);
};

uint64_t now_ns(void);
int timers_init(void);
void timers_fini(void);
int timers_fd(void);
void timer_init(struct timer *t, void (*fn)(struct timer *t));
void timer_arm(struct timer *t, uint64_t when);
void timer_cancel(struct timer *t);
void timers_run(void);
void timers_sync(void);

static inline bool timer_armed(const struct timer *t)
{
	return t->idx != SIZE_MAX;
}

/* ---- intrusive FIFO ---- */
struct qnode {
	struct qnode *prev;
	struct qnode *next;
};

/* ---- http.c: request parsing, response framing ---- */
enum { HTTP_INCOMPLETE = 0, HTTP_COMPLETE = 1 };

struct http_req {
	char method[16];
	char path[PATH_LEN];	/* without the query string */
	int minor;		/* HTTP/1.<minor> */
	bool keep_alive;
	bool chunked;
	bool expect_continue;
	bool continue_sent;
	size_t content_length;
	size_t hdr_len;		/* 0 until the header block is complete */
	size_t scan;		/* end-of-headers search resumes here */
	size_t total;		/* raw bytes of the whole request */
	size_t chunk_pos;	/* next chunk-size line, relative to the request */
	struct buf dechunked;	/* body of a chunked request */
	const char *body;
	size_t body_len;
};

struct conn;

int http_parse(struct http_req *r, const char *data, size_t len);
void http_req_reset(struct http_req *r);
const char *http_reason(int status);
int http_respond(struct conn *c, int status, const char *ctype, const char *body, size_t len,
		 const char *extra_hdrs);
int http_respond_json(struct conn *c, int status, json_t *obj);
int http_error(struct conn *c, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int http_error_allow(struct conn *c, const char *allow);
int http_stream_start(struct conn *c);
int http_stream_data(struct conn *c, const char *data, size_t len);
int http_stream_end(struct conn *c);

/* ---- server.c: the event loop; conn.c: connections ---- */
enum conn_state {
	CS_READ,	/* reading (or waiting for) a request */
	CS_BUSY,	/* request queued or generating */
	CS_FLUSH,	/* reply complete, bytes still to send */
	CS_LINGER,	/* FIN sent, draining the peer before close() */
};

enum gen_state {
	GEN_NONE,
	GEN_QUEUED,
	GEN_RUNNING,
};

struct gen {
	enum gen_state state;
	bool chat;
	bool stream;
	bool include_usage;
	bool max_given;		/* request set max_tokens: finish "length" */
	unsigned int n_tokens;
	unsigned int emitted;
	unsigned int prompt_tokens;
	uint64_t queued_ns;	/* = conn ready_ns */
	uint64_t start_ns;	/* slot acquired */
	uint64_t ttft_ns;
	uint64_t tok_ns;
	uint64_t first_ns;	/* first token went out */
	long long created;
	char id[96];
	char *tpl;		/* token chunk JSON with a \u0001 where the text goes */
	size_t tpl_split;	/* offset of that \u0001 in tpl */
	struct qnode q;
};

struct watch {
	int fd;
	void (*fn)(struct watch *w, uint32_t events);
};

struct conn {
	struct watch w;
	struct conn *prev;
	struct conn *next;
	char peer[INET6_ADDRSTRLEN + 8];
	enum conn_state state;
	uint32_t events;	/* registered epoll events */
	bool keep_alive;	/* for the current request */
	bool peer_eof;		/* read returned 0 */
	struct buf in;
	struct buf out;
	struct http_req req;
	struct gen gen;
	struct timer timer;
	uint64_t deadline;	/* lazy deadline behind `timer`, UINT64_MAX: none */
	uint64_t first_byte_ns;	/* first byte of the request being read */
	uint64_t ready_ns;	/* request fully received */
	/* what the request log records */
	int status;
	const char *log_model;
	unsigned int log_tokens;
	uint64_t log_queue_ns;
	uint64_t log_ttft_ns;
};

int server_init(void);
int server_run(void);
void server_fini(void);
int watch_add(struct watch *w, uint32_t events);
int watch_mod(struct watch *w, uint32_t events);

/* ---- conn.c: connections ---- */
void conn_new(int fd, const struct sockaddr_storage *ss);
int conn_flush(struct conn *c);
int conn_push(struct conn *c);
void conn_set_deadline(struct conn *c, uint64_t when);
void conn_gen_done(struct conn *c);
void conn_abort(struct conn *c);
unsigned int conn_count(void);
void conn_free_all(void);

/* ---- addr.c: socket addresses ---- */
void format_addr(const struct sockaddr_storage *ss, char *out, size_t len);
/* "1.2.3.4:80", "[::1]:80", "[::]:80" (dual-stack), ":80" or "80" (= [::]:80) */
int parse_listen(const char *spec, struct sockaddr_storage *ss, socklen_t *sl, bool *any6);

/* ---- api.c / admin.c: endpoints ---- */
bool route_request(struct conn *c);	/* true: reply pending (generation) */
bool api_chat(struct conn *c);
bool api_completions(struct conn *c);
void api_emit_tokens(struct conn *c, unsigned int upto);
void api_finish(struct conn *c);
void api_gen_free(struct gen *g);
void admin_config(struct conn *c);

/* ---- engines.c: what each engine serves besides the OpenAI API ---- */
/* True when the engine answered c itself (*pending: the reply comes later). */
bool engine_route(struct conn *c, bool *pending);

/* ---- sched.c: slots, FIFO and token timing ---- */
struct stats {
	uint64_t finished_stop;
	uint64_t finished_length;
	uint64_t aborted;
	uint64_t prompt_tokens;
	uint64_t gen_tokens;
	uint64_t requests;	/* every HTTP request answered */
};

extern struct stats stats;

/* ---- metrics.c: the engines' timing histograms ---- */
enum hist_id {
	HIST_TTFT,	   /* arrival -> first token (queue wait included), vLLM's and SGLang's */
	HIST_VLLM_QUEUE,   /* vLLM: arrival -> slot, observed when the request finishes */
	HIST_VLLM_PREFILL, /* vLLM: slot -> first token, observed when the request finishes */
	HIST_SGLANG_QUEUE, /* SGLang: arrival -> slot, observed when the slot is taken */
	HIST_N
};

void metrics_observe(enum hist_id h, uint64_t ns);

void sched_submit(struct conn *c);
void sched_cancel(struct conn *c);
void sched_kick(void);
void sched_tick(struct conn *c);
unsigned int sched_running(void);
unsigned int sched_waiting(void);

/* ---- metrics.c ---- */
void metrics_render(struct buf *b);

/* ---- log.c: one line per finished request ---- */
int log_open(const char *path);
void log_close(void);
void log_request(struct conn *c);

#endif /* MOCKLLM_H */
