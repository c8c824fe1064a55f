/* explain.c - builds the CHAOS TXT explanation of a load-balancing choice. */
#include "answer/explain.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "answer/resolve.h"

static const char *policy_name(enum lb_policy p)
{
	return p == LB_POLICY_GEO        ? "geo"
	       : p == LB_POLICY_WEIGHTED ? "weighted"
	                                 : "failover";
}

static const char *all_down_name(enum lb_all_down a)
{
	return a == LB_ALL_DOWN_SERVE    ? "serve"
	       : a == LB_ALL_DOWN_NODATA ? "nodata"
	                                 : "servfail";
}

/* Append printf output to line at *len, never past EXPLAIN_LINE - 1. */
static void add(char *line, size_t *len, const char *fmt, ...)
    DNSD_PRINTF(3, 4);

static void add(char *line, size_t *len, const char *fmt, ...)
{
	if (*len >= EXPLAIN_LINE - 1)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line + *len, EXPLAIN_LINE - *len, fmt, ap);
	va_end(ap);
	if (n > 0)
		*len += (size_t)n;
	if (*len > EXPLAIN_LINE - 1)
		*len = EXPLAIN_LINE - 1;
}

static void family_line(const struct lb_record *rec, enum lb_family f,
                        const struct probe_set *h, const struct lb_client *cl,
                        uint64_t rng[2], char *line)
{
	struct lb_choice ch;
	size_t len = 0;
	const char *fam = f == LB_V4 ? "A" : "AAAA";
	line[0] = '\0';
	lb_choose(rec, f, h, cl, rng, &ch);
	if (!rec->has_family[f]) {
		add(line, &len, "%s: no member of this family: NODATA", fam);
		return;
	}
	add(line, &len, "%s: order", fam);
	for (unsigned k = 0; k < ch.norder; k++)
		add(line, &len, " %s %u/%u", ch.order[k]->name, ch.healthy[k],
		    ch.order[k]->nmembers[f]);
	/* SPEC 7: name the members an operator overrode. */
	for (int a = LB_ADMIN_DRAIN; a <= LB_ADMIN_FORCE_UP; a++) {
		bool first = true;
		for (unsigned k = 0; k < ch.norder; k++) {
			const struct lb_cluster *c = ch.order[k];
			for (uint32_t i = 0; i < c->nmembers[f]; i++) {
				const struct lb_member *m = &c->members[f][i];
				if (lb_member_admin(m) != (enum lb_admin)a)
					continue;
				add(line, &len, "%s %s/%s",
				    !first                ? ","
				    : a == LB_ADMIN_DRAIN ? "; drained"
				                          : "; forced up",
				    c->name, m->text);
				first = false;
			}
		}
	}
	if (ch.degraded == LB_DEG_ALL_DOWN)
		add(line, &len, "; all down, all_down=%s",
		    all_down_name(rec->all_down));
	else if (ch.degraded == LB_DEG_SPILL)
		add(line, &len,
		    "; spill-over (first choice below min_healthy)");
	if (ch.outcome == LB_SERVFAIL) {
		add(line, &len, ": SERVFAIL");
		return;
	}
	if (ch.outcome == LB_NODATA) {
		add(line, &len, ": NODATA");
		return;
	}
	add(line, &len,
	    "; %s answers, ttl %u:", ch.cluster ? ch.cluster->name : "?",
	    ch.ttl);
	for (unsigned i = 0; i < ch.n; i++)
		add(line, &len, " %s", ch.picked[i]->text);
}

unsigned explain_record(const struct snapshot *s, const struct lb_record *rec,
                        const struct client_addr *a, uint64_t rng[2],
                        char lines[EXPLAIN_MAX_LINES][EXPLAIN_LINE])
{
	struct lb_client cl;
	unsigned n = 0;
	client_locate(s, a, NULL, &cl, lines[n++], EXPLAIN_LINE);
	size_t len = 0;
	lines[n][0] = '\0';
	add(lines[n], &len,
	    "record %s: policy %s, ttl %u, answers %u, "
	    "all_down %s, clusters",
	    rec->name, policy_name(rec->policy), rec->ttl, rec->answers,
	    all_down_name(rec->all_down));
	for (uint32_t i = 0; i < rec->nclusters; i++)
		add(lines[n], &len, " %s", rec->clusters[i]->name);
	n++;
	family_line(rec, LB_V4, &s->probes, &cl, rng, lines[n++]);
	family_line(rec, LB_V6, &s->probes, &cl, rng, lines[n++]);
	return n;
}

/* SPEC 3, Explain: the records are of class CH with TTL 0 (they describe
 * this moment, not zone data). */
bool explain_answer(struct answer_state *st, const struct snapshot *snap)
{
	const struct pkt_query *q = st->q;
	if (q->qtype != DNS_TYPE_TXT || !client_may_explain(snap, st->src))
		return false;
	const struct zdb_zone *zone =
	    snapshot_find_zone(snap, q->qname_lower, q->qname_len);
	if (zone == NULL)
		return false;
	const struct zdb_node *node =
	    zdb_find_node(zone, q->qname_lower, q->qname_len);
	if (node == NULL || node->lb == NULL)
		return false;
	char lines[EXPLAIN_MAX_LINES][EXPLAIN_LINE];
	struct client_addr a;
	client_address(snap, q, st->src, &a);
	unsigned n = explain_record(snap, node->lb, &a, st->ctx->rng, lines);
	for (unsigned i = 0; i < n; i++) {
		uint8_t rd[EXPLAIN_LINE];
		size_t len = strlen(lines[i]);
		rd[0] = (uint8_t)len;
		memcpy(rd + 1, lines[i], len);
		if (!resp_add_rr(st->r, RESP_ANSWER, st->r->qname,
		                 st->r->qname_len, DNS_TYPE_TXT, DNS_CLASS_CH,
		                 0, rd, (uint16_t)(len + 1))) {
			st->truncated = true;
			break;
		}
	}
	return true;
}
