#!/usr/bin/env bash
# superconv's train step against PyTorch's Python API, side by side in one run, same model/step/threads.
#   benchmarks/compare_train_step.sh [width=64] [batch=512] [steps=6] [modes="fp32 bf16 bf16_cl"]
set -euo pipefail
cd "$(dirname "$0")/.."
w=${1:-64} b=${2:-512} s=${3:-6} modes=${4:-"fp32 bf16 bf16_cl"} t=$(nproc)
py=${SUPERCONV_PYTHON:-.venv/bin/python}
for m in $modes; do
  c=$(./build/bin/bench_train_step "$w" "$b" "$s" "$m" "$t")
  p=$("$py" benchmarks/train_step_reference.py "$w" "$b" "$s" "$m" "$t")
  echo "$c"; echo "$p"
  ci=$(echo "$c" | sed -E 's/.*\| ([0-9.]+) img\/s.*/\1/'); pi=$(echo "$p" | sed -E 's/.*\| ([0-9.]+) img\/s.*/\1/')
  echo "ratio superconv / PyTorch ($m): $(python3 -c "print(f'{$ci/$pi:.3f}')")"
done
