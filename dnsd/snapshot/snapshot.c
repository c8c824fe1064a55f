/* snapshot.c - builds the immutable serving state from config and zones. */
#include "snapshot/snapshot.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/arena.h"
#include "base/log.h"
#include "dns/stats.h"
#include "snapshot/snapshot_dnssec.h"
#include "snapshot/snapshot_lb.h"
#include "snapshot/snapshot_zones.h"
#include "zone/zone.h"

static int zone_order(const void *a, const void *b)
{
	const struct zdb_zone *za = *(const struct zdb_zone *const *)a;
	const struct zdb_zone *zb = *(const struct zdb_zone *const *)b;
	return (int)zb->apex_len - (int)za->apex_len;
}

static void check_zones_only(const struct config *cfg, struct diag *diag)
{
	struct arena *a = arena_new();
	if (a == NULL)
		return;
	for (size_t i = 0; i < cfg->nzones; i++) {
		const struct zdb_zone *z;
		struct dnssec_keyset *ks = NULL;
		if (cfg->zones[i].file != NULL && cfg->zones[i].dname_len > 0)
			(void)snapshot_zone_load(&cfg->zones[i], NULL, 0, a,
			                         diag, &z, &ks);
		dnssec_keys_free(ks);
	}
	arena_free(a);
}

