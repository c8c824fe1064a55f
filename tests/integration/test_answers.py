"""Authoritative answers from static zones (SPEC section 3), on the shared
server loaded with data/example.test.zone, other.test.zone and
child.other.test.zone."""

import random
import re
import socket
import struct
import time
from struct import error as struct_error

import dns.flags
import dns.name
import dns.rdatatype

from harness import (SCALE, Server, alive, wait_for, check, describe, expect_flag, expect_negative,
                     expect_rcode, fail, make_query, parse, query, rcode_name,
                     question_bytes, rrset_values, section_types,
                     shared_port, tcp_exchange, udp_exchange, wire_sizes)

EX_NEG_TTL = 300     # example.test: SOA TTL 3600, MINIMUM 300
OTHER_NEG_TTL = 60   # other.test: SOA TTL 60, MINIMUM 600


def _basic(tcp, host="127.0.0.1"):
    port = shared_port()
    proto = "TCP" if tcp else "UDP"
    for qtype, want in (("A", ["192.0.2.1"]), ("AAAA", ["2001:db8::1"])):
        what = "%s %s www.example.test %s" % (proto, host, qtype)
        resp, _, _ = query(port, "www.example.test", qtype, tcp=tcp, host=host)
        expect_rcode(resp, "NOERROR", what)
        expect_flag(resp, "QR", True, what)
        expect_flag(resp, "AA", True, what)
        expect_flag(resp, "RA", False, what)
        expect_flag(resp, "TC", False, what)
        got = rrset_values(resp, "answer", "www.example.test", qtype)
        check(got == want, "%s: answer %s, expected %s;%s" % (what, got, want, describe(resp)))
        check(len(resp.answer) == 1, "%s: expected one answer RRset;%s" % (what, describe(resp)))
        check(resp.answer[0].ttl == 300, "%s: TTL %d, expected 300" % (what, resp.answer[0].ttl))


def test_udp_a_aaaa():
    _basic(tcp=False)


def test_tcp_a_aaaa():
    _basic(tcp=True)


def test_ipv6_listen_udp_tcp():
    import harness
    if not harness.HAVE_IPV6:
        print("     (no IPv6 loopback here: ::1 not tested)")
        return
    _basic(tcp=False, host="::1")
    _basic(tcp=True, host="::1")


def test_id_echoed_and_rd_copied():
    port = shared_port()
    for tcp in (False, True):
        for rd in (True, False):
            for qid in (0, 0xFFFF, random.randint(1, 0xFFFE)):
                what = "%s query id=%d RD=%d" % ("TCP" if tcp else "UDP", qid, rd)
                resp, raw, _ = query(port, "www.example.test", "A", tcp=tcp, qid=qid, rd=rd)
                check(resp.id == qid, "%s: reply id %d" % (what, resp.id))
                expect_flag(resp, "RD", rd, what)
                expect_flag(resp, "RA", False, what)
                expect_flag(resp, "AA", True, what)
                expect_flag(resp, "CD", False, what)


def test_question_echoed_with_client_case():
    port = shared_port()
    for tcp in (False, True):
        for name in ("WwW.ExAmPlE.TeSt", "WWW.EXAMPLE.TEST", "www.Example.test"):
            what = "%s %s A" % ("TCP" if tcp else "UDP", name)
            resp, raw, wire = query(port, name, "A", tcp=tcp)
            expect_rcode(resp, "NOERROR", what)
            qb = question_bytes(wire)
            check(raw[4:6] == b"\x00\x01", "%s: QDCOUNT %r, expected 1" % (what, raw[4:6]))
            check(raw[12:12 + len(qb)] == qb,
                  "%s: question bytes %r, expected the client's %r"
                  % (what, raw[12:12 + len(qb)], qb))
            got = rrset_values(resp, "answer", "www.example.test", "A")
            check(got == ["192.0.2.1"], "%s: case-insensitive match failed;%s" % (what, describe(resp)))


