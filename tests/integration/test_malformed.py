"""Malformed and unusual packets (SPEC section 3): short packets dropped,
QR=1 never answered, other opcodes NOTIMP, QDCOUNT != 1 and any other
malformation FORMERR; the server survives all of it."""

import random
import socket
import struct
import time

from harness import (SCALE, alive, check, make_query, shared_port, tcp_connect,
                     tcp_read_msg, udp_exchange)

NOERROR, FORMERR, NXDOMAIN, NOTIMP, REFUSED = 0, 1, 3, 4, 5


def _header(qid=0x1234, flags=0x0100, qd=1, an=0, ns=0, ar=0):
    return struct.pack("!6H", qid, flags, qd, an, ns, ar)


QNAME = b"\x03www\x07example\x04test\x00"
QUESTION = QNAME + b"\x00\x01\x00\x01"


def _cases():
    """(description, packet, expected rcode or None for no answer)."""
    good = make_query("www.example.test", "A", qid=0x2222)
    # a label, then a pointer back to the start of this same name: a loop
    loop_rr = b"\x01a\xc0\x22" + struct.pack("!HHIH", 1, 1, 60, 4) + b"\x01\x02\x03\x04"
    # offset of the additional record's name: 12 + len(QUESTION) = 12 + 22 = 34 = 0x22
    self_ptr = b"\xc0\x22" + struct.pack("!HHIH", 1, 1, 60, 4) + b"\x01\x02\x03\x04"
    return [
        ("empty packet", b"", None),
        ("5-byte packet", b"\x12\x34\x01\x00\x00", None),
        ("11-byte packet", _header()[:11], None),
        ("QR=1 response", _header(flags=0x8100) + QUESTION, None),
        ("QR=1 with bad question", _header(flags=0x8000, qd=2), None),
        ("opcode 1 IQUERY", _header(flags=0x0800) + QUESTION, NOTIMP),
        ("opcode 2 STATUS", _header(flags=0x1000) + QUESTION, NOTIMP),
        ("opcode 4 NOTIFY", _header(flags=0x2000) + QUESTION, NOTIMP),
        ("opcode 5 UPDATE", _header(flags=0x2800) + QUESTION, NOTIMP),
        ("opcode 15", _header(flags=0x7800) + QUESTION, NOTIMP),
        ("QDCOUNT=0", _header(qd=0), FORMERR),
        ("QDCOUNT=2", _header(qd=2) + QUESTION + QUESTION, FORMERR),
        ("QDCOUNT=2 but one question", _header(qd=2) + QUESTION, FORMERR),
        ("truncated question name", _header() + QNAME[:7], FORMERR),
        ("question without type/class", _header() + QNAME, FORMERR),
        ("question with half a type", _header() + QNAME + b"\x00", FORMERR),
        ("label longer than 63", _header() + b"\x40" + b"a" * 64 + b"\x00\x00\x01\x00\x01", FORMERR),
        ("name longer than 255", _header() + b"\x3f" + b"a" * 63 + (b"\x3f" + b"b" * 63) * 4
         + b"\x00\x00\x01\x00\x01", FORMERR),
        ("pointer in the question to itself", _header() + b"\xc0\x0c\x00\x01\x00\x01", FORMERR),
        ("pointer past the end", _header() + b"\xc0\xff\x00\x01\x00\x01", FORMERR),
        ("reserved label type 0x40", _header() + b"\x41a\x00\x00\x01\x00\x01", FORMERR),
        ("compression loop in additional", _header(ar=1) + QUESTION + self_ptr, FORMERR),
        ("compression loop through a label", _header(ar=1) + QUESTION + loop_rr, FORMERR),
        ("ARCOUNT=1 without a record", _header(ar=1) + QUESTION, FORMERR),
        ("ANCOUNT=1 without a record", _header(an=1) + QUESTION, FORMERR),
        ("trailing garbage", good + b"\x00\x01\x02", FORMERR),
        ("one trailing zero", good + b"\x00", FORMERR),
        ("OPT with rdlen past the end", _header(ar=1) + QUESTION
         + b"\x00" + struct.pack("!HHIH", 41, 1232, 0, 40) + b"\x00\x0a", FORMERR),
    ]


def _rcode(raw):
    return (raw[3] & 0x0F) if raw and len(raw) >= 4 else None


def _run_case_udp(port, desc, pkt, want):
    wait = 0.4 * SCALE if want is None else 2.0 * SCALE
    raw = udp_exchange(pkt, port, timeout=wait, expect_reply=want is not None)
    what = "UDP %s (sent %s)" % (desc, pkt.hex() or "nothing")
    if want is None:
        check(raw is None, "%s: expected no answer, got %s" % (what, raw and raw.hex()))
        return
    check(raw is not None, "%s: no answer, expected rcode %d" % (what, want))
    check(len(raw) >= 12, "%s: answer shorter than a header: %s" % (what, raw.hex()))
    check(raw[:2] == pkt[:2], "%s: id %s not echoed: %s" % (what, pkt[:2].hex(), raw.hex()))
    check(raw[2] & 0x80, "%s: QR=0 in the answer: %s" % (what, raw.hex()))
    check(_rcode(raw) == want, "%s: rcode %d, expected %d: %s" % (what, _rcode(raw), want, raw.hex()))
    opcode = (pkt[2] >> 3) & 0x0F
    check((raw[2] >> 3) & 0x0F == opcode,
          "%s: opcode %d in the answer, expected the query's %d" % (what, (raw[2] >> 3) & 0x0F, opcode))


