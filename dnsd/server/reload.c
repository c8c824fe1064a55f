/* reload.c - the reload thread: build, readiness round, publish, reclaim. */
#include "server/reload.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <event2/event.h>

#include "base/diag.h"
#include "base/log.h"
#include "dnstap/dnstap.h"

struct reloader {
	struct event_base *base;
	struct server *srv;
	unsigned main_slot;
	struct prober *prober;
	const char *path;
	reload_applied_fn applied;
	void *arg;
	struct event *applied_ev; /* made active by the thread, runs on base */
	struct event *done_ev;    /* the same, after every reload */
	reload_done_fn done;
	void *done_arg;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool requested; /* under lock */
	bool stopping;  /* under lock */
	bool busy;      /* under lock: a reload runs */
	/* Under lock: requests are numbered; a finished reload reports the
	 * number of the last request it covered, so a waiter knows that a
	 * reload started after its request (SPEC 7, dnsdctl reload). */
	uint64_t requests;
	uint64_t done_upto;
	bool done_ok;
	char *done_errors; /* "PATH:LINE: message" lines, malloc'd */
};

/* The messages of diag as lines, for dnsdctl reload. */
static char *reload_join(const struct diag *d)
{
	size_t len = 1;
	for (size_t i = 0; i < d->count && d->msgs != NULL; i++)
		len += d->msgs[i] != NULL ? strlen(d->msgs[i]) + 1 : 0;
	char *s = malloc(len);
	if (s == NULL)
		return NULL;
	size_t n = 0;
	for (size_t i = 0; i < d->count && d->msgs != NULL; i++) {
		if (d->msgs[i] == NULL)
			continue;
		size_t l = strlen(d->msgs[i]);
		memcpy(s + n, d->msgs[i], l);
		s[n + l] = '\n';
		n += l + 1;
	}
	s[n] = '\0';
	return s;
}

static bool reload_stopping(struct reloader *r)
{
	pthread_mutex_lock(&r->lock);
	bool s = r->stopping;
	pthread_mutex_unlock(&r->lock);
	return s;
}

static char *reload_failed(struct reloader *r, const char *why)
{
	log_error("config",
	          "reload failed: %s; still serving the previous "
	          "configuration",
	          why);
	atomic_fetch_add(&r->srv->reloads_failed, 1);
	char *s = malloc(strlen(why) + 2);
	if (s != NULL)
		sprintf(s, "%s\n", why);
	return s;
}

/* Overrides whose target the new configuration lacks are kept (SPEC 7):
 * said once per reload, so the operator can resume them. */
static void reload_log_unmatched(struct admin_table *a,
                                 const struct snapshot *s)
{
	pthread_mutex_lock(&a->lock);
	for (size_t i = 0; i < a->n; i++)
		if (admin_target_each(s, &a->v[i]->t, NULL, NULL) == 0)
			log_warn("config",
			         "override %s %s matches no member now; kept "
			         "(dnsdctl admin shows it unmatched)",
			         admin_state_name(a->v[i]->state),
			         a->v[i]->t.text);
	pthread_mutex_unlock(&a->lock);
}

