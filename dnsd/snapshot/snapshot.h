/* snapshot.h - everything a query needs, built whole and then published.
 * A snapshot is immutable once built: workers read it without locks, and a
 * reload builds a new one aside and swaps a pointer (main.c), so a query is
 * never answered from a half-built configuration. */
#ifndef DNSD_SNAPSHOT_H
#define DNSD_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "conf/config.h"
#include "base/diag.h"
#include "lb/geo.h"
#include "lb/lb.h"
#include "lb/health.h"
#include "zone/zonedb.h"
#include "dnssec/keys.h"

struct arena;

struct snapshot {
	struct arena *arena; /* zones and indexes */
	/* Unique per build (never 0, never reused): per-thread caches tag
	 * their entries with it instead of being flushed on reload. */
	uint64_t generation;
	struct config *cfg; /* owned */
	/* Zones ordered longest apex first, so the first that contains a
	 * name is the closest enclosing zone. */
	const struct zdb_zone **zones;
	size_t nzones;
	/* The key set of each signed zone (SPEC 9), owned: freed with the
	 * snapshot. zdb_zone.dnssec points at them. */
	struct dnssec_keyset **keysets;
	size_t nkeysets;
	int64_t built; /* time(NULL) when built: its RRSIGs date from then */
	uint16_t udp_payload;
	bool ecs; /* use ECS addresses for geo decisions */
	/* Load-balanced names (SPEC 2, 3): clusters and records in config
	 * order, the probe targets their members share, and how clients are
	 * placed. The zone node of each record points at its lb_record. */
	struct lb_cluster *clusters;
	size_t nclusters;
	struct lb_record *records;
	size_t nrecords;
	struct probe_set probes;
	struct geo_nets *nets;
	struct geo_db *geodb; /* NULL without `geoip` */
	/* lb_cluster of each [networks] line naming a cluster, by line
	 * index (NULL for coordinate lines). */
	const struct lb_cluster **net_cluster;
	/* Unit vector of each [networks] line's location (by line index). */
	struct {
		double v[3];
	} * net_v;
};

/* Load the INI file at path and every zone it names, and check them
 * together. All errors go to diag. Returns 0 and *out, or -1 and nothing
 * allocated. Called by the main thread (start, reload) and by dnsd -t. */
int snapshot_build(const char *path, struct snapshot **out, struct diag *diag);

void snapshot_free(struct snapshot *s);

/* The closest enclosing zone of a lower-case name, or NULL. Any thread. */
const struct zdb_zone *snapshot_find_zone(const struct snapshot *s,
                                          const uint8_t *lower, size_t len);

/* The same for a name whose label starts are known (bit i of map set when a
 * label starts at lower[i], as the packet parser records): one bit test and
 * one memcmp per zone. */
const struct zdb_zone *snapshot_find_zone_map(const struct snapshot *s,
                                              const uint8_t *lower, size_t len,
                                              const uint64_t map[4]);

/* Log what differs between two snapshots (zones added, removed, changed
 * serial). */
void snapshot_log_changes(const struct snapshot *old,
                          const struct snapshot *cur);

#endif
