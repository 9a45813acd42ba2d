#!/usr/bin/env bash
# Coverage-guided fuzzing of one target with afl-fuzz and SharpFuzz (docs/reliability.md, "Fuzzing").
#
#   tests/GrafanaProfiles.Fuzz.Afl/run.sh <target> [--execs N | --seconds S] [--timeout-ms T] [--work-dir DIR]
#                                         [--save-dir DIR] [--stop-on-crash]
#
# Targets: pprof, selector, folded, otlp, push, name, sql, wal (the structured fuzzer's targets,
# the same classes; wal replays each input in memory), and planted, whose planted bug selftest.sh
# uses to show that a crash is reported. Default: --execs 100000, --timeout-ms 2000 (an input that
# runs longer is a hang). --save-dir: where crash and hang inputs are copied (default
# tests/testdata/fuzz/<target>; for planted, findings/ in the work directory). --stop-on-crash:
# afl-fuzz ends at its first crash (AFL_BENCH_UNTIL_CRASH).
#
# Steps: builds the harness in Release; copies its output folder into the work directory (a new
# temporary directory unless --work-dir is given) and rewrites there, with the sharpfuzz tool, the
# assemblies that hold the target's parser, so afl-fuzz sees which branches each input takes;
# writes the target's real payloads and corpus (tests/testdata/fuzz/<target>/) as seeds; runs
# afl-fuzz until the executions or seconds are done; copies every crash and hang input into
# the save directory as afl-<sha256 prefix>.bin (by default tests/testdata/fuzz/<target>/, where the
# parsers' corpus tests replay it);
# prints executions, executions per second, corpus paths, edges, crashes and hangs.
# Exit code: 0 when afl-fuzz found no crash and no hang, 1 when it did, 2 for a usage error.
#
# Installs what is missing: Debian's afl++ (as root, or through sudo) and the SharpFuzz.CommandLine
# dotnet tool (into the work directory). This is a command to run by hand, not part of test.sh.
set -euo pipefail

SHARPFUZZ_TOOL_VERSION=2.3.0
usage="usage: $0 <target> [--execs N | --seconds S] [--timeout-ms T] [--work-dir DIR] [--save-dir DIR] [--stop-on-crash]"

[ $# -ge 1 ] || { echo "$usage" >&2; exit 2; }
target=$1; shift
execs=100000
seconds=""
timeout_ms=2000
work=""
save=""
until_crash=""
while [ $# -gt 0 ]; do
  case "$1" in
    --execs) execs=${2:?--execs needs a value}; seconds=""; shift 2 ;;
    --seconds) seconds=${2:?--seconds needs a value}; execs=""; shift 2 ;;
    --timeout-ms) timeout_ms=${2:?--timeout-ms needs a value}; shift 2 ;;
    --work-dir) work=${2:?--work-dir needs a value}; shift 2 ;;
    --save-dir) save=${2:?--save-dir needs a value}; shift 2 ;;
    --stop-on-crash) until_crash=1; shift ;;
    *) echo "Unknown option $1. $usage" >&2; exit 2 ;;
  esac
done

# The assemblies whose code the target's parser runs: these are instrumented.
case "$target" in
  pprof) assemblies=(GrafanaProfiles.Store.Write.dll GrafanaProfiles.Store.Model.dll) ;;
  selector) assemblies=(GrafanaProfiles.Store.Read.dll) ;;
  folded | name | otlp) assemblies=(GrafanaProfiles.Collector.Ingest.dll) ;;
  push) assemblies=(GrafanaProfiles.Collector.Ingest.dll GrafanaProfiles.Store.Write.dll) ;;
  sql) assemblies=(gpx_grafana_profiles.dll) ;;
  wal) assemblies=(GrafanaProfiles.Store.Write.dll GrafanaProfiles.Store.Model.dll GrafanaProfiles.Collector.Ingest.dll) ;;
  planted) assemblies=(GrafanaProfiles.Fuzz.Planted.dll) ;;
  *) echo "Unknown target '$target'. Targets: pprof, selector, folded, otlp, push, name, sql, wal, planted." >&2; exit 2 ;;
esac

