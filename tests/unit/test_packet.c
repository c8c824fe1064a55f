/* test_packet.c - the query ladder as data: packets in, outcomes out. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dname.h"
#include "dns/packet.h"

/* Packets are written in hex; whitespace is ignored and "xx*N" stands for
 * the byte xx repeated N times, so long names stay readable. */

/* ID abcd, flags RD, QDCOUNT 1, ANCOUNT 0, NSCOUNT 0, then ARCOUNT. */
#define HDR(ar) "abcd 0100 0001 0000 0000 " ar
/* www.example.com: 17 bytes at offset 12, so what follows the question
 * (type, class) starts at 33 = 0x21. */
#define WWW "03 777777 07 6578616d706c65 03 636f6d 00"
#define Q_A WWW " 0001 0001"
/* OPT: root owner, type 41, payload 4096, TTL (ercode, version, DO, Z). */
#define OPT(ttl, rdlen) " 00 0029 1000 " ttl " " rdlen " "
#define OPT0            OPT("00000000", "0000")

struct pkt_case {
	const char *name; /* also the seed file name in the fuzz corpus */
	const char *hex;
	enum pkt_outcome want;
	bool noq;          /* the question is not (fully) there */
	const char *qname; /* presentation, as sent; checked when set */
	uint16_t qtype;
	uint16_t qclass;
	/* EDNS, checked for PKT_OK and PKT_BADVERS. */
	bool edns;
	uint16_t udp;
	uint8_t version;
	bool do_bit;
	uint16_t ecs_family; /* 0: no ECS */
	uint8_t ecs_prefix;
	const char *ecs_addr; /* hex, 16 bytes implied zero-padded */
};

