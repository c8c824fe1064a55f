/* zonesign.c - signing a zone's static RRsets when its snapshot is built. */
#include "dnssec/zonesign.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/arena.h"
#include "dns/consts.h"
#include "dns/wire.h"
#include "dnssec/rrsig.h"

size_t dnssec_apex_records(const struct dnssec_keyset *ks,
                           struct zone_extra_rr *out)
{
	size_t n = 0;
	/* One TTL for the RRset (RFC 2181 section 5.2): the first key's. */
	uint32_t ttl = ks->nkeys > 0 ? ks->keys[0].ttl : 3600;
	for (size_t i = 0; i < ks->nkeys; i++) {
		const struct dnssec_key *k = &ks->keys[i];
		out[n++] = (struct zone_extra_rr){DNS_TYPE_DNSKEY, ttl,
		                                  k->rdata, k->rdlen};
		/* RFC 7344: CDS/CDNSKEY tell the parent which DS to hold:
		 * the KSKs (CSKs) that sign, not those being published. */
		if (!k->sign || !(k->flags & DNSSEC_FLAG_SEP))
			continue;
		out[n++] = (struct zone_extra_rr){DNS_TYPE_CDS, ttl, k->ds,
		                                  sizeof(k->ds)};
		out[n++] = (struct zone_extra_rr){DNS_TYPE_CDNSKEY, ttl,
		                                  k->rdata, k->rdlen};
	}
	return n;
}

/* RFC 4035 section 2.2: at a delegation only DS (and NSEC) are the
 * parent's own, signed data; NS and glue are not signed. */
static bool node_signs(const struct zdb_node *n, uint16_t type)
{
	if (n->flags & ZDB_NODE_OCCLUDED)
		return false;
	if ((n->flags & ZDB_NODE_DELEGATION) && !(n->flags & ZDB_NODE_APEX))
		return type == DNS_TYPE_DS;
	return true;
}

/* One RRset to sign and, once signed, where its RRSIGs are. */
struct sign_item {
	const struct zdb_node *node;
	const struct zdb_rrset *rs;
	uint32_t off; /* in its thread's buffer */
	uint16_t len;
	uint16_t count;
	uint16_t thread;
};

struct sign_thread {
	pthread_t tid;
	const struct dnssec_keyset *ks;
	struct sign_item *items;
	size_t from, to; /* items[from..to) */
	uint16_t index;
	uint32_t inception, expiration;
	uint8_t *buf; /* the RRSIGs, [rdlen][rdata] runs */
	size_t len, cap;
	long made;
	bool failed;
};

/* Threads for signing at build: at most this many (a reload signs while
 * the workers answer), and none extra for zones smaller than
 * SIGN_PER_THREAD RRsets (starting a thread costs more). */
#define SIGN_THREADS_MAX 8
#define SIGN_PER_THREAD  2000

static void *sign_range(void *arg)
{
	struct sign_thread *t = arg;
	struct dnssec_scratch *s = malloc(sizeof(*s));
	if (s == NULL) {
		t->failed = true;
		return NULL;
	}
	const struct dnssec_keyset *ks = t->ks;
	for (size_t i = t->from; i < t->to && !t->failed; i++) {
		struct sign_item *it = &t->items[i];
		size_t need = ks->nkeys * (2u + DNSSEC_RRSIG_MAX);
		if (t->buf == NULL || t->cap - t->len < need) {
			size_t cap = t->cap * 2 + need + 65536;
			/* Offsets are 32-bit: 4 GiB of RRSIGs is no zone. */
			uint8_t *nb =
			    cap <= UINT32_MAX ? realloc(t->buf, cap) : NULL;
			if (nb == NULL) {
				t->failed = true;
				break;
			}
			t->buf = nb;
			t->cap = cap;
		}
		it->off = (uint32_t)t->len;
		it->thread = t->index;
		for (size_t k = 0; k < ks->nkeys; k++) {
			const struct dnssec_key *key = &ks->keys[k];
			if (!dnssec_key_signs(ks, key, it->rs->type))
				continue;
			uint8_t *w = t->buf + t->len;
			int sl = dnssec_rrsig_make(
			    key, ks->apex, ks->apex_len, it->node->name,
			    it->node->name_len, it->rs->type, it->rs->ttl,
			    it->rs->rdata, it->rs->count, t->inception,
			    t->expiration, s, w + 2);
			if (sl < 0) {
				/* Only an RRset too big for any message. */
				t->failed = true;
				break;
			}
			wire_put_u16(w, (uint16_t)sl);
			t->len += 2u + (size_t)sl;
			it->count++;
			t->made++;
		}
		it->len = (uint16_t)(t->len - it->off);
	}
	free(s);
	return NULL;
}

