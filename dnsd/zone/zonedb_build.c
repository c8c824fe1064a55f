/* zonedb_build.c - compiles the records of one zone file into the
 * immutable index that zonedb.c searches: names, RRsets in wire form,
 * cuts and glue, at load time only. The checks on records and names are
 * zonedb_check.c's. */
#include "zone/zonedb.h"
#include "base/arena.h"
#include "zone/zonedb_builder.h"
#include "dns/wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Wire bytes of one prerendered RR besides its RDATA: a compression pointer
 * to the question name (2), type (2), class (2), TTL (4), RDLENGTH (2). */
#define ZDB_RR_OVERHEAD 12

static char *xstrdup(const char *s)
{
	if (s == NULL)
		s = "";
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	if (d != NULL)
		memcpy(d, s, n);
	return d;
}

struct zdb_builder *zdb_builder_new(const uint8_t *apex, size_t apex_len,
                                    const char *zone_name, const char *path)
{
	int labels = dname_check(apex, apex_len);
	if (labels < 0)
		return NULL;
	struct zdb_builder *b = calloc(1, sizeof(*b));
	if (b == NULL)
		return NULL;
	dname_tolower(b->apex, apex, apex_len);
	b->apex_len = apex_len;
	b->apex_labels = (unsigned)labels;
	b->zone_name = xstrdup(zone_name);
	b->files = calloc(1, sizeof(*b->files));
	if (b->files != NULL)
		b->files[0] = xstrdup(path);
	if (b->zone_name == NULL || b->files == NULL || b->files[0] == NULL) {
		zdb_builder_abort(b);
		return NULL;
	}
	b->nfiles = 1;
	b->path = b->files[0];
	return b;
}

int zdb_builder_set_file(struct zdb_builder *b, const char *path)
{
	for (size_t i = 0; i < b->nfiles; i++)
		if (strcmp(b->files[i], path) == 0) {
			b->file = (uint16_t)i;
			b->path = b->files[i];
			return 0;
		}
	if (b->nfiles > UINT16_MAX)
		return -1;
	char **f = realloc(b->files, (b->nfiles + 1) * sizeof(*f));
	if (f == NULL)
		return -1;
	b->files = f;
	f[b->nfiles] = xstrdup(path);
	if (f[b->nfiles] == NULL)
		return -1;
	b->file = (uint16_t)b->nfiles;
	b->path = f[b->nfiles++];
	return 0;
}

void zdb_builder_abort(struct zdb_builder *b)
{
	if (b == NULL)
		return;
	free(b->zone_name);
	for (size_t i = 0; i < b->nfiles; i++)
		free(b->files[i]);
	free(b->files);
	free(b->rrs);
	free(b->pool);
	free(b->nodes);
	free(b->index);
	free(b->resv_off);
	free(b->resv_len);
	free(b);
}

static int pool_put(struct zdb_builder *b, const uint8_t *p, size_t n,
                    size_t *off)
{
	if (b->pool_cap - b->pool_len < n) {
		size_t cap = b->pool_cap ? b->pool_cap : 4096;
		while (cap - b->pool_len < n)
			cap *= 2;
		uint8_t *np = realloc(b->pool, cap);
		if (np == NULL)
			return -1;
		b->pool = np;
		b->pool_cap = cap;
	}
	*off = b->pool_len;
	if (n > 0)
		memcpy(b->pool + b->pool_len, p, n);
	b->pool_len += n;
	return 0;
}

