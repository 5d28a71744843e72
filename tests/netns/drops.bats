#!/usr/bin/env bats
# Packets that die in the router: dropped by a rule, dropped by a policy.

load lib

setup() {
	lab_setup
	rtr_nft <<-EOF
	table inet filter {
		chain input {
			type filter hook input priority filter; policy drop;
			ct state established,related accept
			tcp dport 22 accept
		}
		chain forward {
			type filter hook forward priority filter; policy drop;
			ct state established,related accept
			tcp dport 23 counter drop
			tcp dport 8080 accept
			icmp type echo-request accept
		}
	}
	table ip nat {
		chain post {
			type nat hook postrouting priority srcnat; policy accept;
			oifname "r1" counter
		}
	}
	EOF
}
teardown() { lab_teardown; }

@test "drop by rule: tcp dport 23 stops at the drop rule" {
	iptt_start -p tcp
	tcp_fails "$CLI" $SRV_IP 23
	iptt_stop_ok

	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*PROTO=TCP .*DPT=23 .* SYN ")
	assert_lines "$b" "inet filter forward (#2) tcp dport 23 counter drop => DROP"
	# Nothing after the drop: no policy line, no later chain.
	refute_line_re "$b" "^  inet filter forward (\(#3\)|\(#4\)|DROP$|ACCEPT$)"
	refute_line_re "$b" "^  nat post"
	assert_blocks 0 "^IN=r1 "
}

@test "drop by policy: a forwarded packet no rule accepts" {
	iptt_start -p tcp
	tcp_fails "$CLI" $SRV_IP 24
	iptt_stop_ok

	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*PROTO=TCP .*DPT=24 .* SYN ")
	assert_lines "$b" "inet filter forward DROP"
	refute_line_re "$b" "^  inet filter forward \(#"
	refute_line_re "$b" "^  nat post"
}

@test "drop by policy: a ping to the router dropped by the input policy" {
	iptt_start -p icmp
	ping_fail "$CLI" $RTR_IP1
	iptt_stop_ok

	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$RTR_IP1 .*TYPE=8 ")
	assert_lines "$b" "inet filter input DROP"
	refute_line_re "$b" "^  inet filter input \(#"
	assert_blocks 0 "^IN= OUT=r0 "
}

@test "accepted next to dropped: tcp dport 8080 passes rule #3 and masquerade's chain" {
	tcp_listen "$SRV" 8080
	iptt_start -p tcp
	[ "$(tcp_connect "$CLI" $SRV_IP 8080)" = hello ]
	iptt_stop_ok

	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*PROTO=TCP .*DPT=8080 .* SYN ")
	assert_lines "$b" \
		"inet filter forward (#3) tcp dport 8080 accept => ACCEPT" \
		"nat post (#1) oifname \"r1\" counter => continue" \
		"nat post ACCEPT"
	b=$(block "^IN=r1 OUT= SRC=$SRV_IP DST=$CLI_IP .*PROTO=TCP .*SPT=8080 .* SYN ")
	assert_lines "$b" "inet filter forward (#1) ct state established,related accept => ACCEPT"
}
