#!/usr/bin/env bats
# Habits of tcpdump and iptables users: -c counts, --limit RATE with a
# space, "! -s X", -o, -4 -6, -6 icmp, -i of a missing interface, -n,
# --color, -q, --verdict.

load lib

setup() {
	lab_setup
	rtr_nft <<-EOF
	table ip filter {
		chain forward {
			type filter hook forward priority filter; policy accept;
			ip protocol icmp counter
			tcp dport 23 drop
		}
	}
	EOF
}
teardown() { lab_teardown; }

@test "-c 2 counts packets, as in tcpdump; --count still works" {
	iptt_start -c 2 -s $CLI_IP -p icmp
	ip netns exec "$CLI" ping -q -n -c3 -i0.2 -W1 $SRV_IP >/dev/null || true
	iptt_wait_exit 5
	[ "$IPTT_RC" -eq 0 ]
	assert_blocks 2
	[ "$(summary_field packets)" -eq 2 ]

	iptt_start --count 1 -s $CLI_IP -p icmp
	ping_ok "$CLI" $SRV_IP
	iptt_wait_exit 5
	[ "$IPTT_RC" -eq 0 ]
	assert_blocks 1
}

@test "-c takes a count, not a chain; --chain keeps the chain" {
	iptt_run -c OUTPUT
	assert_error 2 "invalid --count 'OUTPUT'"
	iptt_start --chain OUTPUT -p icmp
	ip netns exec "$RTR" ping -q -n -c1 -W1 $SRV_IP >/dev/null
	ping_ok "$CLI" $SRV_IP
	iptt_stop_ok
	assert_blocks 0 "^IN=r0 "
	block "^IN= OUT=r1 SRC=$RTR_IP2 DST=$SRV_IP .*TYPE=8 " >/dev/null
}

@test "--limit 1/minute, with a space as in iptables; --limit alone still 1/second" {
	iptt_start --limit 1/minute -s $CLI_IP -p icmp
	grep -q 'press Ctrl-C' "$IPTT_ERR"
	ip netns exec "$CLI" ping -q -n -c3 -i0.05 -W1 $SRV_IP >/dev/null
	iptt_stop_ok
	assert_blocks 1
	# a filter word after a bare --limit is not its rate
	iptt_start --limit icmp
	grep -Eq '^iptables-trace: tracing icmp ' "$IPTT_ERR"
	iptt_stop_ok
	iptt_run --limit 5/fortnight
	assert_error 2 "invalid --limit unit in '5/fortnight'"
}

@test "! -s, ! -d, ! -p: iptables' negation becomes pcap's not" {
	iptt_start ! -s $CLI_IP -p icmp
	grep -Eq "^iptables-trace: tracing \(not src host $CLI_IP\) and icmp " "$IPTT_ERR"
	ping_ok "$CLI" $SRV_IP
	iptt_stop_ok
	assert_blocks 0 "SRC=$CLI_IP "
	block "^IN=r1 OUT= SRC=$SRV_IP DST=$CLI_IP .*TYPE=0 " >/dev/null

	iptt_start -p icmp ! -d $SRV_IP
	ping_ok "$CLI" $SRV_IP
	iptt_stop_ok
	assert_blocks 0 "DST=$SRV_IP "
	block "^IN=r1 OUT= SRC=$SRV_IP DST=$CLI_IP .*TYPE=0 " >/dev/null

	iptt_start -s $CLI_IP ! -p icmp
	ping_ok "$CLI" $SRV_IP
	tcp_fails "$CLI" $SRV_IP 23
	iptt_stop_ok
	assert_blocks 0 "PROTO=ICMP"
	block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*PROTO=TCP .*DPT=23 " >/dev/null

	# a "!" that negates no option stays in the filter expression
	iptt_start -s $CLI_IP ! icmp
	grep -Eq "^iptables-trace: tracing \(! icmp\) and src host $CLI_IP " "$IPTT_ERR"
	iptt_stop_ok
	iptt_run ! -p all
	assert_error 2 "'! -p all' matches no packet"
}

@test "! -i: iifname != in the arming rule" {
	iptt_start ! -i r0 -p icmp
	ip netns exec "$RTR" nft list table inet "iptables-trace-$IPTT_PID" |
		grep -q 'iifname != "r0"'
	ping_ok "$CLI" $SRV_IP
	iptt_stop_ok
	assert_blocks 0 "^IN=r0 "
	block "^IN=r1 OUT= SRC=$SRV_IP DST=$CLI_IP .*TYPE=0 " >/dev/null
}

