/* setters.c - the setters of keys that are not a plain type (lists,
 * addresses, members, references by name) and the [networks] lines: each
 * parses its value into the section's pending object. */
#include "conf/parser.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

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

int config_set_listen(struct config_parser *p, void *obj, const char *value,
                      char *why, size_t whylen)
{
	return config_each_item(p, obj, value, config_listen_item, why, whylen);
}

int config_set_control(struct config_parser *p, void *obj, const char *value,
                       char *why, size_t whylen)
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

int config_set_log_level(struct config_parser *p, void *obj, const char *value,
                         char *why, size_t whylen)
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

int config_set_explain(struct config_parser *p, void *obj, const char *value,
                       char *why, size_t whylen)
{
	struct config_pserver *s = obj;
	s->explain.n = 0;
	if (strcasecmp(value, "none") == 0)
		return 0;
	return config_each_item(p, obj, value, config_explain_item, why,
	                        whylen);
}

/* dnstap = unix:PATH | file:PATH | none (SPEC 10). PATH is resolved
 * against the INI file's folder like every other path. */
int config_set_dnstap(struct config_parser *p, void *obj, const char *value,
                      char *why, size_t whylen)
{
	struct config_pserver *s = obj;
	/* sockaddr_un's sun_path holds 108 bytes with the terminating NUL. */
	const size_t sun_max = sizeof(((struct sockaddr_un *)0)->sun_path) - 1;
	enum config_dnstap kind;
	const char *path;
	if (strcasecmp(value, "none") == 0) {
		s->pub.dnstap = CONFIG_DNSTAP_OFF;
		s->pub.dnstap_path = NULL;
		return 0;
	}
	if (strncmp(value, "unix:", 5) == 0) {
		kind = CONFIG_DNSTAP_UNIX;
		path = value + 5;
	} else if (strncmp(value, "file:", 5) == 0) {
		kind = CONFIG_DNSTAP_FILE;
		path = value + 5;
	} else {
		snprintf(why, whylen, "must be unix:PATH, file:PATH or none");
		return -1;
	}
	if (*path == '\0') {
		snprintf(why, whylen, "has no path after \"%.5s\"", value);
		return -1;
	}
	const char *full = config_resolve(p, path);
	if (full == NULL)
		return -1;
	if (kind == CONFIG_DNSTAP_UNIX && strlen(full) > sun_max) {
		snprintf(why, whylen,
		         "socket path is %zu bytes, longer than a unix "
		         "socket's %zu",
		         strlen(full), sun_max);
		return -1;
	}
	s->pub.dnstap = kind;
	s->pub.dnstap_path = full;
	return 0;
}

int config_set_check_path(struct config_parser *p, void *obj, const char *value,
                          char *why, size_t whylen)
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
		/* Bytes past ASCII have no one spelling in a request line,
		 * and a '#' starts a fragment, which is never sent: the
		 * backend would see another path than the one written. */
		if ((unsigned char)*s > 0x7f) {
			snprintf(why, whylen,
			         "must be ASCII (percent-encode other bytes, "
			         "like %%C3%%A9)");
			return -1;
		}
		if (*s == '#') {
			snprintf(why, whylen,
			         "must not hold '#' (a URL fragment is never "
			         "sent; write %%23 for the character)");
			return -1;
		}
	}
	c->pub.path = config_strdup(p, value);
	return 0;
}

int config_set_check_host(struct config_parser *p, void *obj, const char *value,
                          char *why, size_t whylen)
{
	struct config_pcheck *c = obj;
	struct config_host h;
	/* Only ever a Host header (and, for https, the TLS name while the
	 * connection is pinned to the member): a value like "x@127.0.0.1"
	 * or "127.0.0.1/" pasted into a URL would send the check elsewhere,
	 * so anything but a name or an address with a port is refused. */
	if (config_parse_host(value, &h, why, whylen) < 0)
		return -1;
	c->pub.host = config_strdup(p, value);
	return 0;
}

/* Why 1 MiB: the whole Mozilla bundle Debian ships is about 220 KB; a
 * file far larger is no CA bundle, and each https check hands curl a
 * copy. */
