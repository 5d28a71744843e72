#!/usr/bin/env bats
# What the legacy backend changes outside itself, and how it is undone:
# the namespace's nf_log loggers (bound to nfnetlink_log while tracing,
# put back at exit, and by the next run after a kill -9), and NFLOG
# group 0, which only one socket per namespace can hold: a busy group is
# an error of its own (exit 6), never stolen, and touches nothing.
# The host's nf_log is checked at the end of the file.

load lib
load legacy_lib

setup_file() { p2_setup_file; }
teardown_file() { p2_teardown_file; }
setup() {
	lab_setup
	# legacy tables in use: the tool listens to NFLOG group 0
	ipt legacy 4 -A FORWARD -p icmp -m comment --comment "legacy fwd" -j ACCEPT
}
teardown() { lab_teardown; }

# Make the router's IPv6 logger something a fresh namespace does not
# have, so "put back" cannot pass by resetting to the default.
unbind_ipv6_logger() {
	ip netns exec "$RTR" sh -c 'echo NONE >/proc/sys/net/netfilter/nf_log/10'
	[ "$(p2_logger 10)" = NONE ]
}

# A ping to the server, traced with its legacy step.
assert_legacy_ping_traced() {
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*PROTO=ICMP TYPE=8 ${1:-}")
	assert_lines "$b" \
		"legacy filter FORWARD (#1) -p icmp -m comment --comment \"legacy fwd\" -j ACCEPT => ACCEPT" \
		"=> ACCEPT, forwarded out r1"
}

@test "nf_log: bound to nfnetlink_log while tracing, the previous loggers back after SIGINT and --timeout" {
	unbind_ipv6_logger
	p2_start -p icmp
	assert_backend nft+legacy
	[ "$(p2_logger 2)" = nfnetlink_log ]
	[ "$(p2_logger 10)" = nfnetlink_log ]
	ping_ok "$CLI" $SRV_IP
	p2_stop		# asserts the router's nf_log is as before
	assert_legacy_ping_traced
	[ "$(p2_logger 10)" = NONE ]

	iptt_run -p icmp --timeout 0.3
	[ "$IPTT_RC" -eq 0 ]
	p2_assert_nf_log_back
}

@test "nf_log: kill -9 leaves nfnetlink_log bound; the next run's exit puts back the loggers from before" {
	unbind_ipv6_logger
	p2_nf_log_save
	iptt_start -p icmp
	kill -9 "$IPTT_PID"
	iptt_wait_exit
	[ "$IPTT_RC" -eq 137 ]
	# what the killed run could not undo
	[ "$(p2_logger 2)" = nfnetlink_log ]
	[ "$(p2_logger 10)" = nfnetlink_log ]

	# the next run traces as usual, then restores what the dead one found
	iptt_start -p icmp
	ping_ok "$CLI" $SRV_IP
	p2_stop
	assert_legacy_ping_traced
	[ "$(p2_logger 10)" = NONE ]
}

@test "group 0 held by another iptables-trace: exit 6 in one line, no table, loggers untouched" {
	p2_nf_log_save
	p2_start -p icmp
	first=$IPTT_PID
	lab_track $first
	# the second run writes elsewhere
	mv "$IPTT_OUT" "$BATS_TEST_TMPDIR/first.out"
	mv "$IPTT_ERR" "$BATS_TEST_TMPDIR/first.err"
	holder=$(p2_group0_portid)
	[ -n "$holder" ]
	during=$(p2_nf_log)
	tables=$(iptt_tables)
	[ "$tables" = "table inet iptables-trace-$first" ]

	iptt_run -p icmp
	assert_error 6 "another program holds NFLOG group 0 in this namespace"
	[ "$(iptt_tables)" = "$tables" ]	# its own table went with it
	[ "$(p2_nf_log)" = "$during" ]
	[ "$(p2_group0_portid)" = "$holder" ]

	# the first run still traces legacy tables, and restores at exit
	IPTT_PID=$first
	ping_ok "$CLI" $SRV_IP
	IPTT_OUT=$BATS_TEST_TMPDIR/first.out IPTT_ERR=$BATS_TEST_TMPDIR/first.err
	p2_stop
	assert_legacy_ping_traced
	assert_no_iptt_table
}

@test "group 0 held by another program: exit 6, the holder keeps it, loggers untouched; --backend=nft still traces" {
	unbind_ipv6_logger
	p2_nf_log_save
	p2_hold_group0
	[ "$(p2_group0_portid)" = "$P2_HOLDER" ]

	iptt_run -p icmp
	assert_error 6 "another program holds NFLOG group 0 in this namespace"
	assert_no_iptt_table
	p2_assert_nf_log_back
	[ "$(p2_group0_portid)" = "$P2_HOLDER" ]

	# --backend=legacy needs the group as much
	iptt_run --backend=legacy -p icmp
	assert_error 6 "another program holds NFLOG group 0"
	assert_no_iptt_table
	p2_assert_nf_log_back

	# the way out the message names: nf_tables only, group 0 not needed
	iptt_start --backend=nft -p icmp
	assert_backend nft
	ping_ok "$CLI" $SRV_IP
	p2_stop
	[ "$(p2_group0_portid)" = "$P2_HOLDER" ]
}
