"""soakutil.py - what the soak scripts (soak.py, reload_memory.py) share:
files replaced the way an operator's tools replace them, RSS, and stopping
dnsd the way systemd does."""
import os
import signal
import subprocess


def atomic_write(path, text):
    """Write then rename, so dnsd never reads a half-written file."""
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, path)


def rss_kib(pid):
    """VmRSS of pid in KiB, or None when it is gone or unreadable."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


def stop(proc, timeout):
    """SIGTERM, then wait up to timeout seconds. Returns the exit code, or
    None when it had to be killed (it did not stop in time)."""
    if proc.poll() is not None:
        return proc.returncode
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return None
