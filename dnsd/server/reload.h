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
 * requests came meanwhile. Main thread only. */
void reloader_request(struct reloader *r);

/* Stop the thread: a reload that is building finishes its build and is
 * dropped; one whose readiness round runs is still published (the prober
 * holds its targets). Waits for the thread; must run before the prober,
 * the workers and base are freed. NULL is ignored. Main thread only. */
void reloader_free(struct reloader *r);

#endif
