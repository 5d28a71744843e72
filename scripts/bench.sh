#!/bin/sh
# Benchmark iptables-trace against `nft monitor trace` and
# `xtables-monitor --trace` on the same traffic in the same run.
#
#   sh scripts/bench.sh build/iptables-trace      (make bench)
#
# A throwaway lab of three namespaces (client -> router -> server) gets a
# kube-proxy-sized ruleset in the router (bench/gen-kube-ruleset.sh, loaded
# with iptables-nft-restore). Each round starts the three listeners at once
# in the router, waits until all of them listen (and ours is armed: our
# table is what sets nftrace, the peers only listen), sends one burst of
# UDP packets to a service VIP near the end of KUBE-SERVICES, each packet a
# new connection so it walks the nat chains, waits until all outputs are
# quiet and stops the listeners with SIGINT. Every listener receives the
# same kernel events, so their costs compare directly.
#
# Rounds (each repeated BENCH_REPS times, medians reported):
#   text-5000, text-20000   our text output, paced at BENCH_RATE packets/s
#   json-5000, json-20000   our --json output (peers unchanged: nft 1.0.6
#                           prints traces as text even with -j)
#   flood-20000             text, sent as fast as the client can
#   burst-20000, burstjson-20000
#                           text and --json, as fast as the client can, with
#                           ours and the null listener alone: the peers use
#                           several times our CPU, and beside them on two
#                           cores a flood measures who gets a core. With
#                           BENCH_FLAVOUR=legacy the null listener takes
#                           NFLOG group 0 too (null nflog), which only one
#                           socket can hold: it gets the same burst right
#                           after ours, alone (rounds/NAME.null)
#   change-5000             text, paced, with BENCH_CHANGES iptables-nft -A
#                           ruleset changes in the middle of the burst
#   onset-RATE              text, BENCH_ONSET_N packets at each rate of
#                           BENCH_ONSET_RATES (0: as fast as possible): the
#                           report says at which rate each listener starts
#                           to lose events (not in the default rounds)
#
# Results: build/bench/report.txt (the table), build/bench/results.tsv
# (every listener of every round), build/bench/rounds/ (stderr, stats and the
# first 400 output lines of the last repetition of each round).
# BENCH_REPORT_ONLY=1 prints the report of the last run again.
#
# Environment knobs: BENCH_REPS (3),
# BENCH_RATE (500), BENCH_SERVICES (2000), BENCH_SIZES ("5000 20000"),
# BENCH_CHANGES (4), BENCH_ROUNDS (all: "text json flood burst change"),
# BENCH_FLAVOUR (iptables-nft; nft: the same ruleset through
# iptables-restore-translate and nft -f; legacy: iptables-legacy-restore).
# BENCH_PERF=1 records ours with perf during each round's traffic
# (build/bench/rounds/ROUND/perf.data; it costs ours some CPU).
# BENCH_SERVICES=12400 gives the 100k-rule host. A fourth listener, the
# null listener (bench/null.c: recv only, same 128 MiB buffer), is the limit.
set -eu

BIN=${1:?usage: bench.sh path/to/iptables-trace}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/lab.sh"
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
[ -x "$BIN" ] || { echo "bench: $BIN is missing: run make" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "bench: needs root (namespaces, nf_tables)" >&2; exit 1; }

REPS=${BENCH_REPS:-3}
RATE=${BENCH_RATE:-500}
SERVICES=${BENCH_SERVICES:-2000}
SIZES=${BENCH_SIZES:-"5000 20000"}
CHANGES=${BENCH_CHANGES:-4}
ROUNDS=${BENCH_ROUNDS:-"text json flood burst change"}
ONSET_RATES=${BENCH_ONSET_RATES:-"2000 4000 8000 16000 32000 0"}
ONSET_N=${BENCH_ONSET_N:-10000}
FLAVOUR=${BENCH_FLAVOUR:-iptables-nft}

OUT=$ROOT/build/bench
TOOLS=$OUT/bin
mkdir -p "$TOOLS" "$OUT/rounds"
RESULTS=$OUT/results.tsv
REPORT=$OUT/report.txt

CLK_TCK=$(getconf CLK_TCK)
VIP=10.96.255.250 VPORT=5353
FILTER="udp port $VPORT"
ARMED='press Ctrl-C to stop'
# who listens in a round: burst rounds leave the peers out
LISTENERS="ours nft xt null"
listens() { case " $LISTENERS " in *" $1 "*) return 0 ;; esac; return 1; }
has_peers() { listens nft; }
# the null listener's arguments: nflog on a legacy host (bench/null.c)
NULL_ARGS=""
# a round's second pass, in a directory of its own (rounds/NAME.PASS)
PASS=""
# Not "iptt-...": the test runner checks that no iptt-* namespace is left,
# and a bench running next to it must not look like a leak.
LAB=ipttbench-$$
CLI=$LAB-cli RTR=$LAB-rtr SRV=$LAB-srv

