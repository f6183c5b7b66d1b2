#!/usr/bin/env bash
# superconv's train step against PyTorch's Python API, side by side in one run, same model/step/threads.
#   benchmarks/compare_train_step.sh [width=64] [batch=512] [steps=6] [modes="fp32 bf16 bf16_cl"]
# Per mode, four processes:
#   C++ heap=retain    superconv as cifar10_resnet runs it (superconv::train::retain_freed_memory())
#   Python             PyTorch as a Python user runs it
#   C++ heap=default   superconv without the heap setting (like for like with the line above)
#   Python + env       PyTorch with the same glibc setting through MALLOC_MMAP_MAX_/MALLOC_TRIM_THRESHOLD_
set -euo pipefail
cd "$(dirname "$0")/.."
w=${1:-64} b=${2:-512} s=${3:-6} modes=${4:-"fp32 bf16 bf16_cl"} t=$(nproc)
py=${SUPERCONV_PYTHON:-.venv/bin/python}
rate() { echo "$1" | sed -E 's/.*\| ([0-9.]+) img\/s.*/\1/'; }
ratio() { python3 -c "print(f'{$1/$2:.3f}')"; }
for m in $modes; do
  c=$(./build/bin/bench_train_step "$w" "$b" "$s" "$m" "$t" retain)
  p=$("$py" benchmarks/train_step_reference.py "$w" "$b" "$s" "$m" "$t")
  cd_=$(./build/bin/bench_train_step "$w" "$b" "$s" "$m" "$t" default)
  pe=$(MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=68719476736 "$py" benchmarks/train_step_reference.py "$w" "$b" "$s" "$m" "$t")
  printf '%s\n%s\n%s\n%s (MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=68719476736)\n' "$c" "$p" "$cd_" "$pe"
  echo "ratio ($m): superconv / PyTorch, each as shipped: $(ratio "$(rate "$c")" "$(rate "$p")")" \
    "| both default heap: $(ratio "$(rate "$cd_")" "$(rate "$p")")" \
    "| both heap-tuned: $(ratio "$(rate "$c")" "$(rate "$pe")")"
done
