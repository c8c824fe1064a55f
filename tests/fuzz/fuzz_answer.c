/* fuzz_answer.c - libFuzzer target for the whole answer path: each input is
 * a query packet answered by answer_query from one snapshot (built once from
 * tests/fuzz/fixture/answer.ini), over UDP through a per-worker answer cache
 * that lives across inputs (as in a worker), over UDP without it, and over
 * TCP; every response is walked and checked against the query, and the
 * cached and uncached responses must be the same bytes. */
/* clang-format off */
/* fuzz-sources: dnsd/answer/answer.c dnsd/answer/answer_log.c dnsd/answer/answer_cache.c dnsd/answer/resolve.c dnsd/base/arena.c dnsd/answer/client.c dnsd/conf/config.c dnsd/conf/checks.c dnsd/conf/ini_reader.c dnsd/conf/parser.c dnsd/conf/schema.c dnsd/conf/setters.c dnsd/conf/values.c dnsd/base/diag.c dnsd/dns/dname.c dnsd/answer/explain.c dnsd/lb/geo.c dnsd/lb/lb.c dnsd/base/log.c dnsd/dns/packet.c dnsd/answer/response.c dnsd/snapshot/snapshot.c dnsd/snapshot/snapshot_lb.c dnsd/snapshot/snapshot_zones.c dnsd/dns/stats.c dnsd/dns/consts.c dnsd/zone/zone.c dnsd/zone/zonedb.c dnsd/zone/zonedb_build.c dnsd/zone/zonedb_check.c dnsd/answer/signed.c dnsd/dnssec/canon.c dnsd/dnssec/crypto.c dnsd/dnssec/keys.c dnsd/dnssec/nsec.c dnsd/dnssec/online.c dnsd/dnssec/rrsig.c dnsd/dnssec/zonesign.c dnsd/snapshot/snapshot_dnssec.c */
/* fuzz-libs: libzscanner ldns inih libmaxminddb libcrypto */
/* fuzz-max-len: 1024 */
/* clang-format on */
#include <arpa/inet.h>
#include <limits.h>
#include <malloc.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "answer/answer.h"
#include "dns/dname.h"
#include "dns/packet.h"
#include "snapshot/snapshot.h"
#include "dns/stats.h"
#include "dns/wire.h"
#include "dnssec/online.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Invariants hold in every build, NDEBUG or not. */
#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "fuzz_answer: %s:%d: CHECK(%s)\n",     \
			        __FILE__, __LINE__, #cond);                    \
			abort();                                               \
		}                                                              \
	} while (0)

/* The UDP buffer a worker hands answer_query: the largest udp_payload. */
#define FUZZ_UDP_CAP 4096
#define FUZZ_FIXTURE "tests/fuzz/fixture/answer.ini"

/* Memory accounting only works without a sanitizer's allocator. */
#if defined(__SANITIZE_ADDRESS__)
#define FUZZ_COUNT_MALLOC 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FUZZ_COUNT_MALLOC 0
#endif
#endif
#ifndef FUZZ_COUNT_MALLOC
#define FUZZ_COUNT_MALLOC 1
#endif

static struct snapshot *snap;
static struct stats *stats;
static uint8_t udp_out[FUZZ_UDP_CAP];
static uint8_t udp_cached[FUZZ_UDP_CAP];
/* The worker's answer cache: entries from earlier inputs (other letter
 * case, EDNS or not, other buffer sizes) are hit by later ones. */
static struct answer_cache cache;
static uint8_t tcp_out[ANSWER_TCP_MAX];
/* The worker's signer (SPEC 9): load-balanced answers, wildcards and
 * denials of the signed zone are signed online. ECDSA signatures are
 * random and an answer cached by an earlier input may hold an older one,
 * so the comparisons below ignore RRSIG RDATA (same_but_rrsigs); the
 * integration tests validate those signatures. */
static struct dnssec_signer *signer;

/* Client addresses, picked by the low 3 bits of the query ID: loopback
 * (allowed to explain), geoip-located, [networks]-located (coordinates and
 * cluster), unknown, and a v4-mapped IPv6 source. Even entries are IPv4. */
