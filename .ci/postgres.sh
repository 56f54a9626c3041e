#!/usr/bin/env bash
# Throwaway PostgreSQL 15 clusters for CI (.ci/run) and for developers.
#
#   .ci/postgres.sh start [DIR] [PORT]
#       Installs Debian's postgresql-15 if it is missing (apt-get), creates a
#       cluster in DIR (default: a new temporary directory), starts it on PORT
#       (or, without one, on the first free port on 127.0.0.1 from 55432
#       upwards) and prints exactly one line on stdout, an Npgsql connection
#       string:
#           Host=127.0.0.1;Port=PORT;Username=postgres;Database=postgres;Pooling=true
#       Everything else goes to stderr, including the DIR to pass to `stop`.
#       Running `start DIR` again on a running cluster just prints its line.
#       Without root, postgresql-15 must be installed already (or sudo work);
#       elsewhere, point the tests at any PostgreSQL 15 with CRM_TEST_POSTGRES
#       instead (see the README).
#
#   .ci/postgres.sh stop DIR
#       Stops the cluster (fast shutdown) and removes DIR. Safe to repeat.
#
# Typical use:
#   PGDIR=$(mktemp -d)
#   CONN=$(.ci/postgres.sh start "$PGDIR")
#   trap '.ci/postgres.sh stop "$PGDIR"' EXIT
#
# Authentication is `trust` and the server listens on 127.0.0.1 only, with
# fsync off: for tests only, never for data that matters.
set -euo pipefail

readonly PG_MAJOR=15
readonly PG_PACKAGE="postgresql-${PG_MAJOR}"
readonly PORT_BASE=55432
readonly PORT_TRIES=200
# File in DIR holding the path of the cluster's data directory. It is DIR
# itself unless postgres could not use DIR, in which case the data lives in a
# directory under /tmp and DIR only holds this pointer.
readonly MARKER=.crm-pg
# Serialises "pick a free port + start the server" between concurrent starts.
LOCK_FILE="/tmp/.crm-pg-port-$(id -u).lock"
readonly LOCK_FILE

BINDIR=""      # bin directory of the PostgreSQL 15 server binaries
CONN=""        # the line printed on stdout when start succeeds
CREATED=()     # directories this run created: removed if start fails
STARTED=""     # data dir of a server this run started: stopped if start fails

log() { printf 'postgres.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
    cat >&2 <<'EOF'
usage: .ci/postgres.sh start [DIR] [PORT]   start a throwaway PostgreSQL 15 cluster
                                           (on PORT, else the first free port from
                                           55432); prints its Npgsql connection string
       .ci/postgres.sh stop DIR            stop it and remove DIR
EOF
}

is_root() { [[ $EUID -eq 0 ]]; }

