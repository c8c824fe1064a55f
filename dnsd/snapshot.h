/* snapshot.h - everything a query needs, built whole and then published.
 * A snapshot is immutable once built: workers read it without locks, and a
 * reload builds a new one aside and swaps a pointer (main.c), so a query is
 * never answered from a half-built configuration. */
#ifndef DNSD_SNAPSHOT_H
#define DNSD_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "diag.h"
#include "zonedb.h"

struct arena;

struct snapshot {
	struct arena *arena;	/* zones and indexes */
	struct config *cfg;	/* owned */
	/* Zones ordered longest apex first, so the first that contains a
	 * name is the closest enclosing zone. */
	const struct zdb_zone **zones;
	size_t nzones;
	uint16_t udp_payload;
};

/* Load the INI file at path and every zone it names, and check them
 * together. All errors go to diag. Returns 0 and *out, or -1 and nothing
 * allocated. Called by the main thread (start, reload) and by dnsd -t. */
int snapshot_build(const char *path, struct snapshot **out, struct diag *diag);

void snapshot_free(struct snapshot *s);

/* The closest enclosing zone of a lower-case name, or NULL. Any thread. */
const struct zdb_zone *snapshot_find_zone(const struct snapshot *s,
					  const uint8_t *lower, size_t len);

/* Log what differs between two snapshots (zones added, removed, changed
 * serial). */
void snapshot_log_changes(const struct snapshot *old,
			  const struct snapshot *cur);

#endif
