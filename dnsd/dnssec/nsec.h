/* nsec.h - the NSEC records of compact denial of existence (RFC 9824):
 * one NSEC at the name asked for, whose next name is "\000.<name>" (the
 * name's immediate successor, so it covers nothing else), listing the
 * types that exist there, or RRSIG, NSEC and NXNAME when the name does
 * not exist. */
#ifndef DNSD_DNSSEC_NSEC_H
#define DNSD_DNSSEC_NSEC_H

#include <stddef.h>
#include <stdint.h>

#include "dns/dname.h"

/* RFC 9824 section 3.1: the meta-type that marks a name that does not
 * exist; never a query type (FORMERR). */
#define DNSSEC_TYPE_NXNAME 128

/* Next name plus a type bitmap of one 32-byte window for types below
 * 256, and the CAA window: plenty for the types of one name. */
#define DNSSEC_NSEC_MAX (DNAME_MAXLEN + 2 * (2 + 32) + 2)

/* The NSEC RDATA at owner (lower case) for these types (any order,
 * duplicates allowed; RRSIG and NSEC are added) into out. Returns its
 * length. */
size_t dnssec_nsec_rdata(const uint8_t *owner, size_t olen,
                         const uint16_t *types, size_t ntypes, uint8_t *out);

#endif
