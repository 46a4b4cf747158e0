#!/bin/sh
# Sidecar for an app pod: registers the app instance with migrate's fleet table now and every
# interval after (the heartbeat the contract gate reads), and deregisters it when the pod stops.
#
#   MIGRATE_APP                  the app name, as in a migration's [contract.requires] app
#   MIGRATE_INSTANCE             this instance's id, unique in the fleet (the pod name)
#   MIGRATE_APP_VERSION          the semantic version the app container runs
#   MIGRATE_HEARTBEAT_INTERVAL   time between heartbeats, e.g. 20s, 1m (default 20s)
#   MIGRATE_HEARTBEAT_TTL        how long a heartbeat keeps the instance live (default 60s);
#                                must be longer than the interval
# The database comes from migrate's own settings (MIGRATE_DATABASE_URL, MIGRATE_CONFIG, ...).
# Exit codes: 0 after deregistering on SIGTERM or SIGINT, 2 for missing or bad settings.
set -u

log() {
    echo "heartbeat: $*" >&2
}

usage_error() {
    log "$*"
    exit 2
}

# require NAME WHAT: exits 2, naming the variable and what it holds, when it is unset or empty.
require() {
    eval "value=\${$1:-}"
    if [ -z "$value" ]; then
        usage_error "$1 is not set; it must hold $2"
    fi
}
require MIGRATE_APP "the app name, as in a migration's [contract.requires] app"
require MIGRATE_INSTANCE "this instance's id, e.g. the pod name from the downward API"
require MIGRATE_APP_VERSION "the semantic version the app runs, e.g. 2.0.0"

interval=${MIGRATE_HEARTBEAT_INTERVAL:-20s}
ttl=${MIGRATE_HEARTBEAT_TTL:-60s}

# Prints a duration made of whole hours, minutes and seconds (20s, 1m30s, 45) in seconds, or
# fails. Both settings are compared in seconds, and sleep takes the interval that way.
seconds() {
    rest=$1
    total=0
    case $rest in
        '' | *[!0-9hms]* | [hms]*) return 1 ;;
    esac
    while [ -n "$rest" ]; do
        number=${rest%%[hms]*}
        rest=${rest#"$number"}
        unit=s
        if [ -n "$rest" ]; then
            unit=${rest%"${rest#?}"}
            rest=${rest#?}
        fi
        case $number in
            '' | *[!0-9]*) return 1 ;;
        esac
        # Leading zeros would make sh read the number as octal.
        while [ "${number#0}" != "$number" ] && [ -n "${number#0}" ]; do
            number=${number#0}
        done
        case $unit in
            h) total=$((total + number * 3600)) ;;
            m) total=$((total + number * 60)) ;;
            *) total=$((total + number)) ;;
        esac
    done
    echo "$total"
}

interval_seconds=$(seconds "$interval") || usage_error "MIGRATE_HEARTBEAT_INTERVAL=$interval is not a duration like 20s or 1m"
ttl_seconds=$(seconds "$ttl") || usage_error "MIGRATE_HEARTBEAT_TTL=$ttl is not a duration like 60s or 2m"
if [ "$interval_seconds" -lt 1 ]; then
    usage_error "MIGRATE_HEARTBEAT_INTERVAL=$interval must be at least 1s"
fi
# An instance whose heartbeat expires before the next one is due drops out of the fleet between
# heartbeats, and the gate would let contract run while it still serves the old version.
if [ "$ttl_seconds" -le "$interval_seconds" ]; then
    usage_error "MIGRATE_HEARTBEAT_TTL=$ttl must be longer than MIGRATE_HEARTBEAT_INTERVAL=$interval (3 times is a good margin)"
fi

# The migrate and sleep processes run in the background and the loop waits for them, because sh
# runs a trap only after the foreground command ends: a stop signal is handled at once.
register_pid=
sleep_pid=

stop() {
    if [ -n "$sleep_pid" ]; then
        kill "$sleep_pid" 2>/dev/null
    fi
    # A registration still in flight could commit after the deregistration and bring the instance
    # back until its TTL ran out, so it ends first.
    if [ -n "$register_pid" ]; then
        kill "$register_pid" 2>/dev/null
        wait "$register_pid" 2>/dev/null
    fi
    if migrate fleet deregister --app "$MIGRATE_APP" --instance "$MIGRATE_INSTANCE"; then
        log "deregistered $MIGRATE_APP/$MIGRATE_INSTANCE"
    else
        # Not an error for the pod: the instance drops out of the fleet when its TTL runs out.
        log "deregistering $MIGRATE_APP/$MIGRATE_INSTANCE failed; it expires after $ttl"
    fi
    exit 0
}
trap stop TERM INT

log "registering $MIGRATE_APP/$MIGRATE_INSTANCE version $MIGRATE_APP_VERSION every $interval (TTL $ttl)"
while :; do
    migrate fleet register --app "$MIGRATE_APP" --instance "$MIGRATE_INSTANCE" \
        --version "$MIGRATE_APP_VERSION" --ttl "$ttl" &
    register_pid=$!
    wait "$register_pid"
    status=$?
    register_pid=
    # A failed heartbeat (database restarting, network) is retried next round; the TTL is what
    # gives the instance several rounds before it drops out.
    if [ "$status" -ne 0 ]; then
        log "heartbeat failed (migrate exited $status); retrying in $interval"
    fi
    sleep "$interval_seconds" &
    sleep_pid=$!
    wait "$sleep_pid"
    sleep_pid=
done
