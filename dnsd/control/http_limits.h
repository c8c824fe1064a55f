/* http_limits.h - what evhttp (libevent 2.1) lacks for a server that faces
 * hostile clients: a cap on open connections, and a deadline for a whole
 * request (its read timeout restarts with every byte, so a client sending
 * a byte every few seconds holds a connection forever). evhttp creates
 * each connection's bufferevent through our callback, so every connection
 * is known here; a sweep every HTTP_LIMITS_SWEEP_MS closes those past
 * their deadline and forgets those evhttp is done with. Main thread. */
#ifndef DNSD_HTTP_LIMITS_H
#define DNSD_HTTP_LIMITS_H

struct event_base;
struct evhttp;
struct evhttp_bound_socket;
struct evhttp_request;
struct http_limits;

/* Why 250 ms: a deadline of seconds is kept to within a quarter second,
 * at four wake-ups a second only while connections are open. */
#define HTTP_LIMITS_SWEEP_MS 250

/* Take over http's bufferevent callback and bound's listener error
 * callback (accept_pause.h). At most max_conns connections are open at
 * once (the listener is held while at the cap, so later clients wait in
 * the backlog); each request must arrive whole within deadline_s of the
 * connection opening or of the previous answer. NULL when out of memory. */
struct http_limits *http_limits_new(struct event_base *base,
                                    struct evhttp *http,
                                    struct evhttp_bound_socket *bound,
                                    unsigned max_conns, unsigned deadline_s);

/* A request arrived whole and is being answered: its connection gets a
 * new deadline for the next one, counted once the answer is written. */
void http_limits_served(struct http_limits *hl, struct evhttp_request *req);

/* Connections open now (those evhttp just closed count until the next
 * sweep). */
unsigned http_limits_open(const struct http_limits *hl);

/* Free http (evhttp_free) and then what it left to us, in the order that
 * needs: the listener's pause first, the connections after. hl NULL: only
 * http is freed; http NULL is ignored. */
void http_limits_free(struct http_limits *hl, struct evhttp *http);

#endif
