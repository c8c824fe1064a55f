/* probe.c - the probe thread: runs the readiness round of every adopted
 * target set, schedules each target's checks with jitter, keeps at most a
 * bounded number of checks in flight (the rest wait in schedule order),
 * keeps rise/fall state and publishes it as up[] bytes and a locked status
 * table. */
#include "probes/probe.h"

#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/resource.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "base/log.h"
#include "probes/check.h"
#include "probes/flap.h"

/* Why 500 ms: curl and the tcp check enforce the timeout themselves, to a
 * few ms; this watchdog only catches a check stuck past it (a slow TLS
 * close, a bug), so that a readiness round stays bounded by the longest
 * timeout plus this, and the timeliness bound of SPEC 4 (one second of
 * slack) still holds. */
#define PROBER_GRACE_MS 500
/* Metrics: a check starting this much after its time is "late", a sign of
 * an overloaded probe thread (SPEC 4's one second of slack is gone). */
#define PROBER_LATE_NS   1000000000LL
#define PROBER_NS_PER_MS 1000000LL
/* The config requires timeout < interval; this floor only keeps a profile
 * that slipped through with interval 0 from spinning the thread. */
#define PROBER_MIN_INTERVAL_MS 10
/* Checks in flight at once, by default. Each holds a socket, so the bound
 * is a quarter of the open-file limit (the rest is the server's: clients,
 * zone files, the control endpoint). Why at most 4096: that is what the
 * scale target needs when things go wrong, 20,000 members every 5 s with
 * half of them hanging until their 2 s timeout is 20,000 / 5 x 0.5 x 2 =
 * 4,000 checks in flight; healthy members answer in about a millisecond
 * and keep only a handful in flight. Why at least 16: a tiny limit would
 * serialise the checks and make every one late. */
#define PROBER_INFLIGHT_MAX 4096
#define PROBER_INFLIGHT_MIN 16
/* Out of descriptors, every due check is skipped: thousands a second at
 * scale. Why 10 s: one line says it is happening and how often, without
 * the flood issue 10 measured (2.8 million lines in 5 s). */
#define PROBER_NO_FD_LOG_NS (10 * 1000000000LL)

const double probe_hist_bounds[PROBE_HIST_N] = {
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
};

/* The probe thread's state for one target. Items live across adopts: a
 * target whose key survives keeps its item (state, schedule, even a check
 * in flight), only re-pointed at the new set. */
struct prober_item {
	struct prober *p;
	struct probe_set *set;        /* the set it writes up[] into */
	const struct probe_target *t; /* &set->targets[idx] */
	uint32_t idx;
	struct flap flap;
	struct probe_status st; /* written under p->lock */
	struct event *tick;     /* the next scheduled check */
	struct event *watchdog;
	int64_t next_ns;  /* CLOCK_MONOTONIC: when the next check is due */
	int64_t start_ns; /* of the running check */
	/* Waiting for a free slot: in p->ready_q or p->due_q. */
	TAILQ_ENTRY(prober_item) qlink;
	struct prober_queue *queue; /* NULL when not waiting */
	int64_t due_ns; /* when the waiting check was due; -1: readiness */
	bool running;
	bool readiness;      /* its result completes the adopt in progress */
	bool fresh;          /* not yet scheduled (created by this adopt) */
	bool keep;           /* matched by the adopt in progress */
	struct check *check; /* the running check, or NULL */
};

TAILQ_HEAD(prober_queue, prober_item);

struct prober {
	pthread_t thread;
	bool started;
	struct event_base *base;
	struct event *wake;             /* activated by other threads */
	void *engines[CHECK_OPS_COUNT]; /* by check_ops_index */

	pthread_mutex_t lock;
	pthread_cond_t cond;
	/* Under lock: the hand-over from prober_adopt and prober_free. */
	bool stopping;
	struct probe_set *offered;
	bool adopted;
	int adopt_rc;
	/* Under lock: what prober_status and prober_metrics read. Written
	 * only by the probe thread, which reads them without the lock. */
	struct prober_item **items; /* by target index of the adopted set */
	uint32_t n;
	struct probe_metrics metrics;
	struct probe_event events[PROBE_EVENTS_MAX]; /* ring */
	size_t nevents; /* events recorded since start */

