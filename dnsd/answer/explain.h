/* explain.h - the operator's "why": CHAOS TXT answers that say how an IN
 * query from this client is decided (SPEC 3, Explain). Not on the hot
 * path (only clients in `explain` may ask), but still allocation-free. */
#ifndef DNSD_EXPLAIN_H
#define DNSD_EXPLAIN_H

#include <stdint.h>

#include "answer/client.h"
#include "lb/lb.h"
#include "snapshot/snapshot.h"

#define EXPLAIN_MAX_LINES 8
#define EXPLAIN_LINE      256 /* one TXT character-string: 255 bytes + NUL */

/* Fill lines with the explanation for rec and this client; returns the
 * number of lines. rng is the caller's thread's state (the sample draw). */
unsigned explain_record(const struct snapshot *s, const struct lb_record *rec,
                        const struct client_addr *a, uint64_t rng[2],
                        char lines[EXPLAIN_MAX_LINES][EXPLAIN_LINE]);

#endif
