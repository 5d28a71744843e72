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

	iptt_start "${FILTER[@]}"
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
