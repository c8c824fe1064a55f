/* status_json.c - writes the /status JSON document from a snapshot and the
 * probe status table. */
#include "control/status_json.h"
#include "base/outbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>

#include "lb/lb.h"
#include "snapshot/admin.h"

int status_json_string(struct evbuffer *out, const char *s)
{
	if (evbuffer_add(out, "\"", 1) != 0)
		return -1;
	const char *run = s;
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[8];
		size_t n;
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			n = 2;
		} else if (c == '\n') {
			memcpy(esc, "\\n", 2);
			n = 2;
		} else if (c == '\t') {
			memcpy(esc, "\\t", 2);
			n = 2;
		} else if (c < 0x20 || c == 0x7f || c == '<' || c == '>' ||
		           c == '&') {
			/* < > &: the page may put this text into HTML. */
			n = (size_t)snprintf(esc, sizeof(esc), "\\u%04x", c);
		} else {
			continue;
		}
		if (evbuffer_add(out, run, (size_t)(s - run)) != 0 ||
		    evbuffer_add(out, esc, n) != 0)
			return -1;
		run = s + 1;
	}
	if (evbuffer_add(out, run, (size_t)(s - run)) != 0 ||
	    evbuffer_add(out, "\"", 1) != 0)
		return -1;
	return 0;
}

void status_json_time(time_t t, char *buf, size_t len)
{
	struct tm tm;
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "1970-01-01T00:00:00Z");
}

static void status_str(struct outbuf *o, const char *s)
{
	if (o->rc == 0 && status_json_string(o->buf, s) != 0)
		o->rc = -1;
}

static void status_time(struct outbuf *o, time_t t)
{
	char ts[32];
	status_json_time(t, ts, sizeof(ts));
	status_str(o, ts);
}

static const char *status_policy_name(enum lb_policy p)
{
	switch (p) {
	case LB_POLICY_WEIGHTED:
		return "weighted";
	case LB_POLICY_FAILOVER:
		return "failover";
	case LB_POLICY_GEO:
		break;
	}
	return "geo";
}

static const char *status_all_down_name(enum lb_all_down a)
{
	switch (a) {
	case LB_ALL_DOWN_NODATA:
		return "nodata";
	case LB_ALL_DOWN_SERVFAIL:
		return "servfail";
	case LB_ALL_DOWN_SERVE:
		break;
	}
	return "serve";
}

static void status_records(struct outbuf *o, const struct snapshot *s)
{
	outbuf_printf(o, "\"records\": [");
	for (size_t i = 0; i < s->nrecords; i++) {
		const struct lb_record *r = &s->records[i];
		outbuf_printf(o, "%s\n  {\"name\": ", i ? "," : "");
		status_str(o, r->name);
		outbuf_printf(o,
		              ", \"policy\": \"%s\", \"ttl\": %u, "
		              "\"answers\": %u, \"all_down\": \"%s\", "
		              "\"clusters\": [",
		              status_policy_name(r->policy), (unsigned)r->ttl,
		              r->answers, status_all_down_name(r->all_down));
		for (uint32_t j = 0; j < r->nclusters; j++) {
			outbuf_printf(o, "%s", j ? ", " : "");
			status_str(o, r->clusters[j]->name);
		}
		outbuf_printf(o, "]}");
	}
	outbuf_printf(o, "]");
}

/* SPEC 7: the override in force, beside what the probes say. admin_by is
 * main-thread state (lb.h), and so is this page. */
static void status_admin(struct outbuf *o, const struct lb_member *m)
{
	const struct admin_override *a = m->admin_by;
	if (a == NULL) {
		outbuf_printf(o, ", \"admin\": null, \"admin_until\": null, "
		                 "\"admin_reason\": null, \"admin_target\": "
		                 "null");
		return;
	}
	outbuf_printf(o, ", \"admin\": \"%s\", \"admin_until\": ",
	              admin_state_name(a->state));
	if (a->until_ms > 0)
		status_time(o, (time_t)(a->until_ms / 1000));
	else
		outbuf_printf(o, "null");
	outbuf_printf(o, ", \"admin_reason\": ");
	status_str(o, a->reason);
	outbuf_printf(o, ", \"admin_target\": ");
	status_str(o, a->t.text);
}

