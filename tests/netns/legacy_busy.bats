#!/usr/bin/env bats
# Busy hosts: legacy rules edited in place while tracing, legacy and nft
# chains at the same hook and priority, and a tool that stalls while
# traffic flows.

load lib
load legacy_lib

setup_file() { p2_setup_file; }
teardown_file() { p2_teardown_file; }
setup() { lab_setup; }
teardown() { lab_teardown; }

# A rule replaced by one of the same size (iptables -R, a verdict edit)
# leaves GET_INFO alone: only the rules themselves show it. The packet
# after the edit must be told with the new rule, not the old one.
@test "legacy: a same-size rule replacement is seen by the next packet" {
	ipt legacy 4 -A INPUT -p icmp -m comment --comment "before edit" -j ACCEPT
	p2_start -s $CLI_IP -p icmp
	assert_backend nft+legacy
	ping_ok "$CLI" $RTR_IP1
	ipt legacy 4 -R INPUT 1 -p icmp -m comment --comment "after edit!" -j DROP
	ping_fail "$CLI" $RTR_IP1
	p2_stop

	[ "$(block_count)" -eq 2 ]
	b=$(block "^IN=r0 .*TYPE=8 " 2)
	assert_lines "$b" \
		"legacy filter INPUT (#1) -p icmp -m comment --comment \"after edit!\" -j DROP => DROP" \
		"=> DROP by legacy filter INPUT (#1) -p icmp -m comment --comment \"after edit!\" -j DROP"
	refute_line_re "$b" 'before edit|delivered locally'
}

# A packet's legacy events are read before its nf_tables ones. When the
# legacy accept in FORWARD ended the packet's path, its own nft events
# that came next found its block closed and made one of their own; the
# next packet with the same trace id (ids are reused under load) joined
# that one instead of adopting its legacy half. Before, a flood gave
# tens of blocks of our own events only ("=> ACCEPT, forwarded out r1"
# with no legacy step), their legacy halves dropped as blocks of their
# own.
LEGACY_STEP='legacy filter FORWARD (#1) -p icmp -m comment --comment "legacy icmp" -j ACCEPT => ACCEPT'

# every_block_has_legacy_step WANT [STEP]: there are WANT blocks, and every
# one holds the legacy step STEP (default: LEGACY_STEP's) and a fate.
every_block_has_legacy_step() {
	local want=$1 step=${2:-$LEGACY_STEP} b n=0 bad=0
	while IFS= read -r -d '' b; do
		n=$((n + 1))
		[[ $b == *$'\n  '"$step"$'\n'* && $b == *$'\n  => ACCEPT, forwarded out r'[01] ]] && continue
		bad=$((bad + 1))
		[ "$bad" -gt 3 ] || { echo "# a block without its legacy step:"; printf '%s\n' "$b" | sed 's/^/#   /'; } >&3
	done < <(_blocks)
	if [ "$n" -ne "$want" ] || [ "$bad" -ne 0 ]; then
		echo "# $n blocks (want $want), $bad without the legacy step (want 0)" >&3
		sed "s/^/# /" "$IPTT_ERR" >&3
		return 1
	fi
}

@test "mixed host, a flood: every packet's block holds its legacy step" {
	ipt legacy 4 -A FORWARD -p icmp -m comment --comment "legacy icmp" -j ACCEPT
	p2_start -p icmp
	assert_backend nft+legacy
	ip netns exec "$CLI" ping -q -n -f -c 1500 $SRV_IP >/dev/null
	p2_stop
	every_block_has_legacy_step 3000
}

# Issue 11's burst on a mixed host: both sockets hold a backlog. The
# NFLOG one, one event a packet, was read to its end long before the
# trace one, eight events a packet: each packet's legacy event waited,
# as a block of its own, for nf_tables events that were still queued,
# and the quiet time ended it first. 13,000 of 17,000 blocks in a burst
# came out "=> ACCEPT" without their legacy step and without a word.
# stalled_flood_whole [STEP]: 10,000 pings while the tool is stopped, with
# room for all their events; then every block of the 20,000 is whole.
stalled_flood_whole() {
	p2_start --buffer-size 256 -p icmp
	assert_backend nft+legacy
	kill -STOP "$IPTT_PID"
	ip netns exec "$CLI" ping -q -n -f -c 10000 $SRV_IP >/dev/null
	kill -CONT "$IPTT_PID"
	p2_stop
	grep -q ' 0 events lost' "$IPTT_ERR"
	every_block_has_legacy_step 20000 "$@"
}

