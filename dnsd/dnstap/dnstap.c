/* dnstap.c - the sink: libfstrm's writer and I/O thread, one input queue
 * and frame ring per answering thread, and the bounded teardown. */
#include "dnstap/dnstap.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <fstrm.h>

#include "base/log.h"
#include "base/version.h"
#include "dnstap/dnstap_file.h"

/* Frame Streams content type every dnstap reader expects. */
#define DNSTAP_CONTENT_TYPE "protobuf:dnstap.Dnstap"
/* Frames each thread may have queued for the I/O thread: 4096 is about
 * 20 ms of one worker at full speed (two frames per query), room for the
 * I/O thread to be scheduled late on a busy machine. A power of 2. */
#define DNSTAP_QUEUE 4096
/* fstrm wakes its I/O thread when a queue's free space falls to this, i.e.
 * after 128 frames: one wake-up (a futex call) per 64 queries at load;
 * below that the I/O thread wakes by itself every second. */
#define DNSTAP_WAKE_SPACE (DNSTAP_QUEUE - 128)
/* Each thread's frames: an AUTH_QUERY is ~100 bytes, an AUTH_RESPONSE
 * ~100 + the response, so 1 MiB holds a full queue of typical frames and
 * the largest TCP pair (2 x 64 KiB). Pages are touched only as used. */
#define DNSTAP_RING_BYTES (1u << 20)
/* Frames fstrm's I/O thread gathers into one write: 128 is the most its
 * writer passes in one writev (256 iovecs, length + frame each), so a busy
 * sink costs one system call per 64 queries. The byte limit is fstrm's
 * maximum, so the count decides for typical frames. */
#define DNSTAP_OUTPUT_QUEUE 128
#define DNSTAP_BUFFER_HINT  FSTRM_IOTHR_BUFFER_HINT_MAX
/* Queue plus the output queue, rounded up to a power of 2. */
#define DNSTAP_RING_SLOTS 8192
/* SPEC 10 wants a returning collector reconnected within 10 s; fstrm
 * retries every reopen interval and its I/O thread wakes at least once a
 * second, so 2 s reconnects within 3 s without hammering connect(). */
#define DNSTAP_REOPEN_S 2

struct dnstap_sink {
	struct fstrm_iothr *iothr;
	struct fstrm_iothr_queue **queues;
	struct dnstap_ring *rings;
	unsigned nqueues;
	struct dnstap_who who;
	/* What the configuration said, to tell whether a reload changes it:
	 * identity and version as written (NULL = the default). */
	enum config_dnstap kind;
	char *path;
	char *cfg_identity, *cfg_version;
	char *identity, *version; /* in force: who points here */
};

static char *dnstap_strdup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

static bool dnstap_streq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Everything but the I/O thread (gone already, or never started). */
static void dnstap_sink_release(struct dnstap_sink *s)
{
	if (s->rings != NULL)
		for (unsigned i = 0; i < s->nqueues; i++)
			dnstap_ring_free(&s->rings[i]);
	free(s->rings);
	free(s->queues);
	free(s->path);
	free(s->cfg_identity);
	free(s->cfg_version);
	free(s->identity);
	free(s->version);
	free(s->who.prefix);
	free(s);
}

static struct fstrm_writer *dnstap_writer(const struct config_server *cfg)
{
	struct fstrm_writer *w = NULL;
	struct fstrm_writer_options *wopt = fstrm_writer_options_init();
	if (wopt == NULL)
		return NULL;
	if (fstrm_writer_options_add_content_type(
	        wopt, DNSTAP_CONTENT_TYPE, strlen(DNSTAP_CONTENT_TYPE)) !=
	    fstrm_res_success)
		goto out;
	if (cfg->dnstap == CONFIG_DNSTAP_UNIX) {
		struct fstrm_unix_writer_options *uo =
		    fstrm_unix_writer_options_init();
		if (uo == NULL)
			goto out;
		fstrm_unix_writer_options_set_socket_path(uo, cfg->dnstap_path);
		w = fstrm_unix_writer_init(uo, wopt);
		fstrm_unix_writer_options_destroy(&uo);
	} else {
		w = dnstap_file_writer(cfg->dnstap_path, wopt);
	}
out:
	fstrm_writer_options_destroy(&wopt);
	return w;
}

