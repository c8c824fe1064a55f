/* config.c - loads and checks the INI configuration (SPEC section 2). */
#include "conf/config.h"
#include "base/arena.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <math.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * How it works. inih splits "key = value" lines and we do the rest:
 *
 * - config_read_line() is the reader handed to ini_parse_stream(). It counts
 *   lines (Debian's inih gives the handler none), drops comments itself so
 *   the result does not depend on how the library was built, opens sections
 *   itself (inih does not tell the handler about a section without keys,
 *   and we need the header's line), strips leading blanks (an indented line
 *   would otherwise be glued to the previous key as an inih continuation)
 *   and hides ':' in the key part (inih would split "2001:db8::/32 = eu" at
 *   the first ':').
 * - config_handle() looks the key up in the section's key table and runs it.
 * - Cross references (clusters, checks, zones) are resolved once the whole
 *   file is read, so sections may come in any order.
 *
 * The key tables below are the single source of truth for names, types,
 * defaults and ranges: a default is applied by running the key's own parser
 * on its default text, so conf/dnsd.ini, the tests and the code cannot
 * disagree about what a default means.
 */

/* More keys than any section has; raise it when a table grows past it. */
#define CONFIG_KEYS_MAX 16
/* Stands in for ':' in a key while inih splits the line (see above). */
#define CONFIG_COLON '\x01'
/* Names of clusters and checks end up in metric labels and JSON: keep them
 * to a safe alphabet and a sane length. */
#define CONFIG_NAME_MAX 63

enum config_sect {
	SECT_NONE, /* before the first section header */
	SECT_SKIP, /* unknown or broken header: its keys are ignored */
	SECT_SERVER,
	SECT_ZONE,
	SECT_CHECK,
	SECT_CLUSTER,
	SECT_RECORD,
	SECT_NETWORKS,
};

/* An arena-backed growable array; old copies stay in the arena until it is
 * freed, which costs at most as much again and needs no cleanup. */
struct config_vec {
	void *items;
	size_t n;
	size_t cap;
};

/* Name (bytes) -> index, open addressing, in the arena. */
struct config_map_ent {
	const void *key;
	size_t len;
	size_t val;
};

struct config_map {
	struct config_map_ent *ents;
	size_t cap;
	size_t n;
};

/* What every section object carries while it is being read. */
struct config_obj {
	const char *label; /* "[cluster eu-west]", for messages */
	unsigned line;     /* of the section header, 0 = built in */
	bool ignored;      /* duplicate or bad name: not indexed */
	unsigned seen[CONFIG_KEYS_MAX]; /* line of each key's first use */
	bool bad[CONFIG_KEYS_MAX];      /* its value was rejected */
};

struct config_pserver {
	struct config_obj h;
	struct config_server pub;
	struct config_vec listen;  /* struct config_sockaddr */
	struct config_vec explain; /* struct config_prefix */
};

struct config_pzone {
	struct config_obj h;
	struct config_zone pub;
};

struct config_pcheck {
	struct config_obj h;
	struct config_check pub;
};

struct config_pcluster {
	struct config_obj h;
	struct config_cluster pub;
	struct config_vec members; /* struct config_member */
	const char *check_name;    /* NULL: default profile or none */
	bool check_none;
	size_t check_index;
};

struct config_precord {
	struct config_obj h;
	struct config_record pub;
	struct config_vec names; /* const char *, the clusters key */
};

struct config_pnetwork {
	struct config_network pub;
	const char *cluster_name; /* NULL for LAT, LON */
};

struct config_parser {
	struct config *cfg;
	struct arena *arena;
	struct diag *diag;
	const char *path;
	FILE *fp;
	bool read_ok; /* the whole file was read (errors or not) */
	char *buf;
	size_t bufcap;
	unsigned line;
	bool oom;

	enum config_sect kind;
	size_t cur; /* index of the current object in its vector */

	struct config_pserver *server;     /* NULL until [server] or the end */
	struct config_pserver *server_dup; /* a second [server], checked only */
	unsigned networks_line;
	struct config_vec zones;    /* struct config_pzone */
	struct config_vec checks;   /* struct config_pcheck, [0] = default */
	struct config_vec clusters; /* struct config_pcluster */
	struct config_vec records;  /* struct config_precord */
	struct config_vec networks; /* struct config_pnetwork */
	struct config_map zone_map, check_map, cluster_map, record_map;
	struct config_map network_map;
};

enum config_ktype {
	CK_UINT,     /* unsigned */
	CK_U16,      /* uint16_t */
	CK_U32,      /* uint32_t */
	CK_DURATION, /* unsigned milliseconds; min and max in ms */
	CK_BOOL,
	CK_STRING, /* const char *, copied into the arena */
	CK_PATH,   /* const char *, resolved against the INI's folder */
	CK_ENUM,   /* an int-sized enum, by name */
	CK_FUNC,   /* the key's own setter */
};

#define KEY_REPEAT   1u /* may be given more than once */
#define KEY_REQUIRED 2u /* error at the section line when missing */

struct config_enum {
	const char *name;
	int value;
};

/* A setter parses value into obj (the section's pending object) and returns
 * 0, or -1 with a reason in why ("must be ..."). */
typedef int (*config_setter)(struct config_parser *p, void *obj,
                             const char *value, char *why, size_t whylen);

struct config_key {
	const char *name;
	enum config_ktype type;
	unsigned flags;  /* KEY_* */
	size_t off;      /* of the field in the pending object */
	const char *def; /* default as written in the INI, NULL = none */
	unsigned long long min, max;
	const struct config_enum *enums;
	config_setter set;
};

struct config_sectdef {
	const char *name;
	enum config_sect kind;
	bool named;
	const struct config_key *keys;
	size_t nkeys;
};

/* ----------------------------------------------------------------------
 * Small helpers
 */

static void config_err(struct config_parser *p, unsigned line, const char *fmt,
                       ...) DNSD_PRINTF(3, 4);

static void config_err(struct config_parser *p, unsigned line, const char *fmt,
                       ...)
{
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_add(p->diag, p->path, line, "%s", msg);
}

static void *config_alloc(struct config_parser *p, size_t size)
{
	void *m = arena_alloc(p->arena, size);
	if (m == NULL)
		p->oom = true;
	return m;
}

static char *config_strdup(struct config_parser *p, const char *s)
{
	char *d = arena_strdup(p->arena, s);
	if (d == NULL)
		p->oom = true;
	return d;
}

/* A zeroed new element at the end of v, or NULL when out of memory. */
static void *config_vec_push(struct config_parser *p, struct config_vec *v,
                             size_t size)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 8;
		void *items = config_alloc(p, cap * size);
		if (items == NULL)
			return NULL;
		if (v->n > 0)
			memcpy(items, v->items, v->n * size);
		v->items = items;
		v->cap = cap;
	}
	void *e = (char *)v->items + v->n * size;
	memset(e, 0, size);
	v->n++;
	return e;
}

#define CONFIG_AT(vec, type, i) (&((type *)(vec).items)[i])

static size_t config_hash(const void *key, size_t len)
{
	/* FNV-1a, as dname_hash: keys are short. */
	const unsigned char *k = key;
	size_t h = 2166136261u;
	for (size_t i = 0; i < len; i++) {
		h ^= k[i];
		h *= 16777619u;
	}
	return h;
}

static struct config_map_ent *config_map_slot(struct config_map_ent *ents,
                                              size_t cap, const void *key,
                                              size_t len)
{
	size_t i = config_hash(key, len) & (cap - 1);
	while (ents[i].key != NULL &&
	       !(ents[i].len == len && memcmp(ents[i].key, key, len) == 0))
		i = (i + 1) & (cap - 1);
	return &ents[i];
}

static bool config_map_get(const struct config_map *m, const void *key,
                           size_t len, size_t *val)
{
	if (m->cap == 0)
		return false;
	struct config_map_ent *e = config_map_slot(m->ents, m->cap, key, len);
	if (e->key == NULL)
		return false;
	*val = e->val;
	return true;
}

/* Insert key -> val; the key bytes must outlive the map (arena). Returns 0,
 * or 1 with the existing value in *old when the key is already there. */
