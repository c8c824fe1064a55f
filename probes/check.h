/* check.h - the interface every check type implements (relayd's one file
 * per check type): an ops table of engine set-up, start and cancel, and the
 * named result each check ends with. probe.c picks the table by the
 * profile's type and never looks inside a check. Probe thread only. */
#ifndef DNSD_CHECK_H
#define DNSD_CHECK_H

#include <errno.h>
#include <stdbool.h>

#include "conf/config.h"

struct event_base;
struct probe_target;

/* How a check ended. CHECK_NO_FD is not a verdict on the member: the
 * probe thread could not get a descriptor for it (socket() failed with
 * EMFILE or ENFILE), so the prober skips the check instead of counting a
 * failure. */
enum check_result {
	CHECK_OK,
	CHECK_FAILED,
	CHECK_NO_FD,
};

/* Called once per started check, from the event loop (never from inside
 * start or cancel). detail names the outcome in a few words ("HTTP 200",
 * "connection refused", "timeout after 2000 ms", ...) and is valid only
 * during the call. */
typedef void check_done_fn(void *arg, enum check_result result,
                           const char *detail);

/* A running check. Each type's own state begins with this header, so the
 * prober can cancel a check without knowing its type. */
struct check {
	const struct check_ops *ops;
};

struct check_ops {
	const char *name; /* "http", "tcp": for logs */
	/* The type's state shared by all its checks on one event base (a
	 * curl multi handle for http). NULL on failure. */
	void *(*engine_new)(struct event_base *base);
	/* Free the engine. Its checks must have ended or been cancelled
	 * (prober_free cancels them first). NULL is ignored. */
	void (*engine_free)(void *engine);
	/* Start one check of t with t->check. Everything the check needs is
	 * copied, so t may be freed while it runs. Returns 0 and the check
	 * in *out; -EMFILE or -ENFILE when there was no descriptor for it
	 * (check_errno_is_no_fd); another negative errno value on any other
	 * failure. On failure nothing started
	 * and done is never called. */
	int (*start)(void *engine, const struct probe_target *t,
	             check_done_fn *done, void *arg, struct check **out);
	/* Abort a running check; done is not called. */
	void (*cancel)(struct check *c);
};

/* The check types: each has one engine per prober. */
extern const struct check_ops http_check_ops; /* http and https */
extern const struct check_ops tcp_check_ops;
#define CHECK_OPS_COUNT 2
extern const struct check_ops *const check_ops_all[CHECK_OPS_COUNT];
/* The index in check_ops_all of the type that runs a profile's checks. */
unsigned check_ops_index(enum check_type type);

/* True when err says the process or the system is out of descriptors:
 * the check could not be made, which says nothing about the member. */
static inline bool check_errno_is_no_fd(int err)
{
	return err == EMFILE || err == ENFILE;
}

#endif
