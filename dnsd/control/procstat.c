/* procstat.c - /proc/self/stat, /proc/self/fd and /proc/stat parsed into
 * the process_* metrics, as the Prometheus Go and Python clients do. */
#include "control/procstat.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* The system boot time (btime in /proc/stat), unix seconds; 0 if unknown. */
static double procstat_boot_time(void)
{
	FILE *f = fopen("/proc/stat", "re");
	char line[256];
	double btime = 0;
	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		unsigned long long v;
		if (sscanf(line, "btime %llu", &v) == 1) {
			btime = (double)v;
			break;
		}
	}
	fclose(f);
	return btime;
}

/* Entries of /proc/self/fd, less the one the listing itself holds open. */
static uint64_t procstat_open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	uint64_t n = 0;
	if (d == NULL)
		return 0;
	const struct dirent *e;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n > 0 ? n - 1 : 0;
}

int procstat_read(struct procstat *out)
{
	char buf[1024];
	memset(out, 0, sizeof(*out));
	FILE *f = fopen("/proc/self/stat", "re");
	if (f == NULL)
		return -1;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* proc(5): the command name (field 2) is in parentheses and may hold
	 * spaces or ')', so fields are counted from the last ')'. */
	const char *p = strrchr(buf, ')');
	if (p == NULL)
		return -1;
	unsigned long long utime, stime, start, rss;
	/* Fields 3..24: state, then 10 we skip, utime (14), stime (15), 6
	 * skipped, starttime (22), vsize (23, skipped), rss (24). */
	if (sscanf(p + 1,
	           " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu "
	           "%*d %*d %*d %*d %*d %*d %llu %*u %llu",
	           &utime, &stime, &start, &rss) != 4)
		return -1;
	long tck = sysconf(_SC_CLK_TCK);
	long page = sysconf(_SC_PAGESIZE);
	if (tck <= 0 || page <= 0)
		return -1;
	out->cpu_seconds = (double)(utime + stime) / (double)tck;
	out->rss_bytes = (uint64_t)rss * (uint64_t)page;
	out->start_time = procstat_boot_time() + (double)start / (double)tck;
	out->open_fds = procstat_open_fds();
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		out->max_fds = rl.rlim_cur == RLIM_INFINITY
		                   ? UINT64_MAX
		                   : (uint64_t)rl.rlim_cur;
	out->valid = true;
	return 0;
}
