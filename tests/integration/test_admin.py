"""Operator control (SPEC section 7): dnsdctl drain, force-up, resume, admin
and reload over the control socket; targets ADDRESS, CLUSTER/ADDRESS and
CLUSTER with the most specific winning; --for expiry; the all_down rules
with every member drained; overrides kept across SIGHUP and restart
(state_file), unmatched after a reload; the state file's errors; every
dnsdctl error case; the socket's peer check; many control clients while
queries flow.

Members are loopback addresses; most clusters have check = none (always
up), so an answer changes only through an override."""

import json
import os
import re
import signal
import socket
import stat
import subprocess
import threading
import time

from harness import (DNSDCTL, SCALE, Backend, Server, check, describe, fail,
                     free_tcp_port, http_request, query, rrset_values,
                     run_dnsd, run_dnsdctl, scrape, wait_for)

ZONES = {"lb.test": "lb.test.zone"}
EU1, EU2, US2, US3 = "127.0.0.101", "127.0.0.102", "127.0.0.102", "127.0.0.103"

BASE = """
[cluster eu]
member = 127.0.0.101
member = 127.0.0.102
check = none

[cluster us]
member = 127.0.0.102
member = 127.0.0.103
check = none

[record www.lb.test]
policy = weighted
clusters = eu, us
answers = 10

[record fo.lb.test]
policy = failover
clusters = eu, us
answers = 10
"""


class Admin:
    """dnsd with a control socket, a state file and the HTTP endpoint."""

    def __init__(self, extra=BASE, name="dnsd admin", state=True, opts=None):
        self.cport = free_tcp_port(["127.0.0.1"])
        o = {"control": "127.0.0.1:%d" % self.cport,
             "control_socket": "ctl.sock"}
        if state:
            o["state_file"] = "admin.state"
        o.update(opts or {})
        self.srv = Server(zones=ZONES, server_opts=o, extra=extra, name=name)
        self.sock = os.path.join(self.srv.dir, "ctl.sock")
        self.state = os.path.join(self.srv.dir, "admin.state")

    def __enter__(self):
        self.srv.start()
        return self

    def __exit__(self, *a):
        self.srv.__exit__(*a)

    def ctl(self, *args, expect=0, **kw):
        rc, out, err = run_dnsdctl(["-c", self.srv.ini] + list(args), **kw)
        if expect is not None:
            check(rc == expect, "dnsdctl %s: exit %d, expected %d; stdout: %s; "
                  "stderr: %s" % (" ".join(args), rc, expect, out, err))
        return rc, out, err

    def answers(self, name="www.lb.test", qtype="A"):
        resp, _, _ = query(self.srv.port, name, qtype)
        check(resp.rcode() == 0, "%s %s: rcode %d;%s"
              % (name, qtype, resp.rcode(), describe(resp)))
        return set(rrset_values(resp, "answer", name, qtype) or [])

    def status(self):
        st, _, body = http_request("127.0.0.1", self.cport, "/status")
        check(st == 200, "/status: HTTP %d" % st)
        return json.loads(body)

    def member(self, cluster, address):
        for c in self.status()["clusters"]:
            if c["name"] == cluster:
                for m in c["members"]:
                    if m["address"] == address:
                        return m
        fail("no member %s in cluster %s in /status" % (address, cluster))


def _expect(a, name, want, what):
    got = a.answers(name)
    check(got == set(want), "%s: %s answered %s, expected %s"
          % (what, name, sorted(got), sorted(want)))


