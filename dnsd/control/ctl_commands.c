/* ctl_commands.c - drain, force-up, resume, admin and reload over the
 * control socket, and the expiry of overrides. A change is checked whole
 * first (every target must name something: else nothing changes), then
 * applied under the table's lock to the snapshot in force, written to the
 * state file, and only then answered: when dnsdctl returns 0, every answer
 * already follows it (SPEC 7). */
#include "control/ctl_commands.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "base/log.h"
#include "control/ctl_proto.h"
#include "snapshot/admin.h"

/* Waiters of `dnsdctl reload` at once; more are told to retry. */
#define CTL_MAX_WAITERS 256

struct ctl_waiter {
	struct ctl_client *c;
	uint64_t request; /* reloader_request's number */
};

struct ctl_commands {
	struct server *srv;
	struct admin_table *admin;
	unsigned slot;
	char *state_file; /* a copy: the config that named it goes on reload */
	struct event *expiry;
	struct reloader *reloader;
	struct ctl_waiter waiters[CTL_MAX_WAITERS];
	size_t nwaiters;
};

/* A reply body being built; out of memory makes it "out of memory". */
struct ctl_text {
	char *p;
	size_t len, cap;
	bool oom;
};

static void ctl_text_add(struct ctl_text *t, const char *fmt, ...)
    DNSD_PRINTF(2, 3);

static void ctl_text_add(struct ctl_text *t, const char *fmt, ...)
{
	va_list ap;
	for (int pass = 0; pass < 2 && !t->oom; pass++) {
		va_start(ap, fmt);
		int n = vsnprintf(t->p ? t->p + t->len : NULL,
		                  t->p ? t->cap - t->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->oom = true;
			return;
		}
		if (t->p != NULL && t->len + (size_t)n < t->cap) {
			t->len += (size_t)n;
			return;
		}
		size_t cap = t->cap ? t->cap : 256;
		while (cap <= t->len + (size_t)n)
			cap *= 2;
		char *p = realloc(t->p, cap);
		if (p == NULL) {
			t->oom = true;
			return;
		}
		t->p = p;
		t->cap = cap;
	}
}

static void ctl_text_reply(struct ctl_text *t, struct ctl_client *c, bool ok)
{
	if (t->oom)
		ctl_client_reply(c, false, "out of memory\n");
	else
		ctl_client_reply(c, ok, t->p != NULL ? t->p : "");
	free(t->p);
	t->p = NULL;
}

static void ctl_time(int64_t ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	if (ms <= 0 || gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "-");
}

/* ---------------------------------------------------------------------
 * expiry */

static void ctl_schedule(struct ctl_commands *cc)
{
	pthread_mutex_lock(&cc->admin->lock);
	int64_t next = admin_next_expiry(cc->admin);
	pthread_mutex_unlock(&cc->admin->lock);
	evtimer_del(cc->expiry);
	if (next == 0)
		return;
	int64_t wait = next - admin_now_ms();
	if (wait < 0)
		wait = 0;
	/* A day at most per arm: re-armed on firing, so a clock set back
	 * or forward is noticed within a day, not never. */
	if (wait > 86400000)
		wait = 86400000;
	struct timeval tv = {(time_t)(wait / 1000),
	                     (suseconds_t)(wait % 1000) * 1000};
	evtimer_add(cc->expiry, &tv);
}

static void ctl_save(struct ctl_commands *cc, char *err, size_t errlen, int *rc)
{
	*rc = 0;
	if (cc->state_file == NULL)
		return;
	*rc = admin_save(cc->admin, cc->state_file, err, errlen);
}

struct ctl_log {
	const char *what; /* "drained", "forced up", ... */
	const char *tail; /* ": reason" or "" */
	const char *dur;  /* " for 30m" or "" */
	size_t n;
};

static void ctl_log_member(void *arg, const struct lb_cluster *c,
                           const struct lb_member *m)
{
	struct ctl_log *l = arg;
	log_info("admin", "member %s (cluster %s) %s%s%s", m->text, c->name,
	         l->what, l->dur, l->tail);
	l->n++;
}

/* Log one line per membership a target names (SPEC 7), or one line for
 * the target when it names nothing now. */
static void ctl_log_target(const struct snapshot *s,
                           const struct admin_target *t, const char *what,
                           const char *dur, const char *tail)
{
	struct ctl_log l = {what, tail, dur, 0};
	admin_target_each(s, t, ctl_log_member, &l);
	if (l.n == 0)
		log_info("admin", "override %s (matches no member) %s%s%s",
		         t->text, what, dur, tail);
}

struct ctl_expired {
	const struct snapshot *s;
};

