#!/usr/bin/env bats
# The legacy fallback (src/arm_xt.c) for kernels without nf_tables: TRACE
# rules first in legacy raw PREROUTING/OUTPUT, events over NFLOG group 0,
# removal at exit, cleanup of a killed run's rules, the xtables lock.
# Driven through tests/tools/xt_probe.c in throwaway namespaces.

load xt_lib

setup_file() { xt_build; }
teardown_file() { xt_assert_host_nf_log; }
setup() { XT_PIDS=() XT_NAMESPACES=(); }
teardown() { xt_teardown; }

raw_rules() {	# NS [6]: the -A lines of (ip6)tables-legacy-save -t raw
	ip netns exec "$1" ip${2:+6}tables-legacy-save -t raw | grep -- '^-A ' || true
}

@test "rules go first in raw PREROUTING and OUTPUT, both families, and leave at exit" {
	xt_ns a
	ip netns exec $NS_A iptables-legacy -t raw -A PREROUTING -p udp --dport 53 -j CT --notrack
	ip netns exec $NS_A ip6tables-legacy -t raw -A OUTPUT -p tcp -m comment --comment "user rule" -j ACCEPT
	before4=$(ip netns exec $NS_A iptables-legacy-save -t raw | grep -v '^#')
	before6=$(ip netns exec $NS_A ip6tables-legacy-save -t raw | grep -v '^#')

	xt_bg $NS_A "$BATS_TEST_TMPDIR/arm.out" "$PROBE" arm -i veth9 -e "icmp or icmp6" -l 50
	xt_wait_for "$BATS_TEST_TMPDIR/arm.out" '^armed$'
	pid=$XT_LAST_PID
	run raw_rules $NS_A
	[ "${#lines[@]}" -eq 3 ]
	[[ "${lines[0]}" == "-A PREROUTING -i veth9 -m bpf --bytecode \""*"\" -m limit --limit 50/sec -m comment --comment \"iptables-trace $pid:"*"\" -j TRACE" ]]
	[ "${lines[1]}" = "-A PREROUTING -p udp -m udp --dport 53 -j CT --notrack" ]
	[[ "${lines[2]}" == "-A OUTPUT -m bpf --bytecode \""*"\" -m limit --limit 50/sec -m comment --comment \"iptables-trace $pid:"*"\" -j TRACE" ]]
	run raw_rules $NS_A 6
	[ "${#lines[@]}" -eq 3 ]
	[[ "${lines[0]}" == "-A PREROUTING -i veth9 -m bpf "*"\"iptables-trace $pid:"*"\" -j TRACE" ]]
	[[ "${lines[1]}" == "-A OUTPUT -m bpf "*"\"iptables-trace $pid:"*"\" -j TRACE" ]]
	[ "${lines[2]}" = '-A OUTPUT -p tcp -m comment --comment "user rule" -j ACCEPT' ]

	xt_close_stdin
	wait $pid
	grep -qx removed "$BATS_TEST_TMPDIR/arm.out"
	[ "$(ip netns exec $NS_A iptables-legacy-save -t raw | grep -v '^#')" = "$before4" ]
	[ "$(ip netns exec $NS_A ip6tables-legacy-save -t raw | grep -v '^#')" = "$before6" ]
}

@test "only the families and hooks asked for" {
	xt_ns a
	xt_bg $NS_A "$BATS_TEST_TMPDIR/arm.out" "$PROBE" arm -6
	xt_wait_for "$BATS_TEST_TMPDIR/arm.out" '^armed$'
	# IPv4 raw was never needed, so it was not even created
	! ip netns exec $NS_A grep -qx raw /proc/net/ip_tables_names
	run raw_rules $NS_A 6
	[ "${#lines[@]}" -eq 2 ]
	# no filter: no bpf match
	[[ "${lines[0]}" == "-A PREROUTING -m comment --comment \"iptables-trace $XT_LAST_PID:"????????????????"\" -j TRACE" ]]
	xt_close_stdin
	wait $XT_LAST_PID
	[ -z "$(raw_rules $NS_A 6)" ]
}