	/* Probe thread only. */
	uint64_t rng;
	struct probe_set *next_set; /* the adopt in progress */
	struct prober_item **next_items;
	uint32_t pending; /* readiness checks still running */
	bool starting;    /* still starting them: do not finish yet */
	/* Checks waiting for a slot, oldest first. Readiness checks go first:
	 * they hold up an adopt (and the main thread), and their number is
	 * what bounds its wait, not the periodic backlog. */
	struct prober_queue ready_q;
	struct prober_queue due_q;
	uint32_t inflight;    /* checks running */
	uint32_t nqueued;     /* in both queues */
	unsigned concurrency; /* most checks in flight; set before start */
	bool pumping;         /* prober_pump is on the stack */
	/* Checks skipped for want of a descriptor since the last line about
	 * it, and when that line was written (0: never). */
	uint64_t no_fd_unlogged;
	int64_t no_fd_logged_ns;
};

static int64_t prober_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static struct timeval prober_tv(int64_t ns)
{
	if (ns < 0)
		ns = 0;
	struct timeval tv = {
	    .tv_sec = (time_t)(ns / 1000000000LL),
	    .tv_usec = (suseconds_t)(ns % 1000000000LL / 1000),
	};
	return tv;
}

/* xorshift64*: jitter needs no quality, only no lock and no shared
 * state (random(3) takes a process-wide lock). */
static uint64_t prober_rand(struct prober *p)
{
	p->rng ^= p->rng >> 12;
	p->rng ^= p->rng << 25;
	p->rng ^= p->rng >> 27;
	return p->rng * 2685821657736338717ULL;
}

static int64_t prober_interval_ns(const struct prober_item *it)
{
	unsigned ms = it->t->check->interval_ms;
	if (ms < PROBER_MIN_INTERVAL_MS)
		ms = PROBER_MIN_INTERVAL_MS;
	return (int64_t)ms * PROBER_NS_PER_MS;
}

static void prober_tick(evutil_socket_t fd, short what, void *arg);
static void prober_watchdog(evutil_socket_t fd, short what, void *arg);
static void prober_finish_adopt(struct prober *p);
static void prober_pump(struct prober *p);

static struct prober_item *prober_item_new(struct prober *p,
                                           struct probe_set *set, uint32_t i)
{
	struct prober_item *it = calloc(1, sizeof(*it));
	if (it == NULL)
		return NULL;
	it->p = p;
	it->set = set;
	it->idx = i;
	it->t = &set->targets[i];
	it->fresh = true;
	it->tick = evtimer_new(p->base, prober_tick, it);
	it->watchdog = evtimer_new(p->base, prober_watchdog, it);
	if (it->tick == NULL || it->watchdog == NULL) {
		if (it->tick != NULL)
			event_free(it->tick);
		if (it->watchdog != NULL)
			event_free(it->watchdog);
		free(it);
		return NULL;
	}
	return it;
}

static void prober_dequeue(struct prober_item *it)
{
	struct prober *p = it->p;
	TAILQ_REMOVE(it->queue, it, qlink);
	it->queue = NULL;
	p->nqueued--;
}

/* Abort the item's running check, if any; it never calls back. */
static void prober_cancel(struct prober_item *it)
{
	if (it->check != NULL)
		it->check->ops->cancel(it->check);
	it->check = NULL;
}

/* Free an item, cancelling its check. The slot it may free is not reused
 * here: the caller pumps the queue when it is done. */
static void prober_item_free(struct prober_item *it)
{
	if (it->queue != NULL)
		prober_dequeue(it);
	prober_cancel(it);
	if (it->running)
		it->p->inflight--;
	event_free(it->tick);
	event_free(it->watchdog);
	free(it);
}