int zdb_builder_add(struct zdb_builder *b, const uint8_t *owner,
                    size_t owner_len, uint16_t type, uint32_t ttl,
                    const uint8_t *rdata, uint16_t rdlen, unsigned line,
                    struct diag *diag)
{
	char name[DNAME_STRLEN];
	char tbuf[16];
	if (dname_check(owner, owner_len) < 0) {
		diag_add(diag, b->path, line, "invalid owner name");
		return -1;
	}
	if (!dname_is_subdomain(owner, owner_len, b->apex, b->apex_len)) {
		dname_to_str(owner, owner_len, name, sizeof(name));
		diag_add(diag, b->path, line, "%s is outside the zone %s", name,
		         b->zone_name);
		return -1;
	}
	/* RFC 6895 section 3.1: meta types and OPT never sit in a zone. */
	if (type == 0 || type == 41 || (type >= 128 && type <= 255)) {
		diag_add(diag, b->path, line,
		         "type %s cannot appear in a zone file",
		         dns_type_name(type, tbuf, sizeof(tbuf)));
		return -1;
	}
	const char *bad = zdb_check_rdata(type, rdata, rdlen);
	if (bad != NULL) {
		diag_add(diag, b->path, line, "%s", bad);
		return -1;
	}
	if (b->nrr == b->caprr) {
		size_t cap = b->caprr ? b->caprr * 2 : 64;
		struct zdb_brr *n = realloc(b->rrs, cap * sizeof(*n));
		if (n == NULL)
			goto oom;
		b->rrs = n;
		b->caprr = cap;
	}
	uint8_t lower[DNAME_MAXLEN];
	dname_tolower(lower, owner, owner_len);
	struct zdb_brr *r = &b->rrs[b->nrr];
	memset(r, 0, sizeof(*r));
	if (pool_put(b, lower, owner_len, &r->owner_off) < 0 ||
	    pool_put(b, rdata, rdlen, &r->rdata_off) < 0)
		goto oom;
	r->owner_len = (uint8_t)owner_len;
	r->type = type;
	r->rdlen = rdlen;
	r->ttl = ttl;
	r->line = line;
	r->file = b->file;
	r->seq = (uint32_t)b->nrr;
	b->nrr++;
	return 0;
oom:
	diag_add(diag, b->path, line, "out of memory");
	return -1;
}

int zdb_builder_reserve(struct zdb_builder *b, const uint8_t *name, size_t len)
{
	if (dname_check(name, len) < 0 ||
	    !dname_is_subdomain(name, len, b->apex, b->apex_len))
		return -1;
	size_t *offs = realloc(b->resv_off, (b->nresv + 1) * sizeof(*offs));
	if (offs == NULL)
		return -1;
	b->resv_off = offs;
	uint8_t *lens = realloc(b->resv_len, b->nresv + 1);
	if (lens == NULL)
		return -1;
	b->resv_len = lens;
	uint8_t lower[DNAME_MAXLEN];
	dname_tolower(lower, name, len);
	if (pool_put(b, lower, len, &b->resv_off[b->nresv]) < 0)
		return -1;
	b->resv_len[b->nresv++] = (uint8_t)len;
	return 0;
}

int zdb_set_lb(const struct zdb_zone *z, const uint8_t *lower, size_t len,
               const void *lb)
{
	const struct zdb_node *n = zdb_find_node(z, lower, len);
	if (n == NULL)
		return -1;
	/* The node lives in the snapshot's arena, which is still private to
	 * the builder: this is the one write after compile. */
	((struct zdb_node *)(uintptr_t)n)->lb = lb;
	return 0;
}

const struct zdb_node *zdb_node_slot(const struct zdb_zone *z, uint32_t i)
{
	return i <= z->table_mask ? z->table[i] : NULL;
}

void zdb_rrset_set_sigs(const struct zdb_rrset *rs, const uint8_t *sigs,
                        uint32_t len, uint16_t count)
{
	/* Like zdb_set_lb: the arena is still private to the builder. */
	struct zdb_rrset *w = (struct zdb_rrset *)(uintptr_t)rs;
	w->sigs = sigs;
	w->sigs_len = len;
	w->sig_count = count;
}

void zdb_set_dnssec(const struct zdb_zone *z, const void *dnssec)
{
	((struct zdb_zone *)(uintptr_t)z)->dnssec = dnssec;
}

