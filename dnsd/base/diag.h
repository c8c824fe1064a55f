/* diag.h - collects "PATH:LINE: message" errors so all are shown in one pass.
 */
#ifndef DNSD_DIAG_H
#define DNSD_DIAG_H

#include <stddef.h>
#include "base/compat.h"

struct diag {
	char **msgs;
	size_t count;
	size_t cap;
	/* Warnings: said (dnsd -t prints them, a load logs them) but not
	 * errors, so they never fail a load and count leaves them out. */
	char **warns;
	size_t nwarns;
	size_t warncap;
};

void diag_init(struct diag *d);
/* Record one error. line 0 means the error is about the whole file and is
 * written "PATH: message". Allocation failure drops the message but counts
 * it, so count never lies about whether there were errors. */
void diag_add(struct diag *d, const char *path, unsigned line, const char *fmt,
              ...) DNSD_PRINTF(4, 5);
/* Record one warning, written "PATH:LINE: warning: message". */
void diag_warn(struct diag *d, const char *path, unsigned line, const char *fmt,
               ...) DNSD_PRINTF(4, 5);
/* Move every message of src to the end of dst, in order; src is left
 * empty. For errors and warnings collected on another thread. */
void diag_take(struct diag *dst, struct diag *src);
/* Write every error, then every warning, to stderr, one per line. */
void diag_print(const struct diag *d);
/* Send every error to the log at error level under part, and every
 * warning at warn level. */
void diag_log(const struct diag *d, const char *part);
void diag_free(struct diag *d);

#endif
