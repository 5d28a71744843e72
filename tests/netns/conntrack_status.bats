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

# Issue 9 item 14: the conntrack line tells the state as the packet saw
# it. Legacy tables report no conntrack attributes, and the entry looked
# up at print time is already confirmed, with its reply seen.
@test "legacy only: a new flow's first packet says new, not the entry's later status" {
	ARMED_RE='^iptables-trace: tracing .* \(backend nft\+legacy\) \.\.\. press Ctrl-C to stop$'
	ip netns exec "$RTR" iptables-legacy -A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
	ip netns exec "$RTR" iptables-legacy -A FORWARD -p tcp --dport 8080 -j ACCEPT
	tcp_listen "$SRV" 8080
	iptt_start -p tcp -s $CLI_IP
	[ "$(tcp_connect "$CLI" $SRV_IP 8080)" = hello ]
	iptt_stop_ok
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*DPT=8080 .* SYN ")
	assert_lines "$b" "legacy filter FORWARD (#2) -p tcp -m tcp --dport 8080 -j ACCEPT => ACCEPT"
	assert_lines_re "$b" "^  conntrack: new, original direction$"
	refute_line_re "$b" "seen-reply|confirmed"
	# a later packet of the flow: established, as the kernel said
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*DPT=8080 .* ACK ")
	assert_lines_re "$b" "^  conntrack: established, original direction, status seen-reply"
}

# An ACK of no connection, with loose TCP tracking off (in the lab's
# router only): conntrack finds it invalid and gives it no entry.
invalid_ack_lab() {
	ip netns exec "$RTR" sysctl -qw net.netfilter.nf_conntrack_tcp_loose=0
	[ "$(ip netns exec "$RTR" sysctl -n net.netfilter.nf_conntrack_tcp_loose)" = 0 ]
}

# send_ack NS DST DPORT: one bare TCP ACK from NS, no connection behind it.
send_ack() {
	ip netns exec "$1" python3 - "$2" "$3" <<-'PY'
	import socket, struct, sys
	dst, dport = sys.argv[1], int(sys.argv[2])
	s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
	# sport 40404, seq 1, ack 1, offset 5, ACK, window 512, checksum by hand
	src = socket.inet_aton("10.99.1.2"); d = socket.inet_aton(dst)
	tcp = struct.pack("!HHIIBBHHH", 40404, dport, 1, 1, 5 << 4, 0x10, 512, 0, 0)
	pseudo = src + d + struct.pack("!BBH", 0, 6, len(tcp))
	data = pseudo + tcp
	c = sum(struct.unpack("!%dH" % (len(data) // 2), data))
	while c >> 16: c = (c & 0xffff) + (c >> 16)
	tcp = tcp[:16] + struct.pack("!H", ~c & 0xffff) + tcp[18:]
	s.sendto(tcp, (dst, 0))
	PY
}

@test "legacy only: an invalid packet says so, in text and JSON" {
	ARMED_RE='^iptables-trace: tracing .* \(backend nft\+legacy\) \.\.\. press Ctrl-C to stop$'
	invalid_ack_lab
	ip netns exec "$RTR" iptables-legacy -A FORWARD -m conntrack --ctstate INVALID -j DROP
	iptt_start --json -p tcp -s $CLI_IP
	# a connection first: conntrack at work here is then known
	tcp_fails "$CLI" $SRV_IP 9
	send_ack "$CLI" $SRV_IP 7777
	iptt_stop_ok
	j=$(jq -c 'select(.packet.dport == 7777)' "$IPTT_OUT")
	[ -n "$j" ] || { sed 's/^/#   /' "$IPTT_OUT" >&3; return 1; }
	[ "$(jq -r '.conntrack.state' <<<"$j")" = invalid ]
	[ "$(jq -r '.fate.kind' <<<"$j")" = drop ]
}

@test "nft: an invalid packet's conntrack line says invalid" {
	invalid_ack_lab
	rtr_nft <<-EOF
	table inet filter {
		chain forward {
			type filter hook forward priority filter; policy accept;
			ct state invalid counter drop
		}
	}
	EOF
	iptt_start -p tcp -s $CLI_IP
	tcp_fails "$CLI" $SRV_IP 9
	send_ack "$CLI" $SRV_IP 7777
	iptt_stop_ok
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*DPT=7777 ")
	assert_lines "$b" "conntrack: invalid (conntrack gave the packet no entry)"
	assert_lines_re "$b" "^  => DROP by inet filter forward \(#1\)"
}
