#!/bin/sh
# Run every test: the cmocka unit tests (plain and under ASan+UBSan), a
# short run of every fuzz target, the bats namespace tests against the
# real kernel, a sanitizer pass of the namespace tests, and a check that
# the host was left as it was. Prints
# one closing line:  N passed, N failed
set -u
cd "$(dirname "$0")/.."
log=$(mktemp)

# Judge only what this run's tests make, so that another program using
# iptables-trace on the machine at the same time cannot fail the check:
# the tests name their namespaces $IPTT_NS_PREFIX-..., and the tool keeps
# its state files (src/statedir.h) in a directory of this run's own.
export IPTT_NS_PREFIX=iptt-c$$
export IPTT_STATE_DIR=/run/iptables-trace/check-$$
mkdir -p "$IPTT_STATE_DIR"
trap 'rm -f "$log" "$log.before" "$log.after"; rmdir "$IPTT_STATE_DIR" 2>/dev/null' EXIT

# Sanitizer reports must fail the run, leaks included.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

# What the tests must leave as they found it. The host's nf_log and
# nf_tables tables: no test may touch them. This run's namespaces and
# state files: every test deletes its namespaces, and a state file left
# for a namespace that is gone is a leak of a killed run's repair.
host_state() {
	echo "# host /proc/net/netfilter/nf_log"
	cat /proc/net/netfilter/nf_log
	echo "# host nf_tables tables"
	nft list tables 2>/dev/null
	echo "# namespaces $IPTT_NS_PREFIX-*"
	ip netns list 2>/dev/null | awk '{ print $1 }' | grep -E "^$IPTT_NS_PREFIX-" || true
	echo "# $IPTT_STATE_DIR"
	ls -A "$IPTT_STATE_DIR" 2>/dev/null || true
}
host_state >"$log.before"

# The unit tests, plain and under ASan+UBSan (scripts/unit.sh, which
# `make test` runs alone); only failures are shown here.
sh scripts/unit.sh build/tests 'build/asan/tests: [asan]' 2>&1 | tee -a "$log" |
	grep -E '^not ok|ERROR|runtime error' || true

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

host_state >"$log.after"
if cmp -s "$log.before" "$log.after"; then
	echo "ok - the host's nf_log and nf_tables tables, this run's namespaces and state files are as before" >>"$log"
else
	echo "not ok - the tests changed the host:" | tee -a "$log"
	diff -u "$log.before" "$log.after" | tail -n +3
fi

passed=$(grep -cE '^ok ' "$log")
failed=$(grep -cE '^not ok ' "$log")
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
