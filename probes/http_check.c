/* http_check.c - the http and https check type: one GET per check on
 * libcurl's multi socket interface, driven by the probe thread's libevent
 * base (the wiring of curl's hiperfifo example). Each check is one
 * self-contained transfer on a fresh connection; the easy handles carrying
 * them are pooled. curl runs the transfer's states (connect, TLS, request,
 * headers, body); each check ends with one named result (http_check_judge). */
#include "probes/check.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <event2/event_struct.h>

#include "base/version.h"
#include "conf/config.h"
#include "lb/health.h"

/* CURLOPT_CAINFO_BLOB (the CA bundle from memory) came in 7.77.0. (The
 * defined() keeps analysers that do not read curl.h quiet.) */
#if defined(LIBCURL_VERSION_NUM) && LIBCURL_VERSION_NUM < 0x074d00
#error "libcurl 7.77.0 or later is needed (CURLOPT_CAINFO_BLOB)"
#endif

/* Why 64 KiB: a health page is small; the cap keeps a misbehaving backend
 * (an endless body, a 1 GB Content-Length) from making the prober hold
 * megabytes or read until the timeout: bodies are searched only as far as
 * that, and reading stops there. */
#define HTTP_CHECK_BODY_MAX (64 * 1024)
/* Why 64: a healthy fleet keeps few checks in flight (4,000 checks/s of
 * about a millisecond each is 4), so 64 idle handles absorb the bursts of
 * a jittered schedule; a readiness round may use thousands at once, and
 * those past 64 are freed as they finish instead of being kept (an easy
 * handle with its buffers is tens of KiB). */
#define HTTP_CHECK_IDLE_MAX 64

struct http_check_engine {
	struct event_base *base;
	CURLM *multi;
	struct event *timer;       /* curl's single timeout */
	struct http_check *checks; /* running, for engine_free */
	struct http_check *idle;   /* finished, ready for reuse (by next) */
	unsigned nidle;
	/* "dnsd/VERSION (NAME)" (SPEC 8), NAME the host name. Why 300: a
	 * host name is at most 255 bytes (HOST_NAME_MAX is 64 on Linux). */
	char user_agent[300];
};

/* One socket curl asked us to watch. */
struct http_check_sock {
	struct event ev;
	struct http_check_engine *e;
	curl_socket_t fd;
};

/* One check, and the slot that carries it: the easy handle and the done
 * event outlive the check and serve the next one (see http_check_get). */
struct http_check {
	struct check hdr; /* first: the prober sees only this */
	struct http_check_engine *e;
	struct http_check *prev, *next;
	CURL *easy;
	bool added; /* easy is in the multi handle */
	struct curl_slist *headers;
	struct curl_slist *connect_to;
	struct event done_ev; /* defers the call back to the loop */
	check_done_fn *done;
	void *arg;
	/* Copies of the profile, so the target may go while we run. */
	struct config_check expect; /* only expect[] is used */
	char *want;                 /* body substring, or NULL */
	unsigned timeout_ms;
	char *buf; /* received body, at most HTTP_CHECK_BODY_MAX */
	size_t len, cap;
	bool found; /* want is in buf */
	/* The verdict was in before the response ended (status known and
	 * no body to search, want found, or HTTP_CHECK_BODY_MAX read
	 * without it): the transfer was stopped on purpose. */
	bool decided;
	bool capped; /* stopped at HTTP_CHECK_BODY_MAX without want */
	enum check_result result;
	int sock_errno; /* why curl's socket() failed, or 0 */
	/* The member: the only address a check may connect to. */
	int family;
	uint8_t addr[16];
	bool misdirected; /* curl asked for another address: refused */
	char detail[96];
	char errbuf[CURL_ERROR_SIZE];
};

static void http_check_drain(struct http_check_engine *e);
static void http_check_on_done(evutil_socket_t fd, short what, void *arg);

static void http_check_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct http_check_engine *e = arg;
	int running;
	(void)fd;
	(void)what;
	curl_multi_socket_action(e->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	http_check_drain(e);
}

static void http_check_on_socket(evutil_socket_t fd, short what, void *arg)
{
	struct http_check_engine *e = arg;
	int action = 0, running;
	if (what & EV_READ)
		action |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		action |= CURL_CSELECT_OUT;
	curl_multi_socket_action(e->multi, fd, action, &running);
	http_check_drain(e);
}

