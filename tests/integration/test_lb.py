"""Load-balanced names (SPEC sections 2 and 3): failover and geo policies,
[networks] and ECS (with the SCOPE PREFIX-LENGTH of the response), weighted
shares, answers, weight 0, all_down, degraded TTLs, address families, ANY,
CNAME into a load-balanced name, the CHAOS TXT explanation, and the
configuration errors of records, clusters and checks (dnsd -t).

Clusters with `check = none` are always up; members meant to be down use a
tcp or http check on a port where nothing listens (connection refused), so
they are down from the start (readiness, SPEC 4)."""

import re
import socket
import time

import dns.edns
import dns.rdataclass
import dns.rdatatype

from harness import (SCALE, Backend, Server, check, describe,
                     expect_negative, expect_rcode, fail, free_tcp_port,
                     make_query, parse, query, rrset_values, run_dnsd)

ZONES = {"lb.test": "lb.test.zone"}
NEG_TTL = 60  # min(SOA TTL 3600, MINIMUM 60) of data/lb.test.zone

INTERVAL, TIMEOUT, RISE, FALL = 0.3, 0.2, 2, 2
OUT_BOUND = FALL * INTERVAL + TIMEOUT + 1.0
BACK_BOUND = RISE * INTERVAL + TIMEOUT + 1.0
POLL = 0.05

DUBLIN, WASHINGTON, SINGAPORE = "53.35, -6.26", "38.90, -77.04", "1.35, 103.82"
TOKYO, NEW_YORK = "35.68, 139.69", "40.71, -74.01"


def _server(extra, name, server_opts=None):
    return Server(zones=ZONES, extra=extra, name=name, server_opts=server_opts)


def _closed_port(addrs):
    """A TCP port with nothing listening on any of addrs (checks fail with
    connection refused)."""
    return free_tcp_port(addrs)


def _dead_profile(name, addrs, interval="2s", timeout="200ms"):
    return ("\n[check %s]\ntype = tcp\nport = %d\ninterval = %s\ntimeout = %s\n"
            "rise = 2\nfall = 2\n" % (name, _closed_port(addrs), interval, timeout))


