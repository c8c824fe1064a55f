/* stats.h - per-thread counters, written only by their owner thread and
 * summed by the control endpoint at scrape time. Single writer, so an
 * increment is a relaxed load + store (a plain add, no locked instruction);
 * atomics keep the cross-thread read well-defined (and TSan quiet). */
#ifndef DNSD_STATS_H
#define DNSD_STATS_H

#include <stdatomic.h>
#include <stdint.h>

#include "compat.h"

typedef _Atomic uint64_t stats_counter;

enum stats_proto { STATS_UDP, STATS_TCP, STATS_PROTO_N };

/* Query types counted by name; the rest go to STATS_QT_OTHER. */
enum stats_qtype {
	STATS_QT_A, STATS_QT_NS, STATS_QT_CNAME, STATS_QT_SOA, STATS_QT_PTR,
	STATS_QT_MX, STATS_QT_TXT, STATS_QT_AAAA, STATS_QT_SRV, STATS_QT_DS,
	STATS_QT_HTTPS, STATS_QT_ANY, STATS_QT_AXFR, STATS_QT_IXFR,
	STATS_QT_OTHER, STATS_QT_N
};

#define STATS_RCODE_N 24 /* 0..23 covers every rcode we send (BADVERS 16) */

struct stats {
	stats_counter queries[STATS_PROTO_N][STATS_QT_N];
	stats_counter responses[STATS_RCODE_N];
	stats_counter dropped;	 /* malformed beyond answering, or QR=1 */
	stats_counter truncated; /* sent with TC=1 */
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

enum stats_qtype stats_qtype_of(uint16_t qtype);
const char *stats_qtype_name(enum stats_qtype qt);
const char *stats_rcode_name(unsigned rcode);

#endif
