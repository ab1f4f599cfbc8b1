// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* steerctl's output: JSON as-is, or text tables per command (steerctl.h). */
#include <math.h>
#include <string.h>

#include "steerctl/steerctl.h"

#define S(o, k) json_string_value(json_object_get((o), (k)))
#define I(o, k) json_integer_value(json_object_get((o), (k)))
#define G(o, k) json_object_get((o), (k))

static void dump_json(FILE *f, const json_t *j, bool pretty)
{
	json_dumpf(j, f, (pretty ? JSON_INDENT(2) : JSON_COMPACT) | JSON_PRESERVE_ORDER);
	fputc('\n', f);
}

void steerctl_print_error(FILE *f, const char *msg, bool json, bool pretty)
{
	if (json) {
		json_t *e = json_pack("{s:s}", "error", msg);

		dump_json(f, e, pretty);
		json_decref(e);
	} else {
		fprintf(f, "Error: %s\n", msg);
	}
}

/* Width of a column: the longest value of key in arr, at least the header's. */
static int col_width(const json_t *arr, const char *key, const char *header)
{
	size_t i, w = strlen(header);
	const json_t *o;

	json_array_foreach(arr, i, o) {
		const char *s = json_string_value(json_object_get(o, key));

		if (s && strlen(s) > w)
			w = strlen(s);
	}
	return w > 64 ? 64 : (int)w;
}

/* A real for people: whole numbers as such, else 3 significant digits (>= 100: none after the point). */
static void real_text(double v, char *buf, size_t len)
{
	if (v == (double)(long long)v && fabs(v) < 1e15)
		snprintf(buf, len, "%lld", (long long)v);
	else if (fabs(v) >= 100)
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, "%.3g", v);
}

/* "12.3", "-" for null/absent */
static const char *num(const json_t *v, char *buf, size_t len, const char *fmt)
{
	if (!v || json_is_null(v))
		return "-";
	snprintf(buf, len, fmt, json_number_value(v));
	return buf;
}

/* "ADDR:PORT", "[V6]:PORT" */
static const char *endpoint(const char *addr, long long port, char *buf, size_t len)
{
	if (!addr) { /* flows: client addresses hidden from this user */
		snprintf(buf, len, "(hidden)");
		return buf;
	}
	snprintf(buf, len, strchr(addr, ':') ? "[%s]:%lld" : "%s:%lld", addr, port);
	return buf;
}

/* A backend's live signals as text, "-" where steerd has none. */
struct signals_text {
	const char *running, *waiting, *kv, *latency;
	char b[4][16];
};

static void signals_fmt(const json_t *s, struct signals_text *t)
{
	t->running = num(G(s, "running"), t->b[0], sizeof(t->b[0]), "%.0f");
	t->waiting = num(G(s, "waiting"), t->b[1], sizeof(t->b[1]), "%.0f");
	t->kv = num(G(s, "kv_usage"), t->b[2], sizeof(t->b[2]), "%.2f");
	t->latency = num(G(s, "latency_ms"), t->b[3], sizeof(t->b[3]), "%.1f");
}

/* Flows open now, from a "counters" object. */
static long long active(const json_t *counters)
{
	return I(counters, "new_flows") - I(counters, "closed_flows");
}

static const char *human(double v, char *buf, size_t len)
{
	static const char *const unit[] = { "", "k", "M", "G", "T" };
	int u = 0;

	while (fabs(v) >= 1000 && u < 4) {
		v /= 1000;
		u++;
	}
	snprintf(buf, len, u ? "%.1f%s" : "%.0f%s", v, unit[u]);
	return buf;
}

