#!/usr/bin/env bash
# Every benchmark behind bench/RESULTS.md, in one run: builds build-bench (Release, no tests),
# then runs the step/forward/backward benchmarks, the 10^6-node tape, the direct gemm loop
# against BLAS and the products' layouts, peak memory per configuration, and (if libtorch is
# installed) the side-by-side comparisons, on the MLPs and on the digits CNN. The environment
# (OPENBLAS_CORETYPE, OPENBLAS_L2_SIZE, ...) passes through unchanged to every program.
#
#   bench/run.sh [--quick]     --quick: fewer repetitions, for a smoke test
set -euo pipefail
cd "$(dirname "$0")/.."

repetitions=5
compare_args=()
# --quick: 2 repetitions, the fewest for which Google Benchmark reports a median
if [[ ${1:-} == --quick ]]; then repetitions=2; compare_args=(--quick); fi

build=build-bench
generator=()
if [[ ! -f $build/CMakeCache.txt ]] && command -v ninja >/dev/null; then generator=(-G Ninja); fi
cmake -S . -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DTAPEGRAD_BUILD_TESTS=OFF \
  >/dev/null
cmake --build "$build" >/dev/null

echo "## Environment"
echo "- date: $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo "- CPU: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(nproc) cores"
echo "- OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset} OPENBLAS_L2_SIZE=${OPENBLAS_L2_SIZE:-unset}"
echo "- load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

# A Google Benchmark program's medians of $repetitions under a heading: medians TITLE PROGRAM ARGS...
medians() {
  local title=$1 program=$2
  shift 2
  echo "## $title (medians of $repetitions)"
  "$build/bench/$program" --benchmark_repetitions="$repetitions" \
    --benchmark_report_aggregates_only=true "$@" 2>&1 | grep -E "median|^Run|^CPU"
  echo
}

medians "Step, forward, backward" tapegrad_step_bench --benchmark_min_time=0.5
medians "Tape of 10^6 scalar ops" tapegrad_tape_bench
medians "Direct loop against BLAS, ns" tapegrad_gemm_threshold_bench --benchmark_min_time=0.1
medians "The hidden layer's products in other layouts" tapegrad_gemm_layout_bench \
  --benchmark_min_time=0.2

echo "## Peak memory per configuration (one process each)"
echo "| config | dtype | peak RSS MiB | tape arena MiB | parameters + grads MiB | operator new per step: tapegrad | oneDNN | C allocator calls per step (all libraries) |"
echo "|---|---|---:|---:|---:|---:|---:|---:|"
for config in 0 1 2 3; do
  for dtype in float double; do "$build/bench/tapegrad_step_memory" "$config" "$dtype"; done
done
# The digits CNN's step (forward, cross entropy, backward, Adam) as bench/torch_cnn_compare.cpp
# times it; its row shows the count even when it is not zero (exit status 1), so run on.
for batch in 1 32 256; do "$build/bench/tapegrad_step_memory" cnn "$batch" || true; done
echo

if [[ -x $build/bench/tapegrad_torch_compare ]]; then
  for threads in 1 2; do
    echo "## Side by side with libtorch, $threads thread(s)"
    "$build/bench/tapegrad_torch_compare" "${compare_args[@]}" --threads "$threads"
  done
  for threads in 1 2; do
    echo "## The digits CNN side by side with libtorch, $threads thread(s)"
    "$build/bench/tapegrad_torch_cnn_compare" "${compare_args[@]}" --threads "$threads"
  done
else
  echo "## Side by side with libtorch: skipped (libtorch not installed: apt-get install libtorch-dev)"
fi
