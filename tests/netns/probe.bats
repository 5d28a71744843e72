#!/usr/bin/env bats
# --probe and --probe-file: a packet that does not exist, judged by the
# kernel in a copy of the router's namespace. The probe must tell the
# truth: for each case a real packet with the same 5-tuple crosses the
# live lab under live tracing, and the probe's steps, positions, rule
# texts, NAT lines and fate must equal the real packet's (ids, timestamps
# and what only a real connection has aside). And the live namespace must
# not notice: same rulesets, conntrack, counters, nf_log, nothing at the
# server, and nothing left after kill -9.

load lib
load legacy_lib

setup_file() { p2_setup_file; }
teardown_file() { p2_teardown_file; }
setup() { lab_setup; }
teardown() { lab_teardown; }

# What must be equal between a real packet's story and the probe's: the
# steps as printed, the header changes and the fate (JSON, one object).
NORM='{steps: [.steps[] | {type, family, table, chain, hook, position,
	rule, verdict, target}],
	changes: [.changes[] | {what, field, from, to, by, text}],
	ct_state: .conntrack.state,
	fate: (.fate | {kind, verdict, by_policy, text, out})}'

# live_story JQ_SELECT: the first live-traced packet ($IPTT_OUT, JSON
# Lines) that JQ_SELECT picks, normalized.
live_story() {
	jq -c "select($1)" "$IPTT_OUT" | head -n1 | jq -S "$NORM"
}

# probe_story [ROLE]: the probe's (or its answer's) story, normalized.
probe_story() {
	jq -c "select(.probe_role == \"${1:-probe}\")" "$IPTT_OUT" | head -n1 |
		jq -S "$NORM"
}

# assert_same_story LIVE PROBE: equal, or a diff on fd 3.
assert_same_story() {
	[ -n "$1" ] && [ "$1" != null ] || { echo "# no live story" >&3; return 1; }
	[ "$1" = "$2" ] && return 0
	{
		echo "# the probe's story differs from the real packet's:"
		diff <(printf '%s\n' "$1") <(printf '%s\n' "$2") | sed 's/^/#   /'
	} >&3
	return 1
}

# probe ARGS...: run --probe in the router (iptt_run: rc in IPTT_RC).
probe() { iptt_run --probe "$@"; }

# ---------------------------------------------------------------- the truth

@test "truth: forward with DNAT and SNAT, TCP with the same 5-tuple" {
	load_nat_ruleset
	tcp_listen "$SRV" 8080
	iptt_start --json -s $CLI_IP -p tcp
	ip netns exec "$CLI" timeout 5 socat -T2 - \
		TCP:$VIP:8080,sourceport=40123,connect-timeout=2 </dev/null >/dev/null
	iptt_stop_ok
	live=$(live_story '.packet.sport == 40123 and .packet.tcp_flags == ["SYN"] and .iif == "r0"')

	probe -i r0 -p tcp -s $CLI_IP -d $VIP --sport 40123 --dport 8080 --json
	[ "$IPTT_RC" -eq 0 ]
	assert_same_story "$live" "$(probe_story)"
	# the story has the NAT lines it should
	probe_story | jq -e '.changes | map(.what) | index("DNAT") != null' >/dev/null
	probe_story | jq -e '.changes | map(.what) | index("MASQUERADE") != null' >/dev/null
	probe_story | jq -e '.fate.kind == "forwarded"' >/dev/null
}

@test "truth: a drop by a rule and a drop by a policy" {
	rtr_nft <<-EOF
	table inet filter {
		chain forward {
			type filter hook forward priority filter; policy drop;
			tcp dport 23 counter drop
			icmp type echo-request accept
		}
	}
	EOF
	iptt_start --json -s $CLI_IP -p tcp
	ip netns exec "$CLI" timeout 2 socat -T1 - \
		TCP:$SRV_IP:23,sourceport=40023,connect-timeout=0.3 </dev/null >/dev/null 2>&1 || true
	ip netns exec "$CLI" timeout 2 socat -T1 - \
		TCP:$SRV_IP:24,sourceport=40024,connect-timeout=0.3 </dev/null >/dev/null 2>&1 || true
	iptt_stop_ok
	by_rule=$(live_story '.packet.sport == 40023')
	by_policy=$(live_story '.packet.sport == 40024')

	probe -i r0 -p tcp -s $CLI_IP -d $SRV_IP --sport 40023 --dport 23 --json --expect drop
	[ "$IPTT_RC" -eq 0 ]
	assert_same_story "$by_rule" "$(probe_story)"
	probe_story | jq -e '.fate.by_policy == false and .fate.kind == "drop"' >/dev/null

	probe -i r0 -p tcp -s $CLI_IP -d $SRV_IP --sport 40024 --dport 24 --json --expect drop
	[ "$IPTT_RC" -eq 0 ]
	assert_same_story "$by_policy" "$(probe_story)"
	probe_story | jq -e '.fate.by_policy == true' >/dev/null
}

