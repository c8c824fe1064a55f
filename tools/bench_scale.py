#!/usr/bin/python3
"""bench_scale.py - `make bench-scale` (run by tools/bench-scale.sh).

1. A zone of 1,000,000 names (tools/genzone.py) loaded by dnsd, Knot and
   NSD: dnsd -t time and peak RSS, dnsd exec-to-first-answer (for a name at
   the end of the zone) and RSS serving; knotd exec-to-answer and RSS;
   nsd-checkzone time and peak RSS, nsd exec-to-answer and RSS (PSS summed
   over NSD's processes, which share memory).
2. SIGHUP reload of dnsd with that zone under a paced query load
   (build/qpace, 5,000 qps): queries lost, reload time from dnsd's log.
3. 10,000 load-balanced names over 20,000 members checked over HTTP every
   5 s by dnsd's one probe thread, against one build/fake_backend bound to
   0.0.0.0 (so every 127.x.y.z address answers: 20,000 listeners would
   need 20,000 sockets and processes; one wildcard listener is what a
   real fleet of backends looks like from the prober's side). Achieved
   check rate, share on time (dnsd_probe_late_total: started over 1 s
   late) and dnsd's CPU, from /metrics on the control endpoint.

4. Many records at one name (the duplicate-record check must stay n log
   n, not quadratic): dnsd -t on a zone with 25,000 A records at one name
   and on one with 100,000 (50,000 A and 50,000 AAAA: an RRset holds at
   most 65,535 records), wall time and peak RSS.

Environment: BENCH_SCALE_NAMES (1000000), BENCH_SCALE_RECORDS (10000),
BENCH_SCALE_MEMBERS (20000), BENCH_SCALE_PROBE_TIME (30 s),
BENCH_SCALE_HUP_TIME (20 s of load around the SIGHUP), BENCH_SCALE_PARTS
("zone,probe,onename": which parts to run; "probe" alone needs neither Knot nor
NSD and takes about a minute), BENCH_SCALE_CHECK_TYPE (http; tcp measures
the prober without libcurl), BENCH_PORT_BASE
(5310; this uses +40..+44), BENCH_SCALE_HC_PORT (18053), BUILD.
Every wait is bounded; results in build/bench/scale.md and scale.json.
"""

import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, os.environ.get("BUILD", "build"))
OUT = os.path.join(BUILD, "bench")
NAMES = int(os.environ.get("BENCH_SCALE_NAMES", 1000000))
RECORDS = int(os.environ.get("BENCH_SCALE_RECORDS", 10000))
MEMBERS = int(os.environ.get("BENCH_SCALE_MEMBERS", 20000))
PROBE_TIME = float(os.environ.get("BENCH_SCALE_PROBE_TIME", 30))
HUP_TIME = float(os.environ.get("BENCH_SCALE_HUP_TIME", 20))
PORT = int(os.environ.get("BENCH_PORT_BASE", 5310)) + 40
HC_PORT = int(os.environ.get("BENCH_SCALE_HC_PORT", 18053))
PARTS = os.environ.get("BENCH_SCALE_PARTS", "zone,probe,onename").split(",")
# Records at one name in part 4: the figures (1.66 s and 24.7 s
# before the check was made n log n).
ONE_NAME_COUNTS = (25000, 100000)
CHECK_TYPE = os.environ.get("BENCH_SCALE_CHECK_TYPE", "http")
ZONE = "scale.example"
LOAD_TIMEOUT = 300  # a 1M-name zone loads in seconds; this is the bound
started = []


def log(msg):
    print("bench-scale: " + msg, file=sys.stderr, flush=True)


