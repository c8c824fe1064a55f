/* tcp.c - RFC 7766 connections on libevent bufferevents. */
#include "server/tcp.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "base/log.h"
#include "base/log_limit.h"
#include "server/accept_pause.h"
#include "dnstap/dnstap.h"
#include "server/net.h"
#include "dns/wire.h"

/* Stop reading a connection whose client does not read its answers once
 * this much output waits: bounds memory per slow reader. */
#define TCP_OUTPUT_HIGH (256 * 1024)
/* One line per this many seconds about refused clients, with the count:
 * a flood refused by the thousand must not flood the log too. */
#define TCP_REFUSED_LOG_S 10

struct tcp_conn {
	struct tcp_server *ts;
	struct bufferevent *bev;
	struct sockaddr_storage peer;
	struct tcp_conn *prev, *next;
	bool closing; /* close once the output is flushed */
	/* When the first byte of a still incomplete message arrived: a
	 * client trickling bytes (slowloris) gets no more than the idle
	 * timeout to finish one message. */
	struct timeval partial_since;
	bool partial;
	/* Our end of the connection, read when dnstap first needs it. */
	struct sockaddr_storage local;
	bool local_known;
};

struct tcp_server {
	struct stats stats; /* first: own cache lines */
	struct event_base *base;
	struct server *srv;
	unsigned qsbr_index;
	struct evconnlistener **listeners;
	struct accept_pause **pauses; /* one per listener, or NULL */
	size_t nlisteners;
	struct tcp_conn *conns;
	unsigned nconns;
	unsigned max_conns; /* tcp_max_clients */
	unsigned fd_conns;  /* what the open-file budget leaves (fdlimit) */
	struct timeval idle;
	bool stopping;
	void (*done)(void *);
	void *done_arg;
	struct log_limit refused_log;
	struct answer_ctx actx;
	uint8_t in[65536];
	uint8_t out[2 + ANSWER_TCP_MAX];
};

static void conn_free(struct tcp_conn *c)
{
	struct tcp_server *ts = c->ts;
	if (c->prev)
		c->prev->next = c->next;
	else
		ts->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	bufferevent_free(c->bev);
	free(c);
	ts->nconns--;
	if (ts->stopping && ts->nconns == 0 && ts->done != NULL) {
		void (*done)(void *) = ts->done;
		ts->done = NULL;
		done(ts->done_arg);
	}
}

static bool partial_too_old(struct tcp_conn *c)
{
	struct tcp_server *ts = c->ts;
	struct timeval now, age;
	event_base_gettimeofday_cached(ts->base, &now);
	if (!c->partial) {
		c->partial = true;
		c->partial_since = now;
		return false;
	}
	timersub(&now, &c->partial_since, &age);
	/* Compared by hand: timercmp's operator argument trips cppcheck. */
	return age.tv_sec > ts->idle.tv_sec || (age.tv_sec == ts->idle.tv_sec &&
	                                        age.tv_usec > ts->idle.tv_usec);
}

/* The dnstap hook (SPEC 10): the query in ts->in and its answer (rlen
 * bytes after the length prefix in ts->out, 0 = none). */
static void tcp_tap(struct tcp_conn *c, struct dnstap_sink *tap, size_t qlen,
                    size_t rlen, const struct timespec *qt)
{
	struct tcp_server *ts = c->ts;
	if (!c->local_known) {
		socklen_t len = sizeof(c->local);
		if (getsockname(bufferevent_getfd(c->bev),
		                (struct sockaddr *)&c->local, &len) != 0)
			c->local.ss_family = AF_UNSPEC;
		c->local_known = true;
	}
	struct dnstap_event ev = {
	    .tcp = true,
	    .client = (const struct sockaddr *)&c->peer,
	    .local = (const struct sockaddr *)&c->local,
	    .query = ts->in,
	    .qlen = qlen,
	    .resp = ts->out + 2,
	    .rlen = rlen,
	    .qtime = *qt,
	};
	if (rlen > 0)
		clock_gettime(CLOCK_REALTIME, &ev.rtime);
	dnstap_log(tap, ts->qsbr_index, &ev, &ts->stats);
}

/* Answer every complete query in the input buffer (pipelining: answers go
 * out in order as they are produced, RFC 7766 section 6.2.1.1). */
