/* test_config.c - INI loading: defaults, values, every error with its line. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/config.h"

/* Each test writes its INI text to DIR/t.ini in a fresh folder, so errors
 * read "DIR/t.ini:LINE: ..." and relative paths resolve against DIR. */
struct fixture {
	char dir[64];
	char path[96];
	struct config *cfg;
	struct diag diag;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/dnsd-test-config-XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof(f->path), "%s/t.ini", f->dir);
	diag_init(&f->diag);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	config_free(f->cfg);
	diag_free(&f->diag);
	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Load text; on failure the messages are printed to help a reader of the
 * test log. */
static int load(struct fixture *f, const char *text)
{
	FILE *fp = fopen(f->path, "w");
	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
	config_free(f->cfg);
	f->cfg = NULL;
	diag_free(&f->diag);
	int r = config_load(f->path, &f->cfg, &f->diag);
	if (r == 0) {
		assert_non_null(f->cfg);
		assert_int_equal(f->diag.count, 0);
	} else {
		assert_null(f->cfg);
		assert_true(f->diag.count > 0);
	}
	return r;
}

static void dump(const struct fixture *f)
{
	for (size_t i = 0; i < f->diag.count; i++)
		fprintf(stderr, "  diag: %s\n", f->diag.msgs[i]);
}

/* True when some message is "PATH:LINE: ..." and contains needle. */
static bool has_error(const struct fixture *f, unsigned line,
                      const char *needle)
{
	char prefix[160];
	snprintf(prefix, sizeof(prefix), "%s:%u: ", f->path, line);
	for (size_t i = 0; i < f->diag.count; i++) {
		const char *m = f->diag.msgs[i];
		if (m != NULL && strncmp(m, prefix, strlen(prefix)) == 0 &&
		    strstr(m, needle) != NULL)
			return true;
	}
	return false;
}

#define assert_error(f, line, needle)                                          \
	do {                                                                   \
		if (!has_error((f), (line), (needle))) {                       \
			dump(f);                                               \
			fail_msg("no error at line %u containing \"%s\"",      \
			         (unsigned)(line), (needle));                  \
		}                                                              \
	} while (0)

/* Exactly one error, at line, containing needle. */
static void expect_one(struct fixture *f, const char *text, unsigned line,
                       const char *needle)
{
	assert_int_equal(load(f, text), -1);
	if (f->diag.count != 1)
		dump(f);
	assert_int_equal(f->diag.count, 1);
	assert_error(f, line, needle);
}

static void expect_ok(struct fixture *f, const char *text)
{
	int r = load(f, text);
	if (r != 0)
		dump(f);
	assert_int_equal(r, 0);
}

/* A zone and a located cluster that many tests build on (lines 1-6). */
#define BASE                                                                   \
	"[zone example.com]\n"                                                 \
	"file = example.com.zone\n"                                            \
	"[cluster eu]\n"                                                       \
	"location = 53.35, -6.26\n"                                            \
	"member = 192.0.2.1\n"                                                 \
	"\n"

/* ---------------------------------------------------------------------- */

static void test_duration(void **state)
{
	unsigned ms = 0;
	(void)state;
	assert_int_equal(config_parse_duration("500ms", &ms), 0);
	assert_int_equal(ms, 500);
	assert_int_equal(config_parse_duration("2s", &ms), 0);
	assert_int_equal(ms, 2000);
	assert_int_equal(config_parse_duration("1m", &ms), 0);
	assert_int_equal(ms, 60000);
	assert_int_equal(config_parse_duration("7", &ms), 0);
	assert_int_equal(ms, 7000);
	assert_int_equal(config_parse_duration("0", &ms), 0);
	assert_int_equal(ms, 0);
	assert_int_equal(config_parse_duration("", &ms), -1);
	assert_int_equal(config_parse_duration("s", &ms), -1);
	assert_int_equal(config_parse_duration("-1s", &ms), -1);
	assert_int_equal(config_parse_duration("2 s", &ms), -1);
	/* SPEC 7: h and d too; a value past 32 bits of ms is refused. */
	assert_int_equal(config_parse_duration("2h", &ms), 0);
	assert_int_equal(ms, 7200000);
	assert_int_equal(config_parse_duration("1d", &ms), 0);
	assert_int_equal(ms, 86400000);
	assert_int_equal(config_parse_duration("50d", &ms), -1);
	assert_int_equal(config_parse_duration("2x", &ms), -1);
	assert_int_equal(config_parse_duration("2hs", &ms), -1);
	uint64_t ms64 = 0;
	assert_int_equal(config_parse_duration_ms("50d", &ms64), 0);
	assert_int_equal(ms64, 50ull * 86400000);
	assert_int_equal(config_parse_duration_ms("d", &ms64), -1);
	assert_int_equal(config_parse_duration("1.5s", &ms), -1);
	assert_int_equal(config_parse_duration("5000000s", &ms), -1);
	assert_int_equal(config_parse_duration("99999999999999999999ms", &ms),
	                 -1);
}

static void test_bool(void **state)
{
	static const char *const yes[] = {"yes", "true", "on", "1", "YES"};
	static const char *const no[] = {"no", "false", "off", "0", "Off"};
	bool b;
	(void)state;
	for (size_t i = 0; i < DNSD_ARRAY_LEN(yes); i++) {
		b = false;
		assert_int_equal(config_parse_bool(yes[i], &b), 0);
		assert_true(b);
		b = true;
		assert_int_equal(config_parse_bool(no[i], &b), 0);
		assert_false(b);
	}
	assert_int_equal(config_parse_bool("y", &b), -1);
	assert_int_equal(config_parse_bool("2", &b), -1);
	assert_int_equal(config_parse_bool("", &b), -1);
}

static void test_sockaddr(void **state)
{
	struct config_sockaddr sa;
	const struct sockaddr_in *sin = (const struct sockaddr_in *)&sa.ss;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&sa.ss;
	uint8_t v6[16];
	(void)state;

	assert_int_equal(config_parse_sockaddr("192.0.2.1:5353", 53, &sa), 0);
	assert_int_equal(sin->sin_family, AF_INET);
	assert_int_equal(ntohs(sin->sin_port), 5353);
	assert_int_equal(ntohl(sin->sin_addr.s_addr), 0xC0000201);
	assert_int_equal(sa.len, sizeof(struct sockaddr_in));
	assert_string_equal(sa.text, "192.0.2.1:5353");

	assert_int_equal(config_parse_sockaddr("192.0.2.1", 53, &sa), 0);
	assert_int_equal(ntohs(sin->sin_port), 53);

	assert_int_equal(config_parse_sockaddr("[2001:db8::1]:853", 53, &sa),
	                 0);
	assert_int_equal(sin6->sin6_family, AF_INET6);
	assert_int_equal(ntohs(sin6->sin6_port), 853);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::1", v6), 1);
	assert_memory_equal(&sin6->sin6_addr, v6, 16);
	assert_int_equal(sa.len, sizeof(struct sockaddr_in6));

	assert_int_equal(config_parse_sockaddr("[::]", 53, &sa), 0);
	assert_int_equal(ntohs(sin6->sin6_port), 53);
	assert_int_equal(config_parse_sockaddr("::1", 53, &sa), 0);
	assert_int_equal(sin6->sin6_family, AF_INET6);

	/* A required port (control). */
	assert_int_equal(config_parse_sockaddr("127.0.0.1", 0, &sa), -1);
	assert_int_equal(config_parse_sockaddr("[::1]", 0, &sa), -1);
	assert_int_equal(config_parse_sockaddr("127.0.0.1:8053", 0, &sa), 0);

	assert_int_equal(config_parse_sockaddr("1.2.3.4:0", 53, &sa), -1);
	assert_int_equal(config_parse_sockaddr("1.2.3.4:65536", 53, &sa), -1);
	assert_int_equal(config_parse_sockaddr("1.2.3.4:", 53, &sa), -1);
	assert_int_equal(config_parse_sockaddr("1.2.3.4:x", 53, &sa), -1);
	assert_int_equal(config_parse_sockaddr("host.example:53", 53, &sa), -1);
	assert_int_equal(config_parse_sockaddr("[1.2.3.4]:53", 53, &sa), -1);
	assert_int_equal(config_parse_sockaddr("[::1]53", 53, &sa), -1);
	assert_int_equal(config_parse_sockaddr("[::1", 53, &sa), -1);
	assert_int_equal(config_parse_sockaddr("", 53, &sa), -1);
	assert_int_equal(config_parse_sockaddr("256.1.1.1", 53, &sa), -1);
}

