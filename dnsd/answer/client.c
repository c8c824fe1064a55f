/* client.c - client address and location for load-balancing decisions. */
#include "answer/client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "lb/geo.h"

static bool sockaddr_bytes(const struct sockaddr *sa, int *family,
                           uint8_t *addr)
{
	if (sa == NULL)
		return false;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
		*family = AF_INET;
		memcpy(addr, &s4->sin_addr, 4);
		return true;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			*family = AF_INET;
			memcpy(addr, s6->sin6_addr.s6_addr + 12, 4);
		} else {
			*family = AF_INET6;
			memcpy(addr, s6->sin6_addr.s6_addr, 16);
		}
		return true;
	}
	return false;
}

void client_address(const struct snapshot *s, const struct pkt_query *q,
                    const struct sockaddr *src, struct client_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (s->ecs && q->edns && q->ecs.present) {
		out->from_ecs = true;
		out->ecs_prefix = q->ecs.source_prefix;
		/* RFC 7871 section 7.1.2: SOURCE PREFIX-LENGTH 0 asks for an
		 * answer that does not depend on the client: unknown. */
		if (q->ecs.source_prefix == 0)
			return;
		out->family = q->ecs.family == 1 ? AF_INET : AF_INET6;
		memcpy(out->addr, q->ecs.addr, 16);
		return;
	}
	if (!sockaddr_bytes(src, &out->family, out->addr))
		out->family = 0;
}

static void addr_text(const struct client_addr *a, char *buf, size_t len)
{
	if (a->family == 0 ||
	    inet_ntop(a->family, a->addr, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
}

/* The /24 or /56 holding a, tagged with its family. */
static uint64_t geo_key(const struct client_addr *a)
{
	uint64_t k = 0;
	int n = a->family == AF_INET ? 3 : 7;
	for (int i = 0; i < n; i++)
		k = k << 8 | a->addr[i];
	return k << 1 | (a->family == AF_INET6);
}

static bool geo_lookup_cached(const struct snapshot *s,
                              const struct client_addr *a,
                              struct client_geo_cache *cache,
                              struct lb_client *out)
{
	unsigned prefix;
	struct client_geo_entry *e = NULL;
	uint64_t key = 0;
	if (cache != NULL) {
		key = geo_key(a);
		e = &cache->e[(key * 0x9E3779B97F4A7C15ull) >> 56];
		if (e->generation == s->generation && e->key == key) {
			out->lat = e->lat;
			out->lon = e->lon;
			memcpy(out->v, e->v, sizeof(out->v));
			out->prefix = e->prefix;
			return true;
		}
	}
	if (!geo_db_lookup(s->geodb, a->family, a->addr, &out->lat, &out->lon,
	                   &prefix))
		return false;
	out->prefix = (uint8_t)prefix;
	geo_unit_vector(out->lat, out->lon, out->v);
	if (e != NULL && prefix <= (a->family == AF_INET ? 24u : 56u)) {
		e->generation = s->generation;
		e->key = key;
		e->lat = out->lat;
		e->lon = out->lon;
		memcpy(e->v, out->v, sizeof(e->v));
		e->prefix = out->prefix;
	}
	return true;
}

void client_locate(const struct snapshot *s, const struct client_addr *a,
                   struct client_geo_cache *cache, struct lb_client *out,
                   char *desc, size_t desclen)
{
	char text[INET6_ADDRSTRLEN];
	memset(out, 0, sizeof(*out));
	out->source = LB_LOC_UNKNOWN;
	if (desc != NULL)
		addr_text(a, text, sizeof(text));
	if (a->family == 0) {
		if (desc != NULL)
			snprintf(desc, desclen,
			         "client %s: location unknown "
			         "(ECS source prefix 0)",
			         a->from_ecs ? "ecs" : "?");
		return;
	}
	const struct config_network *n =
	    geo_nets_match(s->nets, a->family, a->addr);
	if (n != NULL) {
		out->source = LB_LOC_NETWORKS;
		out->prefix = (uint8_t)n->net.prefix;
		size_t idx = (size_t)(n - s->cfg->networks);
		if (n->is_cluster) {
			out->pinned = s->net_cluster[idx];
		} else {
			out->has_location = true;
			out->lat = n->lat;
			out->lon = n->lon;
			memcpy(out->v, s->net_v[idx].v, sizeof(out->v));
		}
		if (desc != NULL) {
			char net[INET6_ADDRSTRLEN];
			inet_ntop(n->net.family, n->net.addr, net, sizeof(net));
			if (n->is_cluster)
				snprintf(desc, desclen,
				         "client %s%s: networks %s/%u -> "
				         "cluster %s",
				         text, a->from_ecs ? " (ecs)" : "", net,
				         n->net.prefix, out->pinned->name);
			else
				snprintf(desc, desclen,
				         "client %s%s: networks %s/%u -> "
				         "%.2f,%.2f",
				         text, a->from_ecs ? " (ecs)" : "", net,
				         n->net.prefix, n->lat, n->lon);
		}
		return;
	}
	if (s->geodb != NULL && geo_lookup_cached(s, a, cache, out)) {
		out->source = LB_LOC_GEOIP;
		out->has_location = true;
		if (desc != NULL)
			snprintf(desc, desclen,
			         "client %s%s: geoip /%u -> %.2f,%.2f", text,
			         a->from_ecs ? " (ecs)" : "", out->prefix,
			         out->lat, out->lon);
		return;
	}
	if (desc != NULL)
		snprintf(desc, desclen, "client %s%s: location unknown", text,
		         a->from_ecs ? " (ecs)" : "");
}

bool client_may_explain(const struct snapshot *s, const struct sockaddr *src)
{
	int family;
	uint8_t addr[16];
	if (!sockaddr_bytes(src, &family, addr))
		return false;
	const struct config_server *c = &s->cfg->server;
	for (size_t i = 0; i < c->nexplain; i++)
		if (config_prefix_match(&c->explain[i], family, addr))
			return true;
	return false;
}
