#!/usr/bin/env bash
# The reference read of deals, through GraphQL and by hand-written SQL, on a seeded PostgreSQL:
#   deals(first: 50, where: { stageId: { in: [PREPARATION, EXECUTING] }, opportunity: { gt: 1000 } },
#         order: [{ opportunity: DESC }]) { totalCount nodes { id title opportunity stage { name }
#         contact { name lastName emails { value } } company { title } } }
# Starts a throwaway PostgreSQL (.ci/postgres.sh), builds Release, seeds it with `crm seed`,
# starts the host on it, runs `crm bench reference-read` (medians, p95, ratio, same-page check,
# EXPLAIN ANALYZE of the SQL), then captures the statements the platform sends for the read
# with their plans (EF command log + auto_explain, on a second host), and cleans up.
#   tools/bench/reference-read.sh [--companies N] [--contacts N] [--leads N] [--deals N]
#                                 [--iterations N] [--warmup N] [--stages A,B] [--seed S]
set -euo pipefail
companies=100000 contacts=300000 leads=300000 deals=1000000
iterations=200 warmup=20 stages=PREPARATION,EXECUTING seed=1
while [ $# -gt 0 ]; do
  case $1 in
    --companies|--contacts|--leads|--deals|--iterations|--warmup|--stages|--seed)
      [ $# -ge 2 ] || { echo "$1 needs a value" >&2; exit 2; }
      declare "${1#--}=$2"; shift 2 ;;
    --companies=*|--contacts=*|--leads=*|--deals=*|--iterations=*|--warmup=*|--stages=*|--seed=*)
      name=${1%%=*}; declare "${name#--}=${1#*=}"; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
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
# One build: the command line builds the host and places the modules beside both.
dotnet build tools/Crm.Cli -c Release -v q -nologo >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
crm=(dotnet tools/Crm.Cli/bin/Release/net10.0/crm.dll)

echo
echo "== crm seed --companies $companies --contacts $contacts --leads $leads --deals $deals --seed $seed"
"${crm[@]}" seed --companies "$companies" --contacts "$contacts" --leads "$leads" --deals "$deals" --seed "$seed" \
  --Database:Provider=Postgres --ConnectionStrings:Crm="$conn" --Logging:LogLevel:Default=Warning | tee "$work/seed.log" | grep -v 'rows so far'
# All-visible pages allow index-only scans (the counts); the seed's VACUUM should leave 100 %.
"${psql[@]}" -c "SELECT s.schemaname || '.' || s.relname AS table, s.n_live_tup AS rows, pg_size_pretty(pg_total_relation_size(s.relid)) AS size_with_indexes,
                        round(100.0 * c.relallvisible / greatest(c.relpages, 1)) AS all_visible_pct
                 FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
                 WHERE s.relname IN ('companies', 'contacts', 'contact_companies', 'leads', 'deals', 'deal_contacts')
                 ORDER BY pg_total_relation_size(s.relid) DESC"

echo "== the host"
key="bench-admin-key-$(date +%s)"
http_port=$(free_port 18490)
start=$(date +%s.%N)
start_host "$http_port" "$work/host.log"
printf 'host on port %s, start-up to /readyz 200: %.2f s\n' "$http_port" "$(awk "BEGIN {print $(date +%s.%N) - $start}")"

echo
echo "== crm bench reference-read"
status=0
"${crm[@]}" bench reference-read --url "http://127.0.0.1:$http_port" --api-key "$key" --stages "$stages" \
  --iterations "$iterations" --warmup "$warmup" --explain \
  --Database:Provider=Postgres --ConnectionStrings:Crm="$conn" | tee "$work/bench.log" || status=$?
kill "${pids[0]}"

echo
echo "== what the platform sends for the read, with its plans (EF command log and auto_explain; one request after two)"
# A second host whose connections load auto_explain: every statement's plan with its actual rows
# and times goes to the server log.
"${psql[@]}" -c "ALTER DATABASE crm_bench SET session_preload_libraries = 'auto_explain'" \
  -c "ALTER DATABASE crm_bench SET auto_explain.log_min_duration = 0" \
  -c "ALTER DATABASE crm_bench SET auto_explain.log_analyze = on" \
  -c "ALTER DATABASE crm_bench SET auto_explain.log_buffers = on"
capture_port=$(free_port $((http_port + 1)))
start_host "$capture_port" "$work/capture.log" --Logging:LogLevel:Microsoft.EntityFrameworkCore.Database.Command=Information
in_list=$(sed 's/[^,][^,]*/\\"&\\"/g; s/,/, /g' <<<"$stages")
body="{\"query\":\"{ deals(first: 50, where: { stageId: { in: [$in_list] }, opportunity: { gt: 1000 } }, order: [{ opportunity: DESC }]) { totalCount nodes { id title opportunity stage { name } contact { name lastName emails { value } } company { title } } } }\"}"
for _ in 1 2; do
  curl -fs "http://127.0.0.1:$capture_port/graphql" -H "Authorization: Bearer $key" -H 'Content-Type: application/json' -d "$body" >/dev/null
done
sleep 1
pg_offset=$(stat -c %s "$pgdata/log") host_offset=$(stat -c %s "$work/capture.log")
curl -fs "http://127.0.0.1:$capture_port/graphql" -H "Authorization: Bearer $key" -H 'Content-Type: application/json' -d "$body" >/dev/null
sleep 1
echo "-- EF Core's statements (the outbox poller's left out):"
tail -c +"$((host_offset + 1))" "$work/capture.log" | awk '
  /Executed DbCommand/ { keep = 0; block = $0 "\n"; next }
  /^(info|warn|fail|dbug):/ { if (keep) printf "%s", block; block = ""; keep = 0; next }
  { block = block $0 "\n"; if ($0 ~ /FROM (deals|contacts|companies|selection_lists)\./ && $0 !~ /outbox/) keep = 1 }
  END { if (keep) printf "%s", block }'
echo "-- their plans (auto_explain):"
tail -c +"$((pg_offset + 1))" "$pgdata/log" | awk '
  /LOG:  duration: .* plan:/ { if (keep) printf "%s", block; block = $0 "\n"; keep = 0; inplan = 1; next }
  /^\t/ && inplan { block = block $0 "\n"; if ($0 ~ /(deals|contacts|companies|selection_lists)\.(deals|contacts|companies|items)/) keep = 1; next }
  { if (keep) printf "%s", block; block = ""; keep = 0; inplan = 0 }
  END { if (keep) printf "%s", block }'

echo
echo "== summary"
grep -E '^  [a-z_]+\.[a-z_]+ .* rows in|^crm: seeded' "$work/seed.log"
sed -n '/median ms/,/totalCount/p' "$work/bench.log"
grep -E '^check:' "$work/bench.log" || true
exit "$status"
