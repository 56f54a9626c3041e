#!/usr/bin/env bash
# Adds a migration for both engines to a module (or to the host's platform tables):
#   tools/scripts/add-migration.sh modules/Contacts AddBirthplace
#   tools/scripts/add-migration.sh host/Crm.Host AddUsers
# Each engine keeps its migrations and model snapshot in its own folder (Migrations/Sqlite,
# Migrations/Postgres); the SDK shows EF only those of the engine in use.
set -euo pipefail
project=${1:?project folder, e.g. modules/Contacts}
name=${2:?migration name}
cd "$(dirname "$0")/../.."
dotnet tool restore >/dev/null
out=Migrations
[ "$project" = host/Crm.Host ] && out=Data/Migrations
export CRM_DESIGN_TIME=true
engines=(Sqlite Postgres)
for engine in "${engines[@]}"; do
  # dotnet-ef overwrites any file of the snapshot's name anywhere in the project: hide the other engine's.
  hidden=()
  for other in "${engines[@]}"; do
    [ "$other" = "$engine" ] && continue
    for f in "$project/$out/$other"/*ModelSnapshot.cs; do
      [ -e "$f" ] && mv "$f" "$f.hidden" && hidden+=("$f")
    done
  done
  CRM_EF_PROVIDER=${engine,,} dotnet ef migrations add "$name" \
    --project "$project" --startup-project "$project" --output-dir "$out/$engine" >/dev/null || status=$?
  for f in "${hidden[@]}"; do mv "$f.hidden" "$f"; done
  [ "${status:-0}" = 0 ] || exit "$status"
  echo "added $name for $engine in $project/$out/$engine"
done
