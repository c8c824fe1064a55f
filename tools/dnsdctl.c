/* dnsdctl.c - the operator's client for dnsd (SPEC sections 1, 6 and 7):
 * `status` prints records, clusters and members with their health as a
 * table, `metrics` prints the raw Prometheus text (one blocking HTTP/1.0
 * GET to the control endpoint and a small JSON reader); `reload`,
 * `drain`, `force-up`, `resume` and `admin` talk to the control socket
 * (control/ctl_client.c). */
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "base/compat.h"
#include "conf/config.h"
#include "control/ctl_client.h"
#include "control/ctl_proto.h"

#define DNSDCTL_DEFAULT_SERVER "127.0.0.1:8053"
/* dnsd answers from memory at once; 5 s only covers a loaded host. */
#define DNSDCTL_TIMEOUT_S 5
/* /status of 100,000 members is ~20 MiB: this bound only stops a runaway
 * peer from eating memory. */
#define DNSDCTL_MAX_BODY (64u << 20)
/* Deeper nesting than /status ever has means a broken document. */
#define DNSDCTL_JSON_DEPTH 32
/* State changes shown under the table: the last few tell the story. */
#define DNSDCTL_EVENTS 8

#define EXIT_FAIL  1
#define EXIT_USAGE 2

/* A reload of a big zone takes seconds; minutes mean a stuck dnsd. */
#define DNSDCTL_RELOAD_TIMEOUT_S 600
#define DNSDCTL_SOCKET_TIMEOUT_S 10

static void dnsdctl_usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: dnsdctl [-c FILE] [-s HOST:PORT] [-S SOCKET] COMMAND "
	    "...\n"
	    "  status                      records, clusters, members, "
	    "health and overrides\n"
	    "  metrics                     the raw metrics text\n"
	    "  reload                      reload; prints the result or "
	    "every error\n"
	    "  drain    [--for DURATION] [--reason TEXT] TARGET...\n"
	    "  force-up [--for DURATION] [--reason TEXT] TARGET...\n"
	    "  resume   TARGET...          remove the override\n"
	    "  admin                       list the overrides\n"
	    "TARGET is ADDRESS, CLUSTER/ADDRESS or CLUSTER. `dnsdctl COMMAND "
	    "--help` tells more.\n"
	    "-c FILE reads `control` and `control_socket` from dnsd's INI "
	    "file.\n"
	    "The server is -s, else `control` of -c, else $DNSD_CONTROL, "
	    "else %s;\n"
	    "the socket is -S, else `control_socket` of -c, else %s.\n",
	    DNSDCTL_DEFAULT_SERVER, CTL_DEFAULT_SOCKET);
}

static void dnsdctl_die(const char *fmt, ...) DNSD_PRINTF(1, 2)
    __attribute__((noreturn));

/* ---------------------------------------------------------------------
 * HTTP */

struct dnsdctl_buf {
	char *p;
	size_t len, cap;
};

static int dnsdctl_buf_add(struct dnsdctl_buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 65536;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (p == NULL)
			return -1;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

static void dnsdctl_die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("dnsdctl: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(EXIT_FAIL);
}

/* Split "HOST:PORT", "[V6]:PORT" into host and port. */
static int dnsdctl_split(const char *server, char *host, size_t hlen,
                         char *port, size_t plen)
{
	const char *colon;
	const char *h = server;
	size_t n;
	if (server[0] == '[') {
		const char *end = strchr(server, ']');
		if (end == NULL || end[1] != ':')
			return -1;
		h = server + 1;
		n = (size_t)(end - h);
		colon = end + 1;
	} else {
		colon = strrchr(server, ':');
		if (colon == NULL)
			return -1;
		n = (size_t)(colon - server);
	}
	if (n == 0 || n >= hlen || strlen(colon + 1) == 0 ||
	    strlen(colon + 1) >= plen ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1))
		return -1;
	memcpy(host, h, n);
	host[n] = '\0';
	snprintf(port, plen, "%s", colon + 1);
	return 0;
}

