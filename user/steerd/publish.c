// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * One publish, read straight: live signals (live.c) -> decisions
 * (engine_decide) -> the plan of what every map should hold (engine_plan)
 * -> the data plane writes the difference (dp_apply) -> report (report.c).
 * Called from the loop after a probe round, a reload or a runtime change.
 */
#include <string.h>

#include "steerd/steerd.h"
#include "util/util.h"

/*
 * A failed publish is retried on the next round: the change signature and
 * the force flag are only consumed by a publish that reached the maps.
 * Logged once per streak of failures (then at debug), counted each time.
 */
static int publish_failed(struct steerd *d, const char *what, int err)
{
	d->publish_failures++;
	d->force = true;
	if (!d->publish_fail_streak++)
		log_error("%s failed: %s%s%s; retried every round (logged again when it "
			  "succeeds)",
			  what, strerror(-err), *dp_errmsg() ? ": " : "", dp_errmsg());
	else
		log_debug("%s failed again (%u in a row): %s", what, d->publish_fail_streak,
			  strerror(-err));
	return err;
}

int steerd_publish(struct steerd *d)
{
	struct engine_decisions dec;
	struct dp_apply_stats as;
	struct dp_plan plan;
	double t0, t1;
	uint64_t sig;
	int err;

	steerd_live_build(d);
	sig = steerd_live_sig(d);
	if (!d->force && sig == d->last_sig)
		return 0; /* nothing that could change a decision moved */
	t0 = util_now_ms_f();
	err = engine_decide(&d->pol, d->live, &dec);
	if (err)
		return publish_failed(d, "decision", err);
	t1 = util_now_ms_f();
	err = engine_plan(d->planner, &d->pol, d->live, &dec, &plan);
	engine_decisions_free(&dec);
	if (!err)
		err = d->apply ? d->apply(d->dp, &plan, &as) : dp_apply(d->dp, &plan, &as);
	engine_plan_free(&plan);
	if (err) {
		/* the maps are the truth: start the next plan from what they hold */
		steerd_planner_adopt(d);
		return publish_failed(d, "publish", err);
	}
	if (d->publish_fail_streak)
		log_info("publish succeeded after %u failed attempts", d->publish_fail_streak);
	d->publish_fail_streak = 0;
	d->force = false;
	d->last_sig = sig;
	steerd_report(d, &as, t1 - t0, util_now_ms_f() - t1);
	return 0;
}
