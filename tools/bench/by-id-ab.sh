#!/usr/bin/env bash
# A record by id with its references (peer.sh's `deal` body) at c=8, this checkout against an
# earlier commit, on one seeded PostgreSQL: the host's and PostgreSQL's CPU per request from
# /proc, in interleaved rounds, as the administrator and as a reader whose rights narrow each type.
#   tools/bench/by-id-ab.sh BEFORE_COMMIT [--deals 100000] [--contacts 30000] [--companies 10000]
#                           [--rounds 3] [--duration 10] [--connections 8] [--pg-port PORT]
# See tools/bench/README.md ("by-id-ab.sh").
set -euo pipefail
{
[ $# -ge 1 ] && [[ $1 != -* ]] || { sed -n '2,7p' "$0"; exit 2; }
before_commit=$1; shift
companies=10000 contacts=30000 deals=100000 rounds=3 duration=10 connections=8 pg_port=""
while [ $# -gt 0 ]; do
  case $1 in
    --companies|--contacts|--deals|--rounds|--duration|--connections|--pg-port)
      [ $# -ge 2 ] || { echo "$1 needs a value" >&2; exit 2; }
      name=${1#--}; declare "${name//-/_}=$2"; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
for n in companies contacts deals rounds duration connections; do
  [[ ${!n} =~ ^[1-9][0-9]*$ ]] || { echo "--$n takes a whole number of at least 1, not '${!n}'" >&2; exit 2; }
done
[[ -z $pg_port || $pg_port =~ ^[1-9][0-9]{0,4}$ ]] || { echo "--pg-port takes a port number" >&2; exit 2; }
cd "$(dirname "$0")/../.."
git rev-parse --verify -q "$before_commit^{commit}" >/dev/null || { echo "not a commit: $before_commit" >&2; exit 2; }
command -v wrk >/dev/null && command -v jq >/dev/null || { echo "needs wrk and jq" >&2; exit 2; }

. tools/bench/lib.sh
start_postgres_and_build
echo "== the Release build of $before_commit"
mkdir "$work/before"
git archive "$before_commit" | tar -x -C "$work/before"
(cd "$work/before" && dotnet build tools/Crm.Cli -c Release -v q -nologo >"$work/before-build.log" 2>&1) || { cat "$work/before-build.log"; exit 1; }

echo "== crm seed --companies $companies --contacts $contacts --deals $deals --managers 50"
"${crm[@]}" seed --companies "$companies" --contacts "$contacts" --leads 0 --deals "$deals" --seed 1 --managers 50 \
  --Database:Provider=Postgres --ConnectionStrings:Crm="$conn" --Logging:LogLevel:Default=Warning | grep -v 'rows so far'

clk=$(getconf CLK_TCK)
cpu_ms() { awk -v clk="$clk" '{ sub(/^.*\) /, ""); print ($12 + $13) * 1000 / clk }' "/proc/$1/stat"; }
postmaster=$(head -1 "$pgdata/postmaster.pid")
# PostgreSQL's CPU: the postmaster with its reaped children, and its living children.
pg_cpu_ms() {
  local total
  total=$(awk -v clk="$clk" '{ sub(/^.*\) /, ""); print ($12 + $13 + $14 + $15) * 1000 / clk }' "/proc/$postmaster/stat")
  for child in $(pgrep -P "$postmaster"); do
    total=$(awk -v a="$total" -v b="$(cpu_ms "$child" 2>/dev/null || echo 0)" 'BEGIN { print a + b }')
  done
  echo "$total"
}

key="bench-admin-key-$(date +%s)"
before_port=$(free_port 18600)
host_dll=$work/before/host/Crm.Host/bin/Release/net10.0/Crm.Host.dll start_host "$before_port" "$work/before.log"
before_pid=${pids[-1]}
after_port=$(free_port $((before_port + 1)))
start_host "$after_port" "$work/after.log"
after_pid=${pids[-1]}

http_port=$after_port
# The narrowed reader: seed user 2, their own deals, every company, contacts of their own or opened.
role=$(gql 'mutation { createRole(input: { name: "by-id-ab reader", permissions: [{ entityType: DEAL, action: READ, level: OWN }, { entityType: COMPANY, action: READ, level: ALL }, { entityType: CONTACT, action: READ, level: OPEN }] }) { role { id } errors { message } } }' | jq -r .createRole.role.id)
gql "mutation { assignRole(roleId: \"$role\", userId: \"2\") { errors { message } } }" >/dev/null
reader_key=$(gql 'mutation { createApiKey(input: { userId: "2", name: "by-id-ab" }) { key errors { message } } }' | jq -r .createApiKey.key)
"${psql[@]}" -At -c "SELECT id FROM deals.deals WHERE company_id IS NOT NULL AND contact_id IS NOT NULL ORDER BY id LIMIT 1000" >"$work/ids-admin.txt"
"${psql[@]}" -At -c "SELECT id FROM deals.deals WHERE assigned_by_id = 2 AND company_id IS NOT NULL AND contact_id IS NOT NULL ORDER BY id LIMIT 1000" >"$work/ids-reader.txt"
jq -cn '{query: "query Deal($id: ID!) { deal(id: $id) { id title opportunity stageItem { name } company { title } contact { name lastName } } }", variables: {id: "{{ID}}"}}' >"$work/body.json"

echo "== the answers (each host, the first deal of each list)"
for who in admin reader; do
  bearer=$key; [ "$who" = admin ] || bearer=$reader_key
  id=$(head -1 "$work/ids-$who.txt")
  for p in "$before_port" "$after_port"; do
    curl -fsS "http://127.0.0.1:$p/graphql" -H "Authorization: Bearer $bearer" -H 'Content-Type: application/json' \
      --data-binary "$(sed "s/{{ID}}/$id/" "$work/body.json")" | jq -cS . >"$work/answer-$who-$p.json"
  done
  cmp -s "$work/answer-$who-$before_port.json" "$work/answer-$who-$after_port.json" || { echo "$who: the hosts answer differently" >&2; cat "$work"/answer-"$who"-*.json >&2; exit 1; }
  echo "$who: equal $(cat "$work/answer-$who-$after_port.json")"
done

run() { # name pid port who round seconds
  local c0 c1 d0 d1 line n bearer=$key
  [ "$4" = admin ] || bearer=$reader_key
  c0=$(cpu_ms "$2") d0=$(pg_cpu_ms)
  line=$(WRK_BODY="$work/body.json" WRK_IDS="$work/ids-$4.txt" WRK_AUTH="Bearer $bearer" WRK_RUN="$1$5$RANDOM" \
    wrk -t 2 -c "$connections" -d "${6}s" --timeout 60s -s tools/bench/peer/wrk/graphql.lua "http://127.0.0.1:$3/graphql" | grep '^RESULT')
  c1=$(cpu_ms "$2") d1=$(pg_cpu_ms)
  n=$(sed -E 's/.*requests=([0-9]+).*/\1/' <<<"$line")
  [ "$5" = warmup ] && return 0
  awk -v name="$1" -v who="$4" -v r="$5" -v n="$n" -v c="$(awk "BEGIN { print $c1 - $c0 }")" -v d="$(awk "BEGIN { print $d1 - $d0 }")" -v line="$line" 'BEGIN {
      split(line, f, /[ =]/); for (i = 2; i < length(f); i += 2) k[f[i]] = f[i + 1]
      printf "  %-6s %-6s round %s: %8.1f req/s  host CPU %.3f ms/req  PostgreSQL CPU %.3f ms/req  GraphQL errors %s\n", name, who, r, k["rps"], c / n, d / n, k["graphql_errors"] }'
}

echo "== rounds (c=$connections, ${duration} s each, after a 5 s warm-up of each)"
for who in admin reader; do
  run before "$before_pid" "$before_port" "$who" warmup 5
  run after "$after_pid" "$after_port" "$who" warmup 5
  for r in $(seq 1 "$rounds"); do
    run before "$before_pid" "$before_port" "$who" "$r" "$duration"
    run after "$after_pid" "$after_port" "$who" "$r" "$duration"
  done
done
}
