"""dnstap query logging (SPEC 10): AUTH_QUERY and AUTH_RESPONSE frames to a
Frame Streams collector (Debian's fstrm_capture) over a unix socket or to a
file, read back with a small protobuf reader below (and dnstap-ldns, to
show other readers decode them too); an absent or stalled collector never
slows answering, its drops are counted, and it is reconnected."""

import os
import shutil
import signal
import socket
import struct
import subprocess
import time

from harness import (HAVE_IPV6, SCALE, DNSD, Server, check, free_tcp_port,
                     make_query, prom_value, scrape, tcp_connect,
                     tcp_read_msg, udp_exchange, wait_for)

ZONE = {"example.test": "example.test.zone"}
CONTENT_TYPE = "protobuf:dnstap.Dnstap"

# dnstap.proto: Message.Type, SocketFamily, SocketProtocol.
AUTH_QUERY, AUTH_RESPONSE = 1, 2
INET, INET6 = 1, 2
UDP, TCP = 1, 2


# ---------------------------------------------------------------------------
# reading Frame Streams files and dnstap protobufs


def frames(path):
    """The data frames of a Frame Streams file (control frames skipped)."""
    with open(path, "rb") as f:
        data = f.read()
    out, off = [], 0
    while off + 4 <= len(data):
        (n,) = struct.unpack_from("!I", data, off)
        off += 4
        if n == 0:  # escape: a control frame follows
            (clen,) = struct.unpack_from("!I", data, off)
            off += 4 + clen
            continue
        check(off + n <= len(data), "%s: truncated frame at %d" % (path, off))
        out.append(data[off:off + n])
        off += n
    return out


def _varint(buf, off):
    v = shift = 0
    for _ in range(10):
        b = buf[off]
        off += 1
        v |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return v, off
    raise ValueError("varint too long")


def pb_fields(buf):
    """{field number: value} of a protobuf message (last value wins; bytes
    for length-delimited fields)."""
    fields, off = {}, 0
    while off < len(buf):
        key, off = _varint(buf, off)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, off = _varint(buf, off)
        elif wt == 2:
            n, off = _varint(buf, off)
            v, off = bytes(buf[off:off + n]), off + n
        elif wt == 5:
            (v,) = struct.unpack_from("<I", buf, off)
            off += 4
        elif wt == 1:
            (v,) = struct.unpack_from("<Q", buf, off)
            off += 8
        else:
            raise ValueError("wire type %d" % wt)
        fields[num] = v
    return fields


def decode(frame):
    """A Dnstap frame as a dict of its fields (names from dnstap.proto)."""
    d = pb_fields(frame)
    check(d.get(15) == 1, "Dnstap.type is not MESSAGE: %r" % d.get(15))
    m = pb_fields(d[14])
    return {
        "identity": d.get(1), "version": d.get(2), "type": m.get(1),
        "family": m.get(2), "protocol": m.get(3),
        "query_address": m.get(4), "response_address": m.get(5),
        "query_port": m.get(6), "response_port": m.get(7),
        "query_time": m.get(8, 0) + m.get(9, 0) / 1e9 if 8 in m else None,
        "query_message": m.get(10),
        "response_time": m.get(12, 0) + m.get(13, 0) / 1e9 if 12 in m else None,
        "response_message": m.get(14),
    }


def messages(path):
    return [decode(f) for f in frames(path)] if os.path.exists(path) else []


def qid(wire):
    return struct.unpack("!H", wire[:2])[0]


# ---------------------------------------------------------------------------
# the collector