long dnssec_sign_zone(const struct zdb_zone *z, const struct dnssec_keyset *ks,
                      struct arena *arena, uint32_t now, struct diag *diag)
{
	/* The work: every RRset that is signed. */
	size_t n = 0;
	for (uint32_t i = 0; i <= z->table_mask; i++) {
		const struct zdb_node *nd = zdb_node_slot(z, i);
		for (uint16_t r = 0; nd != NULL && r < nd->rrset_count; r++)
			n += node_signs(nd, nd->rrsets[r].type);
	}
	struct sign_item *items = calloc(n ? n : 1, sizeof(*items));
	struct sign_thread th[SIGN_THREADS_MAX];
	memset(th, 0, sizeof(th));
	if (items == NULL) {
		diag_add(diag, z->name, 0, "out of memory");
		return -1;
	}
	size_t total = n;
	n = 0;
	for (uint32_t i = 0; i <= z->table_mask; i++) {
		const struct zdb_node *nd = zdb_node_slot(z, i);
		for (uint16_t r = 0; nd != NULL && r < nd->rrset_count; r++)
			if (n < total && node_signs(nd, nd->rrsets[r].type))
				items[n++] = (struct sign_item){
				    .node = nd, .rs = &nd->rrsets[r]};
	}
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t nt = n / SIGN_PER_THREAD + 1;
	if (nt > (size_t)(cpus > 0 ? cpus : 1))
		nt = (size_t)(cpus > 0 ? cpus : 1);
	if (nt > SIGN_THREADS_MAX)
		nt = SIGN_THREADS_MAX;
	/* Thread 0 is this one; the others each take a contiguous share
	 * (the hash order mixes large and small RRsets evenly). */
	bool running[SIGN_THREADS_MAX] = {false};
	for (size_t t = 0; t < nt; t++) {
		th[t] = (struct sign_thread){
		    .ks = ks,
		    .items = items,
		    .from = n * t / nt,
		    .to = n * (t + 1) / nt,
		    .index = (uint16_t)t,
		    .inception = now - DNSSEC_INCEPTION_SKEW,
		    .expiration = now + DNSSEC_VALIDITY,
		};
	}
	for (size_t t = 1; t < nt; t++)
		running[t] =
		    pthread_create(&th[t].tid, NULL, sign_range, &th[t]) == 0;
	sign_range(&th[0]);
	/* A share whose thread could not start is signed here. */
	for (size_t t = 1; t < nt; t++)
		if (!running[t])
			sign_range(&th[t]);
	long made = 0;
	bool failed = false;
	for (size_t t = 0; t < nt; t++) {
		if (running[t])
			pthread_join(th[t].tid, NULL);
		made += th[t].made;
		failed |= th[t].failed;
	}
	/* Into the snapshot's arena, from this thread only. */
	for (size_t i = 0; i < n && !failed; i++) {
		const struct sign_item *it = &items[i];
		if (it->count == 0)
			continue;
		uint8_t *mem = arena_alloc(arena, it->len);
		if (mem == NULL) {
			failed = true;
			break;
		}
		memcpy(mem, th[it->thread].buf + it->off, it->len);
		zdb_rrset_set_sigs(it->rs, mem, it->len, it->count);
	}
	for (size_t t = 0; t < nt; t++)
		free(th[t].buf);
	free(items);
	if (failed) {
		diag_add(diag, z->name, 0,
		         "cannot sign the zone (out of memory, or an RRset too "
		         "big for any message)");
		return -1;
	}
	return made;
}
