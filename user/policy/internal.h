/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Internals shared by the policy parser's files (the .c files of user/policy): the
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

#include "policy/policy.h"

#define POLICY_FIELD_MAX	128	/* sizeof(struct policy_error.field) */
#define POLICY_GOT_MAX	64	/* a quoted value in a message */
#define POLICY_KEYS_MAX	24	/* keys of one mapping kind (each kind asserts it fits) */

enum policy_kind {
	POLICY_TASK,
	POLICY_MODEL,
	POLICY_SERVICE,
	POLICY_BACKEND,
	POLICY_TENANT,
	POLICY_NKINDS,
};

/* Where an item came from, for messages about it after its own parse. */
struct policy_meta {
	yaml_node_t *node;	/* the item (NULL: implicit default tenant) */
	yaml_node_t *name;	/* value of its name */
	yaml_node_t *id;	/* value of its explicit id */
	yaml_node_t *fb_tenant;	/* tenants: value of fallback.tenant */
	bool has_id;		/* id given (or fixed: the default tenant) */
};

/* One tenant prefix, for the duplicate check across tenants. */
struct policy_pfx {
	struct policy_prefix pfx;
	yaml_node_t *node;
	size_t tenant;		/* index into policy.tenants */
	size_t pos;		/* index in the tenant's prefixes */
};

/* Item indexes of one kind sorted by (name, index): duplicates, lookups. */
struct policy_index {
	uint32_t *idx;
	size_t n;
};

struct policy_ctx {
	const char *file;
	struct policy_errors *errs;
	yaml_document_t *doc;
	struct policy *p;
	struct policy_meta *meta[POLICY_NKINDS];
	struct policy_index names[POLICY_NKINDS];
	struct policy_pfx *pfx;
	size_t n_pfx;
	size_t cap_pfx;
	bool oom;
};

/* A key of a mapping and whether it must be there. */
struct policy_key {
	const char *name;
	bool required;
};

/* A mapping checked against its keys: v[k] is the value of keys[k] or NULL. */
struct policy_view {
	struct policy_ctx *c;
	yaml_node_t *node;
	const char *path;
	const struct policy_key *keys;
	yaml_node_t *v[POLICY_KEYS_MAX];
};

