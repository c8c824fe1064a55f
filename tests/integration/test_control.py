"""The control endpoint (SPEC section 6) and dnsdctl (SPEC section 1):
/healthz, /metrics (checked against the Prometheus text format, counters
rising with queries, member health following a fake backend, reloads),
/status against the SPEC's shape, the status page, 404/405, a burst of
scrapes while queries flow, dnsdctl's table, raw metrics and errors, and
the service checks (control bind failure, unknown user)."""

import json
import re
import signal
import socket
import threading
import time

from harness import (SCALE, Backend, Server, check, fail, free_tcp_port,
                     http_request, make_query, prom_value, query, run_dnsd,
                     run_dnsdctl, scrape, udp_exchange, wait_for)

ZONE = """$ORIGIN ctl.test.
$TTL 3600
@ IN SOA ns1 hostmaster 2026112101 7200 900 1209600 60
@ IN NS ns1
ns1 IN A 192.0.2.53
static IN A 192.0.2.80
"""

# Short checks: a failing member is out within 2 x 0.3 + 0.2 + 1 s.
INTERVAL_S = 0.3
OUT_BOUND = 2 * INTERVAL_S + 0.2 + 1.0


def _extra(port):
    return """
[check web]
type = http
port = %d
interval = 300ms
timeout = 200ms
rise = 2
fall = 2

[cluster eu-west]
location = 53.35, -6.26
member = 127.0.0.41 weight=3
member = 127.0.0.42
check = web

[cluster static]
member = 192.0.2.10
check = none

[record www.ctl.test]
policy = failover
clusters = eu-west, static
ttl = 5
""" % port


class Ctl:
    """dnsd with a control endpoint and a fake backend for 127.0.0.41/42."""

    def __init__(self, name="dnsd control", extra_opts=None):
        self.backend = Backend(["127.0.0.41", "127.0.0.42"], name="backend .41/.42")
        self.backend.start()
        self.cport = free_tcp_port(["127.0.0.1"])
        opts = {"control": "127.0.0.1:%d" % self.cport}
        opts.update(extra_opts or {})
        self.srv = Server(zones={"ctl.test": ZONE}, server_opts=opts,
                          extra=_extra(self.backend.port), name=name)
        self.srv.start()
        self.control = "127.0.0.1:%d" % self.cport

    def get(self, path, method="GET"):
        return http_request("127.0.0.1", self.cport, path, method=method)

    def status(self):
        code, headers, body = self.get("/status")
        check(code == 200, "/status: HTTP %d" % code)
        check(headers.get("content-type", "").startswith("application/json"),
              "/status: Content-Type %r" % headers.get("content-type"))
        try:
            return json.loads(body.decode())
        except ValueError as e:
            fail("/status is not JSON (%s): %r" % (e, body[:300]))

    def metrics(self):
        return scrape(self.cport)


def _shared_ctl():
    """A fresh endpoint for the test (the harness stops every server and
    backend after each test; start-up takes well under a second)."""
    return Ctl()


# ---------------------------------------------------------------------------
# paths


def test_healthz():
    c = Ctl()
    code, headers, body = c.get("/healthz")
    check(code == 200 and body == b"ok\n", "/healthz: %d %r" % (code, body))
    check(headers.get("cache-control") == "no-store",
          "/healthz: Cache-Control %r" % headers.get("cache-control"))
    # HEAD: the same status, no body.
    code, _, body = c.get("/healthz", method="HEAD")
    check(code == 200 and body == b"", "HEAD /healthz: %d %r" % (code, body))


def test_unknown_paths_404_and_methods_405():
    c = _shared_ctl()
    for path in ("/nope", "/metrics/", "/status.json", "/healthz/x", "/index.html",
                 "/%2e%2e/etc/passwd"):
        code, _, _ = c.get(path)
        check(code == 404, "GET %s: HTTP %d, expected 404" % (path, code))
    for method in ("POST", "PUT", "DELETE"):
        code, headers, _ = c.get("/metrics", method=method)
        check(code == 405, "%s /metrics: HTTP %d, expected 405" % (method, code))
        check("GET" in headers.get("allow", ""), "%s: Allow %r" % (method, headers.get("allow")))
    # A query string does not change the page.
    code, _, body = c.get("/healthz?verbose=1")
    check(code == 200 and body == b"ok\n", "/healthz?verbose=1: %d %r" % (code, body))


