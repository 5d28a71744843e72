#!/usr/bin/env bats
# A Docker host: containers on the bridge docker0, br_netfilter on (as
# dockerd wants it), and the iptables-nft rules dockerd writes for a
# published port. With br_netfilter, a packet from a container crosses
# the ip hooks twice, once in the bridge pass (IN=docker0 OUT=, TTL not
# yet decremented) and once in the routed pass, under two trace ids. The
# tool must tell one story per packet and never invent a routing drop.
#
#   c1 (eth0) 172.17.0.2 --+
#                          docker0 172.17.0.1/16   host   eth0 10.99.5.1/24 -- out (eth0) 10.99.5.2
#   c2 (eth0) 172.17.0.3 --+   (veth2, veth3)                                   198.18.5.50 on lo
#
# The host publishes port 8080 -> c1:80.
#
# A frame from a container port is marked by the tool's bridge table, so
# a block starts with the port it came in by (IN=veth2), as a bridge
# chain sees it; the ip chains see IN=docker0.

load lib

HOST_UP=10.99.5.1 OUT_IP=10.99.5.2 FAR=198.18.5.50
C1_IP=172.17.0.2 C2_IP=172.17.0.3 BR_IP=172.17.0.1

setup() {
	[ -x "$IPTT_BIN" ] || { echo "# $IPTT_BIN is missing: run make" >&3; return 1; }
	LAB=${IPTT_NS_PREFIX:-iptt-$$}-${BATS_TEST_NUMBER}-$RANDOM
	# lib.bash's teardown deletes $CLI $RTR $SRV: the host is the router
	RTR=$LAB-host CLI=$LAB-c1 SRV=$LAB-out C2=$LAB-c2
	LAB_PIDS=()
	IPTT_PID=
	local ns i c
	for ns in "$RTR" "$CLI" "$C2" "$SRV"; do
		ip netns add "$ns"
		ip -n "$ns" link set lo up
	done
	ip netns exec "$RTR" sysctl -qw net.ipv4.ip_forward=1
	# br_netfilter is built in or loaded on this kernel, and its sysctls
	# are per namespace: this sets the lab host's only.
	[ -e /proc/sys/net/bridge ] ||
		{ echo "# no br_netfilter (/proc/sys/net/bridge)" >&3; return 1; }
	ip netns exec "$RTR" sysctl -qw net.bridge.bridge-nf-call-iptables=1
	[ "$(ip netns exec "$RTR" cat /proc/sys/net/bridge/bridge-nf-call-iptables)" = 1 ]
	ip -n "$RTR" link add docker0 type bridge
	ip -n "$RTR" addr add $BR_IP/16 dev docker0
	ip -n "$RTR" link set docker0 up
	i=2
	for c in "$CLI" "$C2"; do
		ip -n "$RTR" link add veth$i type veth peer name eth0 netns "$c"
		ip -n "$RTR" link set veth$i master docker0 up
		ip -n "$c" addr add 172.17.0.$i/16 dev eth0
		ip -n "$c" link set eth0 up
		ip -n "$c" route add default via $BR_IP
		i=$((i + 1))
	done
	ip -n "$RTR" link add eth0 type veth peer name eth0 netns "$SRV"
	ip -n "$RTR" addr add $HOST_UP/24 dev eth0
	ip -n "$RTR" link set eth0 up
	ip -n "$RTR" route add default via $OUT_IP
	ip -n "$SRV" addr add $OUT_IP/24 dev eth0
	ip -n "$SRV" addr add $FAR/32 dev lo
	ip -n "$SRV" link set eth0 up
	ip -n "$SRV" route add default via $HOST_UP
	load_docker_rules
}

teardown() {
	lab_teardown
	[ -n "${C2:-}" ] && [ -e "/run/netns/$C2" ] && ip netns del "$C2" 2>/dev/null
	return 0
}

