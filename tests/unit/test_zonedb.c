/* test_zonedb.c - zone index building, validation and lookup (no zone
 * file). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "dns/dname.h"
#include "zone/zonedb.h"

#define PATH "test.zone"

struct fix {
	struct arena *arena;
	struct diag diag;
	struct zdb_builder *b;
	const struct zdb_zone *z;
};

static size_t name(const char *s, uint8_t out[DNAME_MAXLEN])
{
	int n = dname_from_str(s, out);
	assert_true(n > 0);
	return (size_t)n;
}

static int add(struct fix *f, const char *owner, uint16_t type, uint32_t ttl,
               const void *rdata, size_t rdlen, unsigned line)
{
	uint8_t o[DNAME_MAXLEN];
	size_t olen = name(owner, o);
	return zdb_builder_add(f->b, o, olen, type, ttl, rdata, (uint16_t)rdlen,
	                       line, &f->diag);
}

static int add_name(struct fix *f, const char *owner, uint16_t type,
                    uint32_t ttl, const char *target, unsigned line)
{
	uint8_t t[DNAME_MAXLEN];
	size_t tlen = name(target, t);
	return add(f, owner, type, ttl, t, tlen, line);
}

static int add_a(struct fix *f, const char *owner, uint32_t ttl, uint8_t a,
                 uint8_t b, uint8_t c, uint8_t d, unsigned line)
{
	uint8_t rd[4] = {a, b, c, d};
	return add(f, owner, DNS_TYPE_A, ttl, rd, 4, line);
}

static int add_soa(struct fix *f, const char *owner, uint32_t ttl,
                   uint32_t serial, uint32_t minimum, unsigned line)
{
	uint8_t rd[2 * DNAME_MAXLEN + 20];
	size_t n = name("ns1.example.com.", rd);
	n += name("hostmaster.example.com.", rd + n);
	uint32_t v[5] = {serial, 7200, 3600, 1209600, minimum};
	for (int i = 0; i < 5; i++) {
		rd[n++] = (uint8_t)(v[i] >> 24);
		rd[n++] = (uint8_t)(v[i] >> 16);
		rd[n++] = (uint8_t)(v[i] >> 8);
		rd[n++] = (uint8_t)v[i];
	}
	return add(f, owner, DNS_TYPE_SOA, ttl, rd, n, line);
}

static struct fix *fix_new(const char *apex)
{
	struct fix *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	uint8_t a[DNAME_MAXLEN];
	size_t alen = name(apex, a);
	f->arena = arena_new();
	assert_non_null(f->arena);
	diag_init(&f->diag);
	f->b = zdb_builder_new(a, alen, apex, PATH);
	assert_non_null(f->b);
	return f;
}

static void fix_free(struct fix *f)
{
	zdb_builder_abort(f->b);
	diag_free(&f->diag);
	arena_free(f->arena);
	free(f);
}

static int finish(struct fix *f)
{
	int r = zdb_builder_finish(f->b, f->arena, &f->diag, &f->z);
	f->b = NULL;
	return r;
}

/* The minimum valid zone: SOA and NS at the apex. */
static void add_base(struct fix *f)
{
	assert_int_equal(add_soa(f, "example.com.", 3600, 2024010101, 300, 1),
	                 0);
	assert_int_equal(add_name(f, "example.com.", DNS_TYPE_NS, 3600,
	                          "ns1.example.com.", 2),
	                 0);
}

static bool has_diag(const struct fix *f, const char *needle)
{
	for (size_t i = 0; i < f->diag.count; i++)
		if (f->diag.msgs[i] && strstr(f->diag.msgs[i], needle))
			return true;
	return false;
}

