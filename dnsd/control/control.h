/* control.h - the HTTP control endpoint (SPEC section 6) on the main
 * thread's libevent base: /healthz, /metrics, /status and a status page.
 * Read-only. The only evhttp user. */
#ifndef DNSD_CONTROL_H
#define DNSD_CONTROL_H

#include <stddef.h>
#include <time.h>

#include "probes/probe.h"
#include "server/server.h"
#include "dns/stats.h"

struct event_base;
struct control;

/* Connections the endpoint serves at once: scrapers, dnsdctl and a few
 * browsers need a handful; past the cap new ones wait in the listen
 * backlog, so a client that opens hundreds cannot take the process's
 * descriptors (issue 10). The open-file budget may lower it (fdlimit.h). */
#define CONTROL_MAX_CLIENTS 64
/* A request (line, headers, the small body allowed) must arrive whole
 * within this many seconds of the connection opening or of the previous
 * answer, or the connection is closed: a client dribbling a byte every
 * few seconds (slowloris) would otherwise hold its slot forever, as each
 * byte restarts the idle timeout. */
#define CONTROL_REQUEST_DEADLINE_S 5

/* What the endpoint reads. Every pointer must outlive the endpoint. The
 * stats are other threads' counters, read with relaxed atomic loads; the
 * prober is read through its locked accessors. */
struct control_sources {
	struct server *srv;
	const struct stats *const *stats; /* UDP workers and TCP */
	size_t nstats;
	struct prober *prober;
	time_t started;
	/* The main thread's qsbr reader slot: pages that read the snapshot
	 * go online in it, as the reload thread may replace the snapshot. */
	unsigned qsbr_slot;
	/* Connections at once (at most CONTROL_MAX_CLIENTS); 0 means that. */
	unsigned max_clients;
	/* The configured address as written (HOST:PORT): a Host header
	 * naming it is served (http_host.h). Copied. */
	const char *address;
};

/* Serve HTTP on fd (bound and listening, non-blocking; owned from now on,
 * closed by control_free). src is copied (the stats array too). Returns
 * NULL when out of memory. Main thread only. */
struct control *control_new(struct event_base *base, int fd,
                            const struct control_sources *src);

/* Close the listener and every connection. NULL is ignored. */
void control_free(struct control *c);

#endif