log() { printf 'bench: %s\n' "$*" >&2; }

# ------------------------------------------------------------ lab and cleanup

WRAPPERS="" SENDER=""
cleanup() {
	for w in $WRAPPERS $SENDER; do
		kill -TERM "$w" 2>/dev/null || true
	done
	for w in $WRAPPERS; do
		wait "$w" 2>/dev/null || true
	done
	for ns in "$CLI" "$RTR" "$SRV"; do
		ip netns del "$ns" 2>/dev/null || true
	done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

build_tools() {
	cc -O2 -Wall -Wextra -o "$TOOLS/run" "$ROOT/bench/run.c"
	cc -O2 -Wall -Wextra -o "$TOOLS/udpburst" "$ROOT/bench/udpburst.c"
	cc -O2 -Wall -Wextra -o "$TOOLS/null" "$ROOT/bench/null.c"
}

lab_up() {
	for ns in "$CLI" "$RTR" "$SRV"; do
		ip netns add "$ns"
		ip -n "$ns" link set lo up
	done
	lab_wire "$CLI" "$RTR" "$SRV" 10.98
	# Pod addresses (the DNAT targets) all live in the server namespace,
	# which swallows the traffic without answering.
	ip -n "$RTR" route add 10.244.0.0/16 via 10.98.2.2
	ip -n "$SRV" route add local 10.244.0.0/16 dev lo
	ip netns exec "$SRV" nft "add table ip sink { chain in { type filter hook input priority 0; udp dport $VPORT drop; }; }"
}

load_ruleset() {
	sh "$ROOT/bench/gen-kube-ruleset.sh" "$SERVICES" >"$OUT/kube-ruleset.txt"
	t0=$(date +%s%N)
	case $FLAVOUR in
	iptables-nft) ip netns exec "$RTR" iptables-nft-restore <"$OUT/kube-ruleset.txt" ;;
	legacy) ip netns exec "$RTR" iptables-legacy-restore <"$OUT/kube-ruleset.txt" ;;
	nft)	# nft wants a protocol match before a DNAT port: keep the address
		iptables-restore-translate -f "$OUT/kube-ruleset.txt" |
			sed 's/dnat to \([0-9.]*\):[0-9]*/dnat to \1/' >"$OUT/kube-ruleset.nft"
		ip netns exec "$RTR" nft -f "$OUT/kube-ruleset.nft" ;;
	*) log "BENCH_FLAVOUR: iptables-nft, nft or legacy"; exit 1 ;;
	esac
	RESTORE_MS=$(( ($(date +%s%N) - t0) / 1000000 ))
	NRULES=$(grep -c '^-A' "$OUT/kube-ruleset.txt" || true)
	NCHAINS=$(grep -c '^:' "$OUT/kube-ruleset.txt" || true)
	NSVCRULES=$(grep -c '^-A KUBE-SERVICES' "$OUT/kube-ruleset.txt" || true)
	TARGET_POS=$(grep '^-A KUBE-SERVICES' "$OUT/kube-ruleset.txt" | grep -n " $VIP/32 " | cut -d: -f1)
}

# ------------------------------------------------------------ listeners

# CPU time of a live process so far, in us: its own from schedstat (ns), and
# that of the children it has waited for (ours runs iptables-nft-save) from
# stat's cutime+cstime (clock ticks). wait4() at the end counts both too.
cpu_us() {
	[ -r "/proc/$1/schedstat" ] || { echo -1; return; }
	self=$(cut -d' ' -f1 "/proc/$1/schedstat" 2>/dev/null) || { echo -1; return; }
	kids=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f14,15) || { echo -1; return; }
	echo "$self $kids" | awk -v hz="$CLK_TCK" '{ printf "%d", $1 / 1000 + ($2 + $3) * 1e6 / hz }'
}

# (pid 0 would mean our own process group)
alive() { [ "${1:-0}" -gt 0 ] && kill -0 "$1" 2>/dev/null; }

# Is one of PID's sockets a netfilter netlink socket in the NFTRACE group
# (group 9, bit 0x100 of the Groups column)?
nftrace_member() {
	inodes=$(ls -l "/proc/$1/fd" 2>/dev/null | sed -n 's/.*socket:\[\([0-9]*\)\].*/\1/p' | tr '\n' ' ')
	[ -n "$inodes" ] || return 1
	awk -v want=" $inodes" 'NR > 1 && $2 == 12 && index(want, " " $NF " ") {
		d = substr($4, length($4) - 2, 1)
		if (index("13579bdfBDF", d)) found = 1
	} END { exit !found }' "/proc/$1/net/netlink"
}

