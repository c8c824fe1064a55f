#!/usr/bin/python3
"""soak.py - run dnsd under steady load and chaos, and judge it.

    tests/soak/soak.py [--time 300] [--rate 2000] [--dnsd build/dnsd]

Starts build/dnsd on a free loopback port with one zone and three
load-balanced records whose members are build/fake_backend listeners on
127.0.0.11-31 (and ::1), checked every 500 ms (timeout 300 ms, rise 2,
fall 2). A load generator sends a fixed rate of queries (static names,
load-balanced A/AAAA, NXDOMAIN, a CNAME into a load-balanced name, a
generation TXT; about 3% over TCP) and checks every answer. Meanwhile a
chaos thread, every second or so, does one of: reload (SIGHUP; every other
reload is a broken edit that must be rejected while the old configuration
keeps serving), flip a backend's /health between 200 and 503, send a burst
of malformed packets (UDP and TCP), open or close idle TCP connections
(at most 20 at a time).

Counted: queries sent, answered, lost (no answer within 2 s), wrong (an
answer naming a member that had been failing its checks for longer than
fall x interval + timeout + 1 s when the query was sent, or showing data of
a rejected reload, or static data that differs), SERVFAIL, other unexpected
rcodes, crashes (dnsd exited, or did not exit 0 on SIGTERM at the end),
reloads not applied or not rejected, and dnsd's RSS (VmRSS) after warm-up,
during and at the end. Targets: nothing
lost, wrong, unexpected or crashed, and end RSS < warm-up RSS + 10 MiB.
Prints a final "soak: ... PASS|FAIL" line; exits 0 on PASS, 1 on FAIL,
2 when it cannot start.

Standard library and dnspython only; run with /usr/bin/python3.
"""

import argparse
import asyncio
import os
import random
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

import dns.flags
import dns.message
import dns.name
import dns.rdataclass
import dns.rdatatype

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "integration"))
import harness  # noqa: E402  (the integration tests' port helpers)
from soakutil import atomic_write, rss_kib, stop  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

# Health-check timing of the soak configuration, and the SPEC 4 bound on
# how long a failing member may still be answered.
INTERVAL = 0.5
TIMEOUT = 0.3
RISE = 2
FALL = 2
OUT_AFTER = FALL * INTERVAL + TIMEOUT + 1.0

# IPv4 members the chaos thread fails and restores. ::1 (cluster eu) is
# never failed, so AAAA always has a healthy member, and with two IPv4
# members always up, all_down = serve never applies.
MEMBERS_V4 = ["127.0.0.11", "127.0.0.12", "127.0.0.21", "127.0.0.22",
              "127.0.0.31"]
MAX_DOWN = 3            # of the five IPv4 members, so two are always up
IDLE_TCP_MAX = 20       # idle TCP connections held open at once
LOST_AFTER = 2.0        # seconds without an answer = lost (before scaling)
MEM_SLACK_MIB = 10.0    # end RSS may exceed warm-up RSS by this much

# Log lines main.c writes for a reload, to know it has been processed.
LOG_RELOAD_OK = "config: reloaded:"
LOG_RELOAD_FAILED = "reload failed"

T_A, T_TXT, T_AAAA = 1, 16, 28


def log(msg):
    print(msg, flush=True)


# --------------------------------------------------------------------------
# set-up: ports, files, processes


ZONE = """; soak.test - written by tests/soak/soak.py
$ORIGIN soak.test.
$TTL 300
@	IN	SOA	ns1 hostmaster {serial} 7200 900 1209600 60
@	IN	NS	ns1
@	IN	MX	10 mail
@	IN	TXT	"soak"
ns1	IN	A	192.0.2.53
mail	IN	A	192.0.2.25
www	IN	A	192.0.2.1
www	IN	AAAA	2001:db8::1
alias	IN	CNAME	geo
gen	IN	TXT	"{gen}"
{extra}
"""

INI = """; soak.ini - written by tests/soak/soak.py
[server]
listen = 127.0.0.1:{port}
threads = 2
log_level = info
{server_extra}

[zone soak.test]
file = soak.test.zone

[check web]
type = http
port = {bport}
path = /health
expect = 200
interval = {interval}ms
timeout = {timeout}ms
rise = {rise}
fall = {fall}

[cluster eu]
location = 53.35, -6.26
member = 127.0.0.11
member = 127.0.0.12
{v6member}
check = web

[cluster us]
location = 38.90, -77.04
member = 127.0.0.21 weight=3
member = 127.0.0.22
check = web

[cluster ap]
location = 1.35, 103.82
member = 127.0.0.31
check = web

[record geo.soak.test]
policy = geo
clusters = eu, us, ap
ttl = {ttl}
answers = 2

[record wt.soak.test]
policy = weighted
clusters = eu, us, ap
answers = 2

[record fo.soak.test]
policy = failover
clusters = {fo_clusters}

[networks]
127.0.0.0/8 = 53.35, -6.26
{extra}
"""

