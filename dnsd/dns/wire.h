/* wire.h - bounds-checked reading and writing of big-endian DNS wire data.
 * Every read checks the remaining length; a failed read leaves the cursor
 * marked bad so a parser can do several reads and test once. */
#ifndef DNSD_WIRE_H
#define DNSD_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct wire {
	const uint8_t *buf;
	size_t len;
	size_t pos;
	bool bad;
};

static inline void wire_init(struct wire *w, const uint8_t *buf, size_t len)
{
	w->buf = buf;
	w->len = len;
	w->pos = 0;
	w->bad = false;
}

static inline size_t wire_left(const struct wire *w)
{
	return w->bad ? 0 : w->len - w->pos;
}

static inline bool wire_need(struct wire *w, size_t n)
{
	if (w->bad || w->len - w->pos < n) {
		w->bad = true;
		return false;
	}
	return true;
}

static inline uint8_t wire_u8(struct wire *w)
{
	if (!wire_need(w, 1))
		return 0;
	return w->buf[w->pos++];
}

static inline uint16_t wire_u16(struct wire *w)
{
	if (!wire_need(w, 2))
		return 0;
	uint16_t v = (uint16_t)(w->buf[w->pos] << 8 | w->buf[w->pos + 1]);
	w->pos += 2;
	return v;
}

static inline uint32_t wire_u32(struct wire *w)
{
	if (!wire_need(w, 4))
		return 0;
	const uint8_t *p = w->buf + w->pos;
	w->pos += 4;
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline bool wire_skip(struct wire *w, size_t n)
{
	if (!wire_need(w, n))
		return false;
	w->pos += n;
	return true;
}

static inline uint16_t wire_peek_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void wire_put_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void wire_put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

#endif