/* The zone most tests look up in. */
static int setup_zone(void **state)
{
	struct fix *f = fix_new("Example.COM.");
	/* Deliberately out of type order and with a duplicate. */
	assert_int_equal(add(f, "example.com.", DNS_TYPE_MX, 3600,
	                     "\x00\x0a\x04mail\x07"
	                     "example\x03"
	                     "com",
	                     20, 1),
	                 0);
	assert_int_equal(add_soa(f, "example.com.", 3600, 2024010101, 300, 2),
	                 0);
	assert_int_equal(add_name(f, "EXAMPLE.com.", DNS_TYPE_NS, 3600,
	                          "ns1.example.com.", 3),
	                 0);
	assert_int_equal(add_name(f, "example.com.", DNS_TYPE_NS, 3600,
	                          "ns2.example.com.", 4),
	                 0);
	assert_int_equal(add_a(f, "ns1.example.com.", 3600, 192, 0, 2, 1, 5),
	                 0);
	assert_int_equal(add_a(f, "ns2.example.com.", 3600, 192, 0, 2, 2, 6),
	                 0);
	uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};
	assert_int_equal(
	    add(f, "ns2.example.com.", DNS_TYPE_AAAA, 3600, v6, 16, 7), 0);
	/* www: two A (TTL min 100), one duplicate dropped. */
	assert_int_equal(add_a(f, "WWW.example.com.", 300, 192, 0, 2, 10, 8),
	                 0);
	assert_int_equal(add_a(f, "www.example.com.", 100, 192, 0, 2, 11, 9),
	                 0);
	assert_int_equal(add_a(f, "www.example.com.", 300, 192, 0, 2, 10, 10),
	                 0);
	assert_int_equal(add_name(f, "alias.example.com.", DNS_TYPE_CNAME, 60,
	                          "www.example.com.", 11),
	                 0);
	/* a.b.c: b.c and c are empty non-terminals. */
	assert_int_equal(
	    add(f, "a.b.c.example.com.", DNS_TYPE_TXT, 60, "\x02hi", 3, 12), 0);
	/* Wildcard with an existing sibling and an ENT sibling. */
	assert_int_equal(add_a(f, "*.w.example.com.", 60, 192, 0, 2, 80, 13),
	                 0);
	assert_int_equal(add_a(f, "real.w.example.com.", 60, 192, 0, 2, 81, 14),
	                 0);
	assert_int_equal(
	    add(f, "leaf.mid.w.example.com.", DNS_TYPE_TXT, 60, "\x01x", 2, 15),
	    0);
	/* Delegation with in-zone, in-bailiwick and out-of-zone targets. */
	assert_int_equal(add_name(f, "sub.example.com.", DNS_TYPE_NS, 3600,
	                          "ns1.sub.example.com.", 16),
	                 0);
	assert_int_equal(add_name(f, "sub.example.com.", DNS_TYPE_NS, 3600,
	                          "NS2.example.com.", 17),
	                 0);
	assert_int_equal(add_name(f, "sub.example.com.", DNS_TYPE_NS, 3600,
	                          "ns.other.net.", 18),
	                 0);
	assert_int_equal(add(f, "sub.example.com.", DNS_TYPE_DS, 3600,
	                     "\x12\x34\x08\x02\xaa\xbb", 6, 19),
	                 0);
	assert_int_equal(
	    add_a(f, "ns1.sub.example.com.", 3600, 192, 0, 2, 53, 20), 0);
	assert_int_equal(add_name(f, "inner.sub.example.com.", DNS_TYPE_NS,
	                          3600, "ns.other.net.", 21),
	                 0);
	assert_int_equal(finish(f), 0);
	assert_int_equal(f->diag.count, 0);
	assert_non_null(f->z);
	*state = f;
	return 0;
}

static int teardown_zone(void **state)
{
	fix_free(*state);
	return 0;
}

static enum zdb_result look(const struct fix *f, const char *q, bool ds,
                            const struct zdb_node **n)
{
	uint8_t w[DNAME_MAXLEN];
	size_t len = name(q, w);
	dname_tolower(w, w, len);
	*n = (const struct zdb_node *)0x1; /* must be overwritten */
	return zdb_lookup(f->z, w, len, ds, n);
}

static void assert_node_name(const struct zdb_node *n, const char *s)
{
	uint8_t w[DNAME_MAXLEN];
	size_t len = name(s, w);
	assert_non_null(n);
	assert_int_equal(n->name_len, len);
	assert_memory_equal(n->name, w, len);
}

static void test_zone_fields(void **state)
{
	const struct fix *f = *state;
	const struct zdb_zone *z = f->z;
	uint8_t apex[DNAME_MAXLEN];
	size_t alen = name("example.com.", apex);
	assert_int_equal(z->apex_len, alen);
	assert_memory_equal(z->apex, apex, alen);
	assert_int_equal(z->apex_labels, 2);
	assert_string_equal(z->name, "Example.COM.");
	assert_int_equal(z->serial, 2024010101);
	assert_int_equal(z->neg_ttl, 300); /* min(3600, MINIMUM 300) */
	assert_non_null(z->soa);
	assert_int_equal(z->soa->type, DNS_TYPE_SOA);
	assert_ptr_equal(z->soa, zdb_node_rrset(z->apex_node, DNS_TYPE_SOA));
	assert_true(z->apex_node->flags & ZDB_NODE_APEX);
	/* 21 RRs added, one duplicate. */
	assert_int_equal(z->rr_count, 20);
	/* 12 owners; ENTs b.c, c, mid.w, w */
	assert_int_equal(z->node_count, 16);
	assert_true(z->table_mask + 1 >= 2 * z->node_count);
	assert_int_equal((z->table_mask + 1) & z->table_mask, 0);
}

