"""harness.py - start dnsd on loopback with fixture zones, query it, stop it.

Used by every tests/integration/test_*.py module. Only the standard library
and dnspython; run with /usr/bin/python3. The binary comes from $DNSD
(default build/dnsd); sanitizer builds are slower, so every wait is scaled
by SCALE ($DNSD_TIMEOUT_SCALE, else 4 for asan/tsan/valgrind paths, else 1).
"""

import os
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time

import dns.edns
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdataclass
import dns.rdatatype

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))

DNSD = os.path.abspath(os.environ.get("DNSD", os.path.join(ROOT, "build", "dnsd")))


def _scale():
    env = os.environ.get("DNSD_TIMEOUT_SCALE")
    if env:
        return max(1.0, float(env))
    low = DNSD.lower()
    if any(k in low for k in ("asan", "tsan", "msan", "ubsan", "valgrind")):
        return 4.0
    return 1.0


SCALE = _scale()

# Default fixture zones: name -> fixture file in data/.
DEFAULT_ZONES = {
    "example.test": "example.test.zone",
    "other.test": "other.test.zone",
    "child.other.test": "child.other.test.zone",
}

# Servers started during the current test (the runner prints their logs on
# failure and kills any left running).
_touched = []
_all = []
_shared = None
_shared_error = None


class TestFailure(AssertionError):
    pass


def fail(msg):
    raise TestFailure(msg)


def check(cond, msg):
    if not cond:
        raise TestFailure(msg)


# --------------------------------------------------------------------------
# ports


def _have_ipv6():
    try:
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        try:
            s.bind(("::1", 0))
        finally:
            s.close()
        return True
    except OSError:
        return False


HAVE_IPV6 = _have_ipv6()


def _bindable(port):
    pairs = [
        (socket.AF_INET, "127.0.0.1", socket.SOCK_STREAM),
        (socket.AF_INET, "127.0.0.1", socket.SOCK_DGRAM),
    ]
    if HAVE_IPV6:
        pairs += [(socket.AF_INET6, "::1", socket.SOCK_STREAM),
                  (socket.AF_INET6, "::1", socket.SOCK_DGRAM)]
    socks = []
    try:
        for fam, addr, typ in pairs:
            s = socket.socket(fam, typ)
            socks.append(s)
            s.bind((addr, port))
        return True
    except OSError:
        return False
    finally:
        for s in socks:
            s.close()


_used_ports = set()


def free_port():
    """A random high port free on 127.0.0.1 and ::1, UDP and TCP."""
    rng = random.Random()
    for _ in range(200):
        port = rng.randint(20000, 60999)
        if port in _used_ports:
            continue
        if _bindable(port):
            _used_ports.add(port)
            return port
    fail("no free port found in 200 tries")


# --------------------------------------------------------------------------
# queries


def make_query(name, qtype="A", qclass="IN", qid=None, rd=True, edns=None,
               edns_version=0, do=False, options=None, opcode=0):
    """A query as wire bytes. edns is the advertised payload or None."""
    q = dns.message.make_query(
        dns.name.from_text(name), dns.rdatatype.from_text(qtype)
        if isinstance(qtype, str) else qtype,
        dns.rdataclass.from_text(qclass) if isinstance(qclass, str) else qclass,
    )
    q.id = random.randint(0, 0xFFFF) if qid is None else qid
    q.flags = 0
    if rd:
        q.flags |= dns.flags.RD
    if opcode:
        q.set_opcode(opcode)
    if edns is not None:
        q.use_edns(edns_version, dns.flags.DO if do else 0, edns,
                   options=options or [])
    return q.to_wire()


def qid_of(wire):
    return struct.unpack("!H", wire[:2])[0]


def udp_exchange(wire, port, host="127.0.0.1", timeout=None, expect_reply=True):
    """Send wire over UDP; return the reply with the same ID, or None."""
    timeout = 2.0 * SCALE if timeout is None else timeout
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    try:
        s.sendto(wire, (host, port))
        deadline = time.monotonic() + timeout
        want = wire[:2] if len(wire) >= 2 else None
        for _ in range(100):
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            s.settimeout(left)
            try:
                data, _addr = s.recvfrom(65535)
            except socket.timeout:
                return None
            if not expect_reply or want is None or data[:2] == want:
                return data
        return None
    finally:
        s.close()