pid_of() { cat "$1.stats.pid" 2>/dev/null || echo 0; }

# start_listeners DIR OURS_ARGS...: the three listeners, started together
start_listeners() {
	d=$1
	shift
	RUN=$TOOLS/run
	T_START=$(date +%s%N)
	W_OURS="" W_NFT="" W_XT="" W_NULL=""
	: >"$d/ours.out"; : >"$d/ours.err"; : >"$d/null.out"
	if listens ours; then
		"$RUN" -o "$d/ours.stats" -e "$d/ours.err" -r "$ARMED" -- \
			ip netns exec "$RTR" "$BIN" "$@" "$FILTER" >"$d/ours.out" &
		W_OURS=$!
	fi
	if has_peers; then
		"$RUN" -o "$d/nft.stats" -e "$d/nft.err" -- \
			ip netns exec "$RTR" nft monitor trace >"$d/nft.out" &
		W_NFT=$!
		"$RUN" -o "$d/xt.stats" -e "$d/xt.err" -- \
			ip netns exec "$RTR" xtables-monitor --trace >"$d/xt.out" &
		W_XT=$!
	else
		: >"$d/nft.out"; : >"$d/xt.out"; : >"$d/xt.err"	# none: 0 shown
	fi
	if listens null; then
		# shellcheck disable=SC2086
		"$RUN" -o "$d/null.stats" -e "$d/null.err" -- \
			ip netns exec "$RTR" "$TOOLS/null" $NULL_ARGS >"$d/null.out" &
		W_NULL=$!
	fi
	WRAPPERS="$W_OURS $W_NFT $W_XT $W_NULL"
}

# Wait until ours is armed and both peers are in the NFTRACE group; note
# when each peer got there. Peers may load caches after subscribing, so
# also wait until their CPU use stops growing.
wait_ready() {
	d=$1
	NFT_READY_MS=-1 XT_READY_MS=-1 NULL_READY_MS=-1
	has_peers || NFT_READY_MS=0 XT_READY_MS=0
	listens null || NULL_READY_MS=0
	i=0
	while [ $i -lt 3000 ]; do
		now=$(( ($(date +%s%N) - T_START) / 1000000 ))
		if [ "$NFT_READY_MS" = -1 ] && [ -s "$d/nft.stats.pid" ] &&
		   nftrace_member "$(pid_of "$d/nft")"; then
			NFT_READY_MS=$now
		fi
		if [ "$XT_READY_MS" = -1 ] && [ -s "$d/xt.stats.pid" ] &&
		   nftrace_member "$(pid_of "$d/xt")"; then
			XT_READY_MS=$now
		fi
		if [ "$NULL_READY_MS" = -1 ] && [ -s "$d/null.stats.pid" ] &&
		   nftrace_member "$(pid_of "$d/null")"; then
			NULL_READY_MS=$now
		fi
		if [ "$NFT_READY_MS" != -1 ] && [ "$XT_READY_MS" != -1 ] &&
		   [ "$NULL_READY_MS" != -1 ] &&
		   { ! listens ours || grep -q "$ARMED" "$d/ours.err" 2>/dev/null; }; then
			break
		fi
		if listens null && ! alive "$W_NULL"; then
			log "the null listener did not start:"
			cat "$d/null.err" >&2
			exit 1
		fi
		if listens ours && ! alive "$W_OURS"; then
			log "iptables-trace did not start:"
			cat "$d/ours.err" >&2
			exit 1
		fi
		sleep 0.01
		i=$((i + 1))
	done
	[ $i -lt 3000 ] || { log "listeners not ready after 30 s"; exit 1; }
	settle "$d"
}

# Until none of the three listeners burns CPU for 200 ms.
settle() {
	d=$1
	prev=""
	i=0
	while [ $i -lt 100 ]; do
		cur="$(cpu_us "$(pid_of "$d/ours")") $(cpu_us "$(pid_of "$d/nft")") $(cpu_us "$(pid_of "$d/xt")")"
		cur=$(echo "$cur" | awk '{ printf "%d %d %d", $1 / 2000, $2 / 2000, $3 / 2000 }')
		[ "$cur" = "$prev" ] && break
		prev=$cur
		sleep 0.2
		i=$((i + 1))
	done
}

output_sizes() {
	for l in $LISTENERS; do
		wc -c <"$1/$l.out"
	done | awk '{ s = s " " $1 } END { print s }'
}

