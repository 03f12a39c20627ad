#!/bin/sh
# demo.sh - the same gzip job run whole-file (--naive) and streamed (--stream)
# over generated sample data, with the peak RSS of each side by side.
#   DEMO_SIZE=1G make demo     a bigger sample (default 256M)
set -eu
size=${DEMO_SIZE:-256M}
dir=${DEMO_DIR:-build/demo}
bin=./streamx
mkdir -p "$dir"
sample="$dir/sample-$size.log"

if [ ! -f "$sample" ]; then
	echo "Generating $size of sample log lines into $sample ..."
	$bin gen --size "$size" --kind log -o "$sample"
fi

run() {
	mode=$1
	$bin "--$mode" --stats=json -f -i "$sample" -o "$dir/out-$mode.gz" 'gzip' 2>"$dir/stats-$mode.json"
}

field() { # field NAME FILE: a number from a one-line JSON report
	sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p" "$2"
}

echo "Running 'gzip' over $sample in both modes ..."
run naive
run stream
cmp "$dir/out-naive.gz" "$dir/out-stream.gz"
gzip -dc "$dir/out-stream.gz" | cmp - "$sample"

printf '\n%-10s %14s %10s %12s %14s\n' mode "peak RSS" seconds "MB/s in" "bytes out"
for mode in naive stream; do
	f="$dir/stats-$mode.json"
	awk -v m="$mode" -v rss="$(field rss_peak_bytes "$f")" -v s="$(field seconds "$f")" \
		-v t="$(field throughput_mb_s "$f")" -v o="$(field bytes_out "$f")" \
		'BEGIN { printf "%-10s %10.1f MiB %10.2f %12.1f %14d\n", m, rss / 1048576, s, t, o }'
done
awk -v n="$(field rss_peak_bytes "$dir/stats-naive.json")" \
	-v s="$(field rss_peak_bytes "$dir/stats-stream.json")" \
	'BEGIN { printf "\nnaive / stream peak RSS: %.0fx; outputs identical, and gzip -d restores the input.\n", n / s }'
