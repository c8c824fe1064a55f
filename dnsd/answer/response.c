/* response.c - response assembly with name compression. */
#include "answer/response.h"

#include <string.h>

#include "dns/dname.h"
#include "dns/packet.h"
#include "dns/wire.h"

/* Compression pointers hold 14 bits of offset (RFC 1035 section 4.1.4). */
#define RESP_PTR_MAX 0x3FFF

void resp_init(struct resp *r, uint8_t *buf, size_t limit)
{
	r->buf = buf;
	r->limit = limit;
	r->len = 0;
	r->count[0] = r->count[1] = r->count[2] = 0;
	r->nctab = 0;
	r->qname = NULL;
	r->qname_len = 0;
	r->qname_off = 0;
	r->qname_in_ctab = false;
}

void resp_header(struct resp *r, uint16_t id, uint16_t flags, uint8_t rcode)
{
	uint8_t *h = r->buf;
	wire_put_u16(h, id);
	wire_put_u16(h + 2, (uint16_t)(flags | DNS_FLAG_QR | (rcode & 0x0F)));
	memset(h + 4, 0, 8);
	r->len = PKT_HEADER_LEN;
}

static void ctab_add(struct resp *r, const uint8_t *name, size_t len,
                     size_t off)
{
	if (r->nctab < RESP_CTAB_MAX && off <= RESP_PTR_MAX && len > 1) {
		r->ctab[r->nctab].name = name;
		r->ctab[r->nctab].len = (uint8_t)len;
		r->ctab[r->nctab].off = (uint16_t)off;
		r->nctab++;
	}
}

/* Register the question name's suffixes, the first time a name is
 * compressed: most owner names in an answer are one of them. */
static void ctab_add_qname(struct resp *r)
{
	const uint8_t *q = r->qname;
	r->qname_in_ctab = true;
	for (size_t p = 0; p < r->qname_len && q[p] != 0; p += 1u + q[p])
		ctab_add(r, q + p, r->qname_len - p, r->qname_off + p);
}

/* Offset of an earlier copy of name, or -1. Byte equality, not DNS
 * case-insensitive equality: the question and every owner name are held in
 * lower case, so they match; a mixed-case name from zone data may miss a
 * chance to compress, never compress wrongly, and the loop stays a memcmp. */
static int ctab_find(struct resp *r, const uint8_t *name, size_t len)
{
	if (!r->qname_in_ctab && r->qname != NULL)
		ctab_add_qname(r);
	for (unsigned i = 0; i < r->nctab; i++)
		if (r->ctab[i].len == len &&
		    memcmp(r->ctab[i].name, name, len) == 0)
			return r->ctab[i].off;
	return -1;
}

/* Write name compressed at r->len; returns bytes written or 0 when it does
 * not fit. Each suffix is tried longest first, so the pointer replaces as
 * much as possible; the labels written before it become targets too. */
static size_t put_name(struct resp *r, const uint8_t *name, size_t len)
{
	size_t start = r->len;
	size_t p = 0;
	unsigned added = 0;
	while (p < len && name[p] != 0) {
		int off = ctab_find(r, name + p, len - p);
		if (off >= 0) {
			if (r->limit - r->len < 2)
				goto nofit;
			wire_put_u16(r->buf + r->len, (uint16_t)(0xC000 | off));
			r->len += 2;
			return r->len - start;
		}
		size_t l = 1u + name[p];
		if (r->limit - r->len < l)
			goto nofit;
		memcpy(r->buf + r->len, name + p, l);
		if (r->nctab < RESP_CTAB_MAX) {
			ctab_add(r, name + p, len - p, r->len);
			added++;
		}
		r->len += l;
		p += l;
	}
	if (r->limit - r->len < 1)
		goto nofit;
	r->buf[r->len++] = 0;
	return r->len - start;
nofit:
	r->nctab -= added;
	r->len = start;
	return 0;
}

bool resp_question(struct resp *r, const uint8_t *name, const uint8_t *lower,
                   size_t len, uint16_t qtype, uint16_t qclass)
{
	if (r->limit - r->len < len + 4)
		return false;
	size_t off = r->len;
	memcpy(r->buf + off, name, len);
	r->qname = lower;
	r->qname_len = len;
	r->qname_off = off;
	r->qname_in_ctab = false;
	r->len += len;
	wire_put_u16(r->buf + r->len, qtype);
	wire_put_u16(r->buf + r->len + 2, qclass);
	r->len += 4;
	wire_put_u16(r->buf + 4, 1);
	return true;
}

/* RDATA layout of the RFC 1035 types whose names may be compressed
 * (RFC 3597 section 4 forbids it for all later types). Returns how many
 * leading names the RDATA has after skip bytes. */
static unsigned rdata_names(uint16_t type, size_t *skip)
{
	*skip = 0;
	switch (type) {
	case DNS_TYPE_NS:
	case DNS_TYPE_CNAME:
	case DNS_TYPE_PTR:
		return 1;
	case DNS_TYPE_MX:
		*skip = 2;
		return 1;
	case DNS_TYPE_SOA:
		return 2;
	default:
		return 0;
	}
}

