/* metrics.c - renders the Prometheus text format from summed per-thread
 * counters, reload outcomes and probe results. */
#include "control/metrics.h"

#include "base/version.h"
#include "base/outbuf.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

int metrics_escape_label(struct evbuffer *out, const char *s)
{
	/* Exposition format: in label values, \ " and newline are escaped;
	 * everything else (UTF-8 included) is literal. */
	const char *run = s;
	for (; *s != '\0'; s++) {
		const char *esc = NULL;
		if (*s == '\\')
			esc = "\\\\";
		else if (*s == '"')
			esc = "\\\"";
		else if (*s == '\n')
			esc = "\\n";
		if (esc == NULL)
			continue;
		if (evbuffer_add(out, run, (size_t)(s - run)) != 0 ||
		    evbuffer_add(out, esc, 2) != 0)
			return -1;
		run = s + 1;
	}
	return evbuffer_add(out, run, (size_t)(s - run));
}

static void metrics_label(struct outbuf *m, const char *s)
{
	if (m->rc == 0 && metrics_escape_label(m->buf, s) != 0)
		m->rc = -1;
}

static void metrics_head(struct outbuf *m, const char *name, const char *type,
                         const char *help)
{
	outbuf_printf(m, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
	              type);
}

/* One unlabelled sample with its HELP and TYPE lines. */
static void metrics_u64(struct outbuf *m, const char *name, const char *type,
                        const char *help, uint64_t v)
{
	metrics_head(m, name, type, help);
	outbuf_printf(m, "%s %" PRIu64 "\n", name, v);
}

/* A double as Prometheus reads it: the shortest text that reads back as
 * the same value (0.005, not 0.0050000000000000001), +Inf, NaN. */
static void metrics_double(struct outbuf *m, double v)
{
	if (isinf(v)) {
		outbuf_printf(m, "%s", v > 0 ? "+Inf" : "-Inf");
		return;
	}
	if (isnan(v)) {
		outbuf_printf(m, "NaN");
		return;
	}
	char buf[40];
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	outbuf_printf(m, "%s", buf);
}

/* Every counter summed over the threads. Relaxed loads: each counter has
 * one writer, and a scrape needs no consistency across counters. */
struct metrics_totals {
	uint64_t queries[STATS_PROTO_N][STATS_QT_N];
	uint64_t responses[STATS_RCODE_N];
	uint64_t dropped, truncated, rrl_limited, reflection;
	uint64_t dnstap_queued, dnstap_dropped;
	uint64_t answers[STATS_PAIRS_MAX];
	uint64_t degraded[STATS_RECORDS_MAX][STATS_DEG_N];
	uint64_t dnssec_signs[STATS_ZONES_MAX];
	uint64_t dnssec_hits, dnssec_misses;
};

static void metrics_sum(const struct metrics_input *in, unsigned npairs,
                        unsigned nrecs, struct metrics_totals *t)
{
	for (size_t i = 0; i < in->nstats; i++) {
		const struct stats *s = in->stats[i];
		for (int p = 0; p < STATS_PROTO_N; p++)
			for (int q = 0; q < STATS_QT_N; q++)
				t->queries[p][q] +=
				    stats_get(&s->queries[p][q]);
		for (int r = 0; r < STATS_RCODE_N; r++)
			t->responses[r] += stats_get(&s->responses[r]);
		t->dropped += stats_get(&s->dropped);
		t->truncated += stats_get(&s->truncated);
		t->rrl_limited += stats_get(&s->rrl_limited);
		t->reflection += stats_get(&s->reflection_dropped);
		t->dnstap_queued += stats_get(&s->dnstap_queued);
		t->dnstap_dropped += stats_get(&s->dnstap_dropped);
		for (int z = 0; z < STATS_ZONES_MAX; z++)
			t->dnssec_signs[z] += stats_get(&s->dnssec_signs[z]);
		t->dnssec_hits += stats_get(&s->dnssec_cache_hits);
		t->dnssec_misses += stats_get(&s->dnssec_cache_misses);
		for (unsigned k = 0; k < npairs; k++)
			t->answers[k] += stats_get(&s->answers[k]);
		for (unsigned k = 0; k < nrecs; k++)
			for (int d = 0; d < STATS_DEG_N; d++)
				t->degraded[k][d] +=
				    stats_get(&s->degraded[k][d]);
	}
}

