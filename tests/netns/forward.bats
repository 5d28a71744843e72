#!/usr/bin/env bats
# Forwarded traffic through the router: NAT, user chains, marks, IPv6, and
# filters that catch both directions.

load lib

setup() { lab_setup; }
teardown() { lab_teardown; }

@test "forward: DNAT to the server and masquerade; -v's 'packet now' shows the rewrite" {
	load_nat_ruleset
	iptt_start -s $CLI_IP -p icmp
	ping_ok "$CLI" $VIP
	iptt_stop_ok

	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$VIP .*PROTO=ICMP TYPE=8 ")
	assert_lines "$b" \
		"nat pre (#1) ip daddr $VIP dnat to $SRV_IP => ACCEPT" \
		"DNAT by nat pre (#1): $VIP -> $SRV_IP" \
		"nat post (#1) oifname \"r1\" masquerade => ACCEPT" \
		"MASQUERADE by nat post (#1): $CLI_IP -> $RTR_IP2"
	# the change lines say it; the whole packet again only with -v
	refute_line_re "$b" "packet now"
	assert_blocks 1 "PROTO=ICMP TYPE=8 "

	# The rewritten packet, now routed out r1, one hop further.
	iptt_start -v -s $CLI_IP -p icmp
	ping_ok "$CLI" $VIP
	iptt_stop_ok
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$VIP .*PROTO=ICMP TYPE=8 ")
	assert_lines_re "$b" \
		"^  nat pre \(#1\) " \
		"^  DNAT by nat pre \(#1\): $VIP -> $SRV_IP$" \
		"^  packet now: IN=r0 OUT=r1 SRC=$CLI_IP DST=$SRV_IP .*TTL=63 .*PROTO=ICMP TYPE=8 " \
		"^  filter forward \(#1\) " \
		"^  nat post \(#1\) oifname \"r1\" masquerade => ACCEPT "
}

@test "forward: a TCP connection to the virtual IP is DNATed to the server" {
	load_nat_ruleset
	tcp_listen "$SRV" 8080
	iptt_start -s $CLI_IP -p tcp
	[ "$(tcp_connect "$CLI" $VIP 8080)" = hello ]
	iptt_stop_ok

	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$VIP .*PROTO=TCP .*DPT=8080 .* SYN ")
	assert_lines_re "$b" \
		"^  nat pre \(#1\) ip daddr $VIP dnat to $SRV_IP => ACCEPT$" \
		"^  DNAT by nat pre \(#1\): $VIP:8080 -> $SRV_IP:8080$" \
		"^  filter forward ACCEPT$" \
		"^  nat post \(#1\) oifname \"r1\" masquerade => ACCEPT$"
	# Later packets of the connection are NATed by conntrack, without the
	# nat chains.
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$VIP .*PROTO=TCP .*DPT=8080 .* ACK ")
	refute_line_re "$b" "^  nat (pre|post) "
}

@test "forward: jump to a user chain and return from it" {
	load_nat_ruleset
	iptt_start -s $CLI_IP -p icmp
	ping_ok "$CLI" $VIP
	iptt_stop_ok

	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$VIP .*TYPE=8 ")
	assert_lines "$b" \
		"filter forward (#1) ip protocol icmp counter jump icmpchk => jump icmpchk" \
		"filter icmpchk (#1) meta mark set 0x00000005 => continue" \
		"filter icmpchk (#2) return => return" \
		"filter forward ACCEPT" \
		"nat post (#1) oifname \"r1\" masquerade => ACCEPT"
}

@test "forward: a goto to a user chain whose verdict ends the walk" {
	rtr_nft <<-EOF
	table inet filter {
		chain from_client {
			icmp type echo-request counter accept
		}
		chain forward {
			type filter hook forward priority filter; policy drop;
			iifname "r0" goto from_client
			ct state established accept
		}
	}
	EOF
	iptt_start -p icmp
	ping_ok "$CLI" $SRV_IP
	iptt_stop_ok

	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*TYPE=8 ")
	assert_lines "$b" \
		"inet filter forward (#1) iifname \"r0\" goto from_client => goto from_client" \
		"inet filter from_client (#1) icmp type echo-request counter accept => ACCEPT"
	refute_line_re "$b" "^  inet filter forward (\(#2\)|DROP)"
	b=$(block "^IN=r1 OUT= SRC=$SRV_IP DST=$CLI_IP .*TYPE=0 ")
	assert_lines "$b" "inet filter forward (#2) ct state established accept => ACCEPT"
	refute_line_re "$b" "from_client"
}

