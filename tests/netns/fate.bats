#!/usr/bin/env bats
# Issue 4, fate: every block ends with one line that says what became of
# the packet, which step decided it, and the rule's text; a block whose
# fate no verdict tells completes after --quiet-time and says so.

load lib
load story_lib

setup() { lab_setup; }
teardown() { lab_teardown; }

@test "fate: DROP by an nft rule and by an iptables-nft rule" {
	rtr_nft <<-EOF
	table inet filter {
		chain forward {
			type filter hook forward priority filter; policy accept;
			ct state established,related accept
			tcp dport 23 counter drop
		}
	}
	EOF
	ip netns exec "$RTR" iptables-nft -A FORWARD -p tcp --dport 24 -j DROP
	iptt_start -s $CLI_IP -p tcp
	tcp_fails "$CLI" $SRV_IP 23
	tcp_fails "$CLI" $SRV_IP 24
	iptt_stop_ok

	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*DPT=23 .* SYN ")
	assert_lines "$b" "inet filter forward (#2) tcp dport 23 counter drop => DROP"
	assert_fate "$b" "=> DROP by inet filter forward (#2) tcp dport 23 counter drop"
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*DPT=24 .* SYN ")
	assert_fate "$b" "=> DROP by filter FORWARD (#1) -p tcp -m tcp --dport 24 -j DROP"
}

@test "fate: DROP by policy of a base chain" {
	rtr_nft <<-EOF
	table inet filter {
		chain input {
			type filter hook input priority filter; policy drop;
			tcp dport 22 accept
		}
	}
	EOF
	iptt_start -s $CLI_IP -p icmp
	ping_fail "$CLI" $RTR_IP1
	iptt_stop_ok

	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$RTR_IP1 .*TYPE=8 ")
	assert_lines "$b" "inet filter input DROP"
	assert_fate "$b" "=> DROP by policy of inet filter input"
}

@test "fate: REJECT by nft 'reject' (port unreachable and tcp reset)" {
	rtr_nft <<-EOF
	table inet filter {
		chain input {
			type filter hook input priority filter; policy accept;
			tcp dport 5555 reject
			tcp dport 5558 reject with tcp reset
		}
	}
	EOF
	iptt_start -s $CLI_IP -p tcp
	tcp_fails "$CLI" $RTR_IP1 5555
	tcp_fails "$CLI" $RTR_IP1 5558
	iptt_stop_ok

	# The kernel reports a drop; the step and the fate name the reject.
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$RTR_IP1 .*DPT=5555 .* SYN ")
	assert_lines "$b" "inet filter input (#1) tcp dport 5555 reject => REJECT"
	assert_fate "$b" "=> REJECT by inet filter input (#1) tcp dport 5555 reject"
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$RTR_IP1 .*DPT=5558 .* SYN ")
	assert_fate "$b" "=> REJECT by inet filter input (#2) tcp dport 5558 reject with tcp reset"
}

@test "fate: REJECT by iptables-nft -j REJECT, in INPUT and FORWARD" {
	ip netns exec "$RTR" iptables-nft -A INPUT -p tcp --dport 5559 -j REJECT
	ip netns exec "$RTR" iptables-nft -A FORWARD -p tcp --dport 5560 \
		-j REJECT --reject-with tcp-reset
	iptt_start -s $CLI_IP -p tcp
	tcp_fails "$CLI" $RTR_IP1 5559
	tcp_fails "$CLI" $SRV_IP 5560
	iptt_stop_ok

	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$RTR_IP1 .*DPT=5559 .* SYN ")
	assert_lines "$b" "filter INPUT (#1) -p tcp -m tcp --dport 5559 -j REJECT --reject-with icmp-port-unreachable => REJECT"
	assert_fate "$b" "=> REJECT by filter INPUT (#1) -p tcp -m tcp --dport 5559 -j REJECT --reject-with icmp-port-unreachable"
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*DPT=5560 .* SYN ")
	assert_fate "$b" "=> REJECT by filter FORWARD (#1) -p tcp -m tcp --dport 5560 -j REJECT --reject-with tcp-reset"
}

