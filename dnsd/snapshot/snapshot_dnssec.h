/* snapshot_dnssec.h - loading one zone of a snapshot with its DNSSEC keys
 * (SPEC 9): keys read and checked, their apex records added, the static
 * RRsets signed. */
#ifndef DNSD_SNAPSHOT_DNSSEC_H
#define DNSD_SNAPSHOT_DNSSEC_H

#include <stddef.h>

#include "base/diag.h"
#include "conf/config.h"
#include "dnssec/keys.h"
#include "zone/zonedb.h"

struct arena;

/* Load cz (reserving the names of its load-balanced records) into arena;
 * with keys, sign it. *keys gets the zone's key set (NULL when unsigned),
 * which the caller frees with dnssec_keys_free once the zone is no longer
 * served. Returns 0 and *out, or -1 (errors in diag). Main thread. */
int snapshot_zone_load(const struct config_zone *cz,
                       const struct config_record *const *recs, size_t nrec,
                       struct arena *arena, struct diag *diag,
                       const struct zdb_zone **out,
                       struct dnssec_keyset **keys);

#endif