@test "forward: a mark set in prerouting is matched by a later rule" {
	rtr_nft <<-EOF
	table ip mangle {
		chain pre {
			type filter hook prerouting priority mangle; policy accept;
			ip saddr $CLI_IP icmp type echo-request meta mark set 0x2a
		}
	}
	table ip filter {
		chain forward {
			type filter hook forward priority filter; policy drop;
			meta mark 0x2b accept
			meta mark 0x2a counter accept
			ct state established accept
		}
	}
	EOF
	iptt_start -p icmp
	ping_ok "$CLI" $SRV_IP
	iptt_stop_ok

	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*TYPE=8 ")
	assert_lines "$b" \
		"mangle pre (#1) ip saddr $CLI_IP icmp type echo-request meta mark set 0x0000002a => continue" \
		"mangle pre ACCEPT" \
		"filter forward (#2) meta mark 0x0000002a counter accept => ACCEPT"
	refute_line_re "$b" "\(#1\) meta mark 0x0000002b"
	# The reply carries no mark: it takes the conntrack rule.
	b=$(block "^IN=r1 OUT= SRC=$SRV_IP DST=$CLI_IP .*TYPE=0 ")
	assert_lines "$b" \
		"mangle pre ACCEPT" \
		"filter forward (#3) ct state established accept => ACCEPT"
	refute_line_re "$b" "meta mark set"
}

@test "forward: IPv6 ping through the router (-6)" {
	rtr_nft <<-EOF
	# family ip6, shown like ip: without the family
	table ip6 filter6 {
		chain forward {
			type filter hook forward priority filter; policy drop;
			icmpv6 type echo-request counter accept
			ct state established accept
		}
	}
	EOF
	iptt_start -6 -p icmpv6
	ping_ok "$CLI" $SRV_IP6
	ping_ok "$CLI" $SRV_IP
	iptt_stop_ok

	cli6=$(ip6_re $CLI_IP6) srv6=$(ip6_re $SRV_IP6)
	b=$(block "^IN=r0 OUT= SRC=$cli6 DST=$srv6 .*PROTO=ICMPv6 TYPE=128 ")
	assert_lines "$b" "filter6 forward (#1) icmpv6 type echo-request counter accept => ACCEPT"
	b=$(block "^IN=r1 OUT= SRC=$srv6 DST=$cli6 .*PROTO=ICMPv6 TYPE=129 ")
	assert_lines "$b" "filter6 forward (#2) ct state established accept => ACCEPT"
	# -6: the IPv4 ping is not traced.
	assert_blocks 0 "SRC=10\.99\."
}

@test "forward: 'host X' traces the request and its reply" {
	rtr_nft <<-EOF
	table ip filter {
		chain forward {
			type filter hook forward priority filter; policy accept;
			ip daddr $SRV_IP counter
			ip saddr $SRV_IP counter
		}
	}
	EOF
	iptt_start host $SRV_IP
	ip netns exec "$CLI" ping -q -n -c1 -W1 -e 4711 $SRV_IP >/dev/null
	iptt_stop_ok

	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*TYPE=8 CODE=0 ID=4711 SEQ=1$")
	assert_lines "$b" "filter forward (#1) ip daddr $SRV_IP counter => continue" "filter forward ACCEPT"
	b=$(block "^IN=r1 OUT= SRC=$SRV_IP DST=$CLI_IP .*TYPE=0 CODE=0 ID=4711 SEQ=1$")
	assert_lines "$b" "filter forward (#2) ip saddr $SRV_IP counter => continue" "filter forward ACCEPT"
	assert_blocks 2 "PROTO=ICMP "
}

@test "forward: -s traces one direction only" {
	iptt_start -s $CLI_IP -p icmp
	ip netns exec "$CLI" ping -q -n -c1 -W1 -e 4712 $SRV_IP >/dev/null
	iptt_stop_ok

	block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*TYPE=8 CODE=0 ID=4712 SEQ=1$" >/dev/null
	assert_blocks 0 "SRC=$SRV_IP "
	assert_blocks 1
}

@test "forward: -i traces only packets arriving on that interface" {
	iptt_start -i r1 -p icmp
	ping_ok "$CLI" $SRV_IP
	ping_ok "$SRV" $CLI_IP
	iptt_stop_ok

	# The reply to the client's ping and the server's own request.
	block "^IN=r1 OUT= SRC=$SRV_IP DST=$CLI_IP .*TYPE=0 " >/dev/null
	block "^IN=r1 OUT= SRC=$SRV_IP DST=$CLI_IP .*TYPE=8 " >/dev/null
	assert_blocks 0 "^IN=r0 "
	assert_blocks 2
}
