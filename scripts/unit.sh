#!/bin/sh
# Run the cmocka unit tests of one or more build directories, as TAP.
# Needs neither root nor network: `make test` runs it alone, and
# scripts/check.sh runs it before the namespace tests.
#   unit.sh DIR[:SUFFIX]...   e.g. build/tests build/asan/tests:" [asan]"
# Prints every TAP line (a crash or sanitizer exit without a line counts
# as "not ok"), and with -s a closing "N passed, N failed" line; exits 1
# when any test failed.
set -u
summary=
[ "${1:-}" = -s ] && { summary=1; shift; }
one=$(mktemp)
all=$(mktemp)
trap 'rm -f "$one" "$all"' EXIT

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=99}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

for arg in "$@"; do
	dir=${arg%%:*}
	suffix=
	[ "$dir" != "$arg" ] && suffix=${arg#*:}
	for t in "$dir"/test_*; do
		[ -x "$t" ] || continue
		echo "# unit$suffix: $t"
		if ! CMOCKA_MESSAGE_OUTPUT=TAP "$t" >"$one" 2>&1; then
			grep -q '^not ok' "$one" ||
				echo "not ok - $t$suffix exited with an error" >>"$one"
		fi
		sed "s/^\(\(not \)\{0,1\}ok [0-9]* -\)/\1$suffix/" "$one" | tee -a "$all"
	done
done
passed=$(grep -cE '^ok ' "$all")
failed=$(grep -cE '^not ok ' "$all")
[ -n "$summary" ] && echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
