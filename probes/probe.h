/* probe.h - the probe thread: health checks of every cluster member, off the
 * answer path. It owns all probe state; workers see only the per-target
 * "up" bytes of the snapshot they answer from (relaxed atomic loads, no
 * lock). The probe thread has its own libevent base driving libcurl's multi
 * socket interface (http/https) and plain non-blocking connects (tcp). */
#ifndef DNSD_PROBE_H
#define DNSD_PROBE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "conf/config.h"
#include "lb/health.h"

struct prober;

/* Process-wide library set-up (libcurl): once in main, before any thread.
 * Returns 0 or -1. */
int prober_global_init(void);
void prober_global_cleanup(void);

/* Create the probe thread (not started). curl_global_init must have been
 * called by main before any thread exists. NULL on failure. */
struct prober *prober_new(void);

/* The most checks in flight at once (each holds a socket); the others wait
 * for a slot in the order they fell due. 0, the default, means a quarter of
 * the open-file limit (RLIMIT_NOFILE when prober_start runs), at most 4096
 * and at least 16. Before prober_start (ignored after); main thread. */
void prober_set_concurrency(struct prober *p, unsigned n);
/* The bound in force (0 before prober_start with no explicit value). */
unsigned prober_concurrency(const struct prober *p);

/* Start the thread. Returns 0 or -errno. */
int prober_start(struct prober *p);

/* Hand the probe thread the target set of a new snapshot, at start and at
 * every reload, before the snapshot is published. Targets whose key was in
 * the previous set keep their state (and status); new targets get one check
 * each right away and their first result sets their state, so the
 * snapshot's first answers are already right. These readiness checks run
 * at most prober_concurrency() at once, ahead of any periodic check
 * waiting for a slot, so the round is bounded by the longest timeout (plus
 * a 0.5 s margin) per prober_concurrency() new targets: ceil(new / N) x
 * (timeout + 0.5 s) at worst, one timeout when new <= N, and much less
 * when members answer. Blocks the caller until up[] is filled. After it
 * returns, the probe thread no longer touches the previous set, so that
 * set may be freed with its snapshot. One caller at a time (main at start,
 * then the reload thread). Returns 0 or -1. */
int prober_adopt(struct prober *p, struct probe_set *set);

/* Copy the status of target i of the adopted set (under the prober's
 * lock: for the control endpoint, never for answers). */
void prober_status(struct prober *p, uint32_t i, struct probe_status *out);

/* Checks run since start, and the histogram of check durations for
 * metrics: counts of checks that took at most bounds[i] seconds. */
#define PROBE_HIST_N 10
extern const double probe_hist_bounds[PROBE_HIST_N];
struct probe_metrics {
	uint64_t hist[PROBE_HIST_N + 1]; /* last bucket: +Inf */
	double sum_seconds;
	uint64_t count;
	/* Checks started > 1 s after their scheduled time, including time
	 * spent waiting for a slot (readiness checks have no schedule), and
	 * the checks counted in no_fd. */
	uint64_t late;
	/* Checks skipped because the process had no descriptor for them
	 * (EMFILE, ENFILE): not a failure, the member keeps its state and
	 * its next scheduled check tries again. Not in count. */
	uint64_t no_fd;
};
void prober_metrics(struct prober *p, struct probe_metrics *out);

/* Recent state changes, for the control endpoint's status page: a ring of
 * the last PROBE_EVENTS_MAX, kept by the probe thread under its lock. The
 * strings are copies, so an event outlives the snapshot it came from. */
#define PROBE_EVENTS_MAX 64
struct probe_event {
	struct timespec at; /* CLOCK_REALTIME */
	char address[48];
	char cluster[64];
	bool up;         /* the new state */
	bool first;      /* the first result of the target, not a change */
	char reason[96]; /* the check result that decided it */
};
/* Copy up to max events, most recent first, into out. Returns how many.
 * Any thread (takes the prober's lock briefly). */
size_t prober_events(struct prober *p, struct probe_event *out, size_t max);

/* Stop and join the thread, free everything. Checks in flight are
 * cancelled, not waited for, and waiting ones never start: it returns in
 * well under a second however many there are. NULL is ignored. */
void prober_free(struct prober *p);

#endif
