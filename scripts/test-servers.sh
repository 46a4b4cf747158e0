# Starts throwaway database servers for the integration tests and exports the URLs they read
# (MIGRATE_TEST_POSTGRES_URL, MIGRATE_TEST_POSTGRES_REPLICA_URL, MIGRATE_TEST_MYSQL_URL,
# MIGRATE_TEST_MYSQL_REPLICA_URL). Sourced
# by scripts/test.sh, or by hand before running the tests from a shell:
# `source scripts/test-servers.sh`. Every server runs on a private loopback port with its files in
# one fresh temporary folder; an EXIT trap stops each one by its own pid and removes the folder, so
# nothing outlives the shell that sourced this file. Servers installed on the machine (a default
# PostgreSQL cluster on 5432, a MariaDB on 3306) are neither used nor touched.
#
# A URL that is already set is used as it is, and that server is not started: to run the tests
# against a server of your own, or to source this file twice in one shell. Each replica is
# started only with the server this script starts, as it must replicate that one, and not at all
# with MIGRATE_TEST_POSTGRES_REPLICA=off or MIGRATE_TEST_MYSQL_REPLICA=off: for the backfill
# benchmark, whose figures a replica replaying on the same cores would change.
# MIGRATE_TEST_POSTGRES_CONF holds settings added to the PostgreSQL server's postgresql.conf, one
# per line (the benchmark's server is configured like a production one: `shared_buffers = 2GB`).
#
# A further server adds a start_NAME function that calls register_test_server_stop, and a call
# to it at the bottom.

test_servers_dir=$(mktemp -d "${TMPDIR:-/tmp}/migrate-test-servers.XXXXXX")
chmod 755 "$test_servers_dir"
test_server_stops=()

