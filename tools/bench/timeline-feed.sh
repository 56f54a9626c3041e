#!/usr/bin/env bash
# The timeline's reads on PostgreSQL: the first page of a record with --big entries, and the
# first page of the feed for a DEPARTMENT-level user over --entries entries (median and p99 of
# --iterations requests, one at a time, after --warmup), with the feed statement's plan. Each is
# measured twice: on the host just started, then once all three ran (the JIT optimises the hot
# code seconds after start, not after a number of requests: the timeline's median was 7.6 ms
# after 300 warm-up requests of its own, 2.9 ms a few seconds later).
#
#   tools/bench/timeline-feed.sh [--entries 1000000] [--big 10000] [--deals 200000] [--contacts 100000]
#                                [--iterations 200] [--warmup 20]
#
# Records come from `crm seed` (50 users); entries are written with SQL (70 % on deals, 30 % on
# contacts, in time order), the big record's after them. A department of users 2 to 6 gets a
# role with DEAL and CONTACT READ DEPARTMENT; user 2 reads the feed with an API key.
set -euo pipefail
entries=1000000 big=10000 deals=200000 contacts=100000 iterations=200 warmup=20
while [ $# -gt 0 ]; do
  case $1 in
    --entries|--big|--deals|--contacts|--iterations|--warmup)
      [ $# -ge 2 ] || { echo "$1 needs a value" >&2; exit 2; }
      declare "${1#--}=$2"; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
cd "$(dirname "$0")/../.."

. tools/bench/lib.sh


measure() { # label bearer query -> "label: n, median, p99" in ms (after the warm-up)
  local label=$1 bearer=$2 body times
  body=$(jq -cn --arg q "$3" '{query: $q}')
  for ((i = 0; i < warmup; i++)); do
    curl -fsS -o /dev/null "http://127.0.0.1:$http_port/graphql" -H "Authorization: Bearer $bearer" -H 'Content-Type: application/json' -d "$body"
  done
  times=$(for ((i = 0; i < iterations; i++)); do
    curl -fsS -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$http_port/graphql" -H "Authorization: Bearer $bearer" -H 'Content-Type: application/json' -d "$body"
  done)
  sort -n <<<"$times" | awk -v label="$label" -v load="$(uptime | sed 's/.*load average: //')" '{ v[NR] = $1 * 1000 }
    END { printf "%s: n %d, median %.1f ms, p99 %.1f ms (load average %s)\n", label, NR, v[int((NR + 1) / 2)], v[int(NR * 0.99 + 0.999)], load }'
}

start_postgres_and_build

echo
echo "== crm seed --companies 10000 --contacts $contacts --leads 0 --deals $deals --managers 50"
"${crm[@]}" seed --companies 10000 --contacts "$contacts" --leads 0 --deals "$deals" --managers 50 --seed 1 \
  --Database:Provider=Postgres --ConnectionStrings:Crm="$conn" --Logging:LogLevel:Default=Warning | grep -E '^crm: seeded' || true

echo "== $entries timeline entries, then $big on deal 1 (SQL)"
"${psql[@]}" -c "
  INSERT INTO timeline.entries (event_id, entity_type, entity_id, kind, occurred_at, actor_id, actor_kind, via, data)
  SELECT gen_random_uuid(),
         CASE WHEN g % 10 < 3 THEN 'contact' ELSE 'deal' END,
         CASE WHEN g % 10 < 3 THEN 1 + (g::bigint * 7919) % $contacts ELSE 1 + (g::bigint * 7919) % $deals END,
         CASE WHEN g % 5 = 0 THEN 'created' ELSE 'fieldsChanged' END,
         now() - ($entries - g) * interval '1 second', 1 + g % 50, 'USER', 'graphql',
         '{\"changes\":[{\"field\":\"title\",\"oldValue\":\"before\",\"newValue\":\"after\"}]}'
  FROM generate_series(1, $entries) AS g ORDER BY g" \
  -c "
  INSERT INTO timeline.entries (event_id, entity_type, entity_id, kind, occurred_at, actor_id, actor_kind, via, data)
  SELECT gen_random_uuid(), 'deal', 1, 'fieldsChanged', now() - ($big - g) * interval '1 millisecond', 1, 'USER', 'graphql',
         '{\"changes\":[{\"field\":\"title\",\"oldValue\":\"before\",\"newValue\":\"after\"}]}'
  FROM generate_series(1, $big) AS g ORDER BY g" \
  -c "VACUUM ANALYZE timeline.entries"
table_sizes entries deals contacts

echo "== the host"
key="bench-admin-key-$(date +%s)"
http_port=$(free_port 18590)
start_host "$http_port" "$work/host.log"

department=$(gql 'mutation { createDepartment(input: { name: "Feed bench" }) { department { id } errors { code message } } }' | jq -r .createDepartment.department.id)
doc=""
for u in 2 3 4 5 6; do doc+="u$u: updateUser(id: \"$u\", input: { departmentIds: [\"$department\"] }) { user { id } errors { code message } } "; done
gql "mutation { $doc }" >/dev/null
role=$(gql 'mutation { createRole(input: { name: "Department feed", permissions: [
    { entityType: DEAL, action: READ, level: DEPARTMENT }, { entityType: CONTACT, action: READ, level: DEPARTMENT }] }) { role { id } errors { code message } } }' | jq -r .createRole.role.id)
gql "mutation { assignRole(roleId: \"$role\", userId: \"2\") { role { id } errors { code message } } }" >/dev/null
user_key=$(gql 'mutation { createApiKey(input: { userId: "2", name: "feed bench" }) { key errors { code message } } }' | jq -r .createApiKey.key)
"${psql[@]}" -At -c "SELECT 'the department (users 2-6) is assigned ' || count(*) FILTER (WHERE assigned_by_id BETWEEN 2 AND 6) || ' of ' || count(*) || ' deals' FROM deals.deals"

echo
echo "== timings (each request alone; load average from uptime)"
timeline_query='{ timeline(entityType: DEAL, entityId: "1", first: 50) { nodes { id kind occurredAt actor { kind userId } ... on TimelineFieldsChangedEntry { changes { field oldValue newValue } } } pageInfo { hasNextPage endCursor } } }'
feed_query='{ feed(first: 50) { nodes { id kind entityType entityId occurredAt actor { userId } } pageInfo { hasNextPage endCursor } } }'
for pass in "host just started" "warm host"; do
  measure "timeline first page, deal with $big entries (admin), $pass" "$key" "$timeline_query"
  measure "feed first page, DEPARTMENT user, $entries entries, $pass" "$user_key" "$feed_query"
  measure "feed first page, administrator, $pass" "$key" "$feed_query"
done
kill "${pids[-1]}"

echo
echo "== the feed's statement for the DEPARTMENT user, with its plan (EF command log and auto_explain; one request after two)"
enable_auto_explain
capture_port=$(free_port $((http_port + 1)))
start_host "$capture_port" "$work/capture.log" --Logging:LogLevel:Microsoft.EntityFrameworkCore.Database.Command=Information
capture_statements "$capture_port" "$user_key" "$(jq -cn --arg q "$feed_query" '{query: $q}')" "$work/capture.log" \
  'FROM "timeline"' "-- EF Core's statement:" 'entries' "-- its plan (auto_explain):"
