#!/usr/bin/env bash
# soak.sh - long runs of streamx: a batch of many small files and a 20 GiB stream, watching RSS, descriptors and temporaries.
#   scripts/soak.sh [--files N] [--size SIZE]
# (a) `streamx batch` gzips N (default 1000) small generated files into an
#     output directory, which must then hold exactly N outputs that gzip -t
#     accepts and nothing else.
# (b) SIZE (default 20G) of generated log lines, made by `streamx gen` into
#     a pipe and never stored, go through a five-stage pipeline while the
#     run's VmRSS and open descriptors are sampled every second from /proc.
# Both run with TMPDIR set to a fresh directory that must be empty at the
# end. Prints RSS min/median/max, the first and last minute's medians and
# the descriptors at start and end; exits 1 if RSS grew more than 1 MiB
# from the first sample to the last, if descriptors grew, if anything was
# left behind, or if a run failed. STREAMX names the binary (./streamx).
set -euo pipefail
files=1000 size=20G
usage() {
	echo "usage: $0 [--files N] [--size SIZE]" >&2
	exit 2
}
while [ $# -gt 0 ]; do
	case $1 in
	--files) [ $# -gt 1 ] || usage; files=$2; shift ;;
	--size) [ $# -gt 1 ] || usage; size=$2; shift ;;
	*) usage ;;
	esac
	shift
done
[[ $files =~ ^[1-9][0-9]*$ ]] || usage
sx=$(realpath "${STREAMX:-./streamx}")
[ -x "$sx" ] || { echo "soak: $sx is not an executable" >&2; exit 2; }
pipeline='upper | grep -v HEALTHZ | replace GET PUT | lower | crc32'

work=$(mktemp -d "${TMPDIR:-/tmp}/streamx-soak.XXXXXX")
writer='' runner=''
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	# only our own children, by their ids
	[ -z "$writer" ] || kill "$writer" 2> /dev/null || true
	[ -z "$runner" ] || kill "$runner" 2> /dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
mkdir "$work/tmp" "$work/in" "$work/out"
export TMPDIR=$work/tmp
failed=0
fail() {
	echo "soak: FAIL: $*"
	failed=1
}

# ---- (a) a batch of small files ----
echo "== batch: $files files, 'gzip -6'"
for ((i = 1; i <= files; i++)); do
	"$sx" gen --size $((1024 + i * 37 % 8192)) --kind log --seed "$i" -o "$work/in/f$i.log"
done
start=$SECONDS
"$sx" batch --no-progress -j 2 -O "$work/out" --suffix .gz 'gzip -6' "$work"/in/*.log ||
	fail "batch exited with status $?"
outputs=$(find "$work/out" -mindepth 1 | wc -l)
gz=$(find "$work/out" -mindepth 1 -maxdepth 1 -type f -name 'f*.log.gz' | wc -l)
echo "batch: $((SECONDS - start)) s, $outputs entries in the output directory, $gz of them f*.log.gz"
if [ "$outputs" -ne "$files" ] || [ "$gz" -ne "$files" ]; then
	fail "the output directory holds $outputs entries ($gz outputs), not $files"
fi
gzip -t "$work"/out/*.gz || fail "gzip -t refuses an output"
left=$(find "$TMPDIR" -mindepth 1 | wc -l)
echo "batch: $left entries left in TMPDIR"
[ "$left" -eq 0 ] || fail "the batch left $left entries in TMPDIR"
rm -rf "$work/in" "$work/out"

# ---- (b) a long stream ----
echo "== stream: $size of log lines through '$pipeline'"
mkfifo "$work/fifo"
"$sx" gen --size "$size" --kind log > "$work/fifo" &
writer=$!
"$sx" --no-progress -i "$work/fifo" -o "$work/crc" "$pipeline" &
runner=$!
start=$SECONDS
rss=() fds=()
# VmRSS in KiB, or nothing once the process is gone
vmrss() {
	local key value
	while read -r key value _; do
		if [ "$key" = VmRSS: ]; then
			echo "$value"
			return
		fi
	done 2> /dev/null < "/proc/$1/status" || true
}
while sleep 1; do
	r=$(vmrss "$runner")
	[ -n "$r" ] || break
	f=$(find "/proc/$runner/fd" -mindepth 1 2> /dev/null | wc -l)
	# a zombie has no descriptors left: the run has ended
	[ "$f" -gt 0 ] || break
	rss+=("$r")
	fds+=("$f")
done
status=0
wait "$runner" || status=$?
runner=''
wait "$writer" || true
writer=''
seconds=$((SECONDS - start))
[ "$status" -eq 0 ] || fail "the stream run exited with status $status"
n=${#rss[@]}
if [ "$n" -lt 2 ]; then
	fail "the run ended before two samples were taken"
else
	mapfile -t sorted < <(printf '%s\n' "${rss[@]}" | sort -n)
	median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
	minute=$((n < 60 ? n : 60))
	first_min=$(median "${rss[@]:0:minute}")
	last_min=$(median "${rss[@]: -minute}")
	growth=$((rss[n - 1] - rss[0]))
	echo "stream: $seconds s, $n samples, crc32 $(cat "$work/crc" 2> /dev/null || echo none)"
	echo "stream: RSS KiB min ${sorted[0]} median ${sorted[$(((n - 1) / 2))]} max ${sorted[n - 1]}"
	echo "stream: RSS KiB first sample ${rss[0]}, last ${rss[n - 1]} (growth $growth KiB);" \
		"median of the first minute $first_min, of the last $last_min" \
		"(growth $((last_min - first_min)) KiB)"
	echo "stream: open descriptors first sample ${fds[0]}, last ${fds[n - 1]}"
	[ "$growth" -le 1024 ] || fail "RSS grew $growth KiB from the first sample to the last"
	[ "${fds[n - 1]}" -le "${fds[0]}" ] || fail "descriptors grew from ${fds[0]} to ${fds[n - 1]}"
fi
rm -f "$work/crc" "$work/fifo"
left=$(find "$TMPDIR" -mindepth 1 | wc -l)
echo "stream: $left entries left in TMPDIR"
[ "$left" -eq 0 ] || fail "the stream run left $left entries in TMPDIR"
[ "$failed" -eq 0 ] && echo "soak: ok"
exit "$failed"
