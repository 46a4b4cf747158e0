#!/usr/bin/env bash
# The quick start's first command: installs what is missing, builds migrate, and takes
# migrations-example through a rollout on an embedded SQLite database (build/example.db): lint,
# then expand before the new app version ships, its instance registering its version, the
# backfill, and the contract once the gate says it may run.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh --build
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DMIGRATE_BUILD_TESTS=OFF -DMIGRATE_WERROR=OFF >/dev/null
cmake --build build

db=build/example.db
rm -f "$db" "$db-journal" "$db.migrate-lock"
export MIGRATE_DATABASE_URL="sqlite:$db" MIGRATE_DIR=migrations-example
migrate=build/migrate

if [[ -t 1 ]]; then bold=$'\033[1m' plain=$'\033[0m'; else bold='' plain=''; fi
step() { printf '\n%s$ %s%s\n' "$bold" "$*" "$plain"; "$@"; }

step "$migrate" lint
step "$migrate" plan --phase expand
step "$migrate" apply --phase expand
step "$migrate" status
echo "(the new app version rolls out here: it reads and writes users.display_name, and each of its"
echo " instances reports its version; 0004's contract waits for web >= 2.0.0)"
step "$migrate" fleet register --app web --instance demo-web-1 --version 2.0.0
step "$migrate" apply --phase backfill
step "$migrate" gate contract
step "$migrate" apply --phase contract
step "$migrate" status
step sqlite3 -header -column "$db" "SELECT id, display_name, email FROM users ORDER BY id LIMIT 3"
printf '\nDone: %s holds the example schema. Try: %s rollback --dry-run\n' "$db" "$migrate"
