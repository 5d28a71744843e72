#!/usr/bin/env bats
# A mixed host, as with Docker or kube-proxy on legacy and firewalld on
# nft: nat on iptables-legacy (DNAT + MASQUERADE), filter on iptables-nft,
# and a native inet table with chains on both sides of them. One packet's
# block holds the steps of all three, in the kernel's order: hook by hook,
# and within a hook by priority, whichever channel each step came over.

load lib
load legacy_lib

setup_file() { p2_setup_file; }
teardown_file() { p2_teardown_file; }
setup() { lab_setup; }
teardown() { lab_teardown; }

#   prerouting:  inet fw early (-160)  legacy nat PREROUTING (-100)  inet fw late (-50)
#   forward:     iptables-nft filter FORWARD (0)  inet fw forward (10)
#   postrouting: legacy nat POSTROUTING (100)  inet fw post (200)
load_mixed() {
	ipt_restore legacy 4 <<-EOF
	*nat
	-A PREROUTING -d $VIP/32 -p icmp -m comment --comment "legacy dnat" -j DNAT --to-destination $SRV_IP
	-I PREROUTING 1 -d 203.0.113.9/32 -j DNAT --to-destination 10.99.2.9
	-A POSTROUTING -o r1 -j MASQUERADE
	COMMIT
	EOF
	ipt_restore nft 4 <<-EOF
	*filter
	:FORWARD DROP [0:0]
	-A FORWARD -p icmp -m comment --comment "iptables-nft filter" -j ACCEPT
	-I FORWARD 1 -p tcp -m tcp --dport 23 -j DROP
	COMMIT
	EOF
	rtr_nft <<-EOF
	table inet fw {
		chain early {
			type filter hook prerouting priority -160; policy accept;
			ip daddr $VIP counter comment "native, before nat"
		}
		chain late {
			type filter hook prerouting priority -50; policy accept;
			ip daddr $SRV_IP counter comment "native, after dnat"
		}
		chain forward {
			type filter hook forward priority 10; policy accept;
			ip saddr 192.0.2.1 drop
			oifname "r1" ip protocol icmp counter accept
		}
		chain post {
			type filter hook postrouting priority 200; policy accept;
			ip saddr $RTR_IP2 counter comment "native, after masquerade"
		}
	}
	EOF
}

@test "mixed host: legacy nat, iptables-nft filter and native inet steps of one packet, in kernel order" {
	load_mixed
	p2_start -s $CLI_IP -p icmp
	assert_backend nft+legacy
	ping_ok "$CLI" $VIP
	p2_stop

	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$VIP .*PROTO=ICMP TYPE=8 ")
	# every step, nothing else between the first and the fate
	assert_lines "$b" \
		"inet fw early (#1) ip daddr $VIP counter comment \"native, before nat\" => continue" \
		"inet fw early ACCEPT" \
		"legacy nat PREROUTING (#2) -d $VIP/32 -p icmp -m comment --comment \"legacy dnat\" -j DNAT --to-destination $SRV_IP => ACCEPT" \
		"DNAT by legacy nat PREROUTING (#2): $VIP -> $SRV_IP" \
		"inet fw late (#1) ip daddr $SRV_IP counter comment \"native, after dnat\" => continue" \
		"inet fw late ACCEPT" \
		"filter FORWARD (#2) -p icmp -m comment --comment \"iptables-nft filter\" -j ACCEPT => ACCEPT" \
		"inet fw forward (#2) oifname \"r1\" ip protocol icmp counter accept => ACCEPT" \
		"legacy nat POSTROUTING (#1) -o r1 -j MASQUERADE => ACCEPT" \
		"MASQUERADE by legacy nat POSTROUTING (#1): $CLI_IP -> $RTR_IP2" \
		"inet fw post (#1) ip saddr $RTR_IP2 counter comment \"native, after masquerade\" => continue" \
		"inet fw post ACCEPT" \
		"=> ACCEPT, forwarded out r1"
	# each rewrite shows where it happened, before the next chain that
	# sees it; the whole packet again only with -v
	assert_lines_re "$b" \
		"^  DNAT by legacy nat PREROUTING " \
		"^  inet fw late " \
		"^  MASQUERADE by legacy nat POSTROUTING " \
		"^  inet fw post "
	[ "$(grep -c '^  packet now: ' <<<"$b")" -eq 0 ]
	step_lines=$(grep -cE '^  ([a-z]+ )?[a-zA-Z]+ [A-Za-z]+ (\(#[0-9]+\) |ACCEPT$|DROP$|return$)' <<<"$b")
	[ "$step_lines" -eq 10 ]
	p2_check_block "$b" 4 nat=legacy filter=nft
	[ "$P2_CHECKED" -eq 7 ]
	assert_blocks 1 "PROTO=ICMP TYPE=8 "
}