/* One line per state change (SPEC 4), object first, with the reason. */
static void prober_log_change(const struct prober_item *it, bool first,
                              const char *detail)
{
	const struct probe_target *t = it->t;
	const char *cluster = t->cluster != NULL ? t->cluster : "?";
	if (first) {
		log_info("probe", "member %s (cluster %s) is %s: %s",
		         t->addr_text, cluster, it->flap.up ? "up" : "down",
		         detail);
		return;
	}
	unsigned n = it->flap.up ? t->check->rise : t->check->fall;
	if (n == 0)
		n = 1;
	if (it->flap.up)
		log_info("probe", "member %s (cluster %s) up after %u %s: %s",
		         t->addr_text, cluster, n,
		         n == 1 ? "success" : "successes", detail);
	else
		log_info("probe", "member %s (cluster %s) down after %u %s: %s",
		         t->addr_text, cluster, n,
		         n == 1 ? "failure" : "failures", detail);
}

/* Remember a change for the status page. Called with p->lock held. */
static void prober_event_add(struct prober *p, const struct prober_item *it,
                             bool first, const char *detail,
                             struct timespec wall)
{
	struct probe_event *ev = &p->events[p->nevents % PROBE_EVENTS_MAX];
	ev->at = wall;
	snprintf(ev->address, sizeof(ev->address), "%s", it->t->addr_text);
	snprintf(ev->cluster, sizeof(ev->cluster), "%s",
	         it->t->cluster != NULL ? it->t->cluster : "?");
	ev->up = it->flap.up;
	ev->first = first;
	snprintf(ev->reason, sizeof(ev->reason), "%s", detail);
	p->nevents++;
}

/* A check finished (or could not start, or overran): feed the state
 * machine, publish, log a change, and complete a readiness round. */
static void prober_record(struct prober_item *it, bool ok, const char *detail)
{
	struct prober *p = it->p;
	int64_t end = prober_now_ns();
	double secs = (double)(end - it->start_ns) / 1e9;
	struct timespec wall;
	clock_gettime(CLOCK_REALTIME, &wall);

	evtimer_del(it->watchdog);
	if (it->running)
		p->inflight--;
	it->running = false;
	it->check = NULL;
	bool first = !it->flap.known;
	bool changed =
	    flap_record(&it->flap, ok, it->t->check->rise, it->t->check->fall);

	pthread_mutex_lock(&p->lock);
	it->st.checked = true;
	it->st.ok = ok;
	it->st.up = it->flap.up;
	snprintf(it->st.detail, sizeof(it->st.detail), "%s", detail);
	it->st.duration_ms = secs * 1000.0;
	it->st.at = wall;
	if (changed)
		it->st.since = wall;
	if (!ok)
		it->st.failures++;
	/* Cumulative buckets, as Prometheus exposes them. */
	for (int b = 0; b < PROBE_HIST_N; b++)
		if (secs <= probe_hist_bounds[b])
			p->metrics.hist[b]++;
	p->metrics.hist[PROBE_HIST_N]++;
	p->metrics.sum_seconds += secs;
	p->metrics.count++;
	if (changed)
		prober_event_add(p, it, first, detail, wall);
	pthread_mutex_unlock(&p->lock);

	atomic_store_explicit(&it->set->up[it->idx], it->flap.up ? 1 : 0,
	                      memory_order_relaxed);
	if (changed)
		prober_log_change(it, first, detail);
	else
		log_debug("probe", "member %s (cluster %s) still %s: %s",
		          it->t->addr_text,
		          it->t->cluster != NULL ? it->t->cluster : "?",
		          it->flap.up ? "up" : "down", detail);

	if (it->readiness) {
		it->readiness = false;
		if (--p->pending == 0 && !p->starting)
			prober_finish_adopt(p);
	}
	/* A slot is free: the next waiting check takes it. */
	prober_pump(p);
}

/* A check that could not be made for want of a descriptor (detail says
 * which error): the member is neither up nor down for it. Its state, its
 * status and its rise/fall streak stay as they were; the next scheduled
 * check tries again (a new target of a readiness round stays unchecked,
 * so not up, until then). It counts as late, and is logged at most once
 * per PROBER_NO_FD_LOG_NS. */
