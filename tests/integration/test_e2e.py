"""End to end: dnsd behind a real resolver (Debian's unbound, stub zone to
dnsd on loopback) and the status page in a real browser (headless
Chromium).

- a client asks unbound and gets a healthy member; a backend stops and,
  within the failover bound plus the TTL, unbound's answer changes;
- two dnsd instances as the stub's server set: one is killed and
  resolution through unbound still works;
- unbound's subnetcache sends ECS (the client's /24) and a geo record
  answers per client network (clients query from 127.0.0.x and 127.0.1.x);
- the status page, rendered by Chromium, shows every member and its state.

Without unbound (or chromium) installed these tests print a "skipped" note
and pass; tools/deps.sh installs unbound, `make e2e-browser` installs
chromium and sets DNSD_E2E_BROWSER=1, which turns a missing browser into a
failure."""

import os
import random
import re
import shutil
import subprocess
import tempfile
import time

import dns.message
import dns.query
import dns.rcode
import dns.rdatatype

from harness import (ROOT, SCALE, Backend, Server, check, fail, free_port,
                     free_tcp_port, http_request, prom_value, scrape, wait_for)

UNBOUND = shutil.which("unbound") or "/usr/sbin/unbound"
ZONE = """$ORIGIN e2e.test.
$TTL 60
@ IN SOA ns1 hostmaster 2026112101 7200 900 1209600 5
@ IN NS ns1
ns1 IN A 127.0.0.1
*.w IN A 192.0.2.99
"""

# Checks: out of dnsd's answers within fall x interval + timeout + 1 s.
INTERVAL, TIMEOUT, FALL = 0.5, 0.3, 2
TTL = 3


def _skip(what):
    print("    skipped: %s" % what, flush=True)


def _have_unbound():
    if os.access(UNBOUND, os.X_OK):
        return True
    _skip("unbound is not installed (tools/deps.sh installs it)")
    return False


class Unbound:
    """unbound in the foreground on 127.0.0.1:PORT with a stub zone for
    e2e.test pointing at the given dnsd addresses ("127.0.0.1@5353"),
    sending ECS (the client's /24) to them. Nothing outside e2e.test is
    resolved: the root is a refusing local zone, so the test never leaves
    the machine."""

    def __init__(self, stub_addrs, name="unbound"):
        self.name = name
        self.dir = tempfile.mkdtemp(prefix="dnsd-unbound-")
        self.port = free_port()
        self.proc = None
        ecs = "".join("  send-client-subnet: %s\n" % a.split("@")[0] for a in stub_addrs)
        stubs = "".join("  stub-addr: %s\n" % a for a in stub_addrs)
        conf = """server:
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
  module-config: "subnetcache iterator"
%(ecs)s  max-client-subnet-ipv4: 24
  domain-insecure: "e2e.test"
  local-zone: "." refuse
  local-zone: "e2e.test." transparent
  qname-minimisation: no
  infra-host-ttl: 60
remote-control:
  control-enable: no
stub-zone:
  name: "e2e.test"
%(stubs)s""" % {"dir": self.dir, "port": self.port, "ecs": ecs, "stubs": stubs}
        self.conf = os.path.join(self.dir, "unbound.conf")
        with open(self.conf, "w") as f:
            f.write(conf)
        self.log_path = os.path.join(self.dir, "unbound.log")

    def start(self):
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([UNBOUND, "-d", "-c", self.conf],
                                     stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        ok = wait_for(lambda: self.proc.poll() is not None or
                      self._answers("ready%d.w.e2e.test" % random.randint(0, 1 << 30)),
                      10.0 * SCALE, step=0.1)
        if self.proc.poll() is not None or not ok:
            fail("unbound did not start; log:\n%s" % self.tail())
        return self

    def _answers(self, name):
        try:
            return self.ask(name, timeout=0.5) is not None
        except Exception:  # noqa: BLE001 - not ready yet
            return False

    def ask(self, name, qtype="A", source=None, timeout=None):
        """The response of unbound to a recursive query, from source (an
        address on the loopback) if given; None on timeout."""
        timeout = 3.0 * SCALE if timeout is None else timeout
        q = dns.message.make_query(name, qtype)
        try:
            return dns.query.udp(q, "127.0.0.1", port=self.port, source=source,
                                 timeout=timeout)
        except dns.exception.Timeout:
            return None

    def addresses(self, name, source=None):
        r = self.ask(name, source=source)
        check(r is not None, "unbound gave no answer to %s" % name)
        check(r.rcode() == dns.rcode.NOERROR, "unbound: %s %s;\n%s"
              % (name, dns.rcode.to_text(r.rcode()), r.to_text()))
        out = set()
        ttl = None
        for rrs in r.answer:
            if rrs.rdtype == dns.rdatatype.A:
                out |= {x.to_text() for x in rrs}
                ttl = rrs.ttl
        return out, ttl

    def tail(self, n=30):
        try:
            with open(self.log_path, errors="replace") as f:
                return "\n".join(f.read().splitlines()[-n:])
        except OSError:
            return ""

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if getattr(self, "log", None) is not None and not self.log.closed:
            self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *_exc):
        self.stop()
        return False