def test_multi_rr_set_and_types():
    port = shared_port()
    cases = [
        ("multi.example.test", "A",
         ["192.0.2.10", "192.0.2.11", "192.0.2.12", "192.0.2.13"]),
        ("txt.example.test", "TXT", ['"hello world" "second string"']),
        ("example.test", "MX", ["10 mail.example.test."]),
        ("example.test", "TXT", ['"v=spf1 -all"']),
        ("example.test", "NS", ["ns1.example.test.", "ns2.example.test."]),
        ("ns2.example.test", "AAAA", ["2001:db8::54"]),
        ("www.other.test", "A", ["198.51.100.1"]),
    ]
    for name, qtype, want in cases:
        what = "%s %s" % (name, qtype)
        resp, _, _ = query(port, name, qtype)
        expect_rcode(resp, "NOERROR", what)
        expect_flag(resp, "AA", True, what)
        got = rrset_values(resp, "answer", name, qtype)
        check(got == want, "%s: answer %s, expected %s;%s" % (what, got, want, describe(resp)))
    resp, _, _ = query(port, "example.test", "SOA")
    got = rrset_values(resp, "answer", "example.test", "SOA")
    check(got == ["ns1.example.test. hostmaster.example.test. 2026112101 7200 900 1209600 300"],
          "example.test SOA: answer %s;%s" % (got, describe(resp)))
    check(resp.answer[0].ttl == 3600, "example.test SOA: TTL %d, expected 3600" % resp.answer[0].ttl)


def test_longest_zone_wins():
    port = shared_port()
    resp, _, _ = query(port, "www.child.other.test", "A")
    expect_rcode(resp, "NOERROR", "www.child.other.test A")
    expect_flag(resp, "AA", True, "www.child.other.test A")
    got = rrset_values(resp, "answer", "www.child.other.test", "A")
    check(got == ["203.0.113.7"], "www.child.other.test A: %s;%s" % (got, describe(resp)))
    resp, _, _ = query(port, "nope.child.other.test", "A")
    expect_negative(resp, "child.other.test", 120, "nope.child.other.test A", "NXDOMAIN")


def test_nxdomain_soa_negative_ttl():
    port = shared_port()
    for tcp in (False, True):
        resp, _, _ = query(port, "nothere.example.test", "A", tcp=tcp)
        expect_negative(resp, "example.test", EX_NEG_TTL, "nothere.example.test A", "NXDOMAIN")
    resp, _, _ = query(port, "a.b.c.nothere.example.test", "AAAA")
    expect_negative(resp, "example.test", EX_NEG_TTL, "a.b.c.nothere.example.test AAAA", "NXDOMAIN")
    # other.test has SOA TTL 60 < MINIMUM 600: the other side of the min().
    resp, _, _ = query(port, "nothere.other.test", "A")
    expect_negative(resp, "other.test", OTHER_NEG_TTL, "nothere.other.test A", "NXDOMAIN")


def test_nodata_soa_negative_ttl():
    port = shared_port()
    cases = [("www.example.test", "MX"), ("mail.example.test", "AAAA"),
             ("www.example.test", "TYPE65280"), ("www.example.test", "DS"),
             ("ns1.example.test", "TXT")]
    for name, qtype in cases:
        resp, _, _ = query(port, name, qtype)
        expect_negative(resp, "example.test", EX_NEG_TTL, "%s %s" % (name, qtype))
    resp, _, _ = query(port, "www.other.test", "AAAA")
    expect_negative(resp, "other.test", OTHER_NEG_TTL, "www.other.test AAAA")


def test_empty_non_terminal_is_nodata():
    port = shared_port()
    for name in ("y.example.test", "Y.Example.Test"):
        for qtype in ("A", "TXT", "ANY"):
            resp, _, _ = query(port, name, qtype)
            expect_negative(resp, "example.test", EX_NEG_TTL, "ENT %s %s" % (name, qtype))
    resp, _, _ = query(port, "x.y.example.test", "A")
    got = rrset_values(resp, "answer", "x.y.example.test", "A")
    check(got == ["192.0.2.77"], "x.y.example.test A: %s;%s" % (got, describe(resp)))
    resp, _, _ = query(port, "z.y.example.test", "A")
    expect_negative(resp, "example.test", EX_NEG_TTL, "z.y.example.test A (below ENT)", "NXDOMAIN")


