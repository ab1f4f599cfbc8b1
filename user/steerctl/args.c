// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* steerctl's arguments: typed KEY VALUE pairs (struct steerctl_kw), endpoints, integers. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "steerctl/steerctl.h"
#include "util/util.h"

bool steerctl_parse_u32(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	*out = strtoul(s, &end, 0);
	return !errno && !*end && *out <= max;
}

int steerctl_endpoint(const char *s, char addr[48], unsigned int *port, bool port_opt)
{
	uint8_t a[16], fam;
	uint16_t p;
	int e = util_endpoint_parse(s, a, &fam, &p, port_opt);

	*port = 0;
	if (e)
		return e;
	util_addr_format(a, fam, addr, 48);
	*port = p;
	return 0;
}

static json_t *split_list(const char *s)
{
	json_t *a = json_array();
	char *dup = strdup(s), *save = NULL, *tok;

	for (tok = strtok_r(dup, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (*tok)
			json_array_append_new(a, json_string(tok));
	free(dup);
	return a;
}

/* fields[key] = v; "a.b" is fields.a.b */
static void set_path(json_t *fields, const char *key, json_t *v)
{
	const char *dot = strchr(key, '.');
	char top[32];
	json_t *sub;

	if (!dot) {
		json_object_set_new(fields, key, v);
		return;
	}
	snprintf(top, sizeof(top), "%.*s", (int)(dot - key), key);
	sub = json_object_get(fields, top);
	if (!json_is_object(sub)) {
		sub = json_object();
		json_object_set_new(fields, top, sub);
	}
	json_object_set_new(sub, dot + 1, v);
}

static int parse_prefixes(struct steerctl_cli *c, const struct steerctl_kw *k, const char *v,
			  json_t *fields)
{
	json_t *a = split_list(v);
	size_t i;
	int rc;

	for (i = 0; i < json_array_size(a); i++) {
		const char *p = json_string_value(json_array_get(a, i));
		uint8_t buf[16], fam;
		uint32_t len;

		if (util_prefix_parse(p, buf, &fam, &len)) {
			/* p lives in a: say it before a goes */
			rc = steerctl_usage(c,
					    "%s: expected ADDR/LEN[,ADDR/LEN...] (198.18.1.0/24, "
					    "fd00:1::/64), got \"%s\"",
					    k->name, p);
			json_decref(a);
			return rc;
		}
	}
	if (!json_array_size(a)) {
		json_decref(a);
		return steerctl_usage(c, "%s: expected at least one ADDR/LEN", k->name);
	}
	set_path(fields, k->key, a);
	return 0;
}

static int parse_value(struct steerctl_cli *c, const struct steerctl_kw *k, const char *v,
		       json_t *fields)
{
	char addr[48], *end;
	unsigned int port;
	const char *colon;
	unsigned long u;
	double d;
	int m;

	if (k->nullable && !strcmp(v, "none")) {
		set_path(fields, k->key, json_null());
		return 0;
	}
	switch (k->type) {
	case STEERCTL_KW_STR:
		if (!*v || strpbrk(v, " \t\n") || strlen(v) > 63)
			return steerctl_usage(c,
					      "%s: expected a name (1..63 characters, no spaces), "
					      "got \"%s\"",
					      k->name, v);
		set_path(fields, k->key, json_string(v));
		return 0;
	case STEERCTL_KW_U32:
		if (!steerctl_parse_u32(v, 0xffffffffUL, &u))
			return steerctl_usage(c, "%s: expected a non-negative integer, got \"%s\"",
					      k->name, v);
		set_path(fields, k->key, json_integer(u));
		return 0;
	case STEERCTL_KW_PORT:
		if (!steerctl_parse_u32(v, 65535, &u) || !u)
			return steerctl_usage(c, "%s: expected a port 1..65535, got \"%s\"",
					      k->name, v);
		set_path(fields, k->key, json_integer(u));
		return 0;
	case STEERCTL_KW_NUM:
		d = strtod(v, &end);
		if (!*v || *end || d < 0 || d != d)
			return steerctl_usage(c, "%s: expected a number >= 0, got \"%s\"", k->name,
					      v);
		set_path(fields, k->key, json_real(d));
		return 0;
	case STEERCTL_KW_URL:
		if (strncmp(v, "http://", 7) && strncmp(v, "https://", 8))
			return steerctl_usage(c, "%s: expected an http:// or https:// URL, got "
						 "\"%s\"", k->name, v);
		set_path(fields, k->key, json_string(v));
		return 0;
	case STEERCTL_KW_ADDRPORT:
		if (steerctl_endpoint(v, addr, &port, true))
			return steerctl_usage(c, "%s: expected ADDR or ADDR:PORT (198.18.2.2:8000, "
						 "[fd00::2]:8000), got \"%s\"", k->name, v);
		set_path(fields, k->key, json_string(addr));
		if (port)
			set_path(fields, "port", json_integer(port));
		return 0;
	case STEERCTL_KW_PREFIXES:
		return parse_prefixes(c, k, v, fields);
	case STEERCTL_KW_LIST:
		set_path(fields, k->key, split_list(v));
		return 0;
	case STEERCTL_KW_FALLBACK:
		colon = strchr(v, ':');
		if (!colon || colon == v || !colon[1])
			return steerctl_usage(c, "%s: expected TENANT:TASK, got \"%s\"", k->name,
					      v);
		set_path(fields, k->key, json_pack("{s:s%, s:s}", "tenant", v, (size_t)(colon - v),
						   "task", colon + 1));
		return 0;
	case STEERCTL_KW_CHOICE:
		m = steerctl_select(c, k->name, v, k->choices, sizeof(k->choices[0]));
		if (m < 0)
			return STEERCTL_EXIT_USAGE;
		set_path(fields, k->key, json_string(k->choices[m]));
		return 0;
	}
	return 0;
}

int steerctl_parse_kws(struct steerctl_cli *c, int argc, char **argv, const struct steerctl_kw *kws,
		       json_t *fields)
{
	int k, m;

	for (k = 0; k < argc; k += 2) {
		char word[64];
		size_t i;

		snprintf(word, sizeof(word), "%s", argv[k]);
		for (i = 0; word[i]; i++)
			if (word[i] == '_')
				word[i] = '-';
		m = steerctl_select(c, "keyword", word, kws, sizeof(kws[0]));
		if (m < 0)
			return STEERCTL_EXIT_USAGE;
		if (k + 1 >= argc)
			return steerctl_usage(c, "%s: missing value", kws[m].name);
		if (parse_value(c, &kws[m], argv[k + 1], fields))
			return STEERCTL_EXIT_USAGE;
	}
	return 0;
}
