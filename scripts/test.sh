#!/usr/bin/env bash
# Installs what is missing (Debian 12), builds tapegrad with its tests, and runs the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh --test
# The benchmarks are not tests: bench/run.sh builds and runs them (CI's 40 minutes go to the
# tests and the sanitizers).
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DTAPEGRAD_REQUIRE_MPI=ON \
  -DTAPEGRAD_BUILD_BENCH=OFF
cmake --build build
ctest --test-dir build --output-on-failure -j2