# initdb, pg_ctl and postgres refuse to run as root: run them as postgres.
as_pg() {
    if is_root; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

on_exit() {
    local rc=$?
    if ((rc != 0)); then
        if [[ -n $STARTED && -n $BINDIR ]]; then
            log "start failed: stopping the server in $STARTED"
            as_pg "$BINDIR/pg_ctl" -D "$STARTED" -m immediate -w stop </dev/null >&2 2>&1 || true
        fi
        local d
        for d in ${CREATED[@]+"${CREATED[@]}"}; do
            log "start failed: removing $d"
            rm -rf -- "$d"
        done
    fi
    exit "$rc"
}
trap on_exit EXIT

# Prints the bin directory of postgresql-15 if its initdb is installed.
find_bindir() {
    local files initdb
    files=$(dpkg -L "$PG_PACKAGE" 2>/dev/null || true)
    initdb=$(grep -E '/bin/initdb$' <<<"$files" | head -n 1 || true)
    [[ -n $initdb && -x $initdb ]] || return 1
    dirname -- "$initdb"
}

ensure_postgres() {
    if BINDIR=$(find_bindir); then
        return 0
    fi
    log "$PG_PACKAGE is not installed: installing it with apt-get"
    local sudo=()
    if ! is_root; then
        command -v sudo >/dev/null 2>&1 ||
            die "$PG_PACKAGE is missing and this is not root: install it (apt-get install $PG_PACKAGE)"
        sudo=(sudo)
    fi
    # Wait for a dpkg/apt lock held by someone else instead of failing.
    local apt=(apt-get -o DPkg::Lock::Timeout=600)
    ${sudo[@]+"${sudo[@]}"} "${apt[@]}" update </dev/null ||
        die "apt-get update failed"
    ${sudo[@]+"${sudo[@]}"} env DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y "$PG_PACKAGE" </dev/null ||
        die "apt-get install $PG_PACKAGE failed"
    BINDIR=$(find_bindir) || die "$PG_PACKAGE installed but its initdb was not found (dpkg -L $PG_PACKAGE)"
}

# The path ends up inside pg_ctl's shell command line and the socket path.
check_path() {
    [[ $1 == /* && $1 =~ ^[[:alnum:]/._+=,:@%~\ -]+$ ]] ||
        die "unsupported characters in directory path: $1"
}

# Hands directory $1 to postgres (mode 0700) and checks that postgres can use
# it (every parent must be traversable by postgres).
prepare_dir() {
    local d=$1
    if is_root; then
        chown postgres: -- "$d" || return 1
    fi
    chmod 0700 -- "$d" || return 1
    as_pg test -r "$d" -a -w "$d" -a -x "$d" 2>/dev/null
}

# A new empty temporary directory under /tmp (ignores TMPDIR on purpose).
tmp_dir_in_tmp() {
    mktemp -d /tmp/crm-pg.XXXXXXXX
}

dir_is_empty() {
    local entries
    entries=$(ls -A -- "$1") || return 1
    [[ -z $entries ]]
}

# True if something already listens on 127.0.0.1:$1 (or on a wildcard address).
port_in_use() {
    local p=$1
    if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
        return 0
    fi
    if command -v ss >/dev/null 2>&1 && [[ -n $(ss -Htln "sport = :$p" 2>/dev/null || true) ]]; then
        return 0
    fi
    return 1
}

acquire_port_lock() {
    command -v flock >/dev/null 2>&1 || return 0
    if [[ ! -e $LOCK_FILE ]]; then
        (umask 022 && : >>"$LOCK_FILE") 2>/dev/null || true
    fi
    [[ -r $LOCK_FILE ]] || return 0
    exec 9<"$LOCK_FILE"
    flock -w 300 9 || log "warning: could not lock $LOCK_FILE; going on without it"
}

release_port_lock() {
    exec 9<&-
}

run_initdb() {
    local data=$1 locale=$2
    log "initdb in $data (locale $locale)"
    # --no-sync: a throwaway cluster does not need initdb's final fsync.
    as_pg "$BINDIR/initdb" -D "$data" -A trust -U postgres -E UTF8 --locale="$locale" \
        --no-sync --no-instructions </dev/null
}

# Starts the cluster in $1 on port $2; fails if the server did not come up.
start_server() {
    local data=$1 port=$2 sock=$1
    # Unix socket paths are limited to ~107 bytes: without room, TCP only.
    if ((${#sock} + 16 > 100)); then
        sock=""
    fi
    local opts="-p $port -k '$sock' -c listen_addresses=127.0.0.1 -c fsync=off"
    opts+=" -c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
    # 9<&-: the server must not inherit (and keep holding) the port lock.
    as_pg "$BINDIR/pg_ctl" -D "$data" -o "$opts" -l "$data/log" -w -t 120 start </dev/null 9<&-
}

wait_ready() {
    local port=$1 i isready=""
    if [[ -x $BINDIR/pg_isready ]]; then
        isready=$BINDIR/pg_isready
    else
        isready=$(command -v pg_isready || true)
    fi
    for ((i = 0; i < 120; i++)); do
        if [[ -n $isready ]]; then
            "$isready" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -t 2 && return 0
        else
            port_in_use "$port" && return 0
        fi
        sleep 0.5
    done
    die "PostgreSQL on 127.0.0.1:$port did not become ready"
}

server_running() {
    local data=$1
    [[ -f $data/postmaster.pid ]] &&
        as_pg "$BINDIR/pg_ctl" -D "$data" status </dev/null >/dev/null 2>&1
}

cmd_start() {
    local dir=${1:-} wanted_port=${2:-} data auto=0

    if [[ -n $wanted_port ]] && ! [[ $wanted_port =~ ^[0-9]+$ && $wanted_port -ge 1 && $wanted_port -le 65535 ]]; then
        die "PORT must be a number from 1 to 65535, not '$wanted_port'"
    fi

    ensure_postgres
    if is_root; then
        id postgres >/dev/null 2>&1 || die "user postgres does not exist (is $PG_PACKAGE installed?)"
    fi

    if [[ -z $dir ]]; then
        dir=$(mktemp -d -t crm-pg.XXXXXXXX 2>/dev/null || tmp_dir_in_tmp)
        auto=1
        CREATED+=("$dir")
    elif [[ ! -e $dir ]]; then
        mkdir -p -- "$dir"
        dir=$(cd -- "$dir" && pwd -P)
        CREATED+=("$dir")
    else
        [[ -d $dir ]] || die "$dir exists and is not a directory"
        dir=$(cd -- "$dir" && pwd -P)
    fi
    # postgres may not be allowed into the caller's working directory.
    cd /

    if [[ -f $dir/$MARKER ]]; then
        data=$(<"$dir/$MARKER")
        check_path "$data"
        if [[ ! -d $data ]]; then
            mkdir -p -- "$data"
            CREATED+=("$data")
        fi
        [[ -f $data/PG_VERSION ]] || dir_is_empty "$data" ||
            die "$data (from $dir/$MARKER) is neither empty nor a cluster"
        prepare_dir "$data" || die "postgres cannot use $data"
    elif [[ -f $dir/PG_VERSION ]]; then
        data=$dir
        prepare_dir "$data" || die "postgres cannot use $data"
    elif dir_is_empty "$dir"; then
        if prepare_dir "$dir"; then
            data=$dir
        elif ((auto)); then
            log "postgres cannot reach $dir (TMPDIR=${TMPDIR:-}): using /tmp instead"
            rm -rf -- "$dir"
            CREATED=()
            dir=$(tmp_dir_in_tmp)
            CREATED+=("$dir")
            prepare_dir "$dir" || die "postgres cannot use $dir"
            data=$dir
        else
            data=$(tmp_dir_in_tmp)
            CREATED+=("$data")
            log "postgres cannot reach $dir: keeping the cluster in $data (recorded in $dir/$MARKER)"
            prepare_dir "$data" || die "postgres cannot use $data"
        fi
    else
        die "$dir is not empty and holds no cluster made by this script"
    fi
    check_path "$dir"
    check_path "$data"

    local port
    if server_running "$data"; then
        port=$(sed -n 4p "$data/postmaster.pid")
        [[ $port =~ ^[0-9]+$ ]] || die "cannot read the port from $data/postmaster.pid"
        log "the cluster in $data is already running on port $port"
        [[ -z $wanted_port || $wanted_port == "$port" ]] || log "warning: not on the PORT asked for ($wanted_port): stop it first to move it"
    else
        if [[ -n $wanted_port ]] && port_in_use "$wanted_port"; then
            die "port $wanted_port on 127.0.0.1 is in use: choose another PORT"
        fi
        if [[ ! -f $data/PG_VERSION ]]; then
            local locale=C locales
            locales=$(locale -a 2>/dev/null || true)
            if grep -qixE 'c\.utf-?8' <<<"$locales"; then
                locale=C.UTF-8
            fi
            if ! run_initdb "$data" "$locale"; then
                [[ $locale != C ]] || die "initdb failed"
                log "initdb with locale $locale failed: retrying with locale C"
                find "$data" -mindepth 1 -delete
                run_initdb "$data" C || die "initdb failed"
            fi
        fi
        # A stale postmaster.pid (killed server) is handled by postgres itself.

        port=""
        acquire_port_lock
        local p=$PORT_BASE last=$((PORT_BASE + PORT_TRIES)) tail_log
        if [[ -n $wanted_port ]]; then
            p=$wanted_port
            last=$((wanted_port + 1))
        fi
        while ((p < last)); do
            if port_in_use "$p"; then
                [[ -z $wanted_port ]] || { release_port_lock; die "port $p on 127.0.0.1 is in use: choose another PORT"; }
                p=$((p + 1))
                continue
            fi
            log "starting PostgreSQL $PG_MAJOR on 127.0.0.1:$p"
            if start_server "$data" "$p"; then
                port=$p
                STARTED=$data
                break
            fi
            tail_log=$(tail -n 30 -- "$data/log" 2>/dev/null || true)
            if [[ -z $wanted_port ]] && grep -qE 'Address already in use|could not bind|could not create any TCP/IP sockets' <<<"$tail_log"; then
                log "port $p was taken meanwhile: trying the next one"
                p=$((p + 1))
                continue
            fi
            release_port_lock
            printf '%s\n' "$tail_log" >&2
            die "pg_ctl start failed (log: $data/log)"
        done
        release_port_lock
        [[ -n $port ]] || die "no free port in $PORT_BASE..$((PORT_BASE + PORT_TRIES - 1))"
    fi

    wait_ready "$port"
    if [[ $data != "$dir" || ! -f $dir/$MARKER ]]; then
        printf '%s\n' "$data" >"$dir/$MARKER"
    fi
    CREATED=()
    STARTED=""
    log "PostgreSQL $PG_MAJOR ready on 127.0.0.1:$port, data dir $data, log $data/log"
    log "stop it with: .ci/postgres.sh stop $dir"
    CONN="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres;Pooling=true"
}

# True while $1 is a live (not zombie) postgres process.
pid_is_postgres() {
    local pid=$1 stat
    [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
    [[ $(cat "/proc/$pid/comm" 2>/dev/null || true) == postgres ]] || return 1
    stat=$(cat "/proc/$pid/stat" 2>/dev/null || true)
    stat=${stat##*) }
    [[ -n $stat && ${stat:0:1} != Z ]]
}

# Waits up to $2 seconds for process $1 to be gone.
wait_gone() {
    local pid=$1 i
    for ((i = 0; i < $2 * 5; i++)); do
        pid_is_postgres "$pid" || return 0
        sleep 0.2
    done
    return 1
}

# Stops the server of data dir $1, if one is running; fails if it survives.
stop_server() {
    local data=$1 pid sig
    [[ -f $data/postmaster.pid ]] || return 0
    pid=$(head -n 1 -- "$data/postmaster.pid" 2>/dev/null || true)

    local pg_ctl=""
    if BINDIR=$(find_bindir); then
        pg_ctl=$BINDIR/pg_ctl
    fi
    if [[ -n $pg_ctl ]]; then
        log "stopping the cluster in $data"
        as_pg "$pg_ctl" -D "$data" -m fast -w -t 60 stop </dev/null ||
            log "pg_ctl stop failed"
    fi
    # pg_ctl returns once postmaster.pid is gone, a moment before the process.
    wait_gone "$pid" 10 && return 0
    # Fallback: fast shutdown (SIGINT), then immediate (SIGQUIT), then SIGKILL.
    for sig in INT QUIT KILL; do
        log "postgres (pid $pid) is still running: sending SIG$sig"
        kill -s "$sig" "$pid" 2>/dev/null || true
        wait_gone "$pid" 20 && return 0
    done
    ! pid_is_postgres "$pid" || die "could not stop postgres (pid $pid) in $data"
}

# Removes $1 if it is empty or looks like a cluster / pointer of this script.
remove_dir() {
    local d=$1
    [[ -d $d ]] || return 0
    [[ $d != / ]] || die "refusing to remove /"
    if [[ -f $d/PG_VERSION || -f $d/$MARKER ]] || dir_is_empty "$d"; then
        rm -rf -- "$d"
    else
        log "warning: not removing $d: it does not look like a cluster made by this script"
    fi
}

cmd_stop() {
    local dir=$1 data
    if [[ ! -e $dir ]]; then
        log "$dir does not exist: nothing to stop"
        return 0
    fi
    [[ -d $dir ]] || die "$dir is not a directory"
    dir=$(cd -- "$dir" && pwd -P)
    cd /
    if [[ -f $dir/$MARKER ]]; then
        data=$(<"$dir/$MARKER")
    elif [[ -f $dir/PG_VERSION ]] || dir_is_empty "$dir"; then
        data=$dir
    else
        die "$dir holds no cluster made by this script"
    fi
    if [[ -d $data ]]; then
        stop_server "$data"
        remove_dir "$data"
    fi
    if [[ $data != "$dir" ]]; then
        remove_dir "$dir"
    fi
    log "stopped and removed $dir"
}

main() {
    local cmd=${1:-}
    case $cmd in
        start)
            (($# <= 3)) || { usage; exit 2; }
            cmd_start "${2:-}" "${3:-}"
            ;;
        stop)
            if (($# != 2)) || [[ -z $2 ]]; then
                usage
                exit 2
            fi
            cmd_stop "$2"
            ;;
        -h | --help | help)
            usage
            ;;
        *)
            usage
            exit 2
            ;;
    esac
}

# Everything main and its commands print goes to stderr; stdout carries only
# the connection string. (Bash keeps its saved copy of stdout close-on-exec,
# so the server started by pg_ctl never holds the caller's stdout open.)
main "$@" >&2
if [[ -n $CONN ]]; then
    printf '%s\n' "$CONN"
fi
