/* test_dname.c - wire names: unpacking, checks, comparison, text form. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "base/compat.h"
#include "dns/dname.h"

#define WIRE(s) ((const uint8_t *)(s)), (sizeof(s) - 1)

/* Unpack at pos from an exact-size heap copy, so ASan sees over-reads. */
static int unpack(const uint8_t *pkt, size_t len, size_t *pos, uint8_t *out,
                  size_t *outlen, uint8_t *labels)
{
	uint8_t *copy = malloc(len ? len : 1);
	assert_non_null(copy);
	if (len > 0)
		memcpy(copy, pkt, len);
	int r = dname_unpack(copy, len, pos, out, outlen, labels);
	free(copy);
	return r;
}

/* A 12-byte stand-in for a header, then names at 12 and on. */
#define HDR12 "\xab\xcd\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"

static void test_unpack_plain(void **state)
{
	static const uint8_t pkt[] = HDR12 "\x03www\x07"
	                                   "example\x03"
	                                   "com\x00\x00\x01";
	uint8_t out[DNAME_MAXLEN];
	size_t outlen, pos = 12;
	uint8_t labels = 0;
	(void)state;

	assert_int_equal(
	    unpack(pkt, sizeof(pkt) - 1, &pos, out, &outlen, &labels), 0);
	assert_int_equal(outlen, 17);
	assert_int_equal(pos, 29);
	assert_int_equal(labels, 3);
	assert_memory_equal(out, pkt + 12, 17);

	/* labels may be NULL; the root name alone is one byte. */
	static const uint8_t root[] = HDR12 "\x00";
	pos = 12;
	assert_int_equal(
	    unpack(root, sizeof(root) - 1, &pos, out, &outlen, NULL), 0);
	assert_int_equal(outlen, 1);
	assert_int_equal(pos, 13);
	assert_int_equal(out[0], 0);
}

/* example.com at 12, www -> 12 at 25, a -> 25 at 31 (a chain of two). */
static const uint8_t chain[] = HDR12 "\x07"
                                     "example\x03"
                                     "com\x00"
                                     "\x03www\xc0\x0c"
                                     "\x01"
                                     "a\xc0\x19";

static void test_unpack_compressed(void **state)
{
	uint8_t out[DNAME_MAXLEN];
	size_t outlen, pos;
	uint8_t labels;
	(void)state;

	pos = 25;
	assert_int_equal(
	    unpack(chain, sizeof(chain) - 1, &pos, out, &outlen, &labels), 0);
	assert_int_equal(pos, 31); /* past the pointer, not the target */
	assert_int_equal(labels, 3);
	assert_int_equal(outlen, 17);
	assert_memory_equal(out,
	                    "\x03www\x07"
	                    "example\x03"
	                    "com",
	                    17);

	pos = 31;
	assert_int_equal(
	    unpack(chain, sizeof(chain) - 1, &pos, out, &outlen, &labels), 0);
	assert_int_equal(pos, 35);
	assert_int_equal(labels, 4);
	assert_int_equal(outlen, 19);
	assert_memory_equal(out,
	                    "\x01"
	                    "a\x03www\x07"
	                    "example\x03"
	                    "com",
	                    19);

	/* A name that is only a pointer. */
	static const uint8_t ptr_only[] = HDR12 "\x03"
	                                        "com\x00\xc0\x0c";
	pos = 17;
	assert_int_equal(
	    unpack(ptr_only, sizeof(ptr_only) - 1, &pos, out, &outlen, &labels),
	    0);
	assert_int_equal(pos, 19);
	assert_int_equal(outlen, 5);
	assert_int_equal(labels, 1);
}

static void expect_bad(const uint8_t *pkt, size_t len, size_t pos)
{
	uint8_t out[DNAME_MAXLEN];
	size_t outlen, p = pos;
	uint8_t labels;
	assert_int_equal(unpack(pkt, len, &p, out, &outlen, &labels), -1);
	assert_int_equal(p, pos); /* untouched on failure */
}