@test "traced packets report over NFLOG; the bpf filter picks them" {
	xt_ns cli srv
	xt_pair $NS_CLI $NS_SRV
	ip netns exec $NS_SRV iptables-legacy -A INPUT -p icmp -j ACCEPT
	ip netns exec $NS_SRV ip6tables-legacy -N CHK
	ip netns exec $NS_SRV ip6tables-legacy -A CHK -p ipv6-icmp -j RETURN
	ip netns exec $NS_SRV ip6tables-legacy -A INPUT -j CHK

	xt_bg $NS_SRV "$BATS_TEST_TMPDIR/cap.out" "$CAPTURE" -t 100000 -w "$BATS_TEST_TMPDIR/ready"
	cap=$XT_LAST_PID
	xt_wait_for "$BATS_TEST_TMPDIR/cap.out" 'saved loggers'
	xt_bg $NS_SRV "$BATS_TEST_TMPDIR/arm.out" "$PROBE" arm -i veth0 -e "icmp or (ip6 and icmp6)"
	arm=$XT_LAST_PID
	xt_wait_for "$BATS_TEST_TMPDIR/arm.out" '^armed$'

	# UDP does not pass the filter; ICMP echo (84 bytes) and ICMPv6
	# echo (104 bytes) do
	echo x | ip netns exec $NS_CLI socat -u - UDP:10.99.8.2:9999
	ip netns exec $NS_CLI ping -c1 -W2 10.99.8.2 >/dev/null
	ip netns exec $NS_CLI ping -6 -c1 -W2 fd00:98::2 >/dev/null
	xt_wait_for "$BATS_TEST_TMPDIR/cap.out" ' ip filter INPUT rule 1 2 0 0 84$'
	xt_wait_for "$BATS_TEST_TMPDIR/cap.out" ' ip6 filter CHK rule 1 2 0 0 104$'
	grep -q ' ip raw PREROUTING policy 2 2 0 0 84$' "$BATS_TEST_TMPDIR/cap.out"
	grep -q ' ip6 filter INPUT rule 1 2 0 0 104$' "$BATS_TEST_TMPDIR/cap.out"
	grep -q ' ip6 filter INPUT policy 2 2 0 0 104$' "$BATS_TEST_TMPDIR/cap.out"
	! grep -qE ' (30|48)$' "$BATS_TEST_TMPDIR/cap.out"	# no UDP event
	kill $cap
	wait $cap
	xt_close_stdin
	wait $arm
}

@test "cleanup removes a killed run's rules and keeps a live run's" {
	xt_ns a
	xt_bg $NS_A "$BATS_TEST_TMPDIR/dead.out" "$PROBE" arm -e icmp
	dead=$XT_LAST_PID
	xt_wait_for "$BATS_TEST_TMPDIR/dead.out" '^armed$'
	kill -9 $dead
	wait $dead || true
	[ "$(raw_rules $NS_A | grep -c "iptables-trace $dead:")" -eq 2 ]
	[ "$(raw_rules $NS_A 6 | grep -c "iptables-trace $dead:")" -eq 2 ]

	# a live one, running as "iptables-trace"
	xt_bg $NS_A "$BATS_TEST_TMPDIR/live.out" "$LIVE_PROBE" arm -4
	live=$XT_LAST_PID
	xt_wait_for "$BATS_TEST_TMPDIR/live.out" '^armed$'
	ip netns exec $NS_A iptables-legacy -t raw -A PREROUTING -m comment --comment "iptables-trace-ish user rule" -j ACCEPT

	run ip netns exec $NS_A "$PROBE" cleanup
	[ "$status" -eq 0 ]
	[ "$output" = "removed 4" ]
	run raw_rules $NS_A
	[ "${#lines[@]}" -eq 3 ]
	[[ "${lines[0]}" == "-A PREROUTING "*"\"iptables-trace $live:"*"\" -j TRACE" ]]
	[[ "${lines[1]}" == *'"iptables-trace-ish user rule" -j ACCEPT' ]]
	[[ "${lines[2]}" == "-A OUTPUT "*"\"iptables-trace $live:"*"\" -j TRACE" ]]
	[ -z "$(raw_rules $NS_A 6)" ]

	# nothing left for a second cleanup; the live run removes its own
	run ip netns exec $NS_A "$PROBE" cleanup
	[ "$output" = "removed 0" ]
	xt_close_stdin
	wait $live
	[ "$(raw_rules $NS_A)" = '-A PREROUTING -m comment --comment "iptables-trace-ish user rule" -j ACCEPT' ]
}

@test "cleanup all removes a live run's rules too; its own removal then fails cleanly" {
	xt_ns a
	xt_bg $NS_A "$BATS_TEST_TMPDIR/live.out" "$LIVE_PROBE" arm -4 -i eth0
	live=$XT_LAST_PID
	xt_wait_for "$BATS_TEST_TMPDIR/live.out" '^armed$'
	run ip netns exec $NS_A "$PROBE" cleanup all
	[ "$output" = "removed 2" ]
	[ -z "$(raw_rules $NS_A)" ]
	xt_close_stdin
	rc=0
	wait $live || rc=$?
	[ "$rc" -eq 1 ]
	grep -q 'xt_probe: remove: ' "$BATS_TEST_TMPDIR/live.out"
}