static void prober_skip(struct prober_item *it, const char *detail)
{
	struct prober *p = it->p;
	evtimer_del(it->watchdog);
	if (it->running)
		p->inflight--;
	it->running = false;
	it->check = NULL;

	pthread_mutex_lock(&p->lock);
	p->metrics.no_fd++;
	p->metrics.late++;
	pthread_mutex_unlock(&p->lock);
	p->no_fd_unlogged++;
	int64_t now = prober_now_ns();
	if (p->no_fd_logged_ns == 0 ||
	    now - p->no_fd_logged_ns >= PROBER_NO_FD_LOG_NS) {
		log_warn("probe",
		         "no descriptor for health checks (%s): %llu skipped "
		         "since the last report, members keep their state; "
		         "raise the open-file limit",
		         detail, (unsigned long long)p->no_fd_unlogged);
		p->no_fd_unlogged = 0;
		p->no_fd_logged_ns = now;
	}

	if (it->readiness) {
		it->readiness = false;
		if (--p->pending == 0 && !p->starting)
			prober_finish_adopt(p);
	}
	prober_pump(p);
}

static void prober_on_done(void *arg, enum check_result result,
                           const char *detail)
{
	if (result == CHECK_NO_FD)
		prober_skip(arg, detail);
	else
		prober_record(arg, result == CHECK_OK, detail);
}

/* The check overran its timeout by PROBER_GRACE_MS: give up on it. */
static void prober_watchdog(evutil_socket_t fd, short what, void *arg)
{
	struct prober_item *it = arg;
	(void)fd;
	(void)what;
	prober_cancel(it);
	char detail[64];
	snprintf(detail, sizeof(detail), "timeout after %u ms",
	         it->t->check->timeout_ms);
	prober_record(it, false, detail);
}

/* Start the check of a waiting item, in a free slot. */
static void prober_check_start(struct prober_item *it)
{
	struct prober *p = it->p;
	const struct config_check *c = it->t->check;
	int rc;

	it->start_ns = prober_now_ns();
	/* Late is measured where the check starts, so time spent waiting
	 * for a slot counts. Readiness checks have no schedule to miss. */
	if (it->due_ns >= 0 && it->start_ns - it->due_ns > PROBER_LATE_NS) {
		pthread_mutex_lock(&p->lock);
		p->metrics.late++;
		pthread_mutex_unlock(&p->lock);
	}
	it->running = true;
	p->inflight++;
	unsigned k = check_ops_index(c->type);
	rc = check_ops_all[k]->start(p->engines[k], it->t, prober_on_done, it,
	                             &it->check);
	if (check_errno_is_no_fd(-rc)) {
		char detail[64];
		snprintf(detail, sizeof(detail), "no descriptor: %s",
		         strerror(-rc));
		prober_skip(it, detail);
		return;
	}
	if (rc < 0) {
		prober_record(it, false, "cannot start check");
		return;
	}
	struct timeval tv = prober_tv(
	    ((int64_t)c->timeout_ms + PROBER_GRACE_MS) * PROBER_NS_PER_MS);
	evtimer_add(it->watchdog, &tv);
}

/* Queue a check of it (due at due_ns, or -1 for readiness) behind the
 * others of its kind. The caller pumps. */
static void prober_enqueue(struct prober_item *it, struct prober_queue *q,
                           int64_t due_ns)
{
	it->due_ns = due_ns;
	it->queue = q;
	TAILQ_INSERT_TAIL(q, it, qlink);
	it->p->nqueued++;
}

/* Start waiting checks while slots are free, readiness checks first. A
 * check that cannot start records its failure at once, which calls back
 * here: the flag turns that into one more turn of this loop instead of a
 * recursion as deep as the queue. */
static void prober_pump(struct prober *p)
{
	if (p->pumping)
		return;
	p->pumping = true;
	while (p->inflight < p->concurrency) {
		struct prober_item *it = TAILQ_FIRST(&p->ready_q);
		if (it == NULL)
			it = TAILQ_FIRST(&p->due_q);
		if (it == NULL)
			break;
		prober_dequeue(it);
		prober_check_start(it);
	}
	p->pumping = false;
}

/* A target's check is due. The schedule advances from the due time, not
 * from when the check ran, so checks never drift. */
