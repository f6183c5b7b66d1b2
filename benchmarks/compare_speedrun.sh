#!/usr/bin/env bash
# cifar10_speedrun against the eager-PyTorch reference (benchmarks/speedrun_reference.py), side by side: ROUNDS
# rounds, each running the C++ recipe and then the Python one for EPOCHS epochs with the same data, threads, bf16
# autocast and channels_last; prints each run's whole-run seconds (whitening, training, TTA evaluation; data reading
# excluded) and the ratio Python / C++ per round and of the medians. Run it by hand on a quiet machine:
#   benchmarks/compare_speedrun.sh [EPOCHS=8] [ROUNDS=2] [THREADS=2]
# Needs build/bin/cifar10_speedrun, a Python with torch (SUPERCONV_PYTHON, else .venv/bin/python) and the data
# (SUPERCONV_DATA, else data/cifar-10-batches-bin). The runs' folders, JSON and logs stay in $OUT (default
# runs/compare-speedrun-<date-time>): the accuracies of each round are there.
set -euo pipefail
cd "$(dirname "$0")/.."
epochs=${1:-8} rounds=${2:-2} threads=${3:-2}
py=${SUPERCONV_PYTHON:-.venv/bin/python}
data=${SUPERCONV_DATA:-data/cifar-10-batches-bin}
out=${OUT:-runs/compare-speedrun-$(date +%Y%m%d-%H%M%S)}  # each run's folder, JSON and log stay here
mkdir -p "$out"
seconds() { "$py" -c "import json,sys; d=json.load(open(sys.argv[1])); print(d['$2'] if '$2' in d else d['runs'][0]['$2'])" "$1"; }
cpp=() python=()
for r in $(seq 1 "$rounds"); do
  build/bin/cifar10_speedrun --data "$data" --epochs "$epochs" --threads "$threads" --seed "$r" --no-tensorboard \
    --out "$out/cpp$r" >"$out/cpp$r.log" 2>&1
  cpp+=("$(seconds "$out/cpp$r/summary.json" total_seconds)")
  "$py" benchmarks/speedrun_reference.py --data "$data" --epochs "$epochs" --threads "$threads" --seed "$r" \
    --out "$out/py$r.json" >"$out/py$r.log" 2>&1
  python+=("$(seconds "$out/py$r.json" total_seconds)")
  printf 'round %d: C++ %8.1f s | PyTorch %8.1f s | PyTorch / C++ %s\n' "$r" "${cpp[-1]}" "${python[-1]}" \
    "$(awk -v a="${python[-1]}" -v b="${cpp[-1]}" 'BEGIN { printf "%.3f", a / b }')"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
mc=$(median "${cpp[@]}") mp=$(median "${python[@]}")
printf 'median: C++ %.1f s | PyTorch %.1f s | PyTorch / C++ %s (epochs %s, threads %s)\n' "$mc" "$mp" \
  "$(awk -v a="$mp" -v b="$mc" 'BEGIN { printf "%.3f", a / b }')" "$epochs" "$threads"
