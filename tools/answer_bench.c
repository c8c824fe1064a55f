/* answer_bench.c - the answer path alone, without sockets: builds the
 * snapshot of an INI file and answers one query in a loop, to measure
 * instructions and time per answer_query (the user-space cost of the hot
 * path). Health: every member up (no probe thread).
 *   answer_bench -c FILE [-n COUNT] [-t TYPE] [-e ECS_V4_ADDR/PREFIX] [-C]
 *                [-D] NAME
 * -C gives the context an answer cache, as UDP workers have; -D sets the
 * DO bit (signed zones answer with RRSIGs, online ones from the worker's
 * signature cache, which the context always has, as workers do). */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "answer/answer.h"
#include "dns/dname.h"
#include "snapshot/snapshot.h"
#include "dns/stats.h"
#include "dns/wire.h"

/* A query: header, question, OPT (payload 1232) with an optional ECS. */
static size_t make_query(uint8_t *buf, const char *name, uint16_t type,
                         const char *ecs, bool do_bit)
{
	memset(buf, 0, 12);
	buf[1] = 0x42;
	buf[5] = 1;  /* QDCOUNT */
	buf[11] = 1; /* ARCOUNT */
	int n = dname_from_str(name, buf + 12);
	if (n < 0)
		return 0;
	size_t p = 12 + (size_t)n;
	wire_put_u16(buf + p, type);
	wire_put_u16(buf + p + 2, 1);
	p += 4;
	buf[p++] = 0;
	wire_put_u16(buf + p, 41);
	wire_put_u16(buf + p + 2, 1232);
	memset(buf + p + 4, 0, 4);
	if (do_bit)
		buf[p + 6] = 0x80; /* DO: the high bit of the EDNS flags */
	size_t rdlen_at = p + 8;
	p += 10;
	if (ecs != NULL) {
		char a[64];
		snprintf(a, sizeof(a), "%s", ecs);
		char *slash = strchr(a, '/');
		unsigned prefix = slash ? (unsigned)atoi(slash + 1) : 24;
		if (slash)
			*slash = '\0';
		uint8_t addr[4];
		if (inet_pton(AF_INET, a, addr) != 1 || prefix > 32)
			return 0;
		unsigned alen = (prefix + 7) / 8;
		wire_put_u16(buf + p, 8);
		wire_put_u16(buf + p + 2, (uint16_t)(4 + alen));
		wire_put_u16(buf + p + 4, 1);
		buf[p + 6] = (uint8_t)prefix;
		buf[p + 7] = 0;
		memcpy(buf + p + 8, addr, alen);
		p += 8 + alen;
	}
	wire_put_u16(buf + rdlen_at, (uint16_t)(p - rdlen_at - 2));
	return p;
}

int main(int argc, char **argv)
{
	const char *cfg = NULL, *ecs = NULL, *tname = "A";
	long count = 1000000;
	bool use_cache = false, do_bit = false;
	int opt;
	while ((opt = getopt(argc, argv, "c:n:t:e:CD")) != -1) {
		switch (opt) {
		case 'D':
			do_bit = true;
			break;
		case 'C':
			use_cache = true;
			break;
		case 'c':
			cfg = optarg;
			break;
		case 'n':
			count = atol(optarg);
			break;
		case 't':
			tname = optarg;
			break;
		case 'e':
			ecs = optarg;
			break;
		default:
			return 2;
		}
	}
	if (cfg == NULL || optind + 1 != argc) {
		fprintf(stderr, "usage: answer_bench -c FILE [-n COUNT] "
		                "[-t A|AAAA|TXT|MX] [-e ECS] [-C] [-D] NAME\n");
		return 2;
	}
	uint16_t type = strcmp(tname, "AAAA") == 0  ? 28
	                : strcmp(tname, "TXT") == 0 ? 16
	                : strcmp(tname, "MX") == 0  ? 15
	                                            : 1;
	struct diag d;
	struct snapshot *s;
	diag_init(&d);
	if (snapshot_build(cfg, &s, &d) != 0) {
		diag_print(&d);
		return 1;
	}
	/* Every probed member up: this measures answering, not probing. */
	for (uint32_t i = 0; i < s->probes.n; i++)
		atomic_store(&s->probes.up[i], 1);
	static struct stats st;
	struct answer_ctx ctx;
	answer_ctx_init(&ctx, &st, 42);
	ctx.signer = dnssec_signer_new();
	if (ctx.signer == NULL)
		return 1;
	if (use_cache) {
		ctx.cache = calloc(1, sizeof(*ctx.cache));
		if (ctx.cache == NULL)
			return 1;
	}
	uint8_t q[512], r[4096];
	size_t qlen = make_query(q, argv[optind], type, ecs, do_bit);
	struct sockaddr_in src = {.sin_family = AF_INET};
	inet_pton(AF_INET, "127.0.0.1", &src.sin_addr);
	if (qlen == 0) {
		dnssec_signer_free(ctx.signer);
		free(ctx.cache);
		snapshot_free(s);
		return 2;
	}
	struct timespec t0, t1;
	size_t total = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < count; i++)
		total += answer_query(&ctx, s, q, qlen, r, sizeof(r), false,
		                      (const struct sockaddr *)&src);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ns = (double)(t1.tv_sec - t0.tv_sec) * 1e9 +
	            (double)(t1.tv_nsec - t0.tv_nsec);
	printf("%ld queries, %.1f ns/query, %.1f bytes/response\n", count,
	       ns / (double)count, (double)total / (double)count);
	if (ctx.signer->signatures > 0)
		printf("%llu fresh signatures, %llu signature cache hits\n",
		       (unsigned long long)ctx.signer->signatures,
		       (unsigned long long)ctx.signer->hits);
	dnssec_signer_free(ctx.signer);
	free(ctx.cache);
	snapshot_free(s);
	diag_free(&d);
	stats_registry_free();
	return 0;
}