def stop(p, sig=signal.SIGTERM):
    if p.poll() is None:
        try:
            os.killpg(p.pid, sig)
            p.wait(30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait(30)
    if p in started:
        started.remove(p)


def die(msg):
    log("FAIL: " + msg)
    for p in reversed(list(started)):
        stop(p)
    sys.exit(1)


def timed_child(cmd, timeout):
    """Run cmd; return (wall seconds, peak RSS KiB, returncode, output)."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True,
                         start_new_session=True)
    started.append(p)
    deadline = t0 + timeout
    while True:
        pid, status, ru = os.wait4(p.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            stop(p, signal.SIGKILL)
            die("%s: over %d s" % (cmd[0], timeout))
        time.sleep(0.01)
    wall = time.monotonic() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    out = p.stdout.read()
    started.remove(p)
    return wall, ru.ru_maxrss, p.returncode, out


def tree(root):
    kids = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/stat" % d) as f:
                    data = f.read()
            except OSError:
                continue
            kids.setdefault(int(data[data.rfind(")") + 2:].split()[1]),
                            []).append(int(d))
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += kids.get(p, [])
    return out


def mem(root):
    """(VmRSS of root, VmHWM of root, PSS summed over the tree) KiB."""
    rss = hwm = pss = 0
    for p in tree(root):
        try:
            with open("/proc/%d/status" % p) as f:
                for line in f:
                    if p == root and line.startswith("VmRSS:"):
                        rss = int(line.split()[1])
                    if p == root and line.startswith("VmHWM:"):
                        hwm = int(line.split()[1])
            with open("/proc/%d/smaps_rollup" % p) as f:
                for line in f:
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1])
        except OSError:
            pass
    return rss, hwm, pss


def cpu(root, which=(11, 12)):
    """CPU seconds of root's tree: user + system, or which=(11,) user
    only, (12,) system only."""
    t = 0
    for p in tree(root):
        try:
            with open("/proc/%d/stat" % p) as f:
                data = f.read()
            rest = data[data.rfind(")") + 2:].split()
            t += sum(int(rest[i]) for i in which)
        except OSError:
            pass
    return t / os.sysconf("SC_CLK_TCK")


def kv(text):
    return dict(line.split("=", 1) for line in text.splitlines()
                if "=" in line)


def start_and_wait(cmd, port, qname, logpath, timeout=LOAD_TIMEOUT,
                   cwd=None):
    """Start cmd; poll qname every 1 ms (build/qpace -w); return (proc,
    seconds from exec to first answer)."""
    qfile = logpath + ".q"
    with open(qfile, "w") as f:
        f.write("%s A\n" % qname)
    w = subprocess.Popen([os.path.join(BUILD, "qpace"), "-s", "127.0.0.1",
                          "-p", str(port), "-d", qfile, "-w", "-l",
                          str(timeout)], stdout=subprocess.PIPE, text=True,
                         start_new_session=True)
    started.append(w)
    if w.stdout.readline().strip() != "ready=1":
        die("qpace -w did not start")
    logf = open(logpath, "w")
    t0 = time.monotonic_ns()
    p = subprocess.Popen(cmd, stdout=logf, stderr=subprocess.STDOUT,
                         start_new_session=True, cwd=cwd)
    started.append(p)
    out, _ = w.communicate(timeout=timeout + 10)
    started.remove(w)
    first = int(kv(out).get("first_answer_ns", "0"))
    if not first or p.poll() is not None:
        die("%s did not answer %s within %d s (log %s)" %
            (cmd[0], qname, timeout, logpath))
    return p, (first - t0) / 1e9


def zone_load(work, res):
    zf = os.path.join(work, "scale.zone")
    log("generating %d names" % NAMES)
    subprocess.run([sys.executable, os.path.join(ROOT, "tools",
                                                 "genzone.py"), "zone",
                    ZONE, str(NAMES), zf], check=True, timeout=600)
    res["zone_bytes"] = os.path.getsize(zf)
    last = "h%d.%s" % (NAMES - 1, ZONE)

    # dnsd
    ini = os.path.join(work, "dnsd.ini")
    with open(ini, "w") as f:
        f.write("[server]\nlisten = 127.0.0.1:%d\nthreads = 1\n"
                "log_level = info\n\n[zone %s]\nfile = %s\n" %
                (PORT, ZONE, zf))
    wall, peak, rc, out = timed_child([os.path.join(BUILD, "dnsd"), "-t",
                                       "-c", ini], LOAD_TIMEOUT)
    if rc != 0:
        die("dnsd -t: " + out[-2000:])
    d = res["dnsd"] = {"check_s": wall, "check_peak_kib": peak}
    dlog = os.path.join(work, "dnsd.log")
    p, t = start_and_wait([os.path.join(BUILD, "dnsd"), "-c", ini], PORT,
                          last, dlog)
    d["start_to_answer_s"] = t
    d["rss_kib"], d["hwm_kib"], d["pss_kib"] = mem(p.pid)
    log("dnsd: -t %.2f s peak %d MiB; serving after %.2f s, RSS %d MiB" %
        (wall, peak >> 10, t, d["rss_kib"] >> 10))
    hup_under_load(p, dlog, work, res)
    stop(p)

    # Knot
    kdir = os.path.join(work, "knot")
    os.makedirs(kdir)
    kconf = os.path.join(kdir, "knot.conf")
    with open(kconf, "w") as f:
        f.write("server:\n    listen: 127.0.0.1@%d\n    rundir: %s\n"
                "    udp-workers: 1\n    tcp-workers: 1\n"
                "    background-workers: 1\n"
                "database:\n    storage: %s\n"
                "log:\n  - target: stderr\n    any: info\n"
                "template:\n  - id: default\n    storage: %s\n"
                "    journal-content: none\n    zonefile-sync: -1\n"
                "    zonefile-load: whole\n    semantic-checks: off\n"
                "zone:\n  - domain: %s\n    file: %s\n" %
                (PORT + 1, kdir, kdir, kdir, ZONE, zf))
    p, t = start_and_wait(["knotd", "-c", kconf], PORT + 1, last,
                          os.path.join(kdir, "knot.log"))
    k = res["knot"] = {"start_to_answer_s": t}
    k["rss_kib"], k["hwm_kib"], k["pss_kib"] = mem(p.pid)
    log("knot: serving after %.2f s, RSS %d MiB" % (t, k["rss_kib"] >> 10))
    stop(p)

    # NSD
    ndir = os.path.join(work, "nsd")
    os.makedirs(ndir)
    wall, peak, rc, out = timed_child(["nsd-checkzone", ZONE, zf],
                                      LOAD_TIMEOUT)
    if rc != 0:
        die("nsd-checkzone: " + out[-2000:])
    n = res["nsd"] = {"check_s": wall, "check_peak_kib": peak}
    nconf = os.path.join(ndir, "nsd.conf")
    with open(nconf, "w") as f:
        f.write('server:\n    ip-address: 127.0.0.1@%d\n'
                '    server-count: 1\n    username: ""\n    chroot: ""\n'
                '    database: ""\n    zonelistfile: "%s/zone.list"\n'
                '    xfrdfile: "%s/xfrd.state"\n    xfrdir: "%s"\n'
                '    pidfile: "%s/nsd.pid"\n    verbosity: 1\n'
                '    rrl-ratelimit: 0\n'
                'remote-control:\n    control-enable: no\n'
                'zone:\n    name: %s\n    zonefile: "%s"\n' %
                (PORT + 2, ndir, ndir, ndir, ndir, ZONE, zf))
    p, t = start_and_wait(["nsd", "-d", "-c", nconf], PORT + 2, last,
                          os.path.join(ndir, "nsd.log"))
    n["start_to_answer_s"] = t
    time.sleep(1)  # let the serving child settle before reading memory
    n["rss_kib"], n["hwm_kib"], n["pss_kib"] = mem(p.pid)
    n["procs"] = len(tree(p.pid))
    log("nsd: checkzone %.2f s peak %d MiB; serving after %.2f s, PSS %d "
        "MiB over %d processes" % (wall, peak >> 10, t, n["pss_kib"] >> 10,
                                   n["procs"]))
    stop(p)


def hup_under_load(p, dlog, work, res):
    """SIGHUP with the 1M-name zone while build/qpace sends 5,000 qps;
    every query must be answered."""
    qf = os.path.join(work, "hup.q")
    with open(qf, "w") as f:
        for i in range(0, NAMES, max(1, NAMES // 1000)):
            f.write("h%d.%s A\n" % (i, ZONE))
    load = subprocess.Popen(
        [os.path.join(BUILD, "qpace"), "-s", "127.0.0.1", "-p", str(PORT),
         "-d", qf, "-r", "5000", "-n", str(int(5000 * HUP_TIME)), "-l",
         str(int(HUP_TIME) + 1), "-t", "2000"], stdout=subprocess.PIPE,
        text=True, start_new_session=True)
    started.append(load)
    time.sleep(min(3, HUP_TIME / 4))
    size0 = os.path.getsize(dlog)
    _, hwm0, _ = mem(p.pid)
    t_hup = time.monotonic()
    os.kill(p.pid, signal.SIGHUP)
    reload_s = None
    peak = hwm0
    while time.monotonic() < t_hup + HUP_TIME:
        with open(dlog) as f:
            f.seek(size0)
            text = f.read()
        rss, hwm, _ = mem(p.pid)
        peak = max(peak, hwm)
        if re.search(r"reload", text, re.I) and \
                re.search(r"(reloaded|reload (done|complete|ok)|"
                          r"reload failed|configuration .*live)", text,
                          re.I):
            reload_s = time.monotonic() - t_hup
            break
        time.sleep(0.01)
    out, _ = load.communicate(timeout=HUP_TIME + 30)
    started.remove(load)
    r = kv(out)
    with open(dlog) as f:
        f.seek(size0)
        lines = [ln.strip() for ln in f.read().splitlines()
                 if "reload" in ln.lower()][:3]
    res["hup"] = {"sent": int(r.get("sent", 0)),
                  "answered": int(r.get("answered", 0)),
                  "lost": int(r.get("lost", 0)),
                  "p99_us": float(r.get("p99_us", 0)),
                  "max_us": float(r.get("max_us", 0)),
                  "reload_s": reload_s, "peak_hwm_kib": peak,
                  "log": lines}
    log("SIGHUP under load: %s sent, %s lost, reload %s s, max latency "
        "%.1f ms; log: %s" % (r.get("sent"), r.get("lost"),
                              "%.2f" % reload_s if reload_s else "?",
                              float(r.get("max_us", 0)) / 1000,
                              " | ".join(lines)))


def metrics(port):
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port,
                                    timeout=5) as r:
            text = r.read().decode()
    except OSError:
        return None
    m = {}
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        f = line.rsplit(" ", 1)
        if len(f) == 2:
            try:
                m[f[0]] = float(f[1])
            except ValueError:
                pass
    return m


def readiness(dlog):
    """Seconds of dnsd's readiness round, from its log: "checking N
    member(s) before serving" to the first line after it that is not a
    member's first result."""
    stamps = []
    with open(dlog) as f:
        for line in f:
            m = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+)Z", line)
            if m is None:
                continue
            if not stamps and "before serving" not in line:
                continue
            if stamps and " probe: member " in line:
                continue
            stamps.append(time.mktime(time.strptime(
                m.group(1)[:19], "%Y-%m-%dT%H:%M:%S")) +
                float("0" + m.group(1)[19:]))
            if len(stamps) == 2:
                return stamps[1] - stamps[0]
    return None