def recv_exact(s, n, timeout):
    """n bytes from a stream socket; None on EOF/reset/timeout."""
    buf = b""
    deadline = time.monotonic() + timeout
    for _ in range(10000):
        if len(buf) >= n:
            return buf
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        s.settimeout(left)
        try:
            chunk = s.recv(n - len(buf))
        except (socket.timeout, ConnectionResetError, BrokenPipeError):
            return None
        if not chunk:
            return None
        buf += chunk
    return None


def tcp_read_msg(s, timeout=None):
    timeout = 2.0 * SCALE if timeout is None else timeout
    hdr = recv_exact(s, 2, timeout)
    if hdr is None:
        return None
    (n,) = struct.unpack("!H", hdr)
    return recv_exact(s, n, timeout)


def tcp_connect(port, host="127.0.0.1", timeout=None):
    timeout = 2.0 * SCALE if timeout is None else timeout
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect((host, port))
    return s


def tcp_exchange(wire, port, host="127.0.0.1", timeout=None):
    """One query on a fresh TCP connection; the reply or None."""
    s = tcp_connect(port, host, timeout)
    try:
        s.sendall(struct.pack("!H", len(wire)) + wire)
        return tcp_read_msg(s, timeout)
    finally:
        s.close()


def parse(wire, ctx=""):
    try:
        return dns.message.from_wire(wire)
    except Exception as e:  # noqa: BLE001 - any parse error is a failure
        fail("%sresponse does not parse (%s: %s): %s"
             % (ctx, type(e).__name__, e, wire.hex()))


def query(port, name, qtype="A", tcp=False, host="127.0.0.1", **kw):
    """Send a query, return (parsed response, raw response, raw query)."""
    wire = make_query(name, qtype, **kw)
    raw = (tcp_exchange if tcp else udp_exchange)(wire, port, host)
    proto = "TCP" if tcp else "UDP"
    if raw is None:
        fail("no %s answer to %s %s from %s port %d" % (proto, name, qtype, host, port))
    return parse(raw, "%s %s %s: " % (proto, name, qtype)), raw, wire


def describe(resp):
    return "\n    " + resp.to_text().replace("\n", "\n    ")


def rcode_name(resp):
    return dns.rcode.to_text(resp.rcode())


def expect_rcode(resp, rcode, what):
    want = dns.rcode.from_text(rcode) if isinstance(rcode, str) else rcode
    if resp.rcode() != want:
        fail("%s: rcode %s, expected %s;%s" % (what, rcode_name(resp),
                                              dns.rcode.to_text(want), describe(resp)))


def expect_flag(resp, flag, value, what):
    f = getattr(dns.flags, flag)
    got = bool(resp.flags & f)
    if got != value:
        fail("%s: %s=%d, expected %d;%s" % (what, flag, got, value, describe(resp)))


def rrset_values(resp, section, name, rdtype):
    sec = getattr(resp, section)
    rdtype = dns.rdatatype.from_text(rdtype) if isinstance(rdtype, str) else rdtype
    n = dns.name.from_text(name)
    for rrs in sec:
        if rrs.name == n and rrs.rdtype == rdtype:
            return sorted(r.to_text() for r in rrs)
    return None


def section_types(resp, section):
    return [(r.name.to_text().lower(), dns.rdatatype.to_text(r.rdtype))
            for r in getattr(resp, section)]


def expect_negative(resp, zone, neg_ttl, what, rcode="NOERROR"):
    """NXDOMAIN/NODATA: rcode, AA=1, no answer, one SOA of zone with neg_ttl."""
    expect_rcode(resp, rcode, what)
    expect_flag(resp, "AA", True, what)
    check(len(resp.answer) == 0,
          "%s: expected empty answer;%s" % (what, describe(resp)))
    soas = [r for r in resp.authority if r.rdtype == dns.rdatatype.SOA]
    check(len(soas) == 1 and soas[0].name == dns.name.from_text(zone),
          "%s: expected the SOA of %s in authority;%s" % (what, zone, describe(resp)))
    check(soas[0].ttl == neg_ttl,
          "%s: SOA TTL %d in authority, expected min(SOA TTL, MINIMUM) = %d"
          % (what, soas[0].ttl, neg_ttl))


