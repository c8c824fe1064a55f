/* ctl_socket.c - listener, peer check and request framing of the control
 * socket. Every client is a bufferevent on the main loop with a read and a
 * write timeout, so a client that stalls costs one fd until its timeout and
 * never blocks the loop (TCP answers share it). */
#include "control/ctl_socket.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "base/log.h"
#include "control/ctl_proto.h"
#include "server/accept_pause.h"

/* dnsdctl writes its request at once: 5 s covers a loaded host. */
#define CTL_TIMEOUT_S 5
/* Operators and their scripts, not a crowd: beyond this a client is told
 * "busy" and closed, so a runaway script cannot use up dnsd's fds. */
#define CTL_MAX_CLIENTS 256
#define CTL_BACKLOG     128

struct ctl_client {
	struct ctl_socket *s;
	struct bufferevent *bev;
	struct ctl_client *prev, *next;
	bool answered; /* reply queued: close once written */
	bool handling; /* handed to the handler, no reply yet */
	/* Refused by the peer check: its request is read (so closing does
	 * not reset the connection before the client reads why) and
	 * answered with this instead of being handled. */
	char refused[160];
};

struct ctl_socket {
	struct evconnlistener *listener;
	/* accept() out of descriptors pauses the listener, never spins
	 * (issue 10), as on the DNS TCP and HTTP listeners. */
	struct accept_pause *pause;
	char *path;
	gid_t gid; /* the socket file's group: its members may connect */
	bool have_gid;
	ctl_handler_fn handler;
	void *arg;
	struct ctl_client *clients;
	size_t nclients;
};

