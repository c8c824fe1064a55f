/* keys.h - a zone's DNSSEC keys (SPEC 9), read from BIND-format key pairs
 * (Kname.+alg+tag.key / .private) with ldns at load and reload: never on
 * the query path. */
#ifndef DNSD_DNSSEC_KEYS_H
#define DNSD_DNSSEC_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/diag.h"
#include "conf/config.h"
#include "dns/dname.h"

struct evp_pkey_st;

#define DNSSEC_FLAG_ZONE 0x0100 /* RFC 4034 section 2.1.1 */
#define DNSSEC_FLAG_SEP  0x0001 /* set on KSKs and CSKs */
/* Largest DNSKEY RDATA we take: both algorithms need 68 bytes or fewer;
 * the slack only lets an odd key be reported rather than cut. */
#define DNSSEC_DNSKEY_MAX 512

/* Keys in one zone at most: a KSK and a ZSK with one of each being rolled
 * in is four; more is a mistake, and each signing key adds a signature to
 * every answer. */
#define DNSSEC_KEYS_MAX 8

struct dnssec_key {
	uint16_t flags; /* 257 KSK or CSK, 256 ZSK */
	uint8_t alg;
	uint16_t tag;
	bool sign;    /* false: a `publish` key */
	uint32_t ttl; /* from the .key file */
	uint16_t rdlen;
	uint8_t rdata[DNSSEC_DNSKEY_MAX]; /* DNSKEY RDATA */
	struct evp_pkey_st *pkey;         /* private key; NULL to publish */
	uint8_t ds[36]; /* its DS/CDS RDATA, SHA-256 (RFC 4509) */
	unsigned line;  /* in the INI file */
};

struct dnssec_keyset {
	uint8_t apex[DNAME_MAXLEN]; /* lower case: the signer name */
	size_t apex_len;
	struct dnssec_key *keys;
	size_t nkeys;
	bool has_zsk; /* a signing ZSK: KSKs then sign only the apex keys */
	uint16_t stat_slot; /* of dnsd_dnssec_signatures_total{zone} */
	/* Signatures made when the zone was built: counted into stat_slot
	 * by the snapshot once its zones are loaded (the stats registry has
	 * one writer at a time; zones load on several threads). */
	uint64_t built_sigs;
};

/* Read every key of cz. Each problem (unreadable file, another zone's
 * key, an algorithm other than 13 and 15, a private key that does not
 * match its public key, ZSKs without a KSK) goes to diag at its INI line.
 * Returns 0 with *out (NULL when the zone has no keys), or -1. */
int dnssec_keys_load(const struct config_zone *cz, struct dnssec_keyset **out,
                     struct diag *diag);

void dnssec_keys_free(struct dnssec_keyset *ks);

/* Whether k signs an RRset of this type: KSKs (SEP bit) sign DNSKEY, CDS
 * and CDNSKEY, and everything else too when the zone has no ZSK. */
bool dnssec_key_signs(const struct dnssec_keyset *ks,
                      const struct dnssec_key *k, uint16_t type);

#endif
