/* fdlimit.c - see fdlimit.h. */
#include "server/fdlimit.h"

#include <sys/resource.h>

/* An unlimited hard limit: Linux refuses a soft limit above fs.nr_open
 * (2^20 by default), so ask for that much. */
#define FDLIMIT_UNLIMITED (1UL << 20)
/* A bound for the arithmetic only; no host gives more. */
#define FDLIMIT_CAP (1UL << 24)

unsigned long fdlimit_raise(unsigned long *raised_from)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
		*raised_from = 0;
		return 0;
	}
	unsigned long cur = rl.rlim_cur == RLIM_INFINITY
	                        ? FDLIMIT_CAP
	                        : (unsigned long)rl.rlim_cur;
	*raised_from = cur;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < rl.rlim_max) {
		struct rlimit want = rl;
		want.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &want) != 0 &&
		    rl.rlim_max == RLIM_INFINITY) {
			want.rlim_cur = FDLIMIT_UNLIMITED;
			if (setrlimit(RLIMIT_NOFILE, &want) != 0)
				want.rlim_cur = rl.rlim_cur;
		}
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
			cur = rl.rlim_cur == RLIM_INFINITY
			          ? FDLIMIT_CAP
			          : (unsigned long)rl.rlim_cur;
	}
	return cur > FDLIMIT_CAP ? FDLIMIT_CAP : cur;
}

void fdlimit_plan(const struct fdlimit_need *need, unsigned long limit,
                  struct fdlimit_plan *out)
{
	unsigned long sockets = (unsigned long)need->udp_sockets +
	                        need->tcp_listeners + need->control;
	unsigned long control_max = need->control ? need->control_max : 0;
	out->limit = limit > FDLIMIT_CAP ? FDLIMIT_CAP : limit;
	out->fixed = (unsigned)(sockets + FDLIMIT_START + FDLIMIT_SLACK);
	out->start = sockets + FDLIMIT_START;
	out->full = out->fixed + (unsigned long)need->probes + control_max +
	            need->tcp_max_clients;
	out->can_start = out->limit >= out->start;
	out->enough = out->limit >= out->full;
	if (out->enough) {
		out->tcp_clients = need->tcp_max_clients;
		out->control_max = (unsigned)control_max;
		return;
	}
	unsigned long left = 0;
	if (out->limit > out->fixed + (unsigned long)need->probes)
		left = out->limit - out->fixed - need->probes;
	unsigned long ctl = left / 4;
	if (ctl < 1)
		ctl = 1;
	if (ctl > control_max)
		ctl = control_max;
	unsigned long tcp = left > ctl ? left - ctl : 0;
	if (tcp > need->tcp_max_clients)
		tcp = need->tcp_max_clients;
	out->control_max = (unsigned)ctl;
	out->tcp_clients = (unsigned)tcp;
}
