/* test_zone.c - master files read with libzscanner into zones (fixtures on
 * disk). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/arena.h"
#include "dns/dname.h"
#include "zone/zone.h"

struct load {
	char path[512];
	struct config_zone cz;
	struct arena *arena;
	struct diag diag;
	const struct zdb_zone *z;
	int ret;
	bool tmp;
};

/* The source tree: the first folder holding tests/data/zones among the
 * current one and those above the test binary (build/tests/, or
 * build/asan/tests/ for sanitizer builds), so the tests run from anywhere. */
static const char *src_root(void)
{
	static char root[PATH_MAX];
	char probe[PATH_MAX + 32];
	if (root[0] != '\0')
		return root;
	if (access("tests/data/zones", R_OK) == 0) {
		snprintf(root, sizeof(root), ".");
		return root;
	}
	ssize_t n = readlink("/proc/self/exe", root, sizeof(root) - 1);
	assert_true(n > 0);
	root[n] = '\0';
	for (;;) {
		char *slash = strrchr(root, '/');
		if (slash == NULL || slash == root)
			fail_msg("tests/data/zones not found above the binary");
		*slash = '\0';
		snprintf(probe, sizeof(probe), "%s/tests/data/zones", root);
		if (access(probe, R_OK) == 0)
			return root;
	}
}

static void src_path(char *buf, size_t len, const char *rel)
{
	snprintf(buf, len, "%s/%s", src_root(), rel);
}

static void load_path(struct load *l, const char *zone)
{
	l->cz.name = zone;
	int n = dname_from_str(zone, l->cz.dname);
	assert_true(n > 0);
	l->cz.dname_len = (size_t)n;
	dname_tolower(l->cz.dname, l->cz.dname, l->cz.dname_len);
	l->cz.file = l->path;
	l->arena = arena_new();
	assert_non_null(l->arena);
	diag_init(&l->diag);
	l->z = (const struct zdb_zone *)&l->ret; /* must be overwritten */
	l->ret = zone_load(&l->cz, l->arena, &l->diag, &l->z);
	if (l->ret == 0)
		assert_non_null(l->z);
	else
		assert_null(l->z);
}

static struct load *load_fixture(const char *file, const char *zone)
{
	struct load *l = calloc(1, sizeof(*l));
	assert_non_null(l);
	char rel[256];
	snprintf(rel, sizeof(rel), "tests/data/zones/%s", file);
	src_path(l->path, sizeof(l->path), rel);
	load_path(l, zone);
	return l;
}