# All outputs unchanged for 1 s (ours finishes a packet after 250 ms of
# quiet), or 120 s at most.
wait_quiet() {
	prev=""
	same=0
	i=0
	while [ $i -lt 600 ] && [ $same -lt 5 ]; do
		sleep 0.2
		cur=$(output_sizes "$1")
		if [ "$cur" = "$prev" ]; then same=$((same + 1)); else same=0; fi
		prev=$cur
		i=$((i + 1))
	done
}

stop_listeners() {
	d=$1
	for l in $LISTENERS; do
		p=$(pid_of "$d/$l")
		if alive "$p"; then
			echo 0 >"$d/$l.early"
			cpu_us "$p" >"$d/$l.stopcpu"
			kill -INT "$p" 2>/dev/null || true
		else
			echo 1 >"$d/$l.early"
			echo -1 >"$d/$l.stopcpu"
		fi
	done
	for w in $W_OURS $W_NFT $W_XT $W_NULL; do
		wait "$w" 2>/dev/null || true
	done
	WRAPPERS=""
}

# ------------------------------------------------------------ one round

SPORT=20000
next_sport() {	# distinct source ports from round to round as well
	SPORT=$((SPORT + $1))
	[ $SPORT -lt 60000 ] || SPORT=20000
}

stat_field() {	# stat_field FILE KEY
	tr ' ' '\n' <"$1" | sed -n "s/^$2=//p"
}

