/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Publishing decisions into the data plane: backends, tenants, services,
 * classes and Maglev tables. Only what changed is written; a table is
 * swapped whole (steer_dp_table_publish); classes with identical weighted
 * sets share one table; a weight is only republished when it moved more
 * than the hysteresis. State survives a restart through the maps: class
 * ids and table ids are re-read from the pinned classes map.
 */
#ifndef STEER_PUBLISH_H
#define STEER_PUBLISH_H

#include "decide.h"
#include "steer_dp.h"

struct steer_publisher;

struct steer_pub_stats {
	unsigned int tables_written;
	unsigned int tables_deleted;
	unsigned int classes_written;
	unsigned int classes_deleted;
	unsigned int backends_written;
	unsigned int tenants_written;
	unsigned int services_written;
	unsigned int tables_live;	/* distinct tables in use */
	unsigned int classes_live;
	double publish_ms;		/* time spent writing maps */
};

/* Re-reads classes from the maps so ids stay stable across restarts. */
int steer_pub_new(struct steer_dp *dp, struct steer_publisher **out);
void steer_pub_free(struct steer_publisher *pub);

/*
 * Make the maps say what policy + decisions say. live[] gives the health
 * state written for each backend. On error the maps hold a consistent
 * mix: every class points at a complete table.
 */
int steer_pub_apply(struct steer_publisher *pub, const struct steer_policy *p,
		    const struct steer_live *live, const struct steer_decisions *dec,
		    struct steer_pub_stats *st);

/* What the data plane state of a backend should be (active/draining/down). */
uint8_t steer_pub_backend_state(const struct steer_live *l);

/* Published table and class id of a class; -ENOENT if none. */
int steer_pub_class_lookup(const struct steer_publisher *pub, uint32_t tenant_id, uint32_t task,
			   uint8_t family, uint32_t *class_id, uint32_t *table_id);
/* Weight published for backend id in a class (0 if none). */
uint32_t steer_pub_class_weight(const struct steer_publisher *pub, uint32_t tenant_id,
				uint32_t task, uint8_t family, uint32_t backend_id);

#endif /* STEER_PUBLISH_H */
