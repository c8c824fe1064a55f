/* tcp_check.c - tcp health check: non-blocking connect, success when the
 * connection opens within the timeout (relayd's check_tcp, on libevent). */
#include "probes/tcp_check.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "probes/probe.h"

struct tcp_check {
	struct event *ev;
	int fd;
	unsigned timeout_ms;
	tcp_check_done_fn *done;
	void *arg;
	/* Set when connect(2) answered at once: the event only defers the
	 * call back to the loop so callers never see it re-entrantly. */
	bool settled;
	bool ok;
	char detail[96];
};

static void tcp_check_describe(struct tcp_check *c, int err)
{
	c->ok = err == 0;
	if (err == 0)
		snprintf(c->detail, sizeof(c->detail), "connected");
	else if (err == ECONNREFUSED)
		snprintf(c->detail, sizeof(c->detail), "connection refused");
	else if (err == ETIMEDOUT)
		snprintf(c->detail, sizeof(c->detail), "timeout after %u ms",
		         c->timeout_ms);
	else
		snprintf(c->detail, sizeof(c->detail), "%s", strerror(err));
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
		int err = 0;
		socklen_t len = sizeof(err);
		if (what & EV_TIMEOUT)
			err = ETIMEDOUT;
		else if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) <
		         0)
			err = errno;
		tcp_check_describe(c, err);
	}
	/* Free first, call back last: the callback may start the next check
	 * or tear the prober down. */
	bool ok = c->ok;
	char detail[sizeof(c->detail)];
	memcpy(detail, c->detail, sizeof(detail));
	tcp_check_done_fn *done = c->done;
	void *done_arg = c->arg;
	tcp_check_free(c);
	done(done_arg, ok, detail);
}

int tcp_check_start(struct event_base *base, const struct probe_target *t,
                    tcp_check_done_fn *done, void *arg, struct tcp_check **out)
{
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
		return -1;
	c->timeout_ms = t->check->timeout_ms;
	c->done = done;
	c->arg = arg;
	c->fd =
	    socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		goto fail;

	short what = EV_WRITE;
	struct timeval tv = {
	    .tv_sec = c->timeout_ms / 1000,
	    .tv_usec = (c->timeout_ms % 1000) * 1000,
	};
	if (connect(c->fd, (struct sockaddr *)&ss, sslen) < 0) {
		if (errno != EINPROGRESS) {
			c->settled = true;
			tcp_check_describe(c, errno);
		}
	} else {
		c->settled = true;
		tcp_check_describe(c, 0);
	}
	if (c->settled) {
		c->ev = event_new(base, -1, 0, tcp_check_on_event, c);
		if (c->ev == NULL)
			goto fail;
		event_active(c->ev, 0, 0);
	} else {
		c->ev = event_new(base, c->fd, what, tcp_check_on_event, c);
		if (c->ev == NULL || event_add(c->ev, &tv) < 0)
			goto fail;
	}
	*out = c;
	return 0;
fail:
	tcp_check_free(c);
	return -1;
}

void tcp_check_cancel(struct tcp_check *c)
{
	if (c != NULL)
		tcp_check_free(c);
}
