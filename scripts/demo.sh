#!/bin/sh
# demo.sh - the same gzip job run whole-file (--naive) and streamed (--stream)
# on generated data at several sizes, peak RSS side by side, and a plot.
#   DEMO_SIZES=1M,64M,1G make demo      other sizes (default 1M,16M,256M)
#   DEMO_PIPELINE='gunzip | gzip' ...   another pipeline (default gzip)
set -eu
sizes=${DEMO_SIZES:-1M,16M,256M}
pipeline=${DEMO_PIPELINE:-gzip}
dir=${DEMO_DIR:-build/demo}
mkdir -p "$dir"
echo "streamx compare --sizes $sizes '$pipeline' (generated log data; each mode in its own process)"
echo
./streamx compare --sizes "$sizes" --plot "$dir/compare.svg" -f "$pipeline"
echo
echo "RSS over time and peak RSS against size: $dir/compare.svg (open it in a browser)"
