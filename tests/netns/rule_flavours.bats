#!/usr/bin/env bats
# The part-1 scenarios in three flavours: the router's firewall written
# with native nft, with iptables-nft/ip6tables-nft, and with
# iptables-legacy/ip6tables-legacy. The three rulesets do the same thing,
# so every flavour expects the same steps, positions and verdicts; only
# the rule text differs, and p2_check_all compares each step's text with
# the line iptables-save of that flavour (or `nft -s list chain`) prints
# for the rule at that position.
#
# Rules are appended and then others inserted before them, so positions
# are not the nft handles (asserted for the nf_tables flavours).

load lib
load legacy_lib

setup_file() { p2_setup_file; }
teardown_file() { p2_teardown_file; }
setup() { lab_setup; }
teardown() { lab_teardown; }

# ---------------------------------------------------------------- rulesets

# IPv4 router firewall:
#   mangle PREROUTING  #1 (inserted) 192.0.2.0/24 mark 7   #2 client's echo requests: mark 0x2a
#   nat    PREROUTING  #1 (inserted) unused udp DNAT       #2 VIP -> server
#   nat    POSTROUTING #1 masquerade out r1
#   filter FORWARD     #1 (inserted) established accept    #2 tcp 23 drop
#                      #3 icmp jump CHK                    #4 mark 0x2a accept; policy drop
#   filter CHK         #1 mark 0x2b drop                   #2 mark 0x2a return
#   filter INPUT       #1 (inserted) established accept    #2 lo accept
#                      #3 echo request accept; policy drop
#   filter OUTPUT      #1 echo reply accept
load_v4_iptables() {	# FLAVOUR
	ipt_restore "$1" 4 <<-EOF
	*mangle
	-A PREROUTING -s $CLI_IP/32 -p icmp -m icmp --icmp-type 8 -m comment --comment "proxy mark" -j MARK --set-mark 0x2a
	-I PREROUTING 1 -s 192.0.2.0/24 -j MARK --set-mark 0x7
	COMMIT
	*nat
	-A POSTROUTING -o r1 -j MASQUERADE
	-A PREROUTING -d $VIP/32 -j DNAT --to-destination $SRV_IP
	-I PREROUTING 1 -d 203.0.113.9/32 -p udp -m udp --dport 53 -j DNAT --to-destination 10.99.2.9:53
	COMMIT
	*filter
	:INPUT DROP [0:0]
	:FORWARD DROP [0:0]
	:CHK - [0:0]
	-A CHK -m mark --mark 0x2b -j DROP
	-A CHK -m mark --mark 0x2a -j RETURN
	-A FORWARD -p tcp -m tcp --dport 23 -j DROP
	-A FORWARD -p icmp -j CHK
	-A FORWARD -p icmp -m mark --mark 0x2a -m comment --comment "marked by mangle" -j ACCEPT
	-I FORWARD 1 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
	-A INPUT -i lo -j ACCEPT
	-A INPUT -p icmp -m icmp --icmp-type 8 -j ACCEPT
	-I INPUT 1 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
	-A OUTPUT -p icmp -m icmp --icmp-type 0 -j ACCEPT
	COMMIT
	EOF
}

load_v4_nft() {
	rtr_nft <<-EOF
	table ip mangle {
		chain pre { type filter hook prerouting priority mangle; policy accept; }
	}
	table ip nat {
		chain pre { type nat hook prerouting priority dstnat; policy accept; }
		chain post { type nat hook postrouting priority srcnat; policy accept; }
	}
	table ip filter {
		chain chk { }
		chain forward { type filter hook forward priority filter; policy drop; }
		chain input { type filter hook input priority filter; policy drop; }
		chain output { type filter hook output priority filter; policy accept; }
	}
	add rule ip mangle pre ip saddr $CLI_IP icmp type echo-request meta mark set 0x2a comment "proxy mark"
	insert rule ip mangle pre ip saddr 192.0.2.0/24 meta mark set 0x7
	add rule ip nat pre ip daddr $VIP dnat to $SRV_IP
	insert rule ip nat pre ip daddr 203.0.113.9 udp dport 53 dnat to 10.99.2.9:53
	add rule ip nat post oifname "r1" masquerade
	add rule ip filter chk meta mark 0x2b drop
	add rule ip filter chk meta mark 0x2a return
	add rule ip filter forward tcp dport 23 drop
	add rule ip filter forward ip protocol icmp jump chk
	add rule ip filter forward ip protocol icmp meta mark 0x2a accept comment "marked by mangle"
	insert rule ip filter forward ct state established,related accept
	add rule ip filter input iifname "lo" accept
	add rule ip filter input icmp type echo-request accept
	insert rule ip filter input ct state established,related accept
	add rule ip filter output icmp type echo-reply accept
	EOF
}