cd "$(dirname "$0")/../.."
root=$(pwd)
project=tests/GrafanaProfiles.Fuzz.Afl/GrafanaProfiles.Fuzz.Afl.csproj
[ -n "$work" ] || work=$(mktemp -d)
mkdir -p "$work"
work=$(cd "$work" && pwd)
if [ -z "$save" ]; then
  save="tests/testdata/fuzz/$target"
  [ "$target" != planted ] || save="$work/findings"
fi

if ! command -v afl-fuzz >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "Installing Debian's afl++..."
  $sudo apt-get install -y afl++ >/dev/null 2>&1 || { $sudo apt-get update >/dev/null && $sudo apt-get install -y afl++ >/dev/null; }
fi
tools="$work/tools"
if [ ! -x "$tools/sharpfuzz" ]; then
  echo "Installing the SharpFuzz.CommandLine $SHARPFUZZ_TOOL_VERSION dotnet tool..."
  nice -n 10 dotnet tool install --tool-path "$tools" SharpFuzz.CommandLine --version "$SHARPFUZZ_TOOL_VERSION" >/dev/null
fi

echo "Building the harness (Release)..."
nice -n 10 dotnet build "$project" -c Release -warnaserror -nologo -v quiet >/dev/null
bin="$work/bin"
rm -rf "$bin"
cp -r tests/GrafanaProfiles.Fuzz.Afl/bin/Release/net10.0 "$bin"
for assembly in "${assemblies[@]}"; do
  echo "Instrumenting $assembly"
  "$tools/sharpfuzz" "$bin/$assembly" >/dev/null
done

input="$work/in"
output="$work/out"
rm -rf "$input" "$output"
(cd "$root" && "$bin/GrafanaProfiles.Fuzz.Afl" "$target" --seeds "$input")

limit=(-E "$execs")
[ -z "$seconds" ] || limit=(-V "$seconds")
echo "afl-fuzz: target $target, ${execs:+$execs executions}${seconds:+$seconds seconds}, timeout $timeout_ms ms"
# The .NET host is not built with afl's compiler (SharpFuzz reports coverage from the rewritten
# assemblies), hence AFL_SKIP_BIN_CHECK. The machine's core pattern and CPU governor are left as
# they are; afl-fuzz would otherwise refuse to start.
status=0
# afl-fuzz takes any value of AFL_BENCH_UNTIL_CRASH, even an empty one, as set: it is set only when asked.
stop=()
[ -z "$until_crash" ] || stop=(AFL_BENCH_UNTIL_CRASH=1)
(cd "$root" && env "${stop[@]}" AFL_SKIP_BIN_CHECK=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
  AFL_NO_UI=1 AFL_NO_AFFINITY=1 AFL_QUIET=1 \
  nice -n 10 afl-fuzz -i "$input" -o "$output" -t "$timeout_ms" -m none "${limit[@]}" \
  -- "$bin/GrafanaProfiles.Fuzz.Afl" "$target") >"$work/afl-fuzz.log" 2>&1 || status=$?
stats="$output/default/fuzzer_stats"
if [ ! -f "$stats" ]; then
  tail -n 40 "$work/afl-fuzz.log" >&2
  echo "afl-fuzz exited with $status before writing its statistics (log: $work/afl-fuzz.log)." >&2
  exit 1
fi

saved=0
for kind in crashes hangs; do
  for file in "$output/default/$kind"/id:*; do
    [ -f "$file" ] || continue
    mkdir -p "$save"
    name="afl-$(sha256sum "$file" | cut -c1-16).bin"
    cp "$file" "$save/$name"
    echo "$kind: $save/$name"
    saved=$((saved + 1))
  done
done

stat() { sed -n "s/^$1 *: *//p" "$stats"; }
echo "target $target: $(stat execs_done) executions in $(stat run_time) s ($(stat execs_per_sec) execs/s), \
$(stat corpus_count) paths, $(stat edges_found) of $(stat total_edges) edges ($(stat bitmap_cvg)), \
$(stat saved_crashes) crashes, $(stat saved_hangs) hangs, stability $(stat stability)"
[ "$saved" -eq 0 ] || { echo "$saved inputs saved under $save/: replay them with the corpus tests, or with $bin/GrafanaProfiles.Fuzz.Afl $target --replay FILE."; exit 1; }