@test "-o r1: forwarded packets leaving by r1, and the router's own sent out r1" {
	iptt_start -o r1 -p icmp
	ip netns exec "$RTR" nft list table inet "iptables-trace-$IPTT_PID" |
		grep -q 'oifname "r1"'
	ping_ok "$CLI" $SRV_IP
	ping_ok "$RTR" $SRV_IP
	ping_ok "$RTR" $CLI_IP
	iptt_stop_ok
	assert_blocks 2
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*TYPE=8 ")
	assert_lines "$b" "=> ACCEPT, forwarded out r1"
	b=$(block "^IN= OUT=r1 SRC=$RTR_IP2 DST=$SRV_IP .*TYPE=8 ")
	assert_lines "$b" "=> ACCEPT, sent out r1"
	# dropped in forward on its way to r1: it was leaving by r1
	iptt_start -o r+ -s $CLI_IP
	tcp_fails "$CLI" $SRV_IP 23
	iptt_stop_ok
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*DPT=23 ")
	assert_lines "$b" "=> DROP by filter forward (#2) tcp dport 23 drop"

	iptt_start ! -o r1 -p icmp
	ping_ok "$CLI" $SRV_IP
	iptt_stop_ok
	assert_blocks 1
	b=$(block "^IN=r1 OUT= SRC=$SRV_IP DST=$CLI_IP .*TYPE=0 ")
	assert_lines "$b" "=> ACCEPT, forwarded out r0"
}

@test "-4 -6 together, and -6 with icmp: exit 2" {
	iptt_run -4 -6
	assert_error 2 "-4 and -6 together"
	iptt_run -6 icmp
	assert_error 2 "icmp6"
	iptt_run -6 -p icmp
	assert_error 2 "icmp6"
	iptt_run -6 --timeout 0.2 "icmp6 or tcp"
	[ "$IPTT_RC" -eq 0 ]
	iptt_run -6 -p icmpv6 --timeout 0.2
	[ "$IPTT_RC" -eq 0 ]
}

@test "-i or -o with an interface the namespace lacks: exit 2, with the ones it has" {
	iptt_run -i r2 -p icmp
	assert_error 2 "-i r2: no such interface in this network namespace \(it has: lo, r0, r1\)"
	iptt_run --ns - --netns "$RTR" -o eth0
	assert_error 2 "-o eth0: no such interface in network namespace $RTR \(it has: lo, r0, r1\)"
	assert_no_iptt_table
	# a wildcard may match interfaces made later
	iptt_run -i nothere+ --timeout 0.2
	[ "$IPTT_RC" -eq 0 ]
}

@test "-n is accepted and changes nothing" {
	iptt_start -n -s $CLI_IP -p icmp
	ping_ok "$CLI" $SRV_IP
	iptt_stop_ok
	block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*TYPE=8 " >/dev/null
}

@test "-q: neither the armed line nor the summary line" {
	iptt_run -q -p icmp --timeout 0.5
	[ "$IPTT_RC" -eq 0 ]
	[ ! -s "$IPTT_ERR" ]
	iptt_run --quiet -p icmp --timeout 0.3
	[ "$IPTT_RC" -eq 0 ]
	[ ! -s "$IPTT_ERR" ]
}

@test "--color=always colours a pipe; --color=never and auto do not" {
	ESC=$'\033'
	iptt_start --color=always -s $CLI_IP -p icmp
	ping_ok "$CLI" $SRV_IP
	iptt_stop_ok
	grep -q "^${ESC}\[1mIN=r0 OUT= SRC=$CLI_IP .*${ESC}\[0m$" "$IPTT_OUT"
	grep -qxF "  ${ESC}[32m=> ACCEPT, forwarded out r1${ESC}[0m" "$IPTT_OUT"
	iptt_start --color=auto -s $CLI_IP -p icmp
	ping_ok "$CLI" $SRV_IP
	iptt_stop_ok
	[ "$(grep -c "$ESC" "$IPTT_OUT")" -eq 0 ]
	iptt_run --color=sometimes
	assert_error 2 "invalid --color 'sometimes'"
}

@test "--verdict drop: only dropped packets are printed, and counted" {
	iptt_start --verdict drop -c 1 -s $CLI_IP
	ping_ok "$CLI" $SRV_IP
	tcp_fails "$CLI" $SRV_IP 23
	iptt_wait_exit 5
	[ "$IPTT_RC" -eq 0 ]
	assert_blocks 1
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*DPT=23 ")
	assert_lines "$b" "=> DROP by filter forward (#2) tcp dport 23 drop"

	iptt_start --verdict reject,accept -p icmp --verdict queue
	ping_ok "$CLI" $SRV_IP
	iptt_stop_ok
	assert_blocks 2
	iptt_run --verdict maybe
	assert_error 2 "invalid --verdict 'maybe'"
}