static int config_map_put(struct config_parser *p, struct config_map *m,
                          const void *key, size_t len, size_t val, size_t *old)
{
	if (config_map_get(m, key, len, old))
		return 1;
	if ((m->n + 1) * 2 > m->cap) {
		/* Half full at most keeps probe runs short. */
		size_t cap = m->cap ? m->cap * 2 : 16;
		struct config_map_ent *ents =
		    config_alloc(p, cap * sizeof(*ents));
		if (ents == NULL)
			return 0;
		for (size_t i = 0; i < m->cap; i++) {
			if (m->ents[i].key == NULL)
				continue;
			*config_map_slot(ents, cap, m->ents[i].key,
			                 m->ents[i].len) = m->ents[i];
		}
		m->ents = ents;
		m->cap = cap;
	}
	struct config_map_ent *e = config_map_slot(m->ents, m->cap, key, len);
	e->key = key;
	e->len = len;
	e->val = val;
	m->n++;
	return 0;
}

static bool config_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
	       c == '\f';
}

/* Trim s[0..len) in place; returns the start, *len updated. */
static const char *config_trim(const char *s, size_t *len)
{
	size_t n = *len;
	while (n > 0 && config_is_space(*s)) {
		s++;
		n--;
	}
	while (n > 0 && config_is_space(s[n - 1]))
		n--;
	*len = n;
	return s;
}

/* Split a comma-separated list: calls fn on each trimmed item (a NUL
 * terminated copy). Empty items are reported as "an empty item". */
typedef int (*config_item_fn)(struct config_parser *p, void *obj,
                              const char *item, char *why, size_t whylen);

static int config_each_item(struct config_parser *p, void *obj,
                            const char *value, config_item_fn fn, char *why,
                            size_t whylen)
{
	const char *s = value;
	for (;;) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);
		const char *item = config_trim(s, &len);
		char buf[256];
		if (len == 0) {
			snprintf(why, whylen, "the list has an empty item");
			return -1;
		}
		if (len >= sizeof(buf)) {
			snprintf(why, whylen, "an item is too long");
			return -1;
		}
		memcpy(buf, item, len);
		buf[len] = '\0';
		if (fn(p, obj, buf, why, whylen) < 0)
			return -1;
		if (comma == NULL)
			return 0;
		s = comma + 1;
	}
}

/* Strict decimal: digits only, no sign, no blanks. */
static int config_parse_ull(const char *s, unsigned long long *out)
{
	unsigned long long v = 0;
	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		unsigned d = (unsigned)(*s - '0');
		if (v > (ULLONG_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* Milliseconds as an operator would write them: "5s", "500ms", "2m". */
static void config_fmt_ms(unsigned long long ms, char *buf, size_t len)
{
	if (ms >= 60000 && ms % 60000 == 0)
		snprintf(buf, len, "%llum", ms / 60000);
	else if (ms >= 1000 && ms % 1000 == 0)
		snprintf(buf, len, "%llus", ms / 1000);
	else
		snprintf(buf, len, "%llums", ms);
}

static bool config_name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > CONFIG_NAME_MAX)
		return false;
	for (; *s != '\0'; s++) {
		char c = *s;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		      c == '.'))
			return false;
	}
	return true;
}

static int config_parse_location(const char *s, double *lat, double *lon,
                                 char *why, size_t whylen)
{
	const char *comma = strchr(s, ',');
	if (comma == NULL || strchr(comma + 1, ',') != NULL) {
		snprintf(why, whylen, "must be LAT, LON in decimal degrees");
		return -1;
	}
	char a[64], b[64];
	size_t la = (size_t)(comma - s), lb = strlen(comma + 1);
	const char *sa = config_trim(s, &la);
	const char *sb = config_trim(comma + 1, &lb);
	if (la == 0 || lb == 0 || la >= sizeof(a) || lb >= sizeof(b)) {
		snprintf(why, whylen, "must be LAT, LON in decimal degrees");
		return -1;
	}
	memcpy(a, sa, la);
	a[la] = '\0';
	memcpy(b, sb, lb);
	b[lb] = '\0';
	char *end;
	double x = strtod(a, &end);
	if (*end != '\0' || !isfinite(x)) {
		snprintf(why, whylen, "latitude \"%s\" is not a number", a);
		return -1;
	}
	double y = strtod(b, &end);
	if (*end != '\0' || !isfinite(y)) {
		snprintf(why, whylen, "longitude \"%s\" is not a number", b);
		return -1;
	}
	if (x < -90.0 || x > 90.0) {
		snprintf(why, whylen, "latitude must be from -90 to 90");
		return -1;
	}
	if (y < -180.0 || y > 180.0) {
		snprintf(why, whylen, "longitude must be from -180 to 180");
		return -1;
	}
	*lat = x;
	*lon = y;
	return 0;
}

/* A relative path is taken from the INI file's folder, as NSD and Knot do,
 * so that "dnsd -c /etc/dnsd/dnsd.ini" works from any working directory. */
static const char *config_resolve(struct config_parser *p, const char *path)
{
	const char *dir = p->cfg->dir;
	if (path[0] == '/' || strcmp(dir, ".") == 0)
		return config_strdup(p, path);
	size_t dl = strlen(dir), pl = strlen(path);
	char *r = config_alloc(p, dl + 1 + pl + 1);
	if (r == NULL)
		return NULL;
	memcpy(r, dir, dl);
	r[dl] = '/';
	memcpy(r + dl + 1, path, pl + 1);
	return r;
}

/* ----------------------------------------------------------------------
 * Public value parsers
 */

int config_parse_duration(const char *s, unsigned *ms)
{
	const char *p = s;
	unsigned long long v = 0;
	if (*p < '0' || *p > '9')
		return -1;
	while (*p >= '0' && *p <= '9') {
		v = v * 10 + (unsigned long long)(*p - '0');
		if (v > UINT_MAX)
			return -1;
		p++;
	}
	unsigned long long mult;
	if (*p == '\0' || strcmp(p, "s") == 0)
		mult = 1000;
	else if (strcmp(p, "ms") == 0)
		mult = 1;
	else if (strcmp(p, "m") == 0)
		mult = 60000;
	else
		return -1;
	if (v * mult > UINT_MAX)
		return -1;
	*ms = (unsigned)(v * mult);
	return 0;
}

int config_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};
	for (size_t i = 0; i < DNSD_ARRAY_LEN(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

int config_parse_sockaddr(const char *s, uint16_t default_port,
                          struct config_sockaddr *out)
{
	char host[64];
	const char *port = NULL;
	size_t hlen;
	bool v6only = false;

	memset(out, 0, sizeof(*out));
	if (*s == '\0' || strlen(s) >= sizeof(out->text))
		return -1;
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');
		if (rb == NULL)
			return -1;
		hlen = (size_t)(rb - s - 1);
		memcpy(host, s + 1, hlen);
		if (rb[1] == ':')
			port = rb + 2;
		else if (rb[1] != '\0')
			return -1;
		v6only = true;
	} else {
		const char *c = strchr(s, ':');
		if (c != NULL && strchr(c + 1, ':') == NULL) {
			hlen = (size_t)(c - s);
			port = c + 1;
		} else {
			/* No colon, or a bare IPv6 address without port. */
			hlen = strlen(s);
		}
		memcpy(host, s, hlen);
	}
	host[hlen] = '\0';

	unsigned long long pn = default_port;
	if (port != NULL) {
		if (config_parse_ull(port, &pn) < 0 || pn == 0 || pn > 65535)
			return -1;
	} else if (default_port == 0) {
		return -1;
	}

	struct sockaddr_in *sin = (struct sockaddr_in *)&out->ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&out->ss;
	if (!v6only && inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)pn);
		out->len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)pn);
		out->len = sizeof(*sin6);
	} else {
		memset(out, 0, sizeof(*out));
		return -1;
	}
	snprintf(out->text, sizeof(out->text), "%s", s);
	return 0;
}

/* As config_parse_prefix, but says why: -1 syntax, -2 host bits set. */
static int config_prefix_parse(const char *s, struct config_prefix *out)
{
	char host[64];
	const char *slash = strchr(s, '/');
	size_t hlen = slash ? (size_t)(slash - s) : strlen(s);
	memset(out, 0, sizeof(*out));
	if (hlen == 0 || hlen >= sizeof(host))
		return -1;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	unsigned maxlen;
	if (inet_pton(AF_INET, host, out->addr) == 1) {
		out->family = AF_INET;
		maxlen = 32;
	} else if (inet_pton(AF_INET6, host, out->addr) == 1) {
		out->family = AF_INET6;
		maxlen = 128;
	} else {
		return -1;
	}
	unsigned long long len = maxlen;
	if (slash != NULL &&
	    (config_parse_ull(slash + 1, &len) < 0 || len > maxlen)) {
		memset(out, 0, sizeof(*out));
		return -1;
	}
	out->prefix = (unsigned)len;
	/* Host bits set usually mean a typo ("10.1.0.0/8" for /16), so we
	 * refuse rather than silently widen the network. */
	for (unsigned bit = out->prefix; bit < maxlen; bit++) {
		if (out->addr[bit / 8] & (0x80u >> (bit % 8))) {
			memset(out, 0, sizeof(*out));
			return -2;
		}
	}
	return 0;
}

