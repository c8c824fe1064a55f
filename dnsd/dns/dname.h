/* dname.h - domain names in uncompressed wire form (RFC 1035 section 3.1).
 * A name is a byte string of labels ending in the root label, at most
 * DNAME_MAXLEN bytes. "lower" names have ASCII letters folded to lower case,
 * which is how every index in dnsd stores and looks them up. */
#ifndef DNSD_DNAME_H
#define DNSD_DNAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/compat.h"

#define DNAME_MAXLEN    255 /* RFC 1035 section 2.3.4 */
#define DNAME_MAXLABEL  63  /* RFC 1035 section 2.3.4 */
#define DNAME_MAXLABELS 128 /* 255 bytes allow at most 127 labels + root */
/* Presentation form can triple a byte with \DDD escapes. */
#define DNAME_STRLEN (DNAME_MAXLEN * 4 + 1)

/* Read a possibly compressed name from pkt[0..pktlen) starting at *pos.
 * Writes the uncompressed name (original case) to out (DNAME_MAXLEN bytes)
 * and its length to *outlen, its label count (root excluded) to *labels if
 * non-NULL, and moves *pos past the name as it stands in the packet.
 * Compression pointers must point strictly backwards (RFC 1035 section
 * 4.1.4 allows only prior occurrences), which also makes loops impossible.
 * Returns 0, or -1 for any malformation: truncation, a label over 63 bytes,
 * a name over 255 bytes, a forward or self pointer, reserved label types. */
int dname_unpack(const uint8_t *pkt, size_t pktlen, size_t *pos, uint8_t *out,
                 size_t *outlen, uint8_t *labels) DNSD_WARN_UNUSED;

/* Validate an uncompressed name held in buf[0..len): labels in bounds,
 * ending with the root label exactly at len. Returns its label count or -1. */
int dname_check(const uint8_t *name, size_t len);

/* ASCII lower-case copy (src and dst may be the same). */
void dname_tolower(uint8_t *dst, const uint8_t *src, size_t len);

/* Case-insensitive equality of two uncompressed names. */
bool dname_equal(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

/* True when child equals parent or lies below it (case-insensitive). */
bool dname_is_subdomain(const uint8_t *child, size_t clen,
                        const uint8_t *parent, size_t plen);

/* Label count (root excluded) of a valid name. */
unsigned dname_labels(const uint8_t *name, size_t len);

/* Offset of the suffix that drops the first n labels of a valid name. */
size_t dname_skip_labels(const uint8_t *name, size_t len, unsigned n);

/* Hash of a lower-cased name; stable across runs (no seed) because the
 * index is built and searched in the same process. */
uint32_t dname_hash(const uint8_t *lower, size_t len);

/* Presentation text ("www.example.com." or "example.com" - relative names
 * are taken as absolute) to wire. Supports \. and \DDD escapes. Returns the
 * length, or -1 when the text is not a valid name. */
int dname_from_str(const char *s, uint8_t out[DNAME_MAXLEN]);

/* Wire to presentation text with a trailing dot, escaping as RFC 1035
 * section 5.1 does. Always NUL-terminates; returns the text length. */
size_t dname_to_str(const uint8_t *name, size_t len, char *buf, size_t buflen);

/* Length of the uncompressed name at the start of buf[0..len), or -1 when
 * buf does not start with one (used on RDATA, which may be malformed). */
int dname_check_prefix(const uint8_t *buf, size_t len);

#endif
