/* test_admin.c - the override table (SPEC 7): target syntax, precedence
 * (CLUSTER/ADDRESS over ADDRESS over CLUSTER), replacement, expiry,
 * applying to a snapshot, and the state file (round trip, corruption). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "snapshot/admin.h"
#include "snapshot/snapshot.h"

static void test_parse_targets(void **state)
{
	(void)state;
	struct admin_target t;
	char err[256];
	assert_int_equal(admin_parse_target("198.51.100.10", &t, err, 256), 0);
	assert_int_equal(t.kind, ADMIN_ADDRESS);
	assert_int_equal(t.family, AF_INET);
	assert_string_equal(t.text, "198.51.100.10");
	/* IPv6 is canonical, so "2001:DB8:0::1" and "2001:db8::1" are one
	 * target. */
	assert_int_equal(
	    admin_parse_target("eu-west/2001:DB8:0::1", &t, err, 256), 0);
	assert_int_equal(t.kind, ADMIN_MEMBER);
	assert_string_equal(t.cluster, "eu-west");
	assert_string_equal(t.text, "eu-west/2001:db8::1");
	assert_int_equal(admin_parse_target("eu-west", &t, err, 256), 0);
	assert_int_equal(t.kind, ADMIN_CLUSTER);
	assert_string_equal(t.text, "eu-west");
	static const char *const bad[] = {"",          "eu west",   "eu/",
	                                  "/1.2.3.4",  "eu/1.2.3",  "a/b/c",
	                                  "eu;rm -rf", "1.2.3.4/eu"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(admin_parse_target(bad[i], &t, err, 256), -1);
}

static struct admin_override ov(const char *target, enum lb_admin st,
                                int64_t until)
{
	struct admin_override o;
	char err[256];
	memset(&o, 0, sizeof(o));
	assert_int_equal(admin_parse_target(target, &o.t, err, sizeof(err)), 0);
	o.state = st;
	o.since_ms = 1000;
	o.until_ms = until;
	snprintf(o.reason, sizeof(o.reason), "r %s", target);
	return o;
}

static const uint8_t A10[4] = {198, 51, 100, 10};
static const uint8_t A11[4] = {198, 51, 100, 11};

/* Most specific wins, whatever the order overrides were given in. */
static void test_precedence(void **state)
{
	(void)state;
	struct admin_table t;
	admin_table_init(&t);
	struct admin_override c = ov("eu", LB_ADMIN_DRAIN, 0);
	struct admin_override a = ov("198.51.100.10", LB_ADMIN_FORCE_UP, 0);
	struct admin_override m = ov("eu/198.51.100.10", LB_ADMIN_DRAIN, 0);
	assert_int_equal(admin_put(&t, &c), 0);
	const struct admin_override *r;
	r = admin_resolve(&t, "eu", AF_INET, A10);
	assert_non_null(r);
	assert_int_equal(r->t.kind, ADMIN_CLUSTER);
	assert_null(admin_resolve(&t, "us", AF_INET, A10));
	assert_int_equal(admin_put(&t, &a), 0);
	r = admin_resolve(&t, "eu", AF_INET, A10);
	assert_int_equal(r->state, LB_ADMIN_FORCE_UP); /* ADDRESS > CLUSTER */
	r = admin_resolve(&t, "us", AF_INET, A10);
	assert_int_equal(r->state, LB_ADMIN_FORCE_UP); /* every cluster */
	r = admin_resolve(&t, "eu", AF_INET, A11);
	assert_int_equal(r->state, LB_ADMIN_DRAIN); /* the cluster's */
	assert_int_equal(admin_put(&t, &m), 0);
	r = admin_resolve(&t, "eu", AF_INET, A10);
	assert_int_equal(r->t.kind, ADMIN_MEMBER); /* MEMBER > ADDRESS */
	assert_int_equal(r->state, LB_ADMIN_DRAIN);
	r = admin_resolve(&t, "us", AF_INET, A10);
	assert_int_equal(r->state, LB_ADMIN_FORCE_UP); /* other clusters */
	/* Another family with the same leading bytes is another address. */
	uint8_t v6[16] = {198, 51, 100, 10};
	assert_null(admin_resolve(&t, "us", AF_INET6, v6));
	/* Removing the specific one falls back to the next. */
	assert_true(admin_remove(&t, &m.t));
	assert_false(admin_remove(&t, &m.t));
	r = admin_resolve(&t, "eu", AF_INET, A10);
	assert_int_equal(r->state, LB_ADMIN_FORCE_UP);
	admin_table_free(&t);
}

