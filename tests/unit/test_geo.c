/* test_geo.c - [networks] prefix match, MaxMind DB lookups, distances. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/arena.h"
#include "conf/config.h"
#include "base/diag.h"
#include "lb/geo.h"

/* ==== a small MaxMind DB writer ====
 *
 * The test database is built here, from the table below, every time the
 * suite runs: no downloaded file, no Perl module, and the bytes are exactly
 * what the MaxMind DB format 2.0 spec says (search tree of 24-bit records,
 * 16 zero bytes, data section, "\xAB\xCD\xEFMaxMind.com", metadata map).
 * `test_geo --write-mmdb PATH` writes the same database for other tests. */

enum mw_type {
	MW_UTF8 = 2,
	MW_DOUBLE = 3,
	MW_UINT16 = 5,
	MW_UINT32 = 6,
	MW_MAP = 7,
	MW_UINT64 = 9,
	MW_ARRAY = 11,
};

struct mw_buf {
	uint8_t *p;
	size_t n, cap;
};

static void mw_put(struct mw_buf *b, const void *d, size_t n)
{
	if (b->n + n > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;
		while (cap < b->n + n)
			cap *= 2;
		uint8_t *p = realloc(b->p, cap);
		assert_non_null(p);
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, d, n);
	b->n += n;
}

static void mw_byte(struct mw_buf *b, unsigned v)
{
	uint8_t c = (uint8_t)v;
	mw_put(b, &c, 1);
}

/* Control byte: type in the top 3 bits (0 = extended, type - 7 in the next
 * byte), size in the low 5 with 29/30/31 meaning 1, 2, 3 more bytes. */
static void mw_ctrl(struct mw_buf *b, enum mw_type type, size_t size)
{
	unsigned first = type <= 7 ? (unsigned)type << 5 : 0;
	size_t extra = 0, rest = 0;
	if (size < 29) {
		first |= (unsigned)size;
	} else if (size < 29 + 256) {
		first |= 29;
		extra = 1;
		rest = size - 29;
	} else if (size < 285 + 65536) {
		first |= 30;
		extra = 2;
		rest = size - 285;
	} else {
		first |= 31;
		extra = 3;
		rest = size - 65821;
	}
	mw_byte(b, first);
	if (type > 7)
		mw_byte(b, (unsigned)type - 7);
	for (size_t i = extra; i > 0; i--)
		mw_byte(b, (unsigned)(rest >> (8 * (i - 1))) & 0xff);
}

static void mw_str(struct mw_buf *b, const char *s)
{
	mw_ctrl(b, MW_UTF8, strlen(s));
	mw_put(b, s, strlen(s));
}

static void mw_double(struct mw_buf *b, double v)
{
	uint64_t u;
	memcpy(&u, &v, sizeof(u));
	mw_ctrl(b, MW_DOUBLE, 8);
	for (int i = 7; i >= 0; i--)
		mw_byte(b, (unsigned)(u >> (8 * i)) & 0xff);
}

/* Unsigned integers are stored in as few bytes as they need. */
static void mw_uint(struct mw_buf *b, enum mw_type type, uint64_t v)
{
	size_t n = 0;
	for (uint64_t t = v; t != 0; t >>= 8)
		n++;
	mw_ctrl(b, type, n);
	for (size_t i = n; i > 0; i--)
		mw_byte(b, (unsigned)(v >> (8 * (i - 1))) & 0xff);
}

/* What one network holds. */
enum mw_kind {
	MW_CITY,     /* city name and location */
	MW_COUNTRY,  /* no location at all */
	MW_LAT_ONLY, /* location without longitude */
};

struct mw_net {
	const char *cidr;
	enum mw_kind kind;
	const char *city;
	double lat, lon;
};

#define DUBLIN_LAT  53.35
#define DUBLIN_LON  -6.26
#define NEWYORK_LAT 40.71
#define NEWYORK_LON -74.01
#define TOKYO_LAT   35.68
#define TOKYO_LON   139.69
#define SYDNEY_LAT  -33.87
#define SYDNEY_LON  151.21

static const struct mw_net mw_nets[] = {
    {"192.0.2.0/24", MW_CITY, "Dublin", DUBLIN_LAT, DUBLIN_LON},
    {"198.51.100.0/24", MW_CITY, "New York", NEWYORK_LAT, NEWYORK_LON},
    {"203.0.113.0/24", MW_CITY, "Tokyo", TOKYO_LAT, TOKYO_LON},
    /* Nested: the /24 inside the /10 splits it, so lookups in the /10
     * report the depth where they leave the /24's path. */
    {"100.64.0.0/10", MW_CITY, "New York", NEWYORK_LAT, NEWYORK_LON},
    {"100.64.1.0/24", MW_CITY, "Sydney", SYDNEY_LAT, SYDNEY_LON},
    {"198.18.0.0/15", MW_COUNTRY, NULL, 0, 0},
    {"198.20.0.0/16", MW_LAT_ONLY, NULL, 10.0, 0},
    {"2001:db8:1::/48", MW_CITY, "Dublin", DUBLIN_LAT, DUBLIN_LON},
    {"2001:db8:2::/48", MW_CITY, "Sydney", SYDNEY_LAT, SYDNEY_LON},
};