int config_parse_prefix(const char *s, struct config_prefix *out)
{
	return config_prefix_parse(s, out) == 0 ? 0 : -1;
}

bool config_prefix_match(const struct config_prefix *p, int family,
                         const uint8_t *addr)
{
	if (p->family != family)
		return false;
	unsigned full = p->prefix / 8, rest = p->prefix % 8;
	if (memcmp(p->addr, addr, full) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xFFu << (8 - rest));
	return (addr[full] & mask) == p->addr[full];
}

bool config_check_expects(const struct config_check *c, unsigned status)
{
	if (status >= 64 * DNSD_ARRAY_LEN(c->expect))
		return false;
	return (c->expect[status / 64] >> (status % 64)) & 1u;
}

/* ----------------------------------------------------------------------
 * Setters for keys that are not a plain type
 */

static bool config_same_sockaddr(const struct config_sockaddr *a,
                                 const struct config_sockaddr *b)
{
	return a->len == b->len && memcmp(&a->ss, &b->ss, a->len) == 0;
}

static int config_listen_item(struct config_parser *p, void *obj,
                              const char *item, char *why, size_t whylen)
{
	struct config_pserver *s = obj;
	struct config_sockaddr sa;
	if (config_parse_sockaddr(item, 53, &sa) < 0) {
		snprintf(why, whylen,
		         "\"%s\" is not an address like 192.0.2.1:53 or "
		         "[2001:db8::1]:53",
		         item);
		return -1;
	}
	sa.line = p->line;
	for (size_t i = 0; i < s->listen.n; i++) {
		const struct config_sockaddr *o =
		    CONFIG_AT(s->listen, struct config_sockaddr, i);
		if (config_same_sockaddr(o, &sa)) {
			snprintf(why, whylen, "%s is listed twice", item);
			return -1;
		}
	}
	struct config_sockaddr *e = config_vec_push(p, &s->listen, sizeof(*e));
	if (e != NULL)
		*e = sa;
	return 0;
}

static int config_set_listen(struct config_parser *p, void *obj,
                             const char *value, char *why, size_t whylen)
{
	return config_each_item(p, obj, value, config_listen_item, why, whylen);
}

static int config_set_control(struct config_parser *p, void *obj,
                              const char *value, char *why, size_t whylen)
{
	struct config_pserver *s = obj;
	if (config_parse_sockaddr(value, 0, &s->pub.control) < 0) {
		snprintf(why, whylen,
		         "must be HOST:PORT like 127.0.0.1:8053 or [::1]:8053");
		return -1;
	}
	s->pub.control.line = p->line;
	s->pub.has_control = true;
	return 0;
}

static int config_set_log_level(struct config_parser *p, void *obj,
                                const char *value, char *why, size_t whylen)
{
	struct config_pserver *s = obj;
	(void)p;
	if (log_level_parse(value, &s->pub.log_level) < 0) {
		snprintf(why, whylen, "must be error, warn, info or debug");
		return -1;
	}
	return 0;
}

static int config_explain_item(struct config_parser *p, void *obj,
                               const char *item, char *why, size_t whylen)
{
	struct config_pserver *s = obj;
	struct config_prefix pfx;
	int r = config_prefix_parse(item, &pfx);
	if (r == -2) {
		snprintf(why, whylen, "%s has bits set beyond the prefix",
		         item);
		return -1;
	}
	if (r < 0) {
		snprintf(why, whylen,
		         "\"%s\" is not a network like 192.0.2.0/24", item);
		return -1;
	}
	struct config_prefix *e = config_vec_push(p, &s->explain, sizeof(*e));
	if (e != NULL)
		*e = pfx;
	return 0;
}

static int config_set_explain(struct config_parser *p, void *obj,
                              const char *value, char *why, size_t whylen)
{
	struct config_pserver *s = obj;
	s->explain.n = 0;
	if (strcasecmp(value, "none") == 0)
		return 0;
	return config_each_item(p, obj, value, config_explain_item, why,
	                        whylen);
}

static int config_set_check_path(struct config_parser *p, void *obj,
                                 const char *value, char *why, size_t whylen)
{
	struct config_pcheck *c = obj;
	if (value[0] != '/') {
		snprintf(why, whylen, "must start with \"/\"");
		return -1;
	}
	for (const char *s = value; *s != '\0'; s++) {
		if ((unsigned char)*s <= ' ' || *s == 0x7f) {
			snprintf(why, whylen,
			         "must not hold blanks or control characters");
			return -1;
		}
	}
	c->pub.path = config_strdup(p, value);
	return 0;
}

static int config_set_check_host(struct config_parser *p, void *obj,
                                 const char *value, char *why, size_t whylen)
{
	struct config_pcheck *c = obj;
	for (const char *s = value; *s != '\0'; s++) {
		if ((unsigned char)*s <= ' ' || *s == 0x7f) {
			snprintf(why, whylen,
			         "must not hold blanks or control characters");
			return -1;
		}
	}
	c->pub.host = config_strdup(p, value);
	return 0;
}

static int config_expect_item(struct config_parser *p, void *obj,
                              const char *item, char *why, size_t whylen)
{
	struct config_pcheck *c = obj;
	unsigned long long code;
	(void)p;
	/* RFC 9110 section 15: status codes are 100..599, classes 1xx..5xx. */
	if (strlen(item) == 3 && item[0] >= '1' && item[0] <= '5' &&
	    (item[1] == 'x' || item[1] == 'X') &&
	    (item[2] == 'x' || item[2] == 'X')) {
		unsigned base = (unsigned)(item[0] - '0') * 100;
		for (unsigned s = base; s < base + 100; s++)
			c->pub.expect[s / 64] |= (uint64_t)1 << (s % 64);
		return 0;
	}
	if (config_parse_ull(item, &code) < 0 || code < 100 || code > 599) {
		snprintf(why, whylen,
		         "\"%s\" is not an HTTP status (100-599) or a class "
		         "like 2xx",
		         item);
		return -1;
	}
	c->pub.expect[code / 64] |= (uint64_t)1 << (code % 64);
	return 0;
}

static int config_set_expect(struct config_parser *p, void *obj,
                             const char *value, char *why, size_t whylen)
{
	struct config_pcheck *c = obj;
	memset(c->pub.expect, 0, sizeof(c->pub.expect));
	return config_each_item(p, obj, value, config_expect_item, why, whylen);
}

static int config_set_location(struct config_parser *p, void *obj,
                               const char *value, char *why, size_t whylen)
{
	struct config_pcluster *c = obj;
	(void)p;
	if (config_parse_location(value, &c->pub.lat, &c->pub.lon, why,
	                          whylen) < 0)
		return -1;
	c->pub.has_location = true;
	return 0;
}

/* The most a member can weigh: 1000 gives 0.1% steps, enough for any
 * traffic split, and keeps sums of weights far from overflow. */
#define CONFIG_WEIGHT_MAX 1000

static int config_set_member(struct config_parser *p, void *obj,
                             const char *value, char *why, size_t whylen)
{
	struct config_pcluster *c = obj;
	struct config_member m;
	char tok[128];
	const char *s = value;

	memset(&m, 0, sizeof(m));
	m.weight = 1;
	m.line = p->line;
	for (int n = 0;; n++) {
		while (config_is_space(*s))
			s++;
		if (*s == '\0')
			break;
		size_t len = 0;
		while (s[len] != '\0' && !config_is_space(s[len]))
			len++;
		if (len >= sizeof(tok)) {
			snprintf(why, whylen, "a word is too long");
			return -1;
		}
		memcpy(tok, s, len);
		tok[len] = '\0';
		s += len;
		if (n == 0) {
			char *a = tok;
			size_t al = len;
			if (a[0] == '[' && al > 2 && a[al - 1] == ']') {
				a[al - 1] = '\0';
				a++;
			}
			if (inet_pton(AF_INET, a, m.addr) == 1) {
				m.family = AF_INET;
			} else if (inet_pton(AF_INET6, a, m.addr) == 1) {
				m.family = AF_INET6;
			} else {
				snprintf(why, whylen,
				         "\"%s\" is not an IPv4 or IPv6 "
				         "address",
				         tok);
				return -1;
			}
			inet_ntop(m.family, m.addr, m.text, sizeof(m.text));
		} else if (strncmp(tok, "weight=", 7) == 0) {
			unsigned long long w;
			if (config_parse_ull(tok + 7, &w) < 0 ||
			    w > CONFIG_WEIGHT_MAX) {
				snprintf(why, whylen,
				         "weight must be an integer from 0 "
				         "to %d",
				         CONFIG_WEIGHT_MAX);
				return -1;
			}
			m.weight = (unsigned)w;
		} else {
			snprintf(why, whylen,
			         "unknown option \"%s\" (expected weight=N)",
			         tok);
			return -1;
		}
	}
	for (size_t i = 0; i < c->members.n; i++) {
		const struct config_member *o =
		    CONFIG_AT(c->members, struct config_member, i);
		if (o->family == m.family &&
		    memcmp(o->addr, m.addr, sizeof(m.addr)) == 0) {
			snprintf(why, whylen,
			         "member %s is already in this cluster (line "
			         "%u)",
			         m.text, o->line);
			return -1;
		}
	}
	struct config_member *e = config_vec_push(p, &c->members, sizeof(*e));
	if (e != NULL)
		*e = m;
	return 0;
}

