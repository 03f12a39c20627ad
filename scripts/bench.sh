#!/usr/bin/env bash
# bench.sh - streamx against the tool users know, same data, same run.
#   scripts/bench.sh [--quick] [--runs N] [--only REGEX]
# For each row both commands run alternately N times over the same
# generated file; the table gives the median MB/s of input for each, the
# peak RSS of each, and the streamx/peer speed ratio (above 1: streamx is
# faster). Medians and ratios only: single timings on a shared machine are
# noise.
set -euo pipefail
cd "$(dirname "$0")/.."
size=1G small=256M runs=5 only=
while [ $# -gt 0 ]; do
	case $1 in
	--quick) size=64M small=32M runs=3 ;;
	--runs) runs=$2; shift ;;
	--only) only=$2; shift ;;
	*) echo "usage: $0 [--quick] [--runs N] [--only REGEX]" >&2; exit 2 ;;
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
	[[ -z $only || $label =~ $only ]] || return 0
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
row "base64            vs base64" "$data" "$bin -i $data base64 > /dev/null" "base64 $data > /dev/null"
row "base64 -d         vs base64 -d" "$data.b64" "$bin -i $data.b64 'base64 -d' > /dev/null" "base64 -d $data.b64 > /dev/null"
row "hex               vs xxd -p" "$smalldata" "$bin -i $smalldata hex > /dev/null" "xxd -p $smalldata > /dev/null"
row "hex -d            vs xxd -r -p" "$smalldata.hex" "$bin -i $smalldata.hex 'hex -d' > /dev/null" "xxd -r -p $smalldata.hex > /dev/null"
row "zlib -6           vs zlib-flate" "$smalldata" "$bin -i $smalldata 'zlib -6' > /dev/null" "zlib-flate -compress=6 < $smalldata > /dev/null"
row "unzlib            vs zlib-flate -u" "$smalldata.zz" "$bin -i $smalldata.zz unzlib > /dev/null" "zlib-flate -uncompress < $smalldata.zz > /dev/null"
row "rot13             vs tr" "$data" "$bin -i $data rot13 > /dev/null" "tr A-Za-z N-ZA-Mn-za-m < $data > /dev/null"
row "tr a-z A-Z        vs tr a-z A-Z" "$data" "$bin -i $data 'tr a-z A-Z' > /dev/null" "tr a-z A-Z < $data > /dev/null"
row "tr -d 0-9         vs tr -d 0-9" "$data" "$bin -i $data 'tr -d 0-9' > /dev/null" "tr -d 0-9 < $data > /dev/null"
row "replace GET PUT   vs sed s/GET/PUT/g" "$data" "$bin -i $data 'replace GET PUT' > /dev/null" "sed s/GET/PUT/g < $data > /dev/null"
row "crlf              vs unix2dos" "$data" "$bin -i $data crlf > /dev/null" "unix2dos -f < $data > /dev/null 2>&1"
row "lf                vs dos2unix" "$data.crlf" "$bin -i $data.crlf lf > /dev/null" "dos2unix -f < $data.crlf > /dev/null 2>&1"
row "grep ERROR        vs grep -F" "$data" "$bin -i $data 'grep ERROR' | cat > /dev/null" "env LC_ALL=C grep -F ERROR $data | cat > /dev/null"
row "grep -v ERROR     vs grep -vF" "$data" "$bin -i $data 'grep -v ERROR' | cat > /dev/null" "env LC_ALL=C grep -vF ERROR $data | cat > /dev/null"
row "grep -c ERROR     vs grep -cF" "$data" "$bin -i $data 'grep -c ERROR' | cat > /dev/null" "env LC_ALL=C grep -cF ERROR $data | cat > /dev/null"
row "grep -i error     vs grep -iF" "$data" "$bin -i $data 'grep -i error' | cat > /dev/null" "env LC_ALL=C grep -iF error $data | cat > /dev/null"
row "grep -E 'WARN|ERROR' vs grep -E" "$smalldata" "$bin -i $smalldata \"grep -E 'WARN|ERROR'\" | cat > /dev/null" "env LC_ALL=C grep -E 'WARN|ERROR' $smalldata | cat > /dev/null"
row "head -n 1000000   vs head" "$data" "$bin -i $data 'head -n 1000000' > /dev/null" "head -n 1000000 $data > /dev/null"
row "tail -n 1000      vs tail (pipe)" "$data" "cat $data | $bin 'tail -n 1000' > /dev/null" "cat $data | tail -n 1000 > /dev/null"
row "nl                vs nl -ba" "$data" "$bin -i $data nl > /dev/null" "nl -ba $data > /dev/null"
row "uniq              vs uniq" "$data" "$bin -i $data uniq > /dev/null" "env LC_ALL=C uniq $data > /dev/null"
row "uniq -c           vs uniq -c" "$data" "$bin -i $data 'uniq -c' > /dev/null" "env LC_ALL=C uniq -c $data > /dev/null"
row "dedup             vs awk !seen" "$smalldata" "$bin -i $smalldata dedup > /dev/null" "awk '!seen[\$0]++' $smalldata > /dev/null"
row "sort              vs sort -S 64M" "$smalldata" "$bin -i $smalldata sort > /dev/null" "env LC_ALL=C sort -S 64M $smalldata > /dev/null"
row "sort -n           vs sort -n -S 64M" "$smalldata" "$bin -i $smalldata 'sort -n' > /dev/null" "env LC_ALL=C sort -n -S 64M $smalldata > /dev/null"
row "wc -l             vs wc -l" "$data" "$bin -i $data 'wc -l' > /dev/null" "wc -l < $data > /dev/null"
row "wc                vs wc" "$data" "$bin -i $data wc > /dev/null" "env LC_ALL=C wc < $data > /dev/null"
row "sha256            vs openssl dgst" "$data" "$bin -i $data sha256 > /dev/null" "openssl dgst -sha256 $data > /dev/null"
row "sha256            vs sha256sum" "$data" "$bin -i $data sha256 > /dev/null" "sha256sum $data > /dev/null"
row "crc32             vs python zlib.crc32" "$data" "$bin -i $data crc32 > /dev/null" "python3 $dir/crc32.py $data > /dev/null"
row "adler32           vs python zlib.adler32" "$data" "$bin -i $data adler32 > /dev/null" "python3 $dir/crc32.py --adler $data > /dev/null"
row "tee FILE          vs tee FILE" "$data" "$bin -i $data 'tee $dir/tee.out' > /dev/null" "tee $dir/tee.out < $data > /dev/null"
