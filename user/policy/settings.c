// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The policy's global sections: settings (probe timing, health, hysteresis,
 * Maglev size, hash seed, UDP idle time), interfaces and the objective.
 * Defaults are set first; each key present overrides its default.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util/util.h"
#include "policy/internal.h"

#define POLICY_IFNAME_MAX		16	/* IFNAMSIZ */
#define POLICY_STALENESS_MAX	3600000u
#define POLICY_UDP_IDLE_MIN	100u
#define POLICY_UDP_IDLE_MAX	86400000u
#define POLICY_MAGLEV_MIN		251u

void policy_defaults(struct policy *p)
{
	p->probe_interval_ms = 500;
	p->probe_timeout_ms = 500;	/* min(interval, 1000) */
	p->staleness_ms = 2000;		/* 4 * interval */
	p->health_rise = 2;
	p->health_fall = 2;
	p->down_grace_ms = 30000;
	p->hysteresis = 0.05;
	p->maglev_size = STEER_MAGLEV_DEFAULT;
	p->hash_seed = 1;
	p->udp_idle_ms = 30000;
	/* near Linux conntrack's and Cilium's: SYN_SENT 120 s / 60 s, ESTABLISHED
	 * 5 days / 6 h, FIN_WAIT/TIME_WAIT 120 s / 10 s */
	p->tcp_handshake_ms = 60000;
	p->tcp_idle_ms = 6 * 3600 * 1000;
	p->tcp_closing_ms = 10000;
	p->ct_sweep_entries = 65536;
	p->ct_sweep_interval_ms = 2000;
	p->ct_entries = STEER_CT_ENTRIES;
	p->ct_syn_entries = STEER_CT_SYN_ENTRIES;
	p->nonsyn_rate = 10000;
	p->balance_factor = 1.25; /* HAProxy's hash-balance-factor 125, Envoy's 125 */
	/* the engines' own TTFT, queue wait out (profiles.c): 3x its model's
	 * best is a slower server, not a busier one */
	p->slow_ttft_factor = 3;
	p->ttft_memory_ms = 30000; /* Envoy's outlier base_ejection_time */
	p->objective.quality = 1.0;
	p->objective.cost = 0.5;
	p->objective.load = 0.5;
	p->objective.margin = 0.1;
	p->objective.latency = 0.2;
}

/* ---- settings ---- */

enum {
	S_INTERVAL,
	S_TIMEOUT,
	S_STALENESS,
	S_RISE,
	S_FALL,
	S_HYSTERESIS,
	S_MAGLEV,
	S_SEED,
	S_UDP_IDLE,
	S_TCP_HANDSHAKE,
	S_TCP_IDLE,
	S_TCP_CLOSING,
	S_CT_SWEEP,
	S_CT_SWEEP_INTERVAL,
	S_CT_ENTRIES,
	S_CT_SYN_ENTRIES,
	S_NONSYN_RATE,
	S_DOWN_GRACE,
	S_BALANCE,
	S_SLOW_TTFT,
	S_TTFT_MEMORY,
	S_N,
};

_Static_assert(S_N <= POLICY_KEYS_MAX, "settings keys: raise POLICY_KEYS_MAX");

static const struct policy_key settings_keys[S_N] = {
	[S_INTERVAL] = { "probe_interval_ms" }, [S_TIMEOUT] = { "probe_timeout_ms" },
	[S_STALENESS] = { "staleness_ms" },	[S_RISE] = { "health_rise" },
	[S_FALL] = { "health_fall" },		[S_HYSTERESIS] = { "hysteresis" },
	[S_MAGLEV] = { "maglev_size" },		[S_SEED] = { "hash_seed" },
	[S_UDP_IDLE] = { "udp_idle_ms" },
	[S_TCP_HANDSHAKE] = { "tcp_handshake_timeout_ms" },
	[S_TCP_IDLE] = { "tcp_idle_timeout_ms" },
	[S_TCP_CLOSING] = { "tcp_closing_timeout_ms" },
	[S_CT_SWEEP] = { "conntrack_sweep_entries" },
	[S_CT_SWEEP_INTERVAL] = { "conntrack_sweep_interval_ms" },
	[S_CT_ENTRIES] = { "conntrack_entries" },
	[S_CT_SYN_ENTRIES] = { "conntrack_syn_entries" },
	[S_NONSYN_RATE] = { "nonsyn_miss_rate" },
	[S_DOWN_GRACE] = { "down_grace_ms" },
	[S_BALANCE] = { "balance_factor" },
	[S_SLOW_TTFT] = { "slow_ttft_factor" },
	[S_TTFT_MEMORY] = { "ttft_memory_ms" },
};
_Static_assert(S_N <= POLICY_KEYS_MAX, "settings: more keys than a policy_view holds");

/*
 * balance_factor: 0 (off: plain Maglev) or 1..100. Under 1 the bounds add
 * up to fewer flows than are open, and every new flow would walk.
 */
