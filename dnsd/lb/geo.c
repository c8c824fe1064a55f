/* geo.c - client location: [networks] prefix match, MaxMind DB, distance. */
#include "lb/geo.h"
#include "base/arena.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <maxminddb.h>

/* ---- [networks] ----
 *
 * Layout: per family, one sorted array of masked keys for each prefix
 * length in use, and the lengths visited longest first; the first length
 * with a hit is the answer. A lookup costs (distinct lengths) binary
 * searches over small contiguous arrays, and real tables use a handful of
 * lengths (/8, /16, /24, /32, /48...). A binary trie would cost up to 32 or
 * 128 dependent pointer loads per miss, most of them cache misses, and a
 * path-compressed trie is more code for no gain at these sizes. Nothing is
 * allocated after the build, and the build is a single sort. */

/* A prefix as a 128-bit big-endian number; IPv4 fills the top 32 bits. */
struct geo_key {
	uint64_t hi, lo;
};

struct geo_entry {
	struct geo_key key; /* host bits cleared */
	const struct config_network *net;
};

struct geo_level {
	unsigned len;
	size_t n;
	const struct geo_entry *e; /* sorted by key, no duplicate keys */
};

struct geo_table {
	size_t nlevels;
	struct geo_level levels[129]; /* longest length first */
};

struct geo_nets {
	struct geo_table v4, v6;
};

static uint64_t geo_load64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* addr as a key; false for an unknown family. */
static bool geo_key_of(int family, const uint8_t *addr, struct geo_key *k)
{
	if (family == AF_INET) {
		k->hi = (uint64_t)addr[0] << 56 | (uint64_t)addr[1] << 48 |
		        (uint64_t)addr[2] << 40 | (uint64_t)addr[3] << 32;
		k->lo = 0;
		return true;
	}
	if (family == AF_INET6) {
		k->hi = geo_load64(addr);
		k->lo = geo_load64(addr + 8);
		return true;
	}
	return false;
}

/* k with every bit past len cleared (no shift by 64: that is undefined). */
static struct geo_key geo_key_mask(struct geo_key k, unsigned len)
{
	struct geo_key m = {0, 0};
	if (len == 0)
		return m;
	if (len <= 64) {
		m.hi = k.hi & (~UINT64_C(0) << (64 - len));
		return m;
	}
	m.hi = k.hi;
	m.lo = k.lo & (~UINT64_C(0) << (128 - len));
	return m;
}

static int geo_key_cmp(const struct geo_key *a, const struct geo_key *b)
{
	if (a->hi != b->hi)
		return a->hi < b->hi ? -1 : 1;
	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	return 0;
}

/* Longest length first, then key, then the order of the lines, so that of
 * two identical prefixes the first written wins (config.c reports the
 * duplicate; we only need to be deterministic). */
static int geo_entry_cmp(const void *pa, const void *pb)
{
	const struct geo_entry *a = pa, *b = pb;
	if (a->net->net.prefix != b->net->net.prefix)
		return a->net->net.prefix > b->net->net.prefix ? -1 : 1;
	int c = geo_key_cmp(&a->key, &b->key);
	if (c != 0)
		return c;
	return a->net < b->net ? -1 : a->net > b->net;
}

