/* checks.c - what can only be checked once the whole file is read:
 * references between sections (clusters, check profiles, zones), keys that
 * depend on each other (timeout < interval), and the defaults and required
 * keys of each object. Sections may come in any order. */
#include "conf/parser.h"

#include <arpa/inet.h>

#include <string.h>

void config_finish_zones(struct config_parser *p)
{
	const struct config_sectdef *sd = config_sectdef(SECT_ZONE);
	for (size_t i = 0; i < p->zones.n; i++) {
		struct config_pzone *z =
		    CONFIG_AT(p->zones, struct config_pzone, i);
		config_required(p, sd, &z->h);
		z->pub.file_line = config_seen(SECT_ZONE, &z->h, "file");
		z->pub.ini = p->cfg->path;
	}
}

/* Keys a profile's type never reads: a warning at each, since an operator
 * who wrote `path` on a tcp check expected something of it. */
static void config_warn_unused_check_keys(struct config_parser *p,
                                          const struct config_pcheck *c)
{
	static const char *const http_only[] = {"path", "host", "expect",
	                                        "body"};
	const char *type = c->pub.type == CHECK_TCP ? "tcp" : "http";
	if (c->pub.type == CHECK_TCP) {
		for (size_t k = 0; k < DNSD_ARRAY_LEN(http_only); k++) {
			unsigned line =
			    config_seen(SECT_CHECK, &c->h, http_only[k]);
			if (line != 0)
				config_warn(p, line,
				            "%s is ignored by a tcp check (%s)",
				            http_only[k], c->h.label);
		}
	}
	unsigned line = config_seen(SECT_CHECK, &c->h, "verify_tls");
	if (line != 0 && c->pub.type != CHECK_HTTPS)
		config_warn(p, line, "verify_tls is ignored by a %s check (%s)",
		            type, c->h.label);
}

void config_finish_checks(struct config_parser *p)
{
	const struct config_sectdef *sd = config_sectdef(SECT_CHECK);
	for (size_t i = 0; i < p->checks.n; i++) {
		struct config_pcheck *c =
		    CONFIG_AT(p->checks, struct config_pcheck, i);
		config_apply_defaults(p, sd, c, &c->h);
		if (config_seen(SECT_CHECK, &c->h, "port") == 0)
			c->pub.port = c->pub.type == CHECK_HTTPS ? 443 : 80;
		config_warn_unused_check_keys(p, c);
		if (c->pub.timeout_ms >= c->pub.interval_ms) {
			unsigned li =
			    config_seen(SECT_CHECK, &c->h, "interval");
			unsigned lt = config_seen(SECT_CHECK, &c->h, "timeout");
			unsigned line = li > lt ? li : lt;
			char t[32], iv[32];
			config_fmt_ms(c->pub.timeout_ms, t, sizeof(t));
			config_fmt_ms(c->pub.interval_ms, iv, sizeof(iv));
			config_err(p, line ? line : c->h.line,
			           "timeout %s must be less than interval %s "
			           "in %s",
			           t, iv, c->h.label);
		}
	}
}

void config_finish_clusters(struct config_parser *p)
{
	const struct config_sectdef *sd = config_sectdef(SECT_CLUSTER);
	for (size_t i = 0; i < p->clusters.n; i++) {
		struct config_pcluster *c =
		    CONFIG_AT(p->clusters, struct config_pcluster, i);
		config_apply_defaults(p, sd, c, &c->h);
		config_required(p, sd, &c->h);
		/* SPEC 7: dnsdctl's TARGET is an address or a cluster name,
		 * told apart by whether it parses as an address. */
		uint8_t ip[4];
		if (c->pub.name != NULL &&
		    inet_pton(AF_INET, c->pub.name, ip) == 1)
			config_err(p, c->h.line,
			           "cluster name \"%s\" is an IP address: "
			           "dnsdctl could not tell it from a member",
			           c->pub.name);
		c->pub.members = c->members.items;
		c->pub.nmembers = c->members.n;
		c->check_index = 0;
		if (c->check_name != NULL &&
		    !config_map_get(&p->check_map, c->check_name,
		                    strlen(c->check_name), &c->check_index)) {
			config_err(p, config_seen(SECT_CLUSTER, &c->h, "check"),
			           "unknown check profile \"%s\" in %s",
			           c->check_name, c->h.label);
		}
	}
}

void config_finish_records(struct config_parser *p)
{
	const struct config_sectdef *sd = config_sectdef(SECT_RECORD);
	for (size_t i = 0; i < p->records.n; i++) {
		struct config_precord *r =
		    CONFIG_AT(p->records, struct config_precord, i);
		config_apply_defaults(p, sd, r, &r->h);
		config_required(p, sd, &r->h);

		if (r->pub.dname_len > 0) {
			/* Longest zone first: walk the name's suffixes. */
			unsigned labels =
			    dname_labels(r->pub.dname, r->pub.dname_len);
			bool found = false;
			for (unsigned l = 0; l <= labels && !found; l++) {
				size_t off = dname_skip_labels(
				    r->pub.dname, r->pub.dname_len, l);
				found = config_map_get(
				    &p->zone_map, r->pub.dname + off,
				    r->pub.dname_len - off, &r->pub.zone);
			}
			if (!found)
				config_err(p, r->h.line,
				           "%s is not inside any configured "
				           "[zone]",
				           r->h.label);
		}

		r->pub.nclusters = r->names.n;
		r->pub.clusters =
		    config_alloc(p, (r->names.n + 1) * sizeof(size_t));
		if (r->pub.clusters == NULL)
			return;
		for (size_t j = 0; j < r->names.n; j++) {
			const struct config_pname *pn =
			    CONFIG_AT(r->names, struct config_pname, j);
			const char *name = pn->name;
			size_t ci;
			if (name == NULL)
				continue;
			if (!config_map_get(&p->cluster_map, name, strlen(name),
			                    &ci)) {
				config_err(p, pn->line,
				           "unknown cluster \"%s\" in %s", name,
				           r->h.label);
				continue;
			}
			r->pub.clusters[j] = ci;
			const struct config_pcluster *c =
			    CONFIG_AT(p->clusters, struct config_pcluster, ci);
			if (r->pub.policy == LB_POLICY_GEO &&
			    !c->pub.has_location)
				config_err(p, pn->line,
				           "cluster \"%s\" in %s has no "
				           "location, which policy geo needs",
				           name, r->h.label);
		}
	}
}

void config_finish_networks(struct config_parser *p)
{
	for (size_t i = 0; i < p->networks.n; i++) {
		struct config_pnetwork *n =
		    CONFIG_AT(p->networks, struct config_pnetwork, i);
		if (!n->pub.is_cluster || n->cluster_name == NULL)
			continue;
		if (!config_map_get(&p->cluster_map, n->cluster_name,
		                    strlen(n->cluster_name), &n->pub.cluster))
			config_err(p, n->pub.line,
			           "unknown cluster \"%s\" in [networks]",
			           n->cluster_name);
	}
}