@test "mixed host: --summary counts legacy rules apart from nft rules of the same names" {
	load_mixed
	p2_start --summary -s $CLI_IP -p icmp
	assert_backend nft+legacy
	ping_ok "$CLI" $VIP
	p2_stop
	s=$(sed -n '/^Summary of /,$p' "$IPTT_OUT")
	assert_lines "$s" \
		"Summary of 1 packet" \
		"rules hit (packets, rule):" \
		"1  legacy nat PREROUTING (#2) -d $VIP/32 -p icmp -m comment --comment \"legacy dnat\" -j DNAT --to-destination $SRV_IP" \
		"1  filter FORWARD (#2) -p icmp -m comment --comment \"iptables-nft filter\" -j ACCEPT" \
		"1  legacy nat POSTROUTING (#1) -o r1 -j MASQUERADE" \
		"chains crossed (packets, chain, rules in its snapshot):" \
		"1  legacy nat PREROUTING (2 rules)" \
		"1  filter FORWARD (2 rules)" \
		"1  legacy nat POSTROUTING (1 rule)" \
		"rules of those chains no traced packet hit:" \
		"legacy nat PREROUTING (#1) -d 203.0.113.9/32 -j DNAT --to-destination 10.99.2.9"
	p2_start --summary --json -s $CLI_IP -p icmp
	ping_ok "$CLI" $VIP
	p2_stop
	tail -n 1 "$IPTT_OUT" | jq -e '.summary.chains | map(select(.table == "nat")) |
		map(.source) == ["x_tables", "x_tables"]' >/dev/null
}

@test "mixed host: --rule-syntax=nft shows iptables-nft rules as nft does, legacy ones stay iptables" {
	load_mixed
	p2_start --rule-syntax=nft -s $CLI_IP -p icmp
	ping_ok "$CLI" $VIP
	p2_stop

	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$VIP .*PROTO=ICMP TYPE=8 ")
	assert_lines_re "$b" \
		"^  inet fw early \(#1\) " \
		"^  legacy nat PREROUTING \(#2\) -d $VIP/32 .*-j DNAT --to-destination $SRV_IP => ACCEPT$" \
		"^  filter FORWARD \(#2\) .* => ACCEPT$" \
		"^  inet fw forward \(#2\) " \
		"^  legacy nat POSTROUTING \(#1\) -o r1 -j MASQUERADE => ACCEPT$"
	# filter is now checked against nft's own listing of the table
	p2_check_block "$b" 4 nat=legacy filter=native
	[ "$P2_CHECKED" -eq 7 ]
	refute_line_re "$b" "^  filter FORWARD .* -j ACCEPT"
}

