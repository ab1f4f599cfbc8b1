/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* steerd: the daemon's state, shared by its files. */
#ifndef STEERD_H
#define STEERD_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/engine.h"
#include "policy/policy.h"
#include "probe/probe.h"
#include "dp/dp.h"

struct metrics_server;

struct steerd_opts {
	const char *config;
	const char *pin_root;
	bool foreground;
	bool check;
	bool once;		/* decide + publish once, then exit */
	bool detach_on_exit;	/* SIGTERM also detaches the programs */
	bool no_attach;		/* don't attach: maps only (tests, another loader) */
	bool xdp_generic;
	int tc_mode;		/* enum dp_tc_mode, or -1: the policy's tc_mode */
	bool keep_caps;		/* don't drop capabilities (debugging) */
	char xdp[POLICY_MAX_IFACES][16];
	int n_xdp;
	char tc[POLICY_MAX_IFACES][16];
	int n_tc;
	/* control socket (ctl.c) */
	const char *ctl_socket;	/* NULL: PROTO_SOCKET_DEFAULT; "none": no socket */
	const char *ctl_state;	/* runtime changes; NULL: next to the socket */
	const char *read_group;	/* may read; NULL: any local user */
	const char *admin_group; /* may change; NULL: root only */
	const char *flows_group; /* sees client addresses in flows; NULL: admins */
	unsigned int ctl_idle_ms; /* a connection idle this long is closed */
	/* Prometheus endpoint (metrics/, metrics_source.c) */
	const char *metrics;	/* ADDR:PORT or "off"; NULL: METRICS_DEFAULT_ADDR */
};

/* What steerd remembers of a backend between probe rounds. */
struct steerd_track {
	char name[POLICY_NAME_MAX];
	unsigned int ok_streak, fail_streak;
	bool health_known, healthy;
	uint64_t failed_at_ms;	/* when health last failed (healthy -> not) */
	bool down_logged;	/* "down after the grace" said for this failure */
	bool has_waiting, has_running, has_kv;
	double waiting, running, kv_usage;
	bool has_limit;		/* the server's own limit on requests in flight */
	double limit;
	double limit_logged;	/* limit last reported against the policy's capacity */
	uint64_t metrics_at_ms;	/* when the signals were read; 0 never */
	double latency_ms;
	/* the server's time to first token without queue wait: the last
	 * probe's cumulative histograms (base), and the mean of the requests
	 * since, smoothed (ttft_ms) */
	bool ttft_base;
	double ttft_sum, ttft_count;
	double queue_sum, queue_count;
	bool has_ttft;
	double ttft_ms;
	uint64_t ttft_at_ms;	/* when a request last added to it */
	char last_error[160];
	bool awaiting_health;	/* added at run time with a health URL: no new flows
				 * until its first verdict (docs/steerctl.md) */
};

struct steerd {
	struct steerd_opts opts;
	struct policy pol;
	struct steerd_track *track;	/* pol.n_backends */
	struct engine_live *live;	/* pol.n_backends */
	struct probe_target *targets;
	struct dp *dp;
	struct engine_planner *planner;	/* what the last plan put in the maps */
	/* writes a plan; NULL: dp_apply (unit tests inject failures here) */
	int (*apply)(struct dp *dp, const struct dp_plan *plan, struct dp_apply_stats *st);
	struct probe *prober;
	int sigfd;
	uint64_t next_round_ms;
	bool dirty;			/* decide + publish at the next chance */
	bool force;			/* ... even if live signals look the same */
	uint64_t last_sig;		/* live signals at the last decision */
	unsigned long rounds, publishes;
	unsigned long publish_failures;	/* metrics: steerd_publish_failures_total */
	unsigned int publish_fail_streak; /* failures since the last success (log once) */
	double last_decide_ms, last_publish_ms;
	struct steerd_ctl *ctl;		/* control socket (ctl.c) */
	uint64_t started_ms;		/* control socket: status */
	struct metrics_server *metrics;	/* /metrics (metrics/); NULL: off */
	struct dp_ct_sweep ct;		/* conntrack sweep (conntrack.c) */
	uint64_t *ct_new_at_start;	/* tenants' new_flows when the pass started */
	uint64_t ct_pass_start_ms;	/* when the current / last pass started */
	unsigned long ct_corrected;	/* tenant counts the sweep corrected */
	int lock_fd;			/* flock on the pin root (lock.c); -1: none */
	bool notified_ready;		/* systemd heard READY=1 (after the first publish) */
	unsigned long status_publishes;	/* publishes when STATUS= was last sent */
	uint64_t *ct_be_new_at_start;	/* backends' new_flows when the pass started */
	unsigned long ct_load_corrected;	/* backend_load counts the sweep corrected */
};