static void test_exact(void **state)
{
	const struct fix *f = *state;
	const struct zdb_node *n;
	assert_int_equal(look(f, "www.example.com.", false, &n), ZDB_EXACT);
	assert_node_name(n, "www.example.com.");
	assert_int_equal(n->rrset_count, 1);
	const struct zdb_rrset *a = zdb_node_rrset(n, DNS_TYPE_A);
	assert_non_null(a);
	assert_int_equal(a->count, 2); /* duplicate dropped */
	assert_int_equal(a->ttl, 100); /* smallest TTL of the set */
	assert_int_equal(look(f, "example.com.", false, &n), ZDB_EXACT);
	assert_ptr_equal(n, f->z->apex_node);
	/* Upper-case input is the caller's job: the index is lower case. */
	uint8_t w[DNAME_MAXLEN];
	size_t len = name("WWW.example.com.", w);
	assert_null(zdb_find_node(f->z, w, len));
	dname_tolower(w, w, len);
	assert_non_null(zdb_find_node(f->z, w, len));
}

static void test_nodata(void **state)
{
	const struct fix *f = *state;
	const struct zdb_node *n;
	assert_int_equal(look(f, "www.example.com.", false, &n), ZDB_EXACT);
	assert_null(zdb_node_rrset(n, DNS_TYPE_MX));
	assert_null(zdb_node_rrset(n, DNS_TYPE_AAAA));
	assert_null(zdb_node_rrset(n, 65535));
}

static void test_nxdomain(void **state)
{
	const struct fix *f = *state;
	const struct zdb_node *n;
	assert_int_equal(look(f, "nope.example.com.", false, &n), ZDB_NXDOMAIN);
	assert_ptr_equal(n, f->z->apex_node);
	assert_int_equal(look(f, "x.y.www.example.com.", false, &n),
	                 ZDB_NXDOMAIN);
	assert_node_name(n, "www.example.com.");
	assert_int_equal(look(f, "z.a.b.c.example.com.", false, &n),
	                 ZDB_NXDOMAIN);
	assert_node_name(n, "a.b.c.example.com.");
}

static void test_ent(void **state)
{
	const struct fix *f = *state;
	const struct zdb_node *n;
	assert_int_equal(look(f, "b.c.example.com.", false, &n), ZDB_EXACT);
	assert_node_name(n, "b.c.example.com.");
	assert_int_equal(n->rrset_count, 0);
	assert_null(n->rrsets);
	assert_int_equal(look(f, "c.example.com.", false, &n), ZDB_EXACT);
	assert_int_equal(n->rrset_count, 0);
	assert_int_equal(n->labels, 3);
	assert_int_equal(look(f, "x.c.example.com.", false, &n), ZDB_NXDOMAIN);
	assert_node_name(n, "c.example.com.");
}

static void test_cname_node(void **state)
{
	const struct fix *f = *state;
	const struct zdb_node *n;
	assert_int_equal(look(f, "alias.example.com.", false, &n), ZDB_EXACT);
	assert_int_equal(n->rrset_count, 1);
	const struct zdb_rrset *c = zdb_node_rrset(n, DNS_TYPE_CNAME);
	assert_non_null(c);
	assert_int_equal(c->count, 1);
	uint8_t t[DNAME_MAXLEN];
	size_t tlen = name("www.example.com.", t);
	assert_int_equal(c->rdata_len, 2 + tlen);
	assert_int_equal(c->rdata[0], 0);
	assert_int_equal(c->rdata[1], tlen);
	assert_memory_equal(c->rdata + 2, t, tlen);
}

static void test_wildcard(void **state)
{
	const struct fix *f = *state;
	const struct zdb_node *n;
	const struct zdb_node *w;
	assert_int_equal(look(f, "foo.w.example.com.", false, &w),
	                 ZDB_WILDCARD);
	assert_node_name(w, "*.w.example.com.");
	assert_true(w->flags & ZDB_NODE_WILDCARD);
	assert_non_null(zdb_node_rrset(w, DNS_TYPE_A));
	/* Several labels below the closest encloser still match. */
	assert_int_equal(look(f, "a.b.foo.w.example.com.", false, &n),
	                 ZDB_WILDCARD);
	assert_ptr_equal(n, w);
	/* The wildcard owner itself is an exact match. */
	assert_int_equal(look(f, "*.w.example.com.", false, &n), ZDB_EXACT);
	assert_ptr_equal(n, w);
	assert_int_equal(look(f, "w.example.com.", false, &n), ZDB_EXACT);
	assert_true(n->flags & ZDB_NODE_WILDCARD_CHILD);
	assert_int_equal(n->rrset_count, 0);
}

