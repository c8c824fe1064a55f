/* fake_backend.c - a health-check target for tests and demos: an HTTP
 * server whose /health status, body, delay and body length (normal,
 * endless, or a 1 GiB Content-Length) change at run time. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#define FB_MAX_LISTENERS 32
#define FB_MAX_DELAY_MS  600000 /* ten minutes: long enough for any test */
/* Streamed bodies: after the configured body, FB_STREAM_CHUNK bytes of
 * filler every FB_STREAM_MS, so a client that reads to the end of an
 * endless or 1 GiB body is still reading long after any check timeout
 * (4 MB/s), without the backend flooding loopback. */
#define FB_STREAM_CHUNK 4096
#define FB_STREAM_MS    1
#define FB_HUGE_LENGTH  (1024ULL * 1024 * 1024)

enum fb_stream { FB_STREAM_OFF, FB_STREAM_ENDLESS, FB_STREAM_HUGE };

struct fb_listener {
	struct evhttp *http;
	char name[80]; /* ADDR:PORT as bound, for logs */
	int status;
	char *body;
	unsigned delay_ms;
	char *host;  /* required Host header, or NULL = any */
	char *agent; /* required User-Agent, or NULL = any */
	enum fb_stream stream;
};

/* A /health reply whose body is still being sent. */
struct fb_streaming {
	struct fb_streaming *prev, *next;
	struct event *ev;
	struct evhttp_request *req;
	struct evhttp_connection *conn;
	unsigned long long sent, length; /* length 0: endless */
};

/* A /health reply waiting out its delay. */
struct fb_pending {
	struct fb_pending *prev, *next;
	struct event *ev;
	struct evhttp_request *req;
	struct fb_listener *l;
	int status;
	char *body;
};

static struct event_base *fb_base;
static struct fb_listener fb_listeners[FB_MAX_LISTENERS];
static size_t fb_nlisteners;
static struct fb_pending *fb_pending;
static struct fb_streaming *fb_streaming;
static bool fb_verbose;

static void fb_usage(void)
{
	fprintf(stderr,
	        "usage: fake_backend -l ADDR:PORT [-l ADDR:PORT ...] "
	        "[-s STATUS] [-b BODY] [-d DELAY_MS] [-H HOST] [-S MODE] "
	        "[-v]\n"
	        "  GET /health   the configured status and body, after the "
	        "delay;\n"
	        "                421 when -H is set and the Host header "
	        "differs\n"
	        "  GET /control?status=N&body=TEXT&delay=MS&host=NAME&"
	        "stream=MODE&agent=UA\n"
	        "                change them (this listener only; host= "
	        "or agent=\n"
	        "                empty: any; 400 when the User-Agent "
	        "differs from agent)\n"
	        "  MODE          off (default), endless (a chunked body "
	        "that never\n"
	        "                ends), huge (Content-Length 1 GiB); the "
	        "body is\n"
	        "                followed by filler sent at 4 MB/s\n"
	        "  SIGUSR1       toggle every listener between 200 and 503\n"
	        "  prints each bound ADDR:PORT on stdout (port 0 = any "
	        "free port)\n");
	exit(2);
}

static const char *fb_reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 204:
		return "No Content";
	case 301:
		return "Moved Permanently";
	case 302:
		return "Found";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 421:
		return "Misdirected Request";
	case 500:
		return "Internal Server Error";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Gateway Timeout";
	default:
		return "Status";
	}
}

static void fb_reply(struct evhttp_request *req, struct fb_listener *l,
                     int status, const char *body)
{
	struct evbuffer *buf = evbuffer_new();
	if (buf != NULL && body != NULL && status != 204)
		evbuffer_add(buf, body, strlen(body));
	evhttp_add_header(evhttp_request_get_output_headers(req),
	                  "Content-Type", "text/plain");
	if (fb_verbose)
		fprintf(stderr, "fake_backend %s: %s -> %d\n", l->name,
		        evhttp_request_get_uri(req), status);
	/* Replying to a request whose client left frees it (libevent). */
	evhttp_send_reply(req, status, fb_reason(status), buf);
	if (buf != NULL)
		evbuffer_free(buf);
}

