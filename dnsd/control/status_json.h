/* status_json.h - the control endpoint's GET /status document (SPEC
 * section 6): records, clusters, members with their health, and the recent
 * state changes. Rendered on the main thread from the snapshot in force
 * and a copy of the prober's status table. */
#ifndef DNSD_STATUS_JSON_H
#define DNSD_STATUS_JSON_H

#include <stddef.h>
#include <time.h>

#include "probes/probe.h"
#include "snapshot/snapshot.h"

struct evbuffer;

struct status_input {
	const struct snapshot *snap;
	/* status[i] of target i of snap->probes (a copy taken under the
	 * prober's lock); NULL when there are no targets. */
	const struct probe_status *status;
	const struct probe_event *events; /* most recent first */
	size_t nevents;
	time_t started; /* "since" of members with check = none */
	time_t now;
};

/* Append the JSON document to out. Returns 0, or -1 when out of memory.
 * Reads snap and the stats registry only; main thread. */
int status_json_render(const struct status_input *in, struct evbuffer *out);

/* Append s as a JSON string, quotes included (RFC 8259 section 7): " \ and
 * control characters escaped, and < > & as \u00XX so that the text is also
 * safe inside HTML. Bytes >= 0x80 pass through (our strings are UTF-8 or
 * ASCII). Returns 0 or -1. */
int status_json_string(struct evbuffer *out, const char *s);

/* Format t as "2026-11-21T18:00:00Z" into buf (at least 21 bytes). */
void status_json_time(time_t t, char *buf, size_t len);

#endif