/* GET path from server; returns the body (malloc'd), exits on failure. */
static char *dnsdctl_get(const char *server, const char *path)
{
	char host[256], port[16];
	if (dnsdctl_split(server, host, sizeof(host), port, sizeof(port)) !=
	    0) {
		fprintf(stderr,
		        "dnsdctl: bad server address %s (want HOST:PORT "
		        "or [IPV6]:PORT)\n",
		        server);
		exit(EXIT_USAGE);
	}
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
	                         .ai_flags = AI_NUMERICSERV};
	struct addrinfo *res = NULL;
	int gai = getaddrinfo(host, port, &hints, &res);
	if (gai != 0)
		dnsdctl_die("cannot reach %s: %s", server, gai_strerror(gai));
	int fd = -1, err = 0;
	struct timeval tv = {DNSDCTL_TIMEOUT_S, 0};
	for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		            ai->ai_protocol);
		if (fd < 0) {
			err = errno;
			continue;
		}
		/* On Linux SO_SNDTIMEO bounds connect() too. */
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		err = errno == EINPROGRESS ? ETIMEDOUT : errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		dnsdctl_die("cannot reach %s: %s", server, strerror(err));

	char req[512];
	int n = snprintf(req, sizeof(req),
	                 "GET %s HTTP/1.0\r\nHost: %s\r\n"
	                 "User-Agent: dnsdctl\r\nConnection: close\r\n\r\n",
	                 path, server);
	for (int off = 0; off < n;) {
		ssize_t w = write(fd, req + off, (size_t)(n - off));
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			dnsdctl_die("cannot reach %s: %s", server,
			            strerror(errno));
		off += (int)w;
	}
	struct dnsdctl_buf b = {0};
	for (;;) {
		char chunk[65536];
		ssize_t r = read(fd, chunk, sizeof(chunk));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			dnsdctl_die("%s%s: %s", server, path,
			            errno == EAGAIN ? "timed out"
			                            : strerror(errno));
		if (r == 0)
			break;
		if (b.len + (size_t)r > DNSDCTL_MAX_BODY ||
		    dnsdctl_buf_add(&b, chunk, (size_t)r) != 0)
			dnsdctl_die("%s%s: response too large", server, path);
	}
	close(fd);
	if (b.p == NULL)
		dnsdctl_die("%s%s: empty response", server, path);
	int code = 0;
	if (sscanf(b.p, "HTTP/1.%*d %d", &code) != 1)
		dnsdctl_die("%s%s: not an HTTP response", server, path);
	char *body = strstr(b.p, "\r\n\r\n");
	if (code != 200)
		dnsdctl_die("%s%s: HTTP %d", server, path, code);
	if (body == NULL)
		dnsdctl_die("%s%s: truncated response", server, path);
	body += 4;
	memmove(b.p, body, strlen(body) + 1);
	return b.p;
}

/* ---------------------------------------------------------------------
 * JSON (RFC 8259), just enough for /status: a tree of values. */

enum json_type { JSON_NULL, JSON_BOOL, JSON_NUM, JSON_STR, JSON_ARR, JSON_OBJ };

struct json {
	enum json_type type;
	bool b;
	double num;
	char *str;
	struct json *items; /* array elements or object values */
	char **keys;        /* object keys, parallel to items */
	size_t n;
};

struct json_parser {
	const char *p;
	int depth;
	const char *err;
};

static void json_ws(struct json_parser *jp)
{
	while (*jp->p == ' ' || *jp->p == '\t' || *jp->p == '\n' ||
	       *jp->p == '\r')
		jp->p++;
}

