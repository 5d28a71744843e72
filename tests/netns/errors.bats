#!/usr/bin/env bats
# Error cases: each one exits with its documented code, says so in one
# line on stderr, and leaves no table behind.

load lib

setup() { lab_setup; }
teardown() { lab_teardown; }

# The tool as an unprivileged user: uid/gid nobody, no capabilities.
as_nobody() {
	IPTT_WRAP=(setpriv --reuid=65534 --regid=65534 --clear-groups
		--inh-caps=-all --bounding-set=-all)
}

@test "not root: exit 3 with one line, no table" {
	as_nobody
	iptt_run host $CLI_IP
	assert_error 3 "root|CAP_NET_ADMIN"
	assert_no_iptt_table
}

@test "not root with --netns: exit 3 before entering the namespace" {
	as_nobody
	iptt_run --ns - --netns "$RTR" -p icmp
	assert_error 3 "root|CAP_NET_ADMIN"
	assert_no_iptt_table
}

# uid nobody with CAP_NET_ADMIN only (ambient, so it survives exec)
as_nobody_net_admin() {
	IPTT_WRAP=(setpriv --reuid=65534 --regid=65534 --clear-groups
		--inh-caps=-all,+net_admin --ambient-caps=+net_admin
		--bounding-set=-all,+net_admin)
}

# root without CAP_NET_RAW (root's caps after exec are the bounding set)
as_root_no_net_raw() {
	IPTT_WRAP=(setpriv --inh-caps=-net_raw --bounding-set=-net_raw)
}

@test "CAP_NET_ADMIN without root: exit 3, not 1" {
	as_nobody_net_admin
	iptt_run -p icmp
	assert_error 3 "ip_tables_names: Permission denied; run as root"
	assert_no_iptt_table
}

@test "root without CAP_NET_RAW, legacy tables in use: exit 3, not 1" {
	ip netns exec "$RTR" iptables-legacy -A FORWARD -p icmp -j ACCEPT
	nf_log=$(ip netns exec "$RTR" cat /proc/net/netfilter/nf_log)
	as_root_no_net_raw
	iptt_run -p icmp
	assert_error 3 "CAP_NET_RAW"
	assert_no_iptt_table
	[ "$(ip netns exec "$RTR" cat /proc/net/netfilter/nf_log)" = "$nf_log" ]
}

@test "--cleanup without the rights it needs: exit 3, not 'removed 0'" {
	# a leftover TRACE rule of a killed run, so there is work to refuse
	ip netns exec "$RTR" iptables-legacy -t raw -I PREROUTING -m comment \
		--comment "iptables-trace 99999" -j TRACE
	as_root_no_net_raw
	iptt_run --cleanup
	assert_error 3 "CAP_NET_RAW"
	as_nobody_net_admin
	iptt_run --cleanup
	assert_error 3 "Permission denied|CAP_NET_RAW"
	# nothing was removed
	ip netns exec "$RTR" iptables-legacy -t raw -S PREROUTING | grep -q TRACE
}

@test "unknown namespace name: exit 4 naming it" {
	iptt_run --ns - --netns "$LAB-nosuch" -p icmp
	assert_error 4 "$LAB-nosuch"
}

@test "a fatal message shows control bytes escaped, never raw" {
	iptt_run --ns - --netns "$LAB-x"$'\e[31m\r'"y" -p icmp
	assert_error 4 "unknown network namespace"
	grep -qF "$LAB-x\x1b[31m\x0dy" "$IPTT_ERR"
	! grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$IPTT_ERR"
}

@test "unknown namespace path: exit 4" {
	iptt_run --ns - --netns "/run/netns/$LAB-nosuch" -p icmp
	assert_error 4 "$LAB-nosuch"
}

@test "a path that is not a network namespace: exit 4" {
	iptt_run --ns - --netns /proc/self/ns/uts -p icmp
	assert_error 4 "/proc/self/ns/uts"
}

@test "invalid filter: exit 2 with libpcap's message" {
	iptt_run port 99999
	assert_error 2 "illegal port number 99999 > 65535"
	assert_no_iptt_table

	iptt_run host $CLI_IP and
	assert_error 2 "syntax error"
	assert_no_iptt_table

	# DLT_RAW has no link layer
	iptt_run ether host 02:00:00:00:00:01
	assert_error 2 "ethernet addresses supported only on"
	assert_no_iptt_table
}

@test "filter too long for the bpf match: exit 2" {
	expr="host 10.99.3.1"
	for i in $(seq 2 40); do expr="$expr or host 10.99.3.$i"; done
	iptt_run $expr
	assert_error 2 "too long"
	grep -q "64" "$IPTT_ERR"
	assert_no_iptt_table
}

@test "bad shortcut arguments: exit 2" {
	iptt_run -s 10.99.1.300
	assert_error 2 "invalid source address '10.99.1.300'"
	iptt_run -d nohost
	assert_error 2 "invalid destination address 'nohost'"
	iptt_run -p nosuchproto
	assert_error 2 "unknown protocol 'nosuchproto'"
	assert_no_iptt_table
}

