"""Start, logs (SPEC section 5), signals and stopping (SPEC section 1)."""

import calendar
import signal
import socket
import struct
import threading
import time

from harness import (LOG_RE, SCALE, Server, alive, check, make_query,
                     tcp_connect, tcp_read_msg, wait_for)


def _log_lines(text):
    return [l for l in text.splitlines() if l.strip()]


def _check_format(lines, what):
    bad = [l for l in lines if not LOG_RE.match(l)]
    check(not bad, "%s: log lines not in '<ISO8601 UTC> <level> <part>: message' form:\n%s"
          % (what, "\n".join(bad[:10])))
    now = time.time()
    for l in lines:
        stamp = LOG_RE.match(l).group(1)
        t = calendar.timegm(time.strptime(stamp.split(".")[0].rstrip("Z"), "%Y-%m-%dT%H:%M:%S"))
        check(abs(t - now) < 300, "%s: log time %s is not the current UTC time: %r" % (what, stamp, l))


def _infos(lines):
    return [l for l in lines if LOG_RE.match(l) and LOG_RE.match(l).group(2) in ("info", "warn", "error")]


def test_logs_start_reload_stop():
    srv = Server(name="dnsd (logs)")
    srv.start()
    start_lines = _log_lines(srv.stderr())
    check(_infos(start_lines), "nothing logged at info when starting; stderr: %r" % srv.stderr())
    parts = {LOG_RE.match(l).group(3) for l in start_lines if LOG_RE.match(l)}
    check(parts <= {"config", "zone", "probe", "server", "control"},
          "unexpected log parts %s" % sorted(parts))
    n = len(start_lines)
    srv.write_zone("example.test", srv.zone_text("example.test").replace(
        "2026112101 ; serial", "2026112105 ; serial"))
    srv.send_signal(signal.SIGHUP)
    got = wait_for(lambda: len(_infos(_log_lines(srv.stderr())[n:])) > 0, 5.0 * SCALE)
    check(got, "nothing logged at info after SIGHUP; stderr tail:\n%s" % srv.tail())
    reload_lines = _log_lines(srv.stderr())[n:]
    check(any("load" in l.lower() for l in _infos(reload_lines)),
          "reload not logged at info (no line mentions 'reload'/'load'):\n%s" % "\n".join(reload_lines))
    got = wait_for(lambda: any("example.test" in l for l in _infos(_log_lines(srv.stderr())[n:])),
                   5.0 * SCALE)
    check(got, "reload log does not say that zone example.test changed (serial 2026112101 -> "
          "2026112105):\n%s" % "\n".join(_log_lines(srv.stderr())[n:]))
    alive(srv.port, "after SIGHUP")
    n = len(_log_lines(srv.stderr()))
    srv.stop()
    stop_lines = _log_lines(srv.stderr())[n:]
    check(_infos(stop_lines), "nothing logged at info when stopping")
    _check_format(_log_lines(srv.stderr()), "start/reload/stop")


def test_queries_not_logged_at_info():
    with Server(name="dnsd (quiet)") as srv:
        time.sleep(0.2)
        n = len(srv.stderr())
        for i in range(20):
            alive(srv.port, "query %d" % i)
        time.sleep(0.2)
        extra = srv.stderr()[n:]
        check(not extra.strip(), "queries logged at log_level = info:\n%s" % extra[:1000])


def test_debug_log_level_format():
    with Server(server_opts={"log_level": "debug"}, name="dnsd (debug)") as srv:
        for _ in range(3):
            alive(srv.port, "debug server")
        time.sleep(0.2)
    _check_format(_log_lines(srv.stderr()), "log_level = debug")


def test_sigterm_exit_0():
    srv = Server(name="dnsd (SIGTERM)")
    srv.start()
    took = srv.stop(signal.SIGTERM, timeout=5.0 * SCALE)
    check(took < 5.0 * SCALE, "SIGTERM took %.1f s" % took)


def test_sigint_exit_0():
    srv = Server(name="dnsd (SIGINT)")
    srv.start()
    took = srv.stop(signal.SIGINT, timeout=5.0 * SCALE)
    check(took < 5.0 * SCALE, "SIGINT took %.1f s" % took)


def test_sigterm_with_idle_tcp_client():
    # an idle TCP connection (timeout 10 s) must not hold the stop past 5 s
    srv = Server(name="dnsd (SIGTERM, TCP open)")
    srv.start()
    s = tcp_connect(srv.port)
    try:
        q = make_query("www.example.test", "A", qid=99)
        s.sendall(struct.pack("!H", len(q)) + q)
        check(tcp_read_msg(s) is not None, "no TCP answer before SIGTERM")
        took = srv.stop(signal.SIGTERM, timeout=5.0 + 3.0 * SCALE)
        check(took <= 5.0 + 2.0 * SCALE, "stop with an idle TCP client took %.1f s" % took)
    finally:
        s.close()


def test_sigterm_under_load():
    srv = Server(name="dnsd (SIGTERM under load)")
    srv.start()
    stop = threading.Event()

    def flood():
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setblocking(False)
        wire = make_query("www.example.test", "A")
        t0 = time.monotonic()
        for i in range(200000):
            if stop.is_set() or time.monotonic() - t0 > 10.0:
                break
            try:
                s.sendto(wire, ("127.0.0.1", srv.port))
            except (BlockingIOError, ConnectionRefusedError):
                time.sleep(0.001)
            if i % 50 == 0:
                time.sleep(0.001)
                for _ in range(100):
                    try:
                        s.recvfrom(4096)
                    except (BlockingIOError, ConnectionRefusedError):
                        break
        s.close()

    t = threading.Thread(target=flood, daemon=True)
    t.start()
    try:
        time.sleep(0.5)
        took = srv.stop(signal.SIGTERM, timeout=5.0 * SCALE + 2.0)
        check(took < 5.0 * SCALE + 1.0, "SIGTERM under load took %.1f s" % took)
    finally:
        stop.set()
        t.join(5.0)
