/* log.h - one line per event on stderr: time, level, part, message. */
#ifndef DNSD_LOG_H
#define DNSD_LOG_H

#include <stdbool.h>
#include "base/compat.h"

enum log_level {
	LOG_LEVEL_ERROR = 0,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG
};

/* Set the threshold; messages above it are discarded. Any thread. */
void log_set_level(enum log_level level);
/* True when a message at this level would be written. Any thread, lock-free. */
bool log_enabled(enum log_level level);
/* Parse "error", "warn", "info", "debug"; returns -1 when unknown. */
int log_level_parse(const char *s, enum log_level *out);
const char *log_level_name(enum log_level level);

/* Write "2026-11-21T18:00:00.123Z info  part: message\n" to stderr with one
 * write(2), so lines from different threads never interleave. Every byte
 * of the message outside printable ASCII (0x20-0x7e: control characters,
 * a newline, UTF-8) is written as \xHH, so a message quoting the
 * configuration or a backend can neither drive a terminal nor forge a
 * line. A message that does not fit (about 2 KB after escaping) is cut;
 * the line always ends in one newline. Any thread. */
void log_msg(enum log_level level, const char *part, const char *fmt, ...)
    DNSD_PRINTF(3, 4);

#define log_error(part, ...) log_msg(LOG_LEVEL_ERROR, part, __VA_ARGS__)
#define log_warn(part, ...)  log_msg(LOG_LEVEL_WARN, part, __VA_ARGS__)
#define log_info(part, ...)  log_msg(LOG_LEVEL_INFO, part, __VA_ARGS__)
#define log_debug(part, ...)                                                   \
	do {                                                                   \
		if (log_enabled(LOG_LEVEL_DEBUG))                              \
			log_msg(LOG_LEVEL_DEBUG, part, __VA_ARGS__);           \
	} while (0)

#endif