def alive(port, what="server", host="127.0.0.1"):
    """A normal query still gets the right answer."""
    resp, _, _ = query(port, "www.example.test", "A", host=host)
    check(rrset_values(resp, "answer", "www.example.test", "A") is not None,
          "%s: www.example.test A not answered after that;%s" % (what, describe(resp)))


# --------------------------------------------------------------------------
# raw wire reading (independent of dnspython) for compression checks


def wire_name(buf, off, max_ptrs=64):
    """(labels, next offset after the name at off, pointers followed)."""
    labels = []
    ptrs = 0
    end = None
    for _ in range(256):
        if off >= len(buf):
            raise ValueError("name runs past the end")
        n = buf[off]
        if n & 0xC0 == 0xC0:
            if off + 1 >= len(buf):
                raise ValueError("pointer runs past the end")
            ptr = ((n & 0x3F) << 8) | buf[off + 1]
            if end is None:
                end = off + 2
            ptrs += 1
            if ptrs > max_ptrs or ptr >= off:
                raise ValueError("bad compression pointer")
            off = ptr
            continue
        if n & 0xC0:
            raise ValueError("bad label type")
        if n == 0:
            return labels, (end if end is not None else off + 1), ptrs
        labels.append(bytes(buf[off + 1:off + 1 + n]))
        off += 1 + n
    raise ValueError("name too long")


def wire_sizes(buf):
    """(pointers in owner names and header sizes, uncompressed length)."""
    qd, an, ns, ar = struct.unpack("!4H", buf[4:12])
    off = 12
    ptrs = 0
    uncompressed = 12
    for _ in range(qd):
        labels, off, p = wire_name(buf, off)
        ptrs += p
        off += 4
        uncompressed += sum(len(l) + 1 for l in labels) + 1 + 4
    for _ in range(an + ns + ar):
        labels, off, p = wire_name(buf, off)
        ptrs += p
        rtype, _rclass, _ttl, rdlen = struct.unpack("!HHIH", buf[off:off + 10])
        off += 10
        rd_uncompressed = rdlen
        # names inside RDATA that may be compressed (RFC 3597 section 4)
        if rtype in (2, 5, 12):  # NS, CNAME, PTR
            l2, _e, p2 = wire_name(buf, off)
            ptrs += p2
            rd_uncompressed = sum(len(l) + 1 for l in l2) + 1
        elif rtype == 15:  # MX
            l2, _e, p2 = wire_name(buf, off + 2)
            ptrs += p2
            rd_uncompressed = 2 + sum(len(l) + 1 for l in l2) + 1
        elif rtype == 6:  # SOA
            l1, e1, p1 = wire_name(buf, off)
            l2, _e2, p2 = wire_name(buf, e1)
            ptrs += p1 + p2
            rd_uncompressed = (sum(len(l) + 1 for l in l1) + 1
                               + sum(len(l) + 1 for l in l2) + 1 + 20)
        off += rdlen
        uncompressed += sum(len(l) + 1 for l in labels) + 1 + 10 + rd_uncompressed
    if off != len(buf):
        raise ValueError("%d bytes after the last record" % (len(buf) - off))
    return ptrs, uncompressed


def question_bytes(wire):
    """The raw question section of a message with QDCOUNT=1."""
    _labels, end, _p = wire_name(wire, 12)
    return wire[12:end + 4]


# --------------------------------------------------------------------------
# the server


