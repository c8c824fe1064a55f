/* zone.h - reads an RFC 1035 master file (and the files it includes) with
 * libzscanner into a zdb_zone. zone.c is the only user of libzscanner
 * (dnssec/keys.c reads key files with ldns); nothing on the query path
 * calls it. */
#ifndef DNSD_ZONE_H
#define DNSD_ZONE_H

#include "conf/config.h"
#include "base/diag.h"
#include "zone/zonedb.h"

struct arena;

/* Load cz->file with $ORIGIN defaulting to the zone name, reporting every
 * error as "FILE:LINE: message" into diag, FILE being the file that holds
 * the record (parsing goes on after an error so all are shown). The compiled
 * zone lives in arena. Returns 0 and *out, or -1. Any one thread at a time per
 * arena; zones load on threads of their own (the function keeps no state). */
int zone_load(const struct config_zone *cz, struct arena *arena,
              struct diag *diag, const struct zdb_zone **out);

/* zone_load, and also make the names of these load-balanced records exist
 * in the zone (zdb_builder_reserve) so they can carry their lb data. */
int zone_load_with(const struct config_zone *cz,
                   const struct config_record *const *reserve, size_t nreserve,
                   struct arena *arena, struct diag *diag,
                   const struct zdb_zone **out);

/* A record put at the apex beside the file's (the DNSSEC apex records
 * made from the zone's keys: DNSKEY, CDS, CDNSKEY). */
struct zone_extra_rr {
	uint16_t type;
	uint32_t ttl;
	const uint8_t *rdata;
	uint16_t rdlen;
};

/* zone_load_with, and also add these apex records. */
int zone_load_ext(const struct config_zone *cz,
                  const struct config_record *const *reserve, size_t nreserve,
                  const struct zone_extra_rr *extra, size_t nextra,
                  struct arena *arena, struct diag *diag,
                  const struct zdb_zone **out);

#endif