static void metrics_f64(struct outbuf *m, const char *name, const char *type,
                        const char *help, double v)
{
	metrics_head(m, name, type, help);
	outbuf_printf(m, "%s ", name);
	metrics_double(m, v);
	outbuf_printf(m, "\n");
}

static void metrics_queries(struct outbuf *m, const struct metrics_totals *t)
{
	static const char *const proto[STATS_PROTO_N] = {"udp", "tcp"};
	metrics_head(m, "dnsd_queries_total", "counter",
	             "Queries received, by transport and query type.");
	for (int p = 0; p < STATS_PROTO_N; p++)
		for (int q = 0; q < STATS_QT_N; q++)
			outbuf_printf(m,
			              "dnsd_queries_total{proto=\"%s\","
			              "qtype=\"%s\"} %" PRIu64 "\n",
			              proto[p], stats_qtype_name(q),
			              t->queries[p][q]);
}

static void metrics_responses(struct outbuf *m, const struct metrics_totals *t)
{
	metrics_head(m, "dnsd_responses_total", "counter",
	             "Responses sent, by response code.");
	for (unsigned r = 0; r < STATS_RCODE_N; r++) {
		uint64_t v = t->responses[r];
		/* The codes dnsd sends are always shown (so rate() works
		 * from the first scrape); exotic ones only once used. */
		if (v == 0 && r > 5 && r != 16)
			continue;
		outbuf_printf(
		    m, "dnsd_responses_total{rcode=\"%s\"} %" PRIu64 "\n",
		    stats_rcode_name(r), v);
	}
	metrics_u64(m, "dnsd_responses_truncated_total", "counter",
	            "UDP responses sent with TC=1.", t->truncated);
	metrics_u64(m, "dnsd_queries_dropped_total", "counter",
	            "Packets dropped unanswered (too short, or QR=1).",
	            t->dropped);
	metrics_u64(m, "dnsd_rrl_limited_total", "counter",
	            "Responses dropped or slipped by response rate limiting.",
	            t->rrl_limited);
	metrics_u64(m, "dnsd_queries_reflection_dropped_total", "counter",
	            "UDP queries from the port of a service that answers "
	            "anything (0, 7, 9, 13, 17, 19, 37, 123, 1900, 11211), "
	            "dropped unanswered.",
	            t->reflection);
	metrics_u64(m, "dnsd_dnstap_messages_total", "counter",
	            "dnstap messages queued for the collector or file.",
	            t->dnstap_queued);
	metrics_u64(m, "dnsd_dnstap_dropped_total", "counter",
	            "dnstap messages dropped because the queue to the "
	            "collector was full.",
	            t->dnstap_dropped);
}

static void metrics_answers(struct outbuf *m, const struct metrics_totals *t,
                            unsigned npairs, unsigned nrecs)
{
	metrics_head(m, "dnsd_answers_total", "counter",
	             "Load-balanced answers, by record and answering cluster.");
	for (unsigned slot = 0; slot < npairs; slot++) {
		uint64_t v = t->answers[slot];
		if (slot == 0 && v == 0)
			continue; /* the overflow slot, only when used */
		const char *rec, *cl;
		stats_pair_names(slot, &rec, &cl);
		outbuf_printf(m, "dnsd_answers_total{record=\"");
		metrics_label(m, rec);
		outbuf_printf(m, "\",cluster=\"");
		metrics_label(m, cl);
		outbuf_printf(m, "\"} %" PRIu64 "\n", v);
	}
	static const char *const reason[STATS_DEG_N] = {
	    [STATS_DEG_ALL_DOWN] = "all_down",
	    [STATS_DEG_SPILL] = "spill",
	};
	metrics_head(m, "dnsd_degraded_answers_total", "counter",
	             "Answers given while degraded: every member down, or "
	             "spilled past the first-choice cluster.");
	for (unsigned slot = 0; slot < nrecs; slot++) {
		for (int d = 0; d < STATS_DEG_N; d++) {
			uint64_t v = t->degraded[slot][d];
			if (slot == 0 && v == 0)
				continue;
			outbuf_printf(m,
			              "dnsd_degraded_answers_total{record=\"");
			metrics_label(m, stats_record_name(slot));
			outbuf_printf(m, "\",reason=\"%s\"} %" PRIu64 "\n",
			              reason[d], v);
		}
	}
}

