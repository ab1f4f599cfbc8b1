/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The policy: what steerd is told (services, tasks, models, backends,
 * tenants, objective, timing), parsed from YAML by policy_parse.c. Every
 * name is resolved to an index here, so the decision engine works on
 * integers. Ids that reach BPF maps (task, tenant, backend) are stable:
 * explicit in the file or assigned deterministically (sorted names).
 */
#ifndef STEER_POLICY_H
#define STEER_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "steer_abi.h"

#define POLICY_NAME_MAX		64
#define POLICY_URL_MAX		256
#define POLICY_METRIC_MAX	128
#define POLICY_MAX_REGIONS	16	/* allowed regions per tenant */
#define POLICY_MAX_IFACES	8

enum policy_metrics_profile {
	POLICY_METRICS_NONE = 0,	/* no metrics URL: load from kernel flows only */
	POLICY_METRICS_VLLM,
	POLICY_METRICS_SGLANG,
	POLICY_METRICS_CHITU,
	POLICY_METRICS_CUSTOM,	/* names given in the file */
};

/* How a load probe's response is read. */
enum policy_load_format {
	POLICY_LOAD_PROMETHEUS = 0,	/* text exposition: names, summed over label sets */
	POLICY_LOAD_JSON = 1,		/* one JSON object: field names (a.b for nested) */
};

enum policy_http_method {
	POLICY_HTTP_GET = 0,
	POLICY_HTTP_POST = 1,	/* with body (may be empty) */
};

#define POLICY_BODY_MAX		128
#define POLICY_HINT_MAX		96

/* The health request: HTTP 2xx, and if ready is set, that JSON field true. */
struct policy_health_check {
	uint8_t method;		/* enum policy_http_method */
	char ready[POLICY_METRIC_MAX];
};

/*
 * The load request of a backend, as data (profiles.c has the built-in ones):
 * method and body of the request to metrics_url, the format of the answer
 * and where each signal is in it (empty: not read). Prometheus names are
 * summed over label sets (ranks, models); kv_usage is their mean.
 */
struct policy_metric_names {
	char waiting[POLICY_METRIC_MAX];
	char running[POLICY_METRIC_MAX];
	char kv_usage[POLICY_METRIC_MAX];
	char kv_usage_alt[POLICY_METRIC_MAX]; /* older name, used when the first is absent */
	char in_flight[POLICY_METRIC_MAX];   /* running + waiting as one number (Chitu) */
	char limit[POLICY_METRIC_MAX];	     /* the server's own limit on requests in flight */
	/*
	 * The server's own speed: a histogram (seconds; Prometheus: its _sum
	 * and _count) of the time to first token without queue wait, or with
	 * it when queue names the histogram of that wait to take off.
	 */
	char ttft[POLICY_METRIC_MAX];
	char queue[POLICY_METRIC_MAX];
	uint8_t format;			     /* enum policy_load_format */
	uint8_t method;			     /* enum policy_http_method */
	char body[POLICY_BODY_MAX];
	char hint_404[POLICY_HINT_MAX];	     /* appended to an HTTP 404 error */
	struct policy_health_check health;   /* how health_url is asked */
};

struct policy_service {
	char name[POLICY_NAME_MAX];
	uint8_t addr[16];	/* network order, IPv4 in the first 4 bytes */
	uint8_t family;		/* STEER_AF_INET / STEER_AF_INET6 */
	uint8_t proto;		/* STEER_PROTO_TCP / STEER_PROTO_UDP */
	uint16_t port;		/* host order */
	uint32_t task;		/* task id */
	uint32_t id;		/* service id (index) */
	double balance_factor;	/* bounded load c; < 0: the settings' (0: off) */
	uint16_t mss_clamp;	/* TCP: lower a SYN's MSS to this; 0 = off */
};

struct policy_task {
	char name[POLICY_NAME_MAX];
	uint32_t id;		/* 0 .. STEER_MAX_TASKS-1 */
};

struct policy_model {
	char name[POLICY_NAME_MAX];
	double quality[STEER_MAX_TASKS];	/* 0..1 per task id */
	bool serves[STEER_MAX_TASKS];		/* task listed under quality */
	double cost;				/* per million tokens */
};

