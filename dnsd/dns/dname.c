/* dname.c - domain name parsing, comparison and conversion. */
#include "dns/dname.h"

#include <stdio.h>
#include <string.h>

static inline uint8_t lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

int dname_unpack(const uint8_t *pkt, size_t pktlen, size_t *pos, uint8_t *out,
                 size_t *outlen, uint8_t *labels)
{
	size_t p = *pos;
	size_t n = 0;
	size_t end = 0; /* where the name ends in the packet, once known */
	unsigned nlabels = 0;
	size_t limit = p; /* a pointer must go strictly before this */

	for (;;) {
		if (p >= pktlen)
			return -1;
		uint8_t c = pkt[p];
		if ((c & 0xC0) == 0xC0) {
			if (p + 1 >= pktlen)
				return -1;
			size_t target = (size_t)(c & 0x3F) << 8 | pkt[p + 1];
			if (end == 0)
				end = p + 2;
			/* Strictly backwards of the label run that holds this
			 * pointer: every hop lowers limit, so hops end. */
			if (target >= limit)
				return -1;
			limit = target;
			p = target;
			continue;
		}
		if ((c & 0xC0) != 0)
			return -1; /* 0x40/0x80: RFC 6891 obsoleted EDNS0 labels
			            */
		if (n + 1u + c > DNAME_MAXLEN)
			return -1;
		if (p + 1u + c > pktlen)
			return -1;
		memcpy(out + n, pkt + p, 1u + (size_t)c);
		n += 1u + c;
		p += 1u + c;
		if (c == 0)
			break;
		nlabels++;
	}
	if (end == 0)
		end = p;
	*pos = end;
	*outlen = n;
	if (labels != NULL)
		*labels = (uint8_t)nlabels;
	return 0;
}

int dname_check(const uint8_t *name, size_t len)
{
	if (len == 0 || len > DNAME_MAXLEN)
		return -1;
	size_t p = 0;
	int nlabels = 0;
	while (p < len) {
		uint8_t c = name[p];
		if (c > DNAME_MAXLABEL)
			return -1;
		if (c == 0)
			return p + 1 == len ? nlabels : -1;
		p += 1u + c;
		nlabels++;
	}
	return -1;
}

void dname_tolower(uint8_t *dst, const uint8_t *src, size_t len)
{
	/* Label length bytes are at most 63, below 'A', so folding every
	 * byte is safe and needs no label walk. */
	for (size_t i = 0; i < len; i++)
		dst[i] = lower(src[i]);
}

bool dname_equal(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	if (alen != blen)
		return false;
	for (size_t i = 0; i < alen; i++)
		if (lower(a[i]) != lower(b[i]))
			return false;
	return true;
}

unsigned dname_labels(const uint8_t *name, size_t len)
{
	unsigned n = 0;
	size_t p = 0;
	while (p < len && name[p] != 0) {
		p += 1u + name[p];
		n++;
	}
	return n;
}

size_t dname_skip_labels(const uint8_t *name, size_t len, unsigned n)
{
	size_t p = 0;
	while (n-- > 0 && p < len && name[p] != 0)
		p += 1u + name[p];
	return p;
}

bool dname_is_subdomain(const uint8_t *child, size_t clen,
                        const uint8_t *parent, size_t plen)
{
	if (plen > clen)
		return false;
	/* Walk label boundaries of child: the suffix must start on one. */
	size_t p = 0;
	while (clen - p > plen)
		p += 1u + child[p];
	return clen - p == plen && dname_equal(child + p, plen, parent, plen);
}

uint32_t dname_hash(const uint8_t *lower_name, size_t len)
{
	/* Eight bytes per multiply (a wyhash-like mix): names are short, and
	 * the lookup hashes the whole query name once per query. */
	uint64_t h = 0x9E3779B97F4A7C15ull ^ len;
	size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t v;
		memcpy(&v, lower_name + i, 8);
		h = (h ^ v) * 0xBF58476D1CE4E5B9ull;
		h ^= h >> 31;
	}
	uint64_t v = 0;
	memcpy(&v, lower_name + i, len - i);
	h = (h ^ v) * 0x94D049BB133111EBull;
	h ^= h >> 29;
	h *= 0xBF58476D1CE4E5B9ull;
	return (uint32_t)(h >> 32);
}

int dname_from_str(const char *s, uint8_t out[DNAME_MAXLEN])
{
	size_t n = 0;
	if (strcmp(s, ".") == 0) {
		out[0] = 0;
		return 1;
	}
	if (*s == '\0')
		return -1;
	while (*s != '\0') {
		size_t lpos = n++;
		size_t llen = 0;
		if (n > DNAME_MAXLEN)
			return -1;
		while (*s != '\0' && *s != '.') {
			uint8_t c;
			if (*s == '\\') {
				s++;
				if (s[0] >= '0' && s[0] <= '9') {
					if (!(s[1] >= '0' && s[1] <= '9' &&
					      s[2] >= '0' && s[2] <= '9'))
						return -1;
					int v = (s[0] - '0') * 100 +
					        (s[1] - '0') * 10 +
					        (s[2] - '0');
					if (v > 255)
						return -1;
					c = (uint8_t)v;
					s += 3;
				} else if (*s != '\0') {
					c = (uint8_t)*s++;
				} else {
					return -1;
				}
			} else {
				c = (uint8_t)*s++;
			}
			if (++llen > DNAME_MAXLABEL || n >= DNAME_MAXLEN)
				return -1;
			out[n++] = c;
		}
		if (llen == 0)
			return -1; /* empty label: "a..b" or leading dot */
		out[lpos] = (uint8_t)llen;
		if (*s == '.')
			s++;
	}
	if (n >= DNAME_MAXLEN)
		return -1;
	out[n++] = 0;
	return (int)n;
}

size_t dname_to_str(const uint8_t *name, size_t len, char *buf, size_t buflen)
{
	size_t o = 0;
	size_t p = 0;
	if (buflen == 0)
		return 0;
#define PUT(ch)                                                                \
	do {                                                                   \
		if (o + 1 < buflen)                                            \
			buf[o++] = (ch);                                       \
	} while (0)
	if (len == 0 || name[0] == 0) {
		PUT('.');
		buf[o] = '\0';
		return o;
	}
	while (p < len && name[p] != 0) {
		uint8_t l = name[p++];
		for (uint8_t i = 0; i < l && p < len; i++, p++) {
			uint8_t c = name[p];
			if (c == '.' || c == '\\' || c == '"' || c == ';' ||
			    c == '(' || c == ')' || c == '@' || c == '$') {
				PUT('\\');
				PUT((char)c);
			} else if (c <= 0x20 || c >= 0x7f) {
				char esc[5];
				snprintf(esc, sizeof(esc), "\\%03u", c);
				for (int k = 0; k < 4; k++)
					PUT(esc[k]);
			} else {
				PUT((char)c);
			}
		}
		PUT('.');
	}
#undef PUT
	buf[o] = '\0';
	return o;
}

int dname_check_prefix(const uint8_t *buf, size_t len)
{
	size_t p = 0;
	while (p < len && p < DNAME_MAXLEN) {
		uint8_t c = buf[p];
		if (c > DNAME_MAXLABEL)
			return -1;
		if (c == 0)
			return (int)(p + 1);
		p += 1u + c;
	}
	return -1;
}
