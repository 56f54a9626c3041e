#!/usr/bin/env bash
# Throughput and latency of the outbox dispatcher on PostgreSQL, from outside the host:
#   (a) a backlog of N events written by SQL into contacts.outbox (record.updated of contacts,
#       changing no title field, so the one built-in handler, platform/search-links, runs and
#       returns): time from their commit until the last is marked, events/s and the host's CPU
#       time per event;
#   (b) latency at a low rate: updateContact one at a time, then processed_at - occurred_at of
#       those events (the write's save to the end of its batch, after every handler ran);
#   (c) createContact at the host's maximum rate (wrk, many connections) for a while, the backlog
#       sampled every second, then the time until it is empty again;
#   (d) what the history costs a write: updateDeal at the maximum rate with the modules as built,
#       then on a host given every module through Modules:Path (a folder of links), then on one
#       given all but the Timeline module the same way, requests/s and host CPU per updateDeal (its event delivered) of each,
#       after an unmeasured warm-up of half as long.
#   tools/bench/outbox.sh [--backlog 100000] [--latency-writes 200] [--load-seconds 60] [--connections 16] [--batch-size N]
#                         [--deal-seconds 20] (0: no (d))
set -euo pipefail
backlog=100000 latency_writes=200 load_seconds=60 connections=16 deal_seconds=20 host_args=()
while [ $# -gt 0 ]; do
  case $1 in
    --backlog) backlog=$2; shift 2 ;;
    --latency-writes) latency_writes=$2; shift 2 ;;
    --load-seconds) load_seconds=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --batch-size) host_args+=("--Events:BatchSize=$2"); shift 2 ;;
    --deal-seconds) deal_seconds=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
cd "$(dirname "$0")/../.."
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
source tools/bench/lib.sh

now() { date +%s.%N; }
elapsed() { awk "BEGIN {printf \"%.2f\", $2 - $1}"; }
# The host's CPU time (user + system), in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
waiting() { "${psql[@]}" -Atc "SELECT count(*) FROM contacts.outbox WHERE processed_at IS NULL"; }
graphql() { curl -fs "http://127.0.0.1:$http_port/graphql" -H "Authorization: Bearer $key" -H 'Content-Type: application/json' -d "$1"; }

start_postgres_and_build
key="bench-admin-key-$(date +%s)"
http_port=$(free_port 18580)
start_host "$http_port" "$work/host.log" ${host_args[@]+"${host_args[@]}"}
host_pid=${pids[-1]}
ticks=$(getconf CLK_TCK)

echo "== (a) a backlog of $backlog events"
"${psql[@]}" -c "INSERT INTO contacts.contacts (name, last_name, phones, emails, opened, created_at, updated_at)
                 SELECT 'Name ' || g, 'Last', '[]', '[]', true, now(), now() FROM generate_series(1, 1000) g"
cpu0=$(cpu_ticks "$host_pid")
t0=$(now)
"${psql[@]}" -c "INSERT INTO contacts.outbox (event_id, entity_type, entity_id, kind, payload, occurred_at, attempts)
  SELECT e.id, 'contact', e.contact, 'record.updated',
         json_build_object('id', e.id, 'type', 'record.updated', 'version', 1, 'occurredAt', now(), 'actorId', 1,
                           'entityType', 'contact', 'entityId', e.contact,
                           'data', json_build_object('entityType', 'contact', 'recordId', e.contact,
                                                     'changes', json_build_object('comments', json_build_object('oldValue', null, 'newValue', 'c' || e.g))))::text,
         now(), 0
  FROM (SELECT g, gen_random_uuid() AS id, 1 + g % 1000 AS contact FROM generate_series(1, $backlog) g) e"
