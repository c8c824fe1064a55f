/* packet.h - the query parser: NSD's validation ladder on raw bytes.
 * Our own bounds-checked code (no ldns): every read is checked, no length in
 * the packet is trusted, compression pointers only go backwards. */
#ifndef DNSD_PACKET_H
#define DNSD_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/compat.h"
#include "dns/consts.h"
#include "dns/dname.h"

#define PKT_HEADER_LEN 12

/* What the ladder decided. */
enum pkt_outcome {
	PKT_OK,      /* a well-formed query: answer it */
	PKT_DROP,    /* shorter than a header, or QR=1: never answered */
	PKT_FORMERR, /* malformed: FORMERR */
	PKT_NOTIMP,  /* opcode other than QUERY */
	PKT_BADVERS, /* EDNS version above 0 (RFC 6891 section 6.1.3) */
};

/* EDNS Client Subnet option of the query (RFC 7871 section 6). */
struct pkt_ecs {
	bool present;
	uint16_t family; /* 1 = IPv4, 2 = IPv6 */
	uint8_t source_prefix;
	uint8_t addr[16]; /* host bits beyond source_prefix are zero */
};

struct pkt_query {
	uint16_t id;
	uint16_t flags; /* the header's flags word as received */
	uint8_t opcode;
	/* Question; valid when has_question (also for some FORMERR/NOTIMP
	 * outcomes, so the error response can echo it). */
	bool has_question;
	/* 8 bytes of slack: the parser copies and folds whole words. */
	uint8_t qname[DNAME_MAXLEN + 8]; /* as sent (client's case) */
	uint8_t qname_lower[DNAME_MAXLEN + 8];
	uint8_t qname_len;
	uint8_t qlabels; /* root excluded */
	/* Bit i set when a label starts at qname[i]: lets the zone search
	 * test "is this apex a suffix" with one bit test and a memcmp. */
	uint64_t qlabel_map[4];
	uint16_t qtype;
	uint16_t qclass;
	/* EDNS(0) (RFC 6891); valid when edns. */
	bool edns;
	uint16_t edns_udp_size; /* requestor's payload size as sent */
	uint8_t edns_version;
	bool edns_do;
	bool edns_co; /* Compact Answers OK (RFC 9824 section 5) */
	struct pkt_ecs ecs;
};

/* Run the validation ladder over pkt[0..len):
 *  1. len < 12                          -> PKT_DROP
 *  2. QR = 1                            -> PKT_DROP
 *  3. opcode != QUERY                   -> PKT_NOTIMP
 *  4. QDCOUNT != 1, ANCOUNT or NSCOUNT != 0 -> PKT_FORMERR
 *  5. question: name (no compression pointer: it is the first name),
 *     type, class, all inside the packet -> else PKT_FORMERR
 *  6. additional RRs: each well-formed; OPT only with owner root, at most
 *     one; its options well-formed; ECS valid per RFC 7871 section 6
 *     (family 1/2, prefix in range, address length = ceil(prefix/8), no
 *     bits set past the prefix, SCOPE 0) -> else PKT_FORMERR
 *  7. bytes left after the last section -> PKT_FORMERR
 *  8. EDNS version > 0                  -> PKT_BADVERS
 * Fills q as far as parsing got. No allocation; any thread. */
enum pkt_outcome packet_parse_query(const uint8_t *pkt, size_t len,
                                    struct pkt_query *q);

/* RFC mnemonic of a type ("A", "AAAA", "TYPE65280"), into buf. */
const char *dns_type_name(uint16_t type, char *buf, size_t buflen);

#endif