static const struct pkt_case cases[] = {
    /* --- well-formed queries --- */
    {.name = "ok_plain",
     .hex = HDR("0000") Q_A,
     .want = PKT_OK,
     .qname = "www.example.com.",
     .qtype = 1,
     .qclass = 1},
    {.name = "ok_mixed_case",
     .hex = HDR("0000") "03 577757 07 4578416d506c45 03 634f4d 00 001c 0001",
     .want = PKT_OK,
     .qname = "WwW.ExAmPlE.cOM.",
     .qtype = 28,
     .qclass = 1},
    {.name = "ok_root_ns",
     .hex = HDR("0000") "00 0002 0001",
     .want = PKT_OK,
     .qname = ".",
     .qtype = 2,
     .qclass = 1},
    {.name = "ok_chaos_txt",
     .hex = HDR("0000") WWW " 0010 0003",
     .want = PKT_OK,
     .qname = "www.example.com.",
     .qtype = 16,
     .qclass = 3},
    {.name = "ok_any",
     .hex = HDR("0000") WWW " 00ff 0001",
     .want = PKT_OK,
     .qname = "www.example.com.",
     .qtype = 255,
     .qclass = 1},
    {.name = "ok_axfr",
     .hex = HDR("0000") WWW " 00fc 0001",
     .want = PKT_OK,
     .qname = "www.example.com.",
     .qtype = 252,
     .qclass = 1},
    {.name = "ok_label_63",
     .hex = HDR("0000") "3f 61*63 00 0001 0001",
     .want = PKT_OK,
     .qtype = 1,
     .qclass = 1},
    {.name = "ok_name_255",
     .hex = HDR("0000") "3f 61*63 3f 62*63 3f 63*63 3d 64*61 00 0001 0001",
     .want = PKT_OK,
     .qtype = 1,
     .qclass = 1},
    {.name = "ok_edns_do",
     .hex = HDR("0001") Q_A OPT("00008000", "0000"),
     .want = PKT_OK,
     .qname = "www.example.com.",
     .qtype = 1,
     .qclass = 1,
     .edns = true,
     .udp = 4096,
     .do_bit = true},
    {.name = "ok_edns_512",
     .hex = HDR("0001") Q_A " 00 0029 0200 00000000 0000",
     .want = PKT_OK,
     .qtype = 1,
     .qclass = 1,
     .edns = true,
     .udp = 512},
    {.name = "ok_edns_ercode_ignored",
     .hex = HDR("0001") Q_A OPT("7f000000", "0000"),
     .want = PKT_OK,
     .qtype = 1,
     .qclass = 1,
     .edns = true,
     .udp = 4096},
    {.name = "ok_ecs_v4_24",
     .hex =
         HDR("0001") Q_A OPT("00000000", "000b") "0008 0007 0001 18 00 c00002",
     .want = PKT_OK,
     .qtype = 1,
     .qclass = 1,
     .edns = true,
     .udp = 4096,
     .ecs_family = 1,
     .ecs_prefix = 24,
     .ecs_addr = "c0000200"},
    {.name = "ok_ecs_v4_32",
     .hex = HDR("0001")
         Q_A OPT("00000000", "000c") "0008 0008 0001 20 00 c0000201",
     .want = PKT_OK,
     .qtype = 1,
     .qclass = 1,
     .edns = true,
     .udp = 4096,
     .ecs_family = 1,
     .ecs_prefix = 32,
     .ecs_addr = "c0000201"},
    {.name = "ok_ecs_v4_23",
     .hex =
         HDR("0001") Q_A OPT("00000000", "000b") "0008 0007 0001 17 00 c00002",
     .want = PKT_OK,
     .qtype = 1,
     .qclass = 1,
     .edns = true,
     .udp = 4096,
     .ecs_family = 1,
     .ecs_prefix = 23,
     .ecs_addr = "c00002"},
    {.name = "ok_ecs_v6_56",
     .hex = HDR("0001") WWW
     " 001c 0001" OPT("00008000", "000f") "0008 000b 0002 38 00 20010db8abcdef",
     .want = PKT_OK,
     .qtype = 28,
     .qclass = 1,
     .edns = true,
     .udp = 4096,
     .do_bit = true,
     .ecs_family = 2,
     .ecs_prefix = 56,
     .ecs_addr = "20010db8abcdef"},
    {.name = "ok_ecs_v6_128",
     .hex = HDR("0001") Q_A OPT(
         "00000000",
         "0018") "0008 0014 0002 80 00 20010db8000000000000000000000001",
     .want = PKT_OK,
     .qtype = 1,
     .qclass = 1,
     .edns = true,
     .udp = 4096,
     .ecs_family = 2,
     .ecs_prefix = 128,
     .ecs_addr = "20010db8000000000000000000000001"},
    {.name = "ok_ecs_v4_0",
     .hex = HDR("0001") Q_A OPT("00000000", "0008") "0008 0004 0001 00 00",
     .want = PKT_OK,
     .qtype = 1,
     .qclass = 1,
     .edns = true,
     .udp = 4096,
     .ecs_family = 1,
     .ecs_prefix = 0,
     .ecs_addr = ""},
    {.name = "ok_ecs_v6_0",
     .hex = HDR("0001") Q_A OPT("00000000", "0008") "0008 0004 0002 00 00",
     .want = PKT_OK,
     .qtype = 1,
     .qclass = 1,
     .edns = true,
     .udp = 4096,
     .ecs_family = 2,
     .ecs_prefix = 0,
     .ecs_addr = ""},
    {.name = "ok_unknown_options",
     .hex = HDR("0001") Q_A OPT(
         "00000000",
         "0018") "000a 0008 0102030405060708 fde9 0000 0008 0004 0001 00 00",
     .want = PKT_OK,
     .qtype = 1,
     .qclass = 1,
     .edns = true,
     .udp = 4096,
     .ecs_family = 1,
     .ecs_prefix = 0,
     .ecs_addr = ""},
    {.name = "ok_other_rr_compressed",
     .hex = HDR("0002") Q_A " c00c 0010 0001 00000e10 0004 03616263" OPT0,
     .want = PKT_OK,
     .qtype = 1,
     .qclass = 1,
     .edns = true,
     .udp = 4096},
    {.name = "ok_opt_not_last",
     .hex = HDR("0002") Q_A OPT0 " 04 74657374 00 00fa 00ff 00000000 0000",
     .want = PKT_OK,
     .qtype = 1,
     .qclass = 1,
     .edns = true,
     .udp = 4096},
    {.name = "ok_opt_owner_pointer_to_root",
     .hex = HDR("0001") Q_A " c01c 0029 1000 00000000 0000",
     .want = PKT_OK,
     .qtype = 1,
     .qclass = 1,
     .edns = true,
     .udp = 4096},

    /* --- dropped: no header, or a response --- */
    {.name = "drop_empty", .noq = true, .hex = "", .want = PKT_DROP},
    {.name = "drop_11_bytes",
     .noq = true,
     .hex = "abcd 0100 0001 0000 0000 00",
     .want = PKT_DROP},
    {.name = "drop_qr",
     .noq = true,
     .hex = "abcd 8100 0001 0000 0000 0000" Q_A,
     .want = PKT_DROP},
    {.name = "drop_qr_garbage",
     .noq = true,
     .hex = "abcd 8000 ffff ffff ffff ffff ff",
     .want = PKT_DROP},
    {.name = "drop_qr_notimp",
     .noq = true,
     .hex = "abcd a800 0001 0000 0000 0000" Q_A,
     .want = PKT_DROP},

    /* --- opcodes other than QUERY --- */
    {.name = "notimp_iquery",
     .hex = "abcd 0800 0001 0000 0000 0000" Q_A,
     .want = PKT_NOTIMP,
     .qname = "www.example.com.",
     .qtype = 1,
     .qclass = 1},
    {.name = "notimp_status",
     .noq = true,
     .hex = "abcd 1000 0000 0000 0000 0000",
     .want = PKT_NOTIMP},
    {.name = "notimp_notify",
     .hex = "abcd 2400 0001 0000 0000 0000" WWW " 0006 0001",
     .want = PKT_NOTIMP,
     .qname = "www.example.com.",
     .qtype = 6,
     .qclass = 1},
    {.name = "notimp_update",
     .hex = "abcd 2800 0001 0000 0001 0000" WWW
            " 0006 0001 c00c 0001 00ff 00000000 0000",
     .want = PKT_NOTIMP,
     .qtype = 6,
     .qclass = 1},
    {.name = "notimp_opcode15_truncated",
     .noq = true,
     .hex = "abcd 7800 0001 0000 0000 0000 03",
     .want = PKT_NOTIMP},

    /* --- section counts (RFC 1035 section 4.1.2) --- */
    {.name = "formerr_qdcount_0",
     .noq = true,
     .hex = "abcd 0100 0000 0000 0000 0000",
     .want = PKT_FORMERR},
    {.name = "formerr_qdcount_2",
     .noq = true,
     .hex = "abcd 0100 0002 0000 0000 0000" Q_A Q_A,
     .want = PKT_FORMERR},
    {.name = "formerr_ancount",
     .hex = "abcd 0100 0001 0001 0000 0000" Q_A
            " c00c 0001 0001 00000000 0004 01020304",
     .want = PKT_FORMERR,
     .qname = "www.example.com.",
     .qtype = 1,
     .qclass = 1},
    {.name = "formerr_nscount",
     .hex = "abcd 0100 0001 0000 0001 0000" Q_A
            " c00c 0002 0001 00000000 0002 c00c",
     .want = PKT_FORMERR,
     .qtype = 1,
     .qclass = 1},

    /* --- question --- */
    {.name = "formerr_trunc_name",
     .noq = true,
     .hex = HDR("0000") "03 777777 07 6578",
     .want = PKT_FORMERR},
    {.name = "formerr_trunc_name_no_root",
     .noq = true,
     .hex = HDR("0000") "03 777777",
     .want = PKT_FORMERR},
    {.name = "formerr_trunc_type",
     .noq = true,
     .hex = HDR("0000") WWW " 00",
     .want = PKT_FORMERR},
    {.name = "formerr_no_type",
     .noq = true,
     .hex = HDR("0000") WWW,
     .want = PKT_FORMERR},
    {.name = "formerr_trunc_class",
     .noq = true,
     .hex = HDR("0000") WWW " 0001 00",
     .want = PKT_FORMERR},
    {.name = "formerr_label_64",
     .noq = true,
     .hex = HDR("0000") "40 61*64 00 0001 0001",
     .want = PKT_FORMERR},
    {.name = "formerr_label_type_80",
     .noq = true,
     .hex = HDR("0000") "80 61*64 00 0001 0001",
     .want = PKT_FORMERR},
    {.name = "formerr_name_256",
     .noq = true,
     .hex = HDR("0000") "3f 61*63 3f 62*63 3f 63*63 3e 64*62 00 0001 0001",
     .want = PKT_FORMERR},
    {.name = "formerr_name_257",
     .noq = true,
     .hex = HDR("0000") "3f 61*63 3f 62*63 3f 63*63 3f 64*63 00 0001 0001",
     .want = PKT_FORMERR},
    {.name = "formerr_qname_pointer",
     .noq = true,
     .hex = HDR("0000") "03 777777 c0 00 0001 0001",
     .want = PKT_FORMERR},
    {.name = "formerr_qname_pointer_self",
     .noq = true,
     .hex = HDR("0000") "c0 0c 0001 0001",
     .want = PKT_FORMERR},

    /* --- additional section --- */
    {.name = "formerr_ar_missing",
     .hex = HDR("0001") Q_A,
     .want = PKT_FORMERR,
     .qname = "www.example.com.",
     .qtype = 1,
     .qclass = 1},
    {.name = "formerr_ar_self_pointer",
     .hex = HDR("0001") Q_A " c021 0029 1000 00000000 0000",
     .want = PKT_FORMERR},
    {.name = "formerr_ar_loop",
     .hex = HDR("0001") Q_A " 01 61 c021 0029 1000 00000000 0000",
     .want = PKT_FORMERR},
    {.name = "formerr_ar_forward_pointer",
     .hex = HDR("0001") Q_A " c023 00 0029 1000 00000000 0000",
     .want = PKT_FORMERR},
    {.name = "formerr_ar_pointer_past_end",
     .hex = HDR("0001") Q_A " c0ff 0029 1000 00000000 0000",
     .want = PKT_FORMERR},
    {.name = "formerr_ar_trunc_rr",
     .hex = HDR("0001") Q_A " 00 0029 10",
     .want = PKT_FORMERR},
    {.name = "formerr_ar_trunc_rdlen",
     .hex = HDR("0001") Q_A " 00 0029 1000 00000000 00",
     .want = PKT_FORMERR},
    {.name = "formerr_ar_rdlen_past_end",
     .hex = HDR("0001") Q_A OPT("00000000", "0004") "000a",
     .want = PKT_FORMERR},
    {.name = "formerr_other_rr_rdlen_past_end",
     .hex = HDR("0001") Q_A " c00c 0010 0001 00000e10 0005 03616263",
     .want = PKT_FORMERR},
    {.name = "formerr_two_opt",
     .hex = HDR("0002") Q_A OPT0 OPT0,
     .want = PKT_FORMERR},
    {.name = "formerr_opt_owner_not_root",
     .hex = HDR("0001") Q_A " c00c 0029 1000 00000000 0000",
     .want = PKT_FORMERR},
    {.name = "formerr_opt_owner_label",
     .hex = HDR("0001") Q_A " 01 61 00 0029 1000 00000000 0000",
     .want = PKT_FORMERR},
    {.name = "formerr_option_overruns_rdlen",
     .hex =
         HDR("0001") Q_A OPT("00000000", "0008") "0008 0007 0001 18 00 c00002",
     .want = PKT_FORMERR},
    {.name = "formerr_option_header_truncated",
     .hex = HDR("0001") Q_A OPT("00000000", "0002") "0008",
     .want = PKT_FORMERR},
    {.name = "formerr_option_header_3_bytes",
     .hex = HDR("0001") Q_A OPT("00000000", "0003") "0008 00",
     .want = PKT_FORMERR},

    /* --- EDNS Client Subnet, RFC 7871 section 6 --- */
    {.name = "formerr_ecs_short",
     .hex = HDR("0001") Q_A OPT("00000000", "0007") "0008 0003 0001 18",
     .want = PKT_FORMERR},
    {.name = "formerr_ecs_family_0",
     .hex = HDR("0001") Q_A OPT("00000000", "0008") "0008 0004 0000 00 00",
     .want = PKT_FORMERR},
    {.name = "formerr_ecs_family_3",
     .hex =
         HDR("0001") Q_A OPT("00000000", "000b") "0008 0007 0003 18 00 c00002",
     .want = PKT_FORMERR},
    {.name = "formerr_ecs_v4_prefix_33",
     .hex = HDR("0001")
         Q_A OPT("00000000", "000d") "0008 0009 0001 21 00 c000020100",
     .want = PKT_FORMERR},
    {.name = "formerr_ecs_v6_prefix_129",
     .hex = HDR("0001") Q_A OPT(
         "00000000",
         "0019") "0008 0015 0002 81 00 20010db800000000000000000000000100",
     .want = PKT_FORMERR},
    {.name = "formerr_ecs_addr_too_long",
     .hex = HDR("0001")
         Q_A OPT("00000000", "000c") "0008 0008 0001 18 00 c0000200",
     .want = PKT_FORMERR},
    {.name = "formerr_ecs_addr_too_short",
     .hex = HDR("0001") Q_A OPT("00000000", "000a") "0008 0006 0001 18 00 c000",
     .want = PKT_FORMERR},
    {.name = "formerr_ecs_addr_for_prefix_0",
     .hex = HDR("0001") Q_A OPT("00000000", "0009") "0008 0005 0001 00 00 00",
     .want = PKT_FORMERR},
    {.name = "formerr_ecs_bits_past_prefix",
     .hex =
         HDR("0001") Q_A OPT("00000000", "000b") "0008 0007 0001 17 00 c00003",
     .want = PKT_FORMERR},
    {.name = "formerr_ecs_v6_bits_past_prefix",
     .hex = HDR("0001")
         Q_A OPT("00000000", "000f") "0008 000b 0002 34 00 20010db8abcdef",
     .want = PKT_FORMERR},
    {.name = "formerr_ecs_scope_nonzero",
     .hex =
         HDR("0001") Q_A OPT("00000000", "000b") "0008 0007 0001 18 18 c00002",
     .want = PKT_FORMERR},
    {.name = "formerr_ecs_twice",
     .hex = HDR("0001") Q_A OPT(
         "00000000",
         "0016") "0008 0007 0001 18 00 c00002 0008 0007 0001 18 00 c63364",
     .want = PKT_FORMERR},

    /* --- trailing bytes --- */
    {.name = "formerr_trailing_byte",
     .hex = HDR("0000") Q_A " 00",
     .want = PKT_FORMERR,
     .qname = "www.example.com.",
     .qtype = 1,
     .qclass = 1},
    {.name = "formerr_trailing_after_opt",
     .hex = HDR("0001") Q_A OPT0 "deadbeef",
     .want = PKT_FORMERR},

    /* --- EDNS version, RFC 6891 section 6.1.3 --- */
    {.name = "badvers_v1",
     .hex = HDR("0001") Q_A OPT("00010000", "0000"),
     .want = PKT_BADVERS,
     .qname = "www.example.com.",
     .qtype = 1,
     .qclass = 1,
     .edns = true,
     .udp = 4096,
     .version = 1},
    {.name = "badvers_v255_do",
     .hex = HDR("0001") Q_A OPT("00ff8000", "0000"),
     .want = PKT_BADVERS,
     .qtype = 1,
     .qclass = 1,
     .edns = true,
     .udp = 4096,
     .version = 255,
     .do_bit = true},
    {.name = "formerr_v1_trailing",
     .hex = HDR("0001") Q_A OPT("00010000", "0000") "00",
     .want = PKT_FORMERR},
    {.name = "formerr_v1_bad_ecs",
     .hex =
         HDR("0001") Q_A OPT("00010000", "000b") "0008 0007 0001 17 00 c00003",
     .want = PKT_FORMERR},
    {.name = "formerr_v1_two_opt",
     .hex = HDR("0002") Q_A OPT("00010000", "0000") OPT0,
     .want = PKT_FORMERR},
};

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int skip_space(const char **s)
{
	while (**s == ' ' || **s == '\t' || **s == '\n')
		(*s)++;
	return **s;
}