def test_drain_by_address_and_resume():
    with Admin() as a:
        _expect(a, "www.lb.test", {EU1, EU2, US3}, "before")
        _rc, out, _ = a.ctl("drain", "--reason", "kernel upgrade", EU2)
        check("2 members" in out, "drain of an address in two clusters: %r" % out)
        # Visible when the command returns: no waiting.
        _expect(a, "www.lb.test", {EU1, US3}, "drained %s (both clusters)" % EU2)
        for c in ("eu", "us"):
            m = a.member(c, EU2)
            check(m["admin"] == "drain" and m["admin_reason"] == "kernel upgrade"
                  and m["admin_until"] is None,
                  "/status %s/%s: admin fields %r" % (c, EU2, m))
        check(a.member("eu", EU1)["admin"] is None, "/status: undrained member has admin")
        log = a.srv.stderr()
        for c in ("eu", "us"):
            line = "member %s (cluster %s) drained: kernel upgrade" % (EU2, c)
            check(line in log, "no log line %r; log:\n%s" % (line, a.srv.tail()))
        a.ctl("resume", EU2)
        _expect(a, "www.lb.test", {EU1, EU2, US3}, "resumed")
        check(a.member("eu", EU2)["admin"] is None, "/status after resume still drained")
        check(re.search(r"member 127\.0\.0\.102 \(cluster eu\) resumed", a.srv.stderr()),
              "no resume log line")


def test_drain_one_membership_metrics_and_explain():
    with Admin() as a:
        _expect(a, "fo.lb.test", {EU1, EU2}, "before")
        a.ctl("drain", "eu/" + EU2)
        _expect(a, "fo.lb.test", {EU1}, "drained eu/%s" % EU2)
        # The same address in us is untouched.
        _expect(a, "www.lb.test", {EU1, US2, US3}, "drained eu/%s only" % EU2)
        check(a.member("us", US2)["admin"] is None, "us/%s drained too" % US2)
        m = scrape(a.cport)
        key = lambda n, c, ad: (n, (("address", ad), ("cluster", c)))
        check(m.get(key("dnsd_member_drained", "eu", EU2)) == 1.0,
              "dnsd_member_drained{eu,%s} = %r" % (EU2, m.get(key("dnsd_member_drained", "eu", EU2))))
        check(m.get(key("dnsd_member_drained", "us", US2)) == 0.0,
              "dnsd_member_drained{us,%s} not 0" % US2)
        check(m.get(key("dnsd_member_forced_up", "eu", EU1)) == 0.0,
              "dnsd_member_forced_up{eu,%s} missing or not 0" % EU1)
        resp, _, _ = query(a.srv.port, "fo.lb.test", "TXT", qclass="CH")
        text = " ".join(str(r) for rr in resp.answer for r in rr)
        check("drained eu/%s" % EU2 in text, "explain does not name the drained member: %s" % text)
        a.ctl("force-up", EU1)
        m = scrape(a.cport)
        check(m.get(key("dnsd_member_forced_up", "eu", EU1)) == 1.0, "forced_up gauge not 1")
        resp, _, _ = query(a.srv.port, "fo.lb.test", "TXT", qclass="CH")
        text = " ".join(str(r) for rr in resp.answer for r in rr)
        check("forced up eu/%s" % EU1 in text, "explain does not name the forced member: %s" % text)


def test_drain_cluster_spills_to_the_next():
    with Admin() as a:
        a.ctl("drain", "eu")
        _expect(a, "fo.lb.test", {US2, US3}, "cluster eu drained")
        # A cluster target is the cluster's memberships, not the addresses.
        check(a.member("us", US2)["admin"] is None, "us/%s drained by 'drain eu'" % US2)
        _rc, out, _ = a.ctl("admin")
        check(re.search(r"^eu\s+drain\s", out, re.M), "dnsdctl admin: %r" % out)
        _rc, out, _ = a.ctl("status")
        check(re.search(r"127\.0\.0\.101\s+1\s+up\s+drain", out),
              "dnsdctl status shows no ADMIN drain for %s:\n%s" % (EU1, out))