/* A record: nothing, another node, or data at an offset. */
enum mw_rec_kind { MW_EMPTY, MW_NODE, MW_DATA };

struct mw_rec {
	enum mw_rec_kind kind;
	uint32_t v;
};

struct mw_tree {
	struct mw_rec (*nodes)[2];
	size_t n, cap;
};

static uint32_t mw_node_new(struct mw_tree *t, struct mw_rec fill)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		void *p = realloc(t->nodes, t->cap * sizeof(*t->nodes));
		assert_non_null(p);
		t->nodes = p;
	}
	t->nodes[t->n][0] = fill;
	t->nodes[t->n][1] = fill;
	return (uint32_t)t->n++;
}

static unsigned mw_bit(const uint8_t *key, unsigned i)
{
	return (key[i / 8] >> (7 - i % 8)) & 1;
}

/* Point the record at depth len-1 along key at rec, creating nodes on the
 * way; a data record crossed on the way is pushed down into both halves,
 * so inserting shorter prefixes first lets longer ones override. */
static void mw_insert(struct mw_tree *t, const uint8_t *key, unsigned len,
                      struct mw_rec rec)
{
	uint32_t node = 0;
	for (unsigned d = 0; d + 1 < len; d++) {
		unsigned bit = mw_bit(key, d);
		struct mw_rec r = t->nodes[node][bit];
		if (r.kind != MW_NODE) {
			uint32_t child = mw_node_new(t, r);
			t->nodes[node][bit] = (struct mw_rec){MW_NODE, child};
			r = t->nodes[node][bit];
		}
		node = r.v;
	}
	t->nodes[node][mw_bit(key, len - 1)] = rec;
}

/* The network's key in the tree's terms: an IPv4 network in an IPv6 tree
 * lives under ::/96, as in GeoLite2. */
static void mw_key(const char *cidr, unsigned ip_version, uint8_t *key,
                   unsigned *len)
{
	struct config_prefix p;
	assert_int_equal(config_parse_prefix(cidr, &p), 0);
	memset(key, 0, 16);
	if (p.family == AF_INET && ip_version == 6) {
		memcpy(key + 12, p.addr, 4);
		*len = p.prefix + 96;
	} else {
		assert_true(p.family == AF_INET || ip_version == 6);
		memcpy(key, p.addr, 16);
		*len = p.prefix;
	}
}

static void mw_data(struct mw_buf *d, const struct mw_net *n)
{
	switch (n->kind) {
	case MW_CITY:
		mw_ctrl(d, MW_MAP, 2);
		mw_str(d, "city");
		mw_ctrl(d, MW_MAP, 1);
		mw_str(d, "names");
		mw_ctrl(d, MW_MAP, 1);
		mw_str(d, "en");
		mw_str(d, n->city);
		mw_str(d, "location");
		mw_ctrl(d, MW_MAP, 3);
		mw_str(d, "accuracy_radius");
		mw_uint(d, MW_UINT16, 20);
		mw_str(d, "latitude");
		mw_double(d, n->lat);
		mw_str(d, "longitude");
		mw_double(d, n->lon);
		break;
	case MW_COUNTRY:
		mw_ctrl(d, MW_MAP, 1);
		mw_str(d, "country");
		mw_ctrl(d, MW_MAP, 1);
		mw_str(d, "iso_code");
		mw_str(d, "ZZ");
		break;
	case MW_LAT_ONLY:
		mw_ctrl(d, MW_MAP, 1);
		mw_str(d, "location");
		mw_ctrl(d, MW_MAP, 1);
		mw_str(d, "latitude");
		mw_double(d, n->lat);
		break;
	}
}

static int mw_by_len(const void *pa, const void *pb)
{
	const struct mw_net *a = pa, *b = pb;
	uint8_t k[16];
	unsigned la, lb;
	mw_key(a->cidr, 6, k, &la);
	mw_key(b->cidr, 6, k, &lb);
	return la < lb ? -1 : la > lb;
}

/* Write the test database (ip_version 4 or 6) to path. IPv4-only trees
 * skip the IPv6 networks. */