@test "truth: local delivery, and the copy's RST is the host's answer" {
	rtr_nft <<-EOF
	table inet filter {
		chain input {
			type filter hook input priority filter; policy drop;
			tcp dport 22 counter accept
		}
	}
	EOF
	iptt_start --json -s $CLI_IP -p tcp
	ip netns exec "$CLI" timeout 2 socat -T1 - \
		TCP:$RTR_IP1:22,sourceport=40022,connect-timeout=0.5 </dev/null >/dev/null 2>&1 || true
	iptt_stop_ok
	live=$(live_story '.packet.sport == 40022')

	probe -i r0 -p tcp -s $CLI_IP -d $RTR_IP1 --sport 40022 --dport 22 --json --expect local
	[ "$IPTT_RC" -eq 0 ]
	assert_same_story "$live" "$(probe_story)"
	# nothing listens on 22: the copy answers with a reset, as the router did
	jq -se 'map(select(.probe_role == "answer" and .packet.dport == 40022 and
		(.packet.tcp_flags | contains(["RST"])))) | length == 1' "$IPTT_OUT" >/dev/null

	# and in text, the answer is a block of its own, marked as such
	probe -i r0 -p tcp -s $CLI_IP -d $RTR_IP1 --sport 40022 --dport 22
	[ "$IPTT_RC" -eq 0 ]
	b=$(block '^the host'\''s answer \(from the copy\):$')
	assert_lines_re "$b" "^IN= OUT=r0 SRC=$RTR_IP1 DST=$CLI_IP .*SPT=22 DPT=40022 .*RST" \
		"^  => ACCEPT, sent out r0$"
}

@test "truth: --from-host takes the OUTPUT path" {
	rtr_nft <<-EOF
	table inet filter {
		chain output {
			type filter hook output priority filter; policy accept;
			icmp type echo-request oifname "r1" counter accept
		}
	}
	EOF
	iptt_start --json -s $RTR_IP2 -p icmp
	ping_ok "$RTR" -I $RTR_IP2 $SRV_IP
	iptt_stop_ok
	live=$(live_story '.packet.icmp_type == 8')

	probe --from-host -p icmp -s $RTR_IP2 -d $SRV_IP --json --expect accept
	[ "$IPTT_RC" -eq 0 ]
	assert_same_story "$live" "$(probe_story)"
	probe_story | jq -e '.fate.kind == "sent" and .fate.out == "r1"' >/dev/null
}

@test "--from-host to an address of its own: the pass back in over lo ends the story" {
	rtr_nft <<-EOF
	table inet filter {
		chain input {
			type filter hook input priority filter; policy accept;
			tcp dport 22 counter drop
		}
	}
	EOF
	probe --from-host -p tcp -s $RTR_IP1 -d $RTR_IP1 --dport 22 --expect drop
	[ "$IPTT_RC" -eq 0 ] || { sed 's/^/# /' "$IPTT_OUT" "$IPTT_ERR" >&3; false; }
	assert_lines "$(block "^IN= OUT=lo ")" "=> ACCEPT, sent out lo"
	assert_lines "$(block "^the probe, back in over lo:")" \
		"inet filter input (#1) tcp dport 22 counter drop => DROP" \
		"=> DROP by inet filter input (#1) tcp dport 22 counter drop"
	! grep -q "the host's answer" "$IPTT_OUT"
	grep -qx "expect drop: got drop (DROP by inet filter input (#1) tcp dport 22 counter drop)" "$IPTT_OUT"
	probe --from-host -p tcp -s $RTR_IP1 -d $RTR_IP1 --dport 22 --json
	jq -se 'map(select(.probe_role == "looped")) | length == 1 and .[0].fate.kind == "drop"' \
		"$IPTT_OUT" >/dev/null
	jq -se 'map(select(.probe_role == "result")) | .[0].fate == "drop"' "$IPTT_OUT" >/dev/null
}