def test_most_specific_override_wins():
    with Admin() as a:
        a.ctl("drain", "eu")
        a.ctl("force-up", "eu/" + EU1)     # CLUSTER/ADDRESS beats CLUSTER
        _expect(a, "fo.lb.test", {EU1}, "eu drained, eu/%s forced up" % EU1)
        a.ctl("drain", EU1)               # ADDRESS loses to CLUSTER/ADDRESS
        _expect(a, "fo.lb.test", {EU1}, "and %s drained" % EU1)
        check(a.member("eu", EU1)["admin"] == "force-up", "eu/%s: %r" % (EU1, a.member("eu", EU1)))
        a.ctl("resume", "eu/" + EU1)      # now ADDRESS beats CLUSTER: all eu out
        _expect(a, "fo.lb.test", {US2, US3}, "eu/%s resumed" % EU1)
        check(a.member("eu", EU1)["admin_target"] == EU1, "eu/%s held by %r"
              % (EU1, a.member("eu", EU1)))
        # A new override of the same target replaces the old one.
        a.ctl("force-up", EU1)
        _rc, out, _ = a.ctl("admin")
        check(len(re.findall(r"^127\.0\.0\.101\s", out, re.M)) == 1
              and re.search(r"^127\.0\.0\.101\s+force-up", out, re.M),
              "replacing an override: %r" % out)


def test_force_up_member_whose_backend_returns_503():
    bad, good = "127.0.0.111", "127.0.0.112"
    with Backend([bad, good]) as be:
        be.control(bad, status=503)
        extra = ("\n[check web]\nport = %d\ninterval = 300ms\ntimeout = 200ms\n"
                 "rise = 1\nfall = 1\n\n[cluster web]\nmember = %s\nmember = %s\n"
                 "check = web\n\n[record web.lb.test]\npolicy = weighted\n"
                 "clusters = web\nanswers = 10\n" % (be.port, bad, good))
        with Admin(extra=BASE + extra) as a:
            _expect(a, "web.lb.test", {good}, "503 member before force-up")
            a.ctl("force-up", "--reason", "probe false alarm", bad)
            _expect(a, "web.lb.test", {bad, good}, "503 member forced up")
            m = a.member("web", bad)
            check(m["state"] == "down" and m["admin"] == "force-up",
                  "/status keeps the probe's verdict beside the override: %r" % m)
            time.sleep(0.7)  # more probes fail meanwhile: still forced
            _expect(a, "web.lb.test", {bad, good}, "forced member after more failed checks")
            a.ctl("resume", bad)
            _expect(a, "web.lb.test", {good}, "resumed 503 member")


def test_for_expires_within_one_second():
    with Admin() as a:
        t0 = time.monotonic()
        a.ctl("drain", "--for", "2s", "--reason", "reboot", "eu/" + EU1)
        m = a.member("eu", EU1)
        check(m["admin_until"] is not None, "admin_until null for --for: %r" % m)
        _expect(a, "fo.lb.test", {EU2}, "drained --for 2s")
        back = None
        for _ in range(int(6 / 0.05)):
            now = time.monotonic() - t0
            got = a.answers("fo.lb.test")
            if EU1 in got:
                back = now
                break
            if now > 5 * SCALE:
                break
            time.sleep(0.05)
        check(back is not None, "drain --for 2s never expired (5 s)")
        print("    --for 2s: answered again after %.2f s" % back)
        check(back >= 1.9, "expired early, after %.2f s" % back)
        check(back <= 3.0 * SCALE, "expired after %.2f s: SPEC 7 allows 2 s + 1 s" % back)
        check("member %s (cluster eu) drain expired" % EU1 in a.srv.stderr(),
              "no expiry log line:\n%s" % a.srv.tail())
        _rc, out, _ = a.ctl("admin")
        check("no overrides" in out, "expired override still listed: %r" % out)
        with open(a.state) as f:
            check(EU1 not in f.read(), "expired override still in the state file")


def _rcode(port, name):
    resp, _, _ = query(port, name, "A")
    return resp


