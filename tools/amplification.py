#!/usr/bin/python3
"""amplification.py - how much a spoofed query is worth to an attacker.

Serves a zone whose apex holds what real apexes hold (SPF, a DKIM-sized key,
verification tokens: ~3.9 KB of TXT) and a name whose TXT just fits 1232
bytes, then sends the worst small queries
(apex TXT and ANY, EDNS advertising 4096) from one source at a fixed rate,
and counts bytes received over bytes sent, under each configuration an
operator might pick: udp_payload 4096 or the default 1232, rrl off or on.
The README's deployment guide quotes its table.

  tools/amplification.py [--dnsd build/dnsd] [--queries N] [--rate QPS]
"""
import argparse
import os
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
import harness  # noqa: E402

APEX = """$ORIGIN amp.test.
$TTL 3600
@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300
@ IN NS ns1
@ IN NS ns2
ns1 IN A 127.0.0.1
ns2 IN A 127.0.0.1
@ IN MX 10 mail
mail IN A 127.0.0.1
@ IN TXT "v=spf1 ip4:192.0.2.0/24 ip4:198.51.100.0/24 include:_spf.example.net -all"
"""


def zone():
    z = [APEX]
    # Verification tokens and a 2048-bit DKIM-sized key at the apex, as
    # domains that use a few SaaS products carry them.
    for i in range(10):
        z.append('@ IN TXT "site-verification-%02d=%s"\n' % (i, "x" * 64))
    key = "k" * 230
    for i in range(7):
        z.append('@ IN TXT "v=DKIM1; k=rsa; p=%d%s" "%s"\n' % (i, key, key[:140]))
    # A name whose TXT just fits the default 1232-byte payload: the best an
    # attacker finds when the apex no longer fits.
    for i in range(3):
        z.append('mid IN TXT "%d%s" "%s"\n' % (i, "m" * 200, "n" * 150))
    return "".join(z)


def measure(port, wire, n, rate):
    """Send n copies of wire at `rate` qps from one socket; return (bytes
    sent, bytes received, responses, truncated)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.setblocking(False)
    got = resp = tc = 0
    t0 = time.monotonic()
    for i in range(n):
        s.sendto(wire, ("127.0.0.1", port))
        due = t0 + (i + 1) / rate
        while True:
            try:
                r = s.recv(65535)
                got += len(r)
                resp += 1
                tc += (r[2] & 0x02) != 0
            except BlockingIOError:
                if time.monotonic() >= due:
                    break
                time.sleep(min(0.0005, max(0.0, due - time.monotonic())))
    end = time.monotonic() + 0.5
    while time.monotonic() < end:
        try:
            r = s.recv(65535)
            got += len(r)
            resp += 1
            tc += (r[2] & 0x02) != 0
        except BlockingIOError:
            time.sleep(0.01)
    s.close()
    return n * len(wire), got, resp, tc


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dnsd", default="build/dnsd")
    ap.add_argument("--queries", type=int, default=2000)
    ap.add_argument("--rate", type=float, default=1000.0)
    a = ap.parse_args()
    harness.DNSD = os.path.abspath(a.dnsd)
    configs = [("4096", "off"), ("1232", "off"), ("4096", "20"), ("1232", "20")]
    print("| udp_payload | rrl | query | query B | response B | amplification | "
          "responses | TC=1 |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for payload, rrl in configs:
        opts = {"udp_payload": payload, "threads": "1"}
        if rrl != "off":
            opts["rrl"] = rrl
        srv = harness.Server(zones={"amp.test": zone()}, server_opts=opts,
                             name="dnsd (amplification)")
        srv.start()
        try:
            for qname, qtype in (("amp.test", "TXT"), ("mid.amp.test", "TXT"),
                                 ("amp.test", "ANY")):
                wire = harness.make_query(qname, qtype, edns=4096, rd=False)
                sent, got, resp, tc = measure(srv.port, wire, a.queries, a.rate)
                print("| %s | %s | %s %s | %d | %.0f | %.1fx | %d of %d | %d |" % (
                    payload, rrl, qname, qtype, len(wire), got / max(resp, 1), got / sent,
                    resp, a.queries, tc))
        finally:
            srv.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