# Broken edits: (what, INI extra, [server] extra, zone extra, drop SOA).
BROKEN = [
    ("unknown INI key", "", "colour = blue", "", False),
    ("zone syntax error", "", "", "bad\tIN\tA\t300.1.2.3", False),
    ("unknown cluster", "[record x.soak.test]\nclusters = nowhere", "", "",
     False),
    ("zone without SOA", "", "", "", True),
    ("duplicate section", "[cluster ap]\nmember = 127.0.0.99", "", "",
     False),
    ("timeout >= interval", "[check slow]\ninterval = 1s\ntimeout = 2s",
     "", "", False),
]


class Setup:
    """The files of one soak run, and what a good or broken version says."""

    def __init__(self, work, port, bport, v6):
        self.work = work
        self.port = port
        self.bport = bport
        self.v6 = v6
        self.ini = os.path.join(work, "soak.ini")
        self.zone = os.path.join(work, "soak.test.zone")

    def write(self, gen, broken=None):
        """Write generation gen: 'g<N>' when good, 'B<N>' when broken
        (its data must never be served)."""
        ini_extra = server_extra = zone_extra = ""
        drop_soa = False
        if broken is not None:
            _what, ini_extra, server_extra, zone_extra, drop_soa = broken
        tag = ("B%d" if broken else "g%d") % gen
        zone = ZONE.format(serial=gen + 1, gen=tag,
                           extra=zone_extra + "\nr%d\tIN\tTXT\t\"x\"" % gen)
        if drop_soa:
            zone = "\n".join(l for l in zone.splitlines()
                             if "\tSOA\t" not in l) + "\n"
        # Good generations vary what a reload can change without touching
        # health: the TTL of one record and the order of another.
        ini = INI.format(port=self.port, bport=self.bport,
                         interval=int(INTERVAL * 1000),
                         timeout=int(TIMEOUT * 1000), rise=RISE, fall=FALL,
                         v6member="member = ::1" if self.v6 else "",
                         ttl=5 + gen % 5,
                         fo_clusters="us, ap, eu" if gen % 2 else "ap, us, eu",
                         server_extra=server_extra, extra=ini_extra)
        atomic_write(self.zone, zone)
        atomic_write(self.ini, ini)
        return tag


def read_lines(proc, n, timeout):
    """n lines of proc's stdout within timeout, or None."""
    import select
    out = b""
    fd = proc.stdout.fileno()
    deadline = time.monotonic() + timeout
    while out.count(b"\n") < n:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        r, _, _ = select.select([fd], [], [], left)
        if not r:
            return None
        chunk = os.read(fd, 4096)
        if not chunk:
            return None
        out += chunk
    return out.decode().splitlines()


def http_get(addr, port, path, timeout=2.0):
    """Status of a plain HTTP/1.0 GET, or None."""
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect((addr, port))
        s.sendall(("GET %s HTTP/1.0\r\nHost: %s\r\n\r\n"
                   % (path, addr)).encode())
        data = b""
        while len(data) < 65536:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        head = data.split(b"\r\n", 1)[0].split()
        return int(head[1]) if len(head) >= 2 else None
    except (OSError, ValueError):
        return None
    finally:
        s.close()


# --------------------------------------------------------------------------
# queries and answers


def make_query(name, qtype, edns=False):
    q = dns.message.make_query(dns.name.from_text(name),
                               dns.rdatatype.from_text(qtype),
                               dns.rdataclass.IN)
    q.flags = 0
    if edns:
        q.use_edns(0, 0, 1232)
    return bytearray(q.to_wire())


def skip_name(buf, off):
    while True:
        n = buf[off]
        if n >= 0xC0:
            return off + 2
        if n == 0:
            return off + 1
        off += 1 + n


def parse_answer(buf):
    """(id, rcode, tc, [(type, rdata)]) of a response, or None."""
    try:
        qid, flags, qd, an = struct.unpack_from("!4H", buf)
        if not flags & 0x8000:
            return None
        off = 12
        for _ in range(qd):
            off = skip_name(buf, off) + 4
        rrs = []
        for _ in range(an):
            off = skip_name(buf, off)
            rtype, _c, _t, rdlen = struct.unpack_from("!HHIH", buf, off)
            off += 10
            rrs.append((rtype, bytes(buf[off:off + rdlen])))
            off += rdlen
        return qid, flags & 0x0F, bool(flags & 0x0200), rrs
    except (struct.error, IndexError):
        return None