/* CURLMOPT_TIMERFUNCTION: curl may not be re-entered from here, so even a
 * zero timeout goes through the event loop. */
static int http_check_set_timer(CURLM *multi, long timeout_ms, void *userp)
{
	struct http_check_engine *e = userp;
	(void)multi;
	if (timeout_ms < 0) {
		evtimer_del(e->timer);
		return 0;
	}
	struct timeval tv = {
	    .tv_sec = timeout_ms / 1000,
	    .tv_usec = (timeout_ms % 1000) * 1000,
	};
	return evtimer_add(e->timer, &tv) < 0 ? -1 : 0;
}

/* CURLMOPT_SOCKETFUNCTION: watch, re-watch or forget one socket. */
static int http_check_set_socket(CURL *easy, curl_socket_t s, int what,
                                 void *userp, void *socketp)
{
	struct http_check_engine *e = userp;
	struct http_check_sock *sock = socketp;
	(void)easy;

	if (what == CURL_POLL_REMOVE) {
		if (sock != NULL) {
			event_del(&sock->ev);
			free(sock);
			curl_multi_assign(e->multi, s, NULL);
		}
		return 0;
	}
	if (sock == NULL) {
		sock = calloc(1, sizeof(*sock));
		if (sock == NULL)
			return -1;
		sock->e = e;
		sock->fd = s;
		curl_multi_assign(e->multi, s, sock);
	} else {
		event_del(&sock->ev);
	}
	short kind = EV_PERSIST;
	if (what & CURL_POLL_IN)
		kind |= EV_READ;
	if (what & CURL_POLL_OUT)
		kind |= EV_WRITE;
	if (event_assign(&sock->ev, e->base, s, kind, http_check_on_socket, e) <
	        0 ||
	    event_add(&sock->ev, NULL) < 0)
		return -1;
	return 0;
}

static void http_check_engine_free(void *engine);

/* The User-Agent of every check, so a backend's access log tells dnsd's
 * checks apart and says which instance sent them. The host name is cut to
 * what an HTTP header may hold: a byte outside 0x21-0x7e becomes '?'. */
static void http_check_user_agent(char *out, size_t size)
{
	char host[256];
	if (gethostname(host, sizeof(host)) < 0 || host[0] == '\0')
		snprintf(host, sizeof(host), "unknown");
	host[sizeof(host) - 1] = '\0';
	for (char *q = host; *q != '\0'; q++)
		if (*q < 0x21 || *q > 0x7e)
			*q = '?';
	snprintf(out, size, "dnsd/%s (%s)", DNSD_VERSION, host);
}

static void *http_check_engine_new(struct event_base *base)
{
	struct http_check_engine *e = calloc(1, sizeof(*e));
	if (e == NULL)
		return NULL;
	e->base = base;
	http_check_user_agent(e->user_agent, sizeof(e->user_agent));
	e->multi = curl_multi_init();
	e->timer = evtimer_new(base, http_check_on_timer, e);
	if (e->multi == NULL || e->timer == NULL) {
		http_check_engine_free(e);
		return NULL;
	}
	curl_multi_setopt(e->multi, CURLMOPT_SOCKETFUNCTION,
	                  http_check_set_socket);
	curl_multi_setopt(e->multi, CURLMOPT_SOCKETDATA, e);
	curl_multi_setopt(e->multi, CURLMOPT_TIMERFUNCTION,
	                  http_check_set_timer);
	curl_multi_setopt(e->multi, CURLMOPT_TIMERDATA, e);
	return e;
}

static void http_check_destroy(struct http_check *c)
{
	if (c->easy != NULL)
		curl_easy_cleanup(c->easy);
	free(c);
}

/* A slot for one check: an idle one, or a new one. Reusing the easy handle
 * saves curl_easy_init's allocations and first-use set-up on every check;
 * curl_easy_reset (in http_check_put) leaves no option of the previous
 * check behind. */
