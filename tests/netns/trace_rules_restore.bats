#!/usr/bin/env bats
# --trace-rules when someone else removes our TRACE rules: an admin's
# iptables-legacy-restore of raw, or iptables-legacy -t raw -F, takes them
# out without a word, and tracing would stop. The tool notices within
# about a second, says so in one line on stderr, and puts them back first
# in their chains, without duplicating what is still there or touching
# anyone else's rules; the run goes on and exits 0.

load lib
load legacy_lib

setup_file() { p2_setup_file; }
teardown_file() { p2_teardown_file; }
setup() {
	lab_setup
	ipt_restore legacy 4 <<-EOF
	*filter
	-A FORWARD -p icmp -m comment --comment "legacy fwd" -j ACCEPT
	COMMIT
	EOF
}
teardown() { lab_teardown; }

WARN_RE='^iptables-trace: our TRACE rules in raw .* were removed by someone else; put back$'
# The raw tables our rules needed, which x_tables cannot delete.
STAYS_RE='^iptables-trace: the legacy raw table \(IPv4 and IPv6\) that the TRACE rules needed stays, empty: x_tables cannot delete a table$'

# ours CHAIN FAM: how many of this run's rules chain CHAIN holds.
ours() {
	ipt legacy "$2" -t raw -S "$1" | grep -cF "\"iptables-trace $IPTT_PID:" || true
}

# first_is_ours CHAIN FAM: the chain's first rule is this run's.
first_is_ours() {
	ipt legacy "$2" -t raw -S "$1" | sed -n 2p | grep -qF "\"iptables-trace $IPTT_PID:"
}

# All four of this run's rules, each once and first in its chain.
assert_armed_once() {
	local c f
	for f in 4 6; do
		for c in PREROUTING OUTPUT; do
			if [ "$(ours $c $f)" -ne 1 ] || ! first_is_ours $c $f; then
				echo "# raw $c (IPv$f) is not as armed:" >&3
				ipt legacy $f -t raw -S $c | sed 's/^/#   /' >&3
				return 1
			fi
		done
	done
}

# wait_warnings N: at most 3 s for N warning lines on stderr.
wait_warnings() {
	local i
	for i in $(seq 60); do
		[ "$(grep -cE "$WARN_RE" "$IPTT_ERR")" -ge "$1" ] && return 0
		sleep 0.05
	done
	echo "# wanted $1 warning lines; stderr:" >&3
	sed 's/^/#   /' "$IPTT_ERR" >&3
	return 1
}

# Stop, exit 0, and stderr holds only the armed line, the summary and
# the warnings.
stop_ok() {
	local bad
	iptt_stop || return 1
	if [ "$IPTT_RC" -ne 0 ]; then
		echo "# iptables-trace exited with $IPTT_RC; stderr:" >&3
		sed 's/^/#   /' "$IPTT_ERR" >&3
		return 1
	fi
	bad=$(grep -Ev "$ARMED_RE|$SUMMARY_RE|$WARN_RE|$STAYS_RE" "$IPTT_ERR" || true)
	if [ -n "$bad" ]; then
		echo "# unexpected stderr from iptables-trace:" >&3
		printf '%s\n' "$bad" | sed 's/^/#   /' >&3
		return 1
	fi
	p2_assert_nf_log_back
}

ECHO_RE="^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*PROTO=ICMP TYPE=8 "

