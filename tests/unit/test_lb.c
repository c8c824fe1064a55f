/* test_lb.c - the load-balancing decision (lb_choose) on hand-built
 * records: orders, spill-over, all-down rules, TTLs, weighted draws. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "lb/geo.h"
#include "lb/lb.h"

/* A small world: up to 4 clusters of up to 4 members per family. */
struct world {
	struct lb_member m[4][2][4];
	struct lb_cluster c[4];
	const struct lb_cluster *cl[4];
	struct lb_record rec;
	_Atomic uint8_t up[64];
	struct probe_target targets[64];
	struct probe_set health;
	uint64_t rng[2];
};

static void world_init(struct world *w, unsigned nclusters,
                       enum lb_policy policy)
{
	memset(w, 0, sizeof(*w));
	static const char *names[] = {"c0", "c1", "c2", "c3"};
	for (unsigned i = 0; i < nclusters; i++) {
		w->c[i].name = names[i];
		w->c[i].index = i;
		w->c[i].min_healthy = 1;
		w->c[i].check_interval_s = 5;
		w->c[i].members[LB_V4] = w->m[i][LB_V4];
		w->c[i].members[LB_V6] = w->m[i][LB_V6];
		w->cl[i] = &w->c[i];
	}
	w->rec.name = "www.example.com.";
	w->rec.policy = policy;
	w->rec.clusters = w->cl;
	w->rec.nclusters = nclusters;
	w->rec.ttl = 30;
	w->rec.answers = 1;
	w->rec.all_down = LB_ALL_DOWN_SERVE;
	w->health.targets = w->targets;
	w->health.up = w->up;
	w->health.n = 64;
	w->rng[0] = 0x1234567;
	w->rng[1] = 0x89abcdef;
}

/* Add a member; its target id is cluster*8 + family*4 + index, up. */
static struct lb_member *add(struct world *w, unsigned c, enum lb_family f,
                             uint8_t last, uint16_t weight)
{
	struct lb_cluster *cl = &w->c[c];
	unsigned i = cl->nmembers[f]++;
	struct lb_member *m = &w->m[c][f][i];
	m->weight = weight;
	cl->weight_sum[f] += weight;
	m->target = c * 8 + (unsigned)f * 4 + i;
	if (f == LB_V4) {
		m->addr[0] = 10;
		m->addr[1] = (uint8_t)c;
		m->addr[3] = last;
	} else {
		m->addr[0] = 0x20;
		m->addr[1] = 0x01;
		m->addr[2] = (uint8_t)c;
		m->addr[15] = last;
	}
	atomic_store(&w->up[m->target], 1);
	w->rec.has_family[f] = true;
	return m;
}

/* Place cluster c (degrees), as the snapshot builder does. */
static void locate(struct world *w, unsigned c, double lat, double lon)
{
	w->c[c].has_location = true;
	w->c[c].lat = lat;
	w->c[c].lon = lon;
	geo_unit_vector(lat, lon, w->c[c].v);
}

static void set_up(struct world *w, const struct lb_member *m, bool up)
{
	atomic_store(&w->up[m->target], up ? 1 : 0);
}

static const struct lb_client unknown = {.source = LB_LOC_UNKNOWN};

static struct lb_client at(double lat, double lon)
{
	struct lb_client c = {.source = LB_LOC_GEOIP,
	                      .has_location = true,
	                      .lat = lat,
	                      .lon = lon,
	                      .prefix = 24};
	geo_unit_vector(lat, lon, c.v);
	return c;
}

