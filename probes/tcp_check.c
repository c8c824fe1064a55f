/* tcp_check.c - the tcp check type: a non-blocking connect, success when
 * the connection opens within the timeout (relayd's check_tcp, on
 * libevent). One state, "connecting"; it ends connected, refused, timed
 * out or with the connect error's name. */
#include "probes/check.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "lb/health.h"

struct tcp_check_engine {
	struct event_base *base;
};

struct tcp_check {
	struct check hdr; /* first: the prober sees only this */
	struct event *ev;
	int fd;
	unsigned timeout_ms;
	check_done_fn *done;
	void *arg;
	/* Set when connect(2) answered at once: the event only defers the
	 * call back to the loop so callers never see it re-entrantly. */
	bool settled;
	int err; /* the outcome once settled: 0 = connected */
};

static void *tcp_check_engine_new(struct event_base *base)
{
	struct tcp_check_engine *e = calloc(1, sizeof(*e));
	if (e != NULL)
		e->base = base;
	return e;
}

static void tcp_check_engine_free(void *engine)
{
	free(engine);
}

/* The name of an outcome, for the detail. */
static void tcp_check_describe(char *out, size_t size, int err,
                               unsigned timeout_ms)
{
	if (err == 0)
		snprintf(out, size, "connected");
	else if (err == ECONNREFUSED)
		snprintf(out, size, "connection refused");
	else if (err == ETIMEDOUT)
		snprintf(out, size, "timeout after %u ms", timeout_ms);
	else
		snprintf(out, size, "%s", strerror(err));
}

static void tcp_check_free(struct tcp_check *c)
{
	if (c->ev != NULL)
		event_free(c->ev);
	if (c->fd >= 0)
		close(c->fd);
	free(c);
}

static void tcp_check_on_event(evutil_socket_t fd, short what, void *arg)
{
	struct tcp_check *c = arg;
	(void)fd;

	if (!c->settled) {
		socklen_t len = sizeof(c->err);
		if (what & EV_TIMEOUT)
			c->err = ETIMEDOUT;
		else if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &c->err,
		                    &len) < 0)
			c->err = errno;
	}
	/* Free first, call back last: the callback may start the next check
	 * or tear the prober down. */
	char detail[96];
	tcp_check_describe(detail, sizeof(detail), c->err, c->timeout_ms);
	enum check_result result = c->err == 0 ? CHECK_OK : CHECK_FAILED;
	check_done_fn *done = c->done;
	void *done_arg = c->arg;
	tcp_check_free(c);
	done(done_arg, result, detail);
}

static int tcp_check_start(void *engine, const struct probe_target *t,
                           check_done_fn *done, void *arg, struct check **out)
{
	struct tcp_check_engine *e = engine;
	struct sockaddr_storage ss;
	socklen_t sslen;
	memset(&ss, 0, sizeof(ss));
	if (t->family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(t->check->port);
		memcpy(&s6->sin6_addr, t->addr, 16);
		sslen = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(t->check->port);
		memcpy(&s4->sin_addr, t->addr, 4);
		sslen = sizeof(*s4);
	}

	struct tcp_check *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	c->hdr.ops = &tcp_check_ops;
	c->timeout_ms = t->check->timeout_ms;
	c->done = done;
	c->arg = arg;
	c->fd =
	    socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		int err = errno;
		tcp_check_free(c);
		return -err;
	}

	struct timeval tv = {
	    .tv_sec = c->timeout_ms / 1000,
	    .tv_usec = (c->timeout_ms % 1000) * 1000,
	};
	if (connect(c->fd, (struct sockaddr *)&ss, sslen) < 0) {
		if (errno != EINPROGRESS) {
			c->settled = true;
			c->err = errno;
		}
	} else {
		c->settled = true;
	}
	if (c->settled) {
		c->ev = event_new(e->base, -1, 0, tcp_check_on_event, c);
		if (c->ev == NULL)
			goto fail;
		event_active(c->ev, 0, 0);
	} else {
		c->ev =
		    event_new(e->base, c->fd, EV_WRITE, tcp_check_on_event, c);
		if (c->ev == NULL || event_add(c->ev, &tv) < 0)
			goto fail;
	}
	*out = &c->hdr;
	return 0;
fail:
	tcp_check_free(c);
	return -ENOMEM;
}

static void tcp_check_cancel(struct check *c)
{
	tcp_check_free((struct tcp_check *)c);
}

const struct check_ops tcp_check_ops = {
    .name = "tcp",
    .engine_new = tcp_check_engine_new,
    .engine_free = tcp_check_engine_free,
    .start = tcp_check_start,
    .cancel = tcp_check_cancel,
};
