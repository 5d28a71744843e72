#!/usr/bin/env bats
# Issue 9 item 13: --follow traces the connections the filter selected,
# both directions and across NAT. The filter sees a packet's headers as
# they arrive, before NAT: "tcp port 2222" on a port forward 2222 -> 22
# selects the client's packets only, since the server's replies carry
# port 22 at prerouting.

load lib
load story_lib

setup() { lab_setup; }
teardown() { lab_teardown; }

load_port_forward() {
	rtr_nft <<-EOF
	table ip nat {
		chain pre {
			type nat hook prerouting priority dstnat; policy accept;
			tcp dport 2222 dnat to $SRV_IP:22
		}
	}
	EOF
}

@test "follow: a port forward's replies, which carry the other port, are traced" {
	load_port_forward
	tcp_listen "$SRV" 22
	iptt_start --follow tcp port 2222
	[ "$(tcp_connect "$CLI" $RTR_IP1 2222)" = hello ]
	iptt_stop_ok

	# the client's SYN, selected by the filter
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$RTR_IP1 .*DPT=2222 .* SYN ")
	assert_lines_re "$b" "^  DNAT by nat pre \(#1\): $RTR_IP1:2222 -> $SRV_IP:22$"
	# the server's data, port 22 before un-NAT: only --follow traces it
	b=$(block "^IN=r1 OUT= SRC=$SRV_IP DST=$CLI_IP .*SPT=22 .* PSH ")
	assert_lines_re "$b" \
		"^  SNAT by conntrack \(undoing DNAT\): $SRV_IP:22 -> $RTR_IP1:2222$" \
		"^  conntrack: established, reply direction, status dnat seen-reply" \
		"^  => ACCEPT, forwarded out r0$"
	# and its SYN-ACK, the connection's first reply
	block "^IN=r1 OUT= SRC=$SRV_IP DST=$CLI_IP .*SPT=22 .* ACK SYN " >/dev/null
}

@test "follow: without --follow the replies stay untraced" {
	load_port_forward
	tcp_listen "$SRV" 22
	iptt_start tcp port 2222
	[ "$(tcp_connect "$CLI" $RTR_IP1 2222)" = hello ]
	iptt_stop_ok
	block "^IN=r0 OUT= SRC=$CLI_IP DST=$RTR_IP1 .*DPT=2222 .* SYN " >/dev/null
	assert_blocks 0 "^IN=r1 "
}

@test "follow: an unrelated connection of the same hosts is not followed" {
	load_port_forward
	tcp_listen "$SRV" 22
	tcp_listen "$SRV" 8080
	iptt_start --follow tcp port 2222
	[ "$(tcp_connect "$CLI" $SRV_IP 8080)" = hello ]
	[ "$(tcp_connect "$CLI" $RTR_IP1 2222)" = hello ]
	iptt_stop_ok
	assert_blocks 0 "(SPT|DPT)=8080 "
	block "^IN=r1 OUT= SRC=$SRV_IP DST=$CLI_IP .*SPT=22 " >/dev/null
}

@test "follow: a ping reply is followed, in JSON too" {
	iptt_start --follow --json icmp and src host $CLI_IP
	ping_ok "$CLI" $SRV_IP
	iptt_stop_ok
	# the echo reply, which the filter did not select
	[ "$(jq -c 'select(.packet.src == "'$SRV_IP'" and .packet.icmp_type == 0)
		| [.iif, .conntrack.direction, .fate.kind]' "$IPTT_OUT")" = '["r1","reply","forwarded"]' ]
}

@test "follow: the table stays native nft, and its listing loads back" {
	iptt_start --follow tcp port 2222
	ip netns exec "$RTR" nft list ruleset >"$BATS_TEST_TMPDIR/rs.nft" 2>"$BATS_TEST_TMPDIR/rs.err"
	iptt_stop_ok
	[ ! -s "$BATS_TEST_TMPDIR/rs.err" ]
	grep -q 'ct id @follow update @follow { ct id }' "$BATS_TEST_TMPDIR/rs.nft"
	! grep -q 'xt ' "$BATS_TEST_TMPDIR/rs.nft"
	ip netns exec "$RTR" nft -c -f "$BATS_TEST_TMPDIR/rs.nft"
}

@test "follow: refused with --trace-rules" {
	iptt_run --follow --trace-rules icmp
	assert_error 2 "--follow"
}