@test "truth: IPv6 forward" {
	rtr_nft <<-EOF
	table inet filter {
		chain forward {
			type filter hook forward priority filter; policy drop;
			icmpv6 type echo-request ip6 saddr $CLI_IP6 counter accept
			icmpv6 type echo-reply accept
		}
	}
	EOF
	iptt_start --json -s $CLI_IP6 -p icmpv6
	ping_ok "$CLI" -6 $SRV_IP6
	iptt_stop_ok
	live=$(live_story '.packet.icmp_type == 128')

	probe -i r0 -p icmpv6 -s $CLI_IP6 -d $SRV_IP6 --json --expect forward
	[ "$IPTT_RC" -eq 0 ]
	assert_same_story "$live" "$(probe_story)"
}

@test "truth: a legacy ruleset with an ipset" {
	ip netns exec "$RTR" ipset create prun_web hash:ip,port family inet
	ip netns exec "$RTR" ipset add prun_web $SRV_IP,tcp:8080
	ipt_restore legacy 4 <<-EOF
	*filter
	:FORWARD ACCEPT [0:0]
	-A FORWARD -p tcp -m set --match-set prun_web dst,dst -m comment --comment "web in set" -j DROP
	COMMIT
	EOF
	p2_nf_log_save
	iptt_start --json -s $CLI_IP -p tcp
	ip netns exec "$CLI" timeout 2 socat -T1 - \
		TCP:$SRV_IP:8080,sourceport=40080,connect-timeout=0.3 </dev/null >/dev/null 2>&1 || true
	iptt_stop_ok
	live=$(live_story '.packet.sport == 40080')

	probe -i r0 -p tcp -s $CLI_IP -d $SRV_IP --sport 40080 --dport 8080 --json --expect drop
	[ "$IPTT_RC" -eq 0 ]
	assert_same_story "$live" "$(probe_story)"
	probe_story | jq -e '.steps | map(.rule) | any(. != null and test("match-set prun_web"))' >/dev/null
	# the probe bound no logger in the router: its nf_log is its own
	p2_assert_nf_log_back
}

@test "truth: a mixed host (legacy nat, iptables-nft filter, native inet)" {
	ipt_restore legacy 4 <<-EOF
	*nat
	-A PREROUTING -d $VIP/32 -p icmp -m comment --comment "legacy dnat" -j DNAT --to-destination $SRV_IP
	-A POSTROUTING -o r1 -j MASQUERADE
	COMMIT
	EOF
	ipt_restore nft 4 <<-EOF
	*filter
	:FORWARD DROP [0:0]
	-A FORWARD -p icmp -m comment --comment "iptables-nft filter" -j ACCEPT
	COMMIT
	EOF
	rtr_nft <<-EOF
	table inet fw {
		chain early {
			type filter hook prerouting priority -160; policy accept;
			ip daddr $VIP counter comment "native, before nat"
		}
		chain forward {
			type filter hook forward priority 10; policy accept;
			oifname "r1" ip protocol icmp counter accept
		}
	}
	EOF
	iptt_start --json -s $CLI_IP -p icmp
	ping_ok "$CLI" $VIP
	iptt_stop_ok
	live=$(live_story '.packet.icmp_type == 8')

	probe -i r0 -p icmp -s $CLI_IP -d $VIP --json --expect forward
	[ "$IPTT_RC" -eq 0 ]
	assert_same_story "$live" "$(probe_story)"
}

# ---------------------------------------------------------------- options