def test_metrics_format_and_names():
    c = _shared_ctl()
    s = c.metrics()
    names = {k[0] for k in s}
    for want in ("dnsd_queries_total", "dnsd_responses_total", "dnsd_answers_total",
                 "dnsd_member_up", "dnsd_probe_duration_seconds_bucket",
                 "dnsd_probe_duration_seconds_sum", "dnsd_probe_duration_seconds_count",
                 "dnsd_probe_failures_total", "dnsd_config_reloads_total",
                 "dnsd_config_last_reload_success_timestamp_seconds",
                 "dnsd_rrl_limited_total", "dnsd_degraded_answers_total"):
        check(want in names, "/metrics lacks %s" % want)
    prom_value(s, "dnsd_queries_total", proto="udp", qtype="A")
    prom_value(s, "dnsd_queries_total", proto="tcp", qtype="AAAA")
    prom_value(s, "dnsd_responses_total", rcode="NXDOMAIN")
    prom_value(s, "dnsd_config_reloads_total", result="success")
    prom_value(s, "dnsd_config_reloads_total", result="failure")
    for reason in ("all_down", "spill"):
        prom_value(s, "dnsd_degraded_answers_total", record="www.ctl.test.", reason=reason)
    for addr in ("127.0.0.41", "127.0.0.42"):
        check(prom_value(s, "dnsd_member_up", cluster="eu-west", address=addr) == 1,
              "member %s not up at start" % addr)
        prom_value(s, "dnsd_probe_failures_total", cluster="eu-west", address=addr)
    check(prom_value(s, "dnsd_member_up", cluster="static", address="192.0.2.10") == 1,
          "check = none member not up")
    # Set at start: a recent Unix time.
    ts = prom_value(s, "dnsd_config_last_reload_success_timestamp_seconds")
    check(abs(ts - time.time()) < 600, "last reload timestamp %s is not now" % ts)
    check(prom_value(s, "dnsd_probe_duration_seconds_count") >= 2,
          "readiness checks not counted in the histogram")


def test_metrics_build_info_and_process():
    # Issue 9: dnsd_build_info and the process_* family every exporter has.
    c = _shared_ctl()
    s = c.metrics()
    code, _, out = run_dnsd(["-V"])
    version = out.strip().split()[-1] if code == 0 and out.strip() else None
    names = {k[0] for k in s}
    check("dnsd_build_info" in names, "/metrics lacks dnsd_build_info")
    if version:
        check(prom_value(s, "dnsd_build_info", version=version) == 1,
              "dnsd_build_info{version=%r} is not 1" % version)
    pid = c.srv.proc.pid
    with open("/proc/%d/status" % pid) as f:
        rss_kb = int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))
    rss = prom_value(s, "process_resident_memory_bytes")
    check(0.5 * rss_kb * 1024 <= rss <= 2.0 * rss_kb * 1024 + (8 << 20),
          "process_resident_memory_bytes %d, /proc says %d kB" % (rss, rss_kb))
    fds = prom_value(s, "process_open_fds")
    real = len(__import__("os").listdir("/proc/%d/fd" % pid))
    check(abs(fds - real) <= 4, "process_open_fds %d, /proc lists %d" % (fds, real))
    check(prom_value(s, "process_max_fds") >= fds, "process_max_fds below open fds")
    start = prom_value(s, "process_start_time_seconds")
    check(abs(start - time.time()) < 120, "process_start_time_seconds %s is not now" % start)
    cpu = prom_value(s, "process_cpu_seconds_total")
    check(0 <= cpu < 120, "process_cpu_seconds_total %s" % cpu)


def test_metrics_pass_promtool():
    # The whole exposition, checked by Prometheus's own linter (Debian's
    # prometheus package; tools/deps.sh installs it).
    import shutil
    import subprocess
    promtool = shutil.which("promtool")
    if promtool is None:
        fail("promtool not installed (tools/deps.sh installs prometheus)")
    c = _shared_ctl()
    query(c.srv.port, "www.ctl.test")
    code, _, body = c.get("/metrics")
    check(code == 200, "/metrics: HTTP %d" % code)
    r = subprocess.run([promtool, "check", "metrics"], input=body,
                       capture_output=True, timeout=30 * SCALE)
    check(r.returncode == 0, "promtool check metrics failed (exit %d):\n%s%s"
          % (r.returncode, r.stdout.decode(errors="replace"),
             r.stderr.decode(errors="replace")))


