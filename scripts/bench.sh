#!/usr/bin/env bash
# bench.sh - streamx against the tool users know, same data, same run.
#   scripts/bench.sh [--quick] [--runs N] [--only REGEX] [--markdown FILE]
# For each row both commands run alternately N times over the same
# generated file; the table gives the median MB/s of input for each, the
# streamx/peer speed ratio (above 1: streamx is faster) against the row's
# target, and the peak RSS of each against the rule "streamx at most the
# peer + 1 MiB". Medians and ratios only: single timings on a shared machine
# are noise. Rows run streamx with --threads 1 unless marked -T 2.
# --quick: 32M and 8M inputs, 3 runs, under a minute on two cores.
# --markdown FILE: the same table, with the machine it ran on, into FILE.
# BENCH_DIR (default build/bench) holds the generated data between runs.
set -euo pipefail
size=1G small=256M default_runs=5 runs='' only='' markdown=''
usage() {
	echo "usage: $0 [--quick] [--runs N] [--only REGEX] [--markdown FILE]" >&2
	exit 2
}
while [ $# -gt 0 ]; do
	case $1 in
	--quick) size=32M small=8M default_runs=3 ;;
	--runs) [ $# -gt 1 ] || usage; runs=$2; shift ;;
	--only) [ $# -gt 1 ] || usage; only=$2; shift ;;
	--markdown) [ $# -gt 1 ] || usage; markdown=$2; shift ;;
	*) usage ;;
	esac
	shift
