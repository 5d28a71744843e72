#!/usr/bin/env bats
# Our netlink sockets have port ids, and any process with CAP_NET_ADMIN in
# the namespace (a container's root among them) can unicast to them: fake
# trace events, or lengths that libmnl 1.0.4 loops on forever. Only what
# the kernel sent (sender port id 0) may be read.

load lib

setup() {
	lab_setup
	INJECT=$BATS_TEST_TMPDIR/nl_inject
	cc -O2 -Wall -Wextra -Werror -o "$INJECT" "$IPTT_ROOT/tests/tools/nl_inject.c"
}
teardown() { lab_teardown; }

# The port id of the tool's socket in NFNLGRP_NFTRACE (group 9, bit 8).
trace_portid() {
	iptt_netlink_rows | awk '$2 == 12 && $4 == "00000100" { print $3; exit }'
}

@test "trace events from another process are dropped; a looping length does not hang the tool" {
	iptt_start -p icmp
	portid=$(trace_portid)
	[ -n "$portid" ]
	# a real trace event, replayed from the fixtures
	hex=$(od -An -v -tx1 "$IPTT_ROOT/tests/fixtures/nft-ip4-icmp-echo-accept.nlmsg" | tr -d ' \n')
	ip netns exec "$RTR" "$INJECT" "$portid" "$hex"
	# nlmsg_len 0xffffffff, type NFT_MSG_TRACE
	ip netns exec "$RTR" "$INJECT" "$portid" ffffffff110a000000000000000000000100000000000000
	sleep 0.3
	iptt_stop_ok
	[ "$(summary_field events)" -eq 0 ]
}
