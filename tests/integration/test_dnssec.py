"""DNSSEC (SPEC section 9): keys made in the test with ldns-keygen, and every
answer given with DO=1 validated with dnspython's dns.dnssec.validate against
the zone's DNSKEY RRset: static positive answers, load-balanced answers
(healthy, all down and served), compact denial for NXDOMAIN (with and without
the CO flag) and NODATA, wildcards, a CNAME into a load-balanced name,
delegations with and without DS, TCP, truncation instead of stripping, a ZSK
rollover by reload with `publish`, and the `dnsd -t` errors of keys. Without
DO the answers are byte for byte those of the same zone unsigned. End to
end: delv and a validating unbound, with the KSK's DS as trust anchor,
validate answers straight from dnsd."""

import os
import signal
import struct
import subprocess
import time

import dns.dnssec
import dns.flags
import dns.rcode
import dns.name
import dns.rdatatype
import dns.rrset

from harness import (SCALE, Server, check, describe, expect_rcode, fail,
                     free_tcp_port, http_get, make_query, parse, query,
                     run_dnsd,
                     udp_exchange, wait_for)

ZONE = "signed.test"
NEG_TTL = 300
CO = 0x4000  # RFC 9824 section 5: the EDNS flag after DO
NXNAME = 128

ZONE_TEXT = """$ORIGIN signed.test.
$TTL 3600
@       IN SOA  ns1.signed.test. hostmaster.signed.test. 1 7200 3600 1209600 300
@       IN NS   ns1.Signed.TEST.
ns1     IN A    192.0.2.53
www     IN A    192.0.2.1
www     IN A    192.0.2.2
mail    IN MX   10 MX1.Signed.TEST.
mx1     IN A    192.0.2.25
mx1     IN AAAA 2001:db8::25
mail    IN MX   20 mx2.signed.test.
mx2     IN A    192.0.2.26
mx2     IN AAAA 2001:db8::26
mail2   IN MX   10 ns.sub.signed.test.
*.wild  IN A    192.0.2.9
sub     IN NS   ns.sub.signed.test.
ns.sub  IN A    192.0.2.77
secure  IN NS   ns.elsewhere.example.
secure  IN DS   12345 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
alias   IN CNAME lb.signed.test.
""" + "".join('big     IN TXT  "%s"\n' % (("%02d" % i) * 60) for i in range(12))

LB = """
[cluster up]
member = 192.0.2.101
member = 192.0.2.102
check = none

[check dead]
type = tcp
port = %d
interval = 2s
timeout = 200ms
rise = 2
fall = 2

[cluster down]
member = 192.0.2.201
check = dead

[record lb.signed.test]
policy = weighted
clusters = up

[record gone.signed.test]
policy = failover
clusters = down
all_down = serve

[record fo.signed.test]
policy = failover
clusters = down, up
"""


def keygen(srv, *args):
    """ldns-keygen in the server's folder; the base name of the pair."""
    out = subprocess.run(["ldns-keygen"] + list(args) + [ZONE], cwd=srv.dir,
                         capture_output=True, timeout=30 * SCALE, check=True)
    base = out.stdout.decode().strip().splitlines()[-1]
    # Only the pair is used; the .ds file stays for the README workflow.
    return base


def ini(srv, keys, publish=(), signed=True, extra_server=""):
    lines = ["[server]", "listen = 127.0.0.1:%d" % srv.port, "threads = 2",
             extra_server, "", "[zone %s]" % ZONE, "file = %s.zone" % ZONE]
    if signed:
        lines += ["key = %s" % k for k in keys]
        lines += ["publish = %s" % k for k in publish]
    return "\n".join(lines) + "\n" + LB % free_tcp_port(["127.0.0.1"])


def metric(srv, name):
    st = http_get("127.0.0.1", srv.control, "/metrics")
    check(st is not None and st[0] == 200, "no /metrics")
    body = st[1].decode() if isinstance(st[1], bytes) else st[1]
    for line in body.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return int(line.split()[-1])
    fail("%s not in /metrics" % name)


