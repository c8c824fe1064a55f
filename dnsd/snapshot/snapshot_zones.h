/* snapshot_zones.h - loads every zone of a configuration, independent
 * zones on a small pool of threads (at start and at reload). */
#ifndef DNSD_SNAPSHOT_ZONES_H
#define DNSD_SNAPSHOT_ZONES_H

#include <stddef.h>

#include "base/diag.h"
#include "conf/config.h"
#include "zone/zonedb.h"

struct arena;
struct dnssec_keyset;

/* Load cfg's zones: by_cfg[i] is zone i, or NULL when it failed, and
 * keys[i] its signing keys (NULL when unsigned or failed; the caller
 * frees them), each zone signed as it loads (snapshot_dnssec.h). Each
 * zone is built in an arena of its own by one of at most `threads` threads
 * (0 = one per CPU), and the arenas of the zones that loaded join arena.
 * Errors reach diag in configuration order, whatever the threads did, so
 * dnsd -t prints the same lines every run. Returns the number loaded. */
size_t snapshot_load_zones(const struct config *cfg, unsigned threads,
                           struct arena *arena, struct diag *diag,
                           const struct zdb_zone **by_cfg,
                           struct dnssec_keyset **keys);

#endif