def test_all_drained_under_each_all_down_rule():
    extra = BASE
    for rule in ("serve", "nodata", "servfail"):
        extra += ("\n[record %s.lb.test]\npolicy = failover\nclusters = eu, us\n"
                  "all_down = %s\n" % (rule, rule))
    with Admin(extra=extra) as a:
        a.ctl("drain", "eu", "us")
        for rule in ("serve", "nodata", "servfail"):
            resp = _rcode(a.srv.port, "%s.lb.test" % rule)
            check(resp.rcode() == 0 and not resp.answer,
                  "all members drained, all_down = %s: want NODATA;%s" % (rule, describe(resp)))
        a.ctl("resume", "us")
        for rule in ("serve", "nodata", "servfail"):
            got = a.answers("%s.lb.test" % rule)
            check(got and got <= {US2, US3}, "all_down=%s after resuming us: %s" % (rule, got))


def test_kept_across_sighup_and_restart():
    with Admin() as a:
        a.ctl("drain", "--reason", "disk swap", "eu/" + EU1)
        a.srv.send_signal(signal.SIGHUP)
        check(wait_for(lambda: "reloaded:" in a.srv.stderr(), 5 * SCALE), "no reload")
        _expect(a, "fo.lb.test", {EU2}, "after SIGHUP")
        a.srv.stop()
        with open(a.state) as f:
            text = f.read()
        check(text.startswith("dnsd-admin 1\n") and "eu/127.0.0.101\tdrain" in text,
              "state file: %r" % text)
        a.srv.start()
        _expect(a, "fo.lb.test", {EU2}, "after a restart with state_file")
        check(a.member("eu", EU1)["admin_reason"] == "disk swap", "reason lost at restart")
        check("kept override: drain eu/127.0.0.101" in a.srv.stderr(),
              "no log of the kept override at start")


def test_without_state_file_restart_forgets():
    with Admin(state=False) as a:
        a.ctl("drain", "eu")
        a.srv.stop()
        a.srv.start()
        _expect(a, "fo.lb.test", {EU1, EU2}, "restart without state_file")


def test_corrupt_state_file_refuses_start():
    with Admin() as a:
        pass
    for text, want in (("garbage\n", ":1: not a dnsd state file"),
                       ("dnsd-admin 1\neu\tdrain\tx\t0\tr\n", ":2: bad time")):
        srv = Admin().srv
        with open(os.path.join(srv.dir, "admin.state"), "w") as f:
            f.write(text)
        srv.spawn()
        rc = srv.wait_exit(5 * SCALE)
        check(rc == 1, "dnsd with a corrupt state file: exit %r, expected 1" % rc)
        check(want in srv.stderr() and "not starting" in srv.stderr(),
              "no clear error for a corrupt state file (%r):\n%s" % (want, srv.tail()))
        rc, out, err = run_dnsd(["-t", "-c", srv.ini])
        check(rc == 1 and want in err, "dnsd -t: exit %d, stderr %r" % (rc, err))
    # Unreadable: a folder where the file should be.
    srv = Admin().srv
    os.mkdir(os.path.join(srv.dir, "admin.state"))
    srv.spawn()
    rc = srv.wait_exit(5 * SCALE)
    check(rc == 1 and "cannot read the state file" in srv.stderr(),
          "unreadable state file: exit %r\n%s" % (rc, srv.tail()))


def test_unmatched_after_reload_and_resume():
    with Admin() as a:
        a.ctl("drain", "eu/" + EU1)
        a.srv.write_ini(a.srv.ini_text.replace("member = 127.0.0.101\n", ""))
        _rc, out, _ = a.ctl("reload")
        check("reloaded" in out, "dnsdctl reload: %r" % out)
        _rc, out, _ = a.ctl("admin")
        check(re.search(r"^eu/127\.0\.0\.101\s+drain\s.*\bunmatched\b", out, re.M),
              "override of a removed member not shown unmatched: %r" % out)
        check("matches no member now; kept" in a.srv.stderr(), "no log of the unmatched override")
        # Kept: the member comes back drained.
        a.srv.write_ini(a.srv.ini_text.replace("[cluster eu]\n", "[cluster eu]\nmember = 127.0.0.101\n"))
        a.ctl("reload")
        _expect(a, "fo.lb.test", {EU2}, "member re-added by a reload")
        a.srv.write_ini(a.srv.ini_text.replace("member = 127.0.0.101\n", ""))
        a.ctl("reload")
        a.ctl("resume", "eu/" + EU1)
        _rc, out, _ = a.ctl("admin")
        check("no overrides" in out, "resume of an unmatched override: %r" % out)


