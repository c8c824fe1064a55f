/* client.h - where a query comes from, for geo decisions and explain:
 * the ECS address (RFC 7871) when enabled and present, else the source
 * address; placed by [networks] first, then by the geoip database. */
#ifndef DNSD_CLIENT_H
#define DNSD_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "lb/lb.h"
#include "dns/packet.h"
#include "snapshot/snapshot.h"

struct client_addr {
	int family; /* AF_INET, AF_INET6, or 0 when unknown */
	uint8_t addr[16];
	bool from_ecs;
	uint8_t ecs_prefix; /* the query's SOURCE PREFIX-LENGTH */
};

/* The address that stands for the client. An IPv4-mapped IPv6 source is
 * taken as IPv4. */
void client_address(const struct snapshot *s, const struct pkt_query *q,
                    const struct sockaddr *src, struct client_addr *out);

/* Per-thread memo of geoip answers by client network (/24 IPv4, /56
 * IPv6): a MaxMind lookup is a tree walk of dozens of dependent loads, and
 * resolvers send the same ECS networks over and over. An answer is kept
 * only when its database network covers the whole /24 or /56, so every
 * address the key stands for would get it; entries carry the snapshot
 * generation. 256 slots x 64 bytes: 16 KiB per worker. */
#define CLIENT_GEO_SLOTS 256

struct client_geo_entry {
	uint64_t generation; /* 0 = empty */
	uint64_t key;        /* the /24 or /56 network, family-tagged */
	double lat, lon;
	double v[3];
	uint8_t prefix;
};

struct client_geo_cache {
	struct client_geo_entry e[CLIENT_GEO_SLOTS];
};

/* Place the client (hot path: no allocation). cache may be NULL. When
 * desc is non-NULL, a human line saying how ("networks 10.0.0.0/8 ->
 * cluster eu") is written there for explain. */
void client_locate(const struct snapshot *s, const struct client_addr *a,
                   struct client_geo_cache *cache, struct lb_client *out,
                   char *desc, size_t desclen);

/* True when src may ask CHAOS TXT explain queries (`explain` list). */
bool client_may_explain(const struct snapshot *s, const struct sockaddr *src);

#endif
