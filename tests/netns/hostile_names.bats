#!/usr/bin/env bats
# Names, comments and strings in a ruleset belong to whoever owns the
# namespace. They are data: no name may become command text (nft's
# parser runs ";", newlines and "include"), and no comment may change
# which rule a trace step is shown with. Rule positions come from the
# kernel's rule objects; text is shown only where it provably belongs.

load lib

setup() { lab_setup; }
teardown() { lab_teardown; }

# A table and chain with a hostile name, holding one icmp counter rule
# at forward, made through nft's JSON input, where names are values.
add_hostile_table() {
	local table=$1 chain=$2
	ip netns exec "$RTR" nft -j -f - <<-EOF
	{"nftables":[
	 {"add":{"table":{"family":"ip","name":$table}}},
	 {"add":{"chain":{"family":"ip","table":$table,"name":$chain,
	   "type":"filter","hook":"forward","prio":5,"policy":"accept"}}},
	 {"add":{"rule":{"family":"ip","table":$table,"chain":$chain,
	   "expr":[{"match":{"op":"==","left":{"meta":{"key":"l4proto"}},"right":"icmp"}},
	           {"counter":null}]}}}]}
	EOF
}

victim_rules() { ip netns exec "$RTR" nft -a list table ip victim | grep -c '# handle'; }

@test "hostile nft names: table and chain names with ; newline quotes include { # run no command" {
	local pwn=$BATS_TEST_TMPDIR/pwn.nft
	echo 'add table ip pwned' >"$pwn"
	rtr_nft <<-EOF
	table ip victim {
		chain forward {
			type filter hook forward priority 0; policy accept;
			ip protocol icmp counter accept
		}
	}
	EOF
	add_hostile_table '"x;flush table ip victim"' '"c;flush table ip victim"'
	add_hostile_table '"y\nflush table ip victim\n"' '"c\"h {#"'
	add_hostile_table "\"z;include \\\"$pwn\\\"\"" '"d# handle 2 {"'
	add_hostile_table '"q\"w"' '"include"'
	[ "$(victim_rules)" -eq 3 ]	# the table, its chain and its rule

	iptt_start -p icmp
	ping_ok "$CLI" $SRV_IP
	# a rule change makes the tool read the hostile tables again
	ip netns exec "$RTR" nft add rule ip victim forward counter
	ping_ok "$CLI" $SRV_IP
	iptt_stop_ok

	[ "$(victim_rules)" -eq 4 ]
	! ip netns exec "$RTR" nft list tables | grep -q pwned
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*TYPE=8 " 2)
	assert_lines "$b" \
		"victim forward (#1) ip protocol icmp counter accept => ACCEPT"
	# the hostile tables' steps: the right position, no text guessed
	assert_lines "$b" \
		'x;flush table ip victim c;flush table ip victim (#1) (rule text unavailable) => continue'
	assert_lines "$b" \
		'y\x0aflush table ip victim\x0a c"h {# (#1) (rule text unavailable) => continue'
}

@test "nft comments holding ' # handle N' or '\"{' keep every rule's own position and text" {
	rtr_nft <<-'EOF'
	table inet t {
		chain forward {
			type filter hook forward priority 0; policy accept;
			udp dport 53 counter comment "x # handle 3"
		}
	}
	EOF
	# nft's own syntax has no quote inside a comment; its JSON input has
	ip netns exec "$RTR" nft -j -f - <<-'EOF'
	{"nftables":[{"add":{"rule":{"family":"inet","table":"t","chain":"forward",
	  "comment":"a\"{","expr":[{"counter":null}]}}}]}
	EOF
	rtr_nft <<-'EOF'
	add rule inet t forward icmp type echo-reply counter
	add rule inet t forward icmp type echo-request counter accept
	EOF
	iptt_start -p icmp
	ping_ok "$CLI" $SRV_IP
	iptt_stop_ok
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*TYPE=8 ")
	assert_lines "$b" \
		'inet t forward (#2) counter comment "a"{" => continue' \
		"inet t forward (#4) icmp type echo-request counter accept => ACCEPT"
	b=$(block "^IN=r1 OUT= SRC=$SRV_IP DST=$CLI_IP .*TYPE=0 ")
	assert_lines "$b" "inet t forward (#3) icmp type echo-reply counter => continue"
}

