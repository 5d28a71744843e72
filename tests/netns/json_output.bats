#!/usr/bin/env bats
# Issue 4, --json: one JSON object per packet per line, with the fields
# docs/json.md describes, checked with jq; and the same story as the text
# output (a -v text run and a JSON run on the same traffic).

load lib
load story_lib

setup() { lab_setup; }
teardown() { lab_teardown; }

# The request and the reply of one ping to the virtual IP: a -v text run,
# then a JSON run on the same traffic (another ping, with another ICMP id
# so that it is a new connection for conntrack and crosses the nat chains).
# Not both at once: two instances in one namespace disturb each other (see
# the last test).
trace_nat_ping() {
	load_nat_ruleset
	p3_start text -v -p icmp
	ip netns exec "$CLI" ping -q -n -c1 -W1 -e 6100 $VIP >/dev/null
	p3_stop text
	# From outside the router, so that "netns" is set.
	p3_start json --ns - --netns "$RTR" --json -p icmp
	ip netns exec "$CLI" ping -q -n -c1 -W1 -e 6101 $VIP >/dev/null
	p3_stop json
	JSON=$(p3_out json) TEXT=$(p3_out text)
	jq -c 'select(.packet.icmp_type == 8)' "$JSON" >"$BATS_TEST_TMPDIR/req.json"
	jq -c 'select(.packet.icmp_type == 0)' "$JSON" >"$BATS_TEST_TMPDIR/rep.json"
	REQ=$BATS_TEST_TMPDIR/req.json REP=$BATS_TEST_TMPDIR/rep.json
	[ "$(wc -l <"$REQ")" -eq 1 ] && [ "$(wc -l <"$REP")" -eq 1 ]
}

@test "json: one object per line per packet; steps, changes and fate equal the text output" {
	trace_nat_ping
	assert_json_lines "$JSON"
	[ "$(wc -l <"$JSON")" -eq 2 ]
	json_matches_text "$JSON" "$TEXT"
	# The fate text is the text output's fate line, without "=> ".
	jq_ok "$REQ" '.fate.text == "ACCEPT, forwarded out r1"'
	jq_ok "$REP" '.fate.text == "ACCEPT, forwarded out r0"'
}

@test "json: top-level fields, headers and packet versions of a DNATed ping" {
	trace_nat_ping
	now=$(date -u +%s)
	jq_ok "$REQ" --argjson now "$now" --arg ns "$RTR" '
		(.timestamp | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6}Z$")) and
		((.timestamp | sub("\\.[0-9]+Z$"; "Z") | fromdateiso8601) - $now | fabs < 30) and
		.schema_version == 2 and
		(.trace_id | type == "string" and test("^[0-9a-f]{8}$")) and
		.netns == $ns and .family == "ip" and .iif == "r0" and .oif == "r1"'
	# Request and reply are two packets: two trace ids.
	[ "$(jq .trace_id "$REQ")" != "$(jq .trace_id "$REP")" ]

	jq_ok "$REQ" --arg cli $CLI_IP --arg vip $VIP '.packet == {
		iif: "r0", oif: null, mark: 0, src: $cli, dst: $vip, len: 84, ttl: 64,
		tos: 0, id: .packet.id, df: true, proto: "icmp", icmp_type: 8,
		icmp_code: 0, icmp_id: 6101, icmp_seq: 1 } and (.packet.id | type == "number")'

	# After DNAT: one new version, first seen by the forward chain's step.
	jq_ok "$REQ" --arg srv $SRV_IP '
		(.packet_versions | length) == 1 and
		(.packet_versions[0] | .dst == $srv and .ttl == 63 and .oif == "r1" and .iif == "r0") and
		.steps[.packet_versions[0].before_step].chain == "forward" and
		.steps[.packet_versions[0].before_step - 1].chain == "pre"'
}

