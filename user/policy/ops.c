// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Runtime changes on a policy tree (see ctl_ops.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "policy/policy.h"

static const struct {
	const char *object;
	const char *section;
} sections[] = {
	{ "backend", "backends" },
	{ "tenant", "tenants" },
	{ "service", "services" },
};

static const char *const verbs[] = { "add", "del", "set", "drain", "undrain" };

/* Split "backend add" into section and verb; false if not a change. */
static bool split(const char *cmd, const char **section, const char **object, const char **verb)
{
	const char *sp = cmd ? strchr(cmd, ' ') : NULL;
	size_t i, j;

	if (!sp)
		return false;
	for (i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		if (strlen(sections[i].object) != (size_t)(sp - cmd) ||
		    strncmp(cmd, sections[i].object, sp - cmd))
			continue;
		for (j = 0; j < sizeof(verbs) / sizeof(verbs[0]); j++) {
			if (strcmp(sp + 1, verbs[j]))
				continue;
			if (j >= 3 && i != 0) /* drain/undrain: backends only */
				return false;
			if (j == 2 && i == 2) /* service set: not offered */
				return false;
			*section = sections[i].section;
			*object = sections[i].object;
			*verb = verbs[j];
			return true;
		}
	}
	return false;
}

bool policy_op_is_change(const char *cmd)
{
	const char *s, *o, *v;

	return split(cmd, &s, &o, &v);
}

static long find(const json_t *arr, const char *name)
{
	size_t i;
	json_t *it;

	json_array_foreach(arr, i, it) {
		const char *n = json_string_value(json_object_get(it, "name"));

		if (n && !strcmp(n, name))
			return (long)i;
	}
	return -1;
}

/* Merge fields into obj; null values delete. */
static int merge(json_t *obj, const json_t *fields, char *err, size_t len)
{
	const char *k;
	json_t *v;

	if (!fields)
		return 0;
	if (!json_is_object(fields)) {
		snprintf(err, len, "\"fields\" must be an object");
		return -EINVAL;
	}
	json_object_foreach((json_t *)fields, k, v) {
		if (!strcmp(k, "name")) {
			if (json_is_string(v) &&
			    !strcmp(json_string_value(v),
				    json_string_value(json_object_get(obj, "name"))))
				continue;
			snprintf(err, len, "can't rename (delete and add instead)");
			return -EINVAL;
		}
		if (json_is_null(v)) {
			json_object_del(obj, k);
		} else if (json_is_object(v) && json_is_object(json_object_get(obj, k))) {
			/* nested mapping (admission, fallback): merge too */
			int e = merge(json_object_get(obj, k), v, err, len);

			if (e)
				return e;
			if (!json_object_size(json_object_get(obj, k)))
				json_object_del(obj, k);
		} else {
			json_object_set_new(obj, k, json_deep_copy(v));
		}
	}
	return 0;
}

int policy_op_apply(json_t *pol, const char *cmd, const json_t *args, char *err, size_t len)
{
	const char *section, *object, *verb, *name;
	json_t *arr, *obj;
	long at;
	int e;

	if (!split(cmd, &section, &object, &verb)) {
		snprintf(err, len, "not a change: %s", cmd ? cmd : "(none)");
		return -EINVAL;
	}
	name = json_string_value(json_object_get(args, "name"));
	if (!name || !*name) {
		snprintf(err, len, "%s %s: a name is required", object, verb);
		return -EINVAL;
	}
	arr = json_object_get(pol, section);
	if (!json_is_array(arr)) {
		arr = json_array();
		json_object_set_new(pol, section, arr);
	}
	at = find(arr, name);
	if (!strcmp(verb, "add")) {
		if (at >= 0) {
			snprintf(err, len, "%s \"%s\" exists already", object, name);
			return -EEXIST;
		}
		obj = json_object();
		json_object_set_new(obj, "name", json_string(name));
		e = merge(obj, json_object_get(args, "fields"), err, len);
		if (e) {
			json_decref(obj);
			return e;
		}
		json_array_append_new(arr, obj);
		return 0;
	}
	if (at < 0) {
		snprintf(err, len, "no %s \"%s\"", object, name);
		return -ENOENT;
	}
	obj = json_array_get(arr, at);
	if (!strcmp(verb, "del")) {
		if (!strcmp(object, "tenant") && !strcmp(name, "default")) {
			snprintf(err, len, "the tenant \"default\" can't be deleted (set its "
					   "action instead)");
			return -EINVAL;
		}
		json_array_remove(arr, at);
		return 0;
	}
	if (!strcmp(verb, "drain") || !strcmp(verb, "undrain")) {
		json_object_set_new(obj, "state",
				    json_string(!strcmp(verb, "drain") ? "draining" : "active"));
		return 0;
	}
	return merge(obj, json_object_get(args, "fields"), err, len);
}

static bool same_item(const json_t *e, const char *obj, size_t olen, const char *name)
{
	const char *c = json_string_value(json_object_get(e, "cmd"));
	const char *n = json_string_value(json_object_get(json_object_get(e, "args"), "name"));

	return c && n && !strncmp(c, obj, olen) && c[olen] == ' ' && !strcmp(n, name);
}

void policy_log_record(json_t *log, const json_t *entry)
{
	const char *cmd = json_string_value(json_object_get(entry, "cmd"));
	const char *name = json_string_value(json_object_get(json_object_get(entry, "args"), "name"));
	const char *sp = cmd ? strchr(cmd, ' ') : NULL;
	size_t i, olen;
	long added = -1;

	if (sp && name && !strcmp(sp + 1, "del")) {
		olen = sp - cmd;
		for (i = 0; i < json_array_size(log); i++) {
			json_t *e = json_array_get(log, i);
			const char *c = json_string_value(json_object_get(e, "cmd"));

			if (same_item(e, cmd, olen, name) && !strcmp(c + olen + 1, "add"))
				added = (long)i;
		}
		if (added >= 0) {
			for (i = json_array_size(log); i-- > (size_t)added;)
				if (same_item(json_array_get(log, i), cmd, olen, name))
					json_array_remove(log, i);
			return;
		}
	}
	json_array_append_new(log, json_deep_copy(entry));
}
