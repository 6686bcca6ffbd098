#!/usr/bin/env bash
# Fuzzes the file readers with libFuzzer (tests/fuzz): builds the targets with clang,
# AddressSanitizer and UBSan in build-fuzz/, then runs each for the given time on a scratch copy
# of its seed corpus and regressions, so that the repository's corpus stays as committed. Exits
# non-zero on any crash, hang, leak, out-of-memory or sanitizer report, naming the saved input.
#
#   tools/fuzz.sh [seconds per target, default 600] [target...]   (CI: tools/fuzz.sh 20)
#
# Targets are named after their reader: safetensors, config, csv (or fuzz_csv, ...); all by
# default. Each run's corpus, log and artifacts stay in build-fuzz/fuzz-runs/<target>/.
set -euo pipefail
cd "$(dirname "$0")/.."

build="build-fuzz"
fuzz_dir=tests/fuzz

usage() {
  echo "usage: tools/fuzz.sh [seconds per target, default 600] [target...]" >&2
  exit 2
}

seconds=${1:-600}
if [[ ! $seconds =~ ^[0-9]+$ ]] || ((seconds == 0)); then usage; fi
if (($# > 0)); then shift; fi

all_targets=()
for source in "$fuzz_dir"/fuzz_*.cpp; do
  name=$(basename "$source" .cpp)
  all_targets+=("${name#fuzz_}")
done
if (($# == 0)); then set -- "${all_targets[@]}"; fi
targets=()
for target in "$@"; do
  target=${target#fuzz_}
  if [ ! -f "$fuzz_dir/fuzz_$target.cpp" ]; then
    echo "tools/fuzz.sh: no target '$target'; the targets are: ${all_targets[*]}" >&2
    exit 2
  fi
  targets+=("$target")
done

# ---- Build ---------------------------------------------------------------------------------------
started=$SECONDS
mkdir -p "$build"
build_log=$build/fuzz-build.log
echo "== building ${targets[*]/#/fuzz_} in $build (clang, libFuzzer, address+undefined) ..."
if ! {
  CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O0 -g1 -DNDEBUG" \
    -DTAPEGRAD_FUZZ=ON -DTAPEGRAD_BUILD_TESTS=OFF -DTAPEGRAD_BUILD_BENCH=OFF \
    -DTAPEGRAD_BUILD_TOOLS=OFF -DTAPEGRAD_UNITY_LIBRARY=ON &&
    cmake --build "$build" -j2 --target "${targets[@]/#/fuzz_}"
} >"$build_log" 2>&1; then
  tail -n 40 "$build_log" >&2
  echo "tools/fuzz.sh: the build failed; the whole log is $build_log" >&2
  exit 1
fi
echo "   built in $((SECONDS - started)) s"

# ---- Fuzz ----------------------------------------------------------------------------------------
# A sanitizer report stops the run (the build has -fno-sanitize-recover=all); UBSan's with a stack.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-}${UBSAN_OPTIONS:+:}print_stacktrace=1

failed=()
summary=()
for target in "${targets[@]}"; do
  work=$build/fuzz-runs/$target
  rm -rf "$work"
  mkdir -p "$work/corpus" "$work/artifacts"
  # The seeds and every input that once failed: a fix must hold against mutations of them too.
  for seeds in "$fuzz_dir/corpus/$target" "$fuzz_dir/regressions/$target"; do
    if [ -d "$seeds" ]; then
      find "$seeds" -maxdepth 1 -type f ! -name 'README*' -exec cp -t "$work/corpus" {} +
    fi
  done
  options=(-max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048
    -artifact_prefix="$work/artifacts/" -print_final_stats=1)
  if [ -f "$fuzz_dir/fuzz_$target.dict" ]; then options+=(-dict="$fuzz_dir/fuzz_$target.dict"); fi

  echo "== fuzz_$target: ${seconds} s from $(find "$work/corpus" -type f | wc -l) seed inputs ..."
  set +e
  "$build/tests/fuzz/fuzz_$target" "${options[@]}" "$work/corpus" >"$work/fuzz.log" 2>&1
  status=$?
  set -e

  log=$work/fuzz.log
  findings=$(find "$work/artifacts" -type f \( -name 'crash-*' -o -name 'leak-*' -o \
    -name 'timeout-*' -o -name 'oom-*' \) | sort)
  report='ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|libFuzzer)'
  report+='|runtime error:|invariant broken|out-of-memory|ALARM: working on the last Unit'
  reported=$(grep -E -m1 "$report" "$log" || true)
  executed=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  coverage=$(grep -E '^#[0-9]+.* cov: ' "$log" | tail -n 1 |
    grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' || true)
  line="fuzz_$target: ${executed:-?} runs, ${speed:-?}/s, ${coverage:-no coverage line}"
  if ((status == 0)) && [ -z "$findings" ] && [ -z "$reported" ]; then
    echo "   ok: $line"
    summary+=("ok      $line")
    continue
  fi

  failed+=("$target")
  summary+=("FAILED  $line")
  echo "   FAILED (exit status $status):" >&2
  # The report and its stack, up to the sanitizer's SUMMARY line (an awk program, not expanded).
  # shellcheck disable=SC2016
  excerpt='$0 ~ report { on = 1 } on { print "   | " $0; if (/^SUMMARY:/ || ++n == 40) exit }'
  awk -v report="$report" "$excerpt" "$log" >&2
  echo "   the whole log: $log" >&2
  for input in $findings; do
    echo "   the input was saved as $input" >&2
    echo "     reproduce: $build/tests/fuzz/fuzz_$target $input" >&2
    echo "     minimize:  $build/tests/fuzz/fuzz_$target -minimize_crash=1 -runs=100000 $input" >&2
  done
  echo "   Fix the reader, then copy the input into $fuzz_dir/regressions/$target/ under a name" \
    "that says what it holds, and add a Catch2 test in tests/files/ that reproduces it." >&2
done

echo "== summary (${seconds} s per target, $((SECONDS - started)) s in all, the build included)"
printf '   %s\n' "${summary[@]}"
if ((${#failed[@]} > 0)); then
  echo "tools/fuzz.sh: findings in ${failed[*]}" >&2
  exit 1
fi