@test "anonymous chains (jump { ... }): the binding rule, the bound rules and later positions" {
	rtr_nft <<-'EOF'
	table inet t {
		chain forward {
			type filter hook forward priority 0; policy accept;
			ip protocol icmp jump {
				icmp type echo-reply counter
				icmp type echo-request counter
			}
			icmp type echo-request counter accept
		}
	}
	EOF
	iptt_start -p icmp
	ping_ok "$CLI" $SRV_IP
	iptt_stop_ok
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*TYPE=8 ")
	assert_lines_re "$b" \
		"^  inet t forward \\(#1\\) ip protocol icmp jump \\{ icmp type echo-reply counter; icmp type echo-request counter \\} => jump (__chain[0-9]+)$"
	bound=$(printf '%s\n' "$b" | grep -oE 'jump __chain[0-9]+$' | cut -d' ' -f2)
	assert_lines "$b" \
		"inet t $bound (#2) icmp type echo-request counter => continue" \
		"inet t $bound return" \
		"inet t forward (#2) icmp type echo-request counter accept => ACCEPT"
	refute_line_re "$b" "no longer in the ruleset"
}

@test "iptables comments holding a newline and a fake rule line keep every position's text (legacy and iptables-nft)" {
	local flavour
	ARMED_RE='^iptables-trace: tracing .* \(backend nft\+legacy\) \.\.\. press Ctrl-C to stop$'
	for flavour in legacy nft; do
		ip netns exec "$RTR" iptables-$flavour -A FORWARD -p tcp -m comment \
			--comment $'a\n-A FORWARD -p icmp -j ACCEPT' -j DROP
		ip netns exec "$RTR" iptables-$flavour -A FORWARD -p icmp -m comment \
			--comment "real $flavour" -j ACCEPT
	done
	iptt_start -p icmp
	ping_ok "$CLI" $SRV_IP
	iptt_stop_ok
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*TYPE=8 ")
	assert_lines_re "$b" \
		'^  filter FORWARD \(#2\) -p icmp -m comment --comment "real (legacy|nft)" -j ACCEPT => ACCEPT$'
	refute_line_re "$b" 'FORWARD \(#[0-9]+\) -p icmp -j ACCEPT'
}

@test "control bytes in comments and names reach the terminal escaped; --json keeps bad UTF-8 as U+FFFD" {
	# ESC [2J, BEL and an OSC 52 clipboard write; a byte that is not UTF-8
	printf 'table ip t {\n chain forward {\n  type filter hook forward priority 0; policy accept;\n  icmp type echo-request counter comment "\033[2J\a\033]52;c;eA==\a \377"\n }\n}\n' |
		rtr_nft
	iptt_start -p icmp
	ping_ok "$CLI" $SRV_IP
	iptt_stop_ok
	! grep -q $'\033' "$IPTT_OUT"
	! grep -q $'\a' "$IPTT_OUT"
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*TYPE=8 ")
	assert_lines "$b" \
		't forward (#1) icmp type echo-request counter comment "\x1b[2J\x07\x1b]52;c;eA==\x07 \xff" => continue'

	iptt_start --json --count 1 -p icmp
	ping_ok "$CLI" $SRV_IP
	iptt_wait_exit 5
	jq -e '[.steps[] | select(.chain == "forward" and .rule != null)][0].rule |
		endswith("eA==\u0007 \ufffd\"")' \
		"$IPTT_OUT" >/dev/null
}

@test "a rule of more than 7 KB is printed whole, with its verdict" {
	local set i
	set=$(for i in $(seq 10000 11200); do printf '%s, ' $i; done)
	rtr_nft <<-EOF
	table ip t {
		chain forward {
			type filter hook forward priority 0; policy accept;
			udp dport { ${set}9 } counter
			icmp type echo-request counter accept
		}
	}
	EOF
	text=$(ip netns exec "$RTR" nft -s list chain ip t forward | sed -n 's/^\t\t//; /udp dport/p')
	[ "${#text}" -gt 7000 ]
	iptt_start -p icmp
	ping_ok "$CLI" $SRV_IP
	iptt_stop_ok
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*TYPE=8 ")
	assert_lines "$b" "t forward (#2) icmp type echo-request counter accept => ACCEPT"
	# a packet the long rule matches
	iptt_start -p udp
	echo x | ip netns exec "$CLI" socat -u - UDP:$SRV_IP:10500
	sleep 0.3
	iptt_stop_ok
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*PROTO=UDP ")
	assert_lines "$b" "t forward (#1) $text => continue"
}
