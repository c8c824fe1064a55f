/* tcp_check.h - tcp health checks: a non-blocking connect on the probe
 * thread's event base; success is a connection opened within the timeout.
 * Probe thread only. */
#ifndef DNSD_TCP_CHECK_H
#define DNSD_TCP_CHECK_H

#include <stdbool.h>

struct event_base;
struct probe_target;
struct tcp_check;

/* The result of one check, called once from the event loop (never from
 * inside tcp_check_start or tcp_check_cancel). detail ("connected",
 * "connection refused", "timeout after 2000 ms", or strerror text) is
 * valid only during the call. */
typedef void tcp_check_done_fn(void *arg, bool ok, const char *detail);

/* Start one connect to t's address and t->check->port, bounded by
 * t->check->timeout_ms. Nothing of t is kept. Returns 0 and the check in
 * *out, or -1 (nothing started, no call back). */
int tcp_check_start(struct event_base *base, const struct probe_target *t,
                    tcp_check_done_fn *done, void *arg, struct tcp_check **out);

/* Abort a running check; done is not called. */
void tcp_check_cancel(struct tcp_check *c);

#endif