static void test_wildcard_blocked(void **state)
{
	const struct fix *f = *state;
	const struct zdb_node *n;
	/* RFC 4592 section 2.2.1: an existing name is no closest-encloser
	 * source for "*.w"; below it, the name simply does not exist. */
	assert_int_equal(look(f, "real.w.example.com.", false, &n), ZDB_EXACT);
	assert_node_name(n, "real.w.example.com.");
	assert_int_equal(look(f, "x.real.w.example.com.", false, &n),
	                 ZDB_NXDOMAIN);
	assert_node_name(n, "real.w.example.com.");
	/* An empty non-terminal exists, too. */
	assert_int_equal(look(f, "mid.w.example.com.", false, &n), ZDB_EXACT);
	assert_int_equal(n->rrset_count, 0);
	assert_int_equal(look(f, "x.mid.w.example.com.", false, &n),
	                 ZDB_NXDOMAIN);
	assert_node_name(n, "mid.w.example.com.");
	/* No wildcard at the apex. */
	assert_int_equal(look(f, "x.example.com.", false, &n), ZDB_NXDOMAIN);
}

static void test_delegation(void **state)
{
	const struct fix *f = *state;
	const struct zdb_node *n;
	const struct zdb_node *cut;
	assert_int_equal(look(f, "sub.example.com.", false, &cut),
	                 ZDB_DELEGATION);
	assert_node_name(cut, "sub.example.com.");
	assert_true(cut->flags & ZDB_NODE_DELEGATION);
	assert_false(cut->flags & ZDB_NODE_OCCLUDED);
	assert_int_equal(look(f, "host.sub.example.com.", false, &n),
	                 ZDB_DELEGATION);
	assert_ptr_equal(n, cut);
	assert_int_equal(look(f, "a.b.sub.example.com.", true, &n),
	                 ZDB_DELEGATION);
	assert_ptr_equal(n, cut);
	/* Glue names are occluded and answer with the referral. */
	assert_int_equal(look(f, "ns1.sub.example.com.", false, &n),
	                 ZDB_DELEGATION);
	assert_ptr_equal(n, cut);
	assert_int_equal(look(f, "ns1.sub.example.com.", true, &n),
	                 ZDB_DELEGATION);
	assert_ptr_equal(n, cut);
	assert_int_equal(look(f, "x.ns1.sub.example.com.", false, &n),
	                 ZDB_DELEGATION);
	assert_ptr_equal(n, cut);
	const struct zdb_node *g = zdb_find_node(
	    f->z, (const uint8_t *)"\3ns1\3sub\7example\3com", 21);
	assert_non_null(g);
	assert_true(g->flags & ZDB_NODE_OCCLUDED);
	/* A cut below a cut: the upper one answers, even for DS. */
	assert_int_equal(look(f, "inner.sub.example.com.", true, &n),
	                 ZDB_DELEGATION);
	assert_ptr_equal(n, cut);
}

static void test_ds_at_cut(void **state)
{
	const struct fix *f = *state;
	const struct zdb_node *n;
	/* RFC 4035 section 3.1.4.1: the parent answers DS at the cut. */
	assert_int_equal(look(f, "sub.example.com.", true, &n), ZDB_EXACT);
	assert_node_name(n, "sub.example.com.");
	const struct zdb_rrset *ds = zdb_node_rrset(n, DNS_TYPE_DS);
	assert_non_null(ds);
	assert_int_equal(ds->count, 1);
	assert_int_equal(ds->rdata_len, 8);
}

static void test_glue(void **state)
{
	const struct fix *f = *state;
	const struct zdb_node *cut;
	assert_int_equal(look(f, "sub.example.com.", false, &cut),
	                 ZDB_DELEGATION);
	/* ns1.sub A, ns2 A, ns2 AAAA; ns.other.net. is not ours. */
	assert_int_equal(cut->glue_count, 3);
	const struct zdb_glue *g = cut->glue;
	uint8_t w[DNAME_MAXLEN];
	size_t len = name("ns1.sub.example.com.", w);
	assert_int_equal(g[0].name_len, len);
	assert_memory_equal(g[0].name, w, len);
	assert_int_equal(g[0].rrset->type, DNS_TYPE_A);
	assert_memory_equal(g[0].rrset->rdata, "\x00\x04\xc0\x00\x02\x35", 6);
	len = name("ns2.example.com.", w); /* lower case, as indexed */
	assert_int_equal(g[1].name_len, len);
	assert_memory_equal(g[1].name, w, len);
	assert_int_equal(g[1].rrset->type, DNS_TYPE_A);
	assert_memory_equal(g[2].name, w, len);
	assert_int_equal(g[2].rrset->type, DNS_TYPE_AAAA);
	/* The inner cut's only server is out of zone. */
	const struct zdb_node *in = zdb_find_node(
	    f->z, (const uint8_t *)"\5inner\3sub\7example\3com", 23);
	assert_non_null(in);
	assert_int_equal(in->glue_count, 0);
	assert_true(in->flags & ZDB_NODE_OCCLUDED);
	/* Not a delegation: no glue. */
	assert_int_equal(f->z->apex_node->glue_count, 0);
}