static struct http_check *http_check_get(struct http_check_engine *e)
{
	struct http_check *c = e->idle;
	if (c != NULL) {
		e->idle = c->next;
		e->nidle--;
		c->next = NULL;
		return c;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->hdr.ops = &http_check_ops;
	c->e = e;
	c->easy = curl_easy_init();
	if (c->easy == NULL || event_assign(&c->done_ev, e->base, -1, 0,
	                                    http_check_on_done, c) < 0) {
		http_check_destroy(c);
		return NULL;
	}
	return c;
}

/* The check is over (finished, failed to start, or cancelled): stop its
 * transfer, free what was its own, and keep the slot for the next one. */
static void http_check_put(struct http_check *c)
{
	struct http_check_engine *e = c->e;
	if (c->added) {
		/* Aborts a transfer still running and closes its connection
		 * (CURLOPT_FORBID_REUSE): nothing of it stays in curl. */
		curl_multi_remove_handle(e->multi, c->easy);
		c->added = false;
	}
	event_del(&c->done_ev);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else if (e->checks == c)
		e->checks = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	c->prev = NULL;
	c->next = NULL;
	curl_slist_free_all(c->headers);
	curl_slist_free_all(c->connect_to);
	free(c->want);
	free(c->buf);
	c->headers = NULL;
	c->connect_to = NULL;
	c->want = NULL;
	c->buf = NULL;
	c->len = 0;
	c->cap = 0;
	c->found = false;
	c->decided = false;
	c->capped = false;
	c->misdirected = false;
	if (e->nidle >= HTTP_CHECK_IDLE_MAX) {
		http_check_destroy(c);
		return;
	}
	curl_easy_reset(c->easy);
	c->next = e->idle;
	e->idle = c;
	e->nidle++;
}

static void http_check_engine_free(void *engine)
{
	struct http_check_engine *e = engine;
	if (e == NULL)
		return;
	/* Detach the list first, so each put leaves it alone; nothing is
	 * kept for reuse any more. */
	struct http_check *c = e->checks, *next;
	e->checks = NULL;
	e->nidle = HTTP_CHECK_IDLE_MAX;
	for (; c != NULL; c = next) {
		next = c->next;
		c->prev = NULL;
		c->next = NULL;
		http_check_put(c);
	}
	for (c = e->idle; c != NULL; c = next) {
		next = c->next;
		http_check_destroy(c);
	}
	e->idle = NULL;
	if (e->multi != NULL)
		curl_multi_cleanup(e->multi);
	if (e->timer != NULL)
		event_free(e->timer);
	free(e);
}

static bool http_check_status_ok(const struct http_check *c, long status)
{
	return status >= 0 &&
	       config_check_expects(&c->expect, (unsigned)status);
}

/* CURLOPT_HEADERFUNCTION: at the blank line ending the final response's
 * headers the status is known. With no body to search, or a status that
 * fails anyway, that decides the check and the body is never read: a huge
 * or endless one would otherwise hold the check until its timeout. */
static size_t http_check_on_header(char *ptr, size_t size, size_t nmemb,
                                   void *userdata)
{
	struct http_check *c = userdata;
	size_t n = size * nmemb;
	bool end = (n == 2 && ptr[0] == '\r' && ptr[1] == '\n') ||
	           (n == 1 && ptr[0] == '\n');
	if (!end || c->decided)
		return n;
	long status = 0;
	curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &status);
	if (status >= 100 && status < 200)
		return n; /* an interim response: the final one follows */
	if (c->want != NULL && http_check_status_ok(c, status))
		return n; /* the body decides */
	c->decided = true;
	return 0; /* curl stops the transfer (CURLE_WRITE_ERROR) */
}

/* CURLOPT_WRITEFUNCTION: keep the body until want is found in it or
 * HTTP_CHECK_BODY_MAX is in, then stop the transfer. */
