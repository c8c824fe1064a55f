/* resolve.h - one answer while it is built (shared by the parts of the
 * answer path: answer.c's ladder, resolve.c's zone resolution, explain.c's
 * CHAOS answers), and zone resolution itself: RFC 1034 section 4.3.2 over
 * the compiled zones, with referrals, wildcards (RFC 4592), CNAME chains,
 * RFC 2308 negative answers and load-balanced names. Internal to answer/:
 * the rest of the server goes through answer.h. Hot path: no allocation,
 * no lock, no log. */
#ifndef DNSD_RESOLVE_H
#define DNSD_RESOLVE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "answer/answer.h"
#include "answer/response.h"
#include "dns/packet.h"
#include "lb/lb.h"
#include "snapshot/snapshot.h"

struct answer_state {
	struct resp *r;
	const struct pkt_query *q;
	struct answer_ctx *ctx;
	const struct sockaddr *src;
	uint16_t flags;    /* header flags to send (AA, TC, RD, CD, opcode) */
	uint16_t rcode;    /* the full (extended) rcode */
	bool truncated;    /* something did not fit: send TC=1, no records */
	bool located;      /* client placed (once, on first need) */
	bool dynamic;      /* depends on health or client: not cached */
	uint8_t ecs_scope; /* RFC 7871 SCOPE PREFIX-LENGTH to send */
	/* The cluster a load-balanced answer came from (NULL otherwise), for
	 * the debug query log (SPEC 10). */
	const struct lb_cluster *cluster;
	struct lb_client client; /* valid once located */
};

/* Answer st->q (class IN, not a zone transfer) from zone, the closest
 * enclosing zone of its name in snap: writes the answer, authority and
 * additional records into st->r and sets st->rcode, st->flags (AA off for a
 * referral, TC for glue that does not fit), st->truncated, st->dynamic and
 * the LB fields. Any worker thread. */
void resolve_query(struct answer_state *st, const struct snapshot *snap,
                   const struct zdb_zone *zone);

#endif