def test_cname_chain_followed():
    port = shared_port()
    for tcp in (False, True):
        what = "alias.example.test A (%s)" % ("TCP" if tcp else "UDP")
        resp, _, _ = query(port, "alias.example.test", "A", tcp=tcp)
        expect_rcode(resp, "NOERROR", what)
        expect_flag(resp, "AA", True, what)
        got = section_types(resp, "answer")
        want = [("alias.example.test.", "CNAME"), ("alias2.example.test.", "CNAME"),
                ("www.example.test.", "A")]
        check(got == want, "%s: answer %s, expected %s;%s" % (what, got, want, describe(resp)))
        check(rrset_values(resp, "answer", "alias.example.test", "CNAME") == ["alias2.example.test."],
              "%s: wrong CNAME target;%s" % (what, describe(resp)))
        check(rrset_values(resp, "answer", "www.example.test", "A") == ["192.0.2.1"],
              "%s: wrong final A;%s" % (what, describe(resp)))
    # AAAA through the chain
    resp, _, _ = query(port, "alias.example.test", "AAAA")
    check(rrset_values(resp, "answer", "www.example.test", "AAAA") == ["2001:db8::1"],
          "alias.example.test AAAA: chain not followed;%s" % describe(resp))
    # Asking for the CNAME itself does not chase it.
    resp, _, _ = query(port, "alias.example.test", "CNAME")
    got = section_types(resp, "answer")
    check(got == [("alias.example.test.", "CNAME")],
          "alias.example.test CNAME: answer %s, expected only the CNAME;%s" % (got, describe(resp)))
    # Chain ending in NODATA: CNAMEs, no final RRset, SOA in authority.
    resp, _, _ = query(port, "alias.example.test", "MX")
    expect_rcode(resp, "NOERROR", "alias.example.test MX")
    got = section_types(resp, "answer")
    check(got == [("alias.example.test.", "CNAME"), ("alias2.example.test.", "CNAME")],
          "alias.example.test MX: answer %s, expected the two CNAMEs;%s" % (got, describe(resp)))
    check(any(r.rdtype == dns.rdatatype.SOA for r in resp.authority),
          "alias.example.test MX: no SOA in authority for the NODATA at the end;%s" % describe(resp))


def test_cname_to_outside():
    port = shared_port()
    resp, _, _ = query(port, "out.example.test", "A")
    expect_rcode(resp, "NOERROR", "out.example.test A")
    expect_flag(resp, "AA", True, "out.example.test A")
    got = section_types(resp, "answer")
    check(got == [("out.example.test.", "CNAME")],
          "out.example.test A: answer %s, expected just the CNAME;%s" % (got, describe(resp)))
    check(rrset_values(resp, "answer", "out.example.test", "CNAME") == ["www.example.net."],
          "out.example.test A: wrong CNAME;%s" % describe(resp))


def test_cname_to_missing_name_in_zone():
    # RFC 6604: the RCODE describes the last name of the chain.
    port = shared_port()
    resp, _, _ = query(port, "dangling.example.test", "A")
    expect_rcode(resp, "NXDOMAIN", "dangling.example.test A (CNAME to a missing in-zone name)")
    got = section_types(resp, "answer")
    check(got == [("dangling.example.test.", "CNAME")],
          "dangling.example.test A: answer %s, expected the CNAME;%s" % (got, describe(resp)))
    check(any(r.rdtype == dns.rdatatype.SOA for r in resp.authority),
          "dangling.example.test A: no SOA in authority;%s" % describe(resp))


def test_cname_into_other_served_zone():
    port = shared_port()
    resp, _, _ = query(port, "cross.example.test", "A")
    expect_rcode(resp, "NOERROR", "cross.example.test A")
    got = section_types(resp, "answer")
    check(got[:1] == [("cross.example.test.", "CNAME")],
          "cross.example.test A: answer %s, expected the CNAME first;%s" % (got, describe(resp)))
    if len(got) > 1:  # following into another of our zones is allowed
        check(got == [("cross.example.test.", "CNAME"), ("www.other.test.", "A")]
              and rrset_values(resp, "answer", "www.other.test", "A") == ["198.51.100.1"],
              "cross.example.test A: wrong chained answer;%s" % describe(resp))


def _ancount(raw):
    """ANCOUNT as sent: dnspython merges repeated records into one RRset,
    so duplicates only show in the header's count."""
    return struct.unpack("!H", raw[6:8])[0]


