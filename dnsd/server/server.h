/* server.h - the state shared by the main thread, UDP workers and TCP:
 * two published pointers, the reclamation scheme, and the stop flag. */
#ifndef DNSD_SERVER_H
#define DNSD_SERVER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/qsbr.h"
#include "snapshot/admin.h"
#include "snapshot/snapshot.h"
#include "dns/stats.h"

struct dnstap_sink;

struct server {
	/* The configuration in force. Readers load it once per batch while
	 * online (qsbr); only the main thread stores it. */
	_Atomic(struct snapshot *) snapshot;
	struct qsbr qsbr;
	atomic_bool stopping;
	/* Reload outcomes, for metrics. */
	_Atomic uint64_t reloads_ok;
	_Atomic uint64_t reloads_failed;
	_Atomic int64_t last_reload_ok; /* unix seconds */
	/* The dnstap sink in force, NULL when off. Same rules as snapshot:
	 * loaded once per batch while online, replaced by the reload thread,
	 * freed after qsbr_synchronize. One input queue per qsbr slot. */
	_Atomic(struct dnstap_sink *) dnstap;
	unsigned dnstap_queues;
	/* The operator's overrides (SPEC 7), applied to every snapshot
	 * before it is published. Set before serving starts. */
	struct admin_table *admin;
};

static inline struct dnstap_sink *server_dnstap(struct server *s)
{
	return atomic_load_explicit(&s->dnstap, memory_order_acquire);
}

static inline const struct snapshot *server_snapshot(struct server *s)
{
	return atomic_load_explicit(&s->snapshot, memory_order_acquire);
}

#endif
