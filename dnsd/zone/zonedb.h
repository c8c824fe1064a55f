/* zonedb.h - the compiled, immutable in-memory zone index.
 * Built once per load (zone.c feeds it records as libzscanner parses them),
 * read by every worker without locks. RRsets are held in wire form so an answer
 * is a lookup plus copies. All memory comes from the snapshot's arena. */
#ifndef DNSD_ZONEDB_H
#define DNSD_ZONEDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/compat.h"
#include "base/diag.h"
#include "dns/consts.h"
#include "dns/dname.h"

struct arena;

/* One RRset. rdata holds count entries of [rdlen u16 BE][rdata bytes], in
 * the order of the zone file, with names inside RDATA uncompressed and in
 * the case written. wire holds the same RRs fully rendered for the common
 * answer case where the owner is the query name: each RR is
 * [C0 0C][type][class IN][ttl][rdlen][rdata], ready to memcpy after the
 * question. */
struct zdb_rrset {
	uint16_t type;
	uint16_t count;
	uint32_t ttl;
	const uint8_t *rdata;
	uint32_t rdata_len;
	const uint8_t *wire;
	uint32_t wire_len;
	/* RRSIGs over this RRset (SPEC 9), made when a signed zone's
	 * snapshot is built: sig_count entries of [rdlen u16][RRSIG RDATA].
	 * NULL in unsigned zones and for what is not signed (glue, the NS
	 * RRset of a delegation). */
	const uint8_t *sigs;
	uint32_t sigs_len;
	uint16_t sig_count;
};

/* An in-zone address RRset for a name server target of a delegation. */
struct zdb_glue {
	const uint8_t *name; /* owner, lower case */
	uint8_t name_len;
	const struct zdb_rrset *rrset; /* type A or AAAA */
};

#define ZDB_NODE_APEX       0x01 /* the zone apex */
#define ZDB_NODE_DELEGATION 0x02 /* NS below the apex: a zone cut */
#define ZDB_NODE_WILDCARD   0x04 /* the name's first label is "*" */
#define ZDB_NODE_OCCLUDED   0x08 /* below a zone cut (glue only) */
/* "*.<this name>" exists: lets zdb_lookup skip a probe on NXDOMAIN. */
#define ZDB_NODE_WILDCARD_CHILD 0x10

struct zdb_node {
	const uint8_t *name; /* lower case, uncompressed */
	uint8_t name_len;
	uint8_t labels; /* root excluded */
	uint16_t flags;
	uint16_t rrset_count;           /* 0 for an empty non-terminal */
	const struct zdb_rrset *rrsets; /* sorted by type */
	const struct zdb_glue *glue;    /* for delegations */
	uint16_t glue_count;
	uint32_t hash; /* dname_hash(name), for zonedb.c */
	/* Filled by the snapshot builder for load-balanced names (issue 3);
	 * NULL for ordinary names. Opaque to zonedb. */
	const void *lb;
};

struct zdb_zone {
	const uint8_t *apex; /* lower case */
	uint8_t apex_len;
	uint8_t apex_labels;
	const char *name; /* presentation, for logs */
	const struct zdb_node *apex_node;
	const struct zdb_rrset *soa;
	/* TTL of the SOA in negative answers: min(SOA TTL, SOA MINIMUM),
	 * RFC 2308 section 3. The answer code writes owner = apex. */
	uint32_t neg_ttl;
	uint32_t serial;
	uint64_t digest; /* of the zone's content, to log changes */
	size_t node_count;
	size_t rr_count;
	/* The zone's DNSSEC state (keys, for online signing and denial),
	 * NULL when unsigned. Opaque to zonedb; set by the snapshot. */
	const void *dnssec;
	/* Open-addressing hash index, power-of-two size; private to zonedb.c */
	const struct zdb_node *const *table;
	uint32_t table_mask;
};

/* --- lookup (any thread, lock-free, no allocation) --- */

