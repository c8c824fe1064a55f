/* snapshot_dnssec.c - a zone's keys, apex records and static signatures. */
#include "snapshot/snapshot_dnssec.h"

#include <stdlib.h>
#include <time.h>

#include "base/log.h"
#include "dns/stats.h"
#include "dnssec/zonesign.h"
#include "zone/zone.h"

int snapshot_zone_load(const struct config_zone *cz,
                       const struct config_record *const *recs, size_t nrec,
                       struct arena *arena, struct diag *diag,
                       const struct zdb_zone **out, struct dnssec_keyset **keys)
{
	struct dnssec_keyset *ks = NULL;
	*keys = NULL;
	/* A key error still lets the zone file be checked: one run of
	 * dnsd -t shows every problem. */
	int kret = dnssec_keys_load(cz, &ks, diag);
	struct zone_extra_rr extra[DNSSEC_KEYS_MAX * DNSSEC_APEX_RRS_PER_KEY];
	size_t nextra = ks != NULL ? dnssec_apex_records(ks, extra) : 0;
	int ret =
	    zone_load_ext(cz, recs, nrec, extra, nextra, arena, diag, out);
	if (ret != 0 || kret != 0) {
		dnssec_keys_free(ks);
		*out = NULL;
		return -1;
	}
	if (ks != NULL) {
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		long n = dnssec_sign_zone(*out, ks, arena, (uint32_t)time(NULL),
		                          diag);
		if (n < 0) {
			dnssec_keys_free(ks);
			*out = NULL;
			return -1;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		log_info("dnssec", "zone %s: %ld signatures made in %.0f ms",
		         cz->name, n,
		         (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
		             (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
		ks->built_sigs = (uint64_t)n;
		zdb_set_dnssec(*out, ks);
	}
	*keys = ks;
	return 0;
}
