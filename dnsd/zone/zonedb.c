/* zonedb.c - lookups in the immutable zone index (the per-query side);
 * zonedb_build.c makes the index. */
#include "zone/zonedb.h"

#include <string.h>

static inline const struct zdb_node *find_hashed(const struct zdb_zone *z,
                                                 const uint8_t *lower,
                                                 size_t len, uint32_t h)
{
	/* The table is at least twice the node count, so an empty slot ends
	 * every probe sequence. The hash and length reject almost every
	 * wrong slot before memcmp touches the name. */
	uint32_t i = h & z->table_mask;
	for (;;) {
		const struct zdb_node *n = z->table[i];
		if (n == NULL)
			return NULL;
		if (n->hash == h && n->name_len == len &&
		    memcmp(n->name, lower, len) == 0)
			return n;
		i = (i + 1) & z->table_mask;
	}
}

const struct zdb_node *zdb_find_node(const struct zdb_zone *z,
                                     const uint8_t *lower, size_t len)
{
	return find_hashed(z, lower, len, dname_hash(lower, len));
}

const struct zdb_rrset *zdb_node_rrset(const struct zdb_node *n, uint16_t type)
{
	/* Nodes hold a handful of RRsets: a linear scan over the sorted
	 * array beats a binary search at these sizes. */
	for (uint16_t i = 0; i < n->rrset_count; i++) {
		if (n->rrsets[i].type == type)
			return &n->rrsets[i];
		if (n->rrsets[i].type > type)
			break;
	}
	return NULL;
}

/* The highest zone cut above or at qname, for a name found below one.
 * Rare path (referrals into occluded names), so it may walk top-down. */
static const struct zdb_node *top_cut(const struct zdb_zone *z,
                                      const uint8_t *qname, size_t qlen)
{
	uint8_t offs[DNAME_MAXLABELS] = {0};
	unsigned n = 0;
	size_t p = 0;
	while (p < qlen && qname[p] != 0 && n < DNAME_MAXLABELS) {
		offs[n++] = (uint8_t)p;
		p += 1u + qname[p];
	}
	/* Labels below the apex, from the one just under it downwards. */
	for (unsigned k = z->apex_labels + 1; k <= n; k++) {
		size_t off = offs[n - k];
		const struct zdb_node *c =
		    zdb_find_node(z, qname + off, qlen - off);
		if (c != NULL && (c->flags & ZDB_NODE_DELEGATION))
			return c;
	}
	return NULL;
}

enum zdb_result zdb_lookup(const struct zdb_zone *z, const uint8_t *qname,
                           size_t qlen, bool ds_query,
                           const struct zdb_node **node)
{
	/* Bottom-up: the common query names an existing, unoccluded node and
	 * costs one probe. Every ancestor of a node exists (empty
	 * non-terminals are nodes), so the first ancestor found while
	 * stripping labels is the closest encloser (RFC 4592 section 3.3.1),
	 * and at most one probe is made per label. */
	size_t off = 0;
	const struct zdb_node *n = NULL;
	bool exact = true;
	while (off < qlen) {
		n = find_hashed(z, qname + off, qlen - off,
		                dname_hash(qname + off, qlen - off));
		if (n != NULL)
			break;
		if (qname[off] == 0 || qlen - off <= z->apex_len) {
			/* Not below the apex: the caller broke the contract;
			 * answer as a name that does not exist. */
			*node = z->apex_node;
			return ZDB_NXDOMAIN;
		}
		off += 1u + qname[off];
		exact = false;
	}
	if (DNSD_UNLIKELY(n == NULL)) {
		*node = z->apex_node;
		return ZDB_NXDOMAIN;
	}
	if (DNSD_UNLIKELY(n->flags &
	                  (ZDB_NODE_DELEGATION | ZDB_NODE_OCCLUDED))) {
		/* RFC 1034 section 4.3.2 step 3b: a cut on the way down
		 * gives a referral from the highest cut. */
		const struct zdb_node *cut = n;
		if (n->flags & ZDB_NODE_OCCLUDED) {
			cut = top_cut(z, qname + off, qlen - off);
			if (cut == NULL)
				cut = n; /* cannot happen in a built zone */
		}
		/* RFC 4035 section 3.1.4.1: DS lives on the parent side. */
		if (!(ds_query && exact && cut == n)) {
			*node = cut;
			return ZDB_DELEGATION;
		}
	}
	*node = n;
	if (exact)
		return ZDB_EXACT;
	/* RFC 4592 section 4.1: the source of synthesis is the wildcard
	 * child of the closest encloser, when it exists. */
	if (n->flags & ZDB_NODE_WILDCARD_CHILD) {
		uint8_t wc[DNAME_MAXLEN];
		size_t wlen = 2u + n->name_len;
		if (wlen <= DNAME_MAXLEN) {
			wc[0] = 1;
			wc[1] = '*';
			memcpy(wc + 2, n->name, n->name_len);
			const struct zdb_node *w = zdb_find_node(z, wc, wlen);
			if (w != NULL) {
				*node = w;
				return ZDB_WILDCARD;
			}
		}
	}
	return ZDB_NXDOMAIN;
}