/* live.c: probe results and kernel counters -> track[] -> live[] */
int steerd_track_init(struct steerd *d, const struct steerd_track *old,
		      const struct policy *old_pol);
void steerd_track_round(struct steerd *d, const struct probe_result *r, size_t n);
/* After a restart: health from the states pinned in the data plane (a
 * backend published failing or down stays so until it passes health_rise
 * probes), not "unknown = active". */
void steerd_track_adopt(struct steerd *d);
/* Has backend i failed health for down_grace_ms or longer? */
bool steerd_track_grace_over(const struct steerd *d, size_t i, uint64_t now_ms);
void steerd_live_build(struct steerd *d);
/* Signature of what decisions depend on in live[] (an unchanged one: skip). */
uint64_t steerd_live_sig(const struct steerd *d);

/* conntrack.c: one bounded batch of the conntrack sweep per probe round;
 * after a whole pass, the tenants' admission counts are corrected */
void steerd_ct_round(struct steerd *d);
void steerd_ct_free(struct steerd *d);

/* known.c: what the data plane already knows */
/* Keep the backend ids the data plane knows (same address, port, family). */
int steerd_stable_ids(struct dp *dp, struct policy *p);
/* known_tenants.c: keep the tenant ids the running policy (old, may be NULL)
 * and the data plane (pinned prefixes) know; new tenants get ids nothing
 * knows. Tenants stay sorted by id. */
int steerd_stable_tenant_ids(struct dp *dp, const struct policy *old, struct policy *p);
/* Both of the above, for a policy replacing old (NULL at start). */
int steerd_policy_ids(struct dp *dp, const struct policy *old, struct policy *p);
/* (Re)start the planner from the maps: classes, table ids, config. */
int steerd_planner_adopt(struct steerd *d);

/* swap.c: the one way a new policy comes into effect (reload, steerctl) */
/* Load and validate a policy file; errors are reported (to the log, or to
 * stderr before logging starts) the one way policy_errors_report says. */
int steerd_policy_load(const char *path, struct policy *p, bool to_stderr);
/* Same, logging the errors and also copying them, one a line, into errs. */
int steerd_policy_load_errs(const char *path, struct policy *p, char *errs, size_t len);
/* Consumes np; on -ENOMEM the running policy stays. */
int steerd_policy_swap(struct steerd *d, struct policy *np);
/* Probe targets for the running policy. */
void steerd_targets_build(struct steerd *d);

/* publish.c: signals -> decide -> plan -> apply -> report, once per change */
int steerd_publish(struct steerd *d);

/* report.c: what a publish did, to the log and /metrics */
void steerd_report(struct steerd *d, const struct dp_apply_stats *as, double decide_ms,
		   double publish_ms);

/* metrics_source.c: fill the snapshot and render, if anything moved */
void steerd_metrics_update(struct steerd *d);

/* lock.c: one steerd per pin root (a second one names the first's pid) */
int steerd_lock(struct steerd *d);
/* After daemon(): the same lock, held in the child's name. */
int steerd_lock_again(struct steerd *d);

/* caps.c: keep only the capabilities the main loop needs (after attach) */
int steerd_caps_drop(void);

/* loop.c: reload the file; a rejection's file:line errors into errs (may be NULL) */
int steerd_reload(struct steerd *d, char *errs, size_t len);
int steerd_run(struct steerd *d);

#endif /* STEERD_H */
