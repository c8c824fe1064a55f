"""Zone files read with libzscanner (issue 15, issue 10): $INCLUDE
(nested, missing, cycle, depth), records split over lines, TTLs above
2^31-1 and unterminated quoted strings, each error at PATH:LINE."""

import os
import re
import shutil
import tempfile

from harness import (Server, check, free_port, query, rrset_values, run_dnsd)

SOA = "@ 3600 IN SOA ns1 hostmaster 1 7200 900 1209600 300\n"
HEAD = "$ORIGIN inc.test.\n$TTL 300\n" + SOA + "@ IN NS ns1\nns1 IN A 192.0.2.1\n"


def _write(d, name, text):
    path = os.path.join(d, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    return path


def _check_dir(main_zone, files):
    """A temp dir with dnsd.ini for zone inc.test (file main.zone) and the
    given files; returns (dir, ini)."""
    d = tempfile.mkdtemp(prefix="dnsd-zf-")
    _write(d, "main.zone", main_zone)
    for name, text in files.items():
        _write(d, name, text)
    ini = _write(d, "dnsd.ini", "[server]\nlisten = 127.0.0.1:%d\n[zone inc.test]\n"
                 "file = main.zone\n" % free_port())
    return d, ini


def _errors(ini, what):
    rc, out, err = run_dnsd(["-t", "-c", ini])
    check(rc == 1, "%s: dnsd -t exit %d, expected 1; stderr:\n%s" % (what, rc, err))
    return [l for l in err.splitlines() if l.strip()], err


def _at(lines, path, line_no, needle):
    pat = re.compile(r"^%s:%d: .*%s" % (re.escape(path), line_no, needle), re.I)
    return any(pat.search(l) for l in lines)


def test_include_nested_served():
    """main.zone includes sub/a.zone with an origin; a.zone includes b.zone
    relative to its own folder. The records of every level are served, and
    the includer's origin and TTL hold again after each $INCLUDE."""
    main = HEAD + ("$INCLUDE sub/a.zone a.inc.test.\n"
                   "after IN A 192.0.2.30\n")
    files = {
        "sub/a.zone": "$TTL 60\nwww IN A 192.0.2.10\n$INCLUDE b.zone\n"
                      "www2 IN A 192.0.2.11\n",
        "sub/b.zone": "deep IN TXT \"from b\"\n",
    }
    d, ini = _check_dir(main, files)
    try:
        rc, out, err = run_dnsd(["-t", "-c", ini])
        check(rc == 0, "nested $INCLUDE: dnsd -t exit %d; stderr:\n%s" % (rc, err))
        srv = Server(zones={"inc.test": main}, name="dnsd ($INCLUDE)")
        for name in ("sub/a.zone", "sub/b.zone"):
            _write(srv.dir, name, files[name])
        with srv:
            r = query(srv.port, "www.a.inc.test", "A")[0]
            check(rrset_values(r, "answer", "www.a.inc.test.", "A") == ["192.0.2.10"],
                  "www.a.inc.test (first level): %s" % r)
            check(r.answer[0].ttl == 60, "$TTL 60 of a.zone not applied: %s" % r)
            r = query(srv.port, "deep.a.inc.test", "TXT")[0]
            check(rrset_values(r, "answer", "deep.a.inc.test.", "TXT") == ['"from b"'],
                  "deep.a.inc.test (second level, origin inherited): %s" % r)
            r = query(srv.port, "www2.a.inc.test", "A")[0]
            check(rrset_values(r, "answer", "www2.a.inc.test.", "A") == ["192.0.2.11"],
                  "www2.a.inc.test (after the nested include): %s" % r)
            r = query(srv.port, "after.inc.test", "A")[0]
            check(rrset_values(r, "answer", "after.inc.test.", "A") == ["192.0.2.30"],
                  "after.inc.test: the includer's origin not restored: %s" % r)
            check(r.answer[0].ttl == 300, "the includer's $TTL not restored: %s" % r)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_include_missing_and_errors_inside():
    """A missing included file is an error at the $INCLUDE line; an error in
    an included file names that file and its line; all in one pass."""
    main = HEAD + ("$INCLUDE nothere.zone\n"        # 6
                   "$INCLUDE part.zone\n"           # 7
                   "bad IN A 192.0.2.300\n")         # 8
    part = ("ok IN A 192.0.2.5\n"                   # 1
            "\n"                                    # 2
            "broken IN AAAA 192.0.2.1\n"            # 3
            "out.elsewhere. IN A 192.0.2.6\n")      # 4
    d, ini = _check_dir(main, {"part.zone": part})
    try:
        lines, err = _errors(ini, "$INCLUDE errors")
        mainp, partp = os.path.join(d, "main.zone"), os.path.join(d, "part.zone")
        problems = []
        if not _at(lines, mainp, 6, "nothere.zone.*No such file"):
            problems.append("missing include not reported at main.zone:6")
        if not _at(lines, partp, 3, "broken IN AAAA"):
            problems.append("bad AAAA not reported at part.zone:3")
        if not _at(lines, partp, 4, "outside the zone"):
            problems.append("out-of-zone owner not reported at part.zone:4")
        if not _at(lines, mainp, 8, "192.0.2.300"):
            problems.append("bad A after the includes not reported at main.zone:8")
        check(not problems, "%s\nstderr:\n%s" % ("\n".join(problems), err))
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_include_cycle():
    main = HEAD + "$INCLUDE a.zone\n"               # 6
    files = {"a.zone": "x IN A 192.0.2.7\n$INCLUDE b.zone\n",
             "b.zone": "y IN A 192.0.2.8\n$INCLUDE ../d/main.zone\n"}
    d, ini = _check_dir(main, files)
    try:
        # b.zone reaches main.zone by another spelling of its path.
        os.symlink(".", os.path.join(d, "d"))
        files["b.zone"] = "y IN A 192.0.2.8\n$INCLUDE d/main.zone\n"
        _write(d, "b.zone", files["b.zone"])
        lines, err = _errors(ini, "$INCLUDE cycle")
        check(_at(lines, os.path.join(d, "b.zone"), 2, "cycle"),
              "cycle not reported at b.zone:2; stderr:\n%s" % err)
        check(len(lines) == 1, "a cycle is one error, not a loop of them; stderr:\n%s" % err)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_include_depth_limit():
    """Eleven nested files are refused at the include that goes too deep."""
    files = {}
    for i in range(1, 13):
        files["l%d.zone" % i] = "n%d IN A 192.0.2.%d\n$INCLUDE l%d.zone\n" % (i, i, i + 1)
    files["l13.zone"] = "end IN A 192.0.2.99\n"
    d, ini = _check_dir(HEAD + "$INCLUDE l1.zone\n", files)
    try:
        lines, err = _errors(ini, "$INCLUDE depth")
        check(_at(lines, os.path.join(d, "l10.zone"), 2, "levels of \\$INCLUDE"),
              "depth limit not reported at l10.zone:2; stderr:\n%s" % err)
        check(len(lines) == 1, "one error for the depth; stderr:\n%s" % err)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_record_split_over_lines():
    """Parentheses join lines into one record (RFC 1035 section 5.1), with
    comments inside; the lines after it keep their numbers."""
    main = ("$ORIGIN inc.test.\n$TTL 300\n"        # 1-2
            "@ IN SOA ns1 hostmaster (\n"          # 3
            "   7 ; serial\n"                      # 4
            "   7200 900\n"                        # 5
            "   1209600 300 )\n"                   # 6
            "@ IN NS ns1\n"                        # 7
            "ns1 IN A 192.0.2.1\n"                 # 8
            "txt IN TXT ( \"one\"\n"               # 9
            "             \"two\" ) ; done\n"      # 10
            "mx IN MX ( 10\n"                      # 11
            "   mail )\n"                          # 12
            "bad IN MX ( ten\n"                    # 13
            "   mail )\n"                          # 14
            "after IN A 192.0.2.300\n")            # 15
    d, ini = _check_dir(main, {})
    try:
        lines, err = _errors(ini, "multi-line records")
        mainp = os.path.join(d, "main.zone")
        check(_at(lines, mainp, 13, "bad IN MX") and _at(lines, mainp, 15, "192.0.2.300"),
              "errors not at main.zone:13 and :15; stderr:\n%s" % err)
        check(len(lines) == 2, "two errors expected; stderr:\n%s" % err)
        with open(os.path.join(d, "main.zone"), "w") as f:
            f.write("\n".join(main.splitlines()[:12]) + "\n")
        srv = Server(zones={"inc.test": os.path.join(d, "main.zone")}, name="dnsd (multi-line)")
        with srv:
            r = query(srv.port, "txt.inc.test", "TXT")[0]
            check(rrset_values(r, "answer", "txt.inc.test.", "TXT") == ['"one" "two"'],
                  "TXT over two lines: %s" % r)
            r = query(srv.port, "inc.test", "SOA")[0]
            check(r.answer and r.answer[0][0].serial == 7, "SOA over four lines: %s" % r)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_ttl_above_2_31_and_unterminated_quote():
    """RFC 2181 section 8: a TTL is 0..2^31-1. Larger values, in a record or
    in $TTL, are errors (before, 4294967296 became 0, 99999999999 wrapped
    and `$TTL 4294967296` was ignored); so is an unterminated quote."""
    main = HEAD + ("max 2147483647 IN A 192.0.2.2\n"   # 6  ok
                   "a 2147483648 IN A 192.0.2.3\n"       # 7
                   "b 4294967296 IN A 192.0.2.4\n"       # 8
                   "c 99999999999 IN A 192.0.2.5\n"      # 9
                   "$TTL 4294967296\n"                   # 10
                   "$TTL 3000000000\n"                   # 11
                   "$TTL 99999999999\n"                  # 12
                   "d IN TXT \"no end\n"                 # 13
                   "e IN 4294967295 A 192.0.2.6\n"       # 14 class first
                   "f IN A 192.0.2.6\n")                 # 15 ok
    d, ini = _check_dir(main, {})
    try:
        lines, err = _errors(ini, "TTL and quote values")
        mainp = os.path.join(d, "main.zone")
        missing = [n for n in range(7, 15) if not _at(lines, mainp, n, "")]
        check(not missing, "no error at main.zone line(s) %s; stderr:\n%s" % (missing, err))
        check(all(_at(lines, mainp, n, "2\\^31") for n in (7, 8, 9, 11, 14)),
              "the RFC 2181 limit not named; stderr:\n%s" % err)
        check(_at(lines, mainp, 13, "unterminated quoted string"),
              "unterminated quote not said at main.zone:13; stderr:\n%s" % err)
        check(len(lines) == 8, "exactly lines 7-14 are errors; stderr:\n%s" % err)
    finally:
        shutil.rmtree(d, ignore_errors=True)