/* Decode the test hex notation into out; fails the test on bad syntax. */
static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;

	while (skip_space(&s) != '\0') {
		int hi = hexval(s[0]);
		int lo = hexval(s[1]);
		assert_true(hi >= 0 && lo >= 0);
		s += 2;
		unsigned long rep = 1;
		if (*s == '*') {
			char *end;
			rep = strtoul(s + 1, &end, 10);
			s = end;
		}
		assert_true(n + rep <= cap);
		memset(out + n, hi << 4 | lo, rep);
		n += rep;
	}
	return n;
}

/* Parse from an exact-size heap copy so ASan sees any over-read. */
static enum pkt_outcome parse_exact(const uint8_t *bytes, size_t len,
                                    struct pkt_query *q)
{
	uint8_t *copy = malloc(len ? len : 1);
	assert_non_null(copy);
	if (len > 0)
		memcpy(copy, bytes, len);
	enum pkt_outcome r = packet_parse_query(copy, len, q);
	free(copy);
	return r;
}

static void check_case(const struct pkt_case *c)
{
	uint8_t pkt[2048];
	struct pkt_query q;
	size_t len = unhex(c->hex, pkt, sizeof(pkt));

	/* Poison q so fields the parser forgets to set show up. */
	memset(&q, 0xA5, sizeof(q));
	enum pkt_outcome got = parse_exact(pkt, len, &q);
	if (got != c->want)
		fail_msg("%s: outcome %d, want %d", c->name, got, c->want);
	if (q.has_question == c->noq)
		fail_msg("%s: has_question %d", c->name, q.has_question);
	if (len >= PKT_HEADER_LEN) {
		assert_int_equal(q.id, 0xabcd);
		assert_int_equal(q.opcode, (pkt[2] >> 3) & 0x0F);
	}
	if (q.has_question) {
		uint8_t low[DNAME_MAXLEN];
		assert_int_equal(dname_check(q.qname, q.qname_len), q.qlabels);
		dname_tolower(low, q.qname, q.qname_len);
		assert_memory_equal(low, q.qname_lower, q.qname_len);
		if (c->qtype != 0 || c->qclass != 0) {
			assert_int_equal(q.qtype, c->qtype);
			assert_int_equal(q.qclass, c->qclass);
		}
	}
	if (c->qname != NULL) {
		char text[DNAME_STRLEN];
		uint8_t want[DNAME_MAXLEN];
		assert_true(q.has_question);
		dname_to_str(q.qname, q.qname_len, text, sizeof(text));
		if (strcmp(text, c->qname) != 0)
			fail_msg("%s: qname %s, want %s", c->name, text,
			         c->qname);
		int wl = dname_from_str(c->qname, want);
		assert_int_equal(wl, q.qname_len);
		assert_int_equal(q.qlabels, dname_labels(want, (size_t)wl));
	}
	if (got != PKT_OK && got != PKT_BADVERS)
		return;
	assert_int_equal(q.edns, c->edns);
	if (!c->edns)
		return;
	assert_int_equal(q.edns_udp_size, c->udp);
	assert_int_equal(q.edns_version, c->version);
	assert_int_equal(q.edns_do, c->do_bit);
	assert_int_equal(q.ecs.present, c->ecs_family != 0);
	if (c->ecs_family != 0) {
		uint8_t addr[16] = {0};
		unhex(c->ecs_addr, addr, sizeof(addr));
		assert_int_equal(q.ecs.family, c->ecs_family);
		assert_int_equal(q.ecs.source_prefix, c->ecs_prefix);
		assert_memory_equal(q.ecs.addr, addr, sizeof(addr));
	}
}

