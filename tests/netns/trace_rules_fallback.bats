#!/usr/bin/env bats
# The fallback for kernels without nf_tables: tracing turned on by a
# comment-tagged legacy TRACE rule first in raw PREROUTING/OUTPUT
# (--trace-rules forces it), removed at exit; a killed run's rules are
# removed by the next run and by --cleanup. And, with the LD_PRELOAD shim
# that fails nf_tables only (fake_nonft.c), auto mode chooses it by itself.

load lib
load legacy_lib

setup_file() { p2_setup_file; }
teardown_file() { p2_teardown_file; }
setup() {
	lab_setup
	ipt_restore legacy 4 <<-EOF
	*raw
	-A PREROUTING -p icmp -m comment --comment "user raw rule"
	COMMIT
	*filter
	-A FORWARD -p icmp -m comment --comment "legacy fwd" -j ACCEPT
	-I FORWARD 1 -p tcp -m tcp --dport 23 -j DROP
	COMMIT
	EOF
	RAW_BEFORE4=$(ipt legacy 4 -t raw -S)
	RAW_BEFORE6=$(ipt legacy 6 -t raw -S 2>/dev/null || true)
}
teardown() { lab_teardown; }

# What --cleanup said, without the count of other programs' dead state
# files it may have collected on the way.
cleanup_said() { grep -v ' state files\? of killed runs from ' "$IPTT_ERR" || true; }

# The run's rules are in place: first in raw PREROUTING and OUTPUT, tagged
# with its pid, for IPv4 and IPv6.
assert_trace_rules_of() {
	local pid=$1 r
	r=$(trace_rules)
	grep -Eq "^4: -A PREROUTING .*\"iptables-trace $pid:[0-9a-f]{16}\" -j TRACE$" <<<"$r"
	grep -Eq "^4: -A OUTPUT .*\"iptables-trace $pid:[0-9a-f]{16}\" -j TRACE$" <<<"$r"
	grep -Eq "^6: -A PREROUTING .*\"iptables-trace $pid:[0-9a-f]{16}\" -j TRACE$" <<<"$r"
	grep -Eq "^6: -A OUTPUT .*\"iptables-trace $pid:[0-9a-f]{16}\" -j TRACE$" <<<"$r"
	# first in their chains
	[ "$(ipt legacy 4 -t raw -S PREROUTING | sed -n 2p)" = \
		"$(ipt legacy 4 -t raw -S PREROUTING | grep -F "\"iptables-trace $pid:")" ]
}

# Nothing of any run is left in legacy raw; the user's raw rules are as
# they were.
assert_no_trace_rules() {
	local left
	left=$(trace_rules)
	if [ -n "$left" ]; then
		echo "# TRACE rules left behind:" >&3
		printf '%s\n' "$left" | sed 's/^/#   /' >&3
		return 1
	fi
	[ "$(ipt legacy 4 -t raw -S)" = "$RAW_BEFORE4" ]
	# IPv6 raw exists only because a run created it: then it is empty
	[ -z "$RAW_BEFORE6" ] || [ "$(ipt legacy 6 -t raw -S)" = "$RAW_BEFORE6" ]
	[ -z "$(ipt legacy 6 -t raw -S | grep -- '^-A ' || true)" ]
}

# A traced ping with its legacy steps. Positions in raw are those of the
# running kernel, where the tool's TRACE rule sits first, so the texts are
# compared with a save taken while the tool ran (save_snapshot).
assert_legacy_ping_traced() {
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*PROTO=ICMP TYPE=8 ")
	assert_lines_re "$b" \
		"^  legacy raw PREROUTING \(#[0-9]+\) -p icmp -m comment --comment \"user raw rule\" => continue$" \
		"^  legacy raw PREROUTING ACCEPT$" \
		"^  legacy filter FORWARD \(#2\) -p icmp -m comment --comment \"legacy fwd\" -j ACCEPT => ACCEPT$" \
		"^  => ACCEPT, forwarded out r1$"
	# the tool's own rule is no step of the user's
	refute_line_re "$b" "-j TRACE|iptables-trace"
	p2_check_block "$b" 4 raw=legacy filter=legacy
	[ "$P2_CHECKED" -eq 2 ]
}

