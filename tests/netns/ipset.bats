#!/usr/bin/env bats
# ipset matches, comments with spaces and quotes, and the other matches
# and targets iptables users write (conntrack, multiport, limit, mark,
# CONNMARK, LOG, REJECT, SNAT --random --persistent), in both iptables
# flavours. Each step's text must equal the flavour's iptables-save line
# for the rule at that position (p2_check_all).

load lib
load legacy_lib

setup_file() { p2_setup_file; }
teardown_file() { p2_teardown_file; }
setup() { lab_setup; }
teardown() { lab_teardown; }

# Sets live in the router's namespace, as ipset does it.
load_sets() {
	ip netns exec "$RTR" ipset restore <<-EOF
	create p2clients hash:ip family inet
	add p2clients $CLI_IP
	create p2none hash:net family inet
	create p2web hash:ip,port family inet
	add p2web $SRV_IP,tcp:8080
	create p2clients6 hash:ip family inet6
	add p2clients6 $CLI_IP6
	EOF
}

# filter FORWARD (policy accept):
#   #1 (inserted) src in the empty set p2none: drop
#   #2 icmp from a p2clients member: accept
#   #3 tcp to a p2web member, new, limited: LOG (continues)
#   #4 tcp not to a p2clients member, ports 8080/8081: accept
#   #5 tcp 9999: REJECT with tcp-reset
# mangle PREROUTING: #1 CONNMARK for p2clients, #2 MARK, limit
# nat POSTROUTING:   #1 SNAT --random --persistent for p2clients out r1
load_rules() {	# FLAVOUR
	ipt_restore "$1" 4 <<-'EOF'
	*mangle
	-A PREROUTING -m set --match-set p2clients src -m comment --comment "remember: client conn" -j CONNMARK --set-xmark 0x10/0xff
	-A PREROUTING -p tcp -m multiport --dports 8080,9999 -m limit --limit 100/sec --limit-burst 20 -j MARK --set-xmark 0x1/0x1
	COMMIT
	*nat
	-A POSTROUTING -o r1 -m set --match-set p2clients src -m comment --comment "snat clients, randomly" -j SNAT --to-source 10.99.2.1 --random --persistent
	COMMIT
	*filter
	-A FORWARD -p icmp -m set --match-set p2clients src -m comment --comment "clients may ping" -j ACCEPT
	-A FORWARD -p tcp -m set --match-set p2web dst,dst -m conntrack --ctstate NEW -m limit --limit 10/sec -m comment --comment "web via set: log new" -j LOG --log-prefix "p2 web: "
	-A FORWARD -p tcp -m set ! --match-set p2clients dst -m multiport --dports 8080,8081 -m comment --comment "say \"hello\" to web" -j ACCEPT
	-A FORWARD -p tcp -m tcp --dport 9999 -m comment --comment "no 9999 here" -j REJECT --reject-with tcp-reset
	-I FORWARD 1 -m set --match-set p2none src -m comment --comment "blocked nets" -j DROP
	COMMIT
	EOF
	ipt_restore "$1" 6 <<-'EOF'
	*filter
	:FORWARD DROP [0:0]
	-A FORWARD -p ipv6-icmp -m set --match-set p2clients6 src -m icmp6 --icmpv6-type 128 -m comment --comment "v6 clients may ping" -j ACCEPT
	-I FORWARD 1 -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "replies, of course" -j ACCEPT
	COMMIT
	EOF
}

scenario() {
	local F=$1 srv6 cli6 L=
	[ "$F" = legacy ] && L='legacy '
	load_sets
	load_rules "$F"
	tcp_listen "$SRV" 8080
	p2_start "host $CLI_IP or (host $CLI_IP6 and (tcp or icmp6[icmp6type] == icmp6-echo or icmp6[icmp6type] == icmp6-echoreply))"
	ping_ok "$CLI" $SRV_IP
	[ "$(tcp_connect "$CLI" $SRV_IP 8080)" = hello ]
	tcp_fails "$CLI" $SRV_IP 9999
	ping_ok "$CLI" $SRV_IP6
	p2_stop

	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*PROTO=ICMP TYPE=8 ")
	assert_lines_re "$b" \
		"^  ${L}mangle PREROUTING \(#1\) -m set --match-set p2clients src .* => continue$" \
		"^  ${L}filter FORWARD \(#2\) -p icmp -m set --match-set p2clients src -m comment --comment \"clients may ping\" -j ACCEPT => ACCEPT$" \
		"^  ${L}nat POSTROUTING \(#1\) .* => ACCEPT$" \
		"^  SNAT by ${L}nat POSTROUTING \(#1\): $CLI_IP -> $RTR_IP2$" \
		"^  => ACCEPT, forwarded out r1$"
	refute_line_re "$b" "^  ${L}filter FORWARD \(#1\) "

	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*PROTO=TCP .*DPT=8080 .* SYN ")
	assert_lines_re "$b" \
		"^  ${L}mangle PREROUTING \(#1\) .* => continue$" \
		"^  ${L}mangle PREROUTING \(#2\) -p tcp -m multiport --dports 8080,9999 .* => continue$" \
		"^  ${L}filter FORWARD \(#3\) .*-j LOG --log-prefix \"p2 web: \" => continue$" \
		"^  ${L}filter FORWARD \(#4\) .* => ACCEPT$" \
		"^  SNAT by ${L}nat POSTROUTING \(#1\): $CLI_IP:[0-9]+ -> $RTR_IP2:[0-9]+$"

	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*PROTO=TCP .*DPT=9999 .* SYN ")
	assert_lines_re "$b" \
		"^  ${L}filter FORWARD \(#5\) .* => REJECT$" \
		"^  => REJECT by ${L}filter FORWARD \(#5\) -p tcp -m tcp --dport 9999 -m comment --comment \"no 9999 here\" -j REJECT --reject-with tcp-reset$"

	cli6=$(ip6_re $CLI_IP6) srv6=$(ip6_re $SRV_IP6)
	b=$(block "^IN=r0 OUT= SRC=$cli6 DST=$srv6 .*PROTO=ICMPv6 TYPE=128 ")
	assert_lines_re "$b" \
		"^  ${L}filter FORWARD \(#2\) -p ipv6-icmp -m set --match-set p2clients6 src .* => ACCEPT$"
	b=$(block "^IN=r1 OUT= SRC=$srv6 DST=$cli6 .*PROTO=ICMPv6 TYPE=129 ")
	assert_lines_re "$b" \
		"^  ${L}filter FORWARD \(#1\) .*--comment \"replies, of course\" -j ACCEPT => ACCEPT$"

	p2_check_all 4 mangle=$F nat=$F filter=$F
	[ "$P2_CHECKED" -ge 12 ]
	p2_check_all 6 filter=$F mangle=$F
	[ "$P2_CHECKED" -ge 2 ]
}

@test "iptables-nft: ipset matches and comments, text equals iptables-nft-save" {
	scenario nft
	assert_backend nft
}

@test "iptables-legacy: ipset matches and comments, text equals iptables-legacy-save" {
	scenario legacy
	assert_backend nft+legacy
}