@test "bad options: exit 2" {
	iptt_run --count 0
	assert_error 2 "--count '0'"
	iptt_run --limit=fast
	assert_error 2 "--limit"
	iptt_run --chain INPUT
	assert_error 2 "--chain 'INPUT'"
	iptt_run --timeout -1
	assert_error 2 "--timeout '-1'"
	iptt_run --bpf icmp tcp
	assert_error 2 "either with --bpf or as arguments"
	assert_no_iptt_table
}

@test "kernel without nf_tables (faked with LD_PRELOAD): exit 5" {
	# make: a shim older than its source would fake another kernel
	make -C "$IPTT_ROOT" -s build/tests/fake_nonft.so >&3
	# The shim fails only nf_tables (see fake_nonft.c); nfnetlink_log
	# still works, so auto mode would fall back to legacy TRACE rules
	# (trace_rules_fallback.bats). Asking for nf_tables is what must fail.
	IPTT_WRAP=(env LD_PRELOAD="$IPTT_SHIM")
	nf_log=$(ip netns exec "$RTR" cat /proc/net/netfilter/nf_log)
	iptt_run --backend=nft -p icmp
	assert_error 5 "nf_tables"
	assert_no_iptt_table
	# nothing was put in its place either
	[ -z "$(ip netns exec "$RTR" cat /proc/net/ip_tables_names)" ]
	[ -z "$(ip netns exec "$RTR" cat /proc/net/ip6_tables_names)" ]
	[ "$(ip netns exec "$RTR" cat /proc/net/netfilter/nf_log)" = "$nf_log" ]
}

@test "a long expression is never cut short: -s 10.99.1.23 does not become 10.99.1.2" {
	# 998 characters; with " and src host 10.99.1.23" added the combined
	# filter is 1024 characters long. Either the tool refuses it (exit 2)
	# or it traces exactly what was asked: not the client 10.99.1.2.
	expr="icmp$(printf '%*s' 994 '')"
	if iptt_start -s 10.99.1.23 "$expr" 3>/dev/null; then
		ping_ok "$CLI" $SRV_IP
		iptt_stop_ok
		if [ "$(block_count)" -ne 0 ]; then
			echo "# filter -s 10.99.1.23 traced packets from $CLI_IP; stderr:" >&3
			sed 's/^/#   /; s/   */ /g' "$IPTT_ERR" >&3
			false
		fi
	else
		iptt_wait_exit 5
		assert_error 2 "too long"
	fi
}

@test "--netns on a FIFO or a device: exit 4 at once, no hang in open()" {
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	SECONDS=0
	iptt_run --ns - --netns "$BATS_TEST_TMPDIR/fifo" -p icmp
	assert_error 4 "is not a network namespace"
	[ "$SECONDS" -lt 5 ]
	iptt_run --ns - --netns /dev/null -p icmp
	assert_error 4 "'/dev/null' is not a network namespace"
	# a directory
	iptt_run --ns - --netns "$BATS_TEST_TMPDIR" -p icmp
	assert_error 4 "is not a network namespace"
}

@test "-i with an invalid interface name: exit 2" {
	iptt_run -i "" -p icmp
	assert_error 2 "invalid interface name '': empty"
	iptt_run -i a/b -p icmp
	assert_error 2 "invalid interface name 'a/b'"
	iptt_run -i "r 0" -p icmp
	assert_error 2 "invalid interface name 'r 0'"
	iptt_run -i 0123456789abcdef -p icmp
	assert_error 2 "'0123456789abcdef' is too long"
	assert_no_iptt_table
}

@test "getopt errors: one line without argv[0], exit 2" {
	iptt_run --foo
	assert_error 2 "unrecognized option '--foo' \(see --help\)$"
	iptt_run --foo=bar
	assert_error 2 "unrecognized option '--foo' \(see --help\)$"
	iptt_run -x
	assert_error 2 "invalid option '-x' \(see --help\)$"
	iptt_run --count
	assert_error 2 "option '--count' requires an argument \(see --help\)$"
	iptt_run -p
	assert_error 2 "option '-p' requires an argument \(see --help\)$"
	iptt_run --json=yes
	assert_error 2 "option '--json' takes no argument \(see --help\)$"
	iptt_run --c
	assert_error 2 "ambiguous option '--c' \(see --help\)$"
	! grep -q "$IPTT_BIN" "$IPTT_ERR"
}

@test "--help and --version on /dev/full: exit 1 saying why" {
	rc=0
	"$IPTT_BIN" --help >/dev/full 2>"$BATS_TEST_TMPDIR/err" || rc=$?
	[ "$rc" -eq 1 ]
	grep -qx 'iptables-trace: writing output: No space left on device' "$BATS_TEST_TMPDIR/err"
	rc=0
	"$IPTT_BIN" --version >/dev/full 2>/dev/null || rc=$?
	[ "$rc" -eq 1 ]
}
