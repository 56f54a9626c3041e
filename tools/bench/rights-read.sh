#!/usr/bin/env bash
# The cost of access rights on the reference read of deals: the read as the administrator and as
# a user who may read only the deals of their department (DEAL READ DEPARTMENT), on a seeded
# PostgreSQL with a tree of departments and users that the seeded records are assigned to.
# Starts a throwaway PostgreSQL (.ci/postgres.sh), builds Release, seeds with `crm seed
# --managers USERS` (which makes the users 2..USERS; user 1, the administrator, exists), starts the
# host, creates through GraphQL the departments (three levels), spreads the users over them, a role and an API key for a
# user of a typical department; runs `crm bench reference-read` as the administrator and as that
# user (the SQL of the second keeps the department's users' deals only), prints median, p90, p99
# and the ratios, then the statements the platform sends for the user with their plans.
#   tools/bench/rights-read.sh [--companies N] [--contacts N] [--leads N] [--deals N] [--users N]
#                              [--departments N] [--iterations N] [--warmup N] [--stages A,B] [--seed S]
set -euo pipefail
companies=100000 contacts=300000 leads=300000 deals=1000000 users=500 departments=50
iterations=200 warmup=20 stages=PREPARATION,EXECUTING seed=1
while [ $# -gt 0 ]; do
  case $1 in
    --companies|--contacts|--leads|--deals|--users|--departments|--iterations|--warmup|--stages|--seed)
      [ $# -ge 2 ] || { echo "$1 needs a value" >&2; exit 2; }
      declare "${1#--}=$2"; shift 2 ;;
    --companies=*|--contacts=*|--leads=*|--deals=*|--users=*|--departments=*|--iterations=*|--warmup=*|--stages=*|--seed=*)
      name=${1%%=*}; declare "${name#--}=${1#*=}"; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ "$departments" -ge 3 ] && [ "$users" -ge "$departments" ] || { echo "need at least 3 departments and a user for each" >&2; exit 2; }
cd "$(dirname "$0")/../.."

. tools/bench/lib.sh

# Sends a GraphQL document with the administrator's key; prints the answer's data; fails on any
# error, top-level or in a payload's errors.
gql() {
  local answer
  answer=$(curl -fsS "http://127.0.0.1:$http_port/graphql" -H "Authorization: Bearer ${2:-$key}" -H 'Content-Type: application/json' \
    -d "$(jq -cn --arg q "$1" '{query: $q}')")
  if jq -e '(.errors // []) + [.data // {} | .. | objects | .errors? // empty | .[]] | length > 0' <<<"$answer" >/dev/null; then
    echo "GraphQL errors: $answer" >&2
    exit 1
  fi
  jq -c .data <<<"$answer"
}

start_postgres_and_build

echo
echo "== crm seed --companies $companies --contacts $contacts --leads $leads --deals $deals --managers $users --seed $seed"
"${crm[@]}" seed --companies "$companies" --contacts "$contacts" --leads "$leads" --deals "$deals" --managers "$users" --seed "$seed" \
  --Database:Provider=Postgres --ConnectionStrings:Crm="$conn" --Logging:LogLevel:Default=Warning | tee "$work/seed.log" | grep -v 'rows so far'
table_sizes companies contacts contact_companies leads deals deal_contacts

echo "== the host"
key="bench-admin-key-$(date +%s)"
http_port=$(free_port 18490)
start_host "$http_port" "$work/host.log"
echo "host on port $http_port"

