#!/usr/bin/env bash
# Builds everything and runs every test suite. Needs the .NET 10 SDK and Node.js/npm (the build
# fetches DuckDB's libduckdb.so from npm by itself). Two suites build real Go programs: the scrape
# tests a net/http/pprof server, the plugin tests a host that starts the plugin with
# hashicorp/go-plugin's client (as Grafana does). When Go or those libraries are missing, this
# installs Debian's packages (as root, or through sudo).
set -euo pipefail
cd "$(dirname "$0")"

packages=()
command -v go >/dev/null 2>&1 || packages+=(golang-go)
[ -d /usr/share/gocode/src/github.com/hashicorp/go-plugin ] || packages+=(golang-github-hashicorp-go-plugin-dev)
[ -d /usr/share/gocode/src/google.golang.org/grpc ] || packages+=(golang-google-grpc-dev)
if [ ${#packages[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "Installing Debian packages for the Go test programs: ${packages[*]}..."
  $sudo apt-get install -y "${packages[@]}" >/dev/null 2>&1 || { $sudo apt-get update >/dev/null && $sudo apt-get install -y "${packages[@]}" >/dev/null; }
fi

dotnet build GrafanaProfiles.sln -c Release -warnaserror
dotnet test GrafanaProfiles.sln -c Release --no-build
