#!/usr/bin/env bats
# Options that change how long and where the tool traces: --limit,
# --count, --timeout, --netns, and a reader that goes away (| head).

load lib

setup() {
	lab_setup
	rtr_nft <<-EOF
	table ip filter {
		chain forward {
			type filter hook forward priority filter; policy accept;
			ip protocol icmp counter
		}
	}
	EOF
}
teardown() { lab_teardown; }

@test "--limit=1/minute: three quick pings, exactly one traced" {
	iptt_start --limit=1/minute -s $CLI_IP -p icmp
	ip netns exec "$CLI" ping -q -n -c3 -i0.05 -W1 $SRV_IP >/dev/null
	iptt_stop_ok

	assert_blocks 1
	block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*TYPE=8 .* SEQ=1$" >/dev/null
	[ "$(summary_field packets)" -eq 1 ]
}

@test "--limit without a rate traces at most one packet a second" {
	iptt_start --limit -s $CLI_IP -p icmp
	ip netns exec "$CLI" ping -q -n -c3 -i0.05 -W1 $SRV_IP >/dev/null
	iptt_stop_ok

	assert_blocks 1
}

@test "--count 2: exits by itself with 0 after two packets" {
	iptt_start --count 2 -s $CLI_IP -p icmp
	ip netns exec "$CLI" ping -q -n -c3 -i0.2 -W1 $SRV_IP >/dev/null || true
	iptt_wait_exit 5
	[ "$IPTT_RC" -eq 0 ]
	assert_clean_stderr

	assert_blocks 2
	block "^IN=r0 OUT= SRC=$CLI_IP .*TYPE=8 .* SEQ=1$" >/dev/null
	block "^IN=r0 OUT= SRC=$CLI_IP .*TYPE=8 .* SEQ=2$" >/dev/null
	[ "$(summary_field packets)" -eq 2 ]
	assert_no_iptt_table
}

@test "--timeout 1: exits by itself with 0" {
	iptt_start --timeout 1 -p icmp
	ping_ok "$CLI" $SRV_IP
	iptt_wait_exit 4
	[ "$IPTT_RC" -eq 0 ]
	assert_clean_stderr
	block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*TYPE=8 " >/dev/null
	assert_no_iptt_table
}

@test "--netns NAME: run from outside, trace inside the router" {
	iptt_start --ns - --netns "$RTR" -p icmp
	# The table lives in the router's namespace, named after the tool's pid.
	[ "$(iptt_tables)" = "table inet iptables-trace-$IPTT_PID" ]
	ping_ok "$CLI" $SRV_IP
	iptt_stop_ok

	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*TYPE=8 ")
	assert_lines "$b" "filter forward (#1) ip protocol icmp counter => continue"
	assert_no_iptt_table
}

@test "--netns /proc/PID/ns/net: a namespace given by path" {
	ip netns exec "$RTR" sleep 30 </dev/null >/dev/null 2>&1 3>&- &
	holder=$!
	lab_track $holder
	# wait until the sleeper is inside the router namespace
	for i in $(seq 50); do
		[ "$(readlink /proc/$holder/ns/net)" = "$(ip netns exec "$RTR" readlink /proc/self/ns/net)" ] && break
		sleep 0.05
	done
	iptt_start --ns - --netns /proc/$holder/ns/net -p icmp
	[ "$(iptt_tables)" = "table inet iptables-trace-$IPTT_PID" ]
	ping_ok "$CLI" $SRV_IP
	iptt_stop_ok

	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*TYPE=8 ")
	assert_lines "$b" "filter forward (#1) ip protocol icmp counter => continue"
	assert_no_iptt_table
}

@test "| head -n 1: the tool ends quietly when its reader goes away" {
	out=$BATS_TEST_TMPDIR/head.out err=$BATS_TEST_TMPDIR/head.err
	rcs=$BATS_TEST_TMPDIR/head.rc
	(
		ip netns exec "$RTR" "$IPTT_BIN" --no-color -p icmp 2>"$err" | head -n 1 >"$out"
		echo "${PIPESTATUS[*]}" >"$rcs"
	) 3>&- &
	lab_track $!
	IPTT_ERR=$err
	for i in $(seq 100); do
		grep -Eq "$ARMED_RE" "$err" && break
		sleep 0.05
	done
	grep -Eq "$ARMED_RE" "$err"
	# The first block fills head; the next write finds the pipe closed.
	for i in $(seq 10); do
		[ -s "$rcs" ] && break
		ping_ok "$CLI" $SRV_IP
		sleep 0.2
	done
	for i in $(seq 40); do
		[ -s "$rcs" ] && break
		sleep 0.05
	done
	[ -s "$rcs" ]

	read -r tool_rc head_rc <"$rcs"
	[ "$head_rc" -eq 0 ]
	[ "$tool_rc" -eq 0 ] || [ "$tool_rc" -eq 141 ]
	[ "$(wc -l <"$out")" -eq 1 ]
	grep -Eq "^IN=r[01] OUT= SRC=10\.99\.[12]\.2 .*PROTO=ICMP " "$out"
	assert_clean_stderr
	assert_no_iptt_table
}

