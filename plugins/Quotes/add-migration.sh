#!/usr/bin/env bash
# Adds a migration for both engines: bash add-migration.sh AddDueDate
# Each engine keeps its migrations and model snapshot in its own folder (Migrations/Sqlite,
# Migrations/Postgres); the SDK shows EF only those of the engine in use.
set -euo pipefail
name=${1:?migration name}
cd "$(dirname "$0")"
dotnet tool restore >/dev/null
# dotnet-ef reads the project before it builds it: restore first.
dotnet restore >/dev/null
export CRM_DESIGN_TIME=true
engines=(Sqlite Postgres)
for engine in "${engines[@]}"; do
  # dotnet-ef overwrites any file of the snapshot's name anywhere in the project: hide the other engine's.
  hidden=()
  for other in "${engines[@]}"; do
    [ "$other" = "$engine" ] && continue
    for f in Migrations/"$other"/*ModelSnapshot.cs; do
      [ -e "$f" ] && mv "$f" "$f.hidden" && hidden+=("$f")
    done
  done
  CRM_EF_PROVIDER=${engine,,} dotnet ef migrations add "$name" --output-dir "Migrations/$engine" >/dev/null || status=$?
  for f in "${hidden[@]}"; do mv "$f.hidden" "$f"; done
  [ "${status:-0}" = 0 ] || exit "$status"
  echo "added $name for $engine"
done