static void json_utf8(struct dnsdctl_buf *b, unsigned cp)
{
	char u[4];
	size_t n;
	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | cp >> 12);
		u[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | cp >> 18);
		u[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		u[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	if (dnsdctl_buf_add(b, u, n) != 0)
		dnsdctl_die("out of memory");
}

static int json_hex4(const char *s, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		char c = s[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

static char *json_string(struct json_parser *jp)
{
	struct dnsdctl_buf b = {0};
	if (*jp->p != '"') {
		jp->err = "expected a string";
		return NULL;
	}
	jp->p++;
	if (dnsdctl_buf_add(&b, "", 0) != 0)
		dnsdctl_die("out of memory");
	for (;;) {
		const char *run = jp->p;
		while (*jp->p != '"' && *jp->p != '\\' && *jp->p != '\0' &&
		       (unsigned char)*jp->p >= 0x20)
			jp->p++;
		if (dnsdctl_buf_add(&b, run, (size_t)(jp->p - run)) != 0)
			dnsdctl_die("out of memory");
		if (*jp->p == '"') {
			jp->p++;
			return b.p;
		}
		if (*jp->p != '\\') {
			jp->err = "bad character in a string";
			free(b.p);
			return NULL;
		}
		char e = jp->p[1];
		const char *simple = strchr("\"\\/bfnrt", e);
		if (e != '\0' && simple != NULL) {
			static const char out[] = "\"\\/\b\f\n\r\t";
			json_utf8(&b,
			          (unsigned char)out[simple - "\"\\/bfnrt"]);
			jp->p += 2;
			continue;
		}
		unsigned cp;
		if (e != 'u' || json_hex4(jp->p + 2, &cp) != 0) {
			jp->err = "bad escape in a string";
			free(b.p);
			return NULL;
		}
		jp->p += 6;
		unsigned lo;
		if (cp >= 0xd800 && cp < 0xdc00 && jp->p[0] == '\\' &&
		    jp->p[1] == 'u' && json_hex4(jp->p + 2, &lo) == 0 &&
		    lo >= 0xdc00 && lo < 0xe000) {
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			jp->p += 6;
		}
		json_utf8(&b, cp);
	}
}

static int json_value(struct json_parser *jp, struct json *v);

static int json_push(struct json *v, struct json *item, char *key)
{
	struct json *items = realloc(v->items, (v->n + 1) * sizeof(*items));
	if (items == NULL)
		return -1;
	v->items = items;
	if (v->type == JSON_OBJ) {
		char **keys = realloc(v->keys, (v->n + 1) * sizeof(*keys));
		if (keys == NULL)
			return -1;
		v->keys = keys;
		keys[v->n] = key;
	}
	items[v->n++] = *item;
	return 0;
}

static int json_container(struct json_parser *jp, struct json *v, char close)
{
	if (++jp->depth > DNSDCTL_JSON_DEPTH) {
		jp->err = "nested too deeply";
		return -1;
	}
	jp->p++;
	json_ws(jp);
	if (*jp->p == close) {
		jp->p++;
		jp->depth--;
		return 0;
	}
	for (;;) {
		char *key = NULL;
		json_ws(jp);
		if (v->type == JSON_OBJ) {
			key = json_string(jp);
			if (key == NULL)
				return -1;
			json_ws(jp);
			if (*jp->p != ':') {
				free(key);
				jp->err = "expected ':'";
				return -1;
			}
			jp->p++;
		}
		struct json item = {0};
		if (json_value(jp, &item) != 0 ||
		    json_push(v, &item, key) != 0) {
			free(key);
			return -1;
		}
		json_ws(jp);
		if (*jp->p == ',') {
			jp->p++;
			continue;
		}
		if (*jp->p == close) {
			jp->p++;
			jp->depth--;
			return 0;
		}
		jp->err = "expected ',' or the end of a list";
		return -1;
	}
}

static int json_value(struct json_parser *jp, struct json *v)
{
	json_ws(jp);
	memset(v, 0, sizeof(*v));
	switch (*jp->p) {
	case '{':
		v->type = JSON_OBJ;
		return json_container(jp, v, '}');
	case '[':
		v->type = JSON_ARR;
		return json_container(jp, v, ']');
	case '"':
		v->type = JSON_STR;
		v->str = json_string(jp);
		return v->str != NULL ? 0 : -1;
	default:
		break;
	}
	static const struct {
		const char *word;
		enum json_type type;
		bool b;
	} words[] = {{"null", JSON_NULL, false},
	             {"true", JSON_BOOL, true},
	             {"false", JSON_BOOL, false}};
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		size_t n = strlen(words[i].word);
		if (strncmp(jp->p, words[i].word, n) == 0) {
			v->type = words[i].type;
			v->b = words[i].b;
			jp->p += n;
			return 0;
		}
	}
	char *end;
	v->num = strtod(jp->p, &end);
	if (end == jp->p ||
	    !(*jp->p == '-' || (*jp->p >= '0' && *jp->p <= '9'))) {
		jp->err = "unexpected character";
		return -1;
	}
	v->type = JSON_NUM;
	jp->p = end;
	return 0;
}

static void json_free(struct json *v)
{
	for (size_t i = 0; i < v->n; i++) {
		json_free(&v->items[i]);
		if (v->keys != NULL)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->str);
}

static const struct json *json_get(const struct json *o, const char *key)
{
	if (o == NULL || o->type != JSON_OBJ)
		return NULL;
	for (size_t i = 0; i < o->n; i++)
		if (strcmp(o->keys[i], key) == 0)
			return &o->items[i];
	return NULL;
}

static const char *json_str(const struct json *o, const char *key)
{
	const struct json *v = json_get(o, key);
	return v != NULL && v->type == JSON_STR ? v->str : NULL;
}

static double json_num(const struct json *o, const char *key, double dflt)
{
	const struct json *v = json_get(o, key);
	return v != NULL && v->type == JSON_NUM ? v->num : dflt;
}

static size_t json_len(const struct json *v, enum json_type type)
{
	return v != NULL && v->type == type ? v->n : 0;
}

/* ---------------------------------------------------------------------
 * the status table */

enum {
	COL_RECORD,
	COL_CLUSTER,
	COL_MEMBER,
	COL_WEIGHT,
	COL_STATE,
	COL_ADMIN,
	COL_SINCE,
	COL_CHECK,
	COL_N
};

struct dnsdctl_table {
	char *(*cells)[COL_N];
	size_t n, cap;
};

static void table_add(struct dnsdctl_table *t, const char *const cells[COL_N])
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 32;
		t->cells = realloc(t->cells, t->cap * sizeof(*t->cells));
		if (t->cells == NULL)
			dnsdctl_die("out of memory");
	}
	for (int c = 0; c < COL_N; c++) {
		t->cells[t->n][c] = strdup(cells[c] != NULL ? cells[c] : "");
		if (t->cells[t->n][c] == NULL)
			dnsdctl_die("out of memory");
	}
	t->n++;
}