static size_t http_check_on_data(char *ptr, size_t size, size_t nmemb,
                                 void *userdata)
{
	struct http_check *c = userdata;
	size_t n = size * nmemb;
	if (c->decided || c->want == NULL) {
		c->decided = true;
		return 0;
	}
	size_t take = n;
	if (take > HTTP_CHECK_BODY_MAX - c->len)
		take = HTTP_CHECK_BODY_MAX - c->len;
	if (c->len + take > c->cap) {
		size_t cap = c->cap ? c->cap : 4096;
		while (cap < c->len + take)
			cap *= 2;
		if (cap > HTTP_CHECK_BODY_MAX)
			cap = HTTP_CHECK_BODY_MAX;
		char *buf = realloc(c->buf, cap);
		if (buf == NULL)
			return 0; /* curl fails the transfer: a failed check */
		c->buf = buf;
		c->cap = cap;
	}
	/* Search only what the new bytes can complete: a match may start
	 * up to strlen(want) - 1 bytes before them. */
	size_t wlen = strlen(c->want);
	size_t from = c->len >= wlen ? c->len - (wlen - 1) : 0;
	memcpy(c->buf + c->len, ptr, take);
	c->len += take;
	if (memmem(c->buf + from, c->len - from, c->want, wlen) != NULL) {
		c->found = true;
		c->decided = true;
		return 0;
	}
	if (c->len >= HTTP_CHECK_BODY_MAX) {
		c->capped = true;
		c->decided = true;
		return 0;
	}
	return n;
}

/* True when curl is about to connect to the member itself. */
static bool http_check_is_member(const struct http_check *c,
                                 const struct curl_sockaddr *sa)
{
	if (sa->family != c->family)
		return false;
	if (sa->family == AF_INET) {
		const struct sockaddr_in *in = (const void *)&sa->addr;
		return sa->addrlen >= sizeof(*in) &&
		       memcmp(&in->sin_addr, c->addr, 4) == 0;
	}
	const struct sockaddr_in6 *in6 = (const void *)&sa->addr;
	return sa->addrlen >= sizeof(*in6) &&
	       memcmp(&in6->sin6_addr, c->addr, 16) == 0;
}

/* CURLOPT_OPENSOCKETFUNCTION: curl's own socket(), but keeping errno, so
 * that a check that got no descriptor is told from a member that failed
 * (curl reports both as "could not connect"). It is also the last word
 * on where a check goes: the URL and CONNECT_TO name the member, and a
 * connection to any other address (which only a host the URL parser read
 * differently could cause) is refused here. */
static curl_socket_t http_check_open_socket(void *clientp, curlsocktype purpose,
                                            struct curl_sockaddr *addr)
{
	struct http_check *c = clientp;
	(void)purpose;
	if (!http_check_is_member(c, addr)) {
		c->misdirected = true;
		return CURL_SOCKET_BAD;
	}
	curl_socket_t fd =
	    socket(addr->family, addr->socktype | SOCK_CLOEXEC, addr->protocol);
	if (fd == CURL_SOCKET_BAD)
		c->sock_errno = errno;
	return fd;
}

/* Copy curl's error text, cut to fit (a detail is one short phrase). */
static void http_check_copy(char *out, size_t size, const char *s)
{
	size_t n = strnlen(s, size - 1);
	memcpy(out, s, n);
	out[n] = '\0';
}

/* Turn a finished transfer into ok + detail. */
static void http_check_judge(struct http_check *c, CURLcode rc)
{
	long status = 0;
	if (rc == CURLE_OK || c->decided) {
		curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &status);
		if (!http_check_status_ok(c, status)) {
			snprintf(c->detail, sizeof(c->detail), "HTTP %ld",
			         status);
		} else if (c->want != NULL && !c->found) {
			snprintf(c->detail, sizeof(c->detail),
			         "HTTP %ld but body lacks \"%s\"%s", status,
			         c->want,
			         c->capped ? " in its first 64 KiB" : "");
		} else {
			c->result = CHECK_OK;
			snprintf(c->detail, sizeof(c->detail), "HTTP %ld",
			         status);
		}
		return;
	}
	if (c->misdirected) {
		snprintf(c->detail, sizeof(c->detail),
		         "refused to connect to an address other than the "
		         "member");
		return;
	}
	if (check_errno_is_no_fd(c->sock_errno)) {
		c->result = CHECK_NO_FD;
		snprintf(c->detail, sizeof(c->detail), "no descriptor: %s",
		         strerror(c->sock_errno));
		return;
	}
	long oserr = 0;
	curl_easy_getinfo(c->easy, CURLINFO_OS_ERRNO, &oserr);
	if (rc == CURLE_OPERATION_TIMEDOUT)
		snprintf(c->detail, sizeof(c->detail), "timeout after %u ms",
		         c->timeout_ms);
	else if (rc == CURLE_COULDNT_CONNECT && oserr == ECONNREFUSED)
		snprintf(c->detail, sizeof(c->detail), "connection refused");
	else
		http_check_copy(c->detail, sizeof(c->detail),
		                c->errbuf[0] != '\0' ? c->errbuf
		                                     : curl_easy_strerror(rc));
}