static void test_unpack_bad_pointers(void **state)
{
	(void)state;
	/* Self pointer. */
	expect_bad(WIRE(HDR12 "\xc0\x0c"), 12);
	/* Label then a pointer back to the start of the same name. */
	expect_bad(WIRE(HDR12 "\x01"
	                      "a\xc0\x0c"),
	           12);
	/* Forward pointer, even to a valid name. */
	expect_bad(WIRE(HDR12 "\xc0\x0e\x00"), 12);
	/* Two pointers pointing at each other: a loop. */
	expect_bad(WIRE(HDR12 "\xc0\x0e\xc0\x0c"), 14);
	expect_bad(WIRE(HDR12 "\xc0\x0e\xc0\x0c"), 12);
	/* A loop through two names: a -> b -> a. */
	expect_bad(WIRE(HDR12 "\x01"
	                      "b\xc0\x12\x00\x00\x01"
	                      "a\xc0\x0c"),
	           18);
	/* Pointer past the end of the packet. */
	expect_bad(WIRE(HDR12 "\x00\xc0\xff"), 13);
	/* Pointer cut in half. */
	expect_bad(WIRE(HDR12 "\x00\xc0"), 13);
	/* Reserved label types 0x40 (RFC 6891 section 5) and 0x80. */
	expect_bad(WIRE(HDR12 "\x41\x00"), 12);
	expect_bad(WIRE(HDR12 "\x80\x00"), 12);
	expect_bad(WIRE(HDR12 "\x01"
	                      "a\x40\x00"),
	           12);
	/* Start past the end. */
	expect_bad(WIRE(HDR12), 12);
	expect_bad(WIRE(HDR12), 40);
}

/* Build "\x3f a*63" repeated n times plus a last label of last bytes. */
static size_t long_name(uint8_t *buf, unsigned n, unsigned last)
{
	size_t p = 0;
	for (unsigned i = 0; i < n; i++) {
		buf[p++] = 63;
		memset(buf + p, 'a' + (int)i, 63);
		p += 63;
	}
	if (last > 0) {
		buf[p++] = (uint8_t)last;
		memset(buf + p, 'z', last);
		p += last;
	}
	buf[p++] = 0;
	return p;
}

static void test_unpack_limits(void **state)
{
	uint8_t pkt[600];
	uint8_t out[DNAME_MAXLEN];
	size_t outlen, pos, n;
	(void)state;

	/* 63-byte label fine, 64 is not a label length at all. */
	n = long_name(pkt, 1, 0);
	pos = 0;
	assert_int_equal(unpack(pkt, n, &pos, out, &outlen, NULL), 0);
	assert_int_equal(outlen, 65);
	pkt[0] = 64;
	memset(pkt + 1, 'a', 64);
	pkt[65] = 0;
	expect_bad(pkt, 66, 0);

	/* 255 bytes fine; 256 and 257 rejected (RFC 1035 section 2.3.4). */
	n = long_name(pkt, 3, 61);
	assert_int_equal(n, 255);
	pos = 0;
	assert_int_equal(unpack(pkt, n, &pos, out, &outlen, NULL), 0);
	assert_int_equal(outlen, 255);
	assert_int_equal(dname_check(out, outlen), 4);
	n = long_name(pkt, 3, 62);
	assert_int_equal(n, 256);
	expect_bad(pkt, n, 0);
	n = long_name(pkt, 4, 0);
	expect_bad(pkt, n, 0);

	/* Too long only once the pointer's suffix is added: a 129-byte
	 * suffix at 0, then names at 129 made of labels and a pointer to 0. */
	size_t s2 = long_name(pkt, 2, 0);
	assert_int_equal(s2, 129);
	static const struct {
		unsigned first, second; /* label lengths before the pointer */
		size_t total;           /* 0 = rejected */
	} viapointer[] = {
	    {63, 63, 0},   /* 64 + 64 + 129 = 257 */
	    {63, 62, 0},   /* 256 */
	    {63, 61, 255}, /* the longest name */
	    {0, 63, 193},
	};
	for (size_t i = 0; i < DNSD_ARRAY_LEN(viapointer); i++) {
		n = s2;
		if (viapointer[i].first > 0) {
			pkt[n++] = (uint8_t)viapointer[i].first;
			memset(pkt + n, 'x', viapointer[i].first);
			n += viapointer[i].first;
		}
		pkt[n++] = (uint8_t)viapointer[i].second;
		memset(pkt + n, 'y', viapointer[i].second);
		n += viapointer[i].second;
		pkt[n++] = 0xc0;
		pkt[n++] = 0x00;
		if (viapointer[i].total == 0) {
			expect_bad(pkt, n, s2);
			continue;
		}
		pos = s2;
		assert_int_equal(unpack(pkt, n, &pos, out, &outlen, NULL), 0);
		assert_int_equal(outlen, viapointer[i].total);
		assert_int_equal(pos, n);
		assert_true(dname_check(out, outlen) > 0);
	}

	/* 127 one-byte labels: 255 bytes, the most labels a name holds. */
	n = 0;
	for (int i = 0; i < 127; i++) {
		pkt[n++] = 1;
		pkt[n++] = 'x';
	}
	pkt[n++] = 0;
	uint8_t labels;
	pos = 0;
	assert_int_equal(unpack(pkt, n, &pos, out, &outlen, &labels), 0);
	assert_int_equal(labels, 127);
	assert_int_equal(outlen, 255);
}

