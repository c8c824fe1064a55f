/* log.c - stderr logger; one write(2) per line keeps threads' lines whole,
 * and every unprintable byte of a message is escaped. */
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

/* Copy src[0..len) to out (room for size bytes), every byte outside the
 * printable ASCII range 0x20-0x7e as \xHH: the message may quote the
 * configuration or a backend, and a raw escape sequence would drive the
 * operator's terminal, a raw newline would forge a log line. UTF-8 is
 * escaped too (simplest, and safe whatever reads the log). Stops before
 * an escape that would not fit whole. Returns the bytes written. */
static size_t log_escape(char *out, size_t size, const char *src, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)src[i];
		if (ch >= 0x20 && ch <= 0x7e) {
			if (n + 1 > size)
				break;
			out[n++] = (char)ch;
			continue;
		}
		if (n + 4 > size)
			break;
		out[n++] = '\\';
		out[n++] = 'x';
		out[n++] = hex[ch >> 4];
		out[n++] = hex[ch & 0xf];
	}
	return n;
}

void log_msg(enum log_level level, const char *part, const char *fmt, ...)
{
	if (!log_enabled(level))
		return;

	/* Why 2048: a line holds any message dnsd writes (a few hundred
	 * bytes at most) with room for escapes; longer ones are cut. */
	char line[2048], msg[sizeof(line)];
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
	if (n > sizeof(line) - 1)
		n = sizeof(line) - 1;
	va_list ap;
	va_start(ap, fmt);
	w = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (w > 0) {
		size_t mlen =
		    (size_t)w < sizeof(msg) ? (size_t)w : sizeof(msg) - 1;
		/* One byte stays free for the newline. */
		n += log_escape(line + n, sizeof(line) - 1 - n, msg, mlen);
	}
	line[n++] = '\n';
	ssize_t r = write(STDERR_FILENO, line, n);
	(void)r;
}
