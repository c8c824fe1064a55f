"""Command line (SPEC section 1): dnsd -t, -V, exit codes."""

import os
import re
import shutil
import socket
import tempfile

from harness import (DATA, SCALE, Server, check, fail, free_port, run_dnsd)

SOA = "@ 3600 IN SOA ns1 hostmaster 1 7200 900 1209600 300\n"


def _tmpdir():
    return tempfile.mkdtemp(prefix="dnsd-cli-")


def _write(d, name, text):
    path = os.path.join(d, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def _good_dir(port=None):
    d = _tmpdir()
    shutil.copyfile(os.path.join(DATA, "example.test.zone"), os.path.join(d, "example.test.zone"))
    shutil.copyfile(os.path.join(DATA, "other.test.zone"), os.path.join(d, "other.test.zone"))
    port = port or free_port()
    ini = _write(d, "dnsd.ini", (
        "# a good configuration\n"
        "[server]\n"
        "listen = 127.0.0.1:%d, [::1]:%d\n"
        "threads = 2\n"
        "tcp_idle_timeout = 500ms ; a comment after a value\n"
        "ecs = off\n"
        "\n"
        "[zone example.test]\n"
        "file = example.test.zone\n"
        "\n"
        "[zone other.test]\n"
        "file = %s\n" % (port, port, os.path.join(d, "other.test.zone"))))
    return d, ini


def _error_lines(stderr, what):
    lines = [l for l in stderr.splitlines() if l.strip()]
    check(lines, "%s: nothing on stderr" % what)
    return lines


def _has(lines, path_re, line_no):
    pat = re.compile(r"^%s:%d: \S" % (path_re, line_no))
    return any(pat.search(l) for l in lines)


def test_check_good_config():
    d, ini = _good_dir()
    try:
        rc, out, err = run_dnsd(["-t", "-c", ini])
        check(rc == 0, "dnsd -t on a good config: exit %d; stderr:\n%s" % (rc, err))
        check(out == "%s: ok\n" % ini, "dnsd -t stdout %r, expected %r" % (out, "%s: ok\n" % ini))
        # relative path: printed as given
        rc, out, err = run_dnsd(["-t", "-c", "dnsd.ini"], cwd=d)
        check(rc == 0 and out == "dnsd.ini: ok\n",
              "dnsd -t -c dnsd.ini (relative): exit %d stdout %r stderr %r" % (rc, out, err))
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_check_does_not_bind():
    # -t only checks: the listen port being busy does not matter
    port = free_port()
    d, ini = _good_dir(port)
    busy = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        busy.bind(("127.0.0.1", port))
        busy.listen(1)
        rc, out, err = run_dnsd(["-t", "-c", ini])
        check(rc == 0, "dnsd -t with the listen port busy: exit %d; stderr:\n%s" % (rc, err))
    finally:
        busy.close()
        shutil.rmtree(d, ignore_errors=True)


def test_check_reports_three_errors_with_lines():
    d = _tmpdir()
    try:
        ini = _write(d, "dnsd.ini", (
            "[server]\n"                          # 1
            "listen = 127.0.0.1:%d\n"             # 2
            "threads = 2\n"                       # 3
            "no_such_key = 1\n"                   # 4  unknown key
            "tcp_idle_timeout = 5 parsecs\n"      # 5  bad duration
            "\n"                                  # 6
            "[zone example.test]\n"               # 7
            "file = bad.zone\n" % free_port()))   # 8
        _write(d, "bad.zone", (
            "$ORIGIN example.test.\n"             # 1
            "$TTL 300\n"                          # 2
            + SOA +                               # 3
            "@ IN NS ns1\n"                       # 4
            "ns1 IN A 192.0.2.53\n"               # 5
            "www IN A not-an-address\n"           # 6  syntax error
            "mail IN A 192.0.2.25\n"))            # 7
        rc, out, err = run_dnsd(["-t", "-c", ini])
        check(rc == 1, "dnsd -t with three errors: exit %d, expected 1; stderr:\n%s" % (rc, err))
        check("ok" not in out, "dnsd -t with errors printed %r on stdout" % out)
        lines = _error_lines(err, "dnsd -t with three errors")
        ini_re = re.escape(ini)
        zone_re = r"(?:%s|bad\.zone)" % re.escape(os.path.join(d, "bad.zone"))
        missing = []
        if not _has(lines, ini_re, 4):
            missing.append("%s:4: (unknown key no_such_key)" % ini)
        if not _has(lines, ini_re, 5):
            missing.append("%s:5: (bad duration '5 parsecs')" % ini)
        if not _has(lines, zone_re, 6):
            missing.append("bad.zone:6: (A record 'not-an-address')")
        check(not missing, "dnsd -t did not report %s; stderr was:\n%s"
              % (", ".join(missing), err))
        fmt = re.compile(r"^(%s|%s):(\d+:)? \S" % (ini_re, zone_re))
        bad = [l for l in lines if not fmt.search(l)]
        check(not bad, "dnsd -t: stderr lines not in PATH:LINE: message form:\n%s" % "\n".join(bad))
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_check_reports_many_ini_errors():
    d = _tmpdir()
    try:
        shutil.copyfile(os.path.join(DATA, "example.test.zone"), os.path.join(d, "example.test.zone"))
        ini = _write(d, "dnsd.ini", (
            "[server]\n"                          # 1
            "listen = 127.0.0.1:%d\n"             # 2
            "udp_payload = 100\n"                 # 3  out of range 512-4096
            "ecs = maybe\n"                       # 4  bad boolean
            "tcp_max_clients = lots\n"            # 5  bad integer
            "log_level = chatty\n"                # 6  bad level
            "\n"                                  # 7
            "[bogus_section]\n"                   # 8  unknown section
            "x = 1\n"                             # 9
            "\n"                                  # 10
            "[zone example.test]\n"               # 11
            "file = example.test.zone\n"          # 12
            "\n"                                  # 13
            "[zone example.test]\n"               # 14 duplicate: names the 2nd
            "file = example.test.zone\n"          # 15
            "\n"                                  # 16
            "[zone missing.test]\n"               # 17
            "file = does-not-exist.zone\n"        # 18 missing file
            % free_port()))
        rc, out, err = run_dnsd(["-t", "-c", ini])
        check(rc == 1, "dnsd -t with many errors: exit %d, expected 1; stderr:\n%s" % (rc, err))
        lines = _error_lines(err, "dnsd -t with many errors")
        ini_re = re.escape(ini)
        want = {3: "udp_payload = 100", 4: "ecs = maybe", 5: "tcp_max_clients = lots",
                6: "log_level = chatty", 8: "[bogus_section]", 14: "duplicate [zone example.test]"}
        missing = ["line %d (%s)" % (n, w) for n, w in sorted(want.items()) if not _has(lines, ini_re, n)]
        # the missing zone file: at the file key (18), or the zone's path
        if not (_has(lines, ini_re, 18) or _has(lines, ini_re, 17)
                or any("does-not-exist.zone" in l for l in lines)):
            missing.append("line 18 (file = does-not-exist.zone)")
        check(not missing, "dnsd -t did not report: %s; stderr was:\n%s" % ("; ".join(missing), err))
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_check_refuses_values_it_cannot_use_with_lines():
    """Issue 10: values dnsd took and then used wrongly are PATH:LINE errors
    in dnsd -t: a check host pasted into the URL (x@127.0.0.1 checked
    127.0.0.1, 127.0.0.1/ port 80), a ca_file that cannot be read now, a
    check path with a fragment or non-ASCII bytes, member addresses no
    client can use, a member option given twice, and a number a double
    cannot hold (1e-400 was taken as 0)."""
    d = _tmpdir()
    try:
        shutil.copyfile(os.path.join(DATA, "example.test.zone"), os.path.join(d, "example.test.zone"))
        _write(d, "text.pem", "no certificate here\n")
        text = (
            "[server]\n"                          # 1
            "listen = 127.0.0.1:%d\n"             # 2
            "[zone example.test]\n"               # 3
            "file = example.test.zone\n"          # 4
            "[check a]\n"                         # 5
            "host = x@127.0.0.1\n"                # 6
            "[check b]\n"                         # 7
            "host = 127.0.0.1/\n"                 # 8
            "[check c]\n"                         # 9
            "type = https\n"                      # 10
            "ca_file = missing.pem\n"             # 11
            "[check d]\n"                         # 12
            "path = /health#x\n"                  # 13
            "ca_file = text.pem\n"                # 14
            "[check e]\n"                         # 15
            "host = 2001:db8::1\n"                # 16
            "path = /gr\xfc\xdf\n"                # 17
            "ca_file = .\n"                       # 18
            "[cluster c]\n"                       # 19
            "member = 0.0.0.0\n"                  # 20
            "member = ::\n"                       # 21
            "member = 255.255.255.255\n"          # 22
            "member = 224.0.0.1\n"                # 23
            "member = ff02::1\n"                  # 24
            "member = 192.0.2.1 weight=1 weight=2\n"  # 25
            "member = 192.0.2.2\n"                # 26
            "location = 1e-400, 0\n"              # 27 would be 0
            % free_port())
        ini = os.path.join(d, "dnsd.ini")
        with open(ini, "w", encoding="utf-8") as f:
            f.write(text)
        rc, out, err = run_dnsd(["-t", "-c", ini])
        check(rc == 1, "dnsd -t with unusable values: exit %d, expected 1; stderr:\n%s" % (rc, err))
        check("ok" not in out, "dnsd -t printed %r on stdout" % out)
        lines = _error_lines(err, "dnsd -t with unusable values")
        ini_re = re.escape(ini)
        want = {6: "invalid host \"x@127.0.0.1\"", 8: "invalid host \"127.0.0.1/\"",
                11: "cannot read", 13: "must not hold '#'", 14: "holds no PEM certificate",
                16: "an IPv6 address must be in brackets", 17: "must be ASCII",
                18: "is not a regular file",
                20: "0.0.0.0 is an unspecified address", 21: ":: is the unspecified address",
                22: "broadcast", 23: "224.0.0.1 is a multicast address",
                24: "ff02::1 is a multicast address", 25: "weight= is given twice",
                27: "latitude \"1e-400\" is not a number"}
        missing = []
        for n, w in sorted(want.items()):
            pat = re.compile(r"^%s:%d: .*%s" % (ini_re, n, re.escape(w)))
            if not any(pat.search(l) for l in lines):
                missing.append("line %d (%s)" % (n, w))
        check(not missing, "dnsd -t did not report: %s; stderr was:\n%s" % ("; ".join(missing), err))
        check(len(lines) == len(want), "dnsd -t reported %d lines, expected %d:\n%s"
              % (len(lines), len(want), err))
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_check_warns_about_link_local_members():
    """Issue 10: a link-local member is said (PATH:LINE: warning: ...), not
    refused: dnsd -t still passes."""
    d, ini = _good_dir()
    try:
        with open(ini, "a") as f:
            f.write("[cluster c]\n"               # 13
                    "member = 169.254.7.7\n"      # 14
                    "member = fe80::7\n"          # 15
                    "member = 192.0.2.7\n")       # 16
        rc, out, err = run_dnsd(["-t", "-c", ini])
        check(rc == 0, "dnsd -t with link-local members: exit %d, expected 0; stderr:\n%s" % (rc, err))
        check(out == "%s: ok\n" % ini, "dnsd -t stdout %r" % out)
        lines = [l for l in err.splitlines() if l.strip()]
        ini_re = re.escape(ini)
        for n, a in ((14, "169.254.7.7"), (15, "fe80::7")):
            pat = re.compile(r"^%s:%d: warning: member %s in \[cluster c\] is a link-local address"
                             % (ini_re, n, re.escape(a)))
            check(any(pat.search(l) for l in lines), "no warning for %s at line %d; stderr:\n%s"
                  % (a, n, err))
        check(len(lines) == 2, "dnsd -t said more than the two warnings:\n%s" % err)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_check_zone_errors():
    d = _tmpdir()
    try:
        ini = _write(d, "dnsd.ini", (
            "[server]\n"
            "listen = 127.0.0.1:%d\n"
            "[zone nosoa.test]\n"
            "file = nosoa.zone\n"
            "[zone outside.test]\n"
            "file = outside.zone\n"
            "[zone multiline.test]\n"
            "file = multiline.zone\n"
            "[zone nons.test]\n"
            "file = nons.zone\n" % free_port()))
        _write(d, "nosoa.zone", "$ORIGIN nosoa.test.\n$TTL 300\n@ IN NS ns1\nns1 IN A 192.0.2.1\n")
        _write(d, "outside.zone", (
            "$ORIGIN outside.test.\n$TTL 300\n" + SOA + "@ IN NS ns1\nns1 IN A 192.0.2.1\n"
            "www.elsewhere.example. IN A 192.0.2.2\n"))   # line 6: outside the zone
        _write(d, "multiline.zone", (
            "$ORIGIN multiline.test.\n"   # 1
            "$TTL 300\n"                  # 2
            "@ IN SOA ns1 hostmaster (\n"  # 3
            "    1 ; serial\n"            # 4
            "    7200\n"                  # 5
            "    900\n"                   # 6
            "    1209600\n"               # 7
            "    300 )\n"                 # 8
            "@ IN NS ns1\n"               # 9
            "ns1 IN A 192.0.2.1\n"        # 10
            "www IN AAAA 192.0.2.1\n"))   # 11: bad AAAA
        _write(d, "nons.zone", "$ORIGIN nons.test.\n$TTL 300\n" + SOA + "www IN A 192.0.2.1\n")
        rc, out, err = run_dnsd(["-t", "-c", ini])
        check(rc == 1, "dnsd -t with broken zones: exit %d, expected 1; stderr:\n%s" % (rc, err))
        lines = _error_lines(err, "dnsd -t with broken zones")
        problems = []
        if not any("nosoa.zone" in l and "soa" in l.lower() for l in lines):
            problems.append("nosoa.zone: no error naming the file and the missing SOA")
        if not any("nons.zone" in l and "ns" in l.lower() for l in lines):
            problems.append("nons.zone: no error naming the file and the missing apex NS")
        if not _has(lines, r"(?:.*/)?outside\.zone", 6):
            problems.append("outside.zone:6: (record outside the zone) not reported")
        if not _has(lines, r"(?:.*/)?multiline\.zone", 11):
            problems.append("multiline.zone:11: (bad AAAA after a multi-line SOA) not reported"
                            " with line 11")
        check(not problems, "%s\nstderr was:\n%s" % ("\n".join(problems), err))
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_version():
    rc, out, err = run_dnsd(["-V"])
    check(rc == 0, "dnsd -V: exit %d; stderr %r" % (rc, err))
    check(re.search(r"\d", out), "dnsd -V printed no version on stdout: %r (stderr %r)" % (out, err))


def test_usage_errors_exit_2():
    for args in (["-Z"], ["--no-such-option"], ["-c"], ["-x", "-c", "/nonexistent"]):
        rc, out, err = run_dnsd(args)
        check(rc == 2, "dnsd %s: exit %d, expected 2 (usage error); stderr %r"
              % (" ".join(args), rc, err))


def test_broken_config_at_start_exit_1():
    d = _tmpdir()
    try:
        ini = _write(d, "dnsd.ini", "[server]\nlisten = 127.0.0.1:%d\nthreads = two\n"
                     "[zone example.test]\nfile = nothere.zone\n" % free_port())
        rc, out, err = run_dnsd(["-c", ini])
        check(rc == 1, "dnsd -c with a broken config: exit %d, expected 1; stderr:\n%s" % (rc, err))
        check(re.search(r"%s:3: " % re.escape(ini), err),
              "dnsd -c with a broken config: error at %s:3 not reported; stderr:\n%s" % (ini, err))
        rc, out, err = run_dnsd(["-c", os.path.join(d, "no-such.ini")])
        check(rc == 1, "dnsd -c with a missing INI file: exit %d, expected 1; stderr:\n%s" % (rc, err))
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_port_in_use_exit_3():
    srv = Server(listen6=False, name="dnsd (port in use)")
    busy_t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    busy_u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        busy_t.bind(("127.0.0.1", srv.port))
        busy_t.listen(1)
        busy_u.bind(("127.0.0.1", srv.port))
        srv.spawn()
        rc = srv.wait_exit(15.0 * SCALE)
        if rc is None:
            srv.kill()
            fail("dnsd with its port in use still running after %.0f s; stderr:\n%s"
                 % (15.0 * SCALE, srv.tail()))
        check(rc == 3, "dnsd with its port in use: exit %d, expected 3; stderr:\n%s" % (rc, srv.tail()))
        check(str(srv.port) in srv.stderr(),
              "dnsd with its port in use: the bind failure log does not name port %d; stderr:\n%s"
              % (srv.port, srv.tail()))
    finally:
        busy_t.close()
        busy_u.close()


def test_check_reports_every_zone_error():
    d = _tmpdir()
    try:
        ini = _write(d, "dnsd.ini", "[server]\nlisten = 127.0.0.1:%d\n[zone two.test]\n"
                     "file = two.zone\n" % free_port())
        _write(d, "two.zone", (
            "$ORIGIN two.test.\n"              # 1
            "$TTL 300\n"                       # 2
            + SOA +                            # 3
            "@ IN NS ns1\n"                    # 4
            "ns1 IN A 192.0.2.1\n"             # 5
            "a IN A 192.0.2.300\n"             # 6  bad
            "b IN A 192.0.2.2\n"               # 7
            "c IN MX ten mail\n"               # 8  bad
            "d IN A 192.0.2.4\n"))             # 9
        rc, out, err = run_dnsd(["-t", "-c", ini])
        check(rc == 1, "dnsd -t with two zone errors: exit %d; stderr:\n%s" % (rc, err))
        lines = _error_lines(err, "dnsd -t with two zone errors")
        missing = [n for n in (6, 8) if not _has(lines, r"(?:.*/)?two\.zone", n)]
        check(not missing, "dnsd -t did not report two.zone line(s) %s; stderr:\n%s" % (missing, err))
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_broken_zone_at_start_exit_1():
    d = _tmpdir()
    try:
        ini = _write(d, "dnsd.ini", "[server]\nlisten = 127.0.0.1:%d\n[zone z.test]\n"
                     "file = z.zone\n" % free_port())
        _write(d, "z.zone", "$ORIGIN z.test.\n$TTL 300\n" + SOA + "@ IN NS ns1\n"
               "ns1 IN A 192.0.2.1\nwww IN CNAME\n")       # line 6: CNAME without target
        rc, out, err = run_dnsd(["-c", ini])
        check(rc == 1, "dnsd -c with a broken zone: exit %d, expected 1; stderr:\n%s" % (rc, err))
        check(re.search(r"z\.zone:6: ", err),
              "dnsd -c with a broken zone: no z.zone:6: error; stderr:\n%s" % err)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_check_missing_zone_file_and_no_soa_have_lines():
    """dnsd -t: a [zone] whose file does not exist is reported at the INI's
    `file =` line; a zone file without an SOA at line 1 of the zone file
    (issue 9)."""
    d = _tmpdir()
    try:
        ini = _write(d, "dnsd.ini", (
            "[server]\n"                          # 1
            "listen = 127.0.0.1:%d\n"             # 2
            "\n"                                  # 3
            "[zone missing.test]\n"               # 4
            "; the file is not there\n"           # 5
            "file = does-not-exist.zone\n"        # 6
            "[zone nosoa.test]\n"                 # 7
            "file = nosoa.zone\n" % free_port()))  # 8
        _write(d, "nosoa.zone", "$ORIGIN nosoa.test.\n$TTL 300\n@ IN NS ns1\n"
               "ns1 IN A 192.0.2.1\n")
        rc, out, err = run_dnsd(["-t", "-c", ini])
        check(rc == 1, "dnsd -t: exit %d, expected 1; stderr:\n%s" % (rc, err))
        lines = _error_lines(err, "dnsd -t with a missing zone file")
        missing = [l for l in lines if "does-not-exist.zone" in l]
        check(missing and all(re.match(r"^%s:6: " % re.escape(ini), l) for l in missing),
              "missing zone file not reported at %s:6 (the file = line); stderr:\n%s" % (ini, err))
        nosoa = os.path.join(d, "nosoa.zone")
        check(any(re.match(r"^%s:1: .*SOA" % re.escape(nosoa), l) for l in lines),
              "zone without an SOA not reported at %s:1; stderr:\n%s" % (nosoa, err))
        # Also when the INI itself has an error (the zones are still checked).
        with open(ini, "a") as f:
            f.write("[server]\n")                 # 9: duplicate section
        rc, out, err = run_dnsd(["-t", "-c", ini])
        check(rc == 1 and re.search(r"^%s:6: .*does-not-exist\.zone" % re.escape(ini), err, re.M),
              "with an INI error too: missing zone file not at %s:6; stderr:\n%s" % (ini, err))
    finally:
        shutil.rmtree(d, ignore_errors=True)