@test "-v: the rules of a chain walk that did not match, by position" {
	rtr_nft <<-EOF
	table inet fw {
		chain input {
			type filter hook input priority filter; policy accept;
			icmp type echo-request counter
			tcp dport 1 drop
			tcp dport 2 drop
			tcp dport 3 drop
			icmp type echo-request counter
			tcp dport 4 drop
		}
	}
	EOF
	iptt_start -v -s $CLI_IP -d $RTR_IP1 -p icmp
	ping_ok "$CLI" $RTR_IP1
	iptt_stop_ok
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$RTR_IP1 .*TYPE=8 ")
	assert_lines_re "$b" \
		"^  inet fw input \(#1\) icmp type echo-request counter => continue " \
		"^  inet fw input \(#2-#4 did not match\)$" \
		"^  inet fw input \(#5\) icmp type echo-request counter => continue " \
		"^  inet fw input \(#6 did not match\)$" \
		"^  inet fw input ACCEPT$"
	[ "$(grep -c 'did not match' <<<"$b")" -eq 2 ]
}

@test "--summary: rules hit with counts, chains crossed, the rules none hit" {
	rtr_nft <<-EOF
	table inet fw {
		chain input {
			type filter hook input priority filter; policy accept;
			tcp dport 22 accept
			icmp type echo-request counter
		}
	}
	EOF
	iptt_start --summary -s $CLI_IP
	ping_ok "$CLI" $SRV_IP
	ping_ok "$CLI" $RTR_IP1
	tcp_fails "$CLI" $SRV_IP 23
	iptt_stop_ok
	cp "$IPTT_OUT" "$BATS_TEST_TMPDIR/summary.txt"
	# the summary comes after the last block
	sed -n '/^Summary of /,$p' "$IPTT_OUT" >"$BATS_TEST_TMPDIR/sum"
	s=$(cat "$BATS_TEST_TMPDIR/sum")
	assert_lines "$s" \
		"Summary of 3 packets" \
		"rules hit (packets, rule):" \
		"1  filter forward (#1) ip protocol icmp counter" \
		"1  filter forward policy ACCEPT" \
		"1  inet fw input (#2) icmp type echo-request counter" \
		"1  inet fw input policy ACCEPT" \
		"1  filter forward (#2) tcp dport 23 drop" \
		"chains crossed (packets, chain, rules in its snapshot):" \
		"2  filter forward (2 rules)" \
		"1  inet fw input (2 rules)" \
		"rules of those chains no traced packet hit:" \
		"inet fw input (#1) tcp dport 22 accept"
	[ "$(grep -c '(#' <<<"$s")" -eq 4 ]
	[ "$(tail -n 1 "$IPTT_OUT")" = "            inet fw input (#1) tcp dport 22 accept" ]

	# --json: one object, the last line
	iptt_start --summary --json -s $CLI_IP
	ping_ok "$CLI" $RTR_IP1
	iptt_stop_ok
	[ "$(wc -l <"$IPTT_OUT")" -eq 2 ]
	tail -n 1 "$IPTT_OUT" | jq -e '.summary | .packets == 1 and .schema_version == 2 and
		.rules == [{source: "nftables", family: "inet", table: "fw", chain: "input",
			type: "rule", position: 2, rule: "icmp type echo-request counter",
			verdict: null, packets: 1},
			{source: "nftables", family: "inet", table: "fw", chain: "input",
			type: "policy", position: null, rule: null, verdict: "ACCEPT", packets: 1}] and
		.chains == [{source: "nftables", family: "inet", table: "fw", chain: "input",
			packets: 1, rules: 2,
			not_hit: [{position: 1, rule: "tcp dport 22 accept"}]}]' >/dev/null
}

@test "--summary: a user chain the packets ran through without a match counts as crossed" {
	rtr_nft <<-EOF
	table ip filter {
		chain chk {
			tcp dport 5 drop
			tcp dport 6 drop
		}
		chain input {
			type filter hook input priority filter; policy accept;
			icmp type echo-request jump chk
		}
	}
	EOF
	iptt_start --summary -s $CLI_IP -d $RTR_IP1 -p icmp
	ping_ok "$CLI" $RTR_IP1
	iptt_stop_ok
	s=$(sed -n '/^Summary of /,$p' "$IPTT_OUT")
	assert_lines "$s" \
		"Summary of 1 packet" \
		"1  filter input (#1) icmp type echo-request jump chk" \
		"1  filter input policy ACCEPT" \
		"1  filter chk (2 rules)" \
		"rules of those chains no traced packet hit:" \
		"filter chk (#1) tcp dport 5 drop" \
		"filter chk (#2) tcp dport 6 drop"
}
