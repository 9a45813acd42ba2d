#!/bin/sh
# Captures what the real Pyroscope Node.js SDK uploads to /ingest into tests/testdata/pyroscope
# (node-sdk-*.body and .json). Needs node with npm. See README.md.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=$(cd "$here/../pyroscope" && pwd)
rm -f "$out"/node-sdk-*
(cd "$here/pyroscope-node" && npm ci --no-audit --no-fund >/dev/null && node capture.js "$out")
ls -l "$out"