def make_server(name, algs=("ECDSAP256SHA256",), signed=True, zsk=True):
    srv = Server(zones={ZONE: ZONE_TEXT}, name=name, listen6=False)
    keys = []
    if signed:
        keys.append(keygen(srv, "-a", algs[0], "-k"))
        if zsk:
            keys.append(keygen(srv, "-a", algs[0]))
    srv.keys = keys
    srv.control = free_tcp_port(["127.0.0.1"])
    srv.extra_server = "control = 127.0.0.1:%d" % srv.control
    srv.write_ini(ini(srv, keys, signed=signed, extra_server=srv.extra_server))
    return srv


def dnskey(port):
    """The zone's DNSKEY RRset, itself validated with its KSK signature."""
    resp, _, _ = query(port, ZONE, "DNSKEY", edns=1232, do=True)
    keys = resp.find_rrset(resp.answer, dns.name.from_text(ZONE),
                           dns.rdataclass.IN, dns.rdatatype.DNSKEY)
    sigs = resp.find_rrset(resp.answer, dns.name.from_text(ZONE),
                           dns.rdataclass.IN, dns.rdatatype.RRSIG,
                           dns.rdatatype.DNSKEY)
    dns.dnssec.validate(keys, sigs, {dns.name.from_text(ZONE): keys})
    return keys


def validate(resp, keys, what, skip_ns_referral=False, now=None):
    """Every RRset in answer and authority has an RRSIG that validates (at
    time now, default the real clock); returns the number of RRsets
    checked."""
    n = 0
    for section in (resp.answer, resp.authority):
        for rrset in section:
            if rrset.rdtype == dns.rdatatype.RRSIG:
                continue
            if skip_ns_referral and rrset.rdtype == dns.rdatatype.NS:
                check(not any(r.rdtype == dns.rdatatype.RRSIG and r.covers == dns.rdatatype.NS
                              for r in section),
                      "%s: the NS RRset of a referral is signed;%s" % (what, describe(resp)))
                continue
            sigs = [r for r in section if r.rdtype == dns.rdatatype.RRSIG and
                    r.name == rrset.name and r.covers == rrset.rdtype]
            check(len(sigs) == 1, "%s: no RRSIG for %s %s;%s"
                  % (what, rrset.name, dns.rdatatype.to_text(rrset.rdtype), describe(resp)))
            check(sigs[0].ttl == rrset.ttl, "%s: RRSIG TTL %d != RRset TTL %d"
                  % (what, sigs[0].ttl, rrset.ttl))
            try:
                dns.dnssec.validate(rrset, sigs[0], {dns.name.from_text(ZONE): keys},
                                    now=now)
            except dns.dnssec.ValidationFailure as e:
                fail("%s: %s %s does not validate: %s;%s"
                     % (what, rrset.name, dns.rdatatype.to_text(rrset.rdtype), e, describe(resp)))
            n += 1
    return n


def nsec_of(resp, name):
    for r in resp.authority:
        if r.rdtype == dns.rdatatype.NSEC and r.name == dns.name.from_text(name):
            return r
    fail("no NSEC at %s;%s" % (name, describe(resp)))


def nsec_types(nsec):
    return sorted(dns.rdatatype.to_text(t) for t in nsec[0].windows_types()) \
        if hasattr(nsec[0], "windows_types") else sorted(
            dns.rdatatype.to_text(t) for w, bm in nsec[0].windows
            for i, b in enumerate(bm) for j in range(8) if b & (0x80 >> j)
            for t in [w * 256 + i * 8 + j])


