#!/bin/sh
# Install the Debian packages dnsd needs to build and test, if any is missing.
# Libraries (headers and pkg-config files): ldns (DNSSEC key files),
# libcrypto (libssl-dev: DNSSEC signing), libevent, libcurl, inih, cmocka,
# libmaxminddb, libzscanner (Knot's zone file scanner: libzscanner4, its
# headers and pkg-config file in libknot-dev). Test tools:
# python3-dnspython (integration tests), dnsutils (dig, delv: the DNSSEC
# tests), ldnsutils (ldns-keygen: the DNSSEC tests make their keys),
# openssl (test TLS certificates), unbound
# (the end-to-end tests resolve through it), prometheus (its promtool
# checks /metrics). dnstap: libfstrm-dev, libprotobuf-c-dev and
# protobuf-c-compiler (protoc-c) to build, fstrm-bin (fstrm_capture) and
# dnstap-ldns to test. faketime (libfaketime): the DNSSEC re-signing test
# runs dnsd's clock 20,000x fast, so 7 days pass in 30 s. Chromium, for the
# status-page test, is big: only `make e2e-browser` installs it (DEPS_EXTRA=chromium);
# likewise `make fuzz` adds clang and libclang-rt-14-dev (libFuzzer).
set -e
PKGS="build-essential pkg-config libldns-dev libevent-dev libcurl4-openssl-dev \
libssl-dev libinih-dev libcmocka-dev libmaxminddb-dev libknot-dev libzscanner4 \
python3 python3-dnspython dnsutils ldnsutils openssl unbound prometheus \
libfstrm-dev libprotobuf-c-dev protobuf-c-compiler fstrm-bin dnstap-ldns faketime \
${DEPS_EXTRA:-}"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >&2