static int brr_cmp(const void *pa, const void *pb)
{
	const struct zdb_brr *a = pa;
	const struct zdb_brr *b = pb;
	/* Shorter names first: every ancestor is grouped before its
	 * descendants, which the node pass relies on. */
	if (a->owner_len != b->owner_len)
		return a->owner_len < b->owner_len ? -1 : 1;
	int c = memcmp(a->owner, b->owner, a->owner_len);
	if (c != 0)
		return c;
	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static size_t pow2_at_least(size_t n)
{
	size_t p = 16;
	while (p < n)
		p *= 2;
	return p;
}

/* Index of the builder node with this name, or -1. */
static long bnode_find(const struct zdb_builder *b, const uint8_t *name,
                       size_t len, uint32_t h)
{
	uint32_t i = h & b->index_mask;
	while (b->index[i] != 0) {
		const struct zdb_bnode *n = &b->nodes[b->index[i] - 1];
		if (n->hash == h && n->name_len == len &&
		    memcmp(n->name, name, len) == 0)
			return (long)(b->index[i] - 1);
		i = (i + 1) & b->index_mask;
	}
	return -1;
}

static int index_rebuild(struct zdb_builder *b, size_t size)
{
	uint32_t *idx = calloc(size, sizeof(*idx));
	if (idx == NULL)
		return -1;
	free(b->index);
	b->index = idx;
	b->index_mask = (uint32_t)(size - 1);
	for (size_t k = 0; k < b->nnodes; k++) {
		uint32_t i = b->nodes[k].hash & b->index_mask;
		while (idx[i] != 0)
			i = (i + 1) & b->index_mask;
		idx[i] = (uint32_t)k + 1;
	}
	return 0;
}

/* Append a node (the name must not exist yet). Returns its index or -1. */
static long bnode_add(struct zdb_builder *b, const uint8_t *name, size_t len,
                      uint32_t h)
{
	if (b->nnodes == b->capnodes) {
		size_t cap = b->capnodes ? b->capnodes * 2 : 64;
		struct zdb_bnode *n = realloc(b->nodes, cap * sizeof(*n));
		if (n == NULL)
			return -1;
		b->nodes = n;
		b->capnodes = cap;
	}
	/* Keep the load under one half so probes stay short. */
	if ((b->nnodes + 1) * 2 > (size_t)b->index_mask + 1 &&
	    index_rebuild(b, ((size_t)b->index_mask + 1) * 2) < 0)
		return -1;
	struct zdb_bnode *n = &b->nodes[b->nnodes];
	memset(n, 0, sizeof(*n));
	n->name = name;
	n->name_len = (uint8_t)len;
	n->labels = (uint8_t)dname_labels(name, len);
	n->hash = h;
	uint32_t i = h & b->index_mask;
	while (b->index[i] != 0)
		i = (i + 1) & b->index_mask;
	b->index[i] = (uint32_t)b->nnodes + 1;
	return (long)b->nnodes++;
}

/* Make one node per owner and one per empty non-terminal between an owner
 * and the apex (RFC 4592 section 2.2.2: those names exist, so a wildcard
 * must not match them). */
static int build_nodes(struct zdb_builder *b)
{
	if (index_rebuild(b, pow2_at_least(64)) < 0)
		return -1;
	const uint8_t *apex = NULL;
	size_t i = 0;
	/* The apex node first, with its RRs when it has any. */
	if (b->nrr > 0 && b->rrs[0].owner_len == b->apex_len &&
	    memcmp(b->rrs[0].owner, b->apex, b->apex_len) == 0)
		apex = b->rrs[0].owner;
	else
		apex = b->apex;
	if (bnode_add(b, apex, b->apex_len, dname_hash(apex, b->apex_len)) < 0)
		return -1;
	b->nodes[0].flags |= ZDB_NODE_APEX;
	while (i < b->nrr) {
		const struct zdb_brr *r = &b->rrs[i];
		size_t j = i + 1;
		while (j < b->nrr && b->rrs[j].owner_len == r->owner_len &&
		       memcmp(b->rrs[j].owner, r->owner, r->owner_len) == 0)
			j++;
		uint32_t h = dname_hash(r->owner, r->owner_len);
		/* Owners come shortest first, so an owner can exist already
		 * only as the apex: an empty non-terminal is made for a
		 * longer name, after its own RRs had their turn. */
		long k = r->owner_len == b->apex_len
		             ? bnode_find(b, r->owner, r->owner_len, h)
		             : -1;
		if (k < 0)
			k = bnode_add(b, r->owner, r->owner_len, h);
		if (k < 0)
			return -1;
		b->nodes[k].first = i;
		b->nodes[k].count = j - i;
		/* Ancestors up to (not including) the apex. */
		size_t off = 1u + r->owner[0];
		while (r->owner_len - off > b->apex_len) {
			const uint8_t *a = r->owner + off;
			size_t alen = r->owner_len - off;
			uint32_t ah = dname_hash(a, alen);
			/* An existing ancestor already has all of its own. */
			if (bnode_find(b, a, alen, ah) >= 0)
				break;
			if (bnode_add(b, a, alen, ah) < 0)
				return -1;
			off += 1u + a[0];
		}
		i = j;
	}
	for (size_t r = 0; r < b->nresv; r++) {
		const uint8_t *name = b->pool + b->resv_off[r];
		size_t len = b->resv_len[r];
		/* The name itself, then ancestors, as for an owner. */
		size_t off = 0;
		while (len - off >= b->apex_len) {
			const uint8_t *a = name + off;
			size_t alen = len - off;
			uint32_t ah = dname_hash(a, alen);
			if (bnode_find(b, a, alen, ah) >= 0)
				break;
			if (bnode_add(b, a, alen, ah) < 0)
				return -1;
			if (alen == b->apex_len)
				break;
			off += 1u + a[0];
		}
	}
	return 0;
}

/* Flags that depend on other nodes: occlusion below a cut, and the
 * wildcard-child hint. */
static void mark_relatives(struct zdb_builder *b)
{
	/* Without a cut or a wildcard no flag can change: skip the walk
	 * (one hash probe per ancestor of every name). */
	bool any = false;
	for (size_t k = 0; k < b->nnodes && !any; k++)
		any = b->nodes[k].flags &
		      (ZDB_NODE_DELEGATION | ZDB_NODE_WILDCARD);
	if (!any)
		return;
	for (size_t k = 0; k < b->nnodes; k++) {
		struct zdb_bnode *n = &b->nodes[k];
		size_t off = 1u + n->name[0];
		bool parent = true;
		while (n->name_len - off >= b->apex_len) {
			const uint8_t *a = n->name + off;
			size_t alen = n->name_len - off;
			long p = bnode_find(b, a, alen, dname_hash(a, alen));
			if (p >= 0) {
				struct zdb_bnode *an = &b->nodes[p];
				if (parent && (n->flags & ZDB_NODE_WILDCARD))
					an->flags |= ZDB_NODE_WILDCARD_CHILD;
				if (an->flags & ZDB_NODE_DELEGATION)
					n->flags |= ZDB_NODE_OCCLUDED;
			}
			parent = false;
			if (alen == b->apex_len)
				break;
			off += 1u + a[0];
		}
	}
}

/* Write an RRset's two forms. ttl is the RRset's. */
static void render_rrset(const struct zdb_builder *b, const struct zdb_brr *rr,
                         size_t count, uint32_t ttl, uint8_t *rdata,
                         uint8_t *wire)
{
	for (size_t i = 0; i < count; i++) {
		const struct zdb_brr *r = &rr[i];
		if (r->dup)
			continue;
		const uint8_t *rd = b->pool + r->rdata_off;
		wire_put_u16(rdata, r->rdlen);
		memcpy(rdata + 2, rd, r->rdlen);
		rdata += 2u + r->rdlen;
		wire[0] = 0xC0; /* RFC 1035 section 4.1.4: offset 12 */
		wire[1] = 0x0C;
		wire_put_u16(wire + 2, r->type);
		wire_put_u16(wire + 4, DNS_CLASS_IN);
		wire_put_u32(wire + 6, ttl);
		wire_put_u16(wire + 10, r->rdlen);
		memcpy(wire + ZDB_RR_OVERHEAD, rd, r->rdlen);
		wire += ZDB_RR_OVERHEAD + r->rdlen;
	}
}

/* Glue for one delegation: the A and AAAA RRsets of its in-zone NS
 * targets (RFC 1034 section 4.2.1). glue has room for two per NS. */
static uint16_t find_glue(struct zdb_builder *b, const struct zdb_node *cut,
                          struct zdb_glue *glue)
{
	const struct zdb_rrset *ns = zdb_node_rrset(cut, DNS_TYPE_NS);
	uint16_t n = 0;
	const uint8_t *p = ns->rdata;
	for (uint16_t i = 0; i < ns->count; i++) {
		uint16_t len = wire_peek_u16(p);
		uint8_t target[DNAME_MAXLEN];
		dname_tolower(target, p + 2, len);
		p += 2u + len;
		if (!dname_is_subdomain(target, len, b->apex, b->apex_len))
			continue;
		long k = bnode_find(b, target, len, dname_hash(target, len));
		if (k < 0)
			continue;
		const struct zdb_node *t = b->nodes[k].out;
		bool seen = false;
		for (uint16_t g = 0; g < n; g++)
			if (glue[g].name == t->name)
				seen = true;
		if (seen)
			continue;
		const struct zdb_rrset *a = zdb_node_rrset(t, DNS_TYPE_A);
		const struct zdb_rrset *aaaa = zdb_node_rrset(t, DNS_TYPE_AAAA);
		if (a != NULL)
			glue[n++] = (struct zdb_glue){t->name, t->name_len, a};
		if (aaaa != NULL)
			glue[n++] =
			    (struct zdb_glue){t->name, t->name_len, aaaa};
	}
	return n;
}

/* Lay the checked zone out in the arena. */
static int compile(struct zdb_builder *b, struct arena *arena,
                   const struct zdb_zone **out)
{
	size_t nsets = 0, bytes = 0, nrrs = 0, nglue = 0;
	for (size_t k = 0; k < b->nnodes; k++) {
		const struct zdb_bnode *n = &b->nodes[k];
		nsets += n->nsets;
		nrrs += n->nrrs;
		bytes += n->name_len;
		for (size_t i = n->first; i < n->first + n->count; i++) {
			const struct zdb_brr *r = &b->rrs[i];
			if (r->dup)
				continue;
			bytes += 2u + r->rdlen + ZDB_RR_OVERHEAD + r->rdlen;
			if (r->type == DNS_TYPE_NS &&
			    (n->flags & ZDB_NODE_DELEGATION))
				nglue += 2;
		}
	}
	size_t tsize = pow2_at_least(b->nnodes * 2);
	struct zdb_zone *z = arena_alloc(arena, sizeof(*z));
	struct zdb_node *nodes = arena_alloc(arena, b->nnodes * sizeof(*nodes));
	struct zdb_rrset *sets = arena_alloc(arena, nsets * sizeof(*sets));
	struct zdb_glue *glue = arena_alloc(arena, nglue * sizeof(*glue));
	const struct zdb_node **table =
	    arena_alloc(arena, tsize * sizeof(*table));
	uint8_t *data = arena_alloc(arena, bytes + b->apex_len);
	char *zname = arena_strdup(arena, b->zone_name);
	if (!z || !nodes || !sets || !glue || !table || !data || !zname)
		return -1;

	z->apex = data;
	memcpy(data, b->apex, b->apex_len);
	data += b->apex_len;
	z->apex_len = (uint8_t)b->apex_len;
	z->apex_labels = (uint8_t)b->apex_labels;
	z->name = zname;
	z->node_count = b->nnodes;
	z->rr_count = nrrs;
	z->table_mask = (uint32_t)(tsize - 1);

	for (size_t k = 0; k < b->nnodes; k++) {
		struct zdb_bnode *bn = &b->nodes[k];
		struct zdb_node *n = &nodes[k];
		bn->out = n;
		memcpy(data, bn->name, bn->name_len);
		n->name = data;
		data += bn->name_len;
		n->name_len = bn->name_len;
		n->labels = bn->labels;
		n->flags = bn->flags;
		n->hash = bn->hash;
		n->rrset_count = (uint16_t)bn->nsets;
		n->rrsets = bn->nsets ? sets : NULL;
		size_t i = bn->first, end = bn->first + bn->count;
		while (i < end) {
			size_t j = i;
			uint32_t ttl = UINT32_MAX;
			uint16_t count = 0;
			uint32_t rdlen = 0;
			for (; j < end && b->rrs[j].type == b->rrs[i].type;
			     j++) {
				const struct zdb_brr *r = &b->rrs[j];
				/* RFC 2181 section 5.2: one TTL per RRset;
				 * the smallest written (duplicates too) is
				 * the safe choice. */
				if (r->ttl < ttl)
					ttl = r->ttl;
				if (r->dup)
					continue;
				count++;
				rdlen += 2u + r->rdlen;
			}
			struct zdb_rrset *s = sets++;
			s->type = b->rrs[i].type;
			s->count = count;
			s->ttl = ttl;
			s->rdata_len = rdlen;
			s->wire_len = rdlen - 2u * count +
			              (uint32_t)ZDB_RR_OVERHEAD * count;
			render_rrset(b, &b->rrs[i], j - i, ttl, data,
			             data + rdlen);
			s->rdata = data;
			s->wire = data + rdlen;
			data += rdlen + s->wire_len;
			i = j;
		}
		uint32_t t = n->hash & z->table_mask;
		while (table[t] != NULL)
			t = (t + 1) & z->table_mask;
		table[t] = n;
	}
	z->table = table;
	z->apex_node = &nodes[0];
	z->soa = zdb_node_rrset(z->apex_node, DNS_TYPE_SOA);
	/* zdb_check_rdata made sure the SOA RDATA ends in five 32-bit fields.
	 */
	const uint8_t *soa_end = z->soa->rdata + z->soa->rdata_len;
	uint32_t minimum = (uint32_t)soa_end[-4] << 24 |
	                   (uint32_t)soa_end[-3] << 16 |
	                   (uint32_t)soa_end[-2] << 8 | soa_end[-1];
	z->serial = (uint32_t)soa_end[-20] << 24 |
	            (uint32_t)soa_end[-19] << 16 | (uint32_t)soa_end[-18] << 8 |
	            soa_end[-17];
	/* RFC 2308 section 3 */
	z->neg_ttl = z->soa->ttl < minimum ? z->soa->ttl : minimum;

	for (size_t k = 0; k < b->nnodes; k++) {
		struct zdb_node *n = &nodes[k];
		if (!(n->flags & ZDB_NODE_DELEGATION))
			continue;
		n->glue_count = find_glue(b, n, glue);
		n->glue = n->glue_count ? glue : NULL;
		glue += n->glue_count;
	}
	*out = z;
	return 0;
}

/* FNV-1a over every kept RR in canonical (sorted) order: a reload can
 * tell a changed zone from an unchanged one even when the serial was not
 * bumped. */
static uint64_t content_digest(const struct zdb_builder *b)
{
	uint64_t h = 14695981039346656037ull;
	for (size_t i = 0; i < b->nrr; i++) {
		const struct zdb_brr *r = &b->rrs[i];
		if (r->dup)
			continue;
		uint8_t fixed[8];
		wire_put_u16(fixed, r->type);
		wire_put_u16(fixed + 2, r->rdlen);
		wire_put_u32(fixed + 4, r->ttl);
		const uint8_t *parts[3] = {r->owner, fixed,
		                           b->pool + r->rdata_off};
		size_t lens[3] = {r->owner_len, sizeof(fixed), r->rdlen};
		for (int k = 0; k < 3; k++)
			for (size_t j = 0; j < lens[k]; j++) {
				h ^= parts[k][j];
				h *= 1099511628211ull;
			}
	}
	return h;
}

int zdb_builder_finish(struct zdb_builder *b, struct arena *arena,
                       struct diag *diag, const struct zdb_zone **out)
{
	int ret = -1;
	size_t before = diag->count;
	size_t soa_count = 0;
	bool apex_ns = false;
	*out = NULL;
	for (size_t i = 0; i < b->nrr; i++)
		b->rrs[i].owner = b->pool + b->rrs[i].owner_off;
	if (b->nrr > 1)
		qsort(b->rrs, b->nrr, sizeof(*b->rrs), brr_cmp);
	if (build_nodes(b) < 0)
		goto oom;
	if (b->nnodes > UINT32_MAX / 4) {
		diag_add(diag, b->files[0], 0, "zone %s has too many names",
		         b->zone_name);
		goto done;
	}
	/* Scratch for mark_dups, as large as the largest RRset (the RRs are
	 * sorted by owner and type, so an RRset is one run). */
	size_t most = 1;
	for (size_t i = 1, run = 1; i < b->nrr; i++) {
		const struct zdb_brr *x = &b->rrs[i - 1], *y = &b->rrs[i];
		run = x->type == y->type && x->owner_len == y->owner_len &&
		              memcmp(x->owner, y->owner, x->owner_len) == 0
		          ? run + 1
		          : 1;
		most = run > most ? run : most;
	}
	struct zdb_dupkey *keys = malloc(most * sizeof(*keys));
	if (keys == NULL)
		goto oom;
	for (size_t k = 0; k < b->nnodes; k++)
		zdb_check_node(b, &b->nodes[k], diag, &soa_count, keys);
	free(keys);
	struct zdb_bnode *apex = &b->nodes[0];
	const struct zdb_brr *soa = NULL;
	for (size_t i = apex->first; i < apex->first + apex->count; i++) {
		if (b->rrs[i].type == DNS_TYPE_NS)
			apex_ns = true;
		if (b->rrs[i].type == DNS_TYPE_SOA && soa == NULL)
			soa = &b->rrs[i];
	}
	/* RFC 1035 section 5.2: a zone starts with its SOA, so a missing one
	 * is reported at line 1, where it belongs; RFC 1034 section 4.2.1
	 * requires NS records at the top of the zone: a missing NS is
	 * reported at the SOA that they go with. */
	if (soa_count == 0)
		diag_add(diag, b->files[0], 1,
		         "zone %s has no SOA record at its "
		         "apex",
		         b->zone_name);
	if (!apex_ns)
		diag_add(diag, soa ? zdb_rr_path(b, soa) : b->files[0],
		         soa ? soa->line : 1,
		         "zone %s has no NS record at its "
		         "apex",
		         b->zone_name);
	if (diag->count != before)
		goto done;
	mark_relatives(b);
	if (compile(b, arena, out) < 0)
		goto oom;
	((struct zdb_zone *)(uintptr_t)*out)->digest = content_digest(b);
	ret = 0;
	goto done;
oom:
	diag_add(diag, b->files[0], 0, "zone %s: out of memory", b->zone_name);
	*out = NULL;
done:
	zdb_builder_abort(b);
	return ret;
}