@test "fate: a plain drop whose rule text merely mentions 'reject' is a DROP" {
	# Nothing answers these packets: they vanish, they are not rejected.
	rtr_nft <<-EOF
	table inet filter {
		set reject_later {
			type ipv4_addr
			elements = { $CLI_IP }
		}
		chain forward {
			type filter hook forward priority filter; policy accept;
			ip saddr @reject_later tcp dport 25 drop
			tcp dport 26 drop comment "no reject here"
		}
	}
	EOF
	iptt_start -s $CLI_IP -p tcp
	tcp_fails "$CLI" $SRV_IP 25
	tcp_fails "$CLI" $SRV_IP 26
	iptt_stop_ok

	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*DPT=25 .* SYN ")
	assert_fate "$b" "=> DROP by inet filter forward (#1) ip saddr @reject_later tcp dport 25 drop"
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*DPT=26 .* SYN ")
	assert_fate "$b" "=> DROP by inet filter forward (#2) tcp dport 26 drop comment \"no reject here\""
}

@test "fate: delivered locally, with an input chain and with none" {
	rtr_nft <<-EOF
	table inet filter {
		chain input {
			type filter hook input priority filter; policy accept;
			ip daddr $RTR_IP1 icmp type echo-request counter accept
		}
	}
	EOF
	iptt_start -s $CLI_IP -p icmp
	ping_ok "$CLI" $RTR_IP1
	# r1's address is local too, but no input rule takes it: the policy
	# accepts it.
	ping_ok "$CLI" $RTR_IP2
	iptt_stop_ok

	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$RTR_IP1 .*TYPE=8 ")
	assert_fate "$b" "=> ACCEPT, delivered locally"
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$RTR_IP2 .*TYPE=8 ")
	assert_lines "$b" "inet filter input ACCEPT"
	assert_fate "$b" "=> ACCEPT, delivered locally"

	# No chain of the user's at all: the address tells.
	ip netns exec "$RTR" nft flush ruleset
	iptt_start -s $CLI_IP -p icmp
	ping_ok "$CLI" $RTR_IP1
	iptt_stop_ok
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$RTR_IP1 .*TYPE=8 ")
	assert_fate "$b" "=> ACCEPT, delivered locally"
}

@test "fate: forwarded out the interface routing chose" {
	rtr_nft <<-EOF
	table inet filter {
		chain forward {
			type filter hook forward priority filter; policy drop;
			ct state established,related accept
			icmp type echo-request accept
		}
	}
	EOF
	iptt_start -p icmp
	ping_ok "$CLI" $SRV_IP
	iptt_stop_ok

	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*TYPE=8 ")
	assert_fate "$b" "=> ACCEPT, forwarded out r1"
	b=$(block "^IN=r1 OUT= SRC=$SRV_IP DST=$CLI_IP .*TYPE=0 ")
	assert_fate "$b" "=> ACCEPT, forwarded out r0"
}

@test "fate: forwarded, when only a postrouting chain saw it (a masquerade-only router)" {
	# The commonest home router: no forward chain, one masquerade rule.
	# Postrouting is the last hook: a packet it accepts leaves by its
	# output interface.
	rtr_nft <<-EOF
	table ip nat {
		chain post {
			type nat hook postrouting priority srcnat; policy accept;
			oifname "r1" masquerade
		}
	}
	EOF
	iptt_start -s $CLI_IP -p icmp
	ping_ok "$CLI" $SRV_IP
	iptt_stop_ok

	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*TYPE=8 ")
	assert_lines "$b" "nat post (#1) oifname \"r1\" masquerade => ACCEPT" \
		"MASQUERADE by nat post (#1): $CLI_IP -> $RTR_IP2"
	assert_fate "$b" "=> ACCEPT, forwarded out r1"
}

@test "fate: sent out, for packets the router makes itself" {
	rtr_nft <<-EOF
	table inet filter {
		chain output {
			type filter hook output priority filter; policy accept;
			ip daddr $SRV_IP counter
		}
	}
	EOF
	iptt_start --chain OUTPUT -p icmp
	ip netns exec "$RTR" ping -q -n -c1 -W1 $SRV_IP >/dev/null
	ip netns exec "$RTR" ping -q -n -c1 -W1 $CLI_IP >/dev/null
	iptt_stop_ok

	b=$(block "^IN= OUT=r1 SRC=$RTR_IP2 DST=$SRV_IP .*TYPE=8 ")
	assert_lines "$b" "inet filter output (#1) ip daddr $SRV_IP counter => continue" \
		"inet filter output ACCEPT"
	assert_fate "$b" "=> ACCEPT, sent out r1"
	# The output chain has no rule for this one: its policy decides.
	b=$(block "^IN= OUT=r0 SRC=$RTR_IP1 DST=$CLI_IP .*TYPE=8 ")
	assert_fate "$b" "=> ACCEPT, sent out r0"
}