struct policy_backend {
	char name[POLICY_NAME_MAX];
	uint32_t id;		/* 1 .. STEER_MAX_BACKENDS-1 */
	bool id_explicit;	/* given in the file (else assigned, may be remapped) */
	uint8_t addr[16];
	uint8_t family;
	uint16_t port;		/* host order */
	uint32_t model;		/* index into policy.models */
	char provider[POLICY_NAME_MAX];
	char region[POLICY_NAME_MAX];
	uint32_t safety_tier;	/* higher is safer */
	uint32_t capacity;	/* concurrent requests it serves well; 0: from the server */
	bool capacity_given;	/* in the file (else learnt from the server's limit) */
	char health_url[POLICY_URL_MAX];		/* empty: health from metrics/none */
	char metrics_url[POLICY_URL_MAX];
	enum policy_metrics_profile profile;
	struct policy_metric_names metrics;
	uint8_t state;		/* enum steer_backend_state: initial/admin state */
};

struct policy_prefix {
	uint8_t addr[16];
	uint8_t family;
	uint32_t len;
};

enum policy_action {
	POLICY_REJECT = 0,
	POLICY_FALLBACK = 1,
};

struct policy_tenant {
	char name[POLICY_NAME_MAX];
	uint32_t id;		/* 0 is the default tenant (name "default") */
	bool id_explicit;	/* given in the file */
	bool implicit;		/* the default tenant added because the file has none:
				 * every class rejects (unknown sources are refused) */
	struct policy_prefix *prefixes;
	size_t n_prefixes;
	/* hard constraints: never traded for load or cost */
	uint32_t min_safety_tier;
	char regions[POLICY_MAX_REGIONS][POLICY_NAME_MAX]; /* allowed; none listed = any */
	size_t n_regions;
	double max_cost;	/* per million tokens; < 0: no limit */
	double min_quality;	/* 0..1; 0: no limit */
	uint32_t priority;	/* higher is shed later */
	/* admission (0 = unlimited) */
	uint32_t rate;
	uint32_t burst;
	uint32_t max_conns;
	/* when nothing qualifies */
	enum policy_action action;
	uint32_t fallback_tenant; /* index into policy.tenants (action fallback) */
	uint32_t fallback_task;	  /* task id */
};

struct policy_objective {
	double quality;		/* weight of model quality for the task */
	double cost;		/* weight of cost (normalised) */
	double load;		/* weight of the model group's spare capacity */
	double margin;		/* models scoring within this of the best are kept */
	double latency;		/* weight of observed probe latency in backend weights */
};

struct policy {
	char path[4096];	/* file it came from */
	struct policy_service *services;
	size_t n_services;
	struct policy_task *tasks;
	size_t n_tasks;
	struct policy_model *models;
	size_t n_models;
	struct policy_backend *backends;
	size_t n_backends;
	struct policy_tenant *tenants;
	size_t n_tenants;
	struct policy_objective objective;
	uint32_t probe_interval_ms;
	uint32_t probe_timeout_ms;
	uint32_t staleness_ms;	/* a signal older than this is unknown */
	uint32_t health_rise;	/* consecutive successes to mark up */
	uint32_t health_fall;	/* consecutive failures to mark down */
	uint32_t down_grace_ms;	/* failed health this long: TCP flows re-steer too */
	double hysteresis;	/* publish when a weight moves more than this (0..1) */
	uint32_t maglev_size;
	uint32_t hash_seed;
	uint32_t udp_idle_ms;
	/* conntrack expiry by state (steerd's sweep), and entries swept per round */
	uint32_t tcp_handshake_ms, tcp_idle_ms, tcp_closing_ms;
	uint32_t ct_sweep_entries;
	uint32_t ct_sweep_interval_ms;	/* a pass starts at most this often */
	uint32_t ct_entries, ct_syn_entries;	/* ct/rct and ct_syn sizes */
	uint32_t nonsyn_rate;	/* per tenant: entries non-SYN misses may make a second */
	double balance_factor;	/* bounded-load c of every service (0: off, else 1..100) */
	double slow_ttft_factor; /* TTFT this many times its model's best: set aside (0 off) */
	uint32_t ttft_memory_ms; /* a TTFT with no new request this long is forgotten */
	char xdp_ifaces[POLICY_MAX_IFACES][16];
	size_t n_xdp_ifaces;
	char tc_ifaces[POLICY_MAX_IFACES][16];
	size_t n_tc_ifaces;
	bool xdp_generic;
	uint8_t tc_mode;	/* 0 auto, 1 tcx, 2 clsact: enum dp_tc_mode's values */
};

/* A service's bounded load as steer_service.balance_pct: c x 100 (0: off). */
uint16_t policy_balance_pct(const struct policy *p, const struct policy_service *s);

