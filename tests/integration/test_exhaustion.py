"""Hardening under exhaustion (issue 10): a low open-file limit (idle DNS
TCP clients must not starve the checks or the control endpoint, nor flood
the log; too small a limit to start exits 3 and says so; a short one warns
at start), and the control endpoint's own defences: a connection cap, a
deadline for a whole request (slowloris), the Host header check against
DNS rebinding, and TRACE/CONNECT answered as the README says.

Each dnsd here gets its limit from setrlimit in the child (soft and hard,
so dnsd cannot raise it past the test's value)."""

import os
import re
import resource
import select
import socket
import subprocess
import time

from harness import (DNSD, ROOT, SCALE, Backend, Server, check, fail,
                     free_tcp_port, http_request, prom_value, query,
                     rrset_values, scrape, tcp_exchange, make_query, wait_for)

ZONES = {"lb.test": "lb.test.zone"}
MEMBERS = ["127.0.0.101", "127.0.0.102"]

# The control endpoint's request deadline (CONTROL_REQUEST_DEADLINE_S).
DEADLINE_S = 5.0


class LimitedServer(Server):
    """A Server whose process starts with RLIMIT_NOFILE = (nofile, nofile)."""

    def __init__(self, nofile, **kw):
        super().__init__(**kw)
        self.nofile = nofile

    def spawn(self, args=None):
        n = self.nofile
        self.err_f = open(self.log_path, "ab")
        self.out_f = open(self.out_path, "ab")
        args = ["-c", self.ini] if args is None else args
        self.proc = subprocess.Popen(
            [DNSD] + args, stdin=subprocess.DEVNULL, stdout=self.out_f,
            stderr=self.err_f, cwd=self.dir,
            preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (n, n)))
        self.rc = None
        return self.proc


def _lb_extra(port):
    return ("\n[check web]\ntype = http\nport = %d\ninterval = 300ms\n"
            "timeout = 200ms\nrise = 2\nfall = 2\n"
            "\n[cluster one]\nmember = %s\nmember = %s\ncheck = web\n"
            "\n[record www.lb.test]\npolicy = weighted\nclusters = one\n"
            % (port, MEMBERS[0], MEMBERS[1]))


def _log_lines(srv):
    return len(srv.stderr().splitlines())


def _members_up(cport):
    """The members /metrics reports up (dnsd_member_up 1)."""
    m = scrape(cport)
    return {a for a in MEMBERS
            if prom_value(m, "dnsd_member_up", cluster="one", address=a) == 1}


def _answered(port):
    resp, _, _ = query(port, "www.lb.test", "A")
    return set(rrset_values(resp, "answer", "www.lb.test", "A") or [])


def _open_idle_clients(port, n):
    """Up to n TCP connections to port that send nothing. connect() waits
    only for the kernel's handshake; one whose SYN found the backlog full
    times out and is skipped (at most 10 such, to stay bounded)."""
    socks = []
    errors = 0
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(0.3)
        try:
            s.connect(("127.0.0.1", port))
        except OSError:
            s.close()
            errors += 1
            if errors >= 10:
                break
            continue
        socks.append(s)
    return socks