static void prober_tick(evutil_socket_t fd, short what, void *arg)
{
	struct prober_item *it = arg;
	struct prober *p = it->p;
	(void)fd;
	(void)what;
	int64_t now = prober_now_ns();
	int64_t interval = prober_interval_ns(it);

	/* The same target is never checked twice at once: a check still
	 * running (only possible past its timeout) or still waiting for a
	 * slot (a prober a whole interval behind) takes this turn; the
	 * waiting one keeps its older due time and counts as late. */
	if (!it->running && it->queue == NULL) {
		prober_enqueue(it, &p->due_q, it->next_ns);
		prober_pump(p);
	}
	it->next_ns += interval;
	/* Fell a whole interval behind (a stalled machine): resume the
	 * rhythm from now rather than firing a burst of catch-up checks. */
	if (it->next_ns <= now)
		it->next_ns = now + interval;
	struct timeval tv = prober_tv(it->next_ns - now);
	evtimer_add(it->tick, &tv);
}

/* The first periodic check of a new target: somewhere in its first
 * interval, so that checks of many targets spread out instead of all
 * hitting at the readiness instant. */
static void prober_schedule_first(struct prober_item *it)
{
	struct prober *p = it->p;
	int64_t interval = prober_interval_ns(it);
	int64_t jitter = (int64_t)(prober_rand(p) % (uint64_t)interval);
	it->next_ns = prober_now_ns() + jitter;
	struct timeval tv = prober_tv(jitter);
	evtimer_add(it->tick, &tv);
	it->fresh = false;
}

static int prober_key_cmp(const void *a, const void *b)
{
	const struct prober_item *x = *(struct prober_item *const *)a;
	const struct prober_item *y = *(struct prober_item *const *)b;
	return strcmp(x->t->key, y->t->key);
}

