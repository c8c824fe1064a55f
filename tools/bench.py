#!/usr/bin/python3
"""bench.py - `make bench`: dnsd against gdnsd, Knot DNS, NSD and PowerDNS
(LUA records) on this machine's loopback, with the same zone and the same
load-balanced names, plus a trivial UDP reflector as the kernel's floor.

For each mode (server pinned to CPU 0 and load to CPU 1 with one server
thread; or both unpinned with two server threads), each server and each
query set it prints: qps under dnsperf, server CPU seconds (utime + stime of
every thread and child, from /proc), queries per server CPU-second,
instructions per query (perf when the CPU has a PMU; else user-space
instructions from callgrind, deterministic, measured once), kernel and user
CPU microseconds per query, latency p50/p99 at 5,000 qps (build/qpace),
RSS after load and cold start (exec to first answer, polled every 1 ms).
Repeats give medians; ratios dnsd/peer and the targets of issue 6 close the
report. Results: build/bench/results.md and results.json.

DNSSEC's cost (issue 13): the sets "static-do" and "weighted-do" are the
same queries as "static" and "weighted" with the DO bit (dnsperf -D, qpace
-D). When one of them is asked for, the servers that sign are set up
signed for the whole run, DO=0 sets included, so that each server's ratio
DO=1/DO=0 compares answers from the same process: dnsd with an ECDSA P-256
CSK (ldns-keygen, `key =`), Knot with automatic signing (`dnssec-signing:
on`, its default policy: ECDSA P-256 KSK + ZSK, signed once at load) and
PowerDNS with `pdnsutil secure-zone` on its bind backend's DNSSEC database
(LUA answers signed online, cached in its signature cache). gdnsd and NSD
do not sign and skip the DO sets. The report gives CPU us/query DO=0 and
DO=1 and the ratio, per server, against the target of at most 1.5x for
dnsd (its signature cache), and callgrind's instructions per query.

dnstap's cost (issue 14): "dnsd-tap" is dnsd with `dnstap = file:PATH`
(every query and response written to a file in the work dir), run on the
static set beside plain dnsd; the report compares CPU per query (from
/proc, all threads: fstrm's I/O thread included) and callgrind's user
instructions per query, against the target of at most +25 % CPU.

Environment: BENCH_TIME (seconds per dnsperf run, default 4),
BENCH_REPEATS (3), BENCH_LAT_TIME (seconds per latency run, 2),
BENCH_SERVERS (dnsd,dnsd-tap,gdnsd,knot,nsd,pdns), BENCH_SETS
(static,weighted,static-do,weighted-do,geo,mix), BENCH_MODES (pinned,unpinned),
BENCH_CALLGRIND (1), BENCH_PROFILE (1), BENCH_PORT_BASE (5310),
BENCH_HC_PORT (8080), BUILD (build), BENCH_KEEP (1 keeps the temp dir).
"""

import glob
import json
import os
import re
import shutil
import signal
import statistics
import string
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, os.environ.get("BUILD", "build"))
TPL = os.path.join(ROOT, "tools", "bench")


def env_num(name, default, kind=float):
    try:
        return kind(os.environ.get(name, default))
    except ValueError:
        sys.exit("bench: %s must be a number" % name)


BENCH_TIME = env_num("BENCH_TIME", 4)
REPEATS = max(1, env_num("BENCH_REPEATS", 3, int))
LAT_TIME = env_num("BENCH_LAT_TIME", 2)
LAT_QPS = 5000
SERVERS = [s for s in os.environ.get(
    "BENCH_SERVERS", "dnsd,dnsd-tap,gdnsd,knot,nsd,pdns").split(",") if s]
SETS = [s for s in os.environ.get(
    "BENCH_SETS", "static,weighted,static-do,weighted-do,geo,mix").split(",")
    if s]
# DO=1 sets: the same queries as the set named without "-do", DO bit set.
DO_SETS = {"static-do": "static", "weighted-do": "weighted"}
SIGN = any(q in DO_SETS for q in SETS)
# Servers that sign (when SIGN); the others skip the DO sets.
SIGNERS = ("dnsd", "dnsd-tap", "knot", "pdns")
MODES = [s for s in os.environ.get(
    "BENCH_MODES", "pinned,unpinned").split(",") if s]
CALLGRIND = os.environ.get("BENCH_CALLGRIND", "1") == "1"
PROFILE = os.environ.get("BENCH_PROFILE", "1") == "1"
PORT_BASE = env_num("BENCH_PORT_BASE", 5310, int)
HC_PORT = env_num("BENCH_HC_PORT", 8080, int)
KEEP = os.environ.get("BENCH_KEEP", "0") == "1"
OUT = os.path.join(BUILD, "bench")
# callgrind: seconds of queries per set, at the same 5,000 qps as the
# latency runs where the server keeps up under valgrind (see cg_rate).
CG_SECONDS = env_num("BENCH_CG_TIME", 4)
CG_RATE = 5000
# Hard bounds for every child process we start, so nothing hangs.
START_TIMEOUT = 30
STOP_TIMEOUT = 10

ZONE = "bench.example"
# Members: three clusters of two IPv4 backends each, one IPv6 member per
# cluster. IPv6 members are IPv4-mapped addresses of the same backends, so
# that every member is a real, health-checked address reachable over the
# loopback (::1 is the only native IPv6 loopback address).
MEMBERS = {
    "eu1": "127.0.53.11", "eu2": "127.0.53.12",
    "us1": "127.0.53.21", "us2": "127.0.53.22",
    "ap1": "127.0.53.31", "ap2": "127.0.53.32",
}
for _k in ("eu1", "us1", "ap1"):
    MEMBERS[_k + "_6"] = "::ffff:" + MEMBERS[_k]
V4_ALL = {v for k, v in MEMBERS.items() if not k.endswith("_6")}
V6_ALL = {v for k, v in MEMBERS.items() if k.endswith("_6")}
V4_US = {MEMBERS["us1"], MEMBERS["us2"]}
# ECS for set (c): 198.51.100.0/24 (New York in the test MaxMind DB):
# family 1, source prefix 24, scope 0, three address bytes (RFC 7871 6).
ECS_OPT = "8:00011800c63364"
ECS_DIG = "+subnet=198.51.100.0/24"

PEERS_PKGS = ["dnsperf", "linux-perf", "valgrind", "dnsutils"]
# Only the peers asked for (BENCH_SERVERS) are installed.
SERVER_PKGS = {"gdnsd": ["gdnsd"], "knot": ["knot"], "nsd": ["nsd"],
               "pdns": ["pdns-server", "pdns-backend-bind"]}
