/* zonesign.h - a signed zone as built into a snapshot (SPEC 9): the apex
 * records its keys make (DNSKEY, CDS, CDNSKEY) and the RRSIGs of every
 * authoritative RRset, made once at build so static answers only copy. */
#ifndef DNSD_DNSSEC_ZONESIGN_H
#define DNSD_DNSSEC_ZONESIGN_H

#include <stddef.h>
#include <stdint.h>

#include "dnssec/keys.h"
#include "zone/zone.h"

struct arena;

/* Most apex records a key set adds: DNSKEY for every key, CDS and CDNSKEY
 * for each signing KSK. */
#define DNSSEC_APEX_RRS_PER_KEY 3

/* Fill out (DNSSEC_APEX_RRS_PER_KEY * ks->nkeys entries) with the apex
 * records of ks, pointing into ks. Returns how many. */
size_t dnssec_apex_records(const struct dnssec_keyset *ks,
                           struct zone_extra_rr *out);

/* Sign every authoritative RRset of z (not glue, not occluded names, not
 * the NS RRset of a delegation) with the keys of ks that sign its type,
 * valid from now - DNSSEC_INCEPTION_SKEW for DNSSEC_VALIDITY. The RRSIGs
 * go into arena and onto the RRsets. Returns the number of signatures
 * made, or -1 (an error in diag). */
long dnssec_sign_zone(const struct zdb_zone *z, const struct dnssec_keyset *ks,
                      struct arena *arena, uint32_t now, struct diag *diag);

#endif
