#!/usr/bin/env bash
# Shows that run.sh reports a crash: a harness that never fails cannot be trusted
# (docs/reliability.md, "Fuzzing").
#
#   tests/GrafanaProfiles.Fuzz.Afl/selftest.sh [--seconds S]
#
# Runs run.sh on the planted target (Planted/PlantedBug.cs: an input starting with FUZZ throws;
# the one seed is one byte away) with --stop-on-crash, in a temporary work directory, and checks
# that run.sh exits with 1, names the crash file it saved, that the file starts with FUZZ, and that
# the harness replays it as a finding. Default --seconds 120: the longest afl-fuzz may search.
# Exit code: 0 when every check holds, 1 when one fails (the output says which), 2 for a usage error.
# Needs what run.sh needs (it installs afl++ and the SharpFuzz.CommandLine tool when missing).
set -euo pipefail

seconds=120
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=${2:?--seconds needs a value}; shift 2 ;;
    *) echo "Unknown option $1. usage: $0 [--seconds S]" >&2; exit 2 ;;
  esac
done

here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "selftest FAILED: $*" >&2; exit 1; }

started=$(date +%s)
status=0
output=$("$here/run.sh" planted --seconds "$seconds" --stop-on-crash --work-dir "$work" 2>&1) || status=$?
echo "$output"
[ "$status" -eq 1 ] || fail "run.sh exited with $status on the planted bug; a crash must make it exit with 1."
crash=$(sed -n 's/^crashes: //p' <<<"$output" | head -n 1)
[ -n "$crash" ] || fail "run.sh exited with 1 but named no crash file (no 'crashes: FILE' line)."
[ -f "$crash" ] || fail "run.sh named the crash file $crash, which does not exist."
[ "$(head -c 4 "$crash")" = FUZZ ] || fail "the crash file $crash does not start with the planted FUZZ: $(head -c 16 "$crash" | od -An -c)"
replay_status=0
replay=$("$work/bin/GrafanaProfiles.Fuzz.Afl" planted --replay "$crash") || replay_status=$?
[ "$replay_status" -eq 1 ] && grep -q "finding System.InvalidOperationException: The planted bug" <<<"$replay" \
  || fail "replaying $crash did not report the planted bug (exit $replay_status): $replay"
echo "selftest passed in $(($(date +%s) - started)) s: run.sh exited with 1 and named $(basename "$crash"), which replays as the planted bug."