static void mw_write(const char *path, unsigned ip_version)
{
	struct mw_net nets[DNSD_ARRAY_LEN(mw_nets)];
	memcpy(nets, mw_nets, sizeof(nets));
	qsort(nets, DNSD_ARRAY_LEN(nets), sizeof(nets[0]), mw_by_len);

	struct mw_tree t = {0};
	struct mw_buf data = {0};
	mw_node_new(&t, (struct mw_rec){MW_EMPTY, 0});
	for (size_t i = 0; i < DNSD_ARRAY_LEN(nets); i++) {
		uint8_t key[16];
		unsigned len;
		if (ip_version == 4 && strchr(nets[i].cidr, ':') != NULL)
			continue;
		mw_key(nets[i].cidr, ip_version, key, &len);
		struct mw_rec rec = {MW_DATA, (uint32_t)data.n};
		mw_data(&data, &nets[i]);
		mw_insert(&t, key, len, rec);
	}

	if (ip_version == 6) {
		/* ::ffff:0:0/96 (IPv4-mapped) leads to the IPv4 subtree too,
		 * as in GeoLite2: the node at the end of 96 zero bits. */
		uint32_t v4 = 0;
		for (int d = 0; d < 96; d++) {
			assert_int_equal(t.nodes[v4][0].kind, MW_NODE);
			v4 = t.nodes[v4][0].v;
		}
		uint8_t mapped[16] = {0};
		mapped[10] = mapped[11] = 0xff;
		mw_insert(&t, mapped, 96, (struct mw_rec){MW_NODE, v4});
	}

	/* Record values: a node number, node_count for "nothing", or
	 * node_count + 16 + offset into the data section. */
	struct mw_buf out = {0};
	uint32_t count = (uint32_t)t.n;
	for (size_t i = 0; i < t.n; i++) {
		for (int side = 0; side < 2; side++) {
			struct mw_rec r = t.nodes[i][side];
			uint32_t v = r.kind == MW_NODE   ? r.v
			             : r.kind == MW_DATA ? count + 16 + r.v
			                                 : count;
			assert_true(v < (1u << 24));
			mw_byte(&out, v >> 16);
			mw_byte(&out, (v >> 8) & 0xff);
			mw_byte(&out, v & 0xff);
		}
	}
	static const uint8_t zero[16];
	mw_put(&out, zero, sizeof(zero));
	mw_put(&out, data.p, data.n);
	mw_put(&out, "\xAB\xCD\xEFMaxMind.com", 14);

	mw_ctrl(&out, MW_MAP, 9);
	mw_str(&out, "binary_format_major_version");
	mw_uint(&out, MW_UINT16, 2);
	mw_str(&out, "binary_format_minor_version");
	mw_uint(&out, MW_UINT16, 0);
	mw_str(&out, "build_epoch");
	mw_uint(&out, MW_UINT64, 1700000000);
	mw_str(&out, "database_type");
	mw_str(&out, "dnsd-Test-City");
	mw_str(&out, "description");
	mw_ctrl(&out, MW_MAP, 1);
	mw_str(&out, "en");
	mw_str(&out, "dnsd unit test database (tests/unit/test_geo.c)");
	mw_str(&out, "ip_version");
	mw_uint(&out, MW_UINT16, ip_version);
	mw_str(&out, "languages");
	mw_ctrl(&out, MW_ARRAY, 1);
	mw_str(&out, "en");
	mw_str(&out, "node_count");
	mw_uint(&out, MW_UINT32, count);
	mw_str(&out, "record_size");
	mw_uint(&out, MW_UINT16, 24);

	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(out.p, 1, out.n, f), out.n);
	assert_int_equal(fclose(f), 0);
	free(out.p);
	free(data.p);
	free(t.nodes);
}

/* ==== [networks] ==== */

#define NETS_MAX 64

struct nets_fixture {
	struct config cfg;
	struct config_network nets[NETS_MAX];
	struct arena *arena;
	struct geo_nets *gn;
};

static void nets_add(struct nets_fixture *f, const char *cidr, unsigned line)
{
	assert_true(f->cfg.nnetworks < NETS_MAX);
	struct config_network *n = &f->nets[f->cfg.nnetworks++];
	memset(n, 0, sizeof(*n));
	assert_int_equal(config_parse_prefix(cidr, &n->net), 0);
	n->line = line;
	f->cfg.networks = f->nets;
}

static void nets_build(struct nets_fixture *f)
{
	f->arena = arena_new();
	assert_non_null(f->arena);
	f->gn = geo_nets_build(&f->cfg, f->arena);
	assert_non_null(f->gn);
}

/* The line number of the match for the address text, 0 for none. */
static unsigned nets_line(const struct nets_fixture *f, const char *ip)
{
	uint8_t a[16];
	const struct config_network *n = NULL;
	if (inet_pton(AF_INET, ip, a) == 1)
		n = geo_nets_match(f->gn, AF_INET, a);
	else if (inet_pton(AF_INET6, ip, a) == 1)
		n = geo_nets_match(f->gn, AF_INET6, a);
	else
		fail_msg("bad address %s", ip);
	if (n == NULL)
		return 0;
	/* The match must point into the configuration, not a copy. */
	assert_true(n >= f->nets && n < f->nets + f->cfg.nnetworks);
	return n->line;
}

static int nets_setup(void **state)
{
	struct nets_fixture *f = calloc(1, sizeof(*f));
	if (f == NULL)
		return -1;
	*state = f;
	return 0;
}

static int nets_teardown(void **state)
{
	struct nets_fixture *f = *state;
	arena_free(f->arena);
	free(f);
	return 0;
}