def probes(work, res):
    d = os.path.join(work, "lb")
    os.makedirs(d)
    ctl = PORT + 4
    subprocess.run([sys.executable, os.path.join(ROOT, "tools",
                                                 "genzone.py"), "lbconf", d,
                    str(RECORDS), str(MEMBERS), str(HC_PORT), str(PORT + 3),
                    str(ctl)], check=True, timeout=300)
    ini = os.path.join(d, "dnsd.ini")
    if CHECK_TYPE != "http":
        with open(ini) as f:
            text = f.read()
        with open(ini, "w") as f:
            f.write(text.replace("type = http\n",
                                 "type = %s\n" % CHECK_TYPE, 1))
    wall, peak, rc, out = timed_child([os.path.join(BUILD, "dnsd"), "-t",
                                       "-c", ini], LOAD_TIMEOUT)
    if rc != 0:
        die("dnsd -t (lb config): " + out[-2000:])
    fb = subprocess.Popen([os.path.join(BUILD, "fake_backend"), "-l",
                           "0.0.0.0:%d" % HC_PORT], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL, start_new_session=True)
    started.append(fb)
    time.sleep(0.3)
    if fb.poll() is not None:
        die("fake_backend on 0.0.0.0:%d did not start" % HC_PORT)
    dlog = os.path.join(d, "dnsd.log")
    p, t = start_and_wait([os.path.join(BUILD, "dnsd"), "-c", ini],
                          PORT + 3, "n1.lb.scale", dlog)
    r = res["probe"] = {"records": RECORDS, "members": MEMBERS,
                        "check_type": CHECK_TYPE,
                        "check_s": wall, "start_to_answer_s": t,
                        "readiness_s": readiness(dlog)}
    r["rss_kib"], r["hwm_kib"], _ = mem(p.pid)
    m0 = metrics(ctl)
    if m0 is None:
        r["error"] = "no /metrics on the control endpoint"
        log("probe: " + r["error"])
        stop(p)
        stop(fb)
        return
    time.sleep(2)  # past the readiness round
    m0, c0, t0 = metrics(ctl), cpu(p.pid), time.monotonic()
    u0 = cpu(p.pid, (11,))
    time.sleep(PROBE_TIME)
    m1, c1, t1 = metrics(ctl), cpu(p.pid), time.monotonic()
    u1 = cpu(p.pid, (11,))
    key = "dnsd_probe_duration_seconds_count"
    checks = m1.get(key, 0) - m0.get(key, 0)
    late = m1.get("dnsd_probe_late_total", 0) - \
        m0.get("dnsd_probe_late_total", 0)
    up = sum(v for k, v in m1.items() if k.startswith("dnsd_member_up{"))
    r.update({"seconds": t1 - t0, "checks": checks, "late": late,
              "rate": checks / (t1 - t0), "target_rate": MEMBERS / 5.0,
              "on_time": 1 - late / checks if checks else 0,
              "cpu_s": c1 - c0, "cpu_share": (c1 - c0) / (t1 - t0),
              "cpu_user_s": u1 - u0,
              "members_up": up,
              "dur_sum": m1.get("dnsd_probe_duration_seconds_sum", 0) -
              m0.get("dnsd_probe_duration_seconds_sum", 0)})
    r["mean_check_ms"] = 1000 * r["dur_sum"] / checks if checks else None
    # SIGTERM with the prober busy: dnsd must exit promptly.
    t_term = time.monotonic()
    os.kill(p.pid, signal.SIGTERM)
    try:
        p.wait(30)
        r["stop_s"] = time.monotonic() - t_term
    except subprocess.TimeoutExpired:
        r["stop_s"] = None
    log("probe: %d members (%s), %.0f checks/s (target %.0f), %.2f%% on time, "
        "dnsd CPU %.0f%% (%.1f us per check, %.1f of it user), %d up, "
        "readiness round %s s, ready after %.1f s, stopped after %s s" %
        (MEMBERS, CHECK_TYPE, r["rate"], r["target_rate"],
         100 * r["on_time"], 100 * r["cpu_share"],
         1e6 * r["cpu_s"] / checks if checks else 0,
         1e6 * r["cpu_user_s"] / checks if checks else 0,
         up, "%.2f" % r["readiness_s"] if r["readiness_s"] else "?", t,
         "%.2f" % r["stop_s"] if r["stop_s"] is not None else "> 30"))
    stop(p)
    stop(fb)


