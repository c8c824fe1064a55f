/* test_metrics.c - the control endpoint's renderers: Prometheus text from
 * fake per-thread counters (checked line by line against the exposition
 * format), label and JSON escaping, and the /status document of a small
 * snapshot built from a temporary INI file. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "base/version.h"
#include "control/metrics.h"
#include "snapshot/snapshot.h"
#include "dns/stats.h"
#include "control/status_json.h"
#include "snapshot/admin.h"

/* The buffer's text as a NUL-terminated string (malloc'd). */
static char *buf_text(struct evbuffer *b)
{
	size_t n = evbuffer_get_length(b);
	char *s = malloc(n + 1);
	assert_non_null(s);
	evbuffer_copyout(b, s, n);
	s[n] = '\0';
	return s;
}

static char *escape_label(const char *in)
{
	struct evbuffer *b = evbuffer_new();
	assert_int_equal(metrics_escape_label(b, in), 0);
	char *s = buf_text(b);
	evbuffer_free(b);
	return s;
}

static char *escape_json(const char *in)
{
	struct evbuffer *b = evbuffer_new();
	assert_int_equal(status_json_string(b, in), 0);
	char *s = buf_text(b);
	evbuffer_free(b);
	return s;
}

static void test_label_escape(void **unused)
{
	(void)unused;
	static const struct {
		const char *in, *out;
	} cases[] = {
	    {"", ""},
	    {"eu-west", "eu-west"},
	    {"a\"b", "a\\\"b"},
	    {"back\\slash", "back\\\\slash"},
	    {"two\nlines", "two\\nlines"},
	    {"\\\"\n", "\\\\\\\"\\n"},
	    {"tab\there", "tab\there"}, /* only \ " and newline */
	    {"caf\xc3\xa9", "caf\xc3\xa9"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = escape_label(cases[i].in);
		assert_string_equal(got, cases[i].out);
		free(got);
	}
}

static void test_json_escape(void **unused)
{
	(void)unused;
	static const struct {
		const char *in, *out;
	} cases[] = {
	    {"", "\"\""},
	    {"HTTP 200", "\"HTTP 200\""},
	    {"say \"hi\"", "\"say \\\"hi\\\"\""},
	    {"C:\\path", "\"C:\\\\path\""},
	    {"a\nb\tc", "\"a\\nb\\tc\""},
	    {"\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\""},
	    {"<script>&", "\"\\u003cscript\\u003e\\u0026\""},
	    {"caf\xc3\xa9", "\"caf\xc3\xa9\""},
	    {"/slash", "\"/slash\""},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = escape_json(cases[i].in);
		assert_string_equal(got, cases[i].out);
		free(got);
	}
}

static void test_json_time(void **unused)
{
	(void)unused;
	char buf[32];
	status_json_time(0, buf, sizeof(buf));
	assert_string_equal(buf, "1970-01-01T00:00:00Z");
	status_json_time(1795284000, buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-21T18:00:00Z");
}

/* ---------------------------------------------------------------------
 * an exposition-format checker */

struct sample {
	char name[128];
	char labels[512];
	double value;
};

static bool name_char(char c, bool first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       c == ':' || (!first && c >= '0' && c <= '9');
}

/* Parse `name{labels} value`; labels kept raw. Fails the test when the
 * line is malformed. */
static void parse_sample(const char *line, struct sample *s)
{
	const char *p = line;
	size_t n = 0;
	assert_true(name_char(*p, true));
	while (name_char(*p, n == 0) && n < sizeof(s->name) - 1)
		s->name[n++] = *p++;
	s->name[n] = '\0';
	s->labels[0] = '\0';
	if (*p == '{') {
		const char *start = ++p;
		/* name="value" pairs, values with \\ \" \n escapes only */
		for (;;) {
			assert_true(name_char(*p, true));
			while (name_char(*p, false))
				p++;
			assert_int_equal(*p++, '=');
			assert_int_equal(*p++, '"');
			while (*p != '"') {
				assert_true(*p != '\0' && *p != '\n');
				if (*p == '\\') {
					p++;
					assert_non_null(strchr("\\\"n", *p));
				}
				p++;
			}
			p++;
			if (*p == ',') {
				p++;
				continue;
			}
			assert_int_equal(*p, '}');
			break;
		}
		size_t ln = (size_t)(p - start);
		assert_true(ln < sizeof(s->labels));
		memcpy(s->labels, start, ln);
		s->labels[ln] = '\0';
		p++;
	}
	assert_int_equal(*p++, ' ');
	char *end;
	if (strcmp(p, "+Inf") == 0) {
		s->value = 1.0 / 0.0;
		return;
	}
	s->value = strtod(p, &end);
	assert_true(end != p);
	assert_int_equal(*end, '\0');
}

/* The family a sample belongs to: histogram suffixes stripped. */
static void family_of(const char *name, const char *type, char *out, size_t len)
{
	snprintf(out, len, "%s", name);
	if (type == NULL || strcmp(type, "histogram") != 0)
		return;
	static const char *const suffix[] = {"_bucket", "_sum", "_count"};
	for (size_t i = 0; i < 3; i++) {
		size_t n = strlen(out), k = strlen(suffix[i]);
		if (n > k && strcmp(out + n - k, suffix[i]) == 0) {
			out[n - k] = '\0';
			return;
		}
	}
}

#define MAX_FAMILIES 64

/* Every line is a HELP/TYPE comment or a sample; each family has HELP and
 * TYPE before its samples and TYPE only once; histogram buckets rise and
 * end with +Inf equal to _count. Returns the samples (malloc'd). */
static struct sample *check_exposition(const char *text, size_t *nout)
{
	char fam[MAX_FAMILIES][128], type[MAX_FAMILIES][256];
	size_t nfam = 0;
	struct sample *out = NULL;
	size_t n = 0;
	double last_bucket = -1, inf_bucket = -1;
	char *copy = strdup(text);
	assert_non_null(copy);
	assert_true(strlen(text) > 0 && text[strlen(text) - 1] == '\n');
	char *save = NULL;
	for (char *line = strtok_r(copy, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#') {
			char what[8], name[128], rest[256];
			assert_int_equal(sscanf(line, "# %7s %127s %255[^\n]",
			                        what, name, rest),
			                 3);
			if (strcmp(what, "TYPE") == 0) {
				for (size_t i = 0; i < nfam; i++)
					assert_string_not_equal(fam[i], name);
				assert_true(nfam < MAX_FAMILIES);
				snprintf(fam[nfam], sizeof(fam[nfam]), "%s",
				         name);
				snprintf(type[nfam], sizeof(type[nfam]), "%s",
				         rest);
				nfam++;
				last_bucket = -1;
			} else {
				assert_string_equal(what, "HELP");
			}
			continue;
		}
		out = realloc(out, (n + 1) * sizeof(*out));
		assert_non_null(out);
		struct sample *s = &out[n++];
		parse_sample(line, s);
		/* It belongs to the family declared last. */
		assert_true(nfam > 0);
		char f[128];
		family_of(s->name, type[nfam - 1], f, sizeof(f));
		assert_string_equal(f, fam[nfam - 1]);
		if (strcmp(type[nfam - 1], "histogram") == 0) {
			size_t k = strlen(s->name);
			if (k > 7 && strcmp(s->name + k - 7, "_bucket") == 0) {
				assert_true(s->value >= last_bucket);
				last_bucket = s->value;
				if (strstr(s->labels, "le=\"+Inf\"") != NULL)
					inf_bucket = s->value;
			} else if (k > 6 &&
			           strcmp(s->name + k - 6, "_count") == 0) {
				assert_true(inf_bucket >= 0);
				assert_true(s->value == inf_bucket);
			}
		}
	}
	free(copy);
	*nout = n;
	return out;
}

static double sample_value(const struct sample *s, size_t n, const char *name,
                           const char *labels)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s[i].name, name) == 0 &&
		    strcmp(s[i].labels, labels) == 0)
			return s[i].value;
	fail_msg("no sample %s{%s}", name, labels);
	return -1;
}