static void test_nets_empty(void **state)
{
	struct nets_fixture *f = *state;
	nets_build(f); /* networks NULL, nnetworks 0 */
	assert_int_equal(nets_line(f, "192.0.2.1"), 0);
	assert_int_equal(nets_line(f, "0.0.0.0"), 0);
	assert_int_equal(nets_line(f, "2001:db8::1"), 0);
	assert_int_equal(nets_line(f, "::"), 0);

	uint8_t a[16] = {0};
	assert_null(geo_nets_match(NULL, AF_INET, a));
	assert_null(geo_nets_match(f->gn, AF_UNIX, a));
}

static void test_nets_v4_longest(void **state)
{
	struct nets_fixture *f = *state;
	/* Written in no particular order: the longest must win anyway. */
	nets_add(f, "10.1.2.0/24", 3);
	nets_add(f, "10.0.0.0/8", 1);
	nets_add(f, "10.1.2.3/32", 4);
	nets_add(f, "10.1.0.0/16", 2);
	nets_add(f, "172.16.0.0/12", 5);
	nets_build(f);

	assert_int_equal(nets_line(f, "10.1.2.3"), 4);
	assert_int_equal(nets_line(f, "10.1.2.4"), 3);
	assert_int_equal(nets_line(f, "10.1.2.2"), 3);
	assert_int_equal(nets_line(f, "10.1.2.0"), 3);
	assert_int_equal(nets_line(f, "10.1.2.255"), 3);
	assert_int_equal(nets_line(f, "10.1.3.0"), 2);
	assert_int_equal(nets_line(f, "10.1.255.255"), 2);
	assert_int_equal(nets_line(f, "10.1.1.255"), 2);
	assert_int_equal(nets_line(f, "10.0.0.0"), 1);
	assert_int_equal(nets_line(f, "10.255.255.255"), 1);
	assert_int_equal(nets_line(f, "10.2.0.0"), 1);
	/* Boundaries of 172.16.0.0/12: 172.16.0.0 - 172.31.255.255. */
	assert_int_equal(nets_line(f, "172.16.0.0"), 5);
	assert_int_equal(nets_line(f, "172.31.255.255"), 5);
	assert_int_equal(nets_line(f, "172.15.255.255"), 0);
	assert_int_equal(nets_line(f, "172.32.0.0"), 0);
	/* Just outside 10/8, and no default. */
	assert_int_equal(nets_line(f, "9.255.255.255"), 0);
	assert_int_equal(nets_line(f, "11.0.0.0"), 0);
	assert_int_equal(nets_line(f, "255.255.255.255"), 0);
	/* IPv4 lines never match IPv6 addresses, mapped or not. */
	assert_int_equal(nets_line(f, "::ffff:10.1.2.3"), 0);
	assert_int_equal(nets_line(f, "::a01:203"), 0);
}

static void test_nets_v4_default(void **state)
{
	struct nets_fixture *f = *state;
	nets_add(f, "0.0.0.0/0", 1);
	nets_add(f, "192.0.2.0/24", 2);
	nets_add(f, "255.255.255.255/32", 3);
	nets_add(f, "0.0.0.0/32", 4);
	nets_build(f);

	assert_int_equal(nets_line(f, "192.0.2.77"), 2);
	assert_int_equal(nets_line(f, "192.0.3.0"), 1);
	assert_int_equal(nets_line(f, "8.8.8.8"), 1);
	assert_int_equal(nets_line(f, "255.255.255.255"), 3);
	assert_int_equal(nets_line(f, "255.255.255.254"), 1);
	assert_int_equal(nets_line(f, "0.0.0.0"), 4);
	assert_int_equal(nets_line(f, "0.0.0.1"), 1);
	/* The IPv4 default is not an IPv6 default. */
	assert_int_equal(nets_line(f, "2001:db8::1"), 0);
}