static void test_prefix(void **state)
{
	struct config_prefix p;
	uint8_t a4[4], a6[16];
	(void)state;

	assert_int_equal(config_parse_prefix("10.0.0.0/8", &p), 0);
	assert_int_equal(p.family, AF_INET);
	assert_int_equal(p.prefix, 8);
	assert_int_equal(p.addr[0], 10);
	inet_pton(AF_INET, "10.200.3.4", a4);
	assert_true(config_prefix_match(&p, AF_INET, a4));
	inet_pton(AF_INET, "11.0.0.0", a4);
	assert_false(config_prefix_match(&p, AF_INET, a4));

	assert_int_equal(config_parse_prefix("192.0.2.128/25", &p), 0);
	inet_pton(AF_INET, "192.0.2.200", a4);
	assert_true(config_prefix_match(&p, AF_INET, a4));
	inet_pton(AF_INET, "192.0.2.127", a4);
	assert_false(config_prefix_match(&p, AF_INET, a4));

	assert_int_equal(config_parse_prefix("2001:db8::/32", &p), 0);
	assert_int_equal(p.family, AF_INET6);
	assert_int_equal(p.prefix, 32);
	inet_pton(AF_INET6, "2001:db8:ffff::1", a6);
	assert_true(config_prefix_match(&p, AF_INET6, a6));
	inet_pton(AF_INET6, "2001:db9::1", a6);
	assert_false(config_prefix_match(&p, AF_INET6, a6));
	/* Families never match each other. */
	assert_false(config_prefix_match(&p, AF_INET, a4));

	/* A bare address is a host route. */
	assert_int_equal(config_parse_prefix("::1", &p), 0);
	assert_int_equal(p.prefix, 128);
	assert_int_equal(config_parse_prefix("192.0.2.7", &p), 0);
	assert_int_equal(p.prefix, 32);
	/* /0 matches everything of its family. */
	assert_int_equal(config_parse_prefix("0.0.0.0/0", &p), 0);
	inet_pton(AF_INET, "203.0.113.9", a4);
	assert_true(config_prefix_match(&p, AF_INET, a4));

	/* Host bits beyond the prefix are a mistake, not a wider net. */
	assert_int_equal(config_parse_prefix("10.1.0.0/8", &p), -1);
	assert_int_equal(config_parse_prefix("2001:db8::1/64", &p), -1);
	assert_int_equal(config_parse_prefix("10.0.0.0/33", &p), -1);
	assert_int_equal(config_parse_prefix("::/129", &p), -1);
	assert_int_equal(config_parse_prefix("10.0.0.0/", &p), -1);
	assert_int_equal(config_parse_prefix("10.0.0.0/-1", &p), -1);
	assert_int_equal(config_parse_prefix("/8", &p), -1);
	assert_int_equal(config_parse_prefix("ten/8", &p), -1);
}

static void test_defaults(void **state)
{
	struct fixture *f = *state;
	expect_ok(f, "; nothing but a comment\n");
	const struct config *c = f->cfg;
	const struct config_server *s = &c->server;

	assert_int_equal(s->nlisten, 2);
	assert_string_equal(s->listen[0].text, "0.0.0.0:53");
	assert_int_equal(s->listen[0].ss.ss_family, AF_INET);
	assert_string_equal(s->listen[1].text, "[::]:53");
	assert_int_equal(s->listen[1].ss.ss_family, AF_INET6);
	assert_int_equal(s->threads, 0);
	assert_int_equal(s->udp_payload, 1232);
	assert_int_equal(s->tcp_idle_timeout_ms, 10000);
	assert_int_equal(s->tcp_max_clients, 1024);
	assert_true(s->ecs);
	assert_null(s->geoip);
	assert_false(s->has_control);
	assert_null(s->user);
	assert_int_equal(s->log_level, LOG_LEVEL_INFO);
	assert_int_equal(s->rrl, 0);
	assert_int_equal(s->rrl_slip, 2);
	assert_int_equal(s->nexplain, 2);
	assert_int_equal(s->explain[0].family, AF_INET);
	assert_int_equal(s->explain[0].prefix, 8);
	assert_int_equal(s->explain[0].addr[0], 127);
	assert_int_equal(s->explain[1].family, AF_INET6);
	assert_int_equal(s->explain[1].prefix, 128);

	/* No zone is fine: it serves nothing. */
	assert_int_equal(c->nzones, 0);
	assert_int_equal(c->nclusters, 0);
	assert_int_equal(c->nrecords, 0);
	assert_int_equal(c->nnetworks, 0);

	/* The built-in check profile. */
	assert_int_equal(c->nchecks, 1);
	const struct config_check *k = &c->checks[0];
	assert_string_equal(k->name, "default");
	assert_int_equal(k->line, 0);
	assert_int_equal(k->type, CHECK_HTTP);
	assert_int_equal(k->port, 80);
	assert_string_equal(k->path, "/health");
	assert_null(k->host);
	assert_true(config_check_expects(k, 200));
	assert_false(config_check_expects(k, 204));
	assert_false(config_check_expects(k, 1000));
	assert_null(k->body);
	assert_int_equal(k->interval_ms, 5000);
	assert_int_equal(k->timeout_ms, 2000);
	assert_int_equal(k->rise, 2);
	assert_int_equal(k->fall, 3);
	assert_true(k->verify_tls);
	assert_null(k->ca_file);
	assert_string_equal(c->path, f->path);
	assert_string_equal(c->dir, f->dir);
}

static void test_cluster_record_defaults(void **state)
{
	struct fixture *f = *state;
	expect_ok(f, BASE "[record www.example.com]\nclusters = eu\n");
	const struct config *c = f->cfg;
	assert_int_equal(c->nclusters, 1);
	const struct config_cluster *cl = &c->clusters[0];
	assert_ptr_equal(cl->check, &c->checks[0]);
	assert_int_equal(cl->min_healthy, 1);
	assert_int_equal(cl->nmembers, 1);
	assert_int_equal(cl->members[0].weight, 1);
	const struct config_record *r = &c->records[0];
	assert_int_equal(r->policy, LB_POLICY_GEO);
	assert_int_equal(r->ttl, 30);
	assert_int_equal(r->answers, 1);
	assert_int_equal(r->all_down, LB_ALL_DOWN_SERVE);
	assert_int_equal(r->line, 7);
}

/* A PEM file in the fixture's folder; the caller unlinks it. */
static void write_file(const struct fixture *f, const char *name,
                       const char *text)
{
	char path[160];
	snprintf(path, sizeof(path), "%s/%s", f->dir, name);
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	assert_true(fputs(text, fp) >= 0);
	assert_int_equal(fclose(fp), 0);
}

static void unlink_file(const struct fixture *f, const char *name)
{
	char path[160];
	snprintf(path, sizeof(path), "%s/%s", f->dir, name);
	unlink(path);
}

#define PEM "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"

