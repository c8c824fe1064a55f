/* admin.c - the override table: targets, precedence, applying it to a
 * snapshot. The state file is admin_file.c. */
#include "snapshot/admin.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "snapshot/snapshot.h"

void admin_table_init(struct admin_table *t)
{
	memset(t, 0, sizeof(*t));
	pthread_mutex_init(&t->lock, NULL);
}

void admin_table_free(struct admin_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i]);
	free(t->v);
	pthread_mutex_destroy(&t->lock);
	memset(t, 0, sizeof(*t));
}

int64_t admin_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The alphabet of cluster names (conf's NAMING_IDENT). */
static bool admin_ident_ok(const char *s, size_t n)
{
	if (n == 0 || n > 63)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		      c == '.'))
			return false;
	}
	return true;
}

static bool admin_parse_addr(const char *s, struct admin_target *t)
{
	memset(t->addr, 0, sizeof(t->addr));
	if (inet_pton(AF_INET, s, t->addr) == 1) {
		t->family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, s, t->addr) == 1) {
		t->family = AF_INET6;
		return true;
	}
	return false;
}

int admin_parse_target(const char *s, struct admin_target *t, char *err,
                       size_t errlen)
{
	memset(t, 0, sizeof(*t));
	size_t len = strlen(s);
	char addr_text[INET6_ADDRSTRLEN];
	if (len == 0 || len >= ADMIN_TARGET_MAX) {
		snprintf(err, errlen, "bad target \"%.*s\": empty or too long",
		         64, s);
		return -1;
	}
	const char *slash = strchr(s, '/');
	const char *addr = s;
	if (slash != NULL) {
		size_t cl = (size_t)(slash - s);
		if (!admin_ident_ok(s, cl)) {
			snprintf(err, errlen,
			         "bad target \"%s\": want CLUSTER/ADDRESS", s);
			return -1;
		}
		memcpy(t->cluster, s, cl);
		t->cluster[cl] = '\0';
		addr = slash + 1;
		t->kind = ADMIN_MEMBER;
	} else {
		t->kind = ADMIN_ADDRESS;
	}
	if (admin_parse_addr(addr, t)) {
		inet_ntop(t->family, t->addr, addr_text, sizeof(addr_text));
		if (t->kind == ADMIN_MEMBER)
			snprintf(t->text, sizeof(t->text), "%s/%s", t->cluster,
			         addr_text);
		else
			snprintf(t->text, sizeof(t->text), "%s", addr_text);
		return 0;
	}
	if (slash != NULL) {
		snprintf(err, errlen, "bad target \"%s\": %s is not an address",
		         s, addr);
		return -1;
	}
	if (!admin_ident_ok(s, len)) {
		snprintf(err, errlen,
		         "bad target \"%s\": not an address, CLUSTER/ADDRESS "
		         "or cluster name",
		         s);
		return -1;
	}
	t->kind = ADMIN_CLUSTER;
	memcpy(t->cluster, s, len + 1);
	memcpy(t->text, s, len + 1);
	return 0;
}

bool admin_target_matches(const struct admin_target *t, const char *cluster,
                          int family, const uint8_t *addr)
{
	if (t->kind != ADMIN_ADDRESS && strcmp(t->cluster, cluster) != 0)
		return false;
	if (t->kind == ADMIN_CLUSTER)
		return true;
	return t->family == family &&
	       memcmp(t->addr, addr, family == AF_INET ? 4 : 16) == 0;
}

static int lb_family_af(int f)
{
	return f == LB_V4 ? AF_INET : AF_INET6;
}

size_t admin_target_each(const struct snapshot *s, const struct admin_target *t,
                         void (*fn)(void *arg, const struct lb_cluster *c,
                                    const struct lb_member *m),
                         void *arg)
{
	size_t n = 0;
	for (size_t i = 0; i < s->nclusters; i++) {
		const struct lb_cluster *c = &s->clusters[i];
		if (t->kind != ADMIN_ADDRESS &&
		    strcmp(t->cluster, c->name) != 0)
			continue;
		for (int f = 0; f < 2; f++)
			for (uint32_t j = 0; j < c->nmembers[f]; j++) {
				const struct lb_member *m = &c->members[f][j];
				if (!admin_target_matches(
				        t, c->name, lb_family_af(f), m->addr))
					continue;
				n++;
				if (fn != NULL)
					fn(arg, c, m);
			}
	}
	return n;
}