def do_query(port, name, qtype="A", tcp=False, edns=1232, flags=0):
    wire = make_query(name, qtype, edns=edns, do=True)
    if flags:
        b = bytearray(wire)
        # The OPT RR is last: its TTL's low 16 bits are the EDNS flags.
        b[-4:-2] = struct.pack("!H", struct.unpack("!H", b[-4:-2])[0] | flags)
        wire = bytes(b)
    if tcp:
        from harness import tcp_exchange
        raw = tcp_exchange(wire, port)
    else:
        raw = udp_exchange(wire, port)
    return parse(raw, "%s %s: " % (name, qtype)), raw


def test_static_positive():
    with make_server("dnsd (signed)").start() as srv:
        keys = dnskey(srv.port)
        check(len(keys) == 2, "DNSKEY RRset: expected KSK and ZSK, got %s" % keys)
        for name, qtype in (("www", "A"), ("mail", "MX"), ("www", "ANY"),
                            ("lb", "ANY"), ("@", "SOA"),
                            ("@", "NS"), ("@", "CDS"), ("@", "CDNSKEY")):
            qn = ZONE if name == "@" else "%s.%s" % (name, ZONE)
            resp, _ = do_query(srv.port, qn, qtype)
            expect_rcode(resp, "NOERROR", qn)
            check(len(resp.answer) == 2, "%s %s: answer and RRSIG expected;%s"
                  % (qn, qtype, describe(resp)))
            validate(resp, keys, "%s %s" % (qn, qtype))
        # The CDS is the DS of the KSK (SHA-256), as ldns-key2ds makes it.
        resp, _ = do_query(srv.port, ZONE, "CDS")
        ksk = [k for k in keys if k.flags == 257][0]
        want = dns.dnssec.make_ds(dns.name.from_text(ZONE), ksk, "SHA256")
        check(resp.answer[0][0].to_text() == want.to_text(), "CDS %s != %s" % (resp.answer[0][0], want))


def test_ed25519_csk():
    with make_server("dnsd (ed25519)", algs=("ED25519",), zsk=False).start() as srv:
        keys = dnskey(srv.port)
        check(len(keys) == 1 and list(keys)[0].algorithm == 15, "one alg 15 CSK: %s" % keys)
        for qn in ("www." + ZONE, "lb." + ZONE, "nx." + ZONE):
            resp, _ = do_query(srv.port, qn)
            check(validate(resp, keys, qn) >= 1, "%s: nothing signed" % qn)


def test_lb_answers():
    with make_server("dnsd (signed lb)").start() as srv:
        keys = dnskey(srv.port)
        seen = set()
        for _ in range(20):
            resp, _ = do_query(srv.port, "lb." + ZONE)
            validate(resp, keys, "lb A")
            seen.add(resp.answer[0][0].address)
        check(seen == {"192.0.2.101", "192.0.2.102"}, "both members answered: %s" % seen)
        # The signature cache: a steady load of the same few RRsets signs
        # almost nothing (each of the 2 UDP workers signs each member's
        # RRset once).
        signs0 = metric(srv, 'dnsd_dnssec_signatures_total{zone="%s"}' % ZONE)
        hits0 = metric(srv, "dnsd_dnssec_cache_hits_total")
        for _ in range(200):
            do_query(srv.port, "lb." + ZONE)
        signs = metric(srv, 'dnsd_dnssec_signatures_total{zone="%s"}' % ZONE) - signs0
        hits = metric(srv, "dnsd_dnssec_cache_hits_total") - hits0
        check(signs <= 4 and hits >= 196,
              "200 LB answers: %d fresh signatures, %d cache hits" % (signs, hits))
        # All down, served anyway with the short TTL: still signed.
        def down():
            r, _ = do_query(srv.port, "gone." + ZONE)
            return r.answer and r.answer[0].ttl < 30 and r
        resp = wait_for(down, 10 * SCALE)
        check(resp, "gone: never served as all down")
        validate(resp, keys, "gone A (all down, serve)")
        # NODATA at a load-balanced name (no IPv6 member).
        resp, _ = do_query(srv.port, "lb." + ZONE, "AAAA")
        validate(resp, keys, "lb AAAA")
        check(nsec_types(nsec_of(resp, "lb." + ZONE)) == ["A", "NSEC", "RRSIG"],
              "lb AAAA NODATA: NSEC types %s" % nsec_types(nsec_of(resp, "lb." + ZONE)))