static void fb_pending_free(struct fb_pending *pd)
{
	if (pd->prev != NULL)
		pd->prev->next = pd->next;
	else
		fb_pending = pd->next;
	if (pd->next != NULL)
		pd->next->prev = pd->prev;
	event_free(pd->ev);
	free(pd->body);
	free(pd);
}

static void fb_on_delay(evutil_socket_t fd, short what, void *arg)
{
	struct fb_pending *pd = arg;
	(void)fd;
	(void)what;
	fb_reply(pd->req, pd->l, pd->status, pd->body);
	fb_pending_free(pd);
}

static bool fb_parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v > max || s[0] == '-')
		return false;
	*out = v;
	return true;
}

static int fb_parse_stream(const char *s, enum fb_stream *out)
{
	if (strcmp(s, "off") == 0)
		*out = FB_STREAM_OFF;
	else if (strcmp(s, "endless") == 0)
		*out = FB_STREAM_ENDLESS;
	else if (strcmp(s, "huge") == 0)
		*out = FB_STREAM_HUGE;
	else
		return -1;
	return 0;
}

static void fb_streaming_free(struct fb_streaming *sg)
{
	if (sg->prev != NULL)
		sg->prev->next = sg->next;
	else
		fb_streaming = sg->next;
	if (sg->next != NULL)
		sg->next->prev = sg->prev;
	event_free(sg->ev);
	free(sg);
}

/* The client went: libevent frees the request with the connection. */
static void fb_on_stream_close(struct evhttp_connection *conn, void *arg)
{
	(void)conn;
	fb_streaming_free(arg);
}

/* The next piece of filler, or the end of a finite body. */
static void fb_on_stream_tick(evutil_socket_t fd, short what, void *arg)
{
	struct fb_streaming *sg = arg;
	(void)fd;
	(void)what;
	static char filler[FB_STREAM_CHUNK];
	if (filler[0] == '\0')
		memset(filler, '-', sizeof(filler));
	size_t n = sizeof(filler);
	if (sg->length != 0 && sg->length - sg->sent < n)
		n = (size_t)(sg->length - sg->sent);
	struct evbuffer *buf = evbuffer_new();
	if (buf != NULL) {
		evbuffer_add(buf, filler, n);
		evhttp_send_reply_chunk(sg->req, buf);
		evbuffer_free(buf);
	}
	sg->sent += n;
	if (sg->length != 0 && sg->sent >= sg->length) {
		evhttp_connection_set_closecb(sg->conn, NULL, NULL);
		evhttp_send_reply_end(sg->req);
		fb_streaming_free(sg);
		return;
	}
	struct timeval tv = {0, FB_STREAM_MS * 1000};
	evtimer_add(sg->ev, &tv);
}

/* Start a reply whose body is the configured one and then filler. */
static void fb_stream_start(struct evhttp_request *req, struct fb_listener *l)
{
	struct fb_streaming *sg = calloc(1, sizeof(*sg));
	if (sg == NULL ||
	    (sg->ev = evtimer_new(fb_base, fb_on_stream_tick, sg)) == NULL) {
		free(sg);
		fb_reply(req, l, 500, "out of memory\n");
		return;
	}
	sg->req = req;
	sg->conn = evhttp_request_get_connection(req);
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	evhttp_add_header(out, "Content-Type", "text/plain");
	if (l->stream == FB_STREAM_HUGE) {
		/* A Content-Length keeps libevent from chunking. */
		char len[32];
		sg->length = FB_HUGE_LENGTH;
		snprintf(len, sizeof(len), "%llu", sg->length);
		evhttp_add_header(out, "Content-Length", len);
	}
	if (fb_verbose)
		fprintf(stderr, "fake_backend %s: %s -> %d, streaming\n",
		        l->name, evhttp_request_get_uri(req), l->status);
	evhttp_send_reply_start(req, l->status, fb_reason(l->status));
	size_t blen = strlen(l->body);
	if (sg->length != 0 && blen > sg->length)
		blen = (size_t)sg->length;
	struct evbuffer *buf = evbuffer_new();
	if (buf != NULL) {
		evbuffer_add(buf, l->body, blen);
		evhttp_send_reply_chunk(req, buf);
		evbuffer_free(buf);
	}
	sg->sent = blen;
	evhttp_connection_set_closecb(sg->conn, fb_on_stream_close, sg);
	sg->next = fb_streaming;
	if (sg->next != NULL)
		sg->next->prev = sg;
	fb_streaming = sg;
	struct timeval tv = {0, FB_STREAM_MS * 1000};
	evtimer_add(sg->ev, &tv);
}