class Server:
    """dnsd in a temp dir. zones: {name: fixture file or text}; server_opts:
    extra [server] lines as a dict; extra: raw INI text appended."""

    def __init__(self, zones=None, server_opts=None, extra="", name="dnsd",
                 listen6=None):
        self.name = name
        self.dir = tempfile.mkdtemp(prefix="dnsd-it-")
        self.port = free_port()
        self.proc = None
        self.rc = None
        self.zone_paths = {}
        zones = DEFAULT_ZONES if zones is None else zones
        self.zones = zones
        opts = {"threads": "2"}
        opts.update(server_opts or {})
        listen = "127.0.0.1:%d" % self.port
        if listen6 is None:
            listen6 = HAVE_IPV6
        if listen6:
            listen += ", [::1]:%d" % self.port
        lines = ["; written by tests/integration/harness.py", "[server]",
                 "listen = %s" % listen]
        for k, v in opts.items():
            lines.append("%s = %s" % (k, v))
        for zname, src in zones.items():
            fname = zname + ".zone"
            path = os.path.join(self.dir, fname)
            if "\n" in src:
                with open(path, "w") as f:
                    f.write(src)
            else:
                shutil.copyfile(os.path.join(DATA, src), path)
            self.zone_paths[zname] = path
            lines += ["", "[zone %s]" % zname, "file = %s" % fname]
        self.ini_text = "\n".join(lines) + "\n" + extra
        self.ini = os.path.join(self.dir, "dnsd.ini")
        with open(self.ini, "w") as f:
            f.write(self.ini_text)
        self.log_path = os.path.join(self.dir, "stderr.log")
        self.out_path = os.path.join(self.dir, "stdout.log")
        _all.append(self)
        _touched.append(self)

    # -- files

    def write_ini(self, text):
        self.ini_text = text
        _atomic_write(self.ini, text)

    def write_zone(self, zname, text):
        path = self.zone_paths.get(zname) or os.path.join(self.dir, zname + ".zone")
        self.zone_paths[zname] = path
        _atomic_write(path, text)

    def zone_text(self, zname):
        with open(self.zone_paths[zname]) as f:
            return f.read()

    def stderr(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def tail(self, n=25):
        lines = self.stderr().splitlines()
        return "\n".join(lines[-n:])

    # -- process

    def spawn(self, args=None):
        self.err_f = open(self.log_path, "ab")
        self.out_f = open(self.out_path, "ab")
        args = ["-c", self.ini] if args is None else args
        env = None
        if getattr(self, "env", None):
            env = dict(os.environ)
            env.update(self.env)
        self.proc = subprocess.Popen([DNSD] + args, stdin=subprocess.DEVNULL,
                                     stdout=self.out_f, stderr=self.err_f,
                                     cwd=self.dir, env=env)
        self.rc = None
        return self.proc

    def start(self, wait=True):
        check(os.access(DNSD, os.X_OK), "dnsd binary %s not found or not executable" % DNSD)
        self.spawn()
        if wait:
            self.wait_ready()
        return self

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def wait_ready(self, timeout=None):
        """Until the server answers a UDP and a TCP query (bounded)."""
        timeout = 10.0 * SCALE if timeout is None else timeout
        deadline = time.monotonic() + timeout
        zone = next(iter(self.zones))
        wire = make_query(zone, "SOA")
        udp_ok = False
        for _ in range(1000):
            if self.proc.poll() is not None:
                fail("%s exited with code %d before answering; stderr:\n%s"
                     % (self.name, self.proc.returncode, self.tail()))
            if time.monotonic() > deadline:
                fail("%s did not answer within %.0f s; stderr:\n%s"
                     % (self.name, timeout, self.tail()))
            if not udp_ok:
                udp_ok = udp_exchange(wire, self.port, timeout=0.2) is not None
            if udp_ok:
                try:
                    if tcp_exchange(wire, self.port, timeout=0.5) is not None:
                        return
                except OSError:
                    pass
            time.sleep(0.05)
        fail("%s never became ready" % self.name)

    def send_signal(self, sig):
        check(self.running(), "%s is not running (exit code %s); stderr:\n%s"
              % (self.name, self.proc and self.proc.poll(), self.tail()))
        self.proc.send_signal(sig)

    def wait_exit(self, timeout=None):
        timeout = 10.0 * SCALE if timeout is None else timeout
        try:
            self.rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
        finally:
            self._close_files()
        return self.rc

    def stop(self, sig=signal.SIGTERM, timeout=None, expect_rc=0):
        """Signal, wait (bounded), check the exit code. Returns seconds taken."""
        if self.proc is None:
            return 0.0
        if self.proc.poll() is not None:
            rc = self.proc.returncode
            self._close_files()
            self.rc = rc
            fail("%s had already exited with code %d; stderr:\n%s"
                 % (self.name, rc, self.tail()))
        t0 = time.monotonic()
        self.proc.send_signal(sig)
        rc = self.wait_exit(timeout)
        took = time.monotonic() - t0
        if rc is None:
            self.kill()
            fail("%s did not exit within %.0f s of %s; stderr:\n%s"
                 % (self.name, timeout or 10.0 * SCALE, signal.Signals(sig).name, self.tail()))
        if expect_rc is not None and rc != expect_rc:
            fail("%s exited with code %d after %s, expected %d; stderr:\n%s"
                 % (self.name, rc, signal.Signals(sig).name, expect_rc, self.tail()))
        return took

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                pass
        self._close_files()

    def _close_files(self):
        for f in (getattr(self, "err_f", None), getattr(self, "out_f", None)):
            if f is not None and not f.closed:
                f.close()

    def cleanup(self):
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        if self.proc is None:
            self.start()
        return self

    def __exit__(self, etype, _evalue, _tb):
        if etype is None:
            self.stop()
        else:
            self.kill()
        return False


def _atomic_write(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, path)


def run_dnsd(args, timeout=None, cwd=None):
    """Run dnsd to completion: (exit code, stdout, stderr)."""
    timeout = 15.0 * SCALE if timeout is None else timeout
    check(os.access(DNSD, os.X_OK), "dnsd binary %s not found or not executable" % DNSD)
    try:
        p = subprocess.run([DNSD] + args, stdin=subprocess.DEVNULL,
                           capture_output=True, timeout=timeout, cwd=cwd)
    except subprocess.TimeoutExpired:
        fail("dnsd %s did not exit within %.0f s" % (" ".join(args), timeout))
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def wait_for(pred, timeout, step=0.05):
    """Poll pred until true or timeout (bounded). Returns the last value."""
    deadline = time.monotonic() + timeout
    v = pred()
    for _ in range(int(timeout / step) + 2):
        if v or time.monotonic() > deadline:
            return v
        time.sleep(step)
        v = pred()
    return v


# --------------------------------------------------------------------------
# the shared server (standard config), used by most read-only tests


def shared():
    """The standard server, started on first use (restarted if it died)."""
    global _shared
    if _shared is not None and _shared.running():
        if _shared not in _touched:
            _touched.append(_shared)
        return _shared
    global _shared_error
    if _shared_error is not None:
        fail("shared dnsd could not start earlier: " + _shared_error)
    srv = Server(name="shared dnsd")
    try:
        srv.start()
    except TestFailure as e:
        _shared_error = str(e).splitlines()[0]
        srv.kill()
        raise
    _shared = srv
    _all.remove(srv)  # kept across tests; shutdown_shared() ends it
    return _shared


def shared_port():
    return shared().port


def begin_test():
    del _touched[:]


def end_test():
    """After a test: the shared server must still run; other servers are
    killed. Returns (error or None, [(name, stderr tail)])."""
    global _shared
    err = None
    logs = [(s.name, s.tail(25 if s.running() or s.rc == 0 else 80)) for s in _touched]
    if _shared is not None and _shared in _touched and _shared.proc is not None \
            and _shared.proc.poll() is not None:
        err = "shared dnsd died during the test (exit code %d)" % _shared.proc.returncode
        _shared.cleanup()
        _shared = None
    for s in list(_all):
        if s is not _shared:
            if s.running():
                s.kill()
            s.cleanup()
            _all.remove(s)
    stop_backends()
    return err, logs


def shutdown_shared():
    """Stop the shared server with SIGTERM; None, or what went wrong."""
    global _shared
    if _shared is None:
        return None
    s = _shared
    _shared = None
    try:
        if not s.running():
            return "shared dnsd was not running at the end (exit code %s)" % (
                s.proc.poll() if s.proc else None)
        s.stop()
        return None
    except TestFailure as e:
        return str(e)
    finally:
        s.cleanup()


def cleanup_all():
    for s in list(_all):
        s.cleanup()
    del _all[:]


LOG_RE = re.compile(
    r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) (error|warn|info|debug) +([a-z][a-z0-9_-]*): (.+)$")


# --------------------------------------------------------------------------
# health-check backends (build/fake_backend), for the load-balancing tests


def _fake_backend_path():
    """fake_backend next to $DNSD (build/asan/fake_backend for an asan
    dnsd), else build/fake_backend."""
    near = os.path.join(os.path.dirname(DNSD), "fake_backend")
    if os.access(near, os.X_OK):
        return near
    return os.path.join(ROOT, "build", "fake_backend")


FAKE_BACKEND = _fake_backend_path()

_backends = []


def _tcp_bindable(addrs, port):
    socks = []
    try:
        for a in addrs:
            fam = socket.AF_INET6 if ":" in a else socket.AF_INET
            s = socket.socket(fam, socket.SOCK_STREAM)
            socks.append(s)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((a, port))
        return True
    except OSError:
        return False
    finally:
        for s in socks:
            s.close()


def free_tcp_port(addrs):
    """A random high TCP port free on every address in addrs."""
    rng = random.Random()
    for _ in range(200):
        port = rng.randint(20000, 60999)
        if port in _used_ports:
            continue
        if _tcp_bindable(addrs, port):
            _used_ports.add(port)
            return port
    fail("no TCP port free on %s found in 200 tries" % ", ".join(addrs))


def _hostport(addr, port):
    return "[%s]:%d" % (addr, port) if ":" in addr else "%s:%d" % (addr, port)


def http_get(addr, port, path, timeout=None):
    """(status, body) of a plain HTTP/1.0 GET; None when it fails."""
    timeout = 2.0 * SCALE if timeout is None else timeout
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect((addr, port))
        s.sendall(("GET %s HTTP/1.0\r\nHost: %s\r\n\r\n" % (path, addr)).encode())
        data = b""
        deadline = time.monotonic() + timeout
        for _ in range(1000):
            if time.monotonic() > deadline:
                return None
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        m = re.match(rb"HTTP/1\.[01] (\d{3})", head)
        if not m:
            return None
        return int(m.group(1)), body.decode(errors="replace")
    except OSError:
        return None
    finally:
        s.close()


class Backend:
    """build/fake_backend listening on ADDR:PORT for every address in addrs,
    one port shared by all (a [check] profile has one port). status, body
    and delay_ms are the initial /health behaviour of every listener; each
    listener can be changed later with control(). Use as a context manager
    or call stop(); end_test() kills any left running."""

    def __init__(self, addrs, port=None, status=200, body=None, delay_ms=0,
                 name="fake_backend"):
        self.addrs = list(addrs)
        self.port = port
        self.status, self.body, self.delay_ms = status, body, delay_ms
        self.name = name
        self.proc = None
        self.log = tempfile.TemporaryFile()
        _backends.append(self)

    def start(self):
        check(os.access(FAKE_BACKEND, os.X_OK),
              "fake_backend %s not found or not executable" % FAKE_BACKEND)
        for _attempt in range(5):
            port = self.port or free_tcp_port(self.addrs)
            args = [FAKE_BACKEND]
            for a in self.addrs:
                args += ["-l", _hostport(a, port)]
            args += ["-s", str(self.status), "-d", str(self.delay_ms)]
            if self.body is not None:
                args += ["-b", self.body]
            self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.PIPE, stderr=self.log)
            lines = self._read_lines(len(self.addrs), 5.0 * SCALE)
            if lines is not None and len(lines) == len(self.addrs):
                self.port = port
                return self
            self._kill()
            if self.port:  # a fixed port that is taken: no retry
                break
        fail("%s could not listen on %s; stderr: %s"
             % (self.name, ", ".join(_hostport(a, port) for a in self.addrs), self.stderr()))

    def _read_lines(self, n, timeout):
        import select
        out = b""
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        for _ in range(1000):
            if out.count(b"\n") >= n:
                break
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            r, _, _ = select.select([fd], [], [], left)
            if not r:
                return None
            chunk = os.read(fd, 4096)
            if not chunk:
                return None  # exited
            out += chunk
        return out.decode().splitlines()

    def stderr(self):
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-2000:]

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def control(self, addr=None, status=None, body=None, delay_ms=None, host=None):
        """Change /health of the listener on addr (all when None); host:
        the Host header it then requires ("" = any)."""
        from urllib.parse import urlencode
        q = {}
        if host is not None:
            q["host"] = host
        if status is not None:
            q["status"] = str(status)
        if body is not None:
            q["body"] = body
        if delay_ms is not None:
            q["delay"] = str(delay_ms)
        for a in ([addr] if addr else self.addrs):
            got = http_get(a, self.port, "/control?" + urlencode(q))
            check(got is not None and got[0] == 200,
                  "%s: GET /control?%s on %s gave %r" % (self.name, urlencode(q),
                                                        _hostport(a, self.port), got))

    def health(self, addr):
        """(status, body) of GET /health on one listener, or None."""
        return http_get(addr, self.port, "/health")

    def _kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.proc is not None and self.proc.stdout is not None:
            self.proc.stdout.close()

    def stop(self):
        self._kill()
        if self in _backends:
            _backends.remove(self)
        if not self.log.closed:
            self.log.close()

    def __enter__(self):
        if self.proc is None:
            self.start()
        return self

    def __exit__(self, *_exc):
        self.stop()
        return False


