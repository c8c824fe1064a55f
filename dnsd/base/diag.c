/* diag.c - error collection for configuration and zone checks. */
#include "base/diag.h"
#include "base/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void diag_init(struct diag *d)
{
	d->msgs = NULL;
	d->count = 0;
	d->cap = 0;
}

void diag_add(struct diag *d, const char *path, unsigned line, const char *fmt,
              ...)
{
	char msg[1024];
	int n;
	if (line > 0)
		n = snprintf(msg, sizeof(msg), "%s:%u: ", path, line);
	else
		n = snprintf(msg, sizeof(msg), "%s: ", path);
	if (n < 0 || (size_t)n >= sizeof(msg))
		n = 0;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);

	/* count passes cap after a failed realloc: grow past it. */
	if (d->count >= d->cap) {
		size_t cap = d->count < 4 ? 8 : d->count * 2;
		char **m = realloc(d->msgs, cap * sizeof(*m));
		if (m == NULL) {
			d->count++;
			return;
		}
		/* Slots of messages lost to an earlier failure read NULL. */
		memset(m + d->cap, 0, (cap - d->cap) * sizeof(*m));
		d->msgs = m;
		d->cap = cap;
	}
	/* A NULL entry (strdup failure) still counts as an error. */
	d->msgs[d->count++] = strdup(msg);
}

void diag_take(struct diag *dst, struct diag *src)
{
	for (size_t i = 0; i < src->count; i++) {
		char *m = i < src->cap ? src->msgs[i] : NULL;
		if (dst->count >= dst->cap) {
			size_t cap = dst->count < 4 ? 8 : dst->count * 2;
			char **n = realloc(dst->msgs, cap * sizeof(*n));
			if (n == NULL) {
				free(m);
				dst->count++;
				continue;
			}
			memset(n + dst->cap, 0, (cap - dst->cap) * sizeof(*n));
			dst->msgs = n;
			dst->cap = cap;
		}
		dst->msgs[dst->count++] = m;
	}
	free(src->msgs);
	diag_init(src);
}

void diag_print(const struct diag *d)
{
	for (size_t i = 0; i < d->count && i < d->cap; i++)
		fprintf(stderr, "%s\n", d->msgs[i] ? d->msgs[i] : "(error)");
}

void diag_log(const struct diag *d, const char *part)
{
	for (size_t i = 0; i < d->count && i < d->cap; i++)
		log_error(part, "%s", d->msgs[i] ? d->msgs[i] : "(error)");
}

void diag_free(struct diag *d)
{
	for (size_t i = 0; i < d->count && i < d->cap; i++)
		free(d->msgs[i]);
	free(d->msgs);
	diag_init(d);
}
