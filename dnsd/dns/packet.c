/* packet.c - the query validation ladder (NSD style) over raw wire bytes. */
#include "dns/packet.h"

#include <stdio.h>
#include <string.h>

#include "dns/wire.h"

/* RFC 1035 section 4.1.1 header layout. */
#define HDR_OPCODE_SHIFT 11
#define HDR_OPCODE_MASK  0x0F

/* RFC 6891 section 6.1.3: the OPT TTL field holds EXTENDED-RCODE (8 bits),
 * VERSION (8 bits), DO (1 bit) and Z. */
#define OPT_TTL_VERSION_SHIFT 16
#define OPT_TTL_DO            0x00008000u
/* RFC 9824 section 5: Compact Answers OK, the EDNS flag after DO. */
#define OPT_TTL_CO 0x00004000u

/* RFC 7871 section 6: FAMILY(2) SOURCE PREFIX(1) SCOPE PREFIX(1). */
#define ECS_FIXED_LEN   4
#define ECS_FAMILY_IPV4 1
#define ECS_FAMILY_IPV6 2

/* Lower-case the ASCII letters of 8 bytes at once (SWAR): a byte gets
 * 0x20 added exactly when it is in 'A'..'Z'. Label length bytes (0..63)
 * are never letters, so a whole wire name folds in one pass. */
static inline uint64_t lower8(uint64_t v)
{
	const uint64_t ones = 0x0101010101010101ull;
	uint64_t low7 = v & (0x7F * ones);
	uint64_t ge_a = low7 + (0x80 - 'A') * ones; /* bit 7: byte >= 'A' */
	uint64_t gt_z = low7 + (0x7F - 'Z') * ones; /* bit 7: byte > 'Z' */
	uint64_t upper = ~v & (ge_a ^ gt_z) & (0x80 * ones);
	return v | (upper >> 2);
}

/* Read the question name at w (uncompressed only) into q->qname and its
 * lower-case copy q->qname_lower: first the label lengths are checked,
 * then the name is copied and folded eight bytes at a time. Returns false
 * on any malformation. */
static bool parse_qname(struct wire *w, struct pkt_query *q)
{
	const uint8_t *buf = w->buf;
	size_t start = w->pos, pos = start, end = w->len;
	unsigned labels = 0;

	if (w->bad)
		return false;
	q->qlabel_map[0] = q->qlabel_map[1] = 0;
	q->qlabel_map[2] = q->qlabel_map[3] = 0;
	for (;;) {
		if (pos >= end)
			return false;
		uint8_t c = buf[pos];
		/* Anything above 63 is a compression pointer (0xC0) or a
		 * reserved label type (0x40, 0x80; RFC 6891 section 5).
		 * The question name is the first name in the packet, so
		 * no prior name exists for a pointer to reach (RFC 1035
		 * section 4.1.4). */
		if (c > DNAME_MAXLABEL)
			return false;
		size_t off = pos - start;
		/* RFC 1035 section 2.3.4: 255 bytes at most, root included. */
		if (off + 1u + c > DNAME_MAXLEN || end - pos - 1 < c)
			return false;
		q->qlabel_map[off >> 6] |= 1ull << (off & 63);
		pos += 1u + c;
		if (c == 0)
			break;
		labels++;
	}
	size_t n = pos - start;
	size_t avail = end - start;
	size_t i = 0;
	/* Whole words while the packet has 8 more bytes (a word may run past
	 * the name into the type and class: the copies have 8 bytes of
	 * slack), then the last bytes one by one. */
	for (; i < n && i + 8 <= avail; i += 8) {
		uint64_t v;
		memcpy(&v, buf + start + i, 8);
		memcpy(q->qname + i, &v, 8);
		v = lower8(v);
		memcpy(q->qname_lower + i, &v, 8);
	}
	for (; i < n; i++) {
		uint8_t c = buf[start + i];
		q->qname[i] = c;
		q->qname_lower[i] =
		    (uint8_t)(c | ((unsigned)(c - 'A') < 26u) << 5);
	}
	w->pos = pos;
	q->qname_len = (uint8_t)n;
	q->qlabels = (uint8_t)labels;
	return true;
}

/* Parse the question section (one entry) at w into q. */
static bool parse_question(struct wire *w, struct pkt_query *q)
{
	if (!parse_qname(w, q))
		return false;
	uint16_t qtype = wire_u16(w);
	uint16_t qclass = wire_u16(w);
	if (w->bad)
		return false;
	q->qtype = qtype;
	q->qclass = qclass;
	q->has_question = true;
	return true;
}

/* Validate one EDNS Client Subnet option (RFC 7871 section 6) held in
 * opt[0..len) and store it in q->ecs. */
static enum pkt_outcome parse_ecs(const uint8_t *opt, size_t len,
                                  struct pkt_query *q)
{
	struct pkt_ecs *ecs = &q->ecs;

