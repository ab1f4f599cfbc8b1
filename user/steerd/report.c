// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* What a publish did: steerd's counters, the log, and /metrics. */
#include "metrics/metrics.h"
#include "steerd/steerd.h"
#include "util/util.h"

void steerd_report(struct steerd *d, const struct dp_apply_stats *as, double decide_ms,
		   double publish_ms)
{
	struct engine_pub_stats st = {
		.tables_written = as->tables_written,
		.tables_deleted = as->tables_deleted,
		.classes_written = as->classes_written,
		.classes_deleted = as->classes_deleted,
		.backends_written = as->backends_written,
		.tenants_written = as->tenants_written,
		.services_written = as->services_written,
		.publish_ms = publish_ms,
	};

	engine_planner_totals(d->planner, &st);
	d->last_decide_ms = decide_ms;
	d->last_publish_ms = publish_ms;
	d->publishes++;
	metrics_published(d->metrics, &st); /* metrics/ */
	log_debug("decide %.1f ms, publish %.1f ms", decide_ms, publish_ms);
	if (st.tables_written || st.classes_written || st.classes_deleted || st.backends_written ||
	    st.services_written || st.tenants_written)
		log_info("published: %u tables written, %u deleted, %u classes written, %u "
			 "deleted, %u backends, %u tenants, %u services (%u tables, %u classes "
			 "live; decide %.1f ms, publish %.1f ms)",
			 st.tables_written, st.tables_deleted, st.classes_written,
			 st.classes_deleted, st.backends_written, st.tenants_written,
			 st.services_written, st.tables_live, st.classes_live, decide_ms,
			 publish_ms);
}
