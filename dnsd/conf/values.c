/* values.c - value parsers: numbers, durations, booleans, addresses,
 * networks, locations, lists. Pure functions of their text. */
#include "conf/parser.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

bool config_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
	       c == '\f';
}

const char *config_trim(const char *s, size_t *len)
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

int config_each_item(struct config_parser *p, void *obj, const char *value,
                     config_item_fn fn, char *why, size_t whylen)
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

int config_parse_ull(const char *s, unsigned long long *out)
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

void config_fmt_ms(unsigned long long ms, char *buf, size_t len)
{
	if (ms >= 60000 && ms % 60000 == 0)
		snprintf(buf, len, "%llum", ms / 60000);
	else if (ms >= 1000 && ms % 1000 == 0)
		snprintf(buf, len, "%llus", ms / 1000);
	else
		snprintf(buf, len, "%llums", ms);
}

bool config_name_ok(const char *s)
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

int config_parse_location(const char *s, double *lat, double *lon, char *why,
                          size_t whylen)
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
	/* ERANGE: a value a double cannot hold ("1e-400" would silently
	 * be 0, "1e999" infinity). */
	errno = 0;
	double x = strtod(a, &end);
	if (*end != '\0' || !isfinite(x) || errno == ERANGE) {
		snprintf(why, whylen, "latitude \"%s\" is not a number", a);
		return -1;
	}
	errno = 0;
	double y = strtod(b, &end);
	if (*end != '\0' || !isfinite(y) || errno == ERANGE) {
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

int config_parse_duration_ms(const char *s, uint64_t *ms)
{
	const char *p = s;
	uint64_t v = 0;
	if (*p < '0' || *p > '9')
		return -1;
	while (*p >= '0' && *p <= '9') {
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > UINT32_MAX)
			return -1;
		p++;
	}
	/* SPEC 7: h and d as well, for maintenance windows (`--for 2h`). */
	static const struct {
		const char *unit;
		uint64_t mult;
	} units[] = {{"", 1000},   {"s", 1000},    {"ms", 1},
	             {"m", 60000}, {"h", 3600000}, {"d", 86400000}};
	for (size_t i = 0; i < DNSD_ARRAY_LEN(units); i++) {
		if (strcmp(p, units[i].unit) == 0) {
			*ms = v * units[i].mult;
			return 0;
		}
	}
	return -1;
}

int config_parse_duration(const char *s, unsigned *ms)
{
	uint64_t v;
	if (config_parse_duration_ms(s, &v) != 0 || v > UINT_MAX)
		return -1;
	*ms = (unsigned)v;
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

int config_prefix_parse(const char *s, struct config_prefix *out)
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

/* One LDH label (RFC 1123 section 2.1): 1..63 letters, digits and '-',
 * not starting or ending with '-'. */
static bool config_ldh_label(const char *s, size_t n)
{
	if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-'))
			return false;
	}
	return true;
}

/* A host name of LDH labels, at most 253 characters, no final dot. The
 * last label must start with a letter: "1.2.3" or "0x7f000001" are host
 * names by the letter of the label rule, but curl (like browsers, per the
 * WHATWG URL rules) reads them as IPv4 numbers, and a name the URL parser
 * turns into another address would no longer match CONNECT_TO. */
static bool config_host_name_ok(const char *s, size_t n)
{
	if (n == 0 || n > 253)
		return false;
	size_t start = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '.')
			continue;
		if (!config_ldh_label(s + start, i - start))
			return false;
		if (i == n) {
			char c = s[start];
			return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
		}
		start = i + 1;
	}
	return false;
}

int config_parse_host(const char *s, struct config_host *out, char *why,
                      size_t whylen)
{
	static const char form[] =
	    "must be a host name (letters, digits and '-' in "
	    "dot-separated labels, the last starting with a letter), an "
	    "IPv4 address or an IPv6 address in brackets, with an optional "
	    ":PORT";
	const char *name = s, *port = NULL;
	size_t nlen;
	uint8_t bytes[16];

	memset(out, 0, sizeof(*out));
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');
		if (rb == NULL) {
			snprintf(why, whylen, "has no closing ']'");
			return -1;
		}
		name = s + 1;
		nlen = (size_t)(rb - name);
		if (rb[1] == ':')
			port = rb + 2;
		else if (rb[1] != '\0') {
			snprintf(why, whylen, "%s", form);
			return -1;
		}
		out->family = AF_INET6;
	} else {
		const char *colon = strchr(s, ':');
		if (colon != NULL && strchr(colon + 1, ':') != NULL) {
			snprintf(why, whylen,
			         "an IPv6 address must be in brackets: "
			         "[2001:db8::1] or [2001:db8::1]:8080");
			return -1;
		}
		nlen = colon != NULL ? (size_t)(colon - s) : strlen(s);
		if (colon != NULL)
			port = colon + 1;
	}
	if (nlen >= sizeof(out->name)) {
		snprintf(why, whylen, "%s", form);
		return -1;
	}
	memcpy(out->name, name, nlen);
	out->name[nlen] = '\0';
	if (out->family == AF_INET6) {
		if (inet_pton(AF_INET6, out->name, bytes) != 1) {
			snprintf(why, whylen, "\"%s\" is not an IPv6 address",
			         out->name);
			return -1;
		}
	} else if (inet_pton(AF_INET, out->name, bytes) == 1) {
		out->family = AF_INET;
	} else if (!config_host_name_ok(out->name, nlen)) {
		snprintf(why, whylen, "%s", form);
		return -1;
	}
	if (port != NULL) {
		unsigned long long pn;
		if (config_parse_ull(port, &pn) < 0 || pn == 0 || pn > 65535) {
			snprintf(why, whylen,
			         "the port must be an integer from 1 to 65535");
			return -1;
		}
		out->port = (uint16_t)pn;
	}
	return 0;
}
