"""EDNS(0) (RFC 6891) and UDP truncation (SPEC section 3)."""

import struct

import dns.edns
import dns.flags
import dns.message
import dns.rdatatype

from harness import (Server, check, describe, expect_flag, expect_rcode, fail,
                     make_query, parse, query, rrset_values, shared_port,
                     tcp_exchange, udp_exchange, question_bytes, alive)

BIG = "big.example.test"        # 40 TXT of 100 bytes, ~4.5 KB
LARGE = "large.example.test"    # 20 TXT of 100 bytes, ~2.3 KB
MEDIUM = "medium.example.test"  # 6 TXT of 100 bytes, ~700 bytes


def _opt(resp, what):
    check(resp.edns >= 0, "%s: no OPT in the response;%s" % (what, describe(resp)))
    return resp


def test_edns_opt_echoed_with_our_payload():
    port = shared_port()
    for tcp in (False, True):
        for payload in (512, 1232, 4096, 65535):
            what = "www A EDNS payload %d (%s)" % (payload, "TCP" if tcp else "UDP")
            resp, _, _ = query(port, "www.example.test", "A", tcp=tcp, edns=payload)
            expect_rcode(resp, "NOERROR", what)
            _opt(resp, what)
            check(resp.edns == 0, "%s: OPT version %d" % (what, resp.edns))
            check(resp.payload == 1232,
                  "%s: OPT payload %d, expected udp_payload 1232" % (what, resp.payload))
            check(rrset_values(resp, "answer", "www.example.test", "A") == ["192.0.2.1"],
                  "%s: wrong answer;%s" % (what, describe(resp)))
    # without OPT in the query, none in the answer
    resp, _, _ = query(port, "www.example.test", "A")
    check(resp.edns == -1, "www A without EDNS: OPT in the response;%s" % describe(resp))


def test_edns_badvers():
    port = shared_port()
    for tcp in (False, True):
        for version in (1, 255):
            what = "www A EDNS version %d (%s)" % (version, "TCP" if tcp else "UDP")
            resp, raw, _ = query(port, "www.example.test", "A", tcp=tcp, edns=1232,
                                 edns_version=version)
            _opt(resp, what)
            check(resp.rcode() == 16,
                  "%s: rcode %d, expected BADVERS (16);%s" % (what, resp.rcode(), describe(resp)))
            check(resp.edns == 0, "%s: OPT version %d, expected 0" % (what, resp.edns))
            check(len(resp.answer) == 0, "%s: answer present with BADVERS;%s" % (what, describe(resp)))
            check(raw[3] & 0x0F == 0, "%s: header RCODE bits %d, expected 0 (16 = OPT ext 1)"
                  % (what, raw[3] & 0x0F))


def _two_opts(qid=7777):
    wire = bytearray(make_query("www.example.test", "A", qid=qid, edns=1232))
    opt = b"\x00" + struct.pack("!HHIH", 41, 1232, 0, 0)
    ar = struct.unpack("!H", wire[10:12])[0]
    wire[10:12] = struct.pack("!H", ar + 1)
    return bytes(wire) + opt


def test_edns_two_opts_formerr():
    port = shared_port()
    wire = _two_opts()
    for tcp in (False, True):
        what = "query with two OPT RRs (%s)" % ("TCP" if tcp else "UDP")
        raw = (tcp_exchange if tcp else udp_exchange)(wire, port)
        check(raw is not None, "%s: no answer, expected FORMERR" % what)
        check(raw[:2] == wire[:2], "%s: id not echoed" % what)
        check(raw[2] & 0x80, "%s: QR not set" % what)
        check(raw[3] & 0x0F == 1, "%s: rcode %d, expected FORMERR (1): %s"
              % (what, raw[3] & 0x0F, raw.hex()))
    alive(port, "after two-OPT query")


def _opt_rr(payload=1232):
    return b"\x00" + struct.pack("!HHIH", 41, payload, 0, 0)


