#!/usr/bin/env bash
# The whole test suite again, built with AddressSanitizer, UndefinedBehaviorSanitizer and
# LeakSanitizer (gcc's), in its own folder build-asan, and run with the fast engine users run,
# then its library areas once more with the checked engine (TAPEGRAD_CONTRACT_CHECKS=1). The build is optimised as
# a release is (-O1 with NDEBUG: the same code paths as -O2, at a sanitizer build's pace), and
# memory the tape hands out holds NaN until written (TAPEGRAD_POISON_MEMORY), so that an op
# reading what it has not written fails its tests. Any sanitizer report fails its test, and so
# this script.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh --test
start=$SECONDS
# NOTE: g++ 12's -Wmaybe-uninitialized reports false positives inside libstdc++ (std::regex,
# std::function) at -O1 under the sanitizers' instrumentation; it stays an error in the plain
# optimised build (scripts/test.sh), which compiles the same code.
# The libraries compile in batches of 16 files (TAPEGRAD_UNITY_LIBRARY): the same sources and
# flags, their headers parsed once per batch; measured 514 -> 278 s of CPU for the instrumented
# libraries. A release keeps one object per file (scripts/test.sh), the layout the benchmarks
# measure.
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG -Wno-maybe-uninitialized" \
  -DTAPEGRAD_SANITIZE=address,undefined \
  -DTAPEGRAD_REQUIRE_MPI=ON -DTAPEGRAD_POISON_MEMORY=ON -DTAPEGRAD_BUILD_BENCH=OFF \
  -DTAPEGRAD_UNITY_LIBRARY=ON
cmake --build build-asan
echo "sanitizers: built in $((SECONDS - start)) s"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:check_initialization_order=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# Graphviz's plugin loader and fontconfig keep a few caches for the life of the process.
export LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp
# The install tests build separate projects against an installed copy, without the sanitizer
# runtime they would need; the plain suite runs them. Tests labelled long (each says why) are
# left to the plain suite too, as is the format check, which reads the sources and runs no
# tapegrad code.
exclude='^(install|format):'
# The checked engine's extra checks live in the tape and the ops: its pass runs the areas that
# drive them directly (core, ops, alloc, threads: every op's catalog cases, the engine, its
# allocations and its threads). The model, optimizer, layer and view areas, the file readers,
# the command's tests, the browser, the README programs and the examples run the same ops
# through the same engine, and have just run under the sanitizers with the fast one; running
# them again would add some 250 s to CI and check nothing new.
for engine in fast checked; do
  labels_excluded=long
  if [ "$engine" = checked ]; then
    export TAPEGRAD_CONTRACT_CHECKS=1
    labels_excluded='^(long|tools|files|browser|readme|fuzz|models|nn|recurrent|optim|views|examples)$'
  else
    unset TAPEGRAD_CONTRACT_CHECKS
  fi
  echo "sanitizers: the suite with the $engine engine (NDEBUG build, -O1;" \
    "TAPEGRAD_CONTRACT_CHECKS=${TAPEGRAD_CONTRACT_CHECKS:-unset}; labels left out: $labels_excluded)"
  ctest --test-dir build-asan --output-on-failure -j2 -E "$exclude" -LE "$labels_excluded"
done
echo "sanitizers: the suite passed under ASan, UBSan and LSan with both engines in $((SECONDS - start)) s"