static void test_failover_order_and_spill(void **state)
{
	(void)state;
	struct world w;
	struct lb_choice ch;
	world_init(&w, 3, LB_POLICY_FAILOVER);
	struct lb_member *a = add(&w, 0, LB_V4, 1, 1);
	struct lb_member *b = add(&w, 1, LB_V4, 1, 1);
	add(&w, 2, LB_V4, 1, 1);
	w.c[0].check_interval_s = 3;
	w.c[1].check_interval_s = 7;

	lb_choose(&w.rec, LB_V4, &w.health, &unknown, w.rng, &ch);
	assert_int_equal(ch.outcome, LB_ANSWER);
	assert_ptr_equal(ch.cluster, &w.c[0]);
	assert_int_equal(ch.degraded, LB_DEG_NONE);
	assert_int_equal(ch.ttl, 30);

	set_up(&w, a, false);
	lb_choose(&w.rec, LB_V4, &w.health, &unknown, w.rng, &ch);
	assert_ptr_equal(ch.cluster, &w.c[1]);
	assert_int_equal(ch.degraded, LB_DEG_SPILL);
	/* min(ttl, intervals of the skipped c0 (3 s) and served c1 (7 s)) */
	assert_int_equal(ch.ttl, 3);

	set_up(&w, b, false);
	lb_choose(&w.rec, LB_V4, &w.health, &unknown, w.rng, &ch);
	assert_ptr_equal(ch.cluster, &w.c[2]);
	assert_int_equal(ch.degraded, LB_DEG_SPILL);
}

static void test_min_healthy_spill_and_fallback(void **state)
{
	(void)state;
	struct world w;
	struct lb_choice ch;
	world_init(&w, 2, LB_POLICY_FAILOVER);
	struct lb_member *a1 = add(&w, 0, LB_V4, 1, 1);
	add(&w, 0, LB_V4, 2, 1);
	struct lb_member *b1 = add(&w, 1, LB_V4, 1, 1);
	add(&w, 1, LB_V4, 2, 1);
	w.c[0].min_healthy = 2;
	w.c[1].min_healthy = 2;

	set_up(&w, a1, false); /* c0 below min_healthy: spill to c1 */
	lb_choose(&w.rec, LB_V4, &w.health, &unknown, w.rng, &ch);
	assert_ptr_equal(ch.cluster, &w.c[1]);
	assert_int_equal(ch.degraded, LB_DEG_SPILL);
	assert_int_equal(ch.healthy[0], 1);
	assert_int_equal(ch.healthy[1], 2);

	/* Neither reaches min_healthy: the first with any healthy one. */
	set_up(&w, b1, false);
	lb_choose(&w.rec, LB_V4, &w.health, &unknown, w.rng, &ch);
	assert_ptr_equal(ch.cluster, &w.c[0]);
	assert_int_equal(ch.degraded, LB_DEG_SPILL);
	assert_int_equal(ch.n, 1);
	assert_int_not_equal(ch.picked[0], a1);
	assert_int_equal(ch.ttl, 5);
}

static void test_all_down_rules(void **state)
{
	(void)state;
	struct world w;
	struct lb_choice ch;
	world_init(&w, 2, LB_POLICY_FAILOVER);
	struct lb_member *a = add(&w, 0, LB_V4, 1, 1);
	struct lb_member *b = add(&w, 1, LB_V4, 1, 1);
	w.c[1].check_interval_s = 2;
	set_up(&w, a, false);
	set_up(&w, b, false);

	w.rec.all_down = LB_ALL_DOWN_SERVE;
	lb_choose(&w.rec, LB_V4, &w.health, &unknown, w.rng, &ch);
	assert_int_equal(ch.outcome, LB_ANSWER);
	assert_int_equal(ch.degraded, LB_DEG_ALL_DOWN);
	assert_ptr_equal(ch.picked[0], a); /* as if all were healthy */
	assert_int_equal(ch.ttl, 2);

	w.rec.all_down = LB_ALL_DOWN_NODATA;
	lb_choose(&w.rec, LB_V4, &w.health, &unknown, w.rng, &ch);
	assert_int_equal(ch.outcome, LB_NODATA);
	assert_int_equal(ch.degraded, LB_DEG_ALL_DOWN);

	w.rec.all_down = LB_ALL_DOWN_SERVFAIL;
	lb_choose(&w.rec, LB_V4, &w.health, &unknown, w.rng, &ch);
	assert_int_equal(ch.outcome, LB_SERVFAIL);
}

