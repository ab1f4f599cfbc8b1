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
	d->force = false;
	d->last_sig = sig;
	t0 = util_now_ms_f();
	err = engine_decide(&d->pol, d->live, &dec);
	if (err) {
		log_error("decision failed: %s", strerror(-err));
		d->publish_failures++;
		return err;
	}
	t1 = util_now_ms_f();
	err = engine_plan(d->planner, &d->pol, d->live, &dec, &plan);
	engine_decisions_free(&dec);
	if (!err)
		err = dp_apply(d->dp, &plan, &as);
	engine_plan_free(&plan);
	if (err) {
		log_error("publish failed: %s (%s)", strerror(-err), dp_errmsg());
		d->publish_failures++;
		/* the maps are the truth: start the next plan from what they hold */
		steerd_planner_adopt(d);
		return err;
	}
	steerd_report(d, &as, t1 - t0, util_now_ms_f() - t1);
	return 0;
}