static bool reload_same_str(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	       (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* What a reload cannot change in place: said, not silently ignored. */
static void reload_warn_restart(const struct config_server *oc,
                                const struct config_server *nc)
{
	bool same_listen = oc->nlisten == nc->nlisten;
	for (size_t i = 0; same_listen && i < nc->nlisten; i++)
		same_listen = oc->listen[i].len == nc->listen[i].len &&
		              memcmp(&oc->listen[i].ss, &nc->listen[i].ss,
		                     nc->listen[i].len) == 0;
	if (!same_listen || oc->threads != nc->threads)
		log_warn("config", "listen and threads changes take effect "
		                   "at restart; sockets are unchanged");
	if (oc->has_control != nc->has_control ||
	    (nc->has_control &&
	     (oc->control.len != nc->control.len ||
	      memcmp(&oc->control.ss, &nc->control.ss, nc->control.len) != 0)))
		log_warn("config", "control address change takes effect at "
		                   "restart; the endpoint is unchanged");
	if (!reload_same_str(oc->control_socket, nc->control_socket) ||
	    !reload_same_str(oc->state_file, nc->state_file))
		log_warn("config", "control_socket and state_file changes "
		                   "take effect at restart");
}

/* How long a replaced dnstap sink may take to hand its queued messages
 * over before the reload thread stops waiting for it (dnstap.h). */
#define RELOAD_DNSTAP_WAIT_MS 2000

/* The dnstap sink a reload to cfg needs: *keep when the current one
 * stays, else a new one built here, off the serving threads (NULL when
 * dnstap goes off). A new file sink on the current file's path would
 * truncate it under the old writer, so that one is built only after the
 * old is gone (reload_dnstap_swap). Returns 0 or -1. */
static int reload_dnstap_prepare(struct server *srv,
                                 const struct config_server *cfg, bool *keep,
                                 struct dnstap_sink **fresh, bool *deferred)
{
	struct dnstap_sink *cur = atomic_load(&srv->dnstap);
	*fresh = NULL;
	*deferred = false;
	*keep = dnstap_sink_same(cur, cfg);
	if (*keep)
		return 0;
	const struct snapshot *old = atomic_load(&srv->snapshot);
	const struct config_server *oc = &old->cfg->server;
	if (cur != NULL && cfg->dnstap == CONFIG_DNSTAP_FILE &&
	    oc->dnstap == CONFIG_DNSTAP_FILE &&
	    strcmp(oc->dnstap_path, cfg->dnstap_path) == 0) {
		*deferred = true;
		return 0;
	}
	return dnstap_sink_new(cfg, srv->dnstap_queues, fresh);
}

/* After the snapshot was published: put the prepared sink in force and
 * free the old one once no reader can hold it. */
static void reload_dnstap_swap(struct server *srv,
                               const struct config_server *cfg,
                               struct dnstap_sink *fresh, bool deferred)
{
	struct dnstap_sink *old = atomic_load(&srv->dnstap);
	atomic_store_explicit(&srv->dnstap, fresh, memory_order_release);
	qsbr_synchronize(&srv->qsbr);
	dnstap_sink_free(old, RELOAD_DNSTAP_WAIT_MS);
	if (deferred) {
		if (dnstap_sink_new(cfg, srv->dnstap_queues, &fresh) == 0)
			atomic_store_explicit(&srv->dnstap, fresh,
			                      memory_order_release);
		else
			log_error("dnstap", "dnstap stays off until the next "
			                    "reload");
	} else if (fresh == NULL) {
		log_info("dnstap", "dnstap off");
	}
}

/* One reload, start to end, on the reload thread. Only this thread
 * replaces or frees the published snapshot once serving has begun, so the
 * old one can be read here without qsbr. */
static bool reload_once(struct reloader *r, char **errors)
{
	struct diag diag;
	struct snapshot *fresh = NULL;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	diag_init(&diag);
	log_info("config", "reloading %s", r->path);
	if (snapshot_build(r->path, &fresh, &diag) != 0) {
		diag_log(&diag, "config");
		log_error("config",
		          "reload failed with %zu error(s); still "
		          "serving the previous configuration",
		          diag.count);
		*errors = reload_join(&diag);
		diag_free(&diag);
		atomic_fetch_add(&r->srv->reloads_failed, 1);
		return false;
	}
	diag_log(&diag, "config"); /* its warnings */
	diag_free(&diag);
	if (reload_stopping(r)) {
		log_info("config", "reload dropped: stopping");
		snapshot_free(fresh);
		*errors = strdup("reload dropped: dnsd is stopping\n");
		return false;
	}
	bool tap_keep, tap_deferred;
	struct dnstap_sink *tap = NULL;
	if (reload_dnstap_prepare(r->srv, &fresh->cfg->server, &tap_keep, &tap,
	                          &tap_deferred) != 0) {
		snapshot_free(fresh);
		*errors = reload_failed(r, "cannot set up dnstap");
		return false;
	}
	/* Health first: kept for unchanged members, one readiness round for
	 * new ones, so the new snapshot answers right from its first query
	 * (SPEC 4). The old snapshot keeps serving meanwhile. */
	if (prober_adopt(r->prober, &fresh->probes) != 0) {
		dnstap_sink_free(tap, RELOAD_DNSTAP_WAIT_MS);
		snapshot_free(fresh);
		*errors = reload_failed(r, "cannot start health checks for "
		                           "the new configuration");
		return false;
	}
	/* From here the prober reads fresh's targets: it is published even
	 * when a stop came meanwhile, and freed with the server. */
	struct snapshot *old = atomic_load(&r->srv->snapshot);
	reload_warn_restart(&old->cfg->server, &fresh->cfg->server);
	log_set_level(fresh->cfg->server.log_level);

	/* Publish, then wait until no reader (a worker, the main thread
	 * answering TCP or rendering a page) can still hold the old one. */
	struct admin_table *admin = r->srv->admin;
	if (admin != NULL) {
		/* Overrides before the first query: held until published,
		 * so a dnsdctl drain meanwhile reaches fresh (admin.h). */
		pthread_mutex_lock(&admin->lock);
		admin_apply(admin, fresh);
	}
	atomic_store_explicit(&r->srv->snapshot, fresh, memory_order_release);
	if (admin != NULL) {
		pthread_mutex_unlock(&admin->lock);
		reload_log_unmatched(admin, fresh);
	}
	qsbr_synchronize(&r->srv->qsbr);
	event_active(r->applied_ev, 0, 0);
	if (!tap_keep)
		reload_dnstap_swap(r->srv, &fresh->cfg->server, tap,
		                   tap_deferred);
	snapshot_log_changes(old, fresh);
	snapshot_free(old);
#ifdef __GLIBC__
	/* A big snapshot leaves megabytes free in this thread's heap, more
	 * than the trim threshold keeps (main.c): 100 reloads alternating
	 * 10,000 and 2 members grew RSS tenfold. Hand the free pages back
	 * to the kernel now, off the serving threads. */
	malloc_trim(0);
#endif
	atomic_fetch_add(&r->srv->reloads_ok, 1);
	atomic_store(&r->srv->last_reload_ok, (int64_t)time(NULL));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	log_debug("config", "reload took %.3f s",
	          (double)(t1.tv_sec - t0.tv_sec) +
	              (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return true;
}

static void *reload_main(void *arg)
{
	struct reloader *r = arg;
	pthread_mutex_lock(&r->lock);
	for (;;) {
		while (!r->requested && !r->stopping)
			pthread_cond_wait(&r->cond, &r->lock);
		if (r->stopping)
			break;
		r->requested = false;
		r->busy = true;
		uint64_t upto = r->requests;
		pthread_mutex_unlock(&r->lock);
		char *errors = NULL;
		bool ok = reload_once(r, &errors);
		pthread_mutex_lock(&r->lock);
		r->busy = false;
		r->done_upto = upto;
		r->done_ok = ok;
		free(r->done_errors);
		r->done_errors = errors;
		event_active(r->done_ev, 0, 0);
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

static void reload_on_applied(evutil_socket_t fd, short what, void *arg)
{
	struct reloader *r = arg;
	(void)fd;
	(void)what;
	qsbr_online(&r->srv->qsbr, r->main_slot);
	r->applied(r->arg, server_snapshot(r->srv));
	qsbr_offline(&r->srv->qsbr, r->main_slot);
}

static void reload_on_done(evutil_socket_t fd, short what, void *arg)
{
	struct reloader *r = arg;
	(void)fd;
	(void)what;
	pthread_mutex_lock(&r->lock);
	uint64_t upto = r->done_upto;
	bool ok = r->done_ok;
	char *errors = r->done_errors != NULL ? strdup(r->done_errors) : NULL;
	pthread_mutex_unlock(&r->lock);
	if (r->done != NULL)
		r->done(r->done_arg, upto, ok, errors != NULL ? errors : "");
	free(errors);
}

void reloader_on_done(struct reloader *r, reload_done_fn fn, void *arg)
{
	r->done = fn;
	r->done_arg = arg;
}

struct reloader *reloader_new(struct event_base *base, struct server *srv,
                              unsigned main_slot, struct prober *prober,
                              const char *path, reload_applied_fn applied,
                              void *arg)
{
	struct reloader *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->base = base;
	r->srv = srv;
	r->main_slot = main_slot;
	r->prober = prober;
	r->path = path;
	r->applied = applied;
	r->arg = arg;
	r->applied_ev = event_new(base, -1, 0, reload_on_applied, r);
	r->done_ev = event_new(base, -1, 0, reload_on_done, r);
	if (r->applied_ev == NULL || r->done_ev == NULL) {
		if (r->applied_ev != NULL)
			event_free(r->applied_ev);
		if (r->done_ev != NULL)
			event_free(r->done_ev);
		free(r);
		return NULL;
	}
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	if (pthread_create(&r->thread, NULL, reload_main, r) != 0) {
		pthread_cond_destroy(&r->cond);
		pthread_mutex_destroy(&r->lock);
		event_free(r->applied_ev);
		event_free(r->done_ev);
		free(r);
		return NULL;
	}
	return r;
}

uint64_t reloader_request(struct reloader *r)
{
	pthread_mutex_lock(&r->lock);
	r->requested = true;
	uint64_t n = ++r->requests;
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->lock);
	return n;
}

void reloader_free(struct reloader *r)
{
	if (r == NULL)
		return;
	pthread_mutex_lock(&r->lock);
	r->stopping = true;
	bool busy = r->busy;
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->lock);
	if (busy)
		log_info("server", "stop: waiting for the reload in progress");
	pthread_join(r->thread, NULL);
	event_free(r->applied_ev);
	event_free(r->done_ev);
	free(r->done_errors);
	pthread_cond_destroy(&r->cond);
	pthread_mutex_destroy(&r->lock);
	free(r);
}