/* For edge cases of the file format itself (line ends, last line). */
static struct load *load_text(const char *text, size_t len)
{
	struct load *l = calloc(1, sizeof(*l));
	assert_non_null(l);
	snprintf(l->path, sizeof(l->path), "/tmp/test_zone_XXXXXX");
	int fd = mkstemp(l->path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	l->tmp = true;
	load_path(l, "example.com");
	return l;
}

static void load_free(struct load *l)
{
	if (l->tmp)
		unlink(l->path);
	diag_free(&l->diag);
	arena_free(l->arena);
	free(l);
}

static const struct zdb_node *node(const struct load *l, const char *name)
{
	uint8_t w[DNAME_MAXLEN];
	int n = dname_from_str(name, w);
	assert_true(n > 0);
	dname_tolower(w, w, (size_t)n);
	return zdb_find_node(l->z, w, (size_t)n);
}

static const struct zdb_rrset *rrset(const struct load *l, const char *name,
                                     uint16_t type)
{
	const struct zdb_node *n = node(l, name);
	assert_non_null(n);
	return zdb_node_rrset(n, type);
}

/* diag message i is "PATH:LINE: ..." with this line. */
static void assert_diag_line(const struct load *l, size_t i, unsigned line,
                             const char *needle)
{
	char want[600];
	snprintf(want, sizeof(want), "%s:%u: ", l->path, line);
	assert_true(i < l->diag.count);
	assert_non_null(l->diag.msgs[i]);
	if (strncmp(l->diag.msgs[i], want, strlen(want)) != 0)
		fail_msg("diag %zu is \"%s\", want prefix \"%s\"", i,
		         l->diag.msgs[i], want);
	if (needle != NULL && strstr(l->diag.msgs[i], needle) == NULL)
		fail_msg("diag %zu is \"%s\", want \"%s\" in it", i,
		         l->diag.msgs[i], needle);
}

static void test_three_errors(void **state)
{
	(void)state;
	struct load *l = load_fixture("errors3.zone", "example.com");
	assert_int_equal(l->ret, -1);
	/* Every error, not only the first, each at its record's first
	 * line, past comments and multi-line records. */
	assert_int_equal(l->diag.count, 3);
	assert_diag_line(l, 0, 10, "192.0.2.300");
	assert_diag_line(l, 1, 14, "BOGUSTYPE");
	assert_diag_line(l, 2, 19, "txt IN AAAA");
	load_free(l);
}

static void test_origin_ttl(void **state)
{
	(void)state;
	struct load *l = load_fixture("origin_ttl.zone", "Example.COM.");
	assert_int_equal(l->ret, 0);
	assert_int_equal(l->diag.count, 0);
	const struct zdb_zone *z = l->z;
	assert_int_equal(z->serial, 42);
	assert_int_equal(z->neg_ttl, 600);   /* min(SOA TTL 3600, MINIMUM) */
	assert_int_equal(z->soa->ttl, 3600); /* $TTL 1h */
	/* Relative MNAME completed from the origin. */
	static const uint8_t mname[] = "\3ns1\7example\3com";
	assert_memory_equal(z->soa->rdata + 2, mname, sizeof(mname));
	assert_int_equal(rrset(l, "ns1.example.com", DNS_TYPE_A)->ttl, 3600);
	assert_int_equal(rrset(l, "explicit.example.com", DNS_TYPE_A)->ttl,
	                 120);
	assert_non_null(node(l, "mixed.case.example.com"));
	assert_int_equal(rrset(l, "abs.example.com", DNS_TYPE_A)->ttl, 3600);
	/* After the second $TTL; an owner left blank repeats the last. */
	assert_int_equal(rrset(l, "later.example.com", DNS_TYPE_A)->ttl, 600);
	assert_non_null(rrset(l, "later.example.com", DNS_TYPE_TXT));
	/* A relative $ORIGIN is relative to the one before. */
	const struct zdb_rrset *rel =
	    rrset(l, "rel.sub.example.com", DNS_TYPE_A);
	assert_non_null(rel);
	assert_memory_equal(rel->rdata, "\0\4\xc0\0\2\6", 6);
	assert_non_null(rrset(l, "sub.example.com", DNS_TYPE_TXT));
	assert_non_null(rrset(l, "abs2.other.example.com", DNS_TYPE_A));
	assert_null(node(l, "rel.sub"));
	assert_int_equal(z->rr_count, 11);
	load_free(l);
}

static void test_unknown_types(void **state)
{
	(void)state;
	struct load *l = load_fixture("unknown.zone", "example.com");
	assert_int_equal(l->ret, 0);
	const struct zdb_rrset *u = rrset(l, "u.example.com", 65280);
	assert_non_null(u);
	assert_int_equal(u->rdata_len, 6);
	assert_memory_equal(u->rdata, "\0\4\x0a\0\0\1", 6);
	assert_int_equal(u->wire_len, 16);
	assert_memory_equal(u->wire, "\xc0\x0c\xff\x00\0\1\0\0\1\x2c\0\4", 12);
	const struct zdb_rrset *e = rrset(l, "e.example.com", 65281);
	assert_non_null(e);
	assert_int_equal(e->rdata_len, 2); /* an empty RDATA */
	assert_memory_equal(e->rdata, "\0\0", 2);
	/* A known type in the generic form is the same RR. */
	const struct zdb_rrset *g = rrset(l, "g.example.com", DNS_TYPE_A);
	assert_non_null(g);
	assert_memory_equal(g->rdata, "\0\4\xc0\0\2\x63", 6);
	/* CAA (RFC 8659 section 4.1): flags, tag length, tag, value. */
	const struct zdb_rrset *c = rrset(l, "c.example.com", 257);
	assert_non_null(c);
	static const uint8_t caa[] = "\0\x15\0\5issueca.example.net";
	assert_int_equal(c->rdata_len, sizeof(caa) - 1);
	assert_memory_equal(c->rdata, caa, sizeof(caa) - 1);
	/* Names in RDATA: uncompressed, in the case written. */
	const struct zdb_rrset *s = rrset(l, "s.example.com", DNS_TYPE_SRV);
	static const uint8_t srv[] =
	    "\0\x1a\0\x0a\0\x3c\x13\xc4\6Target\7Example\3COM";
	assert_int_equal(s->rdata_len, sizeof(srv));
	assert_memory_equal(s->rdata, srv, sizeof(srv));
	load_free(l);
}

static void test_directives(void **state)
{
	(void)state;
	struct load *l = load_fixture("directives.zone", "example.com");
	assert_int_equal(l->ret, -1);
	assert_int_equal(l->diag.count, 6);
	/* $INCLUDE is followed now (test_include_*): this one names a file
	 * that does not exist, an error at the directive. */
	assert_diag_line(l, 0, 3, "cannot open included file");
	assert_diag_line(l, 1, 4, "class CH is not supported");
	assert_diag_line(l, 2, 5, "$TTL");
	assert_diag_line(l, 3, 6, "unknown directive $GENERATE");
	assert_diag_line(l, 4, 7, "outside the zone");
	assert_diag_line(l, 5, 9, "CNAME beside other data");
	load_free(l);
}

static void test_missing_file(void **state)
{
	(void)state;
	struct load *l = load_fixture("no-such.zone", "example.com");
	assert_int_equal(l->ret, -1);
	assert_int_equal(l->diag.count, 1);
	char want[700];
	snprintf(want, sizeof(want),
	         "%s: cannot open zone file: No such file or directory",
	         l->path);
	assert_string_equal(l->diag.msgs[0], want);
	load_free(l);

	/* Named by an INI file: the error is at its file key (SPEC 1). */
	l = calloc(1, sizeof(*l));
	assert_non_null(l);
	src_path(l->path, sizeof(l->path), "tests/data/zones/no-such.zone");
	l->cz.ini = "conf/dnsd.ini";
	l->cz.file_line = 17;
	load_path(l, "example.com");
	assert_int_equal(l->ret, -1);
	assert_int_equal(l->diag.count, 1);
	snprintf(want, sizeof(want),
	         "conf/dnsd.ini:17: cannot open zone file %s for [zone "
	         "example.com]: No such file or directory",
	         l->path);
	assert_string_equal(l->diag.msgs[0], want);
	load_free(l);
}

static void test_example_zone(void **state)
{
	(void)state;
	struct load *l = calloc(1, sizeof(*l));
	assert_non_null(l);
	src_path(l->path, sizeof(l->path), "zones/example.com.zone");
	load_path(l, "example.com");
	assert_int_equal(l->ret, 0);
	assert_int_equal(l->diag.count, 0);
	assert_int_equal(l->z->neg_ttl, 300);
	/* The load-balanced name holds no address or alias data. */
	const struct zdb_node *lb = node(l, "lb.example.com");
	assert_non_null(lb);
	assert_null(zdb_node_rrset(lb, DNS_TYPE_A));
	assert_null(zdb_node_rrset(lb, DNS_TYPE_AAAA));
	assert_null(zdb_node_rrset(lb, DNS_TYPE_CNAME));
	assert_non_null(rrset(l, "www.example.com", DNS_TYPE_AAAA));
	assert_non_null(rrset(l, "alias.example.com", DNS_TYPE_CNAME));
	assert_non_null(rrset(l, "example.com", DNS_TYPE_MX));
	const struct zdb_node *sub = node(l, "sub.example.com");
	assert_non_null(sub);
	assert_true(sub->flags & ZDB_NODE_DELEGATION);
	assert_int_equal(sub->glue_count, 3);
	const struct zdb_node *w = node(l, "*.wild.example.com");
	assert_non_null(w);
	assert_true(w->flags & ZDB_NODE_WILDCARD);
	const struct zdb_rrset *ns = rrset(l, "example.com", DNS_TYPE_NS);
	assert_int_equal(ns->count, 2);
	load_free(l);
}

static void test_line_ends(void **state)
{
	(void)state;
	/* CRLF line ends, a blank line of spaces, no final newline. */
	static const char text[] = "@ 60 IN SOA ns1 h 1 2 3 4 5\r\n"
	                           "@ 60 IN NS ns1\r\n"
	                           "   \r\n"
	                           "ns1 60 IN A 192.0.2.1\r\n"
	                           "bad 60 IN A nope\r\n"
	                           "last 60 IN A 192.0.2.2";
	struct load *l = load_text(text, sizeof(text) - 1);
	assert_int_equal(l->ret, -1);
	assert_int_equal(l->diag.count, 1);
	assert_diag_line(l, 0, 5, "bad 60 IN A nope");
	load_free(l);

	static const char good[] = "@ 60 IN SOA ns1 h 1 2 3 4 5\n"
	                           "@ 60 IN NS ns1\n"
	                           "; only a comment at the end";
	l = load_text(good, sizeof(good) - 1);
	assert_int_equal(l->ret, 0);
	assert_int_equal(l->diag.count, 0);
	load_free(l);
}

static void test_empty_file(void **state)
{
	(void)state;
	struct load *l = load_text("", 0);
	assert_int_equal(l->ret, -1);
	/* No SOA and no NS, each said once, at line 1 (where the SOA
	 * belongs, RFC 1035 section 5.2). */
	assert_int_equal(l->diag.count, 2);
	assert_diag_line(l, 0, 1, "has no SOA");
	assert_diag_line(l, 1, 1, "has no NS");
	load_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_three_errors),
	    cmocka_unit_test(test_origin_ttl),
	    cmocka_unit_test(test_unknown_types),
	    cmocka_unit_test(test_directives),
	    cmocka_unit_test(test_missing_file),
	    cmocka_unit_test(test_example_zone),
	    cmocka_unit_test(test_line_ends),
	    cmocka_unit_test(test_empty_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
