/* snapshot_zones.c - the zones of a configuration loaded in parallel.
 * Zones share nothing while they load (each has its arena, its error list
 * and its scanner), so a pool of threads takes them one by one from a
 * counter; only the joins at the end touch shared state. */
#include "snapshot/snapshot_zones.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/arena.h"
#include "snapshot/snapshot_dnssec.h"
#include "snapshot/snapshot_lb.h"

/* More threads than this only contend for memory bandwidth. */
#define ZONES_THREADS_MAX 8

struct zone_job {
	struct arena *arena;
	struct diag diag;
	const struct zdb_zone *z;
	struct dnssec_keyset *keys; /* when signed */
};

struct zone_pool {
	const struct config *cfg;
	struct zone_job *jobs;
	atomic_size_t next;
};

static void load_one(const struct config *cfg, size_t i,
                     const struct config_record **recs, struct zone_job *j)
{
	const struct config_zone *cz = &cfg->zones[i];
	diag_init(&j->diag);
	j->z = NULL;
	j->keys = NULL;
	j->arena = arena_new();
	if (j->arena == NULL) {
		diag_add(&j->diag, cz->file, 0, "out of memory");
		return;
	}
	size_t nrec = recs ? snapshot_lb_zone_records(cfg, i, recs) : 0;
	if (snapshot_zone_load(cz, recs, nrec, j->arena, &j->diag, &j->z,
	                       &j->keys) != 0)
		j->z = NULL;
}

static void *pool_run(void *arg)
{
	struct zone_pool *p = arg;
	const struct config *cfg = p->cfg;
	/* Room for every record: the ones of one zone at a time. */
	const struct config_record **recs =
	    cfg->nrecords ? malloc(cfg->nrecords * sizeof(*recs)) : NULL;
	for (;;) {
		size_t i = atomic_fetch_add(&p->next, 1);
		if (i >= cfg->nzones)
			break;
		if (cfg->nrecords > 0 && recs == NULL) {
			diag_init(&p->jobs[i].diag);
			p->jobs[i].arena = NULL;
			p->jobs[i].z = NULL;
			p->jobs[i].keys = NULL;
			diag_add(&p->jobs[i].diag, cfg->zones[i].file, 0,
			         "out of memory");
			continue;
		}
		load_one(cfg, i, recs, &p->jobs[i]);
	}
	free(recs);
	return NULL;
}

size_t snapshot_load_zones(const struct config *cfg, unsigned threads,
                           struct arena *arena, struct diag *diag,
                           const struct zdb_zone **by_cfg,
                           struct dnssec_keyset **keys)
{
	size_t loaded = 0;
	if (cfg->nzones == 0)
		return 0;
	struct zone_pool p = {.cfg = cfg};
	p.jobs = calloc(cfg->nzones, sizeof(*p.jobs));
	if (p.jobs == NULL) {
		diag_add(diag, cfg->path, 0, "out of memory");
		return 0;
	}
	atomic_init(&p.next, 0);
	if (threads == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		threads = n > 0 ? (unsigned)n : 1;
	}
	if (threads > ZONES_THREADS_MAX)
		threads = ZONES_THREADS_MAX;
	if (threads > cfg->nzones)
		threads = (unsigned)cfg->nzones;
	/* This thread is one of the pool; the rest are started for the
	 * load and joined before anything is read. A thread that cannot
	 * start only leaves more for the others. */
	pthread_t tids[ZONES_THREADS_MAX];
	unsigned started = 0;
	for (unsigned t = 1; t < threads; t++)
		if (pthread_create(&tids[started], NULL, pool_run, &p) == 0)
			started++;
	(void)pool_run(&p);
	for (unsigned t = 0; t < started; t++)
		pthread_join(tids[t], NULL);

	for (size_t i = 0; i < cfg->nzones; i++) {
		struct zone_job *j = &p.jobs[i];
		diag_take(diag, &j->diag);
		by_cfg[i] = j->z;
		keys[i] = j->keys;
		if (j->z != NULL) {
			arena_adopt(arena, j->arena);
			loaded++;
		} else {
			arena_free(j->arena);
		}
	}
	free(p.jobs);
	return loaded;
}
