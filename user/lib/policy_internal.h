/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Internals shared by the policy parser's files (user/lib/policy_*.c): the
 * parse context, error reporting, and typed readers of YAML nodes. Every
 * reader reports its own errors (file:line:column, field path, what was
 * expected, what was found) and returns false on error, so a caller only
 * decides what to skip. Parsing goes on after an error to report as many as
 * possible; any error rejects the whole file.
 */
#ifndef STEER_POLICY_INTERNAL_H
#define STEER_POLICY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

#include "policy.h"

#define POL_FIELD_MAX	128	/* sizeof(struct steer_pol_error.field) */
#define POL_GOT_MAX	64	/* a quoted value in a message */
#define POL_KEYS_MAX	16	/* keys of one mapping kind */

enum pol_kind {
	POL_TASK,
	POL_MODEL,
	POL_SERVICE,
	POL_BACKEND,
	POL_TENANT,
	POL_NKINDS,
};

/* Where an item came from, for messages about it after its own parse. */
struct pol_meta {
	yaml_node_t *node;	/* the item (NULL: implicit default tenant) */
	yaml_node_t *name;	/* value of its name */
	yaml_node_t *id;	/* value of its explicit id */
	yaml_node_t *fb_tenant;	/* tenants: value of fallback.tenant */
	bool has_id;		/* id given (or fixed: the default tenant) */
};

/* One tenant prefix, for the duplicate check across tenants. */
struct pol_pfx {
	struct steer_pol_prefix pfx;
	yaml_node_t *node;
	size_t tenant;		/* index into policy.tenants */
	size_t pos;		/* index in the tenant's prefixes */
};

/* Item indexes of one kind sorted by (name, index): duplicates, lookups. */
struct pol_index {
	uint32_t *idx;
	size_t n;
};

struct pol_ctx {
	const char *file;
	struct steer_pol_errors *errs;
	yaml_document_t *doc;
	struct steer_policy *p;
	struct pol_meta *meta[POL_NKINDS];
	struct pol_index names[POL_NKINDS];
	struct pol_pfx *pfx;
	size_t n_pfx;
	size_t cap_pfx;
	bool oom;
};

/* A key of a mapping and whether it must be there. */
struct pol_key {
	const char *name;
	bool required;
};

/* A mapping checked against its keys: v[k] is the value of keys[k] or NULL. */
struct pol_view {
	struct pol_ctx *c;
	yaml_node_t *node;
	const char *path;
	const struct pol_key *keys;
	yaml_node_t *v[POL_KEYS_MAX];
};