@test "json: steps carry table, chain, hook, position, handle, rule, syntax, verdict and target" {
	trace_nat_ping
	h_dnat=$(nft_handle "$RTR" ip nat pre "ip daddr $VIP dnat to $SRV_IP")
	h_jump=$(nft_handle "$RTR" ip filter forward "ip protocol icmp counter jump icmpchk")
	h_mark=$(nft_handle "$RTR" ip filter icmpchk "meta mark set 0x00000005")
	h_ret=$(nft_handle "$RTR" ip filter icmpchk "return")
	h_masq=$(nft_handle "$RTR" ip nat post 'oifname "r1" masquerade')
	[ -n "$h_dnat" ] && [ -n "$h_jump" ] && [ -n "$h_mark" ] && [ -n "$h_ret" ] && [ -n "$h_masq" ]

	jq_ok "$REQ" --argjson hd "$h_dnat" --argjson hj "$h_jump" --argjson hm "$h_mark" \
		--argjson hr "$h_ret" --argjson hq "$h_masq" --arg vip $VIP --arg srv $SRV_IP '
		def s(i; t; c; h; p; hd; r; v; code; tg): {index: i, type: t, source: "nftables",
			family: "ip", table: .table, chain: c, hook: h, position: p, handle: hd,
			rule: r, syntax: (if r then "nft" else null end), verdict: v,
			verdict_code: code, target: tg, rule_may_be_stale: false};
		.steps as $s | ($s | length) == 6 and
		$s[0] == ($s[0] | s(0; "rule"; "pre"; "prerouting"; 1; $hd;
			"ip daddr \($vip) dnat to \($srv)"; "ACCEPT"; 1; null)) and $s[0].table == "nat" and
		$s[1] == ($s[1] | s(1; "rule"; "forward"; "forward"; 1; $hj;
			"ip protocol icmp counter jump icmpchk"; "jump"; -3; "icmpchk")) and $s[1].table == "filter" and
		$s[2] == ($s[2] | s(2; "rule"; "icmpchk"; "forward"; 1; $hm;
			"meta mark set 0x00000005"; "continue"; -1; null)) and
		$s[3] == ($s[3] | s(3; "rule"; "icmpchk"; "forward"; 2; $hr; "return"; "return"; -5; null)) and
		$s[4] == ($s[4] | s(4; "policy"; "forward"; "forward"; null; null; null; "ACCEPT"; 1; null)) and
		$s[5] == ($s[5] | s(5; "rule"; "post"; "postrouting"; 1; $hq;
			"oifname \"r1\" masquerade"; "ACCEPT"; 1; null)) and $s[5].table == "nat"'
}

@test "json: changes point at the step that made them; conntrack agrees with conntrack -L" {
	trace_nat_ping
	jq_ok "$REQ" --arg cli $CLI_IP --arg vip $VIP --arg srv $SRV_IP --arg r1 $RTR_IP2 '
		.changes == [
			{what: "DNAT", field: "DST", from: $vip, to: $srv, by: "rule", step: 0,
			 rule: {table: "nat", family: "ip", chain: "pre", position: 1,
				rule: "ip daddr \($vip) dnat to \($srv)"},
			 text: "DNAT by nat pre (#1): \($vip) -> \($srv)"},
			{what: "MASQUERADE", field: "SRC", from: $cli, to: $r1, by: "rule", step: 5,
			 rule: {table: "nat", family: "ip", chain: "post", position: 1,
				rule: "oifname \"r1\" masquerade"},
			 text: "MASQUERADE by nat post (#1): \($cli) -> \($r1)"}] and
		# every rule-made change names its step, and the step is that rule
		(. as $o | all(.changes[]; . as $c | $c.by == "rule" and
			($o.steps[$c.step] as $st | $st.chain == $c.rule.chain and
			 $st.position == $c.rule.position and $st.rule == $c.rule.rule and
			 $st.table == $c.rule.table)))'
	ct=$(ct_list "$RTR" -p icmp --src $CLI_IP --icmp-id 6101 -o id)
	ct_id=$(printf "%s\n" "$ct" | sed -nE "s/.* id=([0-9]+)$/\1/p")	# the last id=, after the ICMP ids
	[ -n "$ct_id" ]
	jq_ok "$REQ" --argjson id "$ct_id" --arg cli $CLI_IP --arg vip $VIP \
		--arg src2 "$(ct_field "$ct" src 2)" --arg dst2 "$(ct_field "$ct" dst 2)" '
		.conntrack == {state: "new", direction: "original", id: $id,
			status: ["dnat", "snat"],
			original: {src: $cli, dst: $vip, proto: "icmp", icmp_id: 6101},
			reply: {src: $src2, dst: $dst2, proto: "icmp", icmp_id: 6101},
			looked_up_later: false}'
	# The reply: conntrack undid both NATs, no rule did.
	jq_ok "$REP" --argjson id "$ct_id" --arg cli $CLI_IP --arg vip $VIP --arg srv $SRV_IP --arg r1 $RTR_IP2 '
		.conntrack.state == "established" and .conntrack.direction == "reply" and
		.conntrack.id == $id and (.conntrack.status | index("seen-reply")) and
		.changes == [
			{what: "DNAT", field: "DST", from: $r1, to: $cli, by: "conntrack", step: null, rule: null,
			 text: "DNAT by conntrack (undoing SNAT): \($r1) -> \($cli)"},
			{what: "SNAT", field: "SRC", from: $srv, to: $vip, by: "conntrack", step: null, rule: null,
			 text: "SNAT by conntrack (undoing DNAT): \($srv) -> \($vip)"}]'
}