static struct fstrm_iothr *dnstap_iothr(struct fstrm_writer **w,
                                        unsigned nqueues)
{
	struct fstrm_iothr_options *o = fstrm_iothr_options_init();
	if (o == NULL)
		return NULL;
	struct fstrm_iothr *t = NULL;
	if (fstrm_iothr_options_set_num_input_queues(o, nqueues) ==
	        fstrm_res_success &&
	    fstrm_iothr_options_set_input_queue_size(o, DNSTAP_QUEUE) ==
	        fstrm_res_success &&
	    fstrm_iothr_options_set_queue_notify_threshold(
	        o, DNSTAP_WAKE_SPACE) == fstrm_res_success &&
	    fstrm_iothr_options_set_reopen_interval(o, DNSTAP_REOPEN_S) ==
	        fstrm_res_success &&
	    fstrm_iothr_options_set_output_queue_size(o, DNSTAP_OUTPUT_QUEUE) ==
	        fstrm_res_success &&
	    fstrm_iothr_options_set_buffer_hint(o, DNSTAP_BUFFER_HINT) ==
	        fstrm_res_success &&
	    /* One producer per queue: fstrm's lock-free queue. */
	    fstrm_iothr_options_set_queue_model(
	        o, FSTRM_IOTHR_QUEUE_MODEL_SPSC) == fstrm_res_success)
		t = fstrm_iothr_init(o, w);
	fstrm_iothr_options_destroy(&o);
	return t;
}

int dnstap_sink_new(const struct config_server *cfg, unsigned nqueues,
                    struct dnstap_sink **out)
{
	*out = NULL;
	if (cfg->dnstap == CONFIG_DNSTAP_OFF)
		return 0;
	const char *what = cfg->dnstap == CONFIG_DNSTAP_UNIX ? "unix" : "file";
	struct dnstap_sink *s = calloc(1, sizeof(*s));
	if (s == NULL)
		goto oom;
	s->nqueues = nqueues;
	s->kind = cfg->dnstap;
	s->path = strdup(cfg->dnstap_path);
	s->cfg_identity = dnstap_strdup_or_null(cfg->dnstap_identity);
	s->cfg_version = dnstap_strdup_or_null(cfg->dnstap_version);
	char host[256];
	if (gethostname(host, sizeof(host)) != 0)
		strcpy(host, "dnsd");
	host[sizeof(host) - 1] = '\0';
	s->identity =
	    strdup(cfg->dnstap_identity ? cfg->dnstap_identity : host);
	s->version = strdup(cfg->dnstap_version ? cfg->dnstap_version
	                                        : "dnsd " DNSD_VERSION);
	s->queues = calloc(nqueues, sizeof(*s->queues));
	s->rings = aligned_alloc(DNSD_CACHELINE, nqueues * sizeof(*s->rings));
	if (s->path == NULL || s->identity == NULL || s->version == NULL ||
	    s->queues == NULL || s->rings == NULL ||
	    (cfg->dnstap_identity && !s->cfg_identity) ||
	    (cfg->dnstap_version && !s->cfg_version))
		goto oom;
	memset(s->rings, 0, nqueues * sizeof(*s->rings));
	for (unsigned i = 0; i < nqueues; i++)
		if (dnstap_ring_init(&s->rings[i], DNSTAP_RING_BYTES,
		                     DNSTAP_RING_SLOTS) != 0)
			goto oom;
	s->who.identity = s->identity;
	s->who.version = s->version;
	if (dnstap_msg_prefix(&s->who) != 0)
		goto oom;
	struct fstrm_writer *w = dnstap_writer(cfg);
	if (w == NULL) {
		log_error("dnstap", "cannot set up the %s writer for %s", what,
		          cfg->dnstap_path);
		dnstap_sink_release(s);
		return -1;
	}
	s->iothr = dnstap_iothr(&w, nqueues);
	if (s->iothr == NULL) {
		if (w != NULL)
			fstrm_writer_destroy(&w);
		log_error("dnstap", "cannot start the I/O thread for %s:%s",
		          what, cfg->dnstap_path);
		dnstap_sink_release(s);
		return -1;
	}
	for (unsigned i = 0; i < nqueues; i++)
		s->queues[i] = fstrm_iothr_get_input_queue_idx(s->iothr, i);
	log_info("dnstap",
	         "logging queries to %s:%s (identity \"%s\", "
	         "version \"%s\")",
	         what, s->path, s->identity, s->version);
	*out = s;
	return 0;
oom:
	log_error("dnstap", "out of memory setting up dnstap");
	if (s != NULL)
		dnstap_sink_release(s);
	return -1;
}