#define CONFIG_CA_MAX (1024 * 1024)

int config_set_ca_file(struct config_parser *p, void *obj, const char *value,
                       char *why, size_t whylen)
{
	struct config_pcheck *c = obj;
	const char *path = config_resolve(p, value);
	char eb[128];
	if (path == NULL) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	/* Read now, as the user that loads the file: checks run after the
	 * privilege drop, when a root-only file could no longer be read
	 * (and dnsd -t would have passed it). O_NONBLOCK: a FIFO named
	 * here must not hang the load; it is refused below. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, whylen, "cannot read %s: %s", path,
		         strerror_r(errno, eb, sizeof(eb)));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		snprintf(why, whylen, "%s is not a regular file", path);
		return -1;
	}
	if (st.st_size > CONFIG_CA_MAX) {
		close(fd);
		snprintf(why, whylen, "%s is larger than %d KiB", path,
		         CONFIG_CA_MAX / 1024);
		return -1;
	}
	/* One byte more than its size: a file that changed while being
	 * read shows as a short or long read, never as a cut bundle. */
	size_t size = (size_t)st.st_size, n = 0;
	char *pem = config_alloc(p, size + 2);
	int err = 0;
	while (pem != NULL && n < size + 1) {
		ssize_t r = read(fd, pem + n, size + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			err = errno;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (pem == NULL) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	if (err != 0 || n != size) {
		snprintf(why, whylen, "cannot read %s: %s", path,
		         err != 0 ? strerror_r(err, eb, sizeof(eb))
		                  : "it changed while being read");
		return -1;
	}
	pem[n] = '\0';
	/* A bundle without one certificate would fail every check with a
	 * TLS error: say so now, at its line. */
	if (memchr(pem, '\0', n) != NULL ||
	    strstr(pem, "-----BEGIN CERTIFICATE-----") == NULL) {
		snprintf(why, whylen, "%s holds no PEM certificate", path);
		return -1;
	}
	uint64_t h = 14695981039346656037ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)pem[i]) * 1099511628211ull;
	c->pub.ca_file = path;
	c->pub.ca_pem = pem;
	c->pub.ca_pem_len = n;
	c->pub.ca_pem_hash = h;
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

int config_set_expect(struct config_parser *p, void *obj, const char *value,
                      char *why, size_t whylen)
{
	struct config_pcheck *c = obj;
	memset(c->pub.expect, 0, sizeof(c->pub.expect));
	return config_each_item(p, obj, value, config_expect_item, why, whylen);
}

int config_set_location(struct config_parser *p, void *obj, const char *value,
                        char *why, size_t whylen)
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

/* Why an address can be no member, or NULL: no client could reach a
 * server there, and a probe of it would go somewhere else (0.0.0.0 and
 * :: are this host, a broadcast or multicast address many hosts). An
 * IPv4-mapped IPv6 address is judged by the IPv4 address it holds. */
static const char *config_member_refused(int family, const uint8_t *a)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0,    0,
	                                   0, 0, 0, 0, 0xff, 0xff};
	static const uint8_t zero[16];
	if (family == AF_INET6 && memcmp(a, mapped, 12) == 0) {
		family = AF_INET;
		a += 12;
	}
	if (family == AF_INET) {
		/* RFC 1122 section 3.2.1.3: 0.0.0.0/8 is "this network",
		 * never a destination. */
		if (a[0] == 0)
			return "an unspecified address (0.0.0.0/8)";
		if (a[0] == 255 && a[1] == 255 && a[2] == 255 && a[3] == 255)
			return "the broadcast address";
		if ((a[0] & 0xf0) == 224)
			return "a multicast address (224.0.0.0/4)";
		return NULL;
	}
	if (memcmp(a, zero, 16) == 0)
		return "the unspecified address";
	if (a[0] == 0xff)
		return "a multicast address (ff00::/8)";
	return NULL;
}

/* True for link-local (169.254.0.0/16, fe80::/10): reachable only on
 * one link, so clients elsewhere cannot use the answer. Said, not
 * refused: a lab may mean it. */