int snapshot_build(const char *path, struct snapshot **out, struct diag *diag)
{
	struct config *cfg = NULL;
	struct snapshot *s = NULL;
	size_t errors = diag->count;

	*out = NULL;
	if (config_load_partial(path, &cfg, diag) != 0) {
		/* Still check every zone file the INI names, so one run
		 * shows every error (SPEC 1, dnsd -t). */
		if (cfg != NULL)
			check_zones_only(cfg, diag);
		config_free(cfg);
		return -1;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		goto oom;
	static _Atomic uint64_t generations;
	s->generation = atomic_fetch_add(&generations, 1) + 1;
	s->cfg = cfg;
	s->built = (int64_t)time(NULL);
	s->udp_payload = (uint16_t)cfg->server.udp_payload;
	s->arena = arena_new();
	if (s->arena == NULL)
		goto oom;
	s->zones = arena_alloc(s->arena, sizeof(*s->zones) *
	                                     (cfg->nzones ? cfg->nzones : 1));
	if (s->zones == NULL)
		goto oom;
	s->ecs = cfg->server.ecs;
	if (snapshot_lb_prepare(s, cfg, diag) != 0)
		goto fail;
	const struct zdb_zone **by_cfg = arena_alloc(
	    s->arena, sizeof(*by_cfg) * (cfg->nzones ? cfg->nzones : 1));
	s->keysets = calloc(cfg->nzones ? cfg->nzones : 1, sizeof(*s->keysets));
	if (by_cfg == NULL || s->keysets == NULL)
		goto oom;
	/* Load every zone even after a failure, so all errors are shown;
	 * independent zones in parallel, on at most as many threads as
	 * will answer queries; each signed as it loads. */
	struct dnssec_keyset **keys =
	    calloc(cfg->nzones ? cfg->nzones : 1, sizeof(*keys));
	if (keys == NULL)
		goto oom;
	(void)snapshot_load_zones(cfg, cfg->server.threads, s->arena, diag,
	                          by_cfg, keys);
	for (size_t i = 0; i < cfg->nzones; i++) {
		if (by_cfg[i] != NULL)
			s->zones[s->nzones++] = by_cfg[i];
		if (keys[i] == NULL)
			continue;
		/* Here, one thread: the registry has one writer at a time. */
		keys[i]->stat_slot = stats_zone_slot(cfg->zones[i].name);
		stats_zone_add_built(keys[i]->stat_slot, keys[i]->built_sigs);
		s->keysets[s->nkeysets++] = keys[i];
	}
	free(keys);
	if (snapshot_lb_attach(s, cfg, by_cfg, diag) != 0 ||
	    diag->count != errors)
		goto fail;
	qsort(s->zones, s->nzones, sizeof(*s->zones), zone_order);
	*out = s;
	return 0;
oom:
	diag_add(diag, path, 0, "out of memory");
fail:
	if (s != NULL) {
		s->cfg = NULL;
		snapshot_free(s);
	}
	config_free(cfg);
	return -1;
}

void snapshot_free(struct snapshot *s)
{
	if (s == NULL)
		return;
	geo_db_close(s->geodb);
	for (size_t i = 0; s->keysets != NULL && i < s->nkeysets; i++)
		dnssec_keys_free(s->keysets[i]);
	free(s->keysets);
	arena_free(s->arena);
	config_free(s->cfg);
	free(s);
}

const struct zdb_zone *snapshot_find_zone_map(const struct snapshot *s,
                                              const uint8_t *lower, size_t len,
                                              const uint64_t map[4])
{
	/* Longest apex first: the first zone the name lies in is the
	 * closest. A handful of zones is the common case; a hash of apexes
	 * probed per label would serve thousands. Both sides are lower
	 * case, so memcmp is the comparison. */
	for (size_t i = 0; i < s->nzones; i++) {
		const struct zdb_zone *z = s->zones[i];
		if (z->apex_len > len)
			continue;
		size_t off = len - z->apex_len;
		if ((map[off >> 6] >> (off & 63) & 1) &&
		    memcmp(lower + off, z->apex, z->apex_len) == 0)
			return z;
	}
	return NULL;
}

const struct zdb_zone *snapshot_find_zone(const struct snapshot *s,
                                          const uint8_t *lower, size_t len)
{
	uint64_t map[4] = {0, 0, 0, 0};
	for (size_t p = 0; p < len && p < DNAME_MAXLEN; p += 1u + lower[p])
		map[p >> 6] |= 1ull << (p & 63);
	return snapshot_find_zone_map(s, lower, len, map);
}

static const struct zdb_zone *find_apex(const struct snapshot *s,
                                        const struct zdb_zone *z)
{
	for (size_t i = 0; i < s->nzones; i++)
		if (dname_equal(s->zones[i]->apex, s->zones[i]->apex_len,
		                z->apex, z->apex_len))
			return s->zones[i];
	return NULL;
}

static bool has_record(const struct snapshot *s, const char *name)
{
	for (size_t i = 0; i < s->nrecords; i++)
		if (strcmp(s->records[i].name, name) == 0)
			return true;
	return false;
}

static bool has_member(const struct snapshot *s, const char *cluster,
                       const char *addr)
{
	for (size_t i = 0; i < s->nclusters; i++) {
		const struct lb_cluster *c = &s->clusters[i];
		if (strcmp(c->name, cluster) != 0)
			continue;
		for (int f = 0; f < 2; f++)
			for (uint32_t j = 0; j < c->nmembers[f]; j++)
				if (strcmp(c->members[f][j].text, addr) == 0)
					return true;
	}
	return false;
}

/* Log members in a but not in b as `what` ("added"/"removed"). */
static unsigned log_member_diff(const struct snapshot *a,
                                const struct snapshot *b, const char *what)
{
	unsigned n = 0;
	for (size_t i = 0; i < a->nclusters; i++) {
		const struct lb_cluster *c = &a->clusters[i];
		for (int f = 0; f < 2; f++)
			for (uint32_t j = 0; j < c->nmembers[f]; j++) {
				const char *t = c->members[f][j].text;
				if (has_member(b, c->name, t))
					continue;
				log_info("config", "member %s (cluster %s) %s",
				         t, c->name, what);
				n++;
			}
	}
	return n;
}

void snapshot_log_changes(const struct snapshot *old,
                          const struct snapshot *cur)
{
	for (size_t i = 0; i < cur->nrecords; i++)
		if (!has_record(old, cur->records[i].name))
			log_info("config", "record %s added",
			         cur->records[i].name);
	for (size_t i = 0; i < old->nrecords; i++)
		if (!has_record(cur, old->records[i].name))
			log_info("config", "record %s removed",
			         old->records[i].name);
	/* The member diff is quadratic; past a few thousand members per side
	 * a reload would spend seconds on it, so only the totals are told. */
	size_t om = 0, cm = 0;
	for (size_t i = 0; i < old->nclusters; i++)
		om +=
		    old->clusters[i].nmembers[0] + old->clusters[i].nmembers[1];
	for (size_t i = 0; i < cur->nclusters; i++)
		cm +=
		    cur->clusters[i].nmembers[0] + cur->clusters[i].nmembers[1];
	if (om * cm <= 4000000) {
		unsigned madd = log_member_diff(cur, old, "added");
		unsigned mdel = log_member_diff(old, cur, "removed");
		if (madd + mdel > 0)
			log_info("config", "members: %u added, %u removed",
			         madd, mdel);
	} else if (om != cm) {
		log_info("config", "members: %zu before, %zu now", om, cm);
	}

	unsigned added = 0, removed = 0, changed = 0;
	for (size_t i = 0; i < cur->nzones; i++) {
		const struct zdb_zone *z = cur->zones[i];
		const struct zdb_zone *o = find_apex(old, z);
		if (o == NULL) {
			log_info("zone",
			         "zone %s added (serial %u, %zu records)",
			         z->name, z->serial, z->rr_count);
			added++;
		} else if (o->digest != z->digest) {
			log_info("zone",
			         "zone %s changed: serial %u -> %u, "
			         "%zu records%s",
			         z->name, o->serial, z->serial, z->rr_count,
			         o->serial == z->serial
			             ? " (serial not increased: secondaries "
			               "will not notice)"
			             : "");
			changed++;
		}
	}
	for (size_t i = 0; i < old->nzones; i++) {
		if (find_apex(cur, old->zones[i]) == NULL) {
			log_info("zone", "zone %s removed",
			         old->zones[i]->name);
			removed++;
		}
	}
	log_info("config",
	         "reloaded: %zu zones (%u added, %u removed, "
	         "%u changed), %zu records, %zu clusters, %u members "
	         "probed",
	         cur->nzones, added, removed, changed, cur->nrecords,
	         cur->nclusters, cur->probes.n);
}