static void test_family_filtering(void **state)
{
	(void)state;
	struct world w;
	struct lb_choice ch;
	world_init(&w, 2, LB_POLICY_FAILOVER);
	add(&w, 0, LB_V6, 1, 1); /* c0 has only IPv6 */
	add(&w, 1, LB_V4, 9, 1);

	lb_choose(&w.rec, LB_V4, &w.health, &unknown, w.rng, &ch);
	assert_int_equal(ch.outcome, LB_ANSWER);
	assert_ptr_equal(ch.cluster, &w.c[1]);
	/* c0 has no IPv4 member: c1 is the first choice, not a spill. */
	assert_int_equal(ch.degraded, LB_DEG_NONE);
	assert_int_equal(ch.picked[0]->addr[3], 9);

	lb_choose(&w.rec, LB_V6, &w.health, &unknown, w.rng, &ch);
	assert_ptr_equal(ch.cluster, &w.c[0]);
	assert_int_equal(ch.picked[0]->addr[0], 0x20);

	world_init(&w, 1, LB_POLICY_GEO);
	add(&w, 0, LB_V4, 1, 1);
	lb_choose(&w.rec, LB_V6, &w.health, &unknown, w.rng, &ch);
	assert_int_equal(ch.outcome, LB_NODATA);
	assert_int_equal(ch.degraded, LB_DEG_NONE);
}

static void test_drained_member_never_answered(void **state)
{
	(void)state;
	struct world w;
	struct lb_choice ch;
	world_init(&w, 1, LB_POLICY_WEIGHTED);
	struct lb_member *drain = add(&w, 0, LB_V4, 1, 0);
	add(&w, 0, LB_V4, 2, 1);
	w.rec.answers = 4;
	for (int i = 0; i < 200; i++) {
		lb_choose(&w.rec, LB_V4, &w.health, &unknown, w.rng, &ch);
		assert_int_equal(ch.n, 1);
		assert_ptr_not_equal(ch.picked[0], drain);
	}
}

static void test_answers_distinct(void **state)
{
	(void)state;
	struct world w;
	struct lb_choice ch;
	world_init(&w, 2, LB_POLICY_WEIGHTED);
	for (uint8_t i = 0; i < 4; i++)
		add(&w, 0, LB_V4, i, (uint16_t)(i + 1));
	for (uint8_t i = 0; i < 3; i++)
		add(&w, 1, LB_V4, i, 5);
	w.rec.answers = 5;
	for (int round = 0; round < 500; round++) {
		lb_choose(&w.rec, LB_V4, &w.health, &unknown, w.rng, &ch);
		assert_int_equal(ch.n, 5);
		for (unsigned i = 0; i < ch.n; i++)
			for (unsigned j = i + 1; j < ch.n; j++)
				assert_ptr_not_equal(ch.picked[i],
				                     ch.picked[j]);
	}
	w.rec.answers = 20; /* more than exist: all 7, once each */
	lb_choose(&w.rec, LB_V4, &w.health, &unknown, w.rng, &ch);
	assert_int_equal(ch.n, 7);
}

/* Chi-square of 60,000 single draws over weights 1:2:3:4 against their
 * expected shares. 3 degrees of freedom: the 0.999 quantile is 16.27, so
 * a correct draw fails this with probability 1/1000 for a random seed; the
 * seed is fixed, so the test is deterministic. */
static void test_weighted_chi_square(void **state)
{
	(void)state;
	struct world w;
	struct lb_choice ch;
	world_init(&w, 1, LB_POLICY_WEIGHTED);
	for (uint8_t i = 0; i < 4; i++)
		add(&w, 0, LB_V4, i, (uint16_t)(i + 1));
	unsigned counts[4] = {0};
	const unsigned n = 60000;
	for (unsigned i = 0; i < n; i++) {
		lb_choose(&w.rec, LB_V4, &w.health, &unknown, w.rng, &ch);
		assert_int_equal(ch.n, 1);
		counts[ch.picked[0]->addr[3]]++;
	}
	double chi = 0;
	for (int i = 0; i < 4; i++) {
		double expect = n * (i + 1) / 10.0;
		chi += (counts[i] - expect) * (counts[i] - expect) / expect;
	}
	assert_true(chi < 16.27);
}

/* Without replacement, two answers from weights 1:1:8: the heavy member is
 * in almost every answer (P = 8/10 + 2 * 1/10 * 8/9 = 0.978). */
