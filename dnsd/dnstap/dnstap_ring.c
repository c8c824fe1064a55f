/* dnstap_ring.c - the per-thread frame buffer (see dnstap_ring.h). Frames
 * are released roughly in order (fstrm drains each input queue in order),
 * but the producer reclaims strictly in order, stopping at the oldest busy
 * slot: an out-of-order release just delays reuse, never corrupts. */
#include "dnstap/dnstap_ring.h"

#include <stdlib.h>

int dnstap_ring_init(struct dnstap_ring *r, size_t size, unsigned nslots)
{
	if (nslots == 0 || (nslots & (nslots - 1)) != 0 || size > UINT32_MAX)
		return -1;
	r->buf = malloc(size);
	r->slots = calloc(nslots, sizeof(*r->slots));
	if (r->buf == NULL || r->slots == NULL) {
		dnstap_ring_free(r);
		return -1;
	}
	for (unsigned i = 0; i < nslots; i++)
		atomic_init(&r->slots[i].busy, false);
	r->size = size;
	r->head = 0;
	r->mask = nslots - 1;
	r->shead = r->stail = 0;
	return 0;
}

void dnstap_ring_free(struct dnstap_ring *r)
{
	free(r->buf);
	free(r->slots);
	r->buf = NULL;
	r->slots = NULL;
}

/* Give back the oldest slots the I/O thread is done with. */
static void dnstap_ring_reclaim(struct dnstap_ring *r)
{
	while (r->stail != r->shead &&
	       !atomic_load_explicit(&r->slots[r->stail & r->mask].busy,
	                             memory_order_acquire))
		r->stail++;
}

uint8_t *dnstap_ring_reserve(struct dnstap_ring *r, size_t len,
                             struct dnstap_slot **slot)
{
	dnstap_ring_reclaim(r);
	if (r->shead - r->stail > r->mask)
		return NULL; /* every slot in flight */
	size_t off;
	if (r->stail == r->shead) {
		/* Nothing in flight: start over at the front. */
		if (len > r->size)
			return NULL;
		off = 0;
	} else {
		size_t tail = r->slots[r->stail & r->mask].off;
		/* Strict comparisons: head == tail with frames in flight
		 * would read as "empty" on the next call. */
		if (r->head >= tail) {
			if (r->size - r->head >= len)
				off = r->head;
			else if (len < tail)
				off =
				    0; /* wrap; the end's leftover is unused */
			else
				return NULL;
		} else if (r->head + len < tail) {
			off = r->head;
		} else {
			return NULL;
		}
	}
	struct dnstap_slot *s = &r->slots[r->shead & r->mask];
	s->off = (uint32_t)off;
	atomic_store_explicit(&s->busy, true, memory_order_relaxed);
	r->shead++;
	r->head = off + len;
	*slot = s;
	return r->buf + off;
}

void dnstap_ring_shrink(struct dnstap_ring *r, struct dnstap_slot *slot,
                        size_t len)
{
	r->head = slot->off + len;
}

void dnstap_ring_unreserve(struct dnstap_ring *r, struct dnstap_slot *slot)
{
	/* Only the newest slot can be undone, and it was never published. */
	r->shead--;
	r->head = slot->off;
	atomic_store_explicit(&slot->busy, false, memory_order_relaxed);
}

void dnstap_ring_release(void *data, void *slot)
{
	(void)data;
	struct dnstap_slot *s = slot;
	atomic_store_explicit(&s->busy, false, memory_order_release);
}