int ctl_socket_bind(const char *path, const char *user, char *err,
                    size_t errlen)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "control_socket %s: path longer than %zu",
		         path, sizeof(sun.sun_path) - 1);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	struct stat st;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen,
			         "control_socket %s exists and is not a socket",
			         path);
			return -1;
		}
		/* Stale (a dnsd that crashed) or live (one still running):
		 * only a connect tells them apart. */
		int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (probe >= 0 &&
		    connect(probe, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
			close(probe);
			snprintf(err, errlen,
			         "control_socket %s is in use by a running "
			         "process (another dnsd?)",
			         path);
			return -1;
		}
		if (probe >= 0)
			close(probe);
		if (unlink(path) != 0) {
			snprintf(err, errlen,
			         "control_socket %s: cannot remove the stale "
			         "socket: %s",
			         path, strerror(errno));
			return -1;
		}
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "control_socket: %s", strerror(errno));
		return -1;
	}
	/* Never world-accessible, not even between bind and chmod. */
	mode_t old = umask(0117);
	int rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (rc != 0 || chmod(path, 0660) != 0) {
		snprintf(err, errlen, "control_socket %s: %s", path,
		         strerror(errno));
		close(fd);
		return -1;
	}
	if (user != NULL) {
		struct passwd *pw = getpwnam(user);
		if (pw == NULL || chown(path, pw->pw_uid, pw->pw_gid) != 0) {
			snprintf(err, errlen,
			         "control_socket %s: cannot give it to user "
			         "%s: %s",
			         path, user,
			         pw == NULL ? "no such user" : strerror(errno));
			close(fd);
			unlink(path);
			return -1;
		}
	}
	if (listen(fd, CTL_BACKLOG) != 0) {
		snprintf(err, errlen, "control_socket %s: %s", path,
		         strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	return fd;
}

static void ctl_client_free(struct ctl_client *c)
{
	struct ctl_socket *s = c->s;
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		s->clients = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	s->nclients--;
	bufferevent_free(c->bev);
	free(c);
}

/* Split the request in place once its empty line has arrived. Returns 1
 * when it was handed on, 0 when more is needed, -1 when it is bad (the
 * client was answered). */
static int ctl_client_request(struct ctl_client *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	size_t len = evbuffer_get_length(in);
	struct evbuffer_ptr end = evbuffer_search(in, "\n\n", 2, NULL);
	if (end.pos < 0) {
		if (len > CTL_MAX_REQUEST) {
			ctl_client_reply(
			    c, false, "request too big: at most 65536 bytes\n");
			return -1;
		}
		return 0;
	}
	size_t n = (size_t)end.pos + 1; /* the last line's newline */
	if (n > CTL_MAX_REQUEST) {
		ctl_client_reply(c, false,
		                 "request too big: at most 65536 bytes\n");
		return -1;
	}
	char *buf = malloc(n + 1);
	if (buf == NULL) {
		ctl_client_reply(c, false, "out of memory\n");
		return -1;
	}
	evbuffer_remove(in, buf, n);
	buf[n] = '\0';
	char *lines[CTL_MAX_ARGS + 2];
	size_t nl = 0;
	bool nul = memchr(buf, '\0', n) != NULL;
	for (char *p = buf; *p != '\0' && nl < CTL_MAX_ARGS + 2;) {
		char *e = strchr(p, '\n');
		if (e == NULL)
			break;
		*e = '\0';
		lines[nl++] = p;
		p = e + 1;
	}
	const char *bad = NULL;
	if (nul)
		bad = "bad request: NUL byte\n";
	else if (nl < 2 || strcmp(lines[0], CTL_PROTO_MAGIC) != 0)
		bad = "bad request: this dnsd speaks \"" CTL_PROTO_MAGIC
		      "\" (is dnsdctl from another version?)\n";
	else if (nl == CTL_MAX_ARGS + 2)
		bad = "request has too many lines\n";
	if (bad != NULL) {
		free(buf);
		ctl_client_reply(c, false, bad);
		return -1;
	}
	if (c->refused[0] != '\0') {
		free(buf);
		ctl_client_reply(c, false, c->refused);
		return -1;
	}
	/* No more reading: one request per connection. */
	bufferevent_disable(c->bev, EV_READ);
	c->handling = true;
	struct ctl_socket *s = c->s;
	s->handler(s->arg, c, lines + 1, nl - 1);
	free(buf);
	return 1;
}

static void ctl_on_read(struct bufferevent *bev, void *arg)
{
	struct ctl_client *c = arg;
	(void)bev;
	if (!c->handling && !c->answered)
		(void)ctl_client_request(c);
}

static void ctl_on_write(struct bufferevent *bev, void *arg)
{
	struct ctl_client *c = arg;
	if (c->answered &&
	    evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		ctl_client_free(c);
}

static void ctl_on_event(struct bufferevent *bev, short what, void *arg)
{
	struct ctl_client *c = arg;
	(void)bev;
	if (c->handling)
		return; /* the handler still owns it: freed at its reply */
	/* A client that shut its side after the request still reads the
	 * answer: free once it is written (or the write fails). */
	if ((what & BEV_EVENT_EOF) && !(what & BEV_EVENT_ERROR) &&
	    c->answered &&
	    evbuffer_get_length(bufferevent_get_output(c->bev)) > 0)
		return;
	if ((what & BEV_EVENT_TIMEOUT) && !c->answered) {
		log_debug("server", "control socket: client timed out");
	}
	ctl_client_free(c);
}

/* Whether gid is among the peer's supplementary groups, as the kernel
 * recorded them at connect (SO_PEERGROUPS, Linux 4.13). An operator added
 * to the group with usermod -aG has it there, not as the primary gid. */
static bool ctl_peer_in_group(int fd, gid_t gid)
{
	gid_t small[64];
	gid_t *groups = small;
	socklen_t len = sizeof(small);
	bool found = false;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) != 0) {
		/* ERANGE: len now says how much; the kernel caps it at
		 * NGROUPS_MAX (65536) entries. */
		if (errno != ERANGE || len == 0 ||
		    len > 65536 * sizeof(gid_t) ||
		    (groups = malloc(len)) == NULL)
			return false;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) !=
		    0)
			len = 0;
	}
	for (size_t i = 0; i < len / sizeof(gid_t); i++)
		found |= groups[i] == gid;
	if (groups != small)
		free(groups);
	return found;
}

/* SPEC 7: root, dnsd's own uid, or a member of the socket's group (as
 * its primary or a supplementary group). */
static bool ctl_peer_allowed(const struct ctl_socket *s, int fd,
                             struct ucred *cred)
{
	socklen_t len = sizeof(*cred);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, cred, &len) != 0)
		return false;
	if (cred->uid == 0 || cred->uid == geteuid())
		return true;
	return s->have_gid &&
	       (cred->gid == s->gid || ctl_peer_in_group(fd, s->gid));
}

