/* test_rrl.c - token buckets, client networks and slip cadence of rrl.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "answer/rrl.h"

static struct sockaddr_storage v4(const char *a)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	s4->sin_family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, a, &s4->sin_addr), 1);
	return ss;
}

static struct sockaddr_storage v6(const char *a)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	s6->sin6_family = AF_INET6;
	assert_int_equal(inet_pton(AF_INET6, a, &s6->sin6_addr), 1);
	return ss;
}

#define SA(ss) ((const struct sockaddr *)&(ss))

static void test_burst_then_refill(void **state)
{
	(void)state;
	struct rrl_table *t = calloc(1, sizeof(*t));
	struct sockaddr_storage a = v4("192.0.2.1");
	int pass = 0;
	for (int i = 0; i < 50; i++)
		pass += rrl_check(t, SA(a), 1000, 10, 0) == RRL_PASS;
	assert_int_equal(pass, 10); /* one second of burst */
	/* 100 ms later: one more response's worth of tokens. */
	assert_int_equal(rrl_check(t, SA(a), 1100, 10, 0), RRL_PASS);
	assert_int_equal(rrl_check(t, SA(a), 1100, 10, 0), RRL_DROP);
	/* Long idle: refills to the cap, not beyond. */
	pass = 0;
	for (int i = 0; i < 50; i++)
		pass += rrl_check(t, SA(a), 60000, 10, 0) == RRL_PASS;
	assert_int_equal(pass, 10);
	free(t);
}

static void test_networks_share_a_bucket(void **state)
{
	(void)state;
	struct rrl_table *t = calloc(1, sizeof(*t));
	struct sockaddr_storage a = v4("192.0.2.1"), b = v4("192.0.2.200");
	struct sockaddr_storage c = v4("192.0.3.1");
	for (int i = 0; i < 5; i++)
		assert_int_equal(rrl_check(t, SA(a), 0, 5, 0), RRL_PASS);
	/* Same /24: already empty. Another /24: its own bucket. */
	assert_int_equal(rrl_check(t, SA(b), 0, 5, 0), RRL_DROP);
	assert_int_equal(rrl_check(t, SA(c), 0, 5, 0), RRL_PASS);

	struct sockaddr_storage x = v6("2001:db8:0:100::1");
	struct sockaddr_storage y = v6("2001:db8:0:1ff:ffff::9");
	struct sockaddr_storage z = v6("2001:db8:0:200::1");
	for (int i = 0; i < 5; i++)
		assert_int_equal(rrl_check(t, SA(x), 0, 5, 0), RRL_PASS);
	assert_int_equal(rrl_check(t, SA(y), 0, 5, 0), RRL_DROP); /* /56 */
	assert_int_equal(rrl_check(t, SA(z), 0, 5, 0), RRL_PASS);
	free(t);
}

static void test_slip_cadence(void **state)
{
	(void)state;
	struct rrl_table *t = calloc(1, sizeof(*t));
	struct sockaddr_storage a = v4("198.51.100.7");
	assert_int_equal(rrl_check(t, SA(a), 0, 1, 3), RRL_PASS);
	int slips = 0, drops = 0;
	for (int i = 0; i < 30; i++) {
		enum rrl_action r = rrl_check(t, SA(a), 0, 1, 3);
		slips += r == RRL_SLIP;
		drops += r == RRL_DROP;
	}
	assert_int_equal(slips, 10);
	assert_int_equal(drops, 20);
	free(t);
}

static void test_slip_response(void **state)
{
	(void)state;
	/* id 0x1234, QR AA, 1 question, 1 answer, then www.x. A IN + RR */
	uint8_t resp[] = {0x12, 0x34, 0x84, 0x00, 0,    1,   0, 1,   0, 0,
	                  0,    0,    3,    'w',  'w',  'w', 1, 'x', 0, 0,
	                  1,    0,    1,    0xC0, 0x0C, 0,   1, 0,   1, 0,
	                  0,    0,    30,   0,    4,    192, 0, 2,   1};
	size_t n = rrl_slip_response(resp, sizeof(resp));
	assert_int_equal(n, 12 + 7 + 4);
	assert_int_equal(resp[2] & 0x02, 0x02); /* TC */
	assert_int_equal(resp[7], 0);           /* ANCOUNT */
	assert_int_equal(resp[5], 1);           /* QDCOUNT kept */
	uint8_t bad[] = {0, 0, 0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 70, 'a'};
	assert_int_equal(rrl_slip_response(bad, sizeof(bad)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_burst_then_refill),
	    cmocka_unit_test(test_networks_share_a_bucket),
	    cmocka_unit_test(test_slip_cadence),
	    cmocka_unit_test(test_slip_response),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