static bool has_sample(const struct sample *s, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s[i].name, name) == 0)
			return true;
	return false;
}

static void test_render(void **unused)
{
	(void)unused;
	stats_registry_free();
	uint16_t p1 = stats_pair_slot("www.example.com.", "eu-west");
	uint16_t p2 = stats_pair_slot("www.example.com.", "us \"east\"\n");
	uint16_t r1 = stats_record_slot("www.example.com.");
	assert_int_equal(p1, 1);
	assert_int_equal(p2, 2);
	assert_int_equal(r1, 1);

	/* Two threads' counters: the render sums them. */
	struct stats *a = aligned_alloc(DNSD_CACHELINE, sizeof(*a));
	struct stats *b = aligned_alloc(DNSD_CACHELINE, sizeof(*b));
	assert_non_null(a);
	assert_non_null(b);
	memset(a, 0, sizeof(*a));
	memset(b, 0, sizeof(*b));
	for (int i = 0; i < 5; i++)
		stats_inc(&a->queries[STATS_UDP][STATS_QT_A]);
	for (int i = 0; i < 7; i++)
		stats_inc(&b->queries[STATS_UDP][STATS_QT_A]);
	stats_inc(&b->queries[STATS_TCP][STATS_QT_AAAA]);
	stats_inc(&a->responses[0]);
	stats_inc(&b->responses[3]);
	stats_inc(&b->responses[3]);
	stats_inc(&a->rrl_limited);
	stats_inc(&a->answers[p1]);
	stats_inc(&b->answers[p1]);
	stats_inc(&b->answers[p2]);
	stats_inc(&a->degraded[r1][STATS_DEG_SPILL]);
	stats_inc(&b->degraded[r1][STATS_DEG_ALL_DOWN]);
	stats_inc(&b->degraded[r1][STATS_DEG_ALL_DOWN]);

	const struct stats *threads[] = {a, b};
	struct probe_metrics pm = {.count = 4, .sum_seconds = 0.75};
	/* Cumulative, as the prober keeps them: 1 fast, 2 mid, 1 timeout. */
	for (int i = 0; i <= PROBE_HIST_N; i++)
		pm.hist[i] = i < 2 ? 1 : i < PROBE_HIST_N ? 3 : 4;
	struct metrics_member members[] = {
	    {"eu-west", "198.51.100.10", true, true, 0, true, false},
	    {"eu-west", "2001:db8::10", false, true, 12, false, true},
	    {"static", "192.0.2.1", true, false, 0, false, false},
	};
	struct metrics_input in = {
	    .stats = threads,
	    .nstats = 2,
	    .reloads_ok = 3,
	    .reloads_failed = 1,
	    .last_reload_ok = 1795284000,
	    .probe = &pm,
	    .members = members,
	    .nmembers = 3,
	};
	struct evbuffer *buf = evbuffer_new();
	assert_int_equal(metrics_render(&in, buf), 0);
	char *text = buf_text(buf);
	size_t n;
	struct sample *s = check_exposition(text, &n);

	assert_true(sample_value(s, n, "dnsd_queries_total",
	                         "proto=\"udp\",qtype=\"A\"") == 12);
	assert_true(sample_value(s, n, "dnsd_queries_total",
	                         "proto=\"tcp\",qtype=\"AAAA\"") == 1);
	assert_true(sample_value(s, n, "dnsd_queries_total",
	                         "proto=\"tcp\",qtype=\"A\"") == 0);
	assert_true(sample_value(s, n, "dnsd_responses_total",
	                         "rcode=\"NOERROR\"") == 1);
	assert_true(sample_value(s, n, "dnsd_responses_total",
	                         "rcode=\"NXDOMAIN\"") == 2);
	assert_true(sample_value(s, n, "dnsd_rrl_limited_total", "") == 1);
	assert_true(sample_value(s, n, "dnsd_answers_total",
	                         "record=\"www.example.com.\","
	                         "cluster=\"eu-west\"") == 2);
	/* The odd cluster name comes out escaped. */
	assert_true(sample_value(s, n, "dnsd_answers_total",
	                         "record=\"www.example.com.\","
	                         "cluster=\"us \\\"east\\\"\\n\"") == 1);
	assert_true(sample_value(s, n, "dnsd_degraded_answers_total",
	                         "record=\"www.example.com.\","
	                         "reason=\"all_down\"") == 2);
	assert_true(sample_value(s, n, "dnsd_degraded_answers_total",
	                         "record=\"www.example.com.\","
	                         "reason=\"spill\"") == 1);
	assert_true(sample_value(s, n, "dnsd_member_up",
	                         "cluster=\"eu-west\","
	                         "address=\"198.51.100.10\"") == 1);
	assert_true(sample_value(s, n, "dnsd_member_up",
	                         "cluster=\"eu-west\","
	                         "address=\"2001:db8::10\"") == 0);
	assert_true(sample_value(s, n, "dnsd_member_up",
	                         "cluster=\"static\","
	                         "address=\"192.0.2.1\"") == 1);
	assert_true(sample_value(s, n, "dnsd_probe_failures_total",
	                         "cluster=\"eu-west\","
	                         "address=\"2001:db8::10\"") == 12);
	/* SPEC 7: the override gauges, one series per member. */
	assert_true(sample_value(s, n, "dnsd_member_drained",
	                         "cluster=\"eu-west\","
	                         "address=\"198.51.100.10\"") == 1);
	assert_true(sample_value(s, n, "dnsd_member_drained",
	                         "cluster=\"static\","
	                         "address=\"192.0.2.1\"") == 0);
	assert_true(sample_value(s, n, "dnsd_member_forced_up",
	                         "cluster=\"eu-west\","
	                         "address=\"2001:db8::10\"") == 1);
	assert_true(sample_value(s, n, "dnsd_member_forced_up",
	                         "cluster=\"eu-west\","
	                         "address=\"198.51.100.10\"") == 0);
	/* check = none: no failures series. */
	assert_null(
	    strstr(text, "dnsd_probe_failures_total{cluster=\"static\""));
	assert_true(sample_value(s, n, "dnsd_probe_duration_seconds_bucket",
	                         "le=\"0.005\"") == 1);
	assert_true(sample_value(s, n, "dnsd_probe_duration_seconds_bucket",
	                         "le=\"+Inf\"") == 4);
	assert_true(
	    sample_value(s, n, "dnsd_probe_duration_seconds_count", "") == 4);
	assert_true(sample_value(s, n, "dnsd_probe_duration_seconds_sum", "") ==
	            0.75);
	assert_true(sample_value(s, n, "dnsd_config_reloads_total",
	                         "result=\"success\"") == 3);
	assert_true(sample_value(s, n, "dnsd_config_reloads_total",
	                         "result=\"failure\"") == 1);
	assert_true(sample_value(s, n,
	                         "dnsd_config_last_reload_success_timestamp_"
	                         "seconds",
	                         "") == 1795284000);
	/* The overflow slots appear only when used. */
	assert_null(strstr(text, "record=\"other\""));
	assert_true(has_sample(s, n, "dnsd_queries_dropped_total"));
	assert_non_null(strstr(text, "# TYPE dnsd_probe_duration_seconds "
	                             "histogram\n"));

	free(s);
	free(text);
	evbuffer_free(buf);
	free(a);
	free(b);
	stats_registry_free();
}

