#!/usr/bin/env bats
# What a run that could not clean up leaves, and who repairs it: a fatal
# signal (caught: the loggers are put back before the process dies), a
# kill -9 (the next run of any backend, or --cleanup, puts them back from
# the state file), and state files of namespaces that are gone (collected,
# never those of a live run). Every check looks at this test's own
# namespaces and state files only.

load lib
load legacy_lib

setup_file() { p2_setup_file; }
teardown_file() { p2_teardown_file; }
setup() {
	lab_setup
	ipt legacy 4 -A FORWARD -p icmp -m comment --comment "legacy fwd" -j ACCEPT
	# a logger a fresh namespace does not have, so "put back" cannot
	# pass by resetting to the default
	ip netns exec "$RTR" sh -c 'echo NONE >/proc/sys/net/netfilter/nf_log/10'
	p2_nf_log_save
	ulimit -c 0
}
teardown() {
	lab_teardown
	[ ! -e "/run/netns/$LAB-gone" ] || ip netns del "$LAB-gone"
}

assert_bound() {
	[ "$(p2_logger 2)" = nfnetlink_log ]
	[ "$(p2_logger 10)" = nfnetlink_log ]
}

@test "fatal signals that can be caught put the loggers back before the process dies" {
	for sig in SEGV BUS ABRT FPE ILL; do
		iptt_start -p icmp
		assert_bound
		[ -n "$(state_file "$RTR")" ]
		kill -$sig "$IPTT_PID"
		iptt_wait_exit
		# under ASan its own handler reports the signal and exits
		if ldd "$IPTT_BIN" | grep -q libasan; then
			[ "$IPTT_RC" -ne 0 ]
		else
			[ "$IPTT_RC" -eq $((128 + $(kill -l $sig))) ]
		fi
		p2_assert_nf_log_back
		[ -z "$(state_file "$RTR")" ]
	done
}

@test "SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, SIGXCPU stop the run like SIGTERM" {
	for sig in QUIT USR1 USR2 ALRM XCPU; do
		iptt_start -p icmp
		kill -$sig "$IPTT_PID"
		iptt_wait_exit
		[ "$IPTT_RC" -eq 0 ]
		assert_clean_stderr
		p2_assert_nf_log_back
		assert_no_iptt_table
	done
}

@test "kill -9: --cleanup puts the loggers back and removes the state file" {
	iptt_start -p icmp
	kill -9 "$IPTT_PID"
	iptt_wait_exit
	assert_bound
	[ -n "$(state_file "$RTR")" ]
	iptt_run --cleanup
	[ "$IPTT_RC" -eq 0 ]
	grep -qx 'iptables-trace: removed 0 leftover TRACE rules' "$IPTT_ERR"
	grep -qx 'iptables-trace: put back the nf_log loggers that a killed run left bound to nfnetlink_log (ipv4 nf_log_ipv4, ipv6 NONE)' "$IPTT_ERR"
	p2_assert_nf_log_back
	[ -z "$(state_file "$RTR")" ]
	# nothing left to do the second time
	iptt_run --cleanup
	[ "$(grep -v ' of killed runs from ' "$IPTT_ERR")" = "iptables-trace: removed 0 leftover TRACE rules" ]
}

@test "kill -9: a --backend=nft run puts the loggers back" {
	iptt_start -p icmp
	kill -9 "$IPTT_PID"
	iptt_wait_exit
	assert_bound
	iptt_start --backend=nft -p icmp
	grep -q 'put back the nf_log loggers that a killed run left bound' "$IPTT_ERR"
	p2_assert_nf_log_back
	[ -z "$(state_file "$RTR")" ]
	iptt_stop
	[ "$IPTT_RC" -eq 0 ]
	p2_assert_nf_log_back
}

@test "state files of namespaces that are gone are collected; a live run's stay" {
	gone=$LAB-gone
	ip netns add "$gone"
	ip netns exec "$gone" iptables-legacy -A INPUT -j ACCEPT
	iptt_start --ns "$gone" -p icmp
	kill -9 "$IPTT_PID"
	iptt_wait_exit
	dead=$(state_file "$gone")
	[ -n "$dead" ]
	ip netns del "$gone"
	iptt_run --ns "$SRV" --cleanup
	[ "$IPTT_RC" -eq 0 ]
	[ ! -e "$dead" ]
	grep -qE '^iptables-trace: removed [0-9]+ state files? of killed runs from '"$STATE_DIR\$" "$IPTT_ERR"

	# a live run's state file is locked: kept, in its namespace and from
	# any other
	iptt_start -p icmp
	live=$(state_file "$RTR")
	[ -n "$live" ]
	iptt_run --ns "$SRV" --cleanup
	[ "$IPTT_RC" -eq 0 ]
	[ -e "$live" ]
	iptt_run --cleanup
	[ -e "$live" ]
	p2_logger 2 | grep -qx nfnetlink_log
	iptt_stop
	[ ! -e "$live" ]
}

@test "TRACE rules of a live run in another PID namespace survive a host-side --cleanup" {
	IPTT_OUT=$BATS_TEST_TMPDIR/iptt.out IPTT_ERR=$BATS_TEST_TMPDIR/iptt.err
	ip netns exec "$RTR" unshare --pid --fork --kill-child "$IPTT_BIN" --no-color \
		--trace-rules -4 -p icmp >"$IPTT_OUT" 2>"$IPTT_ERR" 3>&- &
	IPTT_PID=$!
	iptt_wait_armed
	inner=$(cat /proc/$IPTT_PID/task/$IPTT_PID/children)
	[ -n "$inner" ]
	lab_track "$inner"
	# inside its PID namespace the tool is PID 1
	ours() { ipt legacy 4 -t raw -S | grep -e '-j TRACE$' || true; }
	[ "$(ours | grep -c '"iptables-trace 1[:"]')" -eq 2 ]
	before=$(ours)

	iptt_run --cleanup
	[ "$IPTT_RC" -eq 0 ]
	grep -qx 'iptables-trace: removed 0 leftover TRACE rules' "$IPTT_ERR"
	[ "$(ours)" = "$before" ]
	# and the run still traces with them
	IPTT_ERR=$BATS_TEST_TMPDIR/iptt.err
	ping_ok "$CLI" $SRV_IP

	# once it is killed, its rules are a dead run's
	kill -9 "$inner"
	iptt_wait_exit
	iptt_run --cleanup
	grep -qx 'iptables-trace: removed 2 leftover TRACE rules' "$IPTT_ERR"
	[ -z "$(ours)" ]
}

@test "a log rule with a TRACE prefix at a hook TRACE could not use is not a trace step" {
	ipt legacy 4 -A INPUT -p icmp -m comment --comment "legacy in" -j ACCEPT
	rtr_nft <<-'EOF2'
	table ip forge {
		chain pre {
			type filter hook prerouting priority 0;
			ip protocol icmp log prefix "TRACE: filter:INPUT:rule:1 " group 0
		}
	}
	EOF2
	p2_start -p icmp
	ping_ok "$CLI" $SRV_IP
	p2_stop
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*PROTO=ICMP TYPE=8 ")
	assert_lines "$b" \
		"legacy filter FORWARD (#1) -p icmp -m comment --comment \"legacy fwd\" -j ACCEPT => ACCEPT"
	refute_line_re "$b" 'filter INPUT'
}
