/* response.h - writes a DNS response into a caller's buffer: header,
 * question, RRs with name compression (RFC 1035 section 4.1.4), and the OPT
 * record. No allocation: the compression table lives in the struct. */
#ifndef DNSD_RESPONSE_H
#define DNSD_RESPONSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/compat.h"
#include "zone/zonedb.h"

/* Names remembered for compression. 32: an answer with a CNAME chain,
 * a referral with a few NS and glue names fits; past it names are simply
 * written longer, never wrong. */
#define RESP_CTAB_MAX 32

enum resp_section { RESP_ANSWER, RESP_AUTHORITY, RESP_ADDITIONAL };

struct resp {
	uint8_t *buf;
	size_t limit; /* the response may not grow past this */
	size_t len;
	uint16_t count[3];    /* per resp_section */
	const uint8_t *qname; /* the question name, lower case */
	size_t qname_len;
	size_t qname_off;   /* where it is in buf (12) */
	bool qname_in_ctab; /* its suffixes registered (lazily: the
	                     * common answer never needs them) */
	unsigned nctab;
	struct {
		const uint8_t *name; /* uncompressed suffix */
		uint16_t off;
		uint8_t len;
	} ctab[RESP_CTAB_MAX];
};

/* Start a response in buf; nothing is written past limit (>= 12). */
void resp_init(struct resp *r, uint8_t *buf, size_t limit);

/* Header with QR=1 and the given flags (caller picks AA, TC, RD, CD) and
 * the low 4 bits of rcode. Counts are filled by resp_finish. */
void resp_header(struct resp *r, uint16_t id, uint16_t flags, uint8_t rcode);

/* The question, name uncompressed as the client sent it (so its letter
 * case is echoed). lower is the same name in lower case; both must stay
 * valid until the response is done: lower's suffixes become compression
 * targets. Returns false if it does not fit. */
bool resp_question(struct resp *r, const uint8_t *name, const uint8_t *lower,
                   size_t len, uint16_t qtype, uint16_t qclass);

/* The position after the question: a truncated response is cut back here. */
static inline size_t resp_mark(const struct resp *r)
{
	return r->len;
}

/* Write every RR of rs with this owner into section. owner NULL means the
 * question name (the fast path: the prerendered wire is copied as is).
 * Either the whole RRset is written or nothing is, and false returned. */
bool resp_add_rrset(struct resp *r, enum resp_section s, const uint8_t *owner,
                    size_t owner_len, const struct zdb_rrset *rs);

/* Write one RR; names in the RDATA of RFC 1035 types (NS, CNAME, PTR, MX,
 * SOA) are compressed, others are copied (RFC 3597 section 4). */
bool resp_add_rr(struct resp *r, enum resp_section s, const uint8_t *owner,
                 size_t owner_len, uint16_t type, uint16_t rclass, uint32_t ttl,
                 const uint8_t *rdata, uint16_t rdlen);

/* Drop every RR written after mark, with their compression entries and
 * counts: mark must be resp_mark() taken right after the question. */
void resp_truncate(struct resp *r, size_t mark);

/* Drop the RRs of the additional section written after mark (a
 * resp_mark() taken when that section held count RRs and nothing was
 * written after it in another section), with their compression entries:
 * for an optional RRset whose RRSIGs did not fit (RFC 4035 3.1.1). */
void resp_cut_additional(struct resp *r, size_t mark, uint16_t count);

/* Write the OPT RR (RFC 6891 section 6.1.2); ignores limit, so the caller
 * must have kept room for it (resp_init with limit minus the OPT size).
 * ext_rcode is the upper 8 bits of a 12-bit rcode. ednsflags are the
 * EDNS header flags (DO 0x8000, CO 0x4000). opt_data holds already
 * encoded options (may be NULL). */
bool resp_add_opt(struct resp *r, size_t hard_limit, uint16_t payload,
                  uint8_t ext_rcode, uint16_t ednsflags,
                  const uint8_t *opt_data, uint16_t opt_len);

/* Write the section counts into the header; returns the length. */
size_t resp_finish(struct resp *r);

#endif
