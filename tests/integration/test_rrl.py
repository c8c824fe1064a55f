"""Response rate limiting (SPEC 2 `rrl`, `rrl_slip`) and its counters, the
reflection guard (no answer to the ports of services that answer anything),
and TCP limits."""

import socket
import struct
import time

from harness import (SCALE, Server, alive, check, free_tcp_port, make_query,
                     parse, prom_value, scrape, tcp_connect, tcp_exchange)

ZONE = {"example.test": "example.test.zone"}


def _flood(port, src, n, name="www.example.test"):
    """Send n queries from one socket bound to src (one source port, so one
    worker), then collect answers for a while. Returns (answered, slipped)
    where slipped counts TC=1 answers without records."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    # Room for every answer: the test compares what arrived with the
    # server's counters, so the client must not drop any.
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
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


def _ctl_server(opts):
    cport = free_tcp_port(["127.0.0.1"])
    opts = dict(opts, control="127.0.0.1:%d" % cport)
    return Server(zones=ZONE, server_opts=opts), cport


def _counters(cport):
    m = scrape(cport)
    return (prom_value(m, "dnsd_responses_total", rcode="NOERROR"),
            prom_value(m, "dnsd_responses_truncated_total"),
            prom_value(m, "dnsd_rrl_limited_total"))


def test_rrl_counters_match_what_the_client_received():
    # Issue 10: responses dropped by RRL are not sent, so they are not
    # counted as responses; slipped ones leave with TC=1 and count as
    # truncated. The counters must match what arrived.
    srv, cport = _ctl_server({"rrl": "20", "rrl_slip": "2"})
    with srv:
        r0, t0, l0 = _counters(cport)
        answered, slipped = _flood(srv.port, "127.0.0.5", 300)
        r1, t1, l1 = _counters(cport)
        check(slipped > 0 and answered < 300,
              "rrl=20: %d answered, %d slipped of 300: RRL did not act" % (answered, slipped))
        check(r1 - r0 == answered + slipped,
              "dnsd_responses_total{NOERROR} rose by %d; the client received %d "
              "(%d full, %d slipped)" % (r1 - r0, answered + slipped, answered, slipped))
        check(t1 - t0 == slipped,
              "dnsd_responses_truncated_total rose by %d; the client received %d TC=1 answers"
              % (t1 - t0, slipped))
        check(l1 - l0 == 300 - answered,
              "dnsd_rrl_limited_total rose by %d; %d of 300 were limited" % (l1 - l0, 300 - answered))


# Services that answer any datagram, and port 0 (issue 10; never 53).
REFLECTORS = (7, 9, 13, 17, 19, 37, 123, 1900, 11211)


def _udp_on(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        s.close()
        return None
    return s


def _chargen_exchange(s, dnsd_port):
    """Play chargen on s: send one query to dnsd from it, then answer every
    datagram that comes back with 64 characters, as chargen (RFC 864)
    does, for 1.5 s or 200 datagrams. Returns how many arrived."""
    s.sendto(make_query("www.example.test", "A", qid=0x1919), ("127.0.0.1", dnsd_port))
    got = 0
    deadline = time.monotonic() + 1.5 * SCALE
    for _ in range(200):
        left = deadline - time.monotonic()
        if left <= 0:
            break
        s.settimeout(left)
        try:
            _, peer = s.recvfrom(4096)
        except socket.timeout:
            break
        got += 1
        s.sendto(bytes(range(32, 96)), peer)
    return got


def _udp_from_port_0(dnsd_port):
    """A query whose UDP source port is 0, through a raw socket (root):
    False when raw sockets are not allowed here."""
    try:
        r = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)
    except OSError:
        return False
    try:
        q = make_query("www.example.test", "A", qid=0x0000)
        # source port 0, checksum 0 (none, RFC 768)
        r.sendto(struct.pack("!HHHH", 0, dnsd_port, 8 + len(q), 0) + q, ("127.0.0.1", 0))
    finally:
        r.close()
    return True


def test_no_answer_to_reflecting_service_ports():
    srv, cport = _ctl_server({})
    with srv:
        chargen = _udp_on(19)
        if chargen is None:
            print("     (cannot bind UDP 127.0.0.1:19 (not root, or in use): "
                  "reflection test skipped)")
            return
        try:
            got = _chargen_exchange(chargen, srv.port)
        finally:
            chargen.close()
        check(got == 0, "a query from chargen's port 19 was answered: %d datagrams "
              "came back to the chargen socket (a reflection loop)" % got)
        sent, skipped = 1, []
        for port in REFLECTORS:
            if port == 19:
                continue
            s = _udp_on(port)
            if s is None:
                skipped.append(port)
                continue
            try:
                s.settimeout(0.3 * SCALE)
                s.sendto(make_query("www.example.test", "A"), ("127.0.0.1", srv.port))
                sent += 1
                try:
                    s.recvfrom(4096)
                    check(False, "a query from source port %d was answered" % port)
                except socket.timeout:
                    pass
            finally:
                s.close()
        if _udp_from_port_0(srv.port):
            sent += 1
        else:
            skipped.append(0)
        if skipped:
            print("     (ports %s not bindable here: not tested)" % skipped)
        # Port 53 is a server's own port: its queries are answered.
        s = _udp_on(53)
        if s is not None:
            try:
                s.settimeout(2.0 * SCALE)
                s.sendto(make_query("www.example.test", "A"), ("127.0.0.1", srv.port))
                check(len(s.recvfrom(4096)[0]) > 12, "no answer to source port 53")
            finally:
                s.close()
        m = scrape(cport)
        n = prom_value(m, "dnsd_queries_reflection_dropped_total")
        check(n == sent, "dnsd_queries_reflection_dropped_total is %d, %d were sent" % (n, sent))
        alive(srv.port, "after reflection attempts")


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
