#!/usr/bin/env bash
# The GPU rows of the README in one call: both recipes with and without --cuda-graphs (device, images/s, seconds per
# epoch, time to the end of the run, accuracy on all test records and on records 0-999), then SEEDS seeds of
# cifar10_speedrun's default recipe with mean and spread. Prints Markdown tables; every run's folder and log stay in
# $OUT (default runs/gpu-report-<date-time>), the tables also in $OUT/report.md.
#
#   benchmarks/gpu_report.sh            # the full report: about 8 minutes on one H100
#   benchmarks/gpu_report.sh --small    # a few batches of each, on whatever device there is (a check of the script)
#
# Environment: BUILD (default build; built with `cmake --build` when its programs are missing), SUPERCONV_DATA (else
# data/cifar-10-batches-bin), DEVICE (default cuda when nvidia-smi sees a GPU, else cpu), SEEDS (default 5; 2 with
# --small), OUT. A run that fails (e.g. --cuda-graphs on a CPU) becomes a row that says why; the script goes on.
set -uo pipefail
cd "$(dirname "$0")/.."
small=0
[[ "${1:-}" == "--small" ]] && small=1
build=${BUILD:-build}
data=${SUPERCONV_DATA:-data/cifar-10-batches-bin}
out=${OUT:-runs/gpu-report-$(date +%Y%m%d-%H%M%S)}
py=$(command -v python3 || true)
[[ -n "$py" ]] || { echo "gpu_report: python3 is needed to read the runs' JSON" >&2; exit 2; }
if [[ -z "${DEVICE:-}" ]]; then
  DEVICE=cpu
  command -v nvidia-smi >/dev/null && nvidia-smi -L >/dev/null 2>&1 && DEVICE=cuda
fi
seeds=${SEEDS:-$((small ? 2 : 5))}
[[ -d "$data" ]] || { echo "gpu_report: no CIFAR-10 at $data (set SUPERCONV_DATA)" >&2; exit 2; }
for p in cifar10_speedrun cifar10_resnet; do
  if [[ ! -x "$build/bin/$p" ]]; then
    echo "gpu_report: building $p in $build"
    cmake --build "$build" --target "$p" || { echo "gpu_report: cannot build $p in $build" >&2; exit 2; }
  fi
done
mkdir -p "$out"
if [[ "$DEVICE" == cuda* ]]; then
  hw=$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1)
else
  hw="CPU: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores"
fi

# Per recipe: the options of a full run and of a --small one (a few batches, a few hundred test records).
declare -A full=(
  [cifar10_speedrun]=""
  [cifar10_resnet]="--lr-max 0.157 --lr-min 0.0157"
)
declare -A little=(
  [cifar10_speedrun]="--epochs 1 --train-limit 4000 --test-limit 500"
  [cifar10_resnet]="--epochs 1 --train-limit 1024 --test-limit 500 --lr-max 0.05"
)

# One run: recipe, label, options...; prints a Markdown row.
row() {
  local recipe=$1 label=$2
  shift 2
  local dir="$out/$recipe-$label" t0 t1
  t0=$(date +%s.%N)
  "$build/bin/$recipe" --data "$data" --device "$DEVICE" --out "$dir" --no-tensorboard "$@" >"$dir.log" 2>&1
  local rc=$?
  t1=$(date +%s.%N)
  if [[ $rc -ne 0 || ! -f "$dir/summary.json" ]]; then
    local why
    why=$(grep -m1 -iE "error|what\(\)" "$dir.log" | cut -c1-140 | tr '|' '/')
    printf '| %s | %s | %s | not run: exit %d, %s | | | | |\n' "$recipe" "$label" "$hw" "$rc" "${why:-see $dir.log}"
    return
  fi
  "$py" - "$dir" "$recipe" "$label" "$hw" "$t0" "$t1" <<'EOF'
import csv, json, sys
d, recipe, label, hw, t0, t1 = sys.argv[1:]
s = json.load(open(f"{d}/summary.json"))
rows = list(csv.DictReader(open(f"{d}/metrics.csv")))
secs = [float(r["seconds"]) for r in rows if r.get("seconds")]
later = secs[1:] or secs  # the first epoch carries cuDNN's autotuning and the graph capture
pct = lambda k: f"{100 * s[k]:.2f} %" if k in s else "-"
print(f"| {recipe} | {label} | {hw} | {s.get('train_images_per_second', 0):,.0f} | "
      f"{sum(later) / len(later):.2f} | {s['total_seconds']:.1f} ({float(t1) - float(t0):.1f} wall) | "
      f"{pct('final_test_accuracy')} | {pct('test_accuracy_records_0_999')} |")
EOF
}

{
  echo "## superconv GPU report, $(date -u +%Y-%m-%d), $hw (device $DEVICE$([[ $small == 1 ]] && echo ', --small'))"
  echo
  echo "| recipe | step | device | train img/s | s / epoch (after the 1st) | run s (process wall) | test acc | records 0-999 |"
  echo "|---|---|---|---|---|---|---|---|"
  for recipe in cifar10_speedrun cifar10_resnet; do
    # shellcheck disable=SC2086  # the option strings split into options on purpose
    opts=$([[ $small == 1 ]] && echo "${little[$recipe]}" || echo "${full[$recipe]}")
    # shellcheck disable=SC2086
    row "$recipe" eager $opts
    # shellcheck disable=SC2086
    row "$recipe" cuda-graphs --cuda-graphs $opts
  done
  echo
  echo "### cifar10_speedrun, $seeds seeds (default recipe$([[ $small == 1 ]] && echo ', --small'))"
  echo
  dir="$out/cifar10_speedrun-seeds"
  # shellcheck disable=SC2086
  if "$build/bin/cifar10_speedrun" --data "$data" --device "$DEVICE" --out "$dir" --no-tensorboard --runs "$seeds" \
    $([[ $small == 1 ]] && echo "${little[cifar10_speedrun]}") >"$dir.log" 2>&1; then
    "$py" - "$dir/summary.json" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
f = lambda k: f"{100 * s[k + '_mean']:.2f} ± {100 * s[k + '_std']:.2f} %"
print("| seeds | test acc (mean ± std) | records 0-999 (mean ± std) | run s (mean ± std) |")
print("|---|---|---|---|")
print(f"| {s['runs']} | {f('final_test_accuracy')} | {f('test_accuracy_records_0_999')} | "
      f"{s['total_seconds_mean']:.1f} ± {s['total_seconds_std']:.1f} |")
EOF
  else
    echo "not run: see $dir.log"
  fi
} | tee "$out/report.md"
echo "gpu_report: runs and logs in $out"