/* Display width of UTF-8 text: code points (good enough for names). */
static size_t dnsdctl_width(const char *s)
{
	size_t w = 0;
	for (; *s != '\0'; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

static time_t dnsdctl_parse_time(const char *iso)
{
	struct tm tm = {0};
	if (iso == NULL || strptime(iso, "%Y-%m-%dT%H:%M:%SZ", &tm) == NULL)
		return (time_t)-1;
	return timegm(&tm);
}

/* "3m05s ago" style age of iso relative to now (the server's clock). */
static void dnsdctl_age(const char *iso, time_t now, char *buf, size_t len)
{
	time_t t = dnsdctl_parse_time(iso);
	if (t == (time_t)-1 || now == (time_t)-1) {
		snprintf(buf, len, "%s", iso != NULL ? iso : "-");
		return;
	}
	long s = now > t ? (long)(now - t) : 0;
	if (s < 60)
		snprintf(buf, len, "%lds", s);
	else if (s < 3600)
		snprintf(buf, len, "%ldm%02lds", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%ldh%02ldm", s / 3600, s % 3600 / 60);
	else
		snprintf(buf, len, "%ldd%02ldh", s / 86400, s % 86400 / 3600);
}

static void table_member(struct dnsdctl_table *t, const char *record,
                         const char *cluster, const struct json *m, time_t now)
{
	char weight[16], since[64], check[200], age[32];
	snprintf(weight, sizeof(weight), "%.0f", json_num(m, "weight", 0));
	const char *since_iso = json_str(m, "since");
	dnsdctl_age(since_iso, now, age, sizeof(age));
	snprintf(since, sizeof(since), "%s (%s)",
	         since_iso != NULL ? since_iso : "-", age);
	const struct json *lc = json_get(m, "last_check");
	if (lc == NULL || lc->type != JSON_OBJ) {
		snprintf(check, sizeof(check), "-");
	} else {
		const char *detail = json_str(lc, "detail");
		char at[32];
		dnsdctl_age(json_str(lc, "at"), now, at, sizeof(at));
		snprintf(check, sizeof(check), "%s, %.1f ms, %s ago",
		         detail != NULL ? detail : "?",
		         json_num(lc, "duration_ms", 0), at);
	}
	const char *state = json_str(m, "state");
	/* SPEC 7: the operator's override beside the probes' verdict. */
	char admin[300] = "-";
	const char *adm = json_str(m, "admin");
	if (adm != NULL) {
		const char *until = json_str(m, "admin_until");
		const char *why = json_str(m, "admin_reason");
		snprintf(admin, sizeof(admin), "%s%s%s%s%s", adm,
		         until ? " until " : "", until ? until : "",
		         why && why[0] ? ": " : "", why && why[0] ? why : "");
	}
	const char *cells[COL_N] = {
	    [COL_RECORD] = record,
	    [COL_CLUSTER] = cluster,
	    [COL_MEMBER] = json_str(m, "address"),
	    [COL_WEIGHT] = weight,
	    [COL_STATE] = state != NULL ? state : "?",
	    [COL_ADMIN] = admin,
	    [COL_SINCE] = since,
	    [COL_CHECK] = check,
	};
	table_add(t, cells);
}

static const struct json *dnsdctl_cluster(const struct json *clusters,
                                          const char *name)
{
	for (size_t i = 0; i < json_len(clusters, JSON_ARR); i++) {
		const char *n = json_str(&clusters->items[i], "name");
		if (n != NULL && strcmp(n, name) == 0)
			return &clusters->items[i];
	}
	return NULL;
}

static void table_cluster(struct dnsdctl_table *t, const char *record,
                          const struct json *c, time_t now)
{
	const struct json *members = json_get(c, "members");
	const char *name = json_str(c, "name");
	size_t n = json_len(members, JSON_ARR);
	if (n == 0) {
		const char *cells[COL_N] = {[COL_RECORD] = record,
		                            [COL_CLUSTER] = name,
		                            [COL_MEMBER] = "(no members)"};
		table_add(t, cells);
	}
	/* Record and cluster only on the first row of their group. */
	for (size_t i = 0; i < n; i++)
		table_member(t, i == 0 ? record : "", i == 0 ? name : "",
		             &members->items[i], now);
}

static void table_print(const struct dnsdctl_table *t, bool color)
{
	static const char *const head[COL_N] = {
	    "RECORD", "CLUSTER", "MEMBER", "WEIGHT",
	    "STATE",  "ADMIN",   "SINCE",  "LAST CHECK",
	};
	size_t w[COL_N];
	for (int c = 0; c < COL_N; c++) {
		w[c] = strlen(head[c]);
		for (size_t r = 0; r < t->n; r++) {
			size_t cw = dnsdctl_width(t->cells[r][c]);
			if (cw > w[c])
				w[c] = cw;
		}
	}
	for (int c = 0; c < COL_N; c++)
		printf("%s%-*s", c ? "  " : "", c == COL_N - 1 ? 0 : (int)w[c],
		       head[c]);
	printf("\n");
	for (size_t r = 0; r < t->n; r++) {
		for (int c = 0; c < COL_N; c++) {
			const char *s = t->cells[r][c];
			size_t pad =
			    c == COL_N - 1 ? 0 : w[c] - dnsdctl_width(s);
			const char *on = "", *off = "";
			if (color && c == COL_STATE && strcmp(s, "up") == 0)
				on = "\033[32m", off = "\033[0m";
			else if (color && c == COL_STATE && s[0] != '\0')
				on = "\033[1;31m", off = "\033[0m";
			else if (color && c == COL_ADMIN && s[0] != '-' &&
			         s[0] != '\0')
				on = "\033[1;33m", off = "\033[0m";
			printf("%s%s%s%s%*s", c ? "  " : "", on, s, off,
			       (int)pad, "");
		}
		printf("\n");
	}
}

static void dnsdctl_events(const struct json *events, time_t now, bool color)
{
	size_t n = json_len(events, JSON_ARR);
	if (n == 0)
		return;
	printf("\nRecent state changes (newest first):\n");
	for (size_t i = 0; i < n && i < DNSDCTL_EVENTS; i++) {
		const struct json *e = &events->items[i];
		const char *state = json_str(e, "state");
		bool up = state != NULL && strcmp(state, "up") == 0;
		char age[32];
		dnsdctl_age(json_str(e, "at"), now, age, sizeof(age));
		const struct json *first = json_get(e, "first");
		printf("  %s (%s ago)  %s (cluster %s) %s%s%s%s: %s\n",
		       json_str(e, "at") ? json_str(e, "at") : "?", age,
		       json_str(e, "address") ? json_str(e, "address") : "?",
		       json_str(e, "cluster") ? json_str(e, "cluster") : "?",
		       color ? (up ? "\033[32m" : "\033[1;31m") : "",
		       state != NULL ? state : "?", color ? "\033[0m" : "",
		       first != NULL && first->b ? " (first check)" : "",
		       json_str(e, "reason") ? json_str(e, "reason") : "");
	}
}

static int dnsdctl_status(const char *server)
{
	char *body = dnsdctl_get(server, "/status");
	struct json_parser jp = {.p = body};
	struct json doc;
	if (json_value(&jp, &doc) != 0)
		dnsdctl_die("%s/status: bad JSON at byte %zu: %s", server,
		            (size_t)(jp.p - body), jp.err ? jp.err : "?");
	const struct json *records = json_get(&doc, "records");
	const struct json *clusters = json_get(&doc, "clusters");
	if (records == NULL || clusters == NULL)
		dnsdctl_die("%s/status: not a dnsd status document", server);
	time_t now = dnsdctl_parse_time(json_str(&doc, "now"));
	if (now == (time_t)-1)
		now = time(NULL);
	bool color = isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL;

	struct dnsdctl_table t = {0};
	size_t nc = json_len(clusters, JSON_ARR);
	bool *used = calloc(nc + 1, sizeof(*used));
	if (used == NULL)
		dnsdctl_die("out of memory");
	for (size_t i = 0; i < json_len(records, JSON_ARR); i++) {
		const struct json *r = &records->items[i];
		const struct json *rc = json_get(r, "clusters");
		char label[300];
		snprintf(label, sizeof(label), "%s (%s)",
		         json_str(r, "name") ? json_str(r, "name") : "?",
		         json_str(r, "policy") ? json_str(r, "policy") : "?");
		for (size_t j = 0; j < json_len(rc, JSON_ARR); j++) {
			const char *cname = rc->items[j].str;
			const struct json *c =
			    cname ? dnsdctl_cluster(clusters, cname) : NULL;
			if (c == NULL)
				continue;
			used[c - clusters->items] = true;
			table_cluster(&t, j == 0 ? label : "", c, now);
		}
	}
	/* Clusters no record uses are still probed: show them too. */
	for (size_t i = 0; i < nc; i++)
		if (!used[i])
			table_cluster(&t, "-", &clusters->items[i], now);
	if (t.n == 0)
		printf("no clusters configured\n");
	else
		table_print(&t, color);
	dnsdctl_events(json_get(&doc, "events"), now, color);

	for (size_t r = 0; r < t.n; r++)
		for (int c = 0; c < COL_N; c++)
			free(t.cells[r][c]);
	free(t.cells);
	free(used);
	json_free(&doc);
	free(body);
	return 0;
}

static int dnsdctl_metrics(const char *server)
{
	char *body = dnsdctl_get(server, "/metrics");
	fputs(body, stdout);
	free(body);
	return 0;
}

/* ---------------------------------------------------------------------
 * control socket commands */

struct dnsdctl_cmd {
	const char *name;
	bool targets;  /* takes TARGET... */
	bool duration; /* takes --for and --reason */
	const char *help;
};

static const struct dnsdctl_cmd dnsdctl_cmds[] = {
    {"reload", false, false,
     "usage: dnsdctl reload\n"
     "Reload dnsd's INI file and every zone file, and wait for the result:\n"
     "prints \"reloaded\" and exits 0, or prints every error as\n"
     "PATH:LINE: message and exits 1 (dnsd keeps serving the previous\n"
     "configuration).\n"},
    {"drain", true, true,
     "usage: dnsdctl drain [--for DURATION] [--reason TEXT] TARGET...\n"
     "Answer as if the members were not configured: never answered (not\n"
     "even under all_down = serve), not counted for min_healthy; a name\n"
     "whose members of a family are all drained answers NODATA. They are\n"
     "still probed. TARGET is ADDRESS (every cluster holding it),\n"
     "CLUSTER/ADDRESS (one membership) or CLUSTER (its members). With\n"
     "--for (30s, 15m, 2h, 1d) the drain expires by itself. When the\n"
     "command returns, every answer follows it; an unknown target changes\n"
     "nothing and exits 1.\n"},
    {"force-up", true, true,
     "usage: dnsdctl force-up [--for DURATION] [--reason TEXT] TARGET...\n"
     "Count the members as healthy whatever their probes say. Targets and\n"
     "--for as for drain. The most specific override wins: CLUSTER/ADDRESS,\n"
     "then ADDRESS, then CLUSTER.\n"},
    {"resume", true, false,
     "usage: dnsdctl resume TARGET...\n"
     "Remove the override set on exactly this TARGET: answers follow the\n"
     "probes again (unless a less specific override still holds; dnsdctl\n"
     "says so). An override whose target a reload removed is resumed the\n"
     "same way.\n"},
    {"admin", false, false,
     "usage: dnsdctl admin\n"
     "List the overrides: target, state, since, until, members it matches\n"
     "(\"unmatched\" when a reload removed its target), reason.\n"},
};

static const struct dnsdctl_cmd *dnsdctl_find_cmd(const char *name)
{
	for (size_t i = 0; i < DNSD_ARRAY_LEN(dnsdctl_cmds); i++)
		if (strcmp(dnsdctl_cmds[i].name, name) == 0)
			return &dnsdctl_cmds[i];
	return NULL;
}

/* Each line of a response on its own line of stderr, "dnsdctl: " first. */
static void dnsdctl_print_errors(const char *body)
{
	const char *p = body;
	while (*p != '\0') {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		if (n > 0)
			fprintf(stderr, "dnsdctl: %.*s\n", (int)n, p);
		p += n + (nl != NULL);
	}
}

static void dnsdctl_admin_table(const char *body)
{
	if (body[0] == '\0') {
		printf("no overrides\n");
		return;
	}
	static const char *const head[] = {"TARGET", "STATE",   "SINCE",
	                                   "UNTIL",  "MEMBERS", "REASON"};
	enum { NCOL = 6 };
	size_t w[NCOL];
	for (int c = 0; c < NCOL; c++)
		w[c] = strlen(head[c]);
	/* Two passes over the tab-separated lines: widths, then rows. */
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1) {
			for (int c = 0; c < NCOL; c++)
				printf("%s%-*s", c ? "  " : "",
				       c == NCOL - 1 ? 0 : (int)w[c], head[c]);
			printf("\n");
		}
		for (const char *p = body; *p != '\0';) {
			const char *nl = strchr(p, '\n');
			const char *end = nl ? nl : p + strlen(p);
			const char *f = p;
			for (int c = 0; c < NCOL && f <= end; c++) {
				const char *tab =
				    memchr(f, '\t', (size_t)(end - f));
				const char *fe =
				    tab != NULL && c < NCOL - 1 ? tab : end;
				size_t n = (size_t)(fe - f);
				if (pass == 0 && n > w[c])
					w[c] = n;
				if (pass == 1)
					printf("%s%-*.*s", c ? "  " : "",
					       c == NCOL - 1 ? 0 : (int)w[c],
					       (int)n, f);
				f = fe + 1;
			}
			if (pass == 1)
				printf("\n");
			p = nl ? nl + 1 : end;
		}
	}
}

/* Run one socket command: parse its options, send, print. */
static int dnsdctl_socket_cmd(const char *sock, const struct dnsdctl_cmd *cmd,
                              int argc, char **argv)
{
	const char **lines = calloc((size_t)argc + 4, sizeof(*lines));
	char forbuf[48] = "", *reasonbuf = NULL;
	size_t n = 0;
	bool ended = false;
	if (lines == NULL)
		dnsdctl_die("out of memory");
	lines[n++] = cmd->name;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		const char *val = NULL;
		if (!ended &&
		    (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)) {
			fputs(cmd->help, stdout);
			free(lines);
			return 0;
		}
		if (!ended && strcmp(a, "--") == 0) {
			ended = true;
			continue;
		}
		bool is_for = !ended && strncmp(a, "--for", 5) == 0 &&
		              (a[5] == '\0' || a[5] == '=');
		bool is_reason = !ended && strncmp(a, "--reason", 8) == 0 &&
		                 (a[8] == '\0' || a[8] == '=');
		if ((is_for || is_reason) && cmd->duration) {
			const char *eq = strchr(a, '=');
			if (eq != NULL)
				val = eq + 1;
			else if (i + 1 < argc)
				val = argv[++i];
			else
				dnsdctl_die("%s needs a value", a);
			if (is_for) {
				uint64_t ms;
				if (config_parse_duration_ms(val, &ms) != 0 ||
				    ms == 0)
					dnsdctl_die("bad duration \"%s\" (want "
					            "a number with ms, s, m, h "
					            "or d: 30s, 15m, 2h)",
					            val);
				snprintf(forbuf, sizeof(forbuf), "for=%llu",
				         (unsigned long long)ms);
				lines[n++] = forbuf;
			} else {
				free(reasonbuf);
				reasonbuf = malloc(strlen(val) + 8);
				if (reasonbuf == NULL)
					dnsdctl_die("out of memory");
				sprintf(reasonbuf, "reason=%s", val);
				lines[n++] = reasonbuf;
			}
			continue;
		}
		if (!ended && a[0] == '-') {
			fprintf(stderr, "dnsdctl %s: unknown option %s\n%s",
			        cmd->name, a, cmd->help);
			exit(EXIT_USAGE);
		}
		if (!cmd->targets) {
			fprintf(stderr, "dnsdctl %s: takes no arguments\n%s",
			        cmd->name, cmd->help);
			exit(EXIT_USAGE);
		}
		char *t = malloc(strlen(a) + 8);
		if (t == NULL)
			dnsdctl_die("out of memory");
		sprintf(t, "target=%s", a);
		lines[n++] = t;
	}
	size_t targets = 0;
	for (size_t i = 1; i < n; i++)
		targets += strncmp(lines[i], "target=", 7) == 0;
	if (cmd->targets && targets == 0) {
		fprintf(stderr, "dnsdctl %s: no TARGET given\n%s", cmd->name,
		        cmd->help);
		exit(EXIT_USAGE);
	}
	bool ok = false;
	char *body = NULL;
	char err[512];
	int timeout = strcmp(cmd->name, "reload") == 0
	                  ? DNSDCTL_RELOAD_TIMEOUT_S
	                  : DNSDCTL_SOCKET_TIMEOUT_S;
	if (ctl_client_call(sock, lines, n, timeout, &ok, &body, err,
	                    sizeof(err)) != 0)
		dnsdctl_die("%s", err);
	if (!ok && strcmp(cmd->name, "reload") == 0)
		fputs(body, stderr); /* PATH:LINE: message, as dnsd -t */
	else if (!ok)
		dnsdctl_print_errors(body);
	else if (strcmp(cmd->name, "admin") == 0)
		dnsdctl_admin_table(body);
	else
		fputs(body, stdout);
	for (size_t i = 1; i < n; i++)
		if (lines[i] != forbuf && lines[i] != reasonbuf)
			free((char *)(uintptr_t)lines[i]);
	free(reasonbuf);
	free(lines);
	free(body);
	return ok ? 0 : EXIT_FAIL;
}