@test "mixed host: 30 new connections, each block holds its packet's legacy nat steps" {
	load_mixed
	# Each ping is a new ICMP "connection", so each crosses legacy nat
	# and nf_tables chains. Legacy events come over NFLOG, nf_tables
	# ones over NFNLGRP_NFTRACE; a block must not be finished before the
	# legacy steps of its packet, already queued, were read.
	# The tool on one CPU, the pings (and so the packets' path through the
	# router, in their softirq) on the other: the tool then reads events
	# while a packet is still on its way, as on any busy host.
	cat >"$BATS_TEST_TMPDIR/iptables-trace" <<-EOF
	#!/bin/sh
	exec taskset -c 1 "$IPTT_BIN" "\$@"
	EOF
	chmod +x "$BATS_TEST_TMPDIR/iptables-trace"
	local IPTT_BIN=$BATS_TEST_TMPDIR/iptables-trace
	p2_start -s $CLI_IP -p icmp
	for i in $(seq 30); do
		ip netns exec "$CLI" taskset -c 0 ping -q -n -c1 -W1 $VIP >/dev/null
	done
	p2_stop

	# whole: every step of the packet; split: nf_tables steps without
	# the legacy ones, or legacy steps alone in a block of their own
	whole=0 split=0
	while IFS= read -r -d '' b; do
		if [[ ${b%%$'\n'*} == *"DST=$VIP "*"PROTO=ICMP TYPE=8 "* ]] &&
			assert_lines_re "$b" \
				"^  inet fw early \(#1\) " \
				"^  legacy nat PREROUTING \(#2\) .* => ACCEPT$" \
				"^  DNAT by legacy nat PREROUTING \(#2\): $VIP -> $SRV_IP$" \
				"^  inet fw late \(#1\) " \
				"^  filter FORWARD \(#2\) " \
				"^  inet fw forward \(#2\) " \
				"^  legacy nat POSTROUTING \(#1\) -o r1 -j MASQUERADE => ACCEPT$" \
				"^  MASQUERADE by legacy nat POSTROUTING \(#1\): $CLI_IP -> $RTR_IP2$" \
				"^  inet fw post \(#1\) " \
				"^  => ACCEPT, forwarded out r1$" 3>/dev/null &&
			refute_line_re "$b" "by conntrack" 3>/dev/null; then
			whole=$((whole + 1))
		else
			split=$((split + 1))
			[ "$split" -gt 2 ] ||
				{ echo "# a block that is not one whole packet:"; printf '%s\n' "$b" | sed 's/^/#   /'; } >&3
		fi
	done < <(_blocks)
	if [ "$whole" -ne 30 ] || [ "$split" -ne 0 ]; then
		echo "# 30 pings: $whole whole blocks, $split other blocks (want 30 and 0)" >&3
		false
	fi
	p2_check_all 4 nat=legacy filter=nft
}

@test "mixed host: reading late (SIGSTOP), each packet's legacy steps still land in its own block" {
	ipt legacy 4 -A FORWARD -p tcp -m comment --comment "legacy tcp" -j ACCEPT
	tcp_listen "$SRV" 8080
	p2_start -p tcp
	assert_backend nft+legacy
	# A whole connection while the tool sleeps: then it finds every event
	# queued, nf_tables ones on one socket and legacy ones on the other.
	# Trace ids are a hash of the skb, so a later packet of the flow may
	# carry the id of an earlier one (the FIN the SYN's): that must not
	# end the earlier packet's block before its legacy steps are read.
	kill -STOP "$IPTT_PID"
	[ "$(tcp_connect "$CLI" $SRV_IP 8080)" = hello ]
	kill -CONT "$IPTT_PID"
	p2_stop

	n=0
	while IFS= read -r -d '' b; do
		first=${b%%$'\n'*}
		# the packet as it arrived (the tool's own prerouting chain saw
		# it), not as the legacy FORWARD chain saw it (OUT= set)
		if ! [[ $first =~ ^IN=r[01]\ OUT=\ .*PROTO=TCP ]]; then
			{ echo "# a block without its arrival:"; printf '%s\n' "$b" | sed 's/^/#   /'; } >&3
			false
		fi
		assert_lines "$b" "legacy filter FORWARD (#1) -p tcp -m comment --comment \"legacy tcp\" -j ACCEPT => ACCEPT"
		n=$((n + 1))
	done < <(_blocks)
	# SYN, SYN-ACK, ACK, data, FINs and ACKs: at least 7 packets
	[ "$n" -ge 7 ]
}
