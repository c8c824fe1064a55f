/* http_limits.c - see http_limits.h.
 *
 * How a connection is followed without evhttp's help: the bufferevent we
 * hand evhttp carries an extra reference of ours. When evhttp is done with
 * a connection it frees the bufferevent, which clears its callbacks and
 * drops evhttp's reference; ours keeps the object (and its socket) alive,
 * so the sweep can tell "callbacks cleared" safely and then drop the last
 * reference, which closes the socket. Without that reference, a freed
 * bufferevent would be finalised later in the loop and the sweep could
 * not know whether it may still touch it. */
#include "control/http_limits.h"

#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>

#include "base/log.h"
#include "base/log_limit.h"
#include "server/accept_pause.h"

/* One line per this many seconds about connections closed at their
 * deadline, with the count: a slowloris of thousands logs a few lines. */
#define HTTP_LIMITS_LOG_S 10

struct http_conn {
	struct http_conn *prev, *next;
	struct bufferevent *bev; /* holds our reference */
	struct timeval deadline; /* for the request now arriving */
	bool cut;                /* shut down at its deadline */
};

struct http_limits {
	struct event_base *base;
	struct accept_pause *pause;
	struct event *sweep;
	struct http_conn *conns;
	unsigned nconns;
	unsigned max_conns;
	struct timeval deadline;
	struct log_limit cut_log;
};

/* evhttp freed it: bufferevent_free cleared every callback. evhttp sets
 * an event callback on each connection it serves and never clears it
 * before that. */
static bool conn_abandoned(const struct http_conn *c)
{
	bufferevent_data_cb r, w;
	bufferevent_event_cb e;
	void *arg;
	bufferevent_getcb(c->bev, &r, &w, &e, &arg);
	return r == NULL && w == NULL && e == NULL && arg == NULL;
}

static void conn_release(struct http_limits *hl, struct http_conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		hl->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	bufferevent_decref(c->bev); /* the last one: closes the socket */
	free(c);
	hl->nconns--;
	if (hl->pause != NULL && hl->nconns < hl->max_conns)
		accept_pause_hold(hl->pause, false);
	if (hl->nconns == 0)
		evtimer_del(hl->sweep);
}

static void deadline_from_now(struct http_limits *hl, struct http_conn *c)
{
	struct timeval now;
	event_base_gettimeofday_cached(hl->base, &now);
	timeradd(&now, &hl->deadline, &c->deadline);
}

static bool past(const struct timeval *now, const struct timeval *t)
{
	/* Compared by hand: timercmp's operator argument trips cppcheck. */
	return now->tv_sec > t->tv_sec ||
	       (now->tv_sec == t->tv_sec && now->tv_usec >= t->tv_usec);
}

static void sweep(evutil_socket_t fd, short what, void *arg)
{
	struct http_limits *hl = arg;
	(void)fd;
	(void)what;
	struct timeval now;
	event_base_gettimeofday_cached(hl->base, &now);
	unsigned long cut = 0;
	struct http_conn *c = hl->conns;
	while (c != NULL) {
		struct http_conn *next = c->next;
		if (conn_abandoned(c)) {
			conn_release(hl, c);
		} else if (!c->cut && past(&now, &c->deadline)) {
			if (evbuffer_get_length(
			        bufferevent_get_output(c->bev)) > 0) {
				/* An answer still going out: its own write
				 * timeout bounds that; the next request's
				 * time starts once it is written. */
				deadline_from_now(hl, c);
			} else {
				/* evhttp sees end of file and closes it; the
				 * next sweep releases it. */
				shutdown(bufferevent_getfd(c->bev), SHUT_RDWR);
				c->cut = true;
				cut++;
			}
		}
		c = next;
	}
	unsigned long suppressed = 0;
	for (unsigned long i = 0; i < cut; i++)
		if (log_limit_pass(&hl->cut_log, now.tv_sec, HTTP_LIMITS_LOG_S,
		                   &suppressed))
			log_warn("server",
			         "control: closed a connection that sent no "
			         "whole request within %ld s (%lu more since "
			         "the last line)",
			         (long)hl->deadline.tv_sec, suppressed);
}

/* Once evhttp let go, stop reading: a client still sending would fill the
 * input buffer until the sweep. */
static void input_grew(struct evbuffer *buf,
                       const struct evbuffer_cb_info *info, void *arg)
{
	struct http_conn *c = arg;
	(void)buf;
	if (info->n_added > 0 && conn_abandoned(c))
		bufferevent_disable(c->bev, EV_READ);
}

static struct bufferevent *new_conn(struct event_base *base, void *arg)
{
	struct http_limits *hl = arg;
	struct http_conn *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL; /* evhttp makes its own: served, not followed */
	c->bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL || evbuffer_add_cb(bufferevent_get_input(c->bev),
	                                      input_grew, c) == NULL) {
		if (c->bev != NULL)
			bufferevent_free(c->bev);
		free(c);
		return NULL;
	}
	bufferevent_incref(c->bev);
	deadline_from_now(hl, c);
	c->next = hl->conns;
	if (hl->conns)
		hl->conns->prev = c;
	hl->conns = c;
	if (hl->nconns++ == 0) {
		struct timeval tv = {0, HTTP_LIMITS_SWEEP_MS * 1000};
		evtimer_add(hl->sweep, &tv);
	}
	if (hl->nconns >= hl->max_conns)
		accept_pause_hold(hl->pause, true);
	return c->bev;
}

struct http_limits *http_limits_new(struct event_base *base,
                                    struct evhttp *http,
                                    struct evhttp_bound_socket *bound,
                                    unsigned max_conns, unsigned deadline_s)
{
	struct http_limits *hl = calloc(1, sizeof(*hl));
	if (hl == NULL)
		return NULL;
	hl->base = base;
	hl->max_conns = max_conns > 0 ? max_conns : 1;
	hl->deadline.tv_sec = deadline_s;
	hl->sweep = event_new(base, -1, EV_PERSIST, sweep, hl);
	hl->pause = accept_pause_new(
	    base, evhttp_bound_socket_get_listener(bound), "control");
	if (hl->sweep == NULL || hl->pause == NULL) {
		if (hl->sweep != NULL)
			event_free(hl->sweep);
		accept_pause_free(hl->pause);
		free(hl);
		return NULL;
	}
	evhttp_set_bevcb(http, new_conn, hl);
	return hl;
}

void http_limits_served(struct http_limits *hl, struct evhttp_request *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct bufferevent *bev =
	    evcon != NULL ? evhttp_connection_get_bufferevent(evcon) : NULL;
	for (struct http_conn *c = hl->conns; c != NULL; c = c->next) {
		if (c->bev == bev) {
			deadline_from_now(hl, c);
			return;
		}
	}
}

unsigned http_limits_open(const struct http_limits *hl)
{
	return hl->nconns;
}

void http_limits_free(struct http_limits *hl, struct evhttp *http)
{
	if (hl == NULL) {
		if (http != NULL)
			evhttp_free(http);
		return;
	}
	/* The pause refers to evhttp's listener: gone with evhttp. */
	accept_pause_free(hl->pause);
	hl->pause = NULL;
	/* Closes the listener and every connection; ours are released
	 * after, when evhttp has cleared their callbacks. */
	if (http != NULL)
		evhttp_free(http);
	/* conn_release unlinks the head, so this ends; the analyzer cannot
	 * see that hl outlives its connections. */
	for (struct http_conn *c = hl->conns; c != NULL; c = hl->conns)
		conn_release(hl, c); // NOLINT(clang-analyzer-unix.Malloc)
	event_free(hl->sweep);
	free(hl);
}
