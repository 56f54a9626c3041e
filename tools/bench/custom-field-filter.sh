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

. tools/bench/lib.sh
start_postgres_and_build

echo
echo "== crm seed --companies $companies --contacts $contacts --deals $deals --seed $seed --deal-custom-fields"
"${crm[@]}" seed --companies "$companies" --contacts "$contacts" --deals "$deals" --seed "$seed" --managers 50 --deal-custom-fields \
  --Database:Provider=Postgres --ConnectionStrings:Crm="$conn" --Logging:LogLevel:Default=Warning | tee "$work/seed.log" | grep -v 'rows so far'
table_sizes companies contacts contact_companies deals deal_contacts
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
enable_auto_explain
capture_port=$(free_port $((http_port + 1)))
start_host "$capture_port" "$work/capture.log" --Logging:LogLevel:Microsoft.EntityFrameworkCore.Database.Command=Information
for filter in "ufCrmRegion: { eq: \\\"$region\\\" }" "assignedById: { eq: \\\"$manager\\\" }"; do
  body="{\"query\":\"{ deals(where: { $filter }, first: 50) { nodes { id title } } }\"}"
  capture_statements "$capture_port" "$key" "$body" "$work/capture.log" \
    'FROM deals[.]' "-- where: { ${filter//\\/} }: EF Core's statement" 'deals[.]deals' "-- its plan (auto_explain)"
done

echo
echo "== summary"
grep -E '^  [a-z_]+\.[a-z_]+ .* rows in|^crm: seeded' "$work/seed.log"
grep -E '^createCustomField' "$work/bench.log" || true
sed -n '/^filter /,/^$/p' "$work/bench.log"
sed -n '/median ms/,/^target/p' "$work/bench.log"
grep -E '^check:' "$work/bench.log" || true
exit "$status"
