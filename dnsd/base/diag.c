/* diag.c - error collection for configuration and zone checks. */
#include "base/diag.h"
#include "base/log.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void diag_init(struct diag *d)
{
	d->msgs = NULL;
	d->count = 0;
	d->cap = 0;
	d->warns = NULL;
	d->nwarns = 0;
	d->warncap = 0;
}

/* "PATH:LINE: " (or "PATH: ") + kind + the message, into msg. */
static void diag_format(char *msg, size_t size, const char *path, unsigned line,
                        const char *kind, const char *fmt, va_list ap)
{
	int n;
	if (line > 0)
		n = snprintf(msg, size, "%s:%u: %s", path, line, kind);
	else
		n = snprintf(msg, size, "%s: %s", path, kind);
	if (n < 0 || (size_t)n >= size)
		n = 0;
	vsnprintf(msg + n, size - (size_t)n, fmt, ap);
}

/* Append a copy of msg to the list; false when the array could not grow
 * (diag_add still counts the message, so *n may pass what is stored: the
 * slots in between are NULL, printed as "(error)"). */
static bool diag_push(char ***list, size_t *n, size_t *cap, const char *msg)
{
	if (*n >= *cap) {
		size_t c = *cap ? *cap * 2 : 8;
		while (c <= *n)
			c *= 2;
		char **m = realloc(*list, c * sizeof(*m));
		if (m == NULL)
			return false;
		memset(m + *cap, 0, (c - *cap) * sizeof(*m));
		*list = m;
		*cap = c;
	}
	(*list)[(*n)++] = strdup(msg);
	return true;
}

void diag_add(struct diag *d, const char *path, unsigned line, const char *fmt,
              ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	diag_format(msg, sizeof(msg), path, line, "", fmt, ap);
	va_end(ap);
	/* A NULL entry (strdup failure) still counts as an error. */
	if (!diag_push(&d->msgs, &d->count, &d->cap, msg))
		d->count++;
}

void diag_warn(struct diag *d, const char *path, unsigned line, const char *fmt,
               ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	diag_format(msg, sizeof(msg), path, line, "warning: ", fmt, ap);
	va_end(ap);
	/* A warning that cannot be kept is dropped: it fails nothing. */
	(void)diag_push(&d->warns, &d->nwarns, &d->warncap, msg);
}

void diag_take(struct diag *dst, struct diag *src)
{
	for (size_t i = 0; i < src->count; i++) {
		const char *m = i < src->cap ? src->msgs[i] : NULL;
		/* A message lost on src (NULL) still counts on dst. */
		if (m == NULL ||
		    !diag_push(&dst->msgs, &dst->count, &dst->cap, m))
			dst->count++;
	}
	for (size_t i = 0; i < src->nwarns; i++)
		if (src->warns[i] != NULL)
			(void)diag_push(&dst->warns, &dst->nwarns,
			                &dst->warncap, src->warns[i]);
	diag_free(src);
	diag_init(src);
}

void diag_print(const struct diag *d)
{
	for (size_t i = 0; i < d->count && i < d->cap; i++)
		fprintf(stderr, "%s\n", d->msgs[i] ? d->msgs[i] : "(error)");
	for (size_t i = 0; i < d->nwarns; i++)
		if (d->warns[i] != NULL)
			fprintf(stderr, "%s\n", d->warns[i]);
}

void diag_log(const struct diag *d, const char *part)
{
	for (size_t i = 0; i < d->count && i < d->cap; i++)
		log_error(part, "%s", d->msgs[i] ? d->msgs[i] : "(error)");
	for (size_t i = 0; i < d->nwarns; i++)
		if (d->warns[i] != NULL)
			log_warn(part, "%s", d->warns[i]);
}

void diag_free(struct diag *d)
{
	for (size_t i = 0; i < d->count && i < d->cap; i++)
		free(d->msgs[i]);
	free(d->msgs);
	for (size_t i = 0; i < d->nwarns; i++)
		free(d->warns[i]);
	free(d->warns);
	diag_init(d);
}
