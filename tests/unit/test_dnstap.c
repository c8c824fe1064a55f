/* test_dnstap.c - the per-thread frame ring (reserve, release in and out
 * of order, wrap, full, undo) and the frame encoder, decoded back with the
 * generated protobuf-c code. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "dnstap.pb-c.h"
#include "dnstap/dnstap_msg.h"
#include "dnstap/dnstap_ring.h"

static void test_ring_reuses_released_space(void **state)
{
	(void)state;
	struct dnstap_ring r;
	assert_int_equal(dnstap_ring_init(&r, 1000, 8), 0);
	struct dnstap_slot *s[8];
	uint8_t *p[8];
	/* Three frames of 300 fill it (a fourth does not fit in 1000). */
	for (int i = 0; i < 3; i++) {
		p[i] = dnstap_ring_reserve(&r, 300, &s[i]);
		assert_non_null(p[i]);
		memset(p[i], 'a' + i, 300);
	}
	assert_null(dnstap_ring_reserve(&r, 300, &s[3]));
	/* Releasing a later frame first frees nothing yet (in order). */
	dnstap_ring_release(p[1], s[1]);
	assert_null(dnstap_ring_reserve(&r, 300, &s[3]));
	/* The oldest one done: both are reclaimed, the next wraps to 0. */
	dnstap_ring_release(p[0], s[0]);
	p[3] = dnstap_ring_reserve(&r, 500, &s[3]);
	assert_ptr_equal(p[3], r.buf);
	/* The frame still in flight was not touched. */
	for (int i = 0; i < 300; i++)
		assert_int_equal(p[2][i], 'c');
	/* Head (500) must stay below the oldest in flight (600). */
	assert_null(dnstap_ring_reserve(&r, 100, &s[4]));
	assert_non_null(p[4] = dnstap_ring_reserve(&r, 99, &s[4]));
	dnstap_ring_release(p[2], s[2]);
	dnstap_ring_release(p[3], s[3]);
	dnstap_ring_release(p[4], s[4]);
	/* All done: the whole ring is free again. */
	assert_non_null(dnstap_ring_reserve(&r, 1000, &s[5]));
	assert_null(dnstap_ring_reserve(&r, 1001, &s[6]));
	dnstap_ring_free(&r);
}

static void test_ring_slots_bound_frames_and_undo(void **state)
{
	(void)state;
	struct dnstap_ring r;
	assert_int_equal(dnstap_ring_init(&r, 1 << 16, 4), 0);
	assert_int_equal(dnstap_ring_init(&(struct dnstap_ring){0}, 100, 3),
	                 -1); /* not a power of 2 */
	struct dnstap_slot *s[5];
	for (int i = 0; i < 4; i++)
		assert_non_null(dnstap_ring_reserve(&r, 10, &s[i]));
	assert_null(dnstap_ring_reserve(&r, 10, &s[4])); /* 4 slots */
	/* fstrm refused the newest: undone, its slot and bytes reusable. */
	dnstap_ring_unreserve(&r, s[3]);
	uint8_t *again = dnstap_ring_reserve(&r, 10, &s[3]);
	assert_ptr_equal(again, r.buf + 30);
	dnstap_ring_free(&r);
}

static struct sockaddr_storage sa4(const char *a, uint16_t port)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	s4->sin_family = AF_INET;
	s4->sin_port = htons(port);
	assert_int_equal(inet_pton(AF_INET, a, &s4->sin_addr), 1);
	return ss;
}