@test "--trace-rules: rules removed by an iptables-legacy-restore of raw are noticed, said and put back" {
	p2_start --trace-rules -p icmp
	assert_backend "legacy, TRACE rules"
	assert_armed_once
	token=$(ipt legacy 4 -t raw -S PREROUTING |
		sed -nE "s/.*\"iptables-trace $IPTT_PID:([0-9a-f]{16})\".*/\1/p")
	[ -n "$token" ]
	[ -e "$STATE_DIR/rules.$token" ]
	ping_ok "$CLI" $SRV_IP

	# the admin loads a raw table of their own: no rules of ours
	printf '*raw\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n' |
		ip netns exec "$RTR" iptables-legacy-restore
	[ "$(ours PREROUTING 4)" -eq 0 ]
	sleep 1.5
	wait_warnings 1
	# one line for the one restore, naming what was put back
	[ "$(grep -cE "$WARN_RE" "$IPTT_ERR")" -eq 1 ]
	grep -qx 'iptables-trace: our TRACE rules in raw PREROUTING (IPv4), OUTPUT (IPv4) were removed by someone else; put back' "$IPTT_ERR"
	# back first, with the same comment, and the IPv6 ones not doubled
	assert_armed_once
	[ "$(ipt legacy 4 -t raw -S PREROUTING | grep -cF "\"iptables-trace $IPTT_PID:$token\"")" -eq 1 ]
	kill -0 "$IPTT_PID"

	ping_ok "$CLI" $SRV_IP
	stop_ok
	# both pings traced, the second through the rules put back
	assert_blocks 2 "$ECHO_RE"
	b=$(block "$ECHO_RE" 2)
	assert_lines_re "$b" \
		'^  legacy filter FORWARD \(#1\) -p icmp -m comment --comment "legacy fwd" -j ACCEPT => ACCEPT$' \
		'^  => ACCEPT, forwarded out r1$'
	refute_line_re "$b" "-j TRACE|iptables-trace"

	# nothing of ours left: no rules, no lock file, no nft table
	[ -z "$(trace_rules)" ]
	[ -z "$(ipt legacy 4 -t raw -S | grep -- '^-A ' || true)" ]
	[ -z "$(ipt legacy 6 -t raw -S | grep -- '^-A ' || true)" ]
	[ "$(ipt legacy 4 -S FORWARD | grep -c -- '^-A ')" -eq 1 ]
	[ ! -e "$STATE_DIR/rules.$token" ]
	[ -z "$(state_file "$RTR")" ]
	[ -z "$(iptt_tables)" ]
}

@test "--trace-rules: a flush of one chain puts back that rule only; others' rules stay where they are" {
	p2_start --trace-rules -p icmp
	assert_armed_once
	# someone's rule goes first in IPv6 OUTPUT: ours is still there, not first
	ipt legacy 6 -t raw -I OUTPUT 1 -p tcp -m comment --comment "user first" -j ACCEPT
	ipt legacy 6 -t raw -F PREROUTING
	ipt legacy 4 -t raw -A PREROUTING -p udp -m comment --comment "user late" -j ACCEPT
	wait_warnings 1
	sleep 1.2	# another check or so: no second line, nothing doubled
	[ "$(grep -cE "$WARN_RE" "$IPTT_ERR")" -eq 1 ]
	grep -qx 'iptables-trace: our TRACE rules in raw PREROUTING (IPv6) were removed by someone else; put back' "$IPTT_ERR"
	[ "$(ours PREROUTING 6)" -eq 1 ]
	first_is_ours PREROUTING 6
	[ "$(ours OUTPUT 6)" -eq 1 ]
	[ "$(ipt legacy 6 -t raw -S OUTPUT | sed -n 2p)" = '-A OUTPUT -p tcp -m comment --comment "user first" -j ACCEPT' ]
	[ "$(ours PREROUTING 4)" -eq 1 ]
	first_is_ours PREROUTING 4
	[ "$(ipt legacy 4 -t raw -S PREROUTING | sed -n 3p)" = '-A PREROUTING -p udp -m comment --comment "user late" -j ACCEPT' ]

	ping_ok "$CLI" $SRV_IP
	stop_ok
	assert_blocks 1 "$ECHO_RE"
	[ -z "$(trace_rules)" ]
	[ "$(ipt legacy 6 -t raw -S | grep -- '^-A ')" = '-A OUTPUT -p tcp -m comment --comment "user first" -j ACCEPT' ]
	[ "$(ipt legacy 4 -t raw -S | grep -- '^-A ')" = '-A PREROUTING -p udp -m comment --comment "user late" -j ACCEPT' ]
}

@test "--trace-rules: the legacy raw tables it had to create are named at exit, once" {
	# only IPv6 raw exists before: the IPv4 one comes with our rules
	ip netns exec "$RTR" ip6tables-legacy -t raw -S >/dev/null
	[ -z "$(ip netns exec "$RTR" grep -x raw /proc/net/ip_tables_names)" ]
	iptt_start --trace-rules -p icmp
	iptt_stop
	[ "$IPTT_RC" -eq 0 ]
	[ "$(grep -c 'that the TRACE rules needed stays' "$IPTT_ERR")" -eq 1 ]
	grep -qx 'iptables-trace: the legacy raw table (IPv4) that the TRACE rules needed stays, empty: x_tables cannot delete a table' "$IPTT_ERR"
	# where both existed, nothing is said
	iptt_start --trace-rules -p icmp
	iptt_stop
	! grep -q 'stays, empty' "$IPTT_ERR"
}