/* Cut the chain packet after every byte: each name that runs past the cut
 * fails, and nothing reads beyond it. */
static void test_unpack_truncation(void **state)
{
	size_t len = sizeof(chain) - 1;
	uint8_t out[DNAME_MAXLEN];
	size_t outlen;
	(void)state;

	for (size_t cut = 0; cut <= len; cut++) {
		static const size_t starts[] = {12, 25, 31};
		static const size_t ends[] = {25, 31, 35};
		for (size_t i = 0; i < 3; i++) {
			size_t pos = starts[i];
			int r = unpack(chain, cut, &pos, out, &outlen, NULL);
			assert_int_equal(r, cut >= ends[i] ? 0 : -1);
		}
	}
}

static void test_check(void **state)
{
	uint8_t buf[300];
	(void)state;

	assert_int_equal(dname_check(WIRE("\x00")), 0);
	assert_int_equal(dname_check(WIRE("\x03www\x07"
	                                  "example\x03"
	                                  "com\x00")),
	                 3);
	assert_int_equal(dname_check((const uint8_t *)"", 0), -1);
	/* Root before the end, or no root at all. */
	assert_int_equal(dname_check(WIRE("\x00\x00")), -1);
	assert_int_equal(dname_check(WIRE("\x03"
	                                  "com")),
	                 -1);
	/* A label running past len. */
	assert_int_equal(dname_check(WIRE("\x05"
	                                  "com\x00")),
	                 -1);
	/* Label over 63, pointer bytes. */
	assert_int_equal(dname_check(WIRE("\x40"
	                                  "a\x00")),
	                 -1);
	assert_int_equal(dname_check(WIRE("\xc0\x0c")), -1);
	/* 255 bytes fine, 256 not. */
	size_t n = long_name(buf, 3, 61);
	assert_int_equal(dname_check(buf, n), 4);
	n = long_name(buf, 3, 62);
	assert_int_equal(dname_check(buf, n), -1);
}

static void test_equal_tolower(void **state)
{
	uint8_t a[] = "\x03WwW\x07"
	              "ExAMPLE\x03"
	              "cOm";
	static const uint8_t b[] = "\x03www\x07"
	                           "example\x03"
	                           "com";
	(void)state;

	assert_true(dname_equal(a, sizeof(a), b, sizeof(b)));
	assert_false(dname_equal(a, sizeof(a), b, sizeof(b) - 1));
	assert_false(dname_equal(WIRE("\x01"
	                              "a\x00"),
	                         WIRE("\x01"
	                              "b\x00")));
	/* Only ASCII letters fold: '@' (0x40) and '`' (0x60) differ. */
	assert_false(dname_equal(WIRE("\x01@\x00"), WIRE("\x01`\x00")));
	/* Non-ASCII bytes are compared as they are. */
	assert_false(dname_equal(WIRE("\x01\xc4\x00"), WIRE("\x01\xe4\x00")));

	uint8_t low[sizeof(a)];
	dname_tolower(low, a, sizeof(a));
	assert_memory_equal(low, b, sizeof(b));
	dname_tolower(a, a, sizeof(a)); /* in place */
	assert_memory_equal(a, b, sizeof(b));
	assert_int_equal(dname_hash(low, sizeof(low)),
	                 dname_hash(b, sizeof(b)));
}

