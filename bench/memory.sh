#!/bin/sh
# Peak memory of iptables-trace when every packet matches many rules:
# a chain of RULES counter rules that all match, and PACKETS packets
# sent as fast as a shell loop can, through lo of a throwaway namespace.
#
#   sh bench/memory.sh path/to/iptables-trace [RULES [PACKETS]]
#
# Prints the peak RSS (from /usr/bin/time) and our summary line. The
# assembler holds at most 65,536 events (about 64 MB, asm_set_max_held);
# nothing here is timed. Needs root and /usr/bin/time (package time).
set -eu

BIN=${1:?usage: memory.sh path/to/iptables-trace [RULES [PACKETS]]}
RULES=${2:-10000}
PACKETS=${3:-1000}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
[ -x /usr/bin/time ] || { echo "memory.sh: needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
NS=ipttbench-mem-$$
TMP=$(mktemp -d)
cleanup() {
	[ -n "${PID:-}" ] && kill "$PID" 2>/dev/null || true
	ip netns del "$NS" 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM
ip netns add "$NS"
ip -n "$NS" link set lo up
{
	echo "table ip t {"
	echo " chain out {"
	echo "  type filter hook output priority 0;"
	i=0
	while [ $i -lt "$RULES" ]; do echo "  udp dport 7000 counter"; i=$((i + 1)); done
	echo " }"
	echo "}"
} >"$TMP/rules.nft"
ip netns exec "$NS" nft -f "$TMP/rules.nft"
ip netns exec "$NS" /usr/bin/time -f '%M' -o "$TMP/rss" "$BIN" udp port 7000 \
	>/dev/null 2>"$TMP/err" &
PID=$!
# the armed line
i=0
until grep -q 'press Ctrl-C' "$TMP/err" 2>/dev/null || [ $i -ge 300 ]; do sleep 0.1; i=$((i + 1)); done
ip netns exec "$NS" bash -c "for i in \$(seq $PACKETS); do echo x >/dev/udp/127.0.0.1/7000; done" 2>/dev/null || true
sleep 2
# to the tracer: time(1) ignores SIGINT while its child runs
pkill -INT -P "$PID" || true
wait "$PID" || true
PID=
printf 'rules %s, packets %s: peak RSS %s MB\n' "$RULES" "$PACKETS" \
	"$(awk '{ printf "%.1f", $1 / 1024 }' "$TMP/rss")"
tail -1 "$TMP/err"
