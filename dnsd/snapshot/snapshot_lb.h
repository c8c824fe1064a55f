/* snapshot_lb.h - the load-balancing half of building a snapshot. */
#ifndef DNSD_SNAPSHOT_LB_H
#define DNSD_SNAPSHOT_LB_H

#include "snapshot/snapshot.h"

/* Build clusters, records, probe targets, the [networks] table and open
 * the geoip database into s (its arena). Errors to diag; returns 0 or -1. */
int snapshot_lb_prepare(struct snapshot *s, const struct config *cfg,
                        struct diag *diag);

/* Fill out (room for cfg->nrecords) with the records of zone zi. */
size_t snapshot_lb_zone_records(const struct config *cfg, size_t zi,
                                const struct config_record **out);

/* After the zones are loaded (by_config_zone[i] is zone i of the config,
 * or NULL if it failed): check each record against its zone and attach
 * it to its node. Returns 0 or -1 with errors in diag. */
int snapshot_lb_attach(struct snapshot *s, const struct config *cfg,
                       const struct zdb_zone *const *by_config_zone,
                       struct diag *diag);

#endif
