/* answer.c - the per-query ladder: parse, count, size the response, answer
 * the error outcomes, CHAOS and refusals, consult the answer cache, hand
 * the question to zone resolution (resolve.c), and finish with TC, the OPT
 * record (RFC 6891) and the ECS option (RFC 7871). */
#include "answer/answer.h"

#include <string.h>

#include "answer/explain.h"
#include "answer/resolve.h"
#include "answer/response.h"
#include "dns/packet.h"
#include "dns/wire.h"
#include "dnssec/nsec.h"

/* RFC 1035 section 4.2.1: a UDP message without EDNS is at most 512. */
#define ANSWER_UDP_CLASSIC 512

/* Room for the ECS option we echo: code, length, family, two prefixes and
 * at most 16 address bytes (RFC 7871 section 6). */
#define ANSWER_ECS_MAX (4 + 4 + 16)

void answer_ctx_init(struct answer_ctx *ctx, struct stats *stats, uint64_t seed)
{
	ctx->stats = stats;
	ctx->cache = NULL;
	ctx->geocache = NULL;
	ctx->signer = NULL;
	ctx->trace = false;
	ctx->last.answered = false;
	ctx->rcode = DNS_RCODE_NOERROR;
	ctx->tc = false;
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

/* The largest response this query may get: over TCP outcap; over UDP 512
 * without EDNS, else the smaller of the client's size and ours (RFC 6891
 * section 6.2.5: a requestor's size below 512 is treated as 512). */
static size_t answer_limit(const struct pkt_query *q, uint16_t our_payload,
                           bool tcp, size_t outcap)
{
	size_t n = outcap;
	if (!tcp) {
		n = ANSWER_UDP_CLASSIC;
		if (q->edns) {
			if (q->edns_udp_size > n)
				n = q->edns_udp_size;
			if (n > our_payload)
				n = our_payload;
		}
	}
	return n < outcap ? n : outcap;
}

/* The ECS option echoed back (RFC 7871 section 7.2.1): family, source
 * prefix and address as received, with our SCOPE. Returns its length. */
static uint16_t answer_ecs_option(const struct pkt_query *q, uint8_t scope,
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

/* The rcode of a query the ladder did not accept. */
static uint16_t answer_outcome_rcode(enum pkt_outcome oc)
{
	switch (oc) {
	case PKT_FORMERR:
		return DNS_RCODE_FORMERR;
	case PKT_NOTIMP:
		return DNS_RCODE_NOTIMP;
	case PKT_BADVERS:
		return DNS_RCODE_BADVERS;
	case PKT_OK:
	case PKT_DROP:
		break;
	}
	return DNS_RCODE_NOERROR;
}

/* RFC 2181 section 9: what does not fit is not sent in part; the records
 * go, TC=1 stays, and the client retries over TCP. */
static void answer_cut(struct answer_state *st, size_t mark)
{
	if (st->truncated) {
		resp_truncate(st->r, mark);
		st->flags |= DNS_FLAG_TC;
	}
}

/* A well-formed query: CHAOS, refusals, the cache, then the zones. */
static void answer_question(struct answer_state *st,
                            const struct snapshot *snap, size_t mark)
{
	/* st->client is written by the locator before any read (st->located
	 * guards it); not zeroing it per query keeps the hot path short. */
	/* cppcheck-suppress ctuuninitvar */
	const struct pkt_query *q = st->q;
	struct answer_ctx *ctx = st->ctx;

	if (q->qclass == DNS_CLASS_CH) {
		st->rcode = explain_answer(st, snap) ? DNS_RCODE_NOERROR
		                                     : DNS_RCODE_REFUSED;
		answer_cut(st, mark);
		return;
	}
	/* Only class IN holds data; zone transfers are not offered. */
	if (q->qclass != DNS_CLASS_IN || q->qtype == DNS_TYPE_AXFR ||
	    q->qtype == DNS_TYPE_IXFR) {
		st->rcode = DNS_RCODE_REFUSED;
		return;
	}
	/* RFC 9824 section 3.1: NXNAME is a meta-type, never asked for. */
	if (DNSD_UNLIKELY(q->qtype == DNSSEC_TYPE_NXNAME && q->edns_do)) {
		st->rcode = DNS_RCODE_FORMERR;
		return;
	}
	struct answer_cache_entry *ce = NULL;
	if (ctx->cache != NULL) {
		uint16_t flags;
		ce = answer_cache_slot(ctx->cache, q);
		/* A hit needs no zone search: it was done for the same name
		 * in the same snapshot. */
		if (answer_cache_get(ce, snap->generation, q, st->r, &flags,
		                     &st->rcode)) {
			st->flags |= flags;
			return;
		}
	}
	const struct zdb_zone *zone = snapshot_find_zone_map(
	    snap, q->qname_lower, q->qname_len, q->qlabel_map);
	if (zone == NULL) {
		st->rcode = DNS_RCODE_REFUSED;
		return;
	}
	st->flags |= DNS_FLAG_AA;
	resolve_query(st, snap, zone);
	answer_cut(st, mark);
	/* Answers that depend on health or the client, and those that are
	 * truncated (TC), are never reused. */
	if (ce != NULL && !st->dynamic && !(st->flags & DNS_FLAG_TC))
		answer_cache_put(ce, snap->generation, q, st->r, mark,
		                 st->flags & DNS_FLAG_AA, st->rcode);
}

/* Keep what the debug query log needs (only when it is on). */
static void answer_trace(struct answer_trace *t, const struct pkt_query *q,
                         const struct answer_state *st)
{
	t->answered = true;
	t->has_question = q->has_question;
	t->qname_len = q->has_question ? q->qname_len : 0;
	memcpy(t->qname, q->qname, t->qname_len);
	t->qtype = q->qtype;
	t->qclass = q->qclass;
	t->rcode = st->rcode;
	t->cluster = st->cluster != NULL ? st->cluster->name : NULL;
}

size_t answer_query(struct answer_ctx *ctx, const struct snapshot *snap,
                    const uint8_t *pkt, size_t len, uint8_t *out, size_t outcap,
                    bool tcp, const struct sockaddr *src)
{
	struct pkt_query q;
	enum pkt_outcome oc = packet_parse_query(pkt, len, &q);

	if (oc == PKT_DROP) {
		stats_inc(&ctx->stats->dropped);
		if (ctx->trace)
			ctx->last.answered = false;
		return 0;
	}
	stats_inc(&ctx->stats->queries[tcp ? STATS_TCP : STATS_UDP]
	                              [q.has_question ? stats_qtype_of(q.qtype)
	                                              : STATS_QT_OTHER]);

	size_t max = answer_limit(&q, snap->udp_payload, tcp, outcap);
	uint8_t opt[ANSWER_ECS_MAX];
	uint16_t optlen = 0;
	/* Echo ECS only when we use it (RFC 7871 section 7.2.1); its size
	 * does not depend on the scope, which is known only at the end. */
	bool echo_ecs = q.edns && q.ecs.present && oc == PKT_OK && snap->ecs;
	if (echo_ecs)
		optlen = answer_ecs_option(&q, 0, opt);
	/* The OPT RR: root owner, type, class, TTL, RDLENGTH = 11 bytes. */
	size_t opt_room = q.edns ? 11u + optlen : 0;

	struct resp r;
	resp_init(&r, out, max - opt_room);
	struct answer_state st;
	st.r = &r;
	st.q = &q;
	st.ctx = ctx;
	st.src = src;
	/* RFC 1035 4.1.1: opcode and RD copied; RFC 6840 5.9: CD copied. RA
	 * stays 0: we do not recurse. */
	st.flags = q.flags & (0x7800 | DNS_FLAG_RD | DNS_FLAG_CD);
	st.rcode = DNS_RCODE_NOERROR;
	st.truncated = false;
	st.located = false;
	st.dynamic = false;
	st.ecs_scope = 0;
	st.cluster = NULL;
	resp_header(&r, q.id, 0, 0);
	if (q.has_question && !resp_question(&r, q.qname, q.qname_lower,
	                                     q.qname_len, q.qtype, q.qclass)) {
		/* Only a tiny limit could refuse a <= 259-byte question. */
		r.len = PKT_HEADER_LEN;
	}
	if (oc == PKT_OK)
		answer_question(&st, snap, resp_mark(&r));
	else
		st.rcode = answer_outcome_rcode(oc);

	if (echo_ecs)
		answer_ecs_option(&q, st.ecs_scope, opt);
	if (q.edns)
		resp_add_opt(&r, max, snap->udp_payload,
		             (uint8_t)(st.rcode >> 4),
		             (uint16_t)((q.edns_do ? 0x8000 : 0) |
		                        (q.edns_do && q.edns_co ? 0x4000 : 0)),
		             opt, optlen);
	wire_put_u16(out + 2,
	             (uint16_t)(st.flags | DNS_FLAG_QR | (st.rcode & 0x0F)));
	ctx->rcode = st.rcode;
	ctx->tc = (st.flags & DNS_FLAG_TC) != 0;
	if (ctx->trace)
		answer_trace(&ctx->last, &q, &st);
	return resp_finish(&r);
}
