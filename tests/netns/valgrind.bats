#!/usr/bin/env bats
# The real binary under valgrind on a representative path: arming, both
# channels, rulesets, NAT, conntrack, printing, and the exit that --count
# takes. Any memory error or a definite/indirect leak fails the test.
#
# check.sh runs every .bats file a second time with IPTT_BIN pointing at
# the ASan build; valgrind cannot run an ASan binary, so that pass skips
# (and says why). The plain pass always runs valgrind.

load lib

VG_RC=42

setup() {
	if ldd "$IPTT_BIN" 2>/dev/null | grep -q libasan; then
		skip "valgrind and ASan do not mix: $IPTT_BIN is an ASan build (the plain pass runs valgrind)"
	fi
	command -v valgrind >/dev/null || {
		echo "# valgrind is not installed: run make deps" >&3
		return 1
	}
	lab_setup
}

teardown() { lab_teardown; }

# vg_start ARGS...: the tool under valgrind in the router, in the
# background; waits (valgrind is slow to start: at most 60 s) for the
# armed line. The report goes to $VG_LOG, not to the tool's stderr.
# Errors or definite/indirect leaks make valgrind exit with $VG_RC.
vg_start() {
	local i
	IPTT_OUT=$BATS_TEST_TMPDIR/iptt.out
	IPTT_ERR=$BATS_TEST_TMPDIR/iptt.err
	VG_LOG=$BATS_TEST_TMPDIR/valgrind.log
	: >"$IPTT_OUT"; : >"$IPTT_ERR"
	ip netns exec "$RTR" valgrind --leak-check=full \
		--errors-for-leak-kinds=definite,indirect --error-exitcode=$VG_RC \
		--suppressions="$BATS_TEST_DIRNAME/valgrind.supp" --log-file="$VG_LOG" \
		"$IPTT_BIN" --no-color "$@" >"$IPTT_OUT" 2>"$IPTT_ERR" 3>&- &
	IPTT_PID=$!
	for i in $(seq 600); do
		grep -Eq "$ARMED_RE" "$IPTT_ERR" && return 0
		kill -0 "$IPTT_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "# iptables-trace under valgrind did not arm; stderr:" >&3
	sed 's/^/#   /' "$IPTT_ERR" "$VG_LOG" >&3
	return 1
}

# The report says valgrind ran the tool to its end, found no errors and
# lost nothing (still reachable blocks in libraries are no leaks).
vg_clean() {
	grep -q "Command: $IPTT_BIN " "$VG_LOG" &&
	grep -Eq 'ERROR SUMMARY: 0 errors from 0 contexts' "$VG_LOG" &&
	{ grep -q 'All heap blocks were freed' "$VG_LOG" ||
	  { grep -Eq 'definitely lost: 0 bytes' "$VG_LOG" &&
	    grep -Eq 'indirectly lost: 0 bytes' "$VG_LOG"; }; }
}

vg_dump() {
	{
		echo "# exit $IPTT_RC; valgrind report:"
		sed 's/^/#   /' "$VG_LOG"
		echo "# stderr:"
		sed 's/^/#   /' "$IPTT_ERR"
	} >&3
}

@test "valgrind: a DNATed, forwarded ping traced with --count 1; no errors, no leaks" {
	load_nat_ruleset
	vg_start --count 1 -s $CLI_IP -p icmp
	ping_ok "$CLI" $VIP
	iptt_wait_exit 60 || { vg_dump; return 1; }
	[ "$IPTT_RC" -eq 0 ] || { vg_dump; return 1; }
	vg_clean || { vg_dump; return 1; }
	assert_clean_stderr
	[ "$(summary_field packets)" -eq 1 ]

	assert_blocks 1
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$VIP .*PROTO=ICMP TYPE=8 ")
	assert_lines_re "$b" \
		"^  nat pre \(#1\) ip daddr $VIP dnat to $SRV_IP => ACCEPT$" \
		"^  DNAT by nat pre \(#1\): $VIP -> $SRV_IP$" \
		"^  filter forward \(#1\) ip protocol icmp counter jump icmpchk => jump icmpchk$" \
		"^  nat post \(#1\) oifname \"r1\" masquerade => ACCEPT$" \
		"^  conntrack: new, original direction" \
		"^  => ACCEPT, forwarded out r1$"
}

@test "valgrind: --json and --timeout on a dropped ping; no errors, no leaks" {
	rtr_nft <<-'NFT'
	table inet vgf {
		chain forward {
			type filter hook forward priority 0; policy accept;
			icmp type echo-request drop
		}
	}
	NFT
	vg_start --json --timeout 20 --count 1 -s $CLI_IP -p icmp
	ping_fail "$CLI" $SRV_IP
	iptt_wait_exit 60 || { vg_dump; return 1; }
	[ "$IPTT_RC" -eq 0 ] || { vg_dump; return 1; }
	vg_clean || { vg_dump; return 1; }
	assert_clean_stderr
	[ "$(jq -r '.fate.kind' "$IPTT_OUT")" = drop ]
	[ "$(jq -r '.fate.rule.rule' "$IPTT_OUT")" = 'icmp type echo-request drop' ]
}
