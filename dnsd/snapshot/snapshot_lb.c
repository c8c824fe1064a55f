/* snapshot_lb.c - compiles [check], [cluster], [record] and [networks] into
 * the snapshot: probe targets (one per address and profile), clusters with
 * members split by family, records attached to their zone nodes. */
#include "snapshot/snapshot_lb.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "dns/stats.h"

/* Identity of a check profile, field by field: a reload keeps a target's
 * health only when its address and every field of its profile are the
 * same (SPEC 4). */
static int check_fingerprint(const struct config_check *c, char *buf,
                             size_t len)
{
	/* The CA bundle by its content too: a reload that finds the same
	 * path holding other certificates checks the member afresh. */
	int n = snprintf(buf, len, "%d|%u|%s|%s|%s|%u|%u|%u|%u|%d|%s|%llx|",
	                 (int)c->type, c->port, c->path ? c->path : "",
	                 c->host ? c->host : "", c->body ? c->body : "",
	                 c->interval_ms, c->timeout_ms, c->rise, c->fall,
	                 (int)c->verify_tls, c->ca_file ? c->ca_file : "",
	                 (unsigned long long)c->ca_pem_hash);
	for (size_t i = 0;
	     i < DNSD_ARRAY_LEN(c->expect) && n > 0 && (size_t)n < len; i++)
		n += snprintf(buf + n, len - (size_t)n, "%llx.",
		              (unsigned long long)c->expect[i]);
	return n;
}

/* Index of the target with this key, adding it when new. */
static long target_for(struct snapshot *s, const struct config_cluster *cc,
                       const struct config_member *m, size_t cap)
{
	char fp[2048];
	char key[2200];
	check_fingerprint(cc->check, fp, sizeof(fp));
	snprintf(key, sizeof(key), "%s|%s", m->text, fp);
	struct probe_set *ps = &s->probes;
	for (uint32_t i = 0; i < ps->n; i++)
		if (strcmp(ps->targets[i].key, key) == 0)
			return (long)i;
	if (ps->n >= cap)
		return -1;
	struct probe_target *t = &ps->targets[ps->n];
	t->family = m->family;
	memcpy(t->addr, m->addr, sizeof(t->addr));
	snprintf(t->addr_text, sizeof(t->addr_text), "%s", m->text);
	t->check = cc->check;
	t->cluster = cc->name;
	t->key = arena_strdup(s->arena, key);
	if (t->key == NULL)
		return -1;
	return (long)ps->n++;
}

static int build_clusters(struct snapshot *s, const struct config *cfg)
{
	size_t nmembers = 0;
	for (size_t i = 0; i < cfg->nclusters; i++)
		nmembers += cfg->clusters[i].nmembers;
	s->clusters =
	    arena_alloc(s->arena, (cfg->nclusters + 1) * sizeof(*s->clusters));
	s->probes.targets =
	    arena_alloc(s->arena, (nmembers + 1) * sizeof(*s->probes.targets));
	s->probes.up =
	    arena_alloc(s->arena, (nmembers + 1) * sizeof(*s->probes.up));
	if (!s->clusters || !s->probes.targets || !s->probes.up)
		return -1;
	for (size_t i = 0; i < cfg->nclusters; i++) {
		const struct config_cluster *cc = &cfg->clusters[i];
		struct lb_cluster *c = &s->clusters[i];
		c->name = cc->name;
		c->index = (uint32_t)i;
		c->has_location = cc->has_location;
		c->lat = cc->lat;
		c->lon = cc->lon;
		geo_unit_vector(c->lat, c->lon, c->v);
		c->min_healthy = cc->min_healthy;
		/* TTL arithmetic is in whole seconds: round up, so a
		 * degraded TTL is never shorter than one interval. */
		c->check_interval_s =
		    cc->check ? (cc->check->interval_ms + 999) / 1000 : 0;
		struct lb_member *m[2];
		for (int f = 0; f < 2; f++) {
			m[f] = arena_alloc(s->arena,
			                   (cc->nmembers + 1) * sizeof(*m[f]));
			if (m[f] == NULL)
				return -1;
			c->members[f] = m[f];
		}
		for (size_t j = 0; j < cc->nmembers; j++) {
			const struct config_member *cm = &cc->members[j];
			int f = cm->family == AF_INET ? LB_V4 : LB_V6;
			struct lb_member *lm = &m[f][c->nmembers[f]++];
			lm->weight = (uint16_t)cm->weight;
			c->weight_sum[f] += cm->weight;
			memcpy(lm->addr, cm->addr, sizeof(lm->addr));
			lm->text = cm->text;
			lm->target = LB_NO_TARGET;
			if (cc->check != NULL) {
				long t = target_for(s, cc, cm, nmembers);
				if (t < 0)
					return -1;
				lm->target = (uint32_t)t;
			}
		}
	}
	s->nclusters = cfg->nclusters;
	return 0;
}

