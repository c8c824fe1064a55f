/* resolve.c - zone resolution for one question (RFC 1034 section 4.3.2):
 * exact match, wildcard (RFC 4592), CNAME chain, referral, NODATA and
 * NXDOMAIN with the zone's SOA (RFC 2308), load-balanced names. */
#include "answer/resolve.h"

#include <string.h>

#include "answer/client.h"
#include "answer/signed.h"
#include "dns/wire.h"

/* The zone's SOA in the authority section, TTL per RFC 2308 section 3. */
static void add_negative_soa(struct answer_state *st, const struct zdb_zone *z)
{
	const uint8_t *rd = z->soa->rdata;
	uint16_t rdlen = wire_peek_u16(rd);
	if (!resp_add_rr(st->r, RESP_AUTHORITY, z->apex, z->apex_len,
	                 DNS_TYPE_SOA, DNS_CLASS_IN, z->neg_ttl, rd + 2, rdlen))
		st->truncated = true;
	else if (signed_zone(st, z))
		signed_static(st, RESP_AUTHORITY, z->apex, z->apex_len, z->soa,
		              z->neg_ttl);
}

/* NODATA or NXDOMAIN (node NULL) at name: the SOA and, signed, the
 * compact-denial NSEC (RFC 9824): a name that does not exist answers
 * NOERROR then, unless the client sent CO (section 5). */
static void add_negative(struct answer_state *st, const struct snapshot *snap,
                         const struct zdb_zone *z, const uint8_t *owner,
                         const uint8_t *name, size_t nlen,
                         const struct zdb_node *node, uint16_t skip)
{
	bool sign = signed_zone(st, z);
	if (node == NULL)
		st->rcode = sign && !st->q->edns_co ? DNS_RCODE_NOERROR
		                                    : DNS_RCODE_NXDOMAIN;
	add_negative_soa(st, z);
	if (sign && !st->truncated)
		signed_denial(st, snap, z, owner, name, nlen, node, skip);
}

/* A referral (RFC 1034 section 4.3.2 step 3b): the cut's NS RRset in the
 * authority section and in-zone glue in the additional section. Glue that
 * does not fit sets TC (RFC 9471 section 3). */
static void add_referral(struct answer_state *st, const struct snapshot *snap,
                         const struct zdb_zone *z, const struct zdb_node *cut)
{
	const struct zdb_rrset *ns = zdb_node_rrset(cut, DNS_TYPE_NS);
	if (ns == NULL || !resp_add_rrset(st->r, RESP_AUTHORITY, cut->name,
	                                  cut->name_len, ns)) {
		st->truncated = true;
		return;
	}
	/* RFC 4035 section 3.1.4: the NS RRset is not signed; the DS RRset
	 * is, or an NSEC at the cut proves there is none. */
	if (signed_zone(st, z)) {
		const struct zdb_rrset *ds = zdb_node_rrset(cut, DNS_TYPE_DS);
		if (ds == NULL)
			signed_denial(st, snap, z, cut->name, cut->name,
			              cut->name_len, cut, 0);
		else if (!resp_add_rrset(st->r, RESP_AUTHORITY, cut->name,
		                         cut->name_len, ds))
			st->truncated = true;
		else
			signed_static(st, RESP_AUTHORITY, cut->name,
			              cut->name_len, ds, ds->ttl);
		if (st->truncated)
			return;
	}
	for (uint16_t i = 0; i < cut->glue_count; i++) {
		const struct zdb_glue *g = &cut->glue[i];
		if (!resp_add_rrset(st->r, RESP_ADDITIONAL, g->name,
		                    g->name_len, g->rrset)) {
			st->flags |= DNS_FLAG_TC;
			break;
		}
	}
}