if SIGN:
    PEERS_PKGS.append("ldnsutils")  # ldns-keygen for dnsd's key
# Every server kind, in the order of their ports (PORT_BASE + index).
KINDS = ["dnsd", "gdnsd", "knot", "nsd", "pdns", "reflector", "dnsd-tap"]

LABELS = {"dnsd": "dnsd", "dnsd-tap": "dnsd + dnstap (file)", "gdnsd": "gdnsd", "knot": "Knot", "nsd": "NSD",
          "pdns": "PowerDNS LUA", "reflector": "reflector (limit)"}
SET_TITLES = {"static": "(a) static", "weighted": "(b) weighted A+AAAA",
              "geo": "(c) geo + ECS", "mix": "(d) mix, 10% NXDOMAIN",
              "static-do": "(a') static, DO=1",
              "weighted-do": "(b') weighted A+AAAA, DO=1"}

started = []  # Popen objects we started, stopped on any exit


def log(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


def die(msg):
    log("FAIL: " + msg)
    cleanup()
    sys.exit(1)


def cleanup():
    for p in reversed(started):
        stop_proc(p)
    started.clear()


def stop_proc(p):
    if p.poll() is not None:
        return
    try:
        os.killpg(p.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        p.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        p.wait(STOP_TIMEOUT)


def run(cmd, timeout, **kw):
    return subprocess.run(cmd, capture_output=True, text=True,
                          timeout=timeout, **kw)


# ---------------------------------------------------------------- setup

def ensure_packages():
    want = PEERS_PKGS + sum([SERVER_PKGS.get(k, []) for k in SERVERS], [])
    missing = [p for p in want
               if run(["dpkg-query", "-W", "-f=${Status}", p], 30)
               .stdout.find("install ok installed") < 0]
    if not missing:
        return
    log("installing " + " ".join(missing))
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    # Keep the packages' init scripts from starting system-wide daemons on
    # port 53: policy-rc.d exit 101 = "action forbidden" (invoke-rc.d(8)).
    policy = "/usr/sbin/policy-rc.d"
    made_policy = False
    if os.geteuid() == 0 and not os.path.exists(policy):
        with open(policy, "w") as f:
            f.write("#!/bin/sh\nexit 101\n")
        os.chmod(policy, 0o755)
        made_policy = True
    try:
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        r = subprocess.run(sudo + ["apt-get", "update", "-qq"], env=env,
                           timeout=600)
        r = subprocess.run(sudo + ["apt-get", "install", "-y", "-q"] +
                           missing, env=env, timeout=1200)
        if r.returncode != 0:
            die("apt-get install failed")
    finally:
        if made_policy:
            os.unlink(policy)


def render(name, dest, **kv):
    with open(os.path.join(TPL, name)) as f:
        text = string.Template(f.read()).substitute(kv)
    with open(dest, "w") as f:
        f.write(text)
    return dest


def write_query_files(d):
    files = {}

    def put(name, lines):
        path = os.path.join(d, "q-%s.txt" % name)
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        files[name] = path

    put("static", ["www.%s A" % ZONE])
    put("weighted", ["w.%s A" % ZONE, "w.%s AAAA" % ZONE])
    put("geo", ["geo.%s A" % ZONE])
    # 100 lines: 30 static, 30 weighted A, 20 weighted AAAA, 10 geo (no
    # ECS: the client is 127.0.0.1, unknown to the DB), 10 distinct names
    # that do not exist; interleaved so every slice of the run is a mix.
    pattern = (["www.%s A"] * 3 + ["w.%s A"] * 3 + ["w.%s AAAA"] * 2 +
               ["geo.%s A"] + ["nx"])
    lines = []
    for i in range(10):
        for p in pattern:
            lines.append("nx%d.%s A" % (i, ZONE) if p == "nx" else p % ZONE)
    put("mix", lines)
    for do, base in DO_SETS.items():
        files[do] = files[base]
    return files


def set_ecs(qset):
    """Query options of a set, the same for dnsperf and qpace: ECS for
    geo, the DO bit for the DNSSEC sets."""
    if qset in DO_SETS:
        return ["-D"]
    return ["-E", ECS_OPT] if qset == "geo" else []


def sets_of(kind):
    """The sets a server kind runs: the reflector and dnsd-tap only the
    static one; servers that do not sign no DO set."""
    if kind in ("reflector", "dnsd-tap"):
        return [q for q in SETS if q == "static"]
    if kind not in SIGNERS:
        return [q for q in SETS if q not in DO_SETS]
    return list(SETS)


# ------------------------------------------------------------- servers

class Server:
    """One server: its config files and the command that runs it."""

    def __init__(self, kind, work, port):
        self.kind = kind
        self.port = port
        self.dir = os.path.join(work, kind)
        self.proc = None
        os.makedirs(self.dir, exist_ok=True)

    def zone_text(self):
        with open(os.path.join(TPL, "zone-common.in")) as f:
            common = string.Template(f.read()).substitute()
        tail = {"dnsd": None, "dnsd-tap": None, "reflector": None, "gdnsd": "zone-gdnsd.in", "knot":
                "zone-static.in", "nsd": "zone-static.in",
                "pdns": "zone-pdns.in"}[self.kind]
        if tail is None:
            return common
        with open(os.path.join(TPL, tail)) as f:
            return common + string.Template(f.read()).substitute(
                MEMBERS, hc_port=HC_PORT)

    def configure(self, threads, mmdb):
        d = self.dir
        kv = dict(MEMBERS, port=self.port, threads=threads, dir=d,
                  hc_port=HC_PORT, zone=ZONE, control_line="",
                  dnstap_line="", key_line="", knot_signing="")
        if SIGN and self.kind in ("dnsd", "dnsd-tap"):
            r = run(["ldns-keygen", "-a", "ECDSAP256SHA256", "-k", ZONE],
                    60, cwd=d)
            if r.returncode != 0:
                die("ldns-keygen: " + r.stderr)
            kv["key_line"] = "key = %s/%s" % (d, r.stdout.strip())
        if SIGN and self.kind == "knot":
            kv["knot_signing"] = "    dnssec-signing: on"
        if self.kind == "dnsd-tap":
            kv["dnstap_line"] = "dnstap = file:%s/bench.dnstap" % d
        zonefile = os.path.join(d, {"dnsd": "dnsd.zone",
                                    "dnsd-tap": "dnsd.zone"}.get(
            self.kind, "bench.zone"))
        if self.kind == "gdnsd":
            os.makedirs(os.path.join(d, "zones"), exist_ok=True)
            zonefile = os.path.join(d, "zones", ZONE)
        with open(zonefile, "w") as f:
            f.write(self.zone_text())
        kv["zonefile"] = zonefile
        if mmdb:
            shutil.copy(mmdb, os.path.join(d, "bench.mmdb"))
        k = self.kind
        if k in ("dnsd", "dnsd-tap"):
            conf = render("dnsd.ini.in", os.path.join(d, "dnsd.ini"), **kv)
            self.cmd = [os.path.join(BUILD, "dnsd"), "-c", conf]
        elif k == "gdnsd":
            render("gdnsd.config.in", os.path.join(d, "config"), **kv)
            self.cmd = ["gdnsd", "-c", d, "start"]
        elif k == "knot":
            os.makedirs(os.path.join(d, "knot"), exist_ok=True)
            conf = render("knot.conf.in", os.path.join(d, "knot.conf"), **kv)
            self.cmd = ["knotd", "-c", conf]
        elif k == "nsd":
            os.makedirs(os.path.join(d, "nsd"), exist_ok=True)
            conf = render("nsd.conf.in", os.path.join(d, "nsd.conf"), **kv)
            self.cmd = ["nsd", "-d", "-c", conf]
        elif k == "pdns":
            os.makedirs(os.path.join(d, "pdns"), exist_ok=True)
            render("named.conf.in", os.path.join(d, "pdns", "named.conf"),
                   **kv)
            render("pdns.conf.in", os.path.join(d, "pdns", "pdns.conf"),
                   **kv)
            self.cmd = ["pdns_server", "--config-dir=" +
                        os.path.join(d, "pdns")]
            if SIGN:
                self.pdns_secure(os.path.join(d, "pdns"))
        elif k == "reflector":
            self.cmd = [os.path.join(BUILD, "reflector"), "-l",
                        "127.0.0.1:%d" % self.port, "-T", str(threads),
                        "-t", "3600"]

    def pdns_secure(self, cdir):
        """The bind backend's DNSSEC database and one ECDSA P-256 CSK
        (pdnsutil's default), made before the server starts."""
        db = os.path.join(cdir, "dnssec.db")
        with open(os.path.join(cdir, "pdns.conf"), "a") as f:
            f.write("bind-dnssec-db=%s\n" % db)
        if not os.path.exists(db):
            for args in (["create-bind-db", db], ["secure-zone", ZONE]):
                r = run(["pdnsutil", "--config-dir=" + cdir] + args, 120)
                if r.returncode != 0:
                    die("pdnsutil %s: %s%s" % (args[0], r.stdout, r.stderr))

    def start(self, prefix, qfile, wait_s=START_TIMEOUT):
        """Start under prefix (taskset, valgrind); returns the cold start
        in ms: exec to the first NOERROR answer to qfile's first query,
        polled every 1 ms by build/qpace -w."""
        waiter = subprocess.Popen(
            [os.path.join(BUILD, "qpace"), "-s", "127.0.0.1", "-p",
             str(self.port), "-d", qfile, "-w", "-l", str(int(wait_s))] +
            (["-a"] if self.kind == "reflector" else []),
            stdout=subprocess.PIPE, text=True, start_new_session=True)
        started.append(waiter)
        if waiter.stdout.readline().strip() != "ready=1":
            die("qpace -w did not start")
        self.logf = open(os.path.join(self.dir, "server.log"), "a")
        t0 = time.monotonic_ns()
        self.proc = subprocess.Popen(prefix + self.cmd, stdout=self.logf,
                                     stderr=subprocess.STDOUT,
                                     start_new_session=True, cwd=self.dir)
        started.append(self.proc)
        try:
            out, _ = waiter.communicate(timeout=wait_s + 5)
        except subprocess.TimeoutExpired:
            stop_proc(waiter)
            out = ""
        kv = parse_kv(out)
        first = int(kv.get("first_answer_ns", "0"))
        if first == 0 or self.proc.poll() is not None:
            self.stop()
            die("%s did not answer within %ds (log: %s/server.log)" %
                (self.kind, wait_s, self.dir))
        return (first - t0) / 1e6

    def stop(self):
        if self.proc is not None:
            stop_proc(self.proc)
            if self.proc in started:
                started.remove(self.proc)
            self.proc = None
            self.logf.close()

    def pids(self):
        return proc_tree(self.proc.pid)


def parse_kv(text):
    kv = {}
    for line in (text or "").splitlines():
        if "=" in line:
            k, v = line.split("=", 1)
            kv[k.strip()] = v.strip()
    return kv


def proc_tree(root):
    """root and every descendant (NSD serves from forked children)."""
    children = {}
    for st in glob.glob("/proc/[0-9]*/stat"):
        try:
            with open(st) as f:
                data = f.read()
        except OSError:
            continue
        rest = data[data.rfind(")") + 2:].split()
        children.setdefault(int(rest[1]), []).append(
            int(st.split("/")[2]))
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


TICK = os.sysconf("SC_CLK_TCK")


def cpu_times(pids):
    """(user, system) seconds of every thread of every process in pids."""
    u = s = 0
    for p in pids:
        try:
            with open("/proc/%d/stat" % p) as f:
                data = f.read()
        except OSError:
            continue
        rest = data[data.rfind(")") + 2:].split()
        u += int(rest[11])
        s += int(rest[12])
    return u / TICK, s / TICK


def mem_kib(pids):
    """(sum of VmRSS, sum of Pss) in KiB over the process tree."""
    rss = pss = 0
    for p in pids:
        try:
            with open("/proc/%d/status" % p) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        rss += int(line.split()[1])
            with open("/proc/%d/smaps_rollup" % p) as f:
                for line in f:
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1])
        except OSError:
            continue
    return rss, pss


