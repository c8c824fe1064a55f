/* signed.h - the DNSSEC parts of an answer given with DO=1 from a signed
 * zone (SPEC 9): RRSIGs after each authoritative RRset (made at build, or
 * online through the worker's signature cache) and the NSEC of compact
 * denial (RFC 9824). Internal to answer/. Hot path: no lock, no
 * allocation. Each sets st->truncated when a record does not fit. */
#ifndef DNSD_ANSWER_SIGNED_H
#define DNSD_ANSWER_SIGNED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "answer/resolve.h"

/* Whether this answer is signed: DO=1 and the zone has keys. */
static inline bool signed_zone(const struct answer_state *st,
                               const struct zdb_zone *z)
{
	return st->q->edns_do && z->dnssec != NULL;
}

/* The RRSIGs made at build for rs, with TTL ttl, owned by owner (NULL:
 * the question name). */
void signed_static(struct answer_state *st, enum resp_section s,
                   const uint8_t *owner, size_t olen,
                   const struct zdb_rrset *rs, uint32_t ttl);

/* Sign the RRset now (or take its RRSIGs from the cache) and write them:
 * lower is the owner in lower case (what is signed), owner the owner as
 * written (NULL: the question name). rdset holds count [rdlen][rdata]. */
void signed_online(struct answer_state *st, const struct snapshot *snap,
                   const struct zdb_zone *z, enum resp_section s,
                   const uint8_t *owner, const uint8_t *lower, size_t olen,
                   uint16_t type, uint32_t ttl, const uint8_t *rdset,
                   size_t rdset_len, uint16_t count);

/* Compact denial at name (lower case; owner as written, NULL: the
 * question name): an NSEC listing the types of node (node NULL: the name
 * does not exist, types RRSIG NSEC NXNAME) except skip (a load-balanced
 * type that answered NODATA; 0 for none), signed, in the authority
 * section. */
void signed_denial(struct answer_state *st, const struct snapshot *snap,
                   const struct zdb_zone *z, const uint8_t *owner,
                   const uint8_t *name, size_t nlen,
                   const struct zdb_node *node, uint16_t skip);

#endif