def test_dnsdctl_reload_good_and_broken():
    with Admin() as a:
        _rc, out, err = a.ctl("reload")
        check(out.strip() == "reloaded", "good reload: %r %r" % (out, err))
        good = a.srv.ini_text
        a.srv.write_ini(good + "\n[cluster bad]\nmember = 300.1.1.1\nbogus = 1\n")
        rc, out, err = a.ctl("reload", expect=1)
        lines = [l for l in err.splitlines() if l]
        ini = a.srv.ini
        check(any(re.match(re.escape(ini) + r":\d+: .*300\.1\.1\.1", l) for l in lines)
              and any(re.match(re.escape(ini) + r":\d+: .*bogus", l) for l in lines),
              "broken reload: want every PATH:LINE: error; stderr:\n%s" % err)
        check("still serving the previous configuration" in err, "stderr: %r" % err)
        _expect(a, "fo.lb.test", {EU1, EU2}, "after a failed reload")


def _one_line_error(rc, err, want, what):
    check(rc == 1, "%s: exit %d, expected 1" % (what, rc))
    lines = err.strip().splitlines()
    check(len(lines) == 1 and want in lines[0] and lines[0].startswith("dnsdctl: "),
          "%s: want one line with %r on stderr, got %r" % (what, want, err))


def test_dnsdctl_errors():
    with Admin() as a:
        rc, _, err = a.ctl("drain", "eu/127.0.0.199", "eu", expect=None)
        _one_line_error(rc, err, "unknown target eu/127.0.0.199", "unknown target")
        check(a.member("eu", EU1)["admin"] is None, "a command with an unknown target changed 'eu'")
        rc, _, err = a.ctl("drain", "--for", "10y", "eu", expect=None)
        _one_line_error(rc, err, "bad duration", "bad duration")
        rc, _, err = a.ctl("resume", "nosuch", expect=None)
        _one_line_error(rc, err, "unknown target nosuch", "resume unknown")
        rc, _, err = run_dnsdctl(["-S", os.path.join(a.srv.dir, "missing.sock"), "admin"])
        _one_line_error(rc, err, "does not exist", "socket missing")
        # No socket configured: an INI without control_socket.
        plain = os.path.join(a.srv.dir, "plain.ini")
        with open(plain, "w") as f:
            f.write(a.srv.ini_text.replace("control_socket = ctl.sock\n", ""))
        rc, _, err = run_dnsdctl(["-c", plain, "drain", "eu"])
        _one_line_error(rc, err, "no control socket configured", "no socket configured")
        rc, out, _ = a.ctl("drain", "--help")
        check("--for" in out and "TARGET" in out, "drain --help: %r" % out)
        for cmd in ("reload", "force-up", "resume", "admin"):
            rc, out, _ = a.ctl(cmd, "--help")
            check(out.startswith("usage: dnsdctl " + cmd), "%s --help: %r" % (cmd, out))
        # Permission denied by the file mode: another uid cannot connect.
        if os.getuid() == 0:
            os.chmod(a.srv.dir, 0o711)
            rc, _, err = _as_nobody(["-S", a.sock, "drain", "eu"])
            _one_line_error(rc, err, "permission denied", "file permission")
            # The peer check itself: the file opened to all, dnsd still
            # refuses a uid that is not root, its own, or of its group.
            os.chmod(a.sock, 0o666)
            rc, _, err = _as_nobody(["-S", a.sock, "drain", "eu"])
            _one_line_error(rc, err, "permission denied: uid", "SO_PEERCRED check")
            check(a.member("eu", EU1)["admin"] is None, "a refused client changed something")
            # The socket's group (root's, as no user is set) is let in.
            gid = os.stat(a.sock).st_gid
            rc, out, err = _as_nobody(["-S", a.sock, "admin"], gid=gid)
            check(rc == 0, "a client with the socket's group refused: %r" % err)
            # ... and so is one that has it as a supplementary group only
            # (usermod -aG), read through SO_PEERGROUPS.
            rc, out, err = _as_nobody(["-S", a.sock, "admin"], groups=[gid])
            check(rc == 0, "a client with the socket's group as a supplementary "
                  "group refused: %r" % err)
            rc, _, err = _as_nobody(["-S", a.sock, "admin"], groups=[gid + 4242])
            _one_line_error(rc, err, "permission denied: uid", "other supplementary group")
        st = os.stat(a.sock)
        check(stat.S_ISSOCK(st.st_mode), "control socket is not a socket")