static void print_status(FILE *f, const json_t *r)
{
	const json_t *p = G(r, "policy"), *b = G(r, "backends"), *dc = G(r, "decisions");
	const json_t *ifs = G(r, "interfaces"), *v;
	size_t i;

	fprintf(f, "steerd %s (pid %lld), up %lld s\n", S(r, "version"), I(r, "pid"),
		I(r, "uptime_s"));
	fprintf(f, "  policy     %s: %lld services, %lld tasks, %lld models, %lld backends, "
		   "%lld tenants\n",
		S(r, "config"), I(p, "services"), I(p, "tasks"), I(p, "models"), I(p, "backends"),
		I(p, "tenants"));
	fprintf(f, "  runtime    %lld change%s in %s\n", I(r, "runtime_changes"),
		I(r, "runtime_changes") == 1 ? "" : "s", S(r, "state_file"));
	fprintf(f, "  backends   %lld up, %lld unknown, %lld draining, %lld failing, %lld down\n",
		I(b, "up"), I(b, "unknown"), I(b, "draining"), I(b, "failing"), I(b, "down"));
	fprintf(f, "  decisions  %lld probe rounds (every %lld ms), %lld publishes (%lld failed, "
		   "retried); last decide %.1f ms, publish %.1f ms\n",
		I(dc, "probe_rounds"), I(dc, "probe_interval_ms"), I(dc, "publishes"),
		I(dc, "publish_failures"),
		json_number_value(G(dc, "last_decide_ms")),
		json_number_value(G(dc, "last_publish_ms")));
	fprintf(f, "  data plane pin root %s; xdp:", S(r, "pin_root"));
	json_array_foreach(G(ifs, "xdp"), i, v)
		fprintf(f, " %s", json_string_value(v));
	fprintf(f, "; tc:");
	json_array_foreach(G(ifs, "tc"), i, v)
		fprintf(f, " %s", json_string_value(v));
	fprintf(f, "\n  socket     %s\n", S(r, "socket"));
}

static void print_backends(FILE *f, const json_t *r)
{
	struct signals_text t;
	char a[64], ep[80];
	const json_t *o;
	size_t i;

	int wn = col_width(G(r, "backends"), "name", "NAME");
	int wm = col_width(G(r, "backends"), "model", "MODEL");
	int wa = 7;

	json_array_foreach(G(r, "backends"), i, o) {
		int n = (int)strlen(endpoint(S(o, "address"), I(o, "port"), ep, sizeof(ep)));

		wa = n > wa ? n : wa;
	}
	fprintf(f, "%-*s %4s %-*s %-*s %-8s %-7s %5s %5s %5s %7s %6s\n", wn, "NAME", "ID", wa,
		"ADDRESS", wm, "MODEL", "STATE", "HEALTH", "RUN", "WAIT", "KV", "LAT_MS", "FLOWS");
	json_array_foreach(G(r, "backends"), i, o) {
		const json_t *s = G(o, "signals");

		signals_fmt(s, &t);
		fprintf(f, "%-*s %4lld %-*s %-*s %-8s %-7s %5s %5s %5s %7s %6s\n", wn, S(o, "name"),
			I(o, "id"), wa, endpoint(S(o, "address"), I(o, "port"), ep, sizeof(ep)),
			wm, S(o, "model"), S(o, "state"), S(s, "health"), t.running, t.waiting, t.kv,
			t.latency,
			json_is_integer(G(s, "active_flows"))
				? (snprintf(a, sizeof(a), "%lld", I(s, "active_flows")), a)
				: "-");
	}
}

static void join(const json_t *arr, char *buf, size_t len)
{
	const json_t *v;
	size_t i;

	buf[0] = '\0';
	json_array_foreach(arr, i, v) {
		if (i)
			strncat(buf, ",", len - strlen(buf) - 1);
		strncat(buf, json_string_value(v), len - strlen(buf) - 1);
	}
	if (!buf[0])
		snprintf(buf, len, "-");
}

static void print_tenants(FILE *f, const json_t *r)
{
	char pf[256];
	const json_t *o;
	size_t i;

	fprintf(f, "%-12s %4s %4s %-8s %8s %8s %8s  %s\n", "NAME", "ID", "PRIO", "ACTION", "NEW",
		"ACTIVE", "REJECTED", "PREFIXES");
	json_array_foreach(G(r, "tenants"), i, o) {
		const json_t *c = G(o, "counters");

		join(G(o, "prefixes"), pf, sizeof(pf));
		fprintf(f, "%-12s %4lld %4lld %-8s %8lld %8lld %8lld  %s\n", S(o, "name"),
			I(o, "id"), I(o, "priority"), S(o, "action"), I(c, "new_flows"), active(c),
			I(c, "rejected") + I(c, "admit_rate_drops") + I(c, "admit_conc_drops"), pf);
	}
}