static const char *const sources[8] = {
    "127.0.0.1", "::1",           "192.0.2.7", "2001:db8:1::7",
    "10.1.2.3",  "2001:db8:5::9", "8.8.8.8",   "::ffff:10.1.0.1",
};
static struct sockaddr_storage source_addr[8];

/* The fixture: $DNSD_FUZZ_FIXTURE, else found by walking up from the
 * executable's folder (build/fuzz/, build/asan/fuzz-replay/...), else the
 * path in the source tree relative to the current folder. */
static const char *find_fixture(char *buf, size_t len)
{
	const char *env = getenv("DNSD_FUZZ_FIXTURE");
	if (env != NULL && *env != '\0')
		return env;
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		for (int up = 0; up < 5; up++) {
			char *slash = strrchr(exe, '/');
			if (slash == NULL)
				break;
			*slash = '\0';
			if (snprintf(buf, len, "%s/%s", exe, FUZZ_FIXTURE) <
			        (int)len &&
			    access(buf, R_OK) == 0)
				return buf;
		}
	}
	return FUZZ_FIXTURE;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[PATH_MAX + 64];
	struct diag diag;

	(void)argc;
	(void)argv;
	const char *ini = find_fixture(path, sizeof(path));
	diag_init(&diag);
	if (snapshot_build(ini, &snap, &diag) != 0) {
		fprintf(stderr, "fuzz_answer: fixture %s does not load:\n",
		        ini);
		diag_print(&diag);
		abort();
	}
	diag_free(&diag);
	signer = dnssec_signer_new();
	CHECK(signer != NULL);
	stats = aligned_alloc(DNSD_CACHELINE,
	                      (sizeof(*stats) + DNSD_CACHELINE - 1) /
	                          DNSD_CACHELINE * DNSD_CACHELINE);
	CHECK(stats != NULL);
	memset(stats, 0, sizeof(*stats));
	for (int i = 0; i < 8; i++) {
		struct sockaddr_storage *ss = &source_addr[i];
		memset(ss, 0, sizeof(*ss));
		if (strchr(sources[i], ':') != NULL) {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
			s6->sin6_family = AF_INET6;
			s6->sin6_port = htons(53000);
			CHECK(inet_pton(AF_INET6, sources[i], &s6->sin6_addr) ==
			      1);
		} else {
			struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
			s4->sin_family = AF_INET;
			s4->sin_port = htons(53000);
			CHECK(inet_pton(AF_INET, sources[i], &s4->sin_addr) ==
			      1);
		}
	}
	/* libcrypto sets up its provider state at the first signature and
	 * keeps it: make one now, so the per-input heap check sees only what
	 * the answer path itself would allocate. lb.other.test A, DO=1. */
	static const uint8_t warm[] = {
	    0,   1,   0,   0, 0,    1,   0,   0,    0,   0, 0,   1, /* header */
	    2,   'l', 'b', 5, 'o',  't', 'h', 'e',  'r', 4, 't', 'e',
	    's', 't', 0,   0, 1,    0,   1,                     /* A IN */
	    0,   0,   41,  4, 0xd0, 0,   0,   0x80, 0,   0, 0}; /* OPT, DO */
	struct answer_ctx wctx;
	answer_ctx_init(&wctx, stats, 1);
	wctx.signer = signer;
	(void)answer_query(&wctx, snap, warm, sizeof(warm), udp_out,
	                   sizeof(udp_out), false,
	                   (const struct sockaddr *)&source_addr[0]);
	return 0;
}

/* What walking a response found. */
struct walk {
	uint16_t count[4]; /* QD, AN, NS, AR */
	size_t question_end;
	unsigned opt_count;
	size_t opt_at; /* offset of the OPT RR's type field */
	uint16_t opt_rdlen;
};

/* A name at *pos inside r[0..lim): must decompress (pointers only go
 * backwards, so lim may end where the name's RDATA ends). */
static void walk_name(const uint8_t *r, size_t lim, size_t *pos)
{
	uint8_t name[DNAME_MAXLEN];
	size_t nlen;
	CHECK(dname_unpack(r, lim, pos, name, &nlen, NULL) == 0);
	CHECK(dname_check(name, nlen) >= 0);
}

/* Names inside RDATA of the types whose names we compress (RFC 1035 types)
 * decompress and fill the RDATA exactly; SRV's target is uncompressed
 * (RFC 2782). */
