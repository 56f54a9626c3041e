#!/usr/bin/env bash
# How other requests fare during a flood of logins: builds Release, starts the host on a fresh
# SQLite database (trusting 127.0.0.1 as a reverse proxy), creates a user with a password and
# signs them in, measures `{ me { id } }` with their access token at rest, then sends LOGINS
# logins at once (wrong passwords for unknown e-mails) and starts a `me` every 250 ms until the
# last login is answered. Prints the latency of `me` at rest and during the flood
# (median, p90, max), how long the flood took, its answers by code and the host's CPU time.
#   tools/bench/login-flood.sh [--logins 200] [--from one|many] [--samples 20]
# --from one: every login from one client address; many: each from its own, named by the proxy
# (X-Forwarded-For), as a botnet would come.
set -euo pipefail
logins=200 from=many samples=20
while [ $# -gt 0 ]; do
  case $1 in
    --logins|--from|--samples)
      [ $# -ge 2 ] || { echo "$1 needs a value" >&2; exit 2; }
      declare "${1#--}=$2"; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ "$from" = one ] || [ "$from" = many ] || { echo "--from is one or many" >&2; exit 2; }
cd "$(dirname "$0")/../.."

. tools/bench/lib.sh

key=bench-admin-key-0123456789
echo "== Release build"
dotnet build host/Crm.Host -c Release -v q -nologo >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
http_port=$(free_port 5400)
CRM_ADMIN_API_KEY=$key ConnectionStrings__Crm="Data Source=$work/crm.db" Network__TrustedProxies=127.0.0.1 \
  Logging__LogLevel__Default=Warning \
  dotnet host/Crm.Host/bin/Release/net10.0/Crm.Host.dll --urls "http://127.0.0.1:$http_port" >"$work/host.log" 2>&1 &
host_pid=$!
pids+=("$host_pid")
until curl -fs "http://127.0.0.1:$http_port/readyz" >/dev/null 2>&1; do
  kill -0 "$host_pid" 2>/dev/null || { cat "$work/host.log"; exit 1; }
  sleep 0.2
done
url="http://127.0.0.1:$http_port/graphql"

gql() { # QUERY [BEARER] [CLIENT]: the answer's JSON
  curl -fsS "$url" -H 'Content-Type: application/json' ${2:+-H "Authorization: Bearer $2"} ${3:+-H "X-Forwarded-For: $3"} \
    -d "$(jq -cn --arg q "$1" '{query: $q}')"
}
gql 'mutation { createUser(input: { email: "bench@example.com", name: "Bench", password: "correct horse battery" }) { errors { code } } }' "$key" >/dev/null
access=$(gql 'mutation { login(email: "bench@example.com", password: "correct horse battery") { accessToken } }' "" 203.0.113.1 | jq -r .data.login.accessToken)
[ "$access" != null ] || { echo "could not sign in" >&2; exit 1; }

me_once() {
  curl -fsS -o /dev/null -w '%{time_total}\n' "$url" -H 'Content-Type: application/json' -H "Authorization: Bearer $access" -d '{"query":"{ me { id } }"}'
}
summary() { # seconds, one a line -> "n, median, p90, max" in ms
  sort -n | awk '{ v[NR] = $1 * 1000 } END {
    if (NR == 0) { print "no samples"; exit }
    printf "n %d, median %.0f ms, p90 %.0f ms, max %.0f ms\n", NR, v[int((NR + 1) / 2)], v[int(NR * 0.9 + 0.999)], v[NR] }'
}
cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.1f", ($14 + $15) / hz }' "/proc/$host_pid/stat"; }

for _ in $(seq 5); do me_once >/dev/null; done
echo "== me at rest"
for _ in $(seq "$samples"); do me_once; done | summary

# One curl sends every login at once (--parallel), so that the client's own processes do not
# crowd the host: a config with one transfer per login, each writing its answer to a file.
mkdir -p "$work/answers" "$work/bodies"
login='mutation($email: String!) { login(email: $email, password: "wrong password") { errors { code } } }'
for n in $(seq "$logins"); do
  client=203.0.113.200
  [ "$from" = many ] && client="198.18.$((n / 250)).$((n % 250 + 1))"
  jq -cn --arg q "$login" --arg email "nobody$n@example.com" '{query: $q, variables: {email: $email}}' >"$work/bodies/$n.json"
  [ "$n" = 1 ] || echo next
  printf 'url = "%s"\nheader = "Content-Type: application/json"\nheader = "X-Forwarded-For: %s"\ndata-binary = "@%s"\noutput = "%s"\n' \
    "$url" "$client" "$work/bodies/$n.json" "$work/answers/$n.json"
done >"$work/flood.curl"

cpu_before=$(cpu_seconds)
started=$(date +%s.%N)
curl -sS --no-progress-meter --parallel --parallel-immediate --parallel-max "$logins" --config "$work/flood.curl" 2>"$work/flood.err" &
flood=$!
# Open loop: a `me` every 250 ms whether or not the last one came back, as users keep coming (a
# loop that waits for each answer would take few samples exactly when answers are slow).
: >"$work/during.txt"
probes=()
while kill -0 "$flood" 2>/dev/null; do
  me_once >>"$work/during.txt" &
  probes+=($!)
  sleep 0.25
done
wait "$flood" || true
finished=$(date +%s.%N)
wait "${probes[@]}" 2>/dev/null || true
echo "== me during $logins logins at once (from $from address$([ "$from" = many ] && echo es))"
summary <"$work/during.txt"
echo "flood answered in $(awk -v a="$started" -v b="$finished" 'BEGIN { printf "%.1f", b - a }') s; host CPU $(awk -v a="$cpu_before" -v b="$(cpu_seconds)" 'BEGIN { printf "%.1f", b - a }') s"
for n in $(seq "$logins"); do
  grep -o '"code":"[A-Z_]*"' "$work/answers/$n.json" 2>/dev/null | head -1 | sed -E 's/"code":"([A-Z_]+)"/\1/' || echo NO_ANSWER
done | sort | uniq -c | sort -rn
