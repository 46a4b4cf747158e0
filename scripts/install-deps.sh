#!/usr/bin/env bash
# Installs the Debian 12 packages that building and testing migrate need, and only those that
# are missing, so a second run costs nothing. Needs root, or sudo.
set -euo pipefail

packages=(
    g++ cmake ninja-build pkg-config
    libsqlite3-dev libsqlitecpp-dev sqlite3
    libcli11-dev libtomlplusplus-dev nlohmann-json3-dev libfmt-dev libssl-dev
    libgtest-dev
)

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
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