/* ---- errors (policy_yaml.c) ---- */
void policy_err(struct policy_ctx *c, const yaml_node_t *n, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* line and col are 1-based; 0: unknown. */
void policy_err_at(struct policy_ctx *c, unsigned int line, unsigned int col, const char *field,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void policy_oom(struct policy_ctx *c);
/* Sort the recorded errors by position (stable). */
void policy_sort_errors(struct policy_errors *errs);

/* ---- paths and node access (policy_yaml.c) ---- */
/* "path.key" (or "key" at the root) into buf[POLICY_FIELD_MAX]. */
const char *policy_field(char *buf, const char *path, const char *key);
/* "path[i]" into buf[POLICY_FIELD_MAX]. */
const char *policy_item(char *buf, const char *path, size_t i);
/* What a node is, for "got ...": a mapping, a sequence, nothing, "text". */
const char *policy_got(const yaml_node_t *n, char *buf, size_t len);
bool policy_is_null(const yaml_node_t *n);
size_t policy_seq_len(const yaml_node_t *n);
yaml_node_t *policy_seq_at(struct policy_ctx *c, const yaml_node_t *n, size_t i);
/* Sequence of at most max items (*cnt: how many to read); false if not one. */
bool policy_list(struct policy_ctx *c, yaml_node_t *n, const char *path, size_t max,
	      const char *what, size_t *cnt);

/* ---- mappings (policy_yaml.c) ---- */
bool policy_view(struct policy_ctx *c, yaml_node_t *n, const char *path, const struct policy_key *keys,
	      size_t nkeys, struct policy_view *m);
/* Field path of key k of a view, into buf[POLICY_FIELD_MAX]. */
const char *policy_vfield(const struct policy_view *m, size_t k, char *buf);

/* ---- scalars (policy_yaml.c); true: present and valid ---- */
const char *policy_text(struct policy_ctx *c, yaml_node_t *n, const char *field, const char *want);
bool policy_u32(struct policy_ctx *c, yaml_node_t *n, const char *field, uint32_t min, uint32_t max,
	     uint32_t *out);
bool policy_num(struct policy_ctx *c, yaml_node_t *n, const char *field, double min, double max,
	     double *out);
bool policy_name(struct policy_ctx *c, yaml_node_t *n, const char *field, char *buf, size_t size);
bool policy_enum(struct policy_ctx *c, yaml_node_t *n, const char *field, const char *const *names,
	      size_t count, int *out);
bool policy_v_u32(struct policy_view *m, size_t k, uint32_t min, uint32_t max, uint32_t *out);
bool policy_v_num(struct policy_view *m, size_t k, double min, double max, double *out);
/* balance_factor (settings, services): 0 or 1..100 */
bool policy_balance_factor(struct policy_view *m, size_t k, double *out);
bool policy_v_name(struct policy_view *m, size_t k, char *buf, size_t size);
bool policy_v_enum(struct policy_view *m, size_t k, const char *const *names, size_t count, int *out);

/* ---- suggestions (policy_yaml.c) ---- */
/* Keep cand in *best if it is nearer to word than *bestd (within 2 edits). */
void policy_near(const char *word, const char *cand, const char **best, unsigned int *bestd);
/* " (did you mean "x"?)" or "" into buf. */
const char *policy_hint(char *buf, size_t len, const char *best);

/* ---- names, ids, references (policy_resolve.c) ---- */
const char *policy_kind_name(enum policy_kind kind);
size_t policy_count(const struct policy_ctx *c, enum policy_kind kind);
const char *policy_name_of(const struct policy_ctx *c, enum policy_kind kind, size_t i);
/* Allocate n items of a kind and their meta; false (reported) on ENOMEM. */
bool policy_alloc(struct policy_ctx *c, enum policy_kind kind, size_t n, size_t extra);
/* Sort names of a kind, report duplicates. */
void policy_index_names(struct policy_ctx *c, enum policy_kind kind);
/* Index of the first item named name, or -1. */
long policy_lookup(const struct policy_ctx *c, enum policy_kind kind, const char *name);
/* Resolve the name in n to an item index; reports unknown names. */
long policy_ref(struct policy_ctx *c, yaml_node_t *n, const char *field, enum policy_kind kind);
/* Check explicit ids, give unset ones the lowest free ids in [min, max]. */
void policy_assign_ids(struct policy_ctx *c, enum policy_kind kind, uint32_t min, uint32_t max,
		    bool by_name);
/* Checks across tenants, then sort tasks, backends, tenants by id. */
void policy_resolve(struct policy_ctx *c);
void policy_ctx_free(struct policy_ctx *c);

/* ---- sections ---- */
void policy_defaults(struct policy *p);
void policy_parse_settings(struct policy_ctx *c, yaml_node_t *n);	/* policy_settings.c */
void policy_parse_interfaces(struct policy_ctx *c, yaml_node_t *n);
void policy_parse_objective(struct policy_ctx *c, yaml_node_t *n);
void policy_parse_tasks(struct policy_ctx *c, yaml_node_t *n);	/* policy_items.c */
void policy_parse_models(struct policy_ctx *c, yaml_node_t *n);
void policy_parse_services(struct policy_ctx *c, yaml_node_t *n);
bool policy_addr(struct policy_ctx *c, yaml_node_t *n, const char *field, uint8_t addr[16],
	      uint8_t *family);
void policy_parse_backends(struct policy_ctx *c, yaml_node_t *n);	/* policy_backend.c */
void policy_parse_tenants(struct policy_ctx *c, yaml_node_t *n);	/* policy_tenant.c */

#endif /* STEER_POLICY_INTERNAL_H */