def txt_strings(rdata):
    out = []
    i = 0
    while i < len(rdata):
        n = rdata[i]
        out.append(rdata[i + 1:i + 1 + n].decode(errors="replace"))
        i += 1 + n
    return out


# Kinds of query: (name, type, weight in the mix, what is checked).
KINDS = [
    ("www.soak.test.", "A", 16, "static"),
    ("www.soak.test.", "AAAA", 5, "static"),
    ("soak.test.", "MX", 3, "static"),
    ("soak.test.", "SOA", 2, "static"),
    ("nx", "A", 14, "nxdomain"),
    ("geo.soak.test.", "A", 20, "lb"),
    ("geo.soak.test.", "AAAA", 5, "lb6"),
    ("wt.soak.test.", "A", 10, "lb"),
    ("fo.soak.test.", "A", 10, "lb"),
    ("alias.soak.test.", "A", 5, "lb"),
    ("gen.soak.test.", "TXT", 5, "gen"),
    ("www.soak.test.", "A", 5, "static_edns"),
]

STATIC = {
    ("www.soak.test.", "A"): {(T_A, socket.inet_pton(socket.AF_INET,
                                                     "192.0.2.1"))},
    ("www.soak.test.", "AAAA"): {(T_AAAA, socket.inet_pton(socket.AF_INET6,
                                                           "2001:db8::1"))},
}


class Stats:
    def __init__(self):
        self.sent = self.answered = self.lost = 0
        self.sent_tcp = 0
        self.wrong = 0
        self.wrong_detail = []
        self.servfail = 0
        self.unexpected = 0
        self.unexpected_detail = []
        self.truncated = 0
        self.reloads_ok = self.reloads_rejected = 0
        self.reload_problems = []
        self.flips = 0
        self.malformed = 0
        self.idle_opened = 0
        self.crashed = False
        self.stop_rc = None     # dnsd's exit code after SIGTERM
        self.rss = []           # (seconds since start, KiB)
        self.lat_max = 0.0

    def note_wrong(self, what):
        self.wrong += 1
        if len(self.wrong_detail) < 10:
            self.wrong_detail.append(what)

    def note_unexpected(self, what):
        self.unexpected += 1
        if len(self.unexpected_detail) < 10:
            self.unexpected_detail.append(what)


class World:
    """What the chaos thread did, read by the answer checker."""

    def __init__(self):
        self.lock = threading.Lock()
        self.down_since = {}    # member -> monotonic time it went down
        self.good_gens = set()
        self.bad_gens = set()


# --------------------------------------------------------------------------
# the load generator (asyncio, in the main thread)


