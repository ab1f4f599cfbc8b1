// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Policy loading (policy.h): read the file, build the YAML document with
 * libyaml, check every section (policy_settings.c, policy_items.c,
 * policy_backend.c, policy_tenant.c), resolve names and ids
 * (policy_resolve.c). A file is accepted or rejected whole. Also the public
 * lookups, the engines' metric names and the error format.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/internal.h"

#define POLICY_FILE_MAX	(64u << 20)	/* a policy file larger than this is a mistake */

enum {
	R_SETTINGS,
	R_INTERFACES,
	R_OBJECTIVE,
	R_TASKS,
	R_MODELS,
	R_SERVICES,
	R_BACKENDS,
	R_TENANTS,
	R_N,
};

static const struct policy_key root_keys[R_N] = {
	[R_SETTINGS] = { "settings" },	   [R_INTERFACES] = { "interfaces" },
	[R_OBJECTIVE] = { "objective" },   [R_TASKS] = { "tasks", true },
	[R_MODELS] = { "models", true },   [R_SERVICES] = { "services", true },
	[R_BACKENDS] = { "backends" },	   [R_TENANTS] = { "tenants" },
};

/* Sections in dependency order: tasks before models and services, ... */
static void policy_parse_root(struct policy_ctx *c, yaml_node_t *root)
{
	struct policy_view m;

	if (!policy_view(c, root, "", root_keys, R_N, &m))
		return;
	policy_parse_settings(c, m.v[R_SETTINGS]);
	policy_parse_interfaces(c, m.v[R_INTERFACES]);
	policy_parse_objective(c, m.v[R_OBJECTIVE]);
	policy_parse_tasks(c, m.v[R_TASKS]);
	policy_parse_models(c, m.v[R_MODELS]);
	policy_parse_services(c, m.v[R_SERVICES]);
	policy_parse_backends(c, m.v[R_BACKENDS]);
	policy_parse_tenants(c, m.v[R_TENANTS]);
	if (!c->errs->total)
		policy_resolve(c);
}

/* Reader errors carry a byte offset, not a mark. */
static void policy_offset_pos(const char *buf, size_t len, size_t off, unsigned int *line,
			   unsigned int *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	for (i = 0; i < off && i < len; i++) {
		if (buf[i] == '\n') {
			++*line;
			*col = 1;
		} else {
			++*col;
		}
	}
}

static void policy_syntax_error(struct policy_ctx *c, const yaml_parser_t *ps, const char *yaml,
			     size_t len)
{
	const char *problem = ps->problem ? ps->problem : "unknown error";
	unsigned int line, col;

	if (ps->error == YAML_MEMORY_ERROR) {
		policy_oom(c);
		return;
	}
	if (ps->error == YAML_READER_ERROR) {
		policy_offset_pos(yaml, len, ps->problem_offset, &line, &col);
		policy_err_at(c, line, col, "", "invalid input: %s (#x%X)", problem,
			   (unsigned int)ps->problem_value);
		return;
	}
	line = (unsigned int)ps->problem_mark.line + 1;
	col = (unsigned int)ps->problem_mark.column + 1;
	if (ps->context)
		policy_err_at(c, line, col, "", "YAML syntax error: %s (%s at line %zu)", problem,
			   ps->context, ps->context_mark.line + 1);
	else
		policy_err_at(c, line, col, "", "YAML syntax error: %s", problem);
}

/* One document per file: a second one is an error (likely a stray "---"). */
static void policy_single_doc(struct policy_ctx *c, yaml_parser_t *ps, const char *yaml, size_t len)
{
	yaml_document_t next;
	yaml_node_t *root;

	if (!yaml_parser_load(ps, &next)) {
		policy_syntax_error(c, ps, yaml, len);
		return;
	}
	root = yaml_document_get_root_node(&next);
	if (root)
		policy_err(c, root, "", "expected one YAML document, found a second one");
	yaml_document_delete(&next);
}

static void policy_load_doc(struct policy_ctx *c, const char *yaml, size_t len)
{
	yaml_parser_t ps;
	yaml_document_t doc;
	yaml_node_t *root;

	if (!yaml_parser_initialize(&ps)) {
		policy_oom(c);
		return;
	}
	yaml_parser_set_input_string(&ps, (const unsigned char *)yaml, len);
	if (!yaml_parser_load(&ps, &doc)) {
		policy_syntax_error(c, &ps, yaml, len);
		yaml_parser_delete(&ps);
		return;
	}
	root = yaml_document_get_root_node(&doc);
	if (root) {
		policy_single_doc(c, &ps, yaml, len);
		c->doc = &doc;
		policy_parse_root(c, root);
		c->doc = NULL;
	} else {
		policy_err_at(c, 1, 1, "",
			   "the policy is empty (tasks, models and services are required)");
	}
	yaml_document_delete(&doc);
	yaml_parser_delete(&ps);
}

