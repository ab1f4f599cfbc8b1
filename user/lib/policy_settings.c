// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The policy's global sections: settings (probe timing, health, hysteresis,
 * Maglev size, hash seed, UDP idle time), interfaces and the objective.
 * Defaults are set first; each key present overrides its default.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "policy_internal.h"

#define POL_IFNAME_MAX		16	/* IFNAMSIZ */
#define POL_STALENESS_MAX	3600000u
#define POL_UDP_IDLE_MIN	100u
#define POL_UDP_IDLE_MAX	86400000u
#define POL_MAGLEV_MIN		251u

void pol_defaults(struct steer_policy *p)
{
	p->probe_interval_ms = 500;
	p->probe_timeout_ms = 500;	/* min(interval, 1000) */
	p->staleness_ms = 2000;		/* 4 * interval */
	p->health_rise = 2;
	p->health_fall = 2;
	p->hysteresis = 0.05;
	p->maglev_size = STEER_MAGLEV_DEFAULT;
	p->hash_seed = 1;
	p->udp_idle_ms = 30000;
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
	S_N,
};

static const struct pol_key settings_keys[S_N] = {
	[S_INTERVAL] = { "probe_interval_ms" }, [S_TIMEOUT] = { "probe_timeout_ms" },
	[S_STALENESS] = { "staleness_ms" },	[S_RISE] = { "health_rise" },
	[S_FALL] = { "health_fall" },		[S_HYSTERESIS] = { "hysteresis" },
	[S_MAGLEV] = { "maglev_size" },		[S_SEED] = { "hash_seed" },
	[S_UDP_IDLE] = { "udp_idle_ms" },
};

static bool pol_is_prime(uint32_t n)
{
	uint32_t d;

	if (n < 2)
		return false;
	for (d = 2; d * d <= n; d++)
		if (n % d == 0)
			return false;
	return true;
}

static void pol_maglev_size(struct pol_view *m, struct steer_policy *p)
{
	char f[POL_FIELD_MAX], got[POL_GOT_MAX];
	uint32_t v = 0;

	if (!m->v[S_MAGLEV])
		return;
	pol_vfield(m, S_MAGLEV, f);
	if (pol_u32(m->c, m->v[S_MAGLEV], f, POL_MAGLEV_MIN, STEER_MAGLEV_MAX, &v) &&
	    !pol_is_prime(v))
		pol_err(m->c, m->v[S_MAGLEV], f, "expected a prime number %u..%u, got %s",
			POL_MAGLEV_MIN, STEER_MAGLEV_MAX,
			pol_got(m->v[S_MAGLEV], got, sizeof(got)));
	else if (v)
		p->maglev_size = v;
}

/* probe_timeout_ms and staleness_ms: bounded by the interval, default from it. */
static void pol_probe_bounds(struct pol_view *m, struct steer_policy *p)
{
	uint32_t iv = p->probe_interval_ms;
	char f[POL_FIELD_MAX];

	p->probe_timeout_ms = iv < 1000 ? iv : 1000;
	p->staleness_ms = 4 * iv;
	if (pol_v_u32(m, S_TIMEOUT, 1, 60000, &p->probe_timeout_ms) &&
	    p->probe_timeout_ms > iv)
		pol_err(m->c, m->v[S_TIMEOUT], pol_vfield(m, S_TIMEOUT, f),
			"must be <= probe_interval_ms (%u), got %u", iv, p->probe_timeout_ms);
	if (pol_v_u32(m, S_STALENESS, 1, POL_STALENESS_MAX, &p->staleness_ms) &&
	    p->staleness_ms < iv)
		pol_err(m->c, m->v[S_STALENESS], pol_vfield(m, S_STALENESS, f),
			"must be >= probe_interval_ms (%u), got %u", iv, p->staleness_ms);
}

void pol_parse_settings(struct pol_ctx *c, yaml_node_t *n)
{
	struct steer_policy *p = c->p;
	struct pol_view m;

	if (!n || pol_is_null(n))
		return;
	if (!pol_view(c, n, "settings", settings_keys, S_N, &m))
		return;
	pol_v_u32(&m, S_INTERVAL, 50, 60000, &p->probe_interval_ms);
	pol_probe_bounds(&m, p);
	pol_v_u32(&m, S_RISE, 1, 100, &p->health_rise);
	pol_v_u32(&m, S_FALL, 1, 100, &p->health_fall);
	pol_v_num(&m, S_HYSTERESIS, 0, 1, &p->hysteresis);
	pol_maglev_size(&m, p);
	pol_v_u32(&m, S_SEED, 0, UINT32_MAX, &p->hash_seed);
	pol_v_u32(&m, S_UDP_IDLE, POL_UDP_IDLE_MIN, POL_UDP_IDLE_MAX, &p->udp_idle_ms);
}