static void test_full(void **state)
{
	struct fixture *f = *state;
	write_file(f, "ca.pem", PEM);
	expect_ok(f, "# a full configuration\n"
	             "[server]\n"
	             "listen = 127.0.0.1:5353, [::1]:5353 ; loopback only\n"
	             "listen = 192.0.2.53\n"
	             "threads = 4\n"
	             "udp_payload = 4096\n"
	             "tcp_idle_timeout = 1500ms\n"
	             "tcp_max_clients = 10\n"
	             "ecs = off\n"
	             "geoip = /var/lib/GeoIP/GeoLite2-City.mmdb\n"
	             "control = [::1]:8053\n"
	             "user = dnsd\n"
	             "log_level = debug\n"
	             "rrl = 100\n"
	             "rrl_slip = 0\n"
	             "explain = none\n"
	             "\n"
	             "[zone Example.COM]\n"
	             "file = /etc/dnsd/example.com.zone\n"
	             "[zone sub.example.com]\n" /* 20 */
	             "file = sub.zone\n"
	             "[check web]\n"
	             "type = https\n"
	             "path = /ping?x=1\n"
	             "host = www.example.com\n"
	             "expect = 200, 204, 3xx\n"
	             "body = OK\n"
	             "interval = 1m\n"
	             "timeout = 500ms\n"
	             "rise = 1\n" /* 30 */
	             "fall = 5\n"
	             "verify_tls = no\n"
	             "ca_file = ca.pem\n"
	             "[check tcp80]\n"
	             "type = tcp\n"
	             "port = 8080\n"
	             "[cluster eu-west]\n"
	             "location = 53.35, -6.26\n"
	             "member = 198.51.100.10 weight=3\n"
	             "member = 2001:db8::10 weight=0\n" /* 40 */
	             "member = [2001:db8::11]\n"
	             "check = web\n"
	             "min_healthy = 2\n"
	             "[cluster us-east]\n"
	             "location = 38.9, -77.0\n"
	             "member = 203.0.113.5\n"
	             "check = none\n"
	             "[cluster lab]\n"
	             "member = 192.0.2.99\n"
	             "check = tcp80\n" /* 50 */
	             "[record www.example.com]\n"
	             "clusters = eu-west, us-east\n"
	             "[record api.sub.example.com]\n"
	             "policy = failover\n"
	             "clusters = lab, eu-west\n"
	             "ttl = 0\n"
	             "answers = 8\n"
	             "all_down = servfail\n"
	             "[record W.Example.com]\n"
	             "policy = weighted\n" /* 60 */
	             "clusters = lab\n"
	             "all_down = nodata\n"
	             "[networks]\n"
	             "10.0.0.0/8 = us-east\n"
	             "2001:db8:1::/48 = eu-west\n"
	             "192.0.2.0/24 = 48.85, 2.35\n");
	const struct config *c = f->cfg;
	const struct config_server *s = &c->server;

	assert_int_equal(s->nlisten, 3);
	assert_string_equal(s->listen[0].text, "127.0.0.1:5353");
	assert_int_equal(s->listen[0].line, 3);
	assert_string_equal(s->listen[1].text, "[::1]:5353");
	assert_string_equal(s->listen[2].text, "192.0.2.53");
	assert_int_equal(s->listen[2].line, 4);
	assert_int_equal(s->threads, 4);
	assert_int_equal(s->udp_payload, 4096);
	assert_int_equal(s->tcp_idle_timeout_ms, 1500);
	assert_int_equal(s->tcp_max_clients, 10);
	assert_false(s->ecs);
	assert_string_equal(s->geoip, "/var/lib/GeoIP/GeoLite2-City.mmdb");
	assert_int_equal(s->geoip_line, 10);
	assert_true(s->has_control);
	assert_string_equal(s->control.text, "[::1]:8053");
	assert_int_equal(s->control.line, 11);
	assert_string_equal(s->user, "dnsd");
	assert_int_equal(s->user_line, 12);
	assert_int_equal(s->log_level, LOG_LEVEL_DEBUG);
	assert_int_equal(s->rrl, 100);
	assert_int_equal(s->rrl_slip, 0);
	assert_int_equal(s->nexplain, 0);

	assert_int_equal(c->nzones, 2);
	assert_string_equal(c->zones[0].name, "Example.COM");
	assert_memory_equal(c->zones[0].dname,
	                    "\x07"
	                    "example\x03"
	                    "com",
	                    13);
	assert_int_equal(c->zones[0].dname_len, 13);
	assert_string_equal(c->zones[0].file, "/etc/dnsd/example.com.zone");
	assert_int_equal(c->zones[0].line, 18);
	assert_int_equal(c->zones[0].file_line, 19);
	assert_string_equal(c->zones[0].ini, f->path);
	char want[256];
	snprintf(want, sizeof(want), "%s/sub.zone", f->dir);
	assert_string_equal(c->zones[1].file, want);

	assert_int_equal(c->nchecks, 3);
	const struct config_check *web = &c->checks[1];
	assert_string_equal(web->name, "web");
	assert_int_equal(web->line, 22);
	assert_int_equal(web->type, CHECK_HTTPS);
	assert_int_equal(web->port, 443);
	assert_string_equal(web->path, "/ping?x=1");
	assert_string_equal(web->host, "www.example.com");
	assert_true(config_check_expects(web, 200));
	assert_true(config_check_expects(web, 204));
	assert_true(config_check_expects(web, 301));
	assert_true(config_check_expects(web, 399));
	assert_false(config_check_expects(web, 201));
	assert_false(config_check_expects(web, 404));
	assert_string_equal(web->body, "OK");
	assert_int_equal(web->interval_ms, 60000);
	assert_int_equal(web->timeout_ms, 500);
	assert_int_equal(web->rise, 1);
	assert_int_equal(web->fall, 5);
	assert_false(web->verify_tls);
	snprintf(want, sizeof(want), "%s/ca.pem", f->dir);
	assert_string_equal(web->ca_file, want);
	/* Read at load: the content is the configuration's own. */
	unlink_file(f, "ca.pem");
	assert_int_equal(web->ca_pem_len, strlen(PEM));
	assert_string_equal(web->ca_pem, PEM);
	const struct config_check *tcp = &c->checks[2];
	assert_int_equal(tcp->type, CHECK_TCP);
	assert_int_equal(tcp->port, 8080);

	assert_int_equal(c->nclusters, 3);
	const struct config_cluster *eu = &c->clusters[0];
	assert_string_equal(eu->name, "eu-west");
	assert_int_equal(eu->line, 37);
	assert_true(eu->has_location);
	assert_true(eu->lat > 53.34 && eu->lat < 53.36);
	assert_true(eu->lon < -6.25 && eu->lon > -6.27);
	assert_int_equal(eu->nmembers, 3);
	assert_int_equal(eu->members[0].family, AF_INET);
	assert_string_equal(eu->members[0].text, "198.51.100.10");
	assert_int_equal(eu->members[0].weight, 3);
	assert_int_equal(eu->members[0].line, 39);
	assert_int_equal(eu->members[1].family, AF_INET6);
	assert_string_equal(eu->members[1].text, "2001:db8::10");
	assert_int_equal(eu->members[1].weight, 0);
	assert_string_equal(eu->members[2].text, "2001:db8::11");
	assert_int_equal(eu->members[2].weight, 1);
	assert_ptr_equal(eu->check, web);
	assert_int_equal(eu->min_healthy, 2);
	assert_null(c->clusters[1].check);
	assert_ptr_equal(c->clusters[2].check, tcp);
	assert_false(c->clusters[2].has_location);

	assert_int_equal(c->nrecords, 3);
	const struct config_record *www = &c->records[0];
	assert_string_equal(www->name, "www.example.com");
	assert_int_equal(www->zone, 0);
	assert_int_equal(www->policy, LB_POLICY_GEO);
	assert_int_equal(www->nclusters, 2);
	assert_int_equal(www->clusters[0], 0);
	assert_int_equal(www->clusters[1], 1);
	const struct config_record *api = &c->records[1];
	/* The longest zone holding the name wins. */
	assert_int_equal(api->zone, 1);
	assert_int_equal(api->policy, LB_POLICY_FAILOVER);
	assert_int_equal(api->nclusters, 2);
	assert_int_equal(api->clusters[0], 2);
	assert_int_equal(api->clusters[1], 0);
	assert_int_equal(api->ttl, 0);
	assert_int_equal(api->answers, 8);
	assert_int_equal(api->all_down, LB_ALL_DOWN_SERVFAIL);
	const struct config_record *w = &c->records[2];
	assert_memory_equal(w->dname,
	                    "\x01w\x07"
	                    "example\x03"
	                    "com",
	                    15);
	assert_int_equal(w->zone, 0);
	assert_int_equal(w->policy, LB_POLICY_WEIGHTED);
	assert_int_equal(w->all_down, LB_ALL_DOWN_NODATA);

	assert_int_equal(c->nnetworks, 3);
	assert_true(c->networks[0].is_cluster);
	assert_int_equal(c->networks[0].cluster, 1);
	assert_int_equal(c->networks[0].net.prefix, 8);
	assert_int_equal(c->networks[0].line, 64);
	assert_int_equal(c->networks[1].net.family, AF_INET6);
	assert_int_equal(c->networks[1].net.prefix, 48);
	assert_int_equal(c->networks[1].cluster, 0);
	assert_false(c->networks[2].is_cluster);
	assert_true(c->networks[2].lat > 48.84 && c->networks[2].lat < 48.86);
	assert_true(c->networks[2].lon > 2.34 && c->networks[2].lon < 2.36);
}

