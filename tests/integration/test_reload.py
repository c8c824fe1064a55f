"""SIGHUP reload (SPEC section 1): atomic, nothing dropped, a failed reload
keeps the old data and logs every error with PATH:LINE."""

import re
import signal
import socket
import threading
import time

import dns.rdatatype

from harness import (SCALE, Server, alive, check, describe, expect_rcode, fail,
                     make_query, parse, qid_of, query, rrset_values, wait_for)

OLD, NEW = "192.0.2.1", "192.0.2.2"


def _serial(port, zone="example.test"):
    resp, _, _ = query(port, zone, "SOA")
    soa = [r for r in resp.answer if r.rdtype == dns.rdatatype.SOA]
    check(soa, "%s SOA: no SOA in answer;%s" % (zone, describe(resp)))
    return soa[0][0].serial


def _www(port):
    resp, _, _ = query(port, "www.example.test", "A")
    return rrset_values(resp, "answer", "www.example.test", "A")


class _Sender(threading.Thread):
    """UDP queries for www.example.test A at a fixed rate; one at a time,
    each waiting up to 2 s (scaled) for its answer."""

    def __init__(self, port, rate=200, duration=4.0):
        super().__init__(daemon=True)
        self.port, self.rate, self.duration = port, rate, duration
        self.results = []  # (time, id, [addresses] or None)
        self.stop = threading.Event()
        self.error = None

    def run(self):
        try:
            self._run()
        except Exception as e:  # noqa: BLE001 - reported by the test
            self.error = "%s: %s" % (type(e).__name__, e)

    def _run(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        t0 = time.monotonic()
        lost = 0
        try:
            for i in range(int(self.rate * self.duration) + 1):
                if self.stop.is_set() or lost > 20:
                    break
                due = t0 + i / self.rate
                now = time.monotonic()
                if due > now:
                    time.sleep(due - now)
                qid = (i * 7 + 1) & 0xFFFF
                wire = make_query("www.example.test", "A", qid=qid)
                s.sendto(wire, ("127.0.0.1", self.port))
                deadline = time.monotonic() + 2.0 * SCALE
                got = None
                for _ in range(50):
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    s.settimeout(left)
                    try:
                        raw, _ = s.recvfrom(65535)
                    except socket.timeout:
                        break
                    if qid_of(raw) != qid:
                        continue  # a late answer to an earlier query
                    m = parse(raw, "reload sender: ")
                    got = rrset_values(m, "answer", "www.example.test", "A") or \
                        ["rcode %s" % m.rcode()]
                    break
                if got is None:
                    lost += 1
                self.results.append((time.monotonic(), qid, got))
        finally:
            s.close()


def test_reload_under_load():
    with Server(name="dnsd (reload)") as srv:
        old_text = srv.zone_text("example.test")
        old_serial = _serial(srv.port)
        check(old_serial == 2026112101, "initial serial %d" % old_serial)
        new_text = old_text.replace("www\t300\tIN\tA\t192.0.2.1", "www\t300\tIN\tA\t192.0.2.2") \
                           .replace("2026112101 ; serial", "2026112102 ; serial")
        check(new_text != old_text and "192.0.2.2" in new_text, "fixture edit failed")

        sender = _Sender(srv.port)
        sender.start()
        time.sleep(1.0)
        srv.write_zone("example.test", new_text)
        t_hup = time.monotonic()
        srv.send_signal(signal.SIGHUP)
        # wait for the new data (bounded), while the sender keeps going
        wait_for(lambda: any(r[2] == [NEW] for r in sender.results), 3.0 * SCALE)
        time.sleep(0.5)

        # a broken edit: a syntax error, and www changed again
        lines = new_text.splitlines()
        broken_lines = lines + ["broken\tIN\tA\t999.1.2.3"]
        bad_line = len(broken_lines)
        broken = "\n".join(broken_lines).replace("www\t300\tIN\tA\t192.0.2.2",
                                                "www\t300\tIN\tA\t192.0.2.3") + "\n"
        log_before = len(srv.stderr())
        srv.write_zone("example.test", broken)
        t_hup2 = time.monotonic()
        srv.send_signal(signal.SIGHUP)
        sender.join(10.0 * SCALE)
        sender.stop.set()
        sender.join(5.0)
        check(sender.error is None, "sender thread failed: %s" % sender.error)
        res = sender.results

        sent = len(res)
        lost = [r for r in res if r[2] is None]
        check(sent >= 300, "only %d queries were sent in 4 s" % sent)
        check(not lost, "%d of %d queries got no answer across the reloads (first lost id %d at "
              "+%.2f s after the first SIGHUP)" % (len(lost), sent, lost[0][1], lost[0][0] - t_hup)
              if lost else "")
        odd = [r for r in res if r[2] not in ([OLD], [NEW])]
        check(not odd, "%d answers were neither %s nor %s, e.g. %s at +%.2f s"
              % (len(odd), OLD, NEW, odd[0][2], odd[0][0] - t_hup) if odd else "")
        first_new = next((i for i, r in enumerate(res) if r[2] == [NEW]), None)
        check(first_new is not None, "no answer with the new address %s after SIGHUP (%d answers)"
              % (NEW, sent))
        back = [r for r in res[first_new:] if r[2] != [NEW]]
        check(not back, "%d answers after the first new one were old again (first at +%.2f s)"
              % (len(back), back[0][0] - t_hup) if back else "")
        took = res[first_new][0] - t_hup
        check(took < 2.0 * SCALE, "new data served only %.2f s after SIGHUP" % took)
        check(any(r[2] == [OLD] for r in res), "no old answers before the reload")
        after_broken = [r for r in res if r[0] > t_hup2 + 0.3]
        check(after_broken, "no queries after the broken reload (sender stopped early?)")

        # the failed reload kept the previous data and logged the error
        pat = re.compile(r"example\.test\.zone:%d: " % bad_line)
        found = wait_for(lambda: pat.search(srv.stderr()[log_before:]), 5.0 * SCALE)
        check(found, "after the broken reload, no log line with example.test.zone:%d:; log tail:\n%s"
              % (bad_line, srv.tail()))
        err_line = next(l for l in srv.stderr()[log_before:].splitlines() if pat.search(l))
        check(re.search(r"Z (error|warn) ", err_line),
              "broken reload logged below warn: %r" % err_line)
        check(_www(srv.port) == [NEW], "after the failed reload www is %s, expected the previous %s"
              % (_www(srv.port), NEW))
        serial = _serial(srv.port)
        check(serial == 2026112102, "serial after reloads: %d, expected 2026112102" % serial)


def test_reload_ini_adds_and_removes_zones():
    third = ("$ORIGIN third.test.\n$TTL 300\n"
             "@ IN SOA ns.third.test. admin.third.test. 1 3600 600 86400 300\n"
             "@ IN NS ns\nns IN A 192.0.2.100\nwww IN A 192.0.2.101\n")
    with Server(name="dnsd (reload ini)") as srv:
        resp, _, _ = query(srv.port, "www.other.test", "A")
        expect_rcode(resp, "NOERROR", "www.other.test A before reload")
        resp, _, _ = query(srv.port, "www.third.test", "A")
        expect_rcode(resp, "REFUSED", "www.third.test A before reload")
        srv.write_zone("third.test", third)
        text = srv.ini_text.replace("[zone other.test]\nfile = other.test.zone\n", "")
        text = text.replace("[zone child.other.test]\nfile = child.other.test.zone\n", "")
        text += "\n[zone third.test]\nfile = third.test.zone\n"
        check("other.test.zone" not in text, "INI edit failed: %s" % text)
        srv.write_ini(text)
        srv.send_signal(signal.SIGHUP)

        def third_ok():
            r, _, _ = query(srv.port, "www.third.test", "A")
            return rrset_values(r, "answer", "www.third.test", "A") == ["192.0.2.101"]
        check(wait_for(third_ok, 5.0 * SCALE, 0.1), "www.third.test not answered after the reload; "
              "log tail:\n%s" % srv.tail())
        resp, _, _ = query(srv.port, "www.other.test", "A")
        expect_rcode(resp, "REFUSED", "www.other.test A after its zone was removed")
        alive(srv.port, "after zone changes")
        log = srv.stderr()
        info = [l for l in log.splitlines() if " info " in l or " warn " in l]
        for zone in ("third.test", "other.test"):
            check(any(zone in l for l in info),
                  "reload log does not name zone %s (added/removed):\n%s" % (zone, srv.tail()))


def test_reload_broken_ini_keeps_old():
    with Server(name="dnsd (broken ini reload)") as srv:
        good = srv.ini_text
        lines = good.splitlines()
        idx = lines.index("[server]") + 1
        lines.insert(idx + 1, "no_such_key = 1")
        bad_line = idx + 2
        srv.write_ini("\n".join(lines) + "\n[zone third.test]\nfile = third.zone\n")
        log_before = len(srv.stderr())
        srv.send_signal(signal.SIGHUP)
        pat = re.compile(r"dnsd\.ini:%d: " % bad_line)
        found = wait_for(lambda: pat.search(srv.stderr()[log_before:]), 5.0 * SCALE)
        check(found, "broken INI reload: no log line with dnsd.ini:%d:; log tail:\n%s"
              % (bad_line, srv.tail()))
        check(_www(srv.port) == [OLD], "after a failed reload: www %s" % _www(srv.port))
        resp, _, _ = query(srv.port, "www.other.test", "A")
        expect_rcode(resp, "NOERROR", "www.other.test after a failed INI reload")
        # fixing the file and reloading again works
        srv.write_ini(good)
        srv.send_signal(signal.SIGHUP)
        time.sleep(0.3)
        alive(srv.port, "after a good reload following a failed one")


def test_rapid_reloads():
    with Server(name="dnsd (rapid reloads)") as srv:
        text = srv.zone_text("example.test")
        for i in range(15):
            ip = "192.0.2.%d" % (1 + i % 2)
            srv.write_zone("example.test", text.replace("www\t300\tIN\tA\t192.0.2.1",
                                                        "www\t300\tIN\tA\t" + ip))
            srv.send_signal(signal.SIGHUP)
            time.sleep(0.03)
            got = _www(srv.port)
            check(got in (["192.0.2.1"], ["192.0.2.2"]), "during rapid reloads www = %s" % got)
        srv.write_zone("example.test", text.replace("www\t300\tIN\tA\t192.0.2.1",
                                                    "www\t300\tIN\tA\t192.0.2.2"))
        srv.send_signal(signal.SIGHUP)
        ok = wait_for(lambda: _www(srv.port) == ["192.0.2.2"], 5.0 * SCALE, 0.1)
        check(ok, "after rapid reloads www = %s, expected the last written 192.0.2.2" % _www(srv.port))
        check(srv.running(), "server died during rapid reloads")


def test_reload_with_missing_zone_file_keeps_old():
    import os
    with Server(name="dnsd (zone file removed)") as srv:
        path = srv.zone_paths["other.test"]
        os.rename(path, path + ".away")
        log_before = len(srv.stderr())
        srv.send_signal(signal.SIGHUP)
        found = wait_for(lambda: "other.test.zone" in srv.stderr()[log_before:], 5.0 * SCALE)
        check(found, "reload with a missing zone file: no error naming other.test.zone; log tail:\n%s"
              % srv.tail())
        resp, _, _ = query(srv.port, "www.other.test", "A")
        check(rrset_values(resp, "answer", "www.other.test", "A") == ["198.51.100.1"],
              "after the failed reload other.test is not served from the old data;%s" % describe(resp))
        os.rename(path + ".away", path)


def test_tcp_connection_survives_reload():
    import struct
    from harness import tcp_connect, tcp_read_msg
    with Server(name="dnsd (TCP across reload)") as srv:
        s = tcp_connect(srv.port)
        try:
            def ask(qid):
                q = make_query("www.example.test", "A", qid=qid)
                s.sendall(struct.pack("!H", len(q)) + q)
                raw = tcp_read_msg(s)
                check(raw is not None, "TCP query %d on a connection opened before SIGHUP: "
                      "no answer" % qid)
                return rrset_values(parse(raw), "answer", "www.example.test", "A")
            check(ask(1) == [OLD], "before reload")
            text = srv.zone_text("example.test")
            srv.write_zone("example.test", text.replace("www\t300\tIN\tA\t192.0.2.1",
                                                        "www\t300\tIN\tA\t192.0.2.2"))
            srv.send_signal(signal.SIGHUP)
            ok = wait_for(lambda: _www(srv.port) == [NEW], 5.0 * SCALE, 0.1)
            check(ok, "reload not applied")
            got = ask(2)
            check(got == [NEW], "old TCP connection after reload answered %s, expected %s" % (got, NEW))
        finally:
            s.close()


# A reload of a second or two on the 2-core CI box, long enough to sample
# TCP and /metrics many times while it runs. The same size in sanitizer
# builds: the zone loads on parallel threads there too, and a quarter of it
# (as this once was) reloaded under ASan in 0.2 s, too short to sample or
# to send SIGHUPs into. Valgrind, which runs one thread at a time, leaves
# the two tests that time it out (Makefile VALGRIND_IT).
_BIG_NAMES = 400000


def _big_zone(names, serial):
    """A zone of `names` A names (tools/genzone.py's shape, inlined so the
    test does not depend on a tool's output format) with a given serial."""
    out = ["$ORIGIN big.test.\n$TTL 3600\n",
           "@ IN SOA ns1 hostmaster %d 7200 3600 1209600 300\n" % serial,
           "@ IN NS ns1\nns1 IN A 127.0.0.1\n"]
    for i in range(names):
        out.append("h%d IN A 10.%d.%d.%d\n" % (i, i >> 16 & 255, i >> 8 & 255, i & 255))
    return "".join(out)


class _Prober(threading.Thread):
    """Times one request every `period` s until stopped: fn() returns True
    when it got its answer. Records (start, seconds, ok)."""

    def __init__(self, fn, period):
        super().__init__(daemon=True)
        self.fn, self.period = fn, period
        self.samples = []
        self.stop = threading.Event()

    def run(self):
        for _ in range(100000):
            if self.stop.is_set():
                break
            t0 = time.monotonic()
            try:
                ok = bool(self.fn())
            except (OSError, AssertionError):
                ok = False
            self.samples.append((t0, time.monotonic() - t0, ok))
            self.stop.wait(self.period)


def reload_latency(names, timeout_scale=1.0):
    """Serve big.test with `names` names and a control endpoint, reload it
    with a new serial while a TCP client and a /metrics scraper keep asking,
    and return (reload seconds, TCP samples, scrape samples during it)."""
    import struct
    from harness import free_tcp_port, http_get, tcp_connect, tcp_read_msg
    cport = free_tcp_port(["127.0.0.1"])
    zone = _big_zone(names, 1)
    srv = Server(zones={"big.test": zone}, server_opts={"control": "127.0.0.1:%d" % cport},
                 name="dnsd (large reload)")
    srv.start(wait=False)
    srv.wait_ready(timeout=120.0 * SCALE)
    srv.write_zone("big.test", zone.replace("hostmaster 1 ", "hostmaster 2 "))
    del zone
    limit = 5.0 * SCALE * timeout_scale

    def tcp_ask():
        s = tcp_connect(srv.port, timeout=limit)
        try:
            q = make_query("h7.big.test", "A")
            s.sendall(struct.pack("!H", len(q)) + q)
            raw = tcp_read_msg(s, timeout=limit)
            return raw is not None and rrset_values(parse(raw), "answer", "h7.big.test",
                                                    "A") == ["10.0.0.7"]
        finally:
            s.close()

    def scrape_ok():
        r = http_get("127.0.0.1", cport, "/metrics", timeout=limit)
        return r is not None and r[0] == 200 and "dnsd_config_reloads_total" in r[1]

    probers = [_Prober(tcp_ask, 0.02), _Prober(scrape_ok, 0.05)]
    for p in probers:
        p.start()
    try:
        time.sleep(0.3)
        log_before = len(srv.stderr())
        t_hup = time.monotonic()
        srv.send_signal(signal.SIGHUP)
        done = wait_for(lambda: "reloaded:" in srv.stderr()[log_before:], 120.0 * SCALE)
        t_done = time.monotonic()
        check(done, "the large reload did not finish; log tail:\n%s" % srv.tail())
        time.sleep(0.3)
    finally:
        for p in probers:
            p.stop.set()
        for p in probers:
            p.join(limit + 5.0)
    check(_serial(srv.port, "big.test") == 2, "after the reload big.test's serial is not 2")
    srv.stop()
    during = [[s for s in p.samples if s[0] + s[1] >= t_hup and s[0] <= t_done]
              for p in probers]
    return t_done - t_hup, during[0], during[1]


def test_large_reload_keeps_tcp_and_metrics_answering():
    took, tcp, scr = reload_latency(_BIG_NAMES)
    for what, samples in (("TCP query", tcp), ("/metrics scrape", scr)):
        check(samples, "no %s fell in the %.2f s reload" % (what, took))
        bad = [s for s in samples if not s[2]]
        check(not bad, "%d of %d %s(s) during the reload failed" % (len(bad), len(samples), what))
        worst = max(s[1] for s in samples)
        # Generous: the issue asks 100 ms; a blocked loop shows the whole
        # reload time (seconds), a loaded box a few hundred ms at most.
        check(worst < 1.0 * SCALE, "a %s took %.3f s during a %.2f s reload (%d samples)"
              % (what, worst, took, len(samples)))
    check(len(tcp) >= 5 and len(scr) >= 5,
          "the reload took %.2f s but only %d TCP and %d /metrics samples fell in it"
          % (took, len(tcp), len(scr)))


def test_reloads_coalesce_and_stop_during_a_reload():
    """SIGHUPs that arrive while a reload runs make one more reload, not one
    each; SIGTERM while a reload runs still stops cleanly (exit 0)."""
    srv = Server(zones={"big.test": _big_zone(_BIG_NAMES, 1)}, name="dnsd (coalesced reloads)")
    if True:  # the harness kills the server if a check fails
        srv.start(wait=False)
        srv.wait_ready(timeout=120.0 * SCALE)
        log = lambda: srv.stderr()
        srv.send_signal(signal.SIGHUP)
        check(wait_for(lambda: log().count("config: reloading") == 1, 10.0 * SCALE),
              "no 'reloading' log line after SIGHUP")
        for _ in range(3):
            srv.send_signal(signal.SIGHUP)
            time.sleep(0.01)
        check(wait_for(lambda: log().count("reloaded:") >= 2, 120.0 * SCALE),
              "the reload and the coalesced one did not both finish; log tail:\n%s" % srv.tail())
        time.sleep(0.5)
        n = log().count("config: reloading")
        check(n == 2, "4 SIGHUPs, 3 of them during a reload, made %d reloads (expected 2)" % n)
        check(_serial(srv.port, "big.test") == 1, "big.test not served after the coalesced reloads")
        srv.send_signal(signal.SIGHUP)
        check(wait_for(lambda: log().count("config: reloading") == 3, 10.0 * SCALE),
              "no 'reloading' log line after the third SIGHUP")
        srv.stop(timeout=120.0 * SCALE)
        # The build of _BIG_NAMES names takes a second or more, so the stop
        # came while it ran.
        check("waiting for the reload in progress" in log() and "stopped" in log(),
              "no 'waiting for the reload' and 'stopped' lines after SIGTERM during a "
              "reload:\n%s" % srv.tail())