def test_denial_compact():
    with make_server("dnsd (denial)").start() as srv:
        keys = dnskey(srv.port)
        resp, _ = do_query(srv.port, "nope." + ZONE)
        expect_rcode(resp, "NOERROR", "NXDOMAIN under compact denial")
        validate(resp, keys, "nope A")
        nsec = nsec_of(resp, "nope." + ZONE)
        check(nsec.ttl == NEG_TTL, "NSEC TTL %d" % nsec.ttl)
        check(nsec[0].next == dns.name.from_text("\\000.nope." + ZONE),
              "next name %s" % nsec[0].next)
        check(nsec_types(nsec) == sorted(["NSEC", "RRSIG", "TYPE128"]),
              "NXDOMAIN NSEC types %s" % nsec_types(nsec))
        # CO: NXDOMAIN back, CO echoed.
        resp, _ = do_query(srv.port, "nope." + ZONE, flags=CO)
        expect_rcode(resp, "NXDOMAIN", "with CO")
        check(resp.ednsflags & CO, "CO not echoed;%s" % describe(resp))
        validate(resp, keys, "nope A with CO")
        # NODATA: the types that are there.
        resp, _ = do_query(srv.port, "www." + ZONE, "TXT")
        expect_rcode(resp, "NOERROR", "NODATA")
        validate(resp, keys, "www TXT")
        check(nsec_types(nsec_of(resp, "www." + ZONE)) == ["A", "NSEC", "RRSIG"],
              "NODATA NSEC types")
        # An explicit NXNAME query.
        resp, _ = do_query(srv.port, "www." + ZONE, NXNAME)
        expect_rcode(resp, "FORMERR", "NXNAME query")


def test_additional_addresses_signed():
    """RFC 4035 3.1.1: in-zone addresses in the additional section carry
    their RRSIGs; when those do not fit the RRset is left out, and TC is
    not set for it. Glue under a cut goes unsigned."""
    with make_server("dnsd (signed additional)").start() as srv:
        keys = dnskey(srv.port)

        def additional(resp, what):
            addrs = [r for r in resp.additional
                     if r.rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA)]
            for rrset in addrs:
                sigs = [r for r in resp.additional if r.rdtype == dns.rdatatype.RRSIG
                        and r.name == rrset.name and r.covers == rrset.rdtype]
                check(len(sigs) == 1, "%s: %s %s in additional without its RRSIG;%s"
                      % (what, rrset.name, dns.rdatatype.to_text(rrset.rdtype),
                         describe(resp)))
                dns.dnssec.validate(rrset, sigs[0], {dns.name.from_text(ZONE): keys})
            return addrs

        resp, _ = do_query(srv.port, ZONE, "NS")
        got = additional(resp, "apex NS")
        check([r.name.to_text().lower() for r in got] == ["ns1.signed.test."],
              "apex NS: additional %s" % got)
        resp, _ = do_query(srv.port, "mail." + ZONE, "MX")
        full = additional(resp, "mail MX")
        check(sorted(dns.rdatatype.to_text(r.rdtype) for r in full) == ["A", "A", "AAAA", "AAAA"],
              "mail MX: additional should hold mx1 and mx2 A and AAAA;%s" % describe(resp))
        full_len = len(resp.to_wire())
        # Glue: ns.sub is below the cut at sub, not signed.
        resp, _ = do_query(srv.port, "mail2." + ZONE, "MX")
        glue = [r for r in resp.additional if r.rdtype == dns.rdatatype.A]
        check(len(glue) == 1 and not any(r.rdtype == dns.rdatatype.RRSIG
                                         for r in resp.additional),
              "mail2 MX: glue A expected, without RRSIG;%s" % describe(resp))
        # Every buffer size from the answer alone to the whole: no TC, and
        # never an address without its RRSIG.
        partial = 0
        for size in range(512, full_len + 40, 8):
            resp, _ = do_query(srv.port, "mail." + ZONE, "MX", edns=size)
            check(not resp.flags & dns.flags.TC,
                  "mail MX at %d bytes: TC set for the additional section;%s"
                  % (size, describe(resp)))
            validate(resp, keys, "mail MX at %d bytes" % size)
            if len(additional(resp, "mail MX at %d bytes" % size)) < len(full):
                partial += 1
        print("    mail MX with DO: %d bytes in full, %d smaller buffers cut the additional "
              "section, none set TC" % (full_len, partial))
        check(full_len <= 512 or partial > 0,
              "no buffer size between 512 and %d cut the additional section" % full_len)