static void test_sorted_rrsets(void **state)
{
	const struct fix *f = *state;
	const struct zdb_node *apex = f->z->apex_node;
	assert_int_equal(apex->rrset_count, 3);
	assert_int_equal(apex->rrsets[0].type, DNS_TYPE_NS);
	assert_int_equal(apex->rrsets[1].type, DNS_TYPE_SOA);
	assert_int_equal(apex->rrsets[2].type, DNS_TYPE_MX);
	/* Within an RRset, file order. */
	const struct zdb_rrset *ns = &apex->rrsets[0];
	assert_int_equal(ns->count, 2);
	assert_memory_equal(ns->rdata + 2, "\3ns1", 4);
}

static void test_wire_prerender(void **state)
{
	const struct fix *f = *state;
	const struct zdb_node *n;
	assert_int_equal(look(f, "www.example.com.", false, &n), ZDB_EXACT);
	const struct zdb_rrset *a = zdb_node_rrset(n, DNS_TYPE_A);
	static const uint8_t want_wire[] = {
	    0xC0, 0x0C, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x64, 0x00,
	    0x04, 192,  0,    2,    10,   0xC0, 0x0C, 0x00, 0x01, 0x00, 0x01,
	    0x00, 0x00, 0x00, 0x64, 0x00, 0x04, 192,  0,    2,    11,
	};
	static const uint8_t want_rdata[] = {0, 4, 192, 0, 2, 10,
	                                     0, 4, 192, 0, 2, 11};
	assert_int_equal(a->wire_len, sizeof(want_wire));
	assert_memory_equal(a->wire, want_wire, sizeof(want_wire));
	assert_int_equal(a->rdata_len, sizeof(want_rdata));
	assert_memory_equal(a->rdata, want_rdata, sizeof(want_rdata));
}

static void test_dup_identical(void **state)
{
	(void)state;
	struct fix *f = fix_new("example.com.");
	add_base(f);
	/* Identical NS and CNAME repeated: dropped without an error. */
	assert_int_equal(
	    add_name(f, "example.com.", DNS_TYPE_NS, 60, "ns1.example.com.", 3),
	    0);
	assert_int_equal(add_name(f, "c.example.com.", DNS_TYPE_CNAME, 60,
	                          "example.com.", 4),
	                 0);
	assert_int_equal(add_name(f, "c.example.com.", DNS_TYPE_CNAME, 30,
	                          "example.com.", 5),
	                 0);
	assert_int_equal(finish(f), 0);
	assert_int_equal(f->diag.count, 0);
	const struct zdb_rrset *ns =
	    zdb_node_rrset(f->z->apex_node, DNS_TYPE_NS);
	assert_int_equal(ns->count, 1);
	assert_int_equal(ns->ttl, 60);
	const struct zdb_node *c =
	    zdb_find_node(f->z, (const uint8_t *)"\1c\7example\3com", 15);
	assert_non_null(c);
	assert_int_equal(zdb_node_rrset(c, DNS_TYPE_CNAME)->count, 1);
	assert_int_equal(zdb_node_rrset(c, DNS_TYPE_CNAME)->ttl, 30);
	assert_int_equal(f->z->rr_count, 3);
	fix_free(f);
}

static void test_cname_and_other(void **state)
{
	(void)state;
	struct fix *f = fix_new("example.com.");
	add_base(f);
	assert_int_equal(add_name(f, "c.example.com.", DNS_TYPE_CNAME, 60,
	                          "example.com.", 7),
	                 0);
	assert_int_equal(add_a(f, "c.example.com.", 60, 1, 2, 3, 4, 9), 0);
	assert_int_equal(finish(f), -1);
	assert_null(f->z);
	assert_int_equal(f->diag.count, 1);
	assert_true(has_diag(f, PATH ":9: CNAME beside other data at "
	                             "c.example.com."));
	fix_free(f);
}

/* Records from an included file ($INCLUDE): errors found at finish name
 * the file that holds the record, not the zone file. */