static int config_set_cluster_check(struct config_parser *p, void *obj,
                                    const char *value, char *why, size_t whylen)
{
	struct config_pcluster *c = obj;
	if (strcmp(value, "none") == 0) {
		c->check_none = true;
		return 0;
	}
	if (!config_name_ok(value)) {
		snprintf(why, whylen, "is not a valid check profile name");
		return -1;
	}
	c->check_name = config_strdup(p, value);
	return 0;
}

static int config_clusters_item(struct config_parser *p, void *obj,
                                const char *item, char *why, size_t whylen)
{
	struct config_precord *r = obj;
	if (!config_name_ok(item)) {
		snprintf(why, whylen, "\"%s\" is not a valid cluster name",
		         item);
		return -1;
	}
	if (r->names.n >= CONFIG_RECORD_MAX_CLUSTERS) {
		snprintf(why, whylen, "at most %d clusters in one record",
		         CONFIG_RECORD_MAX_CLUSTERS);
		return -1;
	}
	for (size_t i = 0; i < r->names.n; i++) {
		if (strcmp(*CONFIG_AT(r->names, const char *, i), item) == 0) {
			snprintf(why, whylen, "cluster \"%s\" is listed twice",
			         item);
			return -1;
		}
	}
	const char **e = config_vec_push(p, &r->names, sizeof(*e));
	if (e != NULL)
		*e = config_strdup(p, item);
	return 0;
}

static int config_set_clusters(struct config_parser *p, void *obj,
                               const char *value, char *why, size_t whylen)
{
	return config_each_item(p, obj, value, config_clusters_item, why,
	                        whylen);
}

/* ----------------------------------------------------------------------
 * Key tables: one row per key. Adding a key = a row here, a field in
 * config.h, a paragraph in conf/dnsd.ini and a test.
 */

/* One macro per row type keeps each row on one line. */
#define K_UINT(n, off, def, lo, hi)                                            \
	{                                                                      \
		n, CK_UINT, 0, off, def, lo, hi, 0, 0                          \
	}
#define K_U16(n, off, def, lo, hi)                                             \
	{                                                                      \
		n, CK_U16, 0, off, def, lo, hi, 0, 0                           \
	}
#define K_U32(n, off, def, lo, hi)                                             \
	{                                                                      \
		n, CK_U32, 0, off, def, lo, hi, 0, 0                           \
	}
#define K_DUR(n, off, def, lo, hi)                                             \
	{                                                                      \
		n, CK_DURATION, 0, off, def, lo, hi, 0, 0                      \
	}
#define K_BOOL(n, off, def)                                                    \
	{                                                                      \
		n, CK_BOOL, 0, off, def, 0, 0, 0, 0                            \
	}
#define K_STR(n, off)                                                          \
	{                                                                      \
		n, CK_STRING, 0, off, 0, 0, 0, 0, 0                            \
	}
#define K_PATH(n, off, fl)                                                     \
	{                                                                      \
		n, CK_PATH, fl, off, 0, 0, 0, 0, 0                             \
	}
#define K_ENUM(n, off, def, e)                                                 \
	{                                                                      \
		n, CK_ENUM, 0, off, def, 0, 0, e, 0                            \
	}
#define K_FUNC(n, set, def, fl)                                                \
	{                                                                      \
		n, CK_FUNC, fl, 0, def, 0, 0, 0, set                           \
	}

#define SRV(f) offsetof(struct config_pserver, pub.f)
#define ZON(f) offsetof(struct config_pzone, pub.f)
#define CHK(f) offsetof(struct config_pcheck, pub.f)
#define CLU(f) offsetof(struct config_pcluster, pub.f)
#define REC(f) offsetof(struct config_precord, pub.f)

/* clang-format off */
static const struct config_key config_server_keys[] = {
	K_FUNC("listen", config_set_listen, "0.0.0.0:53, [::]:53", KEY_REPEAT),
	/* More UDP workers than this is a typo, not a machine. */
	K_UINT("threads", SRV(threads), "0", 0, 1024),
	/* RFC 6891 section 6.2.5: below 512 is treated as 512; 4096 is the
	 * usual ceiling; 1232 avoids IP fragmentation (DNS flag day 2020). */
	K_UINT("udp_payload", SRV(udp_payload), "1232", 512, 4096),
	/* 100ms..1h: shorter cuts slow clients off mid-query, longer only
	 * holds file descriptors. */
	K_DUR("tcp_idle_timeout", SRV(tcp_idle_timeout_ms), "10s", 100,
	      3600000),
	K_UINT("tcp_max_clients", SRV(tcp_max_clients), "1024", 1, 1000000),
	K_BOOL("ecs", SRV(ecs), "yes"),
	K_PATH("geoip", SRV(geoip), 0),
	K_FUNC("control", config_set_control, NULL, 0),
	K_STR("user", SRV(user)),
	K_FUNC("log_level", config_set_log_level, "info", 0),
	K_UINT("rrl", SRV(rrl), "0", 0, 1000000),
	/* Knot DNS allows 0..100 for its slip too. */
	K_UINT("rrl_slip", SRV(rrl_slip), "2", 0, 100),
	K_FUNC("explain", config_set_explain, "127.0.0.0/8, ::1/128", 0),
};

static const struct config_key config_zone_keys[] = {
	K_PATH("file", ZON(file), KEY_REQUIRED),
};

static const struct config_enum config_check_types[] = {
	{"http", CHECK_HTTP},
	{"https", CHECK_HTTPS},
	{"tcp", CHECK_TCP},
	{NULL, 0},
};

static const struct config_key config_check_keys[] = {
	K_ENUM("type", CHK(type), "http", config_check_types),
	/* No default text: 80 or 443 by type, set once the file is read. */
	K_U16("port", CHK(port), NULL, 1, 65535),
	K_FUNC("path", config_set_check_path, "/health", 0),
	K_FUNC("host", config_set_check_host, NULL, 0),
	K_FUNC("expect", config_set_expect, "200", 0),
	K_STR("body", CHK(body)),
	/* 100ms..1h: faster probing loads the backends for no gain in
	 * detection; slower is no longer a health check. */
	K_DUR("interval", CHK(interval_ms), "5s", 100, 3600000),
	K_DUR("timeout", CHK(timeout_ms), "2s", 10, 3600000),
	/* 100 consecutive results is minutes to hours: a typo beyond. */
	K_UINT("rise", CHK(rise), "2", 1, 100),
	K_UINT("fall", CHK(fall), "3", 1, 100),
	K_BOOL("verify_tls", CHK(verify_tls), "yes"),
	K_PATH("ca_file", CHK(ca_file), 0),
};

static const struct config_key config_cluster_keys[] = {
	K_FUNC("location", config_set_location, NULL, 0),
	K_FUNC("member", config_set_member, NULL, KEY_REPEAT | KEY_REQUIRED),
	K_FUNC("check", config_set_cluster_check, NULL, 0),
	K_UINT("min_healthy", CLU(min_healthy), "1", 1, 65535),
};

static const struct config_enum config_policies[] = {
	{"geo", LB_POLICY_GEO},
	{"weighted", LB_POLICY_WEIGHTED},
	{"failover", LB_POLICY_FAILOVER},
	{NULL, 0},
};

