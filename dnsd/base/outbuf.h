/* outbuf.h - text rendering into an evbuffer with one sticky error flag,
 * shared by the metrics and status renderers: a document is written with
 * many small calls and checked once at the end. Main thread. */
#ifndef DNSD_OUTBUF_H
#define DNSD_OUTBUF_H

#include "base/compat.h"

struct evbuffer;

struct outbuf {
	struct evbuffer *buf;
	int rc; /* 0, or -1 once any write failed (then nothing more is done) */
};

void outbuf_printf(struct outbuf *o, const char *fmt, ...) DNSD_PRINTF(2, 3);

#endif