@test "--ct established takes the ct state established path" {
	rtr_nft <<-EOF
	table inet filter {
		chain input {
			type filter hook input priority filter; policy accept;
			ct state established counter accept
			tcp dport 22 drop
		}
	}
	EOF
	probe -i r0 -p tcp -s $CLI_IP -d $RTR_IP1 --dport 22 --ct established --expect local
	[ "$IPTT_RC" -eq 0 ]
	b=$(block "^IN=r0 ")
	assert_lines "$b" "inet filter input (#1) ct state established counter accept => ACCEPT"
	assert_lines_re "$b" "^  conntrack: established, original direction"
	# the entry has no NAT binding, and the output says so
	grep -qx "note: --ct established: the conntrack entry was made without NAT: if the rules NAT this connection, its real packets are rewritten and this probe was not" "$IPTT_OUT"
	# a new connection is dropped by #2
	probe -i r0 -p tcp -s $CLI_IP -d $RTR_IP1 --dport 22 --expect drop
	[ "$IPTT_RC" -eq 0 ]
	b=$(block "^IN=r0 ")
	assert_lines "$b" "inet filter input (#2) tcp dport 22 drop => DROP"
}

@test "--ct related: an expected connection, and an ICMP error about a flow" {
	rtr_nft <<-EOF
	table inet filter {
		chain input {
			type filter hook input priority filter; policy drop;
			ct state related counter accept
		}
	}
	EOF
	probe -i r0 -p tcp -s $CLI_IP -d $RTR_IP1 --dport 2000 --ct related --expect local
	[ "$IPTT_RC" -eq 0 ]
	assert_lines_re "$(block "^IN=r0 ")" "^  conntrack: related, original direction"
	probe -i r0 -p icmp -s $CLI_IP -d $RTR_IP1 --icmp-type port-unreachable --ct related \
		--expect local
	[ "$IPTT_RC" -eq 0 ]
	assert_lines_re "$(block "^IN=r0 ")" "^  conntrack: related, reply direction"
}

@test "--mark: the probe arrives with its mark" {
	rtr_nft <<-EOF
	table inet filter {
		chain forward {
			type filter hook forward priority filter; policy drop;
			meta mark 0x2a counter accept
		}
	}
	EOF
	probe -i r0 -p udp -s $CLI_IP -d $SRV_IP --dport 53 --mark 42 --expect forward
	[ "$IPTT_RC" -eq 0 ]
	assert_lines_re "$(block "^IN=r0 ")" "MARK=0x2a"
	probe -i r0 -p udp -s $CLI_IP -d $SRV_IP --dport 53 --expect drop
	[ "$IPTT_RC" -eq 0 ]
	# the mark chain of our own table is no step of the story
	refute_line_re "$(cat "$IPTT_OUT")" "iptables-trace-"
}

@test "--from-host --mark: SO_MARK, and a drop at OUTPUT is the story's, not an error" {
	rtr_nft <<-EOF
	table inet filter {
		chain output {
			type filter hook output priority filter; policy accept;
			meta mark 0x7 counter drop
		}
	}
	EOF
	probe --from-host -p udp -s $RTR_IP2 -d $SRV_IP --mark 7 --expect drop
	[ "$IPTT_RC" -eq 0 ]
	b=$(block "^IN= OUT=r1 ")
	assert_lines_re "$b" "MARK=0x7" "^  inet filter output \(#1\) meta mark 0x00000007 counter drop => DROP$"
	# a file mixing families, arming the copy for each
	printf '%s\n' "--from-host -p udp -s $RTR_IP2 -d $SRV_IP --expect accept" \
		"-i r0 -p icmpv6 -s $CLI_IP6 -d $RTR_IP6_1 --expect local" >"$BATS_TEST_TMPDIR/mixed"
	iptt_run --probe-file "$BATS_TEST_TMPDIR/mixed"
	[ "$IPTT_RC" -eq 0 ]
	grep -Eq '^2 +2 +local +local +ok +icmpv6 ' "$IPTT_OUT"
}

@test "--ruleset: a candidate changes the fate; the live ruleset stays as it was" {
	rtr_nft <<-EOF
	table inet filter {
		chain forward {
			type filter hook forward priority filter; policy accept;
			tcp dport 23 drop
		}
	}
	EOF
	cat >"$BATS_TEST_TMPDIR/candidate.nft" <<-EOF
	table inet filter {
		chain forward {
			type filter hook forward priority filter; policy accept;
			tcp dport 23 ip saddr $CLI_IP accept
			tcp dport 23 drop
		}
	}
	EOF
	before=$(ip netns exec "$RTR" nft list ruleset)
	probe -i r0 -p tcp -s $CLI_IP -d $SRV_IP --dport 23 --expect drop
	[ "$IPTT_RC" -eq 0 ]
	probe -i r0 -p tcp -s $CLI_IP -d $SRV_IP --dport 23 --expect forward \
		--ruleset "$BATS_TEST_TMPDIR/candidate.nft"
	[ "$IPTT_RC" -eq 0 ]
	assert_lines "$(block "^IN=r0 ")" \
		"inet filter forward (#1) tcp dport 23 ip saddr $CLI_IP accept => ACCEPT"
	[ "$(ip netns exec "$RTR" nft list ruleset)" = "$before" ]
}