static const struct config_enum config_all_downs[] = {
	{"serve", LB_ALL_DOWN_SERVE},
	{"nodata", LB_ALL_DOWN_NODATA},
	{"servfail", LB_ALL_DOWN_SERVFAIL},
	{NULL, 0},
};

static const struct config_key config_record_keys[] = {
	K_ENUM("policy", REC(policy), "geo", config_policies),
	K_FUNC("clusters", config_set_clusters, NULL, KEY_REQUIRED),
	/* RFC 2181 section 8: a TTL is at most 2^31 - 1. */
	K_U32("ttl", REC(ttl), "30", 0, 2147483647),
	/* 64 addresses already overflow a 1232-byte UDP answer for AAAA. */
	K_UINT("answers", REC(answers), "1", 1, 64),
	K_ENUM("all_down", REC(all_down), "serve", config_all_downs),
};
/* clang-format on */

static const struct config_sectdef config_sections[] = {
    {"server", SECT_SERVER, false, config_server_keys,
     DNSD_ARRAY_LEN(config_server_keys)},
    {"zone", SECT_ZONE, true, config_zone_keys,
     DNSD_ARRAY_LEN(config_zone_keys)},
    {"check", SECT_CHECK, true, config_check_keys,
     DNSD_ARRAY_LEN(config_check_keys)},
    {"cluster", SECT_CLUSTER, true, config_cluster_keys,
     DNSD_ARRAY_LEN(config_cluster_keys)},
    {"record", SECT_RECORD, true, config_record_keys,
     DNSD_ARRAY_LEN(config_record_keys)},
    {"networks", SECT_NETWORKS, false, NULL, 0},
};

_Static_assert(DNSD_ARRAY_LEN(config_server_keys) <= CONFIG_KEYS_MAX,
               "raise CONFIG_KEYS_MAX");
_Static_assert(DNSD_ARRAY_LEN(config_check_keys) <= CONFIG_KEYS_MAX,
               "raise CONFIG_KEYS_MAX");
_Static_assert(sizeof(enum check_type) == sizeof(int) &&
                   sizeof(enum lb_policy) == sizeof(int) &&
                   sizeof(enum lb_all_down) == sizeof(int),
               "CK_ENUM stores an int");

static const struct config_sectdef *config_sectdef(enum config_sect kind)
{
	for (size_t i = 0; i < DNSD_ARRAY_LEN(config_sections); i++)
		if (config_sections[i].kind == kind)
			return &config_sections[i];
	return NULL;
}

/* ----------------------------------------------------------------------
 * Running a key
 */

static int config_apply(struct config_parser *p, const struct config_key *k,
                        void *obj, const char *value, char *why, size_t whylen)
{
	void *field = (char *)obj + k->off;
	unsigned long long v;
	char lo[32], hi[32];

	switch (k->type) {
	case CK_UINT:
	case CK_U16:
	case CK_U32:
		if (config_parse_ull(value, &v) < 0 || v < k->min ||
		    v > k->max) {
			snprintf(why, whylen,
			         "must be an integer from %llu to %llu", k->min,
			         k->max);
			return -1;
		}
		if (k->type == CK_UINT)
			*(unsigned *)field = (unsigned)v;
		else if (k->type == CK_U16)
			*(uint16_t *)field = (uint16_t)v;
		else
			*(uint32_t *)field = (uint32_t)v;
		return 0;
	case CK_DURATION: {
		unsigned ms;
		if (config_parse_duration(value, &ms) < 0 || ms < k->min ||
		    ms > k->max) {
			config_fmt_ms(k->min, lo, sizeof(lo));
			config_fmt_ms(k->max, hi, sizeof(hi));
			snprintf(why, whylen,
			         "must be a duration from %s to %s (like "
			         "500ms, 2s, 1m)",
			         lo, hi);
			return -1;
		}
		*(unsigned *)field = ms;
		return 0;
	}
	case CK_BOOL:
		if (config_parse_bool(value, (bool *)field) < 0) {
			snprintf(why, whylen, "must be yes or no");
			return -1;
		}
		return 0;
	case CK_STRING:
		*(const char **)field = config_strdup(p, value);
		return 0;
	case CK_PATH:
		*(const char **)field = config_resolve(p, value);
		return 0;
	case CK_ENUM: {
		size_t o = 0;
		for (const struct config_enum *e = k->enums; e->name; e++) {
			if (strcmp(e->name, value) == 0) {
				*(int *)field = e->value;
				return 0;
			}
		}
		o += (size_t)snprintf(why, whylen, "must be one of");
		for (const struct config_enum *e = k->enums; e->name; e++) {
			if (o < whylen)
				o += (size_t)snprintf(
				    why + o, whylen - o, "%s %s",
				    e == k->enums ? "" : ",", e->name);
		}
		return -1;
	}
	case CK_FUNC:
		return k->set(p, obj, value, why, whylen);
	}
	snprintf(why, whylen, "unknown key type");
	return -1;
}

/* Line where the section first set key name, or 0. */
static unsigned config_seen(enum config_sect kind, const struct config_obj *h,
                            const char *name)
{
	const struct config_sectdef *sd = config_sectdef(kind);
	for (size_t i = 0; i < sd->nkeys; i++)
		if (strcmp(sd->keys[i].name, name) == 0)
			return h->seen[i];
	return 0;
}

/* Fill every key the section did not set from its default text. */
static void config_apply_defaults(struct config_parser *p,
                                  const struct config_sectdef *sd, void *obj,
                                  const struct config_obj *h)
{
	for (size_t i = 0; i < sd->nkeys; i++) {
		const struct config_key *k = &sd->keys[i];
		char why[256];
		/* A rejected value falls back to the default too, so later
		 * checks (timeout < interval) do not pile on a second error. */
		if ((h->seen[i] != 0 && !h->bad[i]) || k->def == NULL)
			continue;
		unsigned saved = p->line;
		p->line = 0;
		if (config_apply(p, k, obj, k->def, why, sizeof(why)) < 0)
			config_err(p, h->line,
			           "bad built-in default for %s: %s", k->name,
			           why);
		p->line = saved;
	}
}

static void config_required(struct config_parser *p,
                            const struct config_sectdef *sd,
                            const struct config_obj *h)
{
	for (size_t i = 0; i < sd->nkeys; i++) {
		if ((sd->keys[i].flags & KEY_REQUIRED) && h->seen[i] == 0)
			config_err(p, h->line, "%s has no %s key", h->label,
			           sd->keys[i].name);
	}
}

/* ----------------------------------------------------------------------
 * Sections
 */

static struct config_obj *config_current(struct config_parser *p, void **obj)
{
	switch (p->kind) {
	case SECT_SERVER: {
		struct config_pserver *s =
		    p->server_dup ? p->server_dup : p->server;
		*obj = s;
		return &s->h;
	}
	case SECT_ZONE: {
		struct config_pzone *z =
		    CONFIG_AT(p->zones, struct config_pzone, p->cur);
		*obj = z;
		return &z->h;
	}
	case SECT_CHECK: {
		struct config_pcheck *c =
		    CONFIG_AT(p->checks, struct config_pcheck, p->cur);
		*obj = c;
		return &c->h;
	}
	case SECT_CLUSTER: {
		struct config_pcluster *c =
		    CONFIG_AT(p->clusters, struct config_pcluster, p->cur);
		*obj = c;
		return &c->h;
	}
	case SECT_RECORD: {
		struct config_precord *r =
		    CONFIG_AT(p->records, struct config_precord, p->cur);
		*obj = r;
		return &r->h;
	}
	default:
		*obj = NULL;
		return NULL;
	}
}

static struct config_pserver *config_new_server(struct config_parser *p)
{
	struct config_pserver *s = config_alloc(p, sizeof(*s));
	if (s != NULL)
		s->h.label = "[server]";
	return s;
}

static const char *config_label(struct config_parser *p, const char *type,
                                const char *name)
{
	size_t n = strlen(type) + strlen(name) + 4;
	char *l = config_alloc(p, n);
	if (l != NULL)
		snprintf(l, n, "[%s %s]", type, name);
	return l;
}

/* Start a named section object in vec; its header is filled in. */
static struct config_obj *config_new_named(struct config_parser *p,
                                           struct config_vec *vec, size_t size,
                                           size_t hoff, const char *type,
                                           const char *name)
{
	char *e = config_vec_push(p, vec, size);
	if (e == NULL)
		return NULL;
	struct config_obj *h = (struct config_obj *)(e + hoff);
	h->line = p->line;
	h->label = config_label(p, type, name);
	p->cur = vec->n - 1;
	return h;
}