def test_metrics_counters_rise_with_queries():
    c = _shared_ctl()
    port = c.srv.port
    before = c.metrics()
    n = 25
    for _ in range(n):
        query(port, "www.ctl.test", "A")
    for _ in range(3):
        query(port, "nope.ctl.test", "A")
    query(port, "www.ctl.test", "AAAA", tcp=True)
    query(port, "outside.example", "A")
    after = c.metrics()

    def delta(name, **labels):
        return prom_value(after, name, **labels) - prom_value(before, name, **labels)

    check(delta("dnsd_queries_total", proto="udp", qtype="A") == n + 4,
          "udp A queries rose by %d, expected %d"
          % (delta("dnsd_queries_total", proto="udp", qtype="A"), n + 4))
    check(delta("dnsd_queries_total", proto="tcp", qtype="AAAA") == 1,
          "tcp AAAA queries did not rise by 1")
    check(delta("dnsd_responses_total", rcode="NXDOMAIN") == 3, "NXDOMAIN did not rise by 3")
    check(delta("dnsd_responses_total", rcode="REFUSED") == 1, "REFUSED did not rise by 1")
    check(delta("dnsd_responses_total", rcode="NOERROR") == n + 1,
          "NOERROR rose by %d, expected %d" % (delta("dnsd_responses_total", rcode="NOERROR"), n + 1))
    check(delta("dnsd_answers_total", record="www.ctl.test.", cluster="eu-west") == n,
          "answers{www, eu-west} rose by %d, expected %d"
          % (delta("dnsd_answers_total", record="www.ctl.test.", cluster="eu-west"), n))


def test_member_up_follows_backend():
    c = Ctl(name="dnsd member_up")
    c.backend.control("127.0.0.42", status=503)
    t0 = time.monotonic()

    def down():
        s = c.metrics()
        return prom_value(s, "dnsd_member_up", cluster="eu-west", address="127.0.0.42") == 0

    check(wait_for(down, OUT_BOUND * SCALE + 1.0),
          "dnsd_member_up{127.0.0.42} still 1 after %.1f s" % (time.monotonic() - t0))
    s = c.metrics()
    check(prom_value(s, "dnsd_member_up", cluster="eu-west", address="127.0.0.41") == 1,
          "127.0.0.41 went down too")
    check(prom_value(s, "dnsd_probe_failures_total", cluster="eu-west",
                     address="127.0.0.42") >= 2, "probe failures not counted")
    check(prom_value(s, "dnsd_probe_failures_total", cluster="eu-west",
                     address="127.0.0.41") == 0, "127.0.0.41 has failures")
    st = c.status()
    m = [m for cl in st["clusters"] if cl["name"] == "eu-west"
         for m in cl["members"] if m["address"] == "127.0.0.42"][0]
    check(m["state"] == "down" and m["last_check"]["ok"] is False
          and "503" in m["last_check"]["detail"], "/status member .42: %r" % m)
    ev = [e for e in st["events"] if e["address"] == "127.0.0.42" and e["state"] == "down"]
    check(ev and "503" in ev[0]["reason"], "no down event for .42 in %r" % st["events"])
    # And back.
    c.backend.control("127.0.0.42", status=200)
    check(wait_for(lambda: not down(), OUT_BOUND * SCALE + 1.0),
          "dnsd_member_up{127.0.0.42} did not come back")


