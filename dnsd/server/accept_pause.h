/* accept_pause.h - what a listener does when accept() fails. libevent's
 * listener stays readable while a connection waits in the backlog, so an
 * accept() that fails for want of a descriptor (EMFILE, ENFILE) or memory
 * would be retried at once, forever: issue 10 measured 2.8 million log
 * lines in 5 s. Instead the listener is disabled for a short pause and
 * one line per ACCEPT_PAUSE_LOG_S says so, with the count. A listener can
 * also be held (disabled until released) by its owner, for a connection
 * cap that leaves waiting clients in the kernel's backlog. Main thread. */
#ifndef DNSD_ACCEPT_PAUSE_H
#define DNSD_ACCEPT_PAUSE_H

#include <stdbool.h>

struct event_base;
struct evconnlistener;
struct accept_pause;

/* Why 200 ms: long enough that a listener out of descriptors costs a few
 * wake-ups a second, short enough that clients barely notice once a
 * descriptor is free again (a TCP client retries its SYN only after 1 s). */
#define ACCEPT_PAUSE_MS    200
#define ACCEPT_PAUSE_LOG_S 10

/* Take over l's error callback. what names the listener in the log
 * ("tcp 127.0.0.1:53"); copied. NULL when out of memory. */
struct accept_pause *accept_pause_new(struct event_base *base,
                                      struct evconnlistener *l,
                                      const char *what);

/* Hold the listener disabled (true) or let it accept again (false; at
 * once unless a pause is running, then when it ends). */
void accept_pause_hold(struct accept_pause *ap, bool hold);

/* Times accept() failed and the listener paused. */
unsigned long accept_pause_count(const struct accept_pause *ap);

/* Cancel a pending pause; the listener itself is the caller's to free
 * (after this). NULL is ignored. */
void accept_pause_free(struct accept_pause *ap);

#endif