static int build_records(struct snapshot *s, const struct config *cfg)
{
	s->records =
	    arena_alloc(s->arena, (cfg->nrecords + 1) * sizeof(*s->records));
	if (s->records == NULL)
		return -1;
	for (size_t i = 0; i < cfg->nrecords; i++) {
		const struct config_record *cr = &cfg->records[i];
		struct lb_record *r = &s->records[i];
		char *name = arena_alloc(s->arena, DNAME_STRLEN);
		const struct lb_cluster **cl =
		    arena_alloc(s->arena, (cr->nclusters + 1) * sizeof(*cl));
		uint16_t *slots =
		    arena_alloc(s->arena, (cr->nclusters + 1) * sizeof(*slots));
		if (name == NULL || cl == NULL || slots == NULL)
			return -1;
		dname_to_str(cr->dname, cr->dname_len, name, DNAME_STRLEN);
		r->stat_slot = stats_record_slot(name);
		for (size_t j = 0; j < cr->nclusters; j++)
			slots[j] = stats_pair_slot(
			    name, cfg->clusters[cr->clusters[j]].name);
		r->cluster_slot = slots;
		r->name = name;
		r->index = (uint32_t)i;
		r->policy = cr->policy;
		r->ttl = cr->ttl;
		r->answers = cr->answers;
		r->all_down = cr->all_down;
		for (size_t j = 0; j < cr->nclusters; j++) {
			cl[j] = &s->clusters[cr->clusters[j]];
			for (int f = 0; f < 2; f++)
				r->has_family[f] |= cl[j]->nmembers[f] > 0;
		}
		r->clusters = cl;
		r->nclusters = (uint32_t)cr->nclusters;
	}
	s->nrecords = cfg->nrecords;
	return 0;
}

int snapshot_lb_prepare(struct snapshot *s, const struct config *cfg,
                        struct diag *diag)
{
	if (build_clusters(s, cfg) != 0 || build_records(s, cfg) != 0) {
		diag_add(diag, cfg->path, 0, "out of memory");
		return -1;
	}
	s->nets = geo_nets_build(cfg, s->arena);
	s->net_cluster = arena_alloc(s->arena, (cfg->nnetworks + 1) *
	                                           sizeof(*s->net_cluster));
	if (s->nets == NULL || s->net_cluster == NULL) {
		diag_add(diag, cfg->path, 0, "out of memory");
		return -1;
	}
	s->net_v =
	    arena_alloc(s->arena, (cfg->nnetworks + 1) * sizeof(*s->net_v));
	if (s->net_v == NULL) {
		diag_add(diag, cfg->path, 0, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < cfg->nnetworks; i++) {
		const struct config_network *n = &cfg->networks[i];
		if (n->is_cluster)
			s->net_cluster[i] = &s->clusters[n->cluster];
		else
			geo_unit_vector(n->lat, n->lon, s->net_v[i].v);
	}
	if (cfg->server.geoip != NULL &&
	    geo_db_open(cfg->server.geoip, cfg->path, cfg->server.geoip_line,
	                diag, &s->geodb) != 0)
		return -1;
	return 0;
}

/* The records whose name lies in zone zi, for zone_load_with. */
size_t snapshot_lb_zone_records(const struct config *cfg, size_t zi,
                                const struct config_record **out)
{
	size_t n = 0;
	for (size_t i = 0; i < cfg->nrecords; i++)
		if (cfg->records[i].zone == zi)
			out[n++] = &cfg->records[i];
	return n;
}

int snapshot_lb_attach(struct snapshot *s, const struct config *cfg,
                       const struct zdb_zone *const *by_config_zone,
                       struct diag *diag)
{
	int rc = 0;
	for (size_t i = 0; i < cfg->nrecords; i++) {
		const struct config_record *cr = &cfg->records[i];
		const struct zdb_zone *z = by_config_zone[cr->zone];
		if (z == NULL)
			continue; /* its zone failed to load: already said */
		const struct zdb_node *n =
		    zdb_find_node(z, cr->dname, cr->dname_len);
		if (n == NULL) {
			diag_add(diag, cfg->path, cr->line,
			         "record %s: not found in zone %s", cr->name,
			         z->name);
			rc = -1;
			continue;
		}
		/* SPEC 2: the zone file may hold other types beside a
		 * load-balanced name, but not what it answers itself. */
		static const uint16_t clash[] = {DNS_TYPE_A, DNS_TYPE_AAAA,
		                                 DNS_TYPE_CNAME};
		for (size_t k = 0; k < DNSD_ARRAY_LEN(clash); k++) {
			if (zdb_node_rrset(n, clash[k]) != NULL) {
				diag_add(diag, cfg->path, cr->line,
				         "record %s: zone file %s already has "
				         "%s records at this name",
				         cr->name, cfg->zones[cr->zone].file,
				         clash[k] == DNS_TYPE_A      ? "A"
				         : clash[k] == DNS_TYPE_AAAA ? "AAAA"
				                                     : "CNAME");
				rc = -1;
			}
		}
		enum zdb_result res;
		const struct zdb_node *at;
		res = zdb_lookup(z, cr->dname, cr->dname_len, false, &at);
		if (res == ZDB_DELEGATION) {
			diag_add(diag, cfg->path, cr->line,
			         "record %s: lies below the delegation %s in "
			         "zone %s",
			         cr->name, "point", z->name);
			rc = -1;
			continue;
		}
		if (rc == 0 && zdb_set_lb(z, cr->dname, cr->dname_len,
		                          &s->records[i]) != 0)
			rc = -1;
	}
	return rc;
}
