/* signed.c - RRSIGs and compact-denial NSECs in answers. */
#include "answer/signed.h"

#include <time.h>

#include "dns/wire.h"
#include "dnssec/nsec.h"
#include "dnssec/online.h"

static void add_sigs(struct answer_state *st, enum resp_section s,
                     const uint8_t *owner, size_t olen, const uint8_t *sigs,
                     uint16_t count, uint32_t ttl)
{
	if (owner == NULL) {
		owner = st->r->qname;
		olen = st->r->qname_len;
	}
	/* RFC 4035 section 3.1.1: every RRSIG of the RRset, TTL = the
	 * RRset's as sent (its original TTL stays inside the RDATA). */
	for (uint16_t i = 0; i < count; i++) {
		uint16_t rdlen = wire_peek_u16(sigs);
		if (!resp_add_rr(st->r, s, owner, olen, DNS_TYPE_RRSIG,
		                 DNS_CLASS_IN, ttl, sigs + 2, rdlen)) {
			st->truncated = true;
			return;
		}
		sigs += 2u + rdlen;
	}
}

void signed_static(struct answer_state *st, enum resp_section s,
                   const uint8_t *owner, size_t olen,
                   const struct zdb_rrset *rs, uint32_t ttl)
{
	if (rs->sig_count > 0)
		add_sigs(st, s, owner, olen, rs->sigs, rs->sig_count, ttl);
}

void signed_online(struct answer_state *st, const struct snapshot *snap,
                   const struct zdb_zone *z, enum resp_section s,
                   const uint8_t *owner, const uint8_t *lower, size_t olen,
                   uint16_t type, uint32_t ttl, const uint8_t *rdset,
                   size_t rdset_len, uint16_t count)
{
	struct dnssec_signer *sg = st->ctx->signer;
	if (sg == NULL)
		return; /* a caller without a signer (README: tools only) */
	uint16_t n = 0;
	const struct dnssec_keyset *ks = z->dnssec;
	uint64_t made = sg->signatures, hits = sg->hits;
	const uint8_t *sigs = dnssec_sign_online(
	    sg, snap->generation, (uint32_t)time(NULL), ks, lower, olen, type,
	    ttl, rdset, rdset_len, count, &n);
	struct stats *stats = st->ctx->stats;
	if (sg->hits != hits) {
		stats_inc(&stats->dnssec_cache_hits);
	} else {
		stats_inc(&stats->dnssec_cache_misses);
		for (uint64_t i = made; i < sg->signatures; i++)
			stats_inc(&stats->dnssec_signs[ks->stat_slot]);
	}
	if (sigs != NULL)
		add_sigs(st, s, owner, olen, sigs, n, ttl);
}

void signed_denial(struct answer_state *st, const struct snapshot *snap,
                   const struct zdb_zone *z, const uint8_t *owner,
                   const uint8_t *name, size_t nlen,
                   const struct zdb_node *node, uint16_t skip)
{
	/* The types of one name: its RRsets (at most the types a zone file
	 * can hold there; the bitmap ignores what it cannot show) and the
	 * families of a load-balanced name. */
	uint16_t types[64];
	size_t nt = 0;
	if (node == NULL) {
		types[nt++] = DNSSEC_TYPE_NXNAME;
	} else {
		for (uint16_t i = 0; i < node->rrset_count && nt < 60; i++)
			if (node->rrsets[i].type != skip)
				types[nt++] = node->rrsets[i].type;
		const struct lb_record *lb = node->lb;
		if (lb != NULL && lb->has_family[LB_V4] && skip != DNS_TYPE_A)
			types[nt++] = DNS_TYPE_A;
		if (lb != NULL && lb->has_family[LB_V6] &&
		    skip != DNS_TYPE_AAAA)
			types[nt++] = DNS_TYPE_AAAA;
	}
	uint8_t rd[2 + DNSSEC_NSEC_MAX];
	size_t len = dnssec_nsec_rdata(name, nlen, types, nt, rd + 2);
	wire_put_u16(rd, (uint16_t)len);
	if (owner == NULL) {
		owner = st->r->qname;
	}
	/* RFC 9824 section 3: the NSEC's TTL is the negative TTL. */
	if (!resp_add_rr(st->r, RESP_AUTHORITY, owner, nlen, DNS_TYPE_NSEC,
	                 DNS_CLASS_IN, z->neg_ttl, rd + 2, (uint16_t)len)) {
		st->truncated = true;
		return;
	}
	signed_online(st, snap, z, RESP_AUTHORITY, owner, name, nlen,
	              DNS_TYPE_NSEC, z->neg_ttl, rd, len + 2, 1);
}
