/* keys.c - reading a zone's key pairs with ldns (BIND format, as
 * ldns-keygen and dnssec-keygen write them), at load time only. */
#include "dnssec/keys.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>
#include <openssl/evp.h>

#include "dns/consts.h"
#include "dnssec/crypto.h"

struct key_reader {
	const struct config_zone *cz;
	const struct config_zone_key *ck;
	struct diag *diag;
};

static void key_err(const struct key_reader *kr, const char *fmt, ...)
    DNSD_PRINTF(2, 3);

static void key_err(const struct key_reader *kr, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_add(kr->diag, kr->cz->ini, kr->ck->line, "[zone %s]: key %s: %s",
	         kr->cz->name, kr->ck->path, msg);
}

static FILE *key_open(const struct key_reader *kr, const char *suffix)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s%s", kr->ck->path, suffix);
	FILE *fp = fopen(path, "r");
	if (fp == NULL) {
		char eb[128];
		key_err(kr, "cannot open %s: %s", path,
		        strerror_r(errno, eb, sizeof(eb)));
	}
	return fp;
}

/* The .key file: one DNSKEY RR owned by the zone's apex. */
static int read_public(const struct key_reader *kr, struct dnssec_key *k)
{
	FILE *fp = key_open(kr, ".key");
	if (fp == NULL)
		return -1;
	ldns_rr *rr = NULL;
	uint32_t ttl = 3600; /* ldns-keygen writes none: an hour, like BIND */
	ldns_status st;
	/* Skip the comment lines dnssec-keygen writes before the record. */
	do {
		st = ldns_rr_new_frm_fp(&rr, fp, &ttl, NULL, NULL);
	} while (st == LDNS_STATUS_SYNTAX_EMPTY);
	fclose(fp);
	int ret = -1;
	ldns_buffer *buf = NULL;
	if (st != LDNS_STATUS_OK) {
		key_err(kr, "cannot read the .key file: %s",
		        ldns_get_errorstr_by_id(st));
		goto done;
	}
	if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_DNSKEY) {
		key_err(kr, "the .key file holds no DNSKEY record");
		goto done;
	}
	const ldns_rdf *owner = ldns_rr_owner(rr);
	if (!dname_equal(ldns_rdf_data(owner), ldns_rdf_size(owner),
	                 kr->cz->dname, kr->cz->dname_len)) {
		char *o = ldns_rdf2str(owner);
		key_err(kr, "is a key for %s, not for %s", o ? o : "?",
		        kr->cz->name);
		free(o);
		goto done;
	}
	buf = ldns_buffer_new(DNSSEC_DNSKEY_MAX);
	if (buf == NULL ||
	    ldns_rr_rdata2buffer_wire(buf, rr) != LDNS_STATUS_OK ||
	    ldns_buffer_position(buf) < 4 ||
	    ldns_buffer_position(buf) > DNSSEC_DNSKEY_MAX) {
		key_err(kr, "malformed DNSKEY");
		goto done;
	}
	k->rdlen = (uint16_t)ldns_buffer_position(buf);
	memcpy(k->rdata, ldns_buffer_begin(buf), k->rdlen);
	k->flags = (uint16_t)(k->rdata[0] << 8 | k->rdata[1]);
	k->alg = k->rdata[3];
	k->tag = dnssec_keytag(k->rdata, k->rdlen);
	k->ttl = ldns_rr_ttl(rr);
	if (!dnssec_alg_supported(k->alg)) {
		key_err(kr,
		        "algorithm %u is not supported (13 ECDSAP256SHA256 or "
		        "15 ED25519)",
		        k->alg);
		goto done;
	}
	if (!(k->flags & DNSSEC_FLAG_ZONE) || k->rdata[2] != 3) {
		key_err(kr, "is not a zone key (flags 256 or 257)");
		goto done;
	}
	ret = 0;
done:
	ldns_buffer_free(buf);
	ldns_rr_free(rr);
	return ret;
}

/* The .private file: the private key, which must be the .key's pair. */
static int read_private(const struct key_reader *kr, struct dnssec_key *k)
{
	FILE *fp = key_open(kr, ".private");
	if (fp == NULL)
		return -1;
	ldns_key *lk = NULL;
	ldns_status st = ldns_key_new_frm_fp(&lk, fp);
	fclose(fp);
	if (st != LDNS_STATUS_OK || lk == NULL ||
	    ldns_key_evp_key(lk) == NULL) {
		key_err(kr, "cannot read the private key: %s",
		        st != LDNS_STATUS_OK ? ldns_get_errorstr_by_id(st)
		                             : "no key in the file");
		if (lk != NULL)
			ldns_key_deep_free(lk);
		return -1;
	}
	int ret = -1;
	if ((unsigned)ldns_key_algorithm(lk) != k->alg) {
		key_err(kr, "the .private file is for another algorithm");
		goto done;
	}
	k->pkey = ldns_key_evp_key(lk);
	EVP_PKEY_up_ref(k->pkey);
	/* A pair mixed up by hand signs answers no one can validate: sign
	 * a probe and check it with the published key. */
	static const uint8_t probe[] = "dnsd key pair check";
	uint8_t sig[DNSSEC_SIG_MAX];
	struct evp_pkey_st *pub = dnssec_pubkey(k->rdata, k->rdlen);
	int sl = dnssec_sign_data(k->pkey, k->alg, probe, sizeof(probe), sig);
	if (pub == NULL || sl < 0 ||
	    !dnssec_verify_data(pub, k->alg, probe, sizeof(probe), sig,
	                        (size_t)sl))
		key_err(kr, "the private key does not match the .key file");
	else
		ret = 0;
	dnssec_pkey_free(pub);
done:
	ldns_key_deep_free(lk);
	return ret;
}