	/* One client subnet per query: two would contradict each other. */
	if (ecs->present)
		return PKT_FORMERR;
	if (len < ECS_FIXED_LEN)
		return PKT_FORMERR;
	uint16_t family = wire_peek_u16(opt);
	uint8_t source = opt[2];
	uint8_t scope = opt[3];
	unsigned maxbits;
	if (family == ECS_FAMILY_IPV4)
		maxbits = 32;
	else if (family == ECS_FAMILY_IPV6)
		maxbits = 128;
	else
		return PKT_FORMERR; /* only IANA families 1 and 2 exist */
	if (source > maxbits)
		return PKT_FORMERR;
	/* Section 6: SCOPE PREFIX-LENGTH MUST be 0 in queries. */
	if (scope != 0)
		return PKT_FORMERR;
	/* Section 6: ADDRESS is truncated to exactly ceil(source / 8)
	 * octets; too few or too many octets SHOULD get FORMERR. */
	size_t alen = ((size_t)source + 7) / 8;
	if (len - ECS_FIXED_LEN != alen)
		return PKT_FORMERR;
	const uint8_t *addr = opt + ECS_FIXED_LEN;
	/* Section 6: non-zero bits beyond SOURCE PREFIX-LENGTH SHOULD get
	 * FORMERR; they also would make equal subnets compare unequal. */
	if (source % 8 != 0 && (addr[alen - 1] & (0xFFu >> (source % 8))) != 0)
		return PKT_FORMERR;

	ecs->present = true;
	ecs->family = family;
	ecs->source_prefix = source;
	memset(ecs->addr, 0, sizeof(ecs->addr));
	memcpy(ecs->addr, addr, alen);
	return PKT_OK;
}

/* Walk the options of an OPT RR's RDATA, rdata[0..rdlen) (RFC 6891
 * section 6.1.2): each is CODE(2) LENGTH(2) DATA, and together they must
 * fill RDLEN exactly. */
static enum pkt_outcome parse_options(const uint8_t *rdata, size_t rdlen,
                                      struct pkt_query *q)
{
	struct wire o;

	wire_init(&o, rdata, rdlen);
	while (wire_left(&o) > 0) {
		uint16_t code = wire_u16(&o);
		uint16_t olen = wire_u16(&o);
		if (o.bad || !wire_need(&o, olen))
			return PKT_FORMERR;
		const uint8_t *data = o.buf + o.pos;
		o.pos += olen;
		/* Section 6.1.2: unknown options MUST be ignored. */
		if (code == DNS_EDNS_ECS) {
			enum pkt_outcome r = parse_ecs(data, olen, q);
			if (r != PKT_OK)
				return r;
		}
	}
	return PKT_OK;
}

/* One resource record at w: owner (compressed or not), the fixed fields
 * and RDATA inside the packet (RFC 1035 section 4.1.3). */
struct pkt_rr {
	size_t owner_len;
	uint16_t type;
	uint16_t rclass;
	uint32_t ttl;
	uint16_t rdlen;
	const uint8_t *rdata;
};

static DNSD_ALWAYS_INLINE bool read_rr(struct wire *w, struct pkt_rr *rr)
{
	uint8_t owner[DNAME_MAXLEN];

	/* The usual additional RR is an OPT owned by the root: one byte, no
	 * need to unpack. Other names may be compressed; dname_unpack only
	 * follows backward pointers, so loops cannot happen. */
	if (w->pos < w->len && w->buf[w->pos] == 0) {
		w->pos++;
		rr->owner_len = 1;
	} else if (dname_unpack(w->buf, w->len, &w->pos, owner, &rr->owner_len,
	                        NULL) != 0) {
		return false;
	}
	rr->type = wire_u16(w);
	rr->rclass = wire_u16(w);
	rr->ttl = wire_u32(w);
	rr->rdlen = wire_u16(w);
	/* RDLENGTH must not run past the packet. */
	if (w->bad || !wire_need(w, rr->rdlen))
		return false;
	rr->rdata = w->buf + w->pos;
	w->pos += rr->rdlen;
	return true;
}

/* Parse one resource record of the additional section at w. Inlined: it
 * runs for the OPT of nearly every query, and the out-of-line copy that
 * find_opt (the error path) would share cost ~50 instructions a query. */
static DNSD_ALWAYS_INLINE enum pkt_outcome
parse_additional_rr(struct wire *w, struct pkt_query *q)
{
	struct pkt_rr rr;

	if (!read_rr(w, &rr))
		return PKT_FORMERR;
	if (rr.type != DNS_TYPE_OPT)
		return PKT_OK; /* TSIG and others: well-formed, not used */

	/* RFC 6891 section 6.1.1: at most one OPT, and its owner is the
	 * root; anything else is FORMERR. */
	if (q->edns)
		return PKT_FORMERR;
	if (rr.owner_len != 1)
		return PKT_FORMERR;
	q->edns = true;
	q->edns_udp_size = rr.rclass; /* section 6.1.2: CLASS = payload */
	/* Section 6.1.3: EXTENDED-RCODE is meaningless in a query. */
	q->edns_version = (uint8_t)(rr.ttl >> OPT_TTL_VERSION_SHIFT);
	q->edns_do = (rr.ttl & OPT_TTL_DO) != 0;
	q->edns_co = (rr.ttl & OPT_TTL_CO) != 0;
	return parse_options(rr.rdata, rr.rdlen, q);
}

