#!/usr/bin/env bash
# An import of contacts from a CSV file as a background job, on PostgreSQL: rows/s, the host's CPU
# and peak working set. Starts a throwaway PostgreSQL (.ci/postgres.sh), builds Release, starts the
# host on an empty database, writes a CSV of N contacts (first and last name, an e-mail, a phone,
# a position; every hundredth e-mail repeated, so that duplicate matching finds some), uploads it
# (POST /uploads), starts `startImport(entityType: CONTACT)` as the admin with the suggested
# mapping (and `duplicates: SKIP, matchBy: EMAIL` with --skip-duplicates), polls `job(id:)` until it
# ends, and prints rows, rows/s (the job's startedAt to finishedAt), the host's CPU seconds for the
# import, its peak resident set (VmHWM), PostgreSQL's CPU seconds and the contacts in the database,
# then the events still waiting for their handlers and how long they take to drain; then cleans up.
#   tools/bench/import.sh [--contacts N] [--batch-size N] [--skip-duplicates]
# With trace=FILE.nettrace (and dotnet-trace on the PATH) the host's CPU is sampled for the import's
# first trace_seconds (default 10) seconds: open the file with `dotnet-trace report FILE topN` or PerfView.
set -euo pipefail
contacts=100000 batch_size=500 skip_duplicates=0
while [ $# -gt 0 ]; do
  case $1 in
    --contacts|--batch-size)
      [ $# -ge 2 ] || { echo "$1 needs a value" >&2; exit 2; }
      name=${1#--}; declare "${name//-/_}=$2"; shift 2 ;;
    --skip-duplicates) skip_duplicates=1; shift ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
cd "$(dirname "$0")/../.."

. tools/bench/lib.sh
start_postgres_and_build

echo "== a CSV of $contacts contacts"
awk -v n="$contacts" 'BEGIN {
  print "Imię,Nazwisko,E-mail służbowy,Telefon komórkowy,Stanowisko"
  for (i = 1; i <= n; i++) {
    mail = (i % 100 == 0) ? (i - 1) : i
    printf "Anna%d,Kowalska%d,anna.%d@example.com,+48 600 %06d,Specjalistka\n", i, i, mail, i
  }
}' >"$work/contacts.csv"
ls -l "$work/contacts.csv" | awk '{print $5 " bytes"}'

echo "== the host"
key="bench-admin-key-$(date +%s)"
http_port=$(free_port 18540)
start_host "$http_port" "$work/host.log" --Jobs:FilesPath="$work/jobs" --Uploads:FilesPath="$work/uploads" --Import:BatchSize="$batch_size" \
  --Import:MaxRows=10000000 --Uploads:MaxFileBytes=2000000000
host_pid=${pids[-1]}
gql() { curl -fs "http://127.0.0.1:$http_port/graphql" -H "Authorization: Bearer $key" -H 'Content-Type: application/json' -d "$1"; }
cpu() { awk '{print $14 + $15}' "/proc/$host_pid/stat"; }
# PostgreSQL's CPU: the postmaster's own and its exited children's, and its running children's.
pg_cpu() {
  local postmaster; postmaster=$(head -1 "$pgdata/postmaster.pid")
  { awk '{print $14 + $15 + $16 + $17}' "/proc/$postmaster/stat"
    for child in $(ps -o pid= --ppid "$postmaster"); do awk '{print $14 + $15}' "/proc/$child/stat" 2>/dev/null; done; } | awk '{s += $1} END {print s}'
}

file=$(curl -fs "http://127.0.0.1:$http_port/uploads?fileName=contacts.csv" -H "Authorization: Bearer $key" -H 'Content-Type: text/csv' --data-binary "@$work/contacts.csv" | jq -r .id)
mapping=$(gql "{\"query\":\"{ previewImport(entityType: CONTACT, fileId: \\\"$file\\\") { suggestedMapping { column field } } }\"}" | jq -c '.data.previewImport.suggestedMapping')
duplicates=CREATE; [ "$skip_duplicates" = 1 ] && duplicates=SKIP
echo "== startImport(entityType: CONTACT, duplicates: $duplicates), batches of $batch_size"
if [ -n "${trace:-}" ]; then
  dotnet-trace collect -p "$host_pid" --profile dotnet-common,dotnet-sampled-thread-time --duration "00:00:00:$(printf %02d "${trace_seconds:-10}")" -o "$trace" >"$work/trace.log" 2>&1 &
  tracer=$!
  sleep 2 # the session attached before the import starts
