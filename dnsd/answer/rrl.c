/* rrl.c - per-thread token buckets for response rate limiting. */
#include "answer/rrl.h"

#include <netinet/in.h>
#include <string.h>

#include "dns/packet.h"
#include "dns/wire.h"

static void client_net(const struct sockaddr *sa, uint64_t *hi, uint64_t *lo)
{
	*hi = 0;
	*lo = 0;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
		const uint8_t *a = (const uint8_t *)&s4->sin_addr;
		/* /24 */
		*hi = (uint64_t)a[0] << 16 | (uint64_t)a[1] << 8 | a[2];
		*lo = 4;
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
		const uint8_t *a = s6->sin6_addr.s6_addr;
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			*hi = (uint64_t)a[12] << 16 | (uint64_t)a[13] << 8 |
			      a[14];
			*lo = 4;
			return;
		}
		/* /56: the first 7 bytes */
		for (int i = 0; i < 7; i++)
			*hi = *hi << 8 | a[i];
		*lo = 6;
	}
}

enum rrl_action rrl_check(struct rrl_table *t, const struct sockaddr *src,
                          uint32_t now_ms, unsigned rate, unsigned slip)
{
	uint64_t hi, lo;
	client_net(src, &hi, &lo);
	/* Multiplicative hash (Knuth) of the network to a slot. */
	uint64_t h = (hi ^ (lo << 56)) * 0x9E3779B97F4A7C15ull;
	struct rrl_bucket *b = &t->b[h >> 51 & (RRL_SLOTS - 1)];
	/* One second of burst: a client may send `rate` at once. */
	int64_t cap = (int64_t)rate * 1000;
	if (b->hi != hi || b->lo != lo) {
		b->hi = hi;
		b->lo = lo;
		b->tokens = (int32_t)(cap > INT32_MAX ? INT32_MAX : cap);
		b->last_ms = now_ms;
		b->limited = 0;
	} else {
		uint32_t elapsed = now_ms - b->last_ms;
		if (elapsed > 0) {
			int64_t tk = b->tokens + (int64_t)elapsed * rate;
			b->tokens = (int32_t)(tk > cap ? cap : tk);
			b->last_ms = now_ms;
		}
	}
	if (b->tokens >= 1000) {
		b->tokens -= 1000;
		return RRL_PASS;
	}
	b->limited++;
	if (slip > 0 && b->limited % slip == 0)
		return RRL_SLIP;
	return RRL_DROP;
}

size_t rrl_slip_response(uint8_t *resp, size_t len)
{
	if (len < PKT_HEADER_LEN || wire_peek_u16(resp + 4) != 1)
		return 0;
	size_t p = PKT_HEADER_LEN;
	/* We wrote this question ourselves, uncompressed; still check. */
	while (p < len && resp[p] != 0) {
		if (resp[p] > 63)
			return 0;
		p += 1u + resp[p];
	}
	p += 1 + 4;
	if (p > len)
		return 0;
	uint16_t flags = wire_peek_u16(resp + 2);
	wire_put_u16(resp + 2, flags | DNS_FLAG_TC);
	memset(resp + 6, 0, 6);
	return p;
}