static void metrics_members(struct outbuf *m, const struct metrics_input *in)
{
	metrics_head(m, "dnsd_member_up", "gauge",
	             "1 when the member counts as healthy, else 0.");
	for (size_t i = 0; i < in->nmembers; i++) {
		const struct metrics_member *mm = &in->members[i];
		outbuf_printf(m, "dnsd_member_up{cluster=\"");
		metrics_label(m, mm->cluster);
		outbuf_printf(m, "\",address=\"");
		metrics_label(m, mm->address);
		outbuf_printf(m, "\"} %d\n", mm->up ? 1 : 0);
	}
	/* SPEC 7: dnsd_member_up stays what the probes say; these say what
	 * the operator overrode. */
	metrics_head(m, "dnsd_member_drained", "gauge",
	             "1 when an operator drained the member (dnsdctl drain).");
	for (size_t i = 0; i < in->nmembers; i++) {
		const struct metrics_member *mm = &in->members[i];
		outbuf_printf(m, "dnsd_member_drained{cluster=\"");
		metrics_label(m, mm->cluster);
		outbuf_printf(m, "\",address=\"");
		metrics_label(m, mm->address);
		outbuf_printf(m, "\"} %d\n", mm->drained ? 1 : 0);
	}
	metrics_head(m, "dnsd_member_forced_up", "gauge",
	             "1 when an operator forced the member up (dnsdctl "
	             "force-up).");
	for (size_t i = 0; i < in->nmembers; i++) {
		const struct metrics_member *mm = &in->members[i];
		outbuf_printf(m, "dnsd_member_forced_up{cluster=\"");
		metrics_label(m, mm->cluster);
		outbuf_printf(m, "\",address=\"");
		metrics_label(m, mm->address);
		outbuf_printf(m, "\"} %d\n", mm->forced_up ? 1 : 0);
	}
	metrics_head(m, "dnsd_probe_failures_total", "counter",
	             "Failed health checks of the member.");
	for (size_t i = 0; i < in->nmembers; i++) {
		const struct metrics_member *mm = &in->members[i];
		if (!mm->checked)
			continue;
		outbuf_printf(m, "dnsd_probe_failures_total{cluster=\"");
		metrics_label(m, mm->cluster);
		outbuf_printf(m, "\",address=\"");
		metrics_label(m, mm->address);
		outbuf_printf(m, "\"} %" PRIu64 "\n", mm->failures);
	}
}

static void metrics_probes(struct outbuf *m, const struct metrics_input *in)
{
	static const struct probe_metrics none;
	const struct probe_metrics *pm = in->probe ? in->probe : &none;
	metrics_head(m, "dnsd_probe_duration_seconds", "histogram",
	             "Duration of health checks.");
	for (int b = 0; b < PROBE_HIST_N; b++) {
		outbuf_printf(m, "dnsd_probe_duration_seconds_bucket{le=\"");
		metrics_double(m, probe_hist_bounds[b]);
		outbuf_printf(m, "\"} %" PRIu64 "\n", pm->hist[b]);
	}
	outbuf_printf(
	    m, "dnsd_probe_duration_seconds_bucket{le=\"+Inf\"} %" PRIu64 "\n",
	    pm->hist[PROBE_HIST_N]);
	outbuf_printf(m, "dnsd_probe_duration_seconds_sum ");
	metrics_double(m, pm->sum_seconds);
	outbuf_printf(m, "\ndnsd_probe_duration_seconds_count %" PRIu64 "\n",
	              pm->count);
	metrics_u64(m, "dnsd_probe_late_total", "counter",
	            "Checks started more than 1 s after their time (an "
	            "overloaded probe thread).",
	            pm->late);
}

