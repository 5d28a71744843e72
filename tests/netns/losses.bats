#!/usr/bin/env bats
# When the receive buffer overflows, the kernel drops events; the summary
# must say exactly how many, not "at least 2". Each traced echo request
# makes the same number of events, so a stopped reader's losses can be
# checked against what the kernel had to send.

load lib

setup() {
	lab_setup
	rtr_nft <<-EOF
	table inet t {
		chain forward {
			type filter hook forward priority 0; policy accept;
			icmp type echo-reply counter
			icmp type echo-request counter accept
		}
	}
	EOF
}
teardown() { lab_teardown; }

FILTER=(-s "$CLI_IP" "icmp[icmptype] == icmp-echo")

# The default buffer holds more than these floods on a big machine (a
# 128th of the RAM, up to 128 MiB): the tests that need an overflow ask
# for the smallest default, 16 MiB.
SMALL=(--buffer-size 16)

# overflow_check: a quiet run gives the events per echo request; then a
# stopped reader misses part of 20000 of them, and read + lost must be
# exactly what the kernel had to send.
overflow_check() {
	iptt_start "${FILTER[@]}"
	ping_ok "$CLI" $SRV_IP
	iptt_stop_ok
	per=$(summary_field events)
	[ "$(summary_field packets)" -eq 1 ]
	[ "$(summary_field lost)" -eq 0 ]
	[ "$per" -gt 0 ]

	iptt_start "${SMALL[@]}" "${FILTER[@]}"
	kill -STOP "$IPTT_PID"
	ip netns exec "$CLI" ping -q -n -f -c 20000 -W1 $SRV_IP >/dev/null || true
	kill -CONT "$IPTT_PID"
	iptt_stop
	[ "$IPTT_RC" -eq 0 ]
	grep -q 'the receive buffer overflowed' "$IPTT_ERR"
	got=$(grep -oE '[0-9]+ events, ' "$IPTT_ERR" | cut -d' ' -f1)
	lost=$(grep -oE '[0-9]+ events lost' "$IPTT_ERR" | cut -d' ' -f1)
	echo "# $got events read, $lost lost, $per per packet" >&3
	[ "$lost" -gt 0 ]
	[ $((got + lost)) -eq $((20000 * per)) ]
	! grep -q 'at least' "$IPTT_ERR"
}

@test "nf_tables events lost in an overflow are counted exactly" {
	overflow_check
}

@test "nf_tables and legacy NFLOG events lost in an overflow are counted exactly" {
	ip netns exec "$RTR" iptables-legacy -A FORWARD -p icmp -j ACCEPT
	ARMED_RE='^iptables-trace: tracing .* \(backend nft\+legacy\) \.\.\. press Ctrl-C to stop$'
	overflow_check
}

# A full queue is read in batches, and the packets of each batch are
# printed before the next is read: a reader that read every socket to its
# end before printing held every event of a flood at once (up to the
# assembler's 64 MB bound). Here the queue holds about 26,000 events, which
# held whole come to about 26 MB of events and 100 MB of their blocks.
@test "a queue read after a stall is printed batch by batch: memory stays small" {
	# ASan's quarantine keeps freed memory: without it ASan reuses it,
	# and the peak is the live memory's, as in the plain build
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0:thread_local_quarantine_size_kb=0" \
		iptt_start "${SMALL[@]}" "${FILTER[@]}"
	ping_ok "$CLI" $SRV_IP
	iptt_drain
	before=$(awk '/^VmHWM:/ { print $2 }' /proc/"$IPTT_PID"/status)
	kill -STOP "$IPTT_PID"
	ip netns exec "$CLI" ping -q -n -f -c 20000 -W1 $SRV_IP >/dev/null || true
	kill -CONT "$IPTT_PID"
	iptt_drain
	after=$(awk '/^VmHWM:/ { print $2 }' /proc/"$IPTT_PID"/status)
	iptt_stop
	[ "$IPTT_RC" -eq 0 ]
	shown=$(grep -oE '^iptables-trace: [0-9]+ packets traced' "$IPTT_ERR" | cut -d' ' -f2)
	echo "# peak RSS $before kB -> $after kB while $shown packets were read" >&3
	[ "$shown" -gt 5000 ]
	[ $((after - before)) -lt 16384 ]
}

# Issue 9 item 10: our arming rule counts the packets it marks, so the
# summary says how many traced packets were lost, not only events.
@test "the summary counts the traced packets: 3 of 3 shown in a quiet run" {
	iptt_start "${FILTER[@]}"
	ip netns exec "$CLI" ping -q -n -c3 -i 0.2 -W1 $SRV_IP >/dev/null
	iptt_stop_ok
	[ "$(summary_field shown)" -eq 3 ]
	[ "$(summary_field traced)" -eq 3 ]
	[ "$(summary_field lost_packets)" -eq 0 ]
	grep -Eq '; 3 of 3 traced packets shown$' "$IPTT_ERR"
}

# stalled_flood OPTION...: 20,000 echo requests while the tool, started
# with OPTIONs, is stopped; $line is its summary.
stalled_flood() {
	iptt_start "$@" "${FILTER[@]}"
	kill -STOP "$IPTT_PID"
	ip netns exec "$CLI" ping -q -n -f -c 20000 -W1 $SRV_IP >/dev/null || true
	kill -CONT "$IPTT_PID"
	iptt_stop
	[ "$IPTT_RC" -eq 0 ]
	line=$(grep -E "^iptables-trace: [0-9]+ packets traced" "$IPTT_ERR")
	echo "# $line" >&3
}

@test "the summary says how many traced packets an overflow lost: shown + lost = sent" {
	stalled_flood "${SMALL[@]}"
	[[ $line =~ \;\ ([0-9]+)\ of\ ([0-9]+)\ traced\ packets\ shown,\ ([0-9]+)\ lost ]]
	shown=${BASH_REMATCH[1]} traced=${BASH_REMATCH[2]} lostp=${BASH_REMATCH[3]}
	[ "$traced" -eq 20000 ]
	[ "$lostp" -gt 0 ]
	[ $((shown + lostp)) -eq 20000 ]
	[ "$shown" -eq "$(echo "$line" | cut -d" " -f2)" ]
}

# Issue 11: a burst the 16 MiB buffer loses most of fits a bigger one.
@test "--buffer-size 128: a stalled reader's 20,000-packet flood is shown whole" {
	stalled_flood --buffer-size 128
	! grep -q 'overflowed' "$IPTT_ERR"
	[[ $line =~ \ 0\ events\ lost\;\ 20000\ of\ 20000\ traced\ packets\ shown$ ]]
}

@test "--count: packets left out are not called lost; JSON --summary has traced and lost" {
	iptt_start --json --summary -c 1 "${FILTER[@]}"
	ip netns exec "$CLI" ping -q -n -c1 -W1 $SRV_IP >/dev/null
	iptt_wait_exit 5
	[ "$IPTT_RC" -eq 0 ]
	jq -e 'select(.summary) | .summary.traced == 1 and .summary.lost == 0' "$IPTT_OUT"
	grep -Eq '; 1 of 1 traced packets shown$' "$IPTT_ERR"
}
