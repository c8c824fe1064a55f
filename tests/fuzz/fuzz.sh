#!/bin/sh
# Build every tests/fuzz/fuzz_*.c with clang libFuzzer + ASan + UBSan and run
# each for FUZZ_TIME seconds; exit 1 if any target crashes (the input that
# did it is printed, to be added to the target's corpus once fixed).
#
# Each target names what it links in comment lines of its own source:
#   /* fuzz-sources: dnsd/dns/packet.c dnsd/dns/dname.c */   sources compiled with it
#   /* fuzz-libs: ldns */                             pkg-config packages
#   /* fuzz-max-len: 1024 */                          -max_len (default 1024)
# The library is built by gcc without sanitizers, so sources are compiled
# here with clang instead of linking build/libdnsd.a.
#
# Environment: FUZZ_TIME (seconds per target, default 60), FUZZ_TARGETS
# (space-separated short names such as "packet dname"; default all),
# CLANG (default clang). Seeds come from tests/fuzz/corpus/NAME/ and are
# only read; inputs libFuzzer finds go to build/fuzz/work/NAME/corpus/.
set -u

FUZZ_TIME=${FUZZ_TIME:-60}
CLANG=${CLANG:-clang}
OUT=build/fuzz
cd "$(dirname "$0")/../.." || exit 2

command -v "$CLANG" >/dev/null 2>&1 || {
	echo "fuzz: $CLANG not found (make deps installs clang)" >&2
	exit 2
}

# Value of a "/* fuzz-KEY: ... */" line in file $1, or empty.
meta() {
	sed -n "s|^/\* fuzz-$2:[[:space:]]*\(.*\)[[:space:]]*\*/\$|\1|p" "$1" |
		head -n 1 | sed 's/[[:space:]]*$//'
}

CFLAGS="-std=c11 -g -O1 -fno-omit-frame-pointer \
-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
-D_GNU_SOURCE -Idnsd -I. -Wall -Wextra"

mkdir -p "$OUT"
failed=0
ran=0
summary=""
for src in tests/fuzz/fuzz_*.c; do
	[ -f "$src" ] || continue
	target=$(basename "$src" .c)
	name=${target#fuzz_}
	if [ -n "${FUZZ_TARGETS:-}" ]; then
		case " $FUZZ_TARGETS " in
		*" $name "*) ;;
		*) continue ;;
		esac
	fi
	sources=$(meta "$src" sources)
	libs=$(meta "$src" libs)
	maxlen=$(meta "$src" max-len)
	maxlen=${maxlen:-1024}
	pcflags=""
	plibs=""
	if [ -n "$libs" ]; then
		pcflags=$(pkg-config --cflags $libs) || exit 2
		plibs=$(pkg-config --libs $libs) || exit 2
	fi

	bin="$OUT/$target"
	echo "fuzz: building $bin"
	# shellcheck disable=SC2086 # word splitting of flag lists is wanted
	if ! "$CLANG" $CFLAGS $pcflags -o "$bin" "$src" $sources $plibs \
		-lm -pthread; then
		echo "fuzz: $target: build failed" >&2
		failed=1
		continue
	fi

	work="$OUT/work/$name"
	mkdir -p "$work/corpus"
	seeds="tests/fuzz/corpus/$name"
	[ -d "$seeds" ] || seeds=""
	log="$work/fuzz.log"
	echo "fuzz: running $target for ${FUZZ_TIME}s (log $log)"
	# New inputs are written to the first corpus folder only, so the
	# committed seeds stay untouched.
	# shellcheck disable=SC2086
	"./$bin" -max_total_time="$FUZZ_TIME" -max_len="$maxlen" \
		-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$work/" "$work/corpus" $seeds >"$log" 2>&1
	rc=$?
	ran=$((ran + 1))
	execs=$(sed -n 's/^stat::number_of_executed_units:[[:space:]]*//p' \
		"$log" | tail -n 1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
	if [ "$rc" -ne 0 ]; then
		failed=1
		crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" |
			tail -n 1)
		echo "fuzz: $target FAILED (exit $rc): ${crash:-see $log}" >&2
		tail -n 40 "$log" >&2
		summary="$summary$target: FAILED ${crash:-}\n"
	else
		summary="$summary$target: ok, ${execs:-?} executions, ${cov:-cov: ?}\n"
	fi
done

printf 'fuzz summary (%s targets, %ss each):\n' "$ran" "$FUZZ_TIME"
printf '%b' "$summary"
exit $failed