# IPv6 router firewall:
#   filter FORWARD #1 (inserted) established accept  #2 echo request accept
#                  #3 tcp 23 drop; policy drop
load_v6_iptables() {	# FLAVOUR
	ipt_restore "$1" 6 <<-EOF
	*filter
	:FORWARD DROP [0:0]
	-A FORWARD -p ipv6-icmp -m icmp6 --icmpv6-type 128 -m comment --comment "echo out" -j ACCEPT
	-A FORWARD -p tcp -m tcp --dport 23 -j DROP
	-I FORWARD 1 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
	COMMIT
	EOF
}

load_v6_nft() {
	rtr_nft <<-EOF
	table ip6 filter6 {
		chain forward { type filter hook forward priority filter; policy drop; }
	}
	add rule ip6 filter6 forward icmpv6 type echo-request accept comment "echo out"
	add rule ip6 filter6 forward tcp dport 23 drop
	insert rule ip6 filter6 forward ct state established,related accept
	EOF
}

# flavour F: F is native (nft), nft (iptables-nft) or legacy. Loads
# nothing; sets the chain names and the table map for p2_check_all.
flavour() {
	F=$1
	L=	# what a step's table starts with: "legacy " for x_tables
	[ "$F" = legacy ] && L='legacy '
	case $F in
	native)
		M_PRE=pre N_PRE=pre N_POST=post FWD=forward CHK=chk INP=input
		OUTP=output T6=filter6 FWD6=forward
		MAP4=(mangle=native nat=native filter=native)
		MAP6=(filter6=native)
		;;
	*)
		M_PRE=PREROUTING N_PRE=PREROUTING N_POST=POSTROUTING FWD=FORWARD
		CHK=CHK INP=INPUT OUTP=OUTPUT T6=filter FWD6=FORWARD
		MAP4=(raw=$F mangle=$F nat=$F filter=$F)
		MAP6=(raw=$F mangle=$F nat=$F filter=$F)
		;;
	esac
}

load_v4() { if [ "$F" = native ]; then load_v4_nft; else load_v4_iptables "$F"; fi; }
load_v6() { if [ "$F" = native ]; then load_v6_nft; else load_v6_iptables "$F"; fi; }

# The nf_tables flavours: the rules the test names by position have other
# handles, so a handle printed as a position would not go unnoticed.
assert_handles_differ() {
	[ "$F" = legacy ] && return 0
	local h
	h=$(nft_handle "$RTR" ip nat "$N_PRE" 2)
	[ -n "$h" ] && [ "$h" -ne 2 ]
	h=$(nft_handle "$RTR" ip filter "$FWD" 4)
	[ -n "$h" ] && [ "$h" -ne 4 ]
}

# Which backend the armed line names: legacy tables add "+legacy".
expected_backend() { if [ "$F" = legacy ]; then echo nft+legacy; else echo nft; fi; }

# ---------------------------------------------------------------- scenarios

# Forward: DNAT to the server, a mark set in mangle and matched in a user
# chain that returns, a mark rule accepting, masquerade out r1.
scenario_forward() {
	flavour "$1"
	load_v4
	assert_handles_differ
	p2_start -s $CLI_IP -p icmp
	assert_backend "$(expected_backend)"
	ping_ok "$CLI" $VIP
	p2_stop

	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$VIP .*PROTO=ICMP TYPE=8 ")
	assert_lines_re "$b" \
		"^  ${L}mangle $M_PRE \(#2\) .* => continue$" \
		"^  ${L}mangle $M_PRE ACCEPT$" \
		"^  ${L}nat $N_PRE \(#2\) .* => ACCEPT$" \
		"^  DNAT by ${L}nat $N_PRE \(#2\): $VIP -> $SRV_IP$" \
		"^  ${L}filter $FWD \(#3\) .* => jump $CHK$" \
		"^  ${L}filter $CHK \(#2\) .* => return$" \
		"^  ${L}filter $FWD \(#4\) .* => ACCEPT$" \
		"^  ${L}nat $N_POST \(#1\) .* => ACCEPT$" \
		"^  MASQUERADE by ${L}nat $N_POST \(#1\): $CLI_IP -> $RTR_IP2$" \
		"^  => ACCEPT, forwarded out r1$"
	# rules that did not match leave no step
	refute_line_re "$b" "^  ${L}(mangle $M_PRE|nat $N_PRE|filter $FWD|filter $CHK) \(#1\) "
	refute_line_re "$b" "^  ${L}filter $FWD \(#2\) "
	p2_check_all 4 "${MAP4[@]}"
	[ "$P2_CHECKED" -ge 6 ]
	assert_blocks 1 "PROTO=ICMP TYPE=8 "
}

