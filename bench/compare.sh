#!/usr/bin/env bash
# tapegrad against libtorch, side by side: configures build-bench (Release, no tests), builds
# tapegrad_torch_compare and tapegrad_step_bench, and runs the comparison. Arguments go to
# tapegrad_torch_compare (--quick: 3 rounds). The environment passes through unchanged, so
# OPENBLAS_CORETYPE, OPENBLAS_L2_SIZE, ... apply to both frameworks, which share one process.
set -euo pipefail
cd "$(dirname "$0")/.."

build=build-bench
generator=()
# The generator can only be chosen when the folder is first configured.
if [[ ! -f $build/CMakeCache.txt ]] && command -v ninja >/dev/null; then generator=(-G Ninja); fi
cmake -S . -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DTAPEGRAD_BUILD_TESTS=OFF

# Ask CMake's own search rather than guess at paths: it caches Torch_DIR as ...-NOTFOUND when
# find_package(Torch) fails, and bench/CMakeLists.txt then skips the target.
torch_dir=$(sed -n 's/^Torch_DIR:PATH=//p' "$build/CMakeCache.txt")
if [[ -z $torch_dir || $torch_dir == *NOTFOUND ]]; then
  echo "libtorch is not installed (CMake found no Torch package), so tapegrad_torch_compare" >&2
  echo "cannot be built. Install it with:  apt-get install libtorch-dev" >&2
  exit 1
fi

cmake --build "$build" --target tapegrad_torch_compare tapegrad_step_bench
exec "$build/bench/tapegrad_torch_compare" "$@"
