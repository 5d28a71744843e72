#!/usr/bin/env bats
# The probe copy (src/probe_copy.c), through its test driver
# build/tests/probe_copy_dump: the copy of the router must hold what the
# router holds (interfaces, addresses, every routing table and policy
# rule, path sysctls, ipsets, nft / iptables-nft / legacy rulesets, IPv4
# and IPv6), the router must be left exactly as it was, and the copy
# must be gone once the driver is, even after kill -9.

load lib

PCD=${IPTT_PROBE_COPY_DUMP:-$IPTT_ROOT/build/tests/probe_copy_dump}

setup() {
	[ -x "$PCD" ] || { echo "# $PCD is missing: run make testlibs" >&3; return 1; }
	lab_setup
}
teardown() { lab_teardown; }

# in_copy [DRIVER-OPTION...] CMD...: CMD's output inside a fresh copy of
# the router.
in_copy() {
	local opts=()
	while [[ $1 == --* ]]; do
		[ "$1" = --ruleset ] && { opts+=("$1"); shift; }
		opts+=("$1")
		shift
	done
	"$PCD" "${opts[@]}" "$RTR" "$@" | sed '1,/^----$/d'
}
# in_rtr CMD...: the same in the router itself.
in_rtr() { ip netns exec "$RTR" "$@"; }