# --------------------------------------------------------- correctness

def dig(port, name, qtype, extra=()):
    r = run(["dig", "@127.0.0.1", "-p", str(port), "+norec", "+time=2",
             "+tries=2", "+noall", "+comments", "+answer", name, qtype] +
            list(extra), 20)
    m = re.search(r"status: (\w+)", r.stdout)
    status = m.group(1) if m else "NO-ANSWER"
    addrs = set()
    for line in r.stdout.splitlines():
        f = line.split()
        if len(f) >= 5 and not line.startswith(";") and f[3] == qtype:
            addrs.add(f[4])
    return status, addrs


def v6_norm(addrs):
    import ipaddress
    return {str(ipaddress.ip_address(a)) for a in addrs}


def verify(kind, port):
    """Fail loudly unless every query set is answered right."""
    geo_aware = kind in ("dnsd", "dnsd-tap", "gdnsd", "pdns")
    checks = [("www.%s" % ZONE, "A", (), {"192.0.2.10"}, "exact"),
              ("w.%s" % ZONE, "A", (), V4_ALL, "subset"),
              ("w.%s" % ZONE, "AAAA", (), v6_norm(V6_ALL), "subset"),
              ("geo.%s" % ZONE, "A", (ECS_DIG,),
               V4_US if geo_aware else V4_ALL, "subset"),
              ("nx3.%s" % ZONE, "A", (), None, "nxdomain")]
    for name, qtype, extra, want, how in checks:
        # Several tries: weighted answers are random, LUA warms up.
        for _ in range(5):
            status, got = dig(port, name, qtype, extra)
            got = v6_norm(got) if qtype == "AAAA" else got
            if how == "nxdomain":
                ok = status == "NXDOMAIN"
            elif how == "exact":
                ok = status == "NOERROR" and got == want
            else:
                ok = status == "NOERROR" and got and got <= want
            if ok:
                break
            time.sleep(0.5)
        if not ok:
            die("%s: %s %s %s: got %s %s, want %s %s" %
                (kind, name, qtype, " ".join(extra), status, sorted(got),
                 how, sorted(want) if want else ""))
    if SIGN and kind in SIGNERS:
        verify_signed(kind, port)


