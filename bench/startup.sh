#!/bin/sh
# Start-up at Kubernetes scale (issue #11), in namespaces of its own:
#   legacy: the kube-like ruleset of bench/gen-kube-ruleset.sh (SERVICES=12400:
#           100,174 rules, 60 MB of nat entries in the kernel) loaded with
#           iptables-legacy-restore;
#   mixed:  the same file loaded twice, with iptables-nft-restore and with
#           iptables-legacy-restore: 100k iptables-nft and 100k legacy rules.
# Per binary and scenario, RUNS runs of each of:
#   start: `iptables-trace --timeout 0.1`: exec to the armed line (armed_ms)
#          and peak RSS (rss_MB: wait4's maxrss, the tool and the children
#          it waited for, as /usr/bin/time counts it);
#   first: `iptables-trace --count 1 icmp`, one ping to 127.0.0.1 sent as
#          soon as the armed line is there: from the ping to the tool's exit
#          after printing that packet (first_ms), and that run's peak RSS
#          (first_rss_MB, the save tool's own included).
#          first_whole: in how many runs its block held its own legacy steps
#          (a packet over lo crosses the hooks twice with the same headers, and
#          the order its events are read in groups them).
# Medians, with the range. Several binaries run interleaved, round by round,
# so that a before/after comparison sees the same machine load:
#
#   sh bench/startup.sh [BIN...]      (RUNS=5 SCENARIOS="legacy mixed" SERVICES=12400)
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
[ $# -gt 0 ] || set -- "$ROOT/build/iptables-trace"
RUNS=${RUNS:-5}
SCENARIOS=${SCENARIOS:-legacy mixed}
SERVICES=${SERVICES:-12400}
P=${IPTT_NS_PREFIX:-iptt-legacy}-$$
OUT=$(mktemp -d)

cleanup() {
	for s in $SCENARIOS; do
		ip netns del "$P-$s" 2>/dev/null || true
	done
	rm -rf "$OUT"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

log() { echo "startup: $*" >&2; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
# median, min and max of the numbers on stdin: "M (LO-HI)"
stats() {
	sort -n | awk '{ v[NR] = $1 } END {
		if (!NR) { print "-"; exit }
		printf "%s (%s-%s)", v[int((NR + 1) / 2)], v[1], v[NR] }'
}
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" "$2"; }

cc -O2 -Wall -Wextra -o "$OUT/run" "$ROOT/bench/run.c"
sh "$ROOT/bench/gen-kube-ruleset.sh" "$SERVICES" >"$OUT/kube.txt"
NRULES=$(grep -c '^-A ' "$OUT/kube.txt")

for s in $SCENARIOS; do
	ns=$P-$s
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	case $s in
	legacy) ip netns exec "$ns" iptables-legacy-restore <"$OUT/kube.txt" ;;
	mixed)
		ip netns exec "$ns" iptables-nft-restore <"$OUT/kube.txt"
		ip netns exec "$ns" iptables-legacy-restore <"$OUT/kube.txt" ;;
	*) log "SCENARIOS: legacy, mixed"; exit 1 ;;
	esac
	log "$s: $NRULES rules per flavour loaded in $ns"
done

# start NS BIN TAG: one --timeout 0.1 run
start() {
	"$OUT/run" -o "$OUT/st" -e "$OUT/err" -r "press Ctrl-C" -- \
		ip netns exec "$1" "$2" --timeout 0.1 >/dev/null
	echo "$(field ready_ms "$OUT/st") $(field maxrss_kb "$OUT/st")" >>"$OUT/$3.start"
}

# first NS BIN TAG: one packet right after the armed line
first() {
	rm -f "$OUT/st" "$OUT/err"
	"$OUT/run" -o "$OUT/st" -e "$OUT/err" -r "press Ctrl-C" -- \
		ip netns exec "$1" "$2" --count 1 --timeout 30 icmp >"$OUT/first.out" &
	pid=$!
	i=0
	until grep -q "press Ctrl-C" "$OUT/err" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 3000 ] || { log "no armed line"; kill "$pid"; exit 1; }
		sleep 0.01
	done
	t0=$(now_ms)
	ip netns exec "$1" ping -q -n -c1 -W1 127.0.0.1 >/dev/null
	wait "$pid"
	t1=$(now_ms)
	grep -q '^IN= OUT=lo .*PROTO=ICMP TYPE=8' "$OUT/first.out" ||
		{ log "the ping was not traced"; cat "$OUT/err" >&2; exit 1; }
	# its own legacy steps, with their text (1), or not (0)
	ok=0
	grep -q '^  legacy nat OUTPUT (#1) -m comment' "$OUT/first.out" && ok=1
	echo "$((t1 - t0)) $(field maxrss_kb "$OUT/st") $ok" >>"$OUT/$3.first"
}

r=0
while [ $r -lt "$RUNS" ]; do
	for s in $SCENARIOS; do
		n=0
		for bin in "$@"; do
			n=$((n + 1))
			start "$P-$s" "$bin" "$s.$n"
			first "$P-$s" "$bin" "$s.$n"
		done
	done
	r=$((r + 1))
done

echo "start-up, $NRULES rules per flavour (kube-like, SERVICES=$SERVICES), medians of $RUNS (range)"
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), kernel $(uname -r)"
printf '%-7s %-40s %-18s %-18s %-18s %-18s %s\n' scenario binary armed_ms rss_MB first_ms first_rss_MB first_whole
for s in $SCENARIOS; do
	n=0
	for bin in "$@"; do
		n=$((n + 1))
		printf '%-7s %-40s %-18s %-18s %-18s %-18s %s\n' "$s" "$bin" \
			"$(cut -d' ' -f1 "$OUT/$s.$n.start" | stats)" \
			"$(awk '{ printf "%.1f\n", $2 / 1024 }' "$OUT/$s.$n.start" | stats)" \
			"$(cut -d' ' -f1 "$OUT/$s.$n.first" | stats)" \
			"$(awk '{ printf "%.1f\n", $2 / 1024 }' "$OUT/$s.$n.first" | stats)" \
			"$(awk '{ k += $3 } END { printf "%d/%d", k, NR }' "$OUT/$s.$n.first")"
	done
done