@test "mixed host, a stalled reader's flood: every block holds its legacy step" {
	ipt legacy 4 -A FORWARD -p icmp -m comment --comment "legacy icmp" -j ACCEPT
	stalled_flood_whole
}

# The other way round on a legacy host: twenty legacy steps a packet on
# the NFLOG socket, two nft events on the trace socket. Read at the same
# pace the starts ran ahead, their blocks stayed open for their legacy
# steps, and past 4,096 open blocks they went out "printed before all
# its events came": 17,643 of a 20,000-packet burst on the kube router.
@test "legacy host, a stalled reader's flood: every block whole" {
	local i
	for i in $(seq 15); do
		ipt legacy 4 -A FORWARD -p icmp -m comment --comment "step $i"
	done
	ipt legacy 4 -A FORWARD -p icmp -m comment --comment "legacy icmp" -j ACCEPT
	stalled_flood_whole \
		'legacy filter FORWARD (#16) -p icmp -m comment --comment "legacy icmp" -j ACCEPT => ACCEPT'
}

# Legacy filter INPUT and an nft chain, both at input priority 0: the
# kernel runs the one registered last first (nf_hook_entries_grow puts a
# new hook before the first one of equal priority), and says nothing of
# it. A mark one of them sets and the other sees tells the order.
equal_prio_chain() {	# RULE...
	rtr_nft <<-EOF
	table inet fw {
		chain in {
			type filter hook input priority 0; policy accept;
			$*
		}
	}
	EOF
}

@test "equal priority: the legacy chain registered last runs first, as its mark shows" {
	equal_prio_chain 'meta mark 0x5 counter comment "saw the legacy mark"'
	ipt legacy 4 -A INPUT -p icmp -m comment --comment "legacy mark" -j MARK --set-mark 0x5
	p2_start -s $CLI_IP -p icmp
	ping_ok "$CLI" $RTR_IP1
	p2_stop

	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$RTR_IP1 .*TYPE=8 ")
	assert_lines "$b" \
		"legacy filter INPUT (#1) -p icmp -m comment --comment \"legacy mark\" -j MARK --set-xmark 0x5/0xffffffff => continue" \
		"legacy filter INPUT ACCEPT" \
		"inet fw in (#1) meta mark 0x00000005 counter comment \"saw the legacy mark\" => continue" \
		"inet fw in ACCEPT" \
		"=> ACCEPT, delivered locally"
	refute_line_re "$b" "order unknown"
}

@test "equal priority: the nft chain registered last runs first, as its mark shows" {
	ipt legacy 4 -A INPUT -p icmp -m mark --mark 0x7 -m comment --comment "saw the nft mark" -j ACCEPT
	equal_prio_chain 'ip protocol icmp meta mark set 0x7 comment "nft mark"'
	p2_start -s $CLI_IP -p icmp
	ping_ok "$CLI" $RTR_IP1
	p2_stop

	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$RTR_IP1 .*TYPE=8 ")
	assert_lines_re "$b" \
		'^  inet fw in \(#1\) .*"nft mark" => continue$' \
		'^  inet fw in ACCEPT$' \
		'^  legacy filter INPUT \(#1\) .*"saw the nft mark" -j ACCEPT => ACCEPT$' \
		'^  => ACCEPT, delivered locally$'
	refute_line_re "$b" "order unknown"
}

@test "equal priority: nothing tells the order, and the block says so" {
	equal_prio_chain 'ip protocol icmp counter comment "nft count"'
	ipt legacy 4 -A INPUT -p icmp -m comment --comment "legacy count"
	p2_start -s $CLI_IP -p icmp
	ping_ok "$CLI" $RTR_IP1
	p2_stop

	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$RTR_IP1 .*TYPE=8 ")
	assert_lines_re "$b" \
		'^  inet fw in \(#1\) .*"nft count" => continue$' \
		'^  legacy filter INPUT \(#1\) .*"legacy count" => continue$' \
		'^  \(order unknown: legacy and nf_tables chains share the input hook at priority 0: which ran first is not known, nf_tables is shown first\)$' \
		'^  => ACCEPT, delivered locally$'
}
