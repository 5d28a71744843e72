# Helpers for the iptables-trace namespace tests (bats).
#
# Every test gets its own lab of three throwaway network namespaces:
#
#   client (c0) 10.99.1.2/24 fd00:99:1::2/64
#      |
#   router (r0) 10.99.1.1/24 fd00:99:1::1/64   forwarding on
#   router (r1) 10.99.2.1/24 fd00:99:2::1/64
#      |
#   server (s0) 10.99.2.2/24 fd00:99:2::2/64
#
# Names are unique per run and per test: iptt-<pid>-<test>-<random>-{cli,rtr,srv},
# or $IPTT_NS_PREFIX-<test>-<random>-... when set (scripts/check.sh sets it
# so that it can judge its own namespaces only).
# Nothing here touches the host namespace's firewall, sysctls or nf_log:
# interfaces are created directly inside the lab namespaces and every
# command runs under "ip netns exec" / "ip -n".
#
# Use from a .bats file:
#   load lib
#   setup()    { lab_setup; }
#   teardown() { lab_teardown; }

IPTT_ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
IPTT_BIN=${IPTT_BIN:-$IPTT_ROOT/build/iptables-trace}
IPTT_SHIM=${IPTT_SHIM:-$IPTT_ROOT/build/tests/fake_nonft.so}
# A sanitizer build wants its runtime first in LD_PRELOAD, before the shim.
if ldd "$IPTT_BIN" 2>/dev/null | grep -q libasan; then
	IPTT_SHIM="$(ldd "$IPTT_BIN" | awk '/libasan/ { print $3 }') $IPTT_SHIM"
fi

CLI_IP=10.99.1.2 RTR_IP1=10.99.1.1 RTR_IP2=10.99.2.1 SRV_IP=10.99.2.2
CLI_IP6=fd00:99:1::2 RTR_IP6_1=fd00:99:1::1 RTR_IP6_2=fd00:99:2::1 SRV_IP6=fd00:99:2::2
VIP=198.51.100.10

# Where the tool keeps its state files (src/statedir.h); check.sh gives
# each run a directory of its own.
STATE_DIR=${IPTT_STATE_DIR:-/run/iptables-trace}

# state_file NS: the nf_log state file of the namespace NS (ip netns
# name), found by the namespace inode it records; nothing when none.
state_file() {
	local ino
	ino=$(stat -L -c %i "/run/netns/$1") || return 0
	grep -lE "^[^ ]+ [^ ]+ $ino\$" "$STATE_DIR"/nf_log.* 2>/dev/null || true
}

ARMED_RE='^iptables-trace: tracing .* \(backend nft\) \.\.\. press Ctrl-C to stop$'
# The counts of packets come from our rules' counters; --trace-rules has none.
SUMMARY_RE='^iptables-trace: [0-9]+ packets traced, [0-9]+ events, [0-9]+ events lost(; [0-9]+ of [0-9]+ traced packets shown(, [0-9]+ lost)?(, [0-9]+ left out by --verdict, -o or --count)?)?$'

