#!/bin/sh
# Run the libFuzzer targets (make fuzz-build builds them) one after the
# other, each for a bounded time, and print one TAP line per target:
#   ok - fuzz <target> ran N s, E execs, no crash (cov C, corpus K, W s wall)
#   not ok - fuzz <target> crashed after N s, E execs: <artifact>
# Exits non-zero when any target crashed or did not run.
#
#   sh scripts/fuzz.sh SECONDS [TARGET...]     (default: every fuzz/fuzz_*.c)
#
# One process at a time, niced: the fuzzers share the machine. The corpus
# each run grows stays in build/fuzz/corpus/<target>, seeded from
# build/fuzz/seeds/<target>; crash inputs and the whole libFuzzer output
# go to build/fuzz/artifacts/<target>/ and build/fuzz/logs/<target>.log.
# Reproduce a crash with: build/fuzz/fuzz_<target> <artifact>
set -u
cd "$(dirname "$0")/.."
secs=${1:-60}
[ $# -gt 0 ] && shift
dir=build/fuzz
[ $# -gt 0 ] || set -- $(for f in fuzz/fuzz_*.c; do
	t=${f#fuzz/fuzz_}; echo "${t%.c}"; done)

# libFuzzer finds leaks itself; a sanitizer report is a crash.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

fail=0
for t in "$@"; do
	bin=$dir/fuzz_$t
	corpus=$dir/corpus/$t
	art=$dir/artifacts/$t
	log=$dir/logs/$t.log
	if [ ! -x "$bin" ] || [ ! -d "$dir/seeds/$t" ]; then
		echo "not ok - fuzz $t: $bin or its seeds not built (make fuzz-build)"
		fail=1
		continue
	fi
	mkdir -p "$corpus" "$art" "$dir/logs"
	dict=
	[ -f "fuzz/$t.dict" ] && dict=-dict=fuzz/$t.dict
	start=$(date +%s)
	# -timeout: one input may not take 10 s; -rss_limit_mb: nor 2 GiB
	nice -n 10 "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$art/" $dict \
		"$corpus" "$dir/seeds/$t" >"$log" 2>&1
	rc=$?
	took=$(( $(date +%s) - start ))
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	[ -n "$execs" ] || execs=$(grep -oE '^#[0-9]+' "$log" | tail -n 1 | tr -d '#')
	cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -n 1 | cut -d' ' -f2)
	ncorp=$(ls "$corpus" | wc -l)
	if [ "$rc" -eq 0 ]; then
		echo "ok - fuzz $t ran $secs s, ${execs:-0} execs, no crash (cov ${cov:-?}, corpus $ncorp, $took s wall)"
	else
		crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
		echo "not ok - fuzz $t crashed after $took s, ${execs:-?} execs: ${crash:-exit $rc, see $log}"
		grep -E 'ERROR|SUMMARY|runtime error|exited|#[0-9] ' "$log" | head -n 12 | sed 's/^/# /'
		fail=1
	fi
done
exit $fail
