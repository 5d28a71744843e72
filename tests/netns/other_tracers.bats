#!/usr/bin/env bats
# Trace events are multicast to every listener in the namespace: a
# colleague's iptables-trace and a user's own "meta nftrace set 1" rule
# make events for packets our filter never chose. A packet is ours only
# when our own table's rule marked it; it stays ours when someone else's
# rule marked it as well.

load lib

setup() {
	lab_setup
	# the user's own debug rule, for traffic neither run asks for
	rtr_nft <<-EOF
	table inet debug {
		chain pre {
			type filter hook prerouting priority -350; policy accept;
			udp dport 5000 meta nftrace set 1
			icmp type echo-request meta nftrace set 1
		}
	}
	EOF
	# a listener, so the UDP packets cause no ICMP error (which an icmp
	# filter would rightly choose)
	ip netns exec "$SRV" socat -u UDP-RECV:5000 /dev/null </dev/null >/dev/null 2>&1 3>&- &
	lab_track $!
}
teardown() { lab_teardown; }

# A second run beside iptt_start's, tracing tcp port 80.
start_colleague() {
	OTHER_OUT=$BATS_TEST_TMPDIR/other.out OTHER_ERR=$BATS_TEST_TMPDIR/other.err
	ip netns exec "$RTR" "$IPTT_BIN" --no-color "$@" >"$OTHER_OUT" 2>"$OTHER_ERR" 3>&- &
	OTHER_PID=$!
	lab_track $OTHER_PID
	local i
	for i in $(seq 100); do
		grep -Eq "$ARMED_RE" "$OTHER_ERR" && return 0
		sleep 0.05
	done
	return 1
}

send_all() {
	ping_ok "$CLI" $SRV_IP
	tcp_connect "$CLI" $SRV_IP 80 >/dev/null
	echo x | ip netns exec "$CLI" socat -u - UDP:$SRV_IP:5000
	sleep 0.3
}

@test "two runs and a user's nftrace rule: each run shows only the packets its filter chose" {
	tcp_listen "$SRV" 80
	iptt_start icmp
	start_colleague tcp port 80
	send_all
	iptt_stop_ok
	kill -INT "$OTHER_PID"
	wait "$OTHER_PID" || true

	# ours: the ping and its reply, nothing of TCP or UDP
	[ "$(blocks_matching 'PROTO=ICMP')" -ge 2 ]
	[ "$(blocks_matching 'PROTO=TCP')" -eq 0 ]
	[ "$(blocks_matching 'PROTO=UDP')" -eq 0 ]
	# the colleague's: TCP only
	[ "$(blocks_matching 'PROTO=TCP' "$OTHER_OUT")" -ge 2 ]
	[ "$(blocks_matching 'PROTO=ICMP' "$OTHER_OUT")" -eq 0 ]
	[ "$(blocks_matching 'PROTO=UDP' "$OTHER_OUT")" -eq 0 ]
	# the echo request was marked by the user's rule first: still ours
	block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*PROTO=ICMP TYPE=8 " >/dev/null
}

@test "--count and --json count and print only our own packets" {
	tcp_listen "$SRV" 80
	echo x | ip netns exec "$CLI" socat -u - UDP:$SRV_IP:5000
	iptt_start --json --count 1 icmp
	start_colleague tcp port 80
	tcp_connect "$CLI" $SRV_IP 80 >/dev/null
	echo x | ip netns exec "$CLI" socat -u - UDP:$SRV_IP:5000
	sleep 0.3
	# nothing of ours yet: still running, nothing printed
	kill -0 "$IPTT_PID" || { cat "$IPTT_OUT" "$IPTT_ERR" >&3; false; }
	[ ! -s "$IPTT_OUT" ]
	ping_ok "$CLI" $SRV_IP
	iptt_wait_exit 5
	[ "$IPTT_RC" -eq 0 ]
	[ "$(wc -l <"$IPTT_OUT")" -eq 1 ]
	jq -e '.packet.proto == "icmp"' "$IPTT_OUT" >/dev/null
	kill -INT "$OTHER_PID"
	wait "$OTHER_PID" || true
}
