/* fuzz_ini.c - libFuzzer target for the INI loader (config.c over inih):
 * each input is written to one temporary file and loaded with config_load
 * and config_load_partial; errors must be reported, each as "PATH:...", and
 * a configuration that loads must hold what the rest of dnsd relies on. */
/* clang-format off */
/* fuzz-sources: dnsd/conf/config.c dnsd/conf/checks.c dnsd/conf/ini_reader.c dnsd/conf/parser.c dnsd/conf/schema.c dnsd/conf/setters.c dnsd/conf/values.c dnsd/base/arena.c dnsd/base/diag.c dnsd/dns/dname.c dnsd/base/log.c */
/* fuzz-libs: inih */
/* fuzz-max-len: 8192 */
/* clang-format on */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conf/config.h"
#include "base/diag.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Invariants hold in every build, NDEBUG or not. */
#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "fuzz_ini: %s:%d: CHECK(%s)\n",        \
			        __FILE__, __LINE__, #cond);                    \
			abort();                                               \
		}                                                              \
	} while (0)

/* One file for the whole run, rewritten per input: creating a file per
 * input would cost more than parsing it. */
static char ini_path[64];
static int ini_fd = -1;

static void remove_ini(void)
{
	if (ini_fd >= 0)
		unlink(ini_path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* tmpfs when there is one: a disk-backed /tmp makes the rewrite
	 * the slowest part of an execution. */
	const char *tmp = getenv("TMPDIR");
	if (tmp == NULL || *tmp == '\0' || strlen(tmp) > 32)
		tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(ini_path, sizeof(ini_path), "%s/dnsd-fuzz-XXXXXX.ini", tmp);
	ini_fd = mkstemps(ini_path, 4);
	CHECK(ini_fd >= 0);
	atexit(remove_ini);
	return 0;
}

static void write_input(const uint8_t *data, size_t size)
{
	CHECK(ftruncate(ini_fd, 0) == 0);
	size_t done = 0;
	while (done < size) {
		ssize_t n =
		    pwrite(ini_fd, data + done, size - done, (off_t)done);
		CHECK(n > 0);
		done += (size_t)n;
	}
}

/* Every message names the file first: "PATH:LINE: ..." or "PATH: ...". */
static void check_diag(const struct diag *d)
{
	size_t plen = strlen(ini_path);
	for (size_t i = 0; i < d->count && i < d->cap; i++) {
		const char *m = d->msgs[i];
		if (m == NULL)
			continue; /* strdup failed: counted, not kept */
		CHECK(strncmp(m, ini_path, plen) == 0);
		CHECK(m[plen] == ':');
	}
}

/* What the snapshot builder, the prober and lb.c take for granted. */
static void check_config(const struct config *c)
{
	CHECK(c->server.udp_payload >= 512 && c->server.udp_payload <= 4096);
	CHECK(c->server.nlisten >= 1);
	for (size_t i = 0; i < c->server.nlisten; i++) {
		const struct config_sockaddr *l = &c->server.listen[i];
		CHECK(l->ss.ss_family == AF_INET ||
		      l->ss.ss_family == AF_INET6);
		CHECK(l->len > 0 && l->len <= sizeof(l->ss));
	}
	for (size_t i = 0; i < c->server.nexplain; i++) {
		const struct config_prefix *p = &c->server.explain[i];
		CHECK(p->prefix <= (p->family == AF_INET ? 32u : 128u));
	}
	for (size_t i = 0; i < c->nzones; i++) {
		const struct config_zone *z = &c->zones[i];
		CHECK(z->file != NULL);
		CHECK(dname_check(z->dname, z->dname_len) >= 0);
	}
	CHECK(c->nchecks >= 1);
	for (size_t i = 0; i < c->nchecks; i++) {
		const struct config_check *k = &c->checks[i];
		CHECK(k->timeout_ms > 0 && k->timeout_ms < k->interval_ms);
		CHECK(k->rise >= 1 && k->fall >= 1);
		CHECK(k->path != NULL && k->path[0] == '/');
		/* Issue 10: nothing a URL parser could read as more than a
		 * host (a user name, a path), and a CA already in memory. */
		for (const char *q = k->path; *q != '\0'; q++)
			CHECK(*q > ' ' && *q < 0x7f && *q != '#');
		struct config_host h;
		char why[256];
		if (k->host != NULL)
			CHECK(config_parse_host(k->host, &h, why,
			                        sizeof(why)) == 0);
		CHECK((k->ca_file == NULL) == (k->ca_pem == NULL));
		if (k->ca_pem != NULL)
			CHECK(strlen(k->ca_pem) == k->ca_pem_len);
	}
	for (size_t i = 0; i < c->nclusters; i++) {
		const struct config_cluster *cl = &c->clusters[i];
		CHECK(cl->nmembers >= 1);
		for (size_t j = 0; j < cl->nmembers; j++) {
			const struct config_member *m = &cl->members[j];
			CHECK(m->family == AF_INET || m->family == AF_INET6);
			CHECK(m->weight <= 1000);
			CHECK(memchr(m->text, '\0', sizeof(m->text)) != NULL);
			/* Issue 10: never this host, broadcast or multicast. */
			const uint8_t *a = m->addr;
			if (m->family == AF_INET)
				CHECK(a[0] != 0 && (a[0] & 0xf0) != 224 &&
				      !(a[0] == 255 && a[1] == 255 &&
				        a[2] == 255 && a[3] == 255));
			else
				CHECK(a[0] != 0xff);
		}
		if (cl->has_location)
			CHECK(cl->lat >= -90 && cl->lat <= 90 &&
			      cl->lon >= -180 && cl->lon <= 180);
	}
	for (size_t i = 0; i < c->nrecords; i++) {
		const struct config_record *r = &c->records[i];
		CHECK(r->zone < c->nzones);
		CHECK(r->nclusters >= 1);
		CHECK(r->answers >= 1 && r->answers <= 64);
		CHECK(dname_check(r->dname, r->dname_len) >= 0);
		CHECK(dname_is_subdomain(r->dname, r->dname_len,
		                         c->zones[r->zone].dname,
		                         c->zones[r->zone].dname_len));
		for (size_t j = 0; j < r->nclusters; j++) {
			CHECK(r->clusters[j] < c->nclusters);
			if (r->policy == LB_POLICY_GEO)
				CHECK(c->clusters[r->clusters[j]].has_location);
		}
	}
	for (size_t i = 0; i < c->nnetworks; i++) {
		const struct config_network *n = &c->networks[i];
		CHECK(n->net.prefix <= (n->net.family == AF_INET ? 32u : 128u));
		if (n->is_cluster)
			CHECK(n->cluster < c->nclusters);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diag diag;
	struct config *cfg = NULL;

	write_input(data, size);

	diag_init(&diag);
	int rc = config_load(ini_path, &cfg, &diag);
	if (rc == 0) {
		CHECK(cfg != NULL && diag.count == 0);
		check_config(cfg);
	} else {
		CHECK(rc == -1 && cfg == NULL && diag.count >= 1);
	}
	check_diag(&diag);
	config_free(cfg);
	size_t errors = diag.count;
	diag_free(&diag);

	/* dnsd -t's variant: same verdict, same number of errors. */
	diag_init(&diag);
	cfg = NULL;
	int rc2 = config_load_partial(ini_path, &cfg, &diag);
	CHECK(rc2 == rc && diag.count == errors);
	if (rc2 == 0)
		CHECK(cfg != NULL);
	check_diag(&diag);
	config_free(cfg);
	diag_free(&diag);
	return 0;
}