def stop_backends():
    """Kill every Backend still running (called by end_test)."""
    for b in list(_backends):
        b.stop()


# --------------------------------------------------------------------------
# the control endpoint (SPEC section 6): HTTP, the Prometheus format, dnsdctl


def _tool_path(name):
    """A tool built next to $DNSD (build/asan/dnsdctl for an asan dnsd),
    else build/NAME."""
    near = os.path.join(os.path.dirname(DNSD), name)
    if os.access(near, os.X_OK):
        return near
    return os.path.join(ROOT, "build", name)


DNSDCTL = _tool_path("dnsdctl")


def http_request(addr, port, path, method="GET", timeout=None):
    """(status, {lower-case header: value}, body bytes) of one HTTP/1.0
    request; fails the test when the endpoint cannot be reached."""
    timeout = 5.0 * SCALE if timeout is None else timeout
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect((addr, port))
        s.sendall(("%s %s HTTP/1.0\r\nHost: %s\r\n\r\n"
                   % (method, path, _hostport(addr, port))).encode())
        data = b""
        deadline = time.monotonic() + timeout
        for _ in range(100000):
            if time.monotonic() > deadline:
                fail("%s %s on %s: no complete response within %.0f s"
                     % (method, path, _hostport(addr, port), timeout))
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except OSError as e:
        fail("%s %s on %s: %s" % (method, path, _hostport(addr, port), e))
    finally:
        s.close()
    head, sep, body = data.partition(b"\r\n\r\n")
    check(sep, "%s %s: no end of headers in %r" % (method, path, data[:200]))
    lines = head.decode("latin-1").split("\r\n")
    m = re.match(r"HTTP/1\.[01] (\d{3}) ", lines[0] + " ")
    check(m, "%s %s: bad status line %r" % (method, path, lines[0]))
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return int(m.group(1)), headers, body


