/* nsec.c - NSEC RDATA for compact denial (RFC 9824, RFC 4034 4.1). */
#include "dnssec/nsec.h"

#include <string.h>

#include "dns/consts.h"

size_t dnssec_nsec_rdata(const uint8_t *owner, size_t olen,
                         const uint16_t *types, size_t ntypes, uint8_t *out)
{
	size_t len;
	/* RFC 9824 section 3.1: next = "\000." + owner, the first name
	 * after it in canonical order. A name too long for the extra label
	 * gets itself as next: the NSEC then proves only its own types. */
	if (olen + 2 <= DNAME_MAXLEN) {
		out[0] = 1;
		out[1] = 0;
		memcpy(out + 2, owner, olen);
		len = olen + 2;
	} else {
		memcpy(out, owner, olen);
		len = olen;
	}
	/* RFC 4034 section 4.1.2: windows of 256 types, each sent with only
	 * as many bitmap bytes as its highest type needs. */
	uint8_t win[2][32];
	int top[2] = {-1, -1}; /* window 0 (types < 256), window 1 */
	memset(win, 0, sizeof(win));
	uint16_t always[] = {DNS_TYPE_RRSIG, DNS_TYPE_NSEC};
	for (size_t i = 0; i < ntypes + 2; i++) {
		uint16_t t = i < ntypes ? types[i] : always[i - ntypes];
		unsigned w = t >> 8;
		if (w > 1)
			continue; /* no type of ours lives there */
		unsigned b = t & 0xFF;
		win[w][b >> 3] |= (uint8_t)(0x80 >> (b & 7));
		if ((int)(b >> 3) > top[w])
			top[w] = (int)(b >> 3);
	}
	for (unsigned w = 0; w < 2; w++) {
		if (top[w] < 0)
			continue;
		out[len++] = (uint8_t)w;
		out[len++] = (uint8_t)(top[w] + 1);
		memcpy(out + len, win[w], (size_t)top[w] + 1);
		len += (size_t)top[w] + 1;
	}
	return len;
}