def test_reload_counters():
    c = Ctl(name="dnsd reloads")
    s0 = c.metrics()
    time.sleep(1.1)  # the timestamp has a one-second resolution
    c.srv.send_signal(signal.SIGHUP)
    check(wait_for(lambda: prom_value(c.metrics(), "dnsd_config_reloads_total",
                                      result="success") == 1, 5.0 * SCALE),
          "reload success not counted")
    s1 = c.metrics()
    check(prom_value(s1, "dnsd_config_last_reload_success_timestamp_seconds")
          > prom_value(s0, "dnsd_config_last_reload_success_timestamp_seconds"),
          "timestamp did not move on a good reload")
    good = c.srv.ini_text
    c.srv.write_ini(good + "\n[bogus]\nkey = 1\n")
    c.srv.send_signal(signal.SIGHUP)
    check(wait_for(lambda: prom_value(c.metrics(), "dnsd_config_reloads_total",
                                      result="failure") == 1, 5.0 * SCALE),
          "reload failure not counted")
    s2 = c.metrics()
    check(prom_value(s2, "dnsd_config_last_reload_success_timestamp_seconds")
          == prom_value(s1, "dnsd_config_last_reload_success_timestamp_seconds"),
          "timestamp moved on a failed reload")
    # A changed control address takes effect at restart: logged, and the
    # endpoint keeps answering where it was.
    other = free_tcp_port(["127.0.0.1"])
    c.srv.write_ini(good.replace("control = 127.0.0.1:%d" % c.cport,
                                 "control = 127.0.0.1:%d" % other))
    c.srv.send_signal(signal.SIGHUP)
    check(wait_for(lambda: "takes effect at restart" in c.srv.stderr()
                   and "control" in c.srv.stderr(), 5.0 * SCALE),
          "no 'takes effect at restart' log for a changed control address")
    check(c.get("/healthz")[0] == 200, "endpoint moved on reload")
    # A clean stop with the endpoint open (sanitizer builds check leaks).
    c.srv.stop()


# ---------------------------------------------------------------------------
# /status


def _is_time(s):
    return isinstance(s, str) and re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", s)


def validate_status(st):
    """The SPEC section 6 shape (more keys allowed)."""
    check(isinstance(st, dict), "status is not an object")
    check(isinstance(st.get("records"), list), "records is not a list")
    check(isinstance(st.get("clusters"), list), "clusters is not a list")
    names = {c.get("name") for c in st["clusters"]}
    for r in st["records"]:
        check(isinstance(r.get("name"), str) and r["name"].endswith("."),
              "record name %r" % r.get("name"))
        check(r.get("policy") in ("geo", "weighted", "failover"), "policy %r" % r.get("policy"))
        check(isinstance(r.get("clusters"), list) and
              all(isinstance(x, str) and x in names for x in r["clusters"]),
              "record clusters %r" % r.get("clusters"))
    for c in st["clusters"]:
        check(isinstance(c.get("name"), str), "cluster name %r" % c.get("name"))
        loc = c.get("location", "missing")
        check(loc is None or (isinstance(loc, list) and len(loc) == 2 and
                              all(isinstance(x, (int, float)) for x in loc)),
              "cluster %s location %r" % (c["name"], loc))
        check(isinstance(c.get("members"), list), "members of %s" % c["name"])
        for m in c["members"]:
            check(isinstance(m.get("address"), str), "address %r" % m.get("address"))
            check(isinstance(m.get("weight"), int) and not isinstance(m["weight"], bool),
                  "weight %r" % m.get("weight"))
            check(m.get("state") in ("up", "down"), "state %r" % m.get("state"))
            check(_is_time(m.get("since")), "since %r" % m.get("since"))
            check("last_check" in m, "member without last_check: %r" % m)
            lc = m["last_check"]
            if lc is not None:
                check(isinstance(lc.get("ok"), bool), "last_check.ok %r" % lc)
                check(isinstance(lc.get("detail"), str), "last_check.detail %r" % lc)
                check(isinstance(lc.get("duration_ms"), (int, float)) and
                      not isinstance(lc["duration_ms"], bool) and lc["duration_ms"] >= 0,
                      "last_check.duration_ms %r" % lc)
                check(_is_time(lc.get("at")), "last_check.at %r" % lc)