/* No threads, no probes, no members: still a valid exposition. */
static void test_render_empty(void **unused)
{
	(void)unused;
	stats_registry_free();
	struct metrics_input in = {0};
	struct evbuffer *buf = evbuffer_new();
	assert_int_equal(metrics_render(&in, buf), 0);
	char *text = buf_text(buf);
	size_t n;
	struct sample *s = check_exposition(text, &n);
	assert_true(
	    sample_value(s, n, "dnsd_probe_duration_seconds_count", "") == 0);
	assert_false(has_sample(s, n, "dnsd_member_up"));
	free(s);
	free(text);
	evbuffer_free(buf);
}

/* dnsd_build_info always; the process_* family when /proc was read, with
 * the values handed in, and nothing of it when it was not. */
static void test_render_process(void **unused)
{
	(void)unused;
	stats_registry_free();
	struct procstat ps = {.valid = true,
	                      .cpu_seconds = 1.25,
	                      .rss_bytes = 4096000,
	                      .open_fds = 17,
	                      .max_fds = 1024,
	                      .start_time = 1764662400.5};
	struct metrics_input in = {.process = &ps};
	struct evbuffer *buf = evbuffer_new();
	assert_int_equal(metrics_render(&in, buf), 0);
	char *text = buf_text(buf);
	size_t n;
	struct sample *s = check_exposition(text, &n);
	assert_true(sample_value(s, n, "dnsd_build_info",
	                         "version=\"" DNSD_VERSION "\"") == 1);
	assert_true(sample_value(s, n, "process_cpu_seconds_total", "") ==
	            1.25);
	assert_true(sample_value(s, n, "process_resident_memory_bytes", "") ==
	            4096000);
	assert_true(sample_value(s, n, "process_open_fds", "") == 17);
	assert_true(sample_value(s, n, "process_max_fds", "") == 1024);
	assert_true(sample_value(s, n, "process_start_time_seconds", "") ==
	            1764662400.5);
	free(s);
	free(text);
	evbuffer_free(buf);

	/* /proc unreadable: the family is left out, build_info stays. */
	ps.valid = false;
	buf = evbuffer_new();
	assert_int_equal(metrics_render(&in, buf), 0);
	text = buf_text(buf);
	s = check_exposition(text, &n);
	assert_true(has_sample(s, n, "dnsd_build_info"));
	assert_false(has_sample(s, n, "process_open_fds"));
	free(s);
	free(text);
	evbuffer_free(buf);

	/* The real reader: this test process has stdin..stderr open. */
	struct procstat me;
	assert_int_equal(procstat_read(&me), 0);
	assert_true(me.valid);
	assert_true(me.open_fds >= 3);
	assert_true(me.max_fds >= me.open_fds);
	assert_true(me.rss_bytes > 0);
	assert_true(me.start_time > 1.0e9);
}

