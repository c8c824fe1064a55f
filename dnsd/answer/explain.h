/* explain.h - the operator's "why": CHAOS TXT answers that say how an IN
 * query from this client is decided (SPEC 3, Explain). Not on the hot
 * path (only clients in `explain` may ask), but still allocation-free. */
#ifndef DNSD_EXPLAIN_H
#define DNSD_EXPLAIN_H

#include <stdbool.h>
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

struct answer_state;

/* Answer the CHAOS query of st (SPEC 3, Explain): for a TXT query for a
 * load-balanced name from a network in `explain`, the explanation as TXT
 * records in the answer section (st->truncated when they do not fit), and
 * true; false when it must be REFUSED. Any worker thread. */
bool explain_answer(struct answer_state *st, const struct snapshot *snap);

#endif
