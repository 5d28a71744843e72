#!/usr/bin/env bats
# Issue 4, reading comfort: colour only on a terminal (and never with
# --no-color or NO_COLOR), -t timestamps, and --verbose's trace ids,
# handles and raw verdict codes.

load lib
load story_lib

setup() {
	lab_setup
	rtr_nft <<-EOF
	table ip nat {
		chain pre {
			type nat hook prerouting priority dstnat; policy accept;
			ip daddr $VIP dnat to $SRV_IP
		}
	}
	table ip filter {
		chain icmpchk {
			meta mark set 5
			return
		}
		chain input {
			type filter hook input priority filter; policy accept;
			tcp dport 5555 reject
		}
		chain forward {
			type filter hook forward priority filter; policy accept;
			ip protocol icmp counter jump icmpchk
			tcp dport 23 drop
		}
	}
	EOF
}
teardown() { lab_teardown; }

ESC=$'\033'

# The traffic every test here traces, in three blocks: a DNATed ping
# (jump, return, accept, a "packet now" line), a drop and a reject.
traffic() {
	ip netns exec "$CLI" ping -q -n -c1 -W1 -e 7001 $VIP >/dev/null
	tcp_fails "$CLI" $SRV_IP 23
	tcp_fails "$CLI" $RTR_IP1 5555
}

# on_tty OUT [VAR=VALUE...] -- ARGS...: run the tool in the router on a
# pseudo-terminal (script(1)), with NO_COLOR unset unless given, with
# --count 3 and ARGS; trace the traffic; wait for it to exit. Everything
# it wrote to the terminal (stderr too) ends up in OUT.
on_tty() {
	local out=$1 i env=()
	shift
	while [ "$1" != -- ]; do env+=("$1"); shift; done
	shift
	: >"$out"
	script -qfec "ip netns exec $RTR env -u NO_COLOR ${env[*]} $IPTT_BIN --count 3 -s $CLI_IP $*" \
		/dev/null </dev/null >"$out" 2>&1 3>&- &
	local pid=$!
	lab_track $pid
	for i in $(seq 100); do
		grep -q 'press Ctrl-C to stop' "$out" && break
		sleep 0.05
	done
	traffic
	for i in $(seq 60); do
		kill -0 $pid 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 $pid 2>/dev/null; then
		{ echo "# the tool on a tty did not exit; it wrote:"; cat -v "$out" | sed 's/^/#   /'; } >&3
		return 1
	fi
	# the terminal turns \n into \r\n
	tr -d '\r' <"$out" >"$out.txt"
	mv "$out.txt" "$out"
}

# has_line FILE LINE: FILE holds LINE exactly.
has_line() {
	grep -qxF -- "$2" "$1" && return 0
	{ echo "# no line: $(printf '%s' "$2" | cat -v)"; echo "# in:"; cat -v "$1" | sed 's/^/#   /'; } >&3
	return 1
}

no_escapes() {
	grep -q "$ESC" "$1" || return 0
	{ echo "# colour escapes where none belong:"; cat -v "$1" | sed 's/^/#   /'; } >&3
	return 1
}

@test "colour on a terminal: packet lines bold, ACCEPT green, DROP and REJECT red, jumps blue" {
	out=$BATS_TEST_TMPDIR/tty
	on_tty "$out" --
	G="$ESC[32m" R="$ESC[31m" B="$ESC[34m" Z="$ESC[0m"
	has_line "$out" "  ${G}nat pre (#1) ip daddr $VIP dnat to $SRV_IP => ACCEPT${Z}"
	has_line "$out" "  ${B}filter forward (#1) ip protocol icmp counter jump icmpchk => jump icmpchk${Z}"
	has_line "$out" "  ${G}filter forward ACCEPT${Z}"
	has_line "$out" "  ${G}=> ACCEPT, forwarded out r1${Z}"
	has_line "$out" "  ${R}filter forward (#2) tcp dport 23 drop => DROP${Z}"
	has_line "$out" "  ${R}=> DROP by filter forward (#2) tcp dport 23 drop${Z}"
	has_line "$out" "  ${R}filter input (#1) tcp dport 5555 reject => REJECT${Z}"
	has_line "$out" "  ${R}=> REJECT by filter input (#1) tcp dport 5555 reject${Z}"
	# The packet line in bold, so that blocks stand out.
	grep -Eq "^${ESC}\[1mIN=r0 OUT= SRC=$CLI_IP DST=$VIP .*ID=7001 SEQ=1${ESC}\[0m$" "$out"
	# Uncoloured: a rule that only continues, a return.
	has_line "$out" "  filter icmpchk (#1) meta mark set 0x00000005 => continue"
	has_line "$out" "  filter icmpchk (#2) return => return"
}

@test "no colour when stdout is not a terminal, even with NO_COLOR unset" {
	out=$BATS_TEST_TMPDIR/pipe
	# Not through iptt_start, which adds --no-color.
	ip netns exec "$RTR" env -u NO_COLOR "$IPTT_BIN" --count 3 -s $CLI_IP \
		>"$out" 2>"$out.err" 3>&- &
	IPTT_PID=$! IPTT_ERR=$out.err
	iptt_wait_armed
	traffic
	iptt_wait_exit 3
	[ "$IPTT_RC" -eq 0 ]
	has_line "$out" "  => DROP by filter forward (#2) tcp dport 23 drop"
	has_line "$out" "  filter forward (#1) ip protocol icmp counter jump icmpchk => jump icmpchk"
	no_escapes "$out"
	no_escapes "$out.err"
}