done
runs=${runs:-$default_runs}
[[ $runs =~ ^[1-9][0-9]*$ ]] || usage
case $markdown in /* | '') ;; *) markdown=$PWD/$markdown ;; esac
cd "$(dirname "$0")/.."
sh scripts/deps.sh bench
bin=$PWD/streamx
st="$bin --threads 1" mt="$bin --threads 2"
dir=${BENCH_DIR:-build/bench}
mkdir -p "$dir"
data="$dir/log-$size" smalldata="$dir/log-$small"
# the word the pipeline rows select: in about half the lines of gen's logs
word=status=200
[ -f "$data" ] || "$bin" gen --size "$size" --kind log -o "$data"
[ -f "$smalldata" ] || "$bin" gen --size "$small" --kind log -o "$smalldata"
[ -f "$smalldata.gz" ] || gzip -6 -c "$smalldata" > "$smalldata.gz"
[ -f "$smalldata.zz" ] || zlib-flate -compress=6 < "$smalldata" > "$smalldata.zz"
[ -f "$data.b64" ] || base64 "$data" > "$data.b64"
[ -f "$smalldata.hex" ] || xxd -p "$smalldata" > "$smalldata.hex"
[ -f "$data.crlf" ] || unix2dos -f < "$data" > "$data.crlf" 2>/dev/null

# the peer for crc32 and adler32: zlib's functions over 1 MiB reads
cat > "$dir/crc32.py" <<'PY'
import sys, zlib
f = zlib.adler32 if sys.argv[1] == "--adler" else zlib.crc32
v = 1 if f is zlib.adler32 else 0
with open(sys.argv[-1], "rb") as fh:
    for block in iter(lambda: fh.read(1 << 20), b""):
        v = f(block, v)
print(format(v, "08x"))
PY

# one CMD: prints "seconds peak_kib" for a shell command; fails with it
one() {
	local t0 t1
	t0=$(date +%s%N)
	# time wraps the first command only: its own peak, not a shell's
	eval "/usr/bin/time -o '$dir/rss' -f %M $1" 2>"$dir/err" || return 1
	t1=$(date +%s%N)
	echo "$(( (t1 - t0) / 1000 ))e-6 $(tail -1 "$dir/rss")"
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
peak() { cut -d' ' -f2 "$1" | sort -n | tail -1; }

fmt='%-42s %8s %9s %6s %6s %5s %7s %8s %4s\n'
mdrows="$dir/table.md" tally="$dir/tally"
: > "$mdrows"; : > "$tally"

# failed LABEL: a row whose command failed, with its last error line
failed() {
	local why label
	why=$(tail -1 "$dir/err")
	why=${why:-exit status not 0}
	printf '%-42s failed: %s\n' "$1" "$why"
	echo "row failed" >> "$tally"
	label=$(tr -s ' ' <<< "$1")
	printf '| %s | failed: %s | | | | | | | |\n' "${label//|/\\|}" "${why//|/\\|}" >> "$mdrows"
}

# row LABEL TARGET RULE INPUT STREAMX_CMD PEER_CMD
#   TARGET: the least streamx/peer speed ratio wanted, or - for none
#   RULE: rss to hold streamx's peak RSS to the peer's + 1 MiB, or -
row() {
	local label=$1 target=$2 rule=$3 input=$4 sx=$5 peer=$6 i
	[[ -z $only || $label =~ $only ]] || return 0
	: > "$dir/sx.t"; : > "$dir/peer.t"
	for ((i = 0; i < runs; i++)); do
		one "$sx" >> "$dir/sx.t" || { failed "$label"; return 0; }
		one "$peer" >> "$dir/peer.t" || { failed "$label"; return 0; }
	done
	awk -v l="$label" -v t="$target" -v rule="$rule" -v fmt="$fmt" \
		-v md="$mdrows" -v tally="$tally" -v n="$(stat -c %s "$input")" \
		-v a="$(cut -d' ' -f1 "$dir/sx.t" | median)" \
		-v b="$(cut -d' ' -f1 "$dir/peer.t" | median)" \
		-v ra="$(peak "$dir/sx.t")" -v rb="$(peak "$dir/peer.t")" '
	BEGIN {
		speed = t == "-" ? "-" : b / a >= t ? "ok" : "MISS"
		rss = rule != "rss" ? "-" : ra <= rb + 1024 ? "ok" : "MISS"
		want = t == "-" ? "-" : ">=" t
		cols = sprintf("%.1f|%.1f|%.2f|%s|%s|%.1f|%.1f|%s", n / a / 1e6, \
			n / b / 1e6, b / a, want, speed, ra / 1024, rb / 1024, rss)
		split(cols, c, "|")
		printf fmt, l, c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8]
		print "speed " speed >> tally
		print "rss " rss >> tally
		gsub(/  +/, " ", l); gsub(/\|/, "\\|", l)
		print "| " l " | " c[1] " | " c[2] " | " c[3] " | " want " | " speed \
			" | " c[6] " | " c[7] " | " rss " |" >> md
	}'
}

commit=$(git describe --always --dirty 2>/dev/null || echo unknown)
cpu=$(sed -n 's/^model name[[:space:]]*: *//p' /proc/cpuinfo 2>/dev/null | head -1)
header="streamx $commit, $(date -u +%Y-%m-%d), $(nproc) CPUs (${cpu:-unknown CPU});\
 $size input ($small for the compressors, hex, grep -E, dedup and sort);\
 median of $runs runs; streamx runs with --threads 1 except in the rows marked -T 2"
echo "$header"
# shellcheck disable=SC2059
printf "$fmt" "row (streamx vs peer)" "sx MB/s" "peer MB/s" "ratio" "target" "speed" "sx MiB" "peer MiB" "RSS"
row "cat -> /dev/null  vs cat" 0.95 rss "$data" "$st -i $data cat > /dev/null" "cat $data > /dev/null"
row "cat -> pipe       vs cat" 1.5 rss "$data" "$st -i $data cat | cat > /dev/null" "cat $data | cat > /dev/null"
row "upper             vs tr a-z A-Z" 1.0 rss "$data" "$st -i $data upper > /dev/null" "tr a-z A-Z < $data > /dev/null"
row "gzip -6           vs gzip -6" 1.05 rss "$smalldata" "$st -i $smalldata 'gzip -6' > /dev/null" "gzip -6 -c $smalldata > /dev/null"
row "gzip -1           vs gzip -1" 1.4 rss "$smalldata" "$st -i $smalldata 'gzip -1' > /dev/null" "gzip -1 -c $smalldata > /dev/null"
row "gzip -6 -T 2      vs gzip -6" 1.9 - "$smalldata" "$mt -i $smalldata 'gzip -6' > /dev/null" "gzip -6 -c $smalldata > /dev/null"
row "gzip -6 -T 2      vs pigz -p 2 -6" 1.0 rss "$smalldata" "$mt -i $smalldata 'gzip -6' > /dev/null" "pigz -p 2 -6 -c $smalldata > /dev/null"
row "gunzip            vs gzip -dc" 1.7 rss "$smalldata.gz" "$st -i $smalldata.gz gunzip > /dev/null" "gzip -dc $smalldata.gz > /dev/null"
row "gunzip            vs pigz -dc" 1.0 rss "$smalldata.gz" "$st -i $smalldata.gz gunzip > /dev/null" "pigz -dc $smalldata.gz > /dev/null"
row "gunzip|grep|upper|gzip -1 -T 2 vs shell" 1.3 - "$smalldata.gz" \
	"$mt -i $smalldata.gz 'gunzip | grep $word | upper | gzip -1' > /dev/null" \
	"gzip -dc $smalldata.gz | env LC_ALL=C grep -F $word | tr a-z A-Z | gzip -1 > /dev/null"
