/* answer_cache.c - the per-worker cache of static answers: the records
 * after the question, copied in and out whole. */
#include "answer/answer_cache.h"

#include <string.h>

/* DO (signed answers) and CO (NXDOMAIN kept under compact denial) make
 * different answers to one question. */
static uint8_t cache_variant(const struct pkt_query *q)
{
	return (uint8_t)(q->edns_do | (q->edns_co << 1));
}

bool answer_cache_get(const struct answer_cache_entry *e, uint64_t generation,
                      const struct pkt_query *q, struct resp *r,
                      uint16_t *flags, uint16_t *rcode)
{
	if (e->generation != generation || e->qtype != q->qtype ||
	    e->variant != cache_variant(q) || e->qname_len != q->qname_len ||
	    memcmp(e->qname, q->qname_lower, q->qname_len) != 0 ||
	    r->limit - r->len < e->body_len)
		return false;
	memcpy(r->buf + r->len, e->body, e->body_len);
	r->len += e->body_len;
	memcpy(r->count, e->count, sizeof(r->count));
	*flags = e->flags;
	*rcode = e->rcode;
	return true;
}

void answer_cache_put(struct answer_cache_entry *e, uint64_t generation,
                      const struct pkt_query *q, const struct resp *r,
                      size_t mark, uint16_t flags, uint16_t rcode)
{
	size_t n = r->len - mark;
	if (n > ANSWER_CACHE_BODY)
		return;
	e->generation = generation;
	e->qtype = q->qtype;
	e->variant = cache_variant(q);
	e->qname_len = q->qname_len;
	memcpy(e->qname, q->qname_lower, q->qname_len);
	e->flags = flags;
	e->rcode = (uint8_t)rcode;
	e->body_len = (uint16_t)n;
	memcpy(e->body, r->buf + mark, n);
	memcpy(e->count, r->count, sizeof(e->count));
}