def one_name_zone(path, n):
    """n records at one name: A only up to one RRset's limit (65,535),
    else half A, half AAAA. Every RDATA distinct."""
    with open(path, "w") as f:
        f.write("$ORIGIN %s.\n$TTL 300\n@ IN SOA ns1 hostmaster 1 7200 "
                "900 1209600 300\n@ IN NS ns1\nns1 IN A 192.0.2.1\n" % ZONE)
        split = n > 65535
        for i in range(n):
            if split and i % 2:
                f.write("many IN AAAA 2001:db8::%x:%x\n" % (i >> 16,
                                                            i & 0xffff))
            else:
                f.write("many IN A 10.%d.%d.%d\n" % (i >> 16,
                                                     (i >> 8) & 255, i & 255))


def one_name(work, res):
    out = res["one_name"] = []
    for n in ONE_NAME_COUNTS:
        zf = os.path.join(work, "one%d.zone" % n)
        one_name_zone(zf, n)
        ini = os.path.join(work, "one%d.ini" % n)
        with open(ini, "w") as f:
            f.write("[server]\nlisten = 127.0.0.1:%d\n\n[zone %s]\n"
                    "file = %s\n" % (PORT, ZONE, zf))
        wall, peak, rc, text = timed_child(
            [os.path.join(BUILD, "dnsd"), "-t", "-c", ini], LOAD_TIMEOUT)
        if rc != 0:
            die("dnsd -t (%d records at one name): %s" % (n, text[-2000:]))
        out.append({"records": n, "check_s": wall, "check_peak_kib": peak})
        log("one name: %d records, dnsd -t %.2f s, peak %d MiB" %
            (n, wall, peak >> 10))


