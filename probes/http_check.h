/* http_check.h - http and https health checks: one GET per check through
 * libcurl's multi socket interface, driven by the probe thread's event
 * base (curl's hiperfifo wiring). Probe thread only. */
#ifndef DNSD_HTTP_CHECK_H
#define DNSD_HTTP_CHECK_H

#include <stdbool.h>

struct event_base;
struct probe_target;
struct http_check_engine;
struct http_check;

/* The result of one check, called once from the event loop (never from
 * inside http_check_start or http_check_cancel). detail ("HTTP 200",
 * "HTTP 503", "timeout after 2000 ms", "connection refused", or curl's
 * error text) is valid only during the call. */
typedef void http_check_done_fn(void *arg, bool ok, const char *detail);

/* A curl multi handle bound to base. NULL on failure. */
struct http_check_engine *http_check_engine_new(struct event_base *base);

/* Cancel every check still running (without calling back) and free. NULL
 * is ignored. */
void http_check_engine_free(struct http_check_engine *e);

/* Start one check of t with t->check (type http or https). Everything the
 * check needs is copied, so t may be freed while it runs. Returns 0 and
 * the check in *out, or -1 (nothing started, no call back). */
int http_check_start(struct http_check_engine *e, const struct probe_target *t,
                     http_check_done_fn *done, void *arg,
                     struct http_check **out);

/* Abort a running check; done is not called. */
void http_check_cancel(struct http_check *c);

#endif