# round NAME REP N RATE CHANGES OURS_ARGS...
round() {
	name=$1 rep=$2 n=$3 rate=$4 changes=$5
	shift 5
	d=$OUT/rounds/$name${PASS:+.$PASS}
	rm -rf "$d"
	mkdir -p "$d"
	# new conntrack entries, so every packet walks the nat chains
	ip netns exec "$RTR" conntrack -F >/dev/null 2>&1 || true

	# alone, the NFLOG null listener needs what ours would arm: a chain
	# that sets nftrace, which legacy tables then report on as well
	if [ "$NULL_ARGS" = nflog ]; then
		ip netns exec "$RTR" nft "add table ip ipttbench { chain pre {
			type filter hook prerouting priority -301; policy accept;
			udp dport $VPORT meta nftrace set 1; }; }"
	fi
	start_listeners "$d" "$@"
	wait_ready "$d"
	r_ours=$(cpu_us "$(pid_of "$d/ours")")
	r_nft=$(cpu_us "$(pid_of "$d/nft")")
	r_xt=$(cpu_us "$(pid_of "$d/xt")")
	r_null=$(cpu_us "$(pid_of "$d/null")")
	# One warm-up packet first: ours re-reads the ruleset when it meets
	# its first packet (its own table changed the generation), which is
	# worth knowing on its own (first_ms) rather than inside the burst.
	ip netns exec "$CLI" "$TOOLS/udpburst" -d $VIP -p $VPORT -n 1 -b 10000 >/dev/null
	i=0
	listens ours || { sleep 0.2; i=500; }
	while [ ! -s "$d/ours.out" ] && [ $i -lt 500 ]; do
		sleep 0.02
		i=$((i + 1))
	done
	settle "$d"
	c_ours=$(cpu_us "$(pid_of "$d/ours")")
	c_nft=$(cpu_us "$(pid_of "$d/nft")")
	c_xt=$(cpu_us "$(pid_of "$d/xt")")
	c_null=$(cpu_us "$(pid_of "$d/null")")

	ratearg=""
	[ "$rate" = 0 ] || ratearg="-r $rate"
	PERF=""
	if [ -n "${BENCH_PERF:-}" ]; then
		perf record -g -q -o "$d/perf.data" -p "$(pid_of "$d/ours")" 2>/dev/null &
		PERF=$!
		sleep 0.2
	fi
	t0=$(date +%s%N)
	# shellcheck disable=SC2086
	ip netns exec "$CLI" "$TOOLS/udpburst" -d $VIP -p $VPORT -n "$n" \
		-b "$SPORT" $ratearg >"$d/sender.out" &
	SENDER=$!
	change_ms=""
	if [ "$changes" -gt 0 ]; then
		# spread the changes over the middle of the burst
		gap=$(awk -v n="$n" -v r="$rate" -v c="$changes" 'BEGIN {
			printf "%.2f", (r > 0 ? n / r : 2) / (c + 1) }')
		k=1
		while [ $k -le "$changes" ]; do
			sleep "$gap"
			c0=$(date +%s%N)
			ip netns exec "$RTR" iptables-nft -A KUBE-FORWARD -m comment \
				--comment "bench change $k" -j RETURN
			change_ms="$change_ms $(( ($(date +%s%N) - c0) / 1000000 ))"
			k=$((k + 1))
		done
	fi
	wait "$SENDER" || true
	SENDER=""
	send_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	next_sport "$n"
	wait_quiet "$d"
	if [ -n "$PERF" ]; then
		kill -INT "$PERF" 2>/dev/null || true
		wait "$PERF" 2>/dev/null || true
	fi
	stop_listeners "$d"
	[ "$NULL_ARGS" != nflog ] || ip netns exec "$RTR" nft delete table ip ipttbench
	if [ "$changes" -gt 0 ]; then
		k=1
		while [ $k -le "$changes" ]; do
			ip netns exec "$RTR" iptables-nft -D KUBE-FORWARD -m comment \
				--comment "bench change $k" -j RETURN 2>/dev/null || true
			k=$((k + 1))
		done
	fi

	sent=$(sed -n 's/^sent \([0-9]*\) .*/\1/p' "$d/sender.out")
	sent=$((${sent:-0} + 1))	# and the warm-up packet

	# ours: the summary line counts packets, events and overruns (ENOBUFS)
	sum=$(grep -E '^iptables-trace: [0-9]+ packets traced' "$d/ours.err" | tail -1 || true)
	o_pk=$(echo "$sum" | awk '{ print $2 + 0 }')
	o_ev=$(echo "$sum" | awk '{ print $5 + 0 }')
	o_ovr=$(echo "$sum" | sed -n 's/.*overflowed \([0-9]*\) time.*/\1/p')
	o_ovr=${o_ovr:-0}
	# nft: one line per event with a rule or policy, plus "packet:" lines;
	# our own chain's policy line marks each packet once
	n_ev=$(grep '^trace id' "$d/nft.out" | grep -vc ' packet: ' || true)
	n_pk=$(grep -Ec '^trace id [0-9a-f]+ inet iptables-trace-[0-9]+ prerouting policy' "$d/nft.out" || true)
	n_ovr=$(grep -c 'lost some netlink events' "$d/nft.out" || true)
	# xtables-monitor: " TRACE:" lines; it exits on the first ENOBUFS
	x_ev=$(grep -c '^ TRACE:' "$d/xt.out" || true)
	x_pk=$(grep -Ec '^ TRACE: [0-9]+ [0-9a-f]+ iptables-trace-[0-9]+:prerouting:policy' "$d/xt.out" || true)
	x_ovr=$(grep -c 'No buffer space' "$d/xt.err" || true)
	u_ev=$(awk '/^events/ { print $2 }' "$d/null.out")
	u_ovr=$(awk '/^events/ { print $4 }' "$d/null.out")
	u_drops=$(awk '/^events/ { print $6 }' "$d/null.out")
	# It shows no packets. One that lost nothing had every packet's
	# events (as the NFLOG one needs: its count a packet is not ours);
	# else estimate by ours' count a packet.
	if [ "${u_ovr:-1}" = 0 ] && [ "${u_drops:--1}" = 0 ]; then
		u_pk=$sent
	else
		u_pk=$(awk -v e="${u_ev:-0}" -v c="${CAL_OURS:-0}" 'BEGIN { printf "%d", (c > 0 ? e / c : 0) }')
	fi

	for l in $LISTENERS; do
		s=$d/$l.stats
		[ -s "$s" ] || { log "$l left no stats in $d"; continue; }
		ut=$(stat_field "$s" utime_us)
		st=$(stat_field "$s" stime_us)
		rss=$(stat_field "$s" maxrss_kb)
		status=$(stat_field "$s" status)
		case $l in
		ours) pk=$o_pk ev=$o_ev ovr=$o_ovr rcpu=$r_ours ccpu=$c_ours
		      ready=$(stat_field "$s" ready_ms) ;;
		nft)  pk=$n_pk ev=$n_ev ovr=$n_ovr rcpu=$r_nft ccpu=$c_nft ready=$NFT_READY_MS ;;
		xt)   pk=$x_pk ev=$x_ev ovr=$x_ovr rcpu=$r_xt ccpu=$c_xt ready=$XT_READY_MS ;;
		null) pk=${u_pk:-0} ev=${u_ev:-0} ovr=${u_ovr:-0} rcpu=$r_null ccpu=$c_null
		      ready=$NULL_READY_MS ;;
		esac
		early=$(cat "$d/$l.early")
		tot=$((ut + st))
		stop=$(cat "$d/$l.stopcpu")
		[ "$stop" -ge 0 ] || stop=$tot	# exited by itself: no exit to subtract
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
			"$name" "$rep" "$l" "$sent" "$rate" "$tot" "$rcpu" "$((ccpu - rcpu))" "$((tot - stop))" \
			"$rss" "$pk" "$ev" "$ovr" "$early" "$status" "$ready" \
			"$send_ms" "$(echo $change_ms | tr ' ' ',')" >>"$RESULTS"
	done
	log "$name #$rep: sent $sent in $send_ms ms; shown ours $o_pk/$o_ev nft $n_pk/$n_ev xt $x_pk/$x_ev (packets/events)"
	# keep the start of each output to look at, not hundreds of MB
	for l in $LISTENERS; do
		head -n 400 "$d/$l.out" >"$d/$l.out.head"
		rm -f "$d/$l.out"
	done
}