@test "no colour on a terminal with NO_COLOR=1" {
	out=$BATS_TEST_TMPDIR/tty
	on_tty "$out" NO_COLOR=1 --
	has_line "$out" "  => DROP by filter forward (#2) tcp dport 23 drop"
	has_line "$out" "  => ACCEPT, forwarded out r1"
	no_escapes "$out"
}

@test "no colour on a terminal with TERM=dumb, nor with --color=never" {
	out=$BATS_TEST_TMPDIR/tty
	on_tty "$out" TERM=dumb --
	has_line "$out" "  => DROP by filter forward (#2) tcp dport 23 drop"
	no_escapes "$out"
	on_tty "$out" -- --color=never
	has_line "$out" "  => ACCEPT, forwarded out r1"
	no_escapes "$out"
}

@test "--color=auto on a terminal: NO_COLOR still wins; --color=always does not ask" {
	out=$BATS_TEST_TMPDIR/tty
	on_tty "$out" NO_COLOR=1 -- --color=auto
	has_line "$out" "  => ACCEPT, forwarded out r1"
	no_escapes "$out"
	on_tty "$out" TERM=dumb -- --color=always
	has_line "$out" "  $ESC[32m=> ACCEPT, forwarded out r1$ESC[0m"
}

@test "no colour on a terminal with --no-color" {
	out=$BATS_TEST_TMPDIR/tty
	on_tty "$out" -- --no-color
	has_line "$out" "  => REJECT by filter input (#1) tcp dport 5555 reject"
	has_line "$out" "  => ACCEPT, forwarded out r1"
	no_escapes "$out"
}

@test "-t: each packet line starts with the time, HH:MM:SS.microseconds, and only packet lines" {
	# Local time, like tcpdump: a zone half an hour off UTC (POSIX TZ, no
	# tzdata needed) shows that. The tool inherits TZ through ip netns exec.
	export TZ=XST-5:30
	t0=$(date +%s)
	iptt_start --count 3 -t -s $CLI_IP
	traffic
	iptt_wait_exit 3
	[ "$IPTT_RC" -eq 0 ]

	assert_blocks 3
	assert_blocks 3 "^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6} IN=r0 OUT= SRC=$CLI_IP "
	b=$(block "^[0-9:.]{15} IN=r0 OUT= SRC=$CLI_IP DST=$VIP .*ID=7001 SEQ=1$")
	# Only the first line of a block carries a time.
	[ "$(printf '%s\n' "$b" | grep -Ec '^[0-9]{2}:[0-9]{2}:')" -eq 1 ]
	assert_lines "$b" "nat pre (#1) ip daddr $VIP dnat to $SRV_IP => ACCEPT" \
		"=> ACCEPT, forwarded out r1"
	# The time of day the packet went through (in the same zone).
	hms=${b:0:8}
	when=$(date -d "$(date +%F) $hms" +%s)
	[ $((when - t0)) -gt -43200 ] || when=$((when + 86400))	# midnight passed
	[ $((when - t0)) -ge -1 ] && [ $((when - t0)) -le 10 ] ||
		{ echo "# packet time $hms, test began at $(date -d @$t0 +%T)" >&3; false; }
}

@test "--verbose: trace ids on packet lines, handles and raw verdict codes on rule lines" {
	iptt_start -v -s $CLI_IP
	traffic
	iptt_stop_ok

	h() { nft_handle "$RTR" ip "$1" "$2" "$3"; }
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$VIP .*ID=7001 SEQ=1 \[trace id [0-9a-f]{8}\]$")
	assert_lines "$b" \
		"nat pre (#1) ip daddr $VIP dnat to $SRV_IP => ACCEPT [handle $(h nat pre "ip daddr $VIP dnat to $SRV_IP") verdict 1]" \
		"filter forward (#1) ip protocol icmp counter jump icmpchk => jump icmpchk [handle $(h filter forward "ip protocol icmp counter jump icmpchk") verdict -3]" \
		"filter icmpchk (#1) meta mark set 0x00000005 => continue [handle $(h filter icmpchk "meta mark set 0x00000005") verdict -1]" \
		"filter icmpchk (#2) return => return [handle $(h filter icmpchk return) verdict -5]" \
		"filter forward (#2 did not match)" \
		"filter forward ACCEPT" \
		"=> ACCEPT, forwarded out r1"
	# "packet now" lines are not packets of their own: no trace id.
	refute_line_re "$b" "^  packet now: .*trace id"
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*DPT=23 .* \[trace id [0-9a-f]{8}\]$")
	assert_lines "$b" "filter forward (#1 did not match)" \
		"filter forward (#2) tcp dport 23 drop => DROP [handle $(h filter forward "tcp dport 23 drop") verdict 0]"
	# Every packet line has a trace id, and they differ.
	[ "$(grep -c '^IN=' "$IPTT_OUT")" -eq 3 ]
	[ "$(grep -Eo '\[trace id [0-9a-f]{8}\]$' "$IPTT_OUT" | sort -u | wc -l)" -eq 3 ]
}

@test "default output: no trace ids, no handles" {
	iptt_start -s $CLI_IP
	traffic
	iptt_stop_ok
	assert_blocks 3
	refute_line_re "$(cat "$IPTT_OUT")" '\[trace id|\[handle |did not match|packet now'
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$VIP .*ID=7001 SEQ=1$")
	assert_lines "$b" "filter forward (#1) ip protocol icmp counter jump icmpchk => jump icmpchk"
}