static void status_member(struct outbuf *o, const struct status_input *in,
                          const struct lb_member *m)
{
	const struct snapshot *s = in->snap;
	const struct probe_status *st = NULL;
	bool up = true;
	if (m->target != LB_NO_TARGET && m->target < s->probes.n) {
		st = &in->status[m->target];
		up = probe_set_up(&s->probes, m->target);
	}
	outbuf_printf(o, "\n    {\"address\": ");
	status_str(o, m->text);
	outbuf_printf(o, ", \"weight\": %u, \"state\": \"%s\", \"since\": ",
	              (unsigned)m->weight, up ? "up" : "down");
	status_time(o, st != NULL && st->since.tv_sec != 0 ? st->since.tv_sec
	                                                   : in->started);
	if (st == NULL || !st->checked) {
		outbuf_printf(o, ", \"last_check\": null");
	} else {
		outbuf_printf(o, ", \"last_check\": {\"ok\": %s, \"detail\": ",
		              st->ok ? "true" : "false");
		status_str(o, st->detail);
		outbuf_printf(
		    o, ", \"duration_ms\": %.2f, \"at\": ", st->duration_ms);
		status_time(o, st->at.tv_sec);
		outbuf_printf(o, "}");
	}
	if (st != NULL)
		outbuf_printf(o, ", \"failures\": %llu",
		              (unsigned long long)st->failures);
	status_admin(o, m);
	outbuf_printf(o, "}");
}

static void status_clusters(struct outbuf *o, const struct status_input *in)
{
	const struct snapshot *s = in->snap;
	const struct config *cfg = s->cfg;
	outbuf_printf(o, "\"clusters\": [");
	for (size_t i = 0; i < s->nclusters && i < cfg->nclusters; i++) {
		const struct lb_cluster *c = &s->clusters[i];
		const struct config_cluster *cc = &cfg->clusters[i];
		outbuf_printf(o, "%s\n  {\"name\": ", i ? "," : "");
		status_str(o, c->name);
		if (c->has_location)
			outbuf_printf(o, ", \"location\": [%.6g, %.6g]", c->lat,
			              c->lon);
		else
			outbuf_printf(o, ", \"location\": null");
		outbuf_printf(o, ", \"check\": ");
		if (cc->check != NULL)
			status_str(o, cc->check->name);
		else
			outbuf_printf(o, "null");
		outbuf_printf(o, ", \"min_healthy\": %u, \"members\": [",
		              c->min_healthy);
		/* In the order of the INI file: the snapshot splits members
		 * by family but keeps each family in file order. */
		uint32_t next[2] = {0, 0};
		for (size_t j = 0; j < cc->nmembers; j++) {
			int f =
			    cc->members[j].family == AF_INET ? LB_V4 : LB_V6;
			if (next[f] >= c->nmembers[f])
				continue;
			outbuf_printf(o, "%s", j ? "," : "");
			status_member(o, in, &c->members[f][next[f]++]);
		}
		outbuf_printf(o, "]}");
	}
	outbuf_printf(o, "]");
}

static void status_events(struct outbuf *o, const struct status_input *in)
{
	outbuf_printf(o, "\"events\": [");
	for (size_t i = 0; i < in->nevents; i++) {
		const struct probe_event *e = &in->events[i];
		outbuf_printf(o, "%s\n  {\"at\": ", i ? "," : "");
		status_time(o, e->at.tv_sec);
		outbuf_printf(o, ", \"address\": ");
		status_str(o, e->address);
		outbuf_printf(o, ", \"cluster\": ");
		status_str(o, e->cluster);
		outbuf_printf(o,
		              ", \"state\": \"%s\", \"first\": %s, "
		              "\"reason\": ",
		              e->up ? "up" : "down",
		              e->first ? "true" : "false");
		status_str(o, e->reason);
		outbuf_printf(o, "}");
	}
	outbuf_printf(o, "]");
}

int status_json_render(const struct status_input *in, struct evbuffer *out)
{
	struct outbuf o = {.buf = out, .rc = 0};
	outbuf_printf(&o, "{");
	status_records(&o, in->snap);
	outbuf_printf(&o, ",\n");
	status_clusters(&o, in);
	outbuf_printf(&o, ",\n");
	status_events(&o, in);
	outbuf_printf(&o, ",\n\"started\": ");
	status_time(&o, in->started);
	outbuf_printf(&o, ", \"now\": ");
	status_time(&o, in->now);
	outbuf_printf(&o, "}\n");
	return o.rc;
}
