#!/usr/bin/env bash
# Installs what is missing (Debian 12), builds tapegrad with its tests, and runs the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh --test
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DTAPEGRAD_REQUIRE_MPI=ON
cmake --build build
ctest --test-dir build --output-on-failure -j2
