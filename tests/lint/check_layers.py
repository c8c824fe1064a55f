#!/usr/bin/env python3
"""check_layers.py - the one-way dependency rule of dnsd/ (README "Layout"),
checked by `make lint`: a file may include headers of its own layer or of a
lower one, never of a higher one. Prints each violation; exit 1 if any."""
import os
import re
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

# Lower number = lower layer. Folders on one rank are peers (they may include
# each other): the threads and I/O (server, control, probes, fleet) are
# peers at the top, wired together by server/main.c.
RANK = {
    "base": 0,
    "dns": 1,
    "conf": 2,
    "zone": 3,
    "lb": 4,
    # DNSSEC keys and signing: below snapshot, which signs a zone when it
    # is built, and answer, which signs and denies online.
    "dnssec": 4,
    "snapshot": 5,
    "answer": 6,
    "dnstap": 7,
    "control": 7,
    "probes": 7,
    "fleet": 7,
    "server": 7,
}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def layer_of(path):
    parts = path.split("/")
    if parts[0] == "probes":
        return "probes"
    if parts[0] == "dnsd" and len(parts) > 2:
        return parts[1]
    return None


def main():
    bad = 0
    for top in ("dnsd", "probes"):
        for dirpath, _, files in os.walk(os.path.join(ROOT, top)):
            for f in sorted(files):
                if not f.endswith((".c", ".h")):
                    continue
                rel = os.path.relpath(os.path.join(dirpath, f), ROOT)
                mine = layer_of(rel)
                if mine not in RANK:
                    print("%s: folder not in the layer table" % rel)
                    bad += 1
                    continue
                with open(os.path.join(ROOT, rel)) as fh:
                    text = fh.read()
                for inc in INCLUDE.findall(text):
                    target = inc if inc.startswith("probes/") else "dnsd/" + inc
                    theirs = layer_of(target)
                    if theirs is None:
                        continue
                    if theirs not in RANK:
                        print("%s: includes %s from an unknown layer" % (rel, inc))
                        bad += 1
                    elif RANK[theirs] > RANK[mine]:
                        print("%s: includes %s (layer %s above %s)"
                              % (rel, inc, theirs, mine))
                        bad += 1
    if bad:
        print("%d include(s) break the one-way layer rule" % bad)
        return 1
    print("layers: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
