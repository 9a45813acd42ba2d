#!/usr/bin/env bash
# Builds everything and runs every test suite: the frontend's typecheck, lint and unit tests, the
# plugin folder (frontend + backend for linux amd64 and arm64), the .NET suites (among them the
# plugin folder's layout and the provisioned dashboards against the real plugin), the browser test
# (headless Chromium loading dist/module.js as Grafana does, backed by the real plugin executable)
# and the docker-compose file's validation.
#
# Needs the .NET 10 SDK and Node.js/npm. Installs what is missing from Debian's packages (as root,
# or through sudo): Go and the Go libraries for the test programs (a net/http/pprof server, and a
# host that starts the plugin with hashicorp/go-plugin as Grafana does), Chromium for the browser
# test, docker-compose to validate docker-compose.yml (no Docker engine is needed), and Prometheus
# for the remote-write test of recording rules (Debian's service stays off; the test starts its own).
set -euo pipefail
cd "$(dirname "$0")"

packages=()
command -v go >/dev/null 2>&1 || packages+=(golang-go)
[ -d /usr/share/gocode/src/github.com/hashicorp/go-plugin ] || packages+=(golang-github-hashicorp-go-plugin-dev)
[ -d /usr/share/gocode/src/google.golang.org/grpc ] || packages+=(golang-google-grpc-dev)
command -v chromium >/dev/null 2>&1 || packages+=(chromium)
command -v docker-compose >/dev/null 2>&1 || packages+=(docker-compose)
# A real Prometheus receives the collector's remote write of recorded metrics; the test starts it itself.
command -v prometheus >/dev/null 2>&1 || packages+=(prometheus)
if [ ${#packages[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "Installing Debian packages for the tests: ${packages[*]}..."
  $sudo apt-get install -y "${packages[@]}" >/dev/null 2>&1 || { $sudo apt-get update >/dev/null && $sudo apt-get install -y "${packages[@]}" >/dev/null; }
  # Debian starts the service it just installed where systemd runs; the tests need only the binary.
  if [[ " ${packages[*]} " == *" prometheus "* ]] && command -v systemctl >/dev/null 2>&1; then
    $sudo systemctl disable --now prometheus >/dev/null 2>&1 || true
  fi
fi

echo "== frontend: install, typecheck, lint, unit tests"
(cd plugin-frontend && npm ci --no-audit --no-fund && npm run typecheck && npm run lint && npx jest --ci)

echo "== .NET build"
dotnet build GrafanaProfiles.sln -c Release -warnaserror

echo "== .NET code style (dotnet format --verify-no-changes)"
dotnet format GrafanaProfiles.sln --verify-no-changes --no-restore

echo "== plugin folder (dist/)"
bash build/package-plugin.sh

echo "== .NET tests"
dotnet test GrafanaProfiles.sln -c Release --no-build

echo "== browser test"
(cd plugin-frontend && npm run e2e)

echo "== docker-compose.yml"
bash build/check-compose.sh
