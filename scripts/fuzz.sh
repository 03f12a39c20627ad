#!/bin/sh
# fuzz.sh - run each libFuzzer target for a while: seeds, corpus and crashes under build/fuzz.
#   sh scripts/fuzz.sh SECONDS DIR TARGET...
# DIR holds the fuzz_TARGET programs (make fuzz-build). Each runs alone
# for SECONDS (-max_total_time) over DIR/corpus/TARGET, seeded by
# scripts/fuzz-seeds.py, writing what crashes into DIR/crashes/TARGET/ and
# its log to DIR/logs/TARGET.log. Prints libFuzzer's last figures for each
# and fails if any target crashed (or leaked, or ran out of memory).
# FUZZ_ARGS adds libFuzzer options.
set -u
seconds=$1
dir=$2
shift 2

python3 scripts/fuzz-seeds.py "$dir/corpus" || exit 1
mkdir -p "$dir/crashes" "$dir/logs" "$dir/tmp"
# sort's runs and tail's spill go here, not into the user's TMPDIR
TMPDIR=$dir/tmp
export TMPDIR
ASAN_OPTIONS=${ASAN_OPTIONS:-allocator_may_return_null=1:detect_leaks=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
export ASAN_OPTIONS UBSAN_OPTIONS

failed=""
for t in "$@"; do
	case $t in
	spec | opts) max_len=4096 ;;
	digest) max_len=1048576 ;;
	*) max_len=65536 ;;
	esac
	mkdir -p "$dir/corpus/$t" "$dir/crashes/$t"
	# shellcheck disable=SC2086
	"$dir/fuzz_$t" -max_total_time="$seconds" -rss_limit_mb=2048 \
		-max_len=$max_len -timeout=30 -print_final_stats=1 \
		-artifact_prefix="$dir/crashes/$t/" ${FUZZ_ARGS:-} \
		"$dir/corpus/$t" >"$dir/logs/$t.log" 2>&1
	rc=$?
	last=$(grep -E '^#[0-9]+' "$dir/logs/$t.log" | tail -n 1)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/logs/$t.log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/logs/$t.log")
	files=$(ls "$dir/corpus/$t" | wc -l)
	if [ $rc -ne 0 ]; then
		failed="$failed $t"
		echo "fuzz_$t: FAILED (exit $rc), see $dir/logs/$t.log and $dir/crashes/$t/"
	else
		echo "fuzz_$t: ${execs:-?} runs, ${rate:-?} exec/s, corpus $files files; $last"
	fi
done
rm -rf "$dir/tmp"
if [ -n "$failed" ]; then
	echo "fuzz: crashes in:$failed" >&2
	exit 1
fi
exit 0
