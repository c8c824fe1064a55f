/* online.c - the per-worker signature cache and fresh signing. */
#include "dnssec/online.h"

#include <stdlib.h>
#include <string.h>

#include "dns/wire.h"
#include "dnssec/rrsig.h"

/* Re-sign when fewer than 7 days of the 14 remain (SPEC 9). */
#define DNSSEC_REFRESH_AFTER (7u * 86400u)

struct dnssec_signer *dnssec_signer_new(void)
{
	struct dnssec_signer *sg = calloc(1, sizeof(*sg));
	if (sg == NULL)
		return NULL;
	sg->scratch = malloc(sizeof(*sg->scratch));
	sg->slots = calloc(DNSSEC_CACHE_SLOTS, sizeof(*sg->slots));
	if (sg->scratch == NULL || sg->slots == NULL) {
		dnssec_signer_free(sg);
		return NULL;
	}
	return sg;
}

void dnssec_signer_free(struct dnssec_signer *sg)
{
	if (sg == NULL)
		return;
	free(sg->scratch);
	free(sg->slots);
	free(sg);
}

/* The cache key: owner | type | ttl | RDATAs, as one string. */
static size_t make_key(uint8_t *k, const uint8_t *owner, size_t olen,
                       uint16_t type, uint32_t ttl, const uint8_t *rdset,
                       size_t rdset_len)
{
	if (olen + 6 + rdset_len > DNSSEC_CACHE_KEY)
		return 0;
	memcpy(k, owner, olen);
	wire_put_u16(k + olen, type);
	wire_put_u32(k + olen + 2, ttl);
	memcpy(k + olen + 6, rdset, rdset_len);
	return olen + 6 + rdset_len;
}

/* FNV-1a, 64 bits: spreads the member combinations of one name. */
static uint64_t key_hash(const uint8_t *k, size_t len, uint64_t generation)
{
	uint64_t h = 0xcbf29ce484222325ull ^ generation;
	for (size_t i = 0; i < len; i++)
		h = (h ^ k[i]) * 0x100000001b3ull;
	return h ^ (h >> 29);
}

const uint8_t *dnssec_sign_online(struct dnssec_signer *sg, uint64_t generation,
                                  uint32_t now, const struct dnssec_keyset *ks,
                                  const uint8_t *owner, size_t olen,
                                  uint16_t type, uint32_t ttl,
                                  const uint8_t *rdset, size_t rdset_len,
                                  uint16_t count_rr, uint16_t *count)
{
	uint8_t key[DNSSEC_CACHE_KEY];
	size_t klen = make_key(key, owner, olen, type, ttl, rdset, rdset_len);
	struct dnssec_cache_entry *e = &sg->spill;
	if (klen > 0) {
		e = &sg->slots[key_hash(key, klen, generation) &
		               (DNSSEC_CACHE_SLOTS - 1)];
		if (e->generation == generation && e->key_len == klen &&
		    (int32_t)(now - e->refresh) < 0 &&
		    memcmp(e->key, key, klen) == 0) {
			sg->hits++;
			*count = e->sig_count;
			return e->sigs;
		}
		sg->misses++;
	}
	e->generation = 0;
	size_t len = 0;
	uint16_t n = 0;
	for (size_t i = 0; i < ks->nkeys; i++) {
		const struct dnssec_key *k = &ks->keys[i];
		if (!dnssec_key_signs(ks, k, type))
			continue;
		if (sizeof(e->sigs) - len < 2 + DNSSEC_RRSIG_MAX)
			break;
		int sl = dnssec_rrsig_make(
		    k, ks->apex, ks->apex_len, owner, olen, type, ttl, rdset,
		    count_rr, now - DNSSEC_INCEPTION_SKEW,
		    now + DNSSEC_VALIDITY, sg->scratch, e->sigs + len + 2);
		if (sl < 0)
			return NULL;
		sg->signatures++;
		wire_put_u16(e->sigs + len, (uint16_t)sl);
		len += 2u + (size_t)sl;
		n++;
	}
	if (n == 0)
		return NULL;
	e->sigs_len = (uint16_t)len;
	e->sig_count = n;
	if (klen > 0) {
		memcpy(e->key, key, klen);
		e->key_len = (uint16_t)klen;
		e->refresh = now + DNSSEC_REFRESH_AFTER;
		e->generation = generation;
	}
	*count = n;
	return e->sigs;
}
