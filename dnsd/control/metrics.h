/* metrics.h - the Prometheus text exposition (format 0.0.4) of dnsd's
 * counters (SPEC section 6). Pure: it renders whatever it is handed, so the
 * control endpoint gathers the inputs and the unit tests fake them. */
#ifndef DNSD_METRICS_H
#define DNSD_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probes/probe.h"
#include "control/procstat.h"
#include "dns/stats.h"

struct evbuffer;

/* One (cluster, member) pair of the configuration in force. */
struct metrics_member {
	const char *cluster;
	const char *address;
	bool up;
	bool checked;      /* false for check = none: no failures series */
	uint64_t failures; /* failed checks of its probe target */
	bool drained;      /* SPEC 7 overrides in force */
	bool forced_up;
};

struct metrics_input {
	/* Every thread's counters (UDP workers, TCP), summed here. */
	const struct stats *const *stats;
	size_t nstats;
	uint64_t reloads_ok, reloads_failed;
	int64_t last_reload_ok; /* unix seconds; start counts as one */
	const struct probe_metrics *probe; /* NULL: no histogram samples */
	const struct metrics_member *members;
	size_t nmembers;
	/* The process_* family; NULL or !valid: left out. */
	const struct procstat *process;
};

/* Append the exposition of in to out. Names of records and clusters for
 * the per-name counters come from the stats registry (stats.h), so this
 * runs on the main thread. Returns 0, or -1 when out of memory. */
int metrics_render(const struct metrics_input *in, struct evbuffer *out);

/* Append s as a label value, escaped as the format requires (backslash,
 * double quote, newline). Returns 0 or -1. */
int metrics_escape_label(struct evbuffer *out, const char *s);

#endif