static void walk_rdata(const uint8_t *r, size_t start, uint16_t rdlen,
                       uint16_t type, uint16_t rclass)
{
	size_t end = start + rdlen;
	size_t pos = start;
	switch (type) {
	case DNS_TYPE_NS:
	case DNS_TYPE_CNAME:
	case DNS_TYPE_PTR:
		walk_name(r, end, &pos);
		CHECK(pos == end);
		break;
	case DNS_TYPE_MX:
		CHECK(rdlen > 2);
		pos += 2;
		walk_name(r, end, &pos);
		CHECK(pos == end);
		break;
	case DNS_TYPE_SOA:
		walk_name(r, end, &pos);
		walk_name(r, end, &pos);
		CHECK(pos + 20 == end);
		break;
	case DNS_TYPE_SRV:
		CHECK(rdlen > 6);
		CHECK(dname_check_prefix(r + start + 6, rdlen - 6u) ==
		      (int)rdlen - 6);
		break;
	case DNS_TYPE_A:
		if (rclass == DNS_CLASS_IN)
			CHECK(rdlen == 4);
		break;
	case DNS_TYPE_AAAA:
		if (rclass == DNS_CLASS_IN)
			CHECK(rdlen == 16);
		break;
	case DNS_TYPE_TXT:
		/* character-strings fill the RDATA exactly */
		while (pos < end)
			pos += 1u + r[pos];
		CHECK(pos == end && rdlen > 0);
		break;
	case DNS_TYPE_OPT:
		/* options: code, length, data, exactly (RFC 6891 6.1.2) */
		while (pos < end) {
			CHECK(end - pos >= 4);
			pos += 4u + wire_peek_u16(r + pos + 2);
		}
		CHECK(pos == end);
		break;
	default:
		break;
	}
}

/* A bounds-checked walk over a whole response: the header counts match
 * the sections exactly, every name decompresses, nothing trails. */
static void walk_response(const uint8_t *r, size_t len, struct walk *w)
{
	memset(w, 0, sizeof(*w));
	CHECK(len >= PKT_HEADER_LEN);
	for (int i = 0; i < 4; i++)
		w->count[i] = wire_peek_u16(r + 4 + 2 * i);
	size_t pos = PKT_HEADER_LEN;
	for (unsigned i = 0; i < w->count[0]; i++) {
		walk_name(r, len, &pos);
		CHECK(len - pos >= 4);
		pos += 4;
	}
	w->question_end = pos;
	unsigned rrs = (unsigned)w->count[1] + w->count[2] + w->count[3];
	for (unsigned i = 0; i < rrs; i++) {
		size_t owner = pos;
		walk_name(r, len, &pos);
		CHECK(len - pos >= 10);
		uint16_t type = wire_peek_u16(r + pos);
		uint16_t rclass = wire_peek_u16(r + pos + 2);
		uint16_t rdlen = wire_peek_u16(r + pos + 8);
		CHECK(len - pos - 10 >= rdlen);
		if (type == DNS_TYPE_OPT) {
			/* RFC 6891 6.1.1: one OPT, in the additional
			 * section, owned by the root. */
			CHECK(i >= (unsigned)w->count[1] + w->count[2]);
			CHECK(pos - owner == 1 && r[owner] == 0);
			w->opt_count++;
			w->opt_at = pos;
			w->opt_rdlen = rdlen;
		}
		walk_rdata(r, pos + 10, rdlen, type, rclass);
		pos += 10u + rdlen;
	}
	CHECK(pos == len);
	CHECK(w->opt_count <= 1);
}

/* The largest UDP response for this query (SPEC 3; RFC 6891 6.2.5). */
static size_t udp_limit(const struct pkt_query *q)
{
	if (!q->edns)
		return 512;
	size_t n = q->edns_udp_size < 512 ? 512 : q->edns_udp_size;
	return n < snap->udp_payload ? n : snap->udp_payload;
}

