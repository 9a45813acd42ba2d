#!/usr/bin/env bash
# Checks docker-compose.yml without a Docker engine: the file is valid (`docker-compose config -q`,
# Debian's docker-compose, installed with apt-get when missing), and everything it takes from the
# host exists after the build: every bind-mounted path (dist/ as a complete plugin folder with both
# executables, provisioning/), every build context and Dockerfile, and every file those Dockerfiles
# COPY from their context.
#
# Usage: build/check-compose.sh [--plugin-dir DIR]   (default: dist/, what the compose file mounts)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

if ! command -v docker-compose >/dev/null 2>&1; then
  echo "check-compose: docker-compose is missing; installing Debian's package"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq docker-compose
  elif command -v sudo >/dev/null 2>&1; then
    sudo apt-get update -qq && sudo apt-get install -y -qq docker-compose
  else
    echo "check-compose: docker-compose is not installed and this user cannot install it: run 'apt-get install docker-compose' as root" >&2
    exit 1
  fi
fi

echo "check-compose: docker-compose config -q"
docker-compose -f docker-compose.yml config -q

# The resolved file (paths absolute, defaults filled in) is read by Python's YAML reader, which
# Debian's docker-compose depends on.
docker-compose -f docker-compose.yml config | python3 -c '
import os, re, sys, yaml

root = sys.argv[1]
config = yaml.safe_load(sys.stdin)
problems = []
checked = 0

def need(path, what, kind="any"):
    global checked
    checked += 1
    ok = os.path.isdir(path) if kind == "dir" else os.path.isfile(path) if kind == "file" else os.path.exists(path)
    if not ok:
        problems.append(f"{what}: {os.path.relpath(path, root)} does not exist")
    return ok

for name, service in (config.get("services") or {}).items():
    for volume in service.get("volumes") or []:
        if isinstance(volume, str):
            source = volume.split(":", 1)[0]
            if not source.startswith(("/", ".")):
                continue
        elif volume.get("type") == "bind":
            source = volume["source"]
        else:
            continue
        need(source, f"service {name} mounts")
    build = service.get("build")
    if build:
        context = build if isinstance(build, str) else build.get("context", ".")
        dockerfile = os.path.join(context, "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile"))
        if need(context, f"service {name} builds from", "dir") and need(dockerfile, f"service {name} Dockerfile", "file"):
            # COPY/ADD sources taken from the context (not --from another stage, not URLs).
            text = re.sub(r"\\\n", " ", open(dockerfile).read())
            for line in text.splitlines():
                words = line.split()
                if not words or words[0].upper() not in ("COPY", "ADD"):
                    continue
                args = [w for w in words[1:] if not w.startswith("--")]
                if any(w.startswith("--from") for w in words[1:]) or len(args) < 2:
                    continue
                if args[0].startswith("["):
                    continue
                for source in args[:-1]:
                    if "://" in source:
                        continue
                    need(os.path.join(context, source), f"service {name} Dockerfile COPY")

if problems:
    print("check-compose: docker-compose.yml takes paths from the host that are missing:", file=sys.stderr)
    for p in problems:
        print("  " + p, file=sys.stderr)
    sys.exit(1)
print(f"check-compose: {checked} host paths of docker-compose.yml exist")
' "$root"

# The plugin folder Grafana loads must be complete, not only present.
plugin_dir="$root/dist"
if [ "${1:-}" = "--plugin-dir" ] && [ -n "${2:-}" ]; then
  plugin_dir="$2"
fi
missing=()
for f in plugin.json module.js gpx_grafana_profiles_linux_amd64 gpx_grafana_profiles_linux_arm64 lib/linux_amd64/libduckdb.so lib/linux_arm64/libduckdb.so; do
  [ -f "$plugin_dir/$f" ] || missing+=("$f")
done
for f in gpx_grafana_profiles_linux_amd64 gpx_grafana_profiles_linux_arm64; do
  if [ -f "$plugin_dir/$f" ] && [ ! -x "$plugin_dir/$f" ]; then
    missing+=("$f (not executable)")
  fi
done
for f in provisioning/datasources/grafana-profiles.yaml provisioning/dashboards/grafana-profiles.yaml; do
  [ -f "$root/$f" ] || missing+=("$f")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "check-compose: the mounted folders are incomplete: ${missing[*]}. Build the plugin folder with 'bash build/package-plugin.sh'." >&2
  exit 1
fi
echo "check-compose: OK (plugin folder $(realpath --relative-to="$root" "$plugin_dir") complete for linux amd64 and arm64, provisioning present)"