/* ---------------------------------------------------------------------
 * /status from a real snapshot */

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_status_json(void **unused)
{
	(void)unused;
	char dir[] = "/tmp/test_metrics.XXXXXX";
	assert_non_null(mkdtemp(dir));
	write_file(dir, "t.zone",
	           "$ORIGIN example.test.\n$TTL 300\n"
	           "@ IN SOA ns1 hostmaster 1 7200 900 1209600 60\n"
	           "@ IN NS ns1\nns1 IN A 192.0.2.53\n");
	write_file(dir, "d.ini",
	           "[server]\nlisten = 127.0.0.1:5300\n"
	           "[zone example.test]\nfile = t.zone\n"
	           "[check web]\ntype = tcp\nport = 80\n"
	           "[cluster eu-west]\nlocation = 53.35, -6.26\n"
	           "member = 198.51.100.10 weight=3\n"
	           "member = 2001:db8::10\nmember = 198.51.100.11\n"
	           "check = web\n"
	           "[cluster static]\nmember = 192.0.2.1\ncheck = none\n"
	           "[record www.example.test]\nclusters = eu-west, static\n"
	           "policy = failover\n");
	char ini[512];
	snprintf(ini, sizeof(ini), "%s/d.ini", dir);
	struct diag diag;
	diag_init(&diag);
	struct snapshot *snap = NULL;
	int rc = snapshot_build(ini, &snap, &diag);
	if (rc != 0)
		diag_print(&diag);
	assert_int_equal(rc, 0);
	diag_free(&diag);
	assert_int_equal(snap->probes.n, 3);

	/* Target order follows the file: .10, ::10, .11. The second is
	 * down after failures; the third has not been checked yet. */
	struct probe_status st[3];
	memset(st, 0, sizeof(st));
	st[0] = (struct probe_status){
	    .checked = true,
	    .ok = true,
	    .up = true,
	    .duration_ms = 3.25,
	    .at = {1795284005, 0},
	    .since = {1795284000, 0},
	};
	snprintf(st[0].detail, sizeof(st[0].detail), "HTTP 200");
	st[1] = (struct probe_status){
	    .checked = true,
	    .ok = false,
	    .up = false,
	    .duration_ms = 2000,
	    .at = {1795284005, 0},
	    .since = {1795284001, 0},
	    .failures = 4,
	};
	snprintf(st[1].detail, sizeof(st[1].detail), "say \"no\"");
	atomic_store(&snap->probes.up[0], 1);
	atomic_store(&snap->probes.up[1], 0);
	atomic_store(&snap->probes.up[2], 1);
	struct probe_event ev = {.at = {1795284001, 0}, .up = false};
	snprintf(ev.address, sizeof(ev.address), "2001:db8::10");
	snprintf(ev.cluster, sizeof(ev.cluster), "eu-west");
	snprintf(ev.reason, sizeof(ev.reason), "timeout after 2000 ms");

	struct status_input in = {
	    .snap = snap,
	    .status = st,
	    .events = &ev,
	    .nevents = 1,
	    .started = 1795283800,
	    .now = 1795284010,
	};
	struct evbuffer *buf = evbuffer_new();
	/* SPEC 7: an override shows beside the probes' state. */
	struct admin_table at;
	admin_table_init(&at);
	struct admin_override ov;
	char why[128];
	memset(&ov, 0, sizeof(ov));
	assert_int_equal(
	    admin_parse_target("static/192.0.2.1", &ov.t, why, sizeof(why)), 0);
	ov.state = LB_ADMIN_DRAIN;
	ov.until_ms = 1795284000000;
	snprintf(ov.reason, sizeof(ov.reason), "kernel <upgrade>");
	assert_int_equal(admin_put(&at, &ov), 0);
	admin_apply(&at, snap);
	assert_int_equal(status_json_render(&in, buf), 0);
	char *text = buf_text(buf);
	static const char *const want[] = {
	    "\"records\": [\n  {\"name\": \"www.example.test.\", "
	    "\"policy\": \"failover\"",
	    "\"clusters\": [\"eu-west\", \"static\"]}",
	    "{\"name\": \"eu-west\", \"location\": [53.35, -6.26]",
	    "{\"address\": \"198.51.100.10\", \"weight\": 3, \"state\": "
	    "\"up\", \"since\": \"2026-11-21T18:00:00Z\", \"last_check\": "
	    "{\"ok\": true, \"detail\": \"HTTP 200\", \"duration_ms\": "
	    "3.25, \"at\": \"2026-11-21T18:00:05Z\"}",
	    "{\"address\": \"2001:db8::10\", \"weight\": 1, \"state\": "
	    "\"down\", \"since\": \"2026-11-21T18:00:01Z\", "
	    "\"last_check\": {\"ok\": false, \"detail\": \"say "
	    "\\\"no\\\"\"",
	    "{\"address\": \"198.51.100.11\", \"weight\": 1, \"state\": "
	    "\"up\", \"since\": \"2026-11-21T17:56:40Z\", "
	    "\"last_check\": null",
	    "{\"name\": \"static\", \"location\": null, \"check\": null",
	    "{\"address\": \"192.0.2.1\", \"weight\": 1, \"state\": \"up\", "
	    "\"since\": \"2026-11-21T17:56:40Z\", \"last_check\": null, "
	    "\"admin\": \"drain\", \"admin_until\": \"2026-11-21T18:00:00Z\", "
	    "\"admin_reason\": \"kernel \\u003cupgrade\\u003e\", "
	    "\"admin_target\": \"static/192.0.2.1\"}",
	    "\"admin\": null, \"admin_until\": null, "
	    "\"admin_reason\": null, \"admin_target\": null}",
	    "\"events\": [\n  {\"at\": \"2026-11-21T18:00:01Z\", "
	    "\"address\": \"2001:db8::10\", \"cluster\": \"eu-west\", "
	    "\"state\": \"down\", \"first\": false, \"reason\": "
	    "\"timeout after 2000 ms\"}]",
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (strstr(text, want[i]) == NULL)
			fail_msg("missing %s\nin %s", want[i], text);
	free(text);
	evbuffer_free(buf);
	snapshot_free(snap);
	admin_table_free(&at);
	stats_registry_free();
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_label_escape),
	    cmocka_unit_test(test_json_escape),
	    cmocka_unit_test(test_json_time),
	    cmocka_unit_test(test_render),
	    cmocka_unit_test(test_render_empty),
	    cmocka_unit_test(test_render_process),
	    cmocka_unit_test(test_status_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
