#!/usr/bin/env bats
# Issue 9 item 11: the armed line is true. On a router with a 100k-rule
# iptables-nft chain, the first packet sent right after the line must be
# traced, every time.

load lib

setup() { lab_setup; }
teardown() { lab_teardown; }

# 100,000 rules in one chain that FORWARD jumps to, none matching the
# lab's addresses (iptables-nft-restore: one commit, a few seconds).
load_big_chain() {
	{
		echo '*filter'
		echo ':FORWARD ACCEPT [0:0]'
		echo ':BIG - [0:0]'
		echo '-A FORWARD -j BIG'
		awk 'BEGIN { for (i = 0; i < 100000; i++)
			printf "-A BIG -s 10.%d.%d.%d/32 -p tcp --dport %d -j DROP\n",
				100 + int(i / 65536), int(i / 256) % 256, i % 256, 1000 + i % 5000 }'
		echo 'COMMIT'
	} | ip netns exec "$RTR" iptables-nft-restore
	[ "$(ip netns exec "$RTR" nft list chain ip filter BIG | grep -c ' drop')" -eq 100000 ]
}

# Each start reads the 100k rules (about 30 s on a loaded 2-core machine,
# twice that under ASan): IPTT_ARMED_RUNS=10 for the issue's count.
@test "armed line: the first packet after it is traced, in each run beside a 100k-rule chain" {
	load_big_chain
	local run
	# the 100k rules are read before the line; this machine is shared
	IPTT_ARM_WAIT=120
	for run in $(seq "${IPTT_ARMED_RUNS:-3}"); do
		iptt_start icmp and src host $CLI_IP
		ping_ok "$CLI" $SRV_IP
		iptt_stop_ok
		block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*TYPE=8 " >/dev/null ||
			{ echo "# run $run: the first packet was not traced" >&3; return 1; }
	done
}