# The same forward with -v: after DNAT the packet line shows the new
# destination, the TTL the router took off and the mark mangle set; the
# rules before the matching ones are listed as not matching (nf_tables
# steps also name their handle and raw verdict).
scenario_forward_verbose() {
	flavour "$1"
	load_v4
	p2_start -v -s $CLI_IP -p icmp
	ping_ok "$CLI" $VIP
	p2_stop

	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$VIP .*PROTO=ICMP TYPE=8 ")
	assert_lines_re "$b" \
		"^  DNAT by ${L}nat $N_PRE \(#2\): $VIP -> $SRV_IP$" \
		"^  packet now: IN=r0 OUT=r1 SRC=$CLI_IP DST=$SRV_IP .*TTL=63 .*MARK=0x2a( |$)" \
		"^  ${L}filter $FWD \(#1-#2 did not match\)$" \
		"^  ${L}filter $FWD \(#3\) .* => jump $CHK( \[handle .*\])?$" \
		"^  => ACCEPT, forwarded out r1$"
}

# Local traffic: the router's own address is pinged (INPUT, OUTPUT); a
# TCP connection to the VIP port 23 dies on a FORWARD rule, one to the
# router's port 24 on INPUT's policy.
scenario_local_and_drops() {
	flavour "$1"
	load_v4
	p2_start host $CLI_IP
	assert_backend "$(expected_backend)"
	ping_ok "$CLI" $RTR_IP1
	tcp_fails "$CLI" $VIP 23
	tcp_fails "$CLI" $RTR_IP1 24
	p2_stop

	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$RTR_IP1 .*PROTO=ICMP TYPE=8 ")
	assert_lines_re "$b" \
		"^  ${L}filter $INP \(#3\) .* => ACCEPT$" \
		"^  => ACCEPT, delivered locally$"
	refute_line_re "$b" "^  ${L}filter $INP \((#1|#2)\) "
	b=$(block "^IN= OUT=r0 SRC=$RTR_IP1 DST=$CLI_IP .*PROTO=ICMP TYPE=0 ")
	assert_lines_re "$b" \
		"^  ${L}filter $OUTP \(#1\) .* => ACCEPT$" \
		"^  => ACCEPT, sent out r0$"
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$VIP .*PROTO=TCP .*DPT=23 ")
	assert_lines_re "$b" \
		"^  DNAT by ${L}nat $N_PRE \(#2\): $VIP:23 -> $SRV_IP:23$" \
		"^  ${L}filter $FWD \(#2\) .* => DROP$" \
		"^  => DROP by ${L}filter $FWD \(#2\) "
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$RTR_IP1 .*PROTO=TCP .*DPT=24 ")
	assert_lines "$b" \
		"${L}filter $INP DROP" \
		"=> DROP by policy of ${L}filter $INP"
	p2_check_all 4 "${MAP4[@]}"
	[ "$P2_CHECKED" -ge 5 ]
}

# IPv6 forward: ICMPv6 echo accepted by a rule, its reply by the
# conntrack rule, TCP port 23 dropped by a rule, port 25 by the policy.
scenario_ipv6() {
	flavour "$1"
	load_v6
	shift
	# Neighbour discovery is left out: see the last test
	p2_start -6 "$@" "host $CLI_IP6 and (tcp or icmp6[icmp6type] == icmp6-echo or icmp6[icmp6type] == icmp6-echoreply)"
	ping_ok "$CLI" $SRV_IP6
	tcp_fails "$CLI" "[$SRV_IP6]" 23
	tcp_fails "$CLI" "[$SRV_IP6]" 25
	p2_stop

	# With --backend=legacy only x_tables report: the first one the
	# packet meets here is FORWARD, where it has its output interface.
	local o1= o0=
	if [ "${1:-}" = --backend=legacy ]; then o1='(r1)?' o0='(r0)?'; fi
	cli6=$(ip6_re $CLI_IP6) srv6=$(ip6_re $SRV_IP6)
	b=$(block "^IN=r0 OUT=$o1 SRC=$cli6 DST=$srv6 .*PROTO=ICMPv6 TYPE=128 ")
	assert_lines_re "$b" \
		"^  ${L}$T6 $FWD6 \(#2\) .* => ACCEPT$" \
		"^  => ACCEPT, forwarded out r1$"
	b=$(block "^IN=r1 OUT=$o0 SRC=$srv6 DST=$cli6 .*PROTO=ICMPv6 TYPE=129 ")
	assert_lines_re "$b" \
		"^  ${L}$T6 $FWD6 \(#1\) .* => ACCEPT$" \
		"^  => ACCEPT, forwarded out r0$"
	b=$(block "^IN=r0 OUT=$o1 SRC=$cli6 DST=$srv6 .*PROTO=TCP .*DPT=23 ")
	assert_lines_re "$b" "^  => DROP by ${L}$T6 $FWD6 \(#3\) "
	b=$(block "^IN=r0 OUT=$o1 SRC=$cli6 DST=$srv6 .*PROTO=TCP .*DPT=25 ")
	assert_lines "$b" "${L}$T6 $FWD6 DROP" "=> DROP by policy of ${L}$T6 $FWD6"
	p2_check_all 6 "${MAP6[@]}"
	[ "$P2_CHECKED" -ge 3 ]
	assert_blocks 0 "SRC=10\.99\."
}

