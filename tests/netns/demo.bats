#!/usr/bin/env bats
# make demo's lab and headings: every trace is introduced by the command a
# user could type on their own host, with plain words unquoted, and the
# demo leaves none of its namespaces behind.

load lib

@test "demo: headings show a command one can type, and the lab goes away" {
	run sh "$IPTT_ROOT/scripts/demo.sh" "$IPTT_BIN"
	[ "$status" -eq 0 ] || { printf '%s\n' "$output" >&3; false; }
	n=0
	while IFS= read -r line; do
		case $line in
		'# iptables-trace --netns '*)
			n=$((n + 1))
			# no quotes around words that need none
			if [[ $line =~ \'[A-Za-z0-9_./:=,+@%-]+\' ]]; then
				echo "# needless quotes: $line" >&3
				false
			fi
			;;
		esac
	done <<<"$output"
	[ "$n" -ge 4 ]
	[ "$(grep -c '^==== ' <<<"$output")" -eq "$n" ]
	grep -q '=> ACCEPT, forwarded out r1' <<<"$output"
	grep -q '=> DROP by' <<<"$output"
	# its namespaces, named after the heading's router, are gone
	rtr=$(grep -m1 -oE -- '--netns [^ ]+' <<<"$output" | cut -d' ' -f2)
	! ip netns list | grep -q "^${rtr%-rtr}-"
}

@test "demo: a reader that goes away early (demo | head) leaves no lab behind" {
	local prefix=iptt-$$-$BATS_TEST_NUMBER-$RANDOM
	IPTT_NS_PREFIX=$prefix sh "$IPTT_ROOT/scripts/demo.sh" "$IPTT_BIN" 2>/dev/null |
		head -1 >/dev/null
	! ip netns list | grep -q "^$prefix-demo-"
}
