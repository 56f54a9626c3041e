#!/usr/bin/env bash
# Commit -> subscriber latency of feedEvents on PostgreSQL (NOTIFY wake-up): 200 subscriptions
# while contacts change at 100/s for 20 s, twice, each run with the load average (uptime).
#
#   tools/bench/live-latency.sh [SUBSCRIPTIONS=200] [RATE=100] [SECONDS=20] [USERS=1]
#
# USERS=1: every socket signs in as the administrator (subscribers of one user and one document
# share each event's execution). USERS=N: N users with a role reading every contact, one API key
# each, one socket per user (at least 20 sockets), signed in round robin (N executions per event,
# N rights checks per batch).
#
# Needs node and tools/conformance's packages (npm ci there; done here when missing).
set -euo pipefail
subscriptions=${1:-200} rate=${2:-100} seconds=${3:-20} users=${4:-1}
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
subscriber_keys=$key
if [ "$users" -gt 1 ]; then
  role=$(gql 'mutation { createRole(input: { name: "Live bench", permissions: [{ entityType: CONTACT, action: READ, level: ALL }] }) { role { id } errors { code message } } }' | jq -r .createRole.role.id)
  subscriber_keys=""
  for u in $(seq 1 "$users"); do
    id=$(gql "mutation { createUser(input: { email: \"live$u@bench.test\", name: \"Live $u\" }) { user { id } errors { code message } } }" | jq -r .createUser.user.id)
    gql "mutation { assignRole(roleId: \"$role\", userId: \"$id\") { role { id } errors { code message } } }" >/dev/null
    subscriber_keys+="$(gql "mutation { createApiKey(input: { userId: \"$id\", name: \"live $u\" }) { key errors { code message } } }" | jq -r .createApiKey.key),"
  done
  echo "$users subscriber users, each with its own API key"
fi
host_pid=${pids[-1]}
# The host's CPU (utime + stime, seconds) from /proc: what a run costs whatever else the machine does.
host_cpu() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$host_pid/stat"; }
for run in 1 2; do
  echo "== run $run (load average before: $(uptime | sed 's/.*load average: //'))"
  cpu_before=$(host_cpu)
  # TRACE=file: a CPU profile (Speedscope) of the host's first 15 s of writing in run 1.
  trace_pid=""
  if [ -n "${TRACE:-}" ] && [ "$run" = 1 ]; then
    (sleep 12; ~/.dotnet/tools/dotnet-trace collect -p "$host_pid" --duration 00:00:00:15 --format Speedscope -o "$TRACE" >/dev/null 2>&1) &
    trace_pid=$!
  fi
  CRM_API_KEY=$key CRM_SUBSCRIBER_KEYS=$subscriber_keys node tools/bench/live-latency.mjs "http://127.0.0.1:$http_port/graphql" "$subscriptions" "$rate" "$seconds" $((users > 20 ? users : 20))
  cpu_after=$(host_cpu)
  echo "host CPU for the run: $(echo "$cpu_after - $cpu_before" | bc) s, $(echo "scale=1; ($cpu_after - $cpu_before) * 1000000 / ($subscriptions * $rate * $seconds)" | bc) us per delivery"
  echo "load average after: $(uptime | sed 's/.*load average: //')"
  # The profile only: a bare wait would wait for the host too, for ever.
  [ -z "$trace_pid" ] || wait "$trace_pid"
done
