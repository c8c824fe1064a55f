#!/usr/bin/python3
"""reload_memory.py - does dnsd give memory back after large reloads?

    tests/soak/reload_memory.py [--reloads 100] [--members 10000]
                                [--dnsd build/dnsd] [--mem-slack 10]

Serves one zone and one weighted record, then reloads it `reloads` times,
alternating between `members` members (10 per cluster, an http check each
against a closed port, so every check ends at once) and 2. Each reload
is awaited in the log, and every one is checked to serve its generation.
RSS (VmRSS) is read after the first pair of reloads (baseline: the
allocator has seen one large snapshot) and after the last, small, one.
Target: end RSS < baseline + mem-slack MiB (before malloc_trim in the
reload path, 100 reloads of 10,000/2 members left 145 MB from 14 MB).
Prints one "reload-memory: ... PASS|FAIL" line; exits 0, 1, or 2 when it
cannot start. Part of `make soak` and, with 100 reloads, of `make test`.
"""
import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "integration"))
import harness  # noqa: E402  (ports and queries as the integration tests)
from soakutil import atomic_write, rss_kib, stop  # noqa: E402

ZONE = """$ORIGIN mem.test.
$TTL 300
@ IN SOA ns1 hostmaster {serial} 7200 900 1209600 60
@ IN NS ns1
ns1 IN A 192.0.2.53
gen IN TXT "g{serial}"
"""
LOG_RELOAD_OK = "config: reloaded:"


def ini(port, closed_port, members):
    """`members` members in clusters of 100 (member lines repeat), and one
    weighted record per 10 clusters (INI lines are bounded in length)."""
    out = ["[server]", "listen = 127.0.0.1:%d" % port, "threads = 2", "",
           "[zone mem.test]", "file = mem.test.zone", "",
           # Probed as in production (an http check per member, as the
           # probe thread's state is most of a member's memory), against a
           # port nothing listens on, so each check ends at once, refused.
           "[check closed]", "type = http", "port = %d" % closed_port,
           "interval = 60s", "timeout = 1s", ""]
    clusters = []
    for first in range(0, members, 100):
        name = "c%d" % len(clusters)
        clusters.append(name)
        out += ["[cluster %s]" % name, "check = closed"]
        for i in range(first + 1, min(first + 100, members) + 1):
            out.append("member = 127.%d.%d.%d" % (100 + (i >> 16 & 63), i >> 8 & 255,
                                                  i & 255))
        out.append("")
    for r in range(0, len(clusters), 10):
        out += ["[record lb%d.mem.test]" % r, "policy = weighted",
                "clusters = %s" % ", ".join(clusters[r:r + 10]), ""]
    return "\n".join(out)


def gen_served(port, serial):
    try:
        r, _raw, _q = harness.query(port, "gen.mem.test", "TXT")
    except harness.TestFailure:
        return False  # not answering yet
    return harness.rrset_values(r, "answer", "gen.mem.test", "TXT") == ['"g%d"' % serial]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reloads", type=int, default=100)
    ap.add_argument("--members", type=int, default=10000)
    ap.add_argument("--dnsd", default=os.path.join(harness.ROOT, "build", "dnsd"))
    ap.add_argument("--mem-slack", type=float, default=10.0)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("-v", "--verbose", action="store_true", help="RSS after each reload")
    a = ap.parse_args()
    dnsd = os.path.abspath(a.dnsd)
    if not os.access(dnsd, os.X_OK):
        print("reload-memory: %s not found (make first)" % dnsd)
        return 2
    work = tempfile.mkdtemp(prefix="dnsd-relmem-")
    port = harness.free_port()
    closed = harness.free_tcp_port(["127.0.0.1"])
    ini_path = os.path.join(work, "dnsd.ini")
    zone_path = os.path.join(work, "mem.test.zone")
    log_path = os.path.join(work, "dnsd.log")
    atomic_write(zone_path, ZONE.format(serial=1))
    atomic_write(ini_path, ini(port, closed, 2))
    log_f = open(log_path, "ab")
    proc = subprocess.Popen([dnsd, "-c", ini_path], stdin=subprocess.DEVNULL,
                            stdout=log_f, stderr=log_f, cwd=work)
    rc, baseline, end, worst = 2, None, None, 0
    t0 = time.monotonic()
    try:
        deadline = time.monotonic() + 15.0 * a.scale
        while not gen_served(port, 1):
            if proc.poll() is not None or time.monotonic() > deadline:
                print("reload-memory: dnsd did not start; log in %s" % log_path)
                return 2
            time.sleep(0.1)
        for n in range(1, a.reloads + 1):
            members = a.members if n % 2 else 2
            serial = n + 1
            atomic_write(zone_path, ZONE.format(serial=serial))
            atomic_write(ini_path, ini(port, closed, members))
            with open(log_path, errors="replace") as f:
                before = f.read().count(LOG_RELOAD_OK)
            proc.send_signal(signal.SIGHUP)
            deadline = time.monotonic() + 30.0 * a.scale
            while True:
                with open(log_path, errors="replace") as f:
                    text = f.read()
                if text.count(LOG_RELOAD_OK) > before:
                    break
                if "reload failed" in text:
                    print("reload-memory: reload %d rejected FAIL" % n)
                    return 1
                if proc.poll() is not None or time.monotonic() > deadline:
                    print("reload-memory: reload %d not applied within %.0f s "
                          "FAIL" % (n, 30.0 * a.scale))
                    return 1
                time.sleep(0.02)
            if not gen_served(port, serial):
                print("reload-memory: reload %d (serial %d) not served FAIL" % (n, serial))
                return 1
            rss = rss_kib(proc.pid)
            worst = max(worst, rss)
            if a.verbose:
                print("reload %d (%d members): RSS %.1f MiB" % (n, members, rss / 1024.0))
            if n == 2:
                baseline = rss
            end = rss
        grew = (end - baseline) / 1024.0
        ok = a.mem_slack < 0 or grew < a.mem_slack
        print("reload-memory: %d reloads alternating %d and 2 members in %.1f s: "
              "RSS baseline %.1f MiB, peak %.1f MiB, end %.1f MiB (%+.1f MiB, "
              "limit %+.0f) %s" % (a.reloads, a.members, time.monotonic() - t0,
                                    baseline / 1024.0, worst / 1024.0, end / 1024.0,
                                    grew, a.mem_slack, "PASS" if ok else "FAIL"))
        rc = 0 if ok else 1
        return rc
    finally:
        stop(proc, 10.0 * a.scale)
        log_f.close()
        if rc == 0:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print("reload-memory: files and log kept in %s" % work)


if __name__ == "__main__":
    sys.exit(main())
