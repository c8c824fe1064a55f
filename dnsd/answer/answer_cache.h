/* answer_cache.h - a per-thread cache of prepared static answers.
 * A query for a name and type answered from zone data (no load-balanced
 * name on the way, nothing truncated) is remembered as the bytes that
 * follow the question; the next query with the same name and type copies
 * them after its own header and question. Compression pointers in those
 * bytes stay valid because the question always sits at offset 12 with the
 * same length. Entries belong to one snapshot generation, so a reload
 * empties the cache without touching it. No lock, no sharing, no
 * allocation: each worker owns one. */
#ifndef DNSD_ANSWER_CACHE_H
#define DNSD_ANSWER_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "answer/response.h"
#include "dns/dname.h"
#include "dns/packet.h"

/* 1024 entries of at most 320 bytes of answer: ~600 KiB per worker, enough
 * for the hot names of a zone; a bigger or rarer answer takes the normal
 * path, which is always correct, only slower. */
#define ANSWER_CACHE_SLOTS 1024
#define ANSWER_CACHE_BODY  320

struct answer_cache_entry {
	uint64_t generation; /* snapshot generation; 0 = empty */
	uint16_t qtype;
	uint16_t flags; /* AA (and nothing else we compute) */
	uint8_t rcode;
	uint8_t variant; /* DO and CO of the query: they change the answer */
	uint8_t qname_len;
	uint16_t body_len;
	uint16_t count[3];           /* answer, authority, additional */
	uint8_t qname[DNAME_MAXLEN]; /* lower case */
	uint8_t body[ANSWER_CACHE_BODY];
};

struct answer_cache {
	struct answer_cache_entry e[ANSWER_CACHE_SLOTS];
};

/* The one slot the question of q may live in. */
static inline struct answer_cache_entry *
answer_cache_slot(struct answer_cache *c, const struct pkt_query *q)
{
	uint32_t h = dname_hash(q->qname_lower, q->qname_len) ^
	             ((uint32_t)q->qtype * 0x9E3779B1u);
	return &c->e[h & (ANSWER_CACHE_SLOTS - 1)];
}

/* When e holds the answer to q's question from the snapshot of this
 * generation and it fits in r: append its records after r's question, and
 * return true with the header flags and rcode it was answered with. */
bool answer_cache_get(const struct answer_cache_entry *e, uint64_t generation,
                      const struct pkt_query *q, struct resp *r,
                      uint16_t *flags, uint16_t *rcode);

/* Remember in e what r holds after mark (resp_mark() after the question)
 * as the answer to q's question in this generation, when it fits. */
void answer_cache_put(struct answer_cache_entry *e, uint64_t generation,
                      const struct pkt_query *q, const struct resp *r,
                      size_t mark, uint16_t flags, uint16_t rcode);

#endif
