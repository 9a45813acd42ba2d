#!/usr/bin/env bash
# Builds everything and runs every test suite. Needs the .NET 10 SDK and Node.js/npm (the build
# fetches DuckDB's libduckdb.so from npm by itself).
set -euo pipefail
cd "$(dirname "$0")"
dotnet build GrafanaProfiles.sln -c Release -warnaserror
dotnet test GrafanaProfiles.sln -c Release --no-build