def verify_signed(kind, port):
    """The DO sets' names are answered with their RRSIGs."""
    for name, qtype in (("www.%s" % ZONE, "A"), ("w.%s" % ZONE, "A"),
                        ("w.%s" % ZONE, "AAAA")):
        ok = False
        for _ in range(10):
            r = run(["dig", "@127.0.0.1", "-p", str(port), "+norec",
                     "+dnssec", "+time=2", "+tries=2", "+noall", "+answer",
                     name, qtype], 20)
            sigs = [ln.split() for ln in r.stdout.splitlines()
                    if ln.split()[3:5] == ["RRSIG", qtype]]
            if sigs:
                ok = True
                break
            time.sleep(0.5)
        if not ok:
            die("%s: %s %s +dnssec: no RRSIG %s in %r" %
                (kind, name, qtype, qtype, r.stdout))


# --------------------------------------------------------- measuring

def perf_supported():
    r = run(["perf", "stat", "-x,", "-e", "instructions:u", "true"], 30)
    return r.returncode == 0 and "not supported" not in r.stderr and \
        "instructions" in r.stderr


def dnsperf(port, qfile, qset, mode, seconds):
    if mode == "pinned":
        cmd = ["taskset", "-c", "1", "dnsperf", "-c", "1", "-T", "1",
               "-q", "256"]
    else:
        cmd = ["dnsperf", "-c", "8", "-T", "2", "-q", "512"]
    cmd += ["-s", "127.0.0.1", "-p", str(port), "-d", qfile, "-l",
            str(seconds), "-t", "1", "-e"] + set_ecs(qset)
    r = run(cmd, seconds + 30)
    out = r.stdout

    def num(label):
        m = re.search(label + r":\s+([\d.]+)", out)
        return float(m.group(1)) if m else 0.0
    codes = dict((c, int(n)) for c, n in
                 re.findall(r"(\w+) (\d+) \([\d.]+%\)",
                            (re.search(r"Response codes:(.*)", out) or
                             re.search("()", "")).group(1)))
    return {"completed": num("Queries completed"),
            "lost": num("Queries lost"), "qps": num("Queries per second"),
            "rcodes": codes, "raw": out if r.returncode else ""}


def qpace(port, qfile, qset, rate, seconds, pin=None, sockets=1,
          timeout_ms=1000):
    cmd = ([] if pin is None else ["taskset", "-c", str(pin)]) + [
        os.path.join(BUILD, "qpace"), "-s", "127.0.0.1", "-p", str(port),
        "-d", qfile, "-r", str(rate), "-n", str(int(rate * seconds)),
        "-l", str(int(seconds) + 1), "-k", str(sockets), "-e", "-t",
        str(timeout_ms)] + \
        set_ecs(qset)
    r = run(cmd, seconds + 30)
    return parse_kv(r.stdout)


def measure_set(srv, qfile, qset, mode, use_perf):
    """One dnsperf run with CPU (and, with a PMU, perf) accounting."""
    pids = srv.pids()
    perf = None
    if use_perf:
        perf = subprocess.Popen(
            ["perf", "stat", "-x,", "-e", "instructions:u,instructions:k",
             "-p", ",".join(map(str, pids))], stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, text=True, start_new_session=True)
        started.append(perf)
        time.sleep(0.1)
    u0, s0 = cpu_times(pids)
    res = dnsperf(srv.port, qfile, qset, mode, BENCH_TIME)
    u1, s1 = cpu_times(srv.pids())
    if perf is not None:
        os.killpg(perf.pid, signal.SIGINT)
        _, err = perf.communicate(timeout=30)
        started.remove(perf)
        for line in err.splitlines():
            f = line.split(",")
            if len(f) > 2 and f[0].replace(".", "").isdigit():
                res["perf_" + f[2].replace(":", "_")] = float(f[0])
    res["user_s"] = u1 - u0
    res["sys_s"] = s1 - s0
    return res


def med(vals):
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None


