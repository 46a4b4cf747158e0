#!/usr/bin/env bash
# The quick start's second command, and what CI runs: installs what is missing, starts throwaway
# database servers for the integration tests, builds with warnings as errors, and runs every test
# suite through ctest. The servers are stopped when this script exits, however it exits.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
# shellcheck source=scripts/test-servers.sh
source scripts/test-servers.sh
cmake -S . -B build-test -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMIGRATE_WERROR=ON
cmake --build build-test
cd build-test
ctest --output-on-failure --parallel "$(nproc)"
