#!/usr/bin/env bash
# The concurrency tests (tests/threads) built with ThreadSanitizer in their own folder build-tsan,
# and run: several threads training, checking and drawing at once must give bit-for-bit what they
# give one after the other, with no data race reported. Any report or failed test fails the
# script. Only the library and that one test program are built.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
start=$SECONDS
# -O1 with line tables, as scripts/sanitize.sh builds (and with its note on g++ 12's false
# -Wmaybe-uninitialized at -O1 under a sanitizer): TSan's reports keep their file and line, and
# the build (the whole library) takes about a third less time than at -O2 -g.
cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTAPEGRAD_SANITIZE=thread \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG -Wno-maybe-uninitialized" \
  -DTAPEGRAD_BUILD_BENCH=OFF -DTAPEGRAD_BUILD_TOOLS=OFF -DTAPEGRAD_UNITY_LIBRARY=ON
cmake --build build-tsan --target tapegrad_threads_tests --parallel 2
echo "tsan: built in $((SECONDS - start)) s"

# OpenBLAS's own worker threads are not instrumented, and TSan would see their writes as races:
# one BLAS thread keeps every product on the calling thread. halt_on_error makes the first
# report end the run with TSan's exit status (66).
export OPENBLAS_NUM_THREADS=1
# oneDNN runs on libgomp, which is not instrumented either: one thread for every product.
export TAPEGRAD_NUM_THREADS=1
export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
log=build-tsan/tsan-threads.log
run_tests() {
  status=0
  "$@" ./build-tsan/tests/tapegrad_threads_tests --durations yes 2>&1 | tee "$log" || status=$?
}
run_tests
# gcc 12's TSan cannot map its shadow memory under the address randomisation of newer kernels
# (vm.mmap_rnd_bits above 28): it stops before any test runs. Run again without randomisation.
if grep -q "FATAL: ThreadSanitizer: unexpected memory mapping" "$log"; then
  echo "tsan: this kernel's address randomisation is too wide for TSan; running under setarch -R"
  run_tests setarch "$(uname -m)" -R
fi
# A report is a failure even if the program's exit status were to hide it.
if grep -q "ThreadSanitizer" "$log"; then
  echo "tsan: ThreadSanitizer reported a problem (see above, or $log)"
  [ "$status" -ne 0 ] || status=1
fi
if [ "$status" -ne 0 ]; then
  echo "tsan: FAILED (status $status) after $((SECONDS - start)) s"
  exit "$status"
fi
echo "tsan: the threads tests passed under ThreadSanitizer in $((SECONDS - start)) s"