class Load:
    def __init__(self, args, port, world, stats, t0):
        self.args = args
        self.port = port
        self.world = world
        self.stats = stats
        self.t0 = t0
        self.rng = random.Random(args.seed)
        self.lost_after = LOST_AFTER * args.scale
        # SPEC 4's second of scheduling slack, stretched like timeouts.
        self.out_after = OUT_AFTER + (args.scale - 1.0)
        self.pending = {}       # id -> (t_send, kind index, over TCP)
        self.order = []         # (t_send, id) in send order, swept
        self.order_head = 0
        self.next_id = self.rng.randrange(65536)
        self.templates = []
        weights = []
        for i, (name, qtype, w, what) in enumerate(KINDS):
            if name == "nx":
                tpl = [make_query("nx%d.soak.test." % n, qtype)
                       for n in range(64)]
            else:
                tpl = [make_query(name, qtype, edns=what == "static_edns")]
            self.templates.append(tpl)
            weights.append(w)
        self.cum = []
        total = 0
        for w in weights:
            total += w
            self.cum.append(total)
        self.total_weight = total
        self.tcp_writers = []

    def pick(self):
        r = self.rng.randrange(self.total_weight)
        for i, c in enumerate(self.cum):
            if r < c:
                return i
        return len(self.cum) - 1

    def new_id(self):
        for _ in range(65536):
            self.next_id = (self.next_id + 1) & 0xFFFF
            if self.next_id not in self.pending:
                return self.next_id
        raise RuntimeError("no free query ID")

    def build(self):
        k = self.pick()
        tpl = self.templates[k]
        wire = bytearray(tpl[self.rng.randrange(len(tpl))])
        qid = self.new_id()
        struct.pack_into("!H", wire, 0, qid)
        return qid, k, bytes(wire)

    # -- checking

    def on_response(self, data):
        got = parse_answer(data)
        if got is None:
            return
        qid, rcode, tc, rrs = got
        entry = self.pending.pop(qid, None)
        if entry is None:
            return  # late (already counted lost) or not ours
        now = time.monotonic()
        t_send, k, _tcp = entry
        st = self.stats
        st.answered += 1
        st.lat_max = max(st.lat_max, now - t_send)
        name, qtype, _w, what = KINDS[k]
        if tc:
            st.truncated += 1
            return
        if rcode == 2:
            st.servfail += 1
            return
        if what == "nxdomain":
            if rcode != 3:
                st.note_unexpected("%s %s: rcode %d" % (name, qtype, rcode))
            return
        if rcode != 0:
            st.note_unexpected("%s %s: rcode %d" % (name, qtype, rcode))
            return
        if what.startswith("static"):
            want = STATIC.get((name, qtype))
            if want is not None and set(rrs) != want:
                st.note_wrong("%s %s: %r" % (name, qtype, rrs))
            elif want is None and not rrs:
                st.note_wrong("%s %s: empty answer" % (name, qtype))
            return
        if what == "gen":
            vals = [s for t, rd in rrs if t == T_TXT for s in txt_strings(rd)]
            with self.world.lock:
                good = set(self.world.good_gens)
            if len(vals) != 1 or vals[0] not in good:
                st.note_wrong("gen TXT %r: not a generation that loaded"
                              % vals)
            return
        fam = socket.AF_INET6 if what == "lb6" else socket.AF_INET
        rt = T_AAAA if what == "lb6" else T_A
        addrs = [socket.inet_ntop(fam, rd) for t, rd in rrs if t == rt]
        if not addrs:
            st.note_wrong("%s %s: no address" % (name, qtype))
            return
        with self.world.lock:
            downs = dict(self.world.down_since)
        for a in addrs:
            since = downs.get(a)
            if since is not None and t_send - since > self.out_after:
                st.note_wrong("%s %s: %s at t=%.1fs, down for %.1fs"
                              % (name, qtype, a, t_send - self.t0,
                                 t_send - since))

    def sweep(self, final=False):
        now = time.monotonic()
        order = self.order
        i = self.order_head
        while i < len(order):
            t_send, qid = order[i]
            if not final and now - t_send < self.lost_after:
                break
            e = self.pending.get(qid)
            if e is not None and e[0] == t_send:
                del self.pending[qid]
                self.stats.lost += 1
            i += 1
        self.order_head = i
        if i > 100000:
            del order[:i]
            self.order_head = 0

    # -- sending

    async def tcp_reader(self, reader):
        try:
            while True:
                hdr = await reader.readexactly(2)
                (n,) = struct.unpack("!H", hdr)
                self.on_response(await reader.readexactly(n))
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            return

    async def tcp_conn(self):
        r, w = await asyncio.open_connection("127.0.0.1", self.port)
        asyncio.ensure_future(self.tcp_reader(r))
        return w

    async def tcp_fresh(self, wire):
        """One query on its own connection (RFC 7766 client, then close)."""
        try:
            r, w = await asyncio.open_connection("127.0.0.1", self.port)
        except OSError:
            return
        try:
            w.write(struct.pack("!H", len(wire)) + wire)
            hdr = await asyncio.wait_for(r.readexactly(2), self.lost_after)
            (n,) = struct.unpack("!H", hdr)
            self.on_response(await asyncio.wait_for(r.readexactly(n),
                                                    self.lost_after))
        except (asyncio.IncompleteReadError, asyncio.TimeoutError,
                ConnectionError, OSError):
            pass
        finally:
            w.close()

    async def run(self, duration, proc, on_tick):
        loop = asyncio.get_running_loop()
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
        sock.connect(("127.0.0.1", self.port))
        sock.setblocking(False)
        load = self

        class Proto(asyncio.DatagramProtocol):
            def datagram_received(self, data, _addr):
                load.on_response(data)

            def error_received(self, _exc):
                pass

        transport, _ = await loop.create_datagram_endpoint(Proto, sock=sock)
        # Two long-lived pipelined TCP connections, reopened if closed.
        tcp = [await self.tcp_conn(), await self.tcp_conn()]
        start = time.monotonic()
        end = start + duration
        sent = 0
        last_sweep = start
        fresh_tasks = set()
        while True:
            now = time.monotonic()
            if now >= end or proc.poll() is not None:
                break
            due = int((now - start) * self.args.rate) - sent
            # After a stall, catch up gently rather than in one burst.
            due = min(due, max(1, self.args.rate // 50))
            for _ in range(due):
                qid, k, wire = self.build()
                t = time.monotonic()
                r = self.rng.random()
                self.pending[qid] = (t, k, r < 0.03)
                self.order.append((t, qid))
                if r < 0.02:
                    w = tcp[qid % 2]
                    self.stats.sent_tcp += 1
                    if w.is_closing():
                        try:
                            w = tcp[qid % 2] = await self.tcp_conn()
                        except OSError:
                            sent += 1  # stays pending: counted lost
                            continue
                    w.write(struct.pack("!H", len(wire)) + wire)
                elif r < 0.03:
                    task = asyncio.ensure_future(self.tcp_fresh(wire))
                    fresh_tasks.add(task)
                    task.add_done_callback(fresh_tasks.discard)
                    self.stats.sent_tcp += 1
                else:
                    transport.sendto(wire)
                sent += 1
            self.stats.sent = sent
            if now - last_sweep > 0.1:
                self.sweep()
                on_tick(now)
                last_sweep = now
            await asyncio.sleep(0.004)
        # Let the last answers arrive, then judge what is left.
        deadline = time.monotonic() + self.lost_after
        while self.pending and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        self.sweep(final=True)
        transport.close()
        for w in tcp:
            w.close()
        for t in list(fresh_tasks):
            t.cancel()


# --------------------------------------------------------------------------
# chaos (its own thread: blocking calls are fine here)


def junk_packets(rng, good):
    """Malformed queries: junk, truncations, compression loops, QR=1,
    bad counts, bad EDNS."""
    out = []
    for _ in range(8):
        out.append(bytes(rng.randrange(256)
                         for _ in range(rng.randrange(0, 600))))
    for n in (0, 1, 11, 12, 13, len(good) - 1):
        out.append(good[:max(0, n)])
    hdr = good[:12]
    out.append(hdr[:4] + b"\x00\x01\x00\x00\x00\x00\x00\x00"
               + b"\xc0\x0c\x00\x01\x00\x01")                 # self loop
    out.append(hdr[:4] + b"\x00\x01\x00\x00\x00\x00\x00\x00"
               + b"\x01a\xc0\x0c\x00\x01\x00\x01")            # back to 12
    out.append(hdr[:4] + b"\x00\x01\x00\x00\x00\x00\x00\x00"
               + b"\xc0\x0e\x00\x01\x00\x01")                 # forward
    out.append(good[:2] + b"\x80\x00" + good[4:])             # QR=1
    out.append(good[:4] + b"\xff\xff\xff\xff\xff\xff\xff\xff" + good[12:])
    out.append(good[:2] + b"\x78\x00" + good[4:])             # opcode 15
    out.append(good[:10] + b"\x00\x01" + good[12:]
               + b"\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x08"
               + b"\x00\x08\x00\x04\x00\x03\x21\x00")         # bad ECS
    out.append(good[:10] + b"\x00\x01" + good[12:]
               + b"\x00\x00\x29\x04\xd0\x01\x00\x00\x00\x00\x00")  # v1
    labels = b"".join(b"\x3f" + b"a" * 63 for _ in range(5))
    out.append(good[:12] + labels + b"\x00\x00\x01\x00\x01")  # name > 255
    return out


class Chaos(threading.Thread):
    def __init__(self, args, setup, proc, world, stats, log_path, t0):
        super().__init__(name="chaos", daemon=True)
        self.args = args
        self.setup = setup
        self.proc = proc
        self.world = world
        self.stats = stats
        self.log_path = log_path
        self.t0 = t0
        self.rng = random.Random(args.seed + 1)
        self.stop_ev = threading.Event()
        self.gen = 0
        self.broken_next = 0
        self.idle = []
        self.good_query = bytes(make_query("www.soak.test.", "A"))

    def say(self, msg):
        if self.args.verbose:
            log("  [%6.1fs] %s" % (time.monotonic() - self.t0, msg))

    def log_count(self, text):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read().count(text)
        except OSError:
            return 0

    def wait_log(self, text, before, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.log_count(text) > before or self.proc.poll() is not None:
                return self.log_count(text) > before
            time.sleep(0.05)
        return False

    def query_gen(self):
        q = bytearray(make_query("gen.soak.test.", "TXT"))
        struct.pack_into("!H", q, 0, self.rng.randrange(65536))
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(1.0 * self.args.scale)
        try:
            s.sendto(bytes(q), ("127.0.0.1", self.setup.port))
            for _ in range(10):
                data, _ = s.recvfrom(65535)
                got = parse_answer(data)
                if got and got[0] == q[0] << 8 | q[1]:
                    return [x for t, rd in got[3] if t == T_TXT
                            for x in txt_strings(rd)]
        except OSError:
            return None
        finally:
            s.close()
        return None

    def reload(self):
        self.gen += 1
        broken = None
        if self.gen % 2 == 0:
            broken = BROKEN[self.broken_next % len(BROKEN)]
            self.broken_next += 1
        tag = "B%d" % self.gen if broken else "g%d" % self.gen
        with self.world.lock:
            (self.world.bad_gens if broken else self.world.good_gens).add(tag)
        self.setup.write(self.gen, broken)
        marker = LOG_RELOAD_FAILED if broken else LOG_RELOAD_OK
        before = self.log_count(marker)
        self.proc.send_signal(signal.SIGHUP)
        seen = self.wait_log(marker, before, 10.0 * self.args.scale)
        if self.proc.poll() is not None:
            return
        if not seen:
            self.stats.reload_problems.append(
                "%s: no \"%s\" log line within %.0f s" %
                (tag, marker, 10.0 * self.args.scale))
            return
        vals = self.query_gen()
        if broken:
            self.stats.reloads_rejected += 1
            self.say("reload %s (%s) rejected, serving %s"
                     % (tag, broken[0], vals))
        else:
            self.stats.reloads_ok += 1
            self.say("reload %s applied, serving %s" % (tag, vals))
            if vals != [tag]:
                self.stats.reload_problems.append(
                    "%s: gen TXT says %r after the reload" % (tag, vals))

    def flip(self):
        with self.world.lock:
            down = [m for m in MEMBERS_V4 if m in self.world.down_since]
        m = self.rng.choice(MEMBERS_V4)
        if m not in down and len(down) >= MAX_DOWN:
            m = self.rng.choice(down)
        go_down = m not in down
        status = 503 if go_down else 200
        got = http_get(m, self.setup.bport, "/control?status=%d" % status)
        if got != 200:
            self.stats.reload_problems.append(
                "backend %s: /control?status=%d gave %r" % (m, status, got))
            return
        # Recorded once the backend has switched: a later start for a
        # down period is the cautious side for judging "wrong".
        with self.world.lock:
            if go_down:
                self.world.down_since[m] = time.monotonic()
            else:
                self.world.down_since.pop(m, None)
        self.stats.flips += 1
        self.say("member %s -> %d" % (m, status))

    def malformed(self):
        pkts = junk_packets(self.rng, self.good_query)
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            for p in pkts:
                s.sendto(p, ("127.0.0.1", self.setup.port))
        except OSError:
            pass
        finally:
            s.close()
        # TCP: a length prefix promising more than comes, a zero length,
        # a junk message, then hang up.
        for payload in (b"\xff\xff" + b"x" * 100, b"\x00\x00",
                        b"\x00\x05hello", b"\x00\x0c" + bytes(12),
                        struct.pack("!H", len(pkts[0])) + pkts[0]):
            try:
                c = socket.create_connection(("127.0.0.1", self.setup.port),
                                             timeout=1.0)
                c.sendall(payload)
                c.close()
            except OSError:
                pass
        self.stats.malformed += len(pkts) + 5
        self.say("sent %d malformed packets" % (len(pkts) + 5))

    def idle_tcp(self):
        if not self.idle or (len(self.idle) < IDLE_TCP_MAX and
                             self.rng.random() < 0.6):
            n = min(IDLE_TCP_MAX - len(self.idle), self.rng.randint(1, 8))
            for _ in range(n):
                try:
                    c = socket.create_connection(
                        ("127.0.0.1", self.setup.port), timeout=1.0)
                    if self.rng.random() < 0.5:
                        c.sendall(b"\x00")   # half a length prefix
                    self.idle.append(c)
                    self.stats.idle_opened += 1
                except OSError:
                    pass
            self.say("%d idle TCP connections open" % len(self.idle))
        else:
            k = self.rng.randint(0, len(self.idle))
            for c in self.idle[:k]:
                c.close()
            del self.idle[:k]
            self.say("closed %d idle TCP connections" % k)

    def run(self):
        actions = [self.reload, self.flip, self.malformed, self.flip,
                   self.idle_tcp, self.reload, self.flip, self.malformed]
        i = 0
        while not self.stop_ev.wait(self.rng.uniform(0.5, 1.5)):
            if self.proc.poll() is not None:
                break
            try:
                actions[i % len(actions)]()
            except Exception as e:  # noqa: BLE001 - keep the soak going
                self.stats.reload_problems.append(
                    "chaos %s: %s: %s" % (actions[i % len(actions)].__name__,
                                          type(e).__name__, e))
            i += 1
        for c in self.idle:
            c.close()


# --------------------------------------------------------------------------
# main


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--time", type=float,
                    default=float(os.environ.get("SOAK_TIME", 300)),
                    help="seconds of load (default $SOAK_TIME or 300)")
    ap.add_argument("--rate", type=int,
                    default=int(os.environ.get("SOAK_RATE", 3000)),
                    help="queries per second (default $SOAK_RATE or 3000)")
    ap.add_argument("--dnsd", default=os.environ.get(
        "DNSD", os.path.join(ROOT, "build", "dnsd")))
    ap.add_argument("--backend", default=None,
                    help="fake_backend (default: next to dnsd)")
    ap.add_argument("--scale", type=float, default=float(
        os.environ.get("DNSD_TIMEOUT_SCALE", 1)),
        help="stretch every timeout (sanitizer builds)")
    ap.add_argument("--mem-slack", type=float, default=MEM_SLACK_MIB,
                    help="MiB the RSS may grow after warm-up (negative: "
                    "do not judge memory)")
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="log every chaos action")
    ap.add_argument("-q", "--quiet", action="store_true",
                    help="only the final summary")
    args = ap.parse_args()
    args.scale = max(1.0, args.scale)

    dnsd = os.path.abspath(args.dnsd)
    backend = args.backend or os.path.join(os.path.dirname(dnsd),
                                           "fake_backend")
    if not os.access(backend, os.X_OK):
        backend = os.path.join(ROOT, "build", "fake_backend")
    for path in (dnsd, backend):
        if not os.access(path, os.X_OK):
            log("soak: %s not found or not executable (make first)" % path)
            return 2

    # Ports as every integration test takes them (harness.py).
    v6 = harness.HAVE_IPV6
    port = harness.free_port()
    bport = harness.free_tcp_port(MEMBERS_V4 + (["::1"] if v6 else []))
    work = tempfile.mkdtemp(prefix="dnsd-soak-")
    setup = Setup(work, port, bport, v6)
    world = World()
    stats = Stats()
    with world.lock:
        world.good_gens.add(setup.write(0))
    log_path = os.path.join(work, "dnsd.log")
    bproc = proc = None
    log_f = open(log_path, "ab")
    rc = 2
    try:
        bargs = [backend]
        for a in MEMBERS_V4 + (["::1"] if v6 else []):
            bargs += ["-l", "[%s]:%d" % (a, bport) if ":" in a
                      else "%s:%d" % (a, bport)]
        bproc = subprocess.Popen(bargs, stdin=subprocess.DEVNULL,
                                 stdout=subprocess.PIPE, stderr=log_f)
        if read_lines(bproc, len(bargs) // 2, 5.0 * args.scale) is None:
            log("soak: fake_backend did not start; see %s" % log_path)
            return 2
        proc = subprocess.Popen([dnsd, "-c", setup.ini],
                                stdin=subprocess.DEVNULL, stdout=log_f,
                                stderr=log_f, cwd=work)
        chaos_probe = Chaos(args, setup, proc, world, stats, log_path, 0)
        deadline = time.monotonic() + 15.0 * args.scale
        while chaos_probe.query_gen() != ["g0"]:
            if proc.poll() is not None or time.monotonic() > deadline:
                log("soak: dnsd did not start answering; log:\n%s"
                    % tail(log_path))
                return 2
            time.sleep(0.1)
        rc = run(args, setup, proc, world, stats, log_path)
        return rc
    finally:
        if proc is not None and proc.poll() is None and \
                stop(proc, 10.0 * args.scale) is None:
            log("soak: dnsd did not stop within %.0f s of SIGTERM"
                % (10.0 * args.scale))
            rc = 1
        if bproc is not None and bproc.poll() is None:
            bproc.terminate()
            try:
                bproc.wait(5)
            except subprocess.TimeoutExpired:
                bproc.kill()
        log_f.close()
        if rc == 0:
            shutil.rmtree(work, ignore_errors=True)
        else:
            log("soak: files and dnsd log kept in %s" % work)


def tail(path, n=30):
    try:
        with open(path, errors="replace") as f:
            return "\n".join(f.read().splitlines()[-n:])
    except OSError:
        return ""


def run(args, setup, proc, world, stats, log_path):
    t0 = time.monotonic()
    warmup = min(10.0, args.time * 0.2)
    base = {"rss": None}
    last = {"sample": 0.0, "report": t0}

    def on_tick(now):
        if now - last["sample"] >= 2.0:
            kib = rss_kib(proc.pid)
            if kib is not None:
                stats.rss.append((now - t0, kib))
                if base["rss"] is None and now - t0 >= warmup:
                    base["rss"] = kib
            last["sample"] = now
        if not args.quiet and now - last["report"] >= 10.0:
            last["report"] = now
            log("soak: %4.0fs sent %d answered %d lost %d wrong %d "
                "servfail %d unexpected %d reloads %d/%d flips %d rss %s"
                % (now - t0, stats.sent, stats.answered, stats.lost,
                   stats.wrong, stats.servfail, stats.unexpected,
                   stats.reloads_ok, stats.reloads_rejected, stats.flips,
                   mib(stats.rss[-1][1]) if stats.rss else "?"))

    start_rss = rss_kib(proc.pid)
    if start_rss is not None:
        stats.rss.append((0.0, start_rss))
    chaos = Chaos(args, setup, proc, world, stats, log_path, t0)
    chaos.start()
    load = Load(args, setup.port, world, stats, t0)
    if not args.quiet:
        log("soak: dnsd pid %d on 127.0.0.1:%d, backends on port %d, "
            "%d qps for %.0f s (seed %d)"
            % (proc.pid, setup.port, setup.bport, args.rate, args.time,
               args.seed))
    try:
        asyncio.run(load.run(args.time, proc, on_tick))
    finally:
        chaos.stop_ev.set()
        chaos.join(15.0 * args.scale)
    stats.crashed = proc.poll() is not None
    end_rss = rss_kib(proc.pid) if not stats.crashed else None
    if end_rss is not None:
        stats.rss.append((time.monotonic() - t0, end_rss))
    if base["rss"] is None and stats.rss:
        base["rss"] = stats.rss[0][1]
    # A clean stop is part of the verdict (SPEC 1: SIGTERM exits 0; a
    # sanitizer build exits non-zero on a leak found at exit).
    if not stats.crashed:
        stats.stop_rc = stop(proc, 10.0 * args.scale)
        if stats.stop_rc is None:
            stats.stop_rc = "no exit within %.0f s" % (10.0 * args.scale)
    return judge(args, stats, base["rss"], end_rss, proc, log_path)


def mib(kib):
    return "%.1f MiB" % (kib / 1024.0)


def judge(args, stats, base_rss, end_rss, proc, log_path):
    fails = []
    if stats.crashed:
        fails.append("dnsd exited with code %s" % proc.returncode)
    elif stats.stop_rc != 0:
        fails.append("dnsd stopped with %s after SIGTERM" % stats.stop_rc)
    if stats.lost:
        fails.append("%d lost" % stats.lost)
    if stats.wrong:
        fails.append("%d wrong" % stats.wrong)
    if stats.servfail:
        fails.append("%d SERVFAIL" % stats.servfail)
    if stats.unexpected:
        fails.append("%d unexpected rcodes" % stats.unexpected)
    if stats.truncated:
        fails.append("%d truncated" % stats.truncated)
    if stats.reload_problems:
        fails.append("%d chaos problems" % len(stats.reload_problems))
    if stats.sent == 0 or stats.reloads_ok == 0:
        fails.append("nothing happened")
    growth = None
    if base_rss is not None and end_rss is not None:
        growth = (end_rss - base_rss) / 1024.0
        if args.mem_slack >= 0 and growth > args.mem_slack:
            fails.append("RSS grew %.1f MiB after warm-up" % growth)
    samples = " ".join("%.0fs:%s" % (t, mib(k).replace(" MiB", ""))
                       for t, k in thin(stats.rss, 8))
    for what in stats.wrong_detail:
        log("  wrong: %s" % what)
    for what in stats.unexpected_detail:
        log("  unexpected: %s" % what)
    for what in stats.reload_problems[:10]:
        log("  chaos: %s" % what)
    if fails and not args.quiet:
        log("dnsd log (last lines):\n" + tail(log_path))
    log("soak: rss samples (MiB) %s" % samples)
    log("soak: %.0f s at %d qps: sent %d (%d tcp), answered %d, lost %d, "
        "wrong %d, servfail %d, unexpected %d, crashes %d; reloads %d "
        "applied, %d rejected; %d flips, %d malformed, %d idle tcp; "
        "max latency %.0f ms; rss warm-up %s, end %s (%s); %s"
        % (args.time, args.rate, stats.sent, stats.sent_tcp, stats.answered,
           stats.lost, stats.wrong, stats.servfail, stats.unexpected,
           1 if stats.crashed else 0, stats.reloads_ok,
           stats.reloads_rejected, stats.flips, stats.malformed,
           stats.idle_opened, stats.lat_max * 1000,
           mib(base_rss) if base_rss else "?",
           mib(end_rss) if end_rss else "?",
           "%+.1f MiB" % growth if growth is not None else "?",
           "PASS" if not fails else "FAIL: " + ", ".join(fails)))
    return 0 if not fails else 1


def thin(samples, n):
    if len(samples) <= n:
        return samples
    step = (len(samples) - 1) / (n - 1)
    return [samples[round(i * step)] for i in range(n)]


if __name__ == "__main__":
    sys.exit(main())