@test "--trace-rules: TRACE rules first in legacy raw, a legacy rule traced, the rules gone at exit" {
	p2_start --trace-rules -p icmp
	assert_backend "legacy, TRACE rules"
	assert_trace_rules_of "$IPTT_PID"
	# --trace-rules replaces the owned nft table
	[ -z "$(iptt_tables)" ]
	save_snapshot legacy 4 raw filter
	ping_ok "$CLI" $SRV_IP
	p2_stop
	assert_legacy_ping_traced
	assert_no_trace_rules
}

@test "--trace-rules killed with kill -9: its rules stay; the next run removes them at start and its own at exit" {
	p2_nf_log_save
	iptt_start --trace-rules -p icmp
	dead=$IPTT_PID
	kill -9 "$dead"
	iptt_wait_exit
	[ "$IPTT_RC" -eq 137 ]
	assert_trace_rules_of "$dead"

	iptt_start --trace-rules -p icmp
	live=$IPTT_PID
	assert_trace_rules_of "$live"
	[ -z "$(trace_rules | grep -F "\"iptables-trace $dead:")" ]
	save_snapshot legacy 4 raw filter
	ping_ok "$CLI" $SRV_IP
	p2_stop		# the loggers of before the killed run are back too
	assert_legacy_ping_traced
	# the killed run's rules no longer trace anything: one block only
	assert_blocks 1 "PROTO=ICMP TYPE=8 "
	assert_no_trace_rules
}

@test "--cleanup: removes a killed run's TRACE rules and exits 0; a live run's stay" {
	p2_nf_log_save
	iptt_start --trace-rules -p icmp
	dead=$IPTT_PID
	kill -9 "$dead"
	iptt_wait_exit
	assert_trace_rules_of "$dead"
	n=$(trace_rules | grep -cF "\"iptables-trace $dead:")
	[ "$n" -eq 4 ]

	iptt_run --cleanup
	[ "$IPTT_RC" -eq 0 ]
	[ ! -s "$IPTT_OUT" ]
	[ "$(sed -n 1p "$IPTT_ERR")" = "iptables-trace: removed $n leftover TRACE rules" ]
	# the killed run's nf_log binding too
	grep -q '^iptables-trace: put back the nf_log loggers that a killed run left' "$IPTT_ERR"
	p2_assert_nf_log_back
	assert_no_trace_rules
	iptt_run --cleanup
	[ "$IPTT_RC" -eq 0 ]
	[ "$(cleanup_said)" = "iptables-trace: removed 0 leftover TRACE rules" ]

	# (two runs with TRACE rules cannot share a namespace: group 0)
	iptt_start --trace-rules -4 -p icmp
	live=$IPTT_PID
	lab_track $live
	mv "$IPTT_OUT" "$BATS_TEST_TMPDIR/live.out"
	mv "$IPTT_ERR" "$BATS_TEST_TMPDIR/live.err"
	iptt_run --cleanup
	[ "$IPTT_RC" -eq 0 ]
	[ "$(cleanup_said)" = "iptables-trace: removed 0 leftover TRACE rules" ]
	[ "$(trace_rules | grep -cF "\"iptables-trace $live:")" -eq 2 ]

	IPTT_PID=$live IPTT_OUT=$BATS_TEST_TMPDIR/live.out IPTT_ERR=$BATS_TEST_TMPDIR/live.err
	p2_stop		# and the loggers the killed run left are put back
	assert_no_trace_rules
}

@test "no nf_tables (LD_PRELOAD shim): auto falls back to TRACE rules, traces a legacy rule, leaves nothing behind" {
	make -C "$IPTT_ROOT" -s build/tests/fake_nonft.so >&3
	# the tool under the shim, with the same pid (exec all the way)
	cat >"$BATS_TEST_TMPDIR/iptables-trace" <<-EOF
	#!/bin/sh
	LD_PRELOAD="$IPTT_SHIM" exec "$IPTT_BIN" "\$@"
	EOF
	chmod +x "$BATS_TEST_TMPDIR/iptables-trace"
	local IPTT_BIN=$BATS_TEST_TMPDIR/iptables-trace

	p2_start -p icmp
	assert_backend "legacy, TRACE rules"
	assert_trace_rules_of "$IPTT_PID"
	save_snapshot legacy 4 raw filter
	ping_ok "$CLI" $SRV_IP
	tcp_fails "$CLI" $SRV_IP 23	# not icmp: not traced
	p2_stop
	assert_legacy_ping_traced
	assert_blocks 0 "PROTO=TCP"
	assert_no_trace_rules
	# and no nf_tables table was made, by the tool or anything it ran
	[ -z "$(ip netns exec "$RTR" nft list tables)" ]
}