t1=$(now)
while [ "$(waiting)" != 0 ]; do sleep 0.1; done
t2=$(now)
cpu1=$(cpu_ticks "$host_pid")
drain=$(elapsed "$t1" "$t2")
printf 'inserted in %s s; delivered %d events in %s s after their commit = %.0f events/s; host CPU %.3f ms per event\n' \
  "$(elapsed "$t0" "$t1")" "$backlog" "$drain" "$(awk "BEGIN {print $backlog / $drain}")" \
  "$(awk "BEGIN {print ($cpu1 - $cpu0) * 1000 / $ticks / $backlog}")"

echo "== (b) latency, $latency_writes updateContact one at a time (every 50 ms)"
mark=$("${psql[@]}" -Atc "SELECT coalesce(max(id), 0) FROM contacts.outbox")
for i in $(seq 1 "$latency_writes"); do
  graphql "{\"query\":\"mutation { updateContact(id: \\\"$(( 1 + i % 1000 ))\\\", input: { comments: \\\"latency $i\\\" }) { errors { code } } }\"}" >/dev/null
  sleep 0.05
done
while [ "$(waiting)" != 0 ]; do sleep 0.1; done
"${psql[@]}" -c "SELECT count(*) AS events,
    round(1000 * extract(epoch FROM percentile_cont(0.5) WITHIN GROUP (ORDER BY processed_at - occurred_at))::numeric, 1) AS median_ms,
    round(1000 * extract(epoch FROM percentile_cont(0.95) WITHIN GROUP (ORDER BY processed_at - occurred_at))::numeric, 1) AS p95_ms,
    round(1000 * extract(epoch FROM max(processed_at - occurred_at))::numeric, 1) AS max_ms
  FROM contacts.outbox WHERE id > $mark"

echo "== (c) createContact at the maximum rate for $load_seconds s ($connections connections)"
cat >"$work/create.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $key"
wrk.body = [[{"query":"mutation { createContact(input: { name: \"Load\", lastName: \"Test\" }) { contact { id } errors { code } } }"}]]
LUA
graphql '{"query":"mutation { createContact(input: { name: \"Check\" }) { contact { id } errors { code } } }"}' | grep -q '"id"' || { echo "createContact does not answer with an id" >&2; exit 1; }
mark=$("${psql[@]}" -Atc "SELECT coalesce(max(id), 0) FROM contacts.outbox")
cpu0=$(cpu_ticks "$host_pid")
wrk -t 2 -c "$connections" -d "${load_seconds}s" -s "$work/create.lua" "http://127.0.0.1:$http_port/graphql" >"$work/wrk.txt" &
wrk_pid=$!
samples=()
while kill -0 "$wrk_pid" 2>/dev/null; do samples+=("$(waiting)"); sleep 1; done
wait "$wrk_pid" || true
t1=$(now)
at_end=$(waiting)
while [ "$(waiting)" != 0 ]; do sleep 0.1; done
t2=$(now)
cpu1=$(cpu_ticks "$host_pid")
grep -E 'Requests/sec|requests in|Non-2xx' "$work/wrk.txt"
written=$("${psql[@]}" -Atc "SELECT count(*) FROM contacts.outbox WHERE id > $mark")
max=0; for s in "${samples[@]}"; do [ "$s" -gt "$max" ] && max=$s; done
echo "backlog each second: ${samples[*]}"
printf 'events written: %d; backlog at most %d, %d when the load stopped, empty %s s later; host CPU %.3f ms per createContact with its event\n' \
  "$written" "$max" "$at_end" "$(elapsed "$t1" "$t2")" "$(awk "BEGIN {print ($cpu1 - $cpu0) * 1000 / $ticks / $written}")"
"${psql[@]}" -c "SELECT round(1000 * extract(epoch FROM percentile_cont(0.5) WITHIN GROUP (ORDER BY processed_at - occurred_at))::numeric, 1) AS median_ms_under_load,
    round(1000 * extract(epoch FROM percentile_cont(0.95) WITHIN GROUP (ORDER BY processed_at - occurred_at))::numeric, 1) AS p95_ms_under_load
  FROM contacts.outbox WHERE id > $mark"

