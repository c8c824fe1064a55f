/* qsbr.h - quiescent-state reclamation for published pointers.
 * Readers (UDP workers, the main thread while it answers TCP) go online for
 * a batch and offline after; a writer that has swapped a pointer calls
 * qsbr_synchronize, which returns once every reader has passed a quiescent
 * point, so the old object can be freed. One cache line per reader: no
 * shared line bounces between workers. */
#ifndef DNSD_QSBR_H
#define DNSD_QSBR_H

#include <stdatomic.h>
#include <stdint.h>

#include "base/compat.h"

struct qsbr_reader {
	/* 0 = offline; else the global epoch seen when going online. */
	_Atomic uint64_t epoch;
} __attribute__((aligned(DNSD_CACHELINE)));

struct qsbr {
	_Atomic uint64_t epoch;
	unsigned nreaders;
	struct qsbr_reader *readers;
};

/* nreaders slots, all offline. Returns 0 or -1 (out of memory). */
int qsbr_init(struct qsbr *q, unsigned nreaders);
void qsbr_destroy(struct qsbr *q);

/* Reader i enters a read-side section: pointers loaded after this stay
 * valid until qsbr_offline. seq_cst pairs with the writer's epoch bump. */
static inline void qsbr_online(struct qsbr *q, unsigned i)
{
	atomic_store(&q->readers[i].epoch, atomic_load(&q->epoch));
}

static inline void qsbr_offline(struct qsbr *q, unsigned i)
{
	atomic_store_explicit(&q->readers[i].epoch, 0, memory_order_release);
}

/* Writer: after publishing a new pointer, wait until no reader can still
 * hold the old one. Several writers may call it concurrently. Must not be
 * called by a thread that is online itself. */
void qsbr_synchronize(struct qsbr *q);

#endif
