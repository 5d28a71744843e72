# Sourced by demo.sh and bench.sh: the client -- router -- server wiring
# both labs share.
#
# lab_wire CLI RTR SRV NET: veth c0/r0 on NET.1.0/24 and r1/s0 on
# NET.2.0/24 (NET like 10.99), forwarding on in the router, default
# routes through it. The namespaces must exist.
lab_wire() {
	ip netns exec "$2" sysctl -qw net.ipv4.ip_forward=1
	ip -n "$2" link add r0 type veth peer name c0 netns "$1"
	ip -n "$2" link add r1 type veth peer name s0 netns "$3"
	ip -n "$1" addr add "$4.1.2/24" dev c0
	ip -n "$2" addr add "$4.1.1/24" dev r0
	ip -n "$2" addr add "$4.2.1/24" dev r1
	ip -n "$3" addr add "$4.2.2/24" dev s0
	ip -n "$1" link set c0 up
	ip -n "$2" link set r0 up
	ip -n "$2" link set r1 up
	ip -n "$3" link set s0 up
	ip -n "$1" route add default via "$4.1.1"
	ip -n "$3" route add default via "$4.2.1"
}