[ "$deal_seconds" -gt 0 ] || exit 0
echo "== (d) updateDeal at the maximum rate for $deal_seconds s ($connections connections), with the history and without it"
for i in $(seq 1 100); do
  graphql "{\"query\":\"mutation { createDeal(input: { title: \\\"Deal $i\\\" }) { deal { id } errors { code } } }\"}" >>"$work/deals.json"
done
grep -q '"id"' "$work/deals.json" || { echo "createDeal does not answer with an id" >&2; exit 1; }
deal_ids=$("${psql[@]}" -Atc "SELECT string_agg(id::text, ',') FROM deals.deals")
# Each request renames one of the deals, in turn (the body is made per request).
cat >"$work/update-deal.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer KEY"
local ids = { IDS }
local n = 0
request = function()
  n = n + 1
  local body = '{"query":"mutation { updateDeal(id: \\"' .. ids[1 + n % #ids] .. '\\", input: { title: \\"Deal ' .. n .. '\\" }) { errors { code } } }"}'
  return wrk.format(nil, nil, nil, body)
end
LUA
sed -i "s/KEY/$key/; s/IDS/$deal_ids/" "$work/update-deal.lua"
deal_load() { # $1: label, $2: the host's pid, $3: its port
  local mark cpu0 cpu1 t1 t2 written
  # Unmeasured first: a host started just now would be compiling its code while measured.
  wrk -t 2 -c "$connections" -d "$(( (deal_seconds + 1) / 2 ))s" -s "$work/update-deal.lua" "http://127.0.0.1:$3/graphql" >/dev/null
  while [ "$("${psql[@]}" -Atc "SELECT count(*) FROM deals.outbox WHERE processed_at IS NULL")" != 0 ]; do sleep 0.1; done
  mark=$("${psql[@]}" -Atc "SELECT coalesce(max(id), 0) FROM deals.outbox")
  cpu0=$(cpu_ticks "$2")
  wrk -t 2 -c "$connections" -d "${deal_seconds}s" -s "$work/update-deal.lua" "http://127.0.0.1:$3/graphql" >"$work/wrk-deal.txt"
  t1=$(now)
  while [ "$("${psql[@]}" -Atc "SELECT count(*) FROM deals.outbox WHERE processed_at IS NULL")" != 0 ]; do sleep 0.1; done
  t2=$(now)
  cpu1=$(cpu_ticks "$2")
  written=$("${psql[@]}" -Atc "SELECT count(*) FROM deals.outbox WHERE id > $mark")
  printf '%s: %s updateDeal/s (%s); %d events, delivered %s s after the load; host CPU %.3f ms per updateDeal with its event delivered\n' \
    "$1" "$(awk '/Requests\/sec/ {print $2}' "$work/wrk-deal.txt")" "$(grep -E 'Non-2xx' "$work/wrk-deal.txt" || echo 'all 2xx')" \
    "$written" "$(elapsed "$t1" "$t2")" "$(awk "BEGIN {print ($cpu1 - $cpu0) * 1000 / $ticks / $written}")"
}
deal_load "with the history (Timeline loaded)" "$host_pid" "$http_port"
# The same two ways a host finds its modules, so that only the Timeline module differs: every
# module through Modules:Path (a folder of links), then all but Timeline.
modules_dir=$(dirname "$host_dll")/modules
restart_with_modules() { # $1: a module folder to leave out (or none)
  kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
  local dir="$work/modules-$1"
  mkdir -p "$dir"
  for m in "$modules_dir"/*; do [ "$(basename "$m")" = "$1" ] || ln -s "$(realpath "$m")" "$dir/"; done
  http_port=$(free_port $((http_port + 1)))
  start_host "$http_port" "$work/host-$1.log" --Modules:Path="$dir" ${host_args[@]+"${host_args[@]}"}
}
restart_with_modules none
deal_load "with the history, modules through Modules:Path" "${pids[-1]}" "$http_port"
restart_with_modules Crm.Modules.Timeline
deal_load "without it (no Timeline module)" "${pids[-1]}" "$http_port"