class Capture:
    """fstrm_capture on a unix socket, writing FILE."""

    def __init__(self, sock, out):
        self.sock, self.out = sock, out
        self.proc = None

    def accepts(self):
        """Connections fstrm_capture accepted so far (its -ddd log)."""
        try:
            with open(self.out + ".log", errors="replace") as f:
                return f.read().count("accepted new connection")
        except FileNotFoundError:
            return 0

    def wait_connected(self, timeout):
        """True once dnsd connected to this instance, within timeout."""
        return wait_for(lambda: self.accepts() > self.accepts0, timeout, step=0.1)

    def start(self):
        self.accepts0 = self.accepts()
        self.log = open(self.out + ".log", "ab")
        self.proc = subprocess.Popen(
            ["fstrm_capture", "-ddd", "-t", CONTENT_TYPE, "-u", self.sock,
             "-w", self.out],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log)
        check(wait_for(lambda: os.path.exists(self.sock), 5 * SCALE),
              "fstrm_capture did not create %s" % self.sock)
        return self

    def stop(self):
        """Close the output file cleanly (SIGTERM flushes it)."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.terminate()
            try:
                self.proc.wait(5 * SCALE)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()
        self.proc = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def _tools():
    for t in ("fstrm_capture", "dnstap-ldns"):
        check(shutil.which(t) is not None,
              "%s is missing (tools/deps.sh installs fstrm-bin and dnstap-ldns)" % t)


def _server(extra_opts, **kw):
    opts = {"control": "127.0.0.1:%d" % free_tcp_port(["127.0.0.1"])}
    opts.update(extra_opts)
    srv = Server(zones=ZONE, server_opts=opts, **kw)
    srv.cport = int(opts["control"].rsplit(":", 1)[1])
    return srv


def _metric(srv, name):
    return prom_value(scrape(srv.cport), name)


def _udp(port, name, host="127.0.0.1", qtype="A"):
    """One UDP exchange from a fresh socket: (query, reply, client port)."""
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.settimeout(2.0 * SCALE)
    try:
        s.bind((host, 0))
        wire = make_query(name, qtype)
        s.sendto(wire, (host, port))
        reply, _ = s.recvfrom(65535)
        return wire, reply, s.getsockname()[1]
    finally:
        s.close()


def _tcp_pipelined(port, names, host="127.0.0.1"):
    """Several queries on one TCP connection, sent at once, answers read
    in order: [(query, reply)], client port."""
    s = tcp_connect(port, host=host)
    try:
        wires = [make_query(n, "A") for n in names]
        s.sendall(b"".join(struct.pack("!H", len(w)) + w for w in wires))
        out = [(w, tcp_read_msg(s)) for w in wires]
        return out, s.getsockname()[1]
    finally:
        s.close()


def _check_exchange(msgs, query, reply, proto, host, cport, sport, t0, t1):
    """query's AUTH_QUERY and reply's AUTH_RESPONSE are in msgs with every
    field right."""
    fam = INET6 if ":" in host else INET
    addr = socket.inet_pton(socket.AF_INET6 if fam == INET6 else socket.AF_INET, host)
    aq = [m for m in msgs if m["type"] == AUTH_QUERY and m["query_message"] == query]
    ar = [m for m in msgs if m["type"] == AUTH_RESPONSE and m["response_message"] == reply]
    what = "%s query id %d from port %d" % ("TCP" if proto == TCP else "UDP", qid(query), cport)
    check(len(aq) == 1, "%s: %d AUTH_QUERY frames with its bytes" % (what, len(aq)))
    check(len(ar) == 1, "%s: %d AUTH_RESPONSE frames with the reply's bytes" % (what, len(ar)))
    for m, kind in ((aq[0], "AUTH_QUERY"), (ar[0], "AUTH_RESPONSE")):
        got = (m["family"], m["protocol"], m["query_address"], m["query_port"],
               m["response_address"], m["response_port"])
        want = (fam, proto, addr, cport, addr, sport)
        check(got == want, "%s %s: family/protocol/addresses/ports %r, want %r"
              % (what, kind, got, want))
        check(m["query_time"] is not None and t0 - 1 <= m["query_time"] <= t1 + 1,
              "%s %s: query_time %r outside the test's %.3f..%.3f"
              % (what, kind, m["query_time"], t0, t1))
    check(ar[0]["response_time"] is not None and
          ar[0]["query_time"] <= ar[0]["response_time"] <= t1 + 1,
          "%s: response_time %r before the query's %r or after the test"
          % (what, ar[0]["response_time"], ar[0]["query_time"]))
    check(aq[0]["response_message"] is None and ar[0]["query_message"] is None,
          "%s: messages carry only their own wire bytes" % what)


def _ldns_lines(path):
    r = subprocess.run(["dnstap-ldns", "-r", path], capture_output=True,
                       timeout=20 * SCALE)
    check(r.returncode == 0, "dnstap-ldns -r %s: exit %d: %s"
          % (path, r.returncode, r.stderr.decode(errors="replace")))
    return r.stdout.decode(errors="replace").splitlines()


def _version():
    r = subprocess.run([DNSD, "-V"], capture_output=True, timeout=10)
    return r.stdout.decode().strip()


# ---------------------------------------------------------------------------


def test_unix_socket_udp_and_tcp_every_field():
    _tools()
    srv = _server({"dnstap_identity": "ns1.test", "dnstap_version": "v-test"})
    sock = os.path.join(srv.dir, "tap.sock")
    out = os.path.join(srv.dir, "cap.fstrm")
    srv.write_ini(srv.ini_text.replace("[server]\n", "[server]\ndnstap = unix:tap.sock\n", 1))
    with Capture(sock, out) as cap:
        srv.start()
        t0 = time.time()
        udp = [_udp(srv.port, "www.example.test") for _ in range(10)]
        udp.append(_udp(srv.port, "nope.example.test"))
        udp6 = [_udp(srv.port, "www.example.test", host="::1", qtype="AAAA")
                for _ in range(3)] if HAVE_IPV6 else []
        tcp, tport = _tcp_pipelined(srv.port, ["www.example.test"] * 4 + ["nope.example.test"])
        t1 = time.time()
        # Stopping dnsd flushes its queues to the collector.
        srv.stop()
        cap.stop()
        msgs = messages(out)
        n = len(udp) + len(udp6) + len(tcp)
        check(len(msgs) >= 2 * n, "%d frames captured for %d exchanges" % (len(msgs), n))
        for query, reply, cport in udp:
            _check_exchange(msgs, query, reply, UDP, "127.0.0.1", cport, srv.port, t0, t1)
        for query, reply, cport in udp6:
            _check_exchange(msgs, query, reply, UDP, "::1", cport, srv.port, t0, t1)
        for query, reply in tcp:
            _check_exchange(msgs, query, reply, TCP, "127.0.0.1", tport, srv.port, t0, t1)
        for m in msgs:
            check(m["identity"] == b"ns1.test" and m["version"] == b"v-test",
                  "identity/version %r/%r, want the configured ones"
                  % (m["identity"], m["version"]))
        # Another reader agrees: one line per frame, queries and answers.
        lines = _ldns_lines(out)
        check(len(lines) == len(msgs), "dnstap-ldns printed %d lines for %d frames"
              % (len(lines), len(msgs)))
        check(sum(" AQ 127.0.0.1 TCP " in l and "www.example.test." in l for l in lines) == 4,
              "dnstap-ldns: TCP queries not shown as AQ ... TCP:\n%s" % "\n".join(lines[:20]))
        check(any(" AR 127.0.0.1 UDP " in l and "nope.example.test." in l for l in lines),
              "dnstap-ldns: no UDP AR line for nope.example.test:\n%s" % "\n".join(lines[:20]))


def test_file_sink_default_identity_and_version():
    _tools()
    srv = _server({"dnstap": "file:query.dnstap"})
    srv.start()
    t0 = time.time()
    ex = [_udp(srv.port, "www.example.test") for _ in range(5)]
    tcp, tport = _tcp_pipelined(srv.port, ["www.example.test"])
    t1 = time.time()
    srv.stop()
    path = os.path.join(srv.dir, "query.dnstap")  # relative to the INI
    msgs = messages(path)
    # (and the harness's readiness queries)
    check(len(msgs) >= 2 * (len(ex) + 1), "%d frames in %s for %d exchanges"
          % (len(msgs), path, len(ex) + 1))
    for query, reply, cport in ex:
        _check_exchange(msgs, query, reply, UDP, "127.0.0.1", cport, srv.port, t0, t1)
    _check_exchange(msgs, tcp[0][0], tcp[0][1], TCP, "127.0.0.1", tport, srv.port, t0, t1)
    want_id = socket.gethostname().encode()
    want_ver = _version().encode()  # "dnsd X.Y.Z", as dnsd -V prints
    for m in msgs:
        check(m["identity"] == want_id and m["version"] == want_ver,
              "defaults: identity/version %r/%r, want %r/%r"
              % (m["identity"], m["version"], want_id, want_ver))
    check(len(_ldns_lines(path)) == len(msgs), "dnstap-ldns cannot read the file sink")


def _flows(srv, cap, out, timeout):
    """dnsd connects to cap within timeout and a query's frames reach it."""
    t = time.monotonic()
    check(cap.wait_connected(timeout), "dnsd did not connect to the collector "
          "within %.0f s" % timeout)
    connected = time.monotonic() - t
    query, _, _ = _udp(srv.port, "www.example.test")
    # Stopping dnsd flushes its queue and ends the stream, so that
    # fstrm_capture writes out all it read.
    srv.stop()
    cap.stop()
    got = [m for m in messages(out) if m["query_message"] == query]
    check(len(got) == 1, "the query after reconnecting (%.1f s) reached the "
          "collector %d times" % (connected, len(got)))
    return connected


