/* canon.c - canonical RR form and ordering (RFC 4034 section 6). */
#include "dnssec/canon.h"

#include <stdlib.h>
#include <string.h>

#include "dns/consts.h"
#include "dns/dname.h"
#include "dns/wire.h"

/* Types of RFC 4034 section 6.2 (as corrected by RFC 6840 section 5.1,
 * which drops NSEC: its next name keeps its case) whose RDATA holds
 * names: how many fixed bytes come before the first name, and how many
 * names follow back to back. NAPTR is handled apart (strings first). */
static unsigned canon_names(uint16_t type, size_t *skip)
{
	*skip = 0;
	switch (type) {
	case DNS_TYPE_NS:
	case 3: /* MD */
	case 4: /* MF */
	case DNS_TYPE_CNAME:
	case 7: /* MB */
	case 8: /* MG */
	case 9: /* MR */
	case DNS_TYPE_PTR:
	case DNS_TYPE_DNAME:
		return 1;
	case DNS_TYPE_SOA:
	case 14: /* MINFO */
	case 17: /* RP */
		return 2;
	case DNS_TYPE_MX:
	case 18: /* AFSDB */
	case 21: /* RT */
	case 36: /* KX */
		*skip = 2;
		return 1;
	case 26: /* PX */
		*skip = 2;
		return 2;
	case DNS_TYPE_SRV:
		*skip = 6;
		return 1;
	case DNS_TYPE_RRSIG:
	case 24: /* SIG */
		*skip = 18;
		return 1;
	default:
		return 0;
	}
}

/* Lower-case the names at rd[p..) in place in out; stop at the first
 * thing that is not a name. */
static void lower_names(const uint8_t *rd, uint16_t rdlen, size_t p,
                        unsigned names, uint8_t *out)
{
	for (unsigned i = 0; i < names && p < rdlen; i++) {
		int l = dname_check_prefix(rd + p, rdlen - p);
		if (l < 0)
			return;
		dname_tolower(out + p, rd + p, (size_t)l);
		p += (size_t)l;
	}
}

void dnssec_canon_rdata(uint16_t type, const uint8_t *rd, uint16_t rdlen,
                        uint8_t *out)
{
	memcpy(out, rd, rdlen);
	size_t skip;
	unsigned names = canon_names(type, &skip);
	if (names > 0) {
		if (skip <= rdlen)
			lower_names(rd, rdlen, skip, names, out);
		return;
	}
	if (type == 35) { /* NAPTR: order, preference, 3 strings, a name */
		size_t p = 4;
		for (int i = 0; i < 3 && p < rdlen; i++)
			p += 1u + rd[p];
		if (p < rdlen)
			lower_names(rd, rdlen, p, 1, out);
	}
}

int dnssec_rdata_cmp(const uint8_t *a, uint16_t alen, const uint8_t *b,
                     uint16_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);
	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen;
}

static int idx_cmp(const void *x, const void *y, void *base)
{
	const uint8_t *a = (const uint8_t *)base + *(const uint32_t *)x;
	const uint8_t *b = (const uint8_t *)base + *(const uint32_t *)y;
	return dnssec_rdata_cmp(a + 2, wire_peek_u16(a), b + 2,
	                        wire_peek_u16(b));
}

size_t dnssec_signed_data(struct dnssec_scratch *s, const uint8_t *prefix,
                          size_t plen, const uint8_t *owner, size_t olen,
                          uint16_t type, uint32_t ttl, const uint8_t *rdset,
                          uint16_t count)
{
	/* Canonical copies of the RDATAs, then their order. */
	size_t cl = 0;
	const uint8_t *p = rdset;
	for (uint16_t i = 0; i < count; i++) {
		uint16_t rdlen = wire_peek_u16(p);
		if (sizeof(s->canon) - cl < 2u + rdlen)
			return 0;
		s->idx[i] = (uint32_t)cl;
		wire_put_u16(s->canon + cl, rdlen);
		dnssec_canon_rdata(type, p + 2, rdlen, s->canon + cl + 2);
		cl += 2u + rdlen;
		p += 2u + rdlen;
	}
	qsort_r(s->idx, count, sizeof(s->idx[0]), idx_cmp, s->canon);

	if (plen > sizeof(s->data))
		return 0;
	memcpy(s->data, prefix, plen);
	size_t len = plen;
	const uint8_t *prev = NULL;
	for (uint16_t i = 0; i < count; i++) {
		const uint8_t *rr = s->canon + s->idx[i];
		uint16_t rdlen = wire_peek_u16(rr);
		/* RFC 4034 section 6.3: duplicates are not signed twice. */
		if (prev != NULL &&
		    dnssec_rdata_cmp(prev + 2, wire_peek_u16(prev), rr + 2,
		                     rdlen) == 0)
			continue;
		prev = rr;
		if (sizeof(s->data) - len < olen + 10u + rdlen)
			return 0;
		uint8_t *w = s->data + len;
		memcpy(w, owner, olen);
		w += olen;
		wire_put_u16(w, type);
		wire_put_u16(w + 2, DNS_CLASS_IN);
		wire_put_u32(w + 4, ttl);
		wire_put_u16(w + 8, rdlen);
		memcpy(w + 10, rr + 2, rdlen);
		len += olen + 10u + rdlen;
	}
	return len;
}