static void fb_control(struct evhttp_request *req, struct fb_listener *l,
                       const char *query)
{
	struct evkeyvalq q;
	TAILQ_INIT(&q);
	if (query != NULL && evhttp_parse_query_str(query, &q) < 0) {
		fb_reply(req, l, 400, "bad query\n");
		return;
	}
	const char *status = evhttp_find_header(&q, "status");
	const char *body = evhttp_find_header(&q, "body");
	const char *delay = evhttp_find_header(&q, "delay");
	const char *host = evhttp_find_header(&q, "host");
	const char *stream = evhttp_find_header(&q, "stream");
	enum fb_stream sm = l->stream;
	if (stream != NULL && fb_parse_stream(stream, &sm) < 0) {
		evhttp_clear_headers(&q);
		fb_reply(req, l, 400, "bad stream\n");
		return;
	}
	l->stream = sm;
	unsigned long st = (unsigned long)l->status, dl = l->delay_ms;
	if ((status != NULL &&
	     (!fb_parse_uint(status, 599, &st) || st < 100)) ||
	    (delay != NULL && !fb_parse_uint(delay, FB_MAX_DELAY_MS, &dl))) {
		evhttp_clear_headers(&q);
		fb_reply(req, l, 400, "bad value\n");
		return;
	}
	l->status = (int)st;
	l->delay_ms = (unsigned)dl;
	if (body != NULL) {
		char *copy = strdup(body);
		if (copy != NULL) {
			free(l->body);
			l->body = copy;
		}
	}
	if (host != NULL) {
		char *copy = host[0] != '\0' ? strdup(host) : NULL;
		free(l->host);
		l->host = copy;
	}
	const char *agent = evhttp_find_header(&q, "agent");
	if (agent != NULL) {
		char *copy = agent[0] != '\0' ? strdup(agent) : NULL;
		free(l->agent);
		l->agent = copy;
	}
	evhttp_clear_headers(&q);
	if (fb_verbose)
		fprintf(stderr, "fake_backend %s: now %d, delay %u ms\n",
		        l->name, l->status, l->delay_ms);
	fb_reply(req, l, 200, "ok\n");
}

/* The Host header names want, with or without a port. */
static bool fb_host_matches(struct evhttp_request *req, const char *want)
{
	const char *got =
	    evhttp_find_header(evhttp_request_get_input_headers(req), "Host");
	size_t n = strlen(want);
	return got != NULL && strncasecmp(got, want, n) == 0 &&
	       (got[n] == '\0' || got[n] == ':');
}