static void print_services(FILE *f, const json_t *r)
{
	char ep[80], vip[88];
	const json_t *o;
	size_t i;

	fprintf(f, "%-16s %4s %-28s %s\n", "NAME", "ID", "VIP", "TASK");
	json_array_foreach(G(r, "services"), i, o) {
		snprintf(vip, sizeof(vip), "%s/%s",
			 endpoint(S(o, "vip"), I(o, "port"), ep, sizeof(ep)), S(o, "proto"));
		fprintf(f, "%-16s %4lld %-28s %s\n", S(o, "name"), I(o, "id"), vip, S(o, "task"));
	}
}

static void signals_text(const json_t *s, char *buf, size_t len)
{
	struct signals_text t;
	char flows[16];

	signals_fmt(s, &t);
	snprintf(buf, len, "health %s, running %s, waiting %s, kv %s, latency %s ms, flows %s",
		 S(s, "health"), t.running, t.waiting, t.kv, t.latency,
		 num(G(s, "active_flows"), flows, sizeof(flows), "%.0f"));
}

static void print_policy(FILE *f, const json_t *r)
{
	char models[256], sig[256];
	const json_t *c, *b;
	size_t i, k;

	json_array_foreach(G(r, "classes"), i, c) {
		join(G(c, "models"), models, sizeof(models));
		fprintf(f, "%s%s/%s %s: %s (%s)", i ? "\n" : "", S(c, "tenant"), S(c, "task"),
			S(c, "family"), S(c, "action"), S(c, "why"));
		if (G(c, "via"))
			fprintf(f, " via %s/%s", S(G(c, "via"), "tenant"), S(G(c, "via"), "task"));
		fprintf(f, ", class %lld, table %lld, utilisation %.2f\n", I(c, "class_id"),
			I(c, "table_id"), json_number_value(G(c, "utilisation")));
		fprintf(f, "  models: %s\n", models);
		json_array_foreach(G(c, "backends"), k, b) {
			signals_text(G(b, "signals"), sig, sizeof(sig));
			if (!I(b, "weight")) /* full at the last probe: no slots */
				fprintf(f, "  ~ %-12s standby (no slots, the bound's last resort)  %s\n",
					S(b, "name"), sig);
			else
				fprintf(f, "  + %-12s weight %4lld (published %4lld)  %s\n",
					S(b, "name"), I(b, "weight"), I(b, "published_weight"), sig);
		}
		json_array_foreach(G(c, "excluded"), k, b) {
			signals_text(G(b, "signals"), sig, sizeof(sig));
			fprintf(f, "  - %-12s %-16s %s\n", S(b, "name"), S(b, "reason"), sig);
		}
	}
	if (!json_array_size(G(r, "classes")))
		fprintf(f, "no class matches\n");
}

static void print_explain(FILE *f, const json_t *r)
{
	const json_t *b = G(r, "backend");
	char s[80], d[80];

	fprintf(f, "packet     %s -> %s %s SYN", endpoint(S(r, "src"), I(r, "sport"), s, sizeof(s)),
		endpoint(S(r, "dst"), I(r, "dport"), d, sizeof(d)), S(r, "proto"));
	fprintf(f, " on %s\n", *S(r, "interface") ? S(r, "interface") : "(no interface)");
	if (G(r, "service")) {
		fprintf(f, "service    %s\n", S(r, "service") ? S(r, "service") : "?");
		fprintf(f, "tenant     %s\n", S(r, "tenant") ? S(r, "tenant") : "?");
		fprintf(f, "task       %s\n", S(r, "task") ? S(r, "task") : "?");
	}
	if (G(r, "class_id"))
		fprintf(f, "class      %lld (table %lld)\n", I(r, "class_id"), I(r, "table_id"));
	if (G(r, "admission"))
		fprintf(f, "admission  %s\n", S(r, "admission"));
	if (G(r, "bound")) {
		const json_t *x = G(r, "bound");

		if (S(x, "first_choice"))
			fprintf(f, "first      %s", S(x, "first_choice"));
		else
			fprintf(f, "first      id %lld", I(x, "first_id"));
		fprintf(f, ", %lld open flows, bound %lld: %s", I(x, "first_load"), I(x, "bound"),
			S(x, "result"));
		if (I(x, "steps") && strcmp(S(x, "result"), "kept"))
			fprintf(f, " (%lld steps)", I(x, "steps"));
		fprintf(f, "\n");
	}
	if (b && S(b, "name"))
		fprintf(f, "backend    %s %s (id %lld%s)\n", S(b, "name"),
			endpoint(S(b, "address"), I(b, "port"), s, sizeof(s)), I(b, "id"),
			json_is_true(G(r, "ct_hit")) ? ", existing connection" : "");
	else
		fprintf(f, "backend    none\n");
	fprintf(f, "verdict    %s, reason %s\n", S(r, "verdict"), S(r, "reason"));
}