def bench_server(kind, mode, work, qfiles, mmdb, use_perf, results):
    threads = 1 if mode == "pinned" else 2
    srv = Server(kind, work, PORT_BASE + KINDS.index(kind))
    srv.configure(threads, mmdb)
    prefix = ["taskset", "-c", "0"] if mode == "pinned" else []
    cold = []
    # Cold start: the first start, plus one more for a median of two
    # (each is a full exec, zone load and, for dnsd, the first round of
    # health checks, which the SPEC requires before answering).
    starts = 2 if kind != "reflector" else 1
    for i in range(starts):
        cold.append(srv.start(prefix, qfiles["static"]))
        if i < starts - 1:
            srv.stop()
    if kind != "reflector":
        verify(kind, srv.port)
    # Warm-up: every set once (PowerDNS's ifurlup checks a member only
    # after it is first asked for, and treats it as down until then).
    for qs in sets_of(kind):
        qpace(srv.port, qfiles[qs], qs, 1000, 1)
    time.sleep(3 if kind == "pdns" else 0.5)
    if kind != "reflector":
        verify(kind, srv.port)
    sets = sets_of(kind)
    for qs in sets:
        runs, lats = [], []
        for _ in range(REPEATS):
            runs.append(measure_set(srv, qfiles[qs], qs, mode, use_perf))
        for _ in range(REPEATS):
            lats.append(qpace(srv.port, qfiles[qs], qs, LAT_QPS, LAT_TIME,
                              pin=1 if mode == "pinned" else None,
                              sockets=1 if mode == "pinned" else 4))
        row = summarise(runs, lats)
        results.setdefault(mode, {}).setdefault(qs, {})[kind] = row
        log("%-8s %-9s %-8s %8.0f qps %9.0f q/cpu-s  p99 %6.0f us" %
            (mode, kind, qs, row["qps"], row["q_per_cpu_s"] or 0,
             row["p99_us"] or 0))
    rss, pss = mem_kib(srv.pids())
    for qs in sets:
        r = results[mode][qs][kind]
        r["rss_kib"], r["pss_kib"], r["cold_ms"] = rss, pss, med(cold)
    srv.stop()


def summarise(runs, lats):
    row = {"runs": runs, "lat_runs": lats}
    row["qps"] = med([r["qps"] for r in runs])
    row["cpu_s"] = med([r["user_s"] + r["sys_s"] for r in runs])
    qpc = [r["completed"] / (r["user_s"] + r["sys_s"]) for r in runs
           if r["user_s"] + r["sys_s"] > 0]
    row["q_per_cpu_s"] = med(qpc)
    row["user_us_q"] = med([r["user_s"] * 1e6 / r["completed"] for r in runs
                            if r["completed"]])
    row["sys_us_q"] = med([r["sys_s"] * 1e6 / r["completed"] for r in runs
                           if r["completed"]])
    if any("perf_instructions_u" in r for r in runs):
        row["perf_uinstr_q"] = med([r.get("perf_instructions_u", 0) /
                                    r["completed"] for r in runs
                                    if r["completed"]])
        row["perf_kinstr_q"] = med([r.get("perf_instructions_k", 0) /
                                    r["completed"] for r in runs
                                    if r["completed"]])
    row["lost"] = sum(r["lost"] for r in runs)
    row["rcodes"] = runs[-1]["rcodes"]
    for k in ("p50_us", "p99_us"):
        row[k] = med([float(x[k]) for x in lats if k in x])
    row["lat_lost"] = sum(int(x.get("lost", 0)) for x in lats)
    return row


# ------------------------------------------------------------ callgrind

def cg_rate(kind, qs):
    """Queries per second under callgrind: 5,000 (as the latency runs)
    where the server keeps up under valgrind; gdnsd's plugins and
    PowerDNS's LUA run far slower there and get less, so that every query
    is answered. Each set runs CG_SECONDS."""
    if qs != "static" and kind == "gdnsd":
        return 500
    if qs not in ("static", "static-do") and kind == "pdns":
        return 50
    return CG_RATE


def callgrind_pass(work, qfiles, mmdb, results):
    """User-space instructions per query, exactly: each server under
    callgrind with one worker thread; for each set, dump the counters,
    send CG_SECONDS of queries with build/qpace, dump again; the second
    dump holds that set's instructions (every thread: workers, probes,
    timers), divided by the queries answered. NSD serves from forked
    children, which valgrind's gdbserver does not reach, so for NSD each
    set is a fresh start measured at exit, minus a start with no load."""
    cg = results.setdefault("callgrind", {})
    for kind in SERVERS:
        srv = Server(kind, os.path.join(work, "cg"), PORT_BASE + 20 +
                     KINDS.index(kind))
        srv.configure(1, mmdb)
        out = os.path.join(srv.dir, "callgrind.out.%p")
        prefix = ["valgrind", "--tool=callgrind", "--callgrind-out-file=" +
                  out, "--dump-instr=no"]
        if kind == "nsd":
            cg_nsd(srv, prefix, qfiles, cg)
            continue
        srv.start(prefix, qfiles["static"], wait_s=120)
        for qs in sets_of(kind):
            qpace(srv.port, qfiles[qs], qs, min(500, cg_rate(kind, qs)), 1,
                  timeout_ms=5000)
        time.sleep(3 if kind == "pdns" else 1)
        verify(kind, srv.port)
        for qs in sets_of(kind):
            rate = cg_rate(kind, qs)
            cg_dump(srv)
            kv = qpace(srv.port, qfiles[qs], qs, rate, CG_SECONDS,
                       timeout_ms=5000)
            files = cg_dump(srv)
            ir = sum(cg_total(f) or 0 for f in files)
            cg_record(cg, kind, qs, ir, kv, rate, files)
            if kind == "dnsd" and files:
                shutil.copy(max(files, key=lambda f: cg_total(f) or 0),
                            os.path.join(OUT, "callgrind.dnsd.%s" % qs))
        srv.stop()


def cg_record(cg, kind, qs, ir, kv, rate, files=()):
    n = int(kv.get("answered", 0))
    # valgrind counts every iteration of a REP STOS/MOVS as an instruction
    # (the CPU retires it as one): a large memset per query (gdnsd's DYNA
    # path) inflates Ir. Also kept: the count without libc's memset.
    memset = 0
    top = []
    for f in files:
        t = cg_top(f, 10000)
        memset += sum(x[1] for x in t if x[2].startswith("__memset"))
        top += t[:8]
    top.sort(key=lambda x: -x[1])
    want = int(rate * CG_SECONDS)
    if n < want * 0.95:
        log("callgrind %s %s: only %d of %d answered" % (kind, qs, n, want))
    cg.setdefault(qs, {})[kind] = {
        "ir": ir, "answered": n, "rate": rate,
        "ir_per_q": ir / n if n else None,
        "ir_per_q_no_memset": (ir - memset) / n if n else None,
        "top": top[:8]}
    log("callgrind %-6s %-8s %8.0f user instructions/query (%d at %d qps)"
        % (kind, qs, ir / n if n else 0, n, rate))


def cg_nsd(srv, prefix, qfiles, cg):
    def one(qs):
        for f in glob.glob(os.path.join(srv.dir, "callgrind.out.*")):
            os.unlink(f)
        srv.start(prefix, qfiles["static"], wait_s=120)
        kv = {}
        if qs:
            kv = qpace(srv.port, qfiles[qs], qs, CG_RATE, CG_SECONDS,
                       timeout_ms=5000)
        srv.stop()
        files = glob.glob(os.path.join(srv.dir, "callgrind.out.*"))
        return sum(cg_total(f) or 0 for f in files), kv
    base, _ = one(None)
    for qs in sets_of("nsd"):
        ir, kv = one(qs)
        cg_record(cg, "nsd", qs, max(0, ir - base), kv, CG_RATE)