# A later input chain shows whether the kernel let the packet go on.
load_queue_ruleset() {
	rtr_nft <<-EOF
	table inet late {
		chain input {
			type filter hook input priority 10; policy accept;
			udp dport 5550-5559 counter
		}
	}
	EOF
	# This kernel has no nft 'queue' expression (CONFIG_NFT_QUEUE unset);
	# iptables-nft's NFQUEUE (xt target through nf_tables) works.
	ip netns exec "$RTR" iptables-nft -A INPUT -p udp --dport "$1" \
		-j NFQUEUE --queue-num 5 "${@:2}"
}

late_counter() {
	ip netns exec "$RTR" nft list chain inet late input |
		sed -nE 's/.*counter packets ([0-9]+) .*/\1/p'
}

@test "fate: QUEUE with nobody listening: the kernel drops the packet" {
	load_queue_ruleset 5557
	iptt_start -s $CLI_IP -p udp
	udp_send "$CLI" $RTR_IP1 5557
	iptt_stop_ok

	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$RTR_IP1 .*PROTO=UDP .*DPT=5557 ")
	assert_lines "$b" \
		"filter INPUT (#1) -p udp -m udp --dport 5557 -j NFQUEUE --queue-num 5 => QUEUE"
	assert_fate "$b" "=> QUEUE by filter INPUT (#1) -p udp -m udp --dport 5557 -j NFQUEUE --queue-num 5"
	refute_line_re "$b" "inet late input"
	assert_blocks 1 "DPT=5557 "
	[ "$(late_counter)" -eq 0 ]
}

@test "fate: QUEUE --queue-bypass with nobody listening: the packet goes on and is delivered" {
	load_queue_ruleset 5556 --queue-bypass
	iptt_start -s $CLI_IP -p udp
	udp_send "$CLI" $RTR_IP1 5556
	iptt_stop_ok

	# The kernel reports QUEUE, finds no listener, and goes on with the
	# next chain: the packet is delivered, and its block must say so.
	[ "$(late_counter)" -eq 1 ]
	assert_blocks 1 "DPT=5556 "
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$RTR_IP1 .*PROTO=UDP .*DPT=5556 ")
	assert_lines "$b" \
		"filter INPUT (#1) -p udp -m udp --dport 5556 -j NFQUEUE --queue-num 5 --queue-bypass => QUEUE" \
		"inet late input (#1) udp dport 5550-5559 counter => continue" \
		"inet late input ACCEPT"
	assert_fate "$b" "=> ACCEPT, delivered locally"
}

@test "fate: QUEUE to a listener that accepts: queued, then delivered after the verdict" {
	load_queue_ruleset 5555
	# The listener takes 0.3 s to decide, as a real one may: the tool has
	# finished the QUEUE block by then. (With an instant verdict, the
	# reinjected steps may land in the same block: see the bypass test.)
	nfq_listen "$RTR" 5 1 0.3
	iptt_start -s $CLI_IP -p udp
	udp_send "$CLI" $RTR_IP1 5555
	for i in $(seq 40); do [ "$(late_counter)" -eq 1 ] && break; sleep 0.05; done
	iptt_stop_ok

	[ "$(late_counter)" -eq 1 ]
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$RTR_IP1 .*PROTO=UDP .*DPT=5555 ")
	assert_lines "$b" \
		"filter INPUT (#1) -p udp -m udp --dport 5555 -j NFQUEUE --queue-num 5 => QUEUE"
	# While the listener holds it, the packet's fate is the queue. Once
	# reinjected it walks the later chain, and the last word is the
	# delivery (the tool prints that passage as a block of its own).
	assert_fate "$b" "=> QUEUE by filter INPUT (#1) -p udp -m udp --dport 5555 -j NFQUEUE --queue-num 5"
	n=$(blocks_matching "DPT=5555 ")
	last=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$RTR_IP1 .*PROTO=UDP .*DPT=5555 " "$n")
	assert_lines "$last" "inet late input (#1) udp dport 5550-5559 counter => continue"
	assert_fate "$last" "=> ACCEPT, delivered locally"
}

@test "fate: STOLEN by nft synproxy, which answers the SYN itself" {
	rtr_nft <<-EOF
	table inet sp {
		chain pre {
			type filter hook prerouting priority raw; policy accept;
			tcp dport 80 tcp flags syn notrack
		}
		chain input {
			type filter hook input priority filter; policy accept;
			tcp dport 80 ct state invalid,untracked synproxy mss 1460 wscale 7 timestamp sack-perm
		}
	}
	EOF
	iptt_start -s $CLI_IP -p tcp
	tcp_connect "$CLI" $RTR_IP1 80 -q 0.3 >/dev/null || true
	iptt_stop_ok

	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$RTR_IP1 .*DPT=80 .* SYN ")
	assert_lines "$b" \
		"inet sp pre (#1) tcp dport 80 tcp flags syn notrack => continue" \
		"inet sp input (#1) tcp dport 80 ct state invalid,untracked synproxy mss 1460 wscale 7 timestamp sack-perm => STOLEN" \
		"conntrack: untracked, original direction"
	assert_fate "$b" "=> STOLEN by inet sp input (#1) tcp dport 80 ct state invalid,untracked synproxy mss 1460 wscale 7 timestamp sack-perm"
}

