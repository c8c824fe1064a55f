/* zonesign.c - signing a zone's static RRsets when its snapshot is built. */
#include "dnssec/zonesign.h"

#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "dns/consts.h"
#include "dns/wire.h"
#include "dnssec/rrsig.h"

size_t dnssec_apex_records(const struct dnssec_keyset *ks,
                           struct zone_extra_rr *out)
{
	size_t n = 0;
	/* One TTL for the RRset (RFC 2181 section 5.2): the first key's. */
	uint32_t ttl = ks->nkeys > 0 ? ks->keys[0].ttl : 3600;
	for (size_t i = 0; i < ks->nkeys; i++) {
		const struct dnssec_key *k = &ks->keys[i];
		out[n++] = (struct zone_extra_rr){DNS_TYPE_DNSKEY, ttl,
		                                  k->rdata, k->rdlen};
		/* RFC 7344: CDS/CDNSKEY tell the parent which DS to hold:
		 * the KSKs (CSKs) that sign, not those being published. */
		if (!k->sign || !(k->flags & DNSSEC_FLAG_SEP))
			continue;
		out[n++] = (struct zone_extra_rr){DNS_TYPE_CDS, ttl, k->ds,
		                                  sizeof(k->ds)};
		out[n++] = (struct zone_extra_rr){DNS_TYPE_CDNSKEY, ttl,
		                                  k->rdata, k->rdlen};
	}
	return n;
}

/* RFC 4035 section 2.2: at a delegation only DS (and NSEC) are the
 * parent's own, signed data; NS and glue are not signed. */
static bool node_signs(const struct zdb_node *n, uint16_t type)
{
	if (n->flags & ZDB_NODE_OCCLUDED)
		return false;
	if ((n->flags & ZDB_NODE_DELEGATION) && !(n->flags & ZDB_NODE_APEX))
		return type == DNS_TYPE_DS;
	return true;
}

long dnssec_sign_zone(const struct zdb_zone *z, const struct dnssec_keyset *ks,
                      struct arena *arena, uint32_t now, struct diag *diag)
{
	struct dnssec_scratch *s = malloc(sizeof(*s));
	if (s == NULL) {
		diag_add(diag, z->name, 0, "out of memory");
		return -1;
	}
	uint32_t inception = now - DNSSEC_INCEPTION_SKEW;
	uint32_t expiration = now + DNSSEC_VALIDITY;
	long made = 0;
	/* At most one RRSIG per key, each at most DNSSEC_RRSIG_MAX. */
	uint8_t buf[DNSSEC_KEYS_MAX * (2 + DNSSEC_RRSIG_MAX)];
	for (uint32_t i = 0; i <= z->table_mask; i++) {
		const struct zdb_node *n = zdb_node_slot(z, i);
		if (n == NULL)
			continue;
		for (uint16_t r = 0; r < n->rrset_count; r++) {
			const struct zdb_rrset *rs = &n->rrsets[r];
			if (!node_signs(n, rs->type))
				continue;
			size_t len = 0;
			uint16_t count = 0;
			for (size_t k = 0; k < ks->nkeys; k++) {
				const struct dnssec_key *key = &ks->keys[k];
				if (!dnssec_key_signs(ks, key, rs->type))
					continue;
				int sl = dnssec_rrsig_make(
				    key, ks->apex, ks->apex_len, n->name,
				    n->name_len, rs->type, rs->ttl, rs->rdata,
				    rs->count, inception, expiration, s,
				    buf + len + 2);
				if (sl < 0) {
					/* Only an RRset too big for any
					 * message gets here. */
					diag_add(diag, z->name, 0,
					         "cannot sign an RRset of %u "
					         "records",
					         rs->count);
					free(s);
					return -1;
				}
				wire_put_u16(buf + len, (uint16_t)sl);
				len += 2u + (size_t)sl;
				count++;
				made++;
			}
			if (count == 0)
				continue;
			uint8_t *mem = arena_alloc(arena, len);
			if (mem == NULL) {
				diag_add(diag, z->name, 0, "out of memory");
				free(s);
				return -1;
			}
			memcpy(mem, buf, len);
			zdb_rrset_set_sigs(rs, mem, (uint32_t)len, count);
		}
	}
	free(s);
	return made;
}