# What the router looks like, one line per fact, in an order that does
# not depend on interface indexes.
# The carrier is LOWER_UP; NO-CARRIER and M-DOWN are ip's readings of
# operstate and of a peer in the same namespace, which the copy's veths
# (peers in the wire) cannot show alike.
links() {
	ip -j link | jq -r '.[] | [.ifname, .mtu, ((.flags - ["M-DOWN", "NO-CARRIER"]) | join(",")),
		(.address // ""), (.group // "")] | @tsv' | sort
}
addrs() {
	ip -j addr | jq -r '.[] | .ifname as $n | .addr_info[] |
		[$n, .family, .local, .prefixlen, (.broadcast // ""), (.scope // "")] | @tsv' | sort
}
# "linkdown" is left out: the kernel marks a route so when the carrier
# goes, and the copy's never came; the test below asks for it directly.
routes() {
	{ ip -4 route show table all; ip -6 route show table all; } | sed 's/ linkdown//' | sort
}
rules() { ip -4 rule; ip -6 rule; }
path_sysctls() {
	local k
	for k in net.ipv4.ip_forward net.ipv4.conf.all.rp_filter net.ipv4.conf.r0.rp_filter \
		net.ipv4.conf.r1.rp_filter net.ipv4.conf.r1.accept_local \
		net.ipv4.conf.r0.route_localnet net.ipv4.conf.all.src_valid_mark \
		net.ipv4.conf.r0.proxy_arp net.ipv6.conf.all.forwarding \
		net.ipv6.conf.r1.forwarding net.netfilter.nf_conntrack_tcp_loose \
		net.netfilter.nf_conntrack_tcp_be_liberal; do
		echo "$k=$(sysctl -n "$k")"
	done
}
export -f links addrs routes rules path_sysctls

# save output without its dated comments and counters, tables sorted:
# the legacy tools list them newest first, and the copy made them anew
xt_save() {
	"$@" | grep -v '^#' | sed -E 's/ \[[0-9]+:[0-9]+\]$//' |
		python3 -c 'import sys; print("COMMIT\n".join(sorted(sys.stdin.read().split("COMMIT\n"))))'
}
export -f xt_save

# The router, beyond the lab: a down interface, another MTU, a second
# routing table with its policy rule (IPv4 and IPv6), path sysctls.
router_extras() {
	ip -n "$RTR" link add r2 mtu 1400 type veth peer name r3
	ip -n "$RTR" link set r2 address 02:00:00:00:00:02 up
	ip -n "$RTR" addr add 10.99.3.1/24 dev r2
	ip -n "$RTR" addr add 10.99.3.5/24 dev r2
	ip -n "$RTR" route add 192.0.2.0/24 via $SRV_IP table 100
	ip -n "$RTR" route add blackhole 198.51.100.0/24 table 100
	ip -n "$RTR" -6 route add 2001:db8:1::/48 via $SRV_IP6 table 200
	ip -n "$RTR" rule add fwmark 0x1 lookup 100 pref 1000
	ip -n "$RTR" rule add iif r0 to 203.0.113.0/24 lookup main pref 1001
	ip -n "$RTR" -6 rule add from fd00:99:1::/64 lookup 200 pref 2000
	in_rtr sysctl -qw net.ipv4.conf.r0.rp_filter=2 net.ipv4.conf.r1.accept_local=1 \
		net.ipv4.conf.r0.route_localnet=1 net.ipv4.conf.all.src_valid_mark=1 \
		net.ipv4.conf.r0.proxy_arp=1 net.ipv6.conf.r1.forwarding=0 \
		net.netfilter.nf_conntrack_tcp_loose=0 net.netfilter.nf_conntrack_tcp_be_liberal=1
}

# One ruleset of every kind, each with state a copy cannot have.
router_rulesets() {
	in_rtr ipset create pcset hash:ip family inet
	in_rtr ipset add pcset $CLI_IP
	in_rtr ipset create pcset6 hash:net family inet6
	in_rtr ipset add pcset6 fd00:99:1::/64
	rtr_nft <<-'EOF'
	table inet pcfw {
		set seen { type ipv4_addr; flags dynamic,timeout; timeout 1m; }
		set ports { type inet_service; elements = { 22, 80 }; }
		chain input {
			type filter hook input priority 10; policy accept;
			tcp dport @ports limit rate 5/second accept
			ip saddr 10.99.1.0/24 add @seen { ip saddr } comment "a 'quoted'; comment"
			meta l4proto ipv6-icmp accept
		}
		chain pcforward {
			type filter hook forward priority 10; policy accept;
			ip daddr 10.99.2.2 tcp dport 8080 drop
		}
	}
	EOF
	in_rtr iptables-nft -A FORWARD -p tcp --dport 22 -m recent --set --name ssh -j ACCEPT
	in_rtr iptables-nft -A FORWARD -m comment --comment "two words" -j ACCEPT
	in_rtr iptables-nft -t nat -A POSTROUTING -o r1 -j MASQUERADE
	in_rtr ip6tables-nft -A FORWARD -s fd00:99:1::/64 -p tcp --dport 8080 -j REJECT
	in_rtr iptables-legacy -A INPUT -m set --match-set pcset src -p tcp --dport 9 -j DROP
	in_rtr iptables-legacy -A INPUT -p udp -m limit --limit 3/s -j ACCEPT
	in_rtr iptables-legacy -t raw -A PREROUTING -p udp --dport 9 -j ACCEPT
	in_rtr iptables-legacy -N pcuser
	in_rtr iptables-legacy -A pcuser -j RETURN
	in_rtr ip6tables-legacy -A INPUT -m set --match-set pcset6 src -j ACCEPT
}

# what must stay as it was in the router
router_state() {
	in_rtr nft list ruleset 2>/dev/null
	xt_save in_rtr iptables-nft-save 2>/dev/null
	xt_save in_rtr ip6tables-nft-save 2>/dev/null
	xt_save in_rtr iptables-legacy-save
	xt_save in_rtr ip6tables-legacy-save
	in_rtr ipset save
	in_rtr conntrack -C
	in_rtr bash -c 'links; addrs; routes; rules; path_sysctls'
	ip -n "$RTR" -s -j link | jq -c '.[] | [.ifname, .stats64.rx.packets, .stats64.tx.packets]'
	in_rtr cat /proc/net/netfilter/nf_log
	in_rtr sysctl -a --pattern '^net\.' 2>/dev/null |
		grep -v -e 'nf_conntrack_count' -e 'stable_secret' -e 'tcp_fastopen_key'
	true
}

@test "the copy has the router's interfaces, addresses, routes, rules and sysctls" {
	router_extras
	out=$("$PCD" "$RTR" true)
	echo "$out" | grep -qx 'counts: .* 0 ipsets, 5 interfaces, [0-9]* routes'
	echo "$out" | grep -q '^iface r2 ifindex [0-9]* mac 02:00:00:00:00:02 wire [1-9][0-9]* .* up$'
	echo "$out" | grep -q '^iface r3 ifindex [0-9]* mac .* down$'
	for what in links addrs routes rules path_sysctls; do
		diff -u <(in_rtr bash -c "$what") <(in_copy bash -c "$what")
	done
	# the router's neighbours, usable at once (a known one as STALE)
	ping_ok "$RTR" $SRV_IP
	in_copy ip neigh show dev r1 | grep -q "^$SRV_IP lladdr .* \(STALE\|REACHABLE\|DELAY\)"
	# r2's peer is down: no carrier in the copy either
	in_copy ip -4 route show dev r2 | grep -q '^10.99.3.0/24 .* linkdown'

}

@test "a bridge is copied with its ports; a veth pair inside the router is noted" {
	ip -n "$RTR" link add pcbr type bridge
	ip -n "$RTR" link add r2 type veth peer name r3
	ip -n "$RTR" link set r2 master pcbr
	ip -n "$RTR" link set pcbr up
	ip -n "$RTR" link set r2 up
	ip -n "$RTR" link set r3 up
	ip -n "$RTR" addr add 10.99.4.1/24 dev pcbr
	run "$PCD" "$RTR" sh -c 'ip -o link show master pcbr; ip -d -o link show pcbr'
	[ "$status" -eq 0 ]
	[[ "$output" == *"note: bridge pcbr is copied without its VLAN settings"* ]]
	[[ "$output" == *"note: interfaces r2 and r3 are one veth pair"* ]] ||
		[[ "$output" == *"note: interfaces r3 and r2 are one veth pair"* ]]
	echo "$output" | grep -q '^iface pcbr ifindex [0-9]* mac .* wire 0 '
	echo "$output" | grep -q ': r2@if[0-9]*: .* master pcbr '
	echo "$output" | grep -q ': pcbr: .* bridge '
	diff -u <(in_rtr bash -c addrs) <(in_copy bash -c addrs)
}

@test "the wire holds a veth peer for each copied interface" {
	# wire MACs are the kernel's random ones: asked in the same copy
	out=$("$PCD" --wire "$RTR" ip -o link show r0)
	mac=$(echo "$out" | sed -n 's/^iface r0 .* wire [0-9]* \([0-9a-f:]*\) up$/\1/p')
	[ -n "$mac" ]
	echo "$out" | sed '1,/^----$/d' | grep -q "link/ether $mac"
	# no IPv6 in the wire: nothing of its own reaches the copy
	[ "$(in_copy --wire sysctl -n net.ipv6.conf.r0.disable_ipv6)" = 1 ]
}

@test "rulesets of every kind, IPv4 and IPv6, and the ipsets are copied exactly" {
	router_rulesets
	out=$("$PCD" "$RTR" true)
	echo "$out" | grep -q '^counts: 7 tables, .* 2 ipsets, 3 interfaces'
	! echo "$out" | grep -q 'same hook and priority'
	echo "$out" | grep -qx 'note: inet pcfw input (#1) uses limit; its state is not copied'
	echo "$out" | grep -qx 'note: inet pcfw input (#2) uses add @seen; its state is not copied'
	echo "$out" | grep -qx 'note: filter FORWARD (#1) uses -m recent; its state is not copied'
	echo "$out" | grep -qx 'note: legacy filter INPUT (#2) uses -m limit; its state is not copied'
	diff -u <(in_rtr nft -s list ruleset 2>/dev/null) <(in_copy nft -s list ruleset 2>/dev/null)
	for tool in iptables-nft-save ip6tables-nft-save iptables-legacy-save ip6tables-legacy-save; do
		diff -u <(xt_save in_rtr $tool 2>&1) <(in_copy bash -c "xt_save $tool" 2>&1)
	done
	diff -u <(in_rtr ipset save | sort) <(in_copy ipset save | sort)
	# the copy makes legacy tables last: at one hook and priority it
	# cannot know which ran first in the router, and says so
	in_rtr nft add chain inet pcfw in0 '{ type filter hook input priority 0; }'
	"$PCD" "$RTR" true | grep -qx 'note: legacy filter INPUT and inet pcfw in0 run at the same hook and priority; the copy runs the legacy one first, the traced namespace may not'
}

# The lab's own chatter moves the interface counters: IPv6 router
# solicitations and MLD reports for some seconds after it comes up, and
# the neighbour probes (ARP, NS) that confirm an entry a few seconds
# after traffic used it. Pin the lab's neighbour entries, stop the
# solicitations, and wait for the counters to rest.
quiet_lab() {
	local ns i a b
	pin_neighbours "$CLI" "$RTR" "$SRV"
	for ns in "$CLI" "$SRV"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.router_solicitations=0 \
			net.ipv6.conf.c0.router_solicitations=0 2>/dev/null || true
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.s0.router_solicitations=0 \
			2>/dev/null || true
	done
	# MLD reports repeat once within a second or so: rest means 1.5 s
	for i in $(seq 8); do
		a=$(ip -n "$RTR" -s -j link | jq -c '[.[].stats64.rx.packets]')
		sleep 1.5
		b=$(ip -n "$RTR" -s -j link | jq -c '[.[].stats64.rx.packets]')
		[ "$a" = "$b" ] && return 0
	done
	echo "# the lab's interface counters did not come to rest" >&3
	return 1
}

@test "the router is left exactly as it was" {
	router_extras
	router_rulesets
	in_rtr conntrack -I -s $CLI_IP -d $SRV_IP -p udp --sport 1000 --dport 53 -t 60 2>/dev/null
	ping_ok "$CLI" $SRV_IP
	quiet_lab
	before=$(router_state)
	links_before=$(ip -n "$RTR" -o link | wc -l)
	"$PCD" "$RTR" true >/dev/null
	"$PCD" --ct-flush "$RTR" true >/dev/null
	diff -u <(echo "$before") <(router_state)
	[ "$(ip -n "$RTR" -o link | wc -l)" -eq "$links_before" ]
}

# every reference to a namespace inode: a process in it, a descriptor
# on it, a bind mount of it. Inode numbers are reused once a namespace
# is gone: one that an `ip netns` namespace has now (another test's) is
# not ours.
ns_refs() {
	local ino=$1 f
	for f in /run/netns/*; do
		[ "$(stat -c %i "$f" 2>/dev/null)" = "$ino" ] && return 0
	done
	{
		for f in /proc/[0-9]*/fd/*; do
			[ "$(readlink "$f" 2>/dev/null)" = "net:[$ino]" ] && echo "$f"
		done
		for f in /proc/[0-9]*/ns/net /proc/[0-9]*/task/[0-9]*/ns/net; do
			[ "$(stat -L -c %i "$f" 2>/dev/null)" = "$ino" ] && echo "$f"
		done
		grep -h "nsfs" /proc/[0-9]*/mountinfo 2>/dev/null | grep -F "net:[$ino]"
	} | sort -u >"$BATS_TEST_TMPDIR/refs"
	# named after the check began: someone else's by now
	grep -q " /run/netns/" "$BATS_TEST_TMPDIR/refs" &&
		! grep -qF "/run/netns/$LAB" "$BATS_TEST_TMPDIR/refs" && return 0
	cat "$BATS_TEST_TMPDIR/refs"
}

@test "the copy is gone when the driver ends, and after kill -9" {
	out=$("$PCD" "$RTR" true)
	read -r copy wire < <(echo "$out" | sed -n 's/^netns: copy \([0-9]*\) wire \([0-9]*\)$/\1 \2/p')
	[ -n "$copy" ] && [ -n "$wire" ]
	[ -z "$(ns_refs "$copy")" ]
	[ -z "$(ns_refs "$wire")" ]

	mkfifo "$BATS_TEST_TMPDIR/hold"
	"$PCD" --hold "$RTR" <"$BATS_TEST_TMPDIR/hold" >"$BATS_TEST_TMPDIR/out" 3>&- &
	pid=$!
	lab_track $pid
	exec 4>"$BATS_TEST_TMPDIR/hold"
	for i in $(seq 100); do grep -q '^ready$' "$BATS_TEST_TMPDIR/out" && break; sleep 0.05; done
	grep -q '^ready$' "$BATS_TEST_TMPDIR/out"
	read -r copy wire < <(sed -n 's/^netns: copy \([0-9]*\) wire \([0-9]*\)$/\1 \2/p' "$BATS_TEST_TMPDIR/out")
	# held by the driver's descriptors alone: never bind-mounted
	[ "$(ns_refs "$copy" | grep -c fd/)" -ge 1 ]
	! ns_refs "$copy" | grep -q mountinfo
	for f in /run/netns/*; do
		i=$(stat -c %i "$f" 2>/dev/null) || continue
		[ "$i" != "$copy" ] && [ "$i" != "$wire" ]
	done
	kill -9 $pid
	wait $pid 2>/dev/null || true
	exec 4>&-
	refs=$(ns_refs "$copy"; ns_refs "$wire")
	[ -z "$refs" ] || { echo "$refs"; ps -ef | grep -v grep | grep probe_copy; false; }
}

@test "each probe can start from an empty conntrack table" {
	out=$(in_copy --ct-flush sh -c 'conntrack -C; conntrack -I -s 1.1.1.1 -d 2.2.2.2 -p udp \
		--sport 1 --dport 2 -t 30 2>/dev/null; conntrack -C')
	[ "$(echo $out)" = "0 1 0 1" ]
}

# iptables-nft-save prints user chains sorted; the copy makes them in
# the router's order, and lists each native table alone, between the
# iptables-nft tables as the router made them.
@test "iptables-nft chains in the router's order, a native table between exactly" {
	in_rtr iptables-nft -N zeta
	in_rtr iptables-nft -N alpha
	in_rtr iptables-nft -A FORWARD -j zeta
	in_rtr iptables-nft -A zeta -p tcp -j alpha
	rtr_nft <<-'EOF'
	table inet mid {
		counter seen { }
		quota big { over 100 mbytes; }
		set ports { type inet_service; elements = { 22, 80 }; }
		map to { type ipv4_addr : verdict; elements = { 10.99.2.2 : accept }; }
		chain fw {
			type filter hook forward priority 0; policy accept;
			tcp dport @ports counter name "seen"
			ip daddr vmap @to
			udp dport vmap { 53 : accept, 5353 : drop }
			quota name "big" drop
		}
	}
	EOF
	in_rtr iptables-nft -t nat -A POSTROUTING -o r1 -j MASQUERADE
	out=$("$PCD" "$RTR" true)
	echo "$out" | grep -q '^counts: 3 tables, 5 chains, 7 rules, '
	diff -u <(in_rtr nft -s list ruleset 2>/dev/null) <(in_copy nft -s list ruleset 2>/dev/null)
}

@test "hostile nft names are copied exactly, and run nothing" {
	pwn=$BATS_TEST_TMPDIR/pwn.nft
	echo 'add table ip pwned' >"$pwn"
	in_rtr nft -j -f - <<-EOF
	{"nftables":[
	 {"add":{"table":{"family":"ip","name":"x;flush ruleset"}}},
	 {"add":{"chain":{"family":"ip","table":"x;flush ruleset","name":"c\"h {#\nflush ruleset\n",
	   "type":"filter","hook":"forward","prio":5,"policy":"accept"}}},
	 {"add":{"rule":{"family":"ip","table":"x;flush ruleset","chain":"c\"h {#\nflush ruleset\n",
	   "comment":"z;include \"$pwn\"",
	   "expr":[{"match":{"op":"==","left":{"meta":{"key":"l4proto"}},"right":"icmp"}},
	           {"counter":null}]}}}]}
	EOF
	before=$(in_rtr nft -j list ruleset | jq -c '.nftables[1:][] | del(.. | .handle?)')
	out=$(in_copy nft -j list ruleset | jq -c '.nftables[1:][] | del(.. | .handle?)')
	[ "$before" = "$out" ]
	! in_copy nft list tables | grep -q pwned
	! in_rtr nft list tables | grep -q pwned
}

# the copy is refused, in one line, before anything is loaded
refused() {
	run "$PCD" "$RTR" true
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "${lines[0]}" == *"$1"* ]]
}

@test "an iptables comment holding a newline is refused, not copied wrong" {
	quiet_lab
	in_rtr iptables-nft -A FORWARD -m comment --comment $'ok\n-A FORWARD -j DROP' -j ACCEPT
	before=$(router_state)
	refused "refusing to copy it inexactly"
	diff -u <(echo "$before") <(router_state)
	in_rtr iptables-nft -F FORWARD
	in_rtr iptables-legacy -A INPUT -m comment --comment $'ok\n-A INPUT -j DROP' -j ACCEPT
	before=$(router_state)
	refused "refusing to copy it inexactly"
	diff -u <(echo "$before") <(router_state)
}

@test "an iptables-nft chain or ipset name holding a newline is refused" {
	in_rtr iptables-nft -A INPUT -j ACCEPT
	in_rtr nft -j -f - <<-'EOF'
	{"nftables":[{"add":{"chain":{"family":"ip","table":"filter",
	  "name":"x\n-A INPUT -j DROP\n"}}}]}
	EOF
	refused "refusing to copy it inexactly"
	in_rtr nft -j -f - <<-'EOF'
	{"nftables":[{"delete":{"chain":{"family":"ip","table":"filter",
	  "name":"x\n-A INPUT -j DROP\n"}}}]}
	EOF
	in_rtr ipset create "$(printf 'q hash:ip\ncreate evil')" hash:ip
	refused "the ipsets do not copy exactly"
	in_rtr ipset destroy "$(printf 'q hash:ip\ncreate evil')"
	in_rtr ipset create "$(printf 'q\ncreate evil hash:ip')" hash:ip
	refused "cannot copy the ipsets: ipset v"
}

@test "--ruleset files replace the live ruleset of their kind" {
	router_rulesets
	cat >"$BATS_TEST_TMPDIR/cand.nft" <<-'EOF'
	table inet cand {
		chain input { type filter hook input priority 0; policy drop; }
	}
	EOF
	cat >"$BATS_TEST_TMPDIR/cand.rules" <<-'EOF'
	# a candidate for the legacy IPv4 filter table
	*filter
	:INPUT ACCEPT [0:0]
	:FORWARD DROP [0:0]
	:OUTPUT ACCEPT [0:0]
	-A FORWARD -s 10.99.1.2/32 -j ACCEPT
	COMMIT
	EOF
	quiet_lab
	before=$(router_state)
	run "$PCD" --ruleset "$BATS_TEST_TMPDIR/cand.nft" --ruleset "$BATS_TEST_TMPDIR/cand.rules" \
		"$RTR" sh -c 'nft list tables; iptables-nft-save; iptables-legacy-save;
			ip6tables-nft-save; ip6tables-legacy-save'
	[ "$status" -eq 0 ]
	[[ "$output" == *"table inet cand"* ]]
	[[ "$output" != *"table inet pcfw"* ]]
	# The file stands for all IPv4 iptables rules, legacy and nft. This
	# router has iptables-nft tables, so it goes to iptables-nft-restore.
	[[ "$output" == *"-A FORWARD -s 10.99.1.2/32 -j ACCEPT"* ]]
	[[ "$output" != *"pcset src -p tcp"* ]]
	[[ "$output" != *"recent"* ]]
	# IPv6 rules of both flavours stay
	[[ "$output" == *"-A INPUT -m set --match-set pcset6 src -j ACCEPT"* ]]
	[[ "$output" == *"-A FORWARD -s fd00:99:1::/64 -p tcp"* ]]
	diff -u <(echo "$before") <(router_state)
}

@test "--ruleset: an iptables file goes to iptables-legacy-restore on a legacy host" {
	in_rtr iptables-legacy -A INPUT -p tcp --dport 9 -j DROP
	printf '*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p udp --dport 7 -j DROP\nCOMMIT\n' \
		>"$BATS_TEST_TMPDIR/rules.v4"
	printf '*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p udp --dport 6 -j DROP\nCOMMIT\n' \
		>"$BATS_TEST_TMPDIR/rules.v6"
	run in_copy --ruleset "$BATS_TEST_TMPDIR/rules.v4" --ruleset "$BATS_TEST_TMPDIR/rules.v6" \
		sh -c 'iptables-legacy-save; ip6tables-nft-save; nft list tables'
	[ "$status" -eq 0 ]
	[[ "$output" == *"-A INPUT -p udp -m udp --dport 7 -j DROP"* ]]
	[[ "$output" != *"--dport 9"* ]]
	# no legacy IPv6 tables here: the .v6 file is for ip6tables-nft-restore
	[[ "$output" == *"-A INPUT -p udp -m udp --dport 6 -j DROP"* ]]
	[[ "$output" == *"table ip6 filter"* ]]
}

@test "a --ruleset file that does not load gives the loader's own message" {
	printf 'table inet bad {\n\tchain c { tpye filter; }\n}\n' >"$BATS_TEST_TMPDIR/bad.nft"
	run "$PCD" --ruleset "$BATS_TEST_TMPDIR/bad.nft" "$RTR" true
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "${lines[0]}" == *"--ruleset $BATS_TEST_TMPDIR/bad.nft does not load: "*"Error: "* ]]
	printf '*filter\n-A NOSUCH -j ACCEPT\nCOMMIT\n' >"$BATS_TEST_TMPDIR/bad.v6"
	run "$PCD" --ruleset "$BATS_TEST_TMPDIR/bad.v6" "$RTR" true
	[ "$status" -eq 1 ]
	[[ "${lines[0]}" == *"bad.v6 does not load: ip6tables-nft-restore: line 2 failed"* ]]
}
