#!/usr/bin/env bats
# Issue 4, NAT and header changes: each change line names the step that
# made it, and its new value agrees with the router's conntrack table.
# A NATed connection's later packets, which no nat chain sees, still show
# their NAT, from conntrack.

load lib
load story_lib

setup() { lab_setup; }
teardown() { lab_teardown; }

# The virtual IP's port 80 is DNATed to the server's 8080, and what goes
# out r1 is SNATed to r1's address and a fixed source port. ICMP to the
# virtual IP goes to the server too, and is masqueraded.
load_nat_ruleset() {
	rtr_nft <<-EOF
	table ip nat {
		chain pre {
			type nat hook prerouting priority dstnat; policy accept;
			ip daddr $VIP tcp dport 80 dnat to $SRV_IP:8080
			ip daddr $VIP ip protocol icmp dnat to $SRV_IP
		}
		chain post {
			type nat hook postrouting priority srcnat; policy accept;
			oifname "r1" tcp dport 8080 snat to $RTR_IP2:40000
			oifname "r1" masquerade
		}
	}
	table inet filter {
		chain forward {
			type filter hook forward priority filter; policy drop;
			ct state established,related accept
			ct status dnat accept
		}
	}
	EOF
}

# change_to BLOCK RE: the "-> X" of the block's change line matching RE.
change_to() {
	local line
	line=$(printf '%s\n' "$1" | grep -E "$2") || {
		{ echo "# no change line matching: $2"; printf '%s\n' "$1" | sed 's/^/#   /'; } >&3
		return 1
	}
	echo "${line##* -> }"
}

@test "nat: ICMP DNAT and MASQUERADE lines agree with conntrack -L" {
	load_nat_ruleset
	iptt_start -s $CLI_IP -p icmp
	ip netns exec "$CLI" ping -q -n -c1 -W1 -e 6001 $VIP >/dev/null
	iptt_stop_ok

	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$VIP .*TYPE=8 CODE=0 ID=6001 ")
	assert_lines "$b" \
		"nat pre (#2) ip daddr $VIP ip protocol icmp dnat to $SRV_IP => ACCEPT" \
		"DNAT by nat pre (#2): $VIP -> $SRV_IP" \
		"nat post (#2) oifname \"r1\" masquerade => ACCEPT" \
		"MASQUERADE by nat post (#2): $CLI_IP -> $RTR_IP2" \
		"=> ACCEPT, forwarded out r1"

	ct=$(ct_list "$RTR" -p icmp --src $CLI_IP --icmp-id 6001)
	[ -n "$ct" ]
	[ "$(change_to "$b" '^  DNAT by nat pre ')" = "$(ct_field "$ct" src 2)" ]
	[ "$(change_to "$b" '^  MASQUERADE by nat post ')" = "$(ct_field "$ct" dst 2)" ]
	# The conntrack line shows the same tuples.
	assert_lines "$b" "conntrack: new, original direction, status dnat snat; original $(ct_field "$ct" src 1) -> $(ct_field "$ct" dst 1), reply $(ct_field "$ct" src 2) -> $(ct_field "$ct" dst 2)"
}

@test "nat: TCP DNAT and SNAT with ports agree with conntrack -L" {
	load_nat_ruleset
	tcp_listen "$SRV" 8080
	iptt_start -s $CLI_IP -p tcp
	[ "$(tcp_connect "$CLI" $VIP 80)" = hello ]
	iptt_stop_ok

	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$VIP .*DPT=80 .* SYN ")
	assert_lines_re "$b" \
		"^  nat pre \(#1\) ip daddr $VIP tcp dport 80 dnat to $SRV_IP:8080 => ACCEPT$" \
		"^  DNAT by nat pre \(#1\): $VIP:80 -> $SRV_IP:8080$" \
		"^  inet filter forward \(#2\) ct status dnat accept => ACCEPT$" \
		"^  nat post \(#1\) oifname \"r1\" tcp dport 8080 snat to $RTR_IP2:40000 => ACCEPT$" \
		"^  SNAT by nat post \(#1\): $CLI_IP:[0-9]+ -> $RTR_IP2:40000$" \
		"^  conntrack: new, original direction, status dnat snat; " \
		"^  => ACCEPT, forwarded out r1$"

	sport=$(printf '%s\n' "$b" | head -n 1 | sed -E 's/.* SPT=([0-9]+) .*/\1/')
	ct=$(ct_list "$RTR" -p tcp --src $CLI_IP --sport "$sport")
	[ -n "$ct" ]
	# one line per rewrite, address and port together
	[ "$(grep -c '^  [A-Z]* by ' <<<"$b")" -eq 2 ]
	refute_line_re "$b" "packet now"
	[ "$(change_to "$b" '^  DNAT by ')" = "$(ct_field "$ct" src 2):$(ct_field "$ct" sport 2)" ]
	[ "$(change_to "$b" '^  SNAT by ')" = "$(ct_field "$ct" dst 2):$(ct_field "$ct" dport 2)" ]
	assert_lines "$b" "conntrack: new, original direction, status dnat snat; original $CLI_IP:$sport -> $VIP:80, reply $SRV_IP:8080 -> $RTR_IP2:40000"
}

