/* crypto.h - the DNSSEC algorithms dnsd signs with (SPEC 9: 13
 * ECDSAP256SHA256, RFC 6605; 15 ED25519, RFC 8080), over libcrypto's EVP
 * interface, plus the key tag (RFC 4034 appendix B) and the SHA-256 DS/CDS
 * digest (RFC 4509). No state: any thread. */
#ifndef DNSD_DNSSEC_CRYPTO_H
#define DNSD_DNSSEC_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNSSEC_ALG_ECDSAP256SHA256 13
#define DNSSEC_ALG_ED25519         15
/* Both algorithms give 64-byte signatures (P-256 r||s, Ed25519 R||S). */
#define DNSSEC_SIG_MAX 64
/* DS/CDS RDATA with a SHA-256 digest: tag, algorithm, digest type, 32. */
#define DNSSEC_DS_LEN        36
#define DNSSEC_DIGEST_SHA256 2

/* libcrypto's EVP_PKEY, without making every includer see OpenSSL. */
struct evp_pkey_st;

bool dnssec_alg_supported(uint8_t alg);

/* RFC 4034 appendix B over a DNSKEY RDATA. */
uint16_t dnssec_keytag(const uint8_t *rdata, size_t len);

/* The public key of a DNSKEY RDATA (flags, protocol, algorithm, key) as a
 * libcrypto key, or NULL (unsupported algorithm, malformed key). Free with
 * dnssec_pkey_free. */
struct evp_pkey_st *dnssec_pubkey(const uint8_t *rdata, size_t len);
void dnssec_pkey_free(struct evp_pkey_st *pk);

/* Sign data with pk under alg into sig (DNSSEC_SIG_MAX bytes), in the DNS
 * form (RFC 6605 section 4: ECDSA as r||s, not DER). Returns the length
 * or -1. */
int dnssec_sign_data(struct evp_pkey_st *pk, uint8_t alg, const uint8_t *data,
                     size_t len, uint8_t *sig);

/* Check a DNS-form signature over data. */
bool dnssec_verify_data(struct evp_pkey_st *pk, uint8_t alg,
                        const uint8_t *data, size_t len, const uint8_t *sig,
                        size_t siglen);

/* DS (and CDS) RDATA for the DNSKEY RDATA owned by owner (lower case,
 * uncompressed): SHA-256 over owner | RDATA (RFC 4034 section 5.1.4).
 * out holds DNSSEC_DS_LEN bytes. Returns 0 or -1. */
int dnssec_ds_sha256(const uint8_t *owner, size_t owner_len,
                     const uint8_t *rdata, size_t len, uint8_t *out);

#endif
