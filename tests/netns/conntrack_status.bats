#!/usr/bin/env bats
# The conntrack line tells the connection's state and what NAT did to it,
# even when the NAT rule sits in a chain the base chain jumps to: the
# kernel attaches conntrack attributes to the first event of each base
# chain only, before the jump.

load lib

setup() { lab_setup; }
teardown() { lab_teardown; }

@test "masquerade in a jumped-to chain (kube-proxy's KUBE-POSTROUTING shape): status says snat" {
	rtr_nft <<-EOF
	table ip nat {
		chain post-masq {
			oifname "r1" masquerade
		}
		chain postrouting {
			type nat hook postrouting priority srcnat; policy accept;
			counter jump post-masq
		}
	}
	EOF
	iptt_start -p icmp -s $CLI_IP
	ping_ok "$CLI" $SRV_IP
	iptt_stop_ok
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*TYPE=8 ")
	assert_lines "$b" \
		"nat post-masq (#1) oifname \"r1\" masquerade => ACCEPT"
	assert_lines_re "$b" "^  conntrack: new, original direction, status [a-z -]*snat.*; original $CLI_IP -> $SRV_IP, reply $SRV_IP -> $RTR_IP2$"
}

@test "iptables-nft: MASQUERADE in a user chain of nat POSTROUTING: status says snat" {
	ip netns exec "$RTR" iptables-nft -t nat -N KUBE-POSTROUTING
	ip netns exec "$RTR" iptables-nft -t nat -A POSTROUTING -j KUBE-POSTROUTING
	ip netns exec "$RTR" iptables-nft -t nat -A KUBE-POSTROUTING -o r1 -j MASQUERADE
	iptt_start -p icmp -s $CLI_IP
	ping_ok "$CLI" $SRV_IP
	iptt_stop_ok
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*TYPE=8 ")
	assert_lines_re "$b" "^  conntrack: new, original direction, status [a-z -]*snat.*; original $CLI_IP -> $SRV_IP, reply $SRV_IP -> $RTR_IP2$"
}
