/* accept_pause.c - see accept_pause.h. */
#include "server/accept_pause.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <event2/listener.h>

#include "base/log.h"
#include "base/log_limit.h"

struct accept_pause {
	struct accept_pause *next; /* in accept_pauses */
	struct evconnlistener *l;
	struct event *timer;
	bool held;    /* the owner wants it disabled */
	bool pausing; /* the timer runs */
	unsigned long failures;
	struct log_limit limit;
	char what[96];
};

/* libevent hands the error callback the listener's own argument (the
 * accept callback's: the TCP server, or evhttp's), never ours, so the
 * pause is found by its listener. A handful of listeners, all on the main
 * thread: a list does. */
static struct accept_pause *accept_pauses;

static struct accept_pause *accept_pause_of(const struct evconnlistener *l)
{
	for (struct accept_pause *ap = accept_pauses; ap != NULL; ap = ap->next)
		if (ap->l == l)
			return ap;
	return NULL;
}

static void accept_pause_apply(struct accept_pause *ap)
{
	if (ap->held || ap->pausing)
		evconnlistener_disable(ap->l);
	else
		evconnlistener_enable(ap->l);
}

static void accept_pause_over(evutil_socket_t fd, short what, void *arg)
{
	struct accept_pause *ap = arg;
	(void)fd;
	(void)what;
	ap->pausing = false;
	accept_pause_apply(ap);
}

static void accept_pause_error(struct evconnlistener *l, void *arg)
{
	int err = EVUTIL_SOCKET_ERROR();
	struct accept_pause *ap = accept_pause_of(l);
	(void)arg;
	if (ap == NULL) /* every listener of dnsd registers one */
		return;
	ap->failures++;
	unsigned long suppressed = 0;
	if (log_limit_pass(&ap->limit, time(NULL), ACCEPT_PAUSE_LOG_S,
	                   &suppressed)) {
		const char *hint = "";
		if (err == EMFILE || err == ENFILE)
			hint = "; raise the open-file limit (ulimit -n, "
			       "LimitNOFILE=)";
		log_warn("server",
		         "%s: accept: %s, pausing %d ms (%lu more since the "
		         "last line)%s",
		         ap->what, strerror(err), ACCEPT_PAUSE_MS, suppressed,
		         hint);
	}
	/* Every error pauses, not only EMFILE: whatever it is, retrying at
	 * once would spin on the same readable listener. */
	struct timeval tv = {0, ACCEPT_PAUSE_MS * 1000};
	ap->pausing = true;
	evtimer_add(ap->timer, &tv);
	accept_pause_apply(ap);
}

struct accept_pause *accept_pause_new(struct event_base *base,
                                      struct evconnlistener *l,
                                      const char *what)
{
	struct accept_pause *ap = calloc(1, sizeof(*ap));
	if (ap == NULL)
		return NULL;
	ap->timer = evtimer_new(base, accept_pause_over, ap);
	if (ap->timer == NULL) {
		free(ap);
		return NULL;
	}
	ap->l = l;
	snprintf(ap->what, sizeof(ap->what), "%s", what);
	ap->next = accept_pauses;
	accept_pauses = ap;
	evconnlistener_set_error_cb(l, accept_pause_error);
	return ap;
}

void accept_pause_hold(struct accept_pause *ap, bool hold)
{
	if (ap->held == hold)
		return;
	ap->held = hold;
	accept_pause_apply(ap);
}

unsigned long accept_pause_count(const struct accept_pause *ap)
{
	return ap->failures;
}

void accept_pause_free(struct accept_pause *ap)
{
	if (ap == NULL)
		return;
	for (struct accept_pause **pp = &accept_pauses; *pp != NULL;
	     pp = &(*pp)->next) {
		if (*pp == ap) {
			*pp = ap->next;
			break;
		}
	}
	evconnlistener_set_error_cb(ap->l, NULL);
	event_free(ap->timer);
	free(ap);
}