static void conn_read(struct bufferevent *bev, void *arg)
{
	struct tcp_conn *c = arg;
	struct tcp_server *ts = c->ts;
	struct evbuffer *input = bufferevent_get_input(bev);
	struct evbuffer *output = bufferevent_get_output(bev);

	qsbr_online(&ts->srv->qsbr, ts->qsbr_index);
	const struct snapshot *snap = server_snapshot(ts->srv);
	ts->actx.trace = log_enabled(LOG_LEVEL_DEBUG); /* SPEC 10 */
	struct dnstap_sink *tap = server_dnstap(ts->srv);
	struct timespec qtime;
	if (tap != NULL)
		clock_gettime(CLOCK_REALTIME, &qtime);
	for (;;) {
		if (evbuffer_get_length(output) > TCP_OUTPUT_HIGH) {
			/* Resume in conn_write once the client catches up. */
			bufferevent_disable(bev, EV_READ);
			break;
		}
		uint8_t lenb[2];
		size_t have = evbuffer_get_length(input);
		size_t qlen = 0;
		if (have >= 2 && evbuffer_copyout(input, lenb, 2) == 2)
			qlen = wire_peek_u16(lenb);
		if (have < 2 || have < 2 + qlen) {
			if (have > 0 && partial_too_old(c)) {
				qsbr_offline(&ts->srv->qsbr, ts->qsbr_index);
				conn_free(c);
				return;
			}
			break;
		}
		c->partial = false;
		evbuffer_drain(input, 2);
		evbuffer_remove(input, ts->in, qlen);
		size_t rlen = answer_query(&ts->actx, snap, ts->in, qlen,
		                           ts->out + 2, ANSWER_TCP_MAX, true,
		                           (const struct sockaddr *)&c->peer);
		if (ts->actx.trace)
			answer_log_query(&ts->actx,
			                 (const struct sockaddr *)&c->peer,
			                 true, NULL);
		if (tap != NULL)
			tcp_tap(c, tap, qlen, rlen, &qtime);
		if (rlen == 0)
			continue;
		wire_put_u16(ts->out, (uint16_t)rlen);
		evbuffer_add(output, ts->out, rlen + 2);
		answer_count_sent(&ts->stats, ts->actx.rcode, ts->actx.tc);
	}
	qsbr_offline(&ts->srv->qsbr, ts->qsbr_index);
}

static void conn_write(struct bufferevent *bev, void *arg)
{
	struct tcp_conn *c = arg;
	if (c->closing) {
		conn_free(c);
		return;
	}
	if (!(bufferevent_get_enabled(bev) & EV_READ)) {
		bufferevent_enable(bev, EV_READ);
		conn_read(bev, c); /* input may hold queries already */
	}
}

static void conn_event(struct bufferevent *bev, short what, void *arg)
{
	struct tcp_conn *c = arg;
	if ((what & BEV_EVENT_EOF) &&
	    evbuffer_get_length(bufferevent_get_output(bev)) > 0) {
		/* Half-closed by the client: still owe it the answers. */
		c->closing = true;
		bufferevent_disable(bev, EV_READ);
		return;
	}
	conn_free(c);
}

