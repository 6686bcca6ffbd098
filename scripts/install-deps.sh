#!/usr/bin/env bash
# Installs, from Debian 12's packages, everything tapegrad needs to build, test and render
# graphs; clang with its sanitizer and libFuzzer runtimes for the reliability checks (CI's
# fuzzing); Chromium and Node.js for the browser test of the HTML viewer; Open MPI for
# data-parallel training. With --test, also what only the test suite uses: PyTorch (Debian's
# python3-torch), the reference of the differential test of the ops. Safe to run again: apt-get
# skips what is already there. Needs root (or sudo).
#
#   scripts/install-deps.sh          # to build and run tapegrad (scripts/demo.sh)
#   scripts/install-deps.sh --test   # and to run its tests (scripts/test.sh, CI)
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  libfmt-dev libboost-graph-dev catch2 graphviz libgraphviz-dev
  libopenblas-dev nlohmann-json3-dev libcli11-dev libbenchmark-dev fonts-dejavu-core
  libdnnl-dev ocl-icd-opencl-dev opencl-c-headers zlib1g-dev
  clang clang-format libclang-rt-14-dev llvm
  chromium nodejs
  libopenmpi-dev openmpi-bin
)
if [ "${1:-}" = --test ]; then
  packages+=(python3-torch)
elif [ $# -gt 0 ]; then
  echo "usage: scripts/install-deps.sh [--test]" >&2
  exit 2
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -o DPkg::Lock::Timeout=300
$sudo apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=300 "${missing[@]}"
