#!/usr/bin/env bash
# Installs the Debian 12 packages that building and testing migrate need, and only those that
# are missing, so a second run costs nothing. Needs root, or sudo.
set -euo pipefail

# Building and the SQLite back-end, which is embedded.
build_packages=(
    g++ cmake ninja-build pkg-config
    libsqlite3-dev libsqlitecpp-dev sqlite3
    libcli11-dev libtomlplusplus-dev nlohmann-json3-dev libfmt-dev libssl-dev
    libgtest-dev
)

# One list per server back-end: its client library for building, and the server that
# scripts/test-servers.sh starts for the integration tests. A further server adds its list here
# and to `packages` below.
postgres_packages=(
    libpqxx-dev libpq-dev
    postgresql-15
)

packages=("${build_packages[@]}" "${postgres_packages[@]}")

missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done

if ((${#missing[@]} == 0)); then
    exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then
    sudo=(sudo)
fi
echo "Installing: ${missing[*]}"
"${sudo[@]}" apt-get update -qq
# The postgresql-15 package may create and try to start a default cluster on port 5432; the
# tests never use it (scripts/test-servers.sh starts its own server), so whether that works
# on this machine does not matter.
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
