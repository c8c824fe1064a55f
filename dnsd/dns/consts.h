/* consts.h - DNS protocol numbers in one place (like Knot's descriptor.h):
 * RR types, classes, opcodes, rcodes, header flags, EDNS option codes, and
 * the one table that names types and rcodes. Every layer above uses these;
 * nothing here depends on anything but the C library. */
#ifndef DNSD_CONSTS_H
#define DNSD_CONSTS_H

#include <stddef.h>
#include <stdint.h>

/* RR types (IANA "Resource Record (RR) TYPEs"). */
#define DNS_TYPE_A       1
#define DNS_TYPE_NS      2
#define DNS_TYPE_CNAME   5
#define DNS_TYPE_SOA     6
#define DNS_TYPE_PTR     12
#define DNS_TYPE_MX      15
#define DNS_TYPE_TXT     16
#define DNS_TYPE_AAAA    28
#define DNS_TYPE_SRV     33
#define DNS_TYPE_DNAME   39
#define DNS_TYPE_OPT     41
#define DNS_TYPE_DS      43
#define DNS_TYPE_RRSIG   46
#define DNS_TYPE_NSEC    47
#define DNS_TYPE_DNSKEY  48
#define DNS_TYPE_CDS     59
#define DNS_TYPE_CDNSKEY 60
#define DNS_TYPE_HTTPS   65
#define DNS_TYPE_TSIG    250
#define DNS_TYPE_IXFR    251
#define DNS_TYPE_AXFR    252
#define DNS_TYPE_ANY     255
#define DNS_TYPE_CAA     257

#define DNS_CLASS_IN 1
#define DNS_CLASS_CH 3

#define DNS_OPCODE_QUERY 0

/* Header flag bits in the 16-bit flags word (RFC 1035 section 4.1.1). */
#define DNS_FLAG_QR 0x8000
#define DNS_FLAG_AA 0x0400
#define DNS_FLAG_TC 0x0200
#define DNS_FLAG_RD 0x0100
#define DNS_FLAG_RA 0x0080
#define DNS_FLAG_AD 0x0020
#define DNS_FLAG_CD 0x0010

#define DNS_RCODE_NOERROR  0
#define DNS_RCODE_FORMERR  1
#define DNS_RCODE_SERVFAIL 2
#define DNS_RCODE_NXDOMAIN 3
#define DNS_RCODE_NOTIMP   4
#define DNS_RCODE_REFUSED  5
#define DNS_RCODE_BADVERS  16 /* extended, RFC 6891 section 9 */

#define DNS_EDNS_ECS 8 /* EDNS option code, RFC 7871 */

/* The registry mnemonic of a type ("A", "RRSIG"), or NULL when the type has
 * none. A static string; any thread. */
const char *dns_type_mnemonic(uint16_t type);

/* The mnemonic, or "TYPEnnn" (RFC 3597 section 5), written into buf (cut
 * to buflen). Returns buf; "" when buflen is 0. Any thread. */
const char *dns_type_name(uint16_t type, char *buf, size_t buflen);

/* The mnemonic of an (extended) rcode 0..23 ("NXDOMAIN"), else NULL. */
const char *dns_rcode_mnemonic(unsigned rcode);

#endif
