/* setters.c - the setters of keys that are not a plain type (lists,
 * addresses, members, references by name) and the [networks] lines: each
 * parses its value into the section's pending object. */
#include "conf/parser.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

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
	}
	c->pub.path = config_strdup(p, value);
	return 0;
}

int config_set_check_host(struct config_parser *p, void *obj, const char *value,
                          char *why, size_t whylen)
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

int config_set_member(struct config_parser *p, void *obj, const char *value,
                      char *why, size_t whylen)
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
