#!/usr/bin/env bash
# An export of deals as a background job, on PostgreSQL: rows/s and the host's peak working set.
# Starts a throwaway PostgreSQL (.ci/postgres.sh), builds Release, seeds it with
# `crm seed --deals N --deal-custom-fields` (with the companies and contacts deals link to), starts
# the host, starts `exportRecords(entityType: DEAL, format: CSV|XLSX)` as the admin, polls `job(id:)`
# until it ends, and prints rows, rows/s (from the job's startedAt to finishedAt), the host's CPU
# seconds for the export, its peak resident set (VmHWM) and the file's size; then cleans up.
#   tools/bench/export.sh [--deals N] [--format CSV|XLSX] [--page-size N]
set -euo pipefail
deals=100000 format=CSV page_size=200
while [ $# -gt 0 ]; do
  case $1 in
    --deals|--format|--page-size)
      [ $# -ge 2 ] || { echo "$1 needs a value" >&2; exit 2; }
      name=${1#--}; declare "${name//-/_}=$2"; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
cd "$(dirname "$0")/../.."

. tools/bench/lib.sh
start_postgres_and_build

echo
echo "== crm seed --deals $deals"
"${crm[@]}" seed --companies $((deals / 10 + 1)) --contacts $((deals / 3 + 1)) --deals "$deals" --managers 50 --deal-custom-fields \
  --Database:Provider=Postgres --ConnectionStrings:Crm="$conn" --Logging:LogLevel:Default=Warning | grep -v 'rows so far'

echo "== the host"
key="bench-admin-key-$(date +%s)"
http_port=$(free_port 18520)
start_host "$http_port" "$work/host.log" --Jobs:FilesPath="$work/jobs" --Export:PageSize="$page_size" --Limits:MaxPageSize="$page_size"
host_pid=${pids[-1]}
gql() { curl -fs "http://127.0.0.1:$http_port/graphql" -H "Authorization: Bearer $key" -H 'Content-Type: application/json' -d "$1"; }
cpu() { awk '{print $14 + $15}' "/proc/$host_pid/stat"; }

echo "== exportRecords(entityType: DEAL, format: $format), page size $page_size"
cpu_before=$(cpu)
job=$(gql "{\"query\":\"mutation { exportRecords(entityType: DEAL, format: $format) { job { id } errors { code message } } }\"}" | jq -r '.data.exportRecords.job.id')
[ "$job" != null ] || { echo "the export was refused"; exit 1; }
while :; do
  answer=$(gql "{\"query\":\"{ job(id: \\\"$job\\\") { state done total startedAt finishedAt error download { fileName } } }\"}")
  state=$(jq -r '.data.job.state' <<<"$answer")
  case $state in SUCCEEDED|FAILED|CANCELLED) break ;; esac
  sleep 0.5
done
cpu_after=$(cpu)
jq -c '.data.job' <<<"$answer"
[ "$state" = SUCCEEDED ] || exit 1
rows=$(jq -r '.data.job.done' <<<"$answer")
seconds=$(jq -r '.data.job | ((.finishedAt | sub("\\.[0-9]+"; "") | fromdateiso8601) - (.startedAt | sub("\\.[0-9]+"; "") | fromdateiso8601))' <<<"$answer")
ticks=$(getconf CLK_TCK)
file=$(ls "$work/jobs/$job/")
printf 'rows %s in %s s = %s rows/s; host CPU %.1f s (%.1f µs a row); peak working set (VmHWM) %s; file %s, %s bytes\n' \
  "$rows" "$seconds" "$(awk "BEGIN {printf \"%.0f\", $rows / ($seconds > 0 ? $seconds : 1)}")" \
  "$(awk "BEGIN {print ($cpu_after - $cpu_before) / $ticks}")" "$(awk "BEGIN {print ($cpu_after - $cpu_before) / $ticks * 1000000 / $rows}")" \
  "$(grep VmHWM "/proc/$host_pid/status" | awk '{print $2 " " $3}')" "$file" "$(stat -c %s "$work/jobs/$job/$file")"