def test_error_responses_carry_opt_when_the_query_has_one():
    # RFC 6891 section 7: a query with an OPT gets an OPT back, error
    # responses included (section 6.1.1's FORMERR, NOTIMP), even when the
    # ladder rejects the packet before its question.
    port = shared_port()
    q = b"\x03www\x07example\x04test\x00\x00\x01\x00\x01"
    rr_a = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + b"\x01\x02\x03\x04"

    def hdr(flags, qd, an, ar):
        return struct.pack("!6H", 0x4242, flags, qd, an, 0, ar)

    cases = [
        ("QDCOUNT 0 with OPT", hdr(0x0100, 0, 0, 1) + _opt_rr(), 1, True),
        ("QDCOUNT 2 with OPT", hdr(0x0100, 2, 0, 1) + q + q + _opt_rr(), 1, True),
        ("ANCOUNT 1 with OPT", hdr(0x0100, 1, 1, 1) + q + rr_a + _opt_rr(), 1, True),
        ("opcode NOTIFY with OPT", hdr(0x2000, 1, 0, 1) + q + _opt_rr(), 4, True),
        ("QDCOUNT 0 without OPT", hdr(0x0100, 0, 0, 0), 1, False),
        ("QDCOUNT 0, OPT cut short", hdr(0x0100, 0, 0, 1) + _opt_rr()[:8], 1, False),
    ]
    for tcp in (False, True):
        for what, wire, rcode, want_opt in cases:
            what = "%s (%s)" % (what, "TCP" if tcp else "UDP")
            raw = (tcp_exchange if tcp else udp_exchange)(wire, port)
            check(raw is not None and len(raw) >= 12, "%s: no answer" % what)
            check(raw[3] & 0x0F == rcode, "%s: rcode %d, expected %d: %s"
                  % (what, raw[3] & 0x0F, rcode, raw.hex()))
            arcount = struct.unpack("!H", raw[10:12])[0]
            if want_opt:
                # the OPT is the last record: root owner, type 41, our
                # payload, version 0, no options
                check(arcount == 1 and raw[-11:-8] == b"\x00\x00\x29"
                      and raw[-4:] == b"\x00\x00\x00\x00",
                      "%s: no OPT in the response (ARCOUNT %d): %s" % (what, arcount, raw.hex()))
            else:
                check(arcount == 0, "%s: ARCOUNT %d, expected no OPT: %s"
                      % (what, arcount, raw.hex()))
    alive(port, "after error responses with OPT")


def test_edns_do_bit_and_options():
    port = shared_port()
    opts = [dns.edns.GenericOption(65001, b"hello"),  # unknown option: ignored
            dns.edns.ECSOption("192.0.2.0", 24)]
    for tcp in (False, True):
        for kw in ({"do": True}, {"options": opts}, {"do": True, "options": opts}):
            what = "www A EDNS %s (%s)" % (sorted(kw), "TCP" if tcp else "UDP")
            resp, _, _ = query(port, "www.example.test", "A", tcp=tcp, edns=1232, **kw)
            expect_rcode(resp, "NOERROR", what)
            expect_flag(resp, "AA", True, what)
            _opt(resp, what)
            check(rrset_values(resp, "answer", "www.example.test", "A") == ["192.0.2.1"],
                  "%s: wrong answer;%s" % (what, describe(resp)))
    # an NXDOMAIN with DO still carries the SOA
    resp, _, _ = query(port, "nothere.example.test", "A", edns=1232, do=True)
    expect_rcode(resp, "NXDOMAIN", "nothere A DO=1")
    check(any(r.rdtype == dns.rdatatype.SOA for r in resp.authority),
          "nothere A DO=1: no SOA;%s" % describe(resp))


def _udp_raw(port, name, qtype, **kw):
    wire = make_query(name, qtype, **kw)
    raw = udp_exchange(wire, port)
    check(raw is not None, "no UDP answer to %s %s %s" % (name, qtype, kw))
    return raw, wire


def _parse_tc(raw, what):
    try:
        return dns.message.from_wire(raw, raise_on_truncation=False)
    except Exception as e:  # noqa: BLE001
        fail("%s: truncated response does not parse (%s): %s" % (what, e, raw.hex()))


