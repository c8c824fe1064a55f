/* qsbr.c - the writer's side of quiescent-state reclamation. */
#include "base/qsbr.h"

#include <stdlib.h>
#include <time.h>

int qsbr_init(struct qsbr *q, unsigned nreaders)
{
	atomic_init(&q->epoch, 1);
	q->nreaders = nreaders;
	q->readers = aligned_alloc(
	    DNSD_CACHELINE, sizeof(*q->readers) * (nreaders ? nreaders : 1));
	if (q->readers == NULL)
		return -1;
	for (unsigned i = 0; i < nreaders; i++)
		atomic_init(&q->readers[i].epoch, 0);
	return 0;
}

void qsbr_destroy(struct qsbr *q)
{
	free(q->readers);
	q->readers = NULL;
}

void qsbr_synchronize(struct qsbr *q)
{
	uint64_t target = atomic_fetch_add(&q->epoch, 1) + 1;
	/* A worker's read-side section is one batch: microseconds. Polling
	 * every 100 us keeps a reload's wait short without burning a core. */
	const struct timespec pause = {0, 100 * 1000};
	for (unsigned i = 0; i < q->nreaders; i++) {
		for (;;) {
			uint64_t e = atomic_load(&q->readers[i].epoch);
			if (e == 0 || e >= target)
				break;
			nanosleep(&pause, NULL);
		}
	}
}
