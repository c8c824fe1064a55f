/* log_limit.h - at most one log line per period for an event that can
 * repeat thousands of times a second (a refused client, a failed accept):
 * the first occurrence is logged at once, later ones are counted and the
 * count goes into the next line. One thread per limiter. */
#ifndef DNSD_LOG_LIMIT_H
#define DNSD_LOG_LIMIT_H

#include <stdbool.h>
#include <time.h>

struct log_limit {
	time_t last;              /* when a line was written; 0: never */
	unsigned long suppressed; /* occurrences since then, not logged */
};

/* Count one occurrence. True when a line may be written now; then
 * *suppressed is how many were swallowed since the last line (and the
 * count restarts). */
static inline bool log_limit_pass(struct log_limit *l, time_t now,
                                  time_t period, unsigned long *suppressed)
{
	if (l->last != 0 && now - l->last < period) {
		l->suppressed++;
		return false;
	}
	*suppressed = l->suppressed;
	l->suppressed = 0;
	l->last = now;
	return true;
}

#endif