static void ctl_on_expired(void *arg, const struct admin_override *o)
{
	struct ctl_expired *e = arg;
	char what[64];
	snprintf(what, sizeof(what), "%s expired", admin_state_name(o->state));
	ctl_log_target(e->s, &o->t, what, "",
	               ": answers follow the probes again");
}

static void ctl_on_expiry(evutil_socket_t fd, short what, void *arg)
{
	struct ctl_commands *cc = arg;
	(void)fd;
	(void)what;
	qsbr_online(&cc->srv->qsbr, cc->slot);
	struct snapshot *s =
	    (struct snapshot *)(uintptr_t)server_snapshot(cc->srv);
	struct ctl_expired e = {s};
	pthread_mutex_lock(&cc->admin->lock);
	size_t n = admin_expire(cc->admin, admin_now_ms(), ctl_on_expired, &e);
	if (n > 0)
		admin_apply(cc->admin, s);
	pthread_mutex_unlock(&cc->admin->lock);
	qsbr_offline(&cc->srv->qsbr, cc->slot);
	if (n > 0) {
		char err[512];
		int rc;
		ctl_save(cc, err, sizeof(err), &rc);
		if (rc != 0)
			log_error("admin", "%s", err);
	}
	ctl_schedule(cc);
}

/* ---------------------------------------------------------------------
 * drain, force-up, resume */

struct ctl_args {
	const char *targets[CTL_MAX_ARGS];
	size_t ntargets;
	uint64_t for_ms;
	bool has_for;
	const char *reason;
};

static int ctl_parse_args(char *const *lines, size_t n, struct ctl_args *a,
                          struct ctl_text *err)
{
	memset(a, 0, sizeof(*a));
	a->reason = "";
	for (size_t i = 0; i < n; i++) {
		const char *l = lines[i];
		if (strncmp(l, "target=", 7) == 0 &&
		    a->ntargets < CTL_MAX_ARGS) {
			a->targets[a->ntargets++] = l + 7;
		} else if (strncmp(l, "for=", 4) == 0) {
			char *end;
			unsigned long long v = strtoull(l + 4, &end, 10);
			/* Ten years: beyond, a typo; and until_ms stays far
			 * from overflowing. */
			if (end == l + 4 || *end != '\0' || v == 0 ||
			    v > 315360000000ull) {
				ctl_text_add(err, "bad duration \"%s\"\n",
				             l + 4);
				return -1;
			}
			a->for_ms = v;
			a->has_for = true;
		} else if (strncmp(l, "reason=", 7) == 0) {
			a->reason = l + 7;
			if (!admin_reason_ok(a->reason)) {
				ctl_text_add(
				    err,
				    "bad reason: at most %d bytes, one "
				    "line\n",
				    ADMIN_REASON_MAX);
				return -1;
			}
		} else {
			ctl_text_add(err, "unknown argument \"%.64s\"\n", l);
			return -1;
		}
	}
	if (a->ntargets == 0) {
		ctl_text_add(err, "no target given\n");
		return -1;
	}
	return 0;
}

/* Parse and check every target against s: all must name something (or,
 * for resume, have an override). Errors go to err, one per line. */
static int ctl_check_targets(const struct ctl_commands *cc,
                             const struct snapshot *s, const struct ctl_args *a,
                             struct admin_target *t, bool resume,
                             struct ctl_text *err)
{
	int rc = 0;
	for (size_t i = 0; i < a->ntargets; i++) {
		char why[256];
		if (admin_parse_target(a->targets[i], &t[i], why,
		                       sizeof(why)) != 0) {
			ctl_text_add(err, "%s; nothing changed\n", why);
			rc = -1;
			continue;
		}
		/* An override whose target a reload removed can still be
		 * resumed: that is how it goes away. */
		if (resume && admin_find(cc->admin, &t[i]) != NULL)
			continue;
		if (admin_target_each(s, &t[i], NULL, NULL) == 0) {
			ctl_text_add(err,
			             "unknown target %s: no such member or "
			             "cluster; nothing changed\n",
			             t[i].text);
			rc = -1;
		}
	}
	return rc;
}

struct ctl_undo {
	bool had;
	struct admin_override prev;
};