# ------------------------------------------------------------ report

report() {
	awk -F '\t' -v cal_o="$CAL_OURS" -v cal_n="$CAL_NFT" -v cal_x="$CAL_XT" '
	function lname(l) { return l == "ours" ? "ours" : l == "nft" ? "nft-mon" : l == "null" ? "null" : "xt-mon" }
	function median(key, col,   n, i, j, t, v) {
		n = cnt[key]
		for (i = 1; i <= n; i++) v[i] = val[key, i, col]
		for (i = 2; i <= n; i++)	# insertion sort, n is tiny
			for (j = i; j > 1 && v[j - 1] > v[j]; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
		return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
	}
	NR == 1 || $1 == "calibrate" { next }
	{
		key = $1 SUBSEP $3
		if (!(key in cnt)) order[++nk] = key
		c = ++cnt[key]
		cal = $3 == "ours" || $3 == "null" ? cal_o : $3 == "nft" ? cal_n : cal_x
		tc = ($6 - $7 - $8 - $9) / 1e6	# the burst: total minus start, warm-up, exit
		val[key, c, "sent"] = $4
		val[key, c, "cpu"] = tc
		val[key, c, "per"] = $11 > 0 ? tc / $11 : 0
		val[key, c, "startcpu"] = $7 / 1e3
		val[key, c, "warm"] = $8 / 1e3
		val[key, c, "exit"] = $9 / 1e3
		val[key, c, "rss"] = $10 / 1024
		val[key, c, "pk"] = $11
		val[key, c, "ev"] = $12
		val[key, c, "lost"] = $4 * cal - $12 > 0 ? $4 * cal - $12 : 0
		if ($3 == "null" && $11 == $4) val[key, c, "lost"] = 0	# it lost none
		val[key, c, "ovr"] = $13
		val[key, c, "ready"] = $16
		died[key] += $14
		if ($18 != "" && $3 == "ours") {
			nch = split($18, ch, ",")
			for (i = 1; i <= nch; i++) chsum[$1] += ch[i]
			chn[$1] += nch
		}
	}
	END {
		printf "%-12s %-8s %6s %7s %12s %8s %7s %10s %12s %8s %10s %8s %9s %8s %7s\n",
			"round", "listener", "sent", "cpu_s", "us/pkt_shown", "vs_ours", "rss_MB",
			"pkts_shown", "events_shown", "lost_ev", "overruns", "start_ms", "start_cpu", "first_ms", "exit_ms"
		for (k = 1; k <= nk; k++) {
			key = order[k]
			cpu[key] = median(key, "cpu")
			per[key] = median(key, "per")
		}
		for (k = 1; k <= nk; k++) {
			key = order[k]
			split(key, p, SUBSEP)
			ours = per[p[1] SUBSEP "ours"]
			ovr = died[key] ? "died " died[key] "/" cnt[key] : sprintf("%d", median(key, "ovr"))
			printf "%-12s %-8s %6d %7.3f %12.1f %8s %7.1f %10d %12d %8d %10s %8d %9d %8d %7d\n",
				p[1], lname(p[2]), median(key, "sent"), cpu[key], per[key] * 1e6,
				(ours > 0 ? sprintf("%.2fx", per[key] / ours) : "-"),
				median(key, "rss"), median(key, "pk"), median(key, "ev"),
				median(key, "lost"), ovr, median(key, "ready"), median(key, "startcpu"),
				median(key, "warm"), median(key, "exit")
		}

		# cpu = fixed + packets x per-packet, solved from the smallest and
		# the largest burst of a kind; only for listeners that lasted.
		nl = split("ours nft xt", L, " ")
		for (k = 1; k <= nk; k++) {
			split(order[k], p, SUBSEP)
			if (split(p[1], rn, "-") != 2 || (rn[1] != "text" && rn[1] != "json")) continue
			sz = rn[2] + 0
			if (!(rn[1] in lo) || sz < lo[rn[1]]) lo[rn[1]] = sz
			if (!(rn[1] in hi) || sz > hi[rn[1]]) hi[rn[1]] = sz
		}
		hdr = 0
		for (m in lo) {
			if (lo[m] == hi[m]) continue
			if (!hdr++) print "\nfixed + per-packet CPU (from the smallest and the largest burst of a kind):"
			line = sprintf("  %-5s", m)
			for (i = 1; i <= nl; i++) {
				ka = m "-" lo[m] SUBSEP L[i]; kb = m "-" hi[m] SUBSEP L[i]
				if (!(ka in cpu) || !(kb in cpu)) continue
				if (died[ka] || died[kb]) {
					line = line sprintf("  %s n/a (exited early)", lname(L[i]))
					continue
				}
				ds = median(kb, "sent") - median(ka, "sent")
				pp = ds > 0 ? (cpu[kb] - cpu[ka]) / ds : 0
				line = line sprintf("  %s %.0f ms + %.1f us/pkt", lname(L[i]),
					(cpu[ka] - pp * median(ka, "sent")) * 1e3, pp * 1e6)
			}
			print line
		}
		for (r in chn) {
			nper = chn[r] / cnt[r SUBSEP "ours"]
			split(r, rn, "-")
			base = "text-" rn[2]
			printf "\n%s: %d ruleset changes per run mid-burst (iptables-nft -A, %.0f ms each)\n", r, nper, chsum[r] / chn[r]
			printf "  extra CPU per change vs %s:", base
			for (i = 1; i <= nl; i++) {
				kc = r SUBSEP L[i]; kb = base SUBSEP L[i]
				if (!(kc in cpu) || !(kb in cpu)) continue
				if (died[kc] || died[kb])
					printf "  %s n/a (exited early)", lname(L[i])
				else
					printf "  %s %.1f ms", lname(L[i]), (cpu[kc] - cpu[kb]) * 1e3 / nper
			}
			printf "\n"
		}
	}' "$RESULTS"
}

# Where the loss starts: per listener, the lowest onset-RATE round (in the
# order run, rising) that lost events, and the last one that lost none, at
# the rate the sender reached (sent / send_ms).
onset_report() {
	awk -F '\t' -v cal_o="$CAL_OURS" -v cal_n="$CAL_NFT" -v cal_x="$CAL_XT" '
	$1 !~ /^onset-/ { next }
	{
		cal = $3 == "ours" || $3 == "null" ? cal_o : $3 == "nft" ? cal_n : cal_x
		lost = int(cal * $4 - $12 + 0.5)
		# the rate the sender reached, which is below the one asked for
		# once the client cannot keep up
		got = $17 > 0 ? int($4 * 1000 / $17) : 0
		rate = got " pkt/s (" ($5 == 0 ? "flat out" : "asked " $5) ")"
		if (!($3 in seen)) { seen[$3] = 1; order[++n] = $3 }
		if (lost > 0 && !($3 in first)) first[$3] = rate " (" lost " of " int(cal * $4) " events lost)"
		if (lost <= 0 && !($3 in first)) clean[$3] = rate
	}
	END {
		if (!n) exit
		print "where the loss starts (onset rounds, rising rate):"
		for (i = 1; i <= n; i++) {
			l = order[i]
			printf "  %-8s none lost up to %s; ", l == "nft" ? "nft-mon" : l == "xt" ? "xt-mon" : l,
				(l in clean) ? clean[l] : "(none)"
			print (l in first) ? "loss from " first[l] : "no loss at any rate"
		}
	}' "$RESULTS"
}

# Events each listener shows per packet when nothing is lost.
calibration() {
	CAL_OURS=$(awk -F '\t' '$1 == "calibrate" && $3 == "ours" && $4 > 0 { printf "%.2f", $12 / $4 }' "$RESULTS")
	CAL_NFT=$(awk -F '\t' '$1 == "calibrate" && $3 == "nft" && $4 > 0 { printf "%.2f", $12 / $4 }' "$RESULTS")
	CAL_XT=$(awk -F '\t' '$1 == "calibrate" && $3 == "xt" && $4 > 0 { printf "%.2f", $12 / $4 }' "$RESULTS")
}

write_report() {
{
	cat "$OUT/header.txt"
	echo
	report
	echo
	echo "sent: the burst plus one warm-up packet sent (and waited for) before it."
	echo "cpu_s: CPU (user+sys, from wait4) a listener spent on the burst: from after the"
	echo "       warm-up packet to SIGINT. Startup, warm-up and exit are the last columns."
	echo "us/pkt_shown: cpu_s per packet the listener showed (one that lost or died early did less)."
	echo "vs_ours: us/pkt_shown relative to ours in the same round (same traffic, same time)."
	echo "rss_MB: peak resident memory. pkts_shown/events_shown: what the listener printed"
	echo "       (ours: its summary line; nft: non-'packet:' lines; xt: TRACE lines)."
	echo "lost_ev: events per packet (calibration) x packets sent - events shown."
	echo "overruns: ours: ENOBUFS count from its summary ('the receive buffer overflowed N times');"
	echo "       nft: '# ERROR: We lost some netlink events!' lines; xt: its ENOBUFS error"
	echo "       ('died K/N': it exited before the end in K of N runs)."
	echo "start_ms: launch to armed (ours) / to joining the trace group (peers);"
	echo "       start_cpu: CPU ms spent by then; first_ms: CPU ms on the warm-up packet;"
	echo "       exit_ms: CPU ms from SIGINT to exit."
	onset_report
} >"$REPORT"
cat "$REPORT"
}

# ------------------------------------------------------------ main

if [ -n "${BENCH_REPORT_ONLY:-}" ]; then
	# re-render the report of the last run
	calibration
	write_report
	exit 0
fi

sh "$ROOT/scripts/deps.sh"
build_tools
log "lab $LAB: client -> router -> server"
lab_up
load_ruleset
log "ruleset: $NRULES rules in $NCHAINS chains ($NSVCRULES in nat KUBE-SERVICES; target at #$TARGET_POS), restored in $RESTORE_MS ms"

printf 'round\trep\tlistener\tsent\trate\tcpu_total_us\tcpu_start_us\tcpu_warm_us\tcpu_exit_us\tmaxrss_kb\tpackets\tevents\toverruns\texited_early\tstatus\tready_ms\tsend_ms\tchange_ms\n' >"$RESULTS"

# Calibration: a few slow packets, to learn how many events each listener
# shows per packet when nothing is lost.
round calibrate 1 20 50 0
calibration
cal_pk=$(awk -F '\t' '$1 == "calibrate" && $3 == "ours" { print $11 }' "$RESULTS")
[ "${cal_pk:-0}" -gt 0 ] || { log "calibration: iptables-trace showed no packet"; exit 1; }
log "events per packet: ours $CAL_OURS, nft monitor $CAL_NFT, xtables-monitor $CAL_XT"

{
	echo "iptables-trace benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "machine: $(nproc) cores, kernel $(uname -r); $(nft --version); $(iptables-nft --version)"
	echo "ruleset: $NRULES rules ($FLAVOUR) in $NCHAINS chains, kube-proxy shape, $NSVCRULES rules in nat KUBE-SERVICES"
	echo "traffic: UDP to $VIP:$VPORT (KUBE-SERVICES rule #$TARGET_POS), one new connection per packet,"
	echo "         paced at $RATE packets/s except flood (as fast as possible); medians of $REPS runs"
	echo "events per packet (calibration): ours $CAL_OURS, nft monitor $CAL_NFT, xtables-monitor $CAL_XT"
} >"$OUT/header.txt"

# (sh has no local variables: the loop uses names round() does not touch)
for KIND in $ROUNDS; do
	REP=1
	while [ $REP -le "$REPS" ]; do
		case $KIND in
		text)
			for SIZE in $SIZES; do round "text-$SIZE" $REP "$SIZE" "$RATE" 0; done ;;
		json)
			for SIZE in $SIZES; do round "json-$SIZE" $REP "$SIZE" "$RATE" 0 --json; done ;;
		flood)
			round "flood-20000" $REP 20000 0 0 ;;
		burst)
			if [ "$FLAVOUR" = legacy ]; then
				# NFLOG group 0 is one socket's: ours, then the
				# null listener alone on the same burst
				for J in "" --json; do
					LISTENERS=ours
					round "burst${J:+json}-20000" $REP 20000 0 0 $J
					LISTENERS=null NULL_ARGS=nflog PASS=null
					round "burst${J:+json}-20000" $REP 20000 0 0
					NULL_ARGS="" PASS=""
				done
			else
				LISTENERS="ours null"
				round "burst-20000" $REP 20000 0 0
				round "burstjson-20000" $REP 20000 0 0 --json
			fi
			LISTENERS="ours nft xt null" ;;
		change)
			round "change-5000" $REP 5000 "$RATE" "$CHANGES" ;;
		onset)
			for ORATE in $ONSET_RATES; do
				round "onset-$ORATE" $REP "$ONSET_N" "$ORATE" 0
			done ;;
		*)
			log "unknown round $KIND"; exit 2 ;;
		esac
		REP=$((REP + 1))
	done
done

write_report
