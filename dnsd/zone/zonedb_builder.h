/* zonedb_builder.h - the zone builder's own state, shared by the two
 * halves of building a zone: zonedb_build.c (collect, compile) and
 * zonedb_check.c (the checks on records and names). Load time only; not
 * for use outside dnsd/zone/. */
#ifndef DNSD_ZONEDB_BUILDER_H
#define DNSD_ZONEDB_BUILDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/diag.h"
#include "dns/dname.h"

/* One RR as added, kept in the builder's own memory until finish. */
struct zdb_brr {
	const uint8_t *owner; /* set at finish, once the pool stops moving */
	size_t owner_off;     /* lower-case owner in the pool */
	size_t rdata_off;     /* RDATA in the pool */
	uint32_t ttl;
	uint32_t seq; /* file order, kept within an RRset */
	unsigned line;
	uint16_t type;
	uint16_t rdlen;
	uint16_t file; /* index into files: the file holding the record */
	uint8_t owner_len;
	bool dup; /* an identical RR came earlier */
};

/* A name of the zone while it is being compiled. */
struct zdb_bnode {
	const uint8_t *name; /* lower case, points into the pool */
	uint8_t name_len;
	uint8_t labels;
	uint16_t flags;
	uint32_t hash;
	size_t first;         /* range of its RRs in the sorted array */
	size_t count;         /* 0 for an empty non-terminal */
	size_t nsets;         /* RRsets after grouping by type */
	size_t nrrs;          /* RRs after dropping duplicates */
	struct zdb_node *out; /* its compiled node */
};

struct zdb_builder {
	uint8_t apex[DNAME_MAXLEN];
	size_t apex_len;
	unsigned apex_labels;
	char *zone_name;
	char *path; /* files[file], the file records are added from now */
	/* Every file the zone was read from ($INCLUDE), files[0] the zone
	 * file itself: errors found at finish name the file of the RR. */
	char **files;
	size_t nfiles;
	uint16_t file;
	struct zdb_brr *rrs;
	size_t nrr;
	size_t caprr;
	uint8_t *pool;
	size_t pool_len;
	size_t pool_cap;
	/* Used by finish only. */
	struct zdb_bnode *nodes;
	size_t nnodes;
	size_t capnodes;
	uint32_t *index; /* node number + 1; 0 = empty slot */
	uint32_t index_mask;
	/* Names that must exist without records (load-balanced names). */
	size_t *resv_off;
	uint8_t *resv_len;
	size_t nresv;
};

/* The file that holds RR r, for errors found at finish. */
static inline const char *zdb_rr_path(const struct zdb_builder *b,
                                      const struct zdb_brr *r)
{
	return b->files[r->file];
}

/* One RR of an RRset while duplicates are found: its RDATA and where it
 * stands in the file order. */
struct zdb_dupkey {
	const uint8_t *rdata;
	uint16_t rdlen;
	size_t at; /* index into b->rrs */
};

/* Why the RDATA of a type the answer code reads inside is unusable, or
 * NULL when it is fine (other types are not looked into). */
const char *zdb_check_rdata(uint16_t type, const uint8_t *rd, size_t len);

/* Drop duplicates, count RRsets and apply the per-name rules (one CNAME,
 * CNAME alone, SOA only at the apex, 65,535 RRs per RRset) to node n;
 * errors go to diag. keys is scratch for as many RRs as n's largest
 * RRset. Sets n's delegation and wildcard flags. */
void zdb_check_node(struct zdb_builder *b, struct zdb_bnode *n,
                    struct diag *diag, size_t *soa_count,
                    struct zdb_dupkey *keys);

#endif