def _as_nobody(args, gid=None, groups=None):
    """Run dnsdctl as nobody, primary group gid (nogroup by default) and
    supplementary groups `groups` (none by default)."""
    cmd = ["setpriv", "--reuid=nobody",
           "--regid=%s" % ("nogroup" if gid is None else gid),
           "--groups=%s" % ",".join(str(g) for g in groups) if groups else "--clear-groups",
           DNSDCTL] + args
    p = subprocess.run(cmd, capture_output=True, timeout=15 * SCALE)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def test_socket_mode_stale_file_and_removal():
    a = Admin()
    # A stale socket file from a crashed run is replaced.
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(a.sock)
    s.close()
    with a:
        st = os.stat(a.sock)
        check(stat.S_IMODE(st.st_mode) == 0o660, "socket mode %o, expected 0660"
              % stat.S_IMODE(st.st_mode))
        a.ctl("admin")
        # A second dnsd on the same socket is refused.
        other = Server(zones=ZONES, server_opts={"control_socket": a.sock}, extra=BASE,
                       name="second dnsd")
        other.spawn()
        rc = other.wait_exit(5 * SCALE)
        check(rc == 3 and "in use" in other.stderr(), "second dnsd on a live socket: "
              "exit %r\n%s" % (rc, other.tail()))
    check(not os.path.exists(a.sock), "socket file left after stop")


def _raw_admin(path, results, i):
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10 * SCALE)
        s.connect(path)
        s.sendall(b"dnsd-control 1\nadmin\n\n")
        data = b""
        while True:
            b = s.recv(4096)
            if not b:
                break
            data += b
        s.close()
        results[i] = data.startswith(b"dnsd-control 1 ok\n")
    except OSError as e:
        results[i] = "error: %s" % e


def test_many_control_clients_while_queries_flow():
    with Admin() as a:
        stop = threading.Event()
        stats = {"sent": 0, "answered": 0}

        def flood():
            for _ in range(100000):
                if stop.is_set():
                    return
                resp, _, _ = query(a.srv.port, "www.lb.test", "A")
                stats["sent"] += 1
                if resp.rcode() == 0 and resp.answer:
                    stats["answered"] += 1

        q = threading.Thread(target=flood)
        q.start()
        n = 100
        results = [None] * n
        # Idle clients holding connections open, and ones that never finish
        # their request, must not keep the rest from being served.
        idle = []
        for _ in range(10):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(a.sock)
            s.sendall(b"dnsd-control 1\n")
            idle.append(s)
        ts = [threading.Thread(target=_raw_admin, args=(a.sock, results, i)) for i in range(n)]
        t0 = time.monotonic()
        for t in ts:
            t.start()
        for t in ts:
            t.join(30 * SCALE)
        took = time.monotonic() - t0
        stop.set()
        q.join(10)
        for s in idle:
            s.close()
        bad = [r for r in results if r is not True]
        check(not bad, "%d of %d control clients failed: %s" % (len(bad), n, bad[:3]))
        check(stats["sent"] > 0 and stats["answered"] == stats["sent"],
              "queries during the control clients: %d sent, %d answered"
              % (stats["sent"], stats["answered"]))
        print("    %d control clients in %.2f s; %d queries meanwhile, all answered"
              % (n, took, stats["sent"]))


