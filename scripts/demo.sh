#!/usr/bin/env bash
# Installs what is missing (Debian 12), builds the tapegrad command, and runs the seed demo:
# the reference derivation's MLP, its gradients against the hand-derived formulas, a short
# training run, and its graph written to out/seed-mlp.dot and out/seed-mlp.svg.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build --target tapegrad_cli
./build/tools/tapegrad demo --out out
