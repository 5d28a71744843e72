#!/usr/bin/env bats
# Our tracing table is written in native nf_tables expressions: while we
# trace, other tools see a table that nft prints without warnings and
# that a saved ruleset loads back, and the packets traced are still the
# ones the filter selects.

load lib

setup() {
	lab_setup
	rtr_nft <<-EOF
	table inet filter {
		chain forward {
			type filter hook forward priority filter; policy accept;
			counter
		}
	}
	EOF
}
teardown() { lab_teardown; }

# listing_is_native: nft list ruleset in the router, now, prints our
# table without warnings or xt matches; the listing is kept in
# $BATS_TEST_TMPDIR/saved.nft for load_saved.
listing_is_native() {
	local out=$BATS_TEST_TMPDIR/saved.nft err=$BATS_TEST_TMPDIR/list.err
	ip netns exec "$RTR" nft list ruleset >"$out" 2>"$err"
	if [ -s "$err" ]; then
		echo "# nft list ruleset wrote on stderr:" >&3
		sed 's/^/#   /' "$err" >&3
		return 1
	fi
	grep -q "table inet iptables-trace-$IPTT_PID" "$out"
	grep -q "comment \"iptables-trace $IPTT_PID: tracing rules, removed when it exits\"" "$out"
	grep -q 'meta nftrace set 1' "$out"
	if grep -Eq 'xt match|xt target|managed by iptables-nft|libxtables' "$out"; then
		echo "# nft list ruleset shows xtables compat:" >&3
		sed 's/^/#   /' "$out" >&3
		return 1
	fi
}

# load_saved: the listing loads back with nft -f (check mode), in the
# router, once our owned table is gone (the kernel refuses changes to
# another socket's owned table, even a dry run's).
load_saved() {
	assert_no_iptt_table
	if ! ip netns exec "$RTR" nft -c -f "$BATS_TEST_TMPDIR/saved.nft" \
		2>"$BATS_TEST_TMPDIR/load.err"; then
		echo "# the saved ruleset does not load:" >&3
		sed 's/^/#   /' "$BATS_TEST_TMPDIR/load.err" >&3
		return 1
	fi
}

@test "icmp: nft lists our table natively, the listing loads back" {
	iptt_start icmp
	pid=$IPTT_PID
	listing_is_native
	# nft monitor trace beside us reads our rules for every packet
	ip netns exec "$RTR" timeout 5 nft monitor trace \
		>"$BATS_TEST_TMPDIR/mon.out" 2>"$BATS_TEST_TMPDIR/mon.err" 3>&- &
	mon=$!
	lab_track $mon
	sleep 0.3
	ping_ok "$CLI" $SRV_IP
	sleep 0.2
	kill $mon 2>/dev/null || true
	wait $mon 2>/dev/null || true
	iptt_stop_ok

	grep -q "trace id .* inet iptables-trace-$pid prerouting rule .*meta nftrace set 1" \
		"$BATS_TEST_TMPDIR/mon.out"
	if [ -s "$BATS_TEST_TMPDIR/mon.err" ]; then
		echo "# nft monitor trace wrote on stderr:" >&3
		sed 's/^/#   /' "$BATS_TEST_TMPDIR/mon.err" >&3
		return 1
	fi

	block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*TYPE=8 " >/dev/null
	block "^IN=r1 OUT= SRC=$SRV_IP DST=$CLI_IP .*TYPE=0 " >/dev/null
	load_saved
}

@test "-p tcp -d SRV: ports and addresses natively, only that traffic" {
	tcp_listen "$SRV" 22
	iptt_start -p tcp -d $SRV_IP "dst port 22"
	listing_is_native
	ping_ok "$CLI" $SRV_IP
	[ "$(tcp_connect "$CLI" $SRV_IP 22)" = hello ]
	iptt_stop_ok

	block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*PROTO=TCP .*DPT=22 .* SYN " >/dev/null
	# neither the ping nor the server's answers (source port 22)
	assert_blocks 0 'PROTO=ICMP'
	assert_blocks 0 "^IN=r1 "
	load_saved
}

@test "host SRV and udp: only UDP to or from the server" {
	iptt_start "host $SRV_IP and udp"
	listing_is_native
	ip netns exec "$CLI" sh -c "echo x | socat -T1 - UDP:$SRV_IP:5353" \
		2>/dev/null || true
	ip netns exec "$CLI" sh -c "echo x | socat -T1 - UDP:$RTR_IP1:5353" \
		2>/dev/null || true
	ping_ok "$CLI" $SRV_IP
	iptt_stop_ok

	block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*PROTO=UDP .*DPT=5353" >/dev/null
	assert_blocks 0 "DST=$RTR_IP1"
	assert_blocks 0 'PROTO=ICMP'
	load_saved
}

@test "IPv6 and a length: icmp6 and less 200, natively" {
	iptt_start "icmp6 and less 200"
	listing_is_native
	ping_ok "$CLI" $SRV_IP6
	ping_ok "$CLI" -s 400 $SRV_IP6
	iptt_stop_ok

	# the small echo only: the large one is over 200 bytes
	assert_blocks 1 "^IN=r0 OUT= SRC=$(ip6_re $CLI_IP6) DST=$(ip6_re $SRV_IP6) .*TYPE=128 "
	load_saved
}

@test "a filter the translation does not cover: xt bpf, said once" {
	iptt_start "ip[2:2] - 20 > 10"
	ping_ok "$CLI" $SRV_IP
	iptt_stop
	[ "$IPTT_RC" -eq 0 ]
	[ "$(grep -c 'falling back to the xt bpf match' "$IPTT_ERR")" -eq 1 ]
	block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*TYPE=8 " >/dev/null
}
