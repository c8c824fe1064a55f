/* lb.c - the load-balancing decision: order, health, spill, draw, TTL. */
#include "lb/lb.h"

#include <string.h>

/* force-up wins over the probes (SPEC 7). */
static bool member_up(const struct lb_member *m, const struct probe_set *h,
                      enum lb_admin a)
{
	return a == LB_ADMIN_FORCE_UP || m->target == LB_NO_TARGET ||
	       h == NULL || probe_set_up(h, m->target);
}

/* What one cluster offers in one family, drained members left out as if
 * they were not configured (SPEC 7). */
struct lb_offer {
	uint32_t present;  /* members not drained (weight 0 included) */
	uint32_t eligible; /* not drained, weight above 0 */
	uint64_t eweight;  /* their summed weight */
	uint32_t healthy;  /* eligible and up (SPEC 3) */
	uint64_t hweight;  /* their summed weight */
};

static void cluster_offer(const struct lb_cluster *c, enum lb_family f,
                          const struct probe_set *h, struct lb_offer *o)
{
	memset(o, 0, sizeof(*o));
	for (uint32_t i = 0; i < c->nmembers[f]; i++) {
		const struct lb_member *m = &c->members[f][i];
		enum lb_admin a = lb_member_admin(m);
		if (a == LB_ADMIN_DRAIN)
			continue;
		o->present++;
		if (m->weight == 0)
			continue;
		o->eligible++;
		o->eweight += m->weight;
		if (member_up(m, h, a)) {
			o->healthy++;
			o->hweight += m->weight;
		}
	}
}

static bool reaches_min(const struct lb_cluster *c, uint32_t healthy)
{
	return healthy > 0 && healthy >= c->min_healthy;
}

/* Order the record's clusters for this client (geo: nearest first, ties
 * in listed order; failover/weighted/unknown location: listed order).
 * Nearness is the dot product of unit vectors: larger is nearer. */
static void order_clusters(const struct lb_record *rec,
                           const struct lb_client *cl, struct lb_choice *out)
{
	unsigned n =
	    rec->nclusters < LB_MAX_CLUSTERS ? rec->nclusters : LB_MAX_CLUSTERS;
	double near[LB_MAX_CLUSTERS];
	const double *v = cl->v;
	bool geo = rec->policy == LB_POLICY_GEO && cl->has_location;
	const struct lb_cluster *pinned = NULL;

	if (rec->policy == LB_POLICY_GEO && cl->pinned != NULL) {
		/* A [networks] line naming a cluster puts it first and the
		 * rest by distance from it. */
		for (unsigned i = 0; i < n; i++)
			if (rec->clusters[i] == cl->pinned)
				pinned = cl->pinned;
		if (cl->pinned->has_location) {
			geo = true;
			v = cl->pinned->v;
		}
	}
	out->norder = 0;
	if (pinned != NULL)
		out->order[out->norder++] = pinned;
	for (unsigned i = 0; i < n; i++) {
		const struct lb_cluster *c = rec->clusters[i];
		if (c == pinned)
			continue;
		/* Clusters without a location sort after all others. */
		double d =
		    geo && c->has_location
		        ? v[0] * c->v[0] + v[1] * c->v[1] + v[2] * c->v[2]
		        : -2.0;
		/* Insertion sort, stable: clusters are few (<= 64). */
		unsigned j = out->norder;
		while (geo && j > (pinned ? 1u : 0u) && near[j - 1] < d) {
			out->order[j] = out->order[j - 1];
			near[j] = near[j - 1];
			j--;
		}
		out->order[j] = c;
		near[j] = d;
		out->norder++;
	}
}

/* Draw up to rec->answers distinct members in proportion to weight,
 * without replacement, from the clusters flagged in use[] (and, unless
 * all_up, healthy ones only). total is the eligible weight of those
 * clusters; a picked member's weight leaves it, so each draw is one walk. */
static void draw(const struct lb_record *rec, enum lb_family f,
                 const struct probe_set *h, bool all_up, const bool *use,
                 uint64_t total, struct lb_choice *out, uint64_t rng[2])
{
	out->n = 0;
	unsigned want =
	    rec->answers < LB_MAX_ANSWERS ? rec->answers : LB_MAX_ANSWERS;
	while (out->n < want && total > 0) {
		/* Multiply-shift maps 64 random bits onto [0, total) without
		 * the bias and cost of a division. */
		uint64_t r =
		    (uint64_t)(((unsigned __int128)lb_rand(rng) * total) >> 64);
		for (unsigned k = 0; k < out->norder; k++) {
			if (!use[k])
				continue;
			const struct lb_cluster *c = out->order[k];
			for (uint32_t i = 0; i < c->nmembers[f]; i++) {
				const struct lb_member *m = &c->members[f][i];
				enum lb_admin a = lb_member_admin(m);
				if (m->weight == 0 || a == LB_ADMIN_DRAIN ||
				    !(all_up || member_up(m, h, a)))
					continue;
				bool taken = false;
				for (unsigned p = 0; p < out->n; p++)
					taken |= out->picked[p] == m;
				if (taken)
					continue;
				if (r < m->weight) {
					if (out->n == 0)
						out->cluster = c;
					out->picked[out->n++] = m;
					total -= m->weight;
					goto next;
				}
				r -= m->weight;
			}
		}
		return; /* unreachable: r < total */
	next:;
	}
}

