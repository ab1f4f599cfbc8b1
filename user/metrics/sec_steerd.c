// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Section steerd: the daemon's own health and the process_* families. */
#include <stddef.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/resource.h>

#include "metrics/internal.h"

struct daemon_row {
	struct metrics_val up, start, uptime, reloads[2], objects[5], rounds, publishes, changes,
		pub_fail, decide, publish, classes, render, scrapes, cpu, rss;
	struct metrics_val ct_flows[4], ct_entries[2], ct_capacity[2], ct_passes, ct_swept,
		ct_expired, ct_pass, ct_corrected, ct_hint_fill;
};

#define F(field) .off = offsetof(struct daemon_row, field)

static const struct metrics_family daemon_families[] = {
	{ "steerd_up", METRICS_GAUGE, "1 while steerd runs (a failed scrape means it does not)",
	  F(up) },
	{ "steerd_start_time_seconds", METRICS_GAUGE, "Start time of steerd, Unix seconds",
	  F(start) },
	{ "steerd_uptime_seconds", METRICS_GAUGE, "Seconds since steerd started", F(uptime) },
	{ "steerd_policy_reloads_total", METRICS_COUNTER,
	  "Policy reloads, by result (a failed reload keeps the running policy)", .key = "result",
	  .vars = { "success", "failure" }, F(reloads) },
	{ "steerd_policy_objects", METRICS_GAUGE, "Objects in the running policy, by kind",
	  .key = "kind", .vars = { "services", "tasks", "models", "backends", "tenants" },
	  F(objects) },
	{ "steerd_probe_rounds_total", METRICS_COUNTER, "Probe rounds completed", F(rounds) },
	{ "steerd_publishes_total", METRICS_COUNTER, "Decide + publish runs that reached the maps",
	  F(publishes) },
	{ "steerd_publish_failures_total", METRICS_COUNTER,
	  "Publishes that failed (decide, plan or a map write); each is retried on the next "
	  "round",
	  F(pub_fail) },
	{ "steerd_publish_changes_total", METRICS_COUNTER,
	  "Publishes that wrote at least one map entry or table", F(changes) },
	{ "steerd_last_decide_seconds", METRICS_GAUGE, "Duration of the last decision run",
	  F(decide) },
	{ "steerd_last_publish_seconds", METRICS_GAUGE, "Duration of the last publish (map writes)",
	  F(publish) },
	{ "steerd_classes", METRICS_GAUGE, "Published classes (tenant, task, family)", F(classes) },
	{ "steerd_metrics_render_seconds", METRICS_GAUGE, "Duration of the previous metrics render",
	  F(render) },
	{ "steerd_metrics_scrapes_total", METRICS_COUNTER, "Requests served on /metrics",
	  F(scrapes) },
	{ "steer_conntrack_flows", METRICS_GAUGE,
	  "Conntrack entries by state, as the last whole sweep pass counted them",
	  .key = "state", .vars = { "handshake", "established", "closing", "closed" },
	  F(ct_flows) },
	{ "steer_conntrack_entries", METRICS_GAUGE,
	  "Live entries of a conntrack table (ct: established and closing flows, UDP; "
	  "ct_syn: handshakes), as the last whole sweep pass counted them",
	  .key = "table", .vars = { "ct", "ct_syn" }, F(ct_entries) },
	{ "steer_conntrack_capacity", METRICS_GAUGE,
	  "Size of a conntrack table (its LRU evicts beyond it)", .key = "table",
	  .vars = { "ct", "ct_syn" }, F(ct_capacity) },
	{ "steer_conntrack_sweep_passes_total", METRICS_COUNTER,
	  "Whole passes of steerd's conntrack sweep", F(ct_passes) },
	{ "steer_conntrack_swept_total", METRICS_COUNTER, "Conntrack entries the sweep read",
	  F(ct_swept) },
	{ "steer_conntrack_expired_total", METRICS_COUNTER,
	  "Conntrack entries the sweep deleted, idle past their state's timeout", F(ct_expired) },
	{ "steer_conntrack_last_pass_seconds", METRICS_GAUGE,
	  "Time the last whole sweep pass spent in map reads and deletes", F(ct_pass) },
	{ "steer_conntrack_hint_fill", METRICS_GAUGE,
	  "Share of ct_hint's slots set after the last whole sweep pass: a new flow's SYN whose "
	  "slot is set looks ct and ct_syn up, one whose slot is clear skips both",
	  F(ct_hint_fill) },
	{ "steer_tenant_slot_corrections_total", METRICS_COUNTER,
	  "Times a sweep pass lowered a tenant's count of open flows to the table's truth",
	  F(ct_corrected) },
	{ "process_cpu_seconds_total", METRICS_COUNTER, "User and system CPU time of steerd",
	  F(cpu) },
	{ "process_resident_memory_bytes", METRICS_GAUGE, "Resident memory of steerd", F(rss) },
	{ "process_start_time_seconds", METRICS_GAUGE, "Start time of steerd, Unix seconds",
	  F(start) },
};

