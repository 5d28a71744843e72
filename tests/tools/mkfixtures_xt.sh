#!/bin/sh
# Regenerate the x_tables fixtures in tests/fixtures from the running kernel:
#   nflog_*.bin   raw NFLOG group 0 messages of legacy TRACE
#   xt_*.save     iptables-save output of both flavours
#
#   sudo sh tests/tools/mkfixtures_xt.sh [OUTDIR]     (default: tests/fixtures)
#
# Throwaway namespaces only (iptt-xt-<pid>-*), deleted on every exit path;
# the host's firewall and nf_log are never touched. See
# tests/fixtures/README-nflog.md for what each file holds.
#
# Run-to-run differences: ifindexes are stable in fresh namespaces, but
# IP ids, TCP sequence numbers and conntrack ids are not. The unit tests
# assert only fields that are stable; regenerate tests and fixtures together
# when a kernel changes the format.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-$root/tests/fixtures}
work=$(mktemp -d /tmp/iptt-xt-fx.XXXXXX)
A=iptt-xt-$$-a		# client
B=iptt-xt-$$-b		# server, legacy ruleset, NFLOG capture
N=iptt-xt-$$-n		# the same ruleset on iptables-nft
I=iptt-xt-$$-i		# iptables-nft tables next to native nft ones
pids=""

cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	for n in $A $B $N $I; do ip netns del "$n" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

make -C "$root" -s build/obj/nl_log.o build/obj/nl_recv.o build/obj/statedir.o
cc -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -O2 -I"$root/src" \
	-o "$work/nflog_capture" "$here/nflog_capture.c" "$root/build/obj/nl_log.o" "$root/build/obj/nl_recv.o" "$root/build/obj/statedir.o" \
	$(pkg-config --cflags --libs libmnl libnetfilter_log)

ip netns add $A
ip netns add $B
ip netns add $N
ip netns add $I
ip -n $A link add veth0 type veth peer name veth0 netns $B
for n in $A $B; do
	ip -n $n link set lo up
	ip -n $n link set veth0 up
done
ip -n $N link set lo up
ip -n $A addr add 10.99.7.1/24 dev veth0
ip -n $B addr add 10.99.7.2/24 dev veth0
ip -n $A addr add fd00:97::1/64 dev veth0 nodad
ip -n $B addr add fd00:97::2/64 dev veth0 nodad

# The ruleset: one of every match and target the issue names. $1 is the
# namespace, $2 the flavour (legacy or nft). The raw TRACE rules only
# matter on legacy, where they make the NFLOG fixtures.
ruleset() {
	ns=$1 fl=$2
	v4() { ip netns exec $ns iptables-$fl -w "$@"; }
	v6() { ip netns exec $ns ip6tables-$fl -w "$@"; }
	ip netns exec $ns ipset create iptt-allow hash:net
	ip netns exec $ns ipset add iptt-allow 10.99.7.0/24
	ip netns exec $ns ipset create iptt-allow6 hash:net family inet6
	ip netns exec $ns ipset add iptt-allow6 fd00:97::/64

	v4 -t raw -A PREROUTING -p tcp --dport 8080 -j TRACE
	v4 -t raw -A OUTPUT -p tcp --sport 80 -j CT --notrack
	v4 -t mangle -A PREROUTING -s 10.99.0.0/16 -m comment --comment "proxy mark" -j MARK --set-xmark 0x100/0x100
	v4 -t mangle -A PREROUTING -j CONNMARK --restore-mark --nfmask 0xffffffff --ctmask 0xffffffff
	v4 -t mangle -A FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu
	v4 -t nat -N DOCKER
	v4 -t nat -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
	v4 -t nat -A DOCKER -i docker0 -j RETURN
	v4 -t nat -A DOCKER -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.99.7.2:80
	v4 -t nat -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
	v4 -t nat -A POSTROUTING -o eth1 -j SNAT --to-source 192.0.2.1-192.0.2.10 --random --persistent
	v4 -P INPUT DROP
	v4 -P FORWARD DROP
	v4 -N ALLOW-IN
	v4 -N LOGDROP
	v4 -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
	v4 -A INPUT -m set --match-set iptt-allow src -m comment --comment "allow listed nets" -j ALLOW-IN
	v4 -A INPUT -p tcp -m multiport --dports 22,80,443 -m comment --comment 'say "hi" \ there' -j ACCEPT
	v4 -A INPUT -p icmp -m limit --limit 5/sec --limit-burst 10 -j ACCEPT
	v4 -A INPUT -m state --state INVALID -j DROP
	v4 -A INPUT -p udp -j REJECT --reject-with icmp-port-unreachable
	v4 -A INPUT -j LOGDROP
	v4 -A ALLOW-IN -p tcp -m tcp --dport 22 -j ACCEPT
	v4 -A ALLOW-IN -j RETURN
	v4 -A LOGDROP -m limit --limit 1/min -j LOG --log-prefix "input drop: " --log-level 6
	v4 -A LOGDROP -j DROP
	v4 -A FORWARD -m mark --mark 0x100/0x100 -j ACCEPT
	v4 -A FORWARD -m connmark --mark 0x1 -g ALLOW-IN
	v4 -A OUTPUT -o lo -j ACCEPT
	v4 -t security -A INPUT -p tcp --dport 22 -j ACCEPT

	v6 -t raw -A PREROUTING -p ipv6-icmp -m icmp6 --icmpv6-type echo-request -j TRACE
	v6 -t mangle -A PREROUTING -s fd00::/8 -m comment --comment "proxy mark" -j MARK --set-xmark 0x100/0x100
	v6 -t nat -A PREROUTING -p tcp --dport 8080 -j DNAT --to-destination "[fd00:97::2]:80"
	v6 -t nat -A POSTROUTING -o eth1 -j SNAT --to-source fd00:1::1 --random --persistent
	v6 -t nat -A POSTROUTING -s fd00:17::/64 -j MASQUERADE
	v6 -P INPUT DROP
	v6 -N ALLOW-IN
	v6 -A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type neighbour-solicitation -j ACCEPT
	v6 -A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type neighbour-advertisement -j ACCEPT
	v6 -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
	v6 -A INPUT -m set --match-set iptt-allow6 src -m comment --comment "allow listed nets" -j ALLOW-IN
	v6 -A INPUT -p tcp -m multiport --dports 22,80,443 -j ACCEPT
	v6 -A INPUT -p udp -m limit --limit 10/min -j LOG --log-prefix "v6 udp: "
	v6 -A INPUT -p udp -j REJECT --reject-with icmp6-adm-prohibited
	v6 -A ALLOW-IN -p tcp -m tcp --dport 22 -j ACCEPT
	v6 -A OUTPUT -j CONNMARK --set-xmark 0x2/0xff
}