@test "an anonymous chain: the copy is refused saying what to do; --ruleset probes it" {
	rtr_nft <<-EOF
	table inet filter {
		chain forward {
			type filter hook forward priority filter; policy accept;
			tcp dport 23 jump { ip saddr $CLI_IP accept; drop; }
		}
	}
	EOF
	ip netns exec "$RTR" nft list ruleset >"$BATS_TEST_TMPDIR/same.nft"
	probe -i r0 -p tcp -s $CLI_IP -d $SRV_IP --dport 23
	assert_error 1 "cannot copy table inet filter exactly: it holds an anonymous chain .*--ruleset"
	probe -i r0 -p tcp -s $CLI_IP -d $SRV_IP --dport 23 --expect forward \
		--ruleset "$BATS_TEST_TMPDIR/same.nft"
	[ "$IPTT_RC" -eq 0 ]
	grep -qx "note: table inet filter holds an anonymous chain (jump { ... }): its rules were not scanned for state the copy lacks" "$IPTT_OUT"
	assert_lines_re "$(block "^IN=r0 ")" \
		"inet filter forward \(#1\) tcp dport 23 jump \{ ip saddr $CLI_IP accept; drop \} => jump __chain[0-9]+" \
		"inet filter __chain[0-9]+ \(#1\) ip saddr $CLI_IP accept => ACCEPT"
	[ ! -s "$IPTT_ERR" ] || { sed 's/^/# err: /' "$IPTT_ERR" >&3; false; }
}

@test "--expect: 0 when the fate matches, 7 when it does not, with one line saying so" {
	rtr_nft <<-EOF
	table inet filter {
		chain forward {
			type filter hook forward priority filter; policy accept;
			tcp dport 23 drop
		}
	}
	EOF
	probe -i r0 -p tcp -s $CLI_IP -d $SRV_IP --dport 23 --expect drop
	[ "$IPTT_RC" -eq 0 ]
	grep -qx 'expect drop: got drop (DROP by inet filter forward (#1) tcp dport 23 drop)' "$IPTT_OUT"
	probe -i r0 -p tcp -s $CLI_IP -d $SRV_IP --dport 23 --expect accept
	[ "$IPTT_RC" -eq 7 ]
	grep -qx 'expect accept: got drop (DROP by inet filter forward (#1) tcp dport 23 drop): MISMATCH' "$IPTT_OUT"
	probe -i r0 -p tcp -s $CLI_IP -d $SRV_IP --dport 23 --expect drop --json
	[ "$IPTT_RC" -eq 0 ]
	jq -se 'map(select(.probe_role == "result")) | .[0].matched == true and
		.[0].fate == "drop"' "$IPTT_OUT" >/dev/null
}