static void test_syntax(void **state)
{
	struct fixture *f = *state;
	/* Indented keys, CRLF, tab before ';', '#' comments, a BOM. */
	expect_ok(f, "\xEF\xBB\xBF[server]\r\n"
	             "  threads = 3\t; three\r\n"
	             "\t# a comment\n"
	             "  ; another\n"
	             "  udp_payload = 600 ;x\n"
	             "\n"
	             "[ networks ]\n"
	             "  2001:db8::/32 = 1.5, 2.5\n");
	assert_int_equal(f->cfg->server.threads, 3);
	assert_int_equal(f->cfg->server.udp_payload, 600);
	assert_int_equal(f->cfg->nnetworks, 1);
	assert_int_equal(f->cfg->networks[0].line, 8);

	/* A ';' that follows no blank belongs to the value. */
	expect_ok(f, "[check a]\nbody = x;y\n");
	assert_string_equal(f->cfg->checks[1].body, "x;y");
}

static void test_check_rules(void **state)
{
	struct fixture *f = *state;
	expect_ok(f, "[check c]\nexpect = 2xx\ntype = https\nport = 8443\n");
	const struct config_check *k = &f->cfg->checks[1];
	assert_true(config_check_expects(k, 200));
	assert_true(config_check_expects(k, 299));
	assert_false(config_check_expects(k, 300));
	assert_false(config_check_expects(k, 199));
	assert_int_equal(k->port, 8443);

	/* [check default] changes the profile of clusters without a check. */
	expect_ok(f, BASE "[check default]\ninterval = 10s\npath = /up\n");
	assert_int_equal(f->cfg->nchecks, 1);
	assert_int_equal(f->cfg->checks[0].interval_ms, 10000);
	assert_string_equal(f->cfg->checks[0].path, "/up");
	assert_int_equal(f->cfg->checks[0].line, 7);
	assert_ptr_equal(f->cfg->clusters[0].check, &f->cfg->checks[0]);

	/* timeout must stay below interval: the later key is blamed. */
	expect_one(f, "[check c]\ntimeout = 5s\ninterval = 5s\n", 3,
	           "timeout 5s must be less than interval 5s in [check c]");
	expect_one(f, "[check c]\ninterval = 1s\ntimeout = 1500ms\n", 3,
	           "timeout 1500ms must be less than interval 1s");
	expect_one(f, "[check c]\ninterval = 1s\n", 2,
	           "timeout 2s must be less than interval 1s");
	expect_one(f, "[check c]\ntimeout = 6s\n", 2,
	           "timeout 6s must be less than interval 5s");
	expect_one(f, "[check c]\nexpect = 200, 700\n", 2,
	           "invalid expect \"200, 700\" in [check c]");
	expect_one(f, "[check c]\nexpect = 200,\n", 2, "empty item");
	expect_one(f, "[check c]\npath = health\n", 2, "must start with \"/\"");
	expect_one(f, "[check c]\ntype = udp\n", 2,
	           "invalid type \"udp\" in [check c]: must be one of http, "
	           "https, tcp");
	expect_one(f, "[check c]\nport = 0\n", 2,
	           "must be an integer from 1 to 65535");
	expect_one(f, "[check c]\ninterval = 10ms\n", 2,
	           "must be a duration from 100ms to 60m");
	expect_one(f, "[check none]\n", 1, "invalid check profile name");
	expect_one(f, "[check default]\n[check default]\n", 2,
	           "duplicate section [check default] (first at line 1)");
}

/* Issue 10: host is only ever a Host header (and the TLS name), so only a
 * host name or an address with an optional port is taken; anything a URL
 * parser would read as more (a user name, a path) is refused. */
static void test_check_host(void **state)
{
	struct fixture *f = *state;
	static const char *const good[] = {
	    "www.example.com",    "www.example.com:8080",
	    "localhost",          "a-b.c0",
	    "WWW.Example.COM",    "192.0.2.1",
	    "192.0.2.1:80",       "[2001:db8::1]",
	    "[2001:db8::1]:8443", "[::ffff:192.0.2.1]",
	};
	char text[512];
	for (size_t i = 0; i < DNSD_ARRAY_LEN(good); i++) {
		snprintf(text, sizeof(text), "[check c]\nhost = %s\n", good[i]);
		expect_ok(f, text);
		assert_string_equal(f->cfg->checks[1].host, good[i]);
	}
	struct config_host h;
	char why[256];
	assert_int_equal(
	    config_parse_host("www.example.com:8080", &h, why, sizeof(why)), 0);
	assert_string_equal(h.name, "www.example.com");
	assert_int_equal(h.family, 0);
	assert_int_equal(h.port, 8080);
	assert_int_equal(
	    config_parse_host("[2001:db8::1]", &h, why, sizeof(why)), 0);
	assert_string_equal(h.name, "2001:db8::1");
	assert_int_equal(h.family, AF_INET6);
	assert_int_equal(h.port, 0);
	assert_int_equal(config_parse_host("192.0.2.1:1", &h, why, sizeof(why)),
	                 0);
	assert_int_equal(h.family, AF_INET);
	assert_int_equal(h.port, 1);

	char longlabel[80], longname[300];
	memset(longlabel, 'a', 64);
	longlabel[64] = '\0';
	/* 4 x 63 + 3 dots = 255 > 253 */
	snprintf(longname, sizeof(longname), "%.63s.%.63s.%.63s.%.63s",
	         longlabel, longlabel, longlabel, longlabel);
	const char *const bad[] = {
	    "x@127.0.0.1", /* a user name, then another host */
	    "127.0.0.1/",  /* a path: port 80 of 127.0.0.1 */
	    "www.example.com/x",
	    "www.example.com?x",
	    "www.example.com#x",
	    "user:pw@www.example.com",
	    "%77ww.example.com",
	    "exa_mple.com",
	    "-www.example.com",
	    "www-.example.com",
	    "www..example.com",
	    "www.example.com.",
	    ".example.com",
	    "2001:db8::1",
	    "[2001:db8::1",
	    "[2001:db8::1]x",
	    "[192.0.2.1]",
	    "[]",
	    "1.2.3",      /* curl reads it as 1.2.0.3 */
	    "0x7f000001", /* ... and this as 127.0.0.1 */
	    "192.0.2.1.",
	    "www.example.com:",
	    "www.example.com:0",
	    "www.example.com:65536",
	    "www.example.com:80:80",
	    "www.example.com:+80",
	    ":80",
	    longlabel,
	};
	for (size_t i = 0; i < DNSD_ARRAY_LEN(bad); i++) {
		snprintf(text, sizeof(text), "[check c]\n\nhost = %s\n",
		         bad[i]);
		char needle[320];
		snprintf(needle, sizeof(needle), "invalid host \"%s\"", bad[i]);
		expect_one(f, text, 3, needle);
	}
	/* Longer than an INI line holds: the parser itself. */
	assert_int_equal(config_parse_host(longname, &h, why, sizeof(why)), -1);
	longname[253] = '\0'; /* 253 is the most a name may have */
	assert_int_equal(config_parse_host(longname, &h, why, sizeof(why)), 0);
	expect_one(f, "[check c]\nhost = x@127.0.0.1\n", 2,
	           "must be a host name (letters, digits and '-' in "
	           "dot-separated labels, the last starting with a letter), "
	           "an IPv4 address or an IPv6 address in brackets, with an "
	           "optional :PORT");
	expect_one(f, "[check c]\nhost = 2001:db8::1\n", 2,
	           "an IPv6 address must be in brackets");
	expect_one(f, "[check c]\nhost = a.example:99999\n", 2,
	           "the port must be an integer from 1 to 65535");
}