static void test_errors_name_the_file_of_the_record(void **state)
{
	(void)state;
	struct fix *f = fix_new("example.com.");
	add_base(f);
	assert_int_equal(add_a(f, "c.example.com.", 60, 1, 2, 3, 4, 3), 0);
	assert_int_equal(zdb_builder_set_file(f->b, "sub/part.zone"), 0);
	assert_int_equal(add_name(f, "c.example.com.", DNS_TYPE_CNAME, 60,
	                          "example.com.", 5),
	                 0);
	assert_int_equal(add_soa(f, "x.example.com.", 60, 1, 1, 6), 0);
	/* Back in the zone file, as after the $INCLUDE line. */
	assert_int_equal(zdb_builder_set_file(f->b, PATH), 0);
	assert_int_equal(add_name(f, "d.example.com.", DNS_TYPE_CNAME, 60,
	                          "example.com.", 4),
	                 0);
	assert_int_equal(add_name(f, "d.example.com.", DNS_TYPE_CNAME, 60,
	                          "other.example.com.", 8),
	                 0);
	assert_int_equal(finish(f), -1);
	assert_int_equal(f->diag.count, 3);
	assert_true(has_diag(f, "sub/part.zone:5: CNAME beside other data at "
	                        "c.example.com."));
	assert_true(has_diag(f, "sub/part.zone:6: SOA record at "));
	assert_true(has_diag(f, PATH ":8: more than one CNAME at d.example"));
	fix_free(f);
}

static void test_cname_at_apex(void **state)
{
	(void)state;
	struct fix *f = fix_new("example.com.");
	add_base(f);
	assert_int_equal(
	    add_name(f, "example.com.", DNS_TYPE_CNAME, 60, "other.net.", 3),
	    0);
	assert_int_equal(finish(f), -1);
	assert_true(has_diag(f, PATH ":3: CNAME beside other data"));
	fix_free(f);
}

static void test_two_cnames(void **state)
{
	(void)state;
	struct fix *f = fix_new("example.com.");
	add_base(f);
	assert_int_equal(add_name(f, "c.example.com.", DNS_TYPE_CNAME, 60,
	                          "a.example.com.", 5),
	                 0);
	assert_int_equal(add_name(f, "c.example.com.", DNS_TYPE_CNAME, 60,
	                          "b.example.com.", 6),
	                 0);
	assert_int_equal(finish(f), -1);
	assert_int_equal(f->diag.count, 1);
	assert_true(has_diag(f, PATH ":6: more than one CNAME at "
	                             "c.example.com."));
	fix_free(f);
}

static void test_missing_soa(void **state)
{
	(void)state;
	struct fix *f = fix_new("example.com.");
	assert_int_equal(
	    add_name(f, "example.com.", DNS_TYPE_NS, 60, "ns1.example.com.", 1),
	    0);
	assert_int_equal(finish(f), -1);
	assert_int_equal(f->diag.count, 1);
	assert_true(has_diag(f, PATH ":1: zone example.com. has no SOA"));
	fix_free(f);
}

static void test_missing_ns(void **state)
{
	(void)state;
	struct fix *f = fix_new("example.com.");
	assert_int_equal(add_soa(f, "example.com.", 60, 1, 60, 1), 0);
	/* NS below the apex is a delegation, not the zone's own. */
	assert_int_equal(add_name(f, "sub.example.com.", DNS_TYPE_NS, 60,
	                          "ns.other.net.", 2),
	                 0);
	assert_int_equal(finish(f), -1);
	assert_int_equal(f->diag.count, 1);
	assert_true(has_diag(f, PATH ":1: zone example.com. has no NS"));
	fix_free(f);
}

static void test_empty_zone(void **state)
{
	(void)state;
	struct fix *f = fix_new("example.com.");
	assert_int_equal(finish(f), -1);
	assert_int_equal(f->diag.count, 2);
	fix_free(f);
}

static void test_soa_errors(void **state)
{
	(void)state;
	struct fix *f = fix_new("example.com.");
	add_base(f);
	assert_int_equal(add_soa(f, "example.com.", 60, 2, 60, 5), 0);
	assert_int_equal(add_soa(f, "x.example.com.", 60, 2, 60, 6), 0);
	assert_int_equal(finish(f), -1);
	assert_int_equal(f->diag.count, 2);
	assert_true(has_diag(f, PATH ":5: more than one SOA"));
	assert_true(has_diag(f, PATH ":6: SOA record at x.example.com."));
	fix_free(f);
}

