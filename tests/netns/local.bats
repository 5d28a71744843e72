#!/usr/bin/env bats
# Traffic to and from the router itself: input and output chains.

load lib

setup() {
	lab_setup
	rtr_nft <<-EOF
	table inet filter {
		chain input {
			type filter hook input priority filter; policy drop;
			ct state established,related accept
			iifname "lo" accept
			icmp type echo-request counter accept
		}
		chain output {
			type filter hook output priority filter; policy accept;
			ip daddr $CLI_IP meta mark set 0x7
		}
		chain forward {
			type filter hook forward priority filter; policy accept;
			counter
		}
	}
	EOF
}
teardown() { lab_teardown; }

@test "local input: a ping to the router is accepted by the input chain" {
	iptt_start -p icmp
	ip netns exec "$CLI" ping -q -n -c1 -W1 -e 5001 $RTR_IP1 >/dev/null
	iptt_stop_ok

	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$RTR_IP1 .*TYPE=8 CODE=0 ID=5001 SEQ=1$")
	assert_lines "$b" "inet filter input (#3) icmp type echo-request counter accept => ACCEPT"
	refute_line_re "$b" "inet filter (forward|output)"
	# The router's answer leaves through output.
	b=$(block "^IN= OUT=r0 SRC=$RTR_IP1 DST=$CLI_IP .*TYPE=0 CODE=0 ID=5001 SEQ=1$")
	assert_lines "$b" \
		"inet filter output (#1) ip daddr $CLI_IP meta mark set 0x00000007 => continue" \
		"inet filter output ACCEPT"
	refute_line_re "$b" "inet filter (forward|input)"
}

@test "local output: a ping from the router, and its reply coming back in" {
	iptt_start -p icmp
	ip netns exec "$RTR" ping -q -n -c1 -W1 -e 5002 $CLI_IP >/dev/null
	iptt_stop_ok

	b=$(block "^IN= OUT=r0 SRC=$RTR_IP1 DST=$CLI_IP .*TYPE=8 CODE=0 ID=5002 SEQ=1$")
	assert_lines "$b" \
		"inet filter output (#1) ip daddr $CLI_IP meta mark set 0x00000007 => continue" \
		"inet filter output ACCEPT"
	refute_line_re "$b" "inet filter (forward|input)"
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$RTR_IP1 .*TYPE=0 CODE=0 ID=5002 SEQ=1$")
	assert_lines "$b" "inet filter input (#1) ct state established,related accept => ACCEPT"
	assert_blocks 2 "PROTO=ICMP "
}

@test "local: --chain OUTPUT traces only locally generated packets" {
	iptt_start --chain OUTPUT -p icmp
	ip netns exec "$RTR" ping -q -n -c1 -W1 -e 5003 $CLI_IP >/dev/null
	ip netns exec "$CLI" ping -q -n -c1 -W1 -e 5004 $RTR_IP1 >/dev/null
	iptt_stop_ok

	block "^IN= OUT=r0 SRC=$RTR_IP1 DST=$CLI_IP .*TYPE=8 CODE=0 ID=5003 " >/dev/null
	block "^IN= OUT=r0 SRC=$RTR_IP1 DST=$CLI_IP .*TYPE=0 CODE=0 ID=5004 " >/dev/null
	assert_blocks 0 "^IN=r"
	assert_blocks 2
}

@test "local: --chain PREROUTING traces only arriving packets" {
	iptt_start --chain PREROUTING -p icmp
	ip netns exec "$RTR" ping -q -n -c1 -W1 -e 5005 $CLI_IP >/dev/null
	ip netns exec "$CLI" ping -q -n -c1 -W1 -e 5006 $RTR_IP1 >/dev/null
	iptt_stop_ok

	block "^IN=r0 OUT= SRC=$CLI_IP DST=$RTR_IP1 .*TYPE=0 CODE=0 ID=5005 " >/dev/null
	block "^IN=r0 OUT= SRC=$CLI_IP DST=$RTR_IP1 .*TYPE=8 CODE=0 ID=5006 " >/dev/null
	assert_blocks 0 "^IN= OUT="
	assert_blocks 2
}

# Over lo a packet keeps the route its output gave it; the kernel
# refuses an input lookup from lo for a 127.0.0.0/8 source, which was
# printed as "DROP by routing: no forwarding".
@test "local: a packet back in over lo that no chain saw is delivered, not a routing drop" {
	ip netns exec "$RTR" nft delete chain inet filter input
	iptt_start udp port 7000
	ip netns exec "$RTR" bash -c "echo x >/dev/udp/127.0.0.1/7000; echo y >/dev/udp/$RTR_IP1/7000" 2>/dev/null || true
	iptt_stop_ok
	b=$(block "^IN=lo OUT= SRC=127.0.0.1 DST=127.0.0.1 .*DPT=7000 ")
	assert_lines "$b" "=> ACCEPT, delivered locally"
	b=$(block "^IN=lo OUT= SRC=$RTR_IP1 DST=$RTR_IP1 .*DPT=7000 ")
	assert_lines "$b" "=> ACCEPT, delivered locally"
	! grep -q "DROP by routing" "$IPTT_OUT"
}