@test "--probe-file: one story per probe, a closing table, exit 7 on a difference" {
	rtr_nft <<-EOF
	table inet filter {
		chain forward {
			type filter hook forward priority filter; policy accept;
			tcp dport 23 drop
		}
		chain input {
			type filter hook input priority filter; policy accept;
			ct state established accept
			tcp dport 22 reject with tcp reset
		}
	}
	EOF
	f=$BATS_TEST_TMPDIR/probes
	cat >"$f" <<-EOF
	# the router's promises
	-i r0 -p tcp -s $CLI_IP -d $SRV_IP --dport 80 --expect forward

	-i r0 -p tcp -s $CLI_IP -d $SRV_IP --dport 23 --expect drop   # no telnet
	-i r0 -p tcp -s $CLI_IP -d $RTR_IP1 --dport 22 --expect reject
	-i r0 -p tcp -s $CLI_IP -d $RTR_IP1 --dport 22 --ct established --expect local
	-i r0 -p tcp -s $CLI_IP -d $RTR_IP1 --dport 22 --expect local
	EOF
	iptt_run --probe-file "$f"
	[ "$IPTT_RC" -eq 7 ]
	[ "$(grep -c '^probe [0-9] (line [0-9]):' "$IPTT_OUT")" -eq 5 ]
	grep -Eq '^1 +2 +forward +forward +ok +tcp ' "$IPTT_OUT"
	grep -Eq '^2 +4 +drop +drop +ok ' "$IPTT_OUT"
	grep -Eq '^3 +5 +reject +reject +ok ' "$IPTT_OUT"
	# the entry of probe 4 is gone again for probe 5: conntrack flushed
	grep -Eq '^4 +6 +local +local +ok ' "$IPTT_OUT"
	grep -Eq '^5 +7 +local +reject +MISMATCH ' "$IPTT_OUT"

	sed -i '$d' "$f"
	iptt_run --probe-file "$f"
	[ "$IPTT_RC" -eq 0 ]

	echo "-i r0 -p icmp -s $CLI_IP -d $SRV_IP --dport 1" >>"$f"
	iptt_run --probe-file "$f"
	assert_error 2 "probes:7: --dport with -p icmp: ICMP has no ports"
}

@test "--probe-file: one arming serves every probe; each story is the probe's own" {
	rtr_nft <<-EOF
	table inet filter {
		chain forward {
			type filter hook forward priority filter; policy drop;
			meta mark 0x2a accept
			tcp dport 80 accept
			icmpv6 type echo-request accept
		}
		chain input {
			type filter hook input priority filter; policy accept;
			tcp dport 22 reject with tcp reset
		}
	}
	EOF
	# both families, a mark and then none (the mark chain goes again),
	# an answer over lo, an answer on the wire
	f=$BATS_TEST_TMPDIR/probes
	cat >"$f" <<-EOF
	-i r0 -p tcp -s $CLI_IP -d $SRV_IP --dport 80 --sport 40001
	-i r0 -p icmpv6 -s $CLI_IP6 -d $SRV_IP6
	-i r0 -p tcp -s $CLI_IP -d $SRV_IP --dport 81 --sport 40002 --mark 42
	-i r0 -p tcp -s $CLI_IP -d $SRV_IP --dport 81 --sport 40003
	--from-host -p tcp -s $RTR_IP1 -d $RTR_IP1 --dport 22 --sport 40004
	-i r0 -p tcp -s $CLI_IP -d $RTR_IP1 --dport 22 --sport 40005
	EOF
	iptt_run --probe-file "$f" --json
	[ "$IPTT_RC" -eq 0 ]
	cp "$IPTT_OUT" "$BATS_TEST_TMPDIR/file.json"
	n=0
	while read -r line; do
		n=$((n + 1))
		jq -c "select(.probe == $n and .probe_role != \"result\")" \
			"$BATS_TEST_TMPDIR/file.json" | jq -S "$NORM" >"$BATS_TEST_TMPDIR/in_file"
		# shellcheck disable=SC2086 # the line's words are the options
		probe $line --json
		[ "$IPTT_RC" -eq 0 ]
		jq -c 'select(.probe_role == "probe" or .probe_role == "looped" or
			     .probe_role == "answer")' "$IPTT_OUT" |
			jq -S "$NORM" >"$BATS_TEST_TMPDIR/alone"
		[ -s "$BATS_TEST_TMPDIR/alone" ]
		diff -u "$BATS_TEST_TMPDIR/alone" "$BATS_TEST_TMPDIR/in_file"
	done <"$f"
	[ "$n" -eq 6 ]
	# the marked probe went through, the next one did not
	jq -se 'map(select(.probe == 3 and .probe_role == "probe"))[0].fate.kind ==
		"forwarded"' "$BATS_TEST_TMPDIR/file.json" >/dev/null
	jq -se 'map(select(.probe == 4 and .probe_role == "probe"))[0].fate.kind ==
		"drop"' "$BATS_TEST_TMPDIR/file.json" >/dev/null
}

