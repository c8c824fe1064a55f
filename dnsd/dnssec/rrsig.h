/* rrsig.h - making and checking RRSIG records (RFC 4034 section 3). */
#ifndef DNSD_DNSSEC_RRSIG_H
#define DNSD_DNSSEC_RRSIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dnssec/canon.h"
#include "dnssec/keys.h"

/* RRSIG RDATA: 18 fixed bytes, the signer's name, the signature. */
#define DNSSEC_RRSIG_FIXED 18
#define DNSSEC_RRSIG_MAX   (DNSSEC_RRSIG_FIXED + DNAME_MAXLEN + 64)

/* Validity (SPEC 9): inception an hour back for clocks that lag, expiry
 * 14 days ahead; re-signing is due when fewer than 7 days remain. */
#define DNSSEC_INCEPTION_SKEW (3600u)
#define DNSSEC_VALIDITY       (14u * 86400u)

/* Sign the RRset (count RDATAs as [rdlen u16][rdata] at rdset) owned by
 * owner (lower case; a wildcard's owner is "*.<encloser>") with key k of
 * zone signer. Writes the RRSIG RDATA to out (DNSSEC_RRSIG_MAX bytes) and
 * returns its length, or -1. Any thread with its own scratch. */
int dnssec_rrsig_make(const struct dnssec_key *k, const uint8_t *signer,
                      size_t signer_len, const uint8_t *owner, size_t olen,
                      uint16_t type, uint32_t ttl, const uint8_t *rdset,
                      uint16_t count, uint32_t inception, uint32_t expiration,
                      struct dnssec_scratch *s, uint8_t *out);

/* Check the RRSIG RDATA sig over the RRset with the DNSKEY RDATA key:
 * type covered, algorithm, key tag, labels and the signature itself (not
 * the validity period: the caller compares times). owner is the RRset's
 * owner in lower case as answered; a wildcard RRSIG (labels fewer than
 * the owner's) is checked against "*.<the rest>". */
bool dnssec_rrsig_verify(const uint8_t *key, uint16_t keylen,
                         const uint8_t *sig, uint16_t siglen,
                         const uint8_t *owner, size_t olen, uint16_t type,
                         const uint8_t *rdset, uint16_t count,
                         struct dnssec_scratch *s);

#endif
