# What the end-to-end measurements share: sourced by reference-read.sh, custom-field-filter.sh,
# rights-read.sh and peer.sh from the repository's root. A throwaway PostgreSQL, a Release build, the host
# started on it, and the capture of the statements the platform sends with their plans.

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in ${pids[@]+"${pids[@]}"}; do kill "$pid" 2>/dev/null || true; done
  .ci/postgres.sh stop "$work/pg" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  local p=$1
  while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done
  echo "$p"
}

# Starts the host (Release) on the seeded database at port $1 with extra arguments; waits for /readyz.
start_host() {
  local port=$1 log=$2; shift 2
  Database__Provider=Postgres ConnectionStrings__Crm="$conn;Maximum Pool Size=50" \
    CRM_ADMIN_API_KEY="$key" Logging__LogLevel__Default=Warning \
    dotnet "$host_dll" --urls "http://127.0.0.1:$port" "$@" >"$log" 2>&1 &
  pids+=($!)
  until curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; do
    kill -0 "${pids[-1]}" 2>/dev/null || { cat "$log"; exit 1; }
    sleep 0.02
  done
}

# A throwaway PostgreSQL with an empty database crm_bench, and the Release build. Sets server,
# port, psql (an array), conn, pgdata and crm (an array).
start_postgres_and_build() {
  echo "== PostgreSQL and build"
  # On $pg_port when the caller set it (a port of one's own on a shared machine), else the first free one.
  server=$(.ci/postgres.sh start "$work/pg" ${pg_port:-} 2>/dev/null)
  port=$(sed -E 's/.*Port=([0-9]+).*/\1/' <<<"$server")
  psql=(psql "host=127.0.0.1 port=$port user=postgres dbname=crm_bench" -X -q -v ON_ERROR_STOP=1)
  psql "host=127.0.0.1 port=$port user=postgres dbname=postgres" -X -qc "CREATE DATABASE crm_bench"
  conn="${server/Database=postgres/Database=crm_bench}"
  pgdata=$work/pg
  [ -f "$work/pg/.crm-pg" ] && pgdata=$(<"$work/pg/.crm-pg")
  echo "PostgreSQL $(psql "host=127.0.0.1 port=$port user=postgres dbname=postgres" -XAtc 'SHOW server_version') on port $port, shared_buffers $(psql "host=127.0.0.1 port=$port user=postgres dbname=postgres" -XAtc 'SHOW shared_buffers')"
  # One build: the command line builds the host and places the modules beside both.
  dotnet build tools/Crm.Cli -c Release -v q -nologo >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
  crm=(dotnet tools/Crm.Cli/bin/Release/net10.0/crm.dll)
  # The host as it is shipped (`dotnet publish`: precompiled, modules beside it) when the caller
  # set published=1; the plain Release build otherwise.
  host_dll=host/Crm.Host/bin/Release/net10.0/Crm.Host.dll
  if [ "${published:-0}" = 1 ]; then
    dotnet publish host/Crm.Host -c Release -o "$work/publish" -v q -nologo >"$work/publish.log" 2>&1 || { cat "$work/publish.log"; exit 1; }
    host_dll=$work/publish/Crm.Host.dll
  fi
  echo "host: $host_dll"
}

# Rows, size and all-visible share of the given tables ('deals', 'contacts' ...). All-visible pages
# allow index-only scans (the counts); the seed's VACUUM should leave 100 %.
table_sizes() {
  local names
  names=$(printf "'%s'," "$@")
  "${psql[@]}" -c "SELECT s.schemaname || '.' || s.relname AS table, s.n_live_tup AS rows, pg_size_pretty(pg_total_relation_size(s.relid)) AS size_with_indexes,
                          round(100.0 * c.relallvisible / greatest(c.relpages, 1)) AS all_visible_pct
                   FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
                   WHERE s.relname IN (${names%,})
                   ORDER BY pg_total_relation_size(s.relid) DESC"
}

# From now on every connection to crm_bench loads auto_explain: each statement's plan, with its
# actual rows and times, goes to the server log.
enable_auto_explain() {
  "${psql[@]}" -c "ALTER DATABASE crm_bench SET session_preload_libraries = 'auto_explain'" \
    -c "ALTER DATABASE crm_bench SET auto_explain.log_min_duration = 0" \
    -c "ALTER DATABASE crm_bench SET auto_explain.log_analyze = on" \
    -c "ALTER DATABASE crm_bench SET auto_explain.log_buffers = on"
}

# Sends a GraphQL body three times to a host started with EF Core's command log, and prints what
# the third request sent: the EF statements whose text matches $5 (the outbox poller's left out)
# under heading $6, and the plans that mention $7 under heading $8.
#   capture_statements PORT KEY BODY HOST_LOG EF_PATTERN EF_HEADING PLAN_PATTERN PLAN_HEADING
capture_statements() {
  local port=$1 bearer=$2 body=$3 host_log=$4 pg_offset host_offset
  for _ in 1 2; do
    curl -fs "http://127.0.0.1:$port/graphql" -H "Authorization: Bearer $bearer" -H 'Content-Type: application/json' -d "$body" >/dev/null
  done
  sleep 1
  pg_offset=$(stat -c %s "$pgdata/log") host_offset=$(stat -c %s "$host_log")
  curl -fs "http://127.0.0.1:$port/graphql" -H "Authorization: Bearer $bearer" -H 'Content-Type: application/json' -d "$body" >/dev/null
  sleep 1
  echo "$6"
  tail -c +"$((host_offset + 1))" "$host_log" | awk -v pattern="$5" '
    /Executed DbCommand/ { keep = 0; block = $0 "\n"; next }
    /^(info|warn|fail|dbug):/ { if (keep) printf "%s", block; block = ""; keep = 0; next }
    { block = block $0 "\n"; if ($0 ~ pattern && $0 !~ /outbox/) keep = 1 }
    END { if (keep) printf "%s", block }'
  echo "$8"
  tail -c +"$((pg_offset + 1))" "$pgdata/log" | awk -v pattern="$7" '
    /LOG:  duration: .* plan:/ { if (keep) printf "%s", block; block = $0 "\n"; keep = 0; inplan = 1; next }
    /^\t/ && inplan { block = block $0 "\n"; if ($0 ~ pattern) keep = 1; next }
    { if (keep) printf "%s", block; block = ""; keep = 0; inplan = 0 }
    END { if (keep) printf "%s", block }'
}

# GraphQL against the host started on $http_port with key $key (or the bearer given): the data, failing on any error.
gql() { # query [bearer] -> data, failing on any error
  local answer
  answer=$(curl -fsS "http://127.0.0.1:$http_port/graphql" -H "Authorization: Bearer ${2:-$key}" -H 'Content-Type: application/json' \
    -d "$(jq -cn --arg q "$1" '{query: $q}')")
  if jq -e '(.errors // []) + [.data // {} | .. | objects | .errors? // empty | .[]] | length > 0' <<<"$answer" >/dev/null; then
    echo "GraphQL errors: $answer" >&2
    exit 1
  fi
  jq -c .data <<<"$answer"
}
