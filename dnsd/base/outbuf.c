/* outbuf.c - printf into an evbuffer, remembering the first failure. */
#include "base/outbuf.h"

#include <stdarg.h>

#include <event2/buffer.h>

void outbuf_printf(struct outbuf *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (o->rc == 0 && evbuffer_add_vprintf(o->buf, fmt, ap) < 0)
		o->rc = -1;
	va_end(ap);
}