/* dnsd's `control` may be a wildcard: connect to loopback then. */
static char *dnsdctl_local(char *control)
{
	if (control == NULL)
		return NULL;
	const char *port = strrchr(control, ':');
	if (port != NULL && (strncmp(control, "0.0.0.0:", 8) == 0 ||
	                     strncmp(control, "[::]:", 5) == 0)) {
		char *s = malloc(strlen(port) + 16);
		if (s == NULL)
			dnsdctl_die("out of memory");
		sprintf(s, "%s%s", control[0] == '[' ? "[::1]" : "127.0.0.1",
		        port);
		free(control);
		return s;
	}
	return control;
}

int main(int argc, char **argv)
{
	const char *server = NULL, *sock = NULL, *ini = NULL;
	int opt;
	/* "+": options stop at the command, whose own come after it. */
	while ((opt = getopt(argc, argv, "+c:s:S:h")) != -1) {
		switch (opt) {
		case 'c':
			ini = optarg;
			break;
		case 's':
			server = optarg;
			break;
		case 'S':
			sock = optarg;
			break;
		case 'h':
			dnsdctl_usage(stdout);
			return 0;
		default:
			dnsdctl_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		dnsdctl_usage(stderr);
		return EXIT_USAGE;
	}
	const char *cmd = argv[optind];
	const struct dnsdctl_cmd *sc = dnsdctl_find_cmd(cmd);
	bool http = strcmp(cmd, "status") == 0 || strcmp(cmd, "metrics") == 0;
	if (sc == NULL && !http) {
		fprintf(stderr, "dnsdctl: unknown command %s\n", cmd);
		dnsdctl_usage(stderr);
		return EXIT_USAGE;
	}
	if (http && optind + 1 != argc) {
		if (strcmp(argv[optind + 1], "--help") == 0) {
			dnsdctl_usage(stdout);
			return 0;
		}
		dnsdctl_usage(stderr);
		return EXIT_USAGE;
	}
	char *ini_control = NULL, *ini_socket = NULL;
	if (ini != NULL) {
		char err[512];
		if (ctl_client_ini(ini, &ini_control, &ini_socket, err,
		                   sizeof(err)) != 0)
			dnsdctl_die("%s", err);
		ini_control = dnsdctl_local(ini_control);
	}
	int rc;
	if (http) {
		if (server == NULL)
			server = ini_control;
		if (server == NULL && ini != NULL)
			dnsdctl_die("%s has no `control` in [server]: dnsd has "
			            "no control endpoint to read",
			            ini);
		if (server == NULL)
			server = getenv("DNSD_CONTROL");
		if (server == NULL || server[0] == '\0')
			server = DNSDCTL_DEFAULT_SERVER;
		rc = strcmp(cmd, "status") == 0 ? dnsdctl_status(server)
		                                : dnsdctl_metrics(server);
	} else {
		if (sock == NULL)
			sock = ini_socket;
		if (sock == NULL && ini != NULL)
			dnsdctl_die("no control socket configured: %s has no "
			            "`control_socket` in [server]",
			            ini);
		if (sock == NULL)
			sock = CTL_DEFAULT_SOCKET;
		rc = dnsdctl_socket_cmd(sock, sc, argc - optind - 1,
		                        argv + optind + 1);
	}
	if (fflush(stdout) != 0)
		dnsdctl_die("cannot write the output: %s", strerror(errno));
	free(ini_control);
	free(ini_socket);
	return rc;
}