def test_bad_packets_udp():
    port = shared_port()
    errors = []
    for desc, pkt, want in _cases():
        try:
            _run_case_udp(port, desc, pkt, want)
        except AssertionError as e:
            errors.append(str(e))
    alive(port, "after malformed UDP packets")
    check(not errors, "%d of %d cases wrong:\n%s" % (len(errors), len(_cases()), "\n".join(errors)))


def test_random_junk_udp():
    port = shared_port()
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setblocking(False)
    try:
        base = make_query("www.example.test", "A", edns=1232)
        for batch in range(6):
            for i in range(120):
                kind = rng.randrange(3)
                if kind == 0:  # pure junk of any size
                    n = rng.choice([rng.randrange(0, 40), rng.randrange(0, 600), rng.randrange(0, 4200)])
                    pkt = bytes(rng.getrandbits(8) for _ in range(n))
                elif kind == 1:  # a valid query with bytes flipped
                    b = bytearray(base)
                    for _ in range(rng.randrange(1, 6)):
                        b[rng.randrange(len(b))] = rng.getrandbits(8)
                    pkt = bytes(b)
                else:  # a header that looks like a query, random tail
                    pkt = _header(rng.getrandbits(16), 0x0100, rng.randrange(3), rng.randrange(3),
                                  rng.randrange(3), rng.randrange(3)) \
                        + bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 80)))
                try:
                    s.sendto(pkt, ("127.0.0.1", port))
                except BlockingIOError:
                    time.sleep(0.01)
                if i % 20 == 0:
                    time.sleep(0.005)
                # drain whatever came back, it does not matter
                for _ in range(50):
                    try:
                        s.recvfrom(65535)
                    except BlockingIOError:
                        break
            alive(port, "after random junk batch %d (seed %d)" % (batch + 1, seed))
    finally:
        s.close()


def test_bad_packets_tcp():
    port = shared_port()
    errors = []
    cases = {d: (p, w) for d, p, w in _cases()}
    for desc in ("opcode 2 STATUS", "QDCOUNT=2", "truncated question name",
                 "compression loop in additional", "trailing garbage", "QR=1 response"):
        pkt, want = cases[desc]
        what = "TCP %s (sent %s)" % (desc, pkt.hex())
        s = tcp_connect(port)
        try:
            s.sendall(struct.pack("!H", len(pkt)) + pkt)
            raw = tcp_read_msg(s, timeout=(0.5 if want is None else 2.0) * SCALE)
            if want is None:
                if raw is not None:
                    errors.append("%s: expected no answer, got %s" % (what, raw.hex()))
            elif raw is None:
                errors.append("%s: no answer, expected rcode %d" % (what, want))
            elif raw[:2] != pkt[:2] or _rcode(raw) != want or not raw[2] & 0x80:
                errors.append("%s: got %s, expected id %s rcode %d" % (what, raw.hex(), pkt[:2].hex(), want))
        finally:
            s.close()
    # a 5-byte message and a zero-length message: no answer; server goes on
    for pkt in (b"\x12\x34\x01\x00\x00", b""):
        s = tcp_connect(port)
        try:
            s.sendall(struct.pack("!H", len(pkt)) + pkt)
            raw = tcp_read_msg(s, timeout=0.5 * SCALE)
            if raw is not None:
                errors.append("TCP %d-byte message: answered %s" % (len(pkt), raw.hex()))
        finally:
            s.close()
    alive(port, "after malformed TCP messages")
    # a well-formed query still works on TCP
    s = tcp_connect(port)
    try:
        q = make_query("www.example.test", "A", qid=0x5151)
        s.sendall(struct.pack("!H", len(q)) + q)
        raw = tcp_read_msg(s)
        check(raw is not None and raw[:2] == q[:2], "TCP query after malformed ones: no answer")
    finally:
        s.close()
    check(not errors, "%d TCP cases wrong:\n%s" % (len(errors), "\n".join(errors)))


def test_formerr_keeps_tcp_connection_usable_or_closes():
    # After FORMERR on a TCP connection the server may close it, but if it
    # keeps it open, the next query there must be answered.
    port = shared_port()
    s = tcp_connect(port)
    try:
        bad = _header(qid=0x7777, qd=2) + QUESTION + QUESTION
        s.sendall(struct.pack("!H", len(bad)) + bad)
        raw = tcp_read_msg(s)
        check(raw is not None and _rcode(raw) == FORMERR, "QDCOUNT=2 over TCP: %r" % raw)
        q = make_query("www.example.test", "A", qid=0x7778)
        try:
            s.sendall(struct.pack("!H", len(q)) + q)
            raw = tcp_read_msg(s, timeout=1.0 * SCALE)
        except (BrokenPipeError, ConnectionResetError):
            raw = None
        if raw is not None:
            check(raw[:2] == q[:2] and _rcode(raw) == NOERROR,
                  "query after FORMERR on the same connection: %s" % raw.hex())
    finally:
        s.close()