@test "json: fate of a forwarded packet" {
	trace_nat_ping
	# the accept that let it through is filter forward's policy, not the
	# masquerade after it: a nat chain's accept rewrites, it does not filter
	jq_ok "$REQ" '.fate == {kind: "forwarded", verdict: "ACCEPT", by_policy: true, incomplete: false,
		step: .fate.step, rule: {table: "filter", family: "ip", chain: "forward", position: null,
			rule: null},
		out: "r1", text: "ACCEPT, forwarded out r1"} and .steps[.fate.step].chain == "forward" and
		.steps[.fate.step].type == "policy"'
}

@test "json: DROP by rule, DROP by policy, REJECT, unknown fate" {
	rtr_nft <<-EOF
	table inet filter {
		chain input {
			type filter hook input priority filter; policy drop;
			tcp dport 5555 reject
		}
		chain forward {
			type filter hook forward priority filter; policy accept;
			tcp dport 23 counter drop
			udp dport 7000 counter
			udp dport 7000 meta nftrace set 0
		}
	}
	EOF
	for run in text json; do
		opt=-v
		[ $run = json ] && opt=--json
		p3_start $run $opt --quiet-time 300 -s $CLI_IP
		tcp_fails "$CLI" $SRV_IP 23
		ping_fail "$CLI" $RTR_IP1
		tcp_fails "$CLI" $RTR_IP1 5555
		udp_send "$CLI" $SRV_IP 7000
		sleep 0.4	# the unknown fate completes after the quiet time
		p3_stop $run
	done
	JSON=$(p3_out json)
	assert_json_lines "$JSON"
	json_matches_text "$JSON" "$(p3_out text)"

	jq_ok "$JSON" -s 'map(select(.packet.dport == 23))[0].fate as $f |
		$f.kind == "drop" and $f.verdict == "DROP" and $f.by_policy == false and
		$f.rule == {table: "filter", family: "inet", chain: "forward", position: 1,
			rule: "tcp dport 23 counter drop"} and $f.out == null and
		$f.text == "DROP by inet filter forward (#1) tcp dport 23 counter drop"'
	jq_ok "$JSON" -s 'map(select(.packet.dport == 23))[0] | .steps[.fate.step] |
		.verdict == "DROP" and .verdict_code == 0 and .position == 1'
	jq_ok "$JSON" -s 'map(select(.packet.icmp_type == 8))[0] | .fate as $f |
		$f.kind == "drop" and $f.by_policy == true and .steps[$f.step].type == "policy" and
		$f.rule == {table: "filter", family: "inet", chain: "input", position: null, rule: null} and
		$f.text == "DROP by policy of inet filter input"'
	# A reject reaches the kernel as a drop (verdict_code 0); the step and
	# the fate both say REJECT.
	jq_ok "$JSON" -s 'map(select(.packet.dport == 5555))[0] | .fate as $f |
		$f.kind == "reject" and $f.verdict == "REJECT" and .steps[$f.step].verdict == "REJECT" and
		.steps[$f.step].verdict_code == 0 and
		$f.text == "REJECT by inet filter input (#1) tcp dport 5555 reject"'
	jq_ok "$JSON" -s 'map(select(.packet.dport == 7000))[0] | .fate as $f |
		$f.kind == "unknown" and $f.verdict == null and .steps[$f.step].verdict == "continue" and
		$f.text == "fate unknown: no verdict followed inet filter forward within 300 ms"'
}

