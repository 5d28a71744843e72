#!/usr/bin/env bats
# After set-up the tool keeps only CAP_NET_ADMIN and CAP_NET_RAW (see
# the man page, CAPABILITIES), and still does everything the loop and
# the exit need: nft ruleset re-reads, legacy re-reads through
# iptables-legacy-save, putting nf_log back.

load lib
load legacy_lib

setup_file() { p2_setup_file; }
teardown_file() { p2_teardown_file; }
setup() { lab_setup; }
teardown() { lab_teardown; }

# status_field PID NAME: a field of /proc/PID/status
status_field() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }

@test "traces with CAP_NET_ADMIN and CAP_NET_RAW only, through an nft change, a legacy re-read and exit" {
	rtr_nft <<-EOF
	table inet fw {
		chain forward {
			type filter hook forward priority filter + 10; policy accept;
			ip protocol icmp counter
		}
	}
	EOF
	ip netns exec "$RTR" iptables-legacy -A FORWARD -p icmp -j ACCEPT
	p2_nf_log_save
	iptt_start -s $CLI_IP -p icmp
	assert_backend nft+legacy

	# bits 12 and 13; nothing in the bounding set either, so the
	# iptables-*-save children get no more; no_new_privs on
	[ "$(status_field $IPTT_PID CapEff)" = 0000000000003000 ]
	[ "$(status_field $IPTT_PID CapPrm)" = 0000000000003000 ]
	[ "$(status_field $IPTT_PID CapBnd)" = 0000000000003000 ]
	[ "$(status_field $IPTT_PID CapInh)" = 0000000000000000 ]
	[ "$(status_field $IPTT_PID CapAmb)" = 0000000000000000 ]
	[ "$(status_field $IPTT_PID NoNewPrivs)" = 1 ]

	ping_ok "$CLI" $SRV_IP
	iptt_drain
	# a new nft rule (generation change) and a legacy rule inserted first
	# (positions move: only a re-read with iptables-legacy-save knows)
	ip netns exec "$RTR" nft add rule inet fw forward ip protocol icmp meta mark set 7
	ip netns exec "$RTR" iptables-legacy -I FORWARD -p icmp -m comment \
		--comment second -j ACCEPT
	ping_ok "$CLI" $SRV_IP
	iptt_stop_ok

	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*TYPE=8 .* SEQ=1$" 1)
	assert_lines "$b" \
		"legacy filter FORWARD (#1) -p icmp -j ACCEPT => ACCEPT" \
		"inet fw forward (#1) ip protocol icmp counter => continue"
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*TYPE=8 .* SEQ=1$" 2)
	assert_lines "$b" \
		"legacy filter FORWARD (#1) -p icmp -m comment --comment second -j ACCEPT => ACCEPT" \
		"inet fw forward (#1) ip protocol icmp counter => continue" \
		"inet fw forward (#2) ip protocol icmp meta mark set 0x00000007 => continue"
	p2_assert_nf_log_back
	assert_no_iptt_table
}

@test "--trace-rules with the reduced set: the TRACE rules still leave at exit" {
	# raw tables of the namespace's own, so that none is ours to name at exit
	ip netns exec "$RTR" iptables-legacy -t raw -S >/dev/null
	ip netns exec "$RTR" ip6tables-legacy -t raw -S >/dev/null
	p2_nf_log_save
	iptt_start --trace-rules -s $CLI_IP -p icmp
	assert_backend "legacy, TRACE rules"
	[ "$(status_field $IPTT_PID CapEff)" = 0000000000003000 ]
	[ -n "$(trace_rules)" ]
	ping_ok "$CLI" $SRV_IP
	iptt_stop_ok
	block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*TYPE=8 " >/dev/null
	[ -z "$(trace_rules)" ]
	p2_assert_nf_log_back
}