static void print_flows(FILE *f, const json_t *r)
{
	char s[80], d[80];
	const json_t *o;
	size_t i;

	int wb = col_width(G(r, "flows"), "backend", "BACKEND");
	int wt = col_width(G(r, "flows"), "tenant", "TENANT");
	int wc = 6, ws = 7;

	json_array_foreach(G(r, "flows"), i, o) {
		int n = (int)strlen(endpoint(S(o, "src"), I(o, "sport"), s, sizeof(s)));
		int m = (int)strlen(endpoint(S(o, "dst"), I(o, "dport"), d, sizeof(d)));

		wc = n > wc ? n : wc;
		ws = m > ws ? m : ws;
	}
	fprintf(f, "%-*s %-*s %-5s %-*s %-*s %-8s %8s %8s\n", wc, "CLIENT", ws, "SERVICE", "PROTO",
		wb, "BACKEND", wt, "TENANT", "STATE", "AGE_S", "IDLE_S");
	json_array_foreach(G(r, "flows"), i, o) {
		fprintf(f, "%-*s %-*s %-5s %-*s %-*s %-8s %8.1f %8.1f\n",
			wc, endpoint(S(o, "src"), I(o, "sport"), s, sizeof(s)),
			ws, endpoint(S(o, "dst"), I(o, "dport"), d, sizeof(d)), S(o, "proto"),
			wb, S(o, "backend") ? S(o, "backend") : "?", wt,
			S(o, "tenant") ? S(o, "tenant") : "?", S(o, "state"),
			json_number_value(G(o, "age_s")), json_number_value(G(o, "idle_s")));
	}
	fprintf(f, "%lld shown, %lld matched, %lld in conntrack\n",
		(long long)json_array_size(G(r, "flows")), I(r, "matched"), I(r, "total"));
}

static double rate(const json_t *o, const char *k)
{
	return json_number_value(G(G(o, "rates"), k));
}

static void print_stats(FILE *f, const json_t *r)
{
	char b1[16], b2[16], b3[16], b4[16];
	const json_t *o, *c;
	const char *k;
	size_t i;

	fprintf(f, "%-12s %-8s %8s %8s %9s %9s %9s %9s\n", "BACKEND", "STATE", "ACTIVE", "NEW/S",
		"PKTS/S", "BYTES/S", "RPLBYT/S", "TOTALNEW");
	json_array_foreach(G(r, "backends"), i, o) {
		c = G(o, "counters");
		fprintf(f, "%-12s %-8s %8lld %8.1f %9s %9s %9s %9s\n", S(o, "name"), S(o, "state"),
			active(c), rate(o, "new_flows"),
			human(rate(o, "packets"), b1, sizeof(b1)),
			human(rate(o, "bytes"), b2, sizeof(b2)),
			human(rate(o, "reply_bytes"), b3, sizeof(b3)),
			human((double)I(c, "new_flows"), b4, sizeof(b4)));
	}
	fprintf(f, "\n%-12s %8s %8s %9s %9s %9s %9s\n", "TENANT", "ACTIVE", "NEW/S", "BYTES/S",
		"REJ/S", "RATEDROP", "CONCDROP");
	json_array_foreach(G(r, "tenants"), i, o) {
		c = G(o, "counters");
		fprintf(f, "%-12s %8lld %8.1f %9s %9.1f %9lld %9lld\n", S(o, "name"),
			active(c), rate(o, "new_flows"),
			human(rate(o, "bytes"), b1, sizeof(b1)), rate(o, "rejected"),
			I(c, "admit_rate_drops"), I(c, "admit_conc_drops"));
	}
	fprintf(f, "\n%-20s %-5s %6s %8s %9s %9s %9s\n", "CLASS", "FAM", "ID", "NEW/S", "PKTS/S",
		"BYTES/S", "REJ/S");
	json_array_foreach(G(r, "classes"), i, o) {
		char name[80];

		snprintf(name, sizeof(name), "%s/%s", S(o, "tenant"), S(o, "task"));
		fprintf(f, "%-20s %-5s %6lld %8.1f %9s %9s %9.1f\n", name, S(o, "family"),
			I(o, "class_id"), rate(o, "new_flows"),
			human(rate(o, "packets"), b1, sizeof(b1)),
			human(rate(o, "bytes"), b2, sizeof(b2)), rate(o, "rejected"));
	}
	if (json_object_size(G(G(r, "reasons"), "xdp"))) {
		fprintf(f, "\nXDP reasons:");
		json_object_foreach(G(G(r, "reasons"), "xdp"), k, o)
			fprintf(f, " %s=%lld", k, (long long)json_integer_value(o));
		fputc('\n', f);
	}
}