static void config_dup_section(struct config_parser *p, const char *label,
                               unsigned first)
{
	if (first > 0)
		config_err(p, p->line,
		           "duplicate section %s (first at line %u)", label,
		           first);
	else
		config_err(p, p->line, "duplicate section %s", label);
}

static void config_open_zone(struct config_parser *p, const char *name)
{
	struct config_obj *h =
	    config_new_named(p, &p->zones, sizeof(struct config_pzone),
	                     offsetof(struct config_pzone, h), "zone", name);
	if (h == NULL)
		return;
	struct config_pzone *z =
	    CONFIG_AT(p->zones, struct config_pzone, p->cur);
	z->pub.name = config_strdup(p, name);
	z->pub.line = p->line;
	int n = dname_from_str(name, z->pub.dname);
	if (n < 0) {
		config_err(p, p->line, "invalid zone name \"%s\"", name);
		h->ignored = true;
		return;
	}
	z->pub.dname_len = (size_t)n;
	dname_tolower(z->pub.dname, z->pub.dname, z->pub.dname_len);
	size_t old;
	if (config_map_put(p, &p->zone_map, z->pub.dname, z->pub.dname_len,
	                   p->cur, &old) == 1) {
		config_dup_section(
		    p, h->label,
		    CONFIG_AT(p->zones, struct config_pzone, old)->h.line);
		h->ignored = true;
	}
}

static void config_open_check(struct config_parser *p, const char *name)
{
	size_t old;
	if (strcmp(name, "default") == 0) {
		/* [check default] changes the built-in profile, checks[0]. */
		struct config_pcheck *d =
		    CONFIG_AT(p->checks, struct config_pcheck, 0);
		if (d->h.line == 0) {
			d->h.line = p->line;
			d->h.label = config_label(p, "check", name);
			d->pub.line = p->line;
			p->cur = 0;
			return;
		}
	}
	struct config_obj *h =
	    config_new_named(p, &p->checks, sizeof(struct config_pcheck),
	                     offsetof(struct config_pcheck, h), "check", name);
	if (h == NULL)
		return;
	struct config_pcheck *c =
	    CONFIG_AT(p->checks, struct config_pcheck, p->cur);
	c->pub.name = config_strdup(p, name);
	c->pub.line = p->line;
	if (!config_name_ok(name) || strcmp(name, "none") == 0) {
		config_err(p, p->line,
		           "invalid check profile name \"%s\" (letters, "
		           "digits, '-', '_', '.'; not \"none\")",
		           name);
		h->ignored = true;
		return;
	}
	if (c->pub.name != NULL &&
	    config_map_put(p, &p->check_map, c->pub.name, strlen(name), p->cur,
	                   &old) == 1) {
		config_dup_section(
		    p, h->label,
		    CONFIG_AT(p->checks, struct config_pcheck, old)->h.line);
		h->ignored = true;
	}
}

static void config_open_cluster(struct config_parser *p, const char *name)
{
	size_t old;
	struct config_obj *h = config_new_named(
	    p, &p->clusters, sizeof(struct config_pcluster),
	    offsetof(struct config_pcluster, h), "cluster", name);
	if (h == NULL)
		return;
	struct config_pcluster *c =
	    CONFIG_AT(p->clusters, struct config_pcluster, p->cur);
	c->pub.name = config_strdup(p, name);
	c->pub.line = p->line;
	if (!config_name_ok(name)) {
		config_err(p, p->line,
		           "invalid cluster name \"%s\" (letters, digits, "
		           "'-', '_', '.')",
		           name);
		h->ignored = true;
		return;
	}
	if (c->pub.name != NULL &&
	    config_map_put(p, &p->cluster_map, c->pub.name, strlen(name),
	                   p->cur, &old) == 1) {
		config_dup_section(
		    p, h->label,
		    CONFIG_AT(p->clusters, struct config_pcluster, old)
		        ->h.line);
		h->ignored = true;
	}
}

static void config_open_record(struct config_parser *p, const char *name)
{
	size_t old;
	struct config_obj *h = config_new_named(
	    p, &p->records, sizeof(struct config_precord),
	    offsetof(struct config_precord, h), "record", name);
	if (h == NULL)
		return;
	struct config_precord *r =
	    CONFIG_AT(p->records, struct config_precord, p->cur);
	r->pub.name = config_strdup(p, name);
	r->pub.line = p->line;
	int n = dname_from_str(name, r->pub.dname);
	if (n < 0) {
		config_err(p, p->line, "invalid record name \"%s\"", name);
		h->ignored = true;
		return;
	}
	r->pub.dname_len = (size_t)n;
	dname_tolower(r->pub.dname, r->pub.dname, r->pub.dname_len);
	/* A wildcard owner would only ever match the literal "*" name:
	 * load-balanced answers are given at exact names (SPEC 3). */
	if (r->pub.dname[0] == 1 && r->pub.dname[1] == '*') {
		config_err(p, p->line,
		           "record name \"%s\" is a wildcard; load-balanced "
		           "names must be exact",
		           name);
		h->ignored = true;
		return;
	}
	if (config_map_put(p, &p->record_map, r->pub.dname, r->pub.dname_len,
	                   p->cur, &old) == 1) {
		config_dup_section(
		    p, h->label,
		    CONFIG_AT(p->records, struct config_precord, old)->h.line);
		h->ignored = true;
	}
}

/* A header line "[type name]" (comment already gone). */
static void config_open_section(struct config_parser *p, char *s)
{
	size_t len = strlen(s);
	p->kind = SECT_SKIP;
	if (s[len - 1] != ']') {
		config_err(p, p->line, "section header %s has no closing ']'",
		           s);
		return;
	}
	s[len - 1] = '\0';
	len -= 2;
	const char *in = config_trim(s + 1, &len);
	char *body = s + 1;
	memmove(body, in, len);
	body[len] = '\0';

	char *name = body;
	while (*name != '\0' && !config_is_space(*name))
		name++;
	if (*name != '\0') {
		*name++ = '\0';
		while (config_is_space(*name))
			name++;
	}

	const struct config_sectdef *sd = NULL;
	for (size_t i = 0; i < DNSD_ARRAY_LEN(config_sections); i++)
		if (strcmp(config_sections[i].name, body) == 0)
			sd = &config_sections[i];
	if (sd == NULL) {
		config_err(p, p->line, "unknown section [%s%s%s]", body,
		           *name ? " " : "", name);
		return;
	}
	if (sd->named && *name == '\0') {
		config_err(p, p->line, "section [%s] needs a name: [%s NAME]",
		           body, body);
		return;
	}
	if (!sd->named && *name != '\0') {
		config_err(p, p->line, "section [%s] takes no name", body);
		return;
	}

	p->kind = sd->kind;
	switch (sd->kind) {
	case SECT_SERVER:
		if (p->server != NULL) {
			config_dup_section(p, "[server]", p->server->h.line);
			/* Still check its keys, into an object nobody uses. */
			p->server_dup = config_new_server(p);
			if (p->server_dup == NULL)
				p->kind = SECT_SKIP;
			else
				p->server_dup->h.line = p->line;
			return;
		}
		p->server = config_new_server(p);
		if (p->server == NULL)
			p->kind = SECT_SKIP;
		else
			p->server->h.line = p->line;
		p->server_dup = NULL;
		return;
	case SECT_NETWORKS:
		if (p->networks_line != 0)
			config_dup_section(p, "[networks]", p->networks_line);
		else
			p->networks_line = p->line;
		return;
	case SECT_ZONE:
		config_open_zone(p, name);
		break;
	case SECT_CHECK:
		config_open_check(p, name);
		break;
	case SECT_CLUSTER:
		config_open_cluster(p, name);
		break;
	case SECT_RECORD:
		config_open_record(p, name);
		break;
	default:
		break;
	}
	if (p->oom)
		p->kind = SECT_SKIP;
}

/* ----------------------------------------------------------------------
 * [networks] lines: CIDR = CLUSTER or CIDR = LAT, LON
 */

