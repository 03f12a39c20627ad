#!/bin/sh
# valgrind.sh - the suites that drive the binary, with streamx under memcheck.
#   sh scripts/valgrind.sh RUNNER ENTRY...
# Each ENTRY is a suite, or suite:tcase for one test case of it. Every
# streamx the tests start runs through scripts/vg-streamx, which logs to
# build/valgrind/; fails if a test fails or if any log reports an error
# or a leak (a report also makes that run exit 99, failing its test).
# VALGRIND_JOBS=N runs N entries at a time (default 1).
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
logdir=${STREAMX_VG_LOGDIR:-$root/build/valgrind}

export STREAMX="$root/scripts/vg-streamx"
export STREAMX_VG_BIN="${STREAMX_VG_BIN:-$root/streamx}"
export STREAMX_VG_LOGDIR="$logdir"
# tests that assert peak RSS or timing skip that one assertion under it
export STREAMX_UNDER_VALGRIND=1
export STREAMX_LEAK_CHECK=1
export CK_TIMEOUT_MULTIPLIER="${CK_TIMEOUT_MULTIPLIER:-10}"

# One entry (sh valgrind.sh --one RUNNER ENTRY): its test output and
# timing go to $logdir/ENTRY.out, and a failure leaves ENTRY.out.failed.
if [ "$1" = --one ]; then
	runner=$2
	entry=$3
	out="$logdir/$(echo "$entry" | tr : .).out"
	case $entry in
	*:*) set -- env CK_RUN_SUITE="${entry%%:*}" CK_RUN_CASE="${entry#*:}" "$runner" ;;
	*) set -- env CK_RUN_SUITE="$entry" "$runner" ;;
	esac
	if [ -x /usr/bin/time ]; then
		set -- /usr/bin/time -o "$out.time" -f "%e s, %U+%S s CPU" "$@"
	fi
	"$@" > "$out" 2>&1 || : > "$out.failed"
	echo "valgrind: $entry: $(tail -n 1 "$out.time" 2>/dev/null)$([ -e "$out.failed" ] && echo ' FAILED')"
	exit 0
fi

runner=$1
shift
rm -rf "$logdir"
mkdir -p "$logdir" || exit 1
start=$(date +%s)
printf '%s\n' "$@" | xargs -P "${VALGRIND_JOBS:-1}" -n 1 sh "$0" --one "$runner"
failed=""
for f in "$logdir"/*.failed; do
	[ -e "$f" ] || continue
	failed="$failed $(basename "$f" .out.failed)"
	cat "${f%.failed}"
done

# Each process's log ends with its ERROR SUMMARY: clean ones are removed.
# A run ended by a signal was leak-checked with its buffers still held:
# those leak reports do not count, its other errors do. A log without a
# summary is of a run killed outright (SIGKILL, a test's timeout).
error='^==[0-9]+== (Invalid |Conditional jump|Use of uninitialised|Syscall param|Mismatched |Source and destination overlap|Argument .* of function|Jump to the invalid|Fishy value|Illegal memory pool)'
bad=0
signalled=0
cut=0
for f in "$logdir"/streamx.*.log; do
	[ -e "$f" ] || continue
	if grep -q 'ERROR SUMMARY: 0 errors' "$f"; then
		rm -f "$f"
	elif ! grep -qE "$error" "$f" &&
	     grep -q 'Process terminating with default action of signal' "$f"; then
		signalled=$((signalled + 1))
	elif grep -q 'ERROR SUMMARY' "$f"; then
		bad=$((bad + 1))
		echo "---- $f"
		grep -vE '^==[0-9]+== +(Memcheck|Copyright|Using Valgrind|$)' "$f" | head -n 80
	else
		cut=$((cut + 1))
	fi
done
echo "valgrind: $# entries in $(($(date +%s) - start)) s; $bad log(s) with errors or leaks" \
	"in $logdir ($signalled with only the leaks of a run ended by a signal, $cut cut short)"
status=0
[ "$bad" -eq 0 ] || status=1
if [ -n "$failed" ]; then
	echo "valgrind: failed:$failed"
	status=1
fi
exit $status
