"""DNS over TCP (RFC 7766): several queries per connection, pipelining,
split writes, idle timeout, tcp_max_clients."""

import socket
import struct
import time

from harness import (SCALE, Server, alive, check, describe, fail, make_query,
                     parse, qid_of, rrset_values, shared_port, tcp_connect,
                     tcp_read_msg)


def _framed(wire):
    return struct.pack("!H", len(wire)) + wire


def _answer_ok(raw, name, qtype, want, what):
    check(raw is not None, "%s: no answer" % what)
    m = parse(raw, what + ": ")
    got = rrset_values(m, "answer", name, qtype)
    check(got == want, "%s: answer %s, expected %s;%s" % (what, got, want, describe(m)))
    return m


def test_several_queries_one_connection():
    port = shared_port()
    s = tcp_connect(port)
    try:
        for i in range(8):
            name, qtype, want = (("www.example.test", "A", ["192.0.2.1"]) if i % 2 == 0
                                 else ("www.example.test", "AAAA", ["2001:db8::1"]))
            wire = make_query(name, qtype, qid=1000 + i)
            s.sendall(_framed(wire))
            raw = tcp_read_msg(s)
            what = "query %d on one TCP connection" % (i + 1)
            check(raw is not None, "%s: no answer (connection closed or timed out)" % what)
            check(qid_of(raw) == 1000 + i, "%s: id %d" % (what, qid_of(raw)))
            _answer_ok(raw, name, qtype, want, what)
        # a negative answer does not close the connection either
        s.sendall(_framed(make_query("nothere.example.test", "A", qid=2000)))
        raw = tcp_read_msg(s)
        check(raw is not None and parse(raw).rcode() == 3, "NXDOMAIN on a kept connection: %r" % raw)
        s.sendall(_framed(make_query("www.example.test", "A", qid=2001)))
        _answer_ok(tcp_read_msg(s), "www.example.test", "A", ["192.0.2.1"],
                   "query after NXDOMAIN on the same connection")
    finally:
        s.close()


def test_pipelined_queries():
    port = shared_port()
    names = ["www.example.test", "multi.example.test", "mail.example.test",
             "ns1.example.test", "ns2.example.test", "x.y.example.test",
             "foo.wild.example.test", "www.other.test", "big.example.test",
             "nothere.example.test"]
    qtypes = ["A"] * 8 + ["TXT", "A"]
    s = tcp_connect(port)
    try:
        blob = b""
        ids = {}
        for i, (n, t) in enumerate(zip(names, qtypes)):
            qid = 3000 + i * 7
            ids[qid] = (n, t)
            blob += _framed(make_query(n, t, qid=qid))
        s.sendall(blob)  # all ten in one write
        seen = {}
        for i in range(len(names)):
            raw = tcp_read_msg(s, timeout=5.0 * SCALE)
            check(raw is not None, "pipelined: only %d of %d answers arrived (ids seen %s)"
                  % (i, len(names), sorted(seen)))
            qid = qid_of(raw)
            check(qid in ids and qid not in seen, "pipelined: unexpected or repeated id %d" % qid)
            m = parse(raw, "pipelined id %d: " % qid)
            n, t = ids[qid]
            check(m.question[0].name.to_text().lower() == n + ".",
                  "pipelined id %d: answer for %s, expected %s" % (qid, m.question[0].name, n))
            seen[qid] = m
        check(seen[3000 + 8 * 7].flags & 0x0200 == 0, "pipelined big TXT: TC=1 over TCP")
        check(seen[3000 + 9 * 7].rcode() == 3, "pipelined nothere: not NXDOMAIN")
    finally:
        s.close()


def test_query_split_across_writes():
    port = shared_port()
    s = tcp_connect(port)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        for rnd, cuts in enumerate(([1], [1, 5, 13], [2, 20], list(range(1, 40, 3)))):
            wire = make_query("www.example.test", "A", qid=4000 + rnd)
            framed = _framed(wire)
            prev = 0
            for c in cuts + [len(framed)]:
                c = min(c, len(framed))
                if c > prev:
                    s.sendall(framed[prev:c])
                    time.sleep(0.03)
                prev = c
            raw = tcp_read_msg(s)
            what = "query split at %s" % cuts
            check(raw is not None and qid_of(raw) == 4000 + rnd, "%s: no answer" % what)
            _answer_ok(raw, "www.example.test", "A", ["192.0.2.1"], what)
        # two queries where the second's length prefix is split over writes
        w1 = _framed(make_query("www.example.test", "A", qid=4100))
        w2 = _framed(make_query("www.example.test", "AAAA", qid=4101))
        s.sendall(w1 + w2[:1])
        time.sleep(0.05)
        s.sendall(w2[1:])
        got = sorted(qid_of(r) for r in (tcp_read_msg(s), tcp_read_msg(s)) if r)
        check(got == [4100, 4101], "split between two queries: answers for ids %s" % got)
    finally:
        s.close()


