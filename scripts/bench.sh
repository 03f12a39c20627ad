#!/usr/bin/env bash
# bench.sh - streamx against the tool users know, same data, same run.
#   scripts/bench.sh [--quick] [--runs N]
# For each row both commands run alternately N times over the same
# generated file; the table gives the median MB/s of input for each, the
# peak RSS of each, and the streamx/peer speed ratio (above 1: streamx is
# faster). Medians and ratios only: single timings on a shared machine are
# noise.
set -euo pipefail
cd "$(dirname "$0")/.."
size=1G small=256M runs=5
while [ $# -gt 0 ]; do
	case $1 in
	--quick) size=64M small=32M runs=3 ;;
	--runs) runs=$2; shift ;;
	*) echo "usage: $0 [--quick] [--runs N]" >&2; exit 2 ;;
	esac
	shift
done
bin=$PWD/streamx
dir=${BENCH_DIR:-build/bench}
mkdir -p "$dir"
data="$dir/log-$size" smalldata="$dir/log-$small"
[ -f "$data" ] || "$bin" gen --size "$size" --kind log -o "$data"
[ -f "$smalldata" ] || "$bin" gen --size "$small" --kind log -o "$smalldata"
[ -f "$smalldata.gz" ] || gzip -6 -c "$smalldata" > "$smalldata.gz"

# one CMD: prints "seconds peak_kib" for a shell command
one() {
	local t0 t1
	t0=$(date +%s%N)
	# time wraps the first command only: its own peak, not a shell's
	eval "/usr/bin/time -o '$dir/rss' -f %M $1" 2>/dev/null
	t1=$(date +%s%N)
	echo "$(( (t1 - t0) / 1000 ))e-6 $(tail -1 "$dir/rss")"
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# row LABEL INPUT_FILE STREAMX_CMD PEER_CMD
row() {
	local label=$1 input=$2 sx=$3 peer=$4 bytes i a b
	bytes=$(stat -c %s "$input")
	: > "$dir/sx.t"; : > "$dir/peer.t"
	for ((i = 0; i < runs; i++)); do
		one "$sx" >> "$dir/sx.t"
		one "$peer" >> "$dir/peer.t"
	done
	a=$(cut -d' ' -f1 "$dir/sx.t" | median)
	b=$(cut -d' ' -f1 "$dir/peer.t" | median)
	awk -v l="$label" -v n="$bytes" -v a="$a" -v b="$b" \
		-v ra="$(cut -d' ' -f2 "$dir/sx.t" | sort -n | tail -1)" \
		-v rb="$(cut -d' ' -f2 "$dir/peer.t" | sort -n | tail -1)" \
		'BEGIN { printf "%-34s %9.1f %9.1f %9.2f %9.1f %9.1f\n", l, n / a / 1e6, n / b / 1e6, b / a, ra / 1024, rb / 1024 }'
}

[ -x /usr/bin/time ] || { echo "bench needs GNU time: apt-get install time" >&2; exit 1; }
echo "streamx $("$bin" --version | cut -d' ' -f2); $(nproc) cores; $size input ($small for compressors); median of $runs runs"
printf '%-34s %9s %9s %9s %9s %9s\n' "row (streamx vs peer)" "sx MB/s" "peer MB/s" "ratio" "sx MiB" "peer MiB"
row "cat -> /dev/null  vs cat" "$data" "$bin -i $data cat > /dev/null" "cat $data > /dev/null"
row "cat -> pipe       vs cat" "$data" "$bin -i $data cat | cat > /dev/null" "cat $data | cat > /dev/null"
row "upper             vs tr a-z A-Z" "$data" "$bin -i $data upper > /dev/null" "tr a-z A-Z < $data > /dev/null"
row "gzip -6           vs gzip -6" "$smalldata" "$bin -i $smalldata 'gzip -6' > /dev/null" "gzip -6 -c $smalldata > /dev/null"
row "gzip -1           vs gzip -1" "$smalldata" "$bin -i $smalldata 'gzip -1' > /dev/null" "gzip -1 -c $smalldata > /dev/null"
row "gunzip            vs gzip -dc" "$smalldata.gz" "$bin -i $smalldata.gz gunzip > /dev/null" "gzip -dc $smalldata.gz > /dev/null"