@test "bad probes: one line and exit 2" {
	probe -i eth9 -p tcp -s $CLI_IP -d $SRV_IP
	assert_error 2 "-i eth9: no such interface in this network namespace \(it has: lo, r0, r1\)"
	probe -i r0 -p icmp -s $CLI_IP -d $SRV_IP --dport 80
	assert_error 2 "--dport with -p icmp: ICMP has no ports"
	probe -i r0 -p tcp -s $CLI_IP -d $SRV_IP6
	assert_error 2 "one address is IPv4 and the other IPv6"
	probe -i r0 --from-host -p tcp -s $CLI_IP -d $SRV_IP
	assert_error 2 "-i r0 and --from-host"
	probe -p tcp -s $CLI_IP -d $SRV_IP
	assert_error 2 "needs -i IFACE"
	probe -i lo -p tcp -s $CLI_IP -d $SRV_IP
	assert_error 2 "-i lo: no packet arrives on lo from a wire"
	probe --probe-file /nonexistent
	assert_error 2 "--probe and --probe-file"
	probe -i r0 -p tcp -s $CLI_IP -d $SRV_IP -c 1
	assert_error 2 "invalid option '-c'"
	printf 'table inet broken {\n\tchain c { nonsense here }\n}\n' >"$BATS_TEST_TMPDIR/bad.nft"
	probe -i r0 -p tcp -s $CLI_IP -d $SRV_IP --ruleset "$BATS_TEST_TMPDIR/bad.nft"
	assert_error 2 "bad.nft"
	probe -i r0 -p tcp -s $CLI_IP -d $SRV_IP --ruleset "$BATS_TEST_TMPDIR/missing.nft"
	assert_error 2 "--ruleset .*missing.nft: No such file or directory"
}

# ---------------------------------------------------------------- untouched

# Everything of the router a probe could change, and the server's side.
snapshot() {
	{
		ip netns exec "$RTR" nft list ruleset
		ip netns exec "$RTR" iptables-nft-save | grep -v '^#'
		ip netns exec "$RTR" iptables-legacy-save | grep -v '^#'
		ip netns exec "$RTR" ip6tables-legacy-save | grep -v '^#'
		echo "conntrack: $(ip netns exec "$RTR" conntrack -C)"
		ip -n "$RTR" -s link show | grep -vE 'altname'
		ip netns exec "$RTR" cat /proc/net/netfilter/nf_log
		ip -n "$SRV" -s link show dev s0
		ip netns exec "$SRV" nft list ruleset
	} 2>&1
}

@test "the live namespace is untouched: rules, conntrack, counters, nf_log, server" {
	# IPv6 sends router solicitations and MLD reports by itself, which
	# would move the counters: without it, only the probes could.
	for ns in "$CLI" "$RTR" "$SRV"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1
	done
	load_nat_ruleset
	ipt_restore legacy 4 <<-EOF
	*filter
	-A FORWARD -p udp --dport 9 -j DROP
	COMMIT
	EOF
	ip netns exec "$SRV" nft -f - <<-EOF
	table inet probe_watch {
		chain in {
			type filter hook prerouting priority -500; policy accept;
			meta nfproto ipv4 counter
		}
	}
	EOF
	# a live connection in the router's table, which the copy must not touch
	ping_ok "$CLI" $VIP
	pin_neighbours "$CLI" "$RTR" "$SRV"
	before=$(snapshot)
	probe -i r0 -p tcp -s $CLI_IP -d $VIP --dport 8080 --expect forward
	[ "$IPTT_RC" -eq 0 ]
	probe -i r0 -p icmp -s $CLI_IP -d $SRV_IP --expect forward
	[ "$IPTT_RC" -eq 0 ]
	probe --from-host -p udp -s $RTR_IP2 -d $SRV_IP --dport 9 --ct established
	[ "$IPTT_RC" -eq 0 ]
	probe -i r0 -p udp -s $CLI_IP -d $SRV_IP --dport 9 --expect drop
	[ "$IPTT_RC" -eq 0 ]
	after=$(snapshot)
	if [ "$before" != "$after" ]; then
		diff <(printf '%s\n' "$before") <(printf '%s\n' "$after") | sed 's/^/#   /' >&3
		return 1
	fi
	# nothing reached the server: its counter (in the snapshots) did not
	# move, and it did count the ping
	ip netns exec "$SRV" nft list chain inet probe_watch in | grep -q 'counter packets 1 '
}

