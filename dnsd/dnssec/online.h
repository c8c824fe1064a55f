/* online.h - signing at answer time (SPEC 9): load-balanced answers,
 * compact-denial NSECs and wildcard expansions, with a per-worker cache of
 * the RRSIGs made, keyed by the RRset (owner, type, TTL, RDATA) and the
 * snapshot generation. A steady load of load-balanced answers has few
 * distinct RRsets (the member combinations and their TTLs), so after
 * warm-up almost nothing is signed. No lock, no sharing: one per thread;
 * no allocation after dnssec_signer_new except inside libcrypto for a
 * fresh signature. */
#ifndef DNSD_DNSSEC_ONLINE_H
#define DNSD_DNSSEC_ONLINE_H

#include <stddef.h>
#include <stdint.h>

#include "dnssec/canon.h"
#include "dnssec/keys.h"

/* 1024 slots of ~1 KiB: about 1 MiB per worker. A load-balanced name
 * with 10 members answering 2 gives 45 RRsets per family and TTL; a
 * thousand slots hold the answers of a few dozen such names. */
#define DNSSEC_CACHE_SLOTS 1024
/* The RRset a slot remembers (owner, type, TTL, RDATAs): an answer of a
 * few addresses, or an NSEC; longer RRsets are signed every time. */
#define DNSSEC_CACHE_KEY 320
/* The RRSIGs: two keys (a ZSK and one being rolled in) with long
 * signer names. */
#define DNSSEC_CACHE_SIGS 640

struct dnssec_cache_entry {
	uint64_t generation; /* 0 = empty */
	uint32_t refresh;    /* sign again after this time */
	uint16_t key_len;
	uint16_t sigs_len;
	uint16_t sig_count;
	uint8_t key[DNSSEC_CACHE_KEY];
	uint8_t sigs[DNSSEC_CACHE_SIGS];
};

struct dnssec_signer {
	struct dnssec_scratch *scratch;
	struct dnssec_cache_entry *slots; /* DNSSEC_CACHE_SLOTS */
	struct dnssec_cache_entry spill;  /* an RRset too big to cache */
	/* Owner thread only; read through dnssec_signer_counts. */
	uint64_t signatures; /* fresh signing operations */
	uint64_t hits, misses;
};

struct dnssec_signer *dnssec_signer_new(void);
void dnssec_signer_free(struct dnssec_signer *sg);

/* The RRSIGs (*count entries of [rdlen u16][RRSIG RDATA]) of the RRset
 * owned by owner (lower case) of type with TTL ttl, whose RDATAs are
 * count_rr entries of [rdlen][rdata] in rdset[0..rdset_len), made with
 * the keys of ks that sign type, valid from now - 1 h for 14 days and
 * renewed when fewer than 7 remain. generation identifies the snapshot
 * (ks belongs to it). The result stays valid until the next call. NULL
 * when nothing could be signed. */
const uint8_t *dnssec_sign_online(struct dnssec_signer *sg, uint64_t generation,
                                  uint32_t now, const struct dnssec_keyset *ks,
                                  const uint8_t *owner, size_t olen,
                                  uint16_t type, uint32_t ttl,
                                  const uint8_t *rdset, size_t rdset_len,
                                  uint16_t count_rr, uint16_t *count);

#endif
