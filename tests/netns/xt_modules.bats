#!/usr/bin/env bats
# The x_tables building blocks against the real kernel, each in throwaway
# namespaces: nl_log (logger binding, restore on every exit, group 0 busy,
# recovery after kill -9), rules_xt (text equals the save tools' lines,
# change detection) and backend_probe.

load xt_lib

setup_file() { xt_build; }
teardown_file() { xt_assert_host_nf_log; }
setup() { XT_PIDS=() XT_NAMESPACES=(); }
teardown() { xt_teardown; }

start_capture() {	# NS NAME: nflog_capture in the background, wait until bound
	xt_bg "$1" "$BATS_TEST_TMPDIR/$2.out" "$CAPTURE" -t 100000
	xt_wait_for "$BATS_TEST_TMPDIR/$2.out" 'saved loggers'
}

# ---------------------------------------------------------------- nl_log

@test "nl_log binds nfnetlink_log for both families and puts back what was there" {
	xt_ns a
	ip netns exec $NS_A sh -c 'echo NONE >/proc/sys/net/netfilter/nf_log/10'
	[ "$(xt_logger $NS_A 2)" = nf_log_ipv4 ]
	start_capture $NS_A cap
	grep -qx 'nflog_capture: saved loggers ipv4=nf_log_ipv4 ipv6=NONE' "$BATS_TEST_TMPDIR/cap.out"
	[ "$(xt_logger $NS_A 2)" = nfnetlink_log ]
	[ "$(xt_logger $NS_A 10)" = nfnetlink_log ]
	ip netns exec $NS_A grep -qE '^ +0 +[0-9]+ ' /proc/net/netfilter/nfnetlink_log
	kill -TERM $XT_LAST_PID
	wait $XT_LAST_PID
	[ "$(xt_logger $NS_A 2)" = nf_log_ipv4 ]
	[ "$(xt_logger $NS_A 10)" = NONE ]
	# group 0 released too
	! ip netns exec $NS_A grep -qE '^ +0 ' /proc/net/netfilter/nfnetlink_log
}

@test "nl_log: group 0 held by another program is EBUSY, and no logger is touched" {
	xt_ns a
	start_capture $NS_A first
	first=$XT_LAST_PID
	# pretend the holder is some other tool that set the loggers itself
	ip netns exec $NS_A sh -c 'echo nf_log_ipv4 >/proc/sys/net/netfilter/nf_log/2'
	run ip netns exec $NS_A "$CAPTURE" -t 100
	[ "$status" -eq 3 ]
	[ "$output" = "nflog_capture: another program holds NFLOG group 0" ]
	[ "$(xt_logger $NS_A 2)" = nf_log_ipv4 ]
	[ "$(xt_logger $NS_A 10)" = nfnetlink_log ]
	# the holder kept working and restores its own
	kill -TERM $first
	wait $first
	[ "$(xt_logger $NS_A 10)" = nf_log_ipv6 ]
}

@test "nl_log: after kill -9 the next run puts the original loggers back" {
	xt_ns a
	start_capture $NS_A dead
	dead=$XT_LAST_PID
	kill -9 $dead
	wait $dead || true
	# the binding outlives the process
	[ "$(xt_logger $NS_A 2)" = nfnetlink_log ]
	[ "$(xt_logger $NS_A 10)" = nfnetlink_log ]
	# the dead run's own state file, not a count of the shared directory
	dead_state=$(xt_state_file $NS_A)
	[ -n "$dead_state" ]
	start_capture $NS_A next
	grep -qx 'nflog_capture: saved loggers ipv4=nf_log_ipv4 ipv6=nf_log_ipv6' \
		"$BATS_TEST_TMPDIR/next.out"
	kill -INT $XT_LAST_PID
	wait $XT_LAST_PID
	[ "$(xt_logger $NS_A 2)" = nf_log_ipv4 ]
	[ "$(xt_logger $NS_A 10)" = nf_log_ipv6 ]
	[ ! -e "$dead_state" ]
	[ -z "$(xt_state_file $NS_A)" ]
}

@test "nl_log: a logger someone binds while we run is theirs to keep" {
	xt_ns a
	start_capture $NS_A cap
	ip netns exec $NS_A sh -c 'echo NONE >/proc/sys/net/netfilter/nf_log/10'
	kill -TERM $XT_LAST_PID
	wait $XT_LAST_PID
	[ "$(xt_logger $NS_A 2)" = nf_log_ipv4 ]
	[ "$(xt_logger $NS_A 10)" = NONE ]
}

