#!/usr/bin/env bash
# Load test of the foundation's reference read, from outside the process, on PostgreSQL:
#   contacts(first: 50) { nodes { id name companies { title } } }
# Starts a throwaway PostgreSQL, the host (Release), seeds N contacts (default 100,000) linked to
# companies, measures the time to /readyz, then runs wrk and prints requests/s and latencies.
#   tools/bench/contacts-read.sh [CONTACTS] [DURATION_SECONDS] [CONNECTIONS]
set -euo pipefail
contacts=${1:-100000}
duration=${2:-30}
connections=${3:-8}
cd "$(dirname "$0")/../.."
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

work=$(mktemp -d)
host_pid=""
cleanup() {
  [ -n "$host_pid" ] && kill "$host_pid" 2>/dev/null || true
  .ci/postgres.sh stop "$work/pg" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

server=$(.ci/postgres.sh start "$work/pg")
port=$(sed -E 's/.*Port=([0-9]+).*/\1/' <<<"$server")
psql "host=127.0.0.1 port=$port user=postgres dbname=postgres" -qc "CREATE DATABASE crm_bench"
dotnet build host/Crm.Host -c Release -v q -nologo >/dev/null

key="bench-admin-key-$(date +%s)"
http_port=18480
start=$(date +%s.%N)
Database__Provider=Postgres ConnectionStrings__Crm="${server/Database=postgres/Database=crm_bench};Maximum Pool Size=50" \
  CRM_ADMIN_API_KEY="$key" Logging__LogLevel__Default=Warning \
  dotnet host/Crm.Host/bin/Release/net10.0/Crm.Host.dll --urls "http://127.0.0.1:$http_port" >"$work/host.log" 2>&1 &
host_pid=$!
until curl -fs "http://127.0.0.1:$http_port/readyz" >/dev/null 2>&1; do
  kill -0 "$host_pid" 2>/dev/null || { cat "$work/host.log"; exit 1; }
  sleep 0.05
done
ready=$(date +%s.%N)
printf 'start-up to /readyz 200 (empty database, migrations included): %.2f s\n' "$(awk "BEGIN {print $ready - $start}")"

companies=$((contacts / 5))
seed_start=$(date +%s.%N)
psql "host=127.0.0.1 port=$port user=postgres dbname=crm_bench" -q -v ON_ERROR_STOP=1 <<SQL
INSERT INTO companies.companies (title, industry, phones, emails, webs, opened, created_at, updated_at)
SELECT 'Company ' || g, 'IT', '[]', '[]', '[]', true, now(), now() FROM generate_series(1, $companies) g;
INSERT INTO contacts.contacts (name, last_name, phones, emails, opened, created_at, updated_at)
SELECT 'Name ' || g, 'Last ' || (g % 1000), ('[{"value":"+48600' || g || '","valueType":"WORK"}]')::jsonb,
       ('[{"value":"c' || g || '@example.com","valueType":"WORK"}]')::jsonb, true, now(), now()
FROM generate_series(1, $contacts) g;
INSERT INTO contacts.contact_companies (contact_id, company_id, sort)
SELECT c.id, 1 + (c.id % $companies), 0 FROM contacts.contacts c;
INSERT INTO contacts.contact_companies (contact_id, company_id, sort)
SELECT c.id, 1 + ((c.id + 7) % $companies), 1 FROM contacts.contacts c WHERE c.id % 3 = 0;
ANALYZE;
SQL
printf 'seeded %d contacts and %d companies in %.1f s\n' "$contacts" "$companies" "$(awk "BEGIN {print $(date +%s.%N) - $seed_start}")"

cat >"$work/read.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $key"
wrk.body = '{"query":"{ contacts(first: 50) { nodes { id name companies { title } } } }"}'
LUA
# Check the read answers with 50 contacts before measuring it.
curl -fs -X POST "http://127.0.0.1:$http_port/graphql" -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
  -d '{"query":"{ contacts(first: 50) { nodes { id name companies { title } } } }"}' | grep -o '"name"' | wc -l | xargs printf 'names in one response: %s\n'
wrk -t 2 -c "$connections" -d 5s -s "$work/read.lua" "http://127.0.0.1:$http_port/graphql" >/dev/null  # warm-up
wrk -t 2 -c "$connections" -d "${duration}s" --latency -s "$work/read.lua" "http://127.0.0.1:$http_port/graphql"