@test "cleanup in a namespace without legacy raw creates nothing" {
	xt_ns a
	run ip netns exec $NS_A "$PROBE" cleanup
	[ "$status" -eq 0 ]
	[ "$output" = "removed 0" ]
	[ -z "$(ip netns exec $NS_A cat /proc/net/ip_tables_names)" ]
	[ -z "$(ip netns exec $NS_A cat /proc/net/ip6_tables_names)" ]
}

@test "install waits for the xtables lock (-w)" {
	xt_ns a
	# The lock is /run/xtables.lock for the whole machine: hold a
	# private one, in a mount namespace with a /run of its own.
	xt_bg $NS_A "$BATS_TEST_TMPDIR/arm.out" unshare -m --propagation private \
		sh -c 'mount -t tmpfs tmpfs /run && unset IPTT_STATE_DIR &&
			{ flock /run/xtables.lock sleep 1.5 & } &&
			sleep 0.2 && date +%s%N >/run/start && "$@" && cat /run/start' \
		sh "$PROBE" arm -4
	xt_wait_for "$BATS_TEST_TMPDIR/arm.out" '^armed$' 80
	armed=$(date +%s%N)
	[ "$(raw_rules $NS_A | wc -l)" -eq 2 ]
	xt_close_stdin
	wait $XT_LAST_PID
	start=$(tail -1 "$BATS_TEST_TMPDIR/arm.out")
	[ $(((armed - start) / 1000000)) -ge 900 ]
}

@test "a refused rule reports iptables' message and leaves nothing" {
	xt_ns a
	# the limit match refuses more than 10000/s, after the first rules
	# went in: they are taken out again
	run ip netns exec $NS_A "$PROBE" arm -l 100000 </dev/null
	[ "$status" -eq 1 ]
	[[ "$output" == "xt_probe: arm: "*"Rate too fast"*"(Protocol error)" ]]
	[ -z "$(raw_rules $NS_A)" ]
	[ -z "$(raw_rules $NS_A 6)" ]
}

@test "an interface name too long is refused, not truncated" {
	xt_ns a
	run ip netns exec $NS_A "$PROBE" arm -i "name-far-too-long-for-linux" </dev/null
	[ "$status" -eq 1 ]
	[ "$output" = "xt_probe: arm: interface name too long: name-far-too-long-for-linux (Invalid argument)" ]
	[ -z "$(ip netns exec $NS_A cat /proc/net/ip_tables_names)" ]
}

@test "all or nothing: when IPv6 is refused, the IPv4 rules are taken out" {
	xt_ns a
	run xt_fake_sbin $NS_A '
		ln -s "$real/xtables-legacy-multi" iptables-legacy &&
		printf "#!/bin/sh\necho \"ip6tables v1.8.9 (legacy): fake refusal\" >&2\nexit 2\n" \
			>ip6tables-legacy && chmod +x ip6tables-legacy' "$PROBE" arm </dev/null
	[ "$status" -eq 1 ]
	[ "$output" = "xt_probe: arm: ip6tables v1.8.9 (legacy): fake refusal (Protocol error)" ]
	# IPv4 went in first and came out again
	ip netns exec $NS_A grep -qx raw /proc/net/ip_tables_names
	[ -z "$(raw_rules $NS_A)" ]
}

@test "without iptables-legacy: ENOENT" {
	xt_ns a
	run xt_fake_sbin $NS_A : "$PROBE" arm </dev/null
	[ "$status" -eq 1 ]
	[ "$output" = "xt_probe: arm: iptables-legacy: No such file or directory (No such file or directory)" ]
}

@test "tools come from the system directories with a clean environment, not from PATH or XTABLES_LIBDIR" {
	xt_ns a
	mkdir -p "$BATS_TEST_TMPDIR/bin" "$BATS_TEST_TMPDIR/xtlib"
	printf '#!/bin/sh\ntouch %s/pwned\nexit 0\n' "$BATS_TEST_TMPDIR" \
		>"$BATS_TEST_TMPDIR/bin/iptables-legacy"
	chmod +x "$BATS_TEST_TMPDIR/bin/iptables-legacy"
	run ip netns exec $NS_A env PATH="$BATS_TEST_TMPDIR/bin:$PATH" \
		XTABLES_LIBDIR="$BATS_TEST_TMPDIR/xtlib" LD_PRELOAD= "$PROBE" arm -4 </dev/null
	# the real iptables-legacy, with its own extensions, put the rules
	# in (and took them out at the end of stdin)
	[ "$status" -eq 0 ]
	[[ "$output" == *armed* ]]
	[ ! -e "$BATS_TEST_TMPDIR/pwned" ]
	[ -z "$(raw_rules $NS_A)" ]
}