static void test_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < DNSD_ARRAY_LEN(cases); i++)
		check_case(&cases[i]);
}

/* Every prefix of a valid query: a header's worth or less is dropped,
 * anything between that and the whole packet is FORMERR. */
static void test_truncation(void **state)
{
	uint8_t pkt[256];
	struct pkt_query q;
	size_t len =
	    unhex(HDR("0001")
	              Q_A OPT("00008000", "000b") "0008 0007 0001 18 00 c00002",
	          pkt, sizeof(pkt));
	(void)state;

	assert_int_equal(parse_exact(pkt, len, &q), PKT_OK);
	for (size_t i = 0; i < len; i++) {
		enum pkt_outcome want =
		    i < PKT_HEADER_LEN ? PKT_DROP : PKT_FORMERR;
		if (parse_exact(pkt, i, &q) != want)
			fail_msg("prefix of %zu bytes: not %d", i, want);
		/* The question is complete from byte 33 on. */
		assert_int_equal(q.has_question, i >= 33);
	}
}

/* RFC 1035 section 4.1.1: every opcode but QUERY (0) is NOTIMP. */
static void test_opcodes(void **state)
{
	uint8_t pkt[64];
	struct pkt_query q;
	size_t len = unhex(HDR("0000") Q_A, pkt, sizeof(pkt));
	(void)state;

	for (unsigned op = 0; op < 16; op++) {
		pkt[2] = (uint8_t)(op << 3 | 0x01);
		enum pkt_outcome r = parse_exact(pkt, len, &q);
		assert_int_equal(r, op == 0 ? PKT_OK : PKT_NOTIMP);
		assert_int_equal(q.opcode, op);
		assert_true(q.has_question);
		assert_int_equal(q.flags & DNS_FLAG_RD, DNS_FLAG_RD);
	}
}