/* ---- interfaces ---- */

enum {
	I_XDP,
	I_TC,
	I_MODE,
	I_N,
};

static const struct pol_key iface_keys[I_N] = {
	[I_XDP] = { "xdp" },
	[I_TC] = { "tc" },
	[I_MODE] = { "xdp_mode" },
};

/* As the kernel's dev_valid_name(): 1..15 bytes, not "." or "..", no '/', ':', space. */
static bool pol_ifname_ok(const char *s)
{
	size_t i, len = strlen(s);

	if (!len || len >= POL_IFNAME_MAX || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == '/' || s[i] == ':' || s[i] == 0x7f)
			return false;
	return true;
}

static void pol_ifname(struct pol_ctx *c, yaml_node_t *n, const char *field,
		       char (*names)[POL_IFNAME_MAX], size_t *cnt)
{
	static const char want[] = "an interface name (1..15 characters, no spaces, / or :)";
	char got[POL_GOT_MAX];
	const char *s = pol_text(c, n, field, want);
	size_t i;

	if (!s)
		return;
	if (!pol_ifname_ok(s)) {
		pol_err(c, n, field, "expected %s, got %s", want, pol_got(n, got, sizeof(got)));
		return;
	}
	for (i = 0; i < *cnt; i++) {
		if (!strcmp(names[i], s)) {
			pol_err(c, n, field, "duplicate interface \"%s\"", s);
			return;
		}
	}
	snprintf(names[(*cnt)++], POL_IFNAME_MAX, "%s", s);
}

static void pol_iface_list(struct pol_view *m, size_t k, char (*names)[POL_IFNAME_MAX],
			   size_t *cnt)
{
	char path[POL_FIELD_MAX], f[POL_FIELD_MAX];
	size_t i, len;

	if (!m->v[k] || pol_is_null(m->v[k]))
		return;
	pol_vfield(m, k, path);
	if (!pol_list(m->c, m->v[k], path, STEER_MAX_IFACES, "interfaces", &len))
		return;
	for (i = 0; i < len; i++)
		pol_ifname(m->c, pol_seq_at(m->c, m->v[k], i), pol_item(f, path, i), names, cnt);
}

void pol_parse_interfaces(struct pol_ctx *c, yaml_node_t *n)
{
	static const char *const modes[] = { "native", "generic" };
	struct steer_policy *p = c->p;
	struct pol_view m;
	int mode;

	if (!n || pol_is_null(n))
		return;
	if (!pol_view(c, n, "interfaces", iface_keys, I_N, &m))
		return;
	pol_iface_list(&m, I_XDP, p->xdp_ifaces, &p->n_xdp_ifaces);
	pol_iface_list(&m, I_TC, p->tc_ifaces, &p->n_tc_ifaces);
	if (pol_v_enum(&m, I_MODE, modes, 2, &mode))
		p->xdp_generic = mode == 1;
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

static const struct pol_key objective_keys[O_N] = {
	[O_QUALITY] = { "quality" }, [O_COST] = { "cost" },	  [O_LOAD] = { "load" },
	[O_MARGIN] = { "margin" },   [O_LATENCY] = { "latency" },
};

void pol_parse_objective(struct pol_ctx *c, yaml_node_t *n)
{
	struct steer_pol_objective *o = &c->p->objective;
	struct pol_view m;

	if (!n || pol_is_null(n))
		return;
	if (!pol_view(c, n, "objective", objective_keys, O_N, &m))
		return;
	pol_v_num(&m, O_QUALITY, 0, INFINITY, &o->quality);
	pol_v_num(&m, O_COST, 0, INFINITY, &o->cost);
	pol_v_num(&m, O_LOAD, 0, INFINITY, &o->load);
	pol_v_num(&m, O_MARGIN, 0, 1, &o->margin);
	pol_v_num(&m, O_LATENCY, 0, INFINITY, &o->latency);
}
