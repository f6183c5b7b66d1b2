#!/usr/bin/env bash
# Flat memory: resident memory and open file descriptors of a long run of short epochs, after epoch 2 and after
# epoch 10 (a leak grows them with every epoch). Prints the figures; run by hand (no timing or memory assertions in
# the tests). Usage: benchmarks/memory_flat.sh [build/bin/cifar10_resnet] [data folder] [extra options...]
set -uo pipefail
exe=${1:-build/bin/cifar10_resnet}
data=${2:-${SUPERCONV_DATA:-data/cifar-10-batches-bin}}
shift 2 2>/dev/null || shift $#
out=$(mktemp -d)
"$exe" --data "$data" --out "$out/run" --epochs 12 --width 16 --train-limit 4096 --test-limit 1000 --batch-size 256 \
  --lr-max 0.2 --threads 2 "$@" >"$out/log" 2>&1 &
pid=$!
sample() {  # epochs done, resident memory (KiB), open descriptors
  echo "$1 $(awk '/VmRSS/ {print $2}' "/proc/$pid/status") $(ls "/proc/$pid/fd" | wc -l)"
}
declare -A at=()
while kill -0 $pid 2>/dev/null; do
  rows=$(( $( [ -f "$out/run/metrics.csv" ] && wc -l <"$out/run/metrics.csv" || echo 1) - 1 ))
  for e in 2 10; do
    if [ "$rows" -ge $e ] && [ -z "${at[$e]:-}" ]; then at[$e]=$(sample $e); fi
  done
  sleep 0.05
done
wait $pid || { echo "the run failed: $(tail -3 "$out/log")"; exit 1; }
read -r _ rss2 fd2 <<<"${at[2]}"
read -r _ rss10 fd10 <<<"${at[10]}"
echo "after epoch 2:  resident $((rss2 / 1024)) MiB, open descriptors $fd2"
echo "after epoch 10: resident $((rss10 / 1024)) MiB, open descriptors $fd10"
awk -v a="$rss2" -v b="$rss10" 'BEGIN { printf "resident memory change from epoch 2 to 10: %+.2f %%\n", 100 * (b - a) / a }'
rm -rf "$out"
