/* fuzz_zone.c - libFuzzer target for the zone loader (zone.c over
 * libzscanner, zonedb.c): each input is a master file for the zone
 * fuzz.test, loaded into a fresh arena. Errors must be reported as
 * "PATH:..." (the zone file, or a file it names in $INCLUDE), and a zone
 * that loads must be a consistent index: every node found by its name,
 * every lookup ending in a sane node, every RRset's wire well-formed. */
/* clang-format off */
/* fuzz-sources: dnsd/zone/zone.c dnsd/zone/zonedb.c dnsd/zone/zonedb_build.c dnsd/zone/zonedb_check.c dnsd/dns/consts.c dnsd/base/arena.c dnsd/base/diag.c dnsd/dns/dname.c dnsd/base/log.c */
/* fuzz-libs: libzscanner */
/* fuzz-max-len: 8192 */
/* clang-format on */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/arena.h"
#include "conf/config.h"
#include "base/diag.h"
#include "dns/dname.h"
#include "dns/wire.h"
#include "zone/zone.h"
#include "zone/zonedb.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Invariants hold in every build, NDEBUG or not. */
#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "fuzz_zone: %s:%d: CHECK(%s)\n",       \
			        __FILE__, __LINE__, #cond);                    \
			abort();                                               \
		}                                                              \
	} while (0)

/* One file for the whole run, rewritten per input. */
static char zone_path[64];
static int zone_fd = -1;
static struct config_zone cz;
/* A load-balanced name to reserve, as snapshot_build does. */
static struct config_record lbrec;

