#!/usr/bin/env bash
# Our host against PostGraphile 4 and hand-written SQL on one seeded PostgreSQL, side by side:
# the everyday reads, the reference read and two writes, in interleaved rounds with wrk (and
# pgbench for the SQL), after checking that both servers give the same answers. Sets up
# everything itself (a throwaway PostgreSQL 15, the Release build, `crm seed`, PostGraphile from
# npm with its plugins and smart tags, wrk from the distribution) and removes it at exit.
#   tools/bench/peer.sh [--companies 100000] [--contacts 300000] [--deals 1000000] [--leads 0]
#                       [--rounds 5] [--duration 10] [--warmup 3] [--connections 8] [--seed 1]
#                       [--workloads contacts,deals,deal,search,reference,create-contact,update-deal]
#                       [--search-word WORD] [--out FILE] [--published]
# See tools/bench/README.md ("peer.sh") for what each workload is and how to read the table.
set -euo pipefail
# One block, read whole before it runs: editing this file during a run does not change the run.
{
companies=100000 contacts=300000 deals=1000000 leads=0
rounds=5 duration=10 warmup=3 connections=8 seed=1
workloads=contacts,deals,deal,search,reference,create-contact,update-deal
search_word="" out="" published=0
while [ $# -gt 0 ]; do
  case $1 in
    --companies|--contacts|--deals|--leads|--rounds|--duration|--warmup|--connections|--seed|--workloads|--search-word|--out)
      [ $# -ge 2 ] || { echo "$1 needs a value" >&2; exit 2; }
      name=${1#--}; declare "${name//-/_}=$2"; shift 2 ;;
    --published) published=1; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
for n in companies contacts deals leads rounds duration warmup connections seed; do
  [[ ${!n} =~ ^[0-9]+$ ]] || { echo "--$n takes a whole number, not '${!n}'" >&2; exit 2; }
done
((rounds >= 1 && duration >= 1 && connections >= 1 && deals >= 1 && contacts >= 1 && companies >= 1)) \
  || { echo "--rounds, --duration, --connections and the sizes must be at least 1" >&2; exit 2; }
[[ -z $search_word || $search_word =~ ^[A-Za-z0-9]{1,40}$ ]] || { echo "--search-word takes one word of letters and digits" >&2; exit 2; }
[ -z "$out" ] || out=$(realpath -m "$out")
cd "$(dirname "$0")/../.."
bench=tools/bench/peer

# What a fresh machine lacks: wrk (Debian), Node.js with npm for PostGraphile.
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
command -v pgbench >/dev/null || missing+=(postgresql-client)
if [ ${#missing[@]} -gt 0 ]; then
  echo "== apt-get install ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

. tools/bench/lib.sh
peer_pid=""
trap 'cleanup_peer; cleanup' EXIT
cleanup_peer() { [ -z "$peer_pid" ] || kill "$peer_pid" 2>/dev/null || true; }

echo "== PostGraphile (npm ci into a temporary folder)"
# From copies: the checkout may change while a long run goes on.
mkdir -p "$work/peer"
cp -r "$bench/package.json" "$bench/package-lock.json" "$bench"/*.js "$bench/postgraphile.tags.json5" "$bench/wrk" "$work/peer/"
bench=$work/peer
(cd "$bench" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
echo "postgraphile $(node -p "require('$work/peer/node_modules/postgraphile/package.json').version")," \
  "connection-filter $(node -p "require('$work/peer/node_modules/postgraphile-plugin-connection-filter/package.json').version")," \
  "simplify-inflector $(node -p "require('$work/peer/node_modules/@graphile-contrib/pg-simplify-inflector/package.json').version")"

start_postgres_and_build

echo
echo "== crm seed --companies $companies --contacts $contacts --leads $leads --deals $deals --seed $seed --managers 50"
"${crm[@]}" seed --companies "$companies" --contacts "$contacts" --leads "$leads" --deals "$deals" --seed "$seed" --managers 50 \
  --Database:Provider=Postgres --ConnectionStrings:Crm="$conn" --Logging:LogLevel:Default=Warning | tee "$work/seed.log" | grep -v 'rows so far'
table_sizes companies contacts contact_companies deals deal_contacts

# What the peer is given besides the module schemas: the deal stages as a view it can link to
# (smart tags), and, outside what it exposes, the fixed list of deal ids every server reads.
"${psql[@]}" <<SQL
CREATE SCHEMA peer;
CREATE VIEW peer.deal_stages AS
  SELECT status_id, name, sort FROM selection_lists.items WHERE entity_id = 'DEAL_STAGE';
CREATE SCHEMA bench;
SELECT setseed(($seed % 1000000) / 1000000.0) \g /dev/null
CREATE TABLE bench.deal_ids AS
  SELECT row_number() OVER () AS k, id FROM (SELECT id FROM deals.deals ORDER BY random() LIMIT 1000) d;
SQL
"${psql[@]}" -At -c "SELECT id FROM bench.deal_ids ORDER BY k" >"$work/deal_ids.txt"
if [ -z "$search_word" ]; then
  # A word of a contact's last name found in about 0.1-1 % of the contacts: a typical search.
  search_word=$("${psql[@]}" -At -c "SELECT w FROM (SELECT split_part(last_name, ' ', 1) AS w, count(*) AS n FROM contacts.contacts
      WHERE last_name ~ '^[A-Za-z]{4,}' GROUP BY 1) x ORDER BY abs(n - (SELECT count(*) FROM contacts.contacts) / 300), w LIMIT 1")
fi
echo "search word: $search_word ($("${psql[@]}" -At -c "SELECT count(*) FROM contacts.contacts WHERE search_content ILIKE '%$search_word%' OR search_links ILIKE '%$search_word%'") contacts)"

key="bench-admin-key-$(date +%s)"
host_port=$(free_port 18500)
peer_port=$(free_port $((host_port + 1)))
pg_url="postgres://postgres@127.0.0.1:$port/crm_bench"
extras=$work/extras.tsv results=$work/rounds.tsv
: >"$extras"
: >"$results"
ms_since() { awk "BEGIN { printf \"%.0f\", ($(date +%s.%N) - $1) * 1000 }"; }
median_of() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

start_peer() {
  node "$work/peer/server.js" "$pg_url" "$peer_port" >"$work/peer.log" 2>&1 &
  peer_pid=$!
  until curl -fs "http://127.0.0.1:$peer_port/graphql" -H 'Content-Type: application/json' -d '{"query":"{ __typename }"}' >/dev/null 2>&1; do
    kill -0 "$peer_pid" 2>/dev/null || { cat "$work/peer.log"; exit 1; }
    sleep 0.02
  done
}
clk=$(getconf CLK_TCK)
# CPU time (ms) of one process so far: utime + stime from /proc/PID/stat.
cpu_ms() { awk -v clk="$clk" '{ sub(/^.*\) /, ""); print ($12 + $13) * 1000 / clk }' "/proc/$1/stat"; }

# Start-up is measured on a database at rest: right after the seed PostgreSQL is still writing
# it out (the checkpoint of a seed of millions of rows, autovacuum and analyze of the new
# tables), and the first starts measured that rather than the servers. So: a CHECKPOINT, then
# wait (at most 120 s) until no autovacuum worker runs. Both servers are polled every 20 ms, and
# each start's CPU time (the process's utime+stime at its first answer) is printed beside its wall
# time: on a busy machine the CPU says what a start costs.
echo
echo "== start-up on the migrated, seeded database at rest (median of 5): ours to /readyz, PostGraphile to its first answer"
"${psql[@]}" -c "CHECKPOINT"
for _ in $(seq 1200); do
  [ "$("${psql[@]}" -At -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'")" = 0 ] && break
  sleep 0.1
done
host_starts="" peer_starts="" host_cpus="" peer_cpus=""
for i in 1 2 3 4 5; do
  t=$(date +%s.%N); start_host "$host_port" "$work/host.log" --Logging:LogLevel:Crm.Host.Hosting.PlatformInitializer=Information; host_starts+=" $(ms_since "$t")"; host_cpus+=" $(cpu_ms "${pids[-1]}")"
  kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true; unset 'pids[-1]'
  t=$(date +%s.%N); start_peer; peer_starts+=" $(ms_since "$t")"; peer_cpus+=" $(cpu_ms "$peer_pid")"
  kill "$peer_pid"; wait "$peer_pid" 2>/dev/null || true; peer_pid=""
done
host_start=$(median_of <<<"$host_starts") peer_start=$(median_of <<<"$peer_starts")
echo "ours:$host_starts ms (CPU$host_cpus ms); PostGraphile:$peer_starts ms (CPU$peer_cpus ms)"
grep -o 'Start-up: .*' "$work/host.log" | tail -1 || true
printf 'start-up to first answer (median of 5; CPU)\t%.2f s (CPU %.2f s)\t%.2f s (CPU %.2f s)\t-\t%.2f×\t-\n' \
  "$(awk "BEGIN { print $host_start / 1000 }")" "$(median_of <<<"$host_cpus" | awk '{ print $1 / 1000 }')" \
  "$(awk "BEGIN { print $peer_start / 1000 }")" "$(median_of <<<"$peer_cpus" | awk '{ print $1 / 1000 }')" \
  "$(awk "BEGIN { print $host_start / $peer_start }")" >>"$extras"

start_host "$host_port" "$work/host.log"
host_pid=${pids[-1]}
start_peer
# Resident memory of each server before any request: what the rounds add comes on top.
rss_mb() { awk '/^VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }
printf 'RSS at the first answer, before any request\t%s MB\t%s MB\t-\t-\t-\n' "$(rss_mb "$host_pid")" "$(rss_mb "$peer_pid")" >>"$extras"

# After a seed the Duplicates module builds every record's match keys in the background (minutes for the
# full seed): the rounds wait for it, or they would measure it too.
echo "== waiting for the duplicates' match keys of the seed (KeyBackfill)"
for _ in $(seq 1 1800); do
  built=$("${psql[@]}" -At -c "SELECT count(*) FROM duplicates.keys_built WHERE entity_type IN ('contact', 'company', 'deal')" 2>/dev/null || echo 0)
  [ "$built" = 3 ] && break
  sleep 1
done
[ "$built" = 3 ] || { echo "the match keys were not built within 30 minutes" >&2; exit 1; }

# CPU time (ms) of one process, and of the whole PostgreSQL cluster (the postmaster, its live
# children, and the children that have exited, which it has waited for).
postmaster=$(head -1 "$pgdata/postmaster.pid")
pg_cpu_ms() {
  local total
  total=$(awk -v clk="$clk" '{ sub(/^.*\) /, ""); print ($12 + $13 + $14 + $15) * 1000 / clk }' "/proc/$postmaster/stat")
  for child in $(pgrep -P "$postmaster"); do
    total=$(awk -v a="$total" -v b="$(cpu_ms "$child" 2>/dev/null || echo 0)" 'BEGIN { print a + b }')
  done
  echo "$total"
}

# The bodies: one line of JSON per workload and server, {{ID}} and {{N}} filled in by wrk (graphql.lua).
bodies=$work/bodies
mkdir -p "$bodies"
json_body() { node -e 'const [q, v] = process.argv.slice(1); process.stdout.write(JSON.stringify(v ? { query: q, variables: JSON.parse(v) } : { query: q }))' "$@"; }
json_body '{ contacts(first: 50) { nodes { id name companies { title } } } }' >"$bodies/contacts.ours"
json_body '{ contacts(first: 50, orderBy: ID_ASC) { nodes { id name contactCompanies(orderBy: SORT_ASC) { nodes { company { title } } } } } }' >"$bodies/contacts.peer"
json_body '{ deals(first: 50) { nodes { id title stageItem { name } company { title } contact { name } } } }' >"$bodies/deals.ours"
json_body '{ deals(first: 50, orderBy: ID_ASC) { nodes { id title stage { name } company { title } contact { name } } } }' >"$bodies/deals.peer"
json_body 'query Deal($id: ID!) { deal(id: $id) { id title opportunity stageItem { name } company { title } contact { name lastName } } }' '{"id":"{{ID}}"}' >"$bodies/deal.ours"
json_body 'query Deal($id: BigInt!) { deal(id: $id) { id title opportunity stage { name } company { title } contact { name lastName } } }' '{"id":"{{ID}}"}' >"$bodies/deal.peer"
json_body 'query Search($w: String) { contacts(first: 50, search: $w) { nodes { id name lastName } } }' "{\"w\":\"$search_word\"}" >"$bodies/search.ours"
json_body 'query Search($w: String!) { contacts(first: 50, orderBy: ID_ASC, filter: { or: [{ searchContent: { includesInsensitive: $w } }, { searchLinks: { includesInsensitive: $w } }] }) { nodes { id name lastName } } }' "{\"w\":\"$search_word\"}" >"$bodies/search.peer"
json_body 'query ReferenceRead($stages: [String], $min: Decimal) { deals(first: 50, where: { stageId: { in: $stages }, opportunity: { gt: $min } }, order: [{ opportunity: DESC }]) { totalCount nodes { id title opportunity stageItem { name } contact { name lastName emails { value } } company { title } } } }' \
  '{"stages":["PREPARATION","EXECUTING"],"min":1000}' >"$bodies/reference.ours"
json_body 'query ReferenceRead($stages: [String!], $min: BigFloat) { deals(first: 50, filter: { stageId: { in: $stages }, opportunity: { greaterThan: $min } }, orderBy: [OPPORTUNITY_DESC, ID_ASC]) { totalCount nodes { id title opportunity stage { name } contact { name lastName emails } company { title } } } }' \
  '{"stages":["PREPARATION","EXECUTING"],"min":"1000"}' >"$bodies/reference.peer"
json_body 'mutation { createContact(input: { name: "Bench {{N}}", lastName: "Peer", opened: true }) { contact { id } } }' >"$bodies/create-contact.ours"
json_body 'mutation { createContact(input: { contact: { name: "Bench {{N}}", lastName: "Peer", opened: true, phones: [], emails: [], createdAt: "2026-01-01T00:00:00Z", updatedAt: "2026-01-01T00:00:00Z" } }) { contact { id } } }' >"$bodies/create-contact.peer"
json_body 'mutation Rename($id: ID!) { updateDeal(id: $id, input: { title: "Deal {{N}}" }) { deal { id } } }' '{"id":"{{ID}}"}' >"$bodies/update-deal.ours"
json_body 'mutation Rename($id: BigInt!) { updateDeal(input: { id: $id, patch: { title: "Deal {{N}}", updatedAt: "2026-01-01T00:00:00Z" } }) { deal { id } } }' '{"id":"{{ID}}"}' >"$bodies/update-deal.peer"

# The SQL a person would write for each workload, run by pgbench at the same concurrency.
sql_script() {
  local w=$1 f=$work/sql-$1.sql
  case $w in
    contacts) echo "SELECT c.id, c.name, (SELECT array_agg(co.title ORDER BY cc.sort, cc.company_id) FROM contacts.contact_companies cc JOIN companies.companies co ON co.id = cc.company_id WHERE cc.contact_id = c.id) AS titles FROM contacts.contacts c ORDER BY c.id LIMIT 50;" ;;
    deals) echo "SELECT d.id, d.title, s.name AS stage, co.title AS company, c.name AS contact FROM deals.deals d LEFT JOIN selection_lists.items s ON s.entity_id = 'DEAL_STAGE' AND s.status_id = d.stage_id LEFT JOIN companies.companies co ON co.id = d.company_id LEFT JOIN contacts.contacts c ON c.id = d.contact_id ORDER BY d.id LIMIT 50;" ;;
    deal) printf '%s\n' '\set k random(1, 1000)' "SELECT d.id, d.title, d.opportunity, s.name AS stage, co.title AS company, c.name AS contact, c.last_name FROM bench.deal_ids i JOIN deals.deals d ON d.id = i.id LEFT JOIN selection_lists.items s ON s.entity_id = 'DEAL_STAGE' AND s.status_id = d.stage_id LEFT JOIN companies.companies co ON co.id = d.company_id LEFT JOIN contacts.contacts c ON c.id = d.contact_id WHERE i.k = :k;" ;;
    # Both columns hold lower-case text: LIKE with the word lower-cased, as our host sends it.
    search) echo "SELECT id, name, last_name FROM contacts.contacts WHERE search_content LIKE '%${search_word,,}%' OR search_links LIKE '%${search_word,,}%' ORDER BY id LIMIT 50;" ;;
    # The tuned statement of `crm bench reference-read` (the page per stage along the index).
    reference) echo "WITH page AS (SELECT d.id, d.title, d.opportunity, d.stage_id, d.contact_id, d.company_id FROM (SELECT DISTINCT unnest(ARRAY['PREPARATION','EXECUTING']) AS stage_id) st CROSS JOIN LATERAL (SELECT d.id, d.title, d.opportunity, d.stage_id, d.contact_id, d.company_id FROM deals.deals d WHERE d.stage_id = st.stage_id AND d.opportunity > 1000 ORDER BY d.opportunity DESC, d.id LIMIT 50) d ORDER BY d.opportunity DESC, d.id LIMIT 50) SELECT p.id, p.title, p.opportunity, s.name AS stage, c.name AS contact, c.last_name, ARRAY(SELECT e ->> 'value' FROM jsonb_array_elements(c.emails) e) AS emails, co.title AS company, (SELECT count(*) FROM deals.deals d WHERE d.stage_id = ANY(ARRAY['PREPARATION','EXECUTING']) AND d.opportunity > 1000) AS total FROM page p LEFT JOIN selection_lists.items s ON s.entity_id = 'DEAL_STAGE' AND s.status_id = p.stage_id LEFT JOIN contacts.contacts c ON c.id = p.contact_id LEFT JOIN companies.companies co ON co.id = p.company_id ORDER BY p.opportunity DESC, p.id;" ;;
    create-contact) echo "INSERT INTO contacts.contacts (name, last_name, phones, emails, opened, created_at, updated_at) VALUES ('Bench ' || :client_id || '-' || random(), 'Peer', '[]', '[]', true, now(), now()) RETURNING id;" ;;
    update-deal) printf '%s\n' '\set k random(1, 1000)' "UPDATE deals.deals SET title = 'Deal ' || :client_id || '-' || random(), updated_at = now() WHERE id = (SELECT id FROM bench.deal_ids WHERE k = :k) RETURNING id;" ;;
  esac >"$f"
  echo "$f"
}

echo
echo "== the answers: each read once to each server (and the SQL once), in one canonical shape"
check_failed=()
for w in ${workloads//,/ }; do
  case $w in contacts|deals|deal|search|reference) ;; create-contact|update-deal) continue ;;
    *) echo "unknown workload $w" >&2; exit 2 ;; esac
  first_id=$(head -1 "$work/deal_ids.txt")
  for s in ours peer; do
    url="http://127.0.0.1:$host_port/graphql" auth=(-H "Authorization: Bearer $key")
    [ "$s" = ours ] || { url="http://127.0.0.1:$peer_port/graphql"; auth=(); }
    sed "s/{{ID}}/$first_id/g" "$bodies/$w.$s" | curl -fsS "$url" ${auth[@]+"${auth[@]}"} -H 'Content-Type: application/json' --data-binary @- >"$work/answer-$w.$s.json"
    node "$bench/normalise.js" "$w" "$s" <"$work/answer-$w.$s.json" >"$work/canonical-$w.$s.json" || { check_failed+=("$w ($s: an error)"); continue 2; }
  done
  # The SQL's rows as JSON, the first of the fixed ids for the record by id.
  sql=$(grep -v '^\\set' "$(sql_script "$w")" | sed 's/;$//')
  echo "SELECT coalesce(json_agg(to_json(q)), '[]') FROM ($sql) q" | "${psql[@]}" -At -v k=1 >"$work/answer-$w.sql.json"
  node "$bench/normalise.js" "$w" sql <"$work/answer-$w.sql.json" >"$work/canonical-$w.sql.json" || { check_failed+=("$w (sql: an error)"); continue; }
  if ! cmp -s "$work/canonical-$w.ours.json" "$work/canonical-$w.sql.json"; then
    echo "$w: ours and the SQL DIFFER"; diff "$work/canonical-$w.ours.json" "$work/canonical-$w.sql.json" | head -20
    check_failed+=("$w (sql)")
  fi
  if cmp -s "$work/canonical-$w.ours.json" "$work/canonical-$w.peer.json"; then
    echo "$w: equal ($(node -p "const a = require('$work/canonical-$w.ours.json'); (Array.isArray(a) ? a.length : a && a.rows ? a.rows.length + ' rows, totalCount ' + a.total : 1)"))"
  else
    echo "$w: DIFFERENT"; diff "$work/canonical-$w.ours.json" "$work/canonical-$w.peer.json" | head -20
    check_failed+=("$w")
  fi
done
if [ ${#check_failed[@]} -gt 0 ]; then
  echo "the servers do not give the same answers for: ${check_failed[*]}" >&2
  exit 1
fi

# One timed run: wrk against a server (ours|peer) or pgbench with the SQL; appends a line to the
# rounds when ROUND is not "warmup".
run_one() {
  local w=$1 s=$2 round=$3 seconds=$4 line requests cpu0 cpu1 db0 db1 pid rss=0
  db0=$(pg_cpu_ms)
  if [ "$s" = sql ]; then
    cpu0=0
    pgbench -n -M prepared -c "$connections" -j 2 -T "$seconds" -f "$(sql_script "$w")" -l --log-prefix="$work/pgbench" \
      "host=127.0.0.1 port=$port user=postgres dbname=crm_bench" >"$work/pgbench.out" 2>&1 || { cat "$work/pgbench.out"; exit 1; }
    sleep 0.5  # pgbench's backends exit at its end: let the postmaster reap them (their CPU joins its own)
    db1=$(pg_cpu_ms)
    # Per-transaction log: the 3rd field is the latency in microseconds.
    line=$(cat "$work"/pgbench.[0-9]* | awk -v s="$seconds" '{ print $3 }' | sort -n | awk -v s="$seconds" '
      { v[NR] = $1 } END { printf "RESULT requests=%d seconds=%s rps=%.2f p50_ms=%.3f p95_ms=%.3f non2xx=0 socket_errors=0 graphql_errors=0\n",
        NR, s, NR / s, v[int(NR * 0.5) + 1] / 1000, v[int(NR * 0.95) + 1] / 1000 }')
    failed=$(sed -nE 's/.*number of failed transactions: ([0-9]+).*/\1/p' "$work/pgbench.out")
    [ "${failed:-0}" = 0 ] || line=${line/non2xx=0/non2xx=$failed}
    rm -f "$work"/pgbench.[0-9]*
    cpu1=0 rss=-1
  else
    pid=$host_pid url="http://127.0.0.1:$host_port/graphql" auth="Bearer $key"
    [ "$s" = ours ] || { pid=$peer_pid url="http://127.0.0.1:$peer_port/graphql" auth=""; }
    cpu0=$(cpu_ms "$pid")
    line=$(WRK_BODY="$bodies/$w.$s" WRK_IDS="$work/deal_ids.txt" WRK_AUTH="$auth" WRK_RUN="$s$round$RANDOM" \
      wrk -t 2 -c "$connections" -d "${seconds}s" --timeout 60s -s "$bench/wrk/graphql.lua" "$url" | grep '^RESULT')
    cpu1=$(cpu_ms "$pid") db1=$(pg_cpu_ms) rss=$(rss_mb "$pid")
  fi
  [ "$round" = warmup ] && return 0
  requests=$(sed -E 's/.*requests=([0-9]+).*/\1/' <<<"$line")
  awk -v w="$w" -v s="$s" -v r="$round" -v line="$line" -v c="$((${cpu1%.*} - ${cpu0%.*}))" -v db="$(awk "BEGIN { print $db1 - $db0 }")" -v rss="$rss" -v n="$requests" 'BEGIN {
      split(line, f, /[ =]/); for (i = 2; i < length(f); i += 2) k[f[i]] = f[i + 1]
      errors = k["non2xx"] + k["socket_errors"] + k["graphql_errors"]
      printf "%s\t%s\t%s\t%s\t%s\t%s\t%.3f\t%.3f\t%s\t%s\t%s\n", w, s, r, k["rps"], k["p50_ms"], k["p95_ms"], n ? c / n : 0, n ? db / n : 0, rss, n, errors
    }' | tee -a "$results" | awk -F'\t' '{ printf "  %-15s %-5s round %s: %8.1f req/s  p50 %7.2f ms  p95 %7.2f ms  CPU %6s ms/req  db %6.2f ms/req  RSS %4s MB  errors %s\n",
      $1, $2, $3, $4, $5, $6, $2 == "sql" ? "-" : sprintf("%.2f", $7), $8, $9 < 0 ? "-" : $9, $11 }'
}

outbox_backlog() {
  # Events written but not yet handed to every handler: every module's outbox rows not yet
  # processed, and the deliveries still due (those that succeed at once leave no row; parked
  # ones wait for an administrator and are not counted).
  "${psql[@]}" -At -c "$backlog_sql"
}
backlog_sql="SELECT $("${psql[@]}" -At -c "SELECT string_agg(format('(SELECT count(*) FROM %I.outbox WHERE processed_at IS NULL)', table_schema), ' + ')
    FROM information_schema.tables WHERE table_name = 'outbox'") + (SELECT count(*) FROM platform.event_deliveries WHERE state <> 'PARKED')"

echo
echo "== rounds: $rounds × ${duration} s per server and workload, c=$connections, after ${warmup} s of warm-up each; interleaved ours, PostGraphile, SQL"
for w in ${workloads//,/ }; do
  servers="ours peer sql"
  echo "-- $w"
  if ((warmup > 0)); then for s in $servers; do run_one "$w" "$s" warmup "$warmup"; done; fi
  for r in $(seq 1 "$rounds"); do
    for s in $servers; do
      run_one "$w" "$s" "$r" "$duration"
      if [ "$s" = ours ] && [[ $w == create-contact || $w == update-deal ]]; then
        backlog=$(outbox_backlog) t=$(date +%s.%N)
        while [ "$(outbox_backlog)" != 0 ] && (($(ms_since "$t") < 120000)); do sleep 0.2; done
        drained=$(ms_since "$t")
        echo "     outbox backlog right after: $backlog events, 0 after $(awk "BEGIN { printf \"%.1f\", $drained / 1000 }") s"
        echo "$w	$r	$backlog	$drained" >>"$work/backlog.tsv"
      fi
    done
  done
done

echo
echo "== the reference read at c=1: crm bench reference-read (GraphQL against the tuned SQL, medians)"
if [[ ,$workloads, == *,reference,* ]]; then
  "${crm[@]}" bench reference-read --url "http://127.0.0.1:$host_port" --api-key "$key" --iterations 100 --warmup 10 \
    --Database:Provider=Postgres --ConnectionStrings:Crm="$conn" | tee "$work/reference-c1.log"
fi

if [ -f "$work/backlog.tsv" ]; then
  for w in create-contact update-deal; do
    grep -q "^$w	" "$work/backlog.tsv" || continue
    printf '%s: outbox backlog after a round (median)\t%s events, drained in %s s\t-\t-\t-\t-\n' "$w" \
      "$(awk -F'\t' -v w="$w" '$1 == w { print $3 }' "$work/backlog.tsv" | median_of)" \
      "$(awk -F'\t' -v w="$w" '$1 == w { print $4 / 1000 }' "$work/backlog.tsv" | median_of)" >>"$extras"
  done
fi
printf 'RSS after the rounds\t%s MB\t%s MB\t-\t-\t-\n' "$(rss_mb "$host_pid")" "$(rss_mb "$peer_pid")" >>"$extras"

echo
echo "== summary"
title="$(date -u +%Y-%m-%d), $(nproc) cores, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo), PostgreSQL 15; $deals deals, $contacts contacts, $companies companies; $rounds × ${duration} s rounds, c=$connections"
node "$bench/summarise.js" "$results" "$extras" "$title" | tee "$work/table.md"
[ -f "$work/reference-c1.log" ] && { echo; echo "Reference read at c=1:"; sed -n '/median ms/,/totalCount/p' "$work/reference-c1.log"; grep -E '^check:' "$work/reference-c1.log" || true; } | tee -a "$work/table.md"
[ -z "$out" ] || { cp "$work/table.md" "$out"; echo "written to $out"; }
exit
}
