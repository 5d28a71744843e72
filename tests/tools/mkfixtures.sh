#!/bin/sh
# Regenerate the kernel fixtures in tests/fixtures from the running kernel.
#
#   sudo sh tests/tools/mkfixtures.sh [OUTDIR]     (default: tests/fixtures)
#
# Two throwaway namespaces joined by a veth pair: A (client, 10.99.0.1,
# fd00:99::1) and B (server, 10.99.0.2, fd00:99::2). Both load small nft
# rulesets that set nftrace at priority -301; nlcapture records every
# NFT_MSG_TRACE message in each; the script picks one message per case
# by its summary line. The host namespace is never touched.
#
# Ports and ICMP ids are pinned so a regeneration changes as little as
# possible, but trace ids, IP ids, TCP sequence numbers and conntrack ids
# differ on every run: the unit tests assert the committed values, so
# update them together with the fixtures.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/../fixtures}
work=$(mktemp -d /tmp/iptt-fx.XXXXXX)
A=iptt-fx-$$-a
B=iptt-fx-$$-b
C=iptt-fx-$$-c
pids=""

cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	for n in $A $B $C; do ip netns del "$n" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

cc -std=gnu11 -Wall -Wextra -Werror -O2 -o "$work/nlcapture" \
	"$here/nlcapture.c" $(pkg-config --cflags --libs libmnl)

ip netns add $A
ip netns add $B
ip -n $A link add veth0 type veth peer name veth0 netns $B
for n in $A $B; do
	ip -n $n link set lo up
	ip -n $n link set veth0 up
done
ip -n $A addr add 10.99.0.1/24 dev veth0
ip -n $B addr add 10.99.0.2/24 dev veth0
ip -n $A addr add fd00:99::1/64 dev veth0 nodad
ip -n $B addr add fd00:99::2/64 dev veth0 nodad

# A: the client. Output and prerouting set nftrace; its input sees the
# echo reply as an established, reply-direction conntrack entry.
ip netns exec $A nft -f - <<'EOF'
table ip fxa {
	chain out {
		type filter hook output priority -301; policy accept;
		meta nftrace set 1
	}
	chain pre {
		type filter hook prerouting priority -301; policy accept;
		meta nftrace set 1
	}
	chain input {
		type filter hook input priority 0; policy accept;
		ct state established accept
	}
}
EOF

# B: the server. The ct rule is last so that it matches nothing new but
# makes conntrack run in this namespace (and the events carry CT_*).
ip netns exec $B nft -f - <<'EOF'
table inet fx {
	chain pre {
		type filter hook prerouting priority -301; policy accept;
		meta nftrace set 1
		udp dport 7777 meta mark set 0x2a
	}
	chain tcpchk {
		tcp flags syn counter
		tcp flags ack return
		ip saddr 10.99.0.99 drop
	}
	chain input {
		type filter hook input priority 0; policy drop;
		icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept
		icmp type echo-request accept
		icmpv6 type echo-request accept
		tcp dport 5555 jump tcpchk
		tcp dport 5555 accept
		udp dport { 7777, 7779 } accept
		ct state established,related accept
	}
}
EOF
# and an iptables-nft table that the same packets cross too; only udp
# port 7779 matches a rule in it (position 4)
ipt() { ip netns exec $B iptables-nft "$@"; }
ipt -P FORWARD DROP
ipt -N ssh-in
ipt -A ssh-in -s 10.0.0.0/8 -j ACCEPT
ipt -A ssh-in -j RETURN
ipt -A INPUT -p tcp --dport 9 -j DROP
ipt -A INPUT -p tcp --dport 22 -m comment --comment "ssh {in}" -j ssh-in
ipt -A INPUT -p tcp -m multiport --dports 80,443 -j ACCEPT
ipt -A INPUT -p udp --dport 7779 -j ACCEPT

for n in a b; do
	ns=$A
	[ $n = b ] && ns=$B
	mkdir -p "$work/$n"
	ip netns exec $ns "$work/nlcapture" -o "$work/$n" -s "$work/$n.stream" \
		>"$work/$n.txt" 2>"$work/$n.err" &
	pids="$pids $!"
done
for n in a b; do
	i=0
	until grep -q listening "$work/$n.err" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 50 ] || { echo "nlcapture $n did not start" >&2; exit 1; }
		sleep 0.1
	done
done

