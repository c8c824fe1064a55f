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
#include "dnssec/online.h"
#include "dns/dname.h"
#include "snapshot/snapshot.h"
#include "dns/stats.h"

/* The last query, as the debug query log shows it (SPEC 10). */
struct answer_trace {
	bool answered;     /* false: dropped unanswered (QR=1, too short) */
	bool has_question; /* false: the packet had none the parser took */
	uint8_t qname_len;
	uint16_t qtype;
	uint16_t qclass;
	uint16_t rcode;
	uint8_t qname[DNAME_MAXLEN]; /* as sent */
	const char *cluster; /* load-balanced answer: the cluster chosen */
};

/* Per-thread answering state: each worker owns one, never shared. */
struct answer_ctx {
	struct stats *stats;
	uint64_t rng[2]; /* xoroshiro128+ state for load-balancing draws */
	struct answer_cache *cache;        /* NULL: no caching (TCP, tests) */
	struct client_geo_cache *geocache; /* likewise */
	/* Online DNSSEC signing with its cache (dnssec/online.h); NULL:
	 * answers that need a fresh signature go without it, so every
	 * server thread sets one. */
	struct dnssec_signer *signer;
	/* The caller sets trace from log_enabled(LOG_LEVEL_DEBUG) (once per
	 * batch); only then does answer_query fill `last`, so nothing is
	 * copied or formatted per query otherwise. */
	bool trace;
	struct answer_trace last;
	/* The last response answer_query returned: its (extended) rcode and
	 * TC bit, for the caller to count once it is sent. */
	uint16_t rcode;
	bool tc;
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

/* Count one response that left the socket (dnsd_responses_total by rcode,
 * dnsd_responses_truncated_total when TC=1): callers count what they send,
 * not what answer_query built, so responses dropped by RRL are not counted
 * and slipped ones count as truncated. Owner thread of stats. */
static inline void answer_count_sent(struct stats *stats, uint16_t rcode,
                                     bool tc)
{
	stats_inc(&stats->responses[rcode < STATS_RCODE_N ? rcode : 0]);
	if (tc)
		stats_inc(&stats->truncated);
}

/* The debug query log line (SPEC 10) for the last answer_query on ctx:
 * client address and port, protocol, QNAME, QTYPE, the response's rcode,
 * the cluster of a load-balanced answer, and note (what became of the
 * response, e.g. "dropped by rrl"; NULL for none). When last.answered is
 * false (answer_query returned 0, or the caller set it for a packet it
 * dropped itself), the line says the query was not answered, and why:
 * note, or the parser's reason. Call only when ctx->trace was set for that
 * query; src as given to answer_query. */
void answer_log_query(const struct answer_ctx *ctx, const struct sockaddr *src,
                      bool tcp, const char *note);

#endif
