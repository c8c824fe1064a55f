#!/bin/sh
# make bench-scale: the scale benchmark (tools/bench_scale.py says what it
# measures). Needs root for nothing but a raised open-file limit, which
# bench_scale.py sets for itself; the peers come from make bench.
set -e
BUILD=${BUILD:-build}
export BUILD
exec /usr/bin/python3 "$(dirname "$0")/bench_scale.py" "$@"