void metrics_render_steerd(struct metrics_buf *b, const struct metrics_snapshot *s,
			   const struct metrics_cache *c)
{
	const struct metrics_counts *k = &s->counts;
	const struct policy *p = s->pol;
	struct daemon_row r = {
		.up = METRICS_V(1),
		.start = METRICS_V(k->start_time),
		.uptime = METRICS_V((double)(s->now_ms - k->start_ms) / 1e3),
		.reloads = { METRICS_V(k->reload_ok), METRICS_V(k->reload_fail) },
		.objects = { METRICS_V(p->n_services), METRICS_V(p->n_tasks),
			     METRICS_V(p->n_models), METRICS_V(p->n_backends),
			     METRICS_V(p->n_tenants) },
		.rounds = METRICS_V(s->rounds),
		.publishes = METRICS_V(s->publishes),
		.pub_fail = METRICS_V(s->publish_failures),
		.changes = METRICS_V(k->pub_changes),
		.decide = METRICS_V(s->last_decide_ms / 1e3),
		.publish = METRICS_V(s->last_publish_ms / 1e3),
		.classes = METRICS_V(c->n_rows),
		.render = METRICS_V(c->render_ms / 1e3),
		.scrapes = METRICS_V(k->scrapes),
	};
	struct metrics_rows rows = { &r, sizeof(r), 1, NULL, NULL };
	unsigned long pages[2];
	struct rusage ru;
	FILE *f;

	if (s->ct.known) {
		for (int i = 0; i < 4; i++)
			r.ct_flows[i] = METRICS_V(s->ct.by_state[i]);
		r.ct_pass = METRICS_V(s->ct.last_pass_ms / 1e3);
		r.ct_hint_fill = METRICS_V(s->ct.hint_fill);
		for (int i = 0; i < 2; i++)
			r.ct_entries[i] = METRICS_V(s->ct.entries[i]);
	}
	for (int i = 0; i < 2; i++)
		if (s->ct.capacity[i])
			r.ct_capacity[i] = METRICS_V(s->ct.capacity[i]);
	r.ct_passes = METRICS_V(s->ct.passes);
	r.ct_swept = METRICS_V(s->ct.swept);
	r.ct_expired = METRICS_V(s->ct.expired);
	r.ct_corrected = METRICS_V(s->ct.corrected);
	/* the process itself, not steerd state: read here, not in the snapshot */
	if (!getrusage(RUSAGE_SELF, &ru))
		r.cpu = METRICS_V(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
				  (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
	f = fopen("/proc/self/statm", "re");
	if (f) {
		if (fscanf(f, "%lu %lu", &pages[0], &pages[1]) == 2)
			r.rss = METRICS_V((double)pages[1] * (double)sysconf(_SC_PAGESIZE));
		fclose(f);
	}
	METRICS_FAMILIES(b, daemon_families, &rows);
}
