#!/usr/bin/env bats
# Issue 9 item 15: IPv6 extension headers. nf_tables trace events carry
# the first 40 bytes of the network header and the transport header after
# the extension headers, but not the protocol between them. The packet
# line must still name the upper protocol, in text and JSON, as the LOG
# target does.

load lib
load story_lib

setup() { lab_setup; }
teardown() { lab_teardown; }

# udp_hbh NS DST PORT: one UDP datagram with a hop-by-hop header (PadN).
udp_hbh() {
	ip netns exec "$1" python3 - "$2" "$3" <<-'PY'
	import socket, sys
	s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
	# next header (filled in by the kernel), length 0 (8 bytes), PadN of 4
	s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_HOPOPTS, bytes([0, 0, 1, 4, 0, 0, 0, 0]))
	s.sendto(b"hbh", (sys.argv[1], int(sys.argv[2])))
	PY
}

# mld_join NS IFACE GROUP: join GROUP, which makes the kernel send MLD
# reports (ICMPv6 behind a hop-by-hop router alert), and leave again.
mld_join() {
	ip netns exec "$1" python3 - "$2" "$3" <<-'PY'
	import socket, struct, sys, time
	s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
	mreq = socket.inet_pton(socket.AF_INET6, sys.argv[2]) + struct.pack("@I", socket.if_nametoindex(sys.argv[1]))
	s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, mreq)
	time.sleep(0.2)
	PY
}

@test "ipv6 ext: a forwarded UDP packet behind a hop-by-hop header names UDP and its ports" {
	iptt_start -6 src host $CLI_IP6
	udp_hbh "$CLI" $SRV_IP6 5555
	iptt_stop_ok
	b=$(block "^IN=r0 OUT= SRC=$(ip6_re $CLI_IP6) DST=$(ip6_re $SRV_IP6) .*PROTO=UDP SPT=[0-9]+ DPT=5555 ")
	refute_line_re "$b" "unknown"
}

@test "ipv6 ext: an MLD report names ICMPv6 and its type, in text and JSON" {
	iptt_start --ns "$CLI" -6
	mld_join "$CLI" c0 ff05::1234
	iptt_stop_ok
	block "^IN= OUT=c0 .*PROTO=ICMPv6 TYPE=143 " >/dev/null
	! grep -q 'behind IPv6 extension headers' "$IPTT_OUT"

	iptt_start --ns "$CLI" --json -6
	mld_join "$CLI" c0 ff05::1235
	iptt_stop_ok
	jq_ok "$IPTT_OUT" 'select(.packet.proto == "icmpv6" and .packet.icmp_type == 143) | true'
	[ "$(jq -c 'select(.packet.proto == null)' "$IPTT_OUT" | wc -l)" -eq 0 ]
}

@test "ipv6 ext: the upper-protocol rules keep the table native and loadable" {
	iptt_start -6 src host $CLI_IP6
	ip netns exec "$RTR" nft list ruleset >"$BATS_TEST_TMPDIR/rs.nft" 2>"$BATS_TEST_TMPDIR/rs.err"
	iptt_stop_ok
	[ ! -s "$BATS_TEST_TMPDIR/rs.err" ]
	grep -q 'meta l4proto ipv6-icmp ip6 nexthdr != ipv6-icmp' "$BATS_TEST_TMPDIR/rs.nft"
	ip netns exec "$RTR" nft -c -f "$BATS_TEST_TMPDIR/rs.nft"
}