def _check_profile(port):
    return """
[check web]
type = http
port = %d
interval = %dms
timeout = %dms
rise = 2
fall = %d
""" % (port, INTERVAL * 1000, TIMEOUT * 1000, FALL)


def test_unbound_follows_failover():
    """A client asks unbound, gets a healthy member; the backend stops and
    after the TTL unbound's answer moves to the other cluster."""
    if not _have_unbound():
        return
    eu = Backend(["127.0.0.61"], name="backend eu")
    eu.start()
    us = Backend(["127.0.0.71"], port=eu.port, name="backend us")
    us.start()
    extra = _check_profile(eu.port) + """
[cluster eu-west]
member = 127.0.0.61
check = web

[cluster us-east]
member = 127.0.0.71
check = web

[record www.e2e.test]
policy = failover
clusters = eu-west, us-east
ttl = %d
""" % TTL
    srv = Server(zones={"e2e.test": ZONE}, extra=extra, name="dnsd e2e")
    srv.start()
    with Unbound(["127.0.0.1@%d" % srv.port]) as ub:
        got, ttl = ub.addresses("www.e2e.test")
        check(got == {"127.0.0.61"}, "through unbound: %s, expected 127.0.0.61" % got)
        check(ttl is not None and ttl <= TTL, "TTL %s above the record's %d" % (ttl, TTL))
        eu.stop()
        t0 = time.monotonic()
        bound = (FALL * INTERVAL + TIMEOUT + 1.0 + TTL) * SCALE + 1.0
        seen = [None]

        def moved():
            seen[0] = ub.addresses("www.e2e.test")[0]
            return seen[0] == {"127.0.0.71"}

        check(wait_for(moved, bound, step=0.2),
              "unbound still answers %s %.1f s after the backend stopped (bound %.1f s)"
              % (seen[0], time.monotonic() - t0, bound))
        took = time.monotonic() - t0
        # Degraded answers carry TTL = the check interval (rounded up).
        _, ttl = ub.addresses("www.e2e.test")
        check(ttl is not None and ttl <= 1, "degraded answer via unbound has TTL %s" % ttl)
        print("    unbound moved to 127.0.0.71 %.1f s after the backend stopped "
              "(bound %.1f s)" % (took, bound), flush=True)


def test_unbound_survives_one_dnsd():
    """Two dnsd instances (127.0.0.1 and 127.0.0.2) serve the zone; one is
    killed and unbound still resolves through the other."""
    if not _have_unbound():
        return
    a = Server(zones={"e2e.test": ZONE}, name="dnsd A")
    b_ctl = free_tcp_port(["127.0.0.1"])
    b = Server(zones={"e2e.test": ZONE}, name="dnsd B",
               server_opts={"control": "127.0.0.1:%d" % b_ctl})
    # B also listens on 127.0.0.2 (a second loopback address, as a second
    # name server host would have its own address).
    b.write_ini(b.ini_text.replace("listen = 127.0.0.1:%d" % b.port,
                                   "listen = 127.0.0.1:%d, 127.0.0.2:%d" % (b.port, b.port)))
    a.start()
    b.start()
    with Unbound(["127.0.0.1@%d" % a.port, "127.0.0.2@%d" % b.port]) as ub:
        for i in range(5):
            got, _ = ub.addresses("before%d-%d.w.e2e.test" % (i, random.randint(0, 1 << 30)))
            check(got == {"192.0.2.99"}, "before: %s" % got)
        a.kill()
        before = prom_value(scrape(b_ctl), "dnsd_queries_total", proto="udp", qtype="A")
        t0 = time.monotonic()
        for i in range(10):
            name = "after%d-%d.w.e2e.test" % (i, random.randint(0, 1 << 30))
            r = ub.ask(name, timeout=6.0 * SCALE)
            check(r is not None and r.rcode() == dns.rcode.NOERROR,
                  "%s after dnsd A died: %s; unbound log:\n%s"
                  % (name, r and dns.rcode.to_text(r.rcode()), ub.tail()))
        after = prom_value(scrape(b_ctl), "dnsd_queries_total", proto="udp", qtype="A")
        check(after - before >= 10, "dnsd B answered only %d of 10 queries" % (after - before))
        print("    10 names resolved through dnsd B in %.1f s after A was killed"
              % (time.monotonic() - t0), flush=True)