@test "nat: an established flow whose first packet was NATed shows its NAT from conntrack" {
	load_nat_ruleset
	tcp_listen "$SRV" 8080
	# Only packets without SYN: the traced ones never crossed a nat chain.
	iptt_start "tcp and (host $CLI_IP or host $SRV_IP) and tcp[tcpflags] & tcp-syn == 0"
	[ "$(tcp_connect "$CLI" $VIP 80)" = hello ]
	iptt_stop_ok

	assert_blocks 0 " SYN "
	tuples="original $CLI_IP:[0-9]+ -> $VIP:80, reply $SRV_IP:8080 -> $RTR_IP2:40000"
	# The client's first ACK.
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$VIP .*DPT=80 .* ACK ")
	assert_lines_re "$b" \
		"^  DNAT by conntrack \(NAT of the connection's first packet\): $VIP:80 -> $SRV_IP:8080$" \
		"^  inet filter forward \(#1\) ct state established,related accept => ACCEPT$" \
		"^  SNAT by conntrack \(NAT of the connection's first packet\): $CLI_IP:[0-9]+ -> $RTR_IP2:40000$" \
		"^  conntrack: established, original direction, status dnat snat seen-reply( assured)? confirmed; $tuples$" \
		"^  => ACCEPT, forwarded out r1$"
	refute_line_re "$b" "^  nat (pre|post)"
	# The server's data: conntrack undoes both NATs.
	b=$(block "^IN=r1 OUT= SRC=$SRV_IP DST=$RTR_IP2 .*SPT=8080 DPT=40000 .* PSH ")
	assert_lines_re "$b" \
		"^  DNAT by conntrack \(undoing SNAT\): $RTR_IP2:40000 -> $CLI_IP:[0-9]+$" \
		"^  SNAT by conntrack \(undoing DNAT\): $SRV_IP:8080 -> $VIP:80$" \
		"^  conntrack: established, reply direction, status dnat snat seen-reply assured confirmed; $tuples$" \
		"^  => ACCEPT, forwarded out r0$"
	refute_line_re "$b" "^  nat (pre|post)"
}

@test "nat: REDIRECT to a local port: change lines, conntrack, delivered locally" {
	rtr_nft <<-EOF
	table ip nat {
		chain pre {
			type nat hook prerouting priority dstnat; policy accept;
			tcp dport 8081 redirect to :9000
		}
	}
	table inet filter {
		chain input {
			type filter hook input priority filter; policy accept;
			tcp dport 9000 counter accept
		}
	}
	EOF
	tcp_listen "$RTR" 9000
	iptt_start -s $CLI_IP -p tcp
	[ "$(tcp_connect "$CLI" $SRV_IP 8081)" = hello ]
	iptt_stop_ok

	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*DPT=8081 .* SYN ")
	assert_lines_re "$b" \
		"^  nat pre \(#1\) tcp dport 8081 redirect to :9000 => ACCEPT$" \
		"^  REDIRECT by nat pre \(#1\): $SRV_IP:8081 -> $RTR_IP1:9000$" \
		"^  inet filter input \(#1\) tcp dport 9000 counter accept => ACCEPT$" \
		"^  conntrack: new, original direction, status dnat; " \
		"^  => ACCEPT, delivered locally$"
	sport=$(printf '%s\n' "$b" | head -n 1 | sed -E 's/.* SPT=([0-9]+) .*/\1/')
	ct=$(ct_list "$RTR" -p tcp --src $CLI_IP --sport "$sport")
	[ "$(change_to "$b" '^  REDIRECT by ')" = "$(ct_field "$ct" src 2):$(ct_field "$ct" sport 2)" ]
	# A later packet: NAT from conntrack, still delivered locally.
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*DPT=8081 .* ACK ")
	assert_lines_re "$b" \
		"^  DNAT by conntrack \(NAT of the connection's first packet\): $SRV_IP:8081 -> $RTR_IP1:9000$" \
		"^  conntrack: established, original direction, " \
		"^  => ACCEPT, delivered locally$"
}

