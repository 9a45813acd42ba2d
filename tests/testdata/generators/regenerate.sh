#!/bin/sh
# Regenerates every profile under tests/testdata/pprof from real runtimes, records pprof's
# top tables beside them, and rewrites the malformed inputs. Needs go (1.19 was used), node
# (20 was used) with npm, and python3. See README.md.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=$(cd "$here/../pprof" && pwd)

# Go: -trimpath keeps file names independent of the checkout location.
(cd "$here/go" && go build -trimpath -o "${TMPDIR:-/tmp}/pprof-testdata-gen" . )
"${TMPDIR:-/tmp}/pprof-testdata-gen" -mode cpu -seconds 4 -out "$out"
"${TMPDIR:-/tmp}/pprof-testdata-gen" -mode heap -seconds 2 -out "$out"

# Node: @datadog/pprof (prebuilt native addon for V8's CPU and sampling heap profilers).
(cd "$here/node" && npm ci --no-audit --no-fund >/dev/null && node generate.js "$out" 4)

r="$here/record-top.sh"
"$r" "$out" go-cpu.pb.gz cpu ns
"$r" "$out" go-cpu.pb.gz samples
"$r" "$out" go-heap.pb.gz alloc_space B
"$r" "$out" go-heap.pb.gz alloc_objects
"$r" "$out" go-heap.pb.gz inuse_space B
"$r" "$out" go-heap.pb.gz inuse_objects
"$r" "$out" go-goroutine.pb.gz goroutine
"$r" "$out" go-mutex.pb.gz contentions
"$r" "$out" go-mutex.pb.gz delay ns
"$r" "$out" node-cpu.pb.gz sample
"$r" "$out" node-cpu.pb.gz wall ns
"$r" "$out" node-heap.pb.gz inuse_objects
"$r" "$out" node-heap.pb.gz inuse_space B

python3 "$here/make-malformed.py" "$out"
ls -l "$out" "$out/malformed"