bool policy_balance_factor(struct policy_view *m, size_t k, double *out)
{
	char f[POLICY_FIELD_MAX];
	double v;

	if (!policy_v_num(m, k, 0, 100, &v))
		return false;
	if (v > 0 && v < 1) {
		policy_err(m->c, m->v[k], policy_vfield(m, k, f),
			   "expected 0 (off) or a number 1..100, got %g", v);
		return false;
	}
	*out = v;
	return true;
}

uint16_t policy_balance_pct(const struct policy *p, const struct policy_service *s)
{
	double c = s->balance_factor >= 0 ? s->balance_factor : p->balance_factor;

	return (uint16_t)(c * 100 + 0.5);
}

/*
 * slow_ttft_factor: 0 (off) or 1.5..100. Closer to 1, the ordinary spread
 * of time to first token between equal backends would set one aside.
 */
static void policy_slow_ttft_factor(struct policy_view *m, struct policy *p)
{
	char f[POLICY_FIELD_MAX];
	double v;

	if (!policy_v_num(m, S_SLOW_TTFT, 0, 100, &v))
		return;
	if (v > 0 && v < 1.5) {
		policy_err(m->c, m->v[S_SLOW_TTFT], policy_vfield(m, S_SLOW_TTFT, f),
			   "expected 0 (off) or a number 1.5..100, got %g", v);
		return;
	}
	p->slow_ttft_factor = v;
}

static void policy_maglev_size(struct policy_view *m, struct policy *p)
{
	char f[POLICY_FIELD_MAX], got[POLICY_GOT_MAX];
	uint32_t v = 0;

	if (!m->v[S_MAGLEV])
		return;
	policy_vfield(m, S_MAGLEV, f);
	if (policy_u32(m->c, m->v[S_MAGLEV], f, POLICY_MAGLEV_MIN, STEER_MAGLEV_MAX, &v) &&
	    !util_is_prime(v))
		policy_err(m->c, m->v[S_MAGLEV], f, "expected a prime number %u..%u, got %s",
			POLICY_MAGLEV_MIN, STEER_MAGLEV_MAX,
			policy_got(m->v[S_MAGLEV], got, sizeof(got)));
	else if (v)
		p->maglev_size = v;
}

/* probe_timeout_ms and staleness_ms: bounded by the interval, default from it. */
static void policy_probe_bounds(struct policy_view *m, struct policy *p)
{
	uint32_t iv = p->probe_interval_ms;
	char f[POLICY_FIELD_MAX];

	p->probe_timeout_ms = iv < 1000 ? iv : 1000;
	p->staleness_ms = 4 * iv;
	if (policy_v_u32(m, S_TIMEOUT, 1, 60000, &p->probe_timeout_ms) &&
	    p->probe_timeout_ms > iv)
		policy_err(m->c, m->v[S_TIMEOUT], policy_vfield(m, S_TIMEOUT, f),
			"must be <= probe_interval_ms (%u), got %u", iv, p->probe_timeout_ms);
	if (policy_v_u32(m, S_STALENESS, 1, POLICY_STALENESS_MAX, &p->staleness_ms) &&
	    p->staleness_ms < iv)
		policy_err(m->c, m->v[S_STALENESS], policy_vfield(m, S_STALENESS, f),
			"must be >= probe_interval_ms (%u), got %u", iv, p->staleness_ms);
}

void policy_parse_settings(struct policy_ctx *c, yaml_node_t *n)
{
	struct policy *p = c->p;
	struct policy_view m;

	if (!n || policy_is_null(n))
		return;
	if (!policy_view(c, n, "settings", settings_keys, S_N, &m))
		return;
	policy_v_u32(&m, S_INTERVAL, 50, 60000, &p->probe_interval_ms);
	policy_probe_bounds(&m, p);
	policy_v_u32(&m, S_RISE, 1, 100, &p->health_rise);
	policy_v_u32(&m, S_FALL, 1, 100, &p->health_fall);
	policy_v_u32(&m, S_DOWN_GRACE, 0, 3600000, &p->down_grace_ms);
	policy_v_num(&m, S_HYSTERESIS, 0, 1, &p->hysteresis);
	policy_maglev_size(&m, p);
	policy_v_u32(&m, S_SEED, 0, UINT32_MAX, &p->hash_seed);
	policy_v_u32(&m, S_UDP_IDLE, POLICY_UDP_IDLE_MIN, POLICY_UDP_IDLE_MAX, &p->udp_idle_ms);
	policy_v_u32(&m, S_TCP_HANDSHAKE, 1000, 3600000, &p->tcp_handshake_ms);
	policy_v_u32(&m, S_TCP_IDLE, 10000, 7 * 86400000u, &p->tcp_idle_ms);
	policy_v_u32(&m, S_TCP_CLOSING, 1000, 3600000, &p->tcp_closing_ms);
	policy_v_u32(&m, S_CT_SWEEP, 256, 16777216, &p->ct_sweep_entries);
	policy_v_u32(&m, S_CT_SWEEP_INTERVAL, 0, 600000, &p->ct_sweep_interval_ms);
	policy_v_u32(&m, S_CT_ENTRIES, 1024, 16777216, &p->ct_entries);
	policy_v_u32(&m, S_CT_SYN_ENTRIES, 1024, 16777216, &p->ct_syn_entries);
	policy_v_u32(&m, S_NONSYN_RATE, 0, 10000000, &p->nonsyn_rate);
	policy_balance_factor(&m, S_BALANCE, &p->balance_factor);
	policy_slow_ttft_factor(&m, p);
	policy_v_u32(&m, S_TTFT_MEMORY, 1000, 3600000, &p->ttft_memory_ms);
}