/* A/AAAA at a load-balanced name: the members lb_choose picks. */
static void add_lb(struct answer_state *st, const struct snapshot *snap,
                   const struct zdb_zone *zone, const struct zdb_node *node,
                   const struct lb_record *rec, enum lb_family f,
                   const uint8_t *owner, size_t olen)
{
	/* Only geo orders by location: weighted and failover never need to
	 * know where the client is (and its lookup is the dearest step). */
	if (!st->located && rec->policy == LB_POLICY_GEO) {
		struct client_addr a;
		client_address(snap, st->q, st->src, &a);
		client_locate(snap, &a, st->ctx->geocache, &st->client, NULL,
		              0);
		st->located = true;
	}
	struct lb_choice ch;
	struct stats *stats = st->ctx->stats;
	st->dynamic = true;
	lb_choose(rec, f, &snap->probes, &st->client, st->ctx->rng, &ch);
	if (ch.degraded != LB_DEG_NONE)
		stats_inc(&stats->degraded[rec->stat_slot]
		                          [ch.degraded == LB_DEG_ALL_DOWN
		                               ? STATS_DEG_ALL_DOWN
		                               : STATS_DEG_SPILL]);
	if (ch.outcome == LB_ANSWER) {
		st->cluster = ch.cluster;
		/* Counted per response, labelled with the answering cluster
		 * (SPEC 6). */
		for (uint32_t i = 0; i < rec->nclusters; i++) {
			if (rec->clusters[i] == ch.cluster) {
				stats_inc(
				    &stats->answers[rec->cluster_slot[i]]);
				break;
			}
		}
	}
	if (ch.outcome == LB_SERVFAIL) {
		st->rcode = DNS_RCODE_SERVFAIL;
		return;
	}
	uint16_t type = f == LB_V4 ? DNS_TYPE_A : DNS_TYPE_AAAA;
	if (ch.outcome == LB_NODATA) {
		add_negative(st, snap, zone, owner, node->name, node->name_len,
		             node, type);
		return;
	}
	/* RFC 7871 section 7.2.1: the scope says how far the answer holds;
	 * only a geo decision made from a known location depends on it. */
	if (rec->policy == LB_POLICY_GEO && st->client.source != LB_LOC_UNKNOWN)
		st->ecs_scope = st->client.prefix;
	if (owner == NULL) {
		owner = st->r->qname;
		olen = st->r->qname_len;
	}
	uint16_t rdlen = f == LB_V4 ? 4 : 16;
	for (unsigned i = 0; i < ch.n; i++) {
		if (!resp_add_rr(st->r, RESP_ANSWER, owner, olen, type,
		                 DNS_CLASS_IN, ch.ttl, ch.picked[i]->addr,
		                 rdlen)) {
			st->truncated = true;
			return;
		}
	}
	if (signed_zone(st, zone) && ch.n > 0) {
		/* The RRset as chosen, with its health-following TTL, signed
		 * through the worker's cache (SPEC 9). */
		uint8_t set[LB_MAX_ANSWERS * (2 + 16)];
		size_t len = 0;
		for (unsigned i = 0; i < ch.n; i++) {
			wire_put_u16(set + len, rdlen);
			memcpy(set + len + 2, ch.picked[i]->addr, rdlen);
			len += 2u + rdlen;
		}
		signed_online(st, snap, zone, RESP_ANSWER, owner, node->name,
		              node->name_len, type, ch.ttl, set, len,
		              (uint16_t)ch.n);
	}
}

/* An RRset of the zone in the answer, with its RRSIGs when signed: those
 * made at build, or, for a wildcard expansion, fresh ones over the name
 * asked (SPEC 9: signed as if it existed, so no denial is needed).
 * Inlined: out of line it cost every static answer ~35 instructions
 * (callgrind, answer_bench www A 1,233 -> 1,198). */
static DNSD_ALWAYS_INLINE bool
add_answer_rrset(struct answer_state *st, const struct snapshot *snap,
                 const struct zdb_zone *zone, enum zdb_result res,
                 const uint8_t *owner, size_t olen, const uint8_t *name,
                 size_t nlen, const struct zdb_rrset *rs)
{
	if (!resp_add_rrset(st->r, RESP_ANSWER, owner, olen, rs)) {
		st->truncated = true;
		return false;
	}
	if (!signed_zone(st, zone))
		return true;
	if (res == ZDB_WILDCARD)
		signed_online(st, snap, zone, RESP_ANSWER, owner, name, nlen,
		              rs->type, rs->ttl, rs->rdata, rs->rdata_len,
		              rs->count);
	else
		signed_static(st, RESP_ANSWER, owner, olen, rs, rs->ttl);
	return !st->truncated;
}

/* RFC 1035 section 3.3.9 / 6.2.2 additional section processing: the
 * addresses of in-zone targets of NS, MX and SRV answers, as far as they
 * fit (they are optional, so no TC when they do not). With DO from a
 * signed zone each goes with its RRSIGs (RFC 4035 section 3.1.1), or not
 * at all when those do not fit: still no TC for them. Glue under a zone
 * cut has no RRSIGs and goes alone. */
