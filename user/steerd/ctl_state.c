// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Runtime changes: applied to the policy tree, validated by the policy
 * parser, swapped in and published at once, and recorded in the state file
 * (a JSON change log, docs/steerctl.md). At start and on every reload the
 * log is replayed on top of the policy file, in order; a change that no
 * longer applies (the file changed under it) is dropped with a warning.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "steerd/ctl.h"
#include "policy/policy.h"
#include "util/util.h"

/*
 * The state file's change log. A missing file is an empty log; a file that
 * can't be read or parsed is an error, never an empty log: treating it as
 * empty would make the next change overwrite it and lose every runtime
 * change it holds.
 */
int steerd_ctl_state_load(struct steerd *d, json_t **out)
{
	char buf[4096];
	const char *path = steerd_ctl_state_path(d, buf, sizeof(buf));
	json_error_t je;
	json_t *st, *log;
	FILE *f;

	*out = NULL;
	f = fopen(path, "re");
	if (!f && errno == ENOENT) {
		*out = json_array();
		return *out ? 0 : -ENOMEM;
	}
	if (!f) {
		int err = -errno;

		log_error("state file %s can't be read (%s): it holds the runtime changes "
			  "(steerctl backend/tenant/service ...); fix its permissions, or move it "
			  "aside (mv %s %s.bad) to run without them",
			  path, strerror(-err), path, path);
		return err;
	}
	st = json_loadf(f, JSON_REJECT_DUPLICATES, &je);
	fclose(f);
	log = json_object_get(st, "changes");
	if (!st || !json_is_array(log)) {
		char why[256];

		if (st)
			snprintf(why, sizeof(why), "no \"changes\" list");
		else
			snprintf(why, sizeof(why), "%s, line %d", je.text, je.line);
		log_error("state file %s is corrupt (%s): it holds the runtime changes "
			  "(steerctl backend/tenant/service ...); repair it, or move it aside "
			  "(mv %s %s.bad) to run without them",
			  path, why, path, path);
		json_decref(st);
		return -EINVAL;
	}
	json_incref(log);
	json_decref(st);
	*out = log;
	return 0;
}

json_t *steerd_ctl_state_read(struct steerd *d)
{
	json_t *log;

	if (steerd_ctl_state_load(d, &log))
		return json_array(); /* reported; shown as no changes */
	return log;
}

/* fsync the directory holding path: the rename is on disk, not only the data. */
static int fsync_dir_of(const char *path)
{
	char dir[4096];
	int fd, err = 0;

	snprintf(dir, sizeof(dir), "%s", path);
	fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd))
		err = -errno;
	close(fd);
	return err;
}

/* Atomic: a new file beside it, fsynced, renamed over it, then the
 * directory fsynced; a crash leaves the old file or the new one. */
static int state_write(struct steerd *d, json_t *log)
{
	char buf[4096], tmp[4200], dir[4096];
	const char *path = steerd_ctl_state_path(d, buf, sizeof(buf));
	json_t *st = json_pack("{s:i, s:O}", "version", 1, "changes", log);
	int fd, err = 0;

	snprintf(dir, sizeof(dir), "%s", path);
	mkdir(dirname(dir), 0755);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	errno = 0;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || json_dumpfd(st, fd, JSON_INDENT(2) | JSON_PRESERVE_ORDER) ||
	    write(fd, "\n", 1) != 1 || fsync(fd)) {
		err = errno ? -errno : -EIO;
	}
	if (fd >= 0 && close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (!err)
		err = fsync_dir_of(path);
	if (err) {
		log_error("state file %s: can't write: %s", path, strerror(-err));
		unlink(tmp);
	}
	json_decref(st);
	return err;
}

int steerd_ctl_state_clear(struct steerd *d)
{
	json_t *empty = json_array();
	int err = state_write(d, empty);

	json_decref(empty);
	return err;
}

int steerd_ctl_state_record(struct steerd *d, const char *cmd, const json_t *args,
			    const struct steerd_peer *peer)
{
	json_t *log, *e;
	int err = steerd_ctl_state_load(d, &log);

	if (err)
		return err; /* never overwrite a file we could not read */
	e = json_pack("{s:s, s:O, s:i, s:I}", "cmd", cmd, "args", args, "uid", (int)peer->uid,
		      "time", (json_int_t)time(NULL));
	policy_log_record(log, e);
	err = state_write(d, log);
	json_decref(e);
	json_decref(log);
	return err;
}

/* Apply changes[] to the tree of p; a change that fails is dropped. */
static size_t replay(json_t *tree, json_t *log, bool validate_each)
{
	char err[1024];
	size_t i, dropped = 0;

	for (i = 0; i < json_array_size(log);) {
		json_t *e = json_array_get(log, i);
		const char *cmd = json_string_value(json_object_get(e, "cmd"));
		json_t *args = json_object_get(e, "args");
		json_t *save = validate_each ? json_deep_copy(tree) : NULL;
		int rc = policy_op_apply(tree, cmd, args, err, sizeof(err));

		if (!rc && validate_each) {
			struct policy np;

			rc = policy_from_json(tree, &np, err, sizeof(err));
			if (!rc)
				policy_free(&np);
		}
		if (rc) {
			log_warn("runtime change #%zu \"%s %s\" no longer applies (%s): dropped", i + 1,
				 cmd ? cmd : "?",
				 json_string_value(json_object_get(args, "name"))
					 ? json_string_value(json_object_get(args, "name"))
					 : "",
				 err);
			if (save)
				json_object_update(tree, save); /* undo the change */
			json_array_remove(log, i);
			dropped++;
		} else {
			i++;
		}
		json_decref(save);
	}
	return dropped;
}

int steerd_ctl_overlay(struct steerd *d, struct policy *p)
{
	json_t *log, *tree;
	struct policy np;
	char err[2048];
	size_t dropped;
	int rc;

	rc = steerd_ctl_state_load(d, &log);
	if (rc)
		return rc; /* said loudly; the caller refuses to start or to reload */
	if (!json_array_size(log)) {
		json_decref(log);
		return 0;
	}
	tree = policy_to_json(p);
	if (!tree) {
		json_decref(log);
		return -ENOMEM;
	}
	dropped = replay(tree, log, false);
	rc = policy_from_json(tree, &np, err, sizeof(err));
	if (rc == -EINVAL) {
		/* one of them breaks the policy now: find which, change by change */
		json_decref(tree);
		tree = policy_to_json(p);
		dropped += replay(tree, log, true);
		rc = policy_from_json(tree, &np, err, sizeof(err));
	}
	if (rc) {
		log_error("runtime changes: %s; running the policy file alone", err);
		json_decref(tree);
		json_decref(log);
		return 0;
	}
	snprintf(np.path, sizeof(np.path), "%s", p->path);
	policy_free(p);
	*p = np;
	log_info("replayed %zu runtime change%s from the state file%s", json_array_size(log),
		 json_array_size(log) == 1 ? "" : "s", dropped ? " (some dropped)" : "");
	if (dropped)
		state_write(d, log);
	json_decref(tree);
	json_decref(log);
	return 0;
}

int steerd_ctl_swap(struct steerd *d, struct policy *np)
{
	int err = steerd_policy_swap(d, np);

	if (!err && (d->rounds > 0 || !d->pol.n_backends)) {
		/* publish before answering: the change is in effect when steerctl returns */
		d->dirty = false;
		err = steerd_publish(d);
	}
	return err;
}