static void test_nets_v6(void **state)
{
	struct nets_fixture *f = *state;
	nets_add(f, "::/0", 1);
	nets_add(f, "2001:db8::/32", 2);
	nets_add(f, "2001:db8:1::/48", 3);
	/* /64 and /65 sit either side of the two 64-bit halves. */
	nets_add(f, "2001:db8:1:2::/64", 4);
	nets_add(f, "2001:db8:1:2:8000::/65", 5);
	nets_add(f, "2001:db8:1:2::1/128", 6);
	nets_add(f, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", 7);
	nets_add(f, "192.0.2.0/24", 8);
	nets_build(f);

	assert_int_equal(nets_line(f, "2001:db8:1:2::1"), 6);
	assert_int_equal(nets_line(f, "2001:db8:1:2::2"), 4);
	assert_int_equal(nets_line(f, "2001:db8:1:2:7fff:ffff:ffff:ffff"), 4);
	assert_int_equal(nets_line(f, "2001:db8:1:2:8000::"), 5);
	assert_int_equal(nets_line(f, "2001:db8:1:2:ffff:ffff:ffff:ffff"), 5);
	assert_int_equal(nets_line(f, "2001:db8:1:3::"), 3);
	assert_int_equal(nets_line(f, "2001:db8:1:ffff::1"), 3);
	assert_int_equal(nets_line(f, "2001:db8:0:ffff::1"), 2);
	assert_int_equal(nets_line(f, "2001:db8:ffff::"), 2);
	assert_int_equal(nets_line(f, "2001:db9::"), 1);
	assert_int_equal(nets_line(f, "2001:db7:ffff::"), 1);
	assert_int_equal(nets_line(f, "::"), 1);
	assert_int_equal(
	    nets_line(f, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), 7);
	assert_int_equal(
	    nets_line(f, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe"), 1);
	/* The IPv6 default does not catch IPv4 addresses. */
	assert_int_equal(nets_line(f, "192.0.2.1"), 8);
	assert_int_equal(nets_line(f, "192.0.3.1"), 0);
}

static void test_nets_duplicates_and_host_bits(void **state)
{
	struct nets_fixture *f = *state;
	nets_add(f, "192.0.2.0/24", 1);
	nets_add(f, "192.0.2.0/24", 2);
	nets_add(f, "2001:db8::/32", 3);
	nets_add(f, "2001:db8::/32", 4);
	/* Built by hand with host bits set (config.c refuses these): the
	 * table must still treat it as 198.51.100.0/24. */
	nets_add(f, "198.51.100.0/24", 5);
	f->nets[4].net.addr[3] = 0x7f;
	nets_build(f);

	/* Of two identical prefixes the first line wins, every time. */
	assert_int_equal(nets_line(f, "192.0.2.1"), 1);
	assert_int_equal(nets_line(f, "2001:db8::1"), 3);
	assert_int_equal(nets_line(f, "198.51.100.1"), 5);
	assert_int_equal(nets_line(f, "198.51.100.255"), 5);
	assert_int_equal(nets_line(f, "198.51.101.0"), 0);
}

/* Deterministic xorshift, so a failure reproduces. */
static uint64_t rng_next(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

/* The longest match by brute force over config_prefix_match, first line
 * winning ties: the oracle for the randomized comparison. */
static const struct config_network *nets_oracle(const struct nets_fixture *f,
                                                int family, const uint8_t *a)
{
	const struct config_network *best = NULL;
	for (size_t i = 0; i < f->cfg.nnetworks; i++) {
		const struct config_network *n = &f->nets[i];
		if (!config_prefix_match(&n->net, family, a))
			continue;
		if (best == NULL || n->net.prefix > best->net.prefix)
			best = n;
	}
	return best;
}

/* Random prefixes carved from a few random bases (so they nest and
 * overlap), then random addresses near them: every answer must equal the
 * brute-force one. */
static void test_nets_random_vs_oracle(void **state)
{
	struct nets_fixture *f = *state;
	uint64_t s = 0x9e3779b97f4a7c15u;
	uint8_t base[2][16];
	for (int b = 0; b < 2; b++)
		for (int i = 0; i < 16; i++)
			base[b][i] = (uint8_t)rng_next(&s);

	for (unsigned i = 0; i < NETS_MAX; i++) {
		struct config_network *n = &f->nets[f->cfg.nnetworks++];
		memset(n, 0, sizeof(*n));
		int v6 = (int)(rng_next(&s) & 1);
		unsigned max = v6 ? 128 : 32;
		n->net.family = v6 ? AF_INET6 : AF_INET;
		memcpy(n->net.addr, base[rng_next(&s) & 1], 16);
		/* Perturb a late byte now and then for siblings. */
		if (rng_next(&s) & 1)
			n->net.addr[(max / 8) - 1 - rng_next(&s) % 2] ^=
			    (uint8_t)rng_next(&s);
		n->net.prefix = (unsigned)(rng_next(&s) % (max + 1));
		for (unsigned bit = n->net.prefix; bit < max; bit++)
			n->net.addr[bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));
		n->line = i + 1;
	}
	f->cfg.networks = f->nets;
	nets_build(f);

	unsigned hits = 0;
	for (int i = 0; i < 20000; i++) {
		int v6 = i & 1;
		int family = v6 ? AF_INET6 : AF_INET;
		unsigned max = v6 ? 128 : 32;
		uint8_t a[16];
		memcpy(a, base[rng_next(&s) & 1], 16);
		/* Flip one random bit: lands inside some prefixes, out of
		 * the longer ones. */
		unsigned bit = (unsigned)(rng_next(&s) % max);
		a[bit / 8] ^= (uint8_t)(0x80u >> (bit % 8));
		const struct config_network *want = nets_oracle(f, family, a);
		const struct config_network *got =
		    geo_nets_match(f->gn, family, a);
		assert_ptr_equal(got, want);
		hits += got != NULL;
	}
	/* The comparison means something only if many lookups matched. */
	assert_true(hits > 5000);
}

/* ==== MaxMind DB ==== */

struct db_fixture {
	char dir[64];
	char path6[96];
	char path4[96];
	struct geo_db *db6, *db4;
};

static struct db_fixture dbf;

static int db_group_setup(void **state)
{
	(void)state;
	snprintf(dbf.dir, sizeof(dbf.dir), "/tmp/dnsd-test-geo-XXXXXX");
	if (mkdtemp(dbf.dir) == NULL)
		return -1;
	snprintf(dbf.path6, sizeof(dbf.path6), "%s/test6.mmdb", dbf.dir);
	snprintf(dbf.path4, sizeof(dbf.path4), "%s/test4.mmdb", dbf.dir);
	mw_write(dbf.path6, 6);
	mw_write(dbf.path4, 4);

	struct diag d;
	diag_init(&d);
	int r6 = geo_db_open(dbf.path6, "t.ini", 3, &d, &dbf.db6);
	int r4 = geo_db_open(dbf.path4, "t.ini", 3, &d, &dbf.db4);
	if (d.count > 0)
		diag_print(&d);
	diag_free(&d);
	return r6 == 0 && r4 == 0 ? 0 : -1;
}

static int db_group_teardown(void **state)
{
	(void)state;
	geo_db_close(dbf.db6);
	geo_db_close(dbf.db4);
	unlink(dbf.path6);
	unlink(dbf.path4);
	rmdir(dbf.dir);
	return 0;
}

/* Look ip up in db; the result, with the location and prefix. */
static bool db_lookup(const struct geo_db *db, const char *ip, double *lat,
                      double *lon, unsigned *prefix)
{
	uint8_t a[16];
	*lat = *lon = -999;
	*prefix = 999;
	if (inet_pton(AF_INET, ip, a) == 1)
		return geo_db_lookup(db, AF_INET, a, lat, lon, prefix);
	assert_int_equal(inet_pton(AF_INET6, ip, a), 1);
	return geo_db_lookup(db, AF_INET6, a, lat, lon, prefix);
}

static void expect_at(const struct geo_db *db, const char *ip, double lat,
                      double lon, unsigned prefix)
{
	double la, lo;
	unsigned p;
	if (!db_lookup(db, ip, &la, &lo, &p))
		fail_msg("%s: not found", ip);
	assert_float_equal(la, lat, 0.01);
	assert_float_equal(lo, lon, 0.01);
	assert_int_equal(p, prefix);
}

static void expect_none(const struct geo_db *db, const char *ip)
{
	double la, lo;
	unsigned p;
	assert_false(db_lookup(db, ip, &la, &lo, &p));
	/* A miss leaves the outputs alone. */
	assert_float_equal(la, -999, 0);
	assert_int_equal(p, 999);
}

static void test_db_v4(void **state)
{
	(void)state;
	/* IPv4 in an IPv6 database: the prefix is in IPv4 terms. */
	expect_at(dbf.db6, "192.0.2.1", DUBLIN_LAT, DUBLIN_LON, 24);
	expect_at(dbf.db6, "192.0.2.0", DUBLIN_LAT, DUBLIN_LON, 24);
	expect_at(dbf.db6, "192.0.2.255", DUBLIN_LAT, DUBLIN_LON, 24);
	expect_at(dbf.db6, "198.51.100.7", NEWYORK_LAT, NEWYORK_LON, 24);
	expect_at(dbf.db6, "203.0.113.200", TOKYO_LAT, TOKYO_LON, 24);
	/* In the nested /24 and in the /10 around it: the network found
	 * is as wide as the tree allows, as with GeoLite2 (100.64.2.1
	 * leaves 100.64.1.0's path at bit 22, 100.100.0.1 at bit 10). */
	expect_at(dbf.db6, "100.64.1.9", SYDNEY_LAT, SYDNEY_LON, 24);
	expect_at(dbf.db6, "100.64.2.1", NEWYORK_LAT, NEWYORK_LON, 23);
	expect_at(dbf.db6, "100.100.0.1", NEWYORK_LAT, NEWYORK_LON, 11);
	expect_at(dbf.db6, "100.127.255.255", NEWYORK_LAT, NEWYORK_LON, 11);

	/* The same answers from an IPv4-only database (no -96 there). */
	expect_at(dbf.db4, "192.0.2.1", DUBLIN_LAT, DUBLIN_LON, 24);
	expect_at(dbf.db4, "100.64.2.1", NEWYORK_LAT, NEWYORK_LON, 23);
	expect_at(dbf.db4, "203.0.113.1", TOKYO_LAT, TOKYO_LON, 24);
}

static void test_db_v6(void **state)
{
	(void)state;
	expect_at(dbf.db6, "2001:db8:1::1", DUBLIN_LAT, DUBLIN_LON, 48);
	expect_at(dbf.db6, "2001:db8:1:ffff:ffff:ffff:ffff:ffff", DUBLIN_LAT,
	          DUBLIN_LON, 48);
	expect_at(dbf.db6, "2001:db8:2:abcd::1", SYDNEY_LAT, SYDNEY_LON, 48);
	/* IPv4-mapped addresses reach the IPv4 networks (96 + 24). */
	expect_at(dbf.db6, "::ffff:192.0.2.1", DUBLIN_LAT, DUBLIN_LON, 120);
	/* So does ::/96, the IPv4 subtree itself. */
	expect_at(dbf.db6, "::c000:201", DUBLIN_LAT, DUBLIN_LON, 120);
}

static void test_db_not_found(void **state)
{
	(void)state;
	/* Outside every network. */
	expect_none(dbf.db6, "10.0.0.1");
	expect_none(dbf.db6, "192.0.3.1");
	expect_none(dbf.db6, "2001:db8:3::1");
	expect_none(dbf.db6, "2001:db9::1");
	expect_none(dbf.db6, "::ffff:10.0.0.1");
	/* A network with data but no location. */
	expect_none(dbf.db6, "198.18.0.1");
	expect_none(dbf.db6, "198.19.255.255");
	/* A location without a longitude is no location. */
	expect_none(dbf.db6, "198.20.1.1");
	/* IPv6 in an IPv4 database: unknown, not an error. */
	expect_none(dbf.db4, "2001:db8:1::1");
	expect_none(dbf.db4, "10.0.0.1");
	/* Unknown family, and no database at all. */
	double la, lo;
	unsigned p;
	uint8_t a[16] = {192, 0, 2, 1};
	assert_false(geo_db_lookup(dbf.db6, AF_UNIX, a, &la, &lo, &p));
	assert_false(geo_db_lookup(NULL, AF_INET, a, &la, &lo, &p));
}

static void expect_open_error(const char *path, const char *why)
{
	struct diag d;
	struct geo_db *db = (struct geo_db *)&d; /* must be reset to NULL */
	char want[256];
	diag_init(&d);
	assert_int_equal(geo_db_open(path, "conf/t.ini", 7, &d, &db), -1);
	assert_null(db);
	assert_int_equal(d.count, 1);
	assert_non_null(d.msgs[0]);
	snprintf(want, sizeof(want), "conf/t.ini:7: geoip %s: %s", path, why);
	if (strncmp(d.msgs[0], want, strlen(want)) != 0)
		fail_msg("got \"%s\", want \"%s...\"", d.msgs[0], want);
	diag_free(&d);
}

static void test_db_open_errors(void **state)
{
	(void)state;
	char path[128];

	snprintf(path, sizeof(path), "%s/missing.mmdb", dbf.dir);
	/* libmaxminddb's words, then errno's. */
	expect_open_error(path, "Error opening the specified MaxMind DB file "
	                        "(No such file or directory)");

	/* Not a MaxMind DB: no metadata marker. */
	snprintf(path, sizeof(path), "%s/text.mmdb", dbf.dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("this is not a MaxMind DB\n", f);
	assert_int_equal(fclose(f), 0);
	expect_open_error(path,
	                  "The MaxMind DB file contains invalid metadata");
	unlink(path);

	/* A real DB cut short: the metadata survives, the search tree no
	 * longer fits. */
	snprintf(path, sizeof(path), "%s/cut.mmdb", dbf.dir);
	FILE *in = fopen(dbf.path6, "rb");
	assert_non_null(in);
	static uint8_t buf[1 << 16];
	size_t n = fread(buf, 1, sizeof(buf), in);
	assert_true(n > 200 && n < sizeof(buf));
	fclose(in);
	const uint8_t *marker = NULL;
	for (size_t i = 0; i + 14 <= n; i++)
		if (memcmp(buf + i, "\xAB\xCD\xEFMaxMind.com", 14) == 0)
			marker = buf + i;
	assert_non_null(marker);
	f = fopen(path, "wb");
	assert_non_null(f);
	/* Keep the metadata, drop all but 100 bytes before it. */
	fwrite(marker - 100, 1, (size_t)(buf + n - (marker - 100)), f);
	assert_int_equal(fclose(f), 0);
	expect_open_error(path,
	                  "The MaxMind DB file contains invalid metadata");
	unlink(path);
}

/* ==== distance ==== */

static void test_distance(void **state)
{
	(void)state;
	/* Dublin - New York is about 5,100 km by great circle. */
	assert_float_equal(
	    geo_distance_km(DUBLIN_LAT, DUBLIN_LON, NEWYORK_LAT, NEWYORK_LON),
	    5100, 50);
	/* Symmetric. */
	assert_float_equal(
	    geo_distance_km(NEWYORK_LAT, NEWYORK_LON, DUBLIN_LAT, DUBLIN_LON),
	    geo_distance_km(DUBLIN_LAT, DUBLIN_LON, NEWYORK_LAT, NEWYORK_LON),
	    1e-9);
	/* Across the antimeridian: 0.2 degrees of equator, not 359.8. */
	assert_float_equal(geo_distance_km(0, 179.9, 0, -179.9), 22.24, 0.1);
	assert_float_equal(geo_distance_km(0, 180, 0, -180), 0, 1e-6);
	/* Same point: exactly 0, also at a pole. */
	assert_float_equal(
	    geo_distance_km(DUBLIN_LAT, DUBLIN_LON, DUBLIN_LAT, DUBLIN_LON), 0,
	    1e-9);
	assert_float_equal(geo_distance_km(90, 0, 90, 0), 0, 1e-9);
	/* At a pole longitude means nothing. */
	assert_float_equal(geo_distance_km(90, 0, 90, 123), 0, 1e-6);
	assert_float_equal(geo_distance_km(-90, -45, -90, 170), 0, 1e-6);
	/* Pole to pole and pole to equator: half and quarter meridians. */
	const double half = 3.14159265358979323846 * 6371.0;
	assert_float_equal(geo_distance_km(90, 0, -90, 0), half, 0.01);
	assert_float_equal(geo_distance_km(90, 0, 0, 77), half / 2, 0.01);
	assert_float_equal(geo_distance_km(-90, 10, 0, -100), half / 2, 0.01);
	/* Antipodes: about 20,015 km, and no NaN from rounding. */
	double d = geo_distance_km(DUBLIN_LAT, DUBLIN_LON, -DUBLIN_LAT,
	                           DUBLIN_LON + 180);
	assert_float_equal(d, 20015, 1);
	assert_float_equal(geo_distance_km(0, 0, 0, 180), half, 0.01);
	assert_float_equal(geo_distance_km(0, -90, 0, 90), half, 0.01);
	assert_float_equal(geo_distance_km(45, 45, -45, -135), half, 0.01);
	/* A pair whose haversine term rounds to 1 + 2^-52: unclamped, that
	 * is sqrt of a negative number and a NaN distance. */
	const double la = 44.605673344156571, lo = 46.407575284320643;
	d = geo_distance_km(la, lo, -la, lo + 180);
	assert_false(isnan(d));
	assert_float_equal(d, half, 0.01);
}

/* A client in Tokyo (from the database) is nearer Sydney than Dublin or
 * New York; one in Dublin is nearer Dublin than New York, then Sydney. */
static void test_geo_ordering(void **state)
{
	(void)state;
	double la, lo;
	unsigned p;
	assert_true(db_lookup(dbf.db6, "203.0.113.9", &la, &lo, &p));
	double syd = geo_distance_km(la, lo, SYDNEY_LAT, SYDNEY_LON);
	double dub = geo_distance_km(la, lo, DUBLIN_LAT, DUBLIN_LON);
	double nyc = geo_distance_km(la, lo, NEWYORK_LAT, NEWYORK_LON);
	assert_true(syd < dub);
	assert_true(syd < nyc);
	/* Great-circle figures: Tokyo-Sydney ~7,800 km, Tokyo-Dublin
	 * ~9,600 km, Tokyo-New York ~10,850 km. */
	assert_float_equal(syd, 7800, 150);
	assert_float_equal(dub, 9600, 150);
	assert_float_equal(nyc, 10850, 150);

	assert_true(db_lookup(dbf.db6, "2001:db8:1::9", &la, &lo, &p));
	assert_true(geo_distance_km(la, lo, DUBLIN_LAT, DUBLIN_LON) <
	            geo_distance_km(la, lo, NEWYORK_LAT, NEWYORK_LON));
	assert_true(geo_distance_km(la, lo, NEWYORK_LAT, NEWYORK_LON) <
	            geo_distance_km(la, lo, SYDNEY_LAT, SYDNEY_LON));
}

int main(int argc, char **argv)
{
	/* For integration tests and manual poking: write the database. */
	if (argc == 3 && strcmp(argv[1], "--write-mmdb") == 0) {
		mw_write(argv[2], 6);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "--write-mmdb4") == 0) {
		mw_write(argv[2], 4);
		return 0;
	}

	/* One group (run-tests.sh reads one PASSED line per binary); its
	 * setup writes and opens the databases. */
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_nets_empty, nets_setup,
	                                    nets_teardown),
	    cmocka_unit_test_setup_teardown(test_nets_v4_longest, nets_setup,
	                                    nets_teardown),
	    cmocka_unit_test_setup_teardown(test_nets_v4_default, nets_setup,
	                                    nets_teardown),
	    cmocka_unit_test_setup_teardown(test_nets_v6, nets_setup,
	                                    nets_teardown),
	    cmocka_unit_test_setup_teardown(test_nets_duplicates_and_host_bits,
	                                    nets_setup, nets_teardown),
	    cmocka_unit_test_setup_teardown(test_nets_random_vs_oracle,
	                                    nets_setup, nets_teardown),
	    cmocka_unit_test(test_distance),
	    cmocka_unit_test(test_db_v4),
	    cmocka_unit_test(test_db_v6),
	    cmocka_unit_test(test_db_not_found),
	    cmocka_unit_test(test_db_open_errors),
	    cmocka_unit_test(test_geo_ordering),
	};
	return cmocka_run_group_tests(tests, db_group_setup, db_group_teardown);
}