def test_cname_loop_stops_at_first_repeated_name():
    # RFC 2181 section 5: an RRset holds no duplicates, so a loop is
    # answered up to the first name seen again, each CNAME once.
    port = shared_port()
    cases = (("self.example.test", ["self.example.test."]),
             ("loop-a.example.test", ["loop-a.example.test.", "loop-b.example.test."]),
             ("loop-b.example.test", ["loop-b.example.test.", "loop-a.example.test."]))
    for tcp in (False, True):
        for name, owners in cases:
            for qtype in ("A", "AAAA", "TXT"):
                what = "%s %s (%s)" % (name, qtype, "TCP" if tcp else "UDP")
                resp, raw, _ = query(port, name, qtype, tcp=tcp)
                expect_rcode(resp, "NOERROR", what)
                got = section_types(resp, "answer")
                want = [(o, "CNAME") for o in owners]
                check(got == want and _ancount(raw) == len(owners),
                      "%s: answer %s (ANCOUNT %d), expected %s once each;%s"
                      % (what, got, _ancount(raw), want, describe(resp)))
    alive(port, "after CNAME loop")


def test_cname_chain_of_8_followed_9th_not():
    # README: up to 8 CNAME links are followed; c8-1 .. c8-8 is 8 links
    # ending at www, c9-1 .. c9-9 is 9: its last CNAME is given for the
    # resolver to chase, unfollowed.
    port = shared_port()
    for tcp in (False, True):
        proto = "TCP" if tcp else "UDP"
        resp, raw, _ = query(port, "c8-1.example.test", "A", tcp=tcp)
        what = "c8-1.example.test A (8 CNAMEs, %s)" % proto
        expect_rcode(resp, "NOERROR", what)
        want = [("c8-%d.example.test." % i, "CNAME") for i in range(1, 9)]
        want.append(("www.example.test.", "A"))
        check(section_types(resp, "answer") == want and _ancount(raw) == 9,
              "%s: answer %s, expected %s;%s"
              % (what, section_types(resp, "answer"), want, describe(resp)))
        check(rrset_values(resp, "answer", "www.example.test", "A") == ["192.0.2.1"],
              "%s: no final address;%s" % (what, describe(resp)))
        resp, raw, _ = query(port, "c9-1.example.test", "A", tcp=tcp)
        what = "c9-1.example.test A (9 CNAMEs, %s)" % proto
        expect_rcode(resp, "NOERROR", what)
        want = [("c9-%d.example.test." % i, "CNAME") for i in range(1, 10)]
        check(section_types(resp, "answer") == want and _ancount(raw) == 9,
              "%s: answer %s, expected the 9 CNAMEs and no address;%s"
              % (what, section_types(resp, "answer"), describe(resp)))
        check(rrset_values(resp, "answer", "c9-9.example.test", "CNAME") == ["www.example.test."],
              "%s: last CNAME wrong;%s" % (what, describe(resp)))


def _expect_referral(resp, what, tcp=False):
    expect_rcode(resp, "NOERROR", what)
    expect_flag(resp, "AA", False, what)
    check(len(resp.answer) == 0, "%s: referral with answers;%s" % (what, describe(resp)))
    ns = rrset_values(resp, "authority", "sub.example.test", "NS")
    check(ns == ["ns.sub.example.test."], "%s: authority NS %s;%s" % (what, ns, describe(resp)))
    check(not any(r.rdtype == dns.rdatatype.SOA for r in resp.authority),
          "%s: SOA in a referral;%s" % (what, describe(resp)))
    a = rrset_values(resp, "additional", "ns.sub.example.test", "A")
    aaaa = rrset_values(resp, "additional", "ns.sub.example.test", "AAAA")
    check(a == ["192.0.2.200"] and aaaa == ["2001:db8::200"],
          "%s: glue A %s AAAA %s;%s" % (what, a, aaaa, describe(resp)))


def test_referral_below_cut():
    port = shared_port()
    for tcp in (False, True):
        for name, qtype in (("host.sub.example.test", "A"), ("a.b.sub.example.test", "AAAA"),
                            ("sub.example.test", "A"), ("sub.example.test", "NS"),
                            ("ns.sub.example.test", "A")):
            resp, _, _ = query(port, name, qtype, tcp=tcp)
            _expect_referral(resp, "%s %s (%s)" % (name, qtype, "TCP" if tcp else "UDP"))


def test_ds_at_cut_answered_by_parent():
    port = shared_port()
    resp, _, _ = query(port, "sub.example.test", "DS")
    expect_negative(resp, "example.test", EX_NEG_TTL, "sub.example.test DS (parent side of the cut)")


DS_CHILD = "60485 13 2 d4b7d520e7bb5f0f67674a0cceb1e3e0614b93c4f9e99b8383f6a1e4469da50a"