/* A new override of the same target replaces the old one in place. */
static void test_replace_in_place(void **state)
{
	(void)state;
	struct admin_table t;
	admin_table_init(&t);
	struct admin_override a = ov("198.51.100.10", LB_ADMIN_DRAIN, 0);
	assert_int_equal(admin_put(&t, &a), 0);
	const struct admin_override *first = t.v[0];
	a.state = LB_ADMIN_FORCE_UP;
	assert_int_equal(admin_put(&t, &a), 0);
	assert_int_equal(t.n, 1);
	assert_ptr_equal(t.v[0], first);
	assert_int_equal(t.v[0]->state, LB_ADMIN_FORCE_UP);
	admin_table_free(&t);
}

static int expired_calls;
static void on_expired(void *arg, const struct admin_override *o)
{
	(void)arg;
	(void)o;
	expired_calls++;
}

static void test_expiry(void **state)
{
	(void)state;
	struct admin_table t;
	admin_table_init(&t);
	struct admin_override a = ov("198.51.100.10", LB_ADMIN_DRAIN, 5000);
	struct admin_override b = ov("eu", LB_ADMIN_DRAIN, 3000);
	struct admin_override c = ov("us", LB_ADMIN_DRAIN, 0);
	admin_put(&t, &a);
	admin_put(&t, &b);
	admin_put(&t, &c);
	assert_int_equal(admin_next_expiry(&t), 3000);
	expired_calls = 0;
	assert_int_equal(admin_expire(&t, 2999, on_expired, NULL), 0);
	assert_int_equal(admin_expire(&t, 3000, on_expired, NULL), 1);
	assert_int_equal(expired_calls, 1);
	assert_int_equal(admin_next_expiry(&t), 5000);
	assert_int_equal(admin_expire(&t, 1000000, on_expired, NULL), 1);
	assert_int_equal(t.n, 1); /* no expiry: stays */
	assert_int_equal(admin_next_expiry(&t), 0);
	admin_table_free(&t);
}