static void config_network_line(struct config_parser *p, const char *cidr,
                                const char *value)
{
	struct config_pnetwork n;
	char why[256];

	memset(&n, 0, sizeof(n));
	n.pub.line = p->line;
	int r = config_prefix_parse(cidr, &n.pub.net);
	if (r == -2) {
		config_err(p, p->line,
		           "invalid network \"%s\" in [networks]: bits are "
		           "set beyond the prefix",
		           cidr);
		return;
	}
	if (r < 0) {
		config_err(p, p->line,
		           "invalid network \"%s\" in [networks]: expected a "
		           "CIDR like 192.0.2.0/24 or 2001:db8::/32",
		           cidr);
		return;
	}
	if (strchr(value, ',') != NULL) {
		if (config_parse_location(value, &n.pub.lat, &n.pub.lon, why,
		                          sizeof(why)) < 0) {
			config_err(p, p->line,
			           "invalid location \"%s\" for %s in "
			           "[networks]: %s",
			           value, cidr, why);
			return;
		}
	} else {
		if (!config_name_ok(value)) {
			config_err(p, p->line,
			           "invalid value \"%s\" for %s in [networks]: "
			           "expected a cluster name or LAT, LON",
			           value, cidr);
			return;
		}
		n.pub.is_cluster = true;
		n.cluster_name = config_strdup(p, value);
	}

	/* Key: family, prefix length, then the address bytes. */
	uint8_t *key = config_alloc(p, 18);
	if (key == NULL)
		return;
	key[0] = (uint8_t)n.pub.net.family;
	key[1] = (uint8_t)n.pub.net.prefix;
	memcpy(key + 2, n.pub.net.addr, 16);
	size_t old;
	if (config_map_put(p, &p->network_map, key, 18, p->networks.n, &old) ==
	    1) {
		config_err(p, p->line,
		           "duplicate network %s in [networks] (first at line "
		           "%u)",
		           cidr,
		           CONFIG_AT(p->networks, struct config_pnetwork, old)
		               ->pub.line);
		return;
	}
	struct config_pnetwork *e =
	    config_vec_push(p, &p->networks, sizeof(*e));
	if (e != NULL)
		*e = n;
}

/* ----------------------------------------------------------------------
 * inih glue
 */

static int config_handle(void *user, const char *section, const char *name,
                         const char *value)
{
	struct config_parser *p = user;
	char key[256];
	char why[320];
	(void)section; /* we track sections ourselves, with their lines */

	snprintf(key, sizeof(key), "%s", name);
	for (char *c = key; *c != '\0'; c++)
		if (*c == CONFIG_COLON)
			*c = ':';

	if (p->kind == SECT_SKIP)
		return 1;
	if (p->kind == SECT_NONE) {
		config_err(p, p->line, "key \"%s\" is outside any section",
		           key);
		return 1;
	}
	if (p->kind == SECT_NETWORKS) {
		if (*value == '\0')
			config_err(p, p->line,
			           "network %s in [networks] has no value",
			           key);
		else
			config_network_line(p, key, value);
		return 1;
	}

	const struct config_sectdef *sd = config_sectdef(p->kind);
	void *obj;
	struct config_obj *h = config_current(p, &obj);
	if (sd == NULL || h == NULL)
		return 1;
	size_t i;
	for (i = 0; i < sd->nkeys; i++)
		if (strcmp(sd->keys[i].name, key) == 0)
			break;
	if (i == sd->nkeys) {
		config_err(p, p->line, "unknown key \"%s\" in %s", key,
		           h->label);
		return 1;
	}
	const struct config_key *k = &sd->keys[i];
	if (h->seen[i] != 0 && !(k->flags & KEY_REPEAT)) {
		config_err(p, p->line,
		           "duplicate key \"%s\" in %s (first at line %u)", key,
		           h->label, h->seen[i]);
		return 1;
	}
	if (h->seen[i] == 0)
		h->seen[i] = p->line;
	if (*value == '\0') {
		h->bad[i] = true;
		config_err(p, p->line, "key \"%s\" in %s has no value", key,
		           h->label);
		return 1;
	}
	why[0] = '\0';
	if (config_apply(p, k, obj, value, why, sizeof(why)) < 0) {
		h->bad[i] = true;
		config_err(p, p->line, "invalid %s \"%s\" in %s: %s", key,
		           value, h->label, why);
	}
	return 1;
}

/* The reader handed to ini_parse_stream (fgets-like): returns the next line
 * that holds a key, cleaned up; handles everything else itself. */
static char *config_read_line(char *str, int num, void *stream)
{
	struct config_parser *p = stream;
	for (;;) {
		ssize_t n = getline(&p->buf, &p->bufcap, p->fp);
		if (n < 0)
			return NULL;
		p->line++;
		char *s = p->buf;
		if (memchr(s, '\0', (size_t)n) != NULL) {
			config_err(p, p->line, "line holds a NUL byte");
			continue;
		}
		/* A UTF-8 byte order mark, as editors on Windows write. */
		if (p->line == 1 && strncmp(s, "\xEF\xBB\xBF", 3) == 0)
			s += 3;
		while (config_is_space(*s))
			s++;
		if (*s == '\0' || *s == ';' || *s == '#')
			continue;
		/* " ;" starts a comment after a value (SPEC section 2). */
		for (char *c = s + 1; *c != '\0'; c++) {
			if (*c == ';' && (c[-1] == ' ' || c[-1] == '\t')) {
				*c = '\0';
				break;
			}
		}
		size_t len = strlen(s);
		while (len > 0 && config_is_space(s[len - 1]))
			s[--len] = '\0';
		if (*s == '[') {
			config_open_section(p, s);
			continue;
		}
		char *eq = strchr(s, '=');
		if (eq == NULL) {
			config_err(p, p->line,
			           "expected KEY = VALUE, got \"%s\"", s);
			continue;
		}
		char *kend = eq;
		while (kend > s && config_is_space(kend[-1]))
			kend--;
		if (kend == s) {
			config_err(p, p->line, "no key before '='");
			continue;
		}
		for (char *c = s; c < eq; c++)
			if (*c == ':')
				*c = CONFIG_COLON;
		/* inih needs room for "\n\0" and one more (ini.h). */
		if (num < 3 || len > (size_t)num - 3) {
			config_err(p, p->line,
			           "line is too long (at most %d characters); "
			           "split a list over repeated keys",
			           num - 3);
			continue;
		}
		memcpy(str, s, len);
		str[len] = '\n';
		str[len + 1] = '\0';
		return str;
	}
}

/* ----------------------------------------------------------------------
 * After the whole file: defaults, cross references, the final arrays
 */

static void config_finish_checks(struct config_parser *p)
{
	const struct config_sectdef *sd = config_sectdef(SECT_CHECK);
	for (size_t i = 0; i < p->checks.n; i++) {
		struct config_pcheck *c =
		    CONFIG_AT(p->checks, struct config_pcheck, i);
		config_apply_defaults(p, sd, c, &c->h);
		if (config_seen(SECT_CHECK, &c->h, "port") == 0)
			c->pub.port = c->pub.type == CHECK_HTTPS ? 443 : 80;
		if (c->pub.timeout_ms >= c->pub.interval_ms) {
			unsigned li =
			    config_seen(SECT_CHECK, &c->h, "interval");
			unsigned lt = config_seen(SECT_CHECK, &c->h, "timeout");
			unsigned line = li > lt ? li : lt;
			char t[32], iv[32];
			config_fmt_ms(c->pub.timeout_ms, t, sizeof(t));
			config_fmt_ms(c->pub.interval_ms, iv, sizeof(iv));
			config_err(p, line ? line : c->h.line,
			           "timeout %s must be less than interval %s "
			           "in %s",
			           t, iv, c->h.label);
		}
	}
}

static void config_finish_clusters(struct config_parser *p)
{
	const struct config_sectdef *sd = config_sectdef(SECT_CLUSTER);
	for (size_t i = 0; i < p->clusters.n; i++) {
		struct config_pcluster *c =
		    CONFIG_AT(p->clusters, struct config_pcluster, i);
		config_apply_defaults(p, sd, c, &c->h);
		config_required(p, sd, &c->h);
		c->pub.members = c->members.items;
		c->pub.nmembers = c->members.n;
		c->check_index = 0;
		if (c->check_name != NULL &&
		    !config_map_get(&p->check_map, c->check_name,
		                    strlen(c->check_name), &c->check_index)) {
			config_err(p, config_seen(SECT_CLUSTER, &c->h, "check"),
			           "unknown check profile \"%s\" in %s",
			           c->check_name, c->h.label);
		}
	}
}