@test "json: an IPv6 packet" {
	rtr_nft <<-EOF
	table ip6 filter6 {
		chain forward {
			type filter hook forward priority filter; policy drop;
			icmpv6 type echo-request counter accept
			ct state established accept
		}
	}
	EOF
	p3_start text -v "icmp6 and (icmp6[0] == 128 or icmp6[0] == 129)"
	ip netns exec "$CLI" ping -q -n -c1 -W1 -e 6200 $SRV_IP6 >/dev/null
	p3_stop text
	p3_start json --json "icmp6 and (icmp6[0] == 128 or icmp6[0] == 129)"
	ip netns exec "$CLI" ping -q -n -c1 -W1 -e 6201 $SRV_IP6 >/dev/null
	p3_stop json
	JSON=$(p3_out json) TEXT=$(p3_out text)
	assert_json_lines "$JSON"
	json_matches_text "$JSON" "$TEXT"

	jq -c 'select(.packet.icmp_type == 128)' "$JSON" >"$BATS_TEST_TMPDIR/req.json"
	REQ=$BATS_TEST_TMPDIR/req.json
	[ "$(wc -l <"$REQ")" -eq 1 ]
	jq_ok "$REQ" --arg cli $CLI_IP6 --arg srv $SRV_IP6 '
		.family == "ip6" and .netns == null and .iif == "r0" and .oif == "r1" and
		(.packet | .src == $cli and .dst == $srv and .proto == "icmpv6" and
			.icmp_type == 128 and .icmp_code == 0 and .icmp_id == 6201 and .icmp_seq == 1 and
			.hoplimit == 64 and .tc == 0 and (.flowlabel | type == "number") and
			has("ttl") == false and has("tos") == false and has("id") == false and
			has("df") == false) and
		.steps == [{index: 0, type: "rule", source: "nftables", family: "ip6",
			table: "filter6", chain: "forward", hook: "forward", position: 1,
			handle: .steps[0].handle, rule: "icmpv6 type echo-request counter accept",
			syntax: "nft", verdict: "ACCEPT", verdict_code: 1, target: null, rule_may_be_stale: false}] and
		.conntrack.state == "new" and
		.conntrack.original == {src: $cli, dst: $srv, proto: "icmpv6", icmp_id: 6201} and
		.fate.kind == "forwarded" and .fate.out == "r1"'
	# len is the whole packet, as the text's LEN
	len=$(jq .packet.len "$REQ")
	cli6=$(ip6_re $CLI_IP6)
	block "^IN=r0 OUT= SRC=$cli6 DST=.* LEN=$len .*PROTO=ICMPv6 TYPE=128 " 1 "$TEXT" >/dev/null
}

@test "json: two instances at once (text and JSON) each show every packet once, with its steps" {
	rtr_nft <<-EOF
	table inet filter {
		chain forward {
			type filter hook forward priority filter; policy accept;
			icmp type echo-request counter
		}
	}
	EOF
	# Two users tracing the same router at the same time. Each instance
	# sees the other's tracing table, and must not take its chain for the
	# start of another packet.
	p3_start text -v -s $CLI_IP -p icmp
	p3_start json --json -s $CLI_IP -p icmp
	ping_ok "$CLI" $SRV_IP
	p3_stop text
	p3_stop json
	JSON=$(p3_out json) TEXT=$(p3_out text)

	assert_json_lines "$JSON"
	[ "$(wc -l <"$JSON")" -eq 1 ] || { sed 's/^/#   /' "$JSON" >&3; false; }
	IPTT_OUT=$TEXT assert_blocks 1
	# The same packet under the same trace id, told the same way.
	hex=$(jq -r .trace_id "$JSON")
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*TYPE=8 .*\[trace id $hex\]$" 1 "$TEXT")
	assert_lines "$b" "inet filter forward (#1) icmp type echo-request counter => continue [handle 2 verdict -1]" \
		"=> ACCEPT, forwarded out r1"
	json_matches_text "$JSON" "$TEXT"
}