def test_ds_for_served_child_zone_from_parent():
    # RFC 4035 section 3.1.4.1: DS lives on the parent side of the cut,
    # also when this server serves the child zone too.
    port = shared_port()
    for tcp in (False, True):
        what = "child.other.test DS (%s)" % ("TCP" if tcp else "UDP")
        resp, _, _ = query(port, "child.other.test", "DS", tcp=tcp)
        expect_rcode(resp, "NOERROR", what)
        expect_flag(resp, "AA", True, what)
        got = rrset_values(resp, "answer", "child.other.test", "DS")
        check(got is not None and [g.lower() for g in got] == [DS_CHILD],
              "%s: answer %s, expected the parent's DS RRset;%s" % (what, got, describe(resp)))
        check(not any(r.rdtype == dns.rdatatype.SOA for r in resp.authority),
              "%s: SOA in authority;%s" % (what, describe(resp)))
    # The child zone still answers everything else at its apex.
    resp, _, _ = query(port, "child.other.test", "SOA")
    check(rrset_values(resp, "answer", "child.other.test", "SOA") is not None,
          "child.other.test SOA not from the child zone;%s" % describe(resp))
    # The apex of a zone whose parent is not served: the zone itself.
    resp, _, _ = query(port, "example.test", "DS")
    expect_negative(resp, "example.test", EX_NEG_TTL, "example.test DS (parent not served)")


PARENT = """$ORIGIN p.test.
$TTL 600
@	IN	SOA	ns.p.test. admin.p.test. 1 3600 600 86400 30
@	IN	NS	ns
ns	IN	A	192.0.2.53
nods	IN	NS	ns.p.test.
"""
CHILD = """$ORIGIN %s.p.test.
$TTL 600
@	IN	SOA	ns.p.test. admin.p.test. 1 3600 600 86400 40
@	IN	NS	ns.p.test.
www	IN	A	192.0.2.80
"""


def test_ds_for_served_child_without_ds_is_parents_negative():
    # A delegation without DS: the parent's NODATA with the parent's SOA; a
    # child the parent does not delegate: the parent's NXDOMAIN.
    zones = {"p.test": PARENT, "nods.p.test": CHILD % "nods",
             "lone.p.test": CHILD % "lone"}
    with Server(zones=zones) as srv:
        for tcp in (False, True):
            proto = "TCP" if tcp else "UDP"
            resp, _, _ = query(srv.port, "nods.p.test", "DS", tcp=tcp)
            expect_negative(resp, "p.test", 30, "nods.p.test DS (%s)" % proto)
            resp, _, _ = query(srv.port, "lone.p.test", "DS", tcp=tcp)
            expect_negative(resp, "p.test", 30, "lone.p.test DS (%s)" % proto, "NXDOMAIN")
            resp, _, _ = query(srv.port, "www.nods.p.test", "A", tcp=tcp)
            check(rrset_values(resp, "answer", "www.nods.p.test", "A") == ["192.0.2.80"],
                  "www.nods.p.test A not from the child;%s" % describe(resp))


def test_outside_zones_refused():
    port = shared_port()
    for name in ("www.example.net", "test", "xexample.test", "example.test.example.com",
                 "notother.test", "."):
        for tcp in (False, True):
            what = "%s A (%s)" % (name, "TCP" if tcp else "UDP")
            resp, raw, wire = query(port, name, "A", tcp=tcp)
            expect_rcode(resp, "REFUSED", what)
            check(len(resp.answer) == 0, "%s: REFUSED with answers;%s" % (what, describe(resp)))
            qb = question_bytes(wire)
            check(raw[12:12 + len(qb)] == qb, "%s: question not echoed" % what)


def test_axfr_ixfr_refused():
    port = shared_port()
    for qtype in ("AXFR", "IXFR"):
        for tcp in (False, True):
            what = "example.test %s (%s)" % (qtype, "TCP" if tcp else "UDP")
            resp, _, _ = query(port, "example.test", qtype, tcp=tcp)
            expect_rcode(resp, "REFUSED", what)
            check(len(resp.answer) == 0, "%s: answer present;%s" % (what, describe(resp)))


def test_chaos_class_refused():
    # CHAOS is only for explain queries at load-balanced names; none here.
    port = shared_port()
    for name in ("version.bind", "www.example.test"):
        resp, _, _ = query(port, name, "TXT", qclass="CH")
        expect_rcode(resp, "REFUSED", "%s CH TXT" % name)


