/* stats.h - per-thread counters, written only by their owner thread and
 * summed by the control endpoint at scrape time. Single writer, so an
 * increment is a relaxed load + store (a plain add, no locked instruction);
 * atomics keep the cross-thread read well-defined (and TSan quiet). */
#ifndef DNSD_STATS_H
#define DNSD_STATS_H

#include <stdatomic.h>
#include <stdint.h>

#include "base/compat.h"

typedef _Atomic uint64_t stats_counter;

enum stats_proto { STATS_UDP, STATS_TCP, STATS_PROTO_N };

/* Query types counted by name; the rest go to STATS_QT_OTHER. */
enum stats_qtype {
	STATS_QT_A,
	STATS_QT_NS,
	STATS_QT_CNAME,
	STATS_QT_SOA,
	STATS_QT_PTR,
	STATS_QT_MX,
	STATS_QT_TXT,
	STATS_QT_AAAA,
	STATS_QT_SRV,
	STATS_QT_DS,
	STATS_QT_HTTPS,
	STATS_QT_ANY,
	STATS_QT_AXFR,
	STATS_QT_IXFR,
	STATS_QT_OTHER,
	STATS_QT_N
};

#define STATS_RCODE_N 24 /* 0..23 covers every rcode we send (BADVERS 16) */

/* Slots for per-name counters: dnsd_answers_total{record,cluster} and
 * dnsd_degraded_answers_total{record,reason}. Names get a slot in an
 * append-only registry (below) the first time a snapshot uses them, so a
 * counter keeps counting across reloads. 4096 (record, cluster) pairs and
 * 1024 records are far beyond real configurations and cost 48 KiB per
 * thread; slot 0 collects anything past that. */
#define STATS_PAIRS_MAX   4096
#define STATS_RECORDS_MAX 1024
/* Signed zones with their own dnsd_dnssec_signatures_total series; slot 0
 * collects the rest. */
#define STATS_ZONES_MAX 64
enum stats_degraded { STATS_DEG_ALL_DOWN, STATS_DEG_SPILL, STATS_DEG_N };

struct stats {
	stats_counter queries[STATS_PROTO_N][STATS_QT_N];
	stats_counter responses[STATS_RCODE_N];
	stats_counter dropped;   /* malformed beyond answering, or QR=1 */
	stats_counter truncated; /* sent with TC=1 */
	stats_counter rrl_limited;
	/* UDP queries from a reflecting service's port, never answered. */
	stats_counter reflection_dropped;
	/* dnstap frames handed to the writer, and those dropped because
	 * this thread's queue (or frame ring) was full (SPEC 10). */
	stats_counter dnstap_queued;
	stats_counter dnstap_dropped;
	stats_counter answers[STATS_PAIRS_MAX];
	stats_counter degraded[STATS_RECORDS_MAX][STATS_DEG_N];
	/* DNSSEC online signing (SPEC 9): fresh signatures by zone slot,
	 * and the signature cache's hits and misses. */
	stats_counter dnssec_signs[STATS_ZONES_MAX];
	stats_counter dnssec_cache_hits;
	stats_counter dnssec_cache_misses;
} __attribute__((aligned(DNSD_CACHELINE)));

static inline void stats_inc(stats_counter *c)
{
	atomic_store_explicit(c,
	                      atomic_load_explicit(c, memory_order_relaxed) + 1,
	                      memory_order_relaxed);
}

static inline uint64_t stats_get(const stats_counter *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

/* The registry of label names. One writer at a time (the thread building a
 * snapshot: main at start, then the reload thread); readers (metrics, on
 * the main thread) may run meanwhile. Slot 0 of each kind means
 * "overflow". */
uint16_t stats_pair_slot(const char *record, const char *cluster);
uint16_t stats_record_slot(const char *record);
unsigned stats_pair_count(void); /* slots 1..count-1 are in use */
unsigned stats_record_count(void);
void stats_pair_names(unsigned slot, const char **record, const char **cluster);
const char *stats_record_name(unsigned slot);
/* Signed zones, like records: a slot per zone name, the signatures made
 * when its snapshots were built (added by the building thread), and how
 * many slots are in use. */
uint16_t stats_zone_slot(const char *zone);
void stats_zone_add_built(unsigned slot, uint64_t n);
uint64_t stats_zone_built(unsigned slot);
unsigned stats_zone_count(void);
const char *stats_zone_name(unsigned slot);
/* Free the registry's strings at exit (for leak checkers). */
void stats_registry_free(void);

enum stats_qtype stats_qtype_of(uint16_t qtype);
const char *stats_qtype_name(enum stats_qtype qt);
const char *stats_rcode_name(unsigned rcode);

#endif