class PromError(TestFailure):
    pass


_PROM_NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
_PROM_LABEL = r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"'
_PROM_SAMPLE = re.compile(r"^(%s)(?:\{((?:%s)(?:,%s)*)?\})? (\S+)$"
                          % (_PROM_NAME, _PROM_LABEL, _PROM_LABEL))
_PROM_META = re.compile(r"^# (HELP|TYPE) (%s) (.*)$" % _PROM_NAME)


def _prom_unescape(v):
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), v)


def prom_parse(text):
    """Check text against the Prometheus text exposition format and return
    {(name, ((label, value), ...sorted)): value}. Rules checked: every line
    is a HELP/TYPE comment or `name{labels} value`; each family has one
    TYPE, given before its samples; a sample belongs to the family typed
    last (histograms: _bucket/_sum/_count); no duplicate series; histogram
    buckets never decrease, end with le="+Inf" and equal _count."""
    if not text.endswith("\n"):
        raise PromError("exposition does not end with a newline")
    types = {}
    current = None
    samples = {}
    buckets = {}
    counts = {}
    for n, line in enumerate(text.split("\n")[:-1], 1):
        if line.startswith("#"):
            m = _PROM_META.match(line)
            if not m:
                raise PromError("line %d: bad comment %r" % (n, line))
            if m.group(1) == "TYPE":
                name, typ = m.group(2), m.group(3)
                if typ not in ("counter", "gauge", "histogram", "summary", "untyped"):
                    raise PromError("line %d: unknown type %r" % (n, typ))
                if name in types:
                    raise PromError("line %d: second TYPE for %s" % (n, name))
                types[name] = typ
                current = name
            continue
        m = _PROM_SAMPLE.match(line)
        if not m:
            raise PromError("line %d: not a sample: %r" % (n, line))
        name, labels_txt, value = m.group(1), m.group(2) or "", m.group(m.lastindex)
        try:
            v = float(value)
        except ValueError:
            raise PromError("line %d: bad value %r" % (n, value))
        labels = tuple(sorted((k, _prom_unescape(val))
                              for k, val in re.findall(_PROM_LABEL, labels_txt)))
        fam = name
        if current and types.get(current) == "histogram":
            for suf in ("_bucket", "_sum", "_count"):
                if name == current + suf:
                    fam = current
        if fam != current:
            raise PromError("line %d: sample %s outside its family (TYPE %s last)"
                            % (n, name, current))
        key = (name, labels)
        if key in samples:
            raise PromError("line %d: duplicate series %s%s" % (n, name, labels))
        samples[key] = v
        if types[fam] == "histogram":
            rest = tuple(kv for kv in labels if kv[0] != "le")
            if name.endswith("_bucket"):
                le = dict(labels).get("le")
                if le is None:
                    raise PromError("line %d: bucket without le" % n)
                prev = buckets.setdefault((fam, rest), [])
                bound = float(le)
                if prev and (bound <= prev[-1][0] or v < prev[-1][1]):
                    raise PromError("line %d: bucket le=%s not above the last, or "
                                    "its count fell" % (n, le))
                prev.append((bound, v))
            elif name.endswith("_count"):
                counts[(fam, rest)] = v
    for key, bl in buckets.items():
        if bl[-1][0] != float("inf"):
            raise PromError("histogram %s has no le=\"+Inf\" bucket" % key[0])
        if counts.get(key) != bl[-1][1]:
            raise PromError("histogram %s: _count %s != +Inf bucket %s"
                            % (key[0], counts.get(key), bl[-1][1]))
    return samples