static void test_encode_decodes_back(void **state)
{
	(void)state;
	struct dnstap_ring r;
	assert_int_equal(dnstap_ring_init(&r, 1 << 16, 16), 0);
	struct sockaddr_storage client = sa4("192.0.2.7", 40000);
	struct sockaddr_storage local = sa4("198.51.100.53", 53);
	const uint8_t q[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
	const uint8_t a[] = {1, 2, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 9};
	struct dnstap_event ev = {
	    .tcp = true,
	    .client = (const struct sockaddr *)&client,
	    .local = (const struct sockaddr *)&local,
	    .query = q,
	    .qlen = sizeof(q),
	    .resp = a,
	    .rlen = sizeof(a),
	    .qtime = {1700000000, 123456789},
	    .rtime = {1700000000, 123999999},
	};
	struct dnstap_who who = {.identity = "ns1.test", .version = "dnsd 9"};
	assert_int_equal(dnstap_msg_prefix(&who), 0);
	struct dnstap_slot *slot;
	size_t len;

	uint8_t *f =
	    dnstap_msg_encode(&who, &ev, DNSTAP_AUTH_QUERY, &r, &slot, &len);
	assert_non_null(f);
	Dnstap__Dnstap *d = dnstap__dnstap__unpack(NULL, len, f);
	assert_non_null(d);
	assert_int_equal(d->type, DNSTAP__DNSTAP__TYPE__MESSAGE);
	assert_memory_equal(d->identity.data, "ns1.test", 8);
	assert_memory_equal(d->version.data, "dnsd 9", 6);
	Dnstap__Message *m = d->message;
	assert_int_equal(m->type, DNSTAP__MESSAGE__TYPE__AUTH_QUERY);
	assert_int_equal(m->socket_family, DNSTAP__SOCKET_FAMILY__INET);
	assert_int_equal(m->socket_protocol, DNSTAP__SOCKET_PROTOCOL__TCP);
	assert_int_equal(m->query_address.len, 4);
	assert_memory_equal(m->query_address.data, "\xc0\x00\x02\x07", 4);
	assert_memory_equal(m->response_address.data, "\xc6\x33\x64\x35", 4);
	assert_int_equal(m->query_port, 40000);
	assert_int_equal(m->response_port, 53);
	assert_int_equal(m->query_time_sec, 1700000000);
	assert_int_equal(m->query_time_nsec, 123456789);
	assert_true(m->has_query_message && !m->has_response_message);
	assert_int_equal(m->query_message.len, sizeof(q));
	assert_memory_equal(m->query_message.data, q, sizeof(q));
	dnstap__dnstap__free_unpacked(d, NULL);

	f = dnstap_msg_encode(&who, &ev, DNSTAP_AUTH_RESPONSE, &r, &slot, &len);
	assert_non_null(f);
	d = dnstap__dnstap__unpack(NULL, len, f);
	assert_non_null(d);
	m = d->message;
	assert_int_equal(m->type, DNSTAP__MESSAGE__TYPE__AUTH_RESPONSE);
	assert_true(m->has_response_message && !m->has_query_message);
	assert_memory_equal(m->response_message.data, a, sizeof(a));
	assert_int_equal(m->response_time_nsec, 123999999);
	assert_int_equal(m->query_time_nsec, 123456789);
	dnstap__dnstap__free_unpacked(d, NULL);

	/* No local address known, or of the other family: left out. */
	struct sockaddr_in6 l6 = {.sin6_family = AF_INET6};
	ev.local = (const struct sockaddr *)&l6;
	f = dnstap_msg_encode(&who, &ev, DNSTAP_AUTH_QUERY, &r, &slot, &len);
	d = dnstap__dnstap__unpack(NULL, len, f);
	assert_non_null(d);
	assert_false(d->message->has_response_address);
	assert_true(d->message->has_query_address);
	dnstap__dnstap__free_unpacked(d, NULL);

	/* A 300-byte message: its length takes two varint bytes. */
	uint8_t big[300];
	memset(big, 0xab, sizeof(big));
	ev.query = big;
	ev.qlen = sizeof(big);
	f = dnstap_msg_encode(&who, &ev, DNSTAP_AUTH_QUERY, &r, &slot, &len);
	d = dnstap__dnstap__unpack(NULL, len, f);
	assert_non_null(d);
	assert_int_equal(d->message->query_message.len, sizeof(big));
	assert_memory_equal(d->message->query_message.data, big, sizeof(big));
	assert_memory_equal(d->identity.data, "ns1.test", 8);
	dnstap__dnstap__free_unpacked(d, NULL);
	free(who.prefix);
	dnstap_ring_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ring_reuses_released_space),
	    cmocka_unit_test(test_ring_slots_bound_frames_and_undo),
	    cmocka_unit_test(test_encode_decodes_back),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
