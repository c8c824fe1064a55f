/* log.c - stderr logger; one write(2) per line keeps threads' lines whole. */
#include "base/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static _Atomic int log_threshold = LOG_LEVEL_INFO;

static const char *const level_names[] = {"error", "warn", "info", "debug"};

void log_set_level(enum log_level level)
{
	atomic_store_explicit(&log_threshold, (int)level, memory_order_relaxed);
}

bool log_enabled(enum log_level level)
{
	return (int)level <=
	       atomic_load_explicit(&log_threshold, memory_order_relaxed);
}

int log_level_parse(const char *s, enum log_level *out)
{
	for (int i = 0; i < (int)DNSD_ARRAY_LEN(level_names); i++) {
		if (strcmp(s, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

const char *log_level_name(enum log_level level)
{
	if ((int)level < 0 || (int)level >= (int)DNSD_ARRAY_LEN(level_names))
		return "?";
	return level_names[level];
}

void log_msg(enum log_level level, const char *part, const char *fmt, ...)
{
	if (!log_enabled(level))
		return;

	char line[2048];
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
	int w = snprintf(line + n, sizeof(line) - n,
	                 ".%03ldZ %-5s %s: ", ts.tv_nsec / 1000000,
	                 log_level_name(level), part);
	if (w > 0)
		n += (size_t)w;
	if (n < sizeof(line)) {
		va_list ap;
		va_start(ap, fmt);
		w = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
		va_end(ap);
		if (w > 0)
			n += (size_t)w;
	}
	/* A message longer than the buffer is cut, but the line still ends. */
	if (n >= sizeof(line) - 1)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	ssize_t r = write(STDERR_FILENO, line, n);
	(void)r;
}