@test "nl_log: a user's own nfnetlink_log binding is left as it was" {
	xt_ns a
	ip netns exec $NS_A sh -c 'echo nfnetlink_log >/proc/sys/net/netfilter/nf_log/2'
	start_capture $NS_A cap
	grep -q 'saved loggers ipv4=nfnetlink_log ipv6=nf_log_ipv6' "$BATS_TEST_TMPDIR/cap.out"
	kill -TERM $XT_LAST_PID
	wait $XT_LAST_PID
	[ "$(xt_logger $NS_A 2)" = nfnetlink_log ]
	[ "$(xt_logger $NS_A 10)" = nf_log_ipv6 ]
}

# ---------------------------------------------------------------- rules_xt

ruleset() {	# NS FLAVOUR: a ruleset with comments, sets, NAT and user chains
	local ns=$1 fl=$2
	ip netns exec $ns ipset create iptt-set hash:ip
	ip netns exec $ns ipset create iptt-set6 hash:ip family inet6
	ip netns exec $ns sh -e <<EOF
iptables-$fl -N web
iptables-$fl -A INPUT -m set --match-set iptt-set src -m comment --comment "blocked hosts" -j DROP
iptables-$fl -A INPUT -p tcp -m multiport --dports 80,443 -m conntrack --ctstate NEW -j web
iptables-$fl -A web -m limit --limit 3/min -j LOG --log-prefix "web: "
iptables-$fl -A web -j ACCEPT
iptables-$fl -t nat -A PREROUTING -p tcp --dport 8080 -j DNAT --to-destination 10.0.0.2:80
iptables-$fl -t nat -A POSTROUTING -o eth9 -j SNAT --to-source 192.0.2.7 --random --persistent
iptables-$fl -t mangle -A PREROUTING -j CONNMARK --restore-mark
ip6tables-$fl -A INPUT -m set --match-set iptt-set6 src -m comment --comment "blocked hosts" -j DROP
ip6tables-$fl -A INPUT -p udp -j REJECT --reject-with icmp6-port-unreachable
ip6tables-$fl -t nat -A POSTROUTING -o eth9 -j MASQUERADE
EOF
}

# What rules_xt holds must be what the save tool prints: compare every
# rule, as "family table chain position text", with the save output.
expected_rules() {	# NS FLAVOUR
	local fam tool
	for fam in ip ip6; do
		tool=iptables-$2-save
		[ $fam = ip6 ] && tool=ip6tables-$2-save
		ip netns exec $1 $tool | awk -v fam=$fam '
			/^\*/ { table = substr($0, 2); delete n }
			/^-A / { c = $2; n[c]++; t = $0; sub(/^-A [^ ]+ /, "", t)
				 print "rule " fam " " table " " c " " n[c] " " t }'
	done
}

@test "rules_xt: legacy rule text equals iptables-legacy-save's, by position" {
	xt_ns a
	ruleset $NS_A legacy
	run ip netns exec $NS_A "$PROBE" rules legacy
	[ "$status" -eq 0 ]
	diff -u <(expected_rules $NS_A legacy | sort) <(grep '^rule ' <<<"$output" | sort)
	grep -qx 'rule ip filter INPUT 1 -m set --match-set iptt-set src -m comment --comment "blocked hosts" -j DROP' <<<"$output"
	grep -qx 'chain ip nat POSTROUTING postrouting 100 accept 1' <<<"$output"
	grep -qx 'chain ip filter web - 0 accept 2' <<<"$output"
	grep -qx 'has_table ip filter 1 ip6 filter 1 ip nat 1 ip6 raw 0' <<<"$output"
}

@test "rules_xt: nft flavour text equals iptables-nft-save's; native tables are not there" {
	xt_ns a
	ruleset $NS_A nft
	ip netns exec $NS_A nft add table ip raw
	ip netns exec $NS_A nft 'add chain ip raw PREROUTING { type filter hook prerouting priority -300; }'
	ip netns exec $NS_A nft add rule ip raw PREROUTING tcp dport 1 log prefix '"native"'
	run ip netns exec $NS_A "$PROBE" rules nft
	[ "$status" -eq 0 ]
	diff -u <(expected_rules $NS_A nft | sort) <(grep '^rule ' <<<"$output" | sort)
	[ "$(grep -c '^rule ' <<<"$output")" -eq 10 ]
	grep -qx 'has_table ip filter 1 ip6 filter 1 ip nat 1 ip6 raw 0' <<<"$output"
	! grep -q '^chain ip raw ' <<<"$output"
}