def _expect_truncated(raw, wire, limit, what):
    check(len(raw) <= limit, "%s: response is %d bytes, limit %d" % (what, len(raw), limit))
    check(raw[2] & 0x02, "%s: TC=0 on a %d-byte response that cannot hold the answer"
          % (what, len(raw)))
    check(raw[:2] == wire[:2], "%s: id not echoed" % what)
    qb = question_bytes(wire)
    check(raw[12:12 + len(qb)] == qb, "%s: question not echoed in the truncated response" % what)
    m = _parse_tc(raw, what)
    check(m.rcode() == 0, "%s: rcode %d on a truncated answer" % (what, m.rcode()))
    check(m.flags & dns.flags.AA, "%s: AA=0 on a truncated answer" % what)
    return m


def test_truncation_without_edns():
    port = shared_port()
    for name in (BIG, MEDIUM):
        raw, wire = _udp_raw(port, name, "TXT")
        _expect_truncated(raw, wire, 512, "%s TXT over UDP without EDNS" % name)


def test_truncation_with_edns():
    port = shared_port()
    # client 4096, our udp_payload 1232: limit 1232
    raw, wire = _udp_raw(port, BIG, "TXT", edns=4096)
    m = _expect_truncated(raw, wire, 1232, "%s TXT EDNS 4096 (udp_payload 1232)" % BIG)
    check(m.edns == 0, "%s TXT EDNS 4096: truncated response lacks OPT" % BIG)
    raw, wire = _udp_raw(port, LARGE, "TXT", edns=4096)
    _expect_truncated(raw, wire, 1232, "%s TXT EDNS 4096 (udp_payload 1232)" % LARGE)
    # client 1000 < 1232: limit 1000
    raw, wire = _udp_raw(port, LARGE, "TXT", edns=1000)
    _expect_truncated(raw, wire, 1000, "%s TXT EDNS 1000" % LARGE)
    # client below 512 counts as 512 (RFC 6891 section 6.2.5)
    raw, wire = _udp_raw(port, MEDIUM, "TXT", edns=100)
    check(len(raw) <= 512, "%s TXT EDNS 100: %d bytes" % (MEDIUM, len(raw)))
    # medium fits in 1232: whole and TC=0
    raw, wire = _udp_raw(port, MEDIUM, "TXT", edns=1232)
    m = parse(raw, "medium EDNS 1232: ")
    expect_flag(m, "TC", False, "%s TXT EDNS 1232 (fits)" % MEDIUM)
    got = rrset_values(m, "answer", MEDIUM, "TXT")
    check(got is not None and len(got) == 6, "%s TXT EDNS 1232: %s;%s"
          % (MEDIUM, got and len(got), describe(m)))


def test_truncated_answer_full_over_tcp():
    port = shared_port()
    for name, count in ((BIG, 40), (LARGE, 20), (MEDIUM, 6)):
        for edns in (None, 4096):
            what = "%s TXT over TCP (EDNS %s)" % (name, edns)
            resp, raw, _ = query(port, name, "TXT", tcp=True, edns=edns)
            expect_rcode(resp, "NOERROR", what)
            expect_flag(resp, "TC", False, what)
            got = rrset_values(resp, "answer", name, "TXT")
            check(got is not None and len(got) == count,
                  "%s: %s records, expected %d" % (what, got and len(got), count))
            check(all(len(t) == 101 for t in got), "%s: record data changed" % what)


def test_udp_payload_setting():
    with Server(server_opts={"udp_payload": "4096"}) as s:
        resp, raw, _ = query(s.port, LARGE, "TXT", edns=4096)
        what = "%s TXT EDNS 4096 with udp_payload = 4096" % LARGE
        check(resp.payload == 4096, "%s: OPT payload %d" % (what, resp.payload))
        expect_flag(resp, "TC", False, what)
        got = rrset_values(resp, "answer", LARGE, "TXT")
        check(got is not None and len(got) == 20, "%s: %s records" % (what, got and len(got)))
        raw, wire = _udp_raw(s.port, BIG, "TXT", edns=4096)
        _expect_truncated(raw, wire, 4096, "%s TXT EDNS 4096 with udp_payload = 4096" % BIG)
        raw, wire = _udp_raw(s.port, LARGE, "TXT")
        _expect_truncated(raw, wire, 512, "%s TXT no EDNS with udp_payload = 4096" % LARGE)