static bool sub(const char *child, const char *parent)
{
	uint8_t c[DNAME_MAXLEN], p[DNAME_MAXLEN];
	int cl = dname_from_str(child, c);
	int pl = dname_from_str(parent, p);
	assert_true(cl > 0 && pl > 0);
	return dname_is_subdomain(c, (size_t)cl, p, (size_t)pl);
}

static void test_subdomain(void **state)
{
	(void)state;
	assert_true(sub("www.example.com", "example.com"));
	assert_true(sub("a.b.www.example.com", "example.com"));
	assert_true(sub("example.com", "example.com"));
	assert_true(sub("WWW.Example.COM", "example.com"));
	assert_true(sub("example.com", "."));
	assert_true(sub(".", "."));
	/* Label boundaries: a byte-wise suffix is not enough. */
	assert_false(sub("bexample.com", "example.com"));
	assert_false(sub("a\\001c", "c"));
	assert_false(sub("example.com", "www.example.com"));
	assert_false(sub("example.org", "example.com"));
	assert_false(sub(".", "com"));
}

static void test_labels_skip(void **state)
{
	uint8_t n[DNAME_MAXLEN];
	int len = dname_from_str("a.bb.ccc.example", n);
	(void)state;

	assert_int_equal(len, 18);
	assert_int_equal(dname_labels(n, (size_t)len), 4);
	assert_int_equal(dname_labels(WIRE("\x00")), 0);
	assert_int_equal(dname_skip_labels(n, (size_t)len, 0), 0);
	assert_int_equal(dname_skip_labels(n, (size_t)len, 1), 2);
	assert_int_equal(dname_skip_labels(n, (size_t)len, 2), 5);
	assert_int_equal(dname_skip_labels(n, (size_t)len, 4), 17);
	/* More than there are: stops at the root. */
	assert_int_equal(dname_skip_labels(n, (size_t)len, 9), 17);
}

static void round_trip(const char *text, const char *want_text,
                       const uint8_t *want_wire, size_t want_len)
{
	uint8_t w[DNAME_MAXLEN], w2[DNAME_MAXLEN];
	char s[DNAME_STRLEN];
	int len = dname_from_str(text, w);
	if (len < 0)
		fail_msg("%s: not parsed", text);
	if (want_wire != NULL) {
		assert_int_equal(len, want_len);
		assert_memory_equal(w, want_wire, want_len);
	}
	size_t sl = dname_to_str(w, (size_t)len, s, sizeof(s));
	assert_int_equal(sl, strlen(s));
	if (strcmp(s, want_text) != 0)
		fail_msg("%s: printed %s, want %s", text, s, want_text);
	/* And back again to the same bytes. */
	assert_int_equal(dname_from_str(s, w2), len);
	assert_memory_equal(w, w2, (size_t)len);
}

static void test_str(void **state)
{
	(void)state;
	round_trip(".", ".", WIRE("\x00"));
	round_trip("www.example.com", "www.example.com.",
	           WIRE("\x03www\x07"
	                "example\x03"
	                "com\x00"));
	round_trip("www.example.com.", "www.example.com.", NULL, 0);
	round_trip("WwW.Example.", "WwW.Example.", NULL, 0);
	round_trip("a\\.b.example", "a\\.b.example.",
	           WIRE("\x03"
	                "a.b\x07"
	                "example\x00"));
	round_trip("\\065bc", "Abc.",
	           WIRE("\x03"
	                "Abc\x00"));
	round_trip("a\\032b", "a\\032b.",
	           WIRE("\x03"
	                "a b\x00"));
	round_trip("\\000\\255\\\\\\\"", "\\000\\255\\\\\\\".",
	           WIRE("\x04\x00\xff\\\"\x00"));
	round_trip("\\@\\$\\;\\(\\)", "\\@\\$\\;\\(\\).", NULL, 0);
	round_trip("_sip._tcp", "_sip._tcp.", NULL, 0);
	round_trip("*.example", "*.example.", NULL, 0);

	/* 63-character label fine; 127 one-letter labels = 255 bytes. */
	char text[600];
	memset(text, 'a', 63);
	strcpy(text + 63, ".com.");
	round_trip(text, text, NULL, 0);
	text[0] = '\0';
	for (int i = 0; i < 127; i++)
		strcat(text, "x.");
	round_trip(text, text, NULL, 0);
}

