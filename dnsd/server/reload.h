/* reload.h - SIGHUP reloads on their own thread: build the new snapshot and
 * wait for its probe readiness round there, then publish it, so the main
 * thread keeps serving TCP and the control endpoint while a big zone loads
 * (a 1M-name zone takes seconds). */
#ifndef DNSD_RELOAD_H
#define DNSD_RELOAD_H

#include "probes/probe.h"
#include "server/server.h"

struct event_base;
struct reloader;

/* Called on the main thread (from base's loop) after a snapshot was
 * published, to apply the settings only the main thread may touch (TCP
 * limits). The new snapshot is server_snapshot(srv); the caller of this
 * hook is online in the main thread's qsbr slot while it runs. */
typedef void (*reload_applied_fn)(void *arg, const struct snapshot *s);

/* Start the reload thread. path: the INI file (must outlive the
 * reloader). main_slot: the main thread's qsbr reader slot. Returns NULL
 * when out of memory or the thread cannot start. Main thread only, after
 * the first snapshot is published and the prober has adopted its set. */
struct reloader *reloader_new(struct event_base *base, struct server *srv,
                              unsigned main_slot, struct prober *prober,
                              const char *path, reload_applied_fn applied,
                              void *arg);

/* Ask for a reload and return at once. A request made while a reload runs
 * is coalesced: one more reload follows the current one, however many
 * requests came meanwhile. Returns the request's number (from 1), which
 * the done hook reports once a reload covering it finished. Main thread
 * only. */
uint64_t reloader_request(struct reloader *r);

/* Called on the main thread after each reload: upto is the number of the
 * last request it covers (every request numbered <= upto was read after
 * it was made), ok its outcome, errors its "PATH:LINE: message" lines
 * (one per line, "" when ok). Two reloads finishing before the loop runs
 * report once, with the later result. */
typedef void (*reload_done_fn)(void *arg, uint64_t upto, bool ok,
                               const char *errors);

/* Set the done hook (one; NULL to clear). Main thread only. */
void reloader_on_done(struct reloader *r, reload_done_fn fn, void *arg);

/* Stop the thread: a reload that is building finishes its build and is
 * dropped; one whose readiness round runs is still published (the prober
 * holds its targets). Waits for the thread; must run before the prober,
 * the workers and base are freed. NULL is ignored. Main thread only. */
void reloader_free(struct reloader *r);

#endif
