#!/usr/bin/env bash
# Installs the Debian 12 packages that building and testing migrate need, and only those that
# are missing, so a second run costs nothing. Needs root, or sudo.
#   scripts/install-deps.sh           everything, the test servers included (scripts/test.sh)
#   scripts/install-deps.sh --build   what building needs (scripts/demo.sh)
set -euo pipefail

build_only=false
case "${1:-}" in
    "") ;;
    --build) build_only=true ;;
    *)
        echo "usage: $0 [--build]" >&2
        exit 2
        ;;
esac

# Building and the SQLite back-end, which is embedded. GoogleTest and yaml-cpp (the docker/ examples
# test parses every YAML file there) because the tests build by default; the binary reads no YAML.
build_packages=(
    g++ cmake ninja-build pkg-config
    libsqlite3-dev libsqlitecpp-dev sqlite3
    libcli11-dev libtomlplusplus-dev nlohmann-json3-dev libfmt-dev libssl-dev
    libpg-query-dev libgtest-dev libyaml-cpp-dev
)
# The lint tests validate SARIF output against its JSON schema with Debian's Python validator;
# rfc3987 lets it check the "uri-reference" format of artifact locations. git: `lint
# --changed-since` runs it, and its test makes a repository.
test_packages=(python3 python3-jsonschema python3-rfc3987 git)

# Two lists per server back-end: its client library for building, and the server that
# scripts/test-servers.sh starts for the integration tests. A further back-end adds its lists here
# and to `packages` below.
postgres_libraries=(libpqxx-dev libpq-dev)
postgres_servers=(postgresql-15)
# mysql-connector-c++ 1.1 for the MySQL back-end; MariaDB 10.11 (Debian's MySQL) for its tests,
# with the client whose mariadb-admin the test script pings the server with.
mysql_libraries=(libmysqlcppconn-dev)
mysql_servers=(mariadb-server mariadb-client)

packages=("${build_packages[@]}" "${postgres_libraries[@]}" "${mysql_libraries[@]}")
if ! $build_only; then
    packages+=("${test_packages[@]}" "${postgres_servers[@]}" "${mysql_servers[@]}")
fi

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

# The postgresql-15 and mariadb-server packages create a default server (on 5432 and 3306) and
# try to start it. The tests never use those servers (scripts/test-servers.sh starts its own),
# but mariadb-server's installation fails as a whole when its server does not start (port 3306
# taken, no init system). So while installing, a policy-rc.d tells the package scripts not to
# start services, Debian's own switch for that, unless the machine already has one. Servers
# already running are left alone.
policy=/usr/sbin/policy-rc.d
if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\n# Put here by migrate scripts/install-deps.sh while it installs packages.\nexit 101\n' |
        "${sudo[@]}" tee "$policy" >/dev/null
    "${sudo[@]}" chmod 755 "$policy"
    trap '"${sudo[@]}" rm -f "$policy"' EXIT
fi
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
