/* answer.c - authoritative answering: RFC 1034 section 4.3.2 over the
 * compiled zones, with RFC 2308 negative answers, RFC 6891 EDNS and RFC 8482
 * minimal ANY. */
#include "answer/answer.h"

#include <string.h>

#include "answer/client.h"
#include "answer/explain.h"
#include "lb/lb.h"
#include "base/log.h"
#include "dns/packet.h"
#include "answer/response.h"
#include "dns/wire.h"

/* RFC 1035 section 4.2.1: a UDP message without EDNS is at most 512. */
#define ANSWER_UDP_CLASSIC 512

void answer_ctx_init(struct answer_ctx *ctx, struct stats *stats, uint64_t seed)
{
	ctx->stats = stats;
	ctx->cache = NULL;
	ctx->geocache = NULL;
	/* splitmix64 spreads any seed (even 0) into a valid nonzero state. */
	for (int i = 0; i < 2; i++) {
		seed += 0x9E3779B97F4A7C15ull;
		uint64_t z = seed;
		z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
		z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
		ctx->rng[i] = z ^ (z >> 31);
	}
	if ((ctx->rng[0] | ctx->rng[1]) == 0)
		ctx->rng[0] = 1;
}

/* The largest response this query may get over UDP (RFC 6891 section
 * 6.2.5: a requestor's size below 512 is treated as 512). */
static size_t udp_limit(const struct pkt_query *q, uint16_t our_payload)
{
	if (!q->edns)
		return ANSWER_UDP_CLASSIC;
	size_t n = q->edns_udp_size < ANSWER_UDP_CLASSIC ? ANSWER_UDP_CLASSIC
	                                                 : q->edns_udp_size;
	return n < our_payload ? n : our_payload;
}

/* The ECS option echoed back (RFC 7871 section 7.2.1): family, source
 * prefix and address as received, with our SCOPE. Returns its length. */
static uint16_t ecs_option(const struct pkt_query *q, uint8_t scope,
                           uint8_t *buf)
{
	size_t alen = ((size_t)q->ecs.source_prefix + 7) / 8;
	wire_put_u16(buf, DNS_EDNS_ECS);
	wire_put_u16(buf + 2, (uint16_t)(4 + alen));
	wire_put_u16(buf + 4, q->ecs.family);
	buf[6] = q->ecs.source_prefix;
	buf[7] = scope;
	memcpy(buf + 8, q->ecs.addr, alen);
	return (uint16_t)(8 + alen);
}

/* State of one answer while it is being resolved. */
struct resolve {
	struct resp *r;
	const struct pkt_query *q;
	struct answer_ctx *ctx;
	const struct sockaddr *src;
	uint16_t flags;
	uint16_t rcode;
	bool truncated;
	bool located;      /* client placed (once, on first need) */
	bool dynamic;      /* depends on health or client: not cached */
	uint8_t ecs_scope; /* RFC 7871 SCOPE PREFIX-LENGTH to send */
	struct lb_client client;
};

/* The zone's SOA in the authority section, TTL per RFC 2308 section 3. */
static void add_negative_soa(struct resolve *st, const struct zdb_zone *z)
{
	const uint8_t *rd = z->soa->rdata;
	uint16_t rdlen = wire_peek_u16(rd);
	if (!resp_add_rr(st->r, RESP_AUTHORITY, z->apex, z->apex_len,
	                 DNS_TYPE_SOA, DNS_CLASS_IN, z->neg_ttl, rd + 2, rdlen))
		st->truncated = true;
}

/* A referral (RFC 1034 section 4.3.2 step 3b): the cut's NS RRset in the
 * authority section and in-zone glue in the additional section. Glue that
 * does not fit sets TC (RFC 9471 section 3). */
