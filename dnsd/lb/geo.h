/* geo.h - where a client is: the [networks] table (longest prefix match) and
 * the MaxMind DB (libmaxminddb; geo.c is its only user), plus great-circle
 * distance. Lookups allocate nothing and take no lock: safe on the hot
 * path from any thread. */
#ifndef DNSD_GEO_H
#define DNSD_GEO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/config.h"
#include "base/diag.h"

struct arena;

/* ---- [networks]: longest-prefix match over IPv4 and IPv6 ---- */

struct geo_nets;

/* Compile cfg->networks into arena. NULL only when out of memory (an empty
 * table is valid). */
struct geo_nets *geo_nets_build(const struct config *cfg, struct arena *a);

/* The [networks] line with the longest prefix containing addr (family
 * AF_INET with 4 bytes or AF_INET6 with 16 bytes), or NULL. */
const struct config_network *geo_nets_match(const struct geo_nets *n,
                                            int family, const uint8_t *addr);

/* ---- MaxMind DB (GeoIP2/GeoLite2 City, DB-IP City Lite) ---- */

struct geo_db;

/* Open a MaxMind DB; errors to diag as "cfgpath:line: geoip PATH: why".
 * Returns 0 and *out, or -1. The handle is read-only after opening. */
int geo_db_open(const char *path, const char *cfgpath, unsigned line,
                struct diag *diag, struct geo_db **out);
void geo_db_close(struct geo_db *db);

/* Look addr up: true with location.latitude/longitude and the prefix
 * length of the matching network (in the family's own terms: an IPv4
 * lookup in an IPv6 database reports 0..32), false when the database has
 * no location for it. */
bool geo_db_lookup(const struct geo_db *db, int family, const uint8_t *addr,
                   double *lat, double *lon, unsigned *prefix);

/* ---- distance ---- */

/* Great-circle distance in kilometres between two points in degrees
 * (haversine on a sphere of radius 6371 km: exact enough to order
 * clusters, and stable at the poles and across the antimeridian). */
double geo_distance_km(double lat1, double lon1, double lat2, double lon2);

/* The point as a unit vector on the sphere. The dot product of two such
 * vectors is the cosine of their central angle, so ordering by descending
 * dot product orders by great-circle distance with three multiplies per
 * point instead of trigonometry: cluster vectors are computed at load. */
void geo_unit_vector(double lat, double lon, double v[3]);

#endif