/* A random byte flipped anywhere must never crash or break invariants. */
static void test_bitflips(void **state)
{
	uint8_t base[256], pkt[256];
	struct pkt_query q;
	size_t len =
	    unhex(HDR("0002")
	              Q_A OPT("00008000",
	                      "000f") "0008 000b 0002 38 00 20010db8abcdef"
	                              " c00c 0010 0001 00000e10 0004 03616263",
	          base, sizeof(base));
	(void)state;

	for (size_t i = 0; i < len; i++) {
		for (unsigned bit = 0; bit < 8; bit++) {
			memcpy(pkt, base, len);
			pkt[i] ^= (uint8_t)(1u << bit);
			(void)parse_exact(pkt, len, &q);
			if (q.has_question)
				assert_true(dname_check(q.qname, q.qname_len) >=
				            0);
		}
	}
}

/* RFC 6891 section 7: a packet the ladder rejects before its additional
 * section still has its OPT found, so the error response can carry one. */
static void test_error_outcomes_find_opt(void **state)
{
	static const struct {
		const char *name, *hex;
		enum pkt_outcome want;
		bool edns;
	} c[] = {
	    {"qdcount 0 + OPT", "abcd 0100 0000 0000 0000 0001" OPT0,
	     PKT_FORMERR, true},
	    {"qdcount 2 + OPT", "abcd 0100 0002 0000 0000 0001" Q_A Q_A OPT0,
	     PKT_FORMERR, true},
	    {"qdcount 2, compressed 2nd + OPT",
	     "abcd 0100 0002 0000 0000 0001" Q_A "c00c 0001 0001" OPT0,
	     PKT_FORMERR, true},
	    {"ancount 1 + OPT",
	     "abcd 0100 0001 0001 0000 0001" Q_A
	     "c00c 0001 0001 0000003c 0004 01020304" OPT0,
	     PKT_FORMERR, true},
	    {"nscount 1 + OPT",
	     "abcd 0100 0001 0000 0001 0001" Q_A
	     "c00c 0001 0001 0000003c 0004 01020304" OPT0,
	     PKT_FORMERR, true},
	    {"NOTIFY + OPT", "abcd 2000 0001 0000 0000 0001" Q_A OPT0,
	     PKT_NOTIMP, true},
	    {"IQUERY qdcount 0 + OPT", "abcd 0800 0000 0000 0000 0001" OPT0,
	     PKT_NOTIMP, true},
	    {"qdcount 0, no OPT", "abcd 0100 0000 0000 0000 0000", PKT_FORMERR,
	     false},
	    {"qdcount 0, OPT cut short",
	     "abcd 0100 0000 0000 0000 0001 00 0029", PKT_FORMERR, false},
	    {"qdcount 0, OPT in the answer section",
	     "abcd 0100 0000 0001 0000 0000" OPT0, PKT_FORMERR, false},
	    {"qdcount 0, OPT with RDLENGTH past the end",
	     "abcd 0100 0000 0000 0000 0001" OPT("00000000", "0010"),
	     PKT_FORMERR, false},
	    {"qdcount 2, second question cut",
	     "abcd 0100 0002 0000 0000 0001" Q_A "03 777777" OPT0, PKT_FORMERR,
	     false},
	};
	(void)state;
	for (size_t i = 0; i < DNSD_ARRAY_LEN(c); i++) {
		uint8_t pkt[512];
		struct pkt_query q;
		size_t len = unhex(c[i].hex, pkt, sizeof(pkt));
		enum pkt_outcome got = packet_parse_query(pkt, len, &q);
		if (got != c[i].want || q.edns != c[i].edns)
			fail_msg("%s: outcome %d edns %d, want %d and %d",
			         c[i].name, got, q.edns, c[i].want, c[i].edns);
		if (q.edns)
			assert_int_equal(q.edns_udp_size, 4096);
	}
}

