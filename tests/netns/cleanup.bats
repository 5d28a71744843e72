#!/usr/bin/env bats
# The tool's table exists while it runs and is gone after it, however it
# ends: SIGINT, SIGTERM, kill -9.

load lib

setup() { lab_setup; }
teardown() { lab_teardown; }

@test "while tracing: one owned table inet iptables-trace-PID" {
	iptt_start -p icmp
	[ "$(iptt_tables)" = "table inet iptables-trace-$IPTT_PID" ]
	ip netns exec "$RTR" nft list table inet iptables-trace-$IPTT_PID | grep -q 'flags owner'
	iptt_stop_ok
}

@test "SIGINT: summary on stderr, exit 0, no table left" {
	iptt_start -p icmp
	ping_ok "$CLI" $SRV_IP
	iptt_stop_ok
	grep -Eq "$SUMMARY_RE" "$IPTT_ERR"
	[ "$(summary_field packets)" -eq 2 ]
	[ "$(summary_field lost)" -eq 0 ]
	assert_no_iptt_table
}

@test "SIGTERM: exit 0, no table left" {
	iptt_start -p icmp
	kill -TERM "$IPTT_PID"
	iptt_wait_exit 5
	[ "$IPTT_RC" -eq 0 ]
	assert_clean_stderr
	assert_no_iptt_table
}

@test "kill -9: the kernel removes the table" {
	iptt_start -p icmp
	[ -n "$(iptt_tables)" ]
	kill -9 "$IPTT_PID"
	iptt_wait_exit 5
	[ "$IPTT_RC" -eq 137 ]
	assert_no_iptt_table
	# and nothing left behind gets in the way of traffic
	ping_ok "$CLI" $SRV_IP
}

@test "two tools in one namespace each own a table, and clean up their own" {
	iptt_start -p icmp
	first=$IPTT_PID
	IPTT_PID=
	# the second one writes elsewhere
	mv "$BATS_TEST_TMPDIR/iptt.out" "$BATS_TEST_TMPDIR/first.out"
	mv "$BATS_TEST_TMPDIR/iptt.err" "$BATS_TEST_TMPDIR/first.err"
	lab_track $first
	iptt_start -p icmp
	[ "$(iptt_tables | wc -l)" -eq 2 ]
	kill -INT $first
	for i in $(seq 100); do kill -0 $first 2>/dev/null || break; sleep 0.05; done
	if kill -0 $first 2>/dev/null; then false; fi
	[ "$(iptt_tables)" = "table inet iptables-trace-$IPTT_PID" ]
	iptt_stop_ok
	assert_no_iptt_table
}

@test "SIGINT: events the kernel queued before the signal are still printed" {
	iptt_start -p icmp
	# Hold the tool while a ping goes through, so its events wait in the
	# socket; then Ctrl-C. Those packets happened before the Ctrl-C.
	kill -STOP "$IPTT_PID"
	ip netns exec "$CLI" ping -q -n -c1 -W1 -e 8101 $SRV_IP >/dev/null
	kill -INT "$IPTT_PID"
	kill -CONT "$IPTT_PID"
	iptt_wait_exit 5
	[ "$IPTT_RC" -eq 0 ]
	assert_clean_stderr
	assert_blocks 1 "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*TYPE=8 CODE=0 ID=8101 "
	assert_blocks 1 "^IN=r1 OUT= SRC=$SRV_IP DST=$CLI_IP .*TYPE=0 CODE=0 ID=8101 "
}
