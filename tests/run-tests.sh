#!/bin/sh
# Runs every dnsd test suite against the binaries in $BUILD (build/ by
# default; build/asan and build/tsan for the sanitizer runs): cmocka unit
# tests, fuzz corpus replay, integration tests. Ends with one line
# "N passed, N failed" and exits 1 if anything failed.
BUILD=${BUILD:-build}
PY=/usr/bin/python3
passed=0
failed=0
failures=""

count() { # $1 = passed, $2 = failed, $3 = name
	passed=$((passed + $1))
	failed=$((failed + $2))
	[ "$2" -gt 0 ] && failures="$failures $3"
}

echo "== unit tests ($BUILD)"
for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	out=$("$t" 2>&1)
	rc=$?
	p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p')
	f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p')
	p=${p:-0}
	f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1 # crashed or aborted before cmocka could count
	fi
	if [ "$f" -gt 0 ]; then
		printf '%s\n' "$out"
	fi
	echo "$(basename "$t"): $p passed, $f failed"
	count "$p" "$f" "$(basename "$t")"
done

echo "== fuzz corpus replay"
for t in "$BUILD"/fuzz-replay/fuzz_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	corpus=tests/fuzz/corpus/${name#fuzz_}
	if out=$("$t" "$corpus" 2>&1); then
		echo "$name: $(printf '%s\n' "$out" | tail -n 1)"
		count 1 0 "$name"
	else
		printf '%s\n' "$out" | tail -n 30
		echo "$name: FAILED"
		count 0 1 "$name"
	fi
done

echo "== integration tests"
if [ -f tests/integration/run.py ]; then
	out=$(DNSD="$BUILD/dnsd" "$PY" tests/integration/run.py 2>&1)
	rc=$?
	printf '%s\n' "$out"
	line=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -n 1)
	p=$(echo "$line" | sed -n 's/^\([0-9]*\) passed.*/\1/p')
	f=$(echo "$line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
	p=${p:-0}
	f=${f:-0}
	[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
	count "$p" "$f" integration
fi

echo
[ -n "$failures" ] && echo "failing suites:$failures"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