static void fb_on_request(struct evhttp_request *req, void *arg)
{
	struct fb_listener *l = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	if (path == NULL) {
		fb_reply(req, l, 400, "bad request\n");
		return;
	}
	if (strcmp(path, "/control") == 0) {
		fb_control(req, l, evhttp_uri_get_query(uri));
		return;
	}
	if (strcmp(path, "/health") != 0) {
		fb_reply(req, l, 404, "not found\n");
		return;
	}
	if (l->host != NULL && !fb_host_matches(req, l->host)) {
		fb_reply(req, l, 421, "wrong host\n");
		return;
	}
	if (l->agent != NULL) {
		const char *ua = evhttp_find_header(
		    evhttp_request_get_input_headers(req), "User-Agent");
		if (ua == NULL || strcmp(ua, l->agent) != 0) {
			fb_reply(req, l, 400, "wrong user agent\n");
			return;
		}
	}
	if (l->stream != FB_STREAM_OFF) {
		fb_stream_start(req, l);
		return;
	}
	if (l->delay_ms == 0) {
		fb_reply(req, l, l->status, l->body);
		return;
	}
	/* The reply is decided now and sent later, like a slow backend. */
	struct fb_pending *pd = calloc(1, sizeof(*pd));
	if (pd == NULL) {
		fb_reply(req, l, 500, "out of memory\n");
		return;
	}
	pd->req = req;
	pd->l = l;
	pd->status = l->status;
	pd->body = strdup(l->body);
	pd->ev = evtimer_new(fb_base, fb_on_delay, pd);
	struct timeval tv = {
	    .tv_sec = l->delay_ms / 1000,
	    .tv_usec = (l->delay_ms % 1000) * 1000,
	};
	if (pd->body == NULL || pd->ev == NULL ||
	    evtimer_add(pd->ev, &tv) < 0) {
		if (pd->ev != NULL)
			event_free(pd->ev);
		free(pd->body);
		free(pd);
		fb_reply(req, l, 500, "out of memory\n");
		return;
	}
	pd->next = fb_pending;
	if (pd->next != NULL)
		pd->next->prev = pd;
	fb_pending = pd;
}

static void fb_on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	(void)arg;
	if (sig == SIGUSR1) {
		for (size_t i = 0; i < fb_nlisteners; i++) {
			struct fb_listener *l = &fb_listeners[i];
			l->status = l->status == 200 ? 503 : 200;
			fprintf(stderr, "fake_backend %s: now %d\n", l->name,
			        l->status);
		}
		return;
	}
	event_base_loopbreak(fb_base);
}

/* "127.0.0.1:8080" or "[::1]:8080" into host and port. */
static int fb_split(const char *s, char *host, size_t size, uint16_t *port)
{
	const char *colon;
	size_t hlen;
	if (s == NULL)
		return -1;
	if (s[0] == '[') {
		const char *end = strchr(s, ']');
		if (end == NULL || end[1] != ':')
			return -1;
		hlen = (size_t)(end - s - 1);
		s++;
		colon = end + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL)
			return -1;
		hlen = (size_t)(colon - s);
	}
	unsigned long p;
	if (hlen == 0 || hlen >= size || !fb_parse_uint(colon + 1, 65535, &p))
		return -1;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	*port = (uint16_t)p;
	return 0;
}

static int fb_listen(struct fb_listener *l, const char *spec)
{
	char host[64];
	uint16_t port;
	if (fb_split(spec, host, sizeof(host), &port) < 0) {
		fprintf(stderr, "fake_backend: bad address %s\n", spec);
		return -1;
	}
	l->http = evhttp_new(fb_base);
	if (l->http == NULL)
		return -1;
	struct evhttp_bound_socket *bs =
	    evhttp_bind_socket_with_handle(l->http, host, port);
	if (bs == NULL) {
		fprintf(stderr, "fake_backend: cannot listen on %s: %s\n", spec,
		        strerror(errno));
		return -1;
	}
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	memset(&ss, 0, sizeof(ss));
	int fd = evhttp_bound_socket_get_fd(bs);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return -1;
	port = ntohs(ss.ss_family == AF_INET6
	                 ? ((struct sockaddr_in6 *)&ss)->sin6_port
	                 : ((struct sockaddr_in *)&ss)->sin_port);
	snprintf(l->name, sizeof(l->name), "%s%s%s:%u",
	         strchr(host, ':') ? "[" : "", host,
	         strchr(host, ':') ? "]" : "", port);
	evhttp_set_gencb(l->http, fb_on_request, l);
	return 0;
}

