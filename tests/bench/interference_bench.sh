#!/usr/bin/env bash
# What a busy process of any kind does to an OLTP load's latency on this machine, the floor under
# what backfill_bench measures. pgbench schedules single-row reads and updates of a 2,000,000-row
# table (backfill_bench's load) while, in turn, one of these runs for a window:
#   cpu     a shell busy loop at idle CPU priority (SCHED_IDLE), outside the database
#   half    the same loop busy for 5 ms, then resting for 5 ms: half a core, as a backfill at half
#           a plain UPDATE's speed takes at the least (the UPDATE keeps one core busy)
#   memory  dd copying 64 MB blocks from /dev/zero at idle CPU priority, outside the database
#   update  UPDATEs of 3,000 rows a batch of the same table, one after another, in one session
# Each window follows one of nothing ("alone"), so that the host's own hiccups fall on every kind
# alike; each kind's p50 and p99 are over all its windows together. If the cpu and memory kinds,
# which take no lock and share no data with the load, raise its p99, the machine under the guest's
# scheduler does it, and no batch size or priority of a backfill can take that away.
#   interference_bench.sh [URL] [--rounds N] [--seconds S] [--rate TPS] [--clients N]
# URL (default: MIGRATE_TEST_POSTGRES_URL, see scripts/test-servers.sh) names a server and a
# database to connect to; the bench creates a database of its own there and drops it at the end.
set -euo pipefail

usage="usage: interference_bench.sh [URL] [--rounds N] [--seconds S] [--rate TPS] [--clients N]"
url=${MIGRATE_TEST_POSTGRES_URL:-}
rounds=3 seconds=8 rate=500 clients=8
while (($#)); do
    case $1 in
    --rounds | --seconds | --rate | --clients)
        [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || { echo "interference_bench: $1 takes a positive whole number" >&2; exit 2; }
        declare "${1#--}=$2"
        shift 2
        ;;
    -*) echo "$usage" >&2; exit 2 ;;
    *) url=$1; shift ;;
    esac