static void metrics_reloads(struct outbuf *m, const struct metrics_input *in)
{
	metrics_head(m, "dnsd_config_reloads_total", "counter",
	             "Configuration reloads, by result.");
	outbuf_printf(
	    m,
	    "dnsd_config_reloads_total{result=\"success\"} %" PRIu64 "\n"
	    "dnsd_config_reloads_total{result=\"failure\"} %" PRIu64 "\n",
	    in->reloads_ok, in->reloads_failed);
	metrics_head(m, "dnsd_config_last_reload_success_timestamp_seconds",
	             "gauge",
	             "Unix time of the last configuration load that succeeded "
	             "(start or reload).");
	outbuf_printf(m,
	              "dnsd_config_last_reload_success_timestamp_seconds "
	              "%" PRId64 "\n",
	              in->last_reload_ok);
}

/* dnsd_build_info and the process_* family that every Prometheus exporter
 * has, so the usual dashboards and alerts work unchanged. */
static void metrics_process(struct outbuf *m, const struct metrics_input *in)
{
	metrics_head(m, "dnsd_build_info", "gauge",
	             "Always 1; the version of the running dnsd as a label.");
	outbuf_printf(m, "dnsd_build_info{version=\"" DNSD_VERSION "\"} 1\n");
	const struct procstat *p = in->process;
	if (p == NULL || !p->valid)
		return;
	metrics_f64(m, "process_cpu_seconds_total", "counter",
	            "User and system CPU time spent, in seconds.",
	            p->cpu_seconds);
	metrics_u64(m, "process_resident_memory_bytes", "gauge",
	            "Resident memory size in bytes.", p->rss_bytes);
	metrics_u64(m, "process_open_fds", "gauge",
	            "Number of open file descriptors.", p->open_fds);
	metrics_u64(m, "process_max_fds", "gauge",
	            "Maximum number of open file descriptors.", p->max_fds);
	metrics_f64(m, "process_start_time_seconds", "gauge",
	            "Start time of the process since the unix epoch, in "
	            "seconds.",
	            p->start_time);
}

/* SPEC 9: fresh signing operations by zone (at snapshot builds and
 * online), and the per-worker signature cache. */
static void metrics_dnssec(struct outbuf *m, const struct metrics_totals *t)
{
	metrics_head(m, "dnsd_dnssec_signatures_total", "counter",
	             "Fresh DNSSEC signatures made, when a snapshot is built "
	             "and online.");
	unsigned nz = stats_zone_count();
	for (unsigned z = 0; z < nz && z < STATS_ZONES_MAX; z++) {
		uint64_t v = t->dnssec_signs[z] + stats_zone_built(z);
		if (z == 0 && v == 0)
			continue;
		outbuf_printf(m, "dnsd_dnssec_signatures_total{zone=\"");
		metrics_label(m, stats_zone_name(z));
		outbuf_printf(m, "\"} %" PRIu64 "\n", v);
	}
	metrics_u64(m, "dnsd_dnssec_cache_hits_total", "counter",
	            "Online RRSIGs taken from the signature cache.",
	            t->dnssec_hits);
	metrics_u64(m, "dnsd_dnssec_cache_misses_total", "counter",
	            "Online RRSIGs not in the signature cache (signed fresh).",
	            t->dnssec_misses);
}

int metrics_render(const struct metrics_input *in, struct evbuffer *out)
{
	struct outbuf m = {.buf = out, .rc = 0};
	/* Heap, not stack: the pair counters alone are 32 KiB. */
	struct metrics_totals *t = calloc(1, sizeof(*t));
	if (t == NULL)
		return -1;
	unsigned npairs = stats_pair_count(), nrecs = stats_record_count();
	metrics_sum(in, npairs, nrecs, t);
	metrics_queries(&m, t);
	metrics_responses(&m, t);
	metrics_answers(&m, t, npairs, nrecs);
	metrics_dnssec(&m, t);
	metrics_members(&m, in);
	metrics_probes(&m, in);
	metrics_reloads(&m, in);
	metrics_process(&m, in);
	free(t);
	return m.rc;
}