def query_from(port, src, name, qtype="A", qclass="IN", options=None, edns=None):
    """One UDP query sent from source address src; the parsed reply."""
    if options is not None and edns is None:
        edns = 1232
    wire = make_query(name, qtype, qclass=qclass, edns=edns, options=options)
    s = socket.socket(socket.AF_INET6 if ":" in src else socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.bind((src, 0))
        s.sendto(wire, ("::1" if ":" in src else "127.0.0.1", port))
        deadline = time.monotonic() + 2.0 * SCALE
        for _ in range(50):
            left = deadline - time.monotonic()
            if left <= 0:
                break
            s.settimeout(left)
            try:
                raw, _ = s.recvfrom(65535)
            except socket.timeout:
                break
            if raw[:2] == wire[:2]:
                return parse(raw, "%s %s %s from %s: " % (name, qclass, qtype, src))
    finally:
        s.close()
    fail("no answer to %s %s %s sent from %s" % (name, qclass, qtype, src))


def _ecs(addr, srclen):
    return [dns.edns.ECSOption(addr, srclen)]


def _ecs_of(resp):
    opts = [o for o in resp.options if o.otype == dns.edns.ECS]
    return opts[0] if opts else None


def _addrs(resp, name, qtype="A"):
    return set(rrset_values(resp, "answer", name, qtype) or [])


def _ttl(resp, name, qtype="A"):
    want = dns.rdatatype.from_text(qtype)
    for rrs in resp.answer:
        if rrs.name.to_text().lower() == name.lower().rstrip(".") + "." and rrs.rdtype == want:
            return rrs.ttl
    fail("no %s %s in the answer;%s" % (name, qtype, describe(resp)))


def _a(port, name, qtype="A", **kw):
    resp, _, _ = query(port, name, qtype, **kw)
    return resp


# --------------------------------------------------------------------------
# failover


def test_failover_to_second_cluster_and_back():
    p1, p2, s1 = "127.0.0.161", "127.0.0.162", "127.0.0.163"
    with Backend([p1, p2, s1]) as be:
        extra = ("\n[check web]\nport = %d\ninterval = 300ms\ntimeout = 200ms\nrise = 2\n"
                 "fall = 2\n" % be.port
                 + "\n[cluster primary]\nmember = %s\nmember = %s\ncheck = web\n" % (p1, p2)
                 + "\n[cluster secondary]\nmember = %s\ncheck = web\n" % s1
                 + "\n[record www.lb.test]\npolicy = failover\nclusters = primary, secondary\n"
                 "answers = 10\nttl = 30\n")
        with _server(extra, "dnsd (failover)") as srv:
            resp = _a(srv.port, "www.lb.test")
            check(_addrs(resp, "www.lb.test") == {p1, p2},
                  "failover with both clusters up: expected primary;%s" % describe(resp))
            check(_ttl(resp, "www.lb.test") == 30, "normal answer TTL;%s" % describe(resp))

            def wait(want, t0, bound, what):
                got = None
                for _ in range(int((bound * SCALE + 2) / POLL) + 10):
                    got = _addrs(_a(srv.port, "www.lb.test"), "www.lb.test")
                    took = time.monotonic() - t0
                    if got == want:
                        check(took <= bound * SCALE, "%s after %.2f s, bound %.2f s"
                              % (what, took, bound))
                        print("    failover: %s after %.2f s (bound %.2f s)" % (what, took, bound))
                        return
                    check(got <= {p1, p2, s1}, "%s: odd answer %s" % (what, sorted(got)))
                    if took > bound * SCALE + 2:
                        break
                    time.sleep(POLL)
                fail("%s: not within %.2f s; last answer %s" % (what, bound, sorted(got)))

            # one primary member failing keeps primary (min_healthy 1)
            be.control(p1, status=503)
            wait({p2}, time.monotonic(), OUT_BOUND, "one primary member out, primary still answers")
            be.control(p2, status=503)
            wait({s1}, time.monotonic(), OUT_BOUND, "primary down, secondary answers")
            resp = _a(srv.port, "www.lb.test")
            check(_ttl(resp, "www.lb.test") <= 1, "failed-over answer (degraded) TTL %d, expected "
                  "min(ttl 30, 300 ms interval) rounded up to whole seconds = 1 at most;%s"
                  % (_ttl(resp, "www.lb.test"), describe(resp)))
            be.control(p1, status=200)
            be.control(p2, status=200)
            wait({p1, p2}, time.monotonic(), BACK_BOUND, "primary recovered, answers again")


# --------------------------------------------------------------------------
# geo, [networks], ECS


def _geo_config():
    dead = _dead_profile("dead", ["127.0.0.174"])
    return (dead
            + "\n[cluster eu]\nlocation = %s\nmember = 127.0.0.171\ncheck = none\n" % DUBLIN
            + "\n[cluster us]\nlocation = %s\nmember = 127.0.0.172\ncheck = none\n" % WASHINGTON
            + "\n[cluster ap]\nlocation = %s\nmember = 127.0.0.173\ncheck = none\n" % SINGAPORE
            + "\n[cluster apdown]\nlocation = %s\nmember = 127.0.0.174\ncheck = dead\n" % SINGAPORE
            + "\n[record geo.lb.test]\npolicy = geo\nclusters = us, eu, ap\nttl = 30\n"
            + "\n[record geo2.lb.test]\npolicy = geo\nclusters = us, eu, apdown\nttl = 30\n"
            + "\n[record w.lb.test]\npolicy = weighted\nclusters = eu\nttl = 30\n"
            + "\n[record fo.lb.test]\npolicy = failover\nclusters = us, eu\nttl = 30\n"
            + "\n[networks]\n"
            + "127.0.0.1/32 = %s\n" % DUBLIN
            + "127.0.0.2/32 = us\n"
            + "127.0.0.3/32 = apdown\n"
            + "198.51.100.0/24 = ap\n"
            + "203.0.113.0/24 = %s\n" % TOKYO
            + "10.1.0.0/16 = eu\n"
            + "10.1.2.0/24 = %s\n" % NEW_YORK)


EU, US, AP = "127.0.0.171", "127.0.0.172", "127.0.0.173"


def test_geo_networks_place_clients_by_source_and_ecs():
    with _server(_geo_config(), "dnsd (geo)") as srv:
        cases = [  # (source, ECS (addr, len) or None, record, expected, scope or None, why)
            ("127.0.0.1", None, "geo", EU, None, "source 127.0.0.1 placed at Dublin: eu nearest"),
            ("127.0.0.2", None, "geo", US, None, "source 127.0.0.2 = us"),
            ("127.0.0.1", ("198.51.100.0", 24), "geo", AP, 24, "ECS 198.51.100.0/24 = ap"),
            ("127.0.0.1", ("203.0.113.0", 24), "geo", AP, 24, "ECS in Tokyo: ap nearest"),
            ("127.0.0.1", ("10.1.2.0", 24), "geo", US, 24,
             "ECS 10.1.2.0/24 in New York (longest prefix over 10.1.0.0/16 = eu)"),
            ("127.0.0.1", ("10.1.3.0", 24), "geo", EU, 16, "ECS 10.1.3.0/24 under 10.1.0.0/16 = eu"),
            ("127.0.0.1", ("100.64.1.0", 24), "geo", US, 0,
             "ECS in no network: unknown location, listed order (us first)"),
            ("127.0.0.3", None, "geo2", EU, None,
             "source 127.0.0.3 = apdown (down): the rest by distance from Singapore, eu before us"),
            ("127.0.0.1", ("203.0.113.0", 24), "geo2", EU, 24,
             "ECS in Tokyo, apdown nearest but down: next nearest to Tokyo is eu"),
            ("127.0.0.1", ("198.51.100.0", 24), "w", EU, 0, "weighted: scope 0"),
            ("127.0.0.1", ("198.51.100.0", 24), "fo", US, 0, "failover: scope 0"),
        ]
        bad = []
        for src, ecs, rec, want, scope, why in cases:
            name = "%s.lb.test" % rec
            resp = query_from(srv.port, src, name, options=_ecs(*ecs) if ecs else None)
            got = _addrs(resp, name)
            if got != {want}:
                bad.append("%s from %s%s: answer %s, expected %s (%s)"
                           % (name, src, " ECS %s/%d" % ecs if ecs else "", sorted(got), want, why))
                continue
            opt = _ecs_of(resp)
            if ecs is None:
                if opt is not None:
                    bad.append("%s from %s without ECS: response carries ECS %s" % (name, src, opt))
                continue
            if opt is None:
                bad.append("%s with ECS %s/%d: no ECS option in the response (SPEC 3: the "
                           "response carries the ECS option)" % (name, ecs[0], ecs[1]))
            elif opt.scopelen != scope or opt.srclen != ecs[1] or opt.address != ecs[0]:
                bad.append("%s with ECS %s/%d: response ECS %s/%d scope %d, expected %s/%d scope %d"
                           " (%s)" % (name, ecs[0], ecs[1], opt.address, opt.srclen, opt.scopelen,
                                      ecs[0], ecs[1], scope, why))
        check(not bad, "geo/ECS:\n  " + "\n  ".join(bad))
        # geo2 from Tokyo spilled over apdown: degraded TTL = min(30, 2 s interval)
        resp = query_from(srv.port, "127.0.0.1", "geo2.lb.test", options=_ecs("203.0.113.0", 24))
        check(_ttl(resp, "geo2.lb.test") == 2, "geo spill-over past the down first choice: TTL "
              "%d, expected min(ttl 30, apdown's interval 2 s) = 2;%s"
              % (_ttl(resp, "geo2.lb.test"), describe(resp)))
        resp = query_from(srv.port, "127.0.0.1", "geo.lb.test", options=_ecs("203.0.113.0", 24))
        check(_ttl(resp, "geo.lb.test") == 30, "geo answer from the first choice: TTL %d, "
              "expected ttl 30;%s" % (_ttl(resp, "geo.lb.test"), describe(resp)))


def test_ecs_no_ignores_ecs_and_does_not_echo_it():
    with _server(_geo_config(), "dnsd (ecs = no)", server_opts={"ecs": "no"}) as srv:
        for ecs in (("198.51.100.0", 24), ("203.0.113.0", 24)):
            resp = query_from(srv.port, "127.0.0.1", "geo.lb.test", options=_ecs(*ecs))
            check(_addrs(resp, "geo.lb.test") == {EU},
                  "ecs = no, source 127.0.0.1 (Dublin) with ECS %s/%d: answer %s, expected %s "
                  "(the source decides)" % (ecs[0], ecs[1], sorted(_addrs(resp, "geo.lb.test")), EU))
            check(_ecs_of(resp) is None, "ecs = no: the response echoes ECS %s;%s"
                  % (_ecs_of(resp), describe(resp)))
            check(resp.edns == 0, "ecs = no: an EDNS query still gets OPT back;%s" % describe(resp))
        resp = query_from(srv.port, "127.0.0.2", "geo.lb.test", options=_ecs("10.1.3.0", 24))
        check(_addrs(resp, "geo.lb.test") == {US}, "ecs = no, source 127.0.0.2 (= us) with ECS in "
              "eu's network: answer %s, expected %s" % (sorted(_addrs(resp, "geo.lb.test")), US))


# --------------------------------------------------------------------------
# all_down and degraded TTLs


def test_all_down_serve_nodata_servfail():
    m1, m2, m3, m4 = "127.0.0.181", "127.0.0.182", "127.0.0.183", "127.0.0.184"
    extra = (_dead_profile("dead2s", [m1, m2], interval="2s")
             + _dead_profile("dead300", [m3, m4], interval="300ms")
             + "\n[cluster d1]\nmember = %s\nmember = %s\ncheck = dead2s\n" % (m1, m2)
             + "\n[cluster d2]\nmember = %s\nmember = %s\ncheck = dead300\n" % (m3, m4)
             + "\n[record serve.lb.test]\npolicy = failover\nclusters = d1\nall_down = serve\n"
             "answers = 2\nttl = 30\n"
             + "\n[record serve300.lb.test]\nclusters = d2\npolicy = weighted\nttl = 30\n"
             + "\n[record nodata.lb.test]\npolicy = failover\nclusters = d1\nall_down = nodata\n"
             "ttl = 30\n"
             + "\n[record servfail.lb.test]\npolicy = failover\nclusters = d1\n"
             "all_down = servfail\nttl = 30\n")
    with _server(extra, "dnsd (all_down)") as srv:
        for _ in range(3):
            resp = _a(srv.port, "serve.lb.test")
            expect_rcode(resp, "NOERROR", "all_down = serve")
            check(_addrs(resp, "serve.lb.test") == {m1, m2},
                  "all_down = serve, answers = 2, both members down: expected both as if "
                  "healthy;%s" % describe(resp))
            ttl = _ttl(resp, "serve.lb.test")
            check(ttl == 2, "all_down = serve: TTL %d, expected min(ttl 30, check interval 2 s) = 2"
                  % ttl)
            resp = _a(srv.port, "serve300.lb.test")
            check(len(_addrs(resp, "serve300.lb.test")) == 1 and
                  _addrs(resp, "serve300.lb.test") <= {m3, m4},
                  "all_down = serve (default): expected one member;%s" % describe(resp))
            ttl = _ttl(resp, "serve300.lb.test")
            if _ == 0:
                print("    all_down serve with a 300 ms interval: TTL %d" % ttl)
            check(ttl <= 1, "all_down = serve with a 300 ms check interval: TTL %d, expected at "
                  "most 1 (the interval in whole seconds, rounded up)" % ttl)
            resp = _a(srv.port, "nodata.lb.test")
            expect_negative(resp, "lb.test", NEG_TTL, "all_down = nodata")
            resp = _a(srv.port, "servfail.lb.test")
            expect_rcode(resp, "SERVFAIL", "all_down = servfail")
            check(not resp.answer, "all_down = servfail: answer section not empty;%s" % describe(resp))
            time.sleep(0.2)


def test_degraded_ttl_is_min_of_ttl_and_shortest_interval():
    """Spill-over answers carry min(ttl, the shortest check interval among
    the skipped and served clusters; check = none has none); normal answers
    carry ttl."""
    live2, live4, dead_a, dead_b, nochk = ("127.0.0.191", "127.0.0.192", "127.0.0.193",
                                          "127.0.0.194", "127.0.0.195")
    with Backend([live2, live4]) as be:
        port = be.port  # nothing listens on dead_a/dead_b at this port
        for a in (dead_a, dead_b):
            try:
                socket.create_connection((a, port), 0.5).close()
                fail("fixture: something listens on %s:%d" % (a, port))
            except ConnectionRefusedError:
                pass
        prof = lambda n, iv: ("\n[check %s]\nport = %d\ninterval = %s\ntimeout = 200ms\n"
                              "rise = 2\nfall = 2\n" % (n, port, iv))
        extra = (prof("i2", "2s") + prof("i3", "3s") + prof("i4", "4s")
                 + "\n[cluster live2]\nmember = %s\ncheck = i2\n" % live2
                 + "\n[cluster live4]\nmember = %s\ncheck = i4\n" % live4
                 + "\n[cluster dead3]\nmember = %s\ncheck = i3\n" % dead_a
                 + "\n[cluster dead2]\nmember = %s\ncheck = i2\n" % dead_b
                 + "\n[cluster nochk]\nmember = %s\ncheck = none\n" % nochk
                 # one of two members up, min_healthy 2: counts as down
                 + "\n[cluster half]\nmember = %s\nmember = %s\ncheck = i4\nmin_healthy = 2\n"
                 % (live4, dead_a))
        records = [  # name, clusters, ttl, expected answer, expected TTL, why
            ("r1", "dead3, nochk", 30, nochk, 3, "skipped dead3 (3 s), served check = none"),
            ("r2", "dead3, live2", 30, live2, 2, "served live2 has the shortest (2 s)"),
            ("r3", "dead2, live4", 30, live4, 2, "skipped dead2 has the shortest (2 s)"),
            ("r4", "dead3, live4", 1, live4, 1, "ttl 1 is below every interval"),
            ("r5", "live4, dead3", 30, live4, 30, "first choice healthy: not degraded"),
            ("r6", "live2, dead2", 7, live2, 7, "first choice healthy: ttl"),
            ("r7", "half, nochk", 30, nochk, 4, "half below min_healthy 2 (4 s) skipped"),
            ("r8", "half", 30, live4, 4, "none reaches min_healthy: half serves, degraded"),
            ("r9", "nochk, dead2", 30, nochk, 30, "first choice check = none: normal"),
        ]
        for rec, cl, ttl, _w, _t, _why in records:
            extra += ("\n[record %s.lb.test]\npolicy = failover\nclusters = %s\nttl = %d\n"
                      % (rec, cl, ttl))
        with _server(extra, "dnsd (degraded TTL)") as srv:
            bad = []
            for rec, cl, ttl, want, want_ttl, why in records:
                name = "%s.lb.test" % rec
                resp = _a(srv.port, name)
                got = _addrs(resp, name)
                if got != {want}:
                    bad.append("%s (clusters %s): answer %s, expected %s"
                               % (name, cl, sorted(got), want))
                    continue
                if _ttl(resp, name) != want_ttl:
                    bad.append("%s (clusters %s, ttl %d): TTL %d, expected %d (%s)"
                               % (name, cl, ttl, _ttl(resp, name), want_ttl, why))
            check(not bad, "degraded TTLs:\n  " + "\n  ".join(bad))


# --------------------------------------------------------------------------
# weighted, answers, weight 0


def _weighted_config():
    return ("\n[cluster w]\nmember = 127.0.0.201 weight=3\nmember = 127.0.0.202 weight=1\n"
            "member = 127.0.0.203 weight=0\ncheck = none\n"
            "\n[cluster w2]\nmember = 127.0.0.205\ncheck = none\n"
            "\n[record weighted.lb.test]\npolicy = weighted\nclusters = w\n"
            "\n[record pair.lb.test]\npolicy = weighted\nclusters = w\nanswers = 2\n"
            "\n[record three.lb.test]\npolicy = weighted\nclusters = w\nanswers = 3\n"
            "\n[record pool.lb.test]\npolicy = weighted\nclusters = w, w2\nanswers = 1\n")


def test_weighted_shares_follow_weights_3_to_1():
    with _server(_weighted_config(), "dnsd (weighted)") as srv:
        counts = {}
        n = 2000
        for i in range(n):
            got = _addrs(_a(srv.port, "weighted.lb.test"), "weighted.lb.test")
            check(len(got) == 1, "answers = 1 gave %s" % sorted(got))
            a = next(iter(got))
            counts[a] = counts.get(a, 0) + 1
        check("127.0.0.203" not in counts, "weight 0 member 127.0.0.203 answered %d times of %d"
              % (counts.get("127.0.0.203", 0), n))
        share = 100.0 * counts.get("127.0.0.201", 0) / n
        print("    weighted 3:1 over %d queries: %.1f%% / %.1f%%" % (n, share, 100 - share))
        check(set(counts) == {"127.0.0.201", "127.0.0.202"}, "answered addresses %s" % counts)
        check(abs(share - 75.0) <= 5.0, "weight 3 member got %.1f%% of %d answers, expected 75%% "
              "+- 5 points; counts %s" % (share, n, counts))


def test_answers_gives_distinct_addresses_and_weight_zero_never():
    with _server(_weighted_config(), "dnsd (answers)") as srv:
        pool_seen = set()
        for _ in range(200):
            resp = _a(srv.port, "pair.lb.test")
            vals = rrset_values(resp, "answer", "pair.lb.test", "A") or []
            check(len(vals) == 2 and len(set(vals)) == 2,
                  "answers = 2: expected 2 distinct addresses;%s" % describe(resp))
            check(set(vals) == {"127.0.0.201", "127.0.0.202"},
                  "answers = 2 with weights 3, 1, 0: %s (the weight 0 member must never "
                  "appear)" % vals)
            resp = _a(srv.port, "three.lb.test")
            vals = rrset_values(resp, "answer", "three.lb.test", "A") or []
            check(sorted(vals) == ["127.0.0.201", "127.0.0.202"],
                  "answers = 3 with only two members of weight above 0: %s" % vals)
            pool_seen |= _addrs(_a(srv.port, "pool.lb.test"), "pool.lb.test")
        check(pool_seen == {"127.0.0.201", "127.0.0.202", "127.0.0.205"},
              "weighted over clusters w and w2: 200 answers named %s, expected every member of "
              "weight above 0 of both clusters" % sorted(pool_seen))


# --------------------------------------------------------------------------
# families, ANY, CNAME


def _family_config():
    return ("\n[cluster v4]\nmember = 127.0.0.211\nmember = 127.0.0.212\ncheck = none\n"
            "\n[cluster v6]\nmember = 2001:db8::211\ncheck = none\n"
            "\n[cluster both]\nmember = 127.0.0.213\nmember = 2001:db8::213\ncheck = none\n"
            "\n[record www.lb.test]\npolicy = failover\nclusters = v4\nanswers = 2\nttl = 20\n"
            "\n[record six.lb.test]\npolicy = failover\nclusters = v6\nttl = 20\n"
            "\n[record dual.lb.test]\npolicy = failover\nclusters = both\nttl = 20\n")


def test_families_nodata_and_any():
    with _server(_family_config(), "dnsd (families)") as srv:
        resp = _a(srv.port, "www.lb.test", "AAAA")
        expect_negative(resp, "lb.test", NEG_TTL, "AAAA at a record with only IPv4 members")
        resp = _a(srv.port, "six.lb.test", "A")
        expect_negative(resp, "lb.test", NEG_TTL, "A at a record with only IPv6 members")
        resp = _a(srv.port, "six.lb.test", "AAAA")
        check(_addrs(resp, "six.lb.test", "AAAA") == {"2001:db8::211"}, "AAAA;%s" % describe(resp))
        resp = _a(srv.port, "dual.lb.test", "A")
        check(_addrs(resp, "dual.lb.test") == {"127.0.0.213"}, "dual A;%s" % describe(resp))
        resp = _a(srv.port, "dual.lb.test", "AAAA")
        check(_addrs(resp, "dual.lb.test", "AAAA") == {"2001:db8::213"},
              "dual AAAA;%s" % describe(resp))
        # ANY: the A answer where there are IPv4 members, else the AAAA answer
        for name, qt, want in (("www.lb.test", "A", {"127.0.0.211", "127.0.0.212"}),
                               ("dual.lb.test", "A", {"127.0.0.213"}),
                               ("six.lb.test", "AAAA", {"2001:db8::211"})):
            resp = _a(srv.port, name, "ANY")
            expect_rcode(resp, "NOERROR", "ANY at %s" % name)
            check(_addrs(resp, name, qt) == want and len(resp.answer) == 1,
                  "ANY at load-balanced %s: expected only its %s answer %s;%s"
                  % (name, qt, sorted(want), describe(resp)))
        # the TXT beside the load-balanced name is served from the zone
        resp = _a(srv.port, "www.lb.test", "TXT")
        check(rrset_values(resp, "answer", "www.lb.test", "TXT") ==
              ['"load-balanced name with a TXT beside it"'],
              "TXT beside a load-balanced name;%s" % describe(resp))
        resp = _a(srv.port, "www.lb.test", "A")
        check(_ttl(resp, "www.lb.test") == 20 and resp.flags & 0x0400,
              "A at www.lb.test: TTL 20 and AA=1 expected;%s" % describe(resp))


def test_cname_to_load_balanced_name_is_followed():
    with _server(_family_config(), "dnsd (CNAME to lb)") as srv:
        for name, chain in (("alias.lb.test", ["alias.lb.test"]),
                            ("alias2.lb.test", ["alias2.lb.test", "alias.lb.test"])):
            resp = _a(srv.port, name, "A")
            expect_rcode(resp, "NOERROR", "%s A" % name)
            addrs = _addrs(resp, "www.lb.test")
            check(addrs == {"127.0.0.211", "127.0.0.212"},
                  "%s A: expected the CNAME chain ending in www.lb.test's members;%s"
                  % (name, describe(resp)))
            for owner in chain:
                check(rrset_values(resp, "answer", owner, "CNAME") is not None,
                      "%s A: no CNAME for %s in the answer;%s" % (name, owner, describe(resp)))
            resp = _a(srv.port, name, "AAAA")
            expect_rcode(resp, "NOERROR", "%s AAAA" % name)
            check(not _addrs(resp, "www.lb.test", "AAAA") and
                  rrset_values(resp, "answer", chain[0], "CNAME") is not None,
                  "%s AAAA (target has only IPv4 members): expected the CNAME(s), no AAAA;%s"
                  % (name, describe(resp)))
            check(any(r.rdtype == dns.rdatatype.SOA for r in resp.authority),
                  "%s AAAA ending in NODATA at the load-balanced name: SOA expected in "
                  "authority;%s" % (name, describe(resp)))


# --------------------------------------------------------------------------
# explain


def _explain_config():
    dead = _dead_profile("dead", ["127.0.0.221", "127.0.0.222"])
    return (dead
            + "\n[cluster dead-pool]\nmember = 127.0.0.221\nmember = 127.0.0.222\ncheck = dead\n"
            + "\n[cluster spare-pool]\nmember = 127.0.0.223\ncheck = none\n"
            + "\n[record www.lb.test]\npolicy = failover\nclusters = dead-pool, spare-pool\n")


def _txt_strings(resp, name):
    out = []
    for rrs in resp.answer:
        check(rrs.rdclass == dns.rdataclass.CH and rrs.rdtype == dns.rdatatype.TXT,
              "explain: a record of class %s type %s, expected CH TXT;%s"
              % (dns.rdataclass.to_text(rrs.rdclass), dns.rdatatype.to_text(rrs.rdtype),
                 describe(resp)))
        check(rrs.name.to_text().lower() == name + ".", "explain: owner %s;%s"
              % (rrs.name, describe(resp)))
        for r in rrs:
            out += [s.decode(errors="replace") for s in r.strings]
    return out


def test_explain_chaos_txt_names_cluster_and_health():
    with _server(_explain_config(), "dnsd (explain)") as srv:
        resp = _a(srv.port, "www.lb.test", "A")
        check(_addrs(resp, "www.lb.test") == {"127.0.0.223"}, "IN A;%s" % describe(resp))
        resp = query_from(srv.port, "127.0.0.1", "www.lb.test", "TXT", qclass="CH")
        expect_rcode(resp, "NOERROR", "CH TXT www.lb.test from 127.0.0.1")
        strings = _txt_strings(resp, "www.lb.test")
        text = "\n".join(strings)
        check(strings, "CH TXT www.lb.test: no TXT strings;%s" % describe(resp))
        check(re.search(r"spare-pool\s+(answers|answered|chosen|serves)|"
                        r"(chosen|answer(s|ed)? from|served by|cluster)[:=\s]+spare-pool", text),
              "explain does not say that cluster spare-pool was chosen:\n%s" % text)
        check(re.search(r"dead-pool\D{0,20}\b0\s*(/|of)\s*2\b", text),
              "explain does not give dead-pool's health as 0 of 2:\n%s" % text)
        check(re.search(r"spare-pool\D{0,20}\b1\s*(/|of)\s*1\b", text),
              "explain does not give spare-pool's health as 1 of 1:\n%s" % text)
        check(re.search(r"spill", text, re.I),
              "explain does not say the spill-over rule applied:\n%s" % text)
        check(re.search(r"\bAAAA\b", text), "explain says nothing about AAAA:\n%s" % text)
        # other CHAOS queries are refused
        for name, qt in (("static.lb.test", "TXT"), ("lb.test", "TXT"), ("version.bind", "TXT"),
                         ("www.lb.test", "A")):
            resp = query_from(srv.port, "127.0.0.1", name, qt, qclass="CH")
            expect_rcode(resp, "REFUSED", "CH %s %s" % (qt, name))


def test_explain_refused_outside_explain_networks():
    with _server(_explain_config(), "dnsd (explain none)", server_opts={"explain": "none"}) as srv:
        resp = query_from(srv.port, "127.0.0.1", "www.lb.test", "TXT", qclass="CH")
        expect_rcode(resp, "REFUSED", "CH TXT www.lb.test with explain = none")
        check(not resp.answer, "explain = none: answer not empty;%s" % describe(resp))
    with _server(_explain_config(), "dnsd (explain 127.0.0.2)",
                 server_opts={"explain": "127.0.0.2/32"}) as srv:
        resp = query_from(srv.port, "127.0.0.1", "www.lb.test", "TXT", qclass="CH")
        expect_rcode(resp, "REFUSED", "CH TXT from 127.0.0.1 with explain = 127.0.0.2/32")
        resp = query_from(srv.port, "127.0.0.2", "www.lb.test", "TXT", qclass="CH")
        expect_rcode(resp, "NOERROR", "CH TXT from 127.0.0.2 with explain = 127.0.0.2/32")
        check(_txt_strings(resp, "www.lb.test"), "explain from an allowed source: no strings")


# --------------------------------------------------------------------------
# configuration errors (dnsd -t)


def _good_lb():
    return ("\n[check web]\nport = 8080\ninterval = 1s\ntimeout = 500ms\n"
            "\n[cluster one]\nmember = 192.0.2.10\ncheck = web\n"
            "\n[record www.lb.test]\npolicy = failover\nclusters = one\n")


def _line_of(text, needle, after=None):
    lines = text.splitlines()
    start = 0
    if after is not None:
        start = next(i for i, l in enumerate(lines) if l.strip() == after) + 1
    for i in range(start, len(lines)):
        if lines[i].strip() == needle:
            return i + 1
    fail("fixture: %r not in the INI" % needle)


def _check_t(srv, want_lines, what):
    rc, out, err = run_dnsd(["-t", "-c", srv.ini])
    check(rc == 1, "dnsd -t with %s: exit %d, expected 1; stdout %r stderr %r"
          % (what, rc, out, err))
    pats = ["%s:%d: " % (re.escape(srv.ini), n) for n in want_lines]
    check(any(re.search(p, err) for p in pats),
          "dnsd -t with %s: no error at %s; stderr:\n%s"
          % (what, " or ".join("%s:%d" % (srv.ini, n) for n in want_lines), err))


def test_config_errors_of_records_clusters_and_checks():
    good = _server(_good_lb(), "dnsd -t (good)")
    rc, out, err = run_dnsd(["-t", "-c", good.ini])
    check(rc == 0 and out.strip() == "%s: ok" % good.ini,
          "dnsd -t on the valid base config: exit %d, stdout %r, stderr %r" % (rc, out, err))

    srv = _server(_good_lb() + "\n[record www.nowhere.test]\npolicy = failover\nclusters = one\n",
                  "dnsd -t")
    _check_t(srv, [_line_of(srv.ini_text, "[record www.nowhere.test]")],
             "a record outside every zone")

    for name, rtype in (("static", "A"), ("alias", "CNAME")):
        srv = _server(_good_lb() + "\n[record %s.lb.test]\npolicy = failover\nclusters = one\n"
                      % name, "dnsd -t")
        _check_t(srv, [_line_of(srv.ini_text, "[record %s.lb.test]" % name)],
                 "a record at a name with %s records in the zone file" % rtype)

    srv = _server(_good_lb().replace("clusters = one", "clusters = one, nosuch"), "dnsd -t")
    _check_t(srv, [_line_of(srv.ini_text, "clusters = one, nosuch")],
             "an unknown cluster in clusters")

    for iv, to in (("1s", "2s"), ("500ms", "500ms"), ("1s", "1000ms")):
        text = _good_lb().replace("interval = 1s\ntimeout = 500ms",
                                  "interval = %s\ntimeout = %s" % (iv, to))
        srv = _server(text, "dnsd -t")
        _check_t(srv, [_line_of(srv.ini_text, "timeout = %s" % to),
                       _line_of(srv.ini_text, "interval = %s" % iv)],
                 "a check with timeout %s >= interval %s" % (to, iv))
