/* test_dnssec.c - keys, canonical form and RRSIGs (dnsd/dnssec/), checked
 * against ldns both ways: our signatures verify with ldns_verify_rrsig,
 * and those ldns-signzone made (tests/data/dnssec/example.com.signed*)
 * verify with ours. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "dns/consts.h"
#include "dns/dname.h"
#include "dns/wire.h"
#include "dnssec/canon.h"
#include "dnssec/crypto.h"
#include "dnssec/keys.h"
#include "dnssec/nsec.h"
#include "dnssec/online.h"
#include "dnssec/rrsig.h"

#define KSK13      "Kexample.com.+013+57462"
#define ZSK13      "Kexample.com.+013+47624"
#define KSK15      "Kexample.com.+015+02099"
#define RSA8       "Kexample.com.+008+60644"
#define NET13      "Kexample.net.+013+20494"
#define ZSK13B     "Kexample.com.+013+40975"
#define ZSK13B_TAG 40975

static struct dnssec_scratch *scratch;

static const char *data_dir(void)
{
	static char dir[PATH_MAX + 32];
	if (dir[0] != '\0')
		return dir;
	if (access("tests/data/dnssec", R_OK) == 0) {
		snprintf(dir, sizeof(dir), "tests/data/dnssec");
		return dir;
	}
	char root[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", root, sizeof(root) - 1);
	assert_true(n > 0);
	root[n] = '\0';
	for (int up = 0; up < 8; up++) {
		char *slash = strrchr(root, '/');
		if (slash == NULL || slash == root)
			break;
		*slash = '\0';
		snprintf(dir, sizeof(dir), "%s/tests/data/dnssec", root);
		if (access(dir, R_OK) == 0)
			return dir;
	}
	fail_msg("tests/data/dnssec not found");
	return NULL;
}

struct keyload {
	struct config_zone cz;
	struct config_zone_key keys[4];
	char paths[4][PATH_MAX];
	struct diag diag;
	struct dnssec_keyset *ks;
	int ret;
};

/* Load the key pairs names (NULL-terminated; a leading '+' = publish) for
 * zone. */
static struct keyload *load_keys(const char *zone, const char *const *names)
{
	struct keyload *l = calloc(1, sizeof(*l));
	assert_non_null(l);
	l->cz.name = zone;
	int n = dname_from_str(zone, l->cz.dname);
	assert_true(n > 0);
	l->cz.dname_len = (size_t)n;
	l->cz.ini = "test.ini";
	for (size_t i = 0; names[i] != NULL; i++) {
		const char *nm = names[i];
		l->keys[i].publish = nm[0] == '+';
		if (nm[0] == '+')
			nm++;
		if (nm[0] == '/')
			snprintf(l->paths[i], PATH_MAX, "%s", nm);
		else
			snprintf(l->paths[i], PATH_MAX, "%s/%s", data_dir(),
			         nm);
		l->keys[i].path = l->paths[i];
		l->keys[i].line = (unsigned)(10 + i);
		l->cz.nkeys++;
	}
	l->cz.keys = l->keys;
	diag_init(&l->diag);
	l->ret = dnssec_keys_load(&l->cz, &l->ks, &l->diag);
	return l;
}

static void keyload_free(struct keyload *l)
{
	dnssec_keys_free(l->ks);
	diag_free(&l->diag);
	free(l);
}

static bool diag_has(const struct diag *d, const char *needle)
{
	for (size_t i = 0; i < d->count; i++)
		if (d->msgs[i] != NULL && strstr(d->msgs[i], needle) != NULL)
			return true;
	return false;
}