/* Collect finished transfers. The call back is deferred to done_ev, so it
 * never runs while we walk curl's message queue. */
static void http_check_drain(struct http_check_engine *e)
{
	CURLMsg *msg;
	int left;
	while ((msg = curl_multi_info_read(e->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		CURL *easy = msg->easy_handle;
		CURLcode rc = msg->data.result;
		char *priv = NULL;
		curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
		if (priv == NULL)
			continue;
		struct http_check *c = (struct http_check *)priv;
		http_check_judge(c, rc);
		curl_multi_remove_handle(e->multi, easy);
		c->added = false;
		event_active(&c->done_ev, 0, 0);
	}
}

static void http_check_on_done(evutil_socket_t fd, short what, void *arg)
{
	struct http_check *c = arg;
	(void)fd;
	(void)what;
	enum check_result result = c->result;
	char detail[sizeof(c->detail)];
	memcpy(detail, c->detail, sizeof(detail));
	check_done_fn *done = c->done;
	void *done_arg = c->arg;
	http_check_put(c);
	done(done_arg, result, detail);
}

/* "[::1]" for IPv6 literals (URLs and CONNECT_TO want brackets). */
static void http_check_bracket(char *out, size_t size, const char *host)
{
	struct in6_addr a6;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		snprintf(out, size, "[%s]", host);
	else
		snprintf(out, size, "%s", host);
}

/* The authority of the check's URL into name, and for https with a host
 * the CONNECT_TO entry and the Host header. The URL names the member's
 * address, except for https with a host: there it names the host, so
 * that TLS sends it as SNI and checks the certificate against it, and
 * CONNECT_TO takes the connection to the member all the same (with no
 * name lookup). The host is only ever the Host header otherwise, never
 * the URL: "x@127.0.0.1" there would be a user name and another
 * address. Returns 0, or -1 when the host is not one config_parse_host
 * takes (a profile not from the loader). */
static int http_check_target(struct http_check *c,
                             const struct config_check *cc, const char *addr,
                             char *name, size_t nsize)
{
	struct config_host h;
	char why[160], line[600];
	snprintf(name, nsize, "%s", addr);
	if (cc->host == NULL)
		return 0;
	if (config_parse_host(cc->host, &h, why, sizeof(why)) < 0)
		return -1;
	if (cc->type == CHECK_HTTPS) {
		http_check_bracket(name, nsize, h.name);
		snprintf(line, sizeof(line), "%s:%u:%s:%u", name, cc->port,
		         addr, cc->port);
		c->connect_to = curl_slist_append(NULL, line);
		if (c->connect_to == NULL)
			return -1;
	}
	snprintf(line, sizeof(line), "Host: %s", cc->host);
	c->headers = curl_slist_append(NULL, line);
	return c->headers != NULL ? 0 : -1;
}

static int http_check_start(void *engine, const struct probe_target *t,
                            check_done_fn *done, void *arg, struct check **out)
{
	struct http_check_engine *e = engine;
	const struct config_check *cc = t->check;
	struct http_check *c = http_check_get(e);
	if (c == NULL)
		return -ENOMEM;
	c->done = done;
	c->arg = arg;
	c->timeout_ms = cc->timeout_ms;
	c->result = CHECK_FAILED;
	c->sock_errno = 0;
	c->detail[0] = '\0';
	c->errbuf[0] = '\0'; /* curl writes it only on an error */
	memcpy(c->expect.expect, cc->expect, sizeof(c->expect.expect));
	c->next = e->checks;
	if (c->next != NULL)
		c->next->prev = c;
	e->checks = c;
	/* An empty body pattern asks for nothing. */
	if (cc->body != NULL && cc->body[0] != '\0' &&
	    (c->want = strdup(cc->body)) == NULL)
		goto fail;

	const char *scheme = cc->type == CHECK_HTTPS ? "https" : "http";
	char addr[64], name[300], url[2048];
	http_check_bracket(addr, sizeof(addr), t->addr_text);
	const char *path = cc->path != NULL ? cc->path : "/";
	c->family = t->family;
	memcpy(c->addr, t->addr, sizeof(c->addr));
	if (http_check_target(c, cc, addr, name, sizeof(name)) < 0)
		goto fail;
	if (snprintf(url, sizeof(url), "%s://%s:%u%s", scheme, name, cc->port,
	             path) >= (int)sizeof(url))
		goto fail;

	CURL *h = c->easy;
	int bad = 0;
	bad |= curl_easy_setopt(h, CURLOPT_URL, url);
	bad |= curl_easy_setopt(h, CURLOPT_PRIVATE, (char *)c);
	bad |= curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf);
	/* Timeouts come from the event loop, never from signals. */
	bad |= curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	bad |= curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)cc->timeout_ms);
	bad |= curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
	                        (long)cc->timeout_ms);
	/* A check asks the member itself: no proxy from the environment,
	 * no redirects elsewhere, and a fresh connection every time so a
	 * dead listener is never hidden by a kept-alive socket. */
	bad |= curl_easy_setopt(h, CURLOPT_PROXY, "");
	bad |= curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
	bad |= curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	bad |= curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
	bad |= curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
	/* A pooled handle would otherwise resume the TLS session of an
	 * earlier check: every https check is a full handshake, as a new
	 * client's would be. */
	bad |= curl_easy_setopt(h, CURLOPT_SSL_SESSIONID_CACHE, 0L);
	/* The multi handle's DNS cache keeps every address (an IP literal
	 * too, and each CONNECT_TO target) for 60 s by default, and curl
	 * 7.88 walks the whole cache at the end of every transfer to prune
	 * it (Curl_hostcache_prune from multi_done): with 20,000 members
	 * that walk was most of the probe thread's time. There is nothing
	 * to look up anyway, so keep nothing: each entry is dropped once
	 * its transfer is done, and the cache holds only the transfers in
	 * flight. */
	bad |= curl_easy_setopt(h, CURLOPT_DNS_CACHE_TIMEOUT, 0L);
	bad |= curl_easy_setopt(h, CURLOPT_HTTP_VERSION,
	                        (long)CURL_HTTP_VERSION_1_1);