void dnssec_keys_free(struct dnssec_keyset *ks)
{
	if (ks == NULL)
		return;
	for (size_t i = 0; i < ks->nkeys; i++)
		dnssec_pkey_free(ks->keys[i].pkey);
	free(ks->keys);
	free(ks);
}

int dnssec_keys_load(const struct config_zone *cz, struct dnssec_keyset **out,
                     struct diag *diag)
{
	*out = NULL;
	if (cz->nkeys == 0)
		return 0;
	if (cz->nkeys > DNSSEC_KEYS_MAX) {
		diag_add(diag, cz->ini, cz->keys[DNSSEC_KEYS_MAX].line,
		         "[zone %s] has more than %d keys", cz->name,
		         DNSSEC_KEYS_MAX);
		return -1;
	}
	struct dnssec_keyset *ks = calloc(1, sizeof(*ks));
	if (ks != NULL)
		ks->keys = calloc(cz->nkeys, sizeof(*ks->keys));
	if (ks == NULL || ks->keys == NULL) {
		diag_add(diag, cz->ini, cz->line, "out of memory");
		dnssec_keys_free(ks);
		return -1;
	}
	dname_tolower(ks->apex, cz->dname, cz->dname_len);
	ks->apex_len = cz->dname_len;
	int errors = 0;
	unsigned zsk_line = 0;
	bool ksk = false;
	for (size_t i = 0; i < cz->nkeys; i++) {
		struct key_reader kr = {cz, &cz->keys[i], diag};
		struct dnssec_key *k = &ks->keys[ks->nkeys];
		k->sign = !cz->keys[i].publish;
		k->line = cz->keys[i].line;
		if (read_public(&kr, k) < 0 ||
		    (k->sign && read_private(&kr, k) < 0)) {
			dnssec_pkey_free(k->pkey);
			memset(k, 0, sizeof(*k));
			errors++;
			continue;
		}
		for (size_t j = 0; j < ks->nkeys; j++) {
			if (ks->keys[j].tag == k->tag &&
			    ks->keys[j].rdlen == k->rdlen &&
			    memcmp(ks->keys[j].rdata, k->rdata, k->rdlen) ==
			        0) {
				key_err(&kr, "is already in this zone under "
				             "another name");
				errors++;
			}
		}
		if (dnssec_ds_sha256(ks->apex, ks->apex_len, k->rdata, k->rdlen,
		                     k->ds) < 0) {
			key_err(&kr, "cannot compute its DS digest");
			errors++;
		}
		ks->nkeys++;
		if (!k->sign)
			continue;
		if (k->flags & DNSSEC_FLAG_SEP)
			ksk = true;
		else {
			ks->has_zsk = true;
			if (zsk_line == 0)
				zsk_line = k->line;
		}
	}
	/* RFC 4035 section 2.2: every RRset needs an RRSIG of each
	 * algorithm in the DNSKEY RRset; with one algorithm per zone that
	 * holds by construction (an algorithm rollover is not supported). */
	for (size_t i = 1; errors == 0 && i < ks->nkeys; i++) {
		if (ks->keys[i].alg != ks->keys[0].alg) {
			diag_add(
			    diag, cz->ini, ks->keys[i].line,
			    "[zone %s]: key of algorithm %u beside keys of "
			    "algorithm %u: one algorithm per zone",
			    cz->name, ks->keys[i].alg, ks->keys[0].alg);
			errors++;
		}
	}
	if (errors == 0 && ks->has_zsk && !ksk) {
		diag_add(
		    diag, cz->ini, zsk_line,
		    "[zone %s] has a ZSK (flags 256) but no KSK (flags 257) "
		    "to sign its DNSKEY RRset",
		    cz->name);
		errors++;
	}
	if (errors == 0 && !ksk && !ks->has_zsk) {
		diag_add(diag, cz->ini, cz->keys[0].line,
		         "[zone %s] has publish keys but no key that signs",
		         cz->name);
		errors++;
	}
	if (errors > 0) {
		dnssec_keys_free(ks);
		return -1;
	}
	*out = ks;
	return 0;
}

bool dnssec_key_signs(const struct dnssec_keyset *ks,
                      const struct dnssec_key *k, uint16_t type)
{
	if (!k->sign)
		return false;
	bool apex_keys = type == DNS_TYPE_DNSKEY || type == DNS_TYPE_CDS ||
	                 type == DNS_TYPE_CDNSKEY;
	if (k->flags & DNSSEC_FLAG_SEP)
		return apex_keys || !ks->has_zsk;
	return !apex_keys;
}