static void accept_cb(struct evconnlistener *l, evutil_socket_t fd,
                      struct sockaddr *sa, int salen, void *arg)
{
	struct tcp_server *ts = arg;
	(void)l;
	if (ts->stopping) {
		close(fd);
		return;
	}
	if (ts->nconns >= ts->max_conns || ts->nconns >= ts->fd_conns) {
		unsigned long suppressed = 0;
		if (log_limit_pass(&ts->refused_log, time(NULL),
		                   TCP_REFUSED_LOG_S, &suppressed))
			log_warn("server",
			         "tcp: %u clients open (%s), refusing more "
			         "(%lu refused since the last line)",
			         ts->nconns,
			         ts->nconns >= ts->max_conns
			             ? "tcp_max_clients"
			             : "the open-file limit, less what checks "
			               "and the control endpoint keep",
			         suppressed);
		close(fd);
		return;
	}
	struct tcp_conn *c = calloc(1, sizeof(*c));
	if (c == NULL) {
		close(fd);
		return;
	}
	c->ts = ts;
	if (salen > 0 && (size_t)salen <= sizeof(c->peer))
		memcpy(&c->peer, sa, (size_t)salen);
	c->bev = bufferevent_socket_new(ts->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		close(fd);
		free(c);
		return;
	}
	c->next = ts->conns;
	if (ts->conns)
		ts->conns->prev = c;
	ts->conns = c;
	ts->nconns++;
	bufferevent_setcb(c->bev, conn_read, conn_write, conn_event, c);
	/* RFC 7766 section 6.2.3: idle connections are closed; the read
	 * timeout restarts with every byte received. */
	bufferevent_set_timeouts(c->bev, &ts->idle, &ts->idle);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

struct tcp_server *tcp_server_new(struct event_base *base, struct server *srv,
                                  unsigned qsbr_index, const int *fds,
                                  const char *const *names, size_t nfds)
{
	struct tcp_server *ts =
	    aligned_alloc(DNSD_CACHELINE, (sizeof(*ts) + DNSD_CACHELINE - 1) /
	                                      DNSD_CACHELINE * DNSD_CACHELINE);
	if (ts == NULL)
		return NULL;
	memset(ts, 0, sizeof(*ts));
	ts->base = base;
	ts->srv = srv;
	ts->qsbr_index = qsbr_index;
	ts->max_conns = 1024;
	ts->fd_conns = 1024;
	ts->idle.tv_sec = 10;
	answer_ctx_init(&ts->actx, &ts->stats, (uint64_t)time(NULL));
	ts->actx.signer = dnssec_signer_new();
	ts->listeners = calloc(nfds ? nfds : 1, sizeof(*ts->listeners));
	ts->pauses = calloc(nfds ? nfds : 1, sizeof(*ts->pauses));
	if (ts->listeners == NULL || ts->pauses == NULL ||
	    ts->actx.signer == NULL) {
		dnssec_signer_free(ts->actx.signer);
		free(ts->listeners);
		free(ts->pauses);
		free(ts);
		return NULL;
	}
	for (size_t i = 0; i < nfds; i++) {
		struct evconnlistener *l = evconnlistener_new(
		    base, accept_cb, ts, LEV_OPT_CLOSE_ON_FREE, -1, fds[i]);
		if (l == NULL) {
			close(fds[i]);
			continue;
		}
		char what[96];
		snprintf(what, sizeof(what), "tcp %s", names[i]);
		/* Without it an EMFILE spins the main thread (issue 10). */
		ts->pauses[ts->nlisteners] = accept_pause_new(base, l, what);
		if (ts->pauses[ts->nlisteners] == NULL) {
			evconnlistener_free(l);
			continue;
		}
		ts->listeners[ts->nlisteners++] = l;
	}
	return ts;
}

void tcp_server_configure(struct tcp_server *ts,
                          const struct config_server *cfg, unsigned fd_conns)
{
	ts->max_conns = cfg->tcp_max_clients;
	ts->fd_conns = fd_conns;
	ts->idle.tv_sec = cfg->tcp_idle_timeout_ms / 1000;
	ts->idle.tv_usec = (cfg->tcp_idle_timeout_ms % 1000) * 1000;
}

void tcp_server_stop(struct tcp_server *ts, void (*done)(void *), void *arg)
{
	ts->stopping = true;
	for (size_t i = 0; i < ts->nlisteners; i++) {
		accept_pause_free(ts->pauses[i]);
		evconnlistener_free(ts->listeners[i]);
	}
	ts->nlisteners = 0;
	ts->done = done;
	ts->done_arg = arg;
	struct tcp_conn *c = ts->conns;
	while (c != NULL) {
		struct tcp_conn *next = c->next;
		/* Queries already read were answered in conn_read; what is
		 * left is flushing their answers. */
		if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) {
			conn_free(c);
		} else {
			c->closing = true;
			bufferevent_disable(c->bev, EV_READ);
		}
		c = next;
	}
	if (ts->nconns == 0 && ts->done != NULL) {
		ts->done = NULL;
		done(arg);
	}
}

unsigned tcp_server_clients(const struct tcp_server *ts)
{
	return ts->nconns;
}

struct stats *tcp_server_stats(struct tcp_server *ts)
{
	return &ts->stats;
}

void tcp_server_free(struct tcp_server *ts)
{
	if (ts == NULL)
		return;
	ts->done = NULL;
	ts->stopping = true;
	/* conn_free unlinks the head, so this ends; the analyzer cannot see
	 * that ts outlives its connections. */
	while (ts->conns != NULL)
		conn_free(ts->conns); // NOLINT(clang-analyzer-unix.Malloc)
	for (size_t i = 0; i < ts->nlisteners; i++) {
		accept_pause_free(ts->pauses[i]);
		evconnlistener_free(ts->listeners[i]);
	}
	free(ts->listeners);
	free(ts->pauses);
	dnssec_signer_free(ts->actx.signer);
	free(ts);
}