/* True when a warning "PATH:LINE: warning: ..." contains needle. */
static bool has_warning(const struct fixture *f, unsigned line,
                        const char *needle)
{
	char prefix[160];
	snprintf(prefix, sizeof(prefix), "%s:%u: warning: ", f->path, line);
	for (size_t i = 0; i < f->diag.nwarns; i++) {
		const char *m = f->diag.warns[i];
		if (m != NULL && strncmp(m, prefix, strlen(prefix)) == 0 &&
		    strstr(m, needle) != NULL)
			return true;
	}
	return false;
}

/* Issue 10: addresses no client can use as a server are refused; a
 * link-local one is said (a warning), not refused; an option twice is an
 * error. */
static void test_member_addresses(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *addr, *why;
	} bad[] = {
	    {"0.0.0.0", "0.0.0.0 is an unspecified address (0.0.0.0/8)"},
	    {"0.1.2.3", "0.1.2.3 is an unspecified address"},
	    {"::", ":: is the unspecified address"},
	    {"[::]", ":: is the unspecified address"},
	    {"255.255.255.255", "255.255.255.255 is the broadcast address"},
	    {"224.0.0.1", "224.0.0.1 is a multicast address (224.0.0.0/4)"},
	    {"239.255.255.255", "is a multicast address"},
	    {"ff02::1", "ff02::1 is a multicast address (ff00::/8)"},
	    {"ff05::1:3", "is a multicast address (ff00::/8)"},
	    {"::ffff:224.0.0.1", "::ffff:224.0.0.1 is a multicast address"},
	    {"::ffff:0.0.0.0", "is an unspecified address"},
	};
	char text[256];
	for (size_t i = 0; i < DNSD_ARRAY_LEN(bad); i++) {
		snprintf(text, sizeof(text),
		         "[cluster c]\nmember = 192.0.2.1\nmember = %s "
		         "weight=2\n",
		         bad[i].addr);
		expect_one(f, text, 3, bad[i].why);
		assert_error(f, 3, "which no client can use as a server");
	}
	/* Edges that stay good. */
	expect_ok(f, "[cluster c]\nmember = 1.0.0.0\nmember = 223.255.255.255\n"
	             "member = 240.0.0.1\nmember = 255.255.255.254\n"
	             "member = ::1\nmember = fec0::1\nmember = 127.0.0.1\n");
	assert_int_equal(f->diag.nwarns, 0);

	expect_ok(f, "[cluster c]\nmember = 192.0.2.1\n"
	             "member = 169.254.10.1\nmember = [fe80::1]\n"
	             "member = febf::1\nmember = fec0::2\n");
	assert_int_equal(f->cfg->clusters[0].nmembers, 5);
	assert_int_equal(f->diag.nwarns, 3);
	assert_true(has_warning(f, 3,
	                        "member 169.254.10.1 in [cluster c] is a "
	                        "link-local address"));
	assert_true(has_warning(f, 4, "member fe80::1 in [cluster c]"));
	assert_true(has_warning(f, 5, "member febf::1"));

	expect_one(f, "[cluster c]\nmember = 192.0.2.1 weight=2 weight=3\n", 2,
	           "weight= is given twice");
	expect_one(f, "[cluster c]\nmember = 192.0.2.1 weight=2 weight=2\n", 2,
	           "weight= is given twice");
}

/* Keys a check type never reads are warned about at their line; the
 * file stays good. */
static void test_check_keys_unused_by_type(void **state)
{
	struct fixture *f = *state;
	expect_ok(f, "[check t]\ntype = tcp\npath = /x\nhost = a.example\n"
	             "expect = 204\nbody = ok\nverify_tls = no\n");
	assert_int_equal(f->diag.nwarns, 5);
	assert_true(has_warning(f, 3,
	                        "path is ignored by a tcp check "
	                        "([check t])"));
	assert_true(has_warning(f, 4, "host is ignored by a tcp check"));
	assert_true(has_warning(f, 5, "expect is ignored by a tcp check"));
	assert_true(has_warning(f, 6, "body is ignored by a tcp check"));
	assert_true(has_warning(f, 7, "verify_tls is ignored by a tcp check"));
	expect_ok(f, "[check h]\ntype = http\nverify_tls = no\n");
	assert_int_equal(f->diag.nwarns, 1);
	assert_true(has_warning(f, 3, "verify_tls is ignored by a http check"));
	expect_ok(f, "[check s]\ntype = https\nverify_tls = no\npath = /h\n"
	             "host = a.example\nexpect = 2xx\nbody = ok\n");
	assert_int_equal(f->diag.nwarns, 0);
}

/* Issue 10: ca_file is read when the configuration is, so an unreadable
 * one is an error at its line, not a failing check after the privilege
 * drop. */