def test_any_minimal():
    port = shared_port()
    cases = {
        "www.example.test": {"A", "AAAA"},
        "example.test": {"SOA", "NS", "MX", "TXT"},
        "txt.example.test": {"TXT"},
        "multi.example.test": {"A"},
        "foo.wild.example.test": {"A", "TXT"},
    }
    for name, allowed in cases.items():
        for tcp in (False, True):
            what = "%s ANY (%s)" % (name, "TCP" if tcp else "UDP")
            resp, _, _ = query(port, name, "ANY", tcp=tcp)
            expect_rcode(resp, "NOERROR", what)
            expect_flag(resp, "AA", True, what)
            check(len(resp.answer) == 1,
                  "%s: %d RRsets in answer, expected exactly one (RFC 8482);%s"
                  % (what, len(resp.answer), describe(resp)))
            rrs = resp.answer[0]
            t = dns.rdatatype.to_text(rrs.rdtype)
            check(t in allowed and rrs.name == dns.name.from_text(name),
                  "%s: RRset %s %s is not one that exists there;%s" % (what, rrs.name, t, describe(resp)))
    resp, _, _ = query(port, "multi.example.test", "ANY")
    check(len(resp.answer[0]) == 4, "multi ANY: the RRset must be whole;%s" % describe(resp))
    resp, _, _ = query(port, "nothere.example.test", "ANY")
    expect_negative(resp, "example.test", EX_NEG_TTL, "nothere.example.test ANY", "NXDOMAIN")


def test_names_compressed():
    port = shared_port()
    for name, qtype in (("example.test", "NS"), ("example.test", "MX"),
                        ("alias.example.test", "A"), ("nothere.example.test", "A"),
                        ("host.sub.example.test", "A")):
        what = "%s %s" % (name, qtype)
        _, raw, _ = query(port, name, qtype)
        try:
            ptrs, uncompressed = wire_sizes(raw)
        except (ValueError, IndexError) as e:
            fail("%s: response does not walk: %s (%s)" % (what, e, raw.hex()))
        check(ptrs > 0, "%s: no compression pointer in the response (%s)" % (what, raw.hex()))
        check(len(raw) < uncompressed,
              "%s: response is %d bytes, uncompressed would be %d" % (what, len(raw), uncompressed))


def test_raw_udp_tcp_same_answer():
    # the same query over UDP and TCP gives the same sections
    port = shared_port()
    for name, qtype in (("alias.example.test", "A"), ("host.sub.example.test", "A"),
                        ("nothere.example.test", "A")):
        wire = make_query(name, qtype, qid=4242)
        u = udp_exchange(wire, port)
        t = tcp_exchange(wire, port)
        check(u is not None and t is not None, "%s %s: no UDP or TCP answer" % (name, qtype))
        mu, mt = parse(u), parse(t)
        check(mu.to_text() == mt.to_text(),
              "%s %s: UDP and TCP answers differ:%s\n  vs%s" % (name, qtype, describe(mu), describe(mt)))


def test_zone_names_any_case_and_escaped_labels():
    port = shared_port()
    for name in ("mixed.case.example.test", "MIXED.CASE.EXAMPLE.TEST", "MiXeD.CaSe.example.test"):
        resp, _, _ = query(port, name, "A")
        check(rrset_values(resp, "answer", name, "A") == ["192.0.2.66"],
              "%s A (owner written MiXeD.CaSe in the zone file): %s" % (name, describe(resp)))
    # a label holding a dot, "dot\.label": one label, not two
    resp, _, _ = query(port, "dot\\.label.example.test", "A")
    check(rrset_values(resp, "answer", "dot\\.label.example.test", "A") == ["192.0.2.67"],
          "dot\\.label.example.test A: %s" % describe(resp))
    resp, _, _ = query(port, "label.example.test", "A")
    expect_negative(resp, "example.test", EX_NEG_TTL, "label.example.test A", "NXDOMAIN")
    resp, _, _ = query(port, "dot.label.example.test", "A")
    expect_negative(resp, "example.test", EX_NEG_TTL, "dot.label.example.test A (two labels)",
                    "NXDOMAIN")