def test_status_shape():
    c = _shared_ctl()
    st = c.status()
    validate_status(st)
    check([r["name"] for r in st["records"]] == ["www.ctl.test."], "records %r" % st["records"])
    r = st["records"][0]
    check(r["policy"] == "failover" and r["clusters"] == ["eu-west", "static"], "record %r" % r)
    eu, static = st["clusters"]
    check(eu["name"] == "eu-west" and eu["location"] == [53.35, -6.26], "eu-west %r" % eu)
    check([(m["address"], m["weight"]) for m in eu["members"]]
          == [("127.0.0.41", 3), ("127.0.0.42", 1)], "eu-west members %r" % eu["members"])
    for m in eu["members"]:
        check(m["state"] == "up" and m["last_check"]["ok"] is True
              and m["last_check"]["detail"] == "HTTP 200", "member %r" % m)
    check(static["location"] is None, "static location %r" % static["location"])
    m = static["members"][0]
    check(m["address"] == "192.0.2.10" and m["state"] == "up" and m["last_check"] is None,
          "check = none member %r" % m)
    check(isinstance(st.get("events"), list) and all(
        _is_time(e["at"]) and e["state"] in ("up", "down") for e in st["events"]),
        "events %r" % st.get("events"))


def test_status_page():
    c = _shared_ctl()
    code, headers, body = c.get("/")
    check(code == 200, "GET /: HTTP %d" % code)
    check(headers.get("content-type", "").startswith("text/html"),
          "GET /: Content-Type %r" % headers.get("content-type"))
    html = body.decode()
    check(html.lstrip().lower().startswith("<!doctype html>"), "not an HTML document")
    check("/status" in html and "fetch(" in html, "the page does not fetch /status")
    # Self-contained: no external scripts, styles, images or fonts.
    check(not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html),
          "the page refers to an external asset")
    check("<script src" not in html and "<link" not in html, "external script/style")


# ---------------------------------------------------------------------------
# load


def test_scrape_burst_loses_no_query():
    """200 scrapes of /metrics and /status while a UDP query stream flows:
    every query is answered (the scrape path takes no lock the answer path
    needs)."""
    c = _shared_ctl()
    port = c.srv.port
    stop = threading.Event()
    result = {"sent": 0, "lost": 0}

    def stream():
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(2.0 * SCALE)
        try:
            for i in range(100000):
                if stop.is_set():
                    break
                wire = make_query("www.ctl.test", "A", qid=i & 0xFFFF)
                s.sendto(wire, ("127.0.0.1", port))
                result["sent"] += 1
                try:
                    data, _ = s.recvfrom(4096)
                    if data[:2] != wire[:2]:
                        result["lost"] += 1
                except socket.timeout:
                    result["lost"] += 1
        finally:
            s.close()

    t = threading.Thread(target=stream)
    t.start()
    try:
        t0 = time.monotonic()
        for i in range(200):
            if i % 2:
                c.metrics()
            else:
                c.status()
        took = time.monotonic() - t0
    finally:
        stop.set()
        t.join(30)
    check(result["sent"] > 100, "only %d queries sent during the burst" % result["sent"])
    check(result["lost"] == 0, "%d of %d queries lost during 200 scrapes (%.1f s)"
          % (result["lost"], result["sent"], took))
    check(c.get("/healthz")[0] == 200, "endpoint unhealthy after the burst")
    c.srv.stop()


# ---------------------------------------------------------------------------
# dnsdctl


def test_dnsdctl_status():
    c = _shared_ctl()
    rc, out, err = run_dnsdctl(["-s", c.control, "status"])
    check(rc == 0, "dnsdctl status: exit %d; stderr: %s" % (rc, err))
    check("\033[" not in out, "colour codes when stdout is not a terminal")
    lines = out.splitlines()
    head = lines[0].split()
    check(head[:5] == ["RECORD", "CLUSTER", "MEMBER", "WEIGHT", "STATE"] and
          "SINCE" in head and "CHECK" in head, "header %r" % lines[0])
    rows = {}
    for line in lines[1:]:
        m = re.search(r"(127\.0\.0\.4[12]|192\.0\.2\.10)\s+(\d+)\s+(up|down)\s", line)
        if m:
            rows[m.group(1)] = (int(m.group(2)), m.group(3), line)
    check(set(rows) == {"127.0.0.41", "127.0.0.42", "192.0.2.10"}, "rows %r" % out)
    check(rows["127.0.0.41"][:2] == (3, "up"), "row .41: %r" % rows["127.0.0.41"][2])
    check("HTTP 200" in rows["127.0.0.41"][2] and " ms" in rows["127.0.0.41"][2],
          "no check detail/duration in %r" % rows["127.0.0.41"][2])
    check("www.ctl.test." in out and "eu-west" in out and "static" in out,
          "record/cluster names missing:\n%s" % out)
    # $DNSD_CONTROL is the default server.
    rc2, out2, err2 = run_dnsdctl(["status"], env={"DNSD_CONTROL": c.control})
    check(rc2 == 0 and "127.0.0.41" in out2, "DNSD_CONTROL: exit %d %s" % (rc2, err2))