/* Generic "key: value" for objects (show commands). */
static void print_kv(FILE *f, const json_t *j, int indent)
{
	const char *k;
	json_t *v;
	char *s;

	json_object_foreach((json_t *)j, k, v) {
		if (json_is_object(v)) {
			fprintf(f, "%*s%s:\n", indent, "", k);
			print_kv(f, v, indent + 2);
			continue;
		}
		if (json_is_array(v) && json_array_size(v) &&
		    json_is_object(json_array_get(v, 0))) {
			size_t i;
			json_t *e;

			fprintf(f, "%*s%s:\n", indent, "", k);
			json_array_foreach(v, i, e) {
				s = json_dumps(e, JSON_COMPACT | JSON_PRESERVE_ORDER);
				fprintf(f, "%*s- %s\n", indent + 2, "", s);
				free(s);
			}
			continue;
		}
		if (json_is_string(v)) {
			fprintf(f, "%*s%-14s %s\n", indent, "", k, json_string_value(v));
			continue;
		}
		if (json_is_real(v)) {
			char num[32];

			real_text(json_real_value(v), num, sizeof(num));
			fprintf(f, "%*s%-14s %s\n", indent, "", k, num);
			continue;
		}
		s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		fprintf(f, "%*s%-14s %s\n", indent, "", k, s ? s : "?");
		free(s);
	}
}

static void print_dump(FILE *f, const json_t *r)
{
	fputs(S(r, "yaml") ? S(r, "yaml") : "", f);
}

static void print_reload(FILE *f, const json_t *r)
{
	fprintf(f, "reloaded %s: %lld services, %lld tenants, %lld backends\n", S(r, "reloaded"),
		I(r, "services"), I(r, "tenants"), I(r, "backends"));
}

/* The text form of a reply, per command; other changes say "done", the rest is KEY VALUE. */
static const struct printer {
	const char *cmd;
	void (*print)(FILE *f, const json_t *r);
} printers[] = {
	{ "status", print_status },
	{ "backend list", print_backends },
	{ "tenant list", print_tenants },
	{ "service list", print_services },
	{ "policy show", print_policy },
	{ "policy dump", print_dump },
	{ "explain", print_explain },
	{ "flows", print_flows },
	{ "stats", print_stats },
	{ "reload", print_reload },
	{ NULL }
};

void steerctl_print(FILE *f, const char *cmd, const json_t *r, bool json, bool pretty)
{
	const struct printer *p;

	if (json) {
		dump_json(f, r, pretty);
		return;
	}
	for (p = printers; p->cmd; p++)
		if (!strcmp(cmd, p->cmd)) {
			p->print(f, r);
			return;
		}
	if (S(r, "done"))
		fprintf(f, "%s %s: done%s%s\n", S(r, "done"), S(r, "name") ? S(r, "name") : "",
			json_is_true(G(r, "published")) ? ", published" : "",
			json_is_false(G(r, "persisted"))
				? "; NOT persisted: the state file can't be read or written (see "
				  "steerd's log)"
				: "");
	else
		print_kv(f, r, 0);
}

/* ---- rates ---- */

static bool same(const json_t *a, const json_t *b)
{
	return (!a && !b) || json_equal(a, b);
}

static const json_t *find_named(const json_t *arr, const json_t *like)
{
	const json_t *o;
	size_t i;

	json_array_foreach(arr, i, o)
		if (same(G(o, "name"), G(like, "name")) &&
		    same(G(o, "tenant"), G(like, "tenant")) && same(G(o, "task"), G(like, "task")) &&
		    same(G(o, "family"), G(like, "family")))
			return o;
	return NULL;
}

