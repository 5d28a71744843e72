#!/bin/sh
# Show iptables-trace at work on a throwaway lab:
#
#   client 10.99.1.2 --- r0 [router] r1 --- 10.99.2.2 server
#
# The router has a ruleset shaped like a real one: a mangle rule that marks
# LAN traffic, a forward chain with policy drop that jumps into user chains
# (each left by a return), a DNAT of the virtual IP 198.51.100.10 to the
# server with masquerade, and a rule that drops telnet. The script runs the
# tool in the router for a ping, a TCP connection, a dropped telnet attempt
# and a packet no rule accepts, and prints each trace under a heading.
#
# Usage: sh scripts/demo.sh BINARY    (as root; "make demo" does this)
# Everything lives in namespaces named iptt-demo-PID-*, removed on exit.
set -eu
. "$(dirname "$0")/lab.sh"

usage() {
	echo "usage: sh scripts/demo.sh path/to/iptables-trace" >&2
	exit 2
}
[ $# -eq 1 ] || usage
case $1 in
/*) BIN=$1 ;;
*) BIN=$(pwd)/$1 ;;
esac
if [ ! -x "$BIN" ]; then
	echo "demo: $BIN is not an executable; run make first" >&2
	exit 1
fi
if [ "$(id -u)" != 0 ]; then
	echo "demo: needs root: it creates network namespaces (try: sudo sh $0 $1)" >&2
	exit 3
fi
for cmd in ip nft ping socat; do
	command -v $cmd >/dev/null 2>&1 || {
		echo "demo: $cmd is missing; run: sh scripts/deps.sh" >&2
		exit 1
	}
done

VIP=198.51.100.10
P=${IPTT_NS_PREFIX:-iptt}-demo-$$	# the tests name their runs
CLI=$P-cli RTR=$P-rtr SRV=$P-srv
TMP=$(mktemp -d /tmp/iptt-demo.XXXXXX)
TOOL_PID=

cleanup() {
	set +e
	[ -n "$TOOL_PID" ] && kill -9 "$TOOL_PID" 2>/dev/null
	for ns in "$CLI" "$RTR" "$SRV"; do
		[ -e "/run/netns/$ns" ] || continue
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -9 "$pid" 2>/dev/null
		done
	done
	wait 2>/dev/null
	for ns in "$CLI" "$RTR" "$SRV"; do
		[ -e "/run/netns/$ns" ] && ip netns del "$ns"
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP
# a reader that went away (demo | head) must not leave the lab behind
trap 'exit 141' PIPE

in_ns() { ns=$1; shift; ip netns exec "$ns" "$@"; }

# ------------------------------------------------------------------ lab

for ns in "$CLI" "$RTR" "$SRV"; do
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	in_ns "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0
done
lab_wire "$CLI" "$RTR" "$SRV" 10.99

in_ns "$RTR" nft -f - <<EOF
table ip mangle {
	chain prerouting {
		type filter hook prerouting priority mangle; policy accept;
		iifname "r0" meta mark set 0x1
	}
}
table ip nat {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		ip daddr $VIP dnat to 10.99.2.2
	}
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "r1" masquerade
	}
}
table inet filter {
	chain antispoof {
		ip saddr != 10.99.1.0/24 counter drop
		return
	}
	chain from_lan {
		jump antispoof
		tcp dport 23 counter drop
		icmp type echo-request counter accept
		tcp dport 8080 ct state new counter accept
		return
	}
	chain forward {
		type filter hook forward priority filter; policy drop;
		ct state established,related counter accept
		meta mark 0x1 jump from_lan
	}
	chain input {
		type filter hook input priority filter; policy drop;
		ct state established,related accept
		iifname "lo" accept
		icmp type echo-request accept
	}
}
EOF

# A web-ish service on the server: answers one line per connection.
ip netns exec "$SRV" socat TCP-LISTEN:8080,reuseaddr,fork SYSTEM:'echo hello from the server' \
	</dev/null >/dev/null 2>&1 &
i=0
until in_ns "$SRV" ss -Hltn 'sport = :8080' | grep -q .; do
	i=$((i + 1))
	[ $i -lt 100 ] || { echo "demo: the server did not start listening" >&2; exit 1; }
	sleep 0.05
done

# ------------------------------------------------------------------ tracing

# Wait (at most 2 s) until the tool has read the events already queued on
# its netlink sockets: it does not read them after Ctrl-C.
drain() {
	inodes=$(ls -l "/proc/$TOOL_PID/fd" 2>/dev/null |
		sed -n 's/.*socket:\[\([0-9]*\)\]$/\1/p' | tr '\n' ' ')
	i=0
	while [ $i -lt 40 ] && awk -v want="$inodes" '
		BEGIN { n = split(want, w, " "); for (i = 1; i <= n; i++) ours[w[i]] = 1 }
		NR > 1 && ($10 in ours) && $5 != 0 { busy = 1 }
		END { exit !busy }' "/proc/$TOOL_PID/net/netlink" 2>/dev/null; do
		sleep 0.05
		i=$((i + 1))
	done
}

# trace HEADING TRAFFIC-FUNCTION TOOL-ARGS...: start the tool in the router,
# wait until it is armed, make the traffic, stop it and print the trace.
trace() {
	heading=$1 traffic=$2
	shift 2
	# Empty the files first: the armed line of the previous run must not
	# be taken for this one's. Not through in_ns: $! must be the tool.
	: >"$TMP/out"
	: >"$TMP/err"
	ip netns exec "$RTR" "$BIN" --no-color "$@" >"$TMP/out" 2>"$TMP/err" &
	TOOL_PID=$!
	i=0
	until grep -q 'press Ctrl-C to stop' "$TMP/err"; do
		i=$((i + 1))
		if [ $i -gt 100 ] || ! kill -0 "$TOOL_PID" 2>/dev/null; then
			echo "demo: iptables-trace did not start:" >&2
			cat "$TMP/err" >&2
			exit 1
		fi
		sleep 0.05
	done
	$traffic
	drain
	kill -INT "$TOOL_PID" 2>/dev/null || true   # --count may have ended it
	i=0
	while kill -0 "$TOOL_PID" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 100 ] || { echo "demo: iptables-trace did not stop" >&2; exit 1; }
		sleep 0.05
	done
	rc=0
	wait "$TOOL_PID" || rc=$?
	TOOL_PID=
	printf '==== %s\n' "$heading"
	# the command as one would type it on one's own host: words plain,
	# quoted only where the shell needs it
	printf '# iptables-trace --netns %s' "$RTR"
	for word in "$@"; do
		case $word in
		*[!A-Za-z0-9_./:=,+@%-]*|'') printf " '%s'" "$word" ;;
		*) printf ' %s' "$word" ;;
		esac
	done
	printf '\n\n'
	cat "$TMP/out"
	grep -v 'press Ctrl-C to stop' "$TMP/err" || true
	if [ "$rc" -ne 0 ]; then
		echo "demo: iptables-trace exited with $rc" >&2
		exit 1
	fi
	echo
}

ping_vip() {
	in_ns "$CLI" ping -q -c1 -W1 "$VIP" >/dev/null || true
}
connect_vip() {
	in_ns "$CLI" timeout 5 socat -T2 - TCP:$VIP:8080,connect-timeout=2 \
		</dev/null >/dev/null 2>&1 || true
}
telnet_vip() {
	in_ns "$CLI" timeout 2 socat - TCP:$VIP:23,connect-timeout=0.5 \
		</dev/null >/dev/null 2>&1 || true
}
udp_vip() {
	echo hi | in_ns "$CLI" timeout 2 socat -T0.3 - UDP:$VIP:5353 \
		>/dev/null 2>&1 || true
}

echo "Lab: client 10.99.1.2 -> router (r0 10.99.1.1, r1 10.99.2.1) -> server 10.99.2.2"
echo "The router DNATs the virtual IP $VIP to the server and masquerades."
echo

trace "1. ping the virtual IP: DNAT, a mark, user chains, masquerade, and the reply" \
	ping_vip icmp
trace "2. TCP connection to $VIP:8080: the SYN and the server's SYN-ACK" \
	connect_vip 'tcp port 8080 and tcp[tcpflags] & tcp-syn != 0'
trace "3. telnet to $VIP: dropped by a rule" \
	telnet_vip --count 1 tcp port 23
trace "4. UDP to $VIP:5353: no rule accepts it, the forward policy drops it" \
	udp_vip udp port 5353
