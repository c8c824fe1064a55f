/* test_answer.c - answer_query end to end on a real snapshot: the answer
 * cache never changes a response, and a new snapshot is never answered
 * from an old one's cache. */
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

#include "answer/answer.h"
#include "answer/client.h"
#include "dns/dname.h"
#include "snapshot/snapshot.h"
#include "dns/stats.h"
#include "dns/wire.h"

static struct stats st;

/* A query for name/type; edns = 0 for none, else the payload size. */
static size_t query(uint8_t *buf, const char *name, uint16_t type,
                    uint16_t edns)
{
	memset(buf, 0, 12);
	buf[0] = 0xab;
	buf[1] = 0xcd;
	buf[2] = 0x01; /* RD */
	buf[5] = 1;
	int n = dname_from_str(name, buf + 12);
	assert_true(n > 0);
	/* keep the client's letter case: dname_from_str copies it */
	size_t p = 12 + (size_t)n;
	wire_put_u16(buf + p, type);
	wire_put_u16(buf + p + 2, 1);
	p += 4;
	if (edns) {
		buf[11] = 1;
		buf[p] = 0;
		wire_put_u16(buf + p + 1, 41);
		wire_put_u16(buf + p + 3, edns);
		memset(buf + p + 5, 0, 6);
		p += 11;
	}
	return p;
}

static struct snapshot *build(const char *ini)
{
	struct diag d;
	struct snapshot *s = NULL;
	diag_init(&d);
	if (snapshot_build(ini, &s, &d) != 0)
		diag_print(&d);
	diag_free(&d);
	assert_non_null(s);
	return s;
}

static const struct {
	const char *name;
	uint16_t type;
	uint16_t edns;
} cases[] = {
    {"www.example.com", 1, 0},
    {"www.example.com", 1, 1232},
    {"WwW.ExAmPlE.CoM", 1, 1232},
    {"www.example.com", 28, 4096},
    {"nope.example.com", 1, 0},
    {"NOPE.example.com", 1, 1232},
    {"alias.example.com", 1, 1232},
    {"example.com", 15, 0},
    {"example.com", 15, 1232},
    {"example.com", 2, 1232},
    {"x.sub.example.com", 1, 0},
    {"a.b.wild.example.com", 16, 0},
    {"example.com", 255, 1232},
    {"info.example.com", 16, 512},
    {"www.example.com", 16, 0},
    {"app.example.com", 1, 1232},
    {"lb.example.com", 1, 0},
    {"other.test", 1, 0},
    {"_sip._udp.example.com", 33, 1232},
};

static void test_cache_never_changes_a_response(void **state)
{
	(void)state;
	struct snapshot *s = build("conf/example.ini");
	struct answer_ctx plain, cached;
	answer_ctx_init(&plain, &st, 7);
	answer_ctx_init(&cached, &st, 7);
	cached.cache = calloc(1, sizeof(*cached.cache));
	assert_non_null(cached.cache);
	struct sockaddr_in src = {.sin_family = AF_INET};
	inet_pton(AF_INET, "127.0.0.1", &src.sin_addr);
	const struct sockaddr *sa = (const struct sockaddr *)&src;

	/* Twice over the list, in both orders of size, so every entry is
	 * looked up after being filled by a query of another size. */
	for (int round = 0; round < 3; round++) {
		for (size_t i = 0; i < DNSD_ARRAY_LEN(cases); i++) {
			size_t k =
			    round == 1 ? DNSD_ARRAY_LEN(cases) - 1 - i : i;
			uint8_t q[512], a[4096], b[4096];
			size_t ql = query(q, cases[k].name, cases[k].type,
			                  cases[k].edns);
			/* lb.example.com draws at random: same seed for
			 * both contexts keeps the draws equal. */
			plain.rng[0] = cached.rng[0] = 99 + i;
			plain.rng[1] = cached.rng[1] = 7;
			size_t al = answer_query(&plain, s, q, ql, a, sizeof(a),
			                         false, sa);
			size_t bl = answer_query(&cached, s, q, ql, b,
			                         sizeof(b), false, sa);
			assert_true(al > 12);
			assert_int_equal(al, bl);
			assert_memory_equal(a, b, al);
			/* The question is echoed in the client's case. */
			assert_memory_equal(a + 12, q + 12,
			                    ql - 12 - (cases[k].edns ? 11 : 0) -
			                        4);
		}
	}
	free(cached.cache);
	snapshot_free(s);
}

/* A reload builds a new snapshot: answers come from it at once, whatever
 * the cache holds from the old one. */
