/* procstat.h - this process's resources from /proc, for the process_*
 * metrics every Prometheus exporter has (CPU, memory, descriptors, start
 * time). Linux only; read at scrape time on the control thread. */
#ifndef DNSD_PROCSTAT_H
#define DNSD_PROCSTAT_H

#include <stdbool.h>
#include <stdint.h>

struct procstat {
	bool valid;         /* false when /proc could not be read */
	double cpu_seconds; /* user + system time */
	uint64_t rss_bytes; /* resident set size */
	uint64_t open_fds;  /* descriptors open now */
	uint64_t max_fds;   /* RLIMIT_NOFILE soft limit */
	double start_time;  /* unix seconds when the process started */
};

/* Fill out from /proc/self. Returns 0, or -1 (and out->valid = false)
 * when /proc cannot be read or parsed. Any thread. */
int procstat_read(struct procstat *out);

#endif
