#!/usr/bin/env bats
# The tool while things change around it: rules added during tracing,
# several flows at once.

load lib

setup() { lab_setup; }
teardown() { lab_teardown; }

@test "a rule inserted while tracing shows its own text and position" {
	rtr_nft <<-EOF
	table ip filter {
		chain forward {
			type filter hook forward priority filter; policy accept;
			ip protocol icmp counter accept
		}
	}
	EOF
	iptt_start -s $CLI_IP -p icmp
	ip netns exec "$CLI" ping -q -n -c1 -W1 -e 6001 $SRV_IP >/dev/null
	ip netns exec "$RTR" nft insert rule ip filter forward ip saddr $CLI_IP meta mark set 0x7
	ip netns exec "$CLI" ping -q -n -c1 -W1 -e 6002 $SRV_IP >/dev/null
	iptt_stop_ok

	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*TYPE=8 CODE=0 ID=6001 ")
	assert_lines "$b" "filter forward (#1) ip protocol icmp counter accept => ACCEPT"
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*TYPE=8 CODE=0 ID=6002 ")
	assert_lines "$b" \
		"filter forward (#1) ip saddr $CLI_IP meta mark set 0x00000007 => continue" \
		"filter forward (#2) ip protocol icmp counter accept => ACCEPT"
}

@test "a table and chain created while tracing are resolved" {
	iptt_start -s $CLI_IP -p icmp
	rtr_nft <<-EOF
	table inet addedlater {
		chain fwd2 {
			type filter hook forward priority filter; policy accept;
			icmp type echo-request counter
			meta l4proto icmp accept
		}
	}
	EOF
	ping_ok "$CLI" $SRV_IP
	iptt_stop_ok

	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*TYPE=8 ")
	assert_lines "$b" \
		"inet addedlater fwd2 (#1) icmp type echo-request counter => continue" \
		"inet addedlater fwd2 (#2) meta l4proto icmp accept => ACCEPT"
}

@test "a change in one table re-reads that table; the others keep their rules and positions" {
	rtr_nft <<-EOF
	table ip mangle {
		chain pre {
			type filter hook prerouting priority mangle; policy accept;
			ip protocol tcp counter
			ip protocol icmp counter
		}
	}
	table inet fw {
		chain fwd2 {
			type filter hook forward priority filter; policy accept;
			meta l4proto icmp accept
		}
	}
	EOF
	iptt_start -s $CLI_IP -p icmp
	ip netns exec "$CLI" ping -q -n -c1 -W1 -e 6101 $SRV_IP >/dev/null
	# only inet fw changes: a rule goes in front of the accept
	ip netns exec "$RTR" nft insert rule inet fw fwd2 icmp type echo-request counter
	ip netns exec "$CLI" ping -q -n -c1 -W1 -e 6102 $SRV_IP >/dev/null
	# then only mangle: its icmp rule moves from #2 to #1
	ip netns exec "$RTR" nft delete rule ip mangle pre handle \
		"$(ip netns exec "$RTR" nft -a list chain ip mangle pre |
		   sed -n 's/.*ip protocol tcp counter.*# handle \([0-9]*\)$/\1/p')"
	ip netns exec "$CLI" ping -q -n -c1 -W1 -e 6103 $SRV_IP >/dev/null
	iptt_stop_ok

	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*TYPE=8 CODE=0 ID=6101 ")
	assert_lines "$b" "mangle pre (#2) ip protocol icmp counter => continue" \
		"inet fw fwd2 (#1) meta l4proto icmp accept => ACCEPT"
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*TYPE=8 CODE=0 ID=6102 ")
	assert_lines "$b" "mangle pre (#2) ip protocol icmp counter => continue" \
		"inet fw fwd2 (#1) icmp type echo-request counter => continue" \
		"inet fw fwd2 (#2) meta l4proto icmp accept => ACCEPT"
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*TYPE=8 CODE=0 ID=6103 ")
	assert_lines "$b" "mangle pre (#1) ip protocol icmp counter => continue" \
		"inet fw fwd2 (#1) icmp type echo-request counter => continue" \
		"inet fw fwd2 (#2) meta l4proto icmp accept => ACCEPT"
}