@test "nat: REDIRECT with no input chain: the redirected packets are delivered locally" {
	rtr_nft <<-EOF
	table ip nat {
		chain pre {
			type nat hook prerouting priority dstnat; policy accept;
			tcp dport 8081 redirect to :9000
		}
	}
	EOF
	tcp_listen "$RTR" 9000
	iptt_start -s $CLI_IP -p tcp
	[ "$(tcp_connect "$CLI" $SRV_IP 8081)" = hello ]
	iptt_stop_ok

	# The connection reached the router's own socket: every packet of it
	# was delivered locally, whether or not a chain after nat saw it.
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*DPT=8081 .* SYN ")
	assert_lines "$b" "REDIRECT by nat pre (#1): $SRV_IP:8081 -> $RTR_IP1:9000"
	assert_fate "$b" "=> ACCEPT, delivered locally"
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*DPT=8081 .* ACK ")
	assert_lines "$b" "DNAT by conntrack (NAT of the connection's first packet): $SRV_IP:8081 -> $RTR_IP1:9000"
	assert_fate "$b" "=> ACCEPT, delivered locally"
}

@test "mangle: TTL and DSCP rewrites are shown with the rule that made them" {
	rtr_nft <<-EOF
	table ip mangle {
		chain forward {
			type filter hook forward priority mangle; policy accept;
			icmp type echo-request ip ttl set 5
			icmp type echo-request ip dscp set cs1
		}
		chain post {
			type filter hook postrouting priority mangle; policy accept;
		}
	}
	EOF
	iptt_start -s $CLI_IP -p icmp
	ping_ok "$CLI" $SRV_IP
	iptt_stop_ok

	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*TTL=64 .*TYPE=8 ")
	# The DSCP rule is not the chain's first match: the next chain's
	# snapshot shows its rewrite, after the rule.
	assert_lines_re "$b" \
		"^  mangle forward \(#2\) icmp type echo-request ip dscp set cs1 => continue$" \
		"^  DSCP by mangle forward \(#2\): TOS 0x00 -> 0x20$" \
		"^  mangle post ACCEPT$"
	refute_line_re "$b" "packet now"
	# The kernel snapshots a chain's headers with its first matching rule,
	# after that rule ran: the TTL rewrite shows up in forward's own
	# snapshot. It is still rule #1's doing, not conntrack's.
	refute_line_re "$b" "by conntrack"
	assert_lines_re "$b" "^  TTL by mangle forward \(#1\): TTL 6[34] -> 5$"
}

@test "mangle: a TTL rewrite in the last chain: seen only when it is the chain's first match" {
	rtr_nft <<-EOF
	table ip mangle {
		chain post {
			type filter hook postrouting priority mangle; policy accept;
			udp dport 7001 ip ttl set 9
			udp dport 7002 counter
			udp dport 7002 ip ttl set 8
		}
	}
	EOF
	iptt_start -s $CLI_IP -p udp
	udp_send "$CLI" $SRV_IP 7001
	udp_send "$CLI" $SRV_IP 7002
	iptt_stop_ok

	# dport 7002: the snapshot was taken at the counter, before the
	# rewrite, and no chain comes after: the rewrite is invisible, and
	# the tool must not make one up.
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*DPT=7002 ")
	assert_lines "$b" \
		"mangle post (#2) udp dport 7002 counter => continue" \
		"mangle post (#3) udp dport 7002 ip ttl set 8 => continue" \
		"mangle post ACCEPT"
	refute_line_re "$b" "TTL by|packet now"
	# dport 7001: the rule is post's first match, so its snapshot already
	# has TTL 9, and the change is rule #1's.
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*DPT=7001 ")
	refute_line_re "$b" "by conntrack|packet now"
	assert_lines_re "$b" "^  TTL by mangle post \(#1\): TTL 6[34] -> 9$"
}

@test "nat: one line per rewrite; the whole packet again ('packet now') only with -v" {
	load_nat_ruleset
	tcp_listen "$SRV" 8080
	iptt_start -v -s $CLI_IP -p tcp
	[ "$(tcp_connect "$CLI" $VIP 80)" = hello ]
	iptt_stop_ok

	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$VIP .*DPT=80 .* SYN ")
	assert_lines_re "$b" \
		"^  DNAT by nat pre \(#1\): $VIP:80 -> $SRV_IP:8080$" \
		"^  packet now: IN=r0 OUT=r1 SRC=$CLI_IP DST=$SRV_IP .*DPT=8080 " \
		"^  SNAT by nat post \(#1\): $CLI_IP:[0-9]+ -> $RTR_IP2:40000$"
	[ "$(grep -c '^  [A-Z]* by ' <<<"$b")" -eq 2 ]
}