def test_bad_requests_and_cluster_named_like_an_address():
    with Admin() as a:
        for req, want in ((b"dnsd-control 9\nadmin\n\n", b"this dnsd speaks"),
                          (b"dnsd-control 1\nfrobnicate\n\n", b"unknown command"),
                          (b"dnsd-control 1\ndrain\nreason=a\n\n", b"no target")):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(5 * SCALE)
            s.connect(a.sock)
            s.sendall(req)
            data = s.recv(4096)
            s.close()
            check(data.startswith(b"dnsd-control 1 error\n") and want in data,
                  "request %r: reply %r" % (req, data))
        # A client that shuts its side after the request still gets it.
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(5 * SCALE)
        s.connect(a.sock)
        s.sendall(b"dnsd-control 1\nadmin\n\n")
        s.shutdown(socket.SHUT_WR)
        data = b""
        for _ in range(100):
            b = s.recv(4096)
            if not b:
                break
            data += b
        s.close()
        check(data.startswith(b"dnsd-control 1 ok\n"), "half-closed client: %r" % data)
        # A request past the bound is refused, not buffered without end.
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(5 * SCALE)
        s.connect(a.sock)
        try:
            s.sendall(b"dnsd-control 1\ndrain\n" + b"target=eu\n" * 20000)
        except OSError:
            pass
        data = s.recv(4096)
        s.close()
        check(b"too big" in data, "oversized request: %r" % data)
    srv = Server(zones=ZONES, extra=BASE.replace("[cluster us]", "[cluster 10.1.2.3]")
                 .replace("clusters = eu, us", "clusters = eu, 10.1.2.3"), name="ip cluster")
    rc, _, err = run_dnsd(["-t", "-c", srv.ini])
    check(rc == 1 and "is an IP address" in err, "cluster named 10.1.2.3: exit %d %r" % (rc, err))


def test_status_page_with_a_drained_member_in_browser():
    from test_e2e import CHROMIUM, SHOT_DIR, _chromium
    if CHROMIUM is None:
        print("    skipped: chromium is not installed")
        return
    bad = "127.0.0.121"
    with Backend([bad]) as be:
        be.control(bad, status=503)
        extra = BASE + ("\n[check web]\nport = %d\ninterval = 300ms\ntimeout = 200ms\n"
                        "rise = 1\nfall = 1\n\n[cluster web]\nmember = %s\ncheck = web\n"
                        % (be.port, bad))
        with Admin(extra=extra) as a:
            check(wait_for(lambda: a.member("web", bad)["state"] == "down", 3 * SCALE),
                  "%s never went down" % bad)
            a.ctl("drain", "--for", "1h", "--reason", "kernel upgrade", "eu/" + EU1)
            url = "http://127.0.0.1:%d/" % a.cport
            rc, dom, err = _chromium(["--dump-dom", url], 60 * SCALE)
            check(rc == 0, "chromium --dump-dom: exit %d; %s" % (rc, err[-1500:]))
            # Drained is its own badge and row marker, distinct from down.
            check(re.search(r'<tr data-address="%s" data-state="up" data-admin="drain">'
                            % re.escape(EU1), dom),
                  "no drained row for %s:\n%s" % (EU1, dom[-3000:]))
            check(re.search(r'<tr data-address="%s" data-state="down">' % re.escape(bad), dom),
                  "no down row for %s" % bad)
            check('class="badge drain"' in dom and ">drained<" in dom,
                  "no 'drained' badge in the page")
            check(re.search(r"<b>1</b> drained", dom), "summary does not count 1 drained")
            os.makedirs(SHOT_DIR, exist_ok=True)
            shot = os.path.join(SHOT_DIR, "status-page-drained.png")
            if os.path.exists(shot):
                os.remove(shot)
            rc, _, err = _chromium(["--screenshot=%s" % shot, url], 60 * SCALE)
            check(rc == 0 and os.path.getsize(shot) > 10000,
                  "chromium --screenshot: exit %d; %s" % (rc, err[-1500:]))
            print("    screenshot: %s" % shot)