/* RFC 6891 section 7: a query with an OPT gets one back, error responses
 * included. When the ladder rejects a packet before its additional section
 * (counts, opcode), walk the sections the header announces (qd questions,
 * then an_ns answer and authority records, then ar additional ones) to
 * find the OPT: q->edns is set when a well-formed OPT RR is met in the
 * additional section. The walk stops at the first malformed entry; every
 * step consumes bytes, so it is bounded by the packet's length. */
static void find_opt(struct wire *w, struct pkt_query *q, unsigned qd,
                     unsigned an_ns, unsigned ar)
{
	struct pkt_rr rr;
	uint8_t name[DNAME_MAXLEN];
	size_t nlen;

	for (unsigned i = 0; i < qd; i++)
		if (dname_unpack(w->buf, w->len, &w->pos, name, &nlen, NULL) !=
		        0 ||
		    !wire_skip(w, 4))
			return;
	for (unsigned i = 0; i < an_ns; i++)
		if (!read_rr(w, &rr))
			return;
	for (unsigned i = 0; i < ar; i++)
		if (parse_additional_rr(w, q) != PKT_OK)
			return;
}

enum pkt_outcome packet_parse_query(const uint8_t *pkt, size_t len,
                                    struct pkt_query *q)
{
	struct wire w;

	q->id = 0;
	q->flags = 0;
	q->opcode = 0;
	q->has_question = false;
	q->qname_len = 0;
	q->qlabels = 0;
	q->qtype = 0;
	q->qclass = 0;
	q->edns = false;
	q->edns_udp_size = 0;
	q->edns_version = 0;
	q->edns_do = false;
	q->edns_co = false;
	memset(&q->ecs, 0, sizeof(q->ecs));

	/* 1. RFC 1035 section 4.1.1: no header, no ID to answer to. */
	if (len < PKT_HEADER_LEN)
		return PKT_DROP;
	/* The length was checked: the header is read without per-field
	 * checks. */
	wire_init(&w, pkt, len);
	w.pos = PKT_HEADER_LEN;
	q->id = wire_peek_u16(pkt);
	q->flags = wire_peek_u16(pkt + 2);
	uint16_t qdcount = wire_peek_u16(pkt + 4);
	uint16_t ancount = wire_peek_u16(pkt + 6);
	uint16_t nscount = wire_peek_u16(pkt + 8);
	uint16_t arcount = wire_peek_u16(pkt + 10);
	q->opcode = (uint8_t)((q->flags >> HDR_OPCODE_SHIFT) & HDR_OPCODE_MASK);

	/* 2. A response is never answered (RFC 1035 section 4.1.1 QR):
	 * answering one invites reflection loops between servers. */
	if (q->flags & DNS_FLAG_QR)
		return PKT_DROP;

	/* 3. RFC 1035 section 4.1.1 / RFC 2136: we only implement QUERY.
	 * The question is still read when it is there, to echo it. */
	if (q->opcode != DNS_OPCODE_QUERY) {
		if (qdcount != 1)
			find_opt(&w, q, qdcount, ancount + nscount, arcount);
		else if (parse_question(&w, q))
			find_opt(&w, q, 0, ancount + nscount, arcount);
		return PKT_NOTIMP;
	}

	/* 4. RFC 9619 (and RFC 1035 section 4.1.2 in practice): a query
	 * holds exactly one question; a query carries no answer or
	 * authority records. */
	if (qdcount != 1) {
		find_opt(&w, q, qdcount, ancount + nscount, arcount);
		return PKT_FORMERR;
	}
	if (ancount != 0 || nscount != 0) {
		/* The question is echoed in the FORMERR. */
		if (parse_question(&w, q))
			find_opt(&w, q, 0, ancount + nscount, arcount);
		return PKT_FORMERR;
	}

	/* 5. The question, wholly inside the packet (RFC 1035 4.1.2). */
	if (!parse_question(&w, q))
		return PKT_FORMERR;

	/* 6. Additional section: every RR well-formed, OPT and ECS valid. */
	for (unsigned i = 0; i < arcount; i++) {
		enum pkt_outcome r = parse_additional_rr(&w, q);
		if (r != PKT_OK)
			return r;
	}

	/* 7. Bytes past the counted sections mean the counts lie (or the
	 * packet is something else); NSD answers these with FORMERR. */
	if (wire_left(&w) != 0)
		return PKT_FORMERR;

	/* 8. RFC 6891 section 6.1.3: only after the whole packet parsed,
	 * so a malformed packet gets FORMERR whatever its version. */
	if (q->edns && q->edns_version > 0)
		return PKT_BADVERS;
	return PKT_OK;
}