def test_absent_collector_answers_and_reconnects():
    _tools()
    srv = _server({"dnstap": "unix:tap.sock"})
    sock = os.path.join(srv.dir, "tap.sock")
    out = os.path.join(srv.dir, "cap.fstrm")
    srv.start()
    # Nobody listens: every query is still answered, at once.
    lost = 0
    queued = _metric(srv, "dnsd_dnstap_messages_total")
    start = time.monotonic()
    for i in range(300):
        if udp_exchange(make_query("www.example.test", "A", qid=i), srv.port,
                        timeout=1.0 * SCALE) is None:
            lost += 1
    took = time.monotonic() - start
    check(lost == 0, "%d of 300 queries unanswered without a collector" % lost)
    check(took < 10 * SCALE, "300 queries took %.1f s without a collector" % took)
    check(_metric(srv, "dnsd_dnstap_messages_total") == queued + 600,
          "600 frames should have been queued (then discarded by fstrm)")
    # The collector appears: dnsd connects by itself (SPEC: within 10 s).
    cap = Capture(sock, out).start()
    try:
        _flows(srv, cap, out, 10 * SCALE)
    finally:
        cap.stop()


def _burst(port, n, window=64):
    """n UDP queries from one socket (so one worker), at most window in
    flight: returns how many were answered."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    s.bind(("127.0.0.1", 0))
    wire = bytearray(make_query("www.example.test", "A", qid=0))
    sent = got = 0
    deadline = time.monotonic() + 30 * SCALE
    try:
        while got < n and time.monotonic() < deadline:
            while sent < n and sent - got < window:
                struct.pack_into("!H", wire, 0, sent & 0xFFFF)
                s.sendto(wire, ("127.0.0.1", port))
                sent += 1
            s.settimeout(1.0 * SCALE)
            try:
                s.recvfrom(4096)
                got += 1
            except socket.timeout:
                break
    finally:
        s.close()
    return got


def test_stalled_collector_drops_counted_then_flows_again():
    _tools()
    srv = _server({"dnstap": "unix:tap.sock", "threads": "1"})
    sock = os.path.join(srv.dir, "tap.sock")
    out = os.path.join(srv.dir, "cap.fstrm")
    cap = Capture(sock, out).start()
    try:
        srv.start()
        check(cap.wait_connected(10 * SCALE), "dnsd never connected")
        # The collector stops reading: its socket buffer and then the
        # worker's queue (4096 frames) fill; answering goes on.
        cap.proc.send_signal(signal.SIGSTOP)
        n = 12000
        got = _burst(srv.port, n)
        check(got == n, "%d of %d queries answered with a stalled collector" % (got, n))
        dropped = _metric(srv, "dnsd_dnstap_dropped_total")
        check(dropped > 0, "a stalled collector dropped no frame (%d queries)" % n)
        check(dropped < 2 * n, "dropped %d of %d frames" % (dropped, 2 * n))
        # It reads again: new frames flow, and the drop count stops.
        cap.proc.send_signal(signal.SIGCONT)

        def room():
            # A query whose two frames are queued, not dropped: the
            # I/O thread has drained the backlog into the collector.
            before = _metric(srv, "dnsd_dnstap_dropped_total")
            _udp(srv.port, "www.example.test")
            return _metric(srv, "dnsd_dnstap_dropped_total") == before

        check(wait_for(room, 10 * SCALE, step=0.2),
              "drops went on for %.0f s after the collector resumed" % (10 * SCALE))
        # The backlog (up to a queue of 4096 frames) drains into the
        # collector's file: wait until the file stops growing.
        def settled(last=[-1]):
            size = os.path.getsize(out)
            done, last[0] = size == last[0], size
            return done
        wait_for(settled, 20 * SCALE, step=1.0)
        d1 = _metric(srv, "dnsd_dnstap_dropped_total")
        tail = [_udp(srv.port, "tail.example.test") for _ in range(5)]
        d2 = _metric(srv, "dnsd_dnstap_dropped_total")
        srv.stop()
        cap.stop()
        msgs = messages(out)
        for query, reply, cport in tail:
            _check_exchange(msgs, query, reply, UDP, "127.0.0.1", cport, srv.port,
                            time.time() - 60, time.time())
        check(d2 == d1, "drops went on after the collector resumed")
        # Frames from before and after the stall, none half-written.
        check(len(msgs) > 10, "only %d frames captured" % len(msgs))
    finally:
        cap.stop()


def test_collector_restart_reconnects():
    _tools()
    srv = _server({"dnstap": "unix:tap.sock"})
    sock = os.path.join(srv.dir, "tap.sock")
    out1 = os.path.join(srv.dir, "cap1.fstrm")
    out2 = os.path.join(srv.dir, "cap2.fstrm")
    cap = Capture(sock, out1).start()
    try:
        srv.start()
        check(cap.wait_connected(10 * SCALE), "dnsd never connected")
        _udp(srv.port, "www.example.test")
        cap.stop()  # the collector goes away...
        for _ in range(20):  # ...answering goes on meanwhile
            check(_udp(srv.port, "www.example.test")[1] is not None, "no answer")
        cap = Capture(sock, out2).start()  # ...and comes back
        _flows(srv, cap, out2, 10 * SCALE)
    finally:
        cap.stop()


def test_reload_changes_then_removes_the_sink():
    _tools()
    srv = _server({"dnstap": "file:a.dnstap"})
    a = os.path.join(srv.dir, "a.dnstap")
    b = os.path.join(srv.dir, "b.dnstap")
    srv.start()

    def reloaded(n):
        return wait_for(lambda: prom_value(
            scrape(srv.cport), "dnsd_config_reloads_total", result="success") >= n,
            10 * SCALE)

    q1 = _udp(srv.port, "www.example.test")
    srv.write_ini(srv.ini_text.replace("file:a.dnstap", "file:b.dnstap"))
    srv.send_signal(signal.SIGHUP)
    check(reloaded(1), "reload to file:b.dnstap not applied")
    q2 = _udp(srv.port, "www.example.test")
    srv.write_ini(srv.ini_text.replace("dnstap = file:b.dnstap\n", ""))
    srv.send_signal(signal.SIGHUP)
    check(reloaded(2), "reload without dnstap not applied")
    queued = _metric(srv, "dnsd_dnstap_messages_total")
    q3 = _udp(srv.port, "www.example.test")
    check(_metric(srv, "dnsd_dnstap_messages_total") == queued,
          "frames still queued after dnstap was removed")
    srv.stop()
    ma, mb = messages(a), messages(b)
    qa = [m["query_message"] for m in ma if m["type"] == AUTH_QUERY]
    qb = [m["query_message"] for m in mb if m["type"] == AUTH_QUERY]
    check(q1[0] in qa and q2[0] not in qa, "a.dnstap: wrong queries %r" % qa)
    check(q2[0] in qb and q1[0] not in qb and q3[0] not in qb,
          "b.dnstap: wrong queries %r" % qb)
    check(len(_ldns_lines(a)) == len(ma) and len(_ldns_lines(b)) == len(mb),
          "dnstap-ldns cannot read the files of a replaced sink")


def test_config_rejects_bad_dnstap_values():
    for value, why in (("udp:1.2.3.4", "must be unix:PATH, file:PATH or none"),
                       ("unix:", "has no path"),
                       ("unix:/" + "x" * 120, "longer than a unix socket")):
        srv = Server(zones=ZONE, server_opts={"dnstap": value})
        r = subprocess.run([DNSD, "-t", "-c", srv.ini], capture_output=True, timeout=10)
        err = r.stderr.decode()
        check(r.returncode == 1 and why in err and "dnsd.ini:" in err,
              "dnstap = %s: exit %d, stderr %r" % (value, r.returncode, err))
    srv = Server(zones=ZONE, server_opts={"dnstap": "none"})
    r = subprocess.run([DNSD, "-t", "-c", srv.ini], capture_output=True, timeout=10)
    check(r.returncode == 0, "dnstap = none rejected: %r" % r.stderr.decode())


def test_reload_new_identity_same_file_starts_it_anew():
    """A changed identity on the same file: the old writer is flushed and
    closed before the new one truncates the file, so it stays readable."""
    _tools()
    srv = _server({"dnstap": "file:q.dnstap", "dnstap_identity": "old"})
    path = os.path.join(srv.dir, "q.dnstap")
    srv.start()
    _udp(srv.port, "www.example.test")
    srv.write_ini(srv.ini_text.replace("dnstap_identity = old", "dnstap_identity = new"))
    srv.send_signal(signal.SIGHUP)
    check(wait_for(lambda: prom_value(scrape(srv.cport), "dnsd_config_reloads_total",
                                      result="success") >= 1, 10 * SCALE),
          "reload not applied")
    q = _udp(srv.port, "www.example.test")
    srv.stop()
    msgs = messages(path)
    check(msgs and all(m["identity"] == b"new" for m in msgs),
          "identities after the reload: %r" % sorted({m["identity"] for m in msgs}))
    check(any(m["query_message"] == q[0] for m in msgs), "the query after the reload is missing")
    check(len(_ldns_lines(path)) == len(msgs), "dnstap-ldns cannot read the restarted file")