static void ctl_set(struct ctl_commands *cc, struct ctl_client *c,
                    char *const *args, size_t nargs, enum lb_admin state)
{
	struct ctl_text out = {0};
	struct ctl_args a;
	if (ctl_parse_args(args, nargs, &a, &out) != 0) {
		ctl_text_reply(&out, c, false);
		return;
	}
	struct admin_target *t = calloc(a.ntargets, sizeof(*t));
	struct ctl_undo *undo = calloc(a.ntargets, sizeof(*undo));
	if (t == NULL || undo == NULL) {
		free(t);
		free(undo);
		ctl_client_reply(c, false, "out of memory\n");
		return;
	}
	qsbr_online(&cc->srv->qsbr, cc->slot);
	struct snapshot *s =
	    (struct snapshot *)(uintptr_t)server_snapshot(cc->srv);
	bool resume = state == LB_ADMIN_NONE;
	bool ok = ctl_check_targets(cc, s, &a, t, resume, &out) == 0;
	int64_t now = admin_now_ms();
	bool changed = false;
	if (ok) {
		pthread_mutex_lock(&cc->admin->lock);
		for (size_t i = 0; i < a.ntargets && ok; i++) {
			struct admin_override *old =
			    admin_find(cc->admin, &t[i]);
			undo[i].had = old != NULL;
			if (old != NULL)
				undo[i].prev = *old;
			if (resume) {
				changed |= admin_remove(cc->admin, &t[i]);
				continue;
			}
			struct admin_override o = {
			    .t = t[i],
			    .state = state,
			    .since_ms = now,
			    .until_ms = a.has_for ? now + (int64_t)a.for_ms : 0,
			};
			snprintf(o.reason, sizeof(o.reason), "%s", a.reason);
			if (admin_put(cc->admin, &o) != 0)
				ok = false;
			changed = true;
		}
		char err[512] = "out of memory";
		int rc = ok ? 0 : -1;
		if (ok && changed)
			ctl_save(cc, err, sizeof(err), &rc);
		if (rc != 0) {
			/* Not kept, not applied: the file and the answers
			 * must not disagree. Undo in reverse. */
			for (size_t i = a.ntargets; i-- > 0;) {
				admin_remove(cc->admin, &t[i]);
				if (undo[i].had)
					(void)admin_put(cc->admin,
					                &undo[i].prev);
			}
			ctl_text_add(&out, "%s; nothing changed\n", err);
			ok = false;
		}
		admin_apply(cc->admin, s);
		pthread_mutex_unlock(&cc->admin->lock);
	}
	if (ok) {
		char dur[48] = "", tail[ADMIN_REASON_MAX + 3] = "";
		char d[32];
		if (a.has_for) {
			admin_format_duration(a.for_ms, d, sizeof(d));
			snprintf(dur, sizeof(dur), " for %s", d);
		}
		if (a.reason[0] != '\0')
			snprintf(tail, sizeof(tail), ": %s", a.reason);
		const char *what = state == LB_ADMIN_DRAIN      ? "drained"
		                   : state == LB_ADMIN_FORCE_UP ? "forced up"
		                                                : "resumed";
		for (size_t i = 0; i < a.ntargets; i++) {
			size_t n = admin_target_each(s, &t[i], NULL, NULL);
			if (resume && !undo[i].had) {
				ctl_text_add(
				    &out, "%s: no override (nothing to do)\n",
				    t[i].text);
				continue;
			}
			ctl_log_target(s, &t[i], what, resume ? "" : dur,
			               resume ? ": answers follow the probes "
			                        "again"
			                      : tail);
			ctl_text_add(&out, "%s %s%s (%zu member%s)\n", what,
			             t[i].text, resume ? "" : dur, n,
			             n == 1 ? "" : "s");
		}
		if (resume) {
			/* Say what still holds a resumed member. */
			pthread_mutex_lock(&cc->admin->lock);
			for (size_t i = 0; i < s->nclusters; i++) {
				const struct lb_cluster *cl = &s->clusters[i];
				for (int f = 0; f < 2; f++)
					for (uint32_t j = 0;
					     j < cl->nmembers[f]; j++) {
						const struct lb_member *m =
						    &cl->members[f][j];
						const struct admin_override *o =
						    m->admin_by;
						bool hit = false;
						for (size_t k = 0;
						     o != NULL &&
						     k < a.ntargets;
						     k++)
							hit |=
							    admin_target_matches(
							        &t[k], cl->name,
							        f == LB_V4
							            ? AF_INET
							            : AF_INET6,
							        m->addr);
						if (hit)
							ctl_text_add(
							    &out,
							    "note: member %s "
							    "(cluster %s) is "
							    "still %s by %s\n",
							    m->text, cl->name,
							    o->state ==
							            LB_ADMIN_DRAIN
							        ? "drained"
							        : "forced up",
							    o->t.text);
					}
			}
			pthread_mutex_unlock(&cc->admin->lock);
		}
	}
	qsbr_offline(&cc->srv->qsbr, cc->slot);
	free(t);
	free(undo);
	if (ok)
		ctl_schedule(cc);
	ctl_text_reply(&out, c, ok);
}

/* ---------------------------------------------------------------------
 * admin: the table, one override per line, tab-separated */