row "gunzip|grep -v|gzip -6 -T 2 vs -T 1" 1.6 - "$smalldata.gz" \
	"$mt -i $smalldata.gz 'gunzip | grep -v healthz | gzip -6' > /dev/null" \
	"$st -i $smalldata.gz 'gunzip | grep -v healthz | gzip -6' > /dev/null"
row "base64            vs base64" 1.0 rss "$data" "$st -i $data base64 > /dev/null" "base64 $data > /dev/null"
row "base64 -d         vs base64 -d" 1.5 rss "$data.b64" "$st -i $data.b64 'base64 -d' > /dev/null" "base64 -d $data.b64 > /dev/null"
row "hex               vs xxd -p" - rss "$smalldata" "$st -i $smalldata hex > /dev/null" "xxd -p $smalldata > /dev/null"
row "hex -d            vs xxd -r -p" - rss "$smalldata.hex" "$st -i $smalldata.hex 'hex -d' > /dev/null" "xxd -r -p $smalldata.hex > /dev/null"
row "zlib -6           vs zlib-flate" - rss "$smalldata" "$st -i $smalldata 'zlib -6' > /dev/null" "zlib-flate -compress=6 < $smalldata > /dev/null"
row "unzlib            vs zlib-flate -u" - rss "$smalldata.zz" "$st -i $smalldata.zz unzlib > /dev/null" "zlib-flate -uncompress < $smalldata.zz > /dev/null"
row "rot13             vs tr" - rss "$data" "$st -i $data rot13 > /dev/null" "tr A-Za-z N-ZA-Mn-za-m < $data > /dev/null"
row "tr a-z A-Z        vs tr a-z A-Z" 1.0 rss "$data" "$st -i $data 'tr a-z A-Z' > /dev/null" "tr a-z A-Z < $data > /dev/null"
row "tr -d 0-9         vs tr -d 0-9" - rss "$data" "$st -i $data 'tr -d 0-9' > /dev/null" "tr -d 0-9 < $data > /dev/null"
row "replace GET PUT   vs sed s/GET/PUT/g" 1.5 rss "$data" "$st -i $data 'replace GET PUT' > /dev/null" "sed s/GET/PUT/g < $data > /dev/null"
row "crlf              vs unix2dos" - rss "$data" "$st -i $data crlf > /dev/null" "unix2dos -f < $data > /dev/null 2>&1"
row "lf                vs dos2unix" - rss "$data.crlf" "$st -i $data.crlf lf > /dev/null" "dos2unix -f < $data.crlf > /dev/null 2>&1"
row "grep ERROR        vs grep -F" 0.8 rss "$data" "$st -i $data 'grep ERROR' | cat > /dev/null" "env LC_ALL=C grep -F ERROR $data | cat > /dev/null"
row "grep -v ERROR     vs grep -vF" 0.8 rss "$data" "$st -i $data 'grep -v ERROR' | cat > /dev/null" "env LC_ALL=C grep -vF ERROR $data | cat > /dev/null"
row "grep -c ERROR     vs grep -cF" - rss "$data" "$st -i $data 'grep -c ERROR' | cat > /dev/null" "env LC_ALL=C grep -cF ERROR $data | cat > /dev/null"
row "grep -i error     vs grep -iF" - rss "$data" "$st -i $data 'grep -i error' | cat > /dev/null" "env LC_ALL=C grep -iF error $data | cat > /dev/null"
row "grep -E 'WARN|ERROR' vs grep -E" - rss "$smalldata" "$st -i $smalldata \"grep -E 'WARN|ERROR'\" | cat > /dev/null" "env LC_ALL=C grep -E 'WARN|ERROR' $smalldata | cat > /dev/null"
row "head -n 1000000   vs head" - rss "$data" "$st -i $data 'head -n 1000000' > /dev/null" "head -n 1000000 $data > /dev/null"
# both read a pipe (a file would let tail seek to its end); time wraps the tail
row "tail -n 1000      vs tail (pipe)" - rss "$data" "$st 'tail -n 1000' < <(cat $data) > /dev/null" "tail -n 1000 < <(cat $data) > /dev/null"
row "nl                vs nl -ba" - rss "$data" "$st -i $data nl > /dev/null" "nl -ba $data > /dev/null"
row "uniq              vs uniq" 1.0 rss "$data" "$st -i $data uniq > /dev/null" "env LC_ALL=C uniq $data > /dev/null"
row "uniq -c           vs uniq -c" - rss "$data" "$st -i $data 'uniq -c' > /dev/null" "env LC_ALL=C uniq -c $data > /dev/null"
row "dedup             vs awk !seen" - rss "$smalldata" "$st -i $smalldata dedup > /dev/null" "awk '!seen[\$0]++' $smalldata > /dev/null"
row "sort              vs sort -S 64M" 1.0 rss "$smalldata" "$st -i $smalldata sort > /dev/null" "env LC_ALL=C sort -S 64M $smalldata > /dev/null"
row "sort -n           vs sort -n -S 64M" - rss "$smalldata" "$st -i $smalldata 'sort -n' > /dev/null" "env LC_ALL=C sort -n -S 64M $smalldata > /dev/null"
row "wc -l             vs wc -l" 0.8 rss "$data" "$st -i $data 'wc -l' > /dev/null" "wc -l < $data > /dev/null"
row "wc                vs wc" 1.0 rss "$data" "$st -i $data wc > /dev/null" "env LC_ALL=C wc < $data > /dev/null"
row "sha256            vs openssl dgst" 0.9 rss "$data" "$st -i $data sha256 > /dev/null" "openssl dgst -sha256 $data > /dev/null"
row "sha256            vs sha256sum" - rss "$data" "$st -i $data sha256 > /dev/null" "sha256sum $data > /dev/null"
row "crc32             vs python zlib.crc32" 1.0 rss "$data" "$st -i $data crc32 > /dev/null" "python3 $dir/crc32.py $data > /dev/null"
row "adler32           vs python zlib.adler32" - rss "$data" "$st -i $data adler32 > /dev/null" "python3 $dir/crc32.py --adler $data > /dev/null"
row "tee FILE          vs tee FILE" - rss "$data" "$st -i $data 'tee $dir/tee.out' > /dev/null" "tee $dir/tee.out < $data > /dev/null"

summary=$(awk '$2 != "-" { n[$1 " " $2]++ }
	END {
		printf "targets: %d ok, %d MISS; RSS rule: %d ok, %d MISS", n["speed ok"], n["speed MISS"], n["rss ok"], n["rss MISS"]
		if (n["row failed"]) printf "; %d rows failed", n["row failed"]
	}' "$tally")
echo "$summary"
if [ -n "$markdown" ]; then
	{
		echo "$header."
		echo
		echo "| row (streamx vs peer) | streamx MB/s | peer MB/s | ratio | target | speed | streamx MiB | peer MiB | RSS |"
		echo "|---|--:|--:|--:|--:|:-:|--:|--:|:-:|"
		cat "$mdrows"
		echo
		echo "$summary."
	} > "$markdown"
fi
