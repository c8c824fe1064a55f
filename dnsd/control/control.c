/* control.c - routes the control endpoint's requests and gathers what each
 * page shows: summed counters, the snapshot in force, the prober's status.
 * Runs on the main thread; the reload thread replaces the snapshot, so a
 * page that reads it is a qsbr read-side section (the old one is freed only
 * after). Between a reload's readiness round and its publication (a few
 * microseconds) the prober's table may be a step ahead of the snapshot:
 * prober_status bounds-checks, so a page shows at worst one stale row. */
#include "control/control.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "lb/lb.h"
#include "base/log.h"
#include "control/http_host.h"
#include "control/http_limits.h"
#include "control/metrics.h"
#include "control/status_json.h"
#include "control/status_page.h"

/* Why these limits: requests are a GET line and a few headers; anything
 * bigger is not a client of ours. The timeout closes idle keep-alive
 * connections of scrapers and browsers that went away. */
#define CONTROL_MAX_HEADERS 8192
#define CONTROL_MAX_BODY    1024
#define CONTROL_TIMEOUT_S   10

struct control {
	struct evhttp *http;
	struct http_limits *limits;
	char address[64]; /* src.address, kept: the snapshot's goes away */
	struct control_sources src;
	const struct stats **stats;                  /* src.stats points here */
	struct probe_event events[PROBE_EVENTS_MAX]; /* /status scratch */
};

static void control_headers(struct evhttp_request *req, const char *type)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Content-Type", type);
	/* Every page is live state: never cache it. */
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
}

static void control_reply(struct evhttp_request *req, int code,
                          const char *reason, const char *type,
                          struct evbuffer *body)
{
	control_headers(req, type);
	if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD) {
		/* evhttp would send the body after a HEAD too (RFC 9110
		 * 9.3.2: it must not); say how long it would be instead. */
		char len[32];
		snprintf(len, sizeof(len), "%zu",
		         body != NULL ? evbuffer_get_length(body) : 0);
		evhttp_add_header(evhttp_request_get_output_headers(req),
		                  "Content-Length", len);
		evhttp_send_reply(req, code, reason, NULL);
		return;
	}
	evhttp_send_reply(req, code, reason, body);
}

static void control_text(struct evhttp_request *req, int code,
                         const char *reason, const char *text)
{
	struct evbuffer *b = evbuffer_new();
	if (b != NULL)
		evbuffer_add(b, text, strlen(text));
	control_reply(req, code, reason, "text/plain; charset=utf-8", b);
	if (b != NULL)
		evbuffer_free(b);
}

static void control_oom(struct evhttp_request *req)
{
	log_warn("server", "control: out of memory rendering %s",
	         evhttp_request_get_uri(req));
	evhttp_send_error(req, HTTP_INTERNAL, "Out of memory");
}

/* The (cluster, member) pairs of the snapshot in force, in file order, with
 * their health; *out is malloc'd (NULL when there are none). */
static int control_members(const struct control *c, const struct snapshot *s,
                           struct metrics_member **out, size_t *n)
{
	size_t total = 0, k = 0;
	*out = NULL;
	*n = 0;
	for (size_t i = 0; i < s->nclusters; i++)
		total +=
		    s->clusters[i].nmembers[0] + s->clusters[i].nmembers[1];
	if (total == 0)
		return 0;
	struct metrics_member *mm = calloc(total, sizeof(*mm));
	if (mm == NULL)
		return -1;
	for (size_t i = 0; i < s->nclusters; i++) {
		const struct lb_cluster *cl = &s->clusters[i];
		for (int f = 0; f < 2; f++) {
			for (uint32_t j = 0; j < cl->nmembers[f]; j++) {
				const struct lb_member *m = &cl->members[f][j];
				struct metrics_member *x = &mm[k++];
				x->cluster = cl->name;
				x->address = m->text;
				x->up = true;
				x->drained =
				    lb_member_admin(m) == LB_ADMIN_DRAIN;
				x->forced_up =
				    lb_member_admin(m) == LB_ADMIN_FORCE_UP;
				if (m->target == LB_NO_TARGET ||
				    m->target >= s->probes.n)
					continue;
				struct probe_status st;
				prober_status(c->src.prober, m->target, &st);
				x->checked = true;
				x->up = probe_set_up(&s->probes, m->target);
				x->failures = st.failures;
			}
		}
	}
	*out = mm;
	*n = k;
	return 0;
}