/* The node with exactly this lower-case name, or NULL. */
const struct zdb_node *zdb_find_node(const struct zdb_zone *z,
                                     const uint8_t *lower, size_t len);

/* The node's RRset of this type, or NULL. */
const struct zdb_rrset *zdb_node_rrset(const struct zdb_node *n, uint16_t type);

enum zdb_result {
	ZDB_EXACT,      /* node = the name; may still lack the type (NODATA) */
	ZDB_WILDCARD,   /* node = the wildcard "*.<closest encloser>" */
	ZDB_DELEGATION, /* node = the zone cut at or above the name */
	ZDB_NXDOMAIN,   /* node = the closest encloser */
};

/* RFC 1034 section 4.3.2 step 3 within one zone, with RFC 4592 wildcards.
 * qname is lower case and must be at or below z->apex. A zone cut on the
 * way down gives ZDB_DELEGATION, except that a DS query at the cut itself
 * is answered from this (parent) side (RFC 4035 section 3.1.4.1): pass
 * ds_query = true for that. */
enum zdb_result zdb_lookup(const struct zdb_zone *z, const uint8_t *qname,
                           size_t qlen, bool ds_query,
                           const struct zdb_node **node);

/* --- building (one thread, at load) --- */

struct zdb_builder;

/* Start a zone with this apex (any case). The builder's temporary memory is
 * its own; the result is placed in arena. NULL when out of memory. */
struct zdb_builder *zdb_builder_new(const uint8_t *apex, size_t apex_len,
                                    const char *zone_name, const char *path);

/* Add one RR (class IN). owner is uncompressed wire, any case; rdata is the
 * uncompressed wire RDATA. line is the zone file line for errors. Checks
 * that the owner lies in the zone; errors go to diag. Returns 0 or -1. */
int zdb_builder_add(struct zdb_builder *b, const uint8_t *owner,
                    size_t owner_len, uint16_t type, uint32_t ttl,
                    const uint8_t *rdata, uint16_t rdlen, unsigned line,
                    struct diag *diag);

/* Check the whole zone (one SOA at the apex, NS at the apex, CNAME beside
 * other data, duplicate RRs dropped with no error) and compile it into
 * arena. Every problem goes to diag as PATH:LINE. Returns 0 and *out, or -1.
 * Frees the builder either way. */
int zdb_builder_finish(struct zdb_builder *b, struct arena *arena,
                       struct diag *diag, const struct zdb_zone **out);

void zdb_builder_abort(struct zdb_builder *b);

/* The file the next records come from ($INCLUDE): errors about them,
 * here and at finish, name it. The builder starts with the path given to
 * zdb_builder_new. Returns 0 or -1 (out of memory, or 65,536 files). */
int zdb_builder_set_file(struct zdb_builder *b, const char *path);

/* Make name (inside the zone, any case) exist even with no records, with
 * its empty non-terminal ancestors: load-balanced names are answered from
 * a node like any other. Returns 0 or -1. */
int zdb_builder_reserve(struct zdb_builder *b, const uint8_t *name, size_t len);

/* Attach load-balancing data to the node of a reserved (or existing)
 * name, before the zone is published. Returns 0, or -1 when no such
 * node. Builder thread only. */
int zdb_set_lb(const struct zdb_zone *z, const uint8_t *lower, size_t len,
               const void *lb);

/* Walk every node: slot i in 0..table_mask, NULL for an empty slot.
 * For whole-zone work at build time (signing), not for lookups. */
const struct zdb_node *zdb_node_slot(const struct zdb_zone *z, uint32_t i);

/* Attach RRSIGs to an RRset, and DNSSEC state to a zone, before the zone
 * is published (builder thread only, like zdb_set_lb). */
void zdb_rrset_set_sigs(const struct zdb_rrset *rs, const uint8_t *sigs,
                        uint32_t len, uint16_t count);
void zdb_set_dnssec(const struct zdb_zone *z, const void *dnssec);

#endif