/* Answer prober_adopt. */
static void prober_adopt_done(struct prober *p, int rc)
{
	pthread_mutex_lock(&p->lock);
	p->adopted = true;
	p->adopt_rc = rc;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

/* Readiness is complete: carry the surviving items over, drop the rest,
 * and switch to the new set. After this the old set is never touched. */
static void prober_finish_adopt(struct prober *p)
{
	struct probe_set *set = p->next_set;
	struct prober_item **items = p->next_items;

	for (uint32_t i = 0; i < p->n; i++) {
		struct prober_item *it = p->items[i];
		if (it->keep)
			it->keep = false;
		else
			prober_item_free(it);
	}
	for (uint32_t i = 0; i < set->n; i++) {
		struct prober_item *it = items[i];
		it->set = set;
		it->idx = i;
		it->t = &set->targets[i];
		/* Every item has a result here: carried ones from before,
		 * new ones from this round (the watchdog bounds it). */
		atomic_store_explicit(&set->up[i], it->flap.up ? 1 : 0,
		                      memory_order_relaxed);
		if (it->fresh)
			prober_schedule_first(it);
	}

	pthread_mutex_lock(&p->lock);
	struct prober_item **old = p->items;
	p->items = items;
	p->n = set->n;
	pthread_mutex_unlock(&p->lock);
	free(old);
	p->next_set = NULL;
	p->next_items = NULL;
#ifdef __GLIBC__
	/* The dropped items and their checks were this thread's: glibc keeps
	 * their pages in this thread's arena, which the reload thread's trim
	 * can run before. 100 reloads alternating 10,000 and 2 probed
	 * members held 145 MB of free heap without it. */
	malloc_trim(0);
#endif
	prober_adopt_done(p, 0);
	/* Dropped targets may have freed slots. */
	prober_pump(p);
}

/* Match the offered set against the current one by key and start one
 * check of every new target, all at once. */
static void prober_begin_adopt(struct prober *p, struct probe_set *set)
{
	struct prober_item **items =
	    calloc(set->n ? set->n : 1, sizeof(*items));
	struct prober_item **sorted = NULL;
	uint32_t nsorted = 0;
	if (items == NULL)
		goto fail;
	if (p->n > 0) {
		sorted = malloc(p->n * sizeof(*sorted));
		if (sorted == NULL)
			goto fail;
		for (uint32_t i = 0; i < p->n; i++)
			if (p->items[i]->t->key != NULL)
				sorted[nsorted++] = p->items[i];
		qsort(sorted, nsorted, sizeof(*sorted), prober_key_cmp);
	}
	for (uint32_t i = 0; i < set->n; i++) {
		const struct probe_target *t = &set->targets[i];
		struct prober_item **found = NULL;
		if (t->key != NULL && nsorted > 0) {
			struct prober_item probe = {.t = t};
			struct prober_item *key = &probe;
			found = bsearch(&key, sorted, nsorted, sizeof(*sorted),
			                prober_key_cmp);
		}
		if (found != NULL && !(*found)->keep) {
			(*found)->keep = true;
			items[i] = *found;
			continue;
		}
		items[i] = prober_item_new(p, set, i);
		if (items[i] == NULL)
			goto fail;
		items[i]->readiness = true;
	}
	free(sorted);
	sorted = NULL;

	p->next_set = set;
	p->next_items = items;
	p->pending = 0;
	for (uint32_t i = 0; i < set->n; i++)
		if (items[i]->readiness)
			p->pending++;
	/* At most p->concurrency checks run at once; the rest wait, so the
	 * round takes ceil(new / concurrency) times the longest timeout at
	 * worst. A check that fails to start records at once; finishing must
	 * wait until every check is queued. */
	p->starting = true;
	for (uint32_t i = 0; i < set->n; i++)
		if (items[i]->readiness)
			prober_enqueue(items[i], &p->ready_q, -1);
	prober_pump(p);
	p->starting = false;
	if (p->pending == 0)
		prober_finish_adopt(p);
	return;
fail:
	log_error("probe", "cannot adopt %u targets: out of memory",
	          (unsigned)set->n);
	if (items != NULL) {
		for (uint32_t i = 0; i < set->n; i++) {
			if (items[i] == NULL)
				break;
			if (items[i]->fresh)
				prober_item_free(items[i]);
			else
				items[i]->keep = false;
		}
	}
	free(items);
	free(sorted);
	prober_adopt_done(p, -1);
}

/* Another thread has something for us: a set to adopt, or stop. */
static void prober_on_wake(evutil_socket_t fd, short what, void *arg)
{
	struct prober *p = arg;
	(void)fd;
	(void)what;
	pthread_mutex_lock(&p->lock);
	bool stopping = p->stopping;
	struct probe_set *set = p->offered;
	p->offered = NULL;
	pthread_mutex_unlock(&p->lock);
	if (stopping)
		event_base_loopbreak(p->base);
	else if (set != NULL)
		prober_begin_adopt(p, set);
}

static void prober_engines_free(struct prober *p)
{
	for (unsigned k = 0; k < CHECK_OPS_COUNT; k++) {
		check_ops_all[k]->engine_free(p->engines[k]);
		p->engines[k] = NULL;
	}
}

static void *prober_main(void *arg)
{
	struct prober *p = arg;
	event_base_loop(p->base, EVLOOP_NO_EXIT_ON_EMPTY);

	/* Tear down here, on the thread that owns curl and the events:
	 * running checks are cancelled with their items, never run to the
	 * end, and nothing waiting is started (no pump from here on). */
	if (p->next_items != NULL) {
		for (uint32_t i = 0; i < p->next_set->n; i++)
			if (p->next_items[i]->fresh)
				prober_item_free(p->next_items[i]);
		free(p->next_items);
		p->next_items = NULL;
		prober_adopt_done(p, -1);
	}
	pthread_mutex_lock(&p->lock);
	struct prober_item **items = p->items;
	uint32_t n = p->n;
	p->items = NULL;
	p->n = 0;
	pthread_mutex_unlock(&p->lock);
	for (uint32_t i = 0; i < n; i++)
		prober_item_free(items[i]);
	free(items);
	prober_engines_free(p);
	return NULL;
}

struct prober *prober_new(void)
{
	/* The wake event is activated from other threads: libevent must
	 * lock and notify the base, which needs its pthreads hooks before
	 * the base exists. */
	if (evthread_use_pthreads() < 0)
		return NULL;
	struct prober *p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	if (pthread_mutex_init(&p->lock, NULL) != 0) {
		free(p);
		return NULL;
	}
	if (pthread_cond_init(&p->cond, NULL) != 0) {
		pthread_mutex_destroy(&p->lock);
		free(p);
		return NULL;
	}
	TAILQ_INIT(&p->ready_q);
	TAILQ_INIT(&p->due_q);
	p->base = event_base_new();
	if (p->base != NULL)
		p->wake = event_new(p->base, -1, 0, prober_on_wake, p);
	bool engines = p->base != NULL;
	for (unsigned k = 0; engines && k < CHECK_OPS_COUNT; k++)
		engines = (p->engines[k] =
		               check_ops_all[k]->engine_new(p->base)) != NULL;
	if (p->base == NULL || p->wake == NULL || !engines) {
		prober_free(p);
		return NULL;
	}
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	p->rng = ((uint64_t)ts.tv_sec * 1000000007ULL) ^ (uint64_t)ts.tv_nsec ^
	         ((uint64_t)getpid() << 32) ^ (uint64_t)(uintptr_t)p;
	if (p->rng == 0)
		p->rng = 0x9e3779b97f4a7c15ULL;
	return p;
}

/* The default bound on checks in flight (see PROBER_INFLIGHT_MAX). */
static unsigned prober_default_concurrency(void)
{
	struct rlimit rl;
	rlim_t n = PROBER_INFLIGHT_MAX;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur / 4 < n)
		n = rl.rlim_cur / 4;
	if (n < PROBER_INFLIGHT_MIN)
		n = PROBER_INFLIGHT_MIN;
	return (unsigned)n;
}

