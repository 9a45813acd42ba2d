#!/bin/sh
# Records pprof's own top table for one sample type of one profile, beside the profile:
#   <profile>.<sample_index>.top.txt  what `go tool pprof -top` printed (stdout only)
#   <profile>.<sample_index>.top.tsv  the same as function<TAB>flat<TAB>cum (top-to-tsv.sh)
# Usage: record-top.sh <dir> <profile.pb.gz> <sample_index> [unit]
#   unit: ns for time, B for bytes, omitted for counts (pprof prints counts unscaled).
# Flags: -top -functions (function-name granularity, inlined functions are their own nodes),
# -trim=false (no node/edge dropping: sets nodecount, nodefraction, edgefraction to 0),
# -symbolize=none (no symbolization and no C++-style name demangling, which would otherwise
# rewrite names containing [ ] < > or :: such as V8 "RegExp: ..." frames).
set -eu
dir=$1; profile=$2; index=$3; unit=${4:-}
here=$(cd "$(dirname "$0")" && pwd)
base=${profile%.pb.gz}
set -- -top -functions -trim=false -nodecount=0 -nodefraction=0 -edgefraction=0 -symbolize=none -sample_index="$index"
if [ -n "$unit" ]; then set -- "$@" -unit="$unit"; fi
(cd "$dir" && go tool pprof "$@" "$profile" 2>/dev/null > "$base.$index.top.txt")
"$here/top-to-tsv.sh" < "$dir/$base.$index.top.txt" > "$dir/$base.$index.top.tsv"
