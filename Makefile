# dnsd - authoritative DNS load balancer. See README.md for the targets.

PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build
CC      ?= cc

PKGS      := ldns libzscanner libcrypto libevent_core libevent_extra libevent_pthreads \
	libcurl inih libmaxminddb libfstrm libprotobuf-c
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wpointer-arith -Wcast-qual -Wwrite-strings \
	-Wformat=2 -Wimplicit-fallthrough -Werror=vla
HARDEN := -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE
OPT    ?= -O2 -g
CFLAGS ?=
CPPFLAGS += -D_GNU_SOURCE -Idnsd -I. -I$(BUILD)/gen
ALL_CFLAGS = -std=c11 $(OPT) $(WARN) $(HARDEN) -pthread $(PKG_CFLAGS) $(CFLAGS)
LDFLAGS ?=
ALL_LDFLAGS = -pie -Wl,-z,relro,-z,now -pthread $(LDFLAGS)
LIBS = $(PKG_LIBS) -lm

LIB_SRC  := $(filter-out dnsd/server/main.c,$(wildcard dnsd/*/*.c)) $(wildcard probes/*.c)
# The dnstap schema, compiled by protoc-c at build time (never committed).
DNSTAP_PB := $(BUILD)/gen/dnstap.pb-c.c
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o) $(DNSTAP_PB:%.c=$(BUILD)/obj/%.o)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_REPLAY := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz-replay/%)
TOOL_SRC := $(wildcard tools/*.c)
TOOL_BIN := $(TOOL_SRC:tools/%.c=$(BUILD)/%)
# Test doubles (fake backend, reflector): built beside the tools.
HELPER_SRC := $(wildcard tests/helpers/*.c)
HELPER_BIN := $(HELPER_SRC:tests/helpers/%.c=$(BUILD)/%)

.PHONY: all test unit integration fuzz-replay asan tsan run deps install \
	clean lint format format-check valgrind valgrind-unit \
	valgrind-integration fuzz bench e2e-browser soak

all: $(BUILD)/dnsd $(BUILD)/libdnsd.a $(TOOL_BIN) $(HELPER_BIN)

# V=1 shows the full command lines.
Q := $(if $(V),,@)

# Every object may include the generated dnstap header (order-only: the .d
# files track the real dependency once it exists).
$(BUILD)/obj/%.o: %.c | $(BUILD)/gen/dnstap.pb-c.h
	@mkdir -p $(dir $@)
	@$(if $(V),:,echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/gen/dnstap.pb-c.c: dnsd/dnstap/dnstap.proto
	@mkdir -p $(dir $@)
	@$(if $(V),:,echo "  PROTOC  $<")
	$(Q)protoc-c --proto_path=dnsd/dnstap --c_out=$(BUILD)/gen $<
$(BUILD)/gen/dnstap.pb-c.h: $(BUILD)/gen/dnstap.pb-c.c

$(BUILD)/libdnsd.a: $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/dnsd: $(BUILD)/obj/dnsd/server/main.o $(BUILD)/libdnsd.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/%: $(BUILD)/obj/tools/%.o $(BUILD)/libdnsd.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/%: $(BUILD)/obj/tests/helpers/%.o $(BUILD)/libdnsd.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(BUILD)/libdnsd.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS) $(CMOCKA_LIBS)

# Fuzz targets built without libFuzzer: a main() that replays the corpus.
$(BUILD)/fuzz-replay/%: tests/fuzz/%.c tests/fuzz/replay_main.c $(BUILD)/libdnsd.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< tests/fuzz/replay_main.c $(BUILD)/libdnsd.a $(LIBS)

unit: $(UNIT_BIN)
fuzz-replay: $(FUZZ_REPLAY)

# The one test command (README, .ci/run): unit + integration + fuzz corpus
# replay, ending in "N passed, N failed".
test: deps
	$(MAKE) all unit fuzz-replay
	BUILD=$(BUILD) tests/run-tests.sh

# Sanitizer builds go to their own folders so they never mix objects.
asan: deps
	$(MAKE) BUILD=build/asan OPT="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all" \
		LDFLAGS="-fsanitize=address,undefined" all unit fuzz-replay
	BUILD=build/asan ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 tests/run-tests.sh

tsan: deps
	$(MAKE) BUILD=build/tsan OPT="-O1 -g -fsanitize=thread" HARDEN="-fPIE" \
		LDFLAGS="-fsanitize=thread" all unit fuzz-replay
	BUILD=build/tsan TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$(CURDIR)/tests/tsan.supp" \
		tests/run-tests.sh

run: deps all
	tools/run-demo.sh

deps:
	@tools/deps.sh

# The systemd unit goes to $(PREFIX)/lib/systemd/system, a directory
# systemd searches for locally installed units (/usr/local/lib/... for the
# default PREFIX); packagers set SYSTEMD_UNIT_DIR=/lib/systemd/system. Its
# paths follow PREFIX.
SYSTEMD_UNIT_DIR ?= $(PREFIX)/lib/systemd/system
MAN_DIR ?= $(PREFIX)/share/man

install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(BUILD)/dnsd $(DESTDIR)$(PREFIX)/sbin/dnsd
	install -m 0755 $(BUILD)/dnsdctl $(DESTDIR)$(PREFIX)/bin/dnsdctl
	install -d $(DESTDIR)$(PREFIX)/share/doc/dnsd
	install -m 0644 conf/dnsd.ini README.md $(DESTDIR)$(PREFIX)/share/doc/dnsd/
	install -d $(DESTDIR)$(SYSTEMD_UNIT_DIR) $(DESTDIR)$(MAN_DIR)/man8
	sed 's|/usr/local/sbin/dnsd|$(PREFIX)/sbin/dnsd|' tools/dnsd.service \
		> $(DESTDIR)$(SYSTEMD_UNIT_DIR)/dnsd.service
	chmod 0644 $(DESTDIR)$(SYSTEMD_UNIT_DIR)/dnsd.service
	install -m 0644 tools/dnsd.8 tools/dnsdctl.8 $(DESTDIR)$(MAN_DIR)/man8/
	install -m 0644 tools/grafana-dnsd.json $(DESTDIR)$(PREFIX)/share/doc/dnsd/

# The status page rendered by headless Chromium (tests/integration/
# test_e2e.py). Chromium is large, so only this target installs it; the
# screenshot is left in build/e2e/status-page.png.
e2e-browser:
	@DEPS_EXTRA=chromium tools/deps.sh
	$(MAKE) all
	DNSD=$(BUILD)/dnsd DNSD_E2E_BROWSER=1 /usr/bin/python3 \
		tests/integration/run.py e2e.test_status_page_in_browser

lint: $(BUILD)/gen/dnstap.pb-c.h
	@DEPS_EXTRA="cppcheck clang-tidy" tools/deps.sh
	/usr/bin/python3 tests/lint/check_layers.py
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
		--inline-suppr --suppress=missingIncludeSystem -D_GNU_SOURCE -Idnsd -I. dnsd probes tools tests/helpers
	clang-tidy --quiet $(LIB_SRC) dnsd/server/main.c $(TOOL_SRC) $(HELPER_SRC) -- $(CPPFLAGS) -std=c11 $(PKG_CFLAGS)

format:
	clang-format -i dnsd/*/*.[ch] probes/*.[ch] tools/*.c tests/helpers/*.c tests/unit/*.c tests/fuzz/*.c

format-check:
	clang-format --dry-run --Werror dnsd/*/*.[ch] probes/*.[ch] tools/*.c tests/helpers/*.c tests/unit/*.c tests/fuzz/*.c

# memcheck: every unit test, then the integration tests that exercise the
# server's memory paths (answers, bad packets, TCP, reload, start and stop)
# with dnsd under valgrind (tests/helpers/valgrind-dnsd; an error exits 99). The
# timing-bound health tests are left to the native and sanitizer runs, and so
# are the two reload tests that time the main thread while a reload runs:
# valgrind runs one thread at a time, so a reload starves it there.
VALGRIND_IT ?= answers. edns. malformed. tcp. reload. lifecycle. cli. rrl. \
	-reload.test_large_reload_keeps_tcp -reload.test_reloads_coalesce
valgrind: valgrind-unit valgrind-integration

valgrind-unit: all unit
	for t in $(UNIT_BIN); do valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite $$t || exit 1; done

valgrind-integration: all
	@DEPS_EXTRA=valgrind tools/deps.sh
	DNSD=tests/helpers/valgrind-dnsd VALGRIND_DNSD=$(CURDIR)/$(BUILD)/dnsd /usr/bin/python3 \
		tests/integration/run.py $(VALGRIND_IT)

clean:
	rm -rf $(BUILD) build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# libFuzzer runs (clang), time-boxed per target: FUZZ_TIME seconds each.
FUZZ_TIME ?= 60
fuzz:
	@DEPS_EXTRA="clang libclang-rt-14-dev" tools/deps.sh
	FUZZ_TIME=$(FUZZ_TIME) tests/fuzz/fuzz.sh

# Benchmarks (README "Benchmarks"): dnsd against gdnsd, Knot, NSD and
# PowerDNS on the loopback, installing the peers from Debian if missing.
# BENCH_TIME and BENCH_REPEATS shorten a run; results in build/bench/.
bench: all $(BUILD)/tests/test_geo
	BUILD=$(BUILD) /usr/bin/python3 tools/bench.py

# 1M-name zone load (dnsd, Knot, NSD), SIGHUP under load, 10,000
# load-balanced names and 20,000 probed members; results in build/bench/.
bench-scale: all
	BUILD=$(BUILD) tools/bench-scale.sh

# Load + chaos against build/dnsd for SOAK_TIME seconds (tests/soak/soak.py;
# SOAK_RATE, default 3000 queries/s, is read from the environment), then 100
# reloads alternating 10,000 and 2 probed members (tests/soak/reload_memory.py:
# memory given back). Shorter runs of both are part of make test.
SOAK_TIME ?= 300
soak: all
	/usr/bin/python3 tests/soak/soak.py --time $(SOAK_TIME) --dnsd $(BUILD)/dnsd
	/usr/bin/python3 tests/soak/reload_memory.py --reloads 100 --dnsd $(BUILD)/dnsd
