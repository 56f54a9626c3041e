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

. tools/bench/lib.sh
start_postgres_and_build

echo
echo "== crm seed --companies $companies --contacts $contacts --leads $leads --deals $deals --seed $seed --managers 50"
"${crm[@]}" seed --companies "$companies" --contacts "$contacts" --leads "$leads" --deals "$deals" --seed "$seed" --managers 50 \
  --Database:Provider=Postgres --ConnectionStrings:Crm="$conn" --Logging:LogLevel:Default=Warning | tee "$work/seed.log" | grep -v 'rows so far'
table_sizes companies contacts contact_companies leads deals deal_contacts

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
# A second host whose connections load auto_explain.
enable_auto_explain
capture_port=$(free_port $((http_port + 1)))
start_host "$capture_port" "$work/capture.log" --Logging:LogLevel:Microsoft.EntityFrameworkCore.Database.Command=Information
in_list=$(sed 's/[^,][^,]*/\\"&\\"/g; s/,/, /g' <<<"$stages")
body="{\"query\":\"{ deals(first: 50, where: { stageId: { in: [$in_list] }, opportunity: { gt: 1000 } }, order: [{ opportunity: DESC }]) { totalCount nodes { id title opportunity stage { name } contact { name lastName emails { value } } company { title } } } }\"}"
capture_statements "$capture_port" "$key" "$body" "$work/capture.log" \
  'FROM (deals|contacts|companies|selection_lists)[.]' "-- EF Core's statements (the outbox poller's left out):" \
  '(deals|contacts|companies|selection_lists)[.](deals|contacts|companies|items)' "-- their plans (auto_explain):"

echo
echo "== summary"
grep -E '^  [a-z_]+\.[a-z_]+ .* rows in|^crm: seeded' "$work/seed.log"
sed -n '/median ms/,/totalCount/p' "$work/bench.log"
grep -E '^check:' "$work/bench.log" || true
exit "$status"