static void remove_zone(void)
{
	if (zone_fd >= 0)
		unlink(zone_path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* tmpfs when there is one: a disk-backed /tmp makes the rewrite
	 * the slowest part of an execution. */
	const char *tmp = getenv("TMPDIR");
	if (tmp == NULL || *tmp == '\0' || strlen(tmp) > 32)
		tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(zone_path, sizeof(zone_path), "%s/dnsd-fuzz-XXXXXX.zone", tmp);
	zone_fd = mkstemps(zone_path, 5);
	CHECK(zone_fd >= 0);
	atexit(remove_zone);
	cz.name = "fuzz.test";
	int n = dname_from_str("fuzz.test.", cz.dname);
	CHECK(n > 0);
	cz.dname_len = (size_t)n;
	cz.file = zone_path;
	cz.line = 1;
	cz.file_line = 2;
	lbrec.name = "lb.fuzz.test";
	n = dname_from_str("lb.fuzz.test.", lbrec.dname);
	CHECK(n > 0);
	lbrec.dname_len = (size_t)n;
	return 0;
}

static void write_input(const uint8_t *data, size_t size)
{
	CHECK(ftruncate(zone_fd, 0) == 0);
	size_t done = 0;
	while (done < size) {
		ssize_t n =
		    pwrite(zone_fd, data + done, size - done, (off_t)done);
		CHECK(n > 0);
		done += (size_t)n;
	}
}

static void check_diag(const struct diag *d)
{
	size_t plen = strlen(zone_path);
	for (size_t i = 0; i < d->count && i < d->cap; i++) {
		const char *m = d->msgs[i];
		if (m == NULL)
			continue;
		/* An error inside a file the input includes names that
		 * file: an absolute path, or one relative to the zone's
		 * folder (zone_path is absolute, so both start with '/'). */
		if (strncmp(m, zone_path, plen) == 0)
			CHECK(m[plen] == ':');
		else
			CHECK(m[0] == '/' && strchr(m, ':') != NULL);
	}
}

/* rdata: count x [rdlen][bytes]; wire: count x [C0 0C][type][class]
 * [ttl][rdlen][bytes] with the same RDATA. */
static void check_rrset(const struct zdb_rrset *rs)
{
	CHECK(rs->count >= 1);
	const uint8_t *rd = rs->rdata, *w = rs->wire;
	size_t rleft = rs->rdata_len, wleft = rs->wire_len;
	for (uint16_t i = 0; i < rs->count; i++) {
		CHECK(rleft >= 2);
		uint16_t len = wire_peek_u16(rd);
		CHECK(rleft - 2 >= len);
		CHECK(wleft >= 12u + len);
		CHECK(w[0] == 0xC0 && w[1] == 0x0C);
		CHECK(wire_peek_u16(w + 2) == rs->type);
		CHECK(wire_peek_u16(w + 4) == DNS_CLASS_IN);
		CHECK(wire_peek_u16(w + 10) == len);
		CHECK(memcmp(w + 12, rd + 2, len) == 0);
		rd += 2u + len;
		rleft -= 2u + len;
		w += 12u + len;
		wleft -= 12u + len;
	}
	CHECK(rleft == 0 && wleft == 0);
}

/* Walk every node of the index and look each name (and a name below it)
 * up the way answers do. */
static void check_zone(const struct zdb_zone *z)
{
	CHECK(z->soa != NULL && z->apex_node != NULL);
	CHECK(dname_equal(z->apex, z->apex_len, cz.dname, cz.dname_len));
	CHECK(zdb_find_node(z, z->apex, z->apex_len) == z->apex_node);
	CHECK(zdb_node_rrset(z->apex_node, DNS_TYPE_SOA) == z->soa);
	size_t seen = 0;
	for (uint32_t i = 0; i <= z->table_mask; i++) {
		const struct zdb_node *n = z->table[i];
		if (n == NULL)
			continue;
		seen++;
		CHECK(dname_check(n->name, n->name_len) == n->labels);
		CHECK(dname_is_subdomain(n->name, n->name_len, z->apex,
		                         z->apex_len));
		CHECK(zdb_find_node(z, n->name, n->name_len) == n);
		for (uint16_t k = 0; k < n->rrset_count; k++) {
			check_rrset(&n->rrsets[k]);
			if (k > 0)
				CHECK(n->rrsets[k - 1].type <
				      n->rrsets[k].type);
		}
		for (uint16_t k = 0; k < n->glue_count; k++)
			CHECK(n->glue[k].rrset != NULL &&
			      (n->glue[k].rrset->type == DNS_TYPE_A ||
			       n->glue[k].rrset->type == DNS_TYPE_AAAA));
		for (int ds = 0; ds < 2; ds++) {
			const struct zdb_node *at = NULL;
			enum zdb_result r =
			    zdb_lookup(z, n->name, n->name_len, ds != 0, &at);
			CHECK(at != NULL);
			if (r == ZDB_EXACT)
				CHECK(at == n);
			if (r == ZDB_DELEGATION)
				CHECK(at->flags & ZDB_NODE_DELEGATION);
		}
		/* "zz.<name>": a wildcard, a delegation or NXDOMAIN. */
		uint8_t child[DNAME_MAXLEN];
		if (n->name_len + 3u <= DNAME_MAXLEN) {
			child[0] = 2;
			child[1] = 'z';
			child[2] = 'z';
			memcpy(child + 3, n->name, n->name_len);
			const struct zdb_node *at = NULL;
			enum zdb_result r =
			    zdb_lookup(z, child, n->name_len + 3u, false, &at);
			CHECK(at != NULL);
			if (r == ZDB_WILDCARD)
				CHECK(at->flags & ZDB_NODE_WILDCARD);
		}
	}
	CHECK(seen == z->node_count);
	CHECK(zdb_find_node(z, lbrec.dname, lbrec.dname_len) != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diag diag;
	const struct zdb_zone *z = NULL;
	const struct config_record *reserve[1] = {&lbrec};

	write_input(data, size);
	struct arena *a = arena_new();
	CHECK(a != NULL);
	diag_init(&diag);
	int rc = zone_load_with(&cz, reserve, 1, a, &diag, &z);
	if (rc == 0) {
		CHECK(z != NULL && diag.count == 0);
		check_zone(z);
	} else {
		CHECK(rc == -1 && z == NULL && diag.count >= 1);
	}
	check_diag(&diag);
	diag_free(&diag);
	arena_free(a);
	return 0;
}