@test "iptables-nft rules added while tracing show in iptables syntax" {
	ip netns exec "$RTR" iptables-nft -t mangle -A PREROUTING -p icmp -m comment --comment "from the start"
	iptt_start -s $CLI_IP -p icmp
	# only filter changes: it is read again, mangle is kept as it was
	ip netns exec "$RTR" iptables-nft -A FORWARD -p icmp -m comment --comment "added late" -j ACCEPT
	ping_ok "$CLI" $SRV_IP
	iptt_stop_ok

	mangle=$(ip netns exec "$RTR" iptables-nft-save -t mangle | sed -n 's/^-A PREROUTING //p')
	filter=$(ip netns exec "$RTR" iptables-nft-save -t filter | sed -n 's/^-A FORWARD //p')
	[ -n "$mangle" ] && [ -n "$filter" ]
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*TYPE=8 ")
	assert_lines "$b" "mangle PREROUTING (#1) $mangle => continue" \
		"filter FORWARD (#1) $filter => ACCEPT"
}

# Every line of a block that shows ICMP ids must show the header's id, and
# the block must go through the user chain of that flow only.
check_flow_block() {
	local blk=$1 hdr id mine other pos mark line
	hdr=${blk%%$'\n'*}
	[[ $hdr =~ PROTO=ICMP\ TYPE=(0|8)\ CODE=0\ ID=([0-9]+)\ SEQ= ]] || {
		echo "# unexpected block header: $hdr" >&3
		return 1
	}
	id=${BASH_REMATCH[2]}
	case $id in
	7001) mine=flowa other=flowb pos=1 mark=0x0000000a ;;
	7002) mine=flowb other=flowa pos=2 mark=0x0000000b ;;
	*) echo "# block of an unknown flow: $hdr" >&3; return 1 ;;
	esac
	# nft adds an icmp type dependency to "icmp id": match the end only
	assert_lines_re "$blk" \
		"^  filter forward \(#1\) ip protocol icmp jump dispatch => jump dispatch$" \
		"^  filter dispatch \(#$pos\) .*icmp id $id jump $mine => jump $mine$" \
		"^  filter $mine \(#1\) meta mark set $mark => continue$" \
		"^  filter $mine \(#2\) return => return$"
	refute_line_re "$blk" "$other"
	while IFS= read -r line; do
		if [[ $line =~ \ ID=([0-9]+)\ SEQ= ]] && [ "${BASH_REMATCH[1]}" != "$id" ]; then
			echo "# line of another flow in a block of flow $id: $line" >&3
			return 1
		fi
	done <<<"$blk"
}

@test "two concurrent flows: every block holds the steps of one packet" {
	rtr_nft <<-EOF
	table ip filter {
		chain flowa {
			meta mark set 0xa
			return
		}
		chain flowb {
			meta mark set 0xb
			return
		}
		chain dispatch {
			icmp id 7001 jump flowa
			icmp id 7002 jump flowb
		}
		chain forward {
			type filter hook forward priority filter; policy accept;
			ip protocol icmp jump dispatch
		}
	}
	EOF
	iptt_start -p icmp
	ip netns exec "$CLI" ping -q -n -c20 -i0.01 -W1 -e 7001 $SRV_IP >/dev/null 3>&- &
	a=$!
	ip netns exec "$CLI" ping -q -n -c20 -i0.01 -W1 -e 7002 $SRV_IP >/dev/null 3>&- &
	b=$!
	lab_track $a $b
	wait $a
	wait $b
	iptt_stop_ok
	[ "$(summary_field lost)" -eq 0 ]

	# 2 flows x 20 pings x (request + reply), each packet exactly once.
	assert_blocks 80
	for id in 7001 7002; do
		for seq in $(seq 20); do
			assert_blocks 1 "^IN=r0 .*TYPE=8 CODE=0 ID=$id SEQ=$seq$"
			assert_blocks 1 "^IN=r1 .*TYPE=0 CODE=0 ID=$id SEQ=$seq$"
		done
	done
	while IFS= read -r -d '' blk; do
		check_flow_block "$blk"
	done < <(_blocks)
}

@test "a ruleset that sets nftrace itself, before the tool: one block per packet" {
	rtr_nft <<-EOF
	table ip debug {
		chain pre {
			type filter hook prerouting priority -350; policy accept;
			icmp type echo-request meta nftrace set 1
		}
	}
	table ip filter {
		chain forward {
			type filter hook forward priority filter; policy accept;
			ip protocol icmp counter accept
		}
	}
	EOF
	iptt_start -s $CLI_IP -p icmp
	ip netns exec "$CLI" ping -q -n -c1 -W1 -e 6101 $SRV_IP >/dev/null
	iptt_stop_ok

	assert_blocks 1 "TYPE=8 CODE=0 ID=6101 SEQ=1$"
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*TYPE=8 CODE=0 ID=6101 ")
	assert_lines "$b" \
		"debug pre (#1) icmp type echo-request meta nftrace set 1 => continue" \
		"debug pre ACCEPT" \
		"filter forward (#1) ip protocol icmp counter accept => ACCEPT"
}