# Start the tool in the router with stdout and stdin as the caller says
# (eval'd redirections), stderr in $IPTT_ERR; wait for the armed line.
iptt_start_redir() {
	local redir=$1
	shift
	IPTT_OUT=$BATS_TEST_TMPDIR/iptt.out IPTT_ERR=$BATS_TEST_TMPDIR/iptt.err
	: >"$IPTT_OUT"; : >"$IPTT_ERR"
	eval 'ip netns exec "$RTR" "$IPTT_BIN" --no-color "$@" '"$redir"' 2>"$IPTT_ERR" 3>&- &'
	IPTT_PID=$!
	iptt_wait_armed
}

@test "| reader that exits before any packet: the tool ends at once, exit 0" {
	err=$BATS_TEST_TMPDIR/gone.err rcs=$BATS_TEST_TMPDIR/gone.rc
	: >"$err"
	# sleep never reads and closes the pipe after 1 s; no packet is sent,
	# so only watching stdout can tell the tool that its reader is gone.
	(
		ip netns exec "$RTR" "$IPTT_BIN" --no-color -p icmp 2>"$err" | sleep 1
		echo "${PIPESTATUS[*]}" >"$rcs"
	) 3>&- &
	lab_track $!
	IPTT_ERR=$err
	for i in $(seq 100); do
		grep -Eq "$ARMED_RE" "$err" && break
		sleep 0.05
	done
	grep -Eq "$ARMED_RE" "$err"
	for i in $(seq 60); do
		[ -s "$rcs" ] && break
		sleep 0.05
	done
	if [ ! -s "$rcs" ]; then
		echo "# still running 3 s after its reader went away" >&3
		false
	fi
	read -r tool_rc _ <"$rcs"
	[ "$tool_rc" -eq 0 ]
	assert_clean_stderr
	assert_no_iptt_table
}

@test "stdout on /dev/full: exit 1 with one line saying why" {
	iptt_start_redir '>/dev/full' -p icmp
	ping_ok "$CLI" $SRV_IP
	iptt_wait_exit 5
	[ "$IPTT_RC" -eq 1 ]
	[ "$(grep -Evc "$ARMED_RE" "$IPTT_ERR")" -eq 1 ]
	grep -qx 'iptables-trace: writing output: No space left on device' "$IPTT_ERR"
	assert_no_iptt_table
}

@test "stdin and stdout closed: fds 0 and 1 stay /dev/null, not a socket" {
	iptt_start_redir '<&- >&-' -p icmp
	[ "$(readlink /proc/$IPTT_PID/fd/0)" = /dev/null ]
	[ "$(readlink /proc/$IPTT_PID/fd/1)" = /dev/null ]
	ping_ok "$CLI" $SRV_IP
	iptt_stop_ok
	[ "$(summary_field packets)" -ge 1 ]
	assert_no_iptt_table
}

@test "-i r+: iptables' wildcard traces every interface starting with r; -i r is exact" {
	iptt_start -i r+ -p icmp
	ping_ok "$CLI" $SRV_IP
	iptt_stop_ok
	block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*TYPE=8 " >/dev/null
	block "^IN=r1 OUT= SRC=$SRV_IP DST=$CLI_IP .*TYPE=0 " >/dev/null

	# "+" alone: any arriving interface
	iptt_start -i + -p icmp
	ping_ok "$CLI" $SRV_IP
	iptt_stop_ok
	block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*TYPE=8 " >/dev/null

	# without the +, r is a whole name: no interface is called r, and
	# a name the namespace lacks is refused
	iptt_run -i r -p icmp
	assert_error 2 "-i r: no such interface in this network namespace"
	assert_no_iptt_table
}