/* One error of a parse: where, which field, what. */
struct policy_error {
	char file[4096];
	unsigned int line;	/* 1-based */
	unsigned int column;	/* 1-based */
	char field[128];	/* e.g. "backends[2].port" */
	char msg[256];
};

#define POLICY_MAX_ERRORS 32

struct policy_errors {
	struct policy_error e[POLICY_MAX_ERRORS];
	size_t n;	/* errors recorded (at most POLICY_MAX_ERRORS) */
	size_t total;	/* errors found */
};

/*
 * Parse a policy file. Returns 0 and fills *out (free with policy_free), or
 * -EINVAL with errs filled (nothing allocated in *out). A file is accepted
 * or rejected whole.
 */
int policy_load(const char *path, struct policy *out, struct policy_errors *errs);
/* Same, from a string (name used in messages). */
int policy_load_string(const char *name, const char *yaml, size_t len, struct policy *out,
		       struct policy_errors *errs);
void policy_free(struct policy *p);
/* "file:line:column: field: message" */
void policy_error_format(const struct policy_error *e, char *buf, size_t len);
/*
 * The one way to report a rejected policy: each recorded error as a line
 * (policy_error_format), "PATH: N more errors not shown" when some were
 * not recorded, and "PATH: invalid (N errors)", each through emit.
 */
void policy_errors_report(const struct policy_errors *errs, const char *path,
			  void (*emit)(void *ctx, const char *line), void *ctx);
/* The name of task id (what services and classes store), or NULL. */
const char *policy_task_name(const struct policy *p, uint32_t id);

/* Lookups by name; -1 if absent. Tasks: the task id; others: the index. */
int policy_task_by_name(const struct policy *p, const char *name);
int policy_tenant_by_name(const struct policy *p, const char *name);
int policy_backend_by_name(const struct policy *p, const char *name);
int policy_model_by_name(const struct policy *p, const char *name);

/* Built-in load request of a profile (vllm, sglang, chitu); zeroed for others. */
void policy_profile_names(enum policy_metrics_profile prof, struct policy_metric_names *out);
/* How a profile asks health_url (by its path: Chitu's POST /ping, GET /server_status). */
void policy_profile_health(enum policy_metrics_profile prof, const char *health_url,
			   struct policy_health_check *out);

/*
 * The policy as a JSON tree with the policy file's own keys, and back to
 * YAML. steerd applies runtime changes (steerctl backend add, tenant set,
 * ...) to this tree and re-parses it with the policy parser, so a change
 * goes through exactly the validation a file goes through; `steerctl
 * policy dump` prints the tree as YAML. Ids in effect are written out
 * explicitly so a re-parse keeps them.
 */

#include <jansson.h>
#include <stdio.h>


/* New reference, or NULL on ENOMEM. */
json_t *policy_to_json(const struct policy *p);

/*
 * Parse a JSON policy tree through the policy parser (JSON text is YAML).
 * 0 and *out filled, or -EINVAL with a one-line message per error in
 * msg (field: message; "; "-separated), or -ENOMEM.
 */
int policy_from_json(const json_t *j, struct policy *out, char *msg, size_t len);

/* Write j as block-style YAML. 0 or -EIO. */
int policy_json_to_yaml(const json_t *j, FILE *f, const char *header);
/* Same into a malloc'ed string (NULL on failure). */
char *policy_json_to_yaml_str(const json_t *j, const char *header);

/*
 * Runtime changes on a policy tree (ctl_policy.h): steerctl's backend,
 * tenant and service add/del/set/drain/undrain, as steerd applies them and
 * replays them from its state file. Only the structure is checked here
 * (the item exists, or not); the result is validated by the parser.
 */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Is cmd ("backend add", ...) a change of the policy? */
bool policy_op_is_change(const char *cmd);

/*
 * Apply one change to the tree. args: {"name": N} for del, drain, undrain;
 * {"name": N, "fields": {...}} for add and set (a null field value removes
 * the key: back to its default). 0, or -EINVAL / -ENOENT / -EEXIST with a
 * message in err.
 */
int policy_op_apply(json_t *pol, const char *cmd, const json_t *args, char *err, size_t len);

/*
 * Record a change in a change log (JSON array of {"cmd", "args", ...}),
 * compacting it: deleting an item that the log itself added removes that
 * add and every later change of the item instead of appending. entry is
 * borrowed (copied when kept).
 */
void policy_log_record(json_t *log, const json_t *entry);

#endif /* STEER_POLICY_H */