/* ---- errors (policy_yaml.c) ---- */
void pol_err(struct pol_ctx *c, const yaml_node_t *n, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* line and col are 1-based; 0: unknown. */
void pol_err_at(struct pol_ctx *c, unsigned int line, unsigned int col, const char *field,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void pol_oom(struct pol_ctx *c);
/* Sort the recorded errors by position (stable). */
void pol_sort_errors(struct steer_pol_errors *errs);

/* ---- paths and node access (policy_yaml.c) ---- */
/* "path.key" (or "key" at the root) into buf[POL_FIELD_MAX]. */
const char *pol_field(char *buf, const char *path, const char *key);
/* "path[i]" into buf[POL_FIELD_MAX]. */
const char *pol_item(char *buf, const char *path, size_t i);
/* What a node is, for "got ...": a mapping, a sequence, nothing, "text". */
const char *pol_got(const yaml_node_t *n, char *buf, size_t len);
bool pol_is_null(const yaml_node_t *n);
size_t pol_seq_len(const yaml_node_t *n);
yaml_node_t *pol_seq_at(struct pol_ctx *c, const yaml_node_t *n, size_t i);
/* Sequence of at most max items (*cnt: how many to read); false if not one. */
bool pol_list(struct pol_ctx *c, yaml_node_t *n, const char *path, size_t max,
	      const char *what, size_t *cnt);

/* ---- mappings (policy_yaml.c) ---- */
bool pol_view(struct pol_ctx *c, yaml_node_t *n, const char *path, const struct pol_key *keys,
	      size_t nkeys, struct pol_view *m);
/* Field path of key k of a view, into buf[POL_FIELD_MAX]. */
const char *pol_vfield(const struct pol_view *m, size_t k, char *buf);

/* ---- scalars (policy_yaml.c); true: present and valid ---- */
const char *pol_text(struct pol_ctx *c, yaml_node_t *n, const char *field, const char *want);
bool pol_u32(struct pol_ctx *c, yaml_node_t *n, const char *field, uint32_t min, uint32_t max,
	     uint32_t *out);
bool pol_num(struct pol_ctx *c, yaml_node_t *n, const char *field, double min, double max,
	     double *out);
bool pol_name(struct pol_ctx *c, yaml_node_t *n, const char *field, char *buf, size_t size);
bool pol_enum(struct pol_ctx *c, yaml_node_t *n, const char *field, const char *const *names,
	      size_t count, int *out);
bool pol_v_u32(struct pol_view *m, size_t k, uint32_t min, uint32_t max, uint32_t *out);
bool pol_v_num(struct pol_view *m, size_t k, double min, double max, double *out);
bool pol_v_name(struct pol_view *m, size_t k, char *buf, size_t size);
bool pol_v_enum(struct pol_view *m, size_t k, const char *const *names, size_t count, int *out);

/* ---- suggestions (policy_yaml.c) ---- */
/* Keep cand in *best if it is nearer to word than *bestd (within 2 edits). */
void pol_near(const char *word, const char *cand, const char **best, unsigned int *bestd);
/* " (did you mean "x"?)" or "" into buf. */
const char *pol_hint(char *buf, size_t len, const char *best);

/* ---- names, ids, references (policy_resolve.c) ---- */
const char *pol_kind_name(enum pol_kind kind);
size_t pol_count(const struct pol_ctx *c, enum pol_kind kind);
const char *pol_name_of(const struct pol_ctx *c, enum pol_kind kind, size_t i);
/* Allocate n items of a kind and their meta; false (reported) on ENOMEM. */
bool pol_alloc(struct pol_ctx *c, enum pol_kind kind, size_t n, size_t extra);
/* Sort names of a kind, report duplicates. */
void pol_index_names(struct pol_ctx *c, enum pol_kind kind);
/* Index of the first item named name, or -1. */
long pol_lookup(const struct pol_ctx *c, enum pol_kind kind, const char *name);
/* Resolve the name in n to an item index; reports unknown names. */
long pol_ref(struct pol_ctx *c, yaml_node_t *n, const char *field, enum pol_kind kind);
/* Check explicit ids, give unset ones the lowest free ids in [min, max]. */
void pol_assign_ids(struct pol_ctx *c, enum pol_kind kind, uint32_t min, uint32_t max,
		    bool by_name);
/* Checks across tenants, then sort tasks, backends, tenants by id. */
void pol_resolve(struct pol_ctx *c);
void pol_ctx_free(struct pol_ctx *c);

/* ---- sections ---- */
void pol_defaults(struct steer_policy *p);
void pol_parse_settings(struct pol_ctx *c, yaml_node_t *n);	/* policy_settings.c */
void pol_parse_interfaces(struct pol_ctx *c, yaml_node_t *n);
void pol_parse_objective(struct pol_ctx *c, yaml_node_t *n);
void pol_parse_tasks(struct pol_ctx *c, yaml_node_t *n);	/* policy_items.c */
void pol_parse_models(struct pol_ctx *c, yaml_node_t *n);
void pol_parse_services(struct pol_ctx *c, yaml_node_t *n);
bool pol_addr(struct pol_ctx *c, yaml_node_t *n, const char *field, uint8_t addr[16],
	      uint8_t *family);
void pol_parse_backends(struct pol_ctx *c, yaml_node_t *n);	/* policy_backend.c */
void pol_parse_tenants(struct pol_ctx *c, yaml_node_t *n);	/* policy_tenant.c */

#endif /* STEER_POLICY_INTERNAL_H */