fi
cpu_before=$(cpu) pg_cpu_before=$(pg_cpu)
variables=$(jq -nc --arg f "$file" --argjson m "$mapping" --arg d "$duplicates" '{f: $f, o: {mapping: $m, duplicates: $d, matchBy: (if $d == "SKIP" then "EMAIL" else null end)}}')
job=$(gql "$(jq -nc --argjson v "$variables" '{query: "mutation($f: ID!, $o: ImportOptionsInput) { startImport(entityType: CONTACT, fileId: $f, options: $o) { job { id } errors { code message } } }", variables: $v}')" \
  | jq -r '.data.startImport.job.id')
[ "$job" != null ] || { echo "the import was refused"; exit 1; }
while :; do
  answer=$(gql "{\"query\":\"{ job(id: \\\"$job\\\") { state done total counts startedAt finishedAt errorCode error } }\"}")
  state=$(jq -r '.data.job.state' <<<"$answer")
  case $state in SUCCEEDED|FAILED|CANCELLED) break ;; esac
  sleep 0.5
done
cpu_after=$(cpu) pg_cpu_after=$(pg_cpu)
[ -z "${tracer:-}" ] || wait "$tracer" || cat "$work/trace.log"
jq -c '.data.job' <<<"$answer"
[ "$state" = SUCCEEDED ] || exit 1
rows=$(jq -r '.data.job.done' <<<"$answer")
seconds=$(jq -r '.data.job | ((.finishedAt | sub("\\.[0-9]+"; "") | fromdateiso8601) - (.startedAt | sub("\\.[0-9]+"; "") | fromdateiso8601))' <<<"$answer")
ticks=$(getconf CLK_TCK)
printf 'rows %s in %s s = %s rows/s; host CPU %.1f s (%.1f µs a row); peak working set (VmHWM) %s; contacts in the database %s\n' \
  "$rows" "$seconds" "$(awk "BEGIN {printf \"%.0f\", $rows / ($seconds > 0 ? $seconds : 1)}")" \
  "$(awk "BEGIN {print ($cpu_after - $cpu_before) / $ticks}")" "$(awk "BEGIN {print ($cpu_after - $cpu_before) / $ticks * 1000000 / $rows}")" \
  "$(grep VmHWM "/proc/$host_pid/status" | awk '{print $2 " " $3}')" "$("${psql[@]}" -At -c 'SELECT count(*) FROM contacts.contacts')"
printf 'PostgreSQL CPU %.1f s (%.1f µs a row)\n' "$(awk "BEGIN {print ($pg_cpu_after - $pg_cpu_before) / $ticks}")" \
  "$(awk "BEGIN {print ($pg_cpu_after - $pg_cpu_before) / $ticks * 1000000 / $rows}")"
# The job ends when its rows are written; the records' events may still be on their way to their
# handlers (timeline, automation): the backlog then, how long it takes to drain, and the CPU of both
# processes from the job's start until it has.
waiting() { "${psql[@]}" -At -c 'SELECT count(*) FROM contacts.outbox WHERE processed_at IS NULL'; }
backlog=$(waiting) drain_start=$(date +%s.%N)
until [ "$(waiting)" = 0 ]; do
  awk "BEGIN {exit !($(date +%s.%N) - $drain_start > 600)}" && { echo "the events did not drain in 600 s"; exit 1; }
  sleep 0.2
done
cpu_drained=$(cpu) pg_cpu_drained=$(pg_cpu)
printf 'events waiting when the job ended %s, drained in %.1f s; with the delivery, host CPU %.1f µs a row, PostgreSQL CPU %.1f µs a row\n' \
  "$backlog" "$(awk "BEGIN {print $(date +%s.%N) - $drain_start}")" \
  "$(awk "BEGIN {print ($cpu_drained - $cpu_before) / $ticks * 1000000 / $rows}")" "$(awk "BEGIN {print ($pg_cpu_drained - $pg_cpu_before) / $ticks * 1000000 / $rows}")"
