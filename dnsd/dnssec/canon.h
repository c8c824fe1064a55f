/* canon.h - the canonical form of an RRset that RRSIGs cover (RFC 4034
 * section 6): owner and the names inside RDATA of the RFC 4034 section 6.2
 * types in lower case, RRs in canonical RDATA order, and the signed data
 * RRSIG_RDATA | RR(1) | RR(2)... of section 3.1.8.1. */
#ifndef DNSD_DNSSEC_CANON_H
#define DNSD_DNSSEC_CANON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Working memory for one signing (or verification): an RRset's canonical
 * RDATA, the sort index and the signed data. One per thread, made once:
 * nothing is allocated per signature. 64 KiB each: no RRset larger than a
 * DNS message can be answered, so none larger is signed. */
#define DNSSEC_CANON_MAX 65536
struct dnssec_scratch {
	uint8_t canon[DNSSEC_CANON_MAX];
	uint8_t data[DNSSEC_CANON_MAX + 1024];
	uint32_t idx[DNSSEC_CANON_MAX / 2];
};

/* Copy one RDATA of type into out (rdlen bytes: names are uncompressed,
 * so the length does not change) with its names in lower case. RDATA that
 * does not parse as its type is copied as is (RFC 3597 treatment). */
void dnssec_canon_rdata(uint16_t type, const uint8_t *rd, uint16_t rdlen,
                        uint8_t *out);

/* RFC 4034 section 6.3: compare two canonical RDATAs as left-justified
 * octet strings, the shorter first when one is a prefix of the other. */
int dnssec_rdata_cmp(const uint8_t *a, uint16_t alen, const uint8_t *b,
                     uint16_t blen);

/* Build the signed data into s->data: prefix (the RRSIG RDATA up to and
 * including the signer's name), then each RR of the RRset (count entries
 * of [rdlen u16][rdata] at rdset) as owner | type | class IN | ttl | rdlen
 * | canonical rdata, in canonical order, duplicates dropped. owner must be
 * lower case (for a wildcard, "*.<encloser>", RFC 4035 section 5.3.2).
 * Returns the length, or 0 when it does not fit the scratch. */
size_t dnssec_signed_data(struct dnssec_scratch *s, const uint8_t *prefix,
                          size_t plen, const uint8_t *owner, size_t olen,
                          uint16_t type, uint32_t ttl, const uint8_t *rdset,
                          uint16_t count);

#endif