static void add_referral(struct resolve *st, const struct zdb_node *cut)
{
	const struct zdb_rrset *ns = zdb_node_rrset(cut, DNS_TYPE_NS);
	if (ns == NULL || !resp_add_rrset(st->r, RESP_AUTHORITY, cut->name,
	                                  cut->name_len, ns)) {
		st->truncated = true;
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
static void add_lb(struct resolve *st, const struct snapshot *snap,
                   const struct zdb_zone *zone, const struct lb_record *rec,
                   enum lb_family f, const uint8_t *owner, size_t olen)
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
	if (ch.outcome == LB_NODATA) {
		add_negative_soa(st, zone);
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
	uint16_t type = f == LB_V4 ? DNS_TYPE_A : DNS_TYPE_AAAA;
	uint16_t rdlen = f == LB_V4 ? 4 : 16;
	for (unsigned i = 0; i < ch.n; i++) {
		if (!resp_add_rr(st->r, RESP_ANSWER, owner, olen, type,
		                 DNS_CLASS_IN, ch.ttl, ch.picked[i]->addr,
		                 rdlen)) {
			st->truncated = true;
			return;
		}
	}
}

/* RFC 1035 section 3.3.9 / 6.2.2 additional section processing: the
 * addresses of in-zone targets of NS, MX and SRV answers, as far as they
 * fit (they are optional, so no TC when they do not). */
static void add_additional(struct resolve *st, const struct snapshot *snap,
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
			if (a != NULL &&
			    !resp_add_rrset(st->r, RESP_ADDITIONAL, target,
			                    (size_t)tlen, a)) {
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

/* Resolve the question inside our zones, following CNAMEs. */
static void resolve(struct resolve *st, const struct snapshot *snap,
                    const struct zdb_zone *zone)
{
	const struct pkt_query *q = st->q;
	uint8_t lower[DNAME_MAXLEN];
	const uint8_t *name = q->qname_lower;
	size_t nlen = q->qname_len;
	const uint8_t *owner = NULL; /* NULL: the question name */

	for (unsigned hops = 0;; hops++) {
		const struct zdb_node *node;
		enum zdb_result res = zdb_lookup(
		    zone, name, nlen, q->qtype == DNS_TYPE_DS, &node);
		if (res == ZDB_DELEGATION) {
			if (hops == 0)
				st->flags &= (uint16_t)~DNS_FLAG_AA;
			add_referral(st, node);
			return;
		}
		if (res == ZDB_NXDOMAIN) {
			/* RFC 6604: the rcode speaks for the last name. */
			st->rcode = DNS_RCODE_NXDOMAIN;
			add_negative_soa(st, zone);
			return;
		}
		const struct lb_record *lb = node->lb;
		if (lb != NULL && res == ZDB_EXACT) {
			/* SPEC 3: ANY gets the A answer if there are IPv4
			 * members, else the AAAA answer. */
			int f = q->qtype == DNS_TYPE_A      ? LB_V4
			        : q->qtype == DNS_TYPE_AAAA ? LB_V6
			        : q->qtype != DNS_TYPE_ANY  ? -1
			        : lb->has_family[LB_V4]     ? LB_V4
			        : lb->has_family[LB_V6]     ? LB_V6
			                                    : -1;
			if (f >= 0) {
				add_lb(st, snap, zone, lb, (enum lb_family)f,
				       owner, owner == NULL ? 0 : nlen);
				return;
			}
		}
		const struct zdb_rrset *rs =
		    q->qtype == DNS_TYPE_ANY ? any_rrset(node)
		                             : zdb_node_rrset(node, q->qtype);
		if (rs != NULL) {
			if (!resp_add_rrset(st->r, RESP_ANSWER, owner,
			                    owner == NULL ? 0 : nlen, rs))
				st->truncated = true;
			else if (q->qtype != DNS_TYPE_ANY)
				add_additional(st, snap, rs);
			return;
		}
		const struct zdb_rrset *cname =
		    zdb_node_rrset(node, DNS_TYPE_CNAME);
		if (cname == NULL) {
			add_negative_soa(st, zone); /* NODATA */
			return;
		}
		if (!resp_add_rrset(st->r, RESP_ANSWER, owner,
		                    owner == NULL ? 0 : nlen, cname)) {
			st->truncated = true;
			return;
		}
		if (hops + 1 >= ANSWER_MAX_CNAME)
			return;
		/* Follow the target if it is ours (RFC 1034 section 4.3.2
		 * step 3a); owner points into the snapshot, stable for the
		 * whole answer, so it can serve as a compression target. */
		const uint8_t *target = cname->rdata + 2;
		int tlen =
		    dname_check_prefix(target, wire_peek_u16(cname->rdata));
		if (tlen < 0)
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

/* CHAOS TXT for a load-balanced name from an allowed network: how an IN
 * query from this client is decided (SPEC 3, Explain). False: REFUSED. */
static bool explain(struct resolve *st, const struct snapshot *snap)
{
	const struct pkt_query *q = st->q;
	if (q->qtype != DNS_TYPE_TXT || !client_may_explain(snap, st->src))
		return false;
	const struct zdb_zone *zone =
	    snapshot_find_zone(snap, q->qname_lower, q->qname_len);
	if (zone == NULL)
		return false;
	const struct zdb_node *node =
	    zdb_find_node(zone, q->qname_lower, q->qname_len);
	if (node == NULL || node->lb == NULL)
		return false;
	char lines[EXPLAIN_MAX_LINES][EXPLAIN_LINE];
	struct client_addr a;
	client_address(snap, q, st->src, &a);
	unsigned n = explain_record(snap, node->lb, &a, st->ctx->rng, lines);
	for (unsigned i = 0; i < n; i++) {
		uint8_t rd[EXPLAIN_LINE];
		size_t len = strlen(lines[i]);
		rd[0] = (uint8_t)len;
		memcpy(rd + 1, lines[i], len);
		if (!resp_add_rr(st->r, RESP_ANSWER, st->r->qname,
		                 st->r->qname_len, DNS_TYPE_TXT, DNS_CLASS_CH,
		                 0, rd, (uint16_t)(len + 1))) {
			st->truncated = true;
			break;
		}
	}
	return true;
}

size_t answer_query(struct answer_ctx *ctx, const struct snapshot *snap,
                    const uint8_t *pkt, size_t len, uint8_t *out, size_t outcap,
                    bool tcp, const struct sockaddr *src)
{
	struct pkt_query q;
	enum pkt_outcome oc = packet_parse_query(pkt, len, &q);
	(void)src;

	if (oc == PKT_DROP) {
		stats_inc(&ctx->stats->dropped);
		return 0;
	}
	stats_inc(&ctx->stats->queries[tcp ? STATS_TCP : STATS_UDP]
	                              [q.has_question ? stats_qtype_of(q.qtype)
	                                              : STATS_QT_OTHER]);

	size_t max = tcp ? outcap : udp_limit(&q, snap->udp_payload);
	if (max > outcap)
		max = outcap;
	uint8_t opt[4 + 4 + 16];
	uint16_t optlen = 0;
	/* Echo ECS only when we use it (RFC 7871 section 7.2.1); its size
	 * does not depend on the scope, which is known only at the end. */
	bool echo_ecs = q.edns && q.ecs.present && oc == PKT_OK && snap->ecs;
	if (echo_ecs)
		optlen = ecs_option(&q, 0, opt);
	size_t opt_room = q.edns ? 11u + optlen : 0;

	struct resp r;
	resp_init(&r, out, max - opt_room);
	struct resolve st = {
	    .r = &r,
	    .q = &q,
	    /* RFC 1035 4.1.1: opcode and RD copied; RFC 6840 5.9: CD
	     * copied. RA stays 0: we do not recurse. */
	    .flags = q.flags & (0x7800 | DNS_FLAG_RD | DNS_FLAG_CD),
	    .rcode = DNS_RCODE_NOERROR,
	    .ctx = ctx,
	    .src = src,
	};
	resp_header(&r, q.id, 0, 0);
	if (q.has_question && !resp_question(&r, q.qname, q.qname_lower,
	                                     q.qname_len, q.qtype, q.qclass)) {
		/* Only a tiny limit could refuse a <= 259-byte question. */
		r.len = PKT_HEADER_LEN;
	}
	size_t mark = resp_mark(&r);

	switch (oc) {
	case PKT_OK:
		break;
	case PKT_FORMERR:
		st.rcode = DNS_RCODE_FORMERR;
		goto finish;
	case PKT_NOTIMP:
		st.rcode = DNS_RCODE_NOTIMP;
		goto finish;
	case PKT_BADVERS:
		st.rcode = DNS_RCODE_BADVERS;
		goto finish;
	case PKT_DROP:
		return 0;
	}

	if (q.qclass == DNS_CLASS_CH) {
		st.rcode =
		    explain(&st, snap) ? DNS_RCODE_NOERROR : DNS_RCODE_REFUSED;
		if (st.truncated) {
			resp_truncate(&r, mark);
			st.flags |= DNS_FLAG_TC;
		}
		goto finish;
	}
	/* Only class IN holds data; zone transfers are not offered. */
	if (q.qclass != DNS_CLASS_IN || q.qtype == DNS_TYPE_AXFR ||
	    q.qtype == DNS_TYPE_IXFR) {
		st.rcode = DNS_RCODE_REFUSED;
		goto finish;
	}
	struct answer_cache_entry *ce = NULL;
	if (ctx->cache != NULL) {
		ce = answer_cache_slot(ctx->cache, q.qname_lower, q.qname_len,
		                       q.qtype);
		if (answer_cache_match(ce, snap->generation, q.qname_lower,
		                       q.qname_len, q.qtype) &&
		    r.limit - r.len >= ce->body_len) {
			/* The bytes after the question, as computed for the
			 * same name and type from the same snapshot. */
			memcpy(out + r.len, ce->body, ce->body_len);
			r.len += ce->body_len;
			memcpy(r.count, ce->count, sizeof(r.count));
			st.flags |= ce->flags;
			st.rcode = ce->rcode;
			goto finish;
		}
	}
	/* After the cache: a hit needs no zone search (it was done for the
	 * same name in the same snapshot). */
	const struct zdb_zone *zone = snapshot_find_zone_map(
	    snap, q.qname_lower, q.qname_len, q.qlabel_map);
	if (zone == NULL) {
		st.rcode = DNS_RCODE_REFUSED;
		goto finish;
	}
	st.flags |= DNS_FLAG_AA;
	resolve(&st, snap, zone);
	if (st.truncated) {
		/* RFC 2181 section 9: what does not fit is not sent in part;
		 * the client retries over TCP. */
		resp_truncate(&r, mark);
		st.flags |= DNS_FLAG_TC;
	} else if (ce != NULL && !st.dynamic && !(st.flags & DNS_FLAG_TC) &&
	           r.len - mark <= ANSWER_CACHE_BODY) {
		ce->generation = snap->generation;
		ce->qtype = q.qtype;
		ce->qname_len = q.qname_len;
		memcpy(ce->qname, q.qname_lower, q.qname_len);
		ce->flags = st.flags & DNS_FLAG_AA;
		ce->rcode = (uint8_t)st.rcode;
		ce->body_len = (uint16_t)(r.len - mark);
		memcpy(ce->body, out + mark, ce->body_len);
		memcpy(ce->count, r.count, sizeof(ce->count));
	}

finish:
	if (echo_ecs)
		ecs_option(&q, st.ecs_scope, opt);
	if (q.edns)
		resp_add_opt(&r, max, snap->udp_payload,
		             (uint8_t)(st.rcode >> 4), q.edns_do, opt, optlen);
	wire_put_u16(out + 2,
	             (uint16_t)(st.flags | DNS_FLAG_QR | (st.rcode & 0x0F)));
	stats_inc(
	    &ctx->stats->responses[st.rcode < STATS_RCODE_N ? st.rcode : 0]);
	if (st.flags & DNS_FLAG_TC)
		stats_inc(&ctx->stats->truncated);
	return resp_finish(&r);
}
