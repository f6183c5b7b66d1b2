#!/usr/bin/env bash
# Data parallelism on one CPU: training images/s of 1 process x N threads against N processes x 1 thread (torchrun,
# Gloo), the recipe itself on a real-data subset with a fixed LR (no range test), global batch 512 both ways.
# A figure, not a goal. Usage: bench_distributed.sh <torchrun> <cifar10_resnet> [procs=2] [width=16] [epochs=2]
#   benchmarks/bench_distributed.sh .venv/bin/torchrun build/bin/cifar10_resnet 2 16 2
set -eu
torchrun=$1 exe=$2 n=${3:-2} width=${4:-16} epochs=${5:-2}
data=${SUPERCONV_DATA:-$(dirname "$0")/../../shared/data/cifar-10-batches-bin}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
args=(--data "$data" --width "$width" --epochs "$epochs" --train-limit 10240 --test-limit 1000 --lr-max 0.4 --seed 0)
figure() { sed -n 's/.*"train_images_per_second": *\([0-9.]*\).*/\1/p' "$1/summary.json"; }
"$exe" "${args[@]}" --threads "$n" --out "$work/one" > "$work/one.log" 2>&1
OMP_NUM_THREADS=1 "$torchrun" --standalone --nproc-per-node "$n" --no-python "$exe" "${args[@]}" --threads 1 \
  --out "$work/many" > "$work/many.log" 2>&1
one=$(figure "$work/one") many=$(figure "$work/many")
acc() { sed -n 's/.*"final_test_accuracy": *\([0-9.]*\).*/\1/p' "$1/summary.json"; }
echo "width $width, $epochs epochs of 10240 images, global batch 512, $(nproc) cores"
printf '1 process x %d threads : %8.1f images/s  (test acc %s)\n' "$n" "$one" "$(acc "$work/one")"
printf '%d processes x 1 thread: %8.1f images/s  (test acc %s)\n' "$n" "$many" "$(acc "$work/many")"