echo
echo "== $departments departments in three levels, $users users placed in them, a role and an API key (through GraphQL)"
# The tree: one top department, about sqrt(N) below it, the rest below those in turn.
level2=$(awk "BEGIN { n = int(sqrt($departments) + 0.5); if (n > $departments - 1) n = $departments - 1; print n }")
declare -a dept_ids
start=$(date +%s.%N)
dept_ids[0]=$(gql 'mutation { createDepartment(input: { name: "Company" }) { department { id } errors { code message } } }' | jq -r .createDepartment.department.id)
# Mutations go in requests of at most 20 (Limits:MaxMutations); mutate_all merges their answers.
mutate_all() {
  local fields=("$@") i answers=()
  for ((i = 0; i < ${#fields[@]}; i += 20)); do
    answers+=("$(gql "mutation { ${fields[*]:i:20} }")")
  done
  printf '%s\n' "${answers[@]}" | jq -s 'add'
}
fields=()
for ((i = 1; i <= level2; i++)); do
  fields+=("d$i: createDepartment(input: { name: \"Division $i\", parentId: \"${dept_ids[0]}\" }) { department { id } errors { code message } }")
done
answer=$(mutate_all "${fields[@]}")
for ((i = 1; i <= level2; i++)); do dept_ids[$i]=$(jq -r ".d$i.department.id" <<<"$answer"); done
fields=()
for ((i = level2 + 1; i < departments; i++)); do
  parent=${dept_ids[$(( (i - level2 - 1) % level2 + 1 ))]}
  fields+=("d$i: createDepartment(input: { name: \"Team $i\", parentId: \"$parent\" }) { department { id } errors { code message } }")
done
answer=$(mutate_all "${fields[@]}")
for ((i = level2 + 1; i < departments; i++)); do dept_ids[$i]=$(jq -r ".d$i.department.id" <<<"$answer"); done

# User u belongs to department (u - 1) mod N: every department gets users of every rank (the seed
# gives low ids more records). User 1 (the administrator) exists and joins the first department.
gql "mutation { updateUser(id: \"1\", input: { departmentIds: [\"${dept_ids[0]}\"] }) { user { id } errors { code message } } }" >/dev/null
for ((from = 2; from <= users; from += 20)); do
  doc=""
  for ((u = from; u < from + 20 && u <= users; u++)); do
    doc+="u$u: updateUser(id: \"$u\", input: { departmentIds: [\"${dept_ids[$(( (u - 1) % departments ))]}\"] }) { user { id } errors { code message } } "
  done
  answer=$(gql "mutation { $doc }")
  # The seed made the users 2..N (on a new database) and assigned records to users 1..N.
  jq -e 'to_entries | all(.key == "u" + .value.user.id)' <<<"$answer" >/dev/null \
    || { echo "the seed's users 2..$users are not all there: $answer" >&2; exit 1; }
done
printf 'created %d departments and placed %d users in them in %.1f s\n' "$departments" "$((users - 1))" "$(awk "BEGIN {print $(date +%s.%N) - $start}")"
"${psql[@]}" -At -F ' ' -c "SELECT 'users', count(*), min(id), max(id) FROM permissions.users" \
  -c "SELECT 'departments', count(*), count(*) FILTER (WHERE parent_id IS NULL), count(DISTINCT parent_id) FROM permissions.departments" >"$work/directory.txt"
cat "$work/directory.txt"
read -r _ user_count min_user max_user < <(sed -n 1p "$work/directory.txt")
[ "$user_count" = "$users" ] && [ "$min_user" = 1 ] && [ "$max_user" = "$users" ] || { echo "expected users 1..$users" >&2; exit 1; }
# Every seeded record's assignee is one of them.
unknown=$("${psql[@]}" -At -c "SELECT count(*) FROM (SELECT assigned_by_id FROM deals.deals UNION SELECT assigned_by_id FROM contacts.contacts
                                 UNION SELECT assigned_by_id FROM companies.companies UNION SELECT assigned_by_id FROM leads.leads) a
                               WHERE a.assigned_by_id IS NOT NULL AND a.assigned_by_id NOT IN (SELECT id FROM permissions.users)")
[ "$unknown" = 0 ] || { echo "$unknown seeded assignees are not users" >&2; exit 1; }
echo "every seeded assignee is one of the users 1..$users"

# A typical department: the median one by the deals of the read its users hold.
"${psql[@]}" -At -F ' ' -c "
  WITH per AS (
    SELECT ud.department_id, count(d.id) AS deals
    FROM permissions.user_departments ud
    LEFT JOIN deals.deals d ON d.assigned_by_id = ud.user_id AND d.stage_id = ANY(string_to_array('$stages', ',')) AND d.opportunity > 1000
    GROUP BY ud.department_id)
  SELECT department_id, deals, (SELECT sum(deals) FROM per), (SELECT min(deals) FROM per), (SELECT max(deals) FROM per)
  FROM per ORDER BY deals, department_id OFFSET (SELECT count(*) / 2 FROM per) LIMIT 1" >"$work/typical.txt"
read -r department dept_deals all_deals min_deals max_deals <"$work/typical.txt"
members=$("${psql[@]}" -At -c "SELECT string_agg(user_id::text, ',' ORDER BY user_id) FROM permissions.user_departments WHERE department_id = $department")
user=$("${psql[@]}" -At -c "SELECT min(user_id) FROM permissions.user_departments WHERE department_id = $department AND user_id <> 1")
echo "typical department $department: users $members; $dept_deals of the read's $all_deals deals (departments range from $min_deals to $max_deals)"

role=$(gql 'mutation { createRole(input: { name: "Department deals", permissions: [
    { entityType: DEAL, action: READ, level: DEPARTMENT },
    { entityType: CONTACT, action: READ, level: ALL },
    { entityType: COMPANY, action: READ, level: ALL }] }) { role { id } errors { code message } } }' | jq -r .createRole.role.id)