static void test_out_of_zone(void **state)
{
	(void)state;
	struct fix *f = fix_new("example.com.");
	add_base(f);
	assert_int_equal(add_a(f, "www.example.net.", 60, 1, 2, 3, 4, 12), -1);
	assert_int_equal(add_a(f, "com.", 60, 1, 2, 3, 4, 13), -1);
	assert_int_equal(add_a(f, "xexample.com.", 60, 1, 2, 3, 4, 14), -1);
	assert_int_equal(f->diag.count, 3);
	assert_true(has_diag(f, PATH ":12: www.example.net. is outside the "
	                             "zone example.com."));
	assert_true(has_diag(f, PATH ":14: xexample.com. is outside"));
	fix_free(f); /* the builder is aborted, not finished */
}

static void test_bad_rdata(void **state)
{
	(void)state;
	struct fix *f = fix_new("example.com.");
	add_base(f);
	assert_int_equal(
	    add(f, "a.example.com.", DNS_TYPE_A, 60, "\1\2\3", 3, 4), -1);
	assert_int_equal(
	    add(f, "a.example.com.", DNS_TYPE_CNAME, 60, "\3abc", 4, 5), -1);
	assert_int_equal(
	    add(f, "a.example.com.", DNS_TYPE_SOA, 60, "\0\0", 2, 6), -1);
	assert_int_equal(add(f, "a.example.com.", 255, 60, "", 0, 7), -1);
	assert_int_equal(f->diag.count, 4);
	assert_true(has_diag(f, PATH ":4: A RDATA must be 4 bytes"));
	assert_true(has_diag(f, PATH ":7: type ANY cannot appear"));
	/* The zone itself still builds from its good records. */
	assert_int_equal(finish(f), 0);
	fix_free(f);
}

static void test_root_zone(void **state)
{
	(void)state;
	struct fix *f = fix_new(".");
	assert_int_equal(add_soa(f, ".", 86400, 7, 3600, 1), 0);
	assert_int_equal(add_name(f, ".", DNS_TYPE_NS, 60, "a.root.", 2), 0);
	assert_int_equal(add_name(f, "com.", DNS_TYPE_NS, 60, "a.nic.com.", 3),
	                 0);
	assert_int_equal(add_a(f, "*.", 60, 1, 1, 1, 1, 4), 0);
	assert_int_equal(finish(f), 0);
	const struct zdb_node *n;
	assert_int_equal(look(f, "www.example.com.", false, &n),
	                 ZDB_DELEGATION);
	assert_node_name(n, "com.");
	assert_int_equal(look(f, "net.", false, &n), ZDB_WILDCARD);
	assert_int_equal(look(f, ".", false, &n), ZDB_EXACT);
	assert_int_equal(f->z->neg_ttl, 3600);
	fix_free(f);
}

/* Many names: the index finds each one and no absent one. */
static void test_many_names(void **state)
{
	(void)state;
	struct fix *f = fix_new("example.com.");
	add_base(f);
	char s[64];
	for (int i = 0; i < 5000; i++) {
		snprintf(s, sizeof(s), "h%d.g%d.example.com.", i, i % 37);
		assert_int_equal(add_a(f, s, 60, 10, 0, (uint8_t)(i >> 8),
		                       (uint8_t)i, (unsigned)i + 3),
		                 0);
	}
	assert_int_equal(finish(f), 0);
	assert_int_equal(f->z->node_count, 1 + 37 + 5000);
	const struct zdb_node *n;
	for (int i = 0; i < 5000; i++) {
		snprintf(s, sizeof(s), "h%d.g%d.example.com.", i, i % 37);
		assert_int_equal(look(f, s, false, &n), ZDB_EXACT);
		assert_node_name(n, s);
		snprintf(s, sizeof(s), "x%d.g%d.example.com.", i, i % 37);
		assert_int_equal(look(f, s, false, &n), ZDB_NXDOMAIN);
		assert_int_equal(n->labels, 3);
	}
	fix_free(f);
}

/* Many RRs at one name with duplicates scattered among them: each repeat
 * is dropped, the first copy kept, and file order holds. */