def test_wildcard_and_cname():
    with make_server("dnsd (wildcard)").start() as srv:
        keys = dnskey(srv.port)
        resp, _ = do_query(srv.port, "Any.Wild." + ZONE)
        check(len(resp.answer) == 2, "wildcard answer;%s" % describe(resp))
        validate(resp, keys, "wildcard")
        resp, _ = do_query(srv.port, "alias." + ZONE)
        types = [r.rdtype for r in resp.answer if r.rdtype != dns.rdatatype.RRSIG]
        check(types == [dns.rdatatype.CNAME, dns.rdatatype.A], "alias: %s" % describe(resp))
        check(validate(resp, keys, "CNAME into lb") == 2, "both RRsets signed")


def test_delegations():
    with make_server("dnsd (delegations)").start() as srv:
        keys = dnskey(srv.port)
        resp, _ = do_query(srv.port, "a.sub." + ZONE)
        check(not resp.flags & dns.flags.AA, "referral with AA")
        validate(resp, keys, "insecure referral", skip_ns_referral=True)
        check(nsec_types(nsec_of(resp, "sub." + ZONE)) == ["NS", "NSEC", "RRSIG"],
              "no-DS NSEC types")
        resp, _ = do_query(srv.port, "a.secure." + ZONE)
        ds = [r for r in resp.authority if r.rdtype == dns.rdatatype.DS]
        check(len(ds) == 1, "secure referral: DS;%s" % describe(resp))
        validate(resp, keys, "secure referral", skip_ns_referral=True)


def test_tcp_and_truncation():
    with make_server("dnsd (tc)").start() as srv:
        keys = dnskey(srv.port)
        resp, _ = do_query(srv.port, "www." + ZONE, tcp=True)
        validate(resp, keys, "www over TCP")
        # 12 TXT of 120 bytes fit 1232 unsigned but with their RRSIG not
        # in 512: TC=1 with nothing, never the RRset without its RRSIG.
        resp, _ = do_query(srv.port, "big." + ZONE, "TXT", edns=512)
        check(resp.flags & dns.flags.TC, "big TXT at 512: TC expected;%s" % describe(resp))
        check(len(resp.answer) == 0, "truncated answer kept records")
        resp, _ = do_query(srv.port, "big." + ZONE, "TXT", tcp=True)
        check(len(resp.answer) == 2, "big TXT over TCP;%s" % describe(resp))
        validate(resp, keys, "big TXT over TCP")


def test_do0_byte_identical():
    """Without DO, a signed zone answers exactly as the same zone unsigned
    (bar the new apex records)."""
    signed = make_server("dnsd (signed copy)").start()
    plain = make_server("dnsd (unsigned copy)", signed=False).start()
    try:
        names = [("www", "A"), ("mail", "MX"), ("nope", "A"), ("www", "TXT"),
                 ("any.wild", "A"), ("alias", "A"), ("a.sub", "A"),
                 ("a.secure", "A"), ("@", "SOA"), ("@", "ANY"), ("big", "TXT")]
        for name, qtype in names:
            qn = ZONE if name == "@" else "%s.%s" % (name, ZONE)
            for edns in (None, 1232):
                wire = make_query(qn, qtype, qid=4242, edns=edns)
                a = udp_exchange(wire, signed.port)
                b = udp_exchange(wire, plain.port)
                if qtype == "A" and name == "alias":
                    # The load-balanced member is drawn at random: compare
                    # up to the address.
                    a, b = a[:-4 - (11 if edns else 0)], b[:-4 - (11 if edns else 0)]
                check(a == b, "%s %s (edns %s): DO=0 answers differ" % (qn, qtype, edns))
    finally:
        signed.stop()
        plain.stop()