# What dockerd (iptables-nft) writes for one container publishing 8080->80.
load_docker_rules() {
	ip netns exec "$RTR" iptables-nft-restore <<-EOF
	*nat
	:PREROUTING ACCEPT [0:0]
	:INPUT ACCEPT [0:0]
	:OUTPUT ACCEPT [0:0]
	:POSTROUTING ACCEPT [0:0]
	:DOCKER - [0:0]
	-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
	-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER
	-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
	-A POSTROUTING -s $C1_IP/32 -d $C1_IP/32 -p tcp -m tcp --dport 80 -j MASQUERADE
	-A DOCKER -i docker0 -j RETURN
	-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination $C1_IP:80
	COMMIT
	*filter
	:INPUT ACCEPT [0:0]
	:FORWARD DROP [0:0]
	:OUTPUT ACCEPT [0:0]
	:DOCKER - [0:0]
	:DOCKER-ISOLATION-STAGE-1 - [0:0]
	:DOCKER-ISOLATION-STAGE-2 - [0:0]
	:DOCKER-USER - [0:0]
	-A FORWARD -j DOCKER-USER
	-A FORWARD -j DOCKER-ISOLATION-STAGE-1
	-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
	-A FORWARD -o docker0 -j DOCKER
	-A FORWARD -i docker0 ! -o docker0 -j ACCEPT
	-A FORWARD -i docker0 -o docker0 -j ACCEPT
	-A DOCKER -d $C1_IP/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT
	-A DOCKER-ISOLATION-STAGE-1 -i docker0 ! -o docker0 -j DOCKER-ISOLATION-STAGE-2
	-A DOCKER-ISOLATION-STAGE-1 -j RETURN
	-A DOCKER-ISOLATION-STAGE-2 -o docker0 -j DROP
	-A DOCKER-ISOLATION-STAGE-2 -j RETURN
	-A DOCKER-USER -j RETURN
	COMMIT
	EOF
}

@test "docker: a container's packet to the outside is one story, masqueraded, forwarded out eth0" {
	iptt_start -s $C1_IP -p icmp
	ping_ok "$CLI" $FAR
	iptt_stop_ok

	assert_blocks 1 "PROTO=ICMP TYPE=8 "
	b=$(block "^IN=veth2 OUT= SRC=$C1_IP DST=$FAR .*TTL=64 .*PROTO=ICMP TYPE=8 ")
	assert_lines_re "$b" \
		"^  nat PREROUTING ACCEPT$" \
		"^  filter FORWARD \(#1\) -j DOCKER-USER => jump DOCKER-USER$" \
		"^  filter FORWARD \(#5\) -i docker0 ! -o docker0 -j ACCEPT => ACCEPT$" \
		"^  nat POSTROUTING \(#1\) -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE => ACCEPT$" \
		"^  MASQUERADE by nat POSTROUTING \(#1\): $C1_IP -> $HOST_UP$" \
		"^  => ACCEPT, forwarded out eth0$"
	refute_line_re "$b" "DROP"
}

@test "docker: the published port is DNATed to the container, its reply is one story" {
	tcp_listen "$CLI" 80
	iptt_start 'tcp and (port 8080 or port 80)'
	[ "$(tcp_connect "$SRV" $HOST_UP 8080)" = hello ]
	iptt_stop_ok

	b=$(block "^IN=eth0 OUT= SRC=$OUT_IP DST=$HOST_UP .*DPT=8080 .* SYN ")
	assert_lines_re "$b" \
		"^  nat DOCKER \(#2\) ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination $C1_IP:80 => ACCEPT$" \
		"^  DNAT by nat DOCKER \(#2\): $HOST_UP:8080 -> $C1_IP:80$" \
		"^  filter DOCKER \(#1\) -d $C1_IP/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT => ACCEPT$" \
		"^  => ACCEPT, forwarded out docker0$"
	# The container's SYN-ACK: bridge pass and routed pass in one story.
	assert_blocks 1 "^IN=veth2 OUT= SRC=$C1_IP DST=$OUT_IP .* ACK SYN "
	b=$(block "^IN=veth2 OUT= SRC=$C1_IP DST=$OUT_IP .* ACK SYN ")
	assert_lines_re "$b" \
		"^  filter FORWARD \(#5\) -i docker0 ! -o docker0 -j ACCEPT => ACCEPT$" \
		"^  => ACCEPT, forwarded out eth0$"
	refute_line_re "$b" "DROP"
	# No story of the routed pass alone, and no phantom drop anywhere.
	refute_line_re "$(cat "$IPTT_OUT")" "DROP by routing"
	refute_line_re "$(cat "$IPTT_OUT")" "^IN=docker0 OUT=eth0 "
}

@test "docker: container to container is bridged out the other container's port" {
	iptt_start -p icmp
	ping_ok "$CLI" $C2_IP
	iptt_stop_ok

	b=$(block "^IN=veth2 OUT= SRC=$C1_IP DST=$C2_IP .*TTL=64 .*PROTO=ICMP TYPE=8 ")
	assert_lines_re "$b" \
		"^  filter FORWARD \(#6\) -i docker0 -o docker0 -j ACCEPT => ACCEPT$" \
		"^  => ACCEPT, bridged out veth3$"
	refute_line_re "$b" "TTL=63"
	b=$(block "^IN=veth3 OUT= SRC=$C2_IP DST=$C1_IP .*PROTO=ICMP TYPE=0 ")
	assert_lines_re "$b" \
		"^  filter FORWARD \(#3\) -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT => ACCEPT$" \
		"^  => ACCEPT, bridged out veth2$"
	assert_blocks 2
}

