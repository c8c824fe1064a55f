/* tcp.h - DNS over TCP (RFC 7766) on the main thread's libevent base:
 * length-prefixed messages, several and pipelined queries per connection,
 * idle timeout, a cap on open connections. Same parse/answer code as UDP. */
#ifndef DNSD_TCP_H
#define DNSD_TCP_H

#include <stdbool.h>
#include <stddef.h>

#include "answer/answer.h"
#include "conf/config.h"
#include "server/server.h"

struct event_base;
struct tcp_server;

/* Create the TCP side: one listener per listen address (fds already bound
 * and listening, owned from now on; names[i] is fds[i]'s address, for the
 * log). qsbr_index is the main thread's reader slot. A failed accept()
 * pauses its listener (accept_pause.h). Returns NULL when out of memory.
 * Main thread only. */
struct tcp_server *tcp_server_new(struct event_base *base, struct server *srv,
                                  unsigned qsbr_index, const int *fds,
                                  const char *const *names, size_t nfds);

/* Apply limits from the configuration in force (start and reload): a new
 * client is refused once tcp_max_clients or fd_conns (what the open-file
 * budget leaves for DNS TCP clients, fdlimit.h) are open. */
void tcp_server_configure(struct tcp_server *ts,
                          const struct config_server *cfg, unsigned fd_conns);

/* Stop accepting; connections finish what they have read, flush, close.
 * Calls done(arg) once the last connection is gone (maybe at once). */
void tcp_server_stop(struct tcp_server *ts, void (*done)(void *), void *arg);

/* Connections open now. */
unsigned tcp_server_clients(const struct tcp_server *ts);

struct stats *tcp_server_stats(struct tcp_server *ts);

void tcp_server_free(struct tcp_server *ts);

#endif
