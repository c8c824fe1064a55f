/* fuzz_packet.c - libFuzzer target for the query ladder (packet.c). */
/* fuzz-sources: dnsd/dns/packet.c dnsd/dns/dname.c */
/* fuzz-libs: */
/* fuzz-max-len: 1024 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dname.h"
#include "dns/packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Invariants hold in every build, NDEBUG or not. */
#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond))                                                   \
			abort();                                               \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pkt_query q;
	char name[16];

	enum pkt_outcome r = packet_parse_query(data, size, &q);
	CHECK(r == PKT_OK || r == PKT_DROP || r == PKT_FORMERR ||
	      r == PKT_NOTIMP || r == PKT_BADVERS);
	if (size < PKT_HEADER_LEN)
		CHECK(r == PKT_DROP && !q.has_question);
	if (q.has_question) {
		/* A question is a valid uncompressed name, whose lower-case
		 * copy is the same name folded. */
		CHECK(q.qname_len >= 1 && q.qname_len <= DNAME_MAXLEN);
		CHECK(dname_check(q.qname, q.qname_len) == q.qlabels);
		CHECK(dname_equal(q.qname, q.qname_len, q.qname_lower,
		                  q.qname_len));
		for (size_t i = 0; i < q.qname_len; i++)
			CHECK(q.qname_lower[i] < 'A' || q.qname_lower[i] > 'Z');
		/* The name as sent is in the packet, right after the header. */
		CHECK(size >= PKT_HEADER_LEN + (size_t)q.qname_len + 4);
		CHECK(memcmp(q.qname, data + PKT_HEADER_LEN, q.qname_len) == 0);
		CHECK(dns_type_name(q.qtype, name, sizeof(name))[0] != '\0');
	}
	if (r == PKT_OK)
		CHECK(q.has_question && q.opcode == DNS_OPCODE_QUERY &&
		      !(q.flags & DNS_FLAG_QR) &&
		      (!q.edns || q.edns_version == 0));
	if (r == PKT_BADVERS)
		CHECK(q.edns && q.edns_version > 0);
	if (q.ecs.present && (r == PKT_OK || r == PKT_BADVERS)) {
		/* RFC 7871 section 6: a known family, a prefix in range and
		 * no address bits past it. */
		unsigned bits = q.ecs.family == 1 ? 32 : 128;
		CHECK(q.ecs.family == 1 || q.ecs.family == 2);
		CHECK(q.ecs.source_prefix <= bits);
		for (unsigned b = q.ecs.source_prefix; b < 128; b++)
			CHECK(!(q.ecs.addr[b / 8] & (0x80 >> (b % 8))));
	}
	return 0;
}