static void add_rates(const json_t *prev_arr, json_t *cur_arr, double secs, bool nested)
{
	static const char *const keys[] = { "packets",	   "bytes",	"reply_packets",
					    "reply_bytes", "new_flows", "closed_flows",
					    "rejected" };
	json_t *o;
	size_t i, k;

	json_array_foreach(cur_arr, i, o) {
		const json_t *p = find_named(prev_arr, o);
		const json_t *cc = nested ? G(o, "counters") : o;
		const json_t *pc = p ? (nested ? G(p, "counters") : p) : NULL;
		json_t *r = json_object();

		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			json_t *cv = G(cc, keys[k]);
			double d;

			if (!cv)
				continue;
			d = pc ? (double)(json_integer_value(cv) - I(pc, keys[k])) : 0;
			json_object_set_new(r, keys[k],
					    json_real(secs > 0 && d > 0 ? d / secs : 0));
		}
		json_object_set_new(o, "rates", r);
	}
}

void steerctl_stats_rates(const json_t *prev, json_t *cur)
{
	double secs = prev ? (I(cur, "time_ms") - I(prev, "time_ms")) / 1000.0 : 0;

	json_object_set_new(cur, "interval_s", json_real(secs));
	add_rates(G(prev, "backends"), G(cur, "backends"), secs, true);
	add_rates(G(prev, "tenants"), G(cur, "tenants"), secs, true);
	add_rates(G(prev, "classes"), G(cur, "classes"), secs, false);
}

void steerctl_top_frame(FILE *f, const json_t *st, int cols, bool ansi)
{
	/* terminal codes (clear, bold, reverse) only on a terminal */
	const char *clear = ansi ? "\033[H\033[2J" : "", *bold = ansi ? "\033[1m" : "";
	const char *rev = ansi ? "\033[7m" : "", *off = ansi ? "\033[0m" : "";
	int wn = col_width(G(st, "backends"), "name", "BACKEND");
	int wt = col_width(G(st, "tenants"), "name", "TENANT");
	char b1[16], b2[16], w[128];
	struct signals_text t;
	const json_t *o, *e;
	size_t i, k;

	fprintf(f, "%s%ssteerctl top%s  %zu backends, %zu tenants  (refresh 1 s%s)\n\n", clear,
		bold, off, json_array_size(G(st, "backends")), json_array_size(G(st, "tenants")),
		ansi ? "; q quits" : "");
	fprintf(f, "%s%-*s %-8s %-6s %7s %7s %9s %9s %5s %5s %5s %6s  %-s%s\n", rev, wn,
		"BACKEND", "STATE", "HEALTH", "ACTIVE", "NEW/S", "BYTES/S", "RPLBYT/S", "RUN",
		"WAIT", "KV", "LAT_MS", "WEIGHTS", off);
	json_array_foreach(G(st, "backends"), i, o) {
		const json_t *s = G(o, "signals"), *c = G(o, "counters");
		char line[512];

		signals_fmt(s, &t);
		w[0] = '\0';
		json_array_foreach(G(o, "weights"), k, e) {
			char one[80];

			snprintf(one, sizeof(one), "%s%s/%s=%lld", k ? " " : "", S(e, "tenant"),
				 S(e, "task"), I(e, "weight"));
			strncat(w, one, sizeof(w) - strlen(w) - 1);
		}
		snprintf(line, sizeof(line),
			 "%-*s %-8s %-6s %7lld %7.1f %9s %9s %5s %5s %5s %6s  %s", wn, S(o, "name"),
			 S(o, "state"), S(s, "health"), active(c),
			 rate(o, "new_flows"), human(rate(o, "bytes"), b1, sizeof(b1)),
			 human(rate(o, "reply_bytes"), b2, sizeof(b2)),
			 t.running, t.waiting, t.kv, t.latency, w[0] ? w : "-");
		if (cols > 0 && (int)strlen(line) > cols)
			line[cols] = '\0';
		fprintf(f, "%s\n", line);
	}
	fprintf(f, "\n%s%-*s %7s %7s %9s %9s%s\n", rev, wt, "TENANT", "ACTIVE", "NEW/S",
		"BYTES/S", "REJ/S", off);
	json_array_foreach(G(st, "tenants"), i, o) {
		const json_t *c = G(o, "counters");

		fprintf(f, "%-*s %7lld %7.1f %9s %9.1f\n", wt, S(o, "name"),
			active(c), rate(o, "new_flows"),
			human(rate(o, "bytes"), b1, sizeof(b1)), rate(o, "rejected"));
	}
	fflush(f);
}