bool dnstap_sink_same(const struct dnstap_sink *s,
                      const struct config_server *cfg)
{
	if (cfg->dnstap == CONFIG_DNSTAP_OFF || s == NULL)
		return cfg->dnstap == CONFIG_DNSTAP_OFF && s == NULL;
	return s->kind == cfg->dnstap &&
	       strcmp(s->path, cfg->dnstap_path) == 0 &&
	       dnstap_streq(s->cfg_identity, cfg->dnstap_identity) &&
	       dnstap_streq(s->cfg_version, cfg->dnstap_version);
}

/* The teardown runs on a thread of its own so that the caller can stop
 * waiting: fstrm_iothr_destroy joins the I/O thread, which may sit in a
 * blocking write to a collector that stopped reading. */
struct dnstap_reaper {
	pthread_mutex_t lock;
	pthread_cond_t cond; /* on CLOCK_MONOTONIC */
	struct dnstap_sink *sink;
	bool done;      /* under lock */
	bool abandoned; /* under lock: the waiter left, the thread frees */
};

static void dnstap_reaper_free(struct dnstap_reaper *r)
{
	pthread_cond_destroy(&r->cond);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

static void *dnstap_reap(void *arg)
{
	struct dnstap_reaper *r = arg;
	fstrm_iothr_destroy(&r->sink->iothr);
	dnstap_sink_release(r->sink);
	pthread_mutex_lock(&r->lock);
	r->done = true;
	bool last = r->abandoned;
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->lock);
	if (last) {
		log_info("dnstap", "an old sink finished writing and was "
		                   "freed");
		dnstap_reaper_free(r);
	}
	return NULL;
}

/* A reaper for s with its thread started, or NULL. */
static struct dnstap_reaper *dnstap_reaper_start(struct dnstap_sink *s)
{
	struct dnstap_reaper *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	pthread_condattr_t ca;
	if (pthread_condattr_init(&ca) != 0) {
		free(r);
		return NULL;
	}
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->cond, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&r->lock, NULL);
	r->sink = s;
	pthread_attr_t ta;
	pthread_t t;
	bool started = false;
	if (pthread_attr_init(&ta) == 0) {
		pthread_attr_setdetachstate(&ta, PTHREAD_CREATE_DETACHED);
		started = pthread_create(&t, &ta, dnstap_reap, r) == 0;
		pthread_attr_destroy(&ta);
	}
	if (!started) {
		dnstap_reaper_free(r);
		return NULL;
	}
	return r;
}

void dnstap_sink_free(struct dnstap_sink *s, unsigned wait_ms)
{
	if (s == NULL)
		return;
	struct dnstap_reaper *r = dnstap_reaper_start(s);
	if (r == NULL) {
		/* No thread to spare: tear down here, unbounded. */
		fstrm_iothr_destroy(&s->iothr);
		dnstap_sink_release(s);
		return;
	}
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += wait_ms / 1000;
	until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&r->lock);
	int err = 0;
	while (!r->done && err != ETIMEDOUT)
		err = pthread_cond_timedwait(&r->cond, &r->lock, &until);
	bool done = r->done;
	if (!done)
		r->abandoned = true;
	pthread_mutex_unlock(&r->lock);
	if (done)
		dnstap_reaper_free(r);
	else
		log_warn("dnstap",
		         "the collector has not taken the queued messages "
		         "within %u ms; leaving the old sink to finish by "
		         "itself",
		         wait_ms);
}

static void dnstap_submit(struct dnstap_sink *s, unsigned queue,
                          const struct dnstap_event *ev, enum dnstap_kind kind,
                          struct stats *st)
{
	struct dnstap_ring *r = &s->rings[queue];
	struct dnstap_slot *slot;
	size_t len;
	uint8_t *frame = dnstap_msg_encode(&s->who, ev, kind, r, &slot, &len);
	if (frame == NULL) {
		stats_inc(&st->dnstap_dropped);
		return;
	}
	if (fstrm_iothr_submit(s->iothr, s->queues[queue], frame, len,
	                       dnstap_ring_release,
	                       slot) != fstrm_res_success) {
		dnstap_ring_unreserve(r, slot);
		stats_inc(&st->dnstap_dropped);
		return;
	}
	stats_inc(&st->dnstap_queued);
}

void dnstap_log(struct dnstap_sink *s, unsigned queue,
                const struct dnstap_event *ev, struct stats *st)
{
	if (DNSD_UNLIKELY(queue >= s->nqueues))
		return;
	dnstap_submit(s, queue, ev, DNSTAP_AUTH_QUERY, st);
	if (ev->rlen > 0)
		dnstap_submit(s, queue, ev, DNSTAP_AUTH_RESPONSE, st);
}
