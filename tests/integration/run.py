#!/usr/bin/python3
"""run.py - the dnsd integration test runner.

    DNSD=build/dnsd /usr/bin/python3 tests/integration/run.py [SUBSTRING...]

Runs every function named test_* in tests/integration/test_*.py (in file
order), one line per test ("ok" or "FAIL" with the reason), and ends with
exactly one line "N passed, N failed"; exits 1 if any failed. Arguments, if
given, select tests whose "module.name" contains one of them. Each test has
a time limit (SIGALRM), scaled for sanitizer builds like every other wait.
"""

import importlib
import os
import signal
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import harness  # noqa: E402

TEST_LIMIT = 60.0  # seconds per test before scaling; the slowest need ~10


class TestTimeout(Exception):
    pass


def _alarm(_sig, _frame):
    raise TestTimeout("test exceeded its time limit")


def discover(selectors):
    """Tests whose name contains one of the selectors (all when none);
    a selector "-TEXT" leaves out the tests whose name contains TEXT."""
    drop = [s[1:] for s in selectors if s.startswith("-")]
    selectors = [s for s in selectors if not s.startswith("-")]
    tests = []
    for fname in sorted(os.listdir(HERE)):
        if not (fname.startswith("test_") and fname.endswith(".py")):
            continue
        modname = fname[:-3]
        mod = importlib.import_module(modname)
        funcs = [f for n, f in vars(mod).items()
                 if n.startswith("test_") and callable(f)
                 and getattr(f, "__module__", None) == modname]
        funcs.sort(key=lambda f: f.__code__.co_firstlineno)
        for f in funcs:
            full = "%s.%s" % (modname[5:], f.__name__)
            if any(d in full for d in drop):
                continue
            if not selectors or any(s in full for s in selectors):
                tests.append((full, f))
    return tests


def indent(text, prefix="    "):
    return "\n".join(prefix + l for l in text.splitlines())


def main():
    selectors = sys.argv[1:]
    print("dnsd integration tests: DNSD=%s (timeout scale %g)" % (harness.DNSD, harness.SCALE),
          flush=True)
    passed = failed = 0
    signal.signal(signal.SIGALRM, _alarm)
    try:
        tests = discover(selectors)
    except Exception:  # noqa: BLE001 - a broken test module is one failure
        print("FAIL import: %s" % traceback.format_exc().strip().splitlines()[-1])
        print(indent(traceback.format_exc()))
        print("0 passed, 1 failed")
        return 1
    t_all = time.monotonic()
    for full, func in tests:
        harness.begin_test()
        t0 = time.monotonic()
        reason = None
        detail = None
        signal.setitimer(signal.ITIMER_REAL, TEST_LIMIT * harness.SCALE)
        try:
            func()
        except TestTimeout as e:
            reason = str(e)
            detail = traceback.format_exc()
        except harness.TestFailure as e:
            reason = str(e)
        except Exception as e:  # noqa: BLE001 - report, go on
            reason = "%s: %s" % (type(e).__name__, e)
            detail = traceback.format_exc()
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        err, logs = harness.end_test()
        if err and reason is None:
            reason = err
        elif err:
            reason += " [%s]" % err
        took = time.monotonic() - t0
        if reason is None:
            passed += 1
            print("ok   %s (%.2fs)" % (full, took), flush=True)
        else:
            failed += 1
            first, _, rest = reason.partition("\n")
            print("FAIL %s: %s" % (full, first), flush=True)
            if rest:
                print(indent(rest))
            if detail:
                print(indent(detail.strip()))
            for name, tail in logs:
                if tail and "stderr:" not in reason:
                    print("    --- %s stderr (tail) ---" % name)
                    print(indent(tail, "    | "))
            sys.stdout.flush()
    # The shared server must stop cleanly too: count that as a test.
    if harness._shared is not None:
        err = harness.shutdown_shared()
        if err is None:
            passed += 1
            print("ok   shared_server_clean_stop", flush=True)
        else:
            failed += 1
            print("FAIL shared_server_clean_stop: %s" % err, flush=True)
    harness.cleanup_all()
    print("time: %.1f s" % (time.monotonic() - t_all))
    print("%d passed, %d failed" % (passed, failed), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