# ip6_re ADDR: an extended regex for an IPv6 address as the tool may print
# it, compressed (fd00:99:1::2) or written out in full like the kernel's
# LOG target does (fd00:0099:0001:0000:0000:0000:0000:0002).
ip6_re() {
	local a=$1 head tail g out=() n i
	if [[ $a == *::* ]]; then head=${a%%::*} tail=${a#*::}; else head=$a tail=; fi
	local -a h=() t=()
	[ -n "$head" ] && IFS=: read -r -a h <<<"$head"
	[ -n "$tail" ] && IFS=: read -r -a t <<<"$tail"
	n=$((8 - ${#h[@]} - ${#t[@]}))
	for g in "${h[@]}"; do out+=("$(printf '%04x' "0x$g")"); done
	for ((i = 0; i < n; i++)); do out+=(0000); done
	for g in "${t[@]}"; do out+=("$(printf '%04x' "0x$g")"); done
	local IFS=:
	echo "($a|${out[*]})"
}

# ---------------------------------------------------------------- lab

lab_setup() {
	[ -x "$IPTT_BIN" ] || { echo "# $IPTT_BIN is missing: run make" >&3; return 1; }
	LAB=${IPTT_NS_PREFIX:-iptt-$$}-${BATS_TEST_NUMBER}-$RANDOM
	CLI=$LAB-cli RTR=$LAB-rtr SRV=$LAB-srv
	LAB_PIDS=()
	IPTT_PID=
	local ns
	for ns in "$CLI" "$RTR" "$SRV"; do
		ip netns add "$ns"
		ip -n "$ns" link set lo up
		# no duplicate address detection: addresses usable at once
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
			net.ipv6.conf.default.accept_dad=0
	done
	ip netns exec "$RTR" sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv6.conf.all.forwarding=1
	ip -n "$RTR" link add r0 type veth peer name c0 netns "$CLI"
	ip -n "$RTR" link add r1 type veth peer name s0 netns "$SRV"

	ip -n "$CLI" addr add $CLI_IP/24 dev c0
	ip -n "$CLI" addr add $CLI_IP6/64 dev c0 nodad
	ip -n "$RTR" addr add $RTR_IP1/24 dev r0
	ip -n "$RTR" addr add $RTR_IP6_1/64 dev r0 nodad
	ip -n "$RTR" addr add $RTR_IP2/24 dev r1
	ip -n "$RTR" addr add $RTR_IP6_2/64 dev r1 nodad
	ip -n "$SRV" addr add $SRV_IP/24 dev s0
	ip -n "$SRV" addr add $SRV_IP6/64 dev s0 nodad
	ip -n "$CLI" link set c0 up
	ip -n "$RTR" link set r0 up
	ip -n "$RTR" link set r1 up
	ip -n "$SRV" link set s0 up
	ip -n "$CLI" route add default via $RTR_IP1
	ip -n "$CLI" -6 route add default via $RTR_IP6_1
	ip -n "$SRV" route add default via $RTR_IP2
	ip -n "$SRV" -6 route add default via $RTR_IP6_2
	lab_wait_ipv6
}

# IPv6 on a veth starts only once the kernel's link watcher has seen the
# carrier, which it batches up to a second. Until then the interface has no
# link-local address and no ff00::/8 route, and neighbour solicitations to it
# are dropped, so the first ping6 is lost. lab_setup waits (at most 3 s)
# for every lab interface to have its link-local address.
lab_wait_ipv6() {
	local i ns_dev ok
	for i in $(seq 60); do
		ok=1
		for ns_dev in "$CLI c0" "$RTR r0" "$RTR r1" "$SRV s0"; do
			set -- $ns_dev
			ip -n "$1" -6 -o addr show dev "$2" scope link | grep -v tentative |
				grep -q fe80 || { ok=; break; }
		done
		[ -n "$ok" ] && return 0
		sleep 0.05
	done
	echo "# IPv6 link-local addresses did not come up within 3 s" >&3
	return 1
}

# Kill whatever the test left running in its namespaces, then delete them.
# Safe to call twice and after a partial setup.
lab_teardown() {
	local ns pid
	if [ -n "${IPTT_PID:-}" ]; then
		kill -9 "$IPTT_PID" 2>/dev/null || true
	fi
	for pid in "${LAB_PIDS[@]}"; do
		kill -9 "$pid" 2>/dev/null || true
	done
	for ns in "${CLI:-}" "${RTR:-}" "${SRV:-}"; do
		[ -n "$ns" ] && [ -e "/run/netns/$ns" ] || continue
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -9 "$pid" 2>/dev/null || true
		done
	done
	wait 2>/dev/null || true
	for ns in "${CLI:-}" "${RTR:-}" "${SRV:-}"; do
		[ -n "$ns" ] && [ -e "/run/netns/$ns" ] && ip netns del "$ns" 2>/dev/null
	done
	return 0
}

# Remember a background pid so teardown kills it.
lab_track() { LAB_PIDS+=("$@"); }

# Load an nft ruleset (from stdin) into the router.
rtr_nft() { ip netns exec "$RTR" nft -f -; }

# ---------------------------------------------------------------- traffic

ping_ok()   { ip netns exec "$1" ping -q -n -c1 -W1 "${@:2}" >/dev/null; }
ping_fail() { ! ip netns exec "$1" ping -q -n -c1 -W1 "${@:2}" >/dev/null; }

# tcp_listen NS PORT: a socat listener that answers "hello" and exits
# after one connection (tracked, killed at teardown).
tcp_listen() {
	ip netns exec "$1" socat -T2 TCP-LISTEN:"$2",reuseaddr SYSTEM:'echo hello' \
		</dev/null >/dev/null 2>&1 3>&- &
	lab_track $!
	local i
	for i in $(seq 50); do
		ip netns exec "$1" ss -Hltn "sport = :$2" | grep -q . && return 0
		sleep 0.05
	done
	echo "# socat did not start listening on port $2 in $1" >&3
	return 1
}

# tcp_connect NS HOST PORT [-q SECONDS]: connect, print what the server
# said. -q: give up connecting after SECONDS (default 2), for connections
# that are expected to fail.
tcp_connect() {
	local ct=2
	[ "${4:-}" = -q ] && ct=$5
	ip netns exec "$1" timeout 5 socat -T2 - TCP:"$2":"$3",connect-timeout="$ct" \
		</dev/null 2>/dev/null
}

# tcp_fails NS HOST PORT: the connection must fail (within 0.3 s). A
# function, because "! cmd" never fails a bats test.
tcp_fails() { ! tcp_connect "$1" "$2" "$3" -q 0.3 >/dev/null; }

# ---------------------------------------------------------------- the tool

# iptt_start [--ns NS] ARGS...: start the tool in the router (or NS) in the
# background with --no-color, wait (at most 5 s) for the armed line on stderr.
# Sets IPTT_PID, IPTT_OUT, IPTT_ERR. Fails if the tool exits or never arms.
# IPTT_WRAP goes between "ip netns exec" and the tool, as for iptt_run.
iptt_start() {
	local ns=$RTR i
	if [ "${1:-}" = --ns ]; then ns=$2; shift 2; fi
	IPTT_OUT=$BATS_TEST_TMPDIR/iptt.out
	IPTT_ERR=$BATS_TEST_TMPDIR/iptt.err
	: >"$IPTT_OUT"; : >"$IPTT_ERR"
	if [ "$ns" = - ]; then
		"$IPTT_BIN" --no-color "$@" >"$IPTT_OUT" 2>"$IPTT_ERR" 3>&- &
	else
		ip netns exec "$ns" "${IPTT_WRAP[@]}" "$IPTT_BIN" --no-color "$@" \
			>"$IPTT_OUT" 2>"$IPTT_ERR" 3>&- &
	fi
	IPTT_PID=$!
	iptt_wait_armed
}

# IPTT_ARM_WAIT: seconds to wait for the armed line (default 5; a big
# ruleset is read before the line).
iptt_wait_armed() {
	local i
	for i in $(seq $(( ${IPTT_ARM_WAIT:-5} * 20 ))); do
		grep -Eq "$ARMED_RE" "$IPTT_ERR" && return 0
		if ! kill -0 "$IPTT_PID" 2>/dev/null; then
			echo "# iptables-trace exited before arming; stderr:" >&3
			sed 's/^/#   /' "$IPTT_ERR" >&3
			return 1
		fi
		sleep 0.05
	done
	echo "# iptables-trace did not arm within ${IPTT_ARM_WAIT:-5} s; stderr:" >&3
	sed 's/^/#   /' "$IPTT_ERR" >&3
	return 1
}

# iptt_run [--ns NS] ARGS...: run the tool in the foreground (killed after
# 10 s) in the router, in NS, or with "--ns -" where the test runs. Commands
# in the array IPTT_WRAP (setpriv, env ...) go between "ip netns exec" and
# the tool. Sets IPTT_RC; stdout and stderr land in $IPTT_OUT, $IPTT_ERR.
IPTT_WRAP=()
iptt_run() {
	local ns=$RTR
	if [ "${1:-}" = --ns ]; then ns=$2; shift 2; fi
	IPTT_OUT=$BATS_TEST_TMPDIR/iptt.out
	IPTT_ERR=$BATS_TEST_TMPDIR/iptt.err
	IPTT_RC=0
	if [ "$ns" = - ]; then
		timeout -s KILL 10 "${IPTT_WRAP[@]}" "$IPTT_BIN" --no-color "$@" \
			</dev/null >"$IPTT_OUT" 2>"$IPTT_ERR" 3>&- || IPTT_RC=$?
	else
		timeout -s KILL 10 ip netns exec "$ns" "${IPTT_WRAP[@]}" "$IPTT_BIN" \
			--no-color "$@" </dev/null >"$IPTT_OUT" 2>"$IPTT_ERR" 3>&- ||
			IPTT_RC=$?
	fi
}

# assert_error RC RE: the tool exited with RC, printed nothing on stdout
# and exactly one line on stderr, "iptables-trace: ..." matching RE.
assert_error() {
	local want=$1 re=$2 ok=1
	[ "$IPTT_RC" -eq "$want" ] || ok=
	[ ! -s "$IPTT_OUT" ] || ok=
	[ "$(wc -l <"$IPTT_ERR")" -eq 1 ] || ok=
	grep -Eq "^iptables-trace: .*($re)" "$IPTT_ERR" || ok=
	if [ -z "$ok" ]; then
		{
			echo "# wanted exit $want and one stderr line matching: $re"
			echo "# got exit $IPTT_RC; stderr:"
			sed 's/^/#   /' "$IPTT_ERR"
			[ -s "$IPTT_OUT" ] && { echo "# stdout:"; sed 's/^/#   /' "$IPTT_OUT"; }
		} >&3
		return 1
	fi
}

# iptt_wait_exit [SECONDS]: wait for the tool to exit by itself (default 5 s).
# Sets IPTT_RC. Fails (and kills it) on timeout.
iptt_wait_exit() {
	local limit=$(( ${1:-5} * 20 )) i
	for i in $(seq "$limit"); do
		kill -0 "$IPTT_PID" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$IPTT_PID" 2>/dev/null; then
		echo "# iptables-trace still running after ${1:-5} s" >&3
		kill -9 "$IPTT_PID" 2>/dev/null
		wait "$IPTT_PID" 2>/dev/null
		IPTT_PID=
		return 1
	fi
	IPTT_RC=0
	wait "$IPTT_PID" || IPTT_RC=$?
	IPTT_PID=
	return 0
}

# iptt_netlink_rows: the rows of /proc/net/netlink, in the tool's
# namespace, of the tool's own netlink sockets (found by their inodes).
iptt_netlink_rows() {
	local fd link inodes=
	for fd in /proc/"$IPTT_PID"/fd/*; do
		link=$(readlink "$fd" 2>/dev/null) || continue
		case $link in socket:\[*\]) inodes="$inodes ${link//[!0-9]/}" ;; esac
	done
	[ -n "$inodes" ] || return 0
	awk -v want="$inodes" '
		BEGIN { n = split(want, w, " "); for (i = 1; i <= n; i++) ours[w[i]] = 1 }
		NR > 1 && ($10 in ours)' /proc/"$IPTT_PID"/net/netlink
}

# iptt_queued: is anything queued (Rmem) on the tool's netlink sockets?
iptt_queued() {
	iptt_netlink_rows | awk '$5 != 0 { busy = 1 } END { exit !busy }'
}

# iptt_drain: wait (at most 2 s) until the tool has read every event the
# kernel queued on its netlink sockets. The traffic helpers return once the
# packets went through the router, so their events are queued by then, but
# the tool does not read what is still queued when SIGINT arrives.
iptt_drain() {
	local i
	for i in $(seq 40); do
		iptt_queued || return 0
		sleep 0.05
	done
	echo "# iptables-trace still has unread events after 2 s" >&3
	return 0
}

# iptt_stop: let the tool read what is queued, SIGINT, wait (bounded) for
# exit. Sets IPTT_RC; the output stays in $IPTT_OUT / $IPTT_ERR.
# IPTT_SHOW=1 in the environment prints the trace (for writing tests and
# docs).
iptt_stop() {
	iptt_drain
	kill -INT "$IPTT_PID" || return 1
	iptt_wait_exit 5 || return 1
	[ -z "${IPTT_SHOW:-}" ] || sed 's/^/# /' "$IPTT_OUT" >&3
}

# iptt_stop_ok: stop, and check rc 0 plus a clean stderr (armed line,
# summary line, nothing else).
iptt_stop_ok() {
	iptt_stop || return 1
	if [ "$IPTT_RC" -ne 0 ]; then
		echo "# iptables-trace exited with $IPTT_RC; stderr:" >&3
		sed 's/^/#   /' "$IPTT_ERR" >&3
		return 1
	fi
	assert_clean_stderr
}

# Every stderr line is the armed line or the summary.
assert_clean_stderr() {
	local bad
	bad=$(grep -Ev "$ARMED_RE|$SUMMARY_RE" "$IPTT_ERR" || true)
	if [ -n "$bad" ]; then
		echo "# unexpected stderr from iptables-trace:" >&3
		printf '%s\n' "$bad" | sed 's/^/#   /' >&3
		return 1
	fi
}

# The summary's numbers: summary_field packets|events|lost|shown|traced|
# lost_packets (shown of traced, and lost, from our rules' counters)
summary_field() {
	local line
	line=$(grep -E "$SUMMARY_RE" "$IPTT_ERR") || return 1
	case $1 in
	packets) echo "$line" | sed -E 's/^iptables-trace: ([0-9]+) packets.*/\1/' ;;
	events) echo "$line" | sed -E 's/.* ([0-9]+) events,.*/\1/' ;;
	lost) echo "$line" | sed -E 's/.* ([0-9]+) events lost.*/\1/' ;;
	shown) echo "$line" | sed -nE 's/.*; ([0-9]+) of [0-9]+ traced packets shown.*/\1/p' ;;
	traced) echo "$line" | sed -nE 's/.*; [0-9]+ of ([0-9]+) traced packets shown.*/\1/p' ;;
	lost_packets)
		if [[ $line == *"traced packets shown, "*" lost"* ]]; then
			echo "$line" | sed -E 's/.*traced packets shown, ([0-9]+) lost.*/\1/'
		elif [[ $line == *"traced packets shown"* ]]; then
			echo 0
		fi ;;
	esac
}

