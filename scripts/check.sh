#!/bin/sh
# Run every test: the cmocka unit tests, then the bats integration tests
# (real namespaces, real kernel). Prints one closing line:
#   N passed, N failed
set -u
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT

status=0
for t in build/tests/test_*; do
	[ -x "$t" ] || continue
	echo "# unit: $t"
	CMOCKA_MESSAGE_OUTPUT=TAP "$t" >>"$log" 2>&1 || status=1
	tail -n +1 "$log" >/dev/null
done
grep -E '^(not )?ok ' "$log" | grep -E '^not ok' || true

if [ -n "$(ls tests/netns/*.bats 2>/dev/null)" ]; then
	echo "# integration: tests/netns"
	bats --tap tests/netns 2>&1 | tee -a "$log" | grep -vE '^ok ' || true
fi

passed=$(grep -cE '^ok ' "$log")
failed=$(grep -cE '^not ok ' "$log")
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$status" -eq 0 ] && [ "$passed" -gt 0 ]
