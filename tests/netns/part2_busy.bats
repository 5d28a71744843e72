#!/usr/bin/env bats
# Busy hosts: legacy rules edited in place while tracing, legacy and nft
# chains at the same hook and priority, and a tool that stalls while
# traffic flows.

load lib
load part2_lib

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