def _wait_closed(s, limit):
    """Seconds until the peer closes, or None if it stays open up to limit."""
    t0 = time.monotonic()
    s.settimeout(0.1)
    for _ in range(int(limit / 0.1) + 10):
        if time.monotonic() - t0 > limit:
            return None
        try:
            data = s.recv(4096)
        except socket.timeout:
            continue
        except (ConnectionResetError, BrokenPipeError):
            return time.monotonic() - t0
        if not data:
            return time.monotonic() - t0
        fail("unexpected data on an idle connection: %r" % data)
    return None


def test_tcp_idle_timeout():
    with Server(server_opts={"tcp_idle_timeout": "1s"}) as srv:
        limit = 3.0 + 2.0 * SCALE
        # after an answer
        s = tcp_connect(srv.port)
        try:
            s.sendall(_framed(make_query("www.example.test", "A", qid=5000)))
            _answer_ok(tcp_read_msg(s), "www.example.test", "A", ["192.0.2.1"], "before idling")
            took = _wait_closed(s, limit)
            check(took is not None, "idle connection still open %.1f s after the last answer "
                  "(tcp_idle_timeout = 1s)" % limit)
            check(took >= 0.7, "idle connection closed after %.2f s, before tcp_idle_timeout = 1s" % took)
        finally:
            s.close()
        # a connection that never sends
        s = tcp_connect(srv.port)
        try:
            took = _wait_closed(s, limit)
            check(took is not None, "silent connection still open %.1f s after connect" % limit)
        finally:
            s.close()
        # activity resets the timer: queries every 0.5 s for 2 s keep it open
        s = tcp_connect(srv.port)
        try:
            for i in range(4):
                s.sendall(_framed(make_query("www.example.test", "A", qid=5100 + i)))
                raw = tcp_read_msg(s)
                check(raw is not None, "query %d at 0.5 s intervals: connection closed "
                      "although it was not idle for 1 s" % (i + 1))
                time.sleep(0.5)
        finally:
            s.close()
        alive(srv.port, "after idle timeouts")


def test_tcp_max_clients():
    with Server(server_opts={"tcp_max_clients": "4", "tcp_idle_timeout": "30s"}) as srv:
        conns = []
        try:
            for i in range(4):
                c = tcp_connect(srv.port)
                conns.append(c)
                c.sendall(_framed(make_query("www.example.test", "A", qid=6000 + i)))
                _answer_ok(tcp_read_msg(c), "www.example.test", "A", ["192.0.2.1"],
                           "TCP client %d of 4" % (i + 1))
            # the fifth: refused, closed, or at least never answered
            answered = False
            try:
                c5 = tcp_connect(srv.port)
                conns.append(c5)
                try:
                    c5.sendall(_framed(make_query("www.example.test", "A", qid=6100)))
                    raw = tcp_read_msg(c5, timeout=1.5 * SCALE)
                    answered = raw is not None
                except (ConnectionResetError, BrokenPipeError):
                    pass
            except (ConnectionRefusedError, ConnectionResetError, socket.timeout):
                pass
            check(not answered, "fifth TCP connection answered with tcp_max_clients = 4")
            # the first four still work
            for i, c in enumerate(conns[:4]):
                c.sendall(_framed(make_query("www.example.test", "AAAA", qid=6200 + i)))
                _answer_ok(tcp_read_msg(c), "www.example.test", "AAAA", ["2001:db8::1"],
                           "TCP client %d of 4 after the fifth was turned away" % (i + 1))
            # after one closes, a new client is served again (bounded retries)
            conns[0].close()
            if len(conns) > 4:
                conns[4].close()
            ok = False
            for attempt in range(10):
                time.sleep(0.2 * SCALE)
                try:
                    c = tcp_connect(srv.port)
                except OSError:
                    continue
                conns.append(c)
                try:
                    c.sendall(_framed(make_query("www.example.test", "A", qid=6300 + attempt)))
                    if tcp_read_msg(c, timeout=1.0 * SCALE) is not None:
                        ok = True
                        break
                except OSError:
                    pass
                c.close()
            check(ok, "no new TCP client served after one of the four closed")
        finally:
            for c in conns:
                c.close()
        alive(srv.port, "after tcp_max_clients")


def test_tcp_client_closes_early():
    # half a message then close, a length with no body, RST: the server goes on
    port = shared_port()
    wire = _framed(make_query("www.example.test", "A"))
    for cut in (1, 2, 7, len(wire) - 1):
        s = tcp_connect(port)
        s.sendall(wire[:cut])
        s.close()
    s = tcp_connect(port)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.sendall(wire[:5])
    s.close()  # RST
    # a client that sends a query and closes before reading the answer
    for _ in range(5):
        s = tcp_connect(port)
        s.sendall(_framed(make_query("big.example.test", "TXT")))
        s.close()
    time.sleep(0.2)
    alive(port, "after TCP clients closing early")
    resp_raw = None
    s = tcp_connect(port)
    try:
        s.sendall(wire)
        resp_raw = tcp_read_msg(s)
    finally:
        s.close()
    check(resp_raw is not None, "TCP query after early closes: no answer")
