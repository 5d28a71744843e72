#!/bin/sh
# Install the Debian packages that build, demo and test iptables-trace need.
# Idempotent: when everything is present it only runs dpkg-query once.
# "deps.sh package" adds what building and checking the .deb needs
# (tests/netns/package.bats).
set -eu

# clang and libclang-rt-14-dev build the fuzzers (make fuzz): clang-14
# only recommends libclang-rt-14-dev, which holds libclang_rt.fuzzer and
# the sanitizer runtimes, and we install without recommends. valgrind
# runs tests/netns/valgrind.bats.
PKGS="gcc make pkg-config clang libclang-rt-14-dev valgrind
libmnl-dev libnftnl-dev libnftables-dev libnetfilter-log-dev
libnetfilter-conntrack-dev libpcap-dev libjansson-dev libcmocka-dev
nftables iptables ipset conntrack iproute2 iputils-ping socat jq bats procps
util-linux time"
[ "${1:-}" = package ] && PKGS="$PKGS dpkg-dev debhelper lintian"

missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages:$missing; run as root or install them" >&2
	exit 1
fi
echo "deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# A fresh machine has no package lists yet; refresh once if the install fails.
apt-get install -y -q --no-install-recommends $missing >/dev/null 2>&1 ||
	{ apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends $missing >/dev/null; }