bool resp_add_rr(struct resp *r, enum resp_section s, const uint8_t *owner,
                 size_t owner_len, uint16_t type, uint16_t rclass, uint32_t ttl,
                 const uint8_t *rdata, uint16_t rdlen)
{
	size_t skip;
	unsigned names = rdata_names(type, &skip);
	/* Register the question's suffixes before taking the rollback
	 * point, so a record that does not fit cannot take them along. */
	if ((names > 0 || owner != r->qname) && !r->qname_in_ctab &&
	    r->qname != NULL)
		ctab_add_qname(r);
	size_t start = r->len;
	unsigned nctab = r->nctab;

	if (owner == r->qname && owner_len > 1 && r->limit - r->len >= 2) {
		/* The question name is always at offset 12. */
		wire_put_u16(r->buf + r->len, 0xC000 | PKT_HEADER_LEN);
		r->len += 2;
	} else if (put_name(r, owner, owner_len) == 0) {
		goto nofit;
	}
	if (r->limit - r->len < 10)
		goto nofit;
	uint8_t *fixed = r->buf + r->len;
	wire_put_u16(fixed, type);
	wire_put_u16(fixed + 2, rclass);
	wire_put_u32(fixed + 4, ttl);
	r->len += 10;
	size_t rd_start = r->len;

	size_t p = 0;
	if (names > 0 && skip <= rdlen) {
		if (r->limit - r->len < skip)
			goto nofit;
		memcpy(r->buf + r->len, rdata, skip);
		r->len += skip;
		p = skip;
		for (unsigned i = 0; i < names; i++) {
			int l = dname_check_prefix(rdata + p, rdlen - p);
			if (l < 0) {
				/* Not a name after all: copy the rest. */
				break;
			}
			if (put_name(r, rdata + p, (size_t)l) == 0)
				goto nofit;
			p += (size_t)l;
		}
	}
	if (r->limit - r->len < rdlen - p)
		goto nofit;
	memcpy(r->buf + r->len, rdata + p, rdlen - p);
	r->len += rdlen - p;
	wire_put_u16(fixed + 8, (uint16_t)(r->len - rd_start));
	r->count[s]++;
	return true;
nofit:
	r->len = start;
	r->nctab = nctab;
	return false;
}

bool resp_add_rrset(struct resp *r, enum resp_section s, const uint8_t *owner,
                    size_t owner_len, const struct zdb_rrset *rs)
{
	size_t skip;
	if (owner == NULL && rdata_names(rs->type, &skip) == 0) {
		/* Fast path: prerendered with owner = pointer to offset 12,
		 * which is where the question name always is. */
		if (r->limit - r->len < rs->wire_len)
			return false;
		memcpy(r->buf + r->len, rs->wire, rs->wire_len);
		r->len += rs->wire_len;
		r->count[s] = (uint16_t)(r->count[s] + rs->count);
		return true;
	}
	if (owner == NULL) {
		owner = r->qname;
		owner_len = r->qname_len;
	}
	size_t start = r->len;
	unsigned nctab = r->nctab;
	uint16_t count = r->count[s];
	const uint8_t *p = rs->rdata;
	for (uint16_t i = 0; i < rs->count; i++) {
		uint16_t rdlen = wire_peek_u16(p);
		if (!resp_add_rr(r, s, owner, owner_len, rs->type, DNS_CLASS_IN,
		                 rs->ttl, p + 2, rdlen)) {
			r->len = start;
			r->nctab = nctab;
			r->count[s] = count;
			return false;
		}
		p += 2u + rdlen;
	}
	return true;
}

void resp_truncate(struct resp *r, size_t mark)
{
	r->len = mark;
	r->count[0] = r->count[1] = r->count[2] = 0;
	unsigned n = 0;
	while (n < r->nctab && r->ctab[n].off < mark)
		n++;
	r->nctab = n;
}

void resp_cut_additional(struct resp *r, size_t mark, uint16_t count)
{
	r->len = mark;
	r->count[RESP_ADDITIONAL] = count;
	/* Entries are not in offset order (the question's suffixes join
	 * lazily), so keep each one that points before the cut. */
	unsigned n = 0;
	for (unsigned i = 0; i < r->nctab; i++)
		if (r->ctab[i].off < mark)
			r->ctab[n++] = r->ctab[i];
	r->nctab = n;
}

bool resp_add_opt(struct resp *r, size_t hard_limit, uint16_t payload,
                  uint8_t ext_rcode, uint16_t ednsflags,
                  const uint8_t *opt_data, uint16_t opt_len)
{
	if (hard_limit < r->len || hard_limit - r->len < 11u + opt_len)
		return false;
	uint8_t *p = r->buf + r->len;
	p[0] = 0; /* owner: root */
	wire_put_u16(p + 1, DNS_TYPE_OPT);
	wire_put_u16(p + 3, payload);
	p[5] = ext_rcode;
	p[6] = 0; /* version 0 */
	wire_put_u16(p + 7, ednsflags);
	wire_put_u16(p + 9, opt_len);
	if (opt_len > 0)
		memcpy(p + 11, opt_data, opt_len);
	r->len += 11u + opt_len;
	r->count[RESP_ADDITIONAL]++;
	return true;
}

size_t resp_finish(struct resp *r)
{
	wire_put_u16(r->buf + 6, r->count[RESP_ANSWER]);
	wire_put_u16(r->buf + 8, r->count[RESP_AUTHORITY]);
	wire_put_u16(r->buf + 10, r->count[RESP_ADDITIONAL]);
	return r->len;
}