@test "rules_xt_changed: inserts at once, same-size edits within the deep interval" {
	xt_ns a
	ruleset $NS_A legacy
	xt_bg $NS_A "$BATS_TEST_TMPDIR/watch.out" "$PROBE" watch
	xt_wait_for "$BATS_TEST_TMPDIR/watch.out" '^ready$'
	ask() {	# one line in, one answer out
		local n=$(($(wc -l <"$BATS_TEST_TMPDIR/watch.out") + 1))
		echo >&$XT_FIFO_FD
		for i in $(seq 50); do
			[ "$(wc -l <"$BATS_TEST_TMPDIR/watch.out")" -ge $n ] && break
			sleep 0.05
		done
		sed -n "${n}p" "$BATS_TEST_TMPDIR/watch.out"
	}
	[ "$(ask)" = same ]
	ip netns exec $NS_A iptables-legacy -I web 1 -s 10.1.1.1 -j DROP
	[ "$(ask)" = changed ]
	[ "$(ask)" = same ]
	# replaced by a rule of the same size: only the blob hash sees it
	sleep 1.1
	ip netns exec $NS_A iptables-legacy -R web 1 -s 10.1.1.2 -j DROP
	sleep 1.1
	[ "$(ask)" = changed ]
	[ "$(ask)" = same ]
	# a new table (IPv6 mangle) and a policy change
	ip netns exec $NS_A ip6tables-legacy -t mangle -A OUTPUT -j ACCEPT
	[ "$(ask)" = changed ]
	sleep 1.1
	ip netns exec $NS_A iptables-legacy -P FORWARD DROP
	sleep 1.1
	[ "$(ask)" = changed ]
	[ "$(ask)" = same ]
	# counters move all the time: not a change
	ip netns exec $NS_A ping -c2 -i 0.2 127.0.0.1 >/dev/null
	sleep 1.1
	[ "$(ask)" = same ]
	xt_close_stdin
	wait $XT_LAST_PID
}

# ---------------------------------------------------------------- backend

@test "backend_probe: empty, legacy, iptables-nft and native tables" {
	xt_ns a
	run ip netns exec $NS_A "$PROBE" backend
	[ "${lines[0]}" = "xt_kernel4 1 xt_kernel6 1 legacy_tables 0 legacy_configured 0 nft_usable 1 nft_tables 0 nft_xt_tables 0" ]
	[ "${lines[1]}" = "plan auto arm_nft 1 arm_xt 0 listen_nft 1 listen_xt 0" ]
	# listing creates an empty filter table: there, but not configured
	ip netns exec $NS_A iptables-legacy -L -n >/dev/null
	ip netns exec $NS_A ip6tables-legacy -t nat -A POSTROUTING -j MASQUERADE
	ip netns exec $NS_A iptables-nft -A INPUT -j ACCEPT
	ip netns exec $NS_A nft add table inet mine
	run ip netns exec $NS_A "$PROBE" backend
	[ "${lines[0]}" = "xt_kernel4 1 xt_kernel6 1 legacy_tables 2 legacy_configured 1 nft_usable 1 nft_tables 2 nft_xt_tables 1" ]
	[ "${lines[1]}" = "plan auto arm_nft 1 arm_xt 0 listen_nft 1 listen_xt 1" ]
	[ "${lines[3]}" = "plan legacy arm_nft 1 arm_xt 0 listen_nft 0 listen_xt 1" ]
	# a DROP policy alone makes a table configured
	ip netns exec $NS_A iptables-legacy -P OUTPUT DROP
	run ip netns exec $NS_A "$PROBE" backend
	[[ "${lines[0]}" == *" legacy_tables 2 legacy_configured 2 "* ]]
}

@test "backend_probe: without nf_tables, auto falls back to legacy TRACE rules" {
	xt_ns a
	make -C "$XT_ROOT" -s build/tests/fake_nonft.so || skip "no fake_nonft shim"
	run ip netns exec $NS_A env LD_PRELOAD="$XT_ROOT/build/tests/fake_nonft.so" "$PROBE" backend
	[ "${lines[0]}" = "xt_kernel4 1 xt_kernel6 1 legacy_tables 0 legacy_configured 0 nft_usable 0 nft_tables 0 nft_xt_tables 0" ]
	[ "${lines[1]}" = "plan auto arm_nft 0 arm_xt 1 listen_nft 0 listen_xt 1" ]
	[ "${lines[2]}" = "plan nft unsupported" ]
	[ "${lines[3]}" = "plan legacy arm_nft 0 arm_xt 1 listen_nft 0 listen_xt 1" ]
}