static void test_weighted_without_replacement(void **state)
{
	(void)state;
	struct world w;
	struct lb_choice ch;
	world_init(&w, 1, LB_POLICY_WEIGHTED);
	add(&w, 0, LB_V4, 0, 1);
	add(&w, 0, LB_V4, 1, 1);
	add(&w, 0, LB_V4, 2, 8);
	w.rec.answers = 2;
	unsigned heavy = 0;
	const unsigned n = 20000;
	for (unsigned i = 0; i < n; i++) {
		lb_choose(&w.rec, LB_V4, &w.health, &unknown, w.rng, &ch);
		for (unsigned j = 0; j < ch.n; j++)
			heavy += ch.picked[j]->addr[3] == 2;
	}
	double share = (double)heavy / n;
	assert_true(fabs(share - 0.9778) < 0.01);
}

static void test_weighted_pool_min_healthy(void **state)
{
	(void)state;
	struct world w;
	struct lb_choice ch;
	world_init(&w, 2, LB_POLICY_WEIGHTED);
	struct lb_member *a1 = add(&w, 0, LB_V4, 1, 1);
	add(&w, 0, LB_V4, 2, 1);
	add(&w, 1, LB_V4, 3, 1);
	w.c[0].min_healthy = 2;
	set_up(&w, a1, false);
	/* c0 is below min_healthy: only c1 is in the pool. */
	for (int i = 0; i < 100; i++) {
		lb_choose(&w.rec, LB_V4, &w.health, &unknown, w.rng, &ch);
		assert_int_equal(ch.picked[0]->addr[3], 3);
		assert_int_equal(ch.degraded, LB_DEG_NONE);
	}
	w.c[1].min_healthy = 2; /* nobody reaches it: both with healthy */
	unsigned seen[4] = {0};
	for (int i = 0; i < 200; i++) {
		lb_choose(&w.rec, LB_V4, &w.health, &unknown, w.rng, &ch);
		assert_int_equal(ch.degraded, LB_DEG_SPILL);
		seen[ch.picked[0]->addr[3]]++;
	}
	assert_int_equal(seen[1], 0);
	assert_true(seen[2] > 0 && seen[3] > 0);
}

static void test_geo_order(void **state)
{
	(void)state;
	struct world w;
	struct lb_choice ch;
	world_init(&w, 3, LB_POLICY_GEO);
	/* Dublin, New York, Tokyo */
	locate(&w, 0, 53.35, -6.26);
	locate(&w, 1, 40.71, -74.01);
	locate(&w, 2, 35.68, 139.69);
	for (unsigned c = 0; c < 3; c++)
		add(&w, c, LB_V4, (uint8_t)c, 1);

	struct lb_client boston = at(42.36, -71.06);
	lb_choose(&w.rec, LB_V4, &w.health, &boston, w.rng, &ch);
	assert_ptr_equal(ch.cluster, &w.c[1]);
	assert_ptr_equal(ch.order[0], &w.c[1]);
	assert_ptr_equal(ch.order[1], &w.c[0]);
	assert_ptr_equal(ch.order[2], &w.c[2]);

	struct lb_client seoul = at(37.57, 126.98);
	lb_choose(&w.rec, LB_V4, &w.health, &seoul, w.rng, &ch);
	assert_ptr_equal(ch.cluster, &w.c[2]);

	/* Unknown location: listed order. */
	lb_choose(&w.rec, LB_V4, &w.health, &unknown, w.rng, &ch);
	assert_ptr_equal(ch.cluster, &w.c[0]);
	assert_int_equal(ch.degraded, LB_DEG_NONE);

	/* The first choice down: next nearest, a spill. */
	set_up(&w, &w.m[1][LB_V4][0], false);
	lb_choose(&w.rec, LB_V4, &w.health, &boston, w.rng, &ch);
	assert_ptr_equal(ch.cluster, &w.c[0]);
	assert_int_equal(ch.degraded, LB_DEG_SPILL);
}