static void ctl_admin(struct ctl_commands *cc, struct ctl_client *c)
{
	struct ctl_text out = {0};
	qsbr_online(&cc->srv->qsbr, cc->slot);
	const struct snapshot *s = server_snapshot(cc->srv);
	pthread_mutex_lock(&cc->admin->lock);
	for (size_t i = 0; i < cc->admin->n; i++) {
		const struct admin_override *o = cc->admin->v[i];
		char since[32], until[32];
		ctl_time(o->since_ms, since, sizeof(since));
		ctl_time(o->until_ms, until, sizeof(until));
		size_t n = admin_target_each(s, &o->t, NULL, NULL);
		char matched[32];
		if (n == 0)
			snprintf(matched, sizeof(matched), "unmatched");
		else
			snprintf(matched, sizeof(matched), "%zu", n);
		ctl_text_add(&out, "%s\t%s\t%s\t%s\t%s\t%s\n", o->t.text,
		             admin_state_name(o->state), since, until, matched,
		             o->reason);
	}
	pthread_mutex_unlock(&cc->admin->lock);
	qsbr_offline(&cc->srv->qsbr, cc->slot);
	ctl_text_reply(&out, c, true);
}

/* ---------------------------------------------------------------------
 * reload */

static void ctl_reload_done(void *arg, uint64_t upto, bool ok,
                            const char *errors)
{
	struct ctl_commands *cc = arg;
	size_t k = 0;
	for (size_t i = 0; i < cc->nwaiters; i++) {
		struct ctl_waiter *w = &cc->waiters[i];
		if (w->request > upto) {
			cc->waiters[k++] = *w; /* a later reload covers it */
			continue;
		}
		if (ok) {
			ctl_client_reply(w->c, true, "reloaded\n");
		} else {
			struct ctl_text out = {0};
			ctl_text_add(&out,
			             "%sreload failed; still serving the "
			             "previous configuration\n",
			             errors);
			ctl_text_reply(&out, w->c, false);
		}
	}
	cc->nwaiters = k;
}

static void ctl_reload(struct ctl_commands *cc, struct ctl_client *c)
{
	if (cc->reloader == NULL || cc->nwaiters == CTL_MAX_WAITERS) {
		ctl_client_reply(c, false, "busy: try again\n");
		return;
	}
	if (atomic_load(&cc->srv->stopping)) {
		ctl_client_reply(c, false, "dnsd is stopping\n");
		return;
	}
	cc->waiters[cc->nwaiters].c = c;
	cc->waiters[cc->nwaiters].request = reloader_request(cc->reloader);
	cc->nwaiters++;
}

void ctl_commands_handle(void *arg, struct ctl_client *c, char *const *lines,
                         size_t nlines)
{
	struct ctl_commands *cc = arg;
	const char *cmd = nlines > 0 ? lines[0] : "";
	char *const *args = lines + (nlines > 0);
	size_t nargs = nlines > 0 ? nlines - 1 : 0;
	if (strcmp(cmd, "drain") == 0) {
		ctl_set(cc, c, args, nargs, LB_ADMIN_DRAIN);
	} else if (strcmp(cmd, "force-up") == 0) {
		ctl_set(cc, c, args, nargs, LB_ADMIN_FORCE_UP);
	} else if (strcmp(cmd, "resume") == 0) {
		ctl_set(cc, c, args, nargs, LB_ADMIN_NONE);
	} else if (strcmp(cmd, "admin") == 0 && nargs == 0) {
		ctl_admin(cc, c);
	} else if (strcmp(cmd, "reload") == 0 && nargs == 0) {
		ctl_reload(cc, c);
	} else {
		struct ctl_text out = {0};
		ctl_text_add(&out, "unknown command \"%.64s\"\n", cmd);
		ctl_text_reply(&out, c, false);
	}
}

struct ctl_commands *ctl_commands_new(struct event_base *base,
                                      struct server *srv, unsigned qsbr_slot,
                                      const char *state_file)
{
	struct ctl_commands *cc = calloc(1, sizeof(*cc));
	if (cc == NULL)
		return NULL;
	cc->srv = srv;
	cc->admin = srv->admin;
	cc->slot = qsbr_slot;
	cc->state_file = state_file ? strdup(state_file) : NULL;
	cc->expiry = evtimer_new(base, ctl_on_expiry, cc);
	if (cc->expiry == NULL || (state_file && cc->state_file == NULL)) {
		if (cc->expiry != NULL)
			event_free(cc->expiry);
		free(cc->state_file);
		free(cc);
		return NULL;
	}
	ctl_schedule(cc);
	return cc;
}

void ctl_commands_set_reloader(struct ctl_commands *cc, struct reloader *r)
{
	cc->reloader = r;
	reloader_on_done(r, ctl_reload_done, cc);
}

void ctl_commands_free(struct ctl_commands *cc)
{
	if (cc == NULL)
		return;
	if (cc->reloader != NULL)
		reloader_on_done(cc->reloader, NULL, NULL);
	event_free(cc->expiry);
	free(cc->state_file);
	free(cc);
}