@test "kill -9 during a probe leaves nothing: no namespace, no state file, no nf_log" {
	ipt_restore legacy 4 <<-EOF
	*filter
	-A INPUT -p tcp --dport 9 -j DROP
	COMMIT
	EOF
	f=$BATS_TEST_TMPDIR/many
	for i in $(seq 200); do
		echo "-i r0 -p tcp -s $CLI_IP -d $RTR_IP1 --dport 9 --expect drop" >>"$f"
	done
	# a state directory of this test's own: other runs share /run's
	export IPTT_STATE_DIR=$BATS_TEST_TMPDIR/state
	mkdir -p "$IPTT_STATE_DIR"
	netns_before=$(ls /run/netns | grep -F "$LAB-" | sort)
	p2_nf_log_save
	IPTT_OUT=$BATS_TEST_TMPDIR/iptt.out
	ip netns exec "$RTR" "$IPTT_BIN" --no-color --probe-file "$f" >"$IPTT_OUT" 2>&1 3>&- &
	IPTT_PID=$!
	for i in $(seq 100); do
		grep -q '^probe 2 ' "$IPTT_OUT" && break
		sleep 0.05
	done
	grep -q '^probe 2 ' "$IPTT_OUT"
	# the namespaces the run holds, other than the router's: the copy (its
	# own) and the wire (a descriptor)
	rtr_ino=$(stat -L -c %i "/run/netns/$RTR")
	held=$( { readlink /proc/$IPTT_PID/ns/net; readlink /proc/$IPTT_PID/fd/*; } 2>/dev/null |
		sed -n 's/^net:\[\([0-9]*\)\]$/\1/p' | grep -vx "$rtr_ino" | sort -u)
	[ "$(wc -l <<<"$held")" -ge 2 ]
	kill -9 "$IPTT_PID"
	wait "$IPTT_PID" 2>/dev/null || true
	IPTT_PID=
	# No process is in them any more, no name points to them, and the
	# kernel has let them go (lsns lists what any process still holds).
	for ino in $held; do
		if lsns -t net -n -o NS | grep -qx " *$ino"; then
			echo "# namespace $ino is still there" >&3
			return 1
		fi
		for n in /run/netns/*; do
			[ "$(stat -L -c %i "$n" 2>/dev/null)" != "$ino" ]
		done
	done
	[ "$(ls /run/netns | grep -F "$LAB-" | sort)" = "$netns_before" ]
	[ -z "$(ls -A "$IPTT_STATE_DIR")" ]
	p2_assert_nf_log_back
	assert_no_iptt_table
}

@test "--from-host without a route: routing drops it before any hook, as a real send" {
	probe --from-host -p udp -s $RTR_IP1 -d 203.0.113.5 --expect drop
	[ "$IPTT_RC" -eq 0 ]
	grep -qx "the probe never entered the firewall: the copy's raw socket refused to send it: Network is unreachable" "$IPTT_OUT"
	grep -qx 'expect drop: got drop (DROP by routing: no route to 203.0.113.5; the socket refused to send it)' "$IPTT_OUT"
	# and the real router says the same
	if ip netns exec "$RTR" ping -c1 -W1 203.0.113.5 >/dev/null 2>&1; then
		return 1
	fi
}

@test "the opening line names what was copied; notes follow it, before the story" {
	rtr_nft <<-EOF
	table inet filter {
		chain input {
			type filter hook input priority filter; policy accept;
			tcp dport 22 limit rate 3/minute accept
			tcp dport 22 drop
		}
	}
	EOF
	iptt_run --netns "$RTR" --probe -i r0 -p tcp -s $CLI_IP -d $RTR_IP1 --dport 22
	[ "$IPTT_RC" -eq 0 ]
	head -1 "$IPTT_OUT" | grep -Eqx "probe in a copy of namespace $RTR: 1 table, 1 chain, 2 rules, 0 ipsets, [0-9]+ interfaces, [0-9]+ routes"
	sed -n 2p "$IPTT_OUT" | grep -qx 'note: inet filter input (#1) uses limit; its state is not copied'
	b=$(block "^IN=r0 ")
	assert_lines "$b" "inet filter input (#1) tcp dport 22 limit rate 3/minute accept => ACCEPT" \
		"=> ACCEPT, delivered locally"
	# the last line of the output is the probe's (or its answer's) fate
	tail -n2 "$IPTT_OUT" | grep -q '^  => '
}