def cg_dump(srv):
    before = set(glob.glob(os.path.join(srv.dir, "callgrind.out.*")))
    for p in srv.pids():
        run(["callgrind_control", "-d", str(p)], 60)
    deadline = time.time() + 30
    files = []
    while time.time() < deadline:
        files = sorted(set(glob.glob(os.path.join(srv.dir,
                                                  "callgrind.out.*"))) -
                       before)
        if files and all(cg_total(f) is not None for f in files):
            break
        time.sleep(0.2)
    return files


def cg_total(path):
    try:
        with open(path) as f:
            for line in f:
                if line.startswith("summary:") or line.startswith("totals:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def cg_top(path, n=15):
    """Top functions by self instructions: [(share %, Ir, function,
    object)]. Reads the callgrind format directly (callgrind_annotate in
    valgrind 3.19 charges a dump taken mid-run to clone()): self cost is
    every cost line except the one after calls=, which is inclusive."""
    names, obnames = {}, {}
    cur = ob = None
    skip = False
    cost, objs = {}, {}

    def ident(line, table):
        m = re.match(r"\w+=\((\d+)\)(?: (.*))?", line)
        if not m:
            return line.split("=", 1)[1]
        if m.group(2):
            table[m.group(1)] = m.group(2)
        return table.get(m.group(1), m.group(1))
    try:
        f = open(path)
    except OSError:
        return []
    with f:
        for line in f:
            line = line.rstrip("\n")
            if skip:
                skip = False
            elif line.startswith("fn="):
                cur = ident(line, names)
                objs[cur] = ob
            elif line.startswith("ob="):
                ob = ident(line, obnames)
            elif line.startswith("cfn="):
                ident(line, names)
            elif line.startswith("cob="):
                ident(line, obnames)
            elif line.startswith("calls="):
                skip = True
            elif line[:1] in "0123456789+-*" and cur is not None:
                parts = line.split()
                if len(parts) >= 2:
                    cost[cur] = cost.get(cur, 0) + int(parts[1])
    total = sum(cost.values()) or 1
    top = sorted(cost.items(), key=lambda kv: -kv[1])[:n]
    return [(100.0 * ir / total, ir, fn,
             os.path.basename(objs.get(fn) or "?")) for fn, ir in top]


# ------------------------------------------------------------- profile

def perf_profile(work, qfiles, mmdb, results):
    """perf record -g on dnsd (one thread, pinned) under the static and
    weighted sets. Without a PMU, perf samples the cpu-clock software
    event, which still attributes user and kernel time."""
    prof = results.setdefault("perf_profile", {})
    srv = Server("dnsd", os.path.join(work, "prof"), PORT_BASE + 30)
    srv.configure(1, mmdb)
    srv.start(["taskset", "-c", "0"], qfiles["static"])
    for qs in ("static", "weighted"):
        data = os.path.join(OUT, "perf.%s.data" % qs)
        rec = subprocess.Popen(
            ["perf", "record", "-e", "cpu-clock", "-F", "4999", "-g", "-o",
             data, "-p", str(srv.proc.pid)], stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True)
        started.append(rec)
        time.sleep(0.3)
        dnsperf(srv.port, qfiles[qs], qs, "pinned", BENCH_TIME)
        os.killpg(rec.pid, signal.SIGINT)
        rec.wait(60)
        started.remove(rec)
        rep = run(["perf", "report", "-i", data, "--no-children", "--stdio",
                   "--sort", "sym", "-g", "none"], 300)
        with open(os.path.join(OUT, "perf.%s.txt" % qs), "w") as f:
            f.write(rep.stdout)
        top = []
        for line in rep.stdout.splitlines():
            m = re.match(r"\s+([\d.]+)%\s+\[(.)\]\s+(\S+)", line)
            if m:
                top.append((float(m.group(1)), m.group(2), m.group(3)))
        prof[qs + "_kernel_share"] = sum(t[0] for t in top if t[1] == "k")
        prof[qs + "_user_top"] = [t for t in top if t[1] != "k"][:12]
        prof[qs] = top[:15]
    srv.stop()


# -------------------------------------------------------------- report

def fmt(v, nd=0):
    if v is None:
        return "-"
    if isinstance(v, float) and nd == 0:
        return "{:,.0f}".format(v)
    return "{:,.{}f}".format(v, nd)


def report(results, use_perf):
    lines = []
    P = lines.append
    P("# dnsd benchmark, %s" % time.strftime("%Y-%m-%d %H:%M UTC",
                                            time.gmtime()))
    P("")
    P("Machine: %s, %d CPUs, kernel %s. BENCH_TIME=%gs x %d repeats "
      "(medians), latency %g s at %d qps x %d." %
      (cpu_model(), os.cpu_count(), os.uname().release, BENCH_TIME,
       REPEATS, LAT_TIME, LAT_QPS, REPEATS))
    if not use_perf:
        P("No hardware PMU here (perf: \"software events only\"), so "
          "instructions/query are user-space instructions counted by "
          "callgrind (one server thread, %g s of queries per set at "
          "%d qps, 500 for gdnsd's plugins and 50 for PowerDNS LUA, which "
          "run slower under valgrind; all threads counted); kernel work "
          "is given as kernel CPU microseconds per query." %
          (CG_SECONDS, CG_RATE))
    cg = results.get("callgrind", {})
    for mode in MODES:
        if mode not in results:
            continue
        P("")
        P("## Mode: %s" % ("server on CPU 0 (1 thread), dnsperf on CPU 1"
                           if mode == "pinned" else
                           "unpinned, 2 server threads, dnsperf 2 threads"))
        for qs in SETS:
            rows = results[mode].get(qs, {})
            if not rows:
                continue
            P("")
            P("### %s" % SET_TITLES[qs])
            P("")
            P("| server | qps | CPU s | q/CPU-s | user instr/q | user us/q "
              "| kernel us/q | p50 us | p99 us | RSS MiB | cold ms |")
            P("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
            order = [k for k in SERVERS if k in rows]
            refl = results[mode].get("static", {}).get("reflector")
            for k in order + (["reflector"] if refl and qs == "static"
                              else []):
                r = rows.get(k) or refl
                instr = r.get("perf_uinstr_q")
                c = cg.get(qs, {}).get(k, {})
                if instr is None and c.get("ir_per_q"):
                    instr = c["ir_per_q"]
                    nm = c.get("ir_per_q_no_memset")
                    if nm and nm < 0.9 * instr:
                        instr = "%s (%s w/o memset)" % (fmt(instr), fmt(nm))
                P("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |"
                  % (LABELS[k], fmt(r["qps"]), fmt(r["cpu_s"], 2),
                     fmt(r["q_per_cpu_s"]),
                     instr if isinstance(instr, str) else fmt(instr),
                     fmt(r["user_us_q"], 2),
                     fmt(r["sys_us_q"], 2), fmt(r["p50_us"]),
                     fmt(r["p99_us"]), fmt(r["rss_kib"] / 1024, 1),
                     fmt(r["cold_ms"], 1)))
            if "dnsd" in rows:
                d = rows["dnsd"]
                ratios = []
                for k in order:
                    if k in ("dnsd", "dnsd-tap"):
                        continue
                    r = rows[k]
                    ratios.append("%s: q/CPU-s x%s, qps x%s, p99 x%s" % (
                        LABELS[k], ratio(d["q_per_cpu_s"], r["q_per_cpu_s"]),
                        ratio(d["qps"], r["qps"]),
                        ratio(d["p99_us"], r["p99_us"])))
                P("")
                P("dnsd / peer: " + "; ".join(ratios) + ".")
    dc = dnssec_cost(results)
    if dc:
        P("")
        P("## DNSSEC cost (issue 13): DO=1 / DO=0, same server process")
        P("")
        P("CPU us/query = user + kernel CPU of every server thread (/proc) "
          "per answered query, medians of the dnsperf runs; instr/q = "
          "callgrind's user-space instructions per query.")
        P("")
        P("| mode | set | server | CPU us/q DO=0 | DO=1 | ratio | "
          "q/CPU-s DO=0 | DO=1 | instr/q DO=0 | DO=1 | ratio |")
        P("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for t in dc:
            P("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                t["mode"], t["set"], LABELS[t["kind"]], fmt(t["off_us"], 2),
                fmt(t["on_us"], 2), ratio(t["on_us"], t["off_us"]),
                fmt(t["off_qpc"]), fmt(t["on_qpc"]), fmt(t["cg_off"]),
                fmt(t["cg_on"]), ratio(t["cg_on"], t["cg_off"])))
    tap = dnstap_cost(results)
    if tap:
        P("")
        P("## dnstap cost (issue 14), static set")
        P("")
        P("| mode | CPU us/q off | on | change | q/CPU-s off | on | "
          "callgrind user instr/q off | on |")
        P("|---|---:|---:|---:|---:|---:|---:|---:|")
        for t in tap:
            P("| %s | %s | %s | %+.1f%% | %s | %s | %s | %s |" % (
                t["mode"], fmt(t["off_us"], 2), fmt(t["on_us"], 2),
                t["change"], fmt(t["off_qpc"]), fmt(t["on_qpc"]),
                fmt(t["cg_off"]), fmt(t["cg_on"])))
    P("")
    P("## Targets (issues 6, 13, 14)")
    P("")
    for t in targets(results):
        P("- %s %s" % ("MET" if t[0] else "NOT MET", t[1]))
    prof = results.get("perf_profile", {})
    tops = results.get("callgrind_top", {})
    if prof or tops:
        P("")
        P("## dnsd profile")
        for qs in ("static", "weighted"):
            if qs in tops:
                P("")
                P("callgrind, %s set, self instructions (user space, all "
                  "threads):" % qs)
                P("")
                P("| share | Ir | function | object |")
                P("|---:|---:|---|---|")
                for share, ir, fn, obj in tops[qs]:
                    P("| %.1f%% | %s | %s | %s |" % (share, fmt(float(ir)),
                                                    fn, obj))
            if qs in prof:
                P("")
                P("perf record -g (cpu-clock, one pinned worker under "
                  "dnsperf), %s set, --no-children: kernel %.0f%% of "
                  "samples, user space %.0f%%. Top symbols, then top "
                  "user-space symbols ([k] = kernel):" %
                  (qs, prof[qs + "_kernel_share"],
                   100 - prof[qs + "_kernel_share"]))
                P("")
                P("| share | | symbol |")
                P("|---:|---|---|")
                for share, where, sym in prof[qs]:
                    P("| %.1f%% | %s | %s |" % (share, where, sym))
                P("")
                P("| share | | user-space symbol |")
                P("|---:|---|---|")
                for share, where, sym in prof[qs + "_user_top"]:
                    P("| %.1f%% | %s | %s |" % (share, where, sym))
    return "\n".join(lines) + "\n"


def dnstap_cost(results):
    """Per mode: dnsd's CPU per static query with dnstap off and on (user +
    kernel us/q from /proc, every thread), the change, and callgrind's
    user instructions per query."""
    out = []
    cg = results.get("callgrind", {}).get("static", {})
    for mode in MODES:
        rows = results.get(mode, {}).get("static", {})
        off, on = rows.get("dnsd"), rows.get("dnsd-tap")
        if not off or not on or not off["user_us_q"] or not on["user_us_q"]:
            continue
        off_us = off["user_us_q"] + off["sys_us_q"]
        on_us = on["user_us_q"] + on["sys_us_q"]
        out.append({"mode": mode, "off_us": off_us, "on_us": on_us,
                    "change": 100.0 * (on_us / off_us - 1),
                    "off_qpc": off["q_per_cpu_s"], "on_qpc": on["q_per_cpu_s"],
                    "cg_off": cg.get("dnsd", {}).get("ir_per_q"),
                    "cg_on": cg.get("dnsd-tap", {}).get("ir_per_q")})
    return out


def dnssec_cost(results):
    """Per mode, DO set and signing server: CPU per query with DO=0 and
    DO=1 (user + kernel us/q from /proc) and callgrind's instructions."""
    out = []
    cg = results.get("callgrind", {})
    for mode in MODES:
        res = results.get(mode, {})
        for do, base in DO_SETS.items():
            for kind in SERVERS:
                off = res.get(base, {}).get(kind)
                on = res.get(do, {}).get(kind)
                if not off or not on or not off["user_us_q"] or \
                        not on["user_us_q"]:
                    continue
                out.append({
                    "mode": mode, "set": base, "kind": kind,
                    "off_us": off["user_us_q"] + off["sys_us_q"],
                    "on_us": on["user_us_q"] + on["sys_us_q"],
                    "off_qpc": off["q_per_cpu_s"],
                    "on_qpc": on["q_per_cpu_s"],
                    "cg_off": cg.get(base, {}).get(kind, {}).get("ir_per_q"),
                    "cg_on": cg.get(do, {}).get(kind, {}).get("ir_per_q")})
    return out


def ratio(a, b):
    if not a or not b:
        return "-"
    return "%.2f" % (a / b)


def targets(results):
    out = []
    cg = results.get("callgrind", {})
    for mode in MODES:
        res = results.get(mode, {})
        for qs in SETS:
            rows = res.get(qs, {})
            d = rows.get("dnsd")
            if not d:
                continue
            g = rows.get("gdnsd")
            if g and g["q_per_cpu_s"]:
                r = d["q_per_cpu_s"] / g["q_per_cpu_s"]
                out.append((r >= 1.25, "%s %s: q/CPU-s %.2f x gdnsd "
                            "(target >= 1.25)" % (mode, qs, r)))
            if qs == "static":
                best = max([rows[k]["q_per_cpu_s"] for k in ("knot", "nsd")
                            if k in rows] or [0])
                if best:
                    r = d["q_per_cpu_s"] / best
                    out.append((r >= 1.0, "%s static: q/CPU-s %.2f x best "
                                "of Knot/NSD (target >= 1)" % (mode, r)))
            peers = [rows[k]["p99_us"] for k in rows
                     if k not in ("dnsd", "dnsd-tap", "reflector") and
                     rows[k]["p99_us"]]
            if peers and d["p99_us"]:
                best = min(peers)
                out.append((d["p99_us"] <= best, "%s %s: p99 %.0f us vs "
                            "best peer %.0f us" % (mode, qs, d["p99_us"],
                                                   best)))
            p = rows.get("pdns")
            if p and qs in ("weighted", "geo") and p["q_per_cpu_s"]:
                r = d["q_per_cpu_s"] / p["q_per_cpu_s"]
                out.append((r >= 10, "%s %s: q/CPU-s %.1f x PowerDNS LUA "
                            "(target >= 10)" % (mode, qs, r)))
    for t in dnssec_cost(results):
        if t["kind"] == "dnsd":
            r = t["on_us"] / t["off_us"]
            out.append((r <= 1.5, "%s %s: DO=1 costs %.2f x the CPU per "
                        "query of DO=0 (%.2f -> %.2f us; target <= 1.5)" %
                        (t["mode"], t["set"], r, t["off_us"], t["on_us"])))
    for t in dnstap_cost(results):
        out.append((t["change"] <= 25, "%s static: dnstap (file) on costs "
                    "%+.1f%% CPU per query (%.2f -> %.2f us; target <= "
                    "+25%%)" % (t["mode"], t["change"], t["off_us"],
                                t["on_us"])))
    for qs in SETS:
        c = cg.get(qs, {})
        if c.get("dnsd", {}).get("ir_per_q") and \
                c.get("gdnsd", {}).get("ir_per_q"):
            d, g = c["dnsd"], c["gdnsd"]
            r = d["ir_per_q"] / g["ir_per_q"]
            r2 = d["ir_per_q_no_memset"] / g["ir_per_q_no_memset"]
            out.append((max(r, r2) <= 0.6,
                        "%s: user instructions/query (callgrind) %.0f = "
                        "%.2f x gdnsd's %.0f; without libc memset "
                        "(REP STOS counted per iteration by valgrind) "
                        "%.0f = %.2f x gdnsd's %.0f (target <= 0.6)" %
                        (qs, d["ir_per_q"], r, g["ir_per_q"],
                         d["ir_per_q_no_memset"], r2,
                         g["ir_per_q_no_memset"])))
    return out


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


# ---------------------------------------------------------------- main

def main():
    t_start = time.time()
    ensure_packages()
    for b in ("dnsd", "qpace", "reflector", "fake_backend",
              "tests/test_geo"):
        if not os.access(os.path.join(BUILD, b), os.X_OK):
            die("%s/%s missing: run make bench" % (BUILD, b))
    os.makedirs(OUT, exist_ok=True)
    work = tempfile.mkdtemp(prefix="dnsd-bench-")
    log("work dir %s, results in %s" % (work, OUT))
    signal.signal(signal.SIGTERM, lambda *_: die("terminated"))
    try:
        mmdb = os.path.join(work, "bench.mmdb")
        r = run([os.path.join(BUILD, "tests", "test_geo"), "--write-mmdb",
                 mmdb], 60)
        if r.returncode != 0:
            die("test_geo --write-mmdb failed: " + r.stderr)
        qfiles = write_query_files(work)
        backends = subprocess.Popen(
            [os.path.join(BUILD, "fake_backend")] +
            sum([["-l", "%s:%d" % (MEMBERS[k], HC_PORT)] for k in
                 ("eu1", "eu2", "us1", "us2", "ap1", "ap2")], []),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        started.append(backends)
        time.sleep(0.3)
        if backends.poll() is not None:
            die("fake_backend did not start (port %d busy on 127.0.53.x?)"
                % HC_PORT)
        use_perf = perf_supported()
        if not use_perf:
            log("perf: no hardware instruction counter on this machine; "
                "instructions come from callgrind")
        results = {"config": {"time": BENCH_TIME, "repeats": REPEATS,
                              "servers": SERVERS, "sets": SETS,
                              "modes": MODES, "perf_pmu": use_perf}}
        for mode in MODES:
            for kind in SERVERS + ["reflector"]:
                bench_server(kind, mode, os.path.join(work, mode), qfiles,
                             mmdb, use_perf, results)
        if CALLGRIND:
            callgrind_pass(work, qfiles, mmdb, results)
            tops = results.setdefault("callgrind_top", {})
            for qs in ("static", "weighted"):
                f = os.path.join(OUT, "callgrind.dnsd.%s" % qs)
                if os.path.exists(f):
                    tops[qs] = cg_top(f)
        if PROFILE:
            perf_profile(work, qfiles, mmdb, results)
        text = report(results, use_perf)
        with open(os.path.join(OUT, "results.md"), "w") as f:
            f.write(text)
        with open(os.path.join(OUT, "results.json"), "w") as f:
            json.dump(results, f, indent=1, default=str)
        print(text)
        log("done in %.0f s" % (time.time() - t_start))
    finally:
        cleanup()
        if KEEP:
            log("kept " + work)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