# Runs every registered stop, newest first, then removes the folder. Installed as the EXIT trap.
stop_test_servers() {
    local i
    for ((i = ${#test_server_stops[@]} - 1; i >= 0; i--)); do
        eval "${test_server_stops[i]}" || true
    done
    test_server_stops=()
    rm -rf "$test_servers_dir"
}
trap stop_test_servers EXIT

register_test_server_stop() {
    test_server_stops+=("$1")
}

# Stops the process `pid` with `signal`, escalating to SIGKILL if it is still there after
# `patience` seconds, and waits until it is gone. By pid only: other servers of the same
# program on this machine are none of our business.
stop_pid() {
    local pid=$1 signal=$2 patience=$3 waited=0
    kill "-$signal" "$pid" 2>/dev/null || return 0
    while kill -0 "$pid" 2>/dev/null; do
        if ((waited >= patience * 10)); then
            kill -KILL "$pid" 2>/dev/null || true
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
}

# A TCP port nobody listens on yet, from $1 upwards. Bash's /dev/tcp connects only if a server
# listens there.
free_port() {
    local port=$1
    while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
        port=$((port + 1))
    done
    echo "$port"
}

# A password of hex digits: nothing in it needs escaping in a URL or in SQL.
random_secret() {
    od -An -N16 -tx1 /dev/urandom | tr -d ' \n'
}

# initdb and postgres refuse to run as root; root runs them as the postgres user the Debian
# package created, anyone else as themselves.
# From the servers' folder, which that user can enter, unlike perhaps the caller's.
as_server_user() {
    (
        cd "$test_servers_dir"
        if [[ $(id -u) -eq 0 ]]; then
            exec runuser -u postgres -- "$@"
        else
            exec "$@"
        fi
    )
}

postgres_bin=/usr/lib/postgresql/15/bin

# Starts the cluster in `data` on a free loopback port from `first_port` upwards, with `options`
# for postgres, logging to `log`, and waits until it accepts connections. Sets postgres_port and
# postgres_pid.
run_postgres_cluster() {
    local data=$1 log=$2 first_port=$3 options=$4
    # Another process may take the port between the probe and the bind; then try the next one.
    local port=$first_port attempt started=""
    for attempt in 1 2 3 4 5; do
        port=$(free_port "$port")
        if as_server_user "$postgres_bin/pg_ctl" start -D "$data" -l "$log" -w -t 60 -o "-p $port $options" \
            >/dev/null 2>&1; then
            started=yes
            break
        fi
        port=$((port + 1))
    done
    local pid=""
    if [[ -f "$data/postmaster.pid" ]]; then
        pid=$(head -n 1 "$data/postmaster.pid")
    fi
    if [[ -n "$pid" ]]; then
        # Fast shutdown (SIGINT) ends the sessions tests left open, then the server.
        register_test_server_stop "stop_pid $pid INT 10"
    fi
    if [[ -z "$started" ]]; then
        echo "PostgreSQL did not start; its log:" >&2
        cat "$log" >&2 || true
        return 1
    fi

    local ready=""
    for attempt in $(seq 1 100); do
        if "$postgres_bin/pg_isready" -q -h 127.0.0.1 -p "$port"; then
            ready=yes
            break
        fi
        sleep 0.1
    done
    if [[ -z "$ready" ]]; then
        echo "PostgreSQL does not accept connections on 127.0.0.1:$port; its log:" >&2
        cat "$log" >&2
        return 1
    fi
    postgres_port=$port
    postgres_pid=$pid
}

# What start_postgres_replica needs to know of the primary; start_postgres sets them.
postgres_primary_port="" postgres_primary_sockets="" postgres_primary_password=""

start_postgres() {
    local root="$test_servers_dir/postgres"
    local data="$root/data" sockets="$root/sockets" log="$root/server.log"
    mkdir -p "$data" "$sockets"
    if [[ $(id -u) -eq 0 ]]; then
        chown -R postgres:postgres "$root"
    fi
    chmod 700 "$data"

    # Local socket connections (only this script uses them, as the superuser) are trusted; TCP
    # needs a password, as on a real server. The replica needs nothing more: initdb's pg_hba.conf
    # lets that local superuser stream replication, and the defaults (wal_level = replica,
    # max_wal_senders = 10) allow it.
    if ! as_server_user "$postgres_bin/initdb" -D "$data" -U postgres --auth-local=trust \
        --auth-host=scram-sha-256 --no-locale --encoding=UTF8 --no-sync >"$root/initdb.log" 2>&1; then
        echo "initdb failed:" >&2
        cat "$root/initdb.log" >&2
        return 1
    fi
    # A server for tests: durability buys nothing here and costs time on every commit.
    cat >>"$data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$sockets'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
${MIGRATE_TEST_POSTGRES_CONF:-}
EOF

    run_postgres_cluster "$data" "$log" 55432 "" || return 1
    local port=$postgres_port pid=$postgres_pid

    local password
    password=$(random_secret)
    # pg_signal_backend: a test database is dropped WITH (FORCE), which must also end an autovacuum
    # worker that happens to be vacuuming it at that moment (it runs as no role of ours).
    # The replay functions: the replica tests pause replay on the replica to make it lag. Granted
    # before the replica's base backup, since a replica takes its grants from its primary.
    if ! as_server_user "$postgres_bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$sockets" -p "$port" -U postgres \
        -d postgres \
        -c "CREATE ROLE migrate_test LOGIN CREATEDB PASSWORD '$password'" \
        -c "GRANT pg_signal_backend TO migrate_test" \
        -c "GRANT EXECUTE ON FUNCTION pg_wal_replay_pause(), pg_wal_replay_resume(), pg_is_wal_replay_paused()
            TO migrate_test" >/dev/null; then
        echo "cannot create the test role; the server log:" >&2
        cat "$log" >&2
        return 1
    fi
    postgres_primary_port=$port postgres_primary_sockets=$sockets postgres_primary_password=$password
    export MIGRATE_TEST_POSTGRES_URL="postgres://migrate_test:$password@127.0.0.1:$port/postgres"
    echo "PostgreSQL 15 for the tests: postgres://migrate_test:***@127.0.0.1:$port (pid $pid, files in $root)"
}

# A hot standby of the server start_postgres started, streaming from it: pg_basebackup copies the
# primary (its roles, grants and settings) and, with -R, writes the primary_conninfo the standby
# connects with, through the primary's local socket as the superuser.
start_postgres_replica() {
    local root="$test_servers_dir/postgres-replica"
    local data="$root/data" sockets="$root/sockets" log="$root/server.log"
    mkdir -p "$sockets"
    if [[ $(id -u) -eq 0 ]]; then
        chown -R postgres:postgres "$root"
    fi

    if ! as_server_user "$postgres_bin/pg_basebackup" -D "$data" -R -X stream --checkpoint=fast --no-sync \
        -h "$postgres_primary_sockets" -p "$postgres_primary_port" -U postgres >"$root/basebackup.log" 2>&1; then
        echo "pg_basebackup from the PostgreSQL test server failed:" >&2
        cat "$root/basebackup.log" >&2
        return 1
    fi

    # A socket folder of its own: the copied configuration names the primary's.
    run_postgres_cluster "$data" "$log" "$((postgres_primary_port + 1))" "-k $sockets" || return 1
    local port=$postgres_port pid=$postgres_pid
    export MIGRATE_TEST_POSTGRES_REPLICA_URL="postgres://migrate_test:$postgres_primary_password@127.0.0.1:$port/postgres"
    echo "PostgreSQL 15 replica for the tests: postgres://migrate_test:***@127.0.0.1:$port (pid $pid, files in $root)"
}

# MariaDB 10.11, Debian's MySQL. mariadbd runs as the calling user (root only when told so with
# --user=root), reached by this script through its socket with the unix_socket authentication
# that mariadb-install-db gives that user.
mariadb_admin=$(id -un)
mariadb_as_user=()
if [[ $(id -u) -eq 0 ]]; then
    mariadb_as_user=(--user=root)
fi
# A server for tests: durability buys nothing here and costs time on every commit and every DDL
# statement. The same InnoDB settings for the bootstrap and the server, so the server does not
# rebuild the redo log at its first start. Other settings (sql_mode, max_recursive_iterations, ...)
# stay as a user's server has them.
mariadb_settings=(
    --innodb-log-file-size=48M --innodb-flush-log-at-trx-commit=2 --innodb-doublewrite=0 --skip-name-resolve
)

# Creates a MariaDB data folder under `root` and starts mariadbd on it on a free loopback port
# from `first_port` upwards, with `options` added, and waits until it answers on its socket. Sets
# mariadb_port, mariadb_pid and mariadb_socket.
run_mariadb_server() {
    local root=$1 first_port=$2
    shift 2
    local data="$root/data" run="$root/run" tmp="$root/tmp" log="$root/server.log"
    local socket="$root/run/mariadbd.sock"
    mkdir -p "$data" "$run" "$tmp"
    chmod 700 "$data" "$run"

    if ! mariadb-install-db --no-defaults "${mariadb_as_user[@]}" --datadir="$data" --tmpdir="$tmp" \
        --auth-root-authentication-method=socket --auth-root-socket-user="$mariadb_admin" --skip-test-db \
        --skip-log-bin "${mariadb_settings[@]}" >"$root/install.log" 2>&1; then
        echo "mariadb-install-db failed:" >&2
        cat "$root/install.log" >&2
        return 1
    fi

    # Another process may take the port between the probe and the bind; then the server exits
    # at once, and the next port is tried.
    local port=$first_port attempt pid="" ready=""
    for attempt in 1 2 3 4 5; do
        port=$(free_port "$port")
        mariadbd --no-defaults "${mariadb_as_user[@]}" --datadir="$data" --tmpdir="$tmp" --socket="$socket" \
            --port="$port" --bind-address=127.0.0.1 --pid-file="$run/mariadbd.pid" --log-error="$log" \
            --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci --max-connections=300 \
            "${mariadb_settings[@]}" "$@" >>"$root/stdout.log" 2>&1 &
        pid=$!
        # A clean shutdown (SIGTERM) ends the sessions tests left open, then the server.
        register_test_server_stop "stop_pid $pid TERM 30"
        local tries
        for tries in $(seq 1 300); do
            if ! kill -0 "$pid" 2>/dev/null; then
                break
            fi
            if mariadb-admin --no-defaults --socket="$socket" -u "$mariadb_admin" --connect-timeout=2 ping \
                >/dev/null 2>&1; then
                ready=yes
                break
            fi
            sleep 0.1
        done
        if [[ -n "$ready" ]] || kill -0 "$pid" 2>/dev/null; then
            break
        fi
        port=$((port + 1))
    done
    if [[ -z "$ready" ]]; then
        echo "MariaDB did not start or does not answer on $socket; its log:" >&2
        cat "$log" >&2 || true
        return 1
    fi
    mariadb_port=$port mariadb_pid=$pid mariadb_socket=$socket
}

# What start_mariadb_replica needs to know of the primary; start_mariadb sets them.
mariadb_primary_port="" mariadb_primary_password="" mariadb_primary_replication_password=""

# The tests' server. With a replica to come it writes a binary log (the replica's source), from
# its first statement on, so that the replica replays every user and grant made here.
start_mariadb() {
    local root="$test_servers_dir/mariadb"
    local binlog=(--skip-log-bin)
    if [[ "${MIGRATE_TEST_MYSQL_REPLICA:-}" != off ]]; then
        binlog=(--server-id=1 --log-bin="$root/data/binlog" --log-bin-trust-function-creators=1)
    fi
    run_mariadb_server "$root" 53306 "${binlog[@]}" || return 1
    local port=$mariadb_port pid=$mariadb_pid socket=$mariadb_socket

    # The same user for TCP (the URL the tests use) and for the socket (the socket URL test). The
    # replica's user may only read the binary log.
    local password replication_password
    password=$(random_secret)
    replication_password=$(random_secret)
    if ! mariadb --no-defaults --socket="$socket" -u "$mariadb_admin" -e "
        CREATE USER 'migrate_test'@'127.0.0.1' IDENTIFIED BY '$password';
        CREATE USER 'migrate_test'@'localhost' IDENTIFIED BY '$password';
        GRANT ALL PRIVILEGES ON *.* TO 'migrate_test'@'127.0.0.1';
        GRANT ALL PRIVILEGES ON *.* TO 'migrate_test'@'localhost';
        CREATE USER 'migrate_replication'@'127.0.0.1' IDENTIFIED BY '$replication_password';
        GRANT REPLICATION SLAVE ON *.* TO 'migrate_replication'@'127.0.0.1';" >/dev/null; then
        echo "cannot create the test users; the server log:" >&2
        cat "$root/server.log" >&2
        return 1
    fi
    mariadb_primary_port=$port mariadb_primary_password=$password
    mariadb_primary_replication_password=$replication_password
    export MIGRATE_TEST_MYSQL_URL="mysql://migrate_test:$password@127.0.0.1:$port/"
    echo "MariaDB for the tests: mysql://migrate_test:***@127.0.0.1:$port/ (pid $pid, files in $root)"
}

# A replica of the server start_mariadb started, replicating from the start of its binary log by
# GTID: the test user and its grants arrive with the rest.
start_mariadb_replica() {
    local root="$test_servers_dir/mariadb-replica"
    run_mariadb_server "$root" "$((mariadb_primary_port + 1))" --server-id=2 --skip-log-bin || return 1
    local port=$mariadb_port pid=$mariadb_pid socket=$mariadb_socket
    if ! mariadb --no-defaults --socket="$socket" -u "$mariadb_admin" -e "
        CHANGE MASTER TO MASTER_HOST = '127.0.0.1', MASTER_PORT = $mariadb_primary_port,
            MASTER_USER = 'migrate_replication', MASTER_PASSWORD = '$mariadb_primary_replication_password',
            MASTER_USE_GTID = slave_pos;
        START SLAVE;" >/dev/null; then
        echo "cannot start replication on the MariaDB replica; its log:" >&2
        cat "$root/server.log" >&2
        return 1
    fi
    local attempt
    for attempt in $(seq 1 100); do
        if [[ $(mariadb --no-defaults --socket="$socket" -u "$mariadb_admin" -N -e \
            "SELECT COUNT(*) FROM mysql.user WHERE User = 'migrate_test'" 2>/dev/null) == 2 ]]; then
            export MIGRATE_TEST_MYSQL_REPLICA_URL="mysql://migrate_test:$mariadb_primary_password@127.0.0.1:$port/"
            echo "MariaDB replica for the tests: mysql://migrate_test:***@127.0.0.1:$port/ (pid $pid, files in $root)"
            return 0
        fi
        sleep 0.1
    done
    echo "the MariaDB replica did not catch up with the test server in 10 s; its replication status:" >&2
    mariadb --no-defaults --socket="$socket" -u "$mariadb_admin" -e "SHOW SLAVE STATUS\G" >&2 || true
    return 1
}

if [[ -z "${MIGRATE_TEST_POSTGRES_URL:-}" ]]; then
    # Without its server (start_postgres said why) a replica has nothing to replicate.
    if start_postgres; then
        if [[ "${MIGRATE_TEST_POSTGRES_REPLICA:-}" == off ]]; then
            echo "PostgreSQL replica for the tests: none (MIGRATE_TEST_POSTGRES_REPLICA=off); the replica tests fail"
        elif [[ -z "${MIGRATE_TEST_POSTGRES_REPLICA_URL:-}" ]]; then
            start_postgres_replica
        else
            echo "PostgreSQL replica for the tests: using MIGRATE_TEST_POSTGRES_REPLICA_URL as already set"
        fi
    fi
else
    echo "PostgreSQL for the tests: using MIGRATE_TEST_POSTGRES_URL as already set"
    if [[ -n "${MIGRATE_TEST_POSTGRES_REPLICA_URL:-}" ]]; then
        echo "PostgreSQL replica for the tests: using MIGRATE_TEST_POSTGRES_REPLICA_URL as already set"
    else
        # A replica of a server this script did not start is not this script's to make.
        echo "PostgreSQL replica for the tests: none; set MIGRATE_TEST_POSTGRES_REPLICA_URL to a replica of" \
            "that server to run the replica tests"
    fi
fi

if [[ -z "${MIGRATE_TEST_MYSQL_URL:-}" ]]; then
    if start_mariadb; then
        if [[ "${MIGRATE_TEST_MYSQL_REPLICA:-}" == off ]]; then
            echo "MariaDB replica for the tests: none (MIGRATE_TEST_MYSQL_REPLICA=off); the replica tests fail"
        elif [[ -z "${MIGRATE_TEST_MYSQL_REPLICA_URL:-}" ]]; then
            start_mariadb_replica
        else
            echo "MySQL replica for the tests: using MIGRATE_TEST_MYSQL_REPLICA_URL as already set"
        fi
    fi
else
    echo "MySQL for the tests: using MIGRATE_TEST_MYSQL_URL as already set"
    if [[ -n "${MIGRATE_TEST_MYSQL_REPLICA_URL:-}" ]]; then
        echo "MySQL replica for the tests: using MIGRATE_TEST_MYSQL_REPLICA_URL as already set"
    else
        echo "MySQL replica for the tests: none; set MIGRATE_TEST_MYSQL_REPLICA_URL to a replica of that" \
            "server to run the replica tests"
    fi
fi
