#!/usr/bin/env bash
# Builds everything and runs every test suite. Needs the .NET 10 SDK and Node.js/npm (the build
# fetches DuckDB's libduckdb.so from npm by itself). The scrape tests build and scrape a real Go
# program: when `go` is missing, this installs Debian's golang-go (as root, or through sudo).
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v go >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "Installing the Go toolchain (Debian package golang-go) for the scrape tests..."
  $sudo apt-get install -y golang-go >/dev/null 2>&1 || { $sudo apt-get update >/dev/null && $sudo apt-get install -y golang-go >/dev/null; }
fi

dotnet build GrafanaProfiles.sln -c Release -warnaserror
dotnet test GrafanaProfiles.sln -c Release --no-build
