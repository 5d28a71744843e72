#!/bin/sh
# Run every test: the cmocka unit tests (plain and under ASan+UBSan), a
# short run of every fuzz target, the bats namespace tests against the
# real kernel, a sanitizer pass of the namespace tests, and a check that
# the host was left as it was. Prints
# one closing line:  N passed, N failed
set -u
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# Sanitizer reports must fail the run, leaks included.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

host_state() {
	cat /proc/net/netfilter/nf_log
	nft list tables 2>/dev/null
	ip netns list 2>/dev/null | grep -E '^iptt-' || true
	ls /run/iptables-trace 2>/dev/null || true	# nf_log state of killed runs
}
before=$(host_state)

unit() {
	for t in "$1"/test_*; do
		[ -x "$t" ] || continue
		echo "# unit$2: $t"
		# TAP from cmocka; a crash or sanitizer exit without a line
		# still counts as a failure
		if ! CMOCKA_MESSAGE_OUTPUT=TAP "$t" >"$log.one" 2>&1; then
			grep -q '^not ok' "$log.one" ||
				echo "not ok - $t$2 exited with an error" >>"$log.one"
		fi
		sed "s/^\(\(not \)\{0,1\}ok [0-9]* -\)/\1$2/" "$log.one" | tee -a "$log" |
			grep -E '^not ok|ERROR|runtime error' || true
	done
	rm -f "$log.one"
}
unit build/tests ""
unit build/asan/tests " [asan]"

# Every libFuzzer target for a short while, one TAP line each; make fuzz
# runs them longer. 5 targets x 10 s, one at a time.
echo "# fuzz: each target ${IPTT_FUZZ_SECONDS:-10} s (scripts/fuzz.sh)"
if make -s fuzz-build >"$log.fuzz" 2>&1; then
	sh scripts/fuzz.sh "${IPTT_FUZZ_SECONDS:-10}" | tee -a "$log" |
		grep -vE '^ok ' || true
else
	echo "not ok - fuzz: make fuzz-build failed" | tee -a "$log"
	tail -n 20 "$log.fuzz"
fi
rm -f "$log.fuzz"

echo "# integration: tests/netns"
bats --tap tests/netns 2>&1 | tee -a "$log" | grep -vE '^ok ' || true

# The real binary under the sanitizers, on every path the tests take.
echo "# integration under ASan+UBSan: every namespace test again"
IPTT_BIN=$PWD/build/asan/iptables-trace \
	bats --tap tests/netns 2>&1 |
	sed 's/^\(\(not \)\{0,1\}ok [0-9]*\)/\1 [asan]/' | tee -a "$log" | grep -vE '^ok ' || true

after=$(host_state)
if [ "$before" = "$after" ]; then
	echo "ok - the host's nf_log, nf_tables tables, namespaces and /run/iptables-trace are as before" >>"$log"
else
	echo "not ok - the tests changed the host:" | tee -a "$log"
	printf '%s\n----\n%s\n' "$before" "$after"
fi

passed=$(grep -cE '^ok ' "$log")
failed=$(grep -cE '^not ok ' "$log")
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
