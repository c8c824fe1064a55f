/* dnstap_ring.h - one thread's frame buffer for dnstap: encoded frames
 * are written here and handed to libfstrm by pointer, which gives each one
 * back (dnstap_ring_release, on fstrm's I/O thread) once it is written or
 * discarded. Single producer (the owning worker), lock-free: the producer
 * alone moves the indexes; the I/O thread only clears a slot's busy flag.
 * No allocation after dnstap_ring_init. */
#ifndef DNSD_DNSTAP_RING_H
#define DNSD_DNSTAP_RING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/compat.h"

struct dnstap_slot {
	atomic_bool busy; /* set by the producer, cleared by the I/O thread */
	uint32_t off;     /* where its bytes start in the ring */
};

struct dnstap_ring {
	uint8_t *buf;
	size_t size; /* bytes */
	size_t head; /* next byte to write (producer only) */
	struct dnstap_slot *slots;
	unsigned mask; /* slot count - 1 (a power of 2) */
	unsigned shead,
	    stail; /* producer only: slots in use are [stail, shead) */
} __attribute__((aligned(DNSD_CACHELINE)));

/* size bytes and nslots slots (a power of 2). Returns 0 or -1. */
int dnstap_ring_init(struct dnstap_ring *r, size_t size, unsigned nslots);
/* Only once every frame was released (fstrm_iothr_destroy returned). */
void dnstap_ring_free(struct dnstap_ring *r);

/* Room for len contiguous bytes, or NULL when the ring is full (frames
 * not yet written hold it). *slot receives the slot to pass to the
 * release callback. Producer thread only. */
uint8_t *dnstap_ring_reserve(struct dnstap_ring *r, size_t len,
                             struct dnstap_slot **slot);
/* The last reserve needs only len bytes (at most what it asked for): the
 * rest goes back at once. Producer only. */
void dnstap_ring_shrink(struct dnstap_ring *r, struct dnstap_slot *slot,
                        size_t len);
/* Undo the last reserve (fstrm refused the frame). Producer only. */
void dnstap_ring_unreserve(struct dnstap_ring *r, struct dnstap_slot *slot);
/* fstrm's free callback: the frame in slot (free_data) is done with. Any
 * thread. */
void dnstap_ring_release(void *data, void *slot);

#endif
