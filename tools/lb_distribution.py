#!/usr/bin/python3
"""Ask a load-balanced name N times and compare the addresses' shares with
the expected ones: tools/lb_distribution.py -p 5353 -n 10000 NAME ADDR=W ...

Queries are sent over UDP to 127.0.0.1, a bounded number (N), one at a
time with a 2 s timeout each. Prints counts, observed and expected shares,
and the chi-square statistic (with its 0.999 critical value)."""

import argparse
import socket
import sys

import dns.message
import dns.rdatatype

CHI2_999 = {1: 10.83, 2: 13.82, 3: 16.27, 4: 18.47, 5: 20.52, 6: 22.46,
            7: 24.32, 8: 26.12, 9: 27.88}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-s", "--server", default="127.0.0.1")
    ap.add_argument("-p", "--port", type=int, default=5353)
    ap.add_argument("-n", "--count", type=int, default=10000)
    ap.add_argument("-t", "--type", default="A")
    ap.add_argument("name")
    ap.add_argument("weights", nargs="+", help="ADDRESS=WEIGHT")
    a = ap.parse_args()
    weights = dict((w.split("=")[0], float(w.split("=")[1]))
                   for w in a.weights)
    total_w = sum(weights.values())
    counts = dict((k, 0) for k in weights)
    other = lost = 0
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2.0)
    for i in range(min(a.count, 1000000)):
        q = dns.message.make_query(a.name, dns.rdatatype.from_text(a.type))
        s.sendto(q.to_wire(), (a.server, a.port))
        try:
            r = dns.message.from_wire(s.recv(4096))
        except socket.timeout:
            lost += 1
            continue
        for rrset in r.answer:
            for rd in rrset:
                addr = rd.to_text()
                if addr in counts:
                    counts[addr] += 1
                else:
                    other += 1
    n = sum(counts.values())
    chi = 0.0
    print("%-20s %8s %9s %9s" % ("address", "answers", "observed", "expected"))
    for k, c in counts.items():
        exp = weights[k] / total_w
        chi += (c - n * exp) ** 2 / (n * exp) if n else 0
        print("%-20s %8d %8.2f%% %8.2f%%" % (k, c, 100.0 * c / max(n, 1),
                                          100.0 * exp))
    df = len(counts) - 1
    crit = CHI2_999.get(df)
    print("answers %d, other addresses %d, lost %d; chi-square %.2f "
          "(df %d, 0.999 critical value %s)" % (n, other, lost, chi, df, crit))
    return 0 if lost == 0 and other == 0 and (crit is None or chi < crit) \
        else 1


if __name__ == "__main__":
    sys.exit(main())