static void test_geo_antimeridian_and_poles(void **state)
{
	(void)state;
	struct world w;
	struct lb_choice ch;
	world_init(&w, 2, LB_POLICY_GEO);
	/* Fiji side (179.5 E) and Samoa side (-171.8 W). */
	locate(&w, 0, -17.0, 40.0);
	locate(&w, 1, -17.7, -178.0);
	add(&w, 0, LB_V4, 0, 1);
	add(&w, 1, LB_V4, 1, 1);
	/* A client just west of the antimeridian is near c1, which is just
	 * east of it: a naive longitude difference would say c0. */
	struct lb_client fiji = at(-17.7, 178.0);
	lb_choose(&w.rec, LB_V4, &w.health, &fiji, w.rng, &ch);
	assert_ptr_equal(ch.cluster, &w.c[1]);

	/* At the north pole every longitude is the same place. */
	world_init(&w, 2, LB_POLICY_GEO);
	locate(&w, 0, 80.0, 0.0);
	locate(&w, 1, 70.0, 180.0);
	add(&w, 0, LB_V4, 0, 1);
	add(&w, 1, LB_V4, 1, 1);
	struct lb_client pole = at(90.0, -123.0);
	lb_choose(&w.rec, LB_V4, &w.health, &pole, w.rng, &ch);
	assert_ptr_equal(ch.cluster, &w.c[0]);
	struct lb_client south = at(-90.0, 45.0);
	lb_choose(&w.rec, LB_V4, &w.health, &south, w.rng, &ch);
	assert_ptr_equal(ch.cluster, &w.c[1]); /* 70N is nearer to 90S */
}

static void test_geo_pinned_cluster(void **state)
{
	(void)state;
	struct world w;
	struct lb_choice ch;
	world_init(&w, 3, LB_POLICY_GEO);
	locate(&w, 0, 53.35, -6.26);
	locate(&w, 1, 40.71, -74.01);
	locate(&w, 2, 48.85, 2.35);
	for (unsigned c = 0; c < 3; c++)
		add(&w, c, LB_V4, (uint8_t)c, 1);
	/* [networks] pins New York: it goes first, then the rest by
	 * distance from New York (Dublin before Paris). */
	struct lb_client cl = {
	    .source = LB_LOC_NETWORKS, .pinned = &w.c[1], .prefix = 16};
	lb_choose(&w.rec, LB_V4, &w.health, &cl, w.rng, &ch);
	assert_ptr_equal(ch.order[0], &w.c[1]);
	assert_ptr_equal(ch.order[1], &w.c[0]);
	assert_ptr_equal(ch.order[2], &w.c[2]);
	assert_ptr_equal(ch.cluster, &w.c[1]);
}

static void test_check_none_always_up(void **state)
{
	(void)state;
	struct world w;
	struct lb_choice ch;
	world_init(&w, 1, LB_POLICY_FAILOVER);
	struct lb_member *m = add(&w, 0, LB_V4, 1, 1);
	m->target = LB_NO_TARGET;
	w.c[0].check_interval_s = 0;
	lb_choose(&w.rec, LB_V4, &w.health, &unknown, w.rng, &ch);
	assert_int_equal(ch.outcome, LB_ANSWER);
	assert_int_equal(ch.degraded, LB_DEG_NONE);
	assert_int_equal(ch.ttl, 30);
}

static void set_admin(struct lb_member *m, enum lb_admin a)
{
	atomic_store(&m->admin, (uint8_t)a);
}

/* SPEC 7: a drained member is as if not configured: never answered, even
 * under all_down = serve, and out of min_healthy. */
static void test_admin_drain_never_answered(void **state)
{
	(void)state;
	struct world w;
	struct lb_choice ch;
	world_init(&w, 1, LB_POLICY_WEIGHTED);
	struct lb_member *a = add(&w, 0, LB_V4, 1, 1);
	struct lb_member *b = add(&w, 0, LB_V4, 2, 1);
	w.rec.answers = 4;
	set_admin(a, LB_ADMIN_DRAIN);
	lb_choose(&w.rec, LB_V4, &w.health, &unknown, w.rng, &ch);
	assert_int_equal(ch.outcome, LB_ANSWER);
	assert_int_equal(ch.n, 1);
	assert_ptr_equal(ch.picked[0], b);
	/* b down: all down among the configured ones; serve answers b
	 * only, never the drained a. */
	set_up(&w, b, false);
	for (int i = 0; i < 50; i++) {
		lb_choose(&w.rec, LB_V4, &w.health, &unknown, w.rng, &ch);
		assert_int_equal(ch.degraded, LB_DEG_ALL_DOWN);
		assert_int_equal(ch.n, 1);
		assert_ptr_equal(ch.picked[0], b);
	}
}