ruleset $B legacy
ruleset $N nft

mkdir -p "$out"
ip netns exec $B iptables-legacy-save >"$out/xt_legacy_ip.save"
ip netns exec $B ip6tables-legacy-save >"$out/xt_legacy_ip6.save"
ip netns exec $N iptables-nft-save >"$out/xt_nft_ip.save"
ip netns exec $N ip6tables-nft-save >"$out/xt_nft_ip6.save"

# Native nft next to iptables-nft: a base chain iptables cannot show makes
# filter "contain incompatible base-chains" (listed in part), a native
# rule makes nat "incompatible" (not listed); mangle stays iptables-nft.
ip netns exec $I iptables-nft -t mangle -A PREROUTING -s 10.0.0.0/8 -j MARK --set-mark 1
ip netns exec $I iptables-nft -A FORWARD -j ACCEPT
ip netns exec $I nft -f - <<'NFT'
table ip filter {
	chain INPUT {
		type filter hook input priority 10; policy accept;
		counter accept
	}
}
table ip nat {
	chain PREROUTING {
		type nat hook prerouting priority -100; policy accept;
		tcp dport 1 log prefix "x"
	}
}
NFT
ip netns exec $I iptables-nft-save >"$out/xt_nft_incompatible.save"

# Traffic for the NFLOG fixtures: a TCP SYN to 8080 (DNAT to 80, accepted
# by the multiport rule after ALLOW-IN returns) and an IPv6 echo request
# (dropped by the policy).
rm -f "$work/ready"
ip netns exec $B "$work/nflog_capture" -d "$work/cap" -t 1500 -w "$work/ready" \
	>"$work/cap.txt" 2>"$work/cap.err" &
pids="$pids $!"
mkdir -p "$work/cap"
i=0
until [ -e "$work/ready" ]; do
	i=$((i + 1))
	[ $i -lt 100 ] || { echo "nflog_capture did not start" >&2; cat "$work/cap.err" >&2; exit 1; }
	sleep 0.05
done
ip netns exec $A socat -T1 OPEN:/dev/null TCP:10.99.7.2:8080,sourceport=40000,connect-timeout=1 \
	2>/dev/null || true
ip netns exec $A ping -q -6 -c1 -W1 fd00:97::2 >/dev/null || true
wait
pids=""

# pick NAME REGEX: copy the first message whose summary line matches.
pick() {
	line=$(grep -E -m1 -- "$2" "$work/cap.txt") ||
		{ echo "no message for $1 (/$2/)" >&2; cat "$work/cap.txt" >&2; exit 1; }
	cp "$work/cap/nflog-${line%% *}.bin" "$out/$1.bin"
	echo "$1.bin: $line" >>"$out/nflog-manifest.txt"
}
: >"$out/nflog-manifest.txt"
pick nflog_ip_nat_dnat_rule   '^[0-9]+ ip nat DOCKER rule 2 '
pick nflog_ip_user_return     '^[0-9]+ ip filter ALLOW-IN return 2 '
pick nflog_ip_filter_rule     '^[0-9]+ ip filter INPUT rule 3 '
pick nflog_ip6_filter_policy  '^[0-9]+ ip6 filter INPUT policy 8 '
cp "$work/cap.txt" "$out/nflog-all.txt"
echo "fixtures written to $out"