/* ---- interfaces ---- */

enum {
	I_XDP,
	I_TC,
	I_MODE,
	I_TC_MODE,
	I_N,
};

static const struct policy_key iface_keys[I_N] = {
	[I_XDP] = { "xdp" },
	[I_TC] = { "tc" },
	[I_MODE] = { "xdp_mode" },
	[I_TC_MODE] = { "tc_mode" },
};

/* As the kernel's dev_valid_name(): 1..15 bytes, not "." or "..", no '/', ':', space. */
static bool policy_ifname_ok(const char *s)
{
	size_t i, len = strlen(s);

	if (!len || len >= POLICY_IFNAME_MAX || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == '/' || s[i] == ':' || s[i] == 0x7f)
			return false;
	return true;
}

static void policy_ifname(struct policy_ctx *c, yaml_node_t *n, const char *field,
		       char (*names)[POLICY_IFNAME_MAX], size_t *cnt)
{
	static const char want[] = "an interface name (1..15 characters, no spaces, / or :)";
	char got[POLICY_GOT_MAX];
	const char *s = policy_text(c, n, field, want);
	size_t i;

	if (!s)
		return;
	if (!policy_ifname_ok(s)) {
		policy_err(c, n, field, "expected %s, got %s", want, policy_got(n, got, sizeof(got)));
		return;
	}
	for (i = 0; i < *cnt; i++) {
		if (!strcmp(names[i], s)) {
			policy_err(c, n, field, "duplicate interface \"%s\"", s);
			return;
		}
	}
	snprintf(names[(*cnt)++], POLICY_IFNAME_MAX, "%s", s);
}

static void policy_iface_list(struct policy_view *m, size_t k, char (*names)[POLICY_IFNAME_MAX],
			   size_t *cnt)
{
	char path[POLICY_FIELD_MAX], f[POLICY_FIELD_MAX];
	size_t i, len;

	if (!m->v[k] || policy_is_null(m->v[k]))
		return;
	policy_vfield(m, k, path);
	if (!policy_list(m->c, m->v[k], path, POLICY_MAX_IFACES, "interfaces", &len))
		return;
	for (i = 0; i < len; i++)
		policy_ifname(m->c, policy_seq_at(m->c, m->v[k], i), policy_item(f, path, i), names, cnt);
}

void policy_parse_interfaces(struct policy_ctx *c, yaml_node_t *n)
{
	static const char *const modes[] = { "native", "generic" };
	static const char *const tc_modes[] = { "auto", "tcx", "clsact" };
	struct policy *p = c->p;
	struct policy_view m;
	int mode;

	if (!n || policy_is_null(n))
		return;
	if (!policy_view(c, n, "interfaces", iface_keys, I_N, &m))
		return;
	policy_iface_list(&m, I_XDP, p->xdp_ifaces, &p->n_xdp_ifaces);
	policy_iface_list(&m, I_TC, p->tc_ifaces, &p->n_tc_ifaces);
	if (policy_v_enum(&m, I_MODE, modes, 2, &mode))
		p->xdp_generic = mode == 1;
	if (policy_v_enum(&m, I_TC_MODE, tc_modes, 3, &mode))
		p->tc_mode = (uint8_t)mode;
}

/* ---- objective ---- */

enum {
	O_QUALITY,
	O_COST,
	O_LOAD,
	O_MARGIN,
	O_LATENCY,
	O_N,
};

static const struct policy_key objective_keys[O_N] = {
	[O_QUALITY] = { "quality" }, [O_COST] = { "cost" },	  [O_LOAD] = { "load" },
	[O_MARGIN] = { "margin" },   [O_LATENCY] = { "latency" },
};

void policy_parse_objective(struct policy_ctx *c, yaml_node_t *n)
{
	struct policy_objective *o = &c->p->objective;
	struct policy_view m;

	if (!n || policy_is_null(n))
		return;
	if (!policy_view(c, n, "objective", objective_keys, O_N, &m))
		return;
	policy_v_num(&m, O_QUALITY, 0, INFINITY, &o->quality);
	policy_v_num(&m, O_COST, 0, INFINITY, &o->cost);
	policy_v_num(&m, O_LOAD, 0, INFINITY, &o->load);
	policy_v_num(&m, O_MARGIN, 0, 1, &o->margin);
	policy_v_num(&m, O_LATENCY, 0, INFINITY, &o->latency);
}
