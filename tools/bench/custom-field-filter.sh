#!/usr/bin/env bash
# An equality filter on a custom field against the same filter on built-in indexed columns:
#   deals(where: { ufCrmRegion: { eq: R } }, first: 50) { nodes { id title } }
#   deals(where: { assignedById: { eq: M } }, first: 50) ...   (and stageId)
# Starts a throwaway PostgreSQL (.ci/postgres.sh), builds Release, seeds it with
# `crm seed --deal-custom-fields` (deals carry UF_CRM_REGION and UF_CRM_BUDGET values), starts the
# host, creates the two fields' definitions through createCustomField (timed: on PostgreSQL that
# builds the region's index over the rows already there), runs `crm bench custom-field-filter`
# (median, p90, p99, ratios, pages checked against SQL, EXPLAIN ANALYZE), then captures the
# statements the platform sends for the filters with their plans (EF command log + auto_explain,
# on a second host), and cleans up.
#   tools/bench/custom-field-filter.sh [--companies N] [--contacts N] [--deals N] [--iterations N]
#                                      [--warmup N] [--assigned-by ID] [--seed S]
set -euo pipefail
companies=100000 contacts=300000 deals=1000000
iterations=1000 warmup=50 seed=1 assigned_by=1
while [ $# -gt 0 ]; do
  case $1 in
    --companies|--contacts|--deals|--iterations|--warmup|--seed|--assigned-by)
      [ $# -ge 2 ] || { echo "$1 needs a value" >&2; exit 2; }
      name=${1#--}; declare "${name//-/_}=$2"; shift 2 ;;
    --companies=*|--contacts=*|--deals=*|--iterations=*|--warmup=*|--seed=*|--assigned-by=*)
      name=${1%%=*}; name=${name#--}; declare "${name//-/_}=${1#*=}"; shift ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
cd "$(dirname "$0")/../.."

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in ${pids[@]+"${pids[@]}"}; do kill "$pid" 2>/dev/null || true; done
  .ci/postgres.sh stop "$work/pg" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  local p=$1
  while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done
  echo "$p"
}

# Starts the host (Release) on the seeded database at port $1 with extra arguments; waits for /readyz.
start_host() {
  local port=$1 log=$2; shift 2
  Database__Provider=Postgres ConnectionStrings__Crm="$conn;Maximum Pool Size=50" \
    CRM_ADMIN_API_KEY="$key" Logging__LogLevel__Default=Warning \
    dotnet host/Crm.Host/bin/Release/net10.0/Crm.Host.dll --urls "http://127.0.0.1:$port" "$@" >"$log" 2>&1 &
  pids+=($!)
  until curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; do
    kill -0 "${pids[-1]}" 2>/dev/null || { cat "$log"; exit 1; }
    sleep 0.1
  done
}

echo "== PostgreSQL and build"
server=$(.ci/postgres.sh start "$work/pg" 2>/dev/null)
port=$(sed -E 's/.*Port=([0-9]+).*/\1/' <<<"$server")
psql=(psql "host=127.0.0.1 port=$port user=postgres dbname=crm_bench" -X -q -v ON_ERROR_STOP=1)
psql "host=127.0.0.1 port=$port user=postgres dbname=postgres" -X -qc "CREATE DATABASE crm_bench"
conn="${server/Database=postgres/Database=crm_bench}"
pgdata=$work/pg
[ -f "$work/pg/.crm-pg" ] && pgdata=$(<"$work/pg/.crm-pg")
echo "PostgreSQL $(psql "host=127.0.0.1 port=$port user=postgres dbname=postgres" -XAtc 'SHOW server_version') on port $port, shared_buffers $(psql "host=127.0.0.1 port=$port user=postgres dbname=postgres" -XAtc 'SHOW shared_buffers')"
dotnet build tools/Crm.Cli -c Release -v q -nologo >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
crm=(dotnet tools/Crm.Cli/bin/Release/net10.0/crm.dll)

echo
echo "== crm seed --companies $companies --contacts $contacts --deals $deals --seed $seed --deal-custom-fields"
"${crm[@]}" seed --companies "$companies" --contacts "$contacts" --deals "$deals" --seed "$seed" --deal-custom-fields \
  --Database:Provider=Postgres --ConnectionStrings:Crm="$conn" --Logging:LogLevel:Default=Warning | tee "$work/seed.log" | grep -v 'rows so far'
"${psql[@]}" -c "SELECT s.schemaname || '.' || s.relname AS table, s.n_live_tup AS rows, pg_size_pretty(pg_total_relation_size(s.relid)) AS size_with_indexes,
                        round(100.0 * c.relallvisible / greatest(c.relpages, 1)) AS all_visible_pct
                 FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
                 WHERE s.relname IN ('companies', 'contacts', 'contact_companies', 'deals', 'deal_contacts')
                 ORDER BY pg_total_relation_size(s.relid) DESC"
"${psql[@]}" -c "SELECT custom_fields FROM deals.deals ORDER BY id LIMIT 3"

echo "== the host"
key="bench-admin-key-$(date +%s)"
http_port=$(free_port 18490)
start=$(date +%s.%N)
start_host "$http_port" "$work/host.log"
printf 'host on port %s, start-up to /readyz 200: %.2f s\n' "$http_port" "$(awk "BEGIN {print $(date +%s.%N) - $start}")"

echo
echo "== crm bench custom-field-filter --create-fields --explain"
status=0
"${crm[@]}" bench custom-field-filter --url "http://127.0.0.1:$http_port" --api-key "$key" --create-fields --explain \
  --assigned-by "$assigned_by" --iterations "$iterations" --warmup "$warmup" \
  --Database:Provider=Postgres --ConnectionStrings:Crm="$conn" | tee "$work/bench.log" || status=$?
kill "${pids[0]}"
grep -E '^(fail|crit)' "$work/host.log" && echo "(the host logged the errors above)"
region=$(awk '$1 == "custom" && $2 == "field" && $3 ~ /^[0-9]+$/ { print $3; exit }' "$work/bench.log")
manager=$(awk '$1 == "built-in" && $2 == "assignedById" && $3 ~ /^[0-9]+$/ { print $3; exit }' "$work/bench.log")
[ -n "$region" ] && [ -n "$manager" ] || { echo "the bench chose no values; see above" >&2; exit 1; }

echo
echo "== what the platform sends for the filters, with its plans (EF command log and auto_explain; one request after two)"
"${psql[@]}" -c "ALTER DATABASE crm_bench SET session_preload_libraries = 'auto_explain'" \
  -c "ALTER DATABASE crm_bench SET auto_explain.log_min_duration = 0" \
  -c "ALTER DATABASE crm_bench SET auto_explain.log_analyze = on" \
  -c "ALTER DATABASE crm_bench SET auto_explain.log_buffers = on"
capture_port=$(free_port $((http_port + 1)))
start_host "$capture_port" "$work/capture.log" --Logging:LogLevel:Microsoft.EntityFrameworkCore.Database.Command=Information
for filter in "ufCrmRegion: { eq: \\\"$region\\\" }" "assignedById: { eq: \\\"$manager\\\" }"; do
  body="{\"query\":\"{ deals(where: { $filter }, first: 50) { nodes { id title } } }\"}"
  for _ in 1 2; do
    curl -fs "http://127.0.0.1:$capture_port/graphql" -H "Authorization: Bearer $key" -H 'Content-Type: application/json' -d "$body" >/dev/null
  done
  sleep 1
  pg_offset=$(stat -c %s "$pgdata/log") host_offset=$(stat -c %s "$work/capture.log")
  curl -fs "http://127.0.0.1:$capture_port/graphql" -H "Authorization: Bearer $key" -H 'Content-Type: application/json' -d "$body" >/dev/null
  sleep 1
  echo "-- where: { ${filter//\\/} }: EF Core's statement"
  tail -c +"$((host_offset + 1))" "$work/capture.log" | awk '
    /Executed DbCommand/ { keep = 0; block = $0 "\n"; next }
    /^(info|warn|fail|dbug):/ { if (keep) printf "%s", block; block = ""; keep = 0; next }
    { block = block $0 "\n"; if ($0 ~ /FROM deals\./ && $0 !~ /outbox/) keep = 1 }
    END { if (keep) printf "%s", block }'
  echo "-- its plan (auto_explain)"
  tail -c +"$((pg_offset + 1))" "$pgdata/log" | awk '
    /LOG:  duration: .* plan:/ { if (keep) printf "%s", block; block = $0 "\n"; keep = 0; inplan = 1; next }
    /^\t/ && inplan { block = block $0 "\n"; if ($0 ~ /deals\.deals/) keep = 1; next }
    { if (keep) printf "%s", block; block = ""; keep = 0; inplan = 0 }
    END { if (keep) printf "%s", block }'
done

echo
echo "== summary"
grep -E '^  [a-z_]+\.[a-z_]+ .* rows in|^crm: seeded' "$work/seed.log"
grep -E '^createCustomField' "$work/bench.log" || true
sed -n '/^filter /,/^$/p' "$work/bench.log"
sed -n '/median ms/,/^target/p' "$work/bench.log"
grep -E '^check:' "$work/bench.log" || true
exit "$status"
