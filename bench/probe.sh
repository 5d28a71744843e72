#!/bin/sh
# --probe's cost (issue #12), in namespaces of its own:
#   - a single probe on a 30-rule router (the target: under 0.5 s);
#   - a probe file of 100 probes in the same router (one copy for all);
#   - a single probe on the kube-like ruleset of bench/gen-kube-ruleset.sh,
#     next to iptables-nft-restore of the same file into an empty namespace,
#     and their ratio (the issue's target: the restore dominates), also
#     without the lab probe's time, which every probe pays.
# Every time is the whole command, wall clock, the median of RUNS runs.
#
#   sh bench/probe.sh [BIN]          (RUNS=5 SERVICES=2000 SETTLE=1 by default)
set -eu

BIN=${1:-build/iptables-trace}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${RUNS:-5}
SERVICES=${SERVICES:-2000}
SETTLE=${SETTLE:-1}
P=${IPTT_NS_PREFIX:-iptt-probebench}-$$
RTR=$P-rtr EMPTY=$P-empty
OUT=$(mktemp -d)

cleanup() {
	ip netns del "$RTR" 2>/dev/null || true
	ip netns del "$EMPTY" 2>/dev/null || true
	rm -rf "$OUT"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

# median of the numbers on stdin
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# timed CMD...: RUNS runs, prints the median in ms. A namespace goes
# away in a kernel worker after its last user (the probe's copy, the
# restore's namespace): at 16k rules that takes a core for a while, so
# each run waits SETTLE seconds for the one before to be gone.
timed() {
	i=0
	while [ $i -lt "$RUNS" ]; do
		sleep "$SETTLE"
		t0=$(date +%s%N)
		"$@" >/dev/null 2>&1 || [ $? -eq 7 ]
		ms "$t0"
		i=$((i + 1))
	done | median
}

ip netns add "$RTR"
ip -n "$RTR" link set lo up
ip -n "$RTR" link add r0 type veth peer name r1
ip -n "$RTR" addr add 10.99.1.1/24 dev r0
ip -n "$RTR" addr add 10.99.2.1/24 dev r1
ip -n "$RTR" link set r0 up
ip -n "$RTR" link set r1 up
ip netns exec "$RTR" sysctl -qw net.ipv4.ip_forward=1

# 30 rules: nat, a forward chain of port rules, an input chain
{
	echo 'table ip nat {'
	echo '  chain pre { type nat hook prerouting priority dstnat; policy accept;'
	echo '    tcp dport 8080 dnat to 10.99.2.2:80'
	echo '  }'
	echo '  chain post { type nat hook postrouting priority srcnat; policy accept;'
	echo '    oifname "r1" masquerade'
	echo '  }'
	echo '}'
	echo 'table inet filter {'
	echo '  chain forward { type filter hook forward priority filter; policy drop;'
	echo '    ct state established,related accept'
	p=1000
	while [ $p -lt 1020 ]; do echo "    tcp dport $p counter accept"; p=$((p + 1)); done
	echo '    tcp dport 80 ip daddr 10.99.2.2 accept'
	echo '  }'
	echo '  chain input { type filter hook input priority filter; policy accept;'
	echo '    ct state established accept'
	echo '    iifname "lo" accept'
	echo '    tcp dport 22 accept'
	echo '    tcp dport 23 reject with tcp reset'
	echo '    udp dport 53 accept'
	echo '    icmp type echo-request accept'
	echo '  }'
	echo '}'
} >"$OUT/lab.nft"
ip netns exec "$RTR" nft -f "$OUT/lab.nft"
rules=$(ip netns exec "$RTR" nft -a list ruleset | grep -c '# handle' || true)

one() {
	ip netns exec "$RTR" "$BIN" --probe -i r0 -p tcp -s 10.99.1.2 -d 10.99.1.1 \
		--dport 8080 --expect forward
}
i=0
: >"$OUT/probes"
while [ $i -lt 100 ]; do
	echo "-i r0 -p tcp -s 10.99.1.2 -d 10.99.2.2 --dport $((1000 + i % 25)) --expect forward" >>"$OUT/probes"
	i=$((i + 1))
done
file() { ip netns exec "$RTR" "$BIN" --probe-file "$OUT/probes"; }

t1=$(timed one)
t100=$(timed file)
echo "probe, 30-rule lab ($rules nft objects with handles): $t1 ms per run (median of $RUNS)"
echo "probe file, 100 probes, same lab: $t100 ms per run ($(awk "BEGIN { printf \"%.1f\", ($t100 - $t1) / 99 }") ms per probe after the first)"

# The kube-like ruleset, iptables-nft-restore into an empty namespace
# against a probe of a router that has it.
[ "$SERVICES" -gt 0 ] || exit 0
sh "$ROOT/bench/gen-kube-ruleset.sh" "$SERVICES" >"$OUT/kube.txt"
ip netns exec "$RTR" nft flush ruleset
ip netns exec "$RTR" iptables-nft-restore <"$OUT/kube.txt"
krules=$(grep -c '^-A' "$OUT/kube.txt" || true)
restore() {
	ip netns add "$EMPTY"
	ip netns exec "$EMPTY" iptables-nft-restore <"$OUT/kube.txt"
	ip netns del "$EMPTY"
}
kube() {
	ip netns exec "$RTR" "$BIN" --probe -i r0 -p udp -s 10.99.1.2 \
		-d 10.96.255.250 --dport 5353
}
tr=$(timed restore)
tk=$(timed kube)
echo "kube-like ruleset ($krules rules): iptables-nft-restore $tr ms, probe $tk ms" \
	"($(awk "BEGIN { printf \"%.2f\", $tk / $tr }")x the restore;" \
	"$(awk "BEGIN { printf \"%.2f\", ($tk - $t1) / $tr }")x after a lab probe's fixed cost)"