def _fd_count(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


# ---------------------------------------------------------------------------
# the open-file limit


def test_fd_exhaustion_keeps_checks_control_and_log():
    """ulimit -n 64, tcp_max_clients 1000, 200 idle TCP clients: the log
    stays short, the members stay up with their checks still running, the
    control endpoint answers, and TCP answers again once the clients go."""
    with Backend(MEMBERS) as be:
        cport = free_tcp_port(["127.0.0.1"])
        srv = LimitedServer(
            64, zones=ZONES, listen6=False, name="dnsd nofile 64",
            server_opts={"threads": "1", "tcp_max_clients": "1000",
                         "tcp_idle_timeout": "60s",
                         "control": "127.0.0.1:%d" % cport},
            extra=_lb_extra(be.port))
        srv.start()
        got = wait_for(lambda: _members_up(cport) == set(MEMBERS), 5.0 * SCALE)
        check(got, "members not both up before the flood: %s" % sorted(_members_up(cport)))
        m0 = scrape(cport)
        checks0 = prom_value(m0, "dnsd_probe_duration_seconds_count")
        late0 = prom_value(m0, "dnsd_probe_late_total")
        lines0 = _log_lines(srv)

        clients = _open_idle_clients(srv.port, 200)
        try:
            check(len(clients) >= 100, "only %d idle clients could connect" % len(clients))
            t0 = time.monotonic()
            time.sleep(1.0)
            # The control endpoint answers while the clients hold on.
            try:
                code, _, _ = http_request("127.0.0.1", cport, "/healthz", timeout=3.0 * SCALE)
            except AssertionError as e:
                fail("control endpoint did not answer during the flood: %s" % e)
            check(code == 200, "/healthz during the flood: HTTP %d" % code)
            # Members stay up for 3 s of checks (10 rounds at 300 ms).
            for _ in range(30):
                now = _members_up(cport)
                check(now == set(MEMBERS), "after %.1f s of the flood the members up were "
                      "%s, expected both" % (time.monotonic() - t0, sorted(now)))
                ans = _answered(srv.port)
                check(ans and ans <= set(MEMBERS), "after %.1f s of the flood the answer "
                      "was %s" % (time.monotonic() - t0, sorted(ans)))
                if time.monotonic() - t0 > 4.0:
                    break
                time.sleep(0.1)
            m1 = scrape(cport)
            checks1 = prom_value(m1, "dnsd_probe_duration_seconds_count")
            late1 = prom_value(m1, "dnsd_probe_late_total")
            lines = _log_lines(srv) - lines0
            check(lines < 300, "%d log lines during the flood (expected a few); last ones:\n%s"
                  % (lines, srv.tail(5)))
            check(checks1 - checks0 >= 10,
                  "only %d checks completed during 4 s of the flood (2 members every "
                  "300 ms: about 26); late checks went from %d to %d"
                  % (checks1 - checks0, late0, late1))
            check(late1 == late0, "checks counted late during the flood: %d -> %d "
                  "(no descriptor for them)" % (late0, late1))
        finally:
            for s in clients:
                s.close()
        # TCP answers again once the clients are gone.
        wire = make_query("lb.test", "SOA")

        def tcp_ok():
            try:
                return tcp_exchange(wire, srv.port, timeout=0.5) is not None
            except OSError:
                return False
        check(wait_for(tcp_ok, 5.0 * SCALE, step=0.1),
              "no TCP answer within 5 s of the idle clients closing")
        srv.stop()


def test_ulimit_12_exits_3_saying_what_is_missing():
    srv = LimitedServer(12, zones=ZONES, listen6=False, name="dnsd nofile 12",
                        server_opts={"threads": "1"})
    srv.spawn()
    rc = srv.wait_exit(10.0 * SCALE)
    if rc is None:
        srv.kill()
        fail("dnsd with ulimit -n 12 did not exit; stderr:\n%s" % srv.tail())
    err = srv.stderr()
    check(rc == 3, "exit code %d with ulimit -n 12, expected 3 (runtime failure); "
          "stderr:\n%s" % (rc, srv.tail()))
    check(re.search(r"open-file limit 12 is too small to start: .* need \d+", err)
          and "ulimit -n" in err,
          "no line saying the open-file limit 12 is too small and what to raise; "
          "stderr:\n%s" % srv.tail())


def test_short_limit_warns_at_start():
    """ulimit -n 40 holds dnsd but not tcp_max_clients 1024 plus the checks:
    one warning at start gives the numbers and what to raise."""
    with Backend(MEMBERS) as be:
        srv = LimitedServer(40, zones=ZONES, listen6=False, name="dnsd nofile 40",
                            server_opts={"threads": "1"}, extra=_lb_extra(be.port))
        srv.start()
        err = srv.stderr()
        m = re.search(r"warn +server: open-file limit 40 is below the (\d+) this "
                      r"configuration needs .*DNS TCP clients are capped at (\d+).*"
                      r"raise the limit to (\d+)", err)
        check(m, "no start-up warning about the open-file limit; stderr:\n%s" % srv.tail())
        check(int(m.group(1)) >= 1024 + 2 and m.group(1) == m.group(3),
              "warning numbers: needs %s, raise to %s" % (m.group(1), m.group(3)))
        check(0 < int(m.group(2)) < 40, "TCP cap %s" % m.group(2))
        srv.stop()


# ---------------------------------------------------------------------------
# the control endpoint


def _ctl_server(name, nofile=None, opts=None):
    cport = free_tcp_port(["127.0.0.1"])
    o = {"threads": "1", "control": "127.0.0.1:%d" % cport}
    o.update(opts or {})
    if nofile:
        srv = LimitedServer(nofile, zones=ZONES, listen6=False, name=name, server_opts=o)
    else:
        srv = Server(zones=ZONES, listen6=False, name=name, server_opts=o)
    srv.start()
    return srv, cport


def _raw_http(port, request, timeout=2.0):
    """Send request bytes, return (status, body) or None on no answer."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(request)
        data = b""
        deadline = time.monotonic() + timeout
        for _ in range(1000):
            if time.monotonic() > deadline:
                break
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            data += chunk
    finally:
        s.close()
    m = re.match(rb"HTTP/1\.[01] (\d{3})", data)
    if not m:
        return None
    return int(m.group(1)), data.partition(b"\r\n\r\n")[2]


def test_control_slowloris_closed_at_deadline():
    """40 clients each sending one header byte a second are all closed
    within the request deadline (plus slack); /metrics answers meanwhile."""
    srv, cport = _ctl_server("dnsd slowloris")
    n = 40
    socks = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", cport), timeout=2.0)
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        s.setblocking(False)
        socks.append(s)
    t0 = time.monotonic()
    open_socks = list(socks)
    closed_at = []
    answered = None
    limit = DEADLINE_S + 3.0 * SCALE
    try:
        for _ in range(200):
            el = time.monotonic() - t0
            if not open_socks or el > limit:
                break
            if answered is None and el > 1.5:
                code, _, _ = http_request("127.0.0.1", cport, "/metrics", timeout=3.0 * SCALE)
                answered = code
            for s in list(open_socks):
                gone = False
                try:
                    r, _, _ = select.select([s], [], [], 0)
                    if r and s.recv(4096) == b"":
                        gone = True
                    else:
                        s.send(b"X")
                except OSError:
                    gone = True
                if gone:
                    open_socks.remove(s)
                    closed_at.append(time.monotonic() - t0)
            time.sleep(0.25)
    finally:
        for s in socks:
            s.close()
    check(answered == 200, "/metrics during the slowloris: %r" % answered)
    check(not open_socks, "%d of %d dribbling clients still connected after %.1f s "
          "(deadline %.0f s)" % (len(open_socks), n, time.monotonic() - t0, DEADLINE_S))
    check(max(closed_at) <= DEADLINE_S + 2.0 * SCALE,
          "the last dribbling client was closed only after %.1f s" % max(closed_at))
    srv.stop()


def test_control_connection_cap():
    """200 idle connections to the control endpoint take at most its cap
    (64) of dnsd's descriptors, and dnsd drops them at the deadline."""
    srv, cport = _ctl_server("dnsd control cap")
    base = _fd_count(srv.proc.pid)
    socks = []
    try:
        socks = _open_idle_clients(cport, 200)
        check(len(socks) >= 80, "only %d control connections could be opened" % len(socks))
        time.sleep(1.0)
        held = _fd_count(srv.proc.pid) - base
        check(held <= 64, "200 idle control connections hold %d of dnsd's descriptors "
              "(cap 64)" % held)
        # A client past the cap waits in the backlog and is served once
        # the deadline frees slots.
        code, _, _ = http_request("127.0.0.1", cport, "/healthz",
                                  timeout=DEADLINE_S + 4.0 * SCALE)
        check(code == 200, "/healthz past the cap: HTTP %d" % code)
    finally:
        for s in socks:
            s.close()
    srv.stop()


def test_control_host_header():
    srv, cport = _ctl_server("dnsd host check")
    cases = {
        "evil.example": False,
        "evil.example:%d" % cport: False,
        "127.0.0.1.evil.example": False,
        "localhost.evil.example:%d" % cport: False,
        "127.0.0.1:%d" % cport: True,
        "127.0.0.1": True,
        "localhost": True,
        "LOCALHOST:%d" % cport: True,
        "[::1]:%d" % cport: True,
        "10.1.2.3": True,
    }
    for host, ok in cases.items():
        got = _raw_http(cport, ("GET /status HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n"
                                % host).encode())
        check(got is not None, "Host %s: no HTTP answer" % host)
        if ok:
            check(got[0] == 200, "Host %s: HTTP %d, expected 200" % (host, got[0]))
        else:
            check(got[0] in (421, 403), "Host %s: HTTP %d, expected 421 (DNS rebinding)"
                  % (host, got[0]))
            check(b"records" not in got[1], "Host %s: the answer holds /status" % host)
    # HTTP/1.0 without Host (no browser sends that): served.
    got = _raw_http(cport, b"GET /healthz HTTP/1.0\r\n\r\n")
    check(got is not None and got[0] == 200, "no Host, HTTP/1.0: %r" % (got,))
    srv.stop()


def test_control_trace_connect_as_readme_says():
    with open(os.path.join(ROOT, "README.md")) as f:
        readme = f.read()
    m = re.search(r"methods other than GET and HEAD get `(\d{3})`", readme)
    check(m, "README no longer says what other methods get")
    want = int(m.group(1))
    srv, cport = _ctl_server("dnsd methods")
    for method, target in (("TRACE", "/metrics"), ("CONNECT", "127.0.0.1:%d" % cport),
                           ("POST", "/metrics"), ("OPTIONS", "/metrics")):
        # CONNECT: evhttp keeps the connection open after the answer (a
        # tunnel would follow), so read for a short while only.
        got = _raw_http(cport, ("%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                                % (method, target)).encode(),
                        timeout=0.5 if method == "CONNECT" else 2.0)
        check(got is not None, "%s: no HTTP answer" % method)
        check(got[0] == want, "%s: HTTP %d, the README says %d" % (method, got[0], want))
    srv.stop()