static void test_new_snapshot_not_answered_from_cache(void **state)
{
	(void)state;
	char dir[] = "/tmp/dnsd-test-answer-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char ini[256], zone[256];
	snprintf(ini, sizeof(ini), "%s/t.ini", dir);
	snprintf(zone, sizeof(zone), "%s/t.zone", dir);
	FILE *f = fopen(ini, "w");
	assert_non_null(f);
	fprintf(f, "[server]\nlisten = 127.0.0.1:53\n\n[zone t.test]\n"
	           "file = t.zone\n");
	fclose(f);
	struct answer_ctx c;
	answer_ctx_init(&c, &st, 1);
	c.cache = calloc(1, sizeof(*c.cache));
	assert_non_null(c.cache);
	struct sockaddr_in src = {.sin_family = AF_INET};
	const char *addrs[] = {"192.0.2.10", "192.0.2.20"};
	for (int i = 0; i < 2; i++) {
		f = fopen(zone, "w");
		assert_non_null(f);
		fprintf(f,
		        "t.test. 60 IN SOA ns.t.test. h.t.test. 1 2 3 4 5\n"
		        "t.test. 60 IN NS ns.t.test.\n"
		        "ns.t.test. 60 IN A 192.0.2.1\n"
		        "www.t.test. 60 IN A %s\n",
		        addrs[i]);
		fclose(f);
		struct snapshot *s = build(ini);
		uint8_t q[512], a[4096];
		size_t ql = query(q, "www.t.test", 1, 0);
		for (int rep = 0; rep < 2; rep++) {
			size_t al =
			    answer_query(&c, s, q, ql, a, sizeof(a), false,
			                 (const struct sockaddr *)&src);
			assert_true(al >= 4);
			uint8_t want[4];
			inet_pton(AF_INET, addrs[i], want);
			assert_memory_equal(a + al - 4, want, 4);
		}
		snapshot_free(s);
	}
	free(c.cache);
	unlink(ini);
	unlink(zone);
	rmdir(dir);
}

/* The per-thread geoip memo gives what the database gives, address by
 * address, whether the entry is fresh, reused or refused. */
static void test_geo_cache_matches_database(void **state)
{
	(void)state;
	char dir[] = "/tmp/dnsd-test-geo-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char ini[256], zone[256], cwd[512];
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	snprintf(ini, sizeof(ini), "%s/t.ini", dir);
	snprintf(zone, sizeof(zone), "%s/t.zone", dir);
	FILE *f = fopen(zone, "w");
	assert_non_null(f);
	fprintf(f, "t.test. 60 IN SOA ns.t.test. h.t.test. 1 2 3 4 5\n"
	           "t.test. 60 IN NS ns.t.test.\n");
	fclose(f);
	f = fopen(ini, "w");
	assert_non_null(f);
	fprintf(f,
	        "[server]\nlisten = 127.0.0.1:53\n"
	        "geoip = %s/tests/data/geoip/dnsd-test.mmdb\n"
	        "[zone t.test]\nfile = t.zone\n",
	        cwd);
	fclose(f);
	struct snapshot *s = build(ini);
	struct client_geo_cache *cache = calloc(1, sizeof(*cache));
	assert_non_null(cache);
	const char *v4[] = {"192.0.2.1",   "192.0.2.200", "198.51.100.7",
	                    "203.0.113.9", "100.64.1.5",  "100.64.0.5",
	                    "100.65.3.3",  "10.1.2.3",    "198.18.0.1"};
	for (int round = 0; round < 3; round++) {
		for (size_t i = 0; i < DNSD_ARRAY_LEN(v4); i++) {
			struct client_addr a = {.family = AF_INET};
			assert_int_equal(inet_pton(AF_INET, v4[i], a.addr), 1);
			struct lb_client want, got;
			client_locate(s, &a, NULL, &want, NULL, 0);
			client_locate(s, &a, cache, &got, NULL, 0);
			assert_int_equal(got.source, want.source);
			assert_int_equal(got.has_location, want.has_location);
			assert_int_equal(got.prefix, want.prefix);
			assert_true(got.lat == want.lat && got.lon == want.lon);
		}
	}
	/* The memo really is used: Dublin's /24 now has an entry. */
	unsigned used = 0;
	for (unsigned i = 0; i < CLIENT_GEO_SLOTS; i++)
		used += cache->e[i].generation == s->generation;
	assert_true(used >= 4);
	free(cache);
	snapshot_free(s);
	unlink(ini);
	unlink(zone);
	rmdir(dir);
}

static int teardown(void **state)
{
	(void)state;
	stats_registry_free();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cache_never_changes_a_response),
	    cmocka_unit_test(test_new_snapshot_not_answered_from_cache),
	    cmocka_unit_test(test_geo_cache_matches_database),
	};
	return cmocka_run_group_tests(tests, NULL, teardown);
}
