#!/usr/bin/env bash
# Data-parallel scaling on this machine: `tapegrad train --data-parallel` under mpirun with 1 and
# 2 ranks, on the same data, model and batches, and the plain single-process command beside
# them. Reports examples per second (median over the epochs after the first) and the allreduce
# time per step. Each rank runs OpenBLAS on one thread (OPENBLAS_NUM_THREADS=1, passed to every
# run), so 2 ranks use the machine's 2 cores; other variables (OPENBLAS_CORETYPE, ...) pass
# through unchanged to every run.
#
#   bench/data_parallel.sh [build-folder]     (default build-bench, built here if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-bench}
command -v mpirun >/dev/null || { echo "data_parallel.sh: mpirun not found (apt-get install openmpi-bin libopenmpi-dev)" >&2; exit 1; }
if [[ ! -x $build/tools/tapegrad || ! -x $build/bench/tapegrad_allreduce_time ]]; then
  generator=()
  if [[ ! -f $build/CMakeCache.txt ]] && command -v ninja >/dev/null; then generator=(-G Ninja); fi
  cmake -S . -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DTAPEGRAD_BUILD_TESTS=OFF \
    >/dev/null
  cmake --build "$build" >/dev/null
fi
[[ -x $build/bench/tapegrad_allreduce_time ]] || { echo "data_parallel.sh: $build has no MPI (configure it where libopenmpi-dev is installed)" >&2; exit 1; }
repo=$PWD
tapegrad=$repo/$build/tools/tapegrad
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

# 8192 rows: 64 inputs in [−1, 1], one target; a 64-256-1 sigmoid MLP, batches of 512, float32.
awk 'BEGIN { srand(5); printf "x0"; for (j = 1; j < 64; j++) printf ",x%d", j; print ",y";
             for (r = 0; r < 8192; r++) { s = 0; for (j = 0; j < 64; j++) { v = 2 * rand() - 1;
               s += v * (j % 3 - 1); printf "%s%.6f", (j ? "," : ""), v } printf ",%.6f\n", s / 8 } }' \
  > data.csv
cat > model.json <<'JSON'
{"inputs": 64, "loss": "mse", "layers": [{"units": 256, "activation": "sigmoid"},
 {"units": 1, "activation": "identity"}]}
JSON
export OPENBLAS_NUM_THREADS=1
"$tapegrad" init --model model.json --out w.safetensors >/dev/null
train=(train --model model.json --weights w.safetensors --data data.csv --epochs 8 --batch 512
       --lr 0.05 --out out.safetensors)
mpi=(mpirun --oversubscribe -x OPENBLAS_NUM_THREADS)
[[ $(id -u) -eq 0 ]] && mpi+=(--allow-run-as-root)

# The median of the examples_per_second column over epochs 2.. of a training log.
median_rate() {
  tail -n +3 "$1" | cut -d, -f5 | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

echo "- date: $(date -u +%Y-%m-%dT%H:%MZ), commit $(git -C "$repo" describe --always --dirty 2>/dev/null || echo unknown)"
echo "- CPU: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(nproc) cores"
echo "- OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset} OPENBLAS_L2_SIZE=${OPENBLAS_L2_SIZE:-unset} OPENBLAS_NUM_THREADS=1"
echo "- $(mpirun --version 2>&1 | head -1); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- 64-256-1 sigmoid MLP, mse, float32, 8192 rows, batches of 512 (16 steps per epoch), 8 epochs"
echo
echo "| run | examples/s (median, epochs 2–8) | allreduce per step |"
echo "|---|---:|---:|"
"$tapegrad" "${train[@]}" --log plain.csv >/dev/null
echo "| one process, no MPI | $(median_rate plain.csv) | — |"
for ranks in 1 2; do
  "${mpi[@]}" -np "$ranks" "$tapegrad" "${train[@]}" --data-parallel --log "ranks$ranks.csv" \
    > "ranks$ranks.out"
  allreduce=$(sed -n 's/^allreduce: \([0-9.]*\) µs per step.*/\1 µs/p' "ranks$ranks.out")
  [[ -n $allreduce ]] || { echo "data_parallel.sh: no allreduce line in the output of $ranks rank(s):" >&2; cat "ranks$ranks.out" >&2; exit 1; }
  echo "| mpirun -np $ranks --data-parallel | $(median_rate "ranks$ranks.csv") | $allreduce |"
done
echo
echo "The allreduce per step above includes waiting for the slower rank. The call alone, the"
echo "ranks lined up by a barrier first (tapegrad_allreduce_time):"
"${mpi[@]}" -np 2 "$repo/$build/bench/tapegrad_allreduce_time" 16897 1048576 | sed 's/^/- /'