/* Fill t from the lines of one family; 0 or -1 when out of memory. */
static int geo_table_build(struct geo_table *t, const struct config *cfg,
                           int family, struct arena *a)
{
	unsigned maxlen = family == AF_INET ? 32 : 128;
	size_t n = 0;
	for (size_t i = 0; i < cfg->nnetworks; i++)
		if (cfg->networks[i].net.family == family &&
		    cfg->networks[i].net.prefix <= maxlen)
			n++;
	t->nlevels = 0;
	if (n == 0)
		return 0;

	struct geo_entry *e = arena_alloc(a, n * sizeof(*e));
	if (e == NULL)
		return -1;
	size_t k = 0;
	for (size_t i = 0; i < cfg->nnetworks; i++) {
		const struct config_network *cn = &cfg->networks[i];
		if (cn->net.family != family || cn->net.prefix > maxlen)
			continue;
		geo_key_of(family, cn->net.addr, &e[k].key);
		/* config.c refuses host bits, but masking here keeps the
		 * binary search correct whatever the caller built. */
		e[k].key = geo_key_mask(e[k].key, cn->net.prefix);
		e[k].net = cn;
		k++;
	}
	qsort(e, n, sizeof(*e), geo_entry_cmp);

	/* Squeeze out duplicate prefixes, then cut the runs into levels. */
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		if (m > 0 && e[m - 1].net->net.prefix == e[i].net->net.prefix &&
		    geo_key_cmp(&e[m - 1].key, &e[i].key) == 0)
			continue;
		e[m++] = e[i];
	}
	for (size_t i = 0; i < m;) {
		size_t j = i;
		while (j < m && e[j].net->net.prefix == e[i].net->net.prefix)
			j++;
		struct geo_level *l = &t->levels[t->nlevels++];
		l->len = e[i].net->net.prefix;
		l->n = j - i;
		l->e = e + i;
		i = j;
	}
	return 0;
}

struct geo_nets *geo_nets_build(const struct config *cfg, struct arena *a)
{
	struct geo_nets *n = arena_alloc(a, sizeof(*n));
	if (n == NULL)
		return NULL;
	if (geo_table_build(&n->v4, cfg, AF_INET, a) < 0 ||
	    geo_table_build(&n->v6, cfg, AF_INET6, a) < 0)
		return NULL;
	return n;
}