gql "mutation { assignRole(roleId: \"$role\", userId: \"$user\") { role { id } errors { code message } } }" >/dev/null
user_key=$(gql "mutation { createApiKey(input: { userId: \"$user\", name: \"rights bench\" }) { key errors { code message } } }" | jq -r .createApiKey.key)
echo "user $user: role $role (DEAL READ DEPARTMENT; CONTACT and COMPANY READ ALL, so that the page shows the same fields), an API key"
echo "their rights as the host sees them (me):"
gql '{ me { id departments { id name } isAdministrator permissions { entityType action level } } }' "$user_key" | jq -c .me

echo
bench() {
  "${crm[@]}" bench reference-read --url "http://127.0.0.1:$http_port" --stages "$stages" \
    --iterations "$iterations" --warmup "$warmup" --Database:Provider=Postgres --ConnectionStrings:Crm="$conn" "$@"
}
status=0
echo "== crm bench reference-read as the administrator"
bench --api-key "$key" | tee "$work/admin.log" || status=$?
echo
echo "== crm bench reference-read as user $user (DEAL READ DEPARTMENT, department $department)"
bench --api-key "$user_key" --assigned-to "$members" --explain | tee "$work/user.log" || status=$?
kill "${pids[0]}"

echo
echo "== what the platform sends for user $user's read, with its plans (EF command log and auto_explain; one request after two)"
enable_auto_explain
http_port=$(free_port $((http_port + 1)))
start_host "$http_port" "$work/capture.log" --Logging:LogLevel:Microsoft.EntityFrameworkCore.Database.Command=Information
in_list=$(sed 's/[^,][^,]*/\\"&\\"/g; s/,/, /g' <<<"$stages")
body="{\"query\":\"{ deals(first: 50, where: { stageId: { in: [$in_list] }, opportunity: { gt: 1000 } }, order: [{ opportunity: DESC }]) { totalCount nodes { id title opportunity stage { name } contact { name lastName emails { value } } company { title } } } }\"}"
capture_statements "$http_port" "$user_key" "$body" "$work/capture.log" \
  'FROM (deals|contacts|companies|selection_lists)[.]' "-- EF Core's statements (the outbox poller's left out):" \
  '(deals|contacts|companies|selection_lists)[.](deals|contacts|companies|items)' "-- their plans (auto_explain):"

echo
echo "== summary"
grep -E '^crm: seeded' "$work/seed.log"
echo "$departments departments, $users users; user $user in department $department (users $members) reads $dept_deals of the read's $all_deals deals"
for who in admin user; do
  echo "-- as $who:"
  sed -n '/median ms/,/totalCount/p' "$work/$who.log"
  grep -E '^check:' "$work/$who.log" || true
done
# GraphQL over HTTP: median, p90 and p99 as the user against as the administrator.
read -r a50 a90 a99 < <(awk '/^GraphQL over HTTP/ { print $4, $5, $7 }' "$work/admin.log")
read -r u50 u90 u99 < <(awk '/^GraphQL over HTTP/ { print $4, $5, $7 }' "$work/user.log")
awk -v a50="$a50" -v a90="$a90" -v a99="$a99" -v u50="$u50" -v u90="$u90" -v u99="$u99" 'BEGIN {
  printf "GraphQL with rights / as the administrator: %.2fx at the median (%.2f / %.2f ms), %.2fx at p90 (%.2f / %.2f), %.2fx at p99 (%.2f / %.2f)\n",
    u50 / a50, u50, a50, u90 / a90, u90, a90, u99 / a99, u99, a99 }'
exit "$status"