/* Every member drained: NODATA under each all_down rule. */
static void test_admin_all_drained_nodata(void **state)
{
	(void)state;
	static const enum lb_all_down rules[] = {
	    LB_ALL_DOWN_SERVE, LB_ALL_DOWN_NODATA, LB_ALL_DOWN_SERVFAIL};
	for (size_t r = 0; r < 3; r++) {
		struct world w;
		struct lb_choice ch;
		world_init(&w, 2, LB_POLICY_FAILOVER);
		w.rec.all_down = rules[r];
		set_admin(add(&w, 0, LB_V4, 1, 1), LB_ADMIN_DRAIN);
		set_admin(add(&w, 1, LB_V4, 1, 1), LB_ADMIN_DRAIN);
		/* IPv6 members are not drained: that family still answers. */
		add(&w, 1, LB_V6, 1, 1);
		lb_choose(&w.rec, LB_V4, &w.health, &unknown, w.rng, &ch);
		assert_int_equal(ch.outcome, LB_NODATA);
		lb_choose(&w.rec, LB_V6, &w.health, &unknown, w.rng, &ch);
		assert_int_equal(ch.outcome, LB_ANSWER);
	}
}

/* A drained member does not count towards min_healthy: with 2 of 2 up
 * and one drained, a min_healthy 2 cluster spills. */
static void test_admin_drain_min_healthy(void **state)
{
	(void)state;
	struct world w;
	struct lb_choice ch;
	world_init(&w, 2, LB_POLICY_FAILOVER);
	struct lb_member *a = add(&w, 0, LB_V4, 1, 1);
	add(&w, 0, LB_V4, 2, 1);
	add(&w, 1, LB_V4, 1, 1);
	w.c[0].min_healthy = 2;
	lb_choose(&w.rec, LB_V4, &w.health, &unknown, w.rng, &ch);
	assert_ptr_equal(ch.cluster, &w.c[0]);
	set_admin(a, LB_ADMIN_DRAIN);
	lb_choose(&w.rec, LB_V4, &w.health, &unknown, w.rng, &ch);
	assert_ptr_equal(ch.cluster, &w.c[1]);
	assert_int_equal(ch.degraded, LB_DEG_SPILL);
	assert_int_equal(ch.healthy[0], 1);
}

/* force-up: healthy whatever the probe says. */
static void test_admin_force_up(void **state)
{
	(void)state;
	struct world w;
	struct lb_choice ch;
	world_init(&w, 2, LB_POLICY_FAILOVER);
	struct lb_member *a = add(&w, 0, LB_V4, 1, 1);
	add(&w, 1, LB_V4, 1, 1);
	set_up(&w, a, false);
	lb_choose(&w.rec, LB_V4, &w.health, &unknown, w.rng, &ch);
	assert_ptr_equal(ch.cluster, &w.c[1]);
	set_admin(a, LB_ADMIN_FORCE_UP);
	lb_choose(&w.rec, LB_V4, &w.health, &unknown, w.rng, &ch);
	assert_ptr_equal(ch.cluster, &w.c[0]);
	assert_ptr_equal(ch.picked[0], a);
	assert_int_equal(ch.degraded, LB_DEG_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_failover_order_and_spill),
	    cmocka_unit_test(test_min_healthy_spill_and_fallback),
	    cmocka_unit_test(test_all_down_rules),
	    cmocka_unit_test(test_family_filtering),
	    cmocka_unit_test(test_drained_member_never_answered),
	    cmocka_unit_test(test_answers_distinct),
	    cmocka_unit_test(test_weighted_chi_square),
	    cmocka_unit_test(test_weighted_without_replacement),
	    cmocka_unit_test(test_weighted_pool_min_healthy),
	    cmocka_unit_test(test_geo_order),
	    cmocka_unit_test(test_geo_antimeridian_and_poles),
	    cmocka_unit_test(test_geo_pinned_cluster),
	    cmocka_unit_test(test_check_none_always_up),
	    cmocka_unit_test(test_admin_drain_never_answered),
	    cmocka_unit_test(test_admin_all_drained_nodata),
	    cmocka_unit_test(test_admin_drain_min_healthy),
	    cmocka_unit_test(test_admin_force_up),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