def test_long_names():
    port = shared_port()
    # 255 octets in wire form exactly, under example.test
    labels = []
    total = len(b"\x07example\x04test\x00")
    while total + 64 <= 255:
        labels.append("a" * 63)
        total += 64
    rest = 255 - total - 1
    if rest > 0:
        labels.append("b" * rest)
    name = ".".join(labels) + ".example.test"
    check(len(dns.name.from_text(name).to_wire()) == 255, "test bug: name length")
    for tcp in (False, True):
        resp, raw, _ = query(port, name, "A", tcp=tcp)
        expect_negative(resp, "example.test", EX_NEG_TTL, "255-octet name A", "NXDOMAIN")
        try:
            wire_sizes(raw)
        except (ValueError, IndexError, struct_error) as e:
            fail("255-octet name: response does not walk: %s (%s)" % (e, raw.hex()))
    name = ".".join(labels) + ".example.net"
    resp, _, _ = query(port, name, "A")
    expect_rcode(resp, "REFUSED", "255-octet name outside our zones")


def test_wildcard_cname_and_cname_to_wildcard():
    port = shared_port()
    resp, _, _ = query(port, "foo.cn.example.test", "A")
    expect_rcode(resp, "NOERROR", "foo.cn.example.test A (wildcard CNAME)")
    got = section_types(resp, "answer")
    check(got == [("foo.cn.example.test.", "CNAME"), ("www.example.test.", "A")],
          "foo.cn.example.test A: answer %s, expected synthesized CNAME then www A;%s"
          % (got, describe(resp)))
    resp, _, _ = query(port, "towild.example.test", "A")
    expect_rcode(resp, "NOERROR", "towild.example.test A (CNAME to a wildcard-matched name)")
    got = section_types(resp, "answer")
    check(got == [("towild.example.test.", "CNAME"), ("foo.wild.example.test.", "A")],
          "towild.example.test A: answer %s;%s" % (got, describe(resp)))
    check(rrset_values(resp, "answer", "foo.wild.example.test", "A") == ["192.0.2.99"],
          "towild.example.test A: wrong synthesized A;%s" % describe(resp))


def test_cname_into_delegation():
    # the chain stops at the zone cut: CNAME, then (at most) a referral
    port = shared_port()
    resp, raw, _ = query(port, "tosub.example.test", "A")
    expect_rcode(resp, "NOERROR", "tosub.example.test A (CNAME below a zone cut)")
    got = section_types(resp, "answer")
    check(got == [("tosub.example.test.", "CNAME")],
          "tosub.example.test A: answer %s, expected only the CNAME;%s" % (got, describe(resp)))
    check(all(r.rdtype != dns.rdatatype.A or r.name != dns.name.from_text("host.sub.example.test")
              for r in resp.answer), "tosub: data from below the cut in the answer")


def test_refused_has_aa_0():
    port = shared_port()
    resp, _, _ = query(port, "www.example.net", "A")
    expect_rcode(resp, "REFUSED", "www.example.net A")
    expect_flag(resp, "AA", False, "www.example.net A (REFUSED, not authoritative)")


def test_negative_soa_is_the_zone_soa():
    port = shared_port()
    resp, _, _ = query(port, "nothere.example.test", "A")
    got = rrset_values(resp, "authority", "example.test", "SOA")
    check(got == ["ns1.example.test. hostmaster.example.test. 2026112101 7200 900 1209600 300"],
          "nothere.example.test: SOA in authority %s" % got)
    resp, _, _ = query(port, "multi.example.test", "A")
    check(resp.answer and resp.answer[0].ttl == 3600,
          "multi.example.test A: TTL from $TTL should be 3600;%s" % describe(resp))


def test_many_tcp_and_udp_sockets():
    import socket as _s
    import struct as _st
    port = shared_port()
    conns = []
    try:
        for i in range(40):
            c = _s.create_connection(("127.0.0.1", port), timeout=5)
            conns.append(c)
        for i, c in enumerate(conns):
            q = make_query("www.example.test", "A", qid=i)
            c.sendall(_st.pack("!H", len(q)) + q)
        from harness import tcp_read_msg
        for i, c in enumerate(conns):
            raw = tcp_read_msg(c)
            check(raw is not None and raw[:2] == _st.pack("!H", i),
                  "TCP client %d of 40 open at once: no answer" % (i + 1))
    finally:
        for c in conns:
            c.close()
    for i in range(50):
        raw = udp_exchange(make_query("www.example.test", "A", qid=i), port)
        check(raw is not None, "UDP query %d from a fresh socket: no answer" % i)