static void control_metrics(struct control *c, struct evhttp_request *req)
{
	struct server *srv = c->src.srv;
	qsbr_online(&srv->qsbr, c->src.qsbr_slot);
	const struct snapshot *s = server_snapshot(srv);
	struct probe_metrics pm;
	prober_metrics(c->src.prober, &pm);
	struct procstat ps;
	(void)procstat_read(&ps); /* a failure leaves ps.valid false */
	struct metrics_input in = {
	    .stats = c->src.stats,
	    .nstats = c->src.nstats,
	    .reloads_ok = atomic_load(&srv->reloads_ok),
	    .reloads_failed = atomic_load(&srv->reloads_failed),
	    .last_reload_ok = atomic_load(&srv->last_reload_ok),
	    .probe = &pm,
	    .process = &ps,
	};
	struct metrics_member *mm = NULL;
	struct evbuffer *b = evbuffer_new();
	if (b == NULL || control_members(c, s, &mm, &in.nmembers) != 0)
		goto oom;
	in.members = mm;
	if (metrics_render(&in, b) != 0)
		goto oom;
	control_reply(req, HTTP_OK, "OK",
	              "text/plain; version=0.0.4; "
	              "charset=utf-8",
	              b);
	qsbr_offline(&srv->qsbr, c->src.qsbr_slot);
	free(mm);
	evbuffer_free(b);
	return;
oom:
	qsbr_offline(&srv->qsbr, c->src.qsbr_slot);
	free(mm);
	if (b != NULL)
		evbuffer_free(b);
	control_oom(req);
}

static void control_status(struct control *c, struct evhttp_request *req)
{
	struct server *srv = c->src.srv;
	qsbr_online(&srv->qsbr, c->src.qsbr_slot);
	const struct snapshot *s = server_snapshot(srv);
	struct probe_status *st = NULL;
	struct evbuffer *b = evbuffer_new();
	if (b == NULL)
		goto oom;
	if (s->probes.n > 0) {
		st = calloc(s->probes.n, sizeof(*st));
		if (st == NULL)
			goto oom;
		for (uint32_t i = 0; i < s->probes.n; i++)
			prober_status(c->src.prober, i, &st[i]);
	}
	struct status_input in = {
	    .snap = s,
	    .status = st,
	    .events = c->events,
	    .nevents =
	        prober_events(c->src.prober, c->events, PROBE_EVENTS_MAX),
	    .started = c->src.started,
	    .now = time(NULL),
	};
	if (status_json_render(&in, b) != 0)
		goto oom;
	control_reply(req, HTTP_OK, "OK", "application/json", b);
	qsbr_offline(&srv->qsbr, c->src.qsbr_slot);
	free(st);
	evbuffer_free(b);
	return;
oom:
	qsbr_offline(&srv->qsbr, c->src.qsbr_slot);
	free(st);
	if (b != NULL)
		evbuffer_free(b);
	control_oom(req);
}

static void control_page(struct evhttp_request *req)
{
	struct evbuffer *b = evbuffer_new();
	if (b == NULL) {
		control_oom(req);
		return;
	}
	/* The page is a constant: no copy. */
	evbuffer_add_reference(b, status_page_html, strlen(status_page_html),
	                       NULL, NULL);
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	/* Self-contained by design; the policy makes sure it stays so. */
	evhttp_add_header(h, "Content-Security-Policy",
	                  "default-src 'none'; script-src 'unsafe-inline'; "
	                  "style-src 'unsafe-inline'; connect-src 'self'; "
	                  "img-src data:");
	control_reply(req, HTTP_OK, "OK", "text/html; charset=utf-8", b);
	evbuffer_free(b);
}