int main(int argc, char **argv)
{
	const char *specs[FB_MAX_LISTENERS];
	size_t nspecs = 0;
	unsigned long status = 200, delay = 0;
	const char *body = "ok\n";
	const char *host = NULL;
	enum fb_stream stream = FB_STREAM_OFF;
	int opt;

	while ((opt = getopt(argc, argv, "l:s:b:d:H:S:vh")) != -1) {
		switch (opt) {
		case 'l':
			if (nspecs == FB_MAX_LISTENERS)
				fb_usage();
			specs[nspecs++] = optarg;
			break;
		case 's':
			if (!fb_parse_uint(optarg, 599, &status) ||
			    status < 100)
				fb_usage();
			break;
		case 'b':
			body = optarg;
			break;
		case 'd':
			if (!fb_parse_uint(optarg, FB_MAX_DELAY_MS, &delay))
				fb_usage();
			break;
		case 'H':
			host = optarg;
			break;
		case 'S':
			if (fb_parse_stream(optarg, &stream) < 0)
				fb_usage();
			break;
		case 'v':
			fb_verbose = true;
			break;
		default:
			fb_usage();
		}
	}
	if (nspecs == 0 || optind != argc)
		fb_usage();

	signal(SIGPIPE, SIG_IGN);
	fb_base = event_base_new();
	if (fb_base == NULL)
		return 1;
	int rc = 1;
	for (size_t i = 0; i < nspecs; i++) {
		struct fb_listener *l = &fb_listeners[fb_nlisteners++];
		l->status = (int)status;
		l->delay_ms = (unsigned)delay;
		l->stream = stream;
		l->body = strdup(body);
		l->host = host != NULL ? strdup(host) : NULL;
		if (l->body == NULL || (host != NULL && l->host == NULL) ||
		    fb_listen(l, specs[i]) < 0)
			goto out;
	}
	/* Print only once every listener is bound: a reader of stdout may
	 * take the last line as "ready". */
	for (size_t i = 0; i < fb_nlisteners; i++)
		printf("%s\n", fb_listeners[i].name);
	fflush(stdout);

	struct event *sigs[3];
	const int signums[3] = {SIGTERM, SIGINT, SIGUSR1};
	for (int i = 0; i < 3; i++) {
		sigs[i] = evsignal_new(fb_base, signums[i], fb_on_signal, NULL);
		if (sigs[i] != NULL)
			evsignal_add(sigs[i], NULL);
	}
	event_base_dispatch(fb_base);
	for (int i = 0; i < 3; i++)
		if (sigs[i] != NULL)
			event_free(sigs[i]);
	rc = 0;
out:
	/* Answer what still waits, so no request is leaked. */
	while (fb_pending != NULL) {
		struct fb_pending *pd = fb_pending;
		fb_pending = pd->next;
		pd->prev = NULL;
		pd->next = NULL;
		fb_reply(pd->req, pd->l, 503, "shutting down\n");
		event_free(pd->ev);
		free(pd->body);
		free(pd);
	}
	/* Streams still running end with their connections, in evhttp_free;
	 * drop them first so that no close call back finds them. */
	while (fb_streaming != NULL) {
		struct fb_streaming *sg = fb_streaming;
		fb_streaming = sg->next;
		evhttp_connection_set_closecb(sg->conn, NULL, NULL);
		event_free(sg->ev);
		free(sg);
	}
	for (size_t i = 0; i < fb_nlisteners; i++) {
		if (fb_listeners[i].http != NULL)
			evhttp_free(fb_listeners[i].http);
		free(fb_listeners[i].body);
		free(fb_listeners[i].host);
		free(fb_listeners[i].agent);
	}
	event_base_free(fb_base);
	return rc;
}
