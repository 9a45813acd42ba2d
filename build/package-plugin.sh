#!/usr/bin/env bash
# Builds the Grafana plugin folder (default: dist/ at the repository root), the folder a Grafana user
# drops into their plugins directory or that docker-compose.yml mounts:
#
#   plugin.json, module.js (+ .map), img/, README.md, CHANGELOG.md, LICENSE   the frontend build
#   gpx_grafana_profiles_linux_amd64, gpx_grafana_profiles_linux_arm64      the backend, one
#                                                                           self-contained file each
#   lib/linux_amd64/libduckdb.so, lib/linux_arm64/libduckdb.so              DuckDB for each
#
# Each publish carries only its runtime identifier's libduckdb.so, taken from the NuGet package
# DuckDB.NET.Bindings.Full (build/DuckDb.targets); the other platforms' libraries in that package
# never reach the publish folder.
#
# Grafana runs <executable>_<os>_<arch> from plugin.json. Two architectures cannot share the name
# libduckdb.so, so each lives in lib/<os>_<arch>/, where the store looks for it
# (store/DuckDb/DuckDbLibraryResolver.cs). Each part is published into a temporary folder and only
# its own files are moved into the plugin folder: a backend build never deletes the frontend's files
# and the frontend build (webpack, output.clean false) never deletes the binaries.
#
# Usage: build/package-plugin.sh [--skip-frontend] [--skip-backend] [--arch amd64|arm64|all] [--out DIR]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/dist"
arch="all"
frontend=1
backend=1

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'
}

while [ $# -gt 0 ]; do
  case "$1" in
    --skip-frontend) frontend=0 ;;
    --skip-backend) backend=0 ;;
    --arch)
      [ $# -ge 2 ] || { echo "package-plugin: --arch needs a value: amd64, arm64 or all" >&2; exit 2; }
      arch="$2"; shift ;;
    --arch=*) arch="${1#--arch=}" ;;
    --out)
      [ $# -ge 2 ] || { echo "package-plugin: --out needs a directory" >&2; exit 2; }
      out="$2"; shift ;;
    --out=*) out="${1#--out=}" ;;
    -h|--help) usage; exit 0 ;;
    *) echo "package-plugin: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
  shift
done

case "$arch" in
  all) arches=(amd64 arm64) ;;
  amd64|arm64) arches=("$arch") ;;
  *) echo "package-plugin: --arch must be amd64, arm64 or all, not '$arch'" >&2; exit 2 ;;
esac

mkdir -p "$out"
out="$(cd "$out" && pwd)"
started=$(date +%s)
work="$(mktemp -d "${TMPDIR:-/tmp}/package-plugin.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# e_machine of an ELF file (offset 18, little endian): 62 x86-64, 183 aarch64.
elf_machine() {
  if [ "$(head -c 4 "$1" | od -An -c | tr -d ' ')" != "177ELF" ]; then
    echo "none"
  else
    od -An -tu2 -j18 -N2 "$1" | tr -d ' '
  fi
}

# Moves a file into the plugin folder under its final name in one rename, so that a Grafana running
# the old executable keeps it (a copy over a running executable fails with "Text file busy").
install_file() { # source, destination, mode
  local tmp
  tmp="$(dirname "$2")/.$(basename "$2").partial-$$"
  cp "$1" "$tmp"
  chmod "$3" "$tmp"
  mv -f "$tmp" "$2"
}

if [ "$frontend" = 1 ]; then
  cd "$root/plugin-frontend"
  if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "package-plugin: installing the frontend's packages (npm ci)"
    npm ci --no-audit --no-fund
  fi
  echo "package-plugin: frontend (webpack --mode production) -> $out"
  PLUGIN_DIST_DIR="$out" npx webpack --mode production
fi

if [ "$backend" = 1 ]; then
  for a in "${arches[@]}"; do
    case "$a" in
      amd64) rid=linux-x64; machine=62 ;;
      arm64) rid=linux-arm64; machine=183 ;;
    esac
    publish="$work/$rid"
    echo "package-plugin: backend (dotnet publish -r $rid, self-contained single file)"
    dotnet publish "$root/backend/GrafanaProfiles.Backend" -c Release -r "$rid" -o "$publish" --nologo -v quiet
    exe="$publish/gpx_grafana_profiles_linux_$a"
    lib="$publish/libduckdb.so"
    for f in "$exe" "$lib"; do
      [ -f "$f" ] || { echo "package-plugin: dotnet publish -r $rid did not produce $(basename "$f")" >&2; exit 1; }
      seen="$(elf_machine "$f")"
      if [ "$seen" != "$machine" ]; then
        echo "package-plugin: $(basename "$f") from the $rid publish is ELF machine $seen, expected $machine ($a); delete backend/GrafanaProfiles.Backend/bin and store/*/bin and run again" >&2
        exit 1
      fi
    done
    mkdir -p "$out/lib/linux_$a"
    install_file "$lib" "$out/lib/linux_$a/libduckdb.so" 0644
    install_file "$exe" "$out/gpx_grafana_profiles_linux_$a" 0755
  done
fi

missing=()
for f in plugin.json module.js module.js.map; do
  [ -f "$out/$f" ] || missing+=("$f")
done
for a in amd64 arm64; do
  [ -f "$out/gpx_grafana_profiles_linux_$a" ] || missing+=("gpx_grafana_profiles_linux_$a")
  [ -f "$out/lib/linux_$a/libduckdb.so" ] || missing+=("lib/linux_$a/libduckdb.so")
done

echo "package-plugin: $out ($(du -sh "$out" | cut -f1), $(( $(date +%s) - started )) s)"
(cd "$out" && find . -type f ! -path './img/*' -printf '  %P  %s bytes\n' | sort)
if [ ${#missing[@]} -gt 0 ]; then
  echo "package-plugin: the folder is not complete yet, missing: ${missing[*]} (run without --skip-frontend/--skip-backend and with --arch all)" >&2
fi
