#!/usr/bin/env bash
# Commit -> subscriber latency of feedEvents on PostgreSQL (NOTIFY wake-up): 200 subscriptions
# while contacts change at 100/s for 20 s, twice, each run with the load average (uptime).
#
#   tools/bench/live-latency.sh [SUBSCRIPTIONS=200] [RATE=100] [SECONDS=20]
#
# Needs node and tools/conformance's packages (npm ci there; done here when missing).
set -euo pipefail
subscriptions=${1:-200} rate=${2:-100} seconds=${3:-20}
cd "$(dirname "$0")/../.."

. tools/bench/lib.sh

[ -d tools/conformance/node_modules/graphql-ws ] || (cd tools/conformance && npm ci --no-audit --no-fund >/dev/null)
start_postgres_and_build
"${crm[@]}" seed --companies 10 --contacts 10 --leads 0 --deals 10 --managers 5 --seed 1 \
  --Database:Provider=Postgres --ConnectionStrings:Crm="$conn" --Logging:LogLevel:Default=Warning | grep -E '^crm: seeded' || true

key="bench-admin-key-$(date +%s)"
http_port=$(free_port 18690)
start_host "$http_port" "$work/host.log"
echo "host on port $http_port"
for run in 1 2; do
  echo "== run $run (load average before: $(uptime | sed 's/.*load average: //'))"
  CRM_API_KEY=$key node tools/bench/live-latency.mjs "http://127.0.0.1:$http_port/graphql" "$subscriptions" "$rate" "$seconds"
  echo "load average after: $(uptime | sed 's/.*load average: //')"
done