const struct admin_override *admin_resolve(const struct admin_table *t,
                                           const char *cluster, int family,
                                           const uint8_t *addr)
{
	const struct admin_override *best = NULL;
	for (size_t i = 0; i < t->n; i++) {
		const struct admin_override *o = t->v[i];
		if ((best == NULL || o->t.kind > best->t.kind) &&
		    admin_target_matches(&o->t, cluster, family, addr))
			best = o;
	}
	return best;
}

void admin_apply(const struct admin_table *t, struct snapshot *s)
{
	for (size_t i = 0; i < s->nclusters; i++) {
		struct lb_cluster *c = &s->clusters[i];
		for (int f = 0; f < 2; f++) {
			/* The snapshot's members are const to readers; this
			 * is their one writer (lb.h). */
			struct lb_member *ms =
			    (struct lb_member *)(uintptr_t)c->members[f];
			for (uint32_t j = 0; j < c->nmembers[f]; j++) {
				struct lb_member *m = &ms[j];
				const struct admin_override *o = admin_resolve(
				    t, c->name, lb_family_af(f), m->addr);
				m->admin_by = o;
				atomic_store_explicit(
				    &m->admin,
				    (uint8_t)(o ? o->state : LB_ADMIN_NONE),
				    memory_order_relaxed);
			}
		}
	}
}

struct admin_override *admin_find(const struct admin_table *t,
                                  const struct admin_target *target)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->v[i]->t.text, target->text) == 0)
			return t->v[i];
	return NULL;
}

int admin_put(struct admin_table *t, const struct admin_override *o)
{
	struct admin_override *old = admin_find(t, &o->t);
	if (old != NULL) {
		*old = *o;
		return 0;
	}
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		struct admin_override **v = realloc(t->v, cap * sizeof(*v));
		if (v == NULL)
			return -1;
		t->v = v;
		t->cap = cap;
	}
	struct admin_override *n = malloc(sizeof(*n));
	if (n == NULL)
		return -1;
	*n = *o;
	t->v[t->n++] = n;
	return 0;
}

static void admin_drop(struct admin_table *t, size_t i)
{
	free(t->v[i]);
	/* Keep the order: `dnsdctl admin` lists in the order given. */
	memmove(&t->v[i], &t->v[i + 1], (t->n - i - 1) * sizeof(*t->v));
	t->n--;
}

bool admin_remove(struct admin_table *t, const struct admin_target *target)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->v[i]->t.text, target->text) == 0) {
			admin_drop(t, i);
			return true;
		}
	return false;
}

int64_t admin_next_expiry(const struct admin_table *t)
{
	int64_t next = 0;
	for (size_t i = 0; i < t->n; i++) {
		int64_t u = t->v[i]->until_ms;
		if (u > 0 && (next == 0 || u < next))
			next = u;
	}
	return next;
}

size_t admin_expire(struct admin_table *t, int64_t now_ms,
                    void (*fn)(void *arg, const struct admin_override *o),
                    void *arg)
{
	size_t n = 0;
	for (size_t i = 0; i < t->n;) {
		const struct admin_override *o = t->v[i];
		if (o->until_ms > 0 && o->until_ms <= now_ms) {
			if (fn != NULL)
				fn(arg, o);
			admin_drop(t, i);
			n++;
		} else {
			i++;
		}
	}
	return n;
}

const char *admin_state_name(enum lb_admin s)
{
	switch (s) {
	case LB_ADMIN_DRAIN:
		return "drain";
	case LB_ADMIN_FORCE_UP:
		return "force-up";
	case LB_ADMIN_NONE:
		break;
	}
	return NULL;
}

void admin_format_duration(uint64_t ms, char *buf, size_t len)
{
	static const struct {
		uint64_t ms;
		const char *unit;
	} units[] = {
	    {86400000, "d"}, {3600000, "h"}, {60000, "m"}, {1000, "s"}};
	for (size_t i = 0; i < DNSD_ARRAY_LEN(units); i++)
		if (ms >= units[i].ms && ms % units[i].ms == 0) {
			snprintf(buf, len, "%llu%s",
			         (unsigned long long)(ms / units[i].ms),
			         units[i].unit);
			return;
		}
	snprintf(buf, len, "%llums", (unsigned long long)ms);
}

bool admin_reason_ok(const char *reason)
{
	size_t n = strlen(reason);
	if (n > ADMIN_REASON_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)reason[i];
		if (c < 0x20 || c == 0x7f)
			return false;
	}
	return true;
}