def report(res):
    L = []
    P = L.append
    P("# dnsd scale benchmark, %s" % time.strftime("%Y-%m-%d %H:%M UTC",
                                                  time.gmtime()))
    P("")
    if "zone_bytes" in res:
        P("Zone of %s names (%.0f MiB of master file):" %
          ("{:,}".format(NAMES), res["zone_bytes"] / 2**20))
        P("")
        P("| server | check/compile s | its peak RSS MiB | exec to answer s "
          "| serving RSS MiB | PSS MiB |")
        P("|---|---:|---:|---:|---:|---:|")
    for k, label, chk in (("dnsd", "dnsd", "dnsd -t"),
                          ("knot", "Knot", None),
                          ("nsd", "NSD", "nsd-checkzone")):
        r = res.get(k)
        if not r:
            continue
        P("| %s | %s | %s | %.2f | %.0f | %.0f |" % (
            label, "%.2f (%s)" % (r["check_s"], chk) if chk else "-",
            "%.0f" % (r["check_peak_kib"] / 1024) if chk else "-",
            r["start_to_answer_s"], r["rss_kib"] / 1024,
            r["pss_kib"] / 1024))
    h = res.get("hup")
    if h:
        P("")
        P("SIGHUP reload of dnsd with that zone under 5,000 qps: %d sent, "
          "%d answered, %d lost; reload done after %s s; p99 %.0f us, max "
          "%.1f ms; peak RSS (VmHWM) %d MiB." %
          (h["sent"], h["answered"], h["lost"],
           "%.2f" % h["reload_s"] if h["reload_s"] else "?", h["p99_us"],
           h["max_us"] / 1000, h["peak_hwm_kib"] >> 10))
    r = res.get("probe")
    if r:
        P("")
        if "error" in r:
            P("Probe thread: %s." % r["error"])
        else:
            P("Probe thread: %s load-balanced names, %s members checked "
              "over %s every 5 s: %.0f checks/s achieved (target %.0f), "
              "%.2f%% started on time (dnsd_probe_late_total: over 1 s "
              "late), mean check %.2f ms, %d members up; dnsd CPU %.0f%% "
              "of one core (%.1f us per check, %.1f of it in user space); "
              "dnsd -t %.2f s; ready "
              "(first answer, after one round of checks) %.1f s, of "
              "which the readiness round %s s; stopped %s s after "
              "SIGTERM; RSS %d MiB." %
              ("{:,}".format(r["records"]), "{:,}".format(r["members"]),
               r["check_type"].upper(), r["rate"], r["target_rate"], 100 * r["on_time"],
               r["mean_check_ms"] or 0, r["members_up"],
               100 * r["cpu_share"],
               1e6 * r["cpu_s"] / r["checks"] if r["checks"] else 0,
               1e6 * r["cpu_user_s"] / r["checks"] if r["checks"] else 0,
               r["check_s"], r["start_to_answer_s"],
               "%.2f" % r["readiness_s"] if r.get("readiness_s") else "?",
               "%.2f" % r["stop_s"] if r.get("stop_s") is not None
               else "over 30", r["rss_kib"] >> 10))
    for o in res.get("one_name", []):
        P("")
        P("%s records at one name: dnsd -t %.2f s, peak RSS %d MiB." %
          ("{:,}".format(o["records"]), o["check_s"],
           o["check_peak_kib"] >> 10))
    P("")
    P("Targets:")
    d, k, n = res.get("dnsd"), res.get("knot"), res.get("nsd")
    if d and k and n:
        best_t = min(k["start_to_answer_s"], n["start_to_answer_s"])
        P("- %s %s-name zone load (exec to answer): dnsd %.2f s vs best "
          "of Knot/NSD %.2f s" %
          ("MET" if d["start_to_answer_s"] <= best_t else "NOT MET",
           "{:,}".format(NAMES), d["start_to_answer_s"], best_t))
        best_m = min(k["pss_kib"], n["pss_kib"])
        P("- %s %s-name zone memory: dnsd %.0f MiB vs best of Knot/NSD "
          "%.0f MiB (PSS summed over each server's processes)" %
          ("MET" if d["pss_kib"] <= best_m else "NOT MET",
           "{:,}".format(NAMES), d["pss_kib"] / 1024, best_m / 1024))
    if h:
        P("- %s SIGHUP under load: %d queries lost" %
          ("MET" if h["lost"] == 0 else "NOT MET", h["lost"]))
    if r and "error" not in r:
        ok = r["on_time"] >= 0.99 and r["rate"] >= 0.95 * r["target_rate"]
        P("- %s probe: %.0f of %.0f checks/s, %.2f%% on time (target: "
          "20,000 members at 5 s, >= 99%% on time)" %
          ("MET" if ok else "NOT MET", r["rate"], r["target_rate"],
           100 * r["on_time"]))
    return "\n".join(L) + "\n"