int policy_load_string(const char *name, const char *yaml, size_t len, struct policy *out,
		       struct policy_errors *errs)
{
	struct policy_errors *own = NULL;
	struct policy_ctx c = { 0 };
	int err = 0;

	memset(out, 0, sizeof(*out));
	if (!errs) {
		errs = own = malloc(sizeof(*own));
		if (!own)
			return -ENOMEM;
	}
	errs->n = 0;
	errs->total = 0;
	c.file = name ? name : "<string>";
	c.errs = errs;
	c.p = calloc(1, sizeof(*c.p));
	if (c.p) {
		snprintf(c.p->path, sizeof(c.p->path), "%s", c.file);
		policy_defaults(c.p);
		policy_load_doc(&c, yaml ? yaml : "", yaml ? len : 0);
	} else {
		policy_oom(&c);
	}
	policy_ctx_free(&c);
	policy_sort_errors(errs);
	if (errs->total) {
		err = c.oom ? -ENOMEM : -EINVAL;
		policy_free(c.p);
	} else {
		*out = *c.p;
	}
	free(c.p);
	free(own);
	return err;
}

static int policy_read_file(const char *path, char **out, size_t *len)
{
	size_t cap = 0, n = 0, got;
	char *buf = NULL, *nb;
	FILE *f;
	int err = 0;

	f = fopen(path, "rb");
	if (!f)
		return -errno;
	do {
		if (n == cap) {
			cap = cap ? 2 * cap : 65536;
			nb = cap > POLICY_FILE_MAX ? NULL : realloc(buf, cap);
			if (!nb) {
				err = cap > POLICY_FILE_MAX ? -EFBIG : -ENOMEM;
				break;
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got);
	if (!err && ferror(f))
		err = errno ? -errno : -EIO;
	fclose(f);
	if (err) {
		free(buf);
		return err;
	}
	*out = buf;
	*len = n;
	return 0;
}

int policy_load(const char *path, struct policy *out, struct policy_errors *errs)
{
	struct policy_ctx c = { .file = path, .errs = errs };
	char *buf = NULL;
	size_t len = 0;
	int err;

	err = policy_read_file(path, &buf, &len);
	if (err) {
		memset(out, 0, sizeof(*out));
		if (errs) {
			errs->n = 0;
			errs->total = 0;
			policy_err_at(&c, 0, 0, "", "cannot read: %s", strerror(-err));
		}
		return err;
	}
	err = policy_load_string(path, buf, len, out, errs);
	free(buf);
	return err;
}

void policy_free(struct policy *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; p->tenants && i < p->n_tenants; i++)
		free(p->tenants[i].prefixes);
	free(p->services);
	free(p->tasks);
	free(p->models);
	free(p->backends);
	free(p->tenants);
	memset(p, 0, sizeof(*p));
}

void policy_error_format(const struct policy_error *e, char *buf, size_t len)
{
	char where[32] = "";

	if (!buf || !len)
		return;
	if (e->line)
		snprintf(where, sizeof(where), ":%u:%u", e->line, e->column);
	snprintf(buf, len, "%s%s: %s%s%s", e->file, where, e->field, e->field[0] ? ": " : "",
		 e->msg);
}

void policy_errors_report(const struct policy_errors *errs, const char *path,
			  void (*emit)(void *ctx, const char *line), void *ctx)
{
	char line[1024];
	size_t i;

	for (i = 0; i < errs->n; i++) {
		policy_error_format(&errs->e[i], line, sizeof(line));
		emit(ctx, line);
	}
	if (errs->total > errs->n) {
		snprintf(line, sizeof(line), "%s: %zu more errors not shown", path,
			 errs->total - errs->n);
		emit(ctx, line);
	}
	snprintf(line, sizeof(line), "%s: invalid (%zu error%s)", path, errs->total,
		 errs->total == 1 ? "" : "s");
	emit(ctx, line);
}

const char *policy_task_name(const struct policy *p, uint32_t id)
{
	size_t i;

	for (i = 0; i < p->n_tasks; i++)
		if (p->tasks[i].id == id)
			return p->tasks[i].name;
	return NULL;
}

/* Returns the task's id (what services, models and fallbacks store), not its index. */
int policy_task_by_name(const struct policy *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->n_tasks; i++)
		if (!strcmp(p->tasks[i].name, name))
			return (int)p->tasks[i].id;
	return -1;
}

int policy_tenant_by_name(const struct policy *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->n_tenants; i++)
		if (!strcmp(p->tenants[i].name, name))
			return (int)i;
	return -1;
}

int policy_backend_by_name(const struct policy *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->n_backends; i++)
		if (!strcmp(p->backends[i].name, name))
			return (int)i;
	return -1;
}

int policy_model_by_name(const struct policy *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->n_models; i++)
		if (!strcmp(p->models[i].name, name))
			return (int)i;
	return -1;
}