@test "docker: --verdict accept keeps bridged packets, --verdict bridged names them" {
	iptt_start --verdict accept -p icmp
	ping_ok "$CLI" $C2_IP
	iptt_stop_ok
	block "^IN=veth2 OUT= SRC=$C1_IP DST=$C2_IP .*PROTO=ICMP TYPE=8 " >/dev/null
	assert_blocks 2

	iptt_start --verdict bridged,drop -p icmp
	ping_ok "$CLI" $C2_IP
	iptt_stop_ok
	assert_blocks 2
}

@test "docker: a container's packet to the host itself is one story, delivered locally" {
	iptt_start -s $C1_IP -p icmp
	ping_ok "$CLI" $BR_IP
	iptt_stop_ok

	assert_blocks 1 "PROTO=ICMP TYPE=8 "
	b=$(block "^IN=veth2 OUT= SRC=$C1_IP DST=$BR_IP .*PROTO=ICMP TYPE=8 ")
	assert_lines_re "$b" \
		"^  filter INPUT ACCEPT$" \
		"^  => ACCEPT, delivered locally$"
}

@test "docker: a routing drop after the bridge pass is real for a frame to the bridge" {
	ip -n "$RTR" route add prohibit 203.0.113.0/24
	iptt_start -s $C1_IP -p icmp
	ping_fail "$CLI" 203.0.113.1
	iptt_stop_ok

	b=$(block "^IN=veth2 OUT= SRC=$C1_IP DST=203.0.113.1 .*PROTO=ICMP TYPE=8 ")
	assert_lines_re "$b" \
		"^  nat PREROUTING ACCEPT$" \
		"^  => DROP by routing: a prohibit route to 203.0.113.1, after nat PREROUTING accepted it$"
}

@test "docker: a bridge-family forward chain is traced too" {
	ip netns exec "$RTR" nft -f - <<-EOF
	table bridge filter {
		chain forward {
			type filter hook forward priority 0; policy accept;
			ip protocol icmp counter
		}
	}
	EOF
	iptt_start -p icmp
	ping_ok "$CLI" $C2_IP
	iptt_stop_ok

	b=$(block "^IN=veth2 OUT= SRC=$C1_IP DST=$C2_IP .*PROTO=ICMP TYPE=8 ")
	assert_lines_re "$b" \
		"^  bridge filter forward \(#1\) ip protocol icmp counter => continue$" \
		"^  filter FORWARD \(#6\) -i docker0 -o docker0 -j ACCEPT => ACCEPT$" \
		"^  => ACCEPT, bridged out veth3$"
}

@test "docker: a bridge prerouting chain before br_netfilter is traced (bridge table armed)" {
	ip netns exec "$RTR" nft -f - <<-EOF
	table bridge early {
		chain pre {
			type filter hook prerouting priority -300; policy accept;
			ip protocol icmp counter
		}
	}
	EOF
	iptt_start -s $C1_IP -p icmp
	[ "$(iptt_tables)" = "table inet iptables-trace-$IPTT_PID
table bridge iptables-trace-$IPTT_PID" ]
	ping_ok "$CLI" $C2_IP
	iptt_stop_ok
	assert_no_iptt_table

	assert_blocks 1
	b=$(block "^IN=veth2 OUT= SRC=$C1_IP DST=$C2_IP .*PROTO=ICMP TYPE=8 ")
	assert_lines_re "$b" \
		"^  bridge early pre \(#1\) ip protocol icmp counter => continue$" \
		"^  bridge early pre ACCEPT$" \
		"^  nat PREROUTING ACCEPT$" \
		"^  filter FORWARD \(#6\) -i docker0 -o docker0 -j ACCEPT => ACCEPT$" \
		"^  => ACCEPT, bridged out veth3$"
}

@test "docker: -i names a bridge port, which only the bridge table can match" {
	iptt_start -i veth2 -p icmp
	ping_ok "$CLI" $C2_IP
	iptt_stop_ok

	assert_blocks 1
	b=$(block "^IN=veth2 OUT= SRC=$C1_IP DST=$C2_IP .*PROTO=ICMP TYPE=8 ")
	assert_lines_re "$b" \
		"^  filter FORWARD \(#6\) -i docker0 -o docker0 -j ACCEPT => ACCEPT$" \
		"^  => ACCEPT, bridged out veth3$"
}

# Issue 9 item 10: a bridged frame is marked by the bridge table and again
# by the inet rule that br_netfilter runs: it must count once.
@test "docker: bridged and routed packets each count once in N of M traced packets" {
	iptt_start -p icmp
	ping_ok "$CLI" $C2_IP
	ping_ok "$CLI" $FAR
	iptt_stop_ok
	assert_blocks 4
	[ "$(summary_field shown)" -eq 4 ]
	[ "$(summary_field traced)" -eq 4 ]
	[ "$(summary_field lost_packets)" -eq 0 ]
}
