#!/usr/bin/env bash
# The whole test suite again, built with AddressSanitizer, UndefinedBehaviorSanitizer and
# LeakSanitizer (gcc's), in its own folder build-asan. A debug build, so the engine's contract
# checks are on too; and memory the tape hands out holds NaN until written
# (TAPEGRAD_POISON_MEMORY), so that an op reading what it has not written fails its tests. Any
# sanitizer report fails its test, and so this script.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
start=$SECONDS
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DTAPEGRAD_SANITIZE=address,undefined \
  -DTAPEGRAD_REQUIRE_MPI=ON -DTAPEGRAD_POISON_MEMORY=ON \
  -DTAPEGRAD_BUILD_BENCH=OFF
cmake --build build-asan
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:check_initialization_order=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# Graphviz's plugin loader and fontconfig keep a few caches for the life of the process.
export LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp
# The install test builds a separate project against the installed library, without the
# sanitizer runtime it would need; the plain suite runs it.
ctest --test-dir build-asan --output-on-failure -j2 -E '^install:'
echo "sanitizers: the suite passed under ASan, UBSan and LSan in $((SECONDS - start)) s"