static void test_dup_many_at_one_name(void **state)
{
	(void)state;
	struct fix *f = fix_new("example.com.");
	add_base(f);
	const int n = 3000;
	unsigned line = 3;
	for (int i = 0; i < n; i++) {
		assert_int_equal(add_a(f, "m.example.com.", 60, 10, 1,
		                       (uint8_t)(i >> 8), (uint8_t)i, line++),
		                 0);
		/* Every third one again, a little later in the file. */
		if (i % 3 == 0 && i > 0)
			assert_int_equal(add_a(f, "m.example.com.", 60, 10, 1,
			                       (uint8_t)((i - 1) >> 8),
			                       (uint8_t)(i - 1), line++),
			                 0);
	}
	assert_int_equal(add_a(f, "m.example.com.", 60, 10, 1, 0, 0, line++),
	                 0);
	assert_int_equal(finish(f), 0);
	assert_int_equal(f->diag.count, 0);
	const struct zdb_node *m =
	    zdb_find_node(f->z, (const uint8_t *)"\1m\7example\3com", 15);
	assert_non_null(m);
	const struct zdb_rrset *a = zdb_node_rrset(m, DNS_TYPE_A);
	assert_int_equal(a->count, n);
	for (int i = 0; i < n; i++) {
		const uint8_t *rd = a->rdata + 6 * i;
		assert_int_equal(rd[1], 4);
		assert_int_equal(rd[4], (uint8_t)(i >> 8));
		assert_int_equal(rd[5], (uint8_t)i);
	}
	assert_int_equal(f->z->rr_count, 2 + (size_t)n);
	fix_free(f);
}

/* An RRset's RR count is 16 bits once compiled: 65,535 distinct RRs load,
 * one more is an error at the line of the last, not a count that wraps. */
static void test_rrset_count_limit(void **state)
{
	(void)state;
	for (int extra = 0; extra < 2; extra++) {
		struct fix *f = fix_new("example.com.");
		add_base(f);
		unsigned total = 65535u + (unsigned)extra;
		for (unsigned i = 0; i < total; i++)
			assert_int_equal(add_a(f, "m.example.com.", 60, 10,
			                       (uint8_t)(i >> 16),
			                       (uint8_t)(i >> 8), (uint8_t)i,
			                       3 + i),
			                 0);
		/* A duplicate does not count. */
		assert_int_equal(
		    add_a(f, "m.example.com.", 60, 10, 0, 0, 0, 3 + total), 0);
		if (extra == 0) {
			assert_int_equal(finish(f), 0);
			const struct zdb_node *m = zdb_find_node(
			    f->z, (const uint8_t *)"\1m\7example\3com", 15);
			assert_int_equal(zdb_node_rrset(m, DNS_TYPE_A)->count,
			                 65535);
		} else {
			assert_int_equal(finish(f), -1);
			assert_true(has_diag(
			    f, PATH ":65538: more than 65535 A records at "
			            "m.example.com."));
		}
		fix_free(f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_zone_fields, setup_zone,
	                                    teardown_zone),
	    cmocka_unit_test_setup_teardown(test_exact, setup_zone,
	                                    teardown_zone),
	    cmocka_unit_test_setup_teardown(test_nodata, setup_zone,
	                                    teardown_zone),
	    cmocka_unit_test_setup_teardown(test_nxdomain, setup_zone,
	                                    teardown_zone),
	    cmocka_unit_test_setup_teardown(test_ent, setup_zone,
	                                    teardown_zone),
	    cmocka_unit_test_setup_teardown(test_cname_node, setup_zone,
	                                    teardown_zone),
	    cmocka_unit_test_setup_teardown(test_wildcard, setup_zone,
	                                    teardown_zone),
	    cmocka_unit_test_setup_teardown(test_wildcard_blocked, setup_zone,
	                                    teardown_zone),
	    cmocka_unit_test_setup_teardown(test_delegation, setup_zone,
	                                    teardown_zone),
	    cmocka_unit_test_setup_teardown(test_ds_at_cut, setup_zone,
	                                    teardown_zone),
	    cmocka_unit_test_setup_teardown(test_glue, setup_zone,
	                                    teardown_zone),
	    cmocka_unit_test_setup_teardown(test_sorted_rrsets, setup_zone,
	                                    teardown_zone),
	    cmocka_unit_test_setup_teardown(test_wire_prerender, setup_zone,
	                                    teardown_zone),
	    cmocka_unit_test(test_dup_identical),
	    cmocka_unit_test(test_cname_and_other),
	    cmocka_unit_test(test_cname_at_apex),
	    cmocka_unit_test(test_two_cnames),
	    cmocka_unit_test(test_missing_soa),
	    cmocka_unit_test(test_missing_ns),
	    cmocka_unit_test(test_empty_zone),
	    cmocka_unit_test(test_soa_errors),
	    cmocka_unit_test(test_out_of_zone),
	    cmocka_unit_test(test_bad_rdata),
	    cmocka_unit_test(test_root_zone),
	    cmocka_unit_test(test_many_names),
	    cmocka_unit_test(test_dup_many_at_one_name),
	    cmocka_unit_test(test_rrset_count_limit),
	    cmocka_unit_test(test_errors_name_the_file_of_the_record),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