# ---------------------------------------------------------------- output

# All blocks of a trace file, NUL-separated (blank line ends each block).
_blocks() { awk 'BEGIN { RS = ""; ORS = "\0" } { print }' "${1:-$IPTT_OUT}"; }

# block_count [FILE]
block_count() { _blocks "$@" | tr -cd '\0' | wc -c; }

# block RE [N] [FILE]: print the Nth (default 1st) block whose first line
# matches the extended regex RE. Fails (with a dump) when there is none.
block() {
	local re=$1 want=${2:-1} file=${3:-$IPTT_OUT} b n=0
	while IFS= read -r -d '' b; do
		if [[ ${b%%$'\n'*} =~ $re ]]; then
			n=$((n + 1))
			if [ "$n" -eq "$want" ]; then
				printf '%s\n' "$b"
				return 0
			fi
		fi
	done < <(_blocks "$file")
	{
		echo "# no block #$want with a first line matching: $re"
		echo "# trace output was:"
		sed 's/^/#   /' "$file"
	} >&3
	return 1
}

# blocks_matching RE [FILE]: how many blocks have a first line matching RE.
blocks_matching() {
	local re=$1 file=${2:-$IPTT_OUT} b n=0
	while IFS= read -r -d '' b; do
		[[ ${b%%$'\n'*} =~ $re ]] && n=$((n + 1))
	done < <(_blocks "$file")
	echo "$n"
}