ip netns exec $A ping -q -c1 -W1 -e 4660 10.99.0.2 >/dev/null
ip netns exec $A ping -q -6 -c1 -W1 -e 4661 fd00:99::2 >/dev/null
ip netns exec $B socat -T2 TCP-LISTEN:5555,reuseaddr OPEN:/dev/null &
srv=$!
pids="$pids $srv"
sleep 0.2
ip netns exec $A socat -T1 OPEN:/dev/null TCP:10.99.0.2:5555,sourceport=40000
wait $srv || true
for port in 7777 7778 7779; do
	echo x | ip netns exec $A socat -u - UDP:10.99.0.2:$port,sourceport=4${port#7}
done
sleep 0.5
ip netns exec $B conntrack -L -o id >"$work/ct-b.txt" 2>/dev/null
ip netns exec $A conntrack -L -o id >"$work/ct-a.txt" 2>/dev/null
for p in $pids; do kill "$p" 2>/dev/null || true; done
wait
pids=""

# pick NAME FROM REGEX: copy the first message whose summary matches.
pick() {
	line=$(grep -E -m1 -- "$3" "$work/$2.txt") ||
		{ echo "no message for $1 (/$3/)" >&2; exit 1; }
	cp "$work/$2/msg-${line%% *}.nlmsg" "$out/$1.nlmsg"
	echo "$1.nlmsg: $line" >>"$out/trace-manifest.txt"
}

mkdir -p "$out"
: >"$out/trace-manifest.txt"
pick nft-ip4-icmp-echo-accept      b ' fx input handle=[0-9]+ verdict=1 l4=icmp:8 nethdr transhdr'
pick nft-ip4-icmp-prerouting-nftrace b ' fx pre handle=[0-9]+ verdict=-1 l4=icmp:8 nethdr'
pick nft-ip4-icmp-output-nftrace   a ' fxa out handle=[0-9]+ verdict=-1 l4=icmp:8 nethdr'
pick nft-ip4-icmp-reply-ct-established a ' fxa input handle=[0-9]+ verdict=1 l4=icmp:0 nethdr.* ct='
pick nft-ip6-icmpv6-echo-accept    b ' fx input handle=[0-9]+ verdict=1 l4=icmpv6:128 nethdr transhdr'
pick nft-ip6-nd-untracked          b ' fx input handle=[0-9]+ verdict=1 l4=icmpv6:135 nethdr.* ct=state:64'
pick nft-tcp-syn-jump              b ' fx input handle=[0-9]+ verdict=-3 tcpchk l4=tcp:S nethdr transhdr'
pick nft-tcp-syn-counter-continue  b ' fx tcpchk handle=[0-9]+ verdict=-1 l4=-'
pick nft-user-chain-end-continue   b ' fx tcpchk handle=- verdict=-1 l4=-'
pick nft-tcp-ack-return            b ' fx tcpchk handle=[0-9]+ verdict=-5 l4=-'
pick nft-policy-accept-prerouting  b ' fx pre handle=- verdict=policy:1'
pick nft-udp-input-end-continue    b ' fx input handle=- verdict=-1 l4=udp:7778 nethdr'
pick nft-policy-drop-input         b ' fx input handle=- verdict=policy:0'
pick nft-udp-mark-accept           b ' fx input handle=[0-9]+ verdict=1 l4=udp:7777 nethdr.* mark'
pick nft-iptables-nft-input-accept b ' filter INPUT handle=[0-9]+ verdict=1 l4=udp:7779 nethdr'
cp "$work/b.stream" "$out/nft-server-all.stream"
cp "$work/b.txt" "$out/nft-server-all.txt"
cp "$work/ct-b.txt" "$out/conntrack-server.txt"
cp "$work/ct-a.txt" "$out/conntrack-client.txt"

# Rulesets as nft_text_split cuts them (the tool lists table by table;
# nft's "managed by iptables-nft" warning goes to stderr, not here).
ip netns exec $B nft -a -s -y list table inet fx >"$out/nft-list-inet-fx.txt"
ip netns exec $B nft -a -s -y list table ip filter \
	>"$out/nft-list-ip-filter-iptables-nft.txt" 2>/dev/null

# C: a ruleset that exercises the parser, never sees a packet.
ip netns add $C
ip netns exec $C nft -f - <<'EOF'
table inet parse {
	set blocked4 {
		type ipv4_addr
		flags interval
		elements = { 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16,
			     198.51.100.1, 198.51.100.2, 198.51.100.3,
			     198.51.100.4, 198.51.100.5, 198.51.100.6,
			     198.51.100.7, 198.51.100.8, 203.0.113.9 }
	}
	map portmap {
		type inet_service : verdict
		elements = { 22 : accept, 80 : jump web }
	}
	chain checks {
		counter comment "weird { brace"
		ip saddr @blocked4 drop comment "close } brace {{"
	}
	chain web {
		tcp dport { 80, 443 } accept
		return
	}
	chain input {
		type filter hook input priority filter + 10; policy drop;
		ct state established,related accept
		iifname "lo" accept comment "loopback } is fine"
		tcp dport vmap @portmap
		jump checks
		goto web
	}
	chain pre {
		type nat hook prerouting priority dstnat; policy accept;
		tcp dport 8080 dnat ip to 10.0.0.1:80
	}
	chain early {
		type filter hook prerouting priority -301; policy accept;
		meta nftrace set 1
	}
}
EOF
ip netns exec $C nft -a -s -y list table inet parse >"$out/nft-list-inet-parse.txt"
echo "fixtures written to $out" >&2