/* TTL while degraded: min(ttl, shortest check interval among the clusters
 * skipped and served), so clients come back soon after recovery. */
static uint32_t degraded_ttl(const struct lb_record *rec,
                             const struct lb_choice *out, unsigned upto)
{
	uint32_t ttl = rec->ttl;
	for (unsigned k = 0; k <= upto && k < out->norder; k++) {
		uint32_t iv = out->order[k]->check_interval_s;
		if (iv > 0 && iv < ttl)
			ttl = iv;
	}
	return ttl;
}

void lb_choose(const struct lb_record *rec, enum lb_family f,
               const struct probe_set *health, const struct lb_client *client,
               uint64_t rng[2], struct lb_choice *out)
{
	bool use[LB_MAX_CLUSTERS];
	struct lb_offer offer[LB_MAX_CLUSTERS];
	out->degraded = LB_DEG_NONE;
	out->cluster = NULL;
	out->n = 0;
	out->ttl = rec->ttl;
	order_clusters(rec, client, out);

	int first = -1; /* first choice: first with members of f */
	int reach = -1; /* first reaching its min_healthy */
	int any = -1;   /* first with any healthy member */
	for (unsigned k = 0; k < out->norder; k++) {
		const struct lb_cluster *c = out->order[k];
		cluster_offer(c, f, health, &offer[k]);
		out->healthy[k] = offer[k].healthy;
		use[k] = false;
		if (first < 0 && offer[k].present > 0)
			first = (int)k;
		if (reach < 0 && reaches_min(c, out->healthy[k]))
			reach = (int)k;
		if (any < 0 && out->healthy[k] > 0)
			any = (int)k;
	}
	if (first < 0) {
		/* No member of this family at all, or every one drained. */
		out->outcome = LB_NODATA;
		return;
	}
	out->outcome = LB_ANSWER;

	if (any < 0) {
		/* Nobody healthy anywhere: the record's all_down rule. */
		out->degraded = LB_DEG_ALL_DOWN;
		if (rec->all_down == LB_ALL_DOWN_NODATA) {
			out->outcome = LB_NODATA;
			return;
		}
		if (rec->all_down == LB_ALL_DOWN_SERVFAIL) {
			out->outcome = LB_SERVFAIL;
			return;
		}
		/* serve: as if every member were healthy. */
		unsigned k = (unsigned)first;
		if (rec->policy == LB_POLICY_WEIGHTED) {
			for (unsigned i = 0; i < out->norder; i++)
				use[i] = true;
		} else {
			for (unsigned i = (unsigned)first; i < out->norder;
			     i++) {
				const struct lb_cluster *c = out->order[i];
				uint32_t n = offer[i].eligible;
				if (n > 0 && n >= c->min_healthy) {
					k = i;
					break;
				}
			}
			use[k] = true;
		}
		uint64_t total = 0;
		for (unsigned i = 0; i < out->norder; i++)
			total += use[i] ? offer[i].eweight : 0;
		draw(rec, f, health, true, use, total, out, rng);
		out->ttl = degraded_ttl(rec, out, out->norder - 1);
		if (out->n == 0)
			out->outcome = LB_NODATA; /* every member drained */
		return;
	}

	if (rec->policy == LB_POLICY_WEIGHTED) {
		/* One pool of every cluster reaching min_healthy, or of every
		 * cluster with a healthy member when none does. */
		for (unsigned k = 0; k < out->norder; k++)
			use[k] = reach >= 0 ? reaches_min(out->order[k],
			                                  out->healthy[k])
			                    : out->healthy[k] > 0;
		if (reach < 0) {
			out->degraded = LB_DEG_SPILL;
			out->ttl = degraded_ttl(rec, out, out->norder - 1);
		}
	} else {
		unsigned k = (unsigned)(reach >= 0 ? reach : any);
		use[k] = true;
		if (reach < 0 || k != (unsigned)first) {
			out->degraded = LB_DEG_SPILL;
			out->ttl = degraded_ttl(rec, out, k);
		}
	}
	uint64_t total = 0;
	for (unsigned k = 0; k < out->norder; k++)
		total += use[k] ? offer[k].hweight : 0;
	draw(rec, f, health, false, use, total, out, rng);
	if (out->n == 0)
		out->outcome = LB_NODATA;
}
