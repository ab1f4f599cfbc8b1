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

#define STEER_NAME_MAX		64
#define STEER_URL_MAX		256
#define STEER_METRIC_MAX	128
#define STEER_MAX_REGIONS	16	/* allowed regions per tenant */
#define STEER_MAX_IFACES	8

enum steer_metrics_profile {
	STEER_METRICS_NONE = 0,	/* no metrics URL: load from kernel flows only */
	STEER_METRICS_VLLM,
	STEER_METRICS_SGLANG,
	STEER_METRICS_CHITU,
	STEER_METRICS_CUSTOM,	/* names given in the file */
};

/* Prometheus metric names of the three load signals (empty: not scraped). */
struct steer_metric_names {
	char waiting[STEER_METRIC_MAX];
	char running[STEER_METRIC_MAX];
	char kv_usage[STEER_METRIC_MAX];
	char kv_usage_alt[STEER_METRIC_MAX]; /* older name, used when the first is absent */
};

struct steer_pol_service {
	char name[STEER_NAME_MAX];
	uint8_t addr[16];	/* network order, IPv4 in the first 4 bytes */
	uint8_t family;		/* STEER_AF_INET / STEER_AF_INET6 */
	uint8_t proto;		/* STEER_PROTO_TCP / STEER_PROTO_UDP */
	uint16_t port;		/* host order */
	uint32_t task;		/* task id */
	uint32_t id;		/* service id (index) */
};

struct steer_pol_task {
	char name[STEER_NAME_MAX];
	uint32_t id;		/* 0 .. STEER_MAX_TASKS-1 */
};

struct steer_pol_model {
	char name[STEER_NAME_MAX];
	double quality[STEER_MAX_TASKS];	/* 0..1 per task id */
	bool serves[STEER_MAX_TASKS];		/* task listed under quality */
	double cost;				/* per million tokens */
};

struct steer_pol_backend {
	char name[STEER_NAME_MAX];
	uint32_t id;		/* 1 .. STEER_MAX_BACKENDS-1 */
	bool id_explicit;	/* given in the file (else assigned, may be remapped) */
	uint8_t addr[16];
	uint8_t family;
	uint16_t port;		/* host order */
	uint32_t model;		/* index into policy.models */
	char provider[STEER_NAME_MAX];
	char region[STEER_NAME_MAX];
	uint32_t safety_tier;	/* higher is safer */
	uint32_t capacity;	/* concurrent requests it serves well */
	char health_url[STEER_URL_MAX];		/* empty: health from metrics/none */
	char metrics_url[STEER_URL_MAX];
	enum steer_metrics_profile profile;
	struct steer_metric_names metrics;
	uint8_t state;		/* enum steer_backend_state: initial/admin state */
};

struct steer_pol_prefix {
	uint8_t addr[16];
	uint8_t family;
	uint32_t len;
};

enum steer_pol_action {
	STEER_POL_REJECT = 0,
	STEER_POL_FALLBACK = 1,
};

struct steer_pol_tenant {
	char name[STEER_NAME_MAX];
	uint32_t id;		/* 0 is the default tenant (name "default") */
	bool id_explicit;	/* given in the file */
	bool implicit;		/* the default tenant added because the file has none:
				 * every class rejects (unknown sources are refused) */
	struct steer_pol_prefix *prefixes;
	size_t n_prefixes;
	/* hard constraints: never traded for load or cost */
	uint32_t min_safety_tier;
	char regions[STEER_MAX_REGIONS][STEER_NAME_MAX]; /* allowed; none listed = any */
	size_t n_regions;
	double max_cost;	/* per million tokens; < 0: no limit */
	double min_quality;	/* 0..1; 0: no limit */
	uint32_t priority;	/* higher is shed later */
	/* admission (0 = unlimited) */
	uint32_t rate;
	uint32_t burst;
	uint32_t max_conns;
	/* when nothing qualifies */
	enum steer_pol_action action;
	uint32_t fallback_tenant; /* index into policy.tenants (action fallback) */
	uint32_t fallback_task;	  /* task id */
};

struct steer_pol_objective {
	double quality;		/* weight of model quality for the task */
	double cost;		/* weight of cost (normalised) */
	double load;		/* weight of the model group's spare capacity */
	double margin;		/* models scoring within this of the best are kept */
	double latency;		/* weight of observed probe latency in backend weights */
};

struct steer_policy {
	char path[4096];	/* file it came from */
	struct steer_pol_service *services;
	size_t n_services;
	struct steer_pol_task *tasks;
	size_t n_tasks;
	struct steer_pol_model *models;
	size_t n_models;
	struct steer_pol_backend *backends;
	size_t n_backends;
	struct steer_pol_tenant *tenants;
	size_t n_tenants;
	struct steer_pol_objective objective;
	uint32_t probe_interval_ms;
	uint32_t probe_timeout_ms;
	uint32_t staleness_ms;	/* a signal older than this is unknown */
	uint32_t health_rise;	/* consecutive successes to mark up */
	uint32_t health_fall;	/* consecutive failures to mark down */
	double hysteresis;	/* publish when a weight moves more than this (0..1) */
	uint32_t maglev_size;
	uint32_t hash_seed;
	uint32_t udp_idle_ms;
	char xdp_ifaces[STEER_MAX_IFACES][16];
	size_t n_xdp_ifaces;
	char tc_ifaces[STEER_MAX_IFACES][16];
	size_t n_tc_ifaces;
	bool xdp_generic;
};

/* One error of a parse: where, which field, what. */
struct steer_pol_error {
	char file[4096];
	unsigned int line;	/* 1-based */
	unsigned int column;	/* 1-based */
	char field[128];	/* e.g. "backends[2].port" */
	char msg[256];
};

#define STEER_POL_MAX_ERRORS 32

struct steer_pol_errors {
	struct steer_pol_error e[STEER_POL_MAX_ERRORS];
	size_t n;	/* errors recorded (at most STEER_POL_MAX_ERRORS) */
	size_t total;	/* errors found */
};

/*
 * Parse a policy file. Returns 0 and fills *out (free with policy_free), or
 * -EINVAL with errs filled (nothing allocated in *out). A file is accepted
 * or rejected whole.
 */
int policy_load(const char *path, struct steer_policy *out, struct steer_pol_errors *errs);
/* Same, from a string (name used in messages). */
int policy_load_string(const char *name, const char *yaml, size_t len, struct steer_policy *out,
		       struct steer_pol_errors *errs);
void policy_free(struct steer_policy *p);
/* "file:line:column: field: message" */
void policy_error_format(const struct steer_pol_error *e, char *buf, size_t len);

/* Lookups by name; -1 if absent. Tasks: the task id; others: the index. */
int policy_task_by_name(const struct steer_policy *p, const char *name);
int policy_tenant_by_name(const struct steer_policy *p, const char *name);
int policy_backend_by_name(const struct steer_policy *p, const char *name);
int policy_model_by_name(const struct steer_policy *p, const char *name);

/* Built-in metric names of a profile (vllm, sglang, chitu). */
void policy_profile_names(enum steer_metrics_profile prof, struct steer_metric_names *out);

#endif /* STEER_POLICY_H */