# assert_blocks N [RE]: exactly N blocks (with a first line matching RE).
assert_blocks() {
	local want=$1 re=${2:-} got
	if [ -n "$re" ]; then got=$(blocks_matching "$re"); else got=$(block_count); fi
	[ "$got" -eq "$want" ] && return 0
	{
		echo "# wanted $want blocks${re:+ with a first line matching: $re}, got $got"
		echo "# trace output was:"
		sed 's/^/#   /' "$IPTT_OUT"
	} >&3
	return 1
}

# _in_order MODE BLOCK ITEM...: each ITEM must match a line of BLOCK, in
# order, after the line matched by the previous ITEM (other lines may sit
# in between). MODE "exact": the line, without its leading indent, equals
# ITEM. MODE "re": the line matches the extended regex ITEM.
_in_order() {
	local mode=$1 blk=$2 item line found
	shift 2
	local -a lines
	mapfile -t lines <<<"$blk"
	local i=0
	for item in "$@"; do
		found=
		while [ "$i" -lt "${#lines[@]}" ]; do
			line=${lines[$i]}
			i=$((i + 1))
			if [ "$mode" = exact ]; then
				line=${line#"${line%%[![:space:]]*}"}
				[ "$line" = "$item" ] && { found=1; break; }
			else
				[[ $line =~ $item ]] && { found=1; break; }
			fi
		done
		if [ -z "$found" ]; then
			{
				echo "# expected, in order after the previous ones, a line"
				echo "#   ${mode}: $item"
				echo "# in the block:"
				printf '%s\n' "$blk" | sed 's/^/#   /'
			} >&3
			return 1
		fi
	done
}

# assert_lines BLOCK LINE...: exact lines (leading indent ignored), in order.
assert_lines() { _in_order exact "$@"; }

# assert_lines_re BLOCK RE...: regex lines, in order.
assert_lines_re() { _in_order re "$@"; }

# refute_line_re BLOCK RE: no line of BLOCK matches RE.
refute_line_re() {
	local blk=$1 re=$2 line
	while IFS= read -r line; do
		if [[ $line =~ $re ]]; then
			{
				echo "# unexpected line matching: $re"
				printf '%s\n' "$blk" | sed 's/^/#   /'
			} >&3
			return 1
		fi
	done <<<"$blk"
}

# ---------------------------------------------------------------- tables

# nft_handle NS FAMILY TABLE CHAIN RULE: the handle of a rule, given by its
# position (a number) or by its text as `nft -s` prints it.
nft_handle() {
	local listing
	listing=$(ip netns exec "$1" nft -a -s list chain "$2" "$3" "$4") || return 1
	if [[ $5 =~ ^[0-9]+$ ]]; then
		awk -v n="$5" '/^\t\t[^\t]/ && !/^\t\t(type|comment) / &&
			/ # handle [0-9]+$/ { if (++k == n) { print $NF; exit } }' <<<"$listing"
	else
		grep -F -- "$5 # handle" <<<"$listing" | sed -E 's/.* # handle ([0-9]+)$/\1/'
	fi
}

# The tool's own tables in a namespace (nothing when none is left).
iptt_tables() {
	ip netns exec "${1:-$RTR}" nft list tables | grep -E 'iptables-trace-' || true
}

# assert_no_iptt_table [NS]: no iptables-trace-* table. The kernel drops an
# owned table when its socket is released; allow it a second to be sure.
assert_no_iptt_table() {
	local ns=${1:-$RTR} i left
	for i in $(seq 20); do
		left=$(iptt_tables "$ns")
		[ -z "$left" ] && return 0
		sleep 0.05
	done
	echo "# tables left behind in $ns: $left" >&3
	return 1
}

# The router ruleset several test files share: a virtual IP DNATed to the
# server, masquerade towards the server, and a forward chain that jumps
# to a user chain which sets a mark and returns.
load_nat_ruleset() {
	rtr_nft <<-EOF
	table ip nat {
		chain pre {
			type nat hook prerouting priority dstnat; policy accept;
			ip daddr $VIP dnat to $SRV_IP
		}
		chain post {
			type nat hook postrouting priority srcnat; policy accept;
			oifname "r1" masquerade
		}
	}
	table ip filter {
		chain icmpchk {
			meta mark set 5
			return
		}
		chain forward {
			type filter hook forward priority filter; policy accept;
			ip protocol icmp counter jump icmpchk
		}
	}
	EOF
}

# pin_neighbours NS...: make the namespaces' learned neighbour entries
# permanent, so that no ARP or NS probe confirms them a few seconds
# after traffic used them: tests that compare interface counters
# before and after must see only what they sent.
pin_neighbours() {
	local ns ip dev mac
	for ns in "$@"; do
		while read -r ip dev mac; do
			ip -n "$ns" neigh replace "$ip" lladdr "$mac" dev "$dev" nud permanent
		done < <(ip -n "$ns" -j neigh | jq -r '.[] | select(.lladdr) | "\(.dst) \(.dev) \(.lladdr)"')
	done
}
