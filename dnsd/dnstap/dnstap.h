/* dnstap.h - query logging with dnstap (SPEC 10): AUTH_QUERY and
 * AUTH_RESPONSE frames over Frame Streams (libfstrm) to a unix socket
 * collector (fstrm_capture) or a file. dnsd/dnstap/ is the only user of
 * libfstrm and protobuf-c.
 *
 * A sink is one destination: fstrm's I/O thread, one input queue and one
 * frame ring per answering thread (worker i uses queue i, TCP the last),
 * so threads never share a lock or a cache line to log. A full queue
 * drops the frame and counts it; answering never waits. A reload builds a
 * new sink aside and swaps the published pointer (struct server); the old
 * one is freed once every reader went quiescent. */
#ifndef DNSD_DNSTAP_H
#define DNSD_DNSTAP_H

#include <stdbool.h>

#include "conf/config.h"
#include "dns/stats.h"
#include "dnstap/dnstap_msg.h"

struct dnstap_sink;

/* A sink for cfg's dnstap destination with nqueues input queues, or NULL
 * in *out when dnstap is off. A collector that is not there yet is no
 * error: fstrm connects (and reconnects) by itself. Returns 0 or -1
 * (logged). Not on an answering thread: it starts a thread. */
int dnstap_sink_new(const struct config_server *cfg, unsigned nqueues,
                    struct dnstap_sink **out);

/* True when s (NULL = off) already is what cfg asks for, so a reload
 * keeps it and its connection. */
bool dnstap_sink_same(const struct dnstap_sink *s,
                      const struct config_server *cfg);

/* Flush and free s once no thread can log to it any more. Waits at most
 * wait_ms for fstrm's I/O thread to write what is queued (a collector
 * that stopped reading would block it forever); past that the sink is
 * left to finish on its own and is never freed. NULL is ignored. */
void dnstap_sink_free(struct dnstap_sink *s, unsigned wait_ms);

/* Log ev: an AUTH_QUERY frame and, when ev has a response, an
 * AUTH_RESPONSE frame, on input queue `queue` (the caller's own). Frames
 * queued count in st->dnstap_queued; one that does not fit the queue or
 * the ring is dropped and counted in st->dnstap_dropped. Never blocks,
 * never allocates. The caller is online (qsbr) and owns st. */
void dnstap_log(struct dnstap_sink *s, unsigned queue,
                const struct dnstap_event *ev, struct stats *st);

#endif