# ---------------------------------------------------------------- tests

@test "native nft: forward with DNAT, mark, user chain jump/return, masquerade" {
	scenario_forward native
}

@test "iptables-nft: forward with DNAT, mark, user chain jump/return, masquerade" {
	scenario_forward nft
}

@test "iptables-legacy: forward with DNAT, mark, user chain jump/return, masquerade" {
	scenario_forward legacy
}

@test "native nft: -v shows the packet after DNAT, with its TTL and mark" {
	scenario_forward_verbose native
}

@test "iptables-nft: -v shows the packet after DNAT, with its TTL and mark" {
	scenario_forward_verbose nft
}

@test "iptables-legacy: -v shows the packet after DNAT, with its TTL and mark" {
	scenario_forward_verbose legacy
}

@test "native nft: local input and output, drop by rule and by policy" {
	scenario_local_and_drops native
}

@test "iptables-nft: local input and output, drop by rule and by policy" {
	scenario_local_and_drops nft
}

@test "iptables-legacy: local input and output, drop by rule and by policy" {
	scenario_local_and_drops legacy
}

@test "native nft: IPv6 forward, accept by rule and by conntrack, drop by rule and by policy" {
	scenario_ipv6 native
	assert_backend nft
}

@test "ip6tables-nft: IPv6 forward, accept by rule and by conntrack, drop by rule and by policy" {
	scenario_ipv6 nft
	assert_backend nft
}

@test "ip6tables-legacy (--backend=legacy): IPv6 forward, accept by rule and by conntrack, drop by rule and by policy" {
	scenario_ipv6 legacy --backend=legacy
	assert_backend legacy
}

# Two packets of one exchange that look alike to the legacy channel: the
# client's neighbour solicitation for the router (INPUT) and the router's
# advertisement in answer (OUTPUT) are both ICMPv6, 72 bytes, flow label
# 0, and carry the same target address. NFLOG events have no trace id,
# so the tool joins them to packets by their headers; it must not put
# the two into one block (with made-up "SNAT/DNAT by conntrack" lines
# between them), in either mode.
nd_scenario() {
	ipt legacy 6 -A INPUT -p ipv6-icmp -m comment --comment "nd in" -j ACCEPT
	ipt legacy 6 -A OUTPUT -p ipv6-icmp -m comment --comment "nd out" -j ACCEPT
	p2_start -6 -p icmpv6 "$@"
	ping_ok "$CLI" $RTR_IP6_1
	p2_stop

	cli6=$(ip6_re $CLI_IP6) rtr6=$(ip6_re $RTR_IP6_1)
	b=$(block "^IN=r0 OUT= SRC=$cli6 DST=.*PROTO=ICMPv6 TYPE=135 ")
	assert_lines "$b" \
		"legacy filter INPUT (#1) -p ipv6-icmp -m comment --comment \"nd in\" -j ACCEPT => ACCEPT" \
		"=> ACCEPT, delivered locally"
	refute_line_re "$b" "TYPE=136|filter OUTPUT|by conntrack"
	b=$(block "^IN= OUT=r0 SRC=$rtr6 DST=$cli6 .*PROTO=ICMPv6 TYPE=136 ")
	assert_lines "$b" \
		"legacy filter OUTPUT (#1) -p ipv6-icmp -m comment --comment \"nd out\" -j ACCEPT => ACCEPT" \
		"=> ACCEPT, sent out r0"
	refute_line_re "$b" "TYPE=135|filter INPUT|by conntrack|packet now"
}

@test "legacy, auto: a neighbour solicitation and the advertisement it causes are two blocks" {
	nd_scenario
	assert_backend nft+legacy
}

@test "legacy, --backend=legacy: a neighbour solicitation and the advertisement it causes are two blocks" {
	nd_scenario --backend=legacy
	assert_backend legacy
}
