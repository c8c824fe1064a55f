"""Response rate limiting (SPEC 2 `rrl`, `rrl_slip`) and TCP limits."""

import socket
import struct
import time

from harness import (SCALE, Server, alive, check, make_query, parse,
                     tcp_connect, tcp_exchange)

ZONE = {"example.test": "example.test.zone"}


def _flood(port, src, n, name="www.example.test"):
    """Send n queries from one socket bound to src (one source port, so one
    worker), then collect answers for a while. Returns (answered, slipped)
    where slipped counts TC=1 answers without records."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, 0))
    try:
        for i in range(n):
            s.sendto(make_query(name, "A", qid=i), ("127.0.0.1", port))
        answered = slipped = 0
        deadline = time.monotonic() + 1.5 * SCALE
        for _ in range(n + 10):
            left = deadline - time.monotonic()
            if left <= 0:
                break
            s.settimeout(left)
            try:
                data, _ = s.recvfrom(4096)
            except socket.timeout:
                break
            flags, ancount = struct.unpack("!H2xH", data[2:8])
            if flags & 0x0200 and ancount == 0:
                slipped += 1
            else:
                answered += 1
        return answered, slipped
    finally:
        s.close()


def test_rrl_limits_one_network_and_slips():
    with Server(zones=ZONE, server_opts={"rrl": "20", "rrl_slip": "2"}) as srv:
        answered, slipped = _flood(srv.port, "127.0.0.1", 300)
        # 300 queries in far less than a second: about 20 (one second of
        # burst) plus what refills while they arrive; every 2nd limited one
        # slips.
        check(answered <= 20 + 20 * 2 * SCALE,
              "rrl=20: %d full answers to a 300-query flood" % answered)
        check(answered >= 15, "rrl=20: only %d answers" % answered)
        limited = 300 - answered
        check(abs(slipped - limited / 2) <= limited * 0.1 + 2,
              "slip=2: %d TC answers for %d limited" % (slipped, limited))
        # Another network (127.0.1.0/24) is not affected by the flood.
        answered2, _ = _flood(srv.port, "127.0.1.1", 10)
        check(answered2 == 10, "other network: %d of 10" % answered2)
        # TCP is never limited.
        for i in range(30):
            r = parse(tcp_exchange(make_query("www.example.test"), srv.port),
                      "tcp")
            check(len(r.answer) == 1, "tcp query %d limited" % i)


def test_rrl_slip_zero_drops_all():
    with Server(zones=ZONE, server_opts={"rrl": "5", "rrl_slip": "0"}) as srv:
        answered, slipped = _flood(srv.port, "127.0.0.3", 100)
        check(slipped == 0, "slip=0 sent %d TC answers" % slipped)
        check(answered <= 5 + 10 * SCALE, "rrl=5: %d answers" % answered)
        time.sleep(1.1)  # the bucket refills: the client is served again
        again, _ = _flood(srv.port, "127.0.0.3", 3)
        check(again == 3, "after a second: %d of 3" % again)


def test_rrl_off_by_default():
    with Server(zones=ZONE) as srv:
        answered, slipped = _flood(srv.port, "127.0.0.4", 200)
        check(answered == 200 and slipped == 0,
              "rrl off: %d answered, %d slipped of 200" % (answered, slipped))


def test_tcp_slow_client_closed():
    """A client trickling a query one byte at a time gets no more than the
    idle timeout to finish it (slowloris)."""
    with Server(zones=ZONE, server_opts={"tcp_idle_timeout": "1s"}) as srv:
        s = tcp_connect(srv.port)
        wire = make_query("www.example.test")
        msg = struct.pack("!H", len(wire)) + wire
        closed_at = None
        start = time.monotonic()
        try:
            for i in range(len(msg) - 1):
                s.sendall(msg[i:i + 1])
                time.sleep(0.2)
                s.setblocking(False)
                try:
                    if s.recv(1) == b"":
                        closed_at = time.monotonic() - start
                        break
                except BlockingIOError:
                    pass
                except OSError:
                    closed_at = time.monotonic() - start
                    break
                finally:
                    s.setblocking(True)
        finally:
            s.close()
        check(closed_at is not None,
              "a 1-byte-per-200ms client was never closed")
        check(closed_at <= 1.0 + 1.5 * SCALE,
              "slow client closed only after %.1f s" % closed_at)
        alive(srv.port)