static void config_finish_records(struct config_parser *p)
{
	const struct config_sectdef *sd = config_sectdef(SECT_RECORD);
	for (size_t i = 0; i < p->records.n; i++) {
		struct config_precord *r =
		    CONFIG_AT(p->records, struct config_precord, i);
		config_apply_defaults(p, sd, r, &r->h);
		config_required(p, sd, &r->h);
		unsigned cl_line = config_seen(SECT_RECORD, &r->h, "clusters");

		if (r->pub.dname_len > 0) {
			/* Longest zone first: walk the name's suffixes. */
			unsigned labels =
			    dname_labels(r->pub.dname, r->pub.dname_len);
			bool found = false;
			for (unsigned l = 0; l <= labels && !found; l++) {
				size_t off = dname_skip_labels(
				    r->pub.dname, r->pub.dname_len, l);
				found = config_map_get(
				    &p->zone_map, r->pub.dname + off,
				    r->pub.dname_len - off, &r->pub.zone);
			}
			if (!found)
				config_err(p, r->h.line,
				           "%s is not inside any configured "
				           "[zone]",
				           r->h.label);
		}

		r->pub.nclusters = r->names.n;
		r->pub.clusters =
		    config_alloc(p, (r->names.n + 1) * sizeof(size_t));
		if (r->pub.clusters == NULL)
			return;
		for (size_t j = 0; j < r->names.n; j++) {
			const char *name =
			    *CONFIG_AT(r->names, const char *, j);
			size_t ci;
			if (name == NULL)
				continue;
			if (!config_map_get(&p->cluster_map, name, strlen(name),
			                    &ci)) {
				config_err(p, cl_line,
				           "unknown cluster \"%s\" in %s", name,
				           r->h.label);
				continue;
			}
			r->pub.clusters[j] = ci;
			const struct config_pcluster *c =
			    CONFIG_AT(p->clusters, struct config_pcluster, ci);
			if (r->pub.policy == LB_POLICY_GEO &&
			    !c->pub.has_location)
				config_err(p, cl_line,
				           "cluster \"%s\" in %s has no "
				           "location, which policy geo needs",
				           name, r->h.label);
		}
	}
}

static void config_finish_networks(struct config_parser *p)
{
	for (size_t i = 0; i < p->networks.n; i++) {
		struct config_pnetwork *n =
		    CONFIG_AT(p->networks, struct config_pnetwork, i);
		if (!n->pub.is_cluster || n->cluster_name == NULL)
			continue;
		if (!config_map_get(&p->cluster_map, n->cluster_name,
		                    strlen(n->cluster_name), &n->pub.cluster))
			config_err(p, n->pub.line,
			           "unknown cluster \"%s\" in [networks]",
			           n->cluster_name);
	}
}

/* Copy the public part of each pending object into the final array. */
static void *config_collect(struct config_parser *p, const struct config_vec *v,
                            size_t size, size_t pub_off, size_t pub_size)
{
	char *out = config_alloc(p, (v->n + 1) * pub_size);
	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < v->n; i++)
		memcpy(out + i * pub_size,
		       (char *)v->items + i * size + pub_off, pub_size);
	return out;
}

static void config_finish(struct config_parser *p)
{
	struct config *cfg = p->cfg;

	if (p->server == NULL) {
		p->server = config_new_server(p);
		if (p->server == NULL)
			return;
	}
	struct config_pserver *s = p->server;
	config_apply_defaults(p, config_sectdef(SECT_SERVER), s, &s->h);
	s->pub.listen = s->listen.items;
	s->pub.nlisten = s->listen.n;
	s->pub.explain = s->explain.items;
	s->pub.nexplain = s->explain.n;
	s->pub.geoip_line = config_seen(SECT_SERVER, &s->h, "geoip");
	s->pub.user_line = config_seen(SECT_SERVER, &s->h, "user");
	cfg->server = s->pub;

	const struct config_sectdef *zd = config_sectdef(SECT_ZONE);
	for (size_t i = 0; i < p->zones.n; i++) {
		struct config_pzone *z =
		    CONFIG_AT(p->zones, struct config_pzone, i);
		config_required(p, zd, &z->h);
		z->pub.file_line = config_seen(SECT_ZONE, &z->h, "file");
		z->pub.ini = cfg->path;
	}

	config_finish_checks(p);
	config_finish_clusters(p);
	config_finish_records(p);
	config_finish_networks(p);
	if (p->oom)
		return;

	cfg->zones = config_collect(p, &p->zones, sizeof(struct config_pzone),
	                            offsetof(struct config_pzone, pub),
	                            sizeof(struct config_zone));
	cfg->nzones = p->zones.n;
	cfg->checks = config_collect(
	    p, &p->checks, sizeof(struct config_pcheck),
	    offsetof(struct config_pcheck, pub), sizeof(struct config_check));
	cfg->nchecks = p->checks.n;
	cfg->clusters =
	    config_collect(p, &p->clusters, sizeof(struct config_pcluster),
	                   offsetof(struct config_pcluster, pub),
	                   sizeof(struct config_cluster));
	cfg->nclusters = p->clusters.n;
	cfg->records = config_collect(
	    p, &p->records, sizeof(struct config_precord),
	    offsetof(struct config_precord, pub), sizeof(struct config_record));
	cfg->nrecords = p->records.n;
	cfg->networks =
	    config_collect(p, &p->networks, sizeof(struct config_pnetwork),
	                   offsetof(struct config_pnetwork, pub),
	                   sizeof(struct config_network));
	cfg->nnetworks = p->networks.n;
	if (p->oom)
		return;
	for (size_t i = 0; i < cfg->nclusters; i++) {
		const struct config_pcluster *c =
		    CONFIG_AT(p->clusters, struct config_pcluster, i);
		cfg->clusters[i].check =
		    c->check_none ? NULL : &cfg->checks[c->check_index];
	}
}

static const char *config_dirname(struct config_parser *p, const char *path)
{
	const char *slash = strrchr(path, '/');
	if (slash == NULL)
		return ".";
	if (slash == path)
		return "/";
	size_t n = (size_t)(slash - path);
	char *d = config_alloc(p, n + 1);
	if (d != NULL)
		memcpy(d, path, n);
	return d;
}

static int config_load_impl(const char *path, struct config **out,
                            struct diag *diag, bool keep_partial);

int config_load(const char *path, struct config **out, struct diag *diag)
{
	return config_load_impl(path, out, diag, false);
}

int config_load_partial(const char *path, struct config **out,
                        struct diag *diag)
{
	return config_load_impl(path, out, diag, true);
}

static int config_load_impl(const char *path, struct config **out,
                            struct diag *diag, bool keep_partial)
{
	struct config_parser p;
	size_t before = diag->count;
	int rc = -1;

	*out = NULL;
	memset(&p, 0, sizeof(p));
	p.diag = diag;
	p.path = path;
	p.arena = arena_new();
	if (p.arena == NULL) {
		diag_add(diag, path, 0, "out of memory");
		return -1;
	}
	p.cfg = config_alloc(&p, sizeof(*p.cfg));
	if (p.cfg == NULL)
		goto out;
	p.cfg->arena = p.arena;
	p.cfg->path = config_strdup(&p, path);
	p.cfg->dir = config_dirname(&p, path);
	if (p.oom)
		goto out;

	/* checks[0]: the built-in profile for clusters without a check key. */
	struct config_pcheck *d = config_vec_push(&p, &p.checks, sizeof(*d));
	size_t old;
	if (d == NULL)
		goto out;
	d->pub.name = "default";
	d->h.label = "[check default]";
	config_map_put(&p, &p.check_map, "default", 7, 0, &old);

	p.fp = fopen(path, "r");
	if (p.fp == NULL) {
		char eb[128];
		diag_add(diag, path, 0, "cannot open: %s",
		         strerror_r(errno, eb, sizeof(eb)));
		goto out;
	}
	int r = ini_parse_stream(config_read_line, &p, config_handle, &p);
	p.read_ok = !ferror(p.fp);
	if (ferror(p.fp))
		diag_add(diag, path, 0, "read error");
	else if (r > 0 && diag->count == before)
		/* Our reader should leave inih nothing to reject. */
		diag_add(diag, path, 0, "syntax error reported by inih");
	else if (r < 0)
		diag_add(diag, path, 0, "inih failed (%d)", r);
	config_finish(&p);
	if (p.oom)
		diag_add(diag, path, 0, "out of memory");
	if (diag->count == before)
		rc = 0;
out:
	if (p.fp != NULL)
		fclose(p.fp);
	free(p.buf);
	if (rc == 0 || (keep_partial && !p.oom && p.cfg != NULL &&
	                diag->count > before && p.read_ok)) {
		*out = p.cfg;
	} else {
		if (p.oom && diag->count == before)
			diag_add(diag, path, 0, "out of memory");
		arena_free(p.arena);
	}
	return rc;
}

void config_free(struct config *cfg)
{
	if (cfg != NULL)
		arena_free(cfg->arena);
}