def prom_value(samples, name, **labels):
    """The value of one series, failing the test when absent."""
    key = (name, tuple(sorted(labels.items())))
    if key not in samples:
        near = sorted("%s%s" % k for k in samples if k[0] == name)[:10]
        fail("no series %s%s; have: %s" % (name, dict(labels), near or "none"))
    return samples[key]


def scrape(port, addr="127.0.0.1"):
    """GET /metrics, checked and parsed (see prom_parse)."""
    status, headers, body = http_request(addr, port, "/metrics")
    check(status == 200, "/metrics: HTTP %d" % status)
    check(headers.get("content-type", "").startswith("text/plain"),
          "/metrics: Content-Type %r" % headers.get("content-type"))
    return prom_parse(body.decode())


def run_dnsdctl(args, env=None, timeout=None):
    """Run dnsdctl to completion: (exit code, stdout, stderr)."""
    timeout = 15.0 * SCALE if timeout is None else timeout
    check(os.access(DNSDCTL, os.X_OK), "dnsdctl %s not found or not executable" % DNSDCTL)
    e = dict(os.environ)
    e.pop("DNSD_CONTROL", None)
    e.update(env or {})
    try:
        p = subprocess.run([DNSDCTL] + args, stdin=subprocess.DEVNULL,
                           capture_output=True, timeout=timeout, env=e)
    except subprocess.TimeoutExpired:
        fail("dnsdctl %s did not exit within %.0f s" % (" ".join(args), timeout))
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")