def test_dnsdctl_metrics():
    c = _shared_ctl()
    rc, out, err = run_dnsdctl(["-s", c.control, "metrics"])
    check(rc == 0, "dnsdctl metrics: exit %d; stderr: %s" % (rc, err))
    from harness import prom_parse
    s = prom_parse(out)
    check(prom_value(s, "dnsd_member_up", cluster="eu-west", address="127.0.0.41") == 1,
          "dnsdctl metrics output lacks member_up")


def test_dnsdctl_errors():
    port = free_tcp_port(["127.0.0.1"])  # nothing listens there
    rc, out, err = run_dnsdctl(["-s", "127.0.0.1:%d" % port, "status"])
    check(rc == 1, "unreachable: exit %d, expected 1" % rc)
    check(err.strip() == "dnsdctl: cannot reach 127.0.0.1:%d: Connection refused" % port,
          "unreachable: stderr %r" % err)
    rc, _, err = run_dnsdctl(["-s", "127.0.0.1:%d" % port, "metrics"])
    check(rc == 1 and "cannot reach" in err, "metrics unreachable: %d %r" % (rc, err))
    for args in ([], ["bogus"], ["-x", "status"], ["status", "extra"], ["-s", "noport", "status"]):
        rc, _, err = run_dnsdctl(args)
        check(rc == 2, "dnsdctl %s: exit %d, expected 2 (usage)" % (" ".join(args), rc))
        check("usage" in err or "bad server" in err, "dnsdctl %s: stderr %r" % (args, err))
    rc, out, _ = run_dnsdctl(["-h"])
    check(rc == 0 and "127.0.0.1:8053" in out, "dnsdctl -h: %d %r" % (rc, out))


# ---------------------------------------------------------------------------
# service


def test_control_bind_failure_exits_3():
    busy = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    busy.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    try:
        port = busy.getsockname()[1]
        srv = Server(zones={"ctl.test": ZONE},
                     server_opts={"control": "127.0.0.1:%d" % port}, name="dnsd busy control")
        rc, _, err = run_dnsd(["-c", srv.ini])
        check(rc == 3, "control on a busy port: exit %d, expected 3; stderr:\n%s" % (rc, err))
        check(re.search(r"error +server: control 127\.0\.0\.1:%d: Address already in use" % port,
                        err), "no bind error logged:\n%s" % err)
    finally:
        busy.close()


def test_unknown_user_exits_1():
    srv = Server(zones={"ctl.test": ZONE}, server_opts={"user": "no-such-user-dnsd"},
                 name="dnsd unknown user")
    rc, _, err = run_dnsd(["-c", srv.ini])
    check(rc == 1, "unknown user: exit %d, expected 1; stderr:\n%s" % (rc, err))
    check("user no-such-user-dnsd does not exist" in err, "no clear error:\n%s" % err)
    # dnsd -t finds it too, at the key's line, instead of saying ok.
    rc, out, err = run_dnsd(["-t", "-c", srv.ini])
    line = next(i for i, l in enumerate(open(srv.ini), 1) if l.startswith("user"))
    check(rc == 1 and "ok" not in out,
          "dnsd -t with an unknown user: exit %d stdout %r, expected 1 and no ok" % (rc, out))
    check("%s:%d: user no-such-user-dnsd does not exist" % (srv.ini, line) in err,
          "dnsd -t: no PATH:LINE error for the unknown user:\n%s" % err)


def test_no_control_without_key():
    """Without `control` nothing listens (the default port stays free)."""
    srv = Server(zones={"ctl.test": ZONE}, name="dnsd no control")
    srv.start()
    check("control endpoint" not in srv.stderr(), "control endpoint started without the key")
    check(query(srv.port, "static.ctl.test")[0].rcode() == 0, "not serving")
    check(udp_exchange(make_query("static.ctl.test"), srv.port) is not None, "not serving")