static void test_ca_file(void **state)
{
	struct fixture *f = *state;
	write_file(f, "ca.pem", PEM);
	expect_ok(f, "[check c]\ntype = https\nca_file = ca.pem\n");
	assert_string_equal(f->cfg->checks[1].ca_pem, PEM);
	uint64_t h1 = f->cfg->checks[1].ca_pem_hash;
	/* Each load reads it again (a reload sees new content). */
	write_file(f, "ca.pem", PEM PEM);
	expect_ok(f, "[check c]\ntype = https\nca_file = ca.pem\n");
	assert_int_equal(f->cfg->checks[1].ca_pem_len, 2 * strlen(PEM));
	assert_true(f->cfg->checks[1].ca_pem_hash != h1);
	unlink_file(f, "ca.pem");
	assert_int_equal(f->cfg->checks[1].ca_pem_len, 2 * strlen(PEM));

	expect_one(f, "[check c]\ntype = https\n\nca_file = ca.pem\n", 4,
	           "ca.pem: No such file or directory");
	assert_error(f, 4,
	             "invalid ca_file \"ca.pem\" in [check c]: cannot "
	             "read");
	write_file(f, "ca.pem", "not a certificate\n");
	expect_one(f, "[check c]\nca_file = ca.pem\n", 2,
	           "holds no PEM certificate");
	write_file(f, "ca.pem", "");
	expect_one(f, "[check c]\nca_file = ca.pem\n", 2,
	           "holds no PEM certificate");
	unlink_file(f, "ca.pem");
	expect_one(f, "[check c]\nca_file = /\n", 2, "/ is not a regular file");
	/* A FIFO would block a plain open until a writer came. */
	char fifo[160];
	snprintf(fifo, sizeof(fifo), "%s/ca.fifo", f->dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	expect_one(f, "[check c]\nca_file = ca.fifo\n", 2,
	           "ca.fifo is not a regular file");
	unlink(fifo);
	/* Unreadable to the loading user: run as root, mode 000 still
	 * reads, so this case is checked only for other users. */
	if (geteuid() != 0) {
		write_file(f, "ca.pem", PEM);
		char path[160];
		snprintf(path, sizeof(path), "%s/ca.pem", f->dir);
		assert_int_equal(chmod(path, 0), 0);
		expect_one(f, "[check c]\nca_file = ca.pem\n", 2,
		           "Permission denied");
		unlink_file(f, "ca.pem");
	}
}

/* Issue 10: a path whose bytes the request could not carry as written. */
static void test_check_path(void **state)
{
	struct fixture *f = *state;
	expect_ok(f, "[check c]\npath = /h%23x?a=%C3%A9&b=1\n");
	expect_one(f, "[check c]\npath = /health#top\n", 2,
	           "must not hold '#' (a URL fragment is never sent");
	expect_one(f, "[check c]\npath = /sant\xc3\xa9\n", 2,
	           "must be ASCII (percent-encode other bytes");
	expect_one(f,
	           "[check c]\npath = /a\x01"
	           "b\n",
	           2, "must not hold blanks or control characters");
}

static void test_relative_paths(void **state)
{
	struct fixture *f = *state;
	char want[256];
	expect_ok(f, "[server]\ngeoip = geo/city.mmdb\n"
	             "[zone a.example]\nfile = ../zones/a.zone\n"
	             "[zone b.example]\nfile = /abs/b.zone\n");
	snprintf(want, sizeof(want), "%s/geo/city.mmdb", f->dir);
	assert_string_equal(f->cfg->server.geoip, want);
	snprintf(want, sizeof(want), "%s/../zones/a.zone", f->dir);
	assert_string_equal(f->cfg->zones[0].file, want);
	assert_string_equal(f->cfg->zones[1].file, "/abs/b.zone");
}

/* [server] dnstap, dnstap_identity, dnstap_version (SPEC 10). */
static void test_dnstap_keys(void **state)
{
	struct fixture *f = *state;
	char want[256];
	expect_ok(f, BASE);
	assert_int_equal(f->cfg->server.dnstap, CONFIG_DNSTAP_OFF);
	assert_null(f->cfg->server.dnstap_path);
	assert_null(f->cfg->server.dnstap_identity);
	assert_null(f->cfg->server.dnstap_version);
	expect_ok(f, "[server]\ndnstap = unix:tap.sock\n"
	             "dnstap_identity = ns1\ndnstap_version = v2\n" BASE);
	assert_int_equal(f->cfg->server.dnstap, CONFIG_DNSTAP_UNIX);
	snprintf(want, sizeof(want), "%s/tap.sock", f->dir);
	assert_string_equal(f->cfg->server.dnstap_path, want);
	assert_string_equal(f->cfg->server.dnstap_identity, "ns1");
	assert_string_equal(f->cfg->server.dnstap_version, "v2");
	expect_ok(f, "[server]\ndnstap = file:/var/log/q.dnstap\n" BASE);
	assert_int_equal(f->cfg->server.dnstap, CONFIG_DNSTAP_FILE);
	assert_string_equal(f->cfg->server.dnstap_path, "/var/log/q.dnstap");
	expect_ok(f, "[server]\ndnstap = none\n" BASE);
	assert_int_equal(f->cfg->server.dnstap, CONFIG_DNSTAP_OFF);
	expect_one(f, "[server]\nlisten = 127.0.0.1:53\ndnstap = tcp:1\n" BASE,
	           3, "must be unix:PATH, file:PATH or none");
	expect_one(f, "[server]\ndnstap = file:\n" BASE, 2, "has no path");
	expect_one(f,
	           "[server]\ndnstap = unix:/run/"
	           "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	           "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	           "\n" BASE,
	           2, "longer than a unix socket's 107");
}

/* SPEC 9: key and publish, repeatable; the .key/.private suffix is
 * dropped and the path resolved; a key named twice is an error at the
 * second line. The key files themselves are read with the zone. */
static void test_zone_keys(void **state)
{
	struct fixture *f = *state;
	char want[256];
	expect_ok(f, "[zone example.com]\nfile = z\n");
	assert_int_equal(f->cfg->zones[0].nkeys, 0);
	expect_ok(f, "[zone example.com]\nfile = z\n"
	             "key = keys/Kexample.com.+013+1.key\n"
	             "key = /k/Kexample.com.+013+2.private\n"
	             "publish = Kexample.com.+015+3\n");
	const struct config_zone *z = &f->cfg->zones[0];
	assert_int_equal(z->nkeys, 3);
	snprintf(want, sizeof(want), "%s/keys/Kexample.com.+013+1", f->dir);
	assert_string_equal(z->keys[0].path, want);
	assert_false(z->keys[0].publish);
	assert_int_equal(z->keys[0].line, 3);
	assert_string_equal(z->keys[1].path, "/k/Kexample.com.+013+2");
	assert_true(z->keys[2].publish);
	assert_int_equal(z->keys[2].line, 5);
	expect_one(f,
	           "[zone example.com]\nfile = z\nkey = /k/K1.key\n"
	           "publish = /k/K1\n",
	           4, "already in this zone (line 3)");
}

/* One test per error class, each with the line it must name. */
static void test_errors_sections(void **state)
{
	struct fixture *f = *state;
	expect_one(f, "[server]\n[servr]\nthreads = 1\n", 2,
	           "unknown section [servr]");
	expect_one(f, "threads = 1\n", 1,
	           "key \"threads\" is outside any section");
	expect_one(f, "[server]\n\n[server]\n", 3,
	           "duplicate section [server] (first at line 1)");
	/* Keys of a duplicate [server] are still checked. */
	assert_int_equal(load(f, "[server]\n[server]\nlisen = 1\n"), -1);
	assert_int_equal(f->diag.count, 2);
	assert_error(f, 3, "unknown key \"lisen\" in [server]");
	expect_one(f, "[networks]\n[networks]\n", 2,
	           "duplicate section [networks] (first at line 1)");
	expect_one(f,
	           "[zone a.example]\nfile = a\n[zone A.example.]\nfile = b\n",
	           3, "duplicate section [zone A.example.] (first at line 1)");
	expect_one(f, "[check x]\n[check x]\n", 2,
	           "duplicate section [check x] (first at line 1)");
	expect_one(f, BASE "[cluster eu]\nmember = 192.0.2.2\n", 7,
	           "duplicate section [cluster eu] (first at line 3)");
	expect_one(f,
	           BASE "[record www.example.com]\nclusters = eu\n"
	                "[record WWW.example.com.]\nclusters = eu\n",
	           9, "duplicate section [record WWW.example.com.] (first");
	expect_one(f, "[zone]\n", 1, "section [zone] needs a name");
	expect_one(f, "[server main]\n", 1, "section [server] takes no name");
	expect_one(f, "[server\n", 1, "has no closing ']'");
	expect_one(f, "[zone exa..mple]\nfile = x\n", 1,
	           "invalid zone name \"exa..mple\"");
	expect_one(f, "[cluster eu/west]\nmember = 192.0.2.1\n", 1,
	           "invalid cluster name \"eu/west\"");
	expect_one(f, "[zone a.example]\n", 1,
	           "[zone a.example] has no file key");
	expect_one(f, "[cluster c]\nlocation = 1, 2\n", 1,
	           "[cluster c] has no member key");
}

static void test_errors_keys(void **state)
{
	struct fixture *f = *state;
	expect_one(f, "[server]\nlisen = 1.2.3.4\n", 2,
	           "unknown key \"lisen\" in [server]");
	expect_one(f, "[server]\nthreads = 1\nthreads = 2\n", 3,
	           "duplicate key \"threads\" in [server] (first at line 2)");
	expect_one(f, "[server]\nthreads =\n", 2,
	           "key \"threads\" in [server] has no value");
	expect_one(f, "[server]\njust words\n", 2, "expected KEY = VALUE");
	expect_one(f, "[server]\n= 3\n", 2, "no key before '='");
	expect_one(f, "[server]\nudp_payload = 9000\n", 2,
	           "invalid udp_payload \"9000\" in [server]: must be an "
	           "integer from 512 to 4096");
	expect_one(f, "[server]\nudp_payload = 511\n", 2, "from 512 to 4096");
	expect_one(f, "[server]\nthreads = -1\n", 2, "invalid threads \"-1\"");
	expect_one(f, "[server]\necs = maybe\n", 2,
	           "invalid ecs \"maybe\" in [server]: must be yes or no");
	expect_one(f, "[server]\ntcp_idle_timeout = 10x\n", 2,
	           "invalid tcp_idle_timeout \"10x\"");
	expect_one(f, "[server]\nlog_level = verbose\n", 2,
	           "must be error, warn, info or debug");
	expect_one(f, "[server]\ncontrol = 127.0.0.1\n", 2,
	           "invalid control \"127.0.0.1\" in [server]: must be "
	           "HOST:PORT");
	expect_one(f, "[server]\nlisten = 1.2.3.4:53, nowhere\n", 2,
	           "\"nowhere\" is not an address");
	expect_one(f, "[server]\nlisten = 1.2.3.4\nlisten = 1.2.3.4:53\n", 3,
	           "1.2.3.4:53 is listed twice");
	expect_one(f, "[server]\nexplain = 10.0.0.1/8\n", 2,
	           "10.0.0.1/8 has bits set beyond the prefix");
	expect_one(f, "[server]\nexplain = 10.0.0.0/8,, ::1\n", 2,
	           "empty item");

	/* A line longer than inih can hold is reported, not split. */
	char big[400];
	memset(big, 'x', sizeof(big));
	memcpy(big, "[server]\nuser = ", 16);
	memcpy(big + sizeof(big) - 2, "\n", 2);
	expect_one(f, big, 2, "line is too long");
}

static void test_errors_clusters(void **state)
{
	struct fixture *f = *state;
	expect_one(f, "[cluster c]\nmember = 192.0.2.1\nmember = 192.0.2.1\n",
	           3, "member 192.0.2.1 is already in this cluster (line 2)");
	expect_one(f,
	           "[cluster c]\nmember = 2001:db8::1\n"
	           "member = 2001:DB8:0::1 weight=2\n",
	           3, "already in this cluster");
	expect_one(f, "[cluster c]\nmember = 192.0.2.1 weight=1001\n", 2,
	           "weight must be an integer from 0 to 1000");
	expect_one(f, "[cluster c]\nmember = 192.0.2.1 wieght=3\n", 2,
	           "unknown option \"wieght=3\"");
	expect_one(f, "[cluster c]\nmember = www.example.com\n", 2,
	           "is not an IPv4 or IPv6 address");
	expect_one(f, "[cluster c]\nmember = 192.0.2.1\nlocation = 91, 0\n", 3,
	           "latitude must be from -90 to 90");
	expect_one(f, "[cluster c]\nmember = 192.0.2.1\nlocation = 0, 181\n", 3,
	           "longitude must be from -180 to 180");
	expect_one(f, "[cluster c]\nmember = 192.0.2.1\nlocation = 1 2\n", 3,
	           "must be LAT, LON");
	expect_one(f, "[cluster c]\nmember = 192.0.2.1\nlocation = a, 2\n", 3,
	           "latitude \"a\" is not a number");
	/* Issue 10: numbers a double cannot hold are not rounded to 0. */
	expect_one(f, "[cluster c]\nmember = 192.0.2.1\nlocation = 1e-400, 2\n",
	           3, "latitude \"1e-400\" is not a number");
	expect_one(f,
	           "[cluster c]\nmember = 192.0.2.1\nlocation = 1, -1e-999\n",
	           3, "longitude \"-1e-999\" is not a number");
	expect_one(f, "[cluster c]\nmember = 192.0.2.1\nlocation = 1e999, 2\n",
	           3, "latitude \"1e999\" is not a number");
	expect_one(f, "[cluster c]\nmember = 192.0.2.1\nmin_healthy = 0\n", 3,
	           "invalid min_healthy \"0\"");
	/* A reference names the line holding it. */
	expect_one(f, "[cluster c]\nmember = 192.0.2.1\n\ncheck = web\n", 4,
	           "unknown check profile \"web\" in [cluster c]");
	/* check = none means no probing. */
	expect_ok(f, "[cluster c]\nmember = 192.0.2.1\ncheck = none\n");
	assert_null(f->cfg->clusters[0].check);
}

static void test_errors_records(void **state)
{
	struct fixture *f = *state;
	expect_one(f, BASE "[record www.example.org]\nclusters = eu\n", 7,
	           "[record www.example.org] is not inside any configured "
	           "[zone]");
	expect_one(f, BASE "[record www.example.com]\nttl = 5\n", 7,
	           "[record www.example.com] has no clusters key");
	expect_one(f, BASE "[record www.example.com]\n\nclusters = eu, us\n", 9,
	           "unknown cluster \"us\" in [record www.example.com]");
	expect_one(f, BASE "[record www.example.com]\nclusters = eu, eu\n", 8,
	           "cluster \"eu\" is listed twice");
	expect_one(f,
	           BASE "[cluster x]\nmember = 192.0.2.9\n"
	                "[record www.example.com]\nclusters = eu, x\n",
	           10,
	           "cluster \"x\" in [record www.example.com] has no location");
	/* The same clusters are fine for a policy that needs no location. */
	expect_ok(f, BASE "[cluster x]\nmember = 192.0.2.9\n"
	                  "[record www.example.com]\nclusters = eu, x\n"
	                  "policy = failover\n");
	expect_one(f,
	           BASE "[record www.example.com]\nclusters = eu\n"
	                "policy = random\n",
	           9, "must be one of geo, weighted, failover");
	expect_one(f,
	           BASE "[record www.example.com]\nclusters = eu\n"
	                "ttl = 2147483648\n",
	           9, "must be an integer from 0 to 2147483647");
	expect_one(f,
	           BASE "[record www.example.com]\nclusters = eu\n"
	                "answers = 0\n",
	           9, "invalid answers \"0\"");
	expect_one(f,
	           BASE "[record www.example.com]\nclusters = eu\n"
	                "all_down = panic\n",
	           9, "must be one of serve, nodata, servfail");
	/* clusters may be repeated: the lines append in order, so a list
	 * longer than one INI line fits; each error names its own line. */
	expect_ok(f, BASE "[cluster x]\nmember = 192.0.2.9\n"
	                  "[record www.example.com]\nclusters = x\n"
	                  "clusters = eu\npolicy = failover\n");
	assert_int_equal(f->cfg->records[0].nclusters, 2);
	assert_int_equal(f->cfg->records[0].clusters[0], 1);
	assert_int_equal(f->cfg->records[0].clusters[1], 0);
	expect_one(f,
	           BASE "[record www.example.com]\nclusters = eu\n"
	                "clusters = us\n",
	           9, "unknown cluster \"us\" in [record www.example.com]");
	expect_one(f,
	           BASE "[record www.example.com]\nclusters = eu\n"
	                "clusters = eu\n",
	           9, "cluster \"eu\" is listed twice");
	/* Forward references work: the record comes before its zone and
	 * cluster. */
	expect_ok(f, "[record www.example.com]\nclusters = eu\n" BASE);
	assert_int_equal(f->cfg->records[0].clusters[0], 0);
}

static void test_errors_record_limits(void **state)
{
	struct fixture *f = *state;
	expect_one(f, BASE "[record *.example.com]\nclusters = eu\n", 7,
	           "record name \"*.example.com\" is a wildcard");
	/* 65 clusters, one past what a record may list; one-letter names
	 * keep the line under inih's length limit. */
	static const char names[] = "abcdefghijklmnopqrstuvwxyz"
	                            "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	char ini[4096];
	size_t n = (size_t)snprintf(ini, sizeof(ini),
	                            BASE "[record www.example.com]\n"
	                                 "clusters = eu");
	for (int i = 0; i < CONFIG_RECORD_MAX_CLUSTERS; i++)
		n += (size_t)snprintf(ini + n, sizeof(ini) - n, ",%c%s",
		                      names[i % 62], i < 62 ? "" : "x");
	snprintf(ini + n, sizeof(ini) - n, "\n");
	/* The names are undefined too; the limit is the error that counts. */
	assert_int_equal(load(f, ini), -1);
	assert_true(has_error(f, 8, "at most 64 clusters in one record"));
}

static void test_errors_networks(void **state)
{
	struct fixture *f = *state;
	expect_one(f, BASE "[networks]\n10.0.0.0/8 = eu\n10.1.0.0/8 = eu\n", 9,
	           "invalid network \"10.1.0.0/8\" in [networks]: bits are "
	           "set beyond the prefix");
	expect_one(f, BASE "[networks]\n10.0.0.0/8 = eu\n10.0.0.0/8 = 1, 2\n",
	           9,
	           "duplicate network 10.0.0.0/8 in [networks] (first at "
	           "line 8)");
	expect_one(f,
	           BASE "[networks]\n2001:db8::/32 = eu\n"
	                "2001:DB8::/32 = eu\n",
	           9, "duplicate network");
	expect_one(f, BASE "[networks]\n10.0.0.0/8 = asia\n", 8,
	           "unknown cluster \"asia\" in [networks]");
	expect_one(f, "[networks]\nnot-a-net = x\n", 2,
	           "invalid network \"not-a-net\"");
	expect_one(f, "[networks]\n10.0.0.0/8 = 100, 0\n", 2,
	           "latitude must be from -90 to 90");
}

/* Several mistakes: all of them come out of one load. */
static void test_many_errors(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(load(f, "[server]\n"                     /* 1 */
	                         "lisen = 0.0.0.0\n"              /* 2 */
	                         "threads = many\n"               /* 3 */
	                         "[zone example.com]\n"           /* 4 */
	                         "file = x.zone\n"                /* 5 */
	                         "file = y.zone\n"                /* 6 */
	                         "[cluster eu]\n"                 /* 7 */
	                         "member = 192.0.2.1 weight=-1\n" /* 8 */
	                         "check = strict\n"               /* 9 */
	                         "[record www.example.com]\n"     /* 10 */
	                         "clusters = eu, asia\n"          /* 11 */
	                         "[bogus]\n"                      /* 12 */
	                         "whatever = 1\n"                 /* 13 */
	                         "[networks]\n"                   /* 14 */
	                         "10.0.0.1/8 = eu\n"              /* 15 */
	                         "[record www.example.net]\n"     /* 16 */
	                         "clusters = eu\n"),              /* 17 */
	                 -1);
	assert_error(f, 2, "unknown key \"lisen\"");
	assert_error(f, 3, "invalid threads \"many\"");
	assert_error(f, 6, "duplicate key \"file\" in [zone example.com]");
	assert_error(f, 8, "weight must be");
	assert_error(f, 9, "unknown check profile \"strict\"");
	assert_error(f, 11, "unknown cluster \"asia\"");
	assert_error(f, 11,
	             "cluster \"eu\" in [record www.example.com] has "
	             "no location");
	assert_error(f, 12, "unknown section [bogus]");
	assert_error(f, 15, "bits are set beyond the prefix");
	assert_error(f, 16, "not inside any configured [zone]");
	assert_error(f, 17,
	             "cluster \"eu\" in [record www.example.net] has "
	             "no location");
	if (f->diag.count != 11)
		dump(f);
	assert_int_equal(f->diag.count, 11);
}

static void test_missing_file(void **state)
{
	struct fixture *f = *state;
	struct config *cfg = (struct config *)1;
	char path[160];
	snprintf(path, sizeof(path), "%s/nope.ini", f->dir);
	assert_int_equal(config_load(path, &cfg, &f->diag), -1);
	assert_null(cfg);
	assert_int_equal(f->diag.count, 1);
	assert_non_null(strstr(f->diag.msgs[0], "nope.ini: cannot open"));
}

/* The annotated reference and the quick start must both load as shipped
 * (tests run from the top of the tree). */
static void test_shipped_configs(void **state)
{
	static const char *const files[] = {"conf/dnsd.ini",
	                                    "conf/example.ini"};
	(void)state;
	for (size_t i = 0; i < DNSD_ARRAY_LEN(files); i++) {
		struct config *cfg = NULL;
		struct diag d;
		diag_init(&d);
		int r = config_load(files[i], &cfg, &d);
		if (r != 0)
			diag_print(&d);
		assert_int_equal(r, 0);
		assert_true(cfg->nzones > 0);
		assert_string_equal(cfg->dir, "conf");
		config_free(cfg);
		diag_free(&d);
	}
}

/* Fixture files under tests/data/config: a good one and a bad one. */
static void test_fixture_files(void **state)
{
	struct config *cfg = NULL;
	struct diag d;
	(void)state;
	diag_init(&d);
	assert_int_equal(config_load("tests/data/config/good.ini", &cfg, &d),
	                 0);
	assert_int_equal(cfg->nrecords, 2);
	assert_string_equal(cfg->zones[0].file,
	                    "tests/data/config/zones/example.com.zone");
	config_free(cfg);
	diag_free(&d);

	assert_int_equal(config_load("tests/data/config/bad.ini", &cfg, &d),
	                 -1);
	assert_null(cfg);
	assert_int_equal(d.count, 3);
	assert_string_equal(d.msgs[0], "tests/data/config/bad.ini:5: "
	                               "unknown key \"membr\" in [cluster eu]");
	assert_string_equal(d.msgs[1], "tests/data/config/bad.ini:4: "
	                               "[cluster eu] has no member key");
	assert_string_equal(d.msgs[2],
	                    "tests/data/config/bad.ini:8: unknown cluster "
	                    "\"us\" in [record www.example.com]");
	diag_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_duration),
	    cmocka_unit_test_setup_teardown(test_check_keys_unused_by_type,
	                                    setup, teardown),
	    cmocka_unit_test(test_bool),
	    cmocka_unit_test(test_sockaddr),
	    cmocka_unit_test(test_prefix),
	    cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cluster_record_defaults, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_full, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_syntax, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_check_rules, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_check_host, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_member_addresses, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_ca_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_check_path, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_zone_keys, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_relative_paths, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_dnstap_keys, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_errors_sections, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_errors_keys, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_errors_clusters, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_errors_records, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_errors_networks, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_many_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_errors_record_limits, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
	    cmocka_unit_test(test_shipped_configs),
	    cmocka_unit_test(test_fixture_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