static void test_type_names(void **state)
{
	char buf[16];
	(void)state;

	assert_string_equal(dns_type_name(1, buf, sizeof(buf)), "A");
	assert_string_equal(dns_type_name(28, buf, sizeof(buf)), "AAAA");
	assert_string_equal(dns_type_name(5, buf, sizeof(buf)), "CNAME");
	assert_string_equal(dns_type_name(6, buf, sizeof(buf)), "SOA");
	assert_string_equal(dns_type_name(16, buf, sizeof(buf)), "TXT");
	assert_string_equal(dns_type_name(33, buf, sizeof(buf)), "SRV");
	assert_string_equal(dns_type_name(41, buf, sizeof(buf)), "OPT");
	assert_string_equal(dns_type_name(46, buf, sizeof(buf)), "RRSIG");
	assert_string_equal(dns_type_name(65, buf, sizeof(buf)), "HTTPS");
	assert_string_equal(dns_type_name(251, buf, sizeof(buf)), "IXFR");
	assert_string_equal(dns_type_name(252, buf, sizeof(buf)), "AXFR");
	assert_string_equal(dns_type_name(255, buf, sizeof(buf)), "ANY");
	assert_string_equal(dns_type_name(257, buf, sizeof(buf)), "CAA");
	assert_string_equal(dns_type_name(0, buf, sizeof(buf)), "TYPE0");
	assert_string_equal(dns_type_name(65280, buf, sizeof(buf)),
	                    "TYPE65280");
	/* Truncated, still terminated. */
	assert_string_equal(dns_type_name(65280, buf, 5), "TYPE");
	assert_string_equal(dns_type_name(1, buf, 0), "");
}

/* DNSD_DUMP_CORPUS=DIR writes every table packet to DIR/NAME, which is
 * how tests/fuzz/corpus/packet was seeded. */
static void dump_corpus(const char *dir)
{
	for (size_t i = 0; i < DNSD_ARRAY_LEN(cases); i++) {
		uint8_t pkt[2048];
		char path[512];
		size_t len = unhex(cases[i].hex, pkt, sizeof(pkt));
		snprintf(path, sizeof(path), "%s/%s", dir, cases[i].name);
		FILE *f = fopen(path, "wb");
		if (f == NULL) {
			perror(path);
			exit(1);
		}
		if (len > 0 && fwrite(pkt, 1, len, f) != len)
			exit(1);
		fclose(f);
	}
}

int main(void)
{
	const char *dump = getenv("DNSD_DUMP_CORPUS");
	if (dump != NULL) {
		dump_corpus(dump);
		return 0;
	}
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_truncation),
	    cmocka_unit_test(test_opcodes),
	    cmocka_unit_test(test_bitflips),
	    cmocka_unit_test(test_error_outcomes_find_opt),
	    cmocka_unit_test(test_type_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
