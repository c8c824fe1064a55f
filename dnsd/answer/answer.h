/* answer.h - turns one query packet into one response packet.
 * The hot path: no allocation, no lock, no blocking call. Reads only the
 * snapshot it is handed (and, later, the health table). */
#ifndef DNSD_ANSWER_H
#define DNSD_ANSWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "answer/answer_cache.h"
#include "answer/client.h"
#include "snapshot/snapshot.h"
#include "dns/stats.h"

/* Per-thread answering state: each worker owns one, never shared. */
struct answer_ctx {
	struct stats *stats;
	uint64_t rng[2]; /* xoroshiro128+ state for load-balancing draws */
	struct answer_cache *cache;        /* NULL: no caching (TCP, tests) */
	struct client_geo_cache *geocache; /* likewise */
};

/* CNAME links followed inside our zones: a chain of 8 CNAMEs gets the
 * final target's answer, a longer one its first 9 CNAMEs (the last for the
 * resolver to chase). 8 covers every sane chain and bounds the work per
 * query; a loop stops at the first repeated name, so it cannot amplify. */
#define ANSWER_MAX_CNAME 8

/* Largest response we build: TCP messages are limited by their 16-bit
 * length prefix (RFC 1035 section 4.2.2). */
#define ANSWER_TCP_MAX 65535

/* cache starts NULL; a worker that wants one sets ctx->cache to zeroed
 * memory it owns. */
void answer_ctx_init(struct answer_ctx *ctx, struct stats *stats,
                     uint64_t seed);

/* Answer the query in pkt[0..len) from snap. out has outcap bytes; over
 * UDP the response is kept within the EDNS/512-byte limit and within
 * outcap, over TCP within outcap (give ANSWER_TCP_MAX). src is the
 * client's address (for geo decisions and explain). Returns the response
 * length, or 0 when the packet must not be answered. */
size_t answer_query(struct answer_ctx *ctx, const struct snapshot *snap,
                    const uint8_t *pkt, size_t len, uint8_t *out, size_t outcap,
                    bool tcp, const struct sockaddr *src);

#endif
