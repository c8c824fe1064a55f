/* zonedb_check.c - the checks a zone's records pass before they are
 * compiled: RDATA the answer code reads inside, duplicates (RFC 2181
 * section 5), and the per-name rules (RFC 1034 section 3.6.2, RFC 2181
 * section 10.1, the SOA at the apex). Load time only. */
#include "zone/zonedb_builder.h"

#include <stdlib.h>
#include <string.h>

#include "dns/consts.h"
#include "zone/zonedb.h"

/* RDATA checks for the types the answer code reads inside: a bad one would
 * be served as garbage or mislead CNAME chasing and glue. */
const char *zdb_check_rdata(uint16_t type, const uint8_t *rd, size_t len)
{
	switch (type) {
	case DNS_TYPE_A:
		return len == 4 ? NULL : "A RDATA must be 4 bytes";
	case DNS_TYPE_AAAA:
		return len == 16 ? NULL : "AAAA RDATA must be 16 bytes";
	case DNS_TYPE_NS:
	case DNS_TYPE_CNAME:
		return dname_check(rd, len) >= 0
		           ? NULL
		           : "RDATA is not a valid domain name";
	case DNS_TYPE_SOA: {
		/* RFC 1035 section 3.3.13: MNAME RNAME and five 32-bit
		 * fields. */
		size_t p = 0;
		for (int i = 0; i < 2; i++) {
			size_t start = p;
			while (p < len && rd[p] != 0 && rd[p] <= DNAME_MAXLABEL)
				p += 1u + rd[p];
			if (p >= len || rd[p] != 0 ||
			    dname_check(rd + start, p + 1 - start) < 0)
				return "malformed SOA RDATA";
			p++;
		}
		return len - p == 20 ? NULL : "malformed SOA RDATA";
	}
	default:
		return NULL;
	}
}

static int dupkey_cmp(const void *pa, const void *pb)
{
	const struct zdb_dupkey *a = pa;
	const struct zdb_dupkey *b = pb;
	if (a->rdlen != b->rdlen)
		return a->rdlen < b->rdlen ? -1 : 1;
	int c = memcmp(a->rdata, b->rdata, a->rdlen);
	if (c != 0)
		return c;
	return a->at < b->at ? -1 : a->at > b->at;
}

/* RFC 2181 section 5: an RRset has no duplicate RRs. Mark every RR of
 * rrs[first, end) (one owner, one type, in file order) that repeats an
 * earlier one. Sorting a copy of the keys makes this n log n: comparing
 * each RR with all earlier ones took 25 s for 100,000 RRs at one name.
 * keys has room for end - first entries. */
static void mark_dups(struct zdb_builder *b, size_t first, size_t end,
                      struct zdb_dupkey *keys)
{
	size_t n = end - first;
	if (n < 2)
		return;
	for (size_t i = 0; i < n; i++) {
		const struct zdb_brr *r = &b->rrs[first + i];
		keys[i] = (struct zdb_dupkey){b->pool + r->rdata_off, r->rdlen,
		                              first + i};
	}
	qsort(keys, n, sizeof(*keys), dupkey_cmp);
	/* Equal RDATA sorts together, earliest in the file first: that one
	 * is kept. */
	for (size_t i = 1; i < n; i++)
		if (keys[i].rdlen == keys[i - 1].rdlen &&
		    memcmp(keys[i].rdata, keys[i - 1].rdata, keys[i].rdlen) ==
		        0)
			b->rrs[keys[i].at].dup = true;
}

/* The node's name as text, for an error (made only when one is said). */
static const char *node_str(const struct zdb_bnode *n, char buf[DNAME_STRLEN])
{
	dname_to_str(n->name, n->name_len, buf, DNAME_STRLEN);
	return buf;
}

void zdb_check_node(struct zdb_builder *b, struct zdb_bnode *n,
                    struct diag *diag, size_t *soa_count,
                    struct zdb_dupkey *keys)
{
	char name[DNAME_STRLEN];
	char tbuf[16];
	bool apex = n->flags & ZDB_NODE_APEX;
	const struct zdb_brr *cname_rr = NULL;
	const struct zdb_brr *other_rr = NULL;
	size_t cnames = 0;
	bool has_ns = false;
	for (size_t i = n->first; i < n->first + n->count; i++) {
		struct zdb_brr *r = &b->rrs[i];
		bool first_of_type =
		    i == n->first || b->rrs[i - 1].type != r->type;
		if (first_of_type) {
			size_t end = i + 1;
			size_t kept = 0;
			const struct zdb_brr *over = NULL;
			while (end < n->first + n->count &&
			       b->rrs[end].type == r->type)
				end++;
			mark_dups(b, i, end, keys);
			/* The RR count of an RRset is 16 bits in the
			 * compiled zone, as ANCOUNT is in a message (RFC
			 * 1035 section 4.1.1): more cannot be served. */
			for (size_t k = i; k < end; k++)
				if (!b->rrs[k].dup && ++kept == UINT16_MAX + 1u)
					over = &b->rrs[k];
			if (over != NULL)
				diag_add(
				    diag, zdb_rr_path(b, over), over->line,
				    "more than %u %s records at %s", UINT16_MAX,
				    dns_type_name(r->type, tbuf, sizeof(tbuf)),
				    node_str(n, name));
			n->nsets++;
		}
		if (r->dup)
			continue;
		n->nrrs++;
		switch (r->type) {
		case DNS_TYPE_CNAME:
			/* RFC 1034 section 3.6.2: one CNAME per name. */
			if (++cnames == 2)
				diag_add(diag, zdb_rr_path(b, r), r->line,
				         "more than one CNAME at %s",
				         node_str(n, name));
			if (cname_rr == NULL)
				cname_rr = r;
			break;
		case DNS_TYPE_SOA:
			if (!apex)
				diag_add(diag, zdb_rr_path(b, r), r->line,
				         "SOA record at %s, which is not the "
				         "zone apex",
				         node_str(n, name));
			else if (++*soa_count == 2)
				diag_add(diag, zdb_rr_path(b, r), r->line,
				         "more than one SOA record at the "
				         "zone apex");
			other_rr = other_rr ? other_rr : r;
			break;
		case DNS_TYPE_NS:
			has_ns = true;
			other_rr = other_rr ? other_rr : r;
			break;
		default:
			other_rr = other_rr ? other_rr : r;
			break;
		}
	}
	/* RFC 2181 section 10.1: a CNAME stands alone. Name the later of the
	 * two records, where the conflict becomes visible. */
	if (cname_rr != NULL && other_rr != NULL) {
		const struct zdb_brr *later =
		    cname_rr->seq > other_rr->seq ? cname_rr : other_rr;
		diag_add(diag, zdb_rr_path(b, later), later->line,
		         "CNAME beside other data at %s (RFC 2181 section "
		         "10.1)",
		         node_str(n, name));
	}
	if (has_ns && !apex)
		n->flags |= ZDB_NODE_DELEGATION;
	if (n->name[0] == 1 && n->name[1] == '*')
		n->flags |= ZDB_NODE_WILDCARD;
}