#if LIBCURL_VERSION_NUM >= 0x075500
	bad |= curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
	bad |= curl_easy_setopt(h, CURLOPT_USERAGENT, e->user_agent);
	bad |= curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, http_check_on_data);
	bad |= curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
	bad |=
	    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, http_check_on_header);
	bad |= curl_easy_setopt(h, CURLOPT_HEADERDATA, c);
	bad |= curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION,
	                        http_check_open_socket);
	bad |= curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, c);
	if (c->headers != NULL)
		bad |= curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->headers);
	if (c->connect_to != NULL)
		bad |= curl_easy_setopt(h, CURLOPT_CONNECT_TO, c->connect_to);
	if (cc->type == CHECK_HTTPS) {
		long v = cc->verify_tls ? 1L : 0L;
		bad |= curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, v);
		bad |= curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, v ? 2L : 0L);
		/* The bundle as read when the configuration was loaded:
		 * the file may be out of reach of the dropped privileges.
		 * Copied, as everything of the profile (the target may go
		 * while the check runs). */
		if (cc->ca_pem != NULL) {
			struct curl_blob blob = {
			    .data = (void *)(uintptr_t)cc->ca_pem,
			    .len = cc->ca_pem_len,
			    .flags = CURL_BLOB_COPY,
			};
			bad |= curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob);
		}
	}
	if (bad != 0 || curl_multi_add_handle(e->multi, h) != CURLM_OK)
		goto fail;
	c->added = true;
	*out = &c->hdr;
	return 0;
fail:
	http_check_put(c);
	return -ENOMEM;
}

static void http_check_cancel(struct check *c)
{
	http_check_put((struct http_check *)c);
}

const struct check_ops http_check_ops = {
    .name = "http",
    .engine_new = http_check_engine_new,
    .engine_free = http_check_engine_free,
    .start = http_check_start,
    .cancel = http_check_cancel,
};
