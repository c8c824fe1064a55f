/* rrsig.c - RRSIG RDATA (RFC 4034 section 3.1) over the canonical RRset. */
#include "dnssec/rrsig.h"

#include <string.h>

#include "dns/wire.h"
#include "dnssec/crypto.h"

static uint32_t peek_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* RFC 4034 section 3.1.3: labels of the owner, not counting the root nor
 * a leading "*" (so a validator can tell a wildcard expansion). */
static uint8_t rrsig_labels(const uint8_t *owner, size_t olen)
{
	unsigned n = dname_labels(owner, olen);
	if (n > 0 && owner[0] == 1 && owner[1] == '*')
		n--;
	return (uint8_t)n;
}

int dnssec_rrsig_make(const struct dnssec_key *k, const uint8_t *signer,
                      size_t signer_len, const uint8_t *owner, size_t olen,
                      uint16_t type, uint32_t ttl, const uint8_t *rdset,
                      uint16_t count, uint32_t inception, uint32_t expiration,
                      struct dnssec_scratch *s, uint8_t *out)
{
	if (k->pkey == NULL || signer_len > DNAME_MAXLEN)
		return -1;
	wire_put_u16(out, type);
	out[2] = k->alg;
	out[3] = rrsig_labels(owner, olen);
	wire_put_u32(out + 4, ttl);
	wire_put_u32(out + 8, expiration);
	wire_put_u32(out + 12, inception);
	wire_put_u16(out + 16, k->tag);
	memcpy(out + DNSSEC_RRSIG_FIXED, signer, signer_len);
	size_t plen = DNSSEC_RRSIG_FIXED + signer_len;
	size_t dlen = dnssec_signed_data(s, out, plen, owner, olen, type, ttl,
	                                 rdset, count);
	if (dlen == 0)
		return -1;
	int sl = dnssec_sign_data(k->pkey, k->alg, s->data, dlen, out + plen);
	return sl < 0 ? -1 : (int)(plen + (size_t)sl);
}

bool dnssec_rrsig_verify(const uint8_t *key, uint16_t keylen,
                         const uint8_t *sig, uint16_t siglen,
                         const uint8_t *owner, size_t olen, uint16_t type,
                         const uint8_t *rdset, uint16_t count,
                         struct dnssec_scratch *s)
{
	if (siglen <= DNSSEC_RRSIG_FIXED || keylen < 4)
		return false;
	if (wire_peek_u16(sig) != type || sig[2] != key[3] ||
	    wire_peek_u16(sig + 16) != dnssec_keytag(key, keylen))
		return false;
	int sn = dname_check_prefix(sig + DNSSEC_RRSIG_FIXED,
	                            siglen - DNSSEC_RRSIG_FIXED);
	if (sn < 0)
		return false;
	size_t plen = DNSSEC_RRSIG_FIXED + (size_t)sn;
	/* RFC 4035 section 5.3.2: an owner with more labels than the RRSIG
	 * says is a wildcard expansion: sign over "*.<last labels>". */
	unsigned have = dname_labels(owner, olen);
	uint8_t wild[DNAME_MAXLEN];
	if (sig[3] > have)
		return false;
	if (sig[3] < have) {
		size_t off = dname_skip_labels(owner, olen, have - sig[3]);
		if (olen - off + 2 > sizeof(wild))
			return false;
		wild[0] = 1;
		wild[1] = '*';
		memcpy(wild + 2, owner + off, olen - off);
		owner = wild;
		olen = olen - off + 2;
	}
	size_t dlen = dnssec_signed_data(s, sig, plen, owner, olen, type,
	                                 peek_u32(sig + 4), rdset, count);
	struct evp_pkey_st *pk = dnssec_pubkey(key, keylen);
	bool ok = dlen > 0 && pk != NULL &&
	          dnssec_verify_data(pk, key[3], s->data, dlen, sig + plen,
	                             siglen - plen);
	dnssec_pkey_free(pk);
	return ok;
}
