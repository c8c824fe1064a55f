/* lb.h - choosing the addresses of a load-balanced name (SPEC section 3):
 * cluster order (geo, failover), spill-over on min_healthy, weighted pools,
 * the all-down rules, TTLs that follow health. A pure function of the
 * record, the health bytes, the client's location and an RNG, so it is
 * tested exhaustively and runs on the hot path without allocating. */
#ifndef DNSD_LB_H
#define DNSD_LB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/config.h"
#include "lb/health.h"

/* Most addresses in one answer (config caps `answers` here): 64 A records
 * are 1 KiB of answer, beyond any sane use. */
#define LB_MAX_ANSWERS 64
/* Most clusters in one record: bounds the per-query order arrays on the
 * stack. */
#define LB_MAX_CLUSTERS CONFIG_RECORD_MAX_CLUSTERS
/* A member whose cluster has check = none: always healthy. */
#define LB_NO_TARGET UINT32_MAX

enum lb_family { LB_V4 = 0, LB_V6 = 1 };

/* The operator's override of a member (SPEC 7). DRAIN: as if the member
 * were not configured; FORCE_UP: healthy whatever its probes say. */
enum lb_admin { LB_ADMIN_NONE = 0, LB_ADMIN_DRAIN = 1, LB_ADMIN_FORCE_UP = 2 };

struct admin_override;

struct lb_member {
	uint32_t target;  /* index into the snapshot's probe_set */
	uint16_t weight;  /* 0 = drain: probed, never answered */
	uint8_t addr[16]; /* 4 bytes used for IPv4 */
	const char *text;
	/* enum lb_admin in force. Written by the main thread (and by the
	 * reload thread before the snapshot is published), read by every
	 * answering thread: one relaxed byte, like the health table. It is
	 * per membership, not per probe target: `drain eu-west/ADDR` must
	 * leave the same address in other clusters alone. */
	_Atomic uint8_t admin;
	/* The override that set it, for /status: read and written on the
	 * main thread only (and before publication). NULL when none. */
	const struct admin_override *admin_by;
};

static inline enum lb_admin lb_member_admin(const struct lb_member *m)
{
	return (enum lb_admin)atomic_load_explicit(&m->admin,
	                                           memory_order_relaxed);
}

struct lb_cluster {
	const char *name;
	uint32_t index; /* in the snapshot's cluster array */
	bool has_location;
	double lat, lon;
	double v[3];                        /* geo_unit_vector(lat, lon) */
	const struct lb_member *members[2]; /* by lb_family */
	uint32_t nmembers[2];
	uint64_t weight_sum[2]; /* of every member, by lb_family */
	unsigned min_healthy;
	uint32_t check_interval_s; /* 0 when check = none */
};

struct lb_record {
	const char *name; /* presentation, with the trailing dot */
	uint32_t index;   /* in the snapshot's record array */
	enum lb_policy policy;
	const struct lb_cluster *const *clusters;
	uint32_t nclusters;
	uint32_t ttl;
	unsigned answers;
	enum lb_all_down all_down;
	bool has_family[2]; /* any member of that family anywhere */
	/* Counter slots (stats.h): the record's, and one per listed cluster
	 * in the same order as clusters[]. */
	uint16_t stat_slot;
	const uint16_t *cluster_slot;
};

/* Where the client is, as far as we know. */
enum lb_loc_source { LB_LOC_UNKNOWN, LB_LOC_NETWORKS, LB_LOC_GEOIP };

struct lb_client {
	enum lb_loc_source source;
	bool has_location;
	double lat, lon;
	double v[3]; /* geo_unit_vector(lat, lon) */
	/* A [networks] line naming a cluster: that cluster first. */
	const struct lb_cluster *pinned;
	uint8_t prefix; /* the prefix that decided the location */
};

enum lb_outcome { LB_ANSWER, LB_NODATA, LB_SERVFAIL };
enum lb_degraded { LB_DEG_NONE, LB_DEG_SPILL, LB_DEG_ALL_DOWN };

struct lb_choice {
	enum lb_outcome outcome;
	enum lb_degraded degraded;
	uint32_t ttl;
	const struct lb_cluster *cluster; /* answered (weighted: 1st addr's) */
	unsigned n;
	const struct lb_member *picked[LB_MAX_ANSWERS];
	/* For explain: the order used, with healthy/total counts. */
	unsigned norder;
	const struct lb_cluster *order[LB_MAX_CLUSTERS];
	uint32_t healthy[LB_MAX_CLUSTERS];
};

/* Decide the answer to an A (fam = LB_V4) or AAAA (LB_V6) query. health
 * may be NULL (every member up). rng is the calling thread's own state. */
void lb_choose(const struct lb_record *rec, enum lb_family fam,
               const struct probe_set *health, const struct lb_client *client,
               uint64_t rng[2], struct lb_choice *out);

/* xoroshiro128+ (Blackman & Vigna): fast, good enough for spreading load,
 * never for secrets. */
static inline uint64_t lb_rand(uint64_t s[2])
{
	uint64_t s0 = s[0], s1 = s[1], r = s0 + s1;
	s1 ^= s0;
	s[0] = ((s0 << 24) | (s0 >> 40)) ^ s1 ^ (s1 << 16);
	s[1] = (s1 << 37) | (s1 >> 27);
	return r;
}

#endif
