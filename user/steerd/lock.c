// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * One steerd per pin root: an exclusive flock(2) on the pin root directory
 * itself (a bpffs holds no regular files, and a lock on the directory
 * needs no file next to the pins). A second steerd finds the holder's pid
 * in /proc/locks (the line whose device and inode are the directory's) and
 * names it. The lock goes with the process: a crashed steerd leaves none.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "util/util.h"
#include "steerd/steerd.h"

/* The pid holding a FLOCK on fd's inode, from /proc/locks; 0 if not found. */
static int lock_holder(int fd)
{
	char line[256], type[16];
	struct stat st;
	unsigned int maj, min;
	unsigned long ino;
	int pid, found = 0;
	FILE *f;

	if (fstat(fd, &st))
		return 0;
	f = fopen("/proc/locks", "re");
	if (!f)
		return 0;
	/* "1: FLOCK  ADVISORY  WRITE 1234 00:2a:5678 0 EOF" (waiters have "->") */
	while (!found && fgets(line, sizeof(line), f)) {
		if (strstr(line, "->") || sscanf(line, "%*d: %15s %*s %*s %d %x:%x:%lu", type, &pid,
						 &maj, &min, &ino) != 5)
			continue;
		if (!strcmp(type, "FLOCK") && maj == major(st.st_dev) && min == minor(st.st_dev) &&
		    ino == (unsigned long)st.st_ino)
			found = pid;
	}
	fclose(f);
	return found;
}

int steerd_lock(struct steerd *d)
{
	const char *root = d->opts.pin_root ? d->opts.pin_root : STEER_PIN_ROOT_DEFAULT;
	int fd, err, pid;

	err = util_mkdir_p(root, 0700);
	if (err) {
		log_error("can't create pin root %s: %s", root, strerror(-err));
		return err;
	}
	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		log_error("can't open pin root %s: %s", root, strerror(errno));
		return err;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		err = -errno;
		pid = err == -EWOULDBLOCK ? lock_holder(fd) : 0;
		if (err != -EWOULDBLOCK)
			log_error("can't lock pin root %s: %s", root, strerror(-err));
		else if (pid)
			log_error("pin root %s is in use by steerd pid %d: one steerd per pin root "
				  "(stop it, or give this one another --pin-root)",
				  root, pid);
		else
			log_error("pin root %s is in use by another steerd: one steerd per pin "
				  "root (stop it, or give this one another --pin-root)",
				  root);
		close(fd);
		return err == -EWOULDBLOCK ? -EBUSY : err;
	}
	d->lock_fd = fd;
	return 0;
}

/*
 * After daemon(): the lock belongs to the open file, but /proc/locks names
 * the pid that took it (the parent, gone). Take it again in the child so
 * that a second steerd names the right pid: unlock the inherited one and
 * lock a new open file at once (another steerd could only slip in between
 * these two calls).
 */
int steerd_lock_again(struct steerd *d)
{
	const char *root = d->opts.pin_root ? d->opts.pin_root : STEER_PIN_ROOT_DEFAULT;
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC), err;

	if (fd < 0 || d->lock_fd < 0) {
		err = fd < 0 ? -errno : -EBADF;
		if (fd >= 0)
			close(fd);
		log_error("pin root %s: can't take the lock again: %s", root, strerror(-err));
		return err;
	}
	flock(d->lock_fd, LOCK_UN);
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		err = -errno;
		log_error("pin root %s: another steerd took it while this one daemonized", root);
		close(fd);
		return err;
	}
	close(d->lock_fd);
	d->lock_fd = fd;
	return 0;
}