FAKETIME_LIB = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1"
FAKETIME_SPEED = 20000  # 7 days in 30 s


def test_resign_without_reload():
    """SPEC 9: signatures are renewed when fewer than 7 days remain, without
    a reload, the old ones serving until the new are made. dnsd runs under
    libfaketime at 20,000x, so its 7 days pass in about 30 s; every answer
    meanwhile validates at the time its RRSIG was made for."""
    check(os.path.exists(FAKETIME_LIB), "%s missing (Debian package faketime; "
          "tools/deps.sh installs it)" % FAKETIME_LIB)
    srv = make_server("dnsd (signed, fast clock)")
    srv.env = {"LD_PRELOAD": FAKETIME_LIB, "FAKETIME": "+0 x%d" % FAKETIME_SPEED,
               # The sanitizer runtimes want to come first; libfaketime
               # only wraps the clock calls.
               "ASAN_OPTIONS": os.environ.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0"}
    with srv.start():
        keys = dnskey(srv.port)
        seen = []
        deadline = time.monotonic() + 90.0 * SCALE
        while time.monotonic() < deadline:
            resp, _ = do_query(srv.port, "www." + ZONE, "A")
            expect_rcode(resp, "NOERROR", "www")
            sig = [r for r in resp.answer if r.rdtype == dns.rdatatype.RRSIG][0][0]
            # At the middle of the signature's own window: the fast clock
            # runs ahead of the real one.
            validate(resp, keys, "www A, expiration %d" % sig.expiration,
                     now=(sig.inception + sig.expiration) // 2)
            if not seen or seen[-1] != sig.expiration:
                seen.append(sig.expiration)
            if len(seen) >= 2:
                break
            time.sleep(0.2)
        check(len(seen) >= 2, "no re-signing within %.0f s (7 days at %dx); log:\n%s"
              % (90.0 * SCALE, FAKETIME_SPEED, srv.tail()))
        step = seen[1] - seen[0]
        check(6 * 86400 <= step <= 8 * 86400,
              "expiration moved by %d s, expected about 7 days" % step)
        log = srv.stderr()
        check("re-signing" in log and log.count("config: reloaded") == 1,
              "expected one re-signing rebuild and no reload before it:\n%s" % srv.tail())
        print("    re-signed after 7 fake days: expiration %d -> %d (+%.2f days)"
              % (seen[0], seen[1], step / 86400.0))


def test_zsk_rollover_by_reload():
    with make_server("dnsd (rollover)").start() as srv:
        ksk, old = srv.keys
        new = keygen(srv, "-a", "ECDSAP256SHA256")
        srv.write_ini(ini(srv, [ksk, old], publish=[new], extra_server=srv.extra_server))
        srv.send_signal(signal.SIGHUP)
        check(wait_for(lambda: len(dnskey(srv.port)) == 3, 10 * SCALE),
              "the published ZSK never appeared")
        keys = dnskey(srv.port)
        resp, _ = do_query(srv.port, "www." + ZONE)
        old_tag = dns.dnssec.key_id([k for k in keys if k.flags == 256][0])
        tags = {r[0].key_tag for r in resp.answer if r.rdtype == dns.rdatatype.RRSIG}
        validate(resp, keys, "before the switch")
        srv.write_ini(ini(srv, [ksk, new], publish=[old], extra_server=srv.extra_server))
        srv.send_signal(signal.SIGHUP)

        def switched():
            r, _ = do_query(srv.port, "www." + ZONE)
            t = {x[0].key_tag for x in r.answer if x.rdtype == dns.rdatatype.RRSIG}
            return t != tags and r
        resp = wait_for(switched, 10 * SCALE)
        check(resp, "answers never switched to the new ZSK")
        keys = dnskey(srv.port)
        check(len(keys) == 3, "old ZSK still published")
        validate(resp, keys, "after the switch")
        check(old_tag is not None, "tag")


def test_check_key_errors():
    srv = Server(zones={}, name="dnsd -t keys", listen6=False)
    srv.write_zone(ZONE, ZONE_TEXT)
    rsa = keygen(srv, "-a", "RSASHA256", "-b", "1024", "-k")
    zsk = keygen(srv, "-a", "ECDSAP256SHA256")
    other = subprocess.run(["ldns-keygen", "-a", "ECDSAP256SHA256", "-k", "other.test"],
                           cwd=srv.dir, capture_output=True, check=True
                           ).stdout.decode().strip().splitlines()[-1]
    text = ini(srv, [rsa, other, "missing"]) 
    srv.write_ini(text)
    rc, out, err = run_dnsd(["-t", "-c", srv.ini], cwd=srv.dir)
    check(rc == 1, "dnsd -t: exit %d, expected 1" % rc)
    lines = text.splitlines()
    for key, what in ((rsa, "algorithm 8 is not supported"),
                      (other, "is a key for other.test."),
                      ("missing", "cannot open")):
        ln = [i + 1 for i, l in enumerate(lines) if l == "key = %s" % key][0]
        check("%s:%d: " % (srv.ini, ln) in err and what in err,
              "dnsd -t: no %s at line %d:\n%s" % (what, ln, err))
    srv.write_ini(ini(srv, [zsk]))
    rc, out, err = run_dnsd(["-t", "-c", srv.ini], cwd=srv.dir)
    check(rc == 1 and "but no KSK" in err, "ZSK without KSK: %d %s" % (rc, err))
    srv.cleanup()


def test_large_zone_signed_in_parallel():
    """Above 2,000 RRsets the build signs on several threads: answers from
    every share validate."""
    big = ZONE_TEXT + "".join("h%d IN A 10.0.%d.%d\n" % (i, i // 250, i % 250)
                              for i in range(4500))
    srv = Server(zones={ZONE: big}, name="dnsd (large signed)", listen6=False)
    srv.keys = [keygen(srv, "-a", "ECDSAP256SHA256", "-k"),
                keygen(srv, "-a", "ECDSAP256SHA256")]
    srv.write_ini(ini(srv, srv.keys))
    with srv.start():
        keys = dnskey(srv.port)
        for i in range(0, 4500, 97):
            resp, _ = do_query(srv.port, "h%d.%s" % (i, ZONE))
            check(validate(resp, keys, "h%d" % i) == 1, "h%d: one signed RRset" % i)


def test_delv_validates():
    """BIND's delv, with the KSK's DS as its trust anchor, fully validates
    a load-balanced answer and a compact NXDOMAIN straight from dnsd."""
    import shutil
    if shutil.which("delv") is None:
        fail("delv not installed (bind9-dnsutils, tools/deps.sh)")
    with make_server("dnsd (delv)").start() as srv:
        keys = dnskey(srv.port)
        ksk = [k for k in keys if k.flags == 257][0]
        ds = dns.dnssec.make_ds(dns.name.from_text(ZONE), ksk, "SHA256")
        anchor = os.path.join(srv.dir, "anchor.conf")
        with open(anchor, "w") as f:
            f.write('trust-anchors {\n  %s. static-ds %d %d %d "%s";\n};\n'
                    % (ZONE, ds.key_tag, ds.algorithm, ds.digest_type, ds.digest.hex()))
        for name, want in (("lb." + ZONE, "; fully validated"),
                           ("nope." + ZONE, "; negative response, fully validated")):
            p = subprocess.run(["delv", "-p", str(srv.port), "@127.0.0.1", "-a", anchor,
                                "+root=" + ZONE, name, "A"],
                               capture_output=True, timeout=20 * SCALE)
            out = (p.stdout + p.stderr).decode(errors="replace")
            check(want in out, "delv %s: %r not in:\n%s" % (name, want, out))


UNBOUND_CONF = """server:
  do-daemonize: no
  chroot: ""
  username: ""
  directory: "%(dir)s"
  pidfile: ""
  use-syslog: no
  logfile: ""
  verbosity: 1
  interface: 127.0.0.1
  port: %(port)d
  do-ip6: no
  access-control: 127.0.0.0/8 allow
  do-not-query-localhost: no
  module-config: "validator iterator"
  trust-anchor: "%(ds)s"
  local-zone: "." refuse
  local-zone: "signed.test." transparent
  qname-minimisation: no
  val-log-level: 2
remote-control:
  control-enable: no
stub-zone:
  name: "signed.test"
  stub-addr: 127.0.0.1@%(stub)d
"""


def test_unbound_validates():
    """A validating unbound with the zone's DS as its only trust anchor
    resolves through dnsd with AD=1: a static answer, a load-balanced
    answer served by the failover cluster (its first cluster is down), and
    a compact denial."""
    import shutil
    import tempfile
    unbound = shutil.which("unbound") or "/usr/sbin/unbound"
    if not os.access(unbound, os.X_OK):
        fail("unbound not installed (tools/deps.sh)")
    import dns.message
    import dns.query
    with make_server("dnsd (unbound)").start() as srv:
        keys = dnskey(srv.port)
        ksk = [k for k in keys if k.flags == 257][0]
        ds = dns.dnssec.make_ds(dns.name.from_text(ZONE), ksk, "SHA256")
        d = tempfile.mkdtemp(prefix="dnsd-unbound-")
        from harness import free_port
        port = free_port()
        conf = os.path.join(d, "unbound.conf")
        with open(conf, "w") as f:
            f.write(UNBOUND_CONF % {"dir": d, "port": port, "stub": srv.port,
                                    "ds": "%s. DS %s" % (ZONE, ds.to_text())})
        log = open(os.path.join(d, "unbound.log"), "wb")
        proc = subprocess.Popen([unbound, "-d", "-c", conf], stdin=subprocess.DEVNULL,
                                stdout=log, stderr=subprocess.STDOUT)
        try:
            def ask(name, qtype="A"):
                q = dns.message.make_query(name, qtype, want_dnssec=True)
                try:
                    return dns.query.udp(q, "127.0.0.1", port=port, timeout=2.0 * SCALE)
                except Exception:  # noqa: BLE001 - not ready yet
                    return None
            check(wait_for(lambda: proc.poll() is None and ask(ZONE, "SOA"), 10 * SCALE),
                  "unbound did not answer")
            for name, rcode in (("www." + ZONE, "NOERROR"), ("fo." + ZONE, "NOERROR"),
                                ("nope." + ZONE, "NOERROR")):
                r = ask(name)
                check(r is not None, "unbound: no answer for %s" % name)
                check(r.flags & dns.flags.AD,
                      "unbound: %s not validated (AD=0);\n%s" % (name, r.to_text()))
                check(dns.rcode.to_text(r.rcode()) in (rcode, "NXDOMAIN"),
                      "unbound: %s rcode %s" % (name, dns.rcode.to_text(r.rcode())))
            r = ask("fo." + ZONE)
            addrs = {x.address for rr in r.answer if rr.rdtype == dns.rdatatype.A for x in rr}
            check(addrs <= {"192.0.2.101", "192.0.2.102"} and addrs,
                  "fo: not from the failover cluster: %s" % addrs)
        finally:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
            log.close()
            shutil.rmtree(d, ignore_errors=True)