done
[[ -n $url ]] || { echo "interference_bench: no server URL given and MIGRATE_TEST_POSTGRES_URL is not set" >&2; echo "$usage" >&2; exit 2; }
pgbench=$(ls -d /usr/lib/postgresql/*/bin/pgbench 2>/dev/null | sort -V | tail -1)
pgbench=${pgbench:-pgbench}

# The URL with its database replaced (postgres://user:password@host:port/database?query).
with_database() {
    local rest=${url#*://} query=""
    [[ $rest == *\?* ]] && query="?${rest#*\?}" rest=${rest%%\?*}
    echo "${url%%://*}://${rest%%/*}/$1$query"
}
database=migrate_interference_$$
bench_url=$(with_database "$database")
scratch=$(mktemp -d "${TMPDIR:-/tmp}/migrate-interference-bench.XXXXXX")
load_pid=""
cleanup() {
    [[ -n $load_pid ]] && kill "$load_pid" 2>/dev/null && wait "$load_pid" 2>/dev/null
    psql -X -q "$url" -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null || true
    rm -rf "$scratch"
}
trap cleanup EXIT

psql -X -q -v ON_ERROR_STOP=1 "$url" -c "CREATE DATABASE $database"
psql -X -q -v ON_ERROR_STOP=1 "$bench_url" <<'SQL'
CREATE TABLE accounts (id bigint NOT NULL, balance bigint NOT NULL, note text, touched int NOT NULL DEFAULT 0,
                       n bigint NOT NULL DEFAULT 0);
INSERT INTO accounts (id, balance, note) SELECT g, g * 7919 % 1000000, 'account ' || g
FROM generate_series(1::bigint, 2000000) g;
ALTER TABLE accounts ADD PRIMARY KEY (id);
VACUUM ANALYZE accounts;
SQL
printf '\\set id random(1, 2000000)\nSELECT balance, note FROM accounts WHERE id = :id;\n' >"$scratch/read.sql"
printf '\\set id random(1, 2000000)\nUPDATE accounts SET touched = touched + 1 WHERE id = :id;\n' >"$scratch/update.sql"

# One transaction a batch, as a backfill's, for `seconds`; the batches go round the table.
update_loop="DO \$\$
DECLARE low bigint := 0; stop timestamptz := clock_timestamp() + interval '$seconds seconds';
BEGIN
    WHILE clock_timestamp() < stop LOOP
        UPDATE accounts SET n = n + 1 WHERE id > low AND id <= low + 3000;
        COMMIT;
        low := (low + 3000) % 2000000;
    END LOOP;
END \$\$"

# Busy for 5 ms by the clock, then asleep for 5 ms in a read that times out (no process started).
half_loop='exec {fd}<> <(:)
while :; do
    end=$((${EPOCHREALTIME/./} + 5000))
    while ((${EPOCHREALTIME/./} < end)); do :; done
    read -t 0.005 -u "$fd" || :
done'

kinds=(cpu half memory update)
windows=$((rounds * ${#kinds[@]} * 2))
"$pgbench" -n -c "$clients" -j 2 -R "$rate" -T $((windows * seconds + 4)) -l --log-prefix "$scratch/oltp" \
    -f "$scratch/read.sql@1" -f "$scratch/update.sql@1" "$bench_url" >"$scratch/pgbench.out" 2>&1 &
load_pid=$!
sleep 2
now() { date +%s.%N; }
for ((round = 1; round <= rounds; ++round)); do
    for kind in "${kinds[@]}"; do
        echo "round $round of $rounds: alone, then $kind (${seconds} s each)"
        from=$(now); sleep "$seconds"; echo "alone $from $(now)" >>"$scratch/windows"
        from=$(now)
        case $kind in
        cpu) timeout "$seconds" chrt -i 0 sh -c 'while :; do :; done' || true ;;
        half) timeout "$seconds" chrt -i 0 bash -c "$half_loop" || true ;;
        memory) timeout "$seconds" chrt -i 0 dd if=/dev/zero of=/dev/null bs=64M 2>/dev/null || true ;;
        update) psql -X -q -v ON_ERROR_STOP=1 "$bench_url" -c "$update_loop" ;;
        esac
        echo "$kind $from $(now)" >>"$scratch/windows"
    done
done
wait "$load_pid" || { echo "interference_bench: pgbench failed:" >&2; cat "$scratch/pgbench.out" >&2; exit 1; }
load_pid=""

# pgbench's log lines: client transaction latency_us script epoch_s epoch_us schedule_lag_us. A
# transaction belongs to a window when it ends inside it, its first 300 ms left out: the load
# catches up there with what the window before held up. Latency counts from the scheduled start.
cat "$scratch"/oltp.* | awk -v windows="$scratch/windows" '
    BEGIN { while ((getline line < windows) > 0) { split(line, w, " "); kind[++n] = w[1]; from[n] = w[2] + 0.3; to[n] = w[3] } }
    {
        end = $5 + $6 / 1e6
        for (i = 1; i <= n; ++i) if (end >= from[i] && end <= to[i]) { printf "%s %.3f\n", kind[i], ($3 + $7) / 1000; break }
    }' >"$scratch/latencies"
printf '\n%s rows; pgbench: %s clients, %s tx/s scheduled, single-row reads and updates 1:1; %s windows of %s s of each kind\n\n' \
    2,000,000 "$clients" "$rate" "$rounds" "$seconds"
printf '%-8s %12s %9s %9s %9s %11s\n' kind transactions "p50 ms" "p99 ms" "max ms" "p99 / alone"
# Each kind's latencies sorted once: its count, nearest-rank p50 and p99, and its maximum.
figures() {
    awk -v k="$1" '$1 == k { print $2 }' "$scratch/latencies" | sort -n | awk '
        { v[NR] = $1 }
        END { if (NR == 0) print 0, 0, 0, 0; else print NR, v[int(0.50 * NR + 0.999999)], v[int(0.99 * NR + 0.999999)], v[NR] }'
}
alone_p99=""
for kind in alone "${kinds[@]}"; do
    read -r count p50 p99 max < <(figures "$kind")
    ratio=-
    if [[ -n $alone_p99 ]]; then
        ratio=$(awk -v a="$p99" -v b="$alone_p99" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }')
    else
        alone_p99=$p99
    fi
    printf '%-8s %12d %9.2f %9.2f %9.2f %11s\n' "$kind" "$count" "$p50" "$p99" "$max" "$ratio"
done