@test "quiet time: a known fate completes at once, even with a long --quiet-time" {
	rtr_nft <<-EOF
	table inet filter {
		chain forward {
			type filter hook forward priority filter; policy accept;
			tcp dport 23 drop
		}
	}
	EOF
	iptt_start --quiet-time 5000 --count 2 -s $CLI_IP
	t0=$(now_ns)
	ping_ok "$CLI" $SRV_IP
	tcp_fails "$CLI" $SRV_IP 23
	iptt_wait_exit 4
	ms=$(elapsed_ms "$t0")
	[ "$IPTT_RC" -eq 0 ]
	# tcp_fails itself takes 0.3 s
	[ "$ms" -lt 1500 ] || { echo "# took $ms ms" >&3; false; }
	assert_fate "$(block "TYPE=8 ")" "=> ACCEPT, forwarded out r1"
	assert_fate "$(block "DPT=23 ")" "=> DROP by inet filter forward (#1) tcp dport 23 drop"
}

@test "quiet time: accepted in prerouting, then no route: the block completes after --quiet-time" {
	rtr_nft <<-EOF
	table inet mangle {
		chain pre {
			type filter hook prerouting priority mangle; policy accept;
			ip daddr 203.0.113.5 counter
		}
		chain forward {
			type filter hook forward priority filter; policy accept;
		}
	}
	EOF
	iptt_start --quiet-time 700 --count 1 -s $CLI_IP -p icmp
	t0=$(now_ns)
	# The router has no route there: it answers "net unreachable".
	ping_fail "$CLI" 203.0.113.5
	iptt_wait_exit 4
	ms=$(elapsed_ms "$t0")
	[ "$IPTT_RC" -eq 0 ]
	[ "$ms" -ge 700 ] && [ "$ms" -lt 1700 ] || { echo "# took $ms ms" >&3; false; }

	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=203\.0\.113\.5 .*TYPE=8 ")
	assert_lines "$b" "inet mangle pre (#1) ip daddr 203.0.113.5 counter => continue" \
		"inet mangle pre ACCEPT"
	# no chain decided, so the routing table is asked, and it has no route
	assert_fate "$b" "=> DROP by routing: no route to 203.0.113.5, after inet mangle pre accepted it"
}

@test "quiet time: events stop in the middle of a chain: fate unknown after --quiet-time" {
	# The second rule turns tracing off: no verdict is ever reported.
	rtr_nft <<-EOF
	table inet mangle {
		chain forward {
			type filter hook forward priority filter; policy accept;
			udp dport 7000 counter
			udp dport 7000 meta nftrace set 0
		}
	}
	EOF
	iptt_start --quiet-time 600 --count 1 -s $CLI_IP -p udp
	t0=$(now_ns)
	udp_send "$CLI" $SRV_IP 7000
	iptt_wait_exit 4
	ms=$(elapsed_ms "$t0")
	[ "$IPTT_RC" -eq 0 ]
	[ "$ms" -ge 600 ] && [ "$ms" -lt 1600 ] || { echo "# took $ms ms" >&3; false; }

	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*DPT=7000 ")
	assert_lines "$b" "inet mangle forward (#1) udp dport 7000 counter => continue"
	assert_fate "$b" "=> fate unknown: no verdict followed inet mangle forward within 600 ms"
}

@test "quiet time: no chain saw a packet that routing dropped: the fate says routing dropped it" {
	# No ruleset at all: only the tool's own chain sees the packet, and
	# the router has no route to 203.0.113.5 (the client gets "net
	# unreachable"). The routing table tells the tool where it went.
	iptt_start --quiet-time 300 -s $CLI_IP -p icmp
	ping_fail "$CLI" 203.0.113.5
	iptt_stop_ok

	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=203\.0\.113\.5 .*TYPE=8 ")
	assert_fate "$b" "=> DROP by routing: no route to 203.0.113.5; no chain in this namespace saw the packet"
	refute_line_re "$b" "routed on"
}