def test_unbound_ecs_geo():
    """unbound's subnetcache sends the client's /24 as ECS; the geo record
    answers per client network and unbound caches per subnet."""
    if not _have_unbound():
        return
    extra = """
[cluster geo-eu]
location = 53.35, -6.26
member = 192.0.2.1
check = none

[cluster geo-us]
location = 38.90, -77.04
member = 198.51.100.1
check = none

[record geo.e2e.test]
clusters = geo-eu, geo-us
ttl = 30

[networks]
127.0.0.0/24 = geo-eu
127.0.1.0/24 = geo-us
"""
    srv = Server(zones={"e2e.test": ZONE}, extra=extra, name="dnsd ecs")
    srv.start()
    with Unbound(["127.0.0.1@%d" % srv.port]) as ub:
        for rnd in range(2):  # the second round comes from unbound's cache
            for src, want in (("127.0.0.50", "192.0.2.1"), ("127.0.1.50", "198.51.100.1"),
                              ("127.0.1.77", "198.51.100.1"), ("127.0.0.9", "192.0.2.1")):
                got, _ = ub.addresses("geo.e2e.test", source=src)
                check(got == {want}, "round %d, client %s: %s, expected %s"
                      % (rnd, src, got, want))


# ---------------------------------------------------------------------------
# the status page in a browser


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SHOT_DIR = os.path.join(ROOT, "build", "e2e")


def _chromium(args, timeout):
    profile = tempfile.mkdtemp(prefix="dnsd-chromium-")
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
           "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync",
           "--user-data-dir=%s" % profile, "--window-size=1200,800",
           "--virtual-time-budget=3000"] + args
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        fail("chromium did not finish within %.0f s: %s" % (timeout, " ".join(cmd)))
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def test_status_page_in_browser():
    if CHROMIUM is None:
        if os.environ.get("DNSD_E2E_BROWSER") == "1":
            fail("chromium is not installed (make e2e-browser installs it)")
        _skip("chromium is not installed (make e2e-browser installs it and runs this)")
        return
    be = Backend(["127.0.0.81", "127.0.0.82", "127.0.0.83"], name="backend page")
    be.start()
    cport = free_tcp_port(["127.0.0.1"])
    extra = _check_profile(be.port) + """
[cluster eu-west]
location = 53.35, -6.26
member = 127.0.0.81 weight=3
member = 127.0.0.82
check = web

[cluster us-east]
location = 38.90, -77.04
member = 127.0.0.83
check = web

[cluster static]
member = 192.0.2.10
check = none

[record www.e2e.test]
policy = failover
clusters = eu-west, us-east, static
ttl = 30
"""
    srv = Server(zones={"e2e.test": ZONE}, extra=extra, name="dnsd page",
                 server_opts={"control": "127.0.0.1:%d" % cport})
    srv.start()
    be.control("127.0.0.82", status=503)

    def down():
        code, _, body = http_request("127.0.0.1", cport, "/status")
        return code == 200 and b'"address": "127.0.0.82", "weight": 1, "state": "down"' in body

    check(wait_for(down, (FALL * INTERVAL + TIMEOUT + 1.0) * SCALE + 1.0),
          "127.0.0.82 never went down")
    url = "http://127.0.0.1:%d/" % cport
    limit = 60.0 * SCALE
    rc, dom, err = _chromium(["--dump-dom", url], limit)
    check(rc == 0, "chromium --dump-dom: exit %d; stderr tail:\n%s" % (rc, err[-1500:]))
    for addr, state in (("127.0.0.81", "up"), ("127.0.0.82", "down"),
                        ("127.0.0.83", "up"), ("192.0.2.10", "up")):
        check(re.search(r'<tr data-address="%s" data-state="%s">' % (re.escape(addr), state), dom),
              "rendered DOM has no %s row for %s:\n%s" % (state, addr, dom[-3000:]))
    check("HTTP 503" in dom, "the failing check's detail is not shown")
    err_box = re.search(r'<div class="err" id="err"[^>]*>([^<]*)</div>', dom)
    check(err_box is not None and err_box.group(1) == "",
          "the page shows an error: %r" % (err_box and err_box.group(1)))
    os.makedirs(SHOT_DIR, exist_ok=True)
    shot = os.path.join(SHOT_DIR, "status-page.png")
    if os.path.exists(shot):
        os.remove(shot)
    rc, _, err = _chromium(["--screenshot=%s" % shot, url], limit)
    check(rc == 0 and os.path.getsize(shot) > 10000,
          "chromium --screenshot: exit %d; stderr tail:\n%s" % (rc, err[-1500:]))
    print("    screenshot: %s" % os.path.relpath(shot, ROOT), flush=True)