static void add_additional(struct answer_state *st, const struct snapshot *snap,
                           const struct zdb_rrset *rs)
{
	size_t skip;
	if (rs->type == DNS_TYPE_NS)
		skip = 0;
	else if (rs->type == DNS_TYPE_MX)
		skip = 2;
	else if (rs->type == DNS_TYPE_SRV)
		skip = 6;
	else
		return;
	const uint8_t *p = rs->rdata;
	for (uint16_t i = 0; i < rs->count; i++, p += 2u + wire_peek_u16(p)) {
		uint16_t rdlen = wire_peek_u16(p);
		if (rdlen <= skip)
			continue;
		const uint8_t *target = p + 2 + skip;
		int tlen = dname_check_prefix(target, rdlen - skip);
		if (tlen <= 1)
			continue;
		uint8_t lower[DNAME_MAXLEN];
		dname_tolower(lower, target, (size_t)tlen);
		const struct zdb_zone *z =
		    snapshot_find_zone(snap, lower, (size_t)tlen);
		if (z == NULL)
			continue;
		const struct zdb_node *n =
		    zdb_find_node(z, lower, (size_t)tlen);
		if (n == NULL)
			continue;
		static const uint16_t types[] = {DNS_TYPE_A, DNS_TYPE_AAAA};
		for (size_t t = 0; t < DNSD_ARRAY_LEN(types); t++) {
			const struct zdb_rrset *a = zdb_node_rrset(n, types[t]);
			if (a == NULL)
				continue;
			size_t mark = resp_mark(st->r);
			uint16_t count = st->r->count[RESP_ADDITIONAL];
			bool fits = resp_add_rrset(st->r, RESP_ADDITIONAL,
			                           target, (size_t)tlen, a);
			if (fits && a->sig_count > 0 && signed_zone(st, z)) {
				bool was = st->truncated;
				signed_static(st, RESP_ADDITIONAL, target,
				              (size_t)tlen, a, a->ttl);
				fits = !st->truncated;
				st->truncated = was;
				if (!fits)
					resp_cut_additional(st->r, mark, count);
			}
			if (!fits) {
				/* A bigger buffer would hold more: this
				 * answer must not be reused for one. */
				st->dynamic = true;
				return;
			}
		}
	}
}

/* RFC 8482 section 4.2: answer ANY with one RRset that exists. */
static const struct zdb_rrset *any_rrset(const struct zdb_node *n)
{
	return n->rrset_count > 0 ? &n->rrsets[0] : NULL;
}

/* RFC 4035 section 3.1.4.1: DS lives on the parent side of a zone cut.
 * For a DS query at the apex of zone, the zone to answer from is its
 * parent when the parent is served here too: its DS RRset, or its NODATA
 * or NXDOMAIN. The zone itself answers when no parent is served, or when
 * the parent delegates a cut above this name (the zone in between is
 * served elsewhere and holds the DS). Rare: only DS queries at an apex. */
static const struct zdb_zone *ds_zone(const struct snapshot *snap,
                                      const struct zdb_zone *zone,
                                      const uint8_t *name, size_t len)
{
	if (len != zone->apex_len || len <= 1)
		return zone;
	size_t skip = 1u + name[0];
	const struct zdb_zone *parent =
	    snapshot_find_zone(snap, name + skip, len - skip);
	const struct zdb_node *node;
	if (parent == NULL ||
	    zdb_lookup(parent, name, len, true, &node) == ZDB_DELEGATION)
		return zone;
	return parent;
}

/* Answer one name of the chain (the question's, or a CNAME target's) from
 * zone, with owner as the owner to write (NULL: the question name).
 * Returns the CNAME RRset written when the name has only that (the chain
 * goes on), else NULL: the answer is complete. */