void prober_set_concurrency(struct prober *p, unsigned n)
{
	if (!p->started)
		p->concurrency = n;
}

unsigned prober_concurrency(const struct prober *p)
{
	return p->concurrency;
}

int prober_start(struct prober *p)
{
	if (p->started)
		return -EALREADY;
	/* Read the limit now rather than in prober_new: start-up may raise
	 * it in between. */
	if (p->concurrency == 0)
		p->concurrency = prober_default_concurrency();
	int rc = pthread_create(&p->thread, NULL, prober_main, p);
	if (rc != 0)
		return -rc;
	p->started = true;
	return 0;
}

int prober_adopt(struct prober *p, struct probe_set *set)
{
	if (!p->started)
		return -1;
	pthread_mutex_lock(&p->lock);
	p->offered = set;
	p->adopted = false;
	pthread_mutex_unlock(&p->lock);
	event_active(p->wake, 0, 0);

	pthread_mutex_lock(&p->lock);
	while (!p->adopted)
		pthread_cond_wait(&p->cond, &p->lock);
	int rc = p->adopt_rc;
	pthread_mutex_unlock(&p->lock);
	return rc;
}

void prober_status(struct prober *p, uint32_t i, struct probe_status *out)
{
	pthread_mutex_lock(&p->lock);
	if (i < p->n)
		*out = p->items[i]->st;
	else
		memset(out, 0, sizeof(*out));
	pthread_mutex_unlock(&p->lock);
}

void prober_metrics(struct prober *p, struct probe_metrics *out)
{
	pthread_mutex_lock(&p->lock);
	*out = p->metrics;
	pthread_mutex_unlock(&p->lock);
}

size_t prober_events(struct prober *p, struct probe_event *out, size_t max)
{
	pthread_mutex_lock(&p->lock);
	size_t have =
	    p->nevents < PROBE_EVENTS_MAX ? p->nevents : PROBE_EVENTS_MAX;
	size_t n = have < max ? have : max;
	for (size_t i = 0; i < n; i++)
		out[i] = p->events[(p->nevents - 1 - i) % PROBE_EVENTS_MAX];
	pthread_mutex_unlock(&p->lock);
	return n;
}

void prober_free(struct prober *p)
{
	if (p == NULL)
		return;
	if (p->started) {
		pthread_mutex_lock(&p->lock);
		p->stopping = true;
		pthread_mutex_unlock(&p->lock);
		event_active(p->wake, 0, 0);
		pthread_join(p->thread, NULL);
	}
	/* Never started: nothing ran, the items table is empty. */
	prober_engines_free(p);
	if (p->wake != NULL)
		event_free(p->wake);
	if (p->base != NULL)
		event_base_free(p->base);
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->lock);
	free(p);
}
