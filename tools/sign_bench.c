/* sign_bench.c - fresh DNSSEC signatures per second on one core: the
 * cost of an online signature that misses the signature cache. Builds the
 * snapshot of an INI file and signs an A RRset of one address, COUNT
 * times, with the first signing key of each signed zone.
 *   sign_bench -c FILE [-n COUNT] */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "dns/consts.h"
#include "dns/stats.h"
#include "dnssec/rrsig.h"
#include "snapshot/snapshot.h"

int main(int argc, char **argv)
{
	const char *cfg = NULL;
	long count = 20000;
	int opt;
	while ((opt = getopt(argc, argv, "c:n:")) != -1) {
		if (opt == 'c')
			cfg = optarg;
		else if (opt == 'n')
			count = atol(optarg);
		else
			return 2;
	}
	if (cfg == NULL) {
		fprintf(stderr, "usage: sign_bench -c FILE [-n COUNT]\n");
		return 2;
	}
	struct diag d;
	struct snapshot *s;
	diag_init(&d);
	if (snapshot_build(cfg, &s, &d) != 0) {
		diag_print(&d);
		return 1;
	}
	struct dnssec_scratch *scratch = malloc(sizeof(*scratch));
	if (scratch == NULL)
		return 1;
	static const uint8_t set[] = {0, 4, 192, 0, 2, 1};
	uint8_t sig[DNSSEC_RRSIG_MAX];
	for (size_t z = 0; z < s->nkeysets; z++) {
		const struct dnssec_keyset *ks = s->keysets[z];
		const struct dnssec_key *k = NULL;
		for (size_t i = 0; i < ks->nkeys && k == NULL; i++)
			if (dnssec_key_signs(ks, &ks->keys[i], DNS_TYPE_A))
				k = &ks->keys[i];
		if (k == NULL)
			continue;
		uint32_t now = (uint32_t)time(NULL);
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		long ok = 0;
		for (long i = 0; i < count; i++)
			ok += dnssec_rrsig_make(k, ks->apex, ks->apex_len,
			                        ks->apex, ks->apex_len,
			                        DNS_TYPE_A, 30, set, 1, now,
			                        now + 86400, scratch, sig) > 0;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		double sec = (double)(t1.tv_sec - t0.tv_sec) +
		             (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		printf("algorithm %u: %ld signatures in %.2f s, %.0f/s\n",
		       k->alg, ok, sec, (double)ok / sec);
	}
	free(scratch);
	snapshot_free(s);
	diag_free(&d);
	stats_registry_free();
	return 0;
}