static void ctl_on_accept(struct evconnlistener *l, evutil_socket_t fd,
                          struct sockaddr *sa, int salen, void *arg)
{
	struct ctl_socket *s = arg;
	(void)l;
	(void)sa;
	(void)salen;
	struct ucred cred = {0};
	if (s->nclients >= CTL_MAX_CLIENTS) {
		/* Best effort on a fresh socket: its send buffer is empty.
		 * Read what already came, so the close does not reset the
		 * connection before the client reads why. */
		static const char busy[] =
		    CTL_PROTO_ERROR "\nbusy: too many control clients\n";
		char sink[4096];
		while (read(fd, sink, sizeof(sink)) > 0)
			;
		(void)!write(fd, busy, sizeof(busy) - 1);
		close(fd);
		return;
	}
	bool allowed = ctl_peer_allowed(s, fd, &cred);
	struct ctl_client *c = calloc(1, sizeof(*c));
	struct bufferevent *bev = bufferevent_socket_new(
	    evconnlistener_get_base(s->listener), fd, BEV_OPT_CLOSE_ON_FREE);
	if (c == NULL || bev == NULL) {
		free(c);
		if (bev != NULL)
			bufferevent_free(bev);
		else
			close(fd);
		return;
	}
	c->s = s;
	c->bev = bev;
	if (!allowed) {
		snprintf(c->refused, sizeof(c->refused),
		         "permission denied: uid %u is not root, dnsd's user "
		         "or in the socket's group\n",
		         (unsigned)cred.uid);
		log_warn("server", "control socket: refused uid %u gid %u",
		         (unsigned)cred.uid, (unsigned)cred.gid);
	}
	c->next = s->clients;
	if (s->clients != NULL)
		s->clients->prev = c;
	s->clients = c;
	s->nclients++;
	struct timeval tv = {CTL_TIMEOUT_S, 0};
	bufferevent_set_timeouts(bev, &tv, &tv);
	/* A client sending more than a request is cut off at the bound. */
	bufferevent_setwatermark(bev, EV_READ, 0, CTL_MAX_REQUEST + 2);
	bufferevent_setcb(bev, ctl_on_read, ctl_on_write, ctl_on_event, c);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
}

struct ctl_socket *ctl_socket_new(struct event_base *base, int fd,
                                  const char *path, ctl_handler_fn handler,
                                  void *arg)
{
	struct ctl_socket *s = calloc(1, sizeof(*s));
	if (s == NULL || (s->path = strdup(path)) == NULL) {
		free(s);
		close(fd);
		return NULL;
	}
	struct stat st;
	if (stat(path, &st) == 0) {
		s->gid = st.st_gid;
		s->have_gid = true;
	}
	s->handler = handler;
	s->arg = arg;
	s->listener = evconnlistener_new(base, ctl_on_accept, s,
	                                 LEV_OPT_CLOSE_ON_FREE, -1, fd);
	if (s->listener == NULL) {
		free(s->path);
		free(s);
		close(fd);
		return NULL;
	}
	s->pause = accept_pause_new(base, s->listener, "control socket");
	if (s->pause == NULL) {
		evconnlistener_free(s->listener);
		free(s->path);
		free(s);
		return NULL;
	}
	return s;
}

void ctl_socket_free(struct ctl_socket *s)
{
	if (s == NULL)
		return;
	accept_pause_free(s->pause);
	evconnlistener_free(s->listener);
	for (struct ctl_client *c = s->clients, *next; c != NULL; c = next) {
		next = c->next;
		bufferevent_free(c->bev);
		free(c);
	}
	s->clients = NULL;
	s->nclients = 0;
	/* After the privilege drop the folder may not be ours any more
	 * (then the next start replaces the stale file). */
	if (unlink(s->path) != 0 && errno != ENOENT)
		log_debug("server", "control socket %s: not removed: %s",
		          s->path, strerror(errno));
	free(s->path);
	free(s);
}

void ctl_client_reply(struct ctl_client *c, bool ok, const char *body)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	evbuffer_add_printf(out, "%s\n", ok ? CTL_PROTO_OK : CTL_PROTO_ERROR);
	evbuffer_add(out, body, strlen(body));
	c->handling = false;
	c->answered = true;
	bufferevent_disable(c->bev, EV_READ);
	bufferevent_enable(c->bev, EV_WRITE);
	/* The write callback fires once the buffer drains; if it is already
	 * flushed-free of nothing, it still fires after the write. */
}

size_t ctl_socket_clients(const struct ctl_socket *s)
{
	return s->nclients;
}