def main():
    for b in ("dnsd", "qpace", "fake_backend"):
        if not os.access(os.path.join(BUILD, b), os.X_OK):
            die("%s/%s missing: run make bench-scale" % (BUILD, b))
    for tool in ("knotd", "nsd", "nsd-checkzone"):
        if "zone" in PARTS and shutil.which(tool) is None:
            die("%s missing: run make bench first (it installs the peers)"
                % tool)
    # 20,000 members: the first round of checks opens many sockets at once.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 65536 if hard == resource.RLIM_INFINITY else min(65536, hard)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, max(hard, want)))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    os.makedirs(OUT, exist_ok=True)
    work = tempfile.mkdtemp(prefix="dnsd-bench-scale-")
    signal.signal(signal.SIGTERM, lambda *_: die("terminated"))
    res = {"names": NAMES}
    t0 = time.time()
    try:
        if "zone" in PARTS:
            zone_load(work, res)
        if "probe" in PARTS:
            probes(work, res)
        if "onename" in PARTS:
            one_name(work, res)
        text = report(res)
        with open(os.path.join(OUT, "scale.md"), "w") as f:
            f.write(text)
        with open(os.path.join(OUT, "scale.json"), "w") as f:
            json.dump(res, f, indent=1)
        print(text)
        log("done in %.0f s" % (time.time() - t0))
    finally:
        for p in reversed(list(started)):
            stop(p)
        if os.environ.get("BENCH_KEEP") != "1":
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