static void test_keys_load(void **state)
{
	(void)state;
	const char *names[] = {KSK13, ZSK13, "+" ZSK13B, NULL};
	struct keyload *l = load_keys("Example.COM", names);
	assert_int_equal(l->ret, 0);
	assert_non_null(l->ks);
	assert_int_equal(l->ks->nkeys, 3);
	assert_true(l->ks->has_zsk);
	assert_int_equal(l->ks->keys[0].flags, 257);
	assert_int_equal(l->ks->keys[0].tag, 57462);
	assert_int_equal(l->ks->keys[1].flags, 256);
	assert_int_equal(l->ks->keys[1].tag, 47624);
	assert_int_equal(l->ks->keys[2].tag, ZSK13B_TAG);
	assert_false(l->ks->keys[2].sign);
	assert_null(l->ks->keys[2].pkey);
	/* The signer name is the apex in lower case. */
	assert_memory_equal(l->ks->apex, "\7example\3com", 13);
	/* KSK signs the apex keys only, since there is a ZSK. */
	assert_true(dnssec_key_signs(l->ks, &l->ks->keys[0], DNS_TYPE_DNSKEY));
	assert_false(dnssec_key_signs(l->ks, &l->ks->keys[0], DNS_TYPE_A));
	assert_true(dnssec_key_signs(l->ks, &l->ks->keys[1], DNS_TYPE_A));
	assert_false(dnssec_key_signs(l->ks, &l->ks->keys[1], DNS_TYPE_CDS));
	assert_false(dnssec_key_signs(l->ks, &l->ks->keys[2], DNS_TYPE_A));
	keyload_free(l);
}

/* RFC 4034 appendix B, against ldns's own computation and the tags
 * ldns-keygen put in the file names. */
static void test_keytag(void **state)
{
	(void)state;
	const char *names[] = {KSK13, ZSK13, ZSK13B, NULL};
	struct keyload *l = load_keys("example.com", names);
	assert_int_equal(l->ret, 0);
	for (size_t i = 0; i < l->ks->nkeys; i++) {
		const struct dnssec_key *k = &l->ks->keys[i];
		assert_int_equal(ldns_calc_keytag_raw(k->rdata, k->rdlen),
		                 k->tag);
		assert_int_equal(dnssec_keytag(k->rdata, k->rdlen), k->tag);
	}
	keyload_free(l);
}

