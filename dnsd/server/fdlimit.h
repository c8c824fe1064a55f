/* fdlimit.h - the open-file budget. At start the soft RLIMIT_NOFILE is
 * raised to the hard limit; the limit is then shared out: what dnsd holds
 * whatever the load (UDP and TCP listening sockets, the control listener,
 * a fixed reserve for the event loops, the probe thread, libcurl, the log
 * and the files a reload reads) comes first, then the health checks in
 * flight and the control endpoint's connections, and DNS TCP clients get
 * the rest, at most tcp_max_clients. So a flood of idle TCP clients can
 * never take the descriptors a check or an operator needs (issue 10). */
#ifndef DNSD_FDLIMIT_H
#define DNSD_FDLIMIT_H

#include <stdbool.h>

/* Descriptors dnsd holds besides its sockets: stdin/stdout/stderr, two
 * event bases (epoll and the wake-up pipes of each), libcurl's, the
 * signal socketpair: 15 measured with 2 threads. */
#define FDLIMIT_START 16
/* Kept free on top: a reload opens the INI and each zone file in turn,
 * libcurl may open a resolver or keep a connection a little longer. */
#define FDLIMIT_SLACK 8

struct fdlimit_need {
	unsigned udp_sockets;   /* threads x listen addresses */
	unsigned tcp_listeners; /* listen addresses */
	unsigned control;       /* 1 with a control endpoint, else 0 */
	unsigned control_max;   /* its own connection cap */
	unsigned probes;        /* checks that may be in flight at once */
	unsigned tcp_max_clients;
};

struct fdlimit_plan {
	unsigned long limit;  /* the soft limit in force */
	unsigned long start;  /* the least that can start at all */
	unsigned long full;   /* what the configuration needs in full */
	unsigned fixed;       /* sockets + FDLIMIT_START + FDLIMIT_SLACK */
	unsigned tcp_clients; /* DNS TCP clients allowed */
	unsigned control_max; /* control connections allowed */
	bool can_start;       /* limit >= start */
	bool enough;          /* limit >= full */
};

/* Raise the soft limit to the hard one (never lower it). Returns the soft
 * limit now in force, capped at 2^24 when unlimited; *raised_from is the
 * one before (equal when nothing changed). */
unsigned long fdlimit_raise(unsigned long *raised_from);

/* Share limit out among need (see the file comment). When the limit is
 * short, the control endpoint keeps a quarter of what is left after the
 * fixed part and the checks (at least one, at most its cap) and TCP the
 * rest. Pure: unit-tested. */
void fdlimit_plan(const struct fdlimit_need *need, unsigned long limit,
                  struct fdlimit_plan *out);

#endif
