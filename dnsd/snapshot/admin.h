/* admin.h - the operator's overrides of members (SPEC 7): drain and
 * force-up, keyed by target ADDRESS, CLUSTER/ADDRESS or CLUSTER, with an
 * optional expiry and a reason. The table lives for the whole run, apart
 * from any snapshot: admin_apply() writes its verdict into the members of
 * a snapshot (one atomic byte each, lb.h), which is how the answering
 * threads see it without a lock, and a reload applies it again to the new
 * snapshot before publishing it. The table itself is only touched by the
 * main thread and, under its lock, by the reload thread. */
#ifndef DNSD_SNAPSHOT_ADMIN_H
#define DNSD_SNAPSHOT_ADMIN_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/diag.h"
#include "lb/lb.h"

struct snapshot;

/* A reason is shown in logs, JSON and a terminal: one line, bounded. */
#define ADMIN_REASON_MAX 200
/* Cluster names are at most 63 bytes (conf), addresses 45. */
#define ADMIN_TARGET_MAX 112
/* State files bigger than this are not ours. */
#define ADMIN_STATE_MAX_BYTES (4u << 20)

/* In increasing specificity: the most specific override wins. */
enum admin_kind { ADMIN_CLUSTER = 0, ADMIN_ADDRESS = 1, ADMIN_MEMBER = 2 };

struct admin_target {
	enum admin_kind kind;
	char cluster[64]; /* CLUSTER and CLUSTER/ADDRESS */
	int family;       /* AF_INET or AF_INET6: ADDRESS and CLUSTER/ADDRESS */
	uint8_t addr[16];
	/* Canonical form ("eu-west/2001:db8::1"): the table's key. */
	char text[ADMIN_TARGET_MAX];
};

struct admin_override {
	struct admin_target t;
	enum lb_admin state; /* DRAIN or FORCE_UP */
	int64_t since_ms;    /* unix time in ms (CLOCK_REALTIME) */
	int64_t until_ms;    /* the same, or 0: until resumed */
	char reason[ADMIN_REASON_MAX + 1];
};

struct admin_table {
	/* Held by whoever applies the table to a snapshot that may be
	 * published meanwhile: the main thread changing it, the reload
	 * thread from applying it to a new snapshot until that is
	 * published (admin_apply's comment). */
	pthread_mutex_t lock;
	/* Pointers, so that a member's admin_by stays valid while the array
	 * grows; an override replaced in place keeps its address. */
	struct admin_override **v;
	size_t n, cap;
};

void admin_table_init(struct admin_table *t);
void admin_table_free(struct admin_table *t);

/* Parse TARGET as dnsdctl gives it: an address (IPv4 or IPv6), a
 * CLUSTER/ADDRESS pair, or a cluster name. Returns 0, or -1 with why in
 * err. Whether it names anything is admin_target_count's question. */
int admin_parse_target(const char *s, struct admin_target *t, char *err,
                       size_t errlen);

/* Does target t name this membership? */
bool admin_target_matches(const struct admin_target *t, const char *cluster,
                          int family, const uint8_t *addr);

/* Memberships of s that t names; fn (may be NULL) is called for each. */
size_t admin_target_each(const struct snapshot *s, const struct admin_target *t,
                         void (*fn)(void *arg, const struct lb_cluster *c,
                                    const struct lb_member *m),
                         void *arg);

/* The override in force for one membership: the most specific that names
 * it, or NULL. */
const struct admin_override *admin_resolve(const struct admin_table *t,
                                           const char *cluster, int family,
                                           const uint8_t *addr);

/* Write the table's verdict into every member of s (admin byte and
 * admin_by). The caller holds t->lock; when s is the published snapshot
 * the caller is also a qsbr reader. Holding the lock from applying to a
 * fresh snapshot until publishing it means no change made meanwhile can
 * miss the new snapshot. */
void admin_apply(const struct admin_table *t, struct snapshot *s);

/* The override with exactly this target, or NULL. */
struct admin_override *admin_find(const struct admin_table *t,
                                  const struct admin_target *target);

/* Add o, or replace the override of the same target in place. Returns 0 or
 * -1 when out of memory. Caller holds the lock. */
int admin_put(struct admin_table *t, const struct admin_override *o);

/* Remove the override of this target; false when there was none. Caller
 * holds the lock. */
bool admin_remove(struct admin_table *t, const struct admin_target *target);

/* Earliest until_ms of the table, or 0 when nothing expires. */
int64_t admin_next_expiry(const struct admin_table *t);

/* Remove every override with 0 < until_ms <= now_ms, calling fn with each
 * before it goes. Returns how many. Caller holds the lock. */
size_t admin_expire(struct admin_table *t, int64_t now_ms,
                    void (*fn)(void *arg, const struct admin_override *o),
                    void *arg);

/* "drain" / "force-up" (and NULL for NONE). */
const char *admin_state_name(enum lb_admin s);

/* A duration in ms as the shortest exact text: "30m", "2h", "90s",
 * "1500ms". */
void admin_format_duration(uint64_t ms, char *buf, size_t len);

/* Is reason fit to keep: at most ADMIN_REASON_MAX bytes, no control
 * characters (it goes into one log line, one state file line, JSON). */
bool admin_reason_ok(const char *reason);

/* The state file (SPEC 7): write the whole table to path atomically (a
 * temporary file beside it, fsync, rename, fsync of the folder). Returns
 * 0, or -1 with why in err. */
int admin_save(const struct admin_table *t, const char *path, char *err,
               size_t errlen);

/* Read path into the (empty) table. A missing file is an empty table; an
 * unreadable or malformed one is an error, each as PATH[:LINE]: message in
 * diag, and the table is left empty. Returns 0 or -1. */
int admin_load(struct admin_table *t, const char *path, struct diag *diag);

/* Now, as unix time in ms. */
int64_t admin_now_ms(void);

#endif