def test_additional_for_ns_and_mx():
    # SPEC is silent; NSD and Knot add in-zone A/AAAA of NS and MX targets
    # (RFC 1034 section 3.7, RFC 1035 section 3.3.9) to the additional section.
    port = shared_port()
    resp, _, _ = query(port, "example.test", "NS")
    problems = []
    for ns, a, aaaa in (("ns1.example.test", "192.0.2.53", "2001:db8::53"),
                        ("ns2.example.test", "192.0.2.54", "2001:db8::54")):
        if rrset_values(resp, "additional", ns, "A") != [a] or \
                rrset_values(resp, "additional", ns, "AAAA") != [aaaa]:
            problems.append("example.test NS: no A/AAAA for %s in additional" % ns)
    resp2, _, _ = query(port, "example.test", "MX")
    if rrset_values(resp2, "additional", "mail.example.test", "A") != ["192.0.2.25"]:
        problems.append("example.test MX: no A for mail.example.test in additional")
    check(not problems, "%s (NSD/Knot behaviour; SPEC silent);%s%s"
          % ("; ".join(problems), describe(resp), describe(resp2)))


LOG_ZONES = {"example.test": "example.test.zone", "lb.test": "lb.test.zone"}
LOG_EXTRA = ("\n[cluster eu-west]\nmember = 127.0.0.171\ncheck = none\n"
             "\n[record www.lb.test]\npolicy = failover\nclusters = eu-west\n")


def _log_queries(port):
    """A UDP query, a TCP query and a UDP query for a load-balanced name,
    each from its own socket; returns the three source ports."""
    ports = []
    for name, qtype, tcp in (("www.example.test", "A", False),
                             ("nope.example.test", "AAAA", True),
                             ("www.lb.test", "A", False)):
        wire = make_query(name, qtype)
        if tcp:
            s = socket.create_connection(("127.0.0.1", port), 2.0 * SCALE)
            try:
                ports.append(s.getsockname()[1])
                s.sendall(struct.pack("!H", len(wire)) + wire)
                check(len(s.recv(4096)) > 2, "no TCP answer to %s" % name)
            finally:
                s.close()
        else:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                s.settimeout(2.0 * SCALE)
                s.bind(("127.0.0.1", 0))
                ports.append(s.getsockname()[1])
                s.sendto(wire, ("127.0.0.1", port))
                check(len(s.recv(4096)) > 12, "no UDP answer to %s" % name)
            finally:
                s.close()
    return ports


def test_debug_log_one_line_per_query():
    # SPEC 10: at log_level = debug, one line per query with the client
    # address and port, protocol, QNAME, QTYPE, rcode and, for a
    # load-balanced name, the cluster chosen.
    with Server(zones=LOG_ZONES, server_opts={"log_level": "debug"},
                extra=LOG_EXTRA, name="dnsd (debug)") as srv:
        udp, tcp, lb = _log_queries(srv.port)
        want = [r" debug query: 127\.0\.0\.1#%d udp www\.example\.test\. A -> NOERROR$" % udp,
                r" debug query: 127\.0\.0\.1#%d tcp nope\.example\.test\. AAAA -> NXDOMAIN$" % tcp,
                r" debug query: 127\.0\.0\.1#%d udp www\.lb\.test\. A -> NOERROR, cluster eu-west$"
                % lb]

        def found():
            lines = srv.stderr().splitlines()
            return all(any(re.search(w, l) for l in lines) for w in want)
        check(wait_for(found, 3.0 * SCALE),
              "debug query log lines missing; want %s; log:\n%s" % (want, srv.tail(20)))
        lines = [l for l in srv.stderr().splitlines() if " debug query: " in l]
        for p in (udp, tcp, lb):
            mine = [l for l in lines if "#%d " % p in l]
            check(len(mine) == 1, "port %d: %d query lines, expected 1:\n%s"
                  % (p, len(mine), "\n".join(lines)))
    # At info nothing is logged per query.
    with Server(zones=LOG_ZONES, extra=LOG_EXTRA, name="dnsd (info)") as srv:
        n = len(srv.stderr())
        _log_queries(srv.port)
        time.sleep(0.3)
        extra = srv.stderr()[n:]
        check(not extra.strip(), "queries logged at log_level = info:\n%s" % extra[:1000])