static void test_keys_errors(void **state)
{
	(void)state;
	const char *rsa[] = {RSA8, NULL};
	struct keyload *l = load_keys("example.com", rsa);
	assert_int_equal(l->ret, -1);
	assert_true(diag_has(&l->diag, "test.ini:10: "));
	assert_true(diag_has(&l->diag, "algorithm 8 is not supported"));
	keyload_free(l);

	const char *net[] = {NET13, NULL};
	l = load_keys("example.com", net);
	assert_int_equal(l->ret, -1);
	assert_true(diag_has(&l->diag, "is a key for example.net."));
	keyload_free(l);

	/* RFC 4035 2.2: one algorithm per zone. */
	const char *mixed[] = {KSK13, "+" KSK15, NULL};
	l = load_keys("example.com", mixed);
	assert_int_equal(l->ret, -1);
	assert_true(diag_has(&l->diag, "test.ini:11: "));
	assert_true(diag_has(&l->diag, "one algorithm per zone"));
	keyload_free(l);
	const char *zsk_only[] = {"+" KSK13, ZSK13, NULL};
	l = load_keys("example.com", zsk_only);
	assert_int_equal(l->ret, -1);
	assert_true(diag_has(&l->diag, "test.ini:11: "));
	assert_true(diag_has(&l->diag, "but no KSK"));
	keyload_free(l);

	/* A .key without its .private: unreadable private key. */
	char dir[] = "/tmp/test_dnssec_XXXXXX";
	assert_non_null(mkdtemp(dir));
	char src[PATH_MAX], dst[PATH_MAX + 64], cmd[3 * PATH_MAX];
	snprintf(src, sizeof(src), "%s/%s.key", data_dir(), KSK13);
	snprintf(dst, sizeof(dst), "%s/K", dir);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s.key'", src, dst);
	assert_int_equal(system(cmd), 0);
	const char *nopriv[] = {dst, NULL};
	l = load_keys("example.com", nopriv);
	assert_int_equal(l->ret, -1);
	assert_true(diag_has(&l->diag, ".private"));
	keyload_free(l);
	/* ... and a .private of another key pair. */
	snprintf(cmd, sizeof(cmd), "cp '%s/%s.private' '%s.private'",
	         data_dir(), ZSK13, dst);
	assert_int_equal(system(cmd), 0);
	l = load_keys("example.com", nopriv);
	assert_int_equal(l->ret, -1);
	assert_true(diag_has(&l->diag, "does not match"));
	keyload_free(l);
	snprintf(cmd, sizeof(cmd), "rm -r '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* Case: names in RDATA of the RFC 4034 6.2 types are lowered, other
 * RDATA is not. */
static void test_canon_case(void **state)
{
	(void)state;
	uint8_t out[64];
	static const uint8_t mx[] = "\0\12\3MX1\7Example\3COM";
	dnssec_canon_rdata(DNS_TYPE_MX, mx, sizeof(mx), out);
	assert_memory_equal(out, "\0\12\3mx1\7example\3com", sizeof(mx));
	static const uint8_t srv[] = "\0\1\0\2\0\3\3SRV\1X";
	dnssec_canon_rdata(DNS_TYPE_SRV, srv, sizeof(srv), out);
	assert_memory_equal(out, "\0\1\0\2\0\3\3srv\1x", sizeof(srv));
	static const uint8_t txt[] = "\4ABCD";
	dnssec_canon_rdata(DNS_TYPE_TXT, txt, 5, out);
	assert_memory_equal(out, "\4ABCD", 5);
	/* NSEC keeps its next name's case (RFC 6840 section 5.1). */
	static const uint8_t nsec[] = "\1A\0\0\1\100";
	dnssec_canon_rdata(DNS_TYPE_NSEC, nsec, 6, out);
	assert_memory_equal(out, "\1A\0\0\1\100", 6);
}

/* Order: RRs by canonical RDATA as octet strings, a prefix first,
 * duplicates once. */
static void test_canon_order(void **state)
{
	(void)state;
	/* TXT RDATAs "\2bb", "\1a", "\2ba", "\1a" given in that order. */
	static const uint8_t set[] = "\0\3\2bb"
	                             "\0\2\1a"
	                             "\0\3\2ba"
	                             "\0\2\1a";
	static const uint8_t owner[] = "\1x\0";
	size_t n = dnssec_signed_data(scratch, (const uint8_t *)"P", 1, owner,
	                              3, DNS_TYPE_TXT, 60, set, 4);
	/* prefix + 3 RRs of 3 + 10 + rdlen */
	assert_int_equal(n, 1 + (13 + 2) + (13 + 3) + (13 + 3));
	const uint8_t *p = scratch->data + 1;
	assert_memory_equal(p + 13, "\1a", 2);
	p += 15;
	assert_memory_equal(p + 13, "\2ba", 3);
	p += 16;
	assert_memory_equal(p + 13, "\2bb", 3);
	/* The prefix rule: "\2ab" sorts after "\1a" only by length byte,
	 * but the octet compare of equal-prefix strings puts shorter first. */
	assert_true(dnssec_rdata_cmp((const uint8_t *)"ab", 2,
	                             (const uint8_t *)"abc", 3) < 0);
	assert_true(dnssec_rdata_cmp((const uint8_t *)"abc", 3,
	                             (const uint8_t *)"ab", 2) > 0);
	assert_int_equal(dnssec_rdata_cmp((const uint8_t *)"ab", 2,
	                                  (const uint8_t *)"ab", 2),
	                 0);
}

/* A wire RR owner|type|IN|ttl|rdlen|rdata made into an ldns_rr. */
static ldns_rr *wire_rr(const uint8_t *owner, size_t olen, uint16_t type,
                        uint32_t ttl, const uint8_t *rd, uint16_t rdlen)
{
	uint8_t w[1024];
	assert_true(olen + 10 + rdlen <= sizeof(w));
	memcpy(w, owner, olen);
	wire_put_u16(w + olen, type);
	wire_put_u16(w + olen + 2, DNS_CLASS_IN);
	wire_put_u32(w + olen + 4, ttl);
	wire_put_u16(w + olen + 8, rdlen);
	memcpy(w + olen + 10, rd, rdlen);
	ldns_rr *rr = NULL;
	size_t pos = 0;
	assert_int_equal(
	    ldns_wire2rr(&rr, w, olen + 10 + rdlen, &pos, LDNS_SECTION_ANSWER),
	    LDNS_STATUS_OK);
	return rr;
}

/* Ours -> ldns: an A RRset (given out of order) and an MX with a
 * mixed-case target, signed with each algorithm. */
static void test_sign_ldns_verifies(void **state)
{
	(void)state;
	const char *n13[] = {ZSK13, KSK13, NULL};
	const char *n15[] = {KSK15, NULL};
	struct keyload *l13 = load_keys("example.com", n13);
	struct keyload *l15 = load_keys("example.com", n15);
	assert_int_equal(l13->ret, 0);
	assert_int_equal(l15->ret, 0);
	static const uint8_t owner[] = "\3www\7example\3com";
	static const uint8_t a_set[] = "\0\4\300\0\2\2"
	                               "\0\4\300\0\2\1";
	static const uint8_t mx_set[] = "\0\23\0\12\3MX1\7Example\3COM";
	struct {
		uint16_t type;
		const uint8_t *set;
		uint16_t count;
	} sets[] = {{DNS_TYPE_A, a_set, 2}, {DNS_TYPE_MX, mx_set, 1}};
	uint32_t now = (uint32_t)time(NULL);
	for (size_t ki = 0; ki < 2; ki++) {
		struct keyload *l = ki == 0 ? l13 : l15;
		const struct dnssec_key *k = &l->ks->keys[0];
		ldns_rr *key =
		    wire_rr(l->ks->apex, l->ks->apex_len, DNS_TYPE_DNSKEY, 3600,
		            k->rdata, k->rdlen);
		for (size_t si = 0; si < 2; si++) {
			uint8_t sig[DNSSEC_RRSIG_MAX];
			int sl = dnssec_rrsig_make(
			    k, l->ks->apex, l->ks->apex_len, owner,
			    sizeof(owner), sets[si].type, 300, sets[si].set,
			    sets[si].count, now - 3600, now + 86400, scratch,
			    sig);
			assert_true(sl > DNSSEC_RRSIG_FIXED + 13);
			ldns_rr_list *rrset = ldns_rr_list_new();
			const uint8_t *p = sets[si].set;
			for (uint16_t i = 0; i < sets[si].count; i++) {
				uint16_t rdlen = wire_peek_u16(p);
				ldns_rr_list_push_rr(
				    rrset,
				    wire_rr(owner, sizeof(owner), sets[si].type,
				            300, p + 2, rdlen));
				p += 2u + rdlen;
			}
			ldns_rr *rrsig =
			    wire_rr(owner, sizeof(owner), DNS_TYPE_RRSIG, 300,
			            sig, (uint16_t)sl);
			assert_int_equal(ldns_verify_rrsig(rrset, rrsig, key),
			                 LDNS_STATUS_OK);
			/* ... and with ours, and not after a bit flips. */
			assert_true(dnssec_rrsig_verify(
			    k->rdata, k->rdlen, sig, (uint16_t)sl, owner,
			    sizeof(owner), sets[si].type, sets[si].set,
			    sets[si].count, scratch));
			sig[sl - 1] ^= 1;
			assert_false(dnssec_rrsig_verify(
			    k->rdata, k->rdlen, sig, (uint16_t)sl, owner,
			    sizeof(owner), sets[si].type, sets[si].set,
			    sets[si].count, scratch));
			ldns_rr_free(rrsig);
			ldns_rr_list_deep_free(rrset);
		}
		ldns_rr_free(key);
	}
	keyload_free(l13);
	keyload_free(l15);
}

/* ldns-signzone -> ours: every RRSIG of the signed fixture verifies with
 * dnssec_rrsig_verify under the key its tag names. */
static void verify_signed_file(const char *file, const char *const *names,
                               size_t want)
{
	struct keyload *l = load_keys("example.com", names);
	assert_int_equal(l->ret, 0);
	char path[PATH_MAX + 64];
	snprintf(path, sizeof(path), "%s/%s", data_dir(), file);
	FILE *fp = fopen(path, "r");
	assert_non_null(fp);
	ldns_zone *zone = NULL;
	assert_int_equal(
	    ldns_zone_new_frm_fp(&zone, fp, NULL, 0, LDNS_RR_CLASS_IN),
	    LDNS_STATUS_OK);
	fclose(fp);
	ldns_rr_list *all = ldns_rr_list_clone(ldns_zone_rrs(zone));
	ldns_rr_list_push_rr(all, ldns_rr_clone(ldns_zone_soa(zone)));
	size_t checked = 0;
	static uint8_t set[65536];
	for (size_t i = 0; i < ldns_rr_list_rr_count(all); i++) {
		ldns_rr *sig = ldns_rr_list_rr(all, i);
		if (ldns_rr_get_type(sig) != LDNS_RR_TYPE_RRSIG)
			continue;
		uint16_t covered =
		    ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(sig));
		const ldns_rdf *own = ldns_rr_owner(sig);
		uint8_t owner[DNAME_MAXLEN];
		size_t olen = ldns_rdf_size(own);
		dname_tolower(owner, ldns_rdf_data(own), olen);
		/* The covered RRset in our [rdlen][rdata] form. */
		size_t len = 0;
		uint16_t count = 0;
		for (size_t j = 0; j < ldns_rr_list_rr_count(all); j++) {
			ldns_rr *rr = ldns_rr_list_rr(all, j);
			if (ldns_rr_get_type(rr) != covered ||
			    ldns_dname_compare(ldns_rr_owner(rr), own) != 0)
				continue;
			ldns_buffer *b = ldns_buffer_new(1024);
			assert_int_equal(ldns_rr_rdata2buffer_wire(b, rr),
			                 LDNS_STATUS_OK);
			uint16_t rdlen = (uint16_t)ldns_buffer_position(b);
			wire_put_u16(set + len, rdlen);
			memcpy(set + len + 2, ldns_buffer_begin(b), rdlen);
			len += 2u + rdlen;
			count++;
			ldns_buffer_free(b);
		}
		assert_true(count > 0);
		ldns_buffer *sb = ldns_buffer_new(1024);
		assert_int_equal(ldns_rr_rdata2buffer_wire(sb, sig),
		                 LDNS_STATUS_OK);
		const uint8_t *sw = ldns_buffer_begin(sb);
		uint16_t swl = (uint16_t)ldns_buffer_position(sb);
		const struct dnssec_key *k = NULL;
		for (size_t ki = 0; ki < l->ks->nkeys; ki++)
			if (l->ks->keys[ki].tag == wire_peek_u16(sw + 16))
				k = &l->ks->keys[ki];
		assert_non_null(k);
		assert_true(dnssec_rrsig_verify(k->rdata, k->rdlen, sw, swl,
		                                owner, olen, covered, set,
		                                count, scratch));
		checked++;
		ldns_buffer_free(sb);
	}
	assert_int_equal(checked, want);
	ldns_rr_list_deep_free(all);
	ldns_zone_deep_free(zone);
	keyload_free(l);
}

static void test_ldns_signzone_verifies(void **state)
{
	(void)state;
	const char *k13[] = {KSK13, ZSK13, NULL};
	verify_signed_file("example.com.signed", k13, 15);
	const char *k15[] = {KSK15, NULL};
	verify_signed_file("example.com.signed15", k15, 15);
}

/* CDS/DS: the digest ldns-keygen wrote in the .ds file. */
static void test_ds_digest(void **state)
{
	(void)state;
	const char *names[] = {KSK13, NULL};
	struct keyload *l = load_keys("example.com", names);
	assert_int_equal(l->ret, 0);
	uint8_t ds[DNSSEC_DS_LEN];
	const struct dnssec_key *k = &l->ks->keys[0];
	assert_int_equal(dnssec_ds_sha256(l->ks->apex, l->ks->apex_len,
	                                  k->rdata, k->rdlen, ds),
	                 0);
	static const uint8_t want[] = {
	    0xe0, 0x76, 13,   2,    0xb7, 0xc8, 0x4f, 0xee, 0xf8,
	    0xd6, 0x0b, 0x8f, 0x0d, 0x8c, 0xf9, 0x2b, 0x86, 0x4e,
	    0xaf, 0xc4, 0x59, 0x7f, 0x4f, 0x85, 0x6b, 0x9b, 0x69,
	    0x1d, 0x00, 0x25, 0xc1, 0x9f, 0xdb, 0xf6, 0xca, 0x05};
	assert_memory_equal(ds, want, sizeof(want));
	keyload_free(l);
}

/* RFC 9824: next name "\000.<owner>", and the bitmap of RRSIG (46),
 * NSEC (47), NXNAME (128) in window 0: 17 bytes, bits 46, 47, 128. */
static void test_nsec_nxname(void **state)
{
	(void)state;
	static const uint8_t owner[] = "\2nx\7example\3com";
	uint16_t types[] = {DNSSEC_TYPE_NXNAME};
	uint8_t out[DNSSEC_NSEC_MAX];
	size_t n = dnssec_nsec_rdata(owner, sizeof(owner), types, 1, out);
	assert_int_equal(n, 2 + sizeof(owner) + 2 + 17);
	assert_memory_equal(out, "\1\0", 2);
	assert_memory_equal(out + 2, owner, sizeof(owner));
	const uint8_t *bm = out + 2 + sizeof(owner);
	static const uint8_t want[] = {0, 17, 0, 0, 0, 0, 0, 0x03, 0,   0,
	                               0, 0,  0, 0, 0, 0, 0, 0,    0x80};
	assert_memory_equal(bm, want, sizeof(want));
	/* NODATA at a name with A and CAA (257, window 1). */
	uint16_t t2[] = {DNS_TYPE_CAA, DNS_TYPE_A, DNS_TYPE_A};
	n = dnssec_nsec_rdata(owner, sizeof(owner), t2, 3, out);
	bm = out + 2 + sizeof(owner);
	static const uint8_t want2[] = {0, 6,    0x40, 0, 0,   0,
	                                0, 0x03, 1,    1, 0x40};
	assert_int_equal(n, 2 + sizeof(owner) + sizeof(want2));
	assert_memory_equal(bm, want2, sizeof(want2));
}

/* The online cache: the same RRset is signed once per generation and
 * TTL; another TTL, RDATA or generation signs again. */
static void test_online_cache(void **state)
{
	(void)state;
	const char *names[] = {KSK13, ZSK13, NULL};
	struct keyload *l = load_keys("example.com", names);
	assert_int_equal(l->ret, 0);
	struct dnssec_signer *sg = dnssec_signer_new();
	assert_non_null(sg);
	static const uint8_t owner[] = "\2lb\7example\3com";
	static const uint8_t set[] = "\0\4\300\0\2\1";
	uint32_t now = (uint32_t)time(NULL);
	uint16_t n = 0;
	const uint8_t *sigs;
	for (int i = 0; i < 10; i++) {
		sigs =
		    dnssec_sign_online(sg, 1, now, l->ks, owner, sizeof(owner),
		                       DNS_TYPE_A, 30, set, 6, 1, &n);
		assert_non_null(sigs);
		assert_int_equal(n, 1); /* the ZSK only */
	}
	assert_int_equal(sg->signatures, 1);
	assert_int_equal(sg->hits, 9);
	/* What it returns verifies. */
	const struct dnssec_key *zsk = &l->ks->keys[1];
	assert_true(dnssec_rrsig_verify(
	    zsk->rdata, zsk->rdlen, sigs + 2, wire_peek_u16(sigs), owner,
	    sizeof(owner), DNS_TYPE_A, set, 1, sg->scratch));
	(void)dnssec_sign_online(sg, 1, now, l->ks, owner, sizeof(owner),
	                         DNS_TYPE_A, 5, set, 6, 1, &n);
	(void)dnssec_sign_online(sg, 2, now, l->ks, owner, sizeof(owner),
	                         DNS_TYPE_A, 30, set, 6, 1, &n);
	assert_int_equal(sg->signatures, 3);
	/* Seven days on, the signature is renewed. */
	(void)dnssec_sign_online(sg, 1, now + 7 * 86400 + 1, l->ks, owner,
	                         sizeof(owner), DNS_TYPE_A, 30, set, 6, 1, &n);
	assert_int_equal(sg->signatures, 4);
	dnssec_signer_free(sg);
	keyload_free(l);
}

int main(void)
{
	scratch = malloc(sizeof(*scratch));
	if (scratch == NULL)
		return 1;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_keys_load),
	    cmocka_unit_test(test_keytag),
	    cmocka_unit_test(test_keys_errors),
	    cmocka_unit_test(test_canon_case),
	    cmocka_unit_test(test_canon_order),
	    cmocka_unit_test(test_sign_ldns_verifies),
	    cmocka_unit_test(test_ldns_signzone_verifies),
	    cmocka_unit_test(test_ds_digest),
	    cmocka_unit_test(test_nsec_nxname),
	    cmocka_unit_test(test_online_cache),
	};
	int r = cmocka_run_group_tests(tests, NULL, NULL);
	free(scratch);
	return r;
}