const struct config_network *geo_nets_match(const struct geo_nets *n,
                                            int family, const uint8_t *addr)
{
	struct geo_key k;
	if (n == NULL || !geo_key_of(family, addr, &k))
		return NULL;
	const struct geo_table *t = family == AF_INET ? &n->v4 : &n->v6;
	for (size_t i = 0; i < t->nlevels; i++) {
		const struct geo_level *l = &t->levels[i];
		struct geo_key want = geo_key_mask(k, l->len);
		size_t lo = 0, hi = l->n;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			int c = geo_key_cmp(&l->e[mid].key, &want);
			if (c == 0)
				return l->e[mid].net;
			if (c < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
	}
	return NULL;
}

/* ---- MaxMind DB ---- */

struct geo_db {
	MMDB_s mmdb;
};

int geo_db_open(const char *path, const char *cfgpath, unsigned line,
                struct diag *diag, struct geo_db **out)
{
	*out = NULL;
	struct geo_db *db = calloc(1, sizeof(*db));
	if (db == NULL) {
		diag_add(diag, cfgpath, line, "geoip %s: %s", path,
		         strerror(ENOMEM));
		return -1;
	}
	/* mmap: the pages are shared, read-only and paged in on demand. The
	 * library (1.7) also finds the IPv4 start node here rather than on
	 * the first lookup, so lookups write nothing and workers can share
	 * the handle without a lock. */
	errno = 0;
	int rc = MMDB_open(path, MMDB_MODE_MMAP, &db->mmdb);
	if (rc != MMDB_SUCCESS) {
		int err = errno;
		/* For open and I/O errors libmaxminddb's text does not say
		 * why; errno does ("No such file or directory"). */
		if ((rc == MMDB_FILE_OPEN_ERROR || rc == MMDB_IO_ERROR) &&
		    err != 0)
			diag_add(diag, cfgpath, line, "geoip %s: %s (%s)", path,
			         MMDB_strerror(rc), strerror(err));
		else
			diag_add(diag, cfgpath, line, "geoip %s: %s", path,
			         MMDB_strerror(rc));
		/* MMDB_open has already released what it took. */
		free(db);
		return -1;
	}
	*out = db;
	return 0;
}

void geo_db_close(struct geo_db *db)
{
	if (db == NULL)
		return;
	MMDB_close(&db->mmdb);
	free(db);
}

/* One coordinate at path; false when absent or not a number. */
static bool geo_db_coord(MMDB_entry_s *entry, const char *const *path,
                         double *out)
{
	MMDB_entry_data_s d;
	/* MMDB_aget_value, not MMDB_get_value: the variadic form callocs a
	 * copy of the path on every call, and this runs per query. */
	if (MMDB_aget_value(entry, &d, path) != MMDB_SUCCESS || !d.has_data)
		return false;
	if (d.type == MMDB_DATA_TYPE_DOUBLE)
		*out = d.double_value;
	else if (d.type == MMDB_DATA_TYPE_FLOAT)
		*out = d.float_value;
	else
		return false;
	return isfinite(*out);
}

bool geo_db_lookup(const struct geo_db *db, int family, const uint8_t *addr,
                   double *lat, double *lon, unsigned *prefix)
{
	static const char *const lat_path[] = {"location", "latitude", NULL};
	static const char *const lon_path[] = {"location", "longitude", NULL};
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	const struct sockaddr *sa;

	if (db == NULL)
		return false;
	if (family == AF_INET) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		memcpy(&sin.sin_addr, addr, 4);
		sa = (const struct sockaddr *)&sin;
	} else if (family == AF_INET6) {
		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		memcpy(&sin6.sin6_addr, addr, 16);
		sa = (const struct sockaddr *)&sin6;
	} else {
		return false;
	}

	int err = MMDB_SUCCESS;
	/* An IPv6 address in an IPv4-only database is an error here, not a
	 * miss; either way the location is unknown. */
	MMDB_lookup_result_s r = MMDB_lookup_sockaddr(&db->mmdb, sa, &err);
	if (err != MMDB_SUCCESS || !r.found_entry)
		return false;

	double la, lo;
	if (!geo_db_coord(&r.entry, lat_path, &la) ||
	    !geo_db_coord(&r.entry, lon_path, &lo))
		return false;
	if (la < -90.0 || la > 90.0 || lo < -180.0 || lo > 180.0)
		return false;

	/* An IPv4 lookup in an IPv6 database walks the ::/96 subtree, so the
	 * netmask counts the 96 leading zero bits too; ECS wants the IPv4
	 * prefix. */
	unsigned nm = r.netmask;
	if (family == AF_INET && db->mmdb.metadata.ip_version == 6)
		nm = nm >= 96 ? nm - 96 : 0;
	if (nm > (family == AF_INET ? 32u : 128u))
		nm = family == AF_INET ? 32u : 128u;
	*lat = la;
	*lon = lo;
	*prefix = nm;
	return true;
}

/* ---- distance ---- */

/* Mean Earth radius (IUGG), the usual sphere for haversine. */
#define GEO_EARTH_RADIUS_KM 6371.0
/* Our own: M_PI is not C11. */
#define GEO_PI 3.14159265358979323846

double geo_distance_km(double lat1, double lon1, double lat2, double lon2)
{
	const double rad = GEO_PI / 180.0;
	double p1 = lat1 * rad, p2 = lat2 * rad;
	double dp = (lat2 - lat1) * rad;
	/* sin^2 of half the longitude difference is periodic, so 179.9 and
	 * -179.9 come out 0.2 degrees apart without any wrapping. */
	double dl = (lon2 - lon1) * rad;
	double sp = sin(dp / 2), sl = sin(dl / 2);
	double h = sp * sp + cos(p1) * cos(p2) * sl * sl;
	/* Rounding can push h a hair outside [0, 1] near antipodes. */
	if (h < 0.0)
		h = 0.0;
	if (h > 1.0)
		h = 1.0;
	return 2.0 * GEO_EARTH_RADIUS_KM * atan2(sqrt(h), sqrt(1.0 - h));
}

void geo_unit_vector(double lat, double lon, double v[3])
{
	const double rad = M_PI / 180.0;
	double cl = cos(lat * rad);
	v[0] = cl * cos(lon * rad);
	v[1] = cl * sin(lon * rad);
	v[2] = sin(lat * rad);
}