static const struct zdb_rrset *resolve_name(struct answer_state *st,
                                            const struct snapshot *snap,
                                            const struct zdb_zone *zone,
                                            const uint8_t *name, size_t nlen,
                                            const uint8_t *owner, bool first)
{
	const struct pkt_query *q = st->q;
	const struct zdb_node *node;
	size_t olen = owner == NULL ? 0 : nlen;
	enum zdb_result res =
	    zdb_lookup(zone, name, nlen, q->qtype == DNS_TYPE_DS, &node);
	if (res == ZDB_DELEGATION) {
		if (first)
			st->flags &= (uint16_t)~DNS_FLAG_AA;
		add_referral(st, snap, zone, node);
		return NULL;
	}
	if (res == ZDB_NXDOMAIN) {
		/* RFC 6604: the rcode speaks for the last name. */
		add_negative(st, snap, zone, owner, name, nlen, NULL, 0);
		return NULL;
	}
	const struct lb_record *lb = node->lb;
	if (lb != NULL && res == ZDB_EXACT) {
		/* SPEC 3: ANY gets the A answer if there are IPv4 members,
		 * else the AAAA answer. */
		int f = q->qtype == DNS_TYPE_A      ? LB_V4
		        : q->qtype == DNS_TYPE_AAAA ? LB_V6
		        : q->qtype != DNS_TYPE_ANY  ? -1
		        : lb->has_family[LB_V4]     ? LB_V4
		        : lb->has_family[LB_V6]     ? LB_V6
		                                    : -1;
		if (f >= 0) {
			add_lb(st, snap, zone, node, lb, (enum lb_family)f,
			       owner, olen);
			return NULL;
		}
	}
	const struct zdb_rrset *rs = q->qtype == DNS_TYPE_ANY
	                                 ? any_rrset(node)
	                                 : zdb_node_rrset(node, q->qtype);
	if (rs != NULL) {
		if (add_answer_rrset(st, snap, zone, res, owner, olen, name,
		                     nlen, rs) &&
		    q->qtype != DNS_TYPE_ANY)
			add_additional(st, snap, rs);
		return NULL;
	}
	const struct zdb_rrset *cname = zdb_node_rrset(node, DNS_TYPE_CNAME);
	if (cname == NULL) {
		add_negative(st, snap, zone, owner, name, nlen, node, 0);
		return NULL;
	}
	if (!add_answer_rrset(st, snap, zone, res, owner, olen, name, nlen,
	                      cname))
		return NULL;
	return cname;
}

void resolve_query(struct answer_state *st, const struct snapshot *snap,
                   const struct zdb_zone *zone)
{
	const struct pkt_query *q = st->q;
	uint8_t lower[DNAME_MAXLEN];
	const uint8_t *name = q->qname_lower;
	size_t nlen = q->qname_len;
	const uint8_t *owner = NULL; /* NULL: the question name */
	/* The names of the chain so far (the question's, then each target
	 * followed; they point into the query or the snapshot, stable for the
	 * whole answer), to stop at the first one seen again. */
	const uint8_t *chain[ANSWER_MAX_CNAME + 1];
	size_t chain_len[ANSWER_MAX_CNAME + 1];

	for (unsigned links = 0;; links++) {
		if (DNSD_UNLIKELY(q->qtype == DNS_TYPE_DS))
			zone = ds_zone(snap, zone, name, nlen);
		const struct zdb_rrset *cname =
		    resolve_name(st, snap, zone, name, nlen, owner, links == 0);
		/* README: up to ANSWER_MAX_CNAME links are followed; the CNAME
		 * after them is sent for the resolver to chase. */
		if (cname == NULL || links == ANSWER_MAX_CNAME)
			return;
		chain[links] = links == 0 ? q->qname_lower : owner;
		chain_len[links] = nlen;
		/* Follow the target if it is ours (RFC 1034 section 4.3.2
		 * step 3a); owner points into the snapshot, stable for the
		 * whole answer, so it can serve as a compression target. */
		const uint8_t *target = cname->rdata + 2;
		int tlen =
		    dname_check_prefix(target, wire_peek_u16(cname->rdata));
		if (tlen < 0)
			return;
		/* RFC 2181 section 5: an RRset holds no duplicates, so a loop
		 * ends at the first name seen again. */
		for (unsigned i = 0; i <= links; i++)
			if (dname_equal(chain[i], chain_len[i], target,
			                (size_t)tlen))
				return;
		dname_tolower(lower, target, (size_t)tlen);
		zone = snapshot_find_zone(snap, lower, (size_t)tlen);
		if (zone == NULL)
			return;
		owner = target;
		name = lower;
		nlen = (size_t)tlen;
	}
}