static void control_handle(struct evhttp_request *req, void *arg)
{
	struct control *c = arg;
	http_limits_served(c->limits, req);
	const char *host =
	    evhttp_find_header(evhttp_request_get_input_headers(req), "Host");
	if (!http_host_allowed(host, c->address)) {
		/* RFC 9110 15.5.20: not an authority this server answers
		 * for (DNS rebinding, http_host.h). */
		control_text(req, 421, "Misdirected Request",
		             "unknown host: use the address, localhost or "
		             "an IP literal\n");
		return;
	}
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		/* Read-only endpoint (SPEC 6): nothing to post or put. */
		evhttp_add_header(evhttp_request_get_output_headers(req),
		                  "Allow", "GET, HEAD");
		control_text(req, 405, "Method Not Allowed",
		             "method not allowed\n");
		return;
	}
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	if (path == NULL || path[0] == '\0')
		path = "/";
	if (strcmp(path, "/healthz") == 0) {
		if (atomic_load(&c->src.srv->stopping))
			control_text(req, 503, "Service Unavailable",
			             "stopping\n");
		else
			control_text(req, HTTP_OK, "OK", "ok\n");
	} else if (strcmp(path, "/metrics") == 0) {
		control_metrics(c, req);
	} else if (strcmp(path, "/status") == 0) {
		control_status(c, req);
	} else if (strcmp(path, "/") == 0) {
		control_page(req);
	} else {
		control_text(req, HTTP_NOTFOUND, "Not Found", "not found\n");
	}
}

struct control *control_new(struct event_base *base, int fd,
                            const struct control_sources *src)
{
	struct control *c = calloc(1, sizeof(*c));
	if (c == NULL)
		goto fail;
	c->src = *src;
	c->stats = calloc(src->nstats + 1, sizeof(*c->stats));
	if (c->stats == NULL)
		goto fail;
	memcpy(c->stats, src->stats, src->nstats * sizeof(*c->stats));
	c->src.stats = c->stats;
	snprintf(c->address, sizeof(c->address), "%s",
	         src->address != NULL ? src->address : "");
	c->http = evhttp_new(base);
	if (c->http == NULL)
		goto fail;
	evhttp_set_max_headers_size(c->http, CONTROL_MAX_HEADERS);
	evhttp_set_max_body_size(c->http, CONTROL_MAX_BODY);
	evhttp_set_timeout(c->http, CONTROL_TIMEOUT_S);
	/* Every method evhttp knows reaches control_handle, which answers
	 * 405 itself (README): evhttp's own refusal would be a 501, which
	 * RFC 9110 15.6.2 keeps for a method the server does not know.
	 * TRACE and CONNECT are known methods, so they get 405 too. */
	evhttp_set_allowed_methods(
	    c->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST |
	                 EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	                 EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH |
	                 EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT);
	evhttp_set_gencb(c->http, control_handle, c);
	struct evhttp_bound_socket *bound =
	    evhttp_accept_socket_with_handle(c->http, fd);
	if (bound == NULL)
		goto fail;
	fd = -1; /* evhttp's now: evhttp_free closes it */
	unsigned max = src->max_clients;
	if (max == 0 || max > CONTROL_MAX_CLIENTS)
		max = CONTROL_MAX_CLIENTS;
	c->limits = http_limits_new(base, c->http, bound, max,
	                            CONTROL_REQUEST_DEADLINE_S);
	if (c->limits == NULL)
		goto fail;
	return c;
fail:
	if (c != NULL) {
		if (c->http != NULL)
			evhttp_free(c->http);
		free(c->stats);
		free(c);
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

void control_free(struct control *c)
{
	if (c == NULL)
		return;
	/* evhttp_free closes the listener it was handed, and every
	 * connection; http_limits_free calls it in the order it needs. */
	http_limits_free(c->limits, c->http);
	free(c->stats);
	free(c);
}