static bool config_member_link_local(int family, const uint8_t *a)
{
	if (family == AF_INET)
		return a[0] == 169 && a[1] == 254;
	return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

int config_set_member(struct config_parser *p, void *obj, const char *value,
                      char *why, size_t whylen)
{
	struct config_pcluster *c = obj;
	struct config_member m;
	char tok[128];
	const char *s = value;

	bool has_weight = false;

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
			const char *bad =
			    config_member_refused(m.family, m.addr);
			if (bad != NULL) {
				snprintf(why, whylen,
				         "%s is %s, which no client can use as "
				         "a server",
				         m.text, bad);
				return -1;
			}
		} else if (strncmp(tok, "weight=", 7) == 0) {
			unsigned long long w;
			if (has_weight) {
				snprintf(why, whylen, "weight= is given twice");
				return -1;
			}
			has_weight = true;
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
	if (config_member_link_local(m.family, m.addr))
		config_warn(p, p->line,
		            "member %s in %s is a link-local address: only "
		            "clients on the same link can reach it",
		            m.text, c->h.label);
	struct config_member *e = config_vec_push(p, &c->members, sizeof(*e));
	if (e != NULL)
		*e = m;
	return 0;
}

int config_set_cluster_check(struct config_parser *p, void *obj,
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
		if (strcmp(CONFIG_AT(r->names, struct config_pname, i)->name,
		           item) == 0) {
			snprintf(why, whylen, "cluster \"%s\" is listed twice",
			         item);
			return -1;
		}
	}
	struct config_pname *e = config_vec_push(p, &r->names, sizeof(*e));
	if (e != NULL) {
		e->name = config_strdup(p, item);
		e->line = p->line;
	}
	return 0;
}

int config_set_clusters(struct config_parser *p, void *obj, const char *value,
                        char *why, size_t whylen)
{
	return config_each_item(p, obj, value, config_clusters_item, why,
	                        whylen);
}

/* ----------------------------------------------------------------------
 * [networks] lines: CIDR = CLUSTER or CIDR = LAT, LON
 */

void config_network_line(struct config_parser *p, const char *cidr,
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

/* `key` / `publish` in [zone] (SPEC 9): PATH, PATH.key or PATH.private, as
 * ldns-keygen and dnssec-keygen name the pair. The files are read (and
 * checked) when the zone is loaded, so a reload picks up new keys. */
static int config_zone_key_add(struct config_parser *p, void *obj,
                               const char *value, bool publish, char *why,
                               size_t whylen)
{
	struct config_pzone *z = obj;
	size_t len = strlen(value);
	static const char *const suffixes[] = {".key", ".private"};
	for (size_t i = 0; i < 2; i++) {
		size_t sl = strlen(suffixes[i]);
		if (len > sl && strcmp(value + len - sl, suffixes[i]) == 0) {
			len -= sl;
			break;
		}
	}
	if (len == 0 || len >= 4096) {
		snprintf(why, whylen, "must be the path of a key pair");
		return -1;
	}
	char base[4096];
	memcpy(base, value, len);
	base[len] = '\0';
	const char *path = config_resolve(p, base);
	for (size_t i = 0; path != NULL && i < z->keys.n; i++) {
		const struct config_zone_key *o =
		    CONFIG_AT(z->keys, struct config_zone_key, i);
		if (strcmp(o->path, path) == 0) {
			snprintf(why, whylen,
			         "key %s is already in this zone (line %u)",
			         base, o->line);
			return -1;
		}
	}
	struct config_zone_key *k = config_vec_push(p, &z->keys, sizeof(*k));
	if (k == NULL || path == NULL)
		return 0; /* p->oom is set */
	k->path = path;
	k->line = p->line;
	k->publish = publish;
	/* The vector may have moved: publish its current place. */
	z->pub.keys = z->keys.items;
	z->pub.nkeys = z->keys.n;
	return 0;
}

int config_set_zone_key(struct config_parser *p, void *obj, const char *value,
                        char *why, size_t whylen)
{
	return config_zone_key_add(p, obj, value, false, why, whylen);
}

int config_set_zone_publish(struct config_parser *p, void *obj,
                            const char *value, char *why, size_t whylen)
{
	return config_zone_key_add(p, obj, value, true, why, whylen);
}