static void test_str_invalid(void **state)
{
	uint8_t w[DNAME_MAXLEN];
	char text[600];
	(void)state;

	assert_int_equal(dname_from_str("", w), -1);
	assert_int_equal(dname_from_str("..", w), -1);
	assert_int_equal(dname_from_str(".a", w), -1);
	assert_int_equal(dname_from_str("a..b", w), -1);
	assert_int_equal(dname_from_str("a.b..", w), -1);
	/* Bad escapes. */
	assert_int_equal(dname_from_str("a\\", w), -1);
	assert_int_equal(dname_from_str("a\\2", w), -1);
	assert_int_equal(dname_from_str("a\\25", w), -1);
	assert_int_equal(dname_from_str("a\\25x", w), -1);
	assert_int_equal(dname_from_str("a\\256", w), -1);
	/* 64-character label. */
	memset(text, 'a', 64);
	strcpy(text + 64, ".com");
	assert_int_equal(dname_from_str(text, w), -1);
	/* 64 characters by escapes. */
	text[0] = '\0';
	for (int i = 0; i < 64; i++)
		strcat(text, "\\097");
	assert_int_equal(dname_from_str(text, w), -1);
	/* 128 labels = 257 bytes; 4 x 63 = 257 bytes too. */
	text[0] = '\0';
	for (int i = 0; i < 128; i++)
		strcat(text, "x.");
	assert_int_equal(dname_from_str(text, w), -1);
	text[0] = '\0';
	for (int i = 0; i < 4; i++) {
		memset(text + i * 64, 'a', 63);
		text[i * 64 + 63] = '.';
	}
	text[256] = '\0';
	assert_int_equal(dname_from_str(text, w), -1);
	/* Exactly 256 bytes: 3 x 63 + 62. */
	text[255] = '\0';
	text[254] = '.';
	assert_int_equal(dname_from_str(text, w), -1);
	/* 255: 3 x 63 + 61. */
	text[253] = '.';
	text[254] = '\0';
	assert_int_equal(dname_from_str(text, w), 255);
}

static void test_to_str_small_buffer(void **state)
{
	char s[8];
	static const uint8_t n[] = "\x03www\x07"
	                           "example\x03"
	                           "com";
	(void)state;

	size_t len = dname_to_str(n, sizeof(n), s, sizeof(s));
	assert_int_equal(len, 7);
	assert_string_equal(s, "www.exa");
	assert_int_equal(dname_to_str(n, sizeof(n), s, 1), 0);
	assert_string_equal(s, "");
	assert_int_equal(dname_to_str(n, sizeof(n), s, 0), 0);
	/* A 255-byte name of escaped bytes fits DNAME_STRLEN. */
	uint8_t big[DNAME_MAXLEN];
	size_t p = 0;
	for (int i = 0; i < 4; i++) {
		unsigned l = i < 3 ? 63 : 61;
		big[p++] = (uint8_t)l;
		memset(big + p, 0x01, l);
		p += l;
	}
	big[p++] = 0;
	char text[DNAME_STRLEN];
	len = dname_to_str(big, p, text, sizeof(text));
	assert_int_equal(len, 250 * 4 + 4);
	uint8_t back[DNAME_MAXLEN];
	assert_int_equal(dname_from_str(text, back), 255);
	assert_memory_equal(back, big, 255);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_unpack_plain),
	    cmocka_unit_test(test_unpack_compressed),
	    cmocka_unit_test(test_unpack_bad_pointers),
	    cmocka_unit_test(test_unpack_limits),
	    cmocka_unit_test(test_unpack_truncation),
	    cmocka_unit_test(test_check),
	    cmocka_unit_test(test_equal_tolower),
	    cmocka_unit_test(test_subdomain),
	    cmocka_unit_test(test_labels_skip),
	    cmocka_unit_test(test_str),
	    cmocka_unit_test(test_str_invalid),
	    cmocka_unit_test(test_to_str_small_buffer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
