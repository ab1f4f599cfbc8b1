// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libFuzzer harness: the state file reader. The input is written as the
 * state file; steerd reads it and replays its runtime changes onto the
 * seed policy (steerd_ctl_overlay, as at start and on reload), which must
 * leave a valid policy whatever the file holds.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy/policy.h"
#include "steerd/ctl.h"
#include "steerd/steerd.h"
#include "util/util.h"
#include "fuzz_seed_policy.h"

static char path[64];
static struct steerd d;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* FUZZ_LOG=info shows what a replay did (checking the seeds) */
	util_log_init("fuzz",
		      getenv("FUZZ_LOG") ? util_log_level_parse(getenv("FUZZ_LOG"))
					 : UTIL_LOG_ERROR,
		      false);
	snprintf(path, sizeof(path), "/dev/shm/steer-fuzz-state-%d.json", (int)getpid());
	d.opts.ctl_state = path;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct policy p;
	static struct policy_errors errs;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	json_t *log;

	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
	if (policy_load_string("seed.yaml", fuzz_seed_policy, strlen(fuzz_seed_policy), &p, &errs))
		abort();
	log = steerd_ctl_state_read(&d);
	if (!json_is_array(log))
		abort();
	json_decref(log);
	steerd_ctl_overlay(&d, &p);
	if (!p.n_backends && !p.n_services)
		abort(); /* a replay may change the policy, never empty it by accident */
	policy_free(&p);
	unlink(path);
	return 0;
}