/* admin_apply writes each membership's verdict into the snapshot. */
static void test_apply_to_snapshot(void **state)
{
	(void)state;
	struct lb_member eu[2] = {{.text = "198.51.100.10"},
	                          {.text = "198.51.100.11"}};
	struct lb_member us[1] = {{.text = "198.51.100.10"}};
	memcpy(eu[0].addr, A10, 4);
	memcpy(eu[1].addr, A11, 4);
	memcpy(us[0].addr, A10, 4);
	struct lb_cluster cl[2] = {
	    {.name = "eu", .members = {eu, NULL}, .nmembers = {2, 0}},
	    {.name = "us", .members = {us, NULL}, .nmembers = {1, 0}},
	};
	struct snapshot s;
	memset(&s, 0, sizeof(s));
	s.clusters = cl;
	s.nclusters = 2;
	struct admin_table t;
	admin_table_init(&t);
	struct admin_override a = ov("eu/198.51.100.10", LB_ADMIN_DRAIN, 0);
	struct admin_override b = ov("us", LB_ADMIN_FORCE_UP, 0);
	admin_put(&t, &a);
	admin_put(&t, &b);
	admin_apply(&t, &s);
	assert_int_equal(lb_member_admin(&eu[0]), LB_ADMIN_DRAIN);
	assert_int_equal(lb_member_admin(&eu[1]), LB_ADMIN_NONE);
	assert_int_equal(lb_member_admin(&us[0]), LB_ADMIN_FORCE_UP);
	assert_ptr_equal(eu[0].admin_by, t.v[0]);
	assert_null(eu[1].admin_by);
	/* Target counts: what "unknown target" and "unmatched" rest on. */
	struct admin_target x;
	char err[256];
	admin_parse_target("198.51.100.10", &x, err, sizeof(err));
	assert_int_equal(admin_target_each(&s, &x, NULL, NULL), 2);
	admin_parse_target("eu", &x, err, sizeof(err));
	assert_int_equal(admin_target_each(&s, &x, NULL, NULL), 2);
	admin_parse_target("us/198.51.100.11", &x, err, sizeof(err));
	assert_int_equal(admin_target_each(&s, &x, NULL, NULL), 0);
	/* Resumed: the bytes go back. */
	admin_remove(&t, &a.t);
	admin_apply(&t, &s);
	assert_int_equal(lb_member_admin(&eu[0]), LB_ADMIN_NONE);
	assert_null(eu[0].admin_by);
	admin_table_free(&t);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_state_file(void **state)
{
	(void)state;
	char dir[] = "/tmp/dnsd-admin-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[256], err[512];
	snprintf(path, sizeof(path), "%s/state", dir);
	struct admin_table t, u;
	struct diag d;
	admin_table_init(&t);
	admin_table_init(&u);
	/* Missing: empty, no error (first start). */
	diag_init(&d);
	assert_int_equal(admin_load(&u, path, &d), 0);
	assert_int_equal(u.n, 0);
	struct admin_override a = ov("eu/2001:db8::1", LB_ADMIN_DRAIN, 77);
	struct admin_override b = ov("us", LB_ADMIN_FORCE_UP, 0);
	snprintf(b.reason, sizeof(b.reason), "%s", "");
	admin_put(&t, &a);
	admin_put(&t, &b);
	assert_int_equal(admin_save(&t, path, err, sizeof(err)), 0);
	assert_int_equal(admin_load(&u, path, &d), 0);
	assert_int_equal(d.count, 0);
	assert_int_equal(u.n, 2);
	assert_string_equal(u.v[0]->t.text, "eu/2001:db8::1");
	assert_int_equal(u.v[0]->until_ms, 77);
	assert_int_equal(u.v[0]->since_ms, 1000);
	assert_string_equal(u.v[0]->reason, "r eu/2001:db8::1");
	assert_int_equal(u.v[1]->state, LB_ADMIN_FORCE_UP);
	assert_string_equal(u.v[1]->reason, "");
	/* No temporary file left behind. */
	char tmp[300];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	assert_int_not_equal(access(tmp, F_OK), 0);
	admin_table_free(&u);

	/* Corrupt files: an error with the line, and nothing loaded. */
	static const char *const corrupt[] = {
	    "",                                     /* empty */
	    "garbage\n",                            /* no header */
	    "dnsd-admin 2\n",                       /* other version */
	    "dnsd-admin 1\neu\tdrain\t1\t0\n",      /* 4 fields */
	    "dnsd-admin 1\neu\tsleep\t1\t0\tx\n",   /* bad state */
	    "dnsd-admin 1\neu x\tdrain\t1\t0\tx\n", /* bad target */
	    "dnsd-admin 1\neu\tdrain\t-1\t0\tx\n",  /* bad time */
	    "dnsd-admin 1\neu\tdrain\t1\t0\tx",     /* truncated */
	    "dnsd-admin 1\neu\tdrain\t1\t0\tx\neu\tdrain\t1\t0\ty\n", /* dup */
	};
	for (size_t i = 0; i < sizeof(corrupt) / sizeof(corrupt[0]); i++) {
		write_file(path, corrupt[i]);
		admin_table_init(&u);
		struct diag e;
		diag_init(&e);
		assert_int_equal(admin_load(&u, path, &e), -1);
		assert_true(e.count > 0);
		assert_int_equal(u.n, 0);
		diag_free(&e);
		admin_table_free(&u);
	}
	/* A folder where the file should be: unreadable, an error. */
	admin_table_init(&u);
	assert_int_equal(admin_load(&u, dir, &d), -1);
	admin_table_free(&u);
	diag_free(&d);
	unlink(path);
	rmdir(dir);
	admin_table_free(&t);
}

static void test_format_and_reason(void **state)
{
	(void)state;
	char b[32];
	admin_format_duration(1800000, b, sizeof(b));
	assert_string_equal(b, "30m");
	admin_format_duration(7200000, b, sizeof(b));
	assert_string_equal(b, "2h");
	admin_format_duration(90000, b, sizeof(b));
	assert_string_equal(b, "90s");
	admin_format_duration(1500, b, sizeof(b));
	assert_string_equal(b, "1500ms");
	admin_format_duration(172800000, b, sizeof(b));
	assert_string_equal(b, "2d");
	assert_true(admin_reason_ok("kernel upgrade"));
	assert_false(admin_reason_ok("two\nlines"));
	assert_false(admin_reason_ok("tab\there"));
	char big[ADMIN_REASON_MAX + 2];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_false(admin_reason_ok(big));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_targets),
	    cmocka_unit_test(test_precedence),
	    cmocka_unit_test(test_replace_in_place),
	    cmocka_unit_test(test_expiry),
	    cmocka_unit_test(test_apply_to_snapshot),
	    cmocka_unit_test(test_state_file),
	    cmocka_unit_test(test_format_and_reason),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