/* Bytes in use by malloc, to see that answering allocates nothing. */
static size_t heap_in_use(void)
{
#if FUZZ_COUNT_MALLOC && defined(__GLIBC__) &&                                 \
    (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
	return mallinfo2().uordblks;
#else
	return 0;
#endif
}

/* Skip a (possibly compressed) name at off in r[0..len); the offset after
 * it, or 0 when it runs off the end. */
static size_t skip_name(const uint8_t *r, size_t len, size_t off)
{
	while (off < len) {
		uint8_t l = r[off];
		if (l == 0)
			return off + 1;
		if ((l & 0xc0) == 0xc0)
			return off + 2 <= len ? off + 2 : 0;
		off += 1u + l;
	}
	return 0;
}

/* A copy of response r with the RDATA of every RRSIG zeroed: two answers
 * that differ only in when or with which random k an online signature
 * was made (the answer cache keeps an older one) compare equal. */
static void mask_rrsigs(const uint8_t *r, size_t len, uint8_t *out)
{
	memcpy(out, r, len);
	if (len < PKT_HEADER_LEN)
		return;
	size_t off = skip_name(r, len, PKT_HEADER_LEN);
	if (off == 0 || off + 4 > len)
		return;
	off += 4;
	unsigned n = (unsigned)wire_peek_u16(r + 6) + wire_peek_u16(r + 8) +
	             wire_peek_u16(r + 10);
	for (unsigned i = 0; i < n; i++) {
		off = skip_name(r, len, off);
		if (off == 0 || off + 10 > len)
			return;
		uint16_t type = wire_peek_u16(r + off);
		uint16_t rdlen = wire_peek_u16(r + off + 8);
		off += 10;
		if (off + rdlen > len)
			return;
		if (type == DNS_TYPE_RRSIG)
			memset(out + off, 0, rdlen);
		off += rdlen;
	}
}

/* Whether a and b are the same response but for RRSIG RDATA. */
static bool same_but_rrsigs(const uint8_t *a, const uint8_t *b, size_t len)
{
	static uint8_t ma[ANSWER_TCP_MAX], mb[ANSWER_TCP_MAX];
	if (len > sizeof(ma))
		return false;
	mask_rrsigs(a, len, ma);
	mask_rrsigs(b, len, mb);
	return memcmp(ma, mb, len) == 0;
}

/* Everything a response must say about the query it answers. */
static void check_response(const uint8_t *pkt, const struct pkt_query *q,
                           enum pkt_outcome oc, const uint8_t *r, size_t rlen,
                           bool tcp)
{
	struct walk w;

	if (oc == PKT_DROP) {
		CHECK(rlen == 0);
		return;
	}
	CHECK(rlen >= PKT_HEADER_LEN);
	CHECK(rlen <= (tcp ? ANSWER_TCP_MAX : udp_limit(q)));
	walk_response(r, rlen, &w);
	uint16_t flags = wire_peek_u16(r + 2);
	unsigned rcode = flags & 0x0F;
	CHECK(wire_peek_u16(r) == q->id);
	CHECK(flags & DNS_FLAG_QR);
	CHECK(((flags >> 11) & 0x0F) ==
	      ((wire_peek_u16(pkt + 2) >> 11) & 0x0F));
	CHECK((flags & DNS_FLAG_RD) == (q->flags & DNS_FLAG_RD));
	CHECK(!(flags & DNS_FLAG_RA));
	if (tcp)
		CHECK(!(flags & DNS_FLAG_TC));
	/* RFC 6891 7: no OPT to a client that sent none. */
	if (!q->edns)
		CHECK(w.opt_count == 0);
	if (oc == PKT_OK || oc == PKT_BADVERS)
		CHECK(w.opt_count == (q->edns ? 1u : 0u));
	unsigned ext = w.opt_count ? r[w.opt_at + 4] : 0;
	unsigned full = (ext << 4) | rcode;
	switch (oc) {
	case PKT_FORMERR:
		CHECK(full == DNS_RCODE_FORMERR);
		break;
	case PKT_NOTIMP:
		CHECK(full == DNS_RCODE_NOTIMP);
		break;
	case PKT_BADVERS:
		CHECK(full == DNS_RCODE_BADVERS);
		break;
	case PKT_OK:
		/* RFC 9824 3.1: a DO query for the NXNAME meta-type; other
		 * classes than IN are refused (or explained, CH) first. */
		if (q->edns_do && q->qtype == 128 &&
		    q->qclass == DNS_CLASS_IN) {
			CHECK(full == DNS_RCODE_FORMERR);
			break;
		}
		CHECK(full == DNS_RCODE_NOERROR || full == DNS_RCODE_NXDOMAIN ||
		      full == DNS_RCODE_REFUSED || full == DNS_RCODE_SERVFAIL);
		if (full == DNS_RCODE_REFUSED)
			CHECK(!(flags & DNS_FLAG_AA) && w.count[1] == 0);
		break;
	case PKT_DROP:
		break;
	}
	if (w.opt_count) {
		/* Our payload size in CLASS, version 0, DO echoed. */
		CHECK(wire_peek_u16(r + w.opt_at + 2) == snap->udp_payload);
		CHECK(r[w.opt_at + 5] == 0);
		CHECK(((wire_peek_u16(r + w.opt_at + 6) & 0x8000) != 0) ==
		      q->edns_do);
	}
	/* The question is echoed as sent, the client's case included. */
	if (q->has_question) {
		CHECK(w.count[0] == 1);
		CHECK(w.question_end == PKT_HEADER_LEN + q->qname_len + 4u);
		CHECK(memcmp(r + PKT_HEADER_LEN, pkt + PKT_HEADER_LEN,
		             q->qname_len + 4u) == 0);
	} else {
		CHECK(w.count[0] == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pkt_query q;
	struct answer_ctx ctx;

	enum pkt_outcome oc = packet_parse_query(data, size, &q);
	/* The query ID steers what is not in the packet: the client's
	 * address (low 3 bits) and the health of every probed member
	 * (high byte, one bit per target), so both are reproducible. */
	unsigned id = size >= 2 ? wire_peek_u16(data) : 0;
	const struct sockaddr *src =
	    (const struct sockaddr *)&source_addr[id & 7];
	for (uint32_t i = 0; i < snap->probes.n; i++)
		atomic_store_explicit(&snap->probes.up[i],
		                      (uint8_t)((id >> (8 + i % 8)) & 1),
		                      memory_order_relaxed);

	size_t before = heap_in_use();
	uint64_t signed_at_start = signer->signatures;
	/* UDP with the cache, twice (the second may hit what the first
	 * stored), then without it; the same RNG seed each time. */
	size_t clen = 0;
	for (int i = 0; i < 2; i++) {
		answer_ctx_init(&ctx, stats, 1);
		ctx.signer = signer;
		ctx.cache = &cache;
		clen = answer_query(&ctx, snap, data, size, udp_cached,
		                    sizeof(udp_cached), false, src);
		CHECK(clen <= sizeof(udp_cached));
		check_response(data, &q, oc, udp_cached, clen, false);
	}
	answer_ctx_init(&ctx, stats, 1);
	ctx.signer = signer;
	size_t ulen = answer_query(&ctx, snap, data, size, udp_out,
	                           sizeof(udp_out), false, src);
	answer_ctx_init(&ctx, stats, 1);
	ctx.signer = signer;
	size_t tlen = answer_query(&ctx, snap, data, size, tcp_out,
	                           sizeof(tcp_out), true, src);
	/* The answer path allocates nothing (STYLE: hot path), but for what
	 * libcrypto keeps when it makes a fresh signature (online.h). */
	CHECK(heap_in_use() == before || signer->signatures != signed_at_start);

	check_response(data, &q, oc, udp_out, ulen, false);
	check_response(data, &q, oc, tcp_out, tlen, true);
	/* The cache never changes a response. */
	CHECK(clen == ulen && (memcmp(udp_cached, udp_out, ulen) == 0 ||
	                       same_but_rrsigs(udp_cached, udp_out, ulen)));
	/* Same RNG seed, same choices: a TCP response that would have fit
	 * in UDP is exactly the UDP response. */
	if (oc != PKT_DROP && tlen <= udp_limit(&q))
		CHECK(ulen == tlen &&
		      (memcmp(udp_out, tcp_out, ulen) == 0 ||
		       same_but_rrsigs(udp_out, tcp_out, ulen)));
	/* A UDP response cut short says so, and the TCP one is whole. */
	if (oc != PKT_DROP && ulen != tlen)
		CHECK(wire_peek_u16(udp_out + 2) & DNS_FLAG_TC);
	return 0;
}
